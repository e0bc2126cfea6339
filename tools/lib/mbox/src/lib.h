/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * libmbox internals: the ioctl wrapper every call goes through, and the
 * structure sizes this library was built against.
 */
#ifndef LIBMBOX_LIB_H
#define LIBMBOX_LIB_H

#include <errno.h>
#include <sys/ioctl.h>

#include <mbox/libmbox.h>

/*
 * The kernel reads the size encoded in each command: these pin the version of
 * every structure the library passes, so a header change is a conscious one.
 */
_Static_assert(sizeof(struct mbox_version) == 40, "struct mbox_version");
_Static_assert(sizeof(struct mbox_open) == MBOX_OPEN_SIZE_VER1, "struct mbox_open");
_Static_assert(sizeof(struct mbox_name) == MBOX_NAME_SIZE_VER0, "struct mbox_name");
_Static_assert(sizeof(struct mbox_send) == MBOX_SEND_SIZE_VER3, "struct mbox_send");
_Static_assert(sizeof(struct mbox_recv) == MBOX_RECV_SIZE_VER4, "struct mbox_recv");
_Static_assert(sizeof(struct mbox_stat) == MBOX_STAT_SIZE_VER2, "struct mbox_stat");
_Static_assert(sizeof(struct mbox_setattr) == MBOX_SETATTR_SIZE_VER0, "struct mbox_setattr");
_Static_assert(sizeof(struct mbox_call) == MBOX_CALL_SIZE_VER0, "struct mbox_call");
_Static_assert(sizeof(struct mbox_reply) == MBOX_REPLY_SIZE_VER0, "struct mbox_reply");
_Static_assert(sizeof(struct mbox_usage) == MBOX_USAGE_SIZE_VER0, "struct mbox_usage");

/* ioctl() as 0 or -errno. */
static inline int __mbox_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

/* cmd for a structure of the caller's size, or 0 for a size no command holds. */
static inline unsigned long mbox_cmd_sized(unsigned long cmd, size_t size)
{
	if (size > _IOC_SIZEMASK)
		return 0;
	return _IOC(_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), size);
}

/*
 * What programs linked against an earlier libmbox call by name: fn, exported
 * as name@version, passing the structures' sizes of that version.
 */
#define LIBMBOX_COMPAT(fn, name, version) \
	__asm__(".symver " #fn ", " #name "@" #version)

int mbox_sendx_v1_0(int fd, const struct mbox_send *s);
int mbox_recvx_v1_0(int fd, struct mbox_recv *r);
int mbox_stat_v1_0(int fd, struct mbox_stat *st);
int mbox_send_batch_v1_1(int fd, const struct mbox_send *s, unsigned int n);
int mbox_recv_batch_v1_1(int fd, struct mbox_recv *r, unsigned int n);

#endif /* LIBMBOX_LIB_H */
