# SPDX-License-Identifier: GPL-2.0
#
# bench-plot.gp - the plots of "make bench", drawn from the plot-*.dat files
# scripts/bench-report.py writes; run in the results directory:
#
#   cd out/bench/latest && gnuplot /path/to/scripts/bench-plot.gp
#
# insert-latency-GUEST.png   per-insert latency against the insert index
#                            (max of each 1/1000 of the run), hmap vs.
#                            rhashtable: does any insert pay for a whole table?
# delete-latency-GUEST.png   the same for deleting every key (shrinks)
# throughput-GUEST.png       ops/s per workload, hmap vs. rhashtable
# ubench-TAG.png             ops/s from user space, /dev/hmap vs. bpf()

file_exists(f) = system("test -f '" . f . "' && echo 1 || echo 0") + 0

set terminal pngcairo size 960,540 font "DejaVu Sans,11" noenhanced
set grid ytics
set key top left

do for [guest in "smp2 smp1"] {
	do for [wl in "insert delete"] {
		h = "plot-" . wl . "-" . guest . "-hmap.dat"
		r = "plot-" . wl . "-" . guest . "-rhashtable.dat"
		if (file_exists(h) && file_exists(r)) {
			set terminal pngcairo size 960,760 font "DejaVu Sans,11" noenhanced
			set output wl . "-latency-" . guest . ".png"
			set multiplot layout 2,1 title sprintf( \
				"Per-%s latency, %s (%s), in windows of 1/1000 of the run", \
				wl, guest, guest eq "smp2" ? "2 vCPUs" : "1 vCPU")
			unset title
			set lmargin 12
			set rmargin 12
			set key top left opaque box
			set logscale y
			set logscale y2
			set y2tics
			set ytics nomirror
			set format x "%.0s%c"
			set format y "%.0s%c"
			set format y2 "%.0s%c"
			set xlabel ""
			set ylabel "slowest in window (ns, log)"
			set y2label "buckets (a step: a resize)"
			plot r using 1:2 with points pt 7 ps 0.35 lc rgb "#d95f02" title "rhashtable", \
			     h using 1:2 with points pt 7 ps 0.35 lc rgb "#1b9e77" title "hmap", \
			     r using 1:4 axes x1y2 with steps lw 1.5 dt 2 lc rgb "#d95f02" title "rhashtable buckets", \
			     h using 1:4 axes x1y2 with steps lw 1.5 dt 2 lc rgb "#1b9e77" title "hmap buckets"
			set xlabel wl eq "insert" ? "keys inserted" : "keys deleted"
			set ylabel "mean in window (ns, log)"
			unset y2tics
			unset y2label
			plot r using 1:3 with lines lw 1.2 lc rgb "#d95f02" title "rhashtable", \
			     h using 1:3 with lines lw 1.2 lc rgb "#1b9e77" title "hmap"
			unset multiplot
			unset lmargin
			unset rmargin
			unset logscale y
			unset logscale y2
			set ytics mirror
			set key top left noopaque nobox
			set format x "%g"
			set format y "%g"
			set terminal pngcairo size 960,540 font "DejaVu Sans,11" noenhanced
		}
	}
	t = "plot-throughput-" . guest . ".dat"
	if (file_exists(t)) {
		set output "throughput-" . guest . ".png"
		set title sprintf("In-kernel throughput, %s (k8v8; higher is better)", guest)
		set style data histograms
		set style histogram clustered gap 1
		set style fill solid 0.8 border -1
		set boxwidth 0.9
		set bmargin 4
		set xlabel ""
		set ylabel "operations per second"
		set format y "%.1s%c"
		set xtics nomirror
		set yrange [0:*]
		plot t using 2:xtic(1) lc rgb "#1b9e77" title "hmap", \
		     t using 3 lc rgb "#d95f02" title "rhashtable"
		set yrange [*:*]
		set format y "%g"
		set style data lines
	}
}

do for [tag in "k16v64 k8v8"] {
	u = "plot-ubench-" . tag . ".dat"
	if (file_exists(u)) {
		set output "ubench-" . tag . ".png"
		set title sprintf("From user space, %s, 2 vCPUs: /dev/hmap vs. BPF hash map (higher is better)", tag)
		set style data histograms
		set style histogram clustered gap 1
		set style fill solid 0.8 border -1
		set boxwidth 0.9
		set bmargin 4
		set xlabel ""
		set ylabel "operations per second (log scale)"
		set format y "%.0s%c"
		set logscale y
		set yrange [*:*]
		plot u using 2:xtic(1) lc rgb "#1b9e77" title "/dev/hmap", \
		     u using 3 lc rgb "#7570b3" title "bpf (prealloc)", \
		     u using 4 lc rgb "#e7298a" title "bpf (no prealloc)"
		unset logscale y
		set format y "%g"
		set style data lines
	}
}
