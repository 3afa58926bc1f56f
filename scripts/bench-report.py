#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""bench-report.py RESULTS - turn the raw outputs of "make bench" into tables.

RESULTS is a directory written by scripts/bench.sh: one subdirectory per
guest (smp2, smp1), each with NAME.results and NAME.series from the
in-kernel benchmark, NAME.ubench from hmap_ubench, test_rhashtable.txt and
env.txt. Writes RESULTS/results.csv (one row per measured value),
RESULTS/results.json (every parsed record), the data files the gnuplot
script draws (plot-*.dat) and prints the comparison table: for each
workload and metric, hmap, the peer, and hmap / peer, with whether that is
better for hmap (higher ops/s, lower latency, time and bytes).
"""
import csv
import json
import os
import re
import statistics
import sys

HIGHER_IS_BETTER = {"ops_per_sec", "ops_per_sec_settled", "ops_per_sec_guest"}

# Metrics shown in the table, per workload, in order.
KERNEL_METRICS = {
    "insert": ["ops_per_sec", "ops_per_sec_settled", "ops_per_sec_guest",
               "p50", "p99", "p999", "max", "settle_ns",
               "bytes_per_entry_own", "bytes_per_entry_real"],
    "lookup_hit": ["ops_per_sec"],
    "lookup_miss": ["ops_per_sec"],
    "lookup_chain": ["ops_per_sec"],
    "delete": ["ops_per_sec", "ops_per_sec_settled", "ops_per_sec_guest",
               "p50", "p99", "max", "settle_ns"],
    "mixed": ["ops_per_sec", "read_p50", "read_p99", "write_p50",
              "write_p99", "write_max"],
    "composite": ["avg_ns", "avg_ns_guest", "insert_ns", "walk_ns",
                  "lookup_ns", "delete_ns"],
    "writers": ["ops_per_sec", "destroy_ns"],
    "writers_presized": ["ops_per_sec", "destroy_ns"],
}
UBENCH_METRICS = ["ops_per_sec", "p50", "p99"]
KEY_FIELDS = ("workload", "map", "n", "ksize", "vsize", "threads")


def parse_kv(line):
    rec = {}
    for word in line.split():
        if "=" in word:
            k, v = word.split("=", 1)
            rec[k] = v
    return rec


def num(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        try:
            return float(v)
        except (TypeError, ValueError):
            return v


def load(results):
    """Every record of every guest, as dicts with numeric values."""
    recs, envs = [], {}
    for guest in sorted(os.listdir(results)):
        gdir = os.path.join(results, guest)
        if not os.path.isdir(gdir):
            continue
        env_path = os.path.join(gdir, "env.txt")
        if os.path.exists(env_path):
            with open(env_path) as f:
                envs[guest] = dict(l.strip().split("=", 1) for l in f
                                   if "=" in l)
        for name in sorted(os.listdir(gdir)):
            path = os.path.join(gdir, name)
            if name.endswith(".results"):
                with open(path) as f:
                    for line in f:
                        if line.startswith("workload="):
                            rec = {k: num(v) for k, v in
                                   parse_kv(line).items()}
                            rec.update(guest=guest, source="kernel")
                            recs.append(rec)
            elif name.endswith(".ubench"):
                with open(path) as f:
                    for line in f:
                        if line.startswith("ubench: peer="):
                            rec = {k: num(v) for k, v in
                                   parse_kv(line).items()}
                            rec.update(guest=guest, source="user",
                                       tag=name[:-len(".ubench")])
                            recs.append(rec)
            elif name == "test_rhashtable.txt":
                with open(path) as f:
                    text = f.read()
                m = re.search(r"Average test time: (\d+)", text)
                p = parse_kv(text.splitlines()[0]) if text else {}
                if m:
                    avg = int(m.group(1))
                    # Scale guest-clock ns to real time (see bench-guest.sh).
                    khz = num(envs.get(guest, {}).get("tsc_khz"))
                    cyc, gns = num(p.get("tsc_cycles")), num(p.get("guest_ns"))
                    scale = 1.0
                    if all(isinstance(x, int) and x > 0
                           for x in (khz, cyc, gns)):
                        scale = cyc * 1e6 / khz / gns
                    recs.append({
                        "guest": guest, "source": "kernel",
                        "workload": "composite", "map": "test_rhashtable",
                        "n": num(p.get("parm_entries")), "ksize": 8,
                        "vsize": 0, "smp": num(envs.get(guest, {})
                                               .get("nproc", 0)),
                        "runs": num(p.get("runs")),
                        "avg_ns": round(avg * scale), "avg_ns_guest": avg,
                        "clock_scale": round(scale, 3), "tag": "composite",
                    })
            elif (name.startswith("dump-contention-") and
                  name.endswith(".json")):
                try:
                    with open(path) as f:
                        recs.append({"guest": guest,
                                     "source": "dump-contention",
                                     "while": name[len("dump-contention-"):
                                                   -len(".json")],
                                     "data": json.load(f)})
                except (OSError, ValueError):
                    pass
            elif name == "hmapctl-bench.json":
                try:
                    with open(path) as f:
                        recs.append({"guest": guest, "source": "hmapctl",
                                     "data": json.load(f)})
                except (OSError, ValueError):
                    pass
    return recs, envs


def median_by_key(recs, key_fields):
    """Median of each metric over the runs of one configuration."""
    groups = {}
    for r in recs:
        groups.setdefault(tuple(r.get(k) for k in key_fields), []).append(r)
    out = {}
    for key, rs in groups.items():
        merged = dict(rs[0])
        for metric in rs[0]:
            vals = [r[metric] for r in rs if isinstance(r.get(metric),
                                                        (int, float))]
            if len(vals) == len(rs) and len(rs) > 1:
                merged[metric] = statistics.median(vals)
        out[key] = merged
    return out


def fmt(v):
    if isinstance(v, float):
        v = round(v)
    if isinstance(v, int):
        for unit, div in (("G", 10**9), ("M", 10**6), ("k", 10**3)):
            if abs(v) >= 10 * div:
                return "%.1f%s" % (v / div, unit)
        return str(v)
    return str(v)


def group_by(recs, key_fields):
    groups = {}
    for r in recs:
        groups.setdefault(tuple(r.get(k) for k in key_fields), []).append(r)
    return groups


def paired(hs, ps, metric):
    """Medians of hmap and peer, and the median of the per-run ratios.

    Both maps run in the same module load, one after the other or
    interleaved; runs with the same number shared the host's mood, so the
    ratio within a run is what carries information, not the ratio of two
    medians taken over different moments."""
    hv = [r[metric] for r in hs if isinstance(r.get(metric), (int, float))]
    pv = [r[metric] for r in ps if isinstance(r.get(metric), (int, float))]
    if not hv or not pv:
        return None
    # A run is named by its module load (tag) and its number in it.
    by_run = {(r.get("tag"), r.get("run")): r[metric] for r in ps
              if isinstance(r.get(metric), (int, float))}
    ratios = [r[metric] / by_run[(r.get("tag"), r.get("run"))] for r in hs
              if isinstance(r.get(metric), (int, float)) and
              by_run.get((r.get("tag"), r.get("run")))]
    if not ratios:
        pm = statistics.median(pv)
        ratios = [statistics.median(hv) / pm] if pm else []
    if not ratios:
        return None
    return statistics.median(hv), statistics.median(pv), \
        statistics.median(ratios), len(ratios)


def ratio_row(table, group, label, metric, hs, ps, peer):
    res = paired(hs, ps, metric)
    if not res:
        return
    hv, pv, ratio, nruns = res
    higher = metric in HIGHER_IS_BETTER
    better = ratio >= 1 if higher else ratio <= 1
    table.append([group, label, metric, fmt(hv), peer, fmt(pv),
                  "%.2f" % ratio, str(nruns), "yes" if better else "no"])


def kernel_table(recs):
    table = []
    kern = [r for r in recs if r.get("source") == "kernel" and
            r.get("workload") != "noise"]
    groups = group_by(kern, ("guest",) + KEY_FIELDS)
    for key, hs in sorted(groups.items(), key=lambda kv: (
            kv[0][0], list(KERNEL_METRICS).index(kv[0][1])
            if kv[0][1] in KERNEL_METRICS else 99,
            kv[0][3] or 0, kv[0][4] or 0, kv[0][6] or 0)):
        guest, workload, mapname = key[0], key[1], key[2]
        if mapname != "hmap":
            continue
        h = hs[0]
        label = "%s n=%s k%sv%s t%s" % (workload, fmt(h.get("n")),
                                        h.get("ksize"), h.get("vsize"),
                                        h.get("threads", 1) or 1)
        for peer in ("rhashtable", "rhashtable_hsiphash",
                     "test_rhashtable"):
            pkey = (guest, workload, peer) + key[3:]
            if workload == "composite":
                pkey = (guest, workload, peer, h.get("n"), 8, 0, None)
            ps = groups.get(pkey)
            if not ps:
                continue
            for metric in KERNEL_METRICS.get(workload, []):
                # Free pages move by a few MiB on their own (per-CPU page
                # lists, slab caches): only a big map measures well.
                if metric == "bytes_per_entry_real" and h["n"] < 500000:
                    continue
                ratio_row(table, guest, label, metric, hs, ps, peer)
    return table


def user_table(recs):
    table = []
    user = [r for r in recs if r.get("source") == "user"]
    groups = group_by(user, ("guest", "tag", "peer", "mode", "op"))
    for key, hs in sorted(groups.items()):
        guest, tag, peer, mode, op = key
        if peer != "hmap":
            continue
        label = "%s %s %s" % (tag, mode, op)
        for other in ("bpf", "bpf_noprealloc"):
            ps = groups.get((guest, tag, other, mode, op))
            if not ps:
                continue
            for metric in UBENCH_METRICS:
                ratio_row(table, guest, label, metric, hs, ps, other)
    return table


def noise_lines(recs):
    out = []
    for r in recs:
        if r.get("workload") == "noise":
            out.append("%s %-12s vCPU stalls: max %s ns, %s over 1 ms, "
                       "%s over 10 ms, %s.%s%% of the time lost" % (
                           r["guest"], r.get("tag", ""),
                           fmt(r["max_gap_ns"]), r["gaps_over_1ms"],
                           r["gaps_over_10ms"],
                           r["stolen_permille"] // 10,
                           r["stolen_permille"] % 10))
    return out


def hash_lines(recs):
    """The hash workload: each hash's median cost per key, by key size."""
    out = []
    costs = {}
    for r in recs:
        if r.get("workload") == "hash" and "ps_per_key" in r:
            key = (r["guest"], r.get("ksize"), r["map"])
            costs.setdefault(key, []).append(r["ps_per_key"])
    for (guest, ksize, name), ps in sorted(costs.items()):
        out.append("%s %2s-byte keys: %-8s %5.1f ns per key (median of %d)"
                   % (guest, ksize, name, statistics.median(ps) / 1000.0,
                      len(ps)))
    return out


