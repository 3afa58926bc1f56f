#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn one bench-native run directory into results.csv, results.json,
summary.md (ratio and absolute tables, load, profile) and gnuplot plots.

usage: report.py RUN_DIR
"""
import csv
import glob
import json
import os
import re
import subprocess
import sys

PEERS = ["hmap", "go_map", "cds_lfht", "absl_flat_hash_map", "std_unordered_map"]
SHORT = {"hmap": "hmap", "go_map": "Go map", "cds_lfht": "cds_lfht",
         "absl_flat_hash_map": "absl flat", "std_unordered_map": "std::unordered"}

# (label, workload, metric, higher_is_better, kind)
METRICS = [
    ("insert 0→N, ops/s", "insert", "ops_per_s", True, "rate"),
    ("insert 0→N, ops/CPU-s", "insert", "ops_per_cpu_s", True, "rate"),
    ("insert latency p50", "insert_latency", "p50", False, "ns"),
    ("insert latency p99", "insert_latency", "p99", False, "ns"),
    ("insert latency p99.9", "insert_latency", "p99.9", False, "ns"),
    ("insert latency max", "insert_latency", "max", False, "ns"),
    ("lookup hit, ops/s", "lookup_hit", "ops_per_s", True, "rate"),
    ("lookup hit, ops/CPU-s", "lookup_hit", "ops_per_cpu_s", True, "rate"),
    ("lookup miss, ops/s", "lookup_miss", "ops_per_s", True, "rate"),
    ("lookup miss, ops/CPU-s", "lookup_miss", "ops_per_cpu_s", True, "rate"),
    ("mixed 90/10, ops/s", "mixed_90_10", "ops_per_s", True, "rate"),
    ("mixed 90/10, ops/CPU-s", "mixed_90_10", "ops_per_cpu_s", True, "rate"),
    ("delete all, ops/s", "delete_all", "ops_per_s", True, "rate"),
    ("delete all, ops/CPU-s", "delete_all", "ops_per_cpu_s", True, "rate"),
    ("bytes per entry", "memory", "bytes_per_entry", False, "bytes"),
    ("bytes per entry after delete all", "memory",
     "bytes_after_delete_per_entry", False, "bytes"),
]
# The compact table: wall-clock rates only.
HEADLINE = [m for m in METRICS if "CPU" not in m[0]]


def load_rows(run):
    rows = []
    for path in sorted(glob.glob(os.path.join(run, "raw", "*.csv"))):
        with open(path) as f:
            for r in csv.reader(f):
                if len(r) != 8:
                    continue
                peer, k, v, n, wl, metric, value, unit = r
                try:
                    rows.append({"peer": peer, "ksize": int(k), "vsize": int(v),
                                 "n": int(n), "workload": wl, "metric": metric,
                                 "value": float(value), "unit": unit})
                except ValueError:
                    continue
    return rows


def fmt(v, kind):
    if v is None:
        return "—"
    if kind == "rate":
        if v >= 1e6:
            return f"{v / 1e6:.3g} M"
        return f"{v / 1e3:.3g} k"
    if kind == "ns":
        if v >= 1e6:
            return f"{v / 1e6:.3g} ms"
        if v >= 1e3:
            return f"{v / 1e3:.3g} µs"
        return f"{v:.0f} ns"
    if kind == "bytes":
        return f"{v:.1f}"
    if kind == "count":
        return f"{v:.0f}"
    return f"{v:.3g}"


def nlabel(n):
    e = len(str(n)) - 1
    return f"10^{e}" if n == 10 ** e else str(n)


def read_kv(path):
    kv = {}
    if os.path.exists(path):
        for line in open(path):
            if ":" in line:
                k, v = line.split(":", 1)
                kv[k.strip()] = v.strip()
    return kv


def load_stats(run):
    vals = []
    path = os.path.join(run, "load.txt")
    if os.path.exists(path):
        for line in open(path):
            p = line.split()
            if len(p) >= 2:
                vals.append(float(p[1]))
    if not vals:
        return None
    return min(vals), sum(vals) / len(vals), max(vals), len(vals)


def perf_top(run, limit=14):
    path = os.path.join(run, "perf-lookup-symbol.txt")
    out = []
    if not os.path.exists(path):
        return out
    for line in open(path):
        m = re.match(r"\s+([\d.]+)%\s+\[(.)\]\s+(.*?)(\s+-\s+-)?\s*$", line)
        if m:
            out.append((float(m.group(1)), m.group(3)))
    return out[:limit]


def perf_srclines(run, limit=6):
    """The hottest source lines of hmap's lookup, with their text."""
    path = os.path.join(run, "perf-lookup-srcline.txt")
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
    out = []
    if not os.path.exists(path):
        return out
    for line in open(path):
        m = re.match(r"\s+([\d.]+)%\s+(\S+):(\d+)", line)
        if not m:
            continue
        f, n = m.group(2), int(m.group(3))
        text = ""
        for cand in (os.path.join(root, f), os.path.join(root, "testing", "include", "linux", f)):
            if os.path.exists(cand):
                lines = open(cand, errors="replace").read().split("\n")
                if 0 < n <= len(lines):
                    text = lines[n - 1].strip()
                break
        out.append((float(m.group(1)), f"{f}:{n}", text))
    return out[:limit]


