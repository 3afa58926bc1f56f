/* SPDX-License-Identifier: GPL-2.0 */
/* No modules here: an export is only a redeclaration, to eat the ';'. */
#ifndef _HMAP_USER_LINUX_EXPORT_H
#define _HMAP_USER_LINUX_EXPORT_H

#define EXPORT_SYMBOL(sym)		extern typeof(sym) sym
#define EXPORT_SYMBOL_GPL(sym)		extern typeof(sym) sym
#define EXPORT_SYMBOL_NS(sym, ns)	extern typeof(sym) sym
#define EXPORT_SYMBOL_NS_GPL(sym, ns)	extern typeof(sym) sym

#endif