def medians(recs, source, key_fields):
    return list(median_by_key([r for r in recs if r.get("source") == source],
                              key_fields).values())


def goals(recs):
    """The issue's targets, as statements with the measured value."""
    out = []
    kern = [r for r in recs if r.get("source") == "kernel"]
    groups = group_by(kern, ("guest",) + KEY_FIELDS)

    def verdict(ok):
        return "met" if ok else "NOT met"

    for key in sorted(k for k in groups if k[1] in ("lookup_hit",
                                                     "lookup_miss")
                      and k[2] == "hmap"):
        guest, wl, _, n, ksize, vsize, threads = key
        ps = groups.get((guest, wl, "rhashtable", n, ksize, vsize, threads))
        res = ps and paired(groups[key], ps, "ops_per_sec")
        if res:
            out.append("%s %s n=%s k%dv%d t%s: hmap/rhashtable ops/s = %.2f "
                       "(goal >= 1): %s" % (guest, wl, fmt(n), ksize, vsize,
                                            threads, res[2],
                                            verdict(res[2] >= 1)))
    for guest in ("smp1", "smp2"):
        ins = sorted((k for k in groups if k[0] == guest and
                      k[1] == "insert" and k[2] == "hmap" and k[4] == 8),
                     key=lambda k: k[3])
        if not ins:
            continue
        big, small = ins[-1], ins[0]
        ps = groups.get((guest, "insert", "rhashtable") + big[3:])
        res = ps and paired(groups[big], ps, "ops_per_sec")
        if res:
            out.append("%s insert 0->%s: hmap/rhashtable ops/s = %.2f "
                       "(goal >= 1 with -smp 1): %s" % (
                           guest, fmt(big[3]), res[2], verdict(res[2] >= 1)))
        if big != small:
            mb = statistics.median(r["max"] for r in groups[big])
            ms = statistics.median(r["max"] for r in groups[small])
            out.append("%s hmap max insert latency at %s / at %s = %s / %s "
                       "= %.1f (goal <= 2): %s" % (
                           guest, fmt(big[3]), fmt(small[3]), fmt(mb),
                           fmt(ms), mb / ms, verdict(mb <= 2 * ms)))
    user = [r for r in recs if r.get("source") == "user"]
    ugroups = group_by(user, ("tag", "peer", "mode", "op"))
    for tag in sorted({r["tag"] for r in user}):
        for op in ("put", "get", "del"):
            hs = ugroups.get((tag, "hmap", "single", op))
            bs = ugroups.get((tag, "bpf", "single", op))
            res = hs and bs and paired(hs, bs, "ops_per_sec")
            if res:
                out.append("user %s single %s: hmap/bpf ops/s = %.2f "
                           "(goal >= 1): %s" % (tag, op, res[2],
                                                verdict(res[2] >= 1)))
            hb = ugroups.get((tag, "hmap", "batch", op))
            res = hs and hb and paired(hb, hs, "ops_per_sec")
            if res:
                out.append("user %s %s: hmap batch/single ops/s = %.1f "
                           "(goal >= 5): %s" % (tag, op, res[2],
                                                verdict(res[2] >= 5)))
    return out


