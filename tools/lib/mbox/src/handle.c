// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * libmbox: handles and mailboxes. Opening /dev/mbox, binding a handle to a
 * named, anonymous or port mailbox (MBOX_IOC_OPEN), unlink and destroy.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "lib.h"

/*
 * Open /dev/mbox. flags may add O_NONBLOCK; the handle is always read-write
 * and close-on-exec.
 */
int mbox_open_dev(int flags)
{
	int fd;

	if (flags & ~O_NONBLOCK)
		return -EINVAL;
	fd = open(MBOX_DEV_PATH, O_RDWR | O_CLOEXEC | flags);
	return fd < 0 ? -errno : fd;
}

/* MBOX_IOC_OPEN on a handle of the caller's; the kernel writes back the sizes. */
int mbox_bind(int fd, struct mbox_open *o)
{
	return __mbox_ioctl(fd, MBOX_IOC_OPEN, o);
}

/* A new handle bound as o asks, or -errno with nothing left open. */
static int mbox_open_bound(struct mbox_open *o)
{
	int fd, err;

	fd = mbox_open_dev(0);
	if (fd < 0)
		return fd;
	err = mbox_bind(fd, o);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

int mbox_create(const char *name, unsigned int flags, unsigned int access,
		unsigned int mode, unsigned int max_msgs, unsigned int max_msg_size)
{
	struct mbox_open o = {
		.name_ptr = mbox_ptr(name),
		.flags = MBOX_OPEN_CREATE | flags,
		.access = access,
		.mode = mode,
		.max_msgs = max_msgs,
		.max_msg_size = max_msg_size,
	};

	return mbox_open_bound(&o);
}

int mbox_fanout_create(const char *name, unsigned int flags, unsigned int access,
		       unsigned int mode, unsigned int max_msgs, unsigned int max_msg_size)
{
	return mbox_create(name, MBOX_OPEN_FANOUT | flags, access, mode, max_msgs,
			   max_msg_size);
}

int mbox_open_name(const char *name, unsigned int access)
{
	struct mbox_open o = {
		.name_ptr = mbox_ptr(name),
		.access = access,
	};

	if (!name)
		return -EINVAL;
	return mbox_open_bound(&o);
}

int mbox_anon(unsigned int max_msgs, unsigned int max_msg_size)
{
	return mbox_create(NULL, 0, MBOX_ACCESS_SEND | MBOX_ACCESS_RECV, 0,
			   max_msgs, max_msg_size);
}

int mbox_port_create(unsigned int flags, unsigned int access, unsigned int mode)
{
	struct mbox_open o = {
		.flags = MBOX_OPEN_CREATE | MBOX_OPEN_PORT | flags,
		.access = access,
		.mode = mode,
	};

	return mbox_open_bound(&o);
}

int mbox_port_open_pid(pid_t pid, unsigned int access)
{
	struct mbox_open o = {
		.flags = MBOX_OPEN_PID,
		.access = access,
		.target = pid,
	};

	return mbox_open_bound(&o);
}

int mbox_port_open_pidfd(int pidfd, unsigned int access)
{
	struct mbox_open o = {
		.flags = MBOX_OPEN_PIDFD,
		.access = access,
		.target = pidfd,
	};

	return mbox_open_bound(&o);
}

int mbox_unlink(int fd, const char *name)
{
	struct mbox_name n = { .name_ptr = mbox_ptr(name) };

	return __mbox_ioctl(fd, MBOX_IOC_UNLINK, &n);
}

int mbox_destroy(int fd)
{
	return __mbox_ioctl(fd, MBOX_IOC_DESTROY, NULL);
}
