/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TRACE_EVENT() for the user-space build. The real include/hmap_trace.h
 * is compiled as it is: every event becomes trace_<event>(),
 * trace_<event>_enabled() and register_trace_<event>() /
 * unregister_trace_<event>() with the prototype TP_PROTO() gives, so the
 * stand-in follows the header when an event or a field changes. The
 * struct, assignment and print parts are dropped; probes get the
 * arguments, as kernel probes do. lib/trace.c defines the events
 * (CREATE_TRACE_POINTS, see trace/define_trace.h).
 */
#ifndef _HMAP_USER_LINUX_TRACEPOINT_H
#define _HMAP_USER_LINUX_TRACEPOINT_H

#include <linux/compiler.h>
#include <linux/types.h>

#define HMAP_USER_TP_MAX_PROBES	8

struct hmap_user_tracepoint {
	const char *name;
	int nprobes;
	void *probes[HMAP_USER_TP_MAX_PROBES];
	void *datas[HMAP_USER_TP_MAX_PROBES];
};

int hmap_user_tp_register(struct hmap_user_tracepoint *tp, void *probe,
			  void *data);
int hmap_user_tp_unregister(struct hmap_user_tracepoint *tp, void *probe,
			    void *data);
/* An event calls its probes between these (a reader lock). */
void hmap_user_tp_lock(void);
void hmap_user_tp_unlock(void);
void tracepoint_synchronize_unregister(void);

#define PARAMS(args...) args
#define TP_PROTO(args...) args
#define TP_ARGS(args...) args
#define TP_CONDITION(args...) args

#define DECLARE_TRACE(name, proto, args)				\
	extern struct hmap_user_tracepoint __tracepoint_##name;		\
	static inline bool trace_##name##_enabled(void)			\
	{								\
		return __atomic_load_n(&__tracepoint_##name.nprobes,	\
				       __ATOMIC_RELAXED) > 0;		\
	}								\
	void __trace_##name(proto);					\
	static inline void trace_##name(proto)				\
	{								\
		if (trace_##name##_enabled())				\
			__trace_##name(args);				\
	}								\
	int register_trace_##name(void (*probe)(void *__data, proto),	\
				  void *data);				\
	int unregister_trace_##name(void (*probe)(void *__data, proto),	\
				    void *data)

#endif /* _HMAP_USER_LINUX_TRACEPOINT_H */

/* Read on every pass over a trace header, as the kernel's. */
#ifndef TRACE_EVENT
#define TRACE_EVENT(name, proto, args, tstruct, assign, print)		\
	DECLARE_TRACE(name, PARAMS(proto), PARAMS(args))
#define DECLARE_EVENT_CLASS(name, proto, args, tstruct, assign, print)	\
	extern int __hmap_user_event_class_##name
#define DEFINE_EVENT(template, name, proto, args)			\
	DECLARE_TRACE(name, PARAMS(proto), PARAMS(args))
#define TRACE_EVENT_CONDITION(name, proto, args, cond, tstruct, assign, print) \
	TRACE_EVENT(name, PARAMS(proto), PARAMS(args), tstruct, assign, print)
#endif
