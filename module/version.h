/* SPDX-License-Identifier: GPL-2.0 */
/* The one place the mbox release version is written; the Makefile reads it too. */
#ifndef _MBOX_VERSION_H
#define _MBOX_VERSION_H

#define MBOX_VERSION "0.1.0"

#endif /* _MBOX_VERSION_H */