def write_plot_data(results, recs):
    """Data files for scripts/bench-plot.gp."""
    # Latency against index, for the largest N of each guest.
    for path in sorted(os.listdir(results)):
        gdir = os.path.join(results, path)
        if not os.path.isdir(gdir):
            continue
        series = {}
        for name in os.listdir(gdir):
            if not name.endswith(".series"):
                continue
            with open(os.path.join(gdir, name)) as f:
                head, rows = None, []
                for line in f.read().splitlines() + [""]:
                    if line.startswith("# workload="):
                        head = parse_kv(line[2:])
                        rows = []
                    elif line.startswith("#"):
                        continue
                    elif line.strip():
                        rows.append(line)
                    elif head and rows:
                        key = (head["workload"], head["map"],
                               head.get("ksize"))
                        n = int(head["n"])
                        if n > series.get(key, (0, None))[0]:
                            series[key] = (n, rows)
                        head, rows = None, []
        for (workload, mapname, ksize), (n, rows) in series.items():
            if ksize != "8":
                continue
            out = os.path.join(results, "plot-%s-%s-%s.dat" % (
                workload, path, mapname))
            with open(out, "w") as f:
                f.write("# %s %s n=%d: index max_ns mean_ns buckets\n" % (
                    workload, mapname, n))
                f.write("\n".join(rows) + "\n")
    # Throughput per workload, 2 vCPUs, k8v8 at 100k (or the largest N).
    kern = medians(recs, "kernel", ("guest",) + KEY_FIELDS)
    for guest in sorted({r["guest"] for r in kern}):
        ns = sorted({r["n"] for r in kern if r["guest"] == guest and
                     r.get("workload") == "mixed" and r.get("ksize") == 8})
        if not ns:
            ns = sorted({r["n"] for r in kern if r["guest"] == guest and
                         r.get("workload") == "insert"})
        if not ns:
            continue
        n = ns[-1]
        rows = []
        for wl in ("insert", "lookup_hit", "lookup_miss", "delete", "mixed"):
            for t in sorted({r.get("threads") for r in kern
                             if r.get("workload") == wl}):
                vals = {}
                for r in kern:
                    if (r["guest"], r.get("workload"), r.get("n"),
                            r.get("ksize"), r.get("threads")) == \
                            (guest, wl, n, 8, t):
                        vals[r["map"]] = r["ops_per_sec"]
                if "hmap" in vals and "rhashtable" in vals:
                    label = wl.replace("_", "-") + (
                        "\\n%s thr" % t if wl.startswith("lookup") or
                        wl == "mixed" else "")
                    rows.append('"%s" %d %d' % (label, vals["hmap"],
                                                vals["rhashtable"]))
        if rows:
            with open(os.path.join(results, "plot-throughput-%s.dat" %
                                   guest), "w") as f:
                f.write("# n=%d k8v8: label hmap rhashtable (ops/s)\n" % n)
                f.write("\n".join(rows) + "\n")
    user = medians(recs, "user", ("guest", "tag", "peer", "mode", "op"))
    for tag in sorted({r["tag"] for r in user}):
        rows = []
        for mode, op in (("single", "put"), ("single", "get"),
                         ("single", "del"), ("batch", "put"),
                         ("batch", "del"), ("walk", "dump")):
            vals = {r["peer"]: r["ops_per_sec"] for r in user
                    if r["tag"] == tag and r["mode"] == mode and
                    r["op"] == op}
            if "hmap" in vals:
                rows.append('"%s\\n%s" %d %d %d' % (
                    mode, op, vals["hmap"], vals.get("bpf", 0),
                    vals.get("bpf_noprealloc", 0)))
        if rows:
            with open(os.path.join(results, "plot-ubench-%s.dat" % tag),
                      "w") as f:
                f.write("# label hmap bpf bpf_noprealloc (ops/s)\n")
                f.write("\n".join(rows) + "\n")


