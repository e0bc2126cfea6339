// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * libmbox-mq: queues. mq_open() binds a new /dev/mbox handle to the mailbox
 * of the same name; mq_close(), mq_unlink(), mq_getattr() and mq_setattr()
 * follow. Names and errnos are checked here the way glibc and the Linux
 * mqueue filesystem check them, since mbox's own rules differ slightly.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "mq.h"

/* The mqueue filesystem's f_type; <linux/magic.h> does not export it. */
#define MBOX_MQ_MQUEUE_MAGIC	0x19800202

int mbox_mq_fail(int err)
{
	errno = err;
	return -1;
}

/*
 * A queue descriptor of the kernel's own mqueue filesystem reaching us means
 * the process mixes both implementations, which it cannot: say so once, as
 * EBADF alone would leave the user guessing.
 */
static void mbox_mq_foreign(int fd)
{
	static atomic_flag said = ATOMIC_FLAG_INIT;
	struct statfs sfs;

	if (fstatfs(fd, &sfs) || sfs.f_type != MBOX_MQ_MQUEUE_MAGIC)
		return;
	if (!atomic_flag_test_and_set(&said))
		dprintf(STDERR_FILENO,
			"libmbox-mq: descriptor %d is a kernel POSIX message queue, not an mbox one: one process cannot use both\n",
			fd);
}

/*
 * ENOTTY: not /dev/mbox at all; EBADFD: a /dev/mbox handle bound to no
 * mailbox. Neither is a message queue descriptor, which POSIX calls EBADF.
 */
int mbox_mq_ioctl(int fd, unsigned long cmd, void *arg)
{
	if (!ioctl(fd, cmd, arg))
		return 0;
	if (errno == ENOTTY) {
		mbox_mq_foreign(fd);
		return -EBADF;
	}
	return errno == EBADFD ? -EBADF : -errno;
}

int mbox_mq_stat(int fd, struct mbox_stat *st)
{
	return mbox_mq_ioctl(fd, MBOX_IOC_STAT, st);
}

/*
 * Linux's rules, in its order: glibc wants the leading slash (EINVAL); the
 * kernel takes the rest as one file name of the mqueue filesystem, so an
 * empty one is ENOENT (getname), ".", ".." or a further slash EACCES
 * (lookup_one_len) and more than NAME_MAX bytes ENAMETOOLONG.
 */
static int mbox_mq_check_name(const char *name)
{
	size_t len;

	if (name[0] != '/')
		return -EINVAL;
	len = strnlen(name + 1, PATH_MAX);
	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	if (!len)
		return -ENOENT;
	if (strchr(name + 1, '/') || !strcmp(name, "/.") || !strcmp(name, "/.."))
		return -EACCES;
	return len > NAME_MAX ? -ENAMETOOLONG : 0;
}

/* A fresh, unbound handle. No /dev/mbox: ENOSYS, as Linux without CONFIG_POSIX_MQUEUE. */
static int mbox_mq_open_dev(int flags)
{
	int fd = open(MBOX_MQ_DEV, O_RDWR | O_CLOEXEC | flags);

	if (fd >= 0)
		return fd;
	if (errno != ENOENT && errno != ENXIO && errno != ENODEV)
		return -errno;
	dprintf(STDERR_FILENO, "libmbox-mq: %s: %s (is the mbox module loaded?)\n",
		MBOX_MQ_DEV, strerror(errno));
	return -ENOSYS;
}

static int mbox_mq_access(int oflag, __u32 *access)
{
	switch (oflag & O_ACCMODE) {
	case O_RDONLY:
		*access = MBOX_ACCESS_RECV;
		return 0;
	case O_WRONLY:
		*access = MBOX_ACCESS_SEND;
		return 0;
	case O_RDWR:
		*access = MBOX_ACCESS_SEND | MBOX_ACCESS_RECV;
		return 0;
	}
	return -EINVAL;
}

/* Linux takes an attribute only if both sizes are positive; mbox's are 32 bits. */
static int mbox_mq_attr_ok(const struct mq_attr *attr)
{
	return attr->mq_maxmsg > 0 && attr->mq_maxmsg <= UINT32_MAX &&
	       attr->mq_msgsize > 0 && attr->mq_msgsize <= UINT32_MAX;
}

static int mbox_mq_bind(int fd, struct mbox_open *o)
{
	int err = mbox_mq_ioctl(fd, MBOX_IOC_OPEN, o);

	/* mbox refuses sizes above its ceilings with EPERM, Linux with EINVAL. */
	return err == -EPERM ? -EINVAL : err;
}

/*
 * Linux checks the attributes only when it creates the queue: with bad ones,
 * an existing queue still opens (or is EEXIST) and an absent one is EINVAL.
 * mbox would take a size of 0 as "default", so open without creating.
 */
