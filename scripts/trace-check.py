#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""trace-check.py - check that an hmap event log tells a consistent story.

usage: trace-check.py [options] LOG
       trace-check.py --self-test LOG

LOG is the output of scripts/hmap-events.bt (bpftrace's own messages may be
mixed in: they are ignored, except "Lost N events", which fails). Prints TAP
("ok N - ...", "not ok N - ...", "# ..." diagnostics, the plan last) and
exits 1 if a check failed. Each check is computed from the trace alone:

  events         the log has resize events, at least --min-resizes resizes
                 and every kind named by --expect-kinds
  complete       no events lost; bpftrace reached its END block; the log
                 has as many S, E, D, W lines as bpftrace counted printing
                 them; the kretprobes saw writes end
  start/done     every hmap_resize_start has one end, a hmap_resize_done or
                 (a clear dropped it) a hmap_resize_abandon, and every step
                 and end belongs to a resize that started
  coverage       a done resize's hmap_evacuate steps name every old bucket
                 index 0..old_buckets-1 exactly once (an abandoned one's at
                 most once), and old_buckets is 2^old_b
  moved          per done resize, entries moved (done's `moved`) == `count`
                 at start (a delete during a resize evacuates the key's
                 chain before it deletes, so every entry present at the
                 start moves; only a delete that finds no memory for that
                 removes the key in place, which these tests do not
                 provoke); and the steps' moved_x + moved_y add up to it
  step totals    done's steps_by_writes / steps_by_worker == the number of
                 steps with write_step > 0 / == 0
  progress       the largest nevacuate a resize reports is old_buckets, and
                 grow steps are the only ones with entries going to Y
  per write      no single write (hmap_insert/hmap_delete/
                 hmap_lookup_and_delete call, from kprobes) evacuated more
                 than 2 old chains: counted from the steps seen between its
                 entry and return, without looking at write_step
  write_step     write_step agrees with the kprobes: > 0 exactly for steps
                 inside a write, 1 and 2 in that order within a write, and
                 the in-kernel per-write counts (W lines, T totals) match
  worker         --expect-worker KIND:OLD_B:NEW_B: that resize has steps by
                 the background worker (the test stops writing mid-resize)
  stats          --stats FILE (`hmapctl stats -j` taken when the trace
                 ends, the module loaded just before it began): grows,
                 same_size_grows, shrinks, evacuated_by_writes and
                 evacuated_by_worker equal the trace's counts

--self-test LOG checks LOG quietly (it must pass), then doctored copies of
it, one per failure the checks must catch (no events, a step dropped or
duplicated, a done missing, moved or count or a step total changed,
nevacuate short, a shrink moving entries to Y, a third chain in one write,
a write_step that lies, a lost event, a truncated log, no worker steps, a
whole resize missing, which only --stats catches), and prints one TAP line
per doctored log: ok when the check meant to catch it failed.
"""

import argparse
import collections
import functools
import json
import os
import re
import sys


def resizing_kinds():
    """{value: name} of the resize kinds, read from the UAPI header's
    HMAP_RESIZING_* values and its HMAP_RESIZING_KINDS list (the one list
    of them), without "none"."""
    uapi = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                        "include", "uapi", "linux", "hmap.h")
    with open(uapi) as f:
        text = f.read()
    values = {m[0]: int(m[1]) for m in
              re.findall(r"^#define (HMAP_RESIZING_\w+)\s+(\d+)", text, re.M)}
    kinds = {values[m[0]]: m[1] for m in
             re.findall(r"\b(?:X|LAST)\((HMAP_RESIZING_\w+), \"(\w+)\"\)",
                        text)}
    kinds.pop(values["HMAP_RESIZING_NONE"])
    return kinds


KINDS = resizing_kinds()
KIND_IDS = {v: k for k, v in KINDS.items()}
LINE = re.compile(r"^([SEDAWT]) ((?:\w+=\S+ ?)+)$")


@functools.lru_cache(maxsize=None)
def parse_line(line):
    """(tag, ((key, value), ...)) of an event line, or None."""
    m = LINE.match(line)
    if not m:
        return None
    fields = []
    for kv in m.group(2).split():
        k, v = kv.split("=", 1)
        try:
            v = int(v)
        except ValueError:
            pass
        fields.append((k, v))
    return m.group(1), tuple(fields)


TOTAL = re.compile(r"^@(\w+): (\d+)$")
# The T line's fields, from the "@name: N" lines bpftrace prints after it.
T_FIELDS = {"writes": "writes", "evac_in_writes": "evac_in_writes",
            "max_chains": "max_chains", "lines_s": "s", "lines_e": "e",
            "lines_d": "d", "lines_a": "a", "lines_w": "w"}


def parse(lines):
    """Split a log into event dicts by tag; note lost events and the end."""
    ev = collections.defaultdict(list)
    lost = []
    for n, raw in enumerate(lines, 1):
        line = raw.rstrip("\n")
        if line.startswith("Lost "):
            lost.append(line)
            continue
        total = TOTAL.match(line)
        if total and ev["T"] and total.group(1) in T_FIELDS:
            # The first print of each total; bpftrace prints the cleared
            # aggregations again, as 0, when it exits.
            ev["T"][-1].setdefault(T_FIELDS[total.group(1)],
                                   int(total.group(2)))
            continue
        parsed = parse_line(line)
        if parsed:
            d = dict(parsed[1])
            d["_line"] = n
            ev[parsed[0]].append(d)
    for t in ev["T"]:
        for field in T_FIELDS.values():
            t.setdefault(field, 0)  # an aggregation never updated
    return ev, lost


class Tap:
    def __init__(self, out):
        self.n = 0
        self.failed = 0
        self.out = out
        self.results = {}

    def check(self, key, name, problems, notes=()):
        """One TAP line: ok when `problems` is empty."""
        self.n += 1
        ok = not problems
        self.results[key] = ok
        if not ok:
            self.failed += 1
        if self.out:
            print(f"{'ok' if ok else 'not ok'} {self.n} - {name}")
            for p in list(problems)[:8]:
                print(f"#   {p}")
            if len(problems) > 8:
                print(f"#   ... and {len(problems) - 8} more")
            for note in notes:
                print(f"# {note}")
        return ok


def resize_name(s):
    return (f"map {s['map']} #{s['gen']} {KINDS.get(s['kind'], s['kind'])} "
            f"B{s['old_b']}->{s['new_b']}")


def check_log(lines, opts, out=True):
    """Run every check on a log; return the Tap with per-check results."""
    tap = Tap(out)
    ev, lost = parse(lines)
    starts = {(s["map"], s["gen"]): s for s in ev["S"]}
    dones = collections.defaultdict(list)
    for d in ev["D"]:
        dones[(d["map"], d["gen"])].append(d)
    abandons = collections.defaultdict(list)
    for a in ev["A"]:
        abandons[(a["map"], a["gen"])].append(a)
    steps = collections.defaultdict(list)
    for e in ev["E"]:
        steps[(e["map"], e["gen"])].append(e)

    # events
    probs = []
    if not ev["E"]:
        probs.append("no hmap_evacuate events")
    if len(starts) < opts.min_resizes:
        probs.append(f"{len(starts)} resizes, want at least {opts.min_resizes}")
    kinds_seen = {s["kind"] for s in starts.values()}
    for k in opts.expect_kinds:
        if KIND_IDS[k] not in kinds_seen:
            probs.append(f"no {k} in the trace")
    tap.check("events", f"trace has {len(starts)} resizes, "
              f"{len(ev['E'])} steps (kinds: "
              f"{', '.join(sorted(KINDS[k] for k in kinds_seen if k in KINDS))})",
              probs)

    # complete
    probs = list(lost)
    if not ev["T"]:
        probs.append("no T line: bpftrace did not reach END")
    else:
        t = ev["T"][0]
        if ev["E"] and t["writes"] == 0:
            probs.append("the kprobes saw no write end: kretprobes not "
                         "attached?")
        for tag in "SEDAW":
            want = t.get(tag.lower())
            if want is not None and want != len(ev[tag]):
                probs.append(f"bpftrace printed {want} {tag} lines, the log "
                             f"has {len(ev[tag])}: stopped before it read "
                             f"them all?")
    tap.check("complete", "no events lost, bpftrace ended cleanly", probs)

    # start/done
    probs = []
    for key, s in starts.items():
        n = len(dones.get(key, [])) + len(abandons.get(key, []))
        if n != 1:
            probs.append(f"{resize_name(s)} (line {s['_line']}): {n} done "
                         f"or abandon events")
    for ends in (dones, abandons):
        for key, ds in ends.items():
            if key not in starts:
                probs.append(f"end at line {ds[0]['_line']} has no start")
                continue
            s = starts[key]
            for d in ds:
                if (d["kind"], d["old_b"], d["new_b"]) != \
                        (s["kind"], s["old_b"], s["new_b"]):
                    probs.append(f"end at line {d['_line']} does not match "
                                 f"{resize_name(s)}")
    for key, es in steps.items():
        if key not in starts:
            probs.append(f"step at line {es[0]['_line']} has no start")
    tap.check("start_done", "every resize start has exactly one matching "
              "done or abandon", probs)

    # coverage
    probs = []
    for key, s in starts.items():
        nold = 1 << s["old_b"]
        es = steps.get(key, [])
        seen = collections.Counter(e["bucket"] for e in es)
        dup = sorted(b for b, c in seen.items() if c > 1)
        missing = nold - len([b for b in seen if 0 <= b < nold])
        out_of_range = sorted(b for b in seen if not 0 <= b < nold)
        bad_old = {e["old"] for e in es if e["old"] != nold}
        if key in abandons:
            missing = 0
        if dup or missing or out_of_range or bad_old:
            probs.append(f"{resize_name(s)}: {nold} old buckets, "
                         f"{len(es)} steps; duplicated {dup[:5]}, "
                         f"{missing} missing, out of range {out_of_range[:5]}"
                         f", old_buckets field {sorted(bad_old)[:3]}")
    tap.check("coverage", "each done resize's steps evacuate every old "
              "bucket 0..old_buckets-1 exactly once", probs)

    # moved
    probs = []
    for key, s in starts.items():
        for d in dones.get(key, []):
            summed = sum(e["x"] + e["y"] for e in steps.get(key, []))
            if d["moved"] != s["count"]:
                probs.append(f"{resize_name(s)}: moved {d['moved']} at done, "
                             f"count {s['count']} at start")
            if summed != d["moved"]:
                probs.append(f"{resize_name(s)}: steps moved {summed}, "
                             f"done says {d['moved']}")
    tap.check("moved", "entries moved at done == count at start == "
              "sum of the steps' moved_x + moved_y", probs)

    # step totals
    probs = []
    for key, s in starts.items():
        es = steps.get(key, [])
        by_w = sum(1 for e in es if e["step"] > 0)
        by_k = sum(1 for e in es if e["step"] == 0)
        for d in dones.get(key, []) + abandons.get(key, []):
            if (d["by_writes"], d["by_worker"]) != (by_w, by_k):
                probs.append(f"{resize_name(s)}: done says {d['by_writes']} by "
                             f"writes + {d['by_worker']} by worker, the trace "
                             f"has {by_w} + {by_k}")
    tap.check("step_totals", "done's steps_by_writes / steps_by_worker equal "
              "the steps counted in the trace", probs)

    # progress
    probs = []
    for key, s in starts.items():
        es = steps.get(key, [])
        nold = 1 << s["old_b"]
        if es and key not in abandons and \
                max(e["nevac"] for e in es) != nold:
            probs.append(f"{resize_name(s)}: largest nevacuate "
                         f"{max(e['nevac'] for e in es)}, want {nold}")
        if s["kind"] != 1:
            ys = [e for e in es if e["y"]]
            if ys:
                probs.append(f"{resize_name(s)}: step at line "
                             f"{ys[0]['_line']} moved entries to Y")
    tap.check("progress", "nevacuate reaches old_buckets; only grows move "
              "entries to Y", probs)

    # per write, independent of write_step
    probs = []
    per_write = collections.Counter()
    for e in ev["E"]:
        if e["inwrite"]:
            per_write[(e["tid"], e["wseq"])] += 1
    hist = collections.Counter(per_write.values())
    for (tid, wseq), n in per_write.items():
        if n > 2:
            probs.append(f"write {tid}.{wseq} evacuated {n} old chains")
    for w in ev["W"]:
        if w["chains"] > 2:
            probs.append(f"W line {w['_line']}: a write evacuated "
                         f"{w['chains']} old chains")
    for t in ev["T"]:
        if t["max_chains"] > 2:
            probs.append(f"in-kernel maximum per write: {t['max_chains']}")
    writes = ev["T"][0]["writes"] if ev["T"] else 0
    tap.check("per_write", "no single write evacuated more than 2 old chains "
              "(per-write count from kprobes)", probs,
              [f"{writes} writes; writes that evacuated 1 chain: {hist[1]}, "
               f"2 chains: {hist[2]}, more: "
               f"{sum(c for n, c in hist.items() if n > 2)}"])

    # write_step vs kprobes
    probs = []
    for e in ev["E"]:
        if e["step"] not in (0, 1, 2):
            probs.append(f"line {e['_line']}: write_step {e['step']}")
        elif (e["step"] > 0) != bool(e["inwrite"]):
            probs.append(f"line {e['_line']}: write_step {e['step']} but "
                         f"{'inside' if e['inwrite'] else 'outside'} a write")
    by_write = collections.defaultdict(list)
    for e in ev["E"]:
        if e["inwrite"]:
            by_write[(e["tid"], e["wseq"])].append(e)
    for key, es in by_write.items():
        got = sorted(e["step"] for e in es)
        if got != list(range(1, len(es) + 1)):
            probs.append(f"write {key[0]}.{key[1]}: write_steps {got}")
    wlines = {(w["tid"], w["wseq"]): w["chains"] for w in ev["W"]}
    if wlines != dict(per_write):
        diff = set(wlines.items()) ^ set(per_write.items())
        probs.append(f"W lines and steps disagree on {len(diff)} writes, "
                     f"e.g. {sorted(diff)[:3]}")
    for t in ev["T"]:
        if t["evac_in_writes"] != sum(per_write.values()):
            probs.append(f"T says {t['evac_in_writes']} steps in writes, the "
                         f"trace has {sum(per_write.values())}")
    tap.check("write_step", "write_step is 1, 2 within a write and 0 exactly "
              "outside writes (as the kprobes see it)", probs)

    # worker
    for spec in opts.expect_worker:
        kind, old_b, new_b = spec.split(":")
        want = (KIND_IDS[kind], int(old_b), int(new_b))
        probs = []
        # A resize a clear abandoned had no worker to finish it.
        found = [k for k, s in starts.items()
                 if (s["kind"], s["old_b"], s["new_b"]) == want
                 and k not in abandons]
        if not found:
            probs.append(f"no {kind} B{old_b}->{new_b} in the trace")
        for key in found:
            nk = sum(1 for e in steps.get(key, []) if e["step"] == 0)
            ds = dones.get(key, [])
            if nk == 0 or not ds or ds[0]["by_worker"] == 0:
                probs.append(f"{resize_name(starts[key])}: {nk} steps by the "
                             f"worker")
        tap.check(f"worker:{spec}", f"the worker finished {kind} "
                  f"B{old_b}->{new_b} after writes stopped", probs)

    # stats
    if opts.stats:
        probs = []
        st = opts.stats
        want = {
            "grows": sum(1 for x in starts.values() if x["kind"] == 1),
            "same_size_grows": sum(1 for x in starts.values()
                                   if x["kind"] == 2),
            "shrinks": sum(1 for x in starts.values() if x["kind"] == 3),
            "evacuated_by_writes": sum(1 for e in ev["E"] if e["step"] > 0),
            "evacuated_by_worker": sum(1 for e in ev["E"] if e["step"] == 0),
        }
        for k, v in want.items():
            if st.get(k) != v:
                probs.append(f"stats {k} = {st.get(k)}, the trace has {v}")
        ids = {x["map"] for x in starts.values()}
        if ids and ids != {st.get("id")}:
            probs.append(f"stats id {st.get('id')}, trace map ids {ids}")
        tap.check("stats", "the trace's resize and step totals equal "
                  "hmapctl stats", probs)

    # A summary of every resize, for people.
    if out:
        for key in sorted(starts, key=lambda k: starts[k]["_line"]):
            s = starts[key]
            es = steps.get(key, [])
            ws = collections.Counter((e["tid"], e["wseq"]) for e in es
                                     if e["inwrite"])
            by_w = sum(1 for e in es if e["step"] > 0)
            by_k = sum(1 for e in es if e["step"] == 0)
            ds = dones.get(key, [])
            ms = f"{ds[0]['ns'] / 1e6:.1f} ms" if ds else "not done"
            print(f"# {resize_name(s)}: count {s['count']}, "
                  f"{1 << s['old_b']} old buckets: {by_w} steps by "
                  f"{len(ws)} writes (max {max(ws.values(), default=0)}"
                  f"/write) + {by_k} by worker; {ms}")
    return tap


# ---- self-test: doctored logs ------------------------------------------

def _first(lines, pred):
    for i, line in enumerate(lines):
        if pred(line):
            return i
    raise LookupError("no line to doctor")


def _set(line, key, value):
    return re.sub(rf"\b{key}=\S+", f"{key}={value}", line)


def _get(line, key):
    return int(re.search(rf"\b{key}=(-?\d+)", line).group(1))


def doctor_drop_step(lines):
    i = _first(lines, lambda l: l.startswith("E "))
    return lines[:i] + lines[i + 1:]


def doctor_dup_step(lines):
    i = _first(lines, lambda l: l.startswith("E "))
    return lines[:i + 1] + [lines[i]] + lines[i + 1:]


def doctor_drop_done(lines):
    i = _first(lines, lambda l: l.startswith("D "))
    return lines[:i] + lines[i + 1:]


def doctor_moved(lines):
    i = _first(lines, lambda l: l.startswith("D "))
    out = list(lines)
    out[i] = _set(lines[i], "moved", _get(lines[i], "moved") - 1)
    return out


def doctor_count(lines):
    # The map held one entry more at the start than the resize moved.
    i = _first(lines, lambda l: l.startswith("S "))
    out = list(lines)
    out[i] = _set(lines[i], "count", _get(lines[i], "count") + 1)
    return out


def doctor_empty(lines):
    return [l for l in lines if not l.startswith(("S ", "E ", "D ", "W "))]


def doctor_nevac(lines):
    # The step that finished a resize reports it one short of the end.
    for i, line in enumerate(lines):
        if line.startswith("E ") and _get(line, "nevac") == _get(line, "old") \
                and _get(line, "old") > 1:
            out = list(lines)
            out[i] = _set(line, "nevac", _get(line, "old") - 1)
            return out
    raise LookupError("no final step")


def doctor_shrink_y(lines):
    i = _first(lines, lambda l: l.startswith("E ") and _get(l, "kind") == 3
               and _get(l, "x") > 0)
    out = list(lines)
    out[i] = _set(_set(lines[i], "y", 1), "x", _get(lines[i], "x") - 1)
    return out


def doctor_step_entries(lines):
    # One step claims an entry more than it moved: the steps no longer add
    # up to the kernel's total.
    i = _first(lines, lambda l: l.startswith("E ") and _get(l, "x") > 0)
    out = list(lines)
    out[i] = _set(lines[i], "x", _get(lines[i], "x") + 1)
    return out


def doctor_by_worker(lines):
    i = _first(lines, lambda l: l.startswith("D "))
    out = list(lines)
    out[i] = _set(lines[i], "by_worker", _get(lines[i], "by_worker") + 1)
    return out


def doctor_third_chain(lines):
    # A worker step re-labelled as a third step of a write that did 2.
    i = _first(lines, lambda l: l.startswith("W ") and _get(l, "chains") == 2)
    tid, wseq = _get(lines[i], "tid"), _get(lines[i], "wseq")
    j = _first(lines, lambda l: l.startswith("E ") and _get(l, "tid") == tid
               and _get(l, "wseq") == wseq)
    extra = _set(_set(lines[j], "bucket", 1 << 40), "step", 3)
    out = list(lines)
    out[i] = _set(lines[i], "chains", 3)
    return out[:j + 1] + [extra] + out[j + 1:]


def doctor_third_chain_quiet(lines):
    # The same, but the extra chain claims write_step 2 and the W line is
    # left alone: only the per-write count from kprobes catches it.
    i = _first(lines, lambda l: l.startswith("W ") and _get(l, "chains") == 2)
    tid, wseq = _get(lines[i], "tid"), _get(lines[i], "wseq")
    j = _first(lines, lambda l: l.startswith("E ") and _get(l, "step") == 0)
    out = list(lines)
    out[j] = _set(_set(_set(lines[j], "tid", tid), "wseq", wseq), "inwrite", 1)
    out[j] = _set(out[j], "step", 2)
    return out


def doctor_step_lies(lines):
    # A worker step that claims to be a write's.
    i = _first(lines, lambda l: l.startswith("E ") and _get(l, "step") == 0)
    out = list(lines)
    out[i] = _set(lines[i], "step", 1)
    return out


def doctor_drop_resize(lines):
    # A whole resize missing (start, steps, done, its writes' W lines):
    # consistent in itself, so only hmapctl stats can tell.
    i = _first(lines, lambda l: l.startswith("S "))
    key = (_get(lines[i], "map"), _get(lines[i], "gen"))
    gone = [l for l in lines if l.startswith(("S ", "E ", "D "))
            and (_get(l, "map"), _get(l, "gen")) == key]
    writes = {(_get(l, "tid"), _get(l, "wseq")) for l in gone
              if l.startswith("E ") and _get(l, "inwrite")}
    less = {"evac_in_writes": sum(1 for l in gone if l.startswith("E ")
                                  and _get(l, "inwrite")),
            "lines_w": len(writes)}
    for tag in "sed":
        less["lines_" + tag] = sum(1 for l in gone
                                   if l.startswith(tag.upper()))
    out = []
    for line in lines:
        if line in gone:
            continue
        if line.startswith("W ") and \
                (_get(line, "tid"), _get(line, "wseq")) in writes:
            continue
        total = TOTAL.match(line.rstrip("\n"))
        if total and total.group(1) in less:
            line = (f"@{total.group(1)}: "
                    f"{int(total.group(2)) - less[total.group(1)]}\n")
            less.pop(total.group(1))  # the first print only
        out.append(line)
    return out


def doctor_lost(lines):
    return lines[:len(lines) // 2] + ["Lost 12 events\n"] + \
        lines[len(lines) // 2:]


def doctor_truncated(lines):
    # The tail of the steps never read (bpftrace stopped while behind):
    # the last 10 E lines gone, everything else intact.
    idx = [i for i, l in enumerate(lines) if l.startswith("E ")][-10:]
    return [l for i, l in enumerate(lines) if i not in set(idx)]


def doctor_no_worker(lines):
    # Every worker step of the expected resize re-labelled as a write's
    # (and the done's totals moved to match, so only "worker" catches it).
    out = list(lines)
    moved = 0
    for i, line in enumerate(out):
        if line.startswith("E ") and _get(line, "step") == 0:
            out[i] = _set(_set(line, "step", 1), "inwrite", 1)
            out[i] = _set(_set(out[i], "tid", 999999), "wseq", i + 1)
            moved += 1
    for i, line in enumerate(out):
        if line.startswith("D "):
            bw, bk = _get(line, "by_writes"), _get(line, "by_worker")
            out[i] = _set(_set(line, "by_writes", bw + bk), "by_worker", 0)
    if not moved:
        raise LookupError("no worker steps")
    return out


DOCTORS = [
    ("a step dropped", doctor_drop_step, "coverage"),
    ("a step duplicated", doctor_dup_step, "coverage"),
    ("a done dropped", doctor_drop_done, "start_done"),
    ("an empty log", doctor_empty, "events"),
    ("done's moved off by one", doctor_moved, "moved"),
    ("count at start off by one", doctor_count, "moved"),
    ("a step's moved_x off by one", doctor_step_entries, "moved"),
    ("done's steps_by_worker off by one", doctor_by_worker, "step_totals"),
    ("nevacuate short of the end", doctor_nevac, "progress"),
    ("a shrink step moving entries to Y", doctor_shrink_y, "progress"),
    ("a third chain in one write", doctor_third_chain, "per_write"),
    ("a third chain that claims write_step 2", doctor_third_chain_quiet,
     "per_write"),
    ("a worker step with write_step 1", doctor_step_lies, "write_step"),
    ("lost events", doctor_lost, "complete"),
    ("the last 10 steps never read", doctor_truncated, "complete"),
    ("a whole resize missing", doctor_drop_resize, "stats"),
    ("no steps by the worker", doctor_no_worker, "worker"),
]


def self_test(lines, opts):
    base = check_log(lines, opts, out=False)
    tap = Tap(True)
    tap.check("base", "self-test: the undoctored log passes every check",
              [f"check {k!r} fails" for k, ok in base.results.items()
               if not ok])
    for name, doctor, key in DOCTORS:
        if key == "worker":
            keys = [k for k in base.results if k.startswith("worker:")]
            if not keys:
                continue
            key = keys[0]
        if key not in base.results:
            continue
        try:
            doctored = doctor(lines)
        except LookupError as err:
            tap.check(name, f"checker rejects a doctored log: {name}",
                      [f"cannot doctor: {err}"])
            continue
        res = check_log(doctored, opts, out=False)
        probs = [] if res.results.get(key) is False else \
            [f"check {key!r} still passes"]
        tap.check(name, f"checker rejects a doctored log: {name} "
                  f"(caught by {key!r})", probs)
    return tap


def main():
    ap = argparse.ArgumentParser(
        description="check an hmap-events.bt log (TAP output)")
    ap.add_argument("log")
    ap.add_argument("--min-resizes", type=int, default=1)
    ap.add_argument("--expect-kinds", default="",
                    help="comma-separated: grow,same_size,shrink")
    ap.add_argument("--expect-worker", action="append", default=[],
                    metavar="KIND:OLD_B:NEW_B")
    ap.add_argument("--stats", metavar="FILE",
                    help="hmapctl stats -j output to compare totals with")
    ap.add_argument("--self-test", action="store_true",
                    help="also check that doctored copies of LOG fail")
    opts = ap.parse_args()
    opts.expect_kinds = [k for k in opts.expect_kinds.split(",") if k]
    for k in opts.expect_kinds:
        if k not in KIND_IDS:
            ap.error(f"unknown kind {k}")
    for spec in opts.expect_worker:
        if not re.fullmatch(r"(grow|same_size|shrink):\d+:\d+", spec):
            ap.error(f"bad --expect-worker {spec}")
    if opts.stats:
        with open(opts.stats, encoding="utf-8") as f:
            opts.stats = json.load(f)
    with open(opts.log, encoding="utf-8", errors="replace") as f:
        lines = f.readlines()
    tap = self_test(lines, opts) if opts.self_test else check_log(lines, opts)
    print(f"1..{tap.n}")
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
