/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of the hmap trace system: one event when a resize starts,
 * one per evacuated old bucket chain (a growWork step), one when the resize
 * is done. Fields are declared with C's own integer types, not u32/u64:
 * without BTF, bpftrace compiles the event's format file with clang and no
 * kernel headers, where the kernel's typedefs do not exist.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM hmap

#if !defined(_HMAP_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _HMAP_TRACE_H

#include <linux/tracepoint.h>

#include "uapi/linux/hmap.h"

/* A resize's kind by the name sysfs and hmapctl give it. */
#define hmap_trace_kind(value, name)		{ value, name },
#define hmap_trace_kind_last(value, name)	{ value, name }
#define hmap_show_resize_kind(kind)				\
	__print_symbolic(kind, HMAP_RESIZING_KINDS(hmap_trace_kind,	\
						   hmap_trace_kind_last))

/**
 * hmap_resize_start - a grow, same-size grow or shrink begins
 * @map_id: the map's id (stable for its life, unique among live maps).
 * @kind: a HMAP_RESIZING_* value: 1 grow, 2 same_size, 3 shrink.
 * @old_b: log2 of the bucket count being evacuated.
 * @new_b: log2 of the bucket count of the new array.
 * @count: entries in the map when the resize begins.
 */
TRACE_EVENT(hmap_resize_start,
	TP_PROTO(u32 map_id, u32 kind, u32 old_b, u32 new_b, u64 count),
	TP_ARGS(map_id, kind, old_b, new_b, count),
	TP_STRUCT__entry(
		__field(unsigned int, map_id)
		__field(unsigned int, kind)
		__field(unsigned int, old_b)
		__field(unsigned int, new_b)
		__field(unsigned long long, count)
	),
	TP_fast_assign(
		__entry->map_id = map_id;
		__entry->kind = kind;
		__entry->old_b = old_b;
		__entry->new_b = new_b;
		__entry->count = count;
	),
	TP_printk("map=%u kind=%s B=%u->%u count=%llu",
		  __entry->map_id, hmap_show_resize_kind(__entry->kind),
		  __entry->old_b, __entry->new_b, __entry->count)
);

/**
 * hmap_evacuate - one old bucket chain was evacuated (a growWork step)
 * @map_id: the map's id.
 * @kind: the resize's HMAP_RESIZING_* value.
 * @old_bucket: index of the evacuated bucket in the old array.
 * @moved_x: entries moved to new bucket (old_bucket & new mask).
 * @moved_y: entries moved to new bucket (old_bucket + old count), on grow.
 * @nevacuate: old buckets below this index are evacuated, after this step.
 * @old_buckets: buckets in the old array.
 * @write_step: 1 or 2: which evacuation of the current write this is;
 *	0 when the background worker did it.
 * @step_ns: nanoseconds this step took.
 */
TRACE_EVENT(hmap_evacuate,
	TP_PROTO(u32 map_id, u32 kind, u64 old_bucket, u32 moved_x,
		 u32 moved_y, u64 nevacuate, u64 old_buckets, u32 write_step,
		 u64 step_ns),
	TP_ARGS(map_id, kind, old_bucket, moved_x, moved_y, nevacuate,
		old_buckets, write_step, step_ns),
	TP_STRUCT__entry(
		__field(unsigned int, map_id)
		__field(unsigned int, kind)
		__field(unsigned long long, old_bucket)
		__field(unsigned int, moved_x)
		__field(unsigned int, moved_y)
		__field(unsigned long long, nevacuate)
		__field(unsigned long long, old_buckets)
		__field(unsigned int, write_step)
		__field(unsigned long long, step_ns)
	),
	TP_fast_assign(
		__entry->map_id = map_id;
		__entry->kind = kind;
		__entry->old_bucket = old_bucket;
		__entry->moved_x = moved_x;
		__entry->moved_y = moved_y;
		__entry->nevacuate = nevacuate;
		__entry->old_buckets = old_buckets;
		__entry->write_step = write_step;
		__entry->step_ns = step_ns;
	),
	TP_printk("map=%u kind=%s bucket=%llu moved=%u/%u progress=%llu/%llu by=%s step=%u ns=%llu",
		  __entry->map_id, hmap_show_resize_kind(__entry->kind),
		  __entry->old_bucket, __entry->moved_x, __entry->moved_y,
		  __entry->nevacuate, __entry->old_buckets,
		  __entry->write_step ? "write" : "worker",
		  __entry->write_step, __entry->step_ns)
);

/*
 * hmap_resize_end - the end of a resize, done or abandoned (the class of
 * hmap_resize_done and hmap_resize_abandon)
 * @map_id: the map's id.
 * @kind: the resize's HMAP_RESIZING_* value.
 * @old_b: log2 of the old bucket count.
 * @new_b: log2 of the new bucket count.
 * @steps_by_writes: old chains evacuated by inserts and deletes.
 * @steps_by_worker: old chains evacuated by the background worker.
 * @moved: entries moved from the old array to the new one.
 * @duration_ns: nanoseconds from hmap_resize_start to now.
 */
DECLARE_EVENT_CLASS(hmap_resize_end,
	TP_PROTO(u32 map_id, u32 kind, u32 old_b, u32 new_b,
		 u64 steps_by_writes, u64 steps_by_worker, u64 moved,
		 u64 duration_ns),
	TP_ARGS(map_id, kind, old_b, new_b, steps_by_writes, steps_by_worker,
		moved, duration_ns),
	TP_STRUCT__entry(
		__field(unsigned int, map_id)
		__field(unsigned int, kind)
		__field(unsigned int, old_b)
		__field(unsigned int, new_b)
		__field(unsigned long long, steps_by_writes)
		__field(unsigned long long, steps_by_worker)
		__field(unsigned long long, moved)
		__field(unsigned long long, duration_ns)
	),
	TP_fast_assign(
		__entry->map_id = map_id;
		__entry->kind = kind;
		__entry->old_b = old_b;
		__entry->new_b = new_b;
		__entry->steps_by_writes = steps_by_writes;
		__entry->steps_by_worker = steps_by_worker;
		__entry->moved = moved;
		__entry->duration_ns = duration_ns;
	),
	TP_printk("map=%u kind=%s B=%u->%u steps=%llu+%llu moved=%llu ns=%llu",
		  __entry->map_id, hmap_show_resize_kind(__entry->kind),
		  __entry->old_b, __entry->new_b, __entry->steps_by_writes,
		  __entry->steps_by_worker, __entry->moved,
		  __entry->duration_ns)
);

/* The last old bucket was evacuated; the old array is freed after a grace period. */
DEFINE_EVENT(hmap_resize_end, hmap_resize_done,
	TP_PROTO(u32 map_id, u32 kind, u32 old_b, u32 new_b,
		 u64 steps_by_writes, u64 steps_by_worker, u64 moved,
		 u64 duration_ns),
	TP_ARGS(map_id, kind, old_b, new_b, steps_by_writes, steps_by_worker,
		moved, duration_ns)
);

/* hmap_clear() gave the resize up: both arrays were replaced by an empty one. */
DEFINE_EVENT(hmap_resize_end, hmap_resize_abandon,
	TP_PROTO(u32 map_id, u32 kind, u32 old_b, u32 new_b,
		 u64 steps_by_writes, u64 steps_by_worker, u64 moved,
		 u64 duration_ns),
	TP_ARGS(map_id, kind, old_b, new_b, steps_by_writes, steps_by_worker,
		moved, duration_ns)
);

#endif /* _HMAP_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#define TRACE_INCLUDE_FILE hmap_trace
#include <trace/define_trace.h>