static int mbox_mq_bind_bad_attr(int fd, struct mbox_open *o)
{
	__u32 excl = o->flags & MBOX_OPEN_EXCL;
	int err;

	o->flags = 0;
	o->max_msgs = 0;
	o->max_msg_size = 0;
	err = mbox_mq_bind(fd, o);
	if (err == -ENOENT)
		return -EINVAL;
	return !err && excl ? -EEXIST : err;
}

static int mbox_mq_open(const char *name, int oflag, mode_t mode, const struct mq_attr *attr)
{
	struct mbox_open o = {
		.name_ptr = mbox_mq_ptr(name),
		.mode = mode & 0777,
	};
	int fd, err;

	err = mbox_mq_check_name(name);
	if (!err)
		err = mbox_mq_access(oflag, &o.access);
	if (err)
		return err;
	if (oflag & O_CREAT)
		o.flags = MBOX_OPEN_CREATE | (oflag & O_EXCL ? MBOX_OPEN_EXCL : 0);
	fd = mbox_mq_open_dev(oflag & O_NONBLOCK);
	if (fd < 0)
		return fd;
	if ((oflag & O_CREAT) && attr && !mbox_mq_attr_ok(attr)) {
		err = mbox_mq_bind_bad_attr(fd, &o);
	} else {
		if ((oflag & O_CREAT) && attr) {
			o.max_msgs = attr->mq_maxmsg;
			o.max_msg_size = attr->mq_msgsize;
		}
		err = mbox_mq_bind(fd, &o);
	}
	if (err) {
		close(fd);
		return err;
	}
	mbox_mq_remember(fd, name);
	return fd;
}

mqd_t mq_open(const char *name, int oflag, ...)
{
	struct mq_attr *attr = NULL;
	mode_t mode = 0;
	int fd;

	if (oflag & O_CREAT) {
		va_list ap;

		va_start(ap, oflag);
		mode = va_arg(ap, mode_t);
		attr = va_arg(ap, struct mq_attr *);
		va_end(ap);
	}
	fd = mbox_mq_open(name, oflag, mode, attr);
	return fd < 0 ? mbox_mq_fail(-fd) : fd;
}

/* What _FORTIFY_SOURCE turns a two-argument mq_open() into. */
mqd_t __mq_open_2(const char *name, int oflag);
mqd_t __mq_open_2(const char *name, int oflag)
{
	if (oflag & O_CREAT) {
		dprintf(STDERR_FILENO,
			"*** invalid mq_open call: O_CREAT without mode and attr ***\n");
		abort();
	}
	return mq_open(name, oflag);
}

/*
 * glibc's mq_close() is close() and would close any descriptor; here only a
 * queue is closed, so a stray call cannot close a foreign file.
 */
int mq_close(mqd_t mqdes)
{
	struct mbox_stat st;
	int err = mbox_mq_stat(mqdes, &st);

	if (err)
		return mbox_mq_fail(-err);
	mbox_mq_forget(mqdes);
	return close(mqdes);
}

int mq_unlink(const char *name)
{
	struct mbox_name n = { .name_ptr = mbox_mq_ptr(name) };
	int fd, err;

	err = mbox_mq_check_name(name);
	if (err)
		return mbox_mq_fail(-err);
	fd = mbox_mq_open_dev(0);
	if (fd < 0)
		return mbox_mq_fail(-fd);
	err = mbox_mq_ioctl(fd, MBOX_IOC_UNLINK, &n);
	close(fd);
	return err ? mbox_mq_fail(-err) : 0;
}

int mq_getattr(mqd_t mqdes, struct mq_attr *attr)
{
	struct mbox_stat st;
	int err, flags;

	err = mbox_mq_stat(mqdes, &st);
	if (err)
		return mbox_mq_fail(-err);
	flags = fcntl(mqdes, F_GETFL);
	if (flags < 0)
		return -1;
	memset(attr, 0, sizeof(*attr));
	attr->mq_flags = flags & O_NONBLOCK;
	attr->mq_maxmsg = st.max_msgs;
	attr->mq_msgsize = st.max_msg_size;
	attr->mq_curmsgs = st.cur_msgs;
	return 0;
}

/* mq_flags is the open file's O_NONBLOCK, shared by dup() and fork() as on Linux. */
int mq_setattr(mqd_t mqdes, const struct mq_attr *newattr, struct mq_attr *oldattr)
{
	struct mq_attr cur;
	int flags;

	if (newattr->mq_flags & ~(long)O_NONBLOCK)
		return mbox_mq_fail(EINVAL);
	if (mq_getattr(mqdes, &cur))
		return -1;
	flags = fcntl(mqdes, F_GETFL);
	if (flags < 0)
		return -1;
	flags = (flags & ~O_NONBLOCK) | (newattr->mq_flags & O_NONBLOCK);
	if (fcntl(mqdes, F_SETFL, flags))
		return -1;
	if (oldattr)
		*oldattr = cur;
	return 0;
}
