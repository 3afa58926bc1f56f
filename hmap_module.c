// SPDX-License-Identifier: GPL-2.0
/*
 * Module boilerplate of hmap.ko that the core stays free of, so that
 * hmap_core.c builds unchanged in user space (testing/): the tracepoints'
 * definitions and their exports. (The in-kernel API's exports follow each
 * function in hmap_core.c, where checkpatch wants them; user space defines
 * EXPORT_SYMBOL_GPL() away.) The module's entry point, which creates the
 * map /dev/hmap serves, is in hmap_chardev.c.
 */
#include <linux/export.h>
#include <linux/module.h>

#include "hmap_version.h"

#define CREATE_TRACE_POINTS
#include "hmap_trace.h"

EXPORT_TRACEPOINT_SYMBOL_GPL(hmap_resize_start);
EXPORT_TRACEPOINT_SYMBOL_GPL(hmap_evacuate);
EXPORT_TRACEPOINT_SYMBOL_GPL(hmap_resize_done);
EXPORT_TRACEPOINT_SYMBOL_GPL(hmap_resize_abandon);

MODULE_VERSION(HMAP_VERSION);