# Functions that belong to testing/'s stand-ins or liburcu, not the core.
STANDIN = re.compile(r"^(rcu_read_lock|rcu_read_unlock|rcu_read_lock_held|"
                     r"urcu_memb_\w+|hmap_user_\w+|__tls_get_addr\S*|"
                     r"mutex_\w+|kmalloc|kfree|kvfree|kvmalloc|"
                     r"hmap_user_kmalloc)$")


def gnuplot(script):
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True,
                       capture_output=True)
        return True
    except (OSError, subprocess.CalledProcessError) as e:
        sys.stderr.write(f"report.py: gnuplot failed: {getattr(e, 'stderr', e)}\n")
        return False


def plots(run, configs, sizes, peers, d):
    pdir = os.path.join(run, "plots")
    os.makedirs(pdir, exist_ok=True)
    made = []
    colors = {"hmap": "#d62728", "go_map": "#1f77b4", "cds_lfht": "#2ca02c",
              "absl_flat_hash_map": "#9467bd", "std_unordered_map": "#ff7f0e"}
    for (k, v) in configs:
        for n in sizes:
            series = [(p, os.path.join(run, "series", f"series-{p}-k{k}-v{v}-n{n}.dat"))
                      for p in peers]
            series = [(p, f) for p, f in series if os.path.exists(f)]
            if not series:
                continue
            png = os.path.join(pdir, f"insert-latency-k{k}-v{v}-n{n}.png")
            rows = len(series)
            ymax = 10
            for _, f in series:
                for line in open(f):
                    if not line.startswith("#"):
                        ymax = max(ymax, float(line.split()[1]))
            # Where a Go-style map (hmap, Go) starts a grow: the insert that
            # takes the count past 6.5 * 2^B (past 8 for B = 0).
            grows = [8] + [13 << (b - 1) for b in range(1, 40) if 13 << (b - 1) < n]
            s = [f'set terminal pngcairo noenhanced size 1400,{260 * rows + 80} font ",10"',
                 f'set output "{png}"',
                 f'set multiplot layout {rows},1 title "per-insert latency against insert index, '
                 f'{k}-byte keys, {v}-byte values, N = {n}\\n'
                 f'(every insert above p99.9 and an even sample of the rest; log scale; '
                 f'dotted: where a Go-style map of load factor 6.5 starts a grow)"',
                 "set logscale y", "set format y '1e%T'", "set grid",
                 f"set xrange [0:{n}]", f"set yrange [10:{ymax * 1.5:.0f}]",
                 "set ylabel 'ns'", "set key top left"]
            for g in grows:
                s.append(f"set arrow from {g}, graph 0 to {g}, graph 1 nohead "
                         f"dt 3 lc rgb '#888888'")
            for i, (p, f) in enumerate(series):
                if i == rows - 1:
                    s.append("set xlabel 'insert index'")
                s.append(f'plot "{f}" using 1:2 with points pt 7 ps 0.3 '
                         f'lc rgb "{colors.get(p, "black")}" title "{p}"')
            s.append("unset multiplot")
            if gnuplot("\n".join(s) + "\n"):
                made.append(png)
        # Largest insert latency against N, every peer.
        lines = []
        for p in peers:
            pts = [(n, d.get((p, k, v, n, "insert_latency", "max"))) for n in sizes]
            pts = [(n, x) for n, x in pts if x is not None]
            if pts:
                lines.append((p, pts))
        if lines and len(sizes) > 1:
            png = os.path.join(pdir, f"insert-max-latency-k{k}-v{v}.png")
            dat = os.path.join(pdir, f"insert-max-latency-k{k}-v{v}.dat")
            with open(dat, "w") as f:
                for p, pts in lines:
                    f.write(f"# {p}\n")
                    for n, x in pts:
                        f.write(f"{n} {x}\n")
                    f.write("\n\n")
            s = ['set terminal pngcairo noenhanced size 900,600 font ",10"',
                 f'set output "{png}"',
                 f'set title "largest single insert against N ({k}-byte keys, {v}-byte values)"',
                 "set logscale xy", "set grid", "set xlabel 'N'", "set ylabel 'ns'",
                 "set key top left"]
            plot = ", ".join(
                f'"{dat}" index {i} using 1:2 with linespoints lw 2 '
                f'lc rgb "{colors.get(p, "black")}" title "{p}"'
                for i, (p, _) in enumerate(lines))
            s.append("plot " + plot)
            if gnuplot("\n".join(s) + "\n"):
                made.append(png)
    return made


