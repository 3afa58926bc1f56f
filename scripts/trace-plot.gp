# SPDX-License-Identifier: GPL-2.0
#
# trace-plot.gp - the picture of "make trace": one grow and one shrink as
# scripts/hmap-evacuations.bt saw them, one point per growWork step (an old
# bucket chain evacuated): the old bucket's index against the time since the
# resize started, red for a step done by a write (an insert or delete that
# evacuated one or two chains), blue for one done by the background worker;
# dashed lines mark the resize's start and its end.
#
# scripts/trace-demo.sh writes the inputs in the trace directory and runs,
# there:
#   gnuplot scripts/trace-plot.gp
# trace-plot.gp        (this) reads trace-meta.gp, which sets, for K in grow
#                      and shrink: has_K (0 or 1), K_title, K_done (ms from
#                      start to done), K_old (old buckets); and
#                      trace-K.dat: "MS_SINCE_START OLD_BUCKET BY" lines, BY
#                      1 for a write and 0 for the worker.
# It writes evacuation.png.

load "trace-meta.gp"

set terminal pngcairo size 1000,820 font "DejaVu Sans,10" noenhanced
set output "evacuation.png"
set multiplot layout (has_grow + has_shrink),1 \
	title "hmap: incremental evacuation, one point per old bucket chain moved"
set grid
set key inside left top opaque box
set xlabel "ms since the resize started"
set ylabel "old bucket index"

# One panel per resize.
do for [k in "grow shrink"] {
	if (value("has_" . k)) {
		done = value(k . "_done")
		old = value(k . "_old")
		set title value(k . "_title")
		set xrange [-0.03 * done - 1 : 1.06 * done + 1]
		set yrange [-0.02 * old : 1.02 * old]
		unset arrow
		unset label
		set arrow 1 from 0, graph 0 to 0, graph 1 nohead dt 2 lw 1.5 lc rgb "#2ca02c"
		set arrow 2 from done, graph 0 to done, graph 1 nohead dt 2 lw 1.5 lc rgb "#7f7f7f"
		set label 1 "start" at 0, graph 1.02 center tc rgb "#2ca02c"
		set label 2 "done" at done, graph 1.02 center tc rgb "#7f7f7f"
		f = "trace-" . k . ".dat"
		plot f using 1:($3 == 0 ? $2 : 1/0) with points pt 7 ps 0.35 \
			lc rgb "#1f77b4" title "background worker", \
		     f using 1:($3 == 1 ? $2 : 1/0) with points pt 7 ps 0.7 \
			lc rgb "#d62728" title "a write (insert/delete)"
	}
}
unset multiplot
