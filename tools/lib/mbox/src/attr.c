// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * libmbox: a mailbox's attributes (stat, setattr), what the running module
 * supports (version) and a user's usage against the limits (usage).
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

/* The in fields (flags, uid, pad) are the caller's: zero for its own user. */
int mbox_usage(int fd, struct mbox_usage *u)
{
	return __mbox_ioctl(fd, MBOX_IOC_USAGE, u);
}
