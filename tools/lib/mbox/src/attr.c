// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * libmbox: a mailbox's attributes (stat, setattr), what the running module
 * supports (version) and a user's usage against the limits (usage).
 */
#include <string.h>

#include "lib.h"

int mbox_stat_sized(int fd, struct mbox_stat *st, size_t size)
{
	unsigned long cmd = mbox_cmd_sized(MBOX_IOC_STAT, size);

	if (!cmd)
		return -EINVAL;
	memset(st, 0, size);
	return __mbox_ioctl(fd, cmd, st);
}

LIBMBOX_COMPAT(mbox_stat_v1_0, mbox_stat, LIBMBOX_1.0);
int mbox_stat_v1_0(int fd, struct mbox_stat *st)
{
	return mbox_stat_sized(fd, st, MBOX_STAT_SIZE_VER0);
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