def main():
    run = sys.argv[1]
    rows = load_rows(run)
    env = read_kv(os.path.join(run, "env.txt"))
    d = {(r["peer"], r["ksize"], r["vsize"], r["n"], r["workload"], r["metric"]):
         r["value"] for r in rows}
    configs = []
    for r in rows:
        c = (r["ksize"], r["vsize"])
        if c not in configs:
            configs.append(c)
    order = {"8/8": 0, "16/64": 1, "32/64": 2}
    configs.sort(key=lambda c: order.get(f"{c[0]}/{c[1]}", 9))
    sizes = sorted({r["n"] for r in rows})
    peers = [p for p in PEERS if any(r["peer"] == p for r in rows)]
    others = [p for p in peers if p != "hmap"]
    failed = sorted({(r["peer"], r["ksize"], r["vsize"], r["n"]) for r in rows
                     if r["workload"] == "run" and r["metric"] == "failed"})

    with open(os.path.join(run, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["peer", "ksize", "vsize", "n", "workload", "metric", "value", "unit"])
        for r in rows:
            w.writerow([r[k] for k in ("peer", "ksize", "vsize", "n", "workload",
                                       "metric", "value", "unit")])
    ls = load_stats(run)
    with open(os.path.join(run, "results.json"), "w") as f:
        json.dump({"env": env, "load_1min": ls and {"min": ls[0], "mean": ls[1],
                                                    "max": ls[2]},
                   "results": rows}, f, indent=1)

    made = plots(run, configs, sizes, peers, d)

    md = []
    md.append("# Native benchmarks: hmap's core against its peers\n")
    md.append(f"Run `{os.path.basename(os.path.normpath(run))}` "
              f"({env.get('date', '?')}, commit {env.get('commit', '?')}), "
              f"`make -C bench/native run`. Raw rows: `results.csv`, "
              f"`results.json`; latency series: `series/`; plots: `plots/`.\n")
    md.append(f"- machine: {env.get('cpu', '?')}, kernel {env.get('kernel', '?')}; "
              f"gcc {env.get('gcc', '?')}, {env.get('go', '?')}, "
              f"liburcu-dev {env.get('liburcu-dev', '?')}, "
              f"libabsl-dev {env.get('libabsl-dev', '?')}")
    if ls:
        md.append(f"- **machine load during the run** (1-min load average, sampled "
                  f"every 5 s): min {ls[0]:.2f}, mean {ls[1]:.2f}, max {ls[2]:.2f} "
                  f"on {env.get('cpu', '?').split(' x ')[-1]} CPUs. "
                  f"At start: `{env.get('uptime_start', '?')}`")
    if "suite_seconds" in env:
        s = int(env["suite_seconds"])
        md.append(f"- benchmarks took {s // 60} min {s % 60} s "
                  f"(sizes {env.get('sizes', '?')}; configs {env.get('configs', '?')}; "
                  f"reps {env.get('reps', '?')})")
    if failed:
        md.append("- **failed or timed out**: " + ", ".join(
            f"{p} k{k} v{v} n{n}" for p, k, v, n in failed))
    md.append("")
    md.append("Absolute numbers from a shared 2-core VM mean little; ratios from "
              "one run mean more, and the *ops/CPU-s* rows (the process's CPU "
              "time, all threads) are less disturbed by other load than the "
              "wall-clock *ops/s* rows. Latency percentiles are wall-clock: a "
              "preemption shows as a slow insert.\n")

    md.append("## Ratios: hmap ÷ peer\n")
    md.append("Above 1 is better for hmap on throughput (↑ rows); below 1 is "
              "better for hmap on latency and memory (↓ rows). Each cell lists "
              "N = " + " · ".join(nlabel(n) for n in sizes) + ".\n")
    for (k, v) in configs:
        md.append(f"### {k}-byte keys, {v}-byte values\n")
        md.append("| metric | " + " | ".join(f"vs {SHORT[p]}" for p in others) + " |")
        md.append("| --- |" + " --- |" * len(others))
        for label, wl, metric, up, kind in METRICS:
            cells = []
            for p in others:
                rs = []
                for n in sizes:
                    a = d.get(("hmap", k, v, n, wl, metric))
                    b = d.get((p, k, v, n, wl, metric))
                    rs.append(f"{a / b:.2f}" if a is not None and b else "—")
                cells.append(" · ".join(rs))
            md.append(f"| {label} {'↑' if up else '↓'} | " + " | ".join(cells) + " |")
        conc = []
        for n in sizes:
            a = d.get(("hmap", k, v, n, "concurrent_2r1w", "reader_ops_per_s"))
            b = d.get(("cds_lfht", k, v, n, "concurrent_2r1w", "reader_ops_per_s"))
            c = d.get(("hmap", k, v, n, "concurrent_2r1w", "writer_ops_per_s"))
            e = d.get(("cds_lfht", k, v, n, "concurrent_2r1w", "writer_ops_per_s"))
            conc.append((f"{a / b:.2f}" if a and b else "—",
                         f"{c / e:.2f}" if c and e else "—"))
        if "cds_lfht" in others:
            cols = ["—"] * len(others)
            cols2 = ["—"] * len(others)
            i = others.index("cds_lfht")
            cols[i] = " · ".join(x for x, _ in conc)
            cols2[i] = " · ".join(y for _, y in conc)
            md.append("| 2 readers + 1 writer: reader ops/s ↑ | " + " | ".join(cols) + " |")
            md.append("| 2 readers + 1 writer: writer ops/s ↑ | " + " | ".join(cols2) + " |")
        md.append("")

    md.append("## Absolute numbers\n")
    md.append("Rates in operations per second (M = 10^6, k = 10^3); latencies per "
              "insert; bytes per entry from malloc's counters (mallinfo2: in-use "
              "arena bytes plus mmap()ed bytes) around the map, for Go from "
              "`runtime.MemStats.HeapAlloc` after a forced GC.\n")
    for (k, v) in configs:
        for n in sizes:
            if not any(d.get((p, k, v, n, "insert", "ops_per_s")) for p in peers):
                continue
            md.append(f"### {k}/{v} bytes, N = {nlabel(n)}\n")
            md.append("| metric | " + " | ".join(SHORT[p] for p in peers) + " |")
            md.append("| --- |" + " ---: |" * len(peers))
            for label, wl, metric, up, kind in METRICS:
                md.append(f"| {label} | " + " | ".join(
                    fmt(d.get((p, k, v, n, wl, metric)), kind) for p in peers) + " |")
            md.append("| preemptions during the timed inserts | " + " | ".join(
                fmt(d.get((p, k, v, n, "insert_latency", "preemptions")), "count")
                for p in peers) + " |")
            for metric, label in (("reader_ops_per_s", "2r+1w: readers, ops/s"),
                                  ("writer_ops_per_s", "2r+1w: writer, ops/s")):
                md.append(f"| {label} | " + " | ".join(
                    fmt(d.get((p, k, v, n, "concurrent_2r1w", metric)), "rate")
                    for p in peers) + " |")
            for wl, fill in (("insert_parallel", "insert 0→N"),
                             ("insert_parallel_presized", "presized insert 0→N")):
                for metric, label in (("ops_per_s_1w", "1 writer, ops/s"),
                                      ("ops_per_s_2w", "2 writers, ops/s"),
                                      ("ops_per_cpu_s_1w", "1 writer, ops/CPU-s"),
                                      ("ops_per_cpu_s_2w", "2 writers, ops/CPU-s")):
                    md.append(f"| {fill}, {label} | " + " | ".join(
                        fmt(d.get((p, k, v, n, wl, metric)), "rate")
                        for p in peers) + " |")
                gains = []
                for p in peers:
                    a = d.get((p, k, v, n, wl, "ops_per_s_2w"))
                    b = d.get((p, k, v, n, wl, "ops_per_s_1w"))
                    gains.append(f"{a / b:.2f}" if a and b else "—")
                md.append(f"| {fill}, 2 writers ÷ 1 writer | " + " | ".join(gains) + " |")
            md.append("")
            h = {m: d.get(("hmap", k, v, n, w, m)) for w, m in (
                ("stats", "log2_buckets"), ("stats", "overflow_buckets"),
                ("stats", "grows"), ("stats", "evacuated_by_writes"),
                ("stats", "evacuated_by_worker"), ("insert", "settle_ms"),
                ("memory", "hmap_memory_bytes_per_entry"))}
            if h["log2_buckets"] is not None:
                md.append(f"hmap after the inserts: B = {h['log2_buckets']:.0f}, "
                          f"{h['overflow_buckets']:.0f} overflow buckets, "
                          f"{h['grows']:.0f} grows; old chains evacuated by writes "
                          f"{h['evacuated_by_writes']:.0f}, by the worker "
                          f"{h['evacuated_by_worker']:.0f}; the last resize "
                          f"finished {h['settle_ms']:.2f} ms after the last insert; "
                          f"its own count of memory: "
                          f"{h['hmap_memory_bytes_per_entry']:.1f} B/entry.\n")
            lb = d.get(("cds_lfht", k, v, n, "stats", "lfht_buckets"))
            kicks = d.get(("cds_lfht", k, v, n, "stats", "lfht_kicks_all_tables"))
            if lb is not None:
                md.append(f"cds_lfht after the inserts: {lb:.0f} buckets "
                          f"({n / lb:.1f} nodes per bucket); stalled auto-resizes "
                          f"the benchmark had to restart (see Method): "
                          f"{kicks if kicks is not None else '?':.0f}.\n")

    top = perf_top(run)
    if top:
        md.append("## Where hmap's lookups spend their time\n")
        perf_n = "?"
        prun = os.path.join(run, "logs", "perf-run.csv")
        if os.path.exists(prun):
            for line in open(prun):
                p = line.split(",")
                if len(p) > 3:
                    perf_n = p[3]
                    break
        md.append(f"`perf record -g` (cpu-clock sampling; this VM has no hardware "
                  f"counters) of `bench_hmap -k 8 -v 8 -n {perf_n} -w lookup`, "
                  f"samples of the lookup-hit phase only (`perf report --time`); "
                  f"self time per function (`perf-lookup-symbol.txt`; "
                  f"`perf-lookup-children.txt` has inclusive time):\n")
        md.append("| self % | function | |")
        md.append("| ---: | --- | --- |")
        standin = 0.0
        for pct, sym in top:
            s = STANDIN.match(sym) is not None
            if "lambda" in sym and sym.startswith("run_peer"):
                sym = "run_peer<...>::lambda (the benchmark's lookup loop)"
            md.append(f"| {pct:.2f} | `{sym}` | {'stand-in / liburcu' if s else ''} |")
        for pct, sym in perf_top(run, limit=1000):
            if STANDIN.match(sym):
                standin += pct
        md.append("")
        src = perf_srclines(run)
        if src:
            md.append("")
            md.append("The same samples by source line of hmap_chain_find, "
                      "hmap_lookup and hmap_key_chain (`perf-lookup-srcline.txt`; % of "
                      "all samples of the phase; a sample lands on the first use of "
                      "a load that missed the cache, so `th != top` stands for the "
                      "bucket's tophash load and `e->hash == hash` for the entry's):\n")
            md.append("| % | line | code |")
            md.append("| ---: | --- | --- |")
            for pct, where, text in src:
                md.append(f"| {pct:.2f} | {where} | `{text}` |")
        md.append("")
        md.append(f"Stand-in and liburcu functions (RCU read side, the PROVE_RCU-"
                  f"like checks' helpers, thread tokens, TLS) take {standin:.1f} % "
                  f"of the lookup samples in all; the kernel build pays for an "
                  f"rcu_read_lock() that is a preempt-count increment instead.\n")

    if made:
        md.append("## Plots\n")
        for png in made:
            md.append(f"- `plots/{os.path.basename(png)}`")
        md.append("")

    md.append("## Method\n")
    md.append(
        "- Keys: key i is splitmix64 of seed + (i+1)·γ (a bijection, so no key "
        "repeats); 16- and 32-byte keys add words mix64(word0 + j·γ). Hit keys are "
        "0..N−1, misses N..2N−1, the concurrent writer's keys from 2N on. Lookups, "
        "updates and deletes go in one fixed random permutation; the mixed "
        "workload draws 10 % updates (overwrite a present key) from a fixed "
        "stream. Every peer gets the same keys, values and operation sequence.\n"
        "- insert 0→N starts from an empty map with no size hint, every resize "
        "included; repeated REPS times on fresh maps (median), then timed again "
        "per insert (lfence;rdtsc … rdtscp;lfence, calibrated against "
        "CLOCK_MONOTONIC; the timer's own ~20 ns is included in every latency). "
        "Lookups, mixed: max(N, MIN_OPS) operations per repetition. Delete all: "
        "once. Between phases each map settles (hmap: until no resize is in "
        "flight; cds_lfht: a wait, liburcu cannot say when its resize is done).\n"
        "- Insert is insert-if-absent where the peer has one (hmap_insert "
        "HMAP_PUT_NOEXIST, cds_lfht_add_unique, emplace); Go's m[k] = v. A lookup "
        "copies the value out on every peer.\n"
        "- hmap is hmap_core.c unchanged, built with testing/'s stand-ins at "
        "-O2 (no sanitizers): their checks (PROVE_RCU-like dereference checks, "
        "mutex owner tracking, allocation counting, a locked list search in "
        "kfree() once a \"vmalloc\" array exists, RCU callbacks run every 256 "
        "after a synchronize_rcu() by a thread of the stand-in's own) cost time "
        "the kernel build does not spend. Its background worker is a thread, as liburcu's resize "
        "worker is for cds_lfht; both show in ops/CPU-s.\n"
        "- The parallel-writers phase fills a fresh map 0→N with one thread, "
        "then with two inserting disjoint halves (medians of the repetitions, "
        "wall time); their ratio is what a second writer gains. Per CPU-second "
        "the same fills count the CPU time of the whole process: hmap's worker "
        "evacuates beside a single writer, so one writer's fill already keeps "
        "more than one CPU busy. The presized fills do the same into maps "
        "created for N keys (hmap's size hint, cds_lfht's initial size), where "
        "no resize runs and one writer keeps one CPU busy.\n"
        "- The concurrent phase runs 3 threads (2 readers, 1 writer) on the 2 "
        "CPUs. hmap's stand-in RCU runs freed entries' callbacks on a thread of "
        "its own, after a synchronize_rcu() that waits for the readers, every "
        "256 frees, as the kernel's kfree_rcu() never makes a writer wait. "
        "cds_lfht frees with liburcu's call_rcu() thread.\n"
        "- cds_lfht: CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING, initial size 1. "
        "With accounting on a 2-CPU machine it grows only when the node count "
        "reaches a power of two with 8 or more nodes per bucket, so its chains "
        "are 1–8 nodes long depending on N. liburcu 0.13 (and upstream) sets "
        "`resize_initiated` after queueing the resize work; if the worker "
        "finishes first the flag stays set and the table never resizes again "
        "(on a loaded machine a third of tables got stuck at 4–32 buckets). "
        "The peer restarts such a stalled resize with `cds_lfht_resize()` after "
        "4096 inserts without progress (LFHT_KICK=0 disables this) and counts "
        "it; that resize then runs in the inserting thread and shows as one "
        "slow cds_lfht insert.\n"
        "- hmap's first grow (insert index 8) also starts the stand-ins' "
        "delayed-work thread, a one-off of the user-space build.\n"
        "- In user space a grow's new array comes from calloc(): large ones are "
        "fresh mmap() pages that the kernel zeroes on first touch, so the write "
        "that starts a grow does not pay for zeroing the whole array here (in "
        "the kernel, kvzalloc() zeroes it at once); the cost is spread over the "
        "page faults of the evacuation that follows. Go's runtime and glibc do "
        "the same for the other peers. Latency spikes that are preemptions "
        "rather than the map: see the preemptions row.\n")
    with open(os.path.join(run, "summary.md"), "w") as f:
        f.write("\n".join(md))


if __name__ == "__main__":
    main()