def dump_contention_lines(recs):
    """Writer latency alone vs. with two dump loops, per guest and op."""
    runs = {}
    for r in recs:
        if r.get("source") != "dump-contention":
            continue
        for res in r["data"].get("results", []):
            if res.get("mode") == "single":
                runs.setdefault((r["guest"], res["op"]), {})[r["while"]] = res
    out = []
    for (guest, op), by in sorted(runs.items()):
        alone, dumping = by.get("alone"), by.get("dumping")
        if not alone or not dumping:
            continue
        cells = []
        for m in ("p50_us", "p99_us", "p999_us", "max_us"):
            a, d = alone[m], dumping[m]
            cells.append("%s %.0f -> %.0f (%s)" % (
                m[:-3], a, d, "%.1fx" % (d / a) if a > 0 else "-"))
        out.append("%s %s: %s" % (guest, op, ", ".join(cells)))
    return out


def print_table(title, header, rows):
    if not rows:
        return
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    print(title)
    for row in [header] + rows:
        print("  " + "  ".join(str(x).ljust(w) for x, w in
                               zip(row, widths)).rstrip())
    print()


def main():
    results = sys.argv[1]
    recs, envs = load(results)
    with open(os.path.join(results, "results.json"), "w") as f:
        json.dump({"env": envs, "records": recs}, f, indent=1)
    with open(os.path.join(results, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["guest", "source", "tag", "workload", "map", "n", "ksize",
                    "vsize", "threads", "mode", "metric", "value"])
        for r in recs:
            if "data" in r:
                continue
            ident = {"guest", "source", "tag", "workload", "map", "peer",
                     "n", "ksize", "vsize", "threads", "mode", "op", "smp",
                     "run", "batch"}
            for metric, value in r.items():
                if metric in ident or not isinstance(value, (int, float)):
                    continue
                w.writerow([r.get("guest"), r.get("source"), r.get("tag"),
                            r.get("workload", r.get("op")),
                            r.get("map", r.get("peer")), r.get("n"),
                            r.get("ksize"), r.get("vsize"),
                            r.get("threads", r.get("batch")),
                            r.get("mode", ""), metric, value])
    write_plot_data(results, recs)

    for guest, env in sorted(envs.items()):
        print("guest %s: %s vCPU, kernel %s, clocksource %s, TSC %s kHz" % (
            guest, env.get("nproc"), env.get("kernel"),
            env.get("clocksource"), env.get("tsc_khz")))
    print()
    noise = noise_lines(recs)
    if noise:
        print("Host noise, measured in each benchmark load (a spinning "
              "vCPU that loses the host CPU):")
        for line in noise:
            print("  " + line)
        print()
    hashes = hash_lines(recs)
    if hashes:
        print("The hash alone (a part of every lookup; hmap: hsiphash, "
              "rhashtable: jhash2):")
        for line in hashes:
            print("  " + line)
        print()
    header = ["guest", "workload", "metric", "hmap", "peer", "peer value",
              "hmap/peer", "runs", "hmap better"]
    print("hmap and peer: medians over the runs; hmap/peer: the median of "
          "the per-run ratios.\n")
    print_table("In-kernel: hmap vs. rhashtable (latencies in ns; "
                "t = threads)", header, kernel_table(recs))
    print_table("User space: /dev/hmap vs. BPF_MAP_TYPE_HASH through bpf() "
                "(latency of one syscall, ns)", header, user_table(recs))
    dc = dump_contention_lines(recs)
    if dc:
        print("Read-only users against a writer: one-ioctl puts alone and "
              "while two\nunprivileged processes dump the map in a loop "
              "(latency in us):")
        for line in dc:
            print("  " + line)
        print()
    g = goals(recs)
    if g:
        print("Goals of issue 6 (targets, not tests):")
        for line in g:
            print("  " + line)


if __name__ == "__main__":
    main()
