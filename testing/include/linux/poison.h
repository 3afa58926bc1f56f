/* SPDX-License-Identifier: GPL-2.0 */
/* The kernel's include/linux/poison.h: what hmap's stand-ins use of it. */
#ifndef _HMAP_USER_LINUX_POISON_H
#define _HMAP_USER_LINUX_POISON_H

/* SLUB's debug poison for memory no one has written since it was freed. */
#define POISON_FREE	0x6b

#endif /* _HMAP_USER_LINUX_POISON_H */
