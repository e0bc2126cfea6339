// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * libmbox: a mailbox's attributes (stat, setattr) and what the running
 * module supports (version).
 */
#include <string.h>

#include "lib.h"

int mbox_stat(int fd, struct mbox_stat *st)
{
	memset(st, 0, sizeof(*st));
	return __mbox_ioctl(fd, MBOX_IOC_STAT, st);
}

int mbox_setattr(int fd, const struct mbox_setattr *a)
{
	return __mbox_ioctl(fd, MBOX_IOC_SETATTR, (void *)a);
}

int mbox_version(int fd, struct mbox_version *v)
{
	memset(v, 0, sizeof(*v));
	return __mbox_ioctl(fd, MBOX_IOC_VERSION, v);
}
