/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * libmbox-mq internals. An mqd_t is a /dev/mbox handle bound to the mailbox
 * of the queue's name: a file descriptor, as on Linux. Internal functions
 * return 0 (or a value) and -errno; only the mq_* entry points set errno.
 * Every global symbol here is mbox_mq_-prefixed; the shared library exports
 * none of them (libmbox-mq.map).
 */
#ifndef LIBMBOX_MQ_H
#define LIBMBOX_MQ_H

#include <limits.h>
#include <mqueue.h>
#include <stdint.h>

#include <linux/mbox.h>

#define MBOX_MQ_DEV	"/dev/mbox"

/* The kernel reads the structure size from each command: pin the versions used. */
_Static_assert(sizeof(struct mbox_open) == MBOX_OPEN_SIZE_VER1, "struct mbox_open");
_Static_assert(sizeof(struct mbox_send) == MBOX_SEND_SIZE_VER3, "struct mbox_send");
_Static_assert(sizeof(struct mbox_recv) == MBOX_RECV_SIZE_VER4, "struct mbox_recv");
_Static_assert(sizeof(struct mbox_stat) == MBOX_STAT_SIZE_VER2, "struct mbox_stat");
_Static_assert(MQ_PRIO_MAX == MBOX_PRIO_MAX, "POSIX and mbox priorities differ");

static inline __u64 mbox_mq_ptr(const void *p)
{
	return (__u64)(uintptr_t)p;
}

/* Store -err in errno and return -1, the way every mq_* function fails. */
int mbox_mq_fail(int err);

/* ioctl() on a queue descriptor, as 0 or -errno: EBADF for non-queues. */
int mbox_mq_ioctl(int fd, unsigned long cmd, void *arg);
int mbox_mq_stat(int fd, struct mbox_stat *st);

/* mq_notify() state, notify.c. */
void mbox_mq_remember(int fd, const char *name);
void mbox_mq_forget(int fd);
void mbox_mq_received(int fd);

#endif /* LIBMBOX_MQ_H */
