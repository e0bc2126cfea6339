/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the mbox selftests.
 */
#ifndef _MBOX_TEST_H
#define _MBOX_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/mbox.h>

#define MBOX_DEV "/dev/mbox"

/* Open /dev/mbox, or skip the test (with the reason) when the module is absent. */
#define mbox_open_or_skip(fd)						\
	do {								\
		(fd) = open(MBOX_DEV, O_RDWR | O_CLOEXEC);		\
		if ((fd) < 0 && errno == ENOENT)			\
			SKIP(return, MBOX_DEV " is absent: load mbox.ko"); \
		ASSERT_LE(0, (fd));					\
	} while (0)

/* ioctl() returning 0 or -errno, so one assertion checks one errno. */
static inline long mbox_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

#endif /* _MBOX_TEST_H */
