/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The second pass over a trace header, in the one file that defines
 * CREATE_TRACE_POINTS (lib/trace.c): DECLARE_TRACE() now defines the
 * event's functions. Other files get nothing from this header.
 */
#ifdef CREATE_TRACE_POINTS
#undef CREATE_TRACE_POINTS

#undef DECLARE_TRACE
#define DECLARE_TRACE(ev, proto, args)				\
	struct hmap_user_tracepoint __tracepoint_##ev = {		\
		.name = #ev,						\
	};								\
	void __trace_##ev(proto)					\
	{								\
		struct hmap_user_tracepoint *__tp = &__tracepoint_##ev; \
		int __i;						\
									\
		hmap_user_tp_lock();					\
		for (__i = 0; __i < __tp->nprobes; __i++)		\
			((void (*)(void *, proto))__tp->probes[__i])(	\
				__tp->datas[__i], args);		\
		hmap_user_tp_unlock();					\
	}								\
	int register_trace_##ev(void (*probe)(void *__data, proto),	\
				  void *data)				\
	{								\
		return hmap_user_tp_register(&__tracepoint_##ev,	\
					     (void *)probe, data);	\
	}								\
	int unregister_trace_##ev(void (*probe)(void *__data, proto),	\
				    void *data)				\
	{								\
		return hmap_user_tp_unregister(&__tracepoint_##ev,	\
					       (void *)probe, data);	\
	}								\
	extern struct hmap_user_tracepoint __tracepoint_##ev

#define __hmap_user_stringify_1(x...)	#x
#define __hmap_user_stringify(x...)	__hmap_user_stringify_1(x)

#define TRACE_HEADER_MULTI_READ
#include __hmap_user_stringify(TRACE_INCLUDE_FILE.h)
#undef TRACE_HEADER_MULTI_READ

#endif /* CREATE_TRACE_POINTS */
