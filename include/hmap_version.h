/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The version of hmap: the one place it is written. The module
 * (MODULE_VERSION), hmapctl --version, dkms.conf and the Debian packages
 * all take it from here; the top-level Makefile reads it with sed, so keep
 * the line below in exactly this form.
 */
#ifndef HMAP_VERSION_H
#define HMAP_VERSION_H

#define HMAP_VERSION "0.1.0"

#endif /* HMAP_VERSION_H */
