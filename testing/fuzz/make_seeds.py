#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes the seed corpus of the fuzzer (corpus/); see fuzz/hmap_fuzz.c
for the input format. Run from testing/: fuzz/make_seeds.py"""
import os

PUT, GET, DEL, TAKE, DIV, VERIFY_CLEAR, DUMP, NEWSCAN, WORKER, WQ, \
    FAILHOOK, FAILALLOC, BULKPUT, BULKDEL, BADKEY, AUDIT = range(16)


def op(code, arg=0, *more):
    return bytes([code | arg << 4, *more])


def cfg(hash_mode=0, worker=False, strict=False, hint=0, entries=0):
    return hash_mode | worker << 2 | strict << 3 | hint << 4 | entries << 6


def lim(key=4, value=2):
    return key | value << 4


def write(name, data):
    with open(os.path.join('corpus', name), 'wb') as f:
        f.write(bytes(data))


os.makedirs('corpus', exist_ok=True)

# Every op on a small map.
s = bytes([cfg(), lim()])
for i in range(20):
    s += op(PUT, i % 3, i, 1 + i % 8)
s += op(GET, 0, 3) + op(GET, 2, 4) + op(DEL, 0, 5) + op(TAKE, 2, 6)
s += op(DIV, 0, 7) + op(DIV, 1, 8) + op(DUMP, 1) + op(DUMP, 1) + op(DUMP, 7)
s += op(BADKEY, 0) + op(BADKEY, 1) + op(VERIFY_CLEAR, 0) + op(AUDIT)
write('basic', s)

# Grow through several sizes with a scan open, then shrink.
s = bytes([cfg(entries=2, worker=True), lim(key=5, value=3)])
s += op(DUMP, 2)
for i in range(12):
    s += op(BULKPUT, 15, i * 32 // 4) + op(DUMP, 3)
s += op(WQ, 1) + op(DUMP, 7) + op(WORKER)
for i in range(12):
    s += op(BULKDEL, 15, i * 32 // 4) + op(DUMP, 1)
s += op(VERIFY_CLEAR, 0)
write('grow-shrink', s)

# Whole-hash collisions: two hashes for everything.
s = bytes([cfg(hash_mode=1, entries=1), lim(key=3, value=2), 1])
s += bytes(range(8)) + bytes(range(8, 16)) + bytes([71])
for i in range(40):
    s += op(PUT, 0, i, 4)
s += op(DUMP, 7) + op(DUMP, 7) + op(DUMP, 7)
for i in range(0, 40, 3):
    s += op(DEL, 0, i)
s += op(VERIFY_CLEAR, 0)
write('collide', s)

# Allocation failures between writes, mid-resize.
s = bytes([cfg(entries=2), lim(key=4, value=2)])
for i in range(10):
    s += op(FAILHOOK, i % 4) + op(BULKPUT, 7, i * 4)
    s += op(FAILALLOC, i % 3) + op(PUT, 0, 200 + i, 3)
    s += op(FAILHOOK, 15) + op(DEL, 0, i * 16 % 128)
s += op(FAILALLOC, 0) + op(DUMP, 7) + op(WORKER) + op(VERIFY_CLEAR, 0)
write('faults', s)

# Low hash bits cleared: one bucket for everything, deletes, rebuilds.
s = bytes([cfg(hash_mode=2, hint=2, entries=2), lim(key=5, value=2), 9])
for i in range(6):
    s += op(BULKPUT, 7, i * 4)
for i in range(5):
    s += op(BULKDEL, 7, i * 4)
s += op(BULKPUT, 7, 25) + op(WORKER) + op(VERIFY_CLEAR, 0)
write('one-bucket', s)

# A clear in the middle of a resize, strict grace periods.
s = bytes([cfg(strict=True, entries=2, worker=True), lim(key=4, value=4)])
for i in range(6):
    s += op(BULKPUT, 15, i * 32 // 4)
s += op(DUMP, 2) + op(VERIFY_CLEAR, 8) + op(DUMP, 2) + op(BULKPUT, 3, 0)
s += op(WQ, 1) + op(VERIFY_CLEAR, 0)
write('clear-strict', s)
