/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * mbox: message-passing IPC through the /dev/mbox character device.
 *
 * Every ioctl argument is a structure of fixed-width fields, naturally aligned,
 * a multiple of 8 bytes long, with explicit padding that must be zero. The size
 * encoded in each command is the structure's size: structures only ever grow at
 * the end, and the kernel accepts a caller built against an older (shorter) or
 * newer (longer, with the unknown tail zeroed) version of the header.
 */
#ifndef _UAPI_LINUX_MBOX_H
#define _UAPI_LINUX_MBOX_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Not taken in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define MBOX_IOCTL_MAGIC	0xB9

/* Bumped when behaviour changes in a way a feature bit cannot describe. */
#define MBOX_ABI_VERSION	1

/**
 * struct mbox_version - what the running module supports
 * @abi_version: out: %MBOX_ABI_VERSION of the module.
 * @pad: in: must be zero.
 * @ioctls: out: bit N is set when the ioctl with number N is supported.
 *
 * Answered by %MBOX_IOC_VERSION on any /dev/mbox handle, so a program can
 * probe for features instead of guessing from the kernel version.
 */
struct mbox_version {
	__u32 abi_version;
	__u32 pad;
	__u64 ioctls;
};

#define MBOX_VERSION_SIZE_VER0	16	/* sizeof first published struct */

#define MBOX_IOC_VERSION	_IOWR(MBOX_IOCTL_MAGIC, 0x00, struct mbox_version)

#endif /* _UAPI_LINUX_MBOX_H */
