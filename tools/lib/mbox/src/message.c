// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * libmbox: messages. Send and receive in their write()/read() and ioctl
 * forms, request/reply calls, and cancelling blocked callers.
 */
#include <time.h>
#include <unistd.h>

#include "lib.h"

ssize_t mbox_send(int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	return n < 0 ? -errno : n;
}

ssize_t mbox_recv(int fd, void *buf, size_t len)
{
	ssize_t n = read(fd, buf, len);

	return n < 0 ? -errno : n;
}

int mbox_sendx_sized(int fd, const struct mbox_send *s, size_t size)
{
	unsigned long cmd = mbox_cmd_sized(MBOX_IOC_SEND, size);

	return cmd ? __mbox_ioctl(fd, cmd, (void *)s) : -EINVAL;
}

int mbox_recvx_sized(int fd, struct mbox_recv *r, size_t size)
{
	unsigned long cmd = mbox_cmd_sized(MBOX_IOC_RECV, size);

	return cmd ? __mbox_ioctl(fd, cmd, r) : -EINVAL;
}

LIBMBOX_COMPAT(mbox_sendx_v1_0, mbox_sendx, LIBMBOX_1.0);
int mbox_sendx_v1_0(int fd, const struct mbox_send *s)
{
	return mbox_sendx_sized(fd, s, MBOX_SEND_SIZE_VER1);
}

LIBMBOX_COMPAT(mbox_recvx_v1_0, mbox_recvx, LIBMBOX_1.0);
int mbox_recvx_v1_0(int fd, struct mbox_recv *r)
{
	return mbox_recvx_sized(fd, r, MBOX_RECV_SIZE_VER1);
}

/* One message of priority 0, with the flags (and the fields they need) of s. */
static int mbox_send_with(int fd, const void *buf, size_t len, struct mbox_send *s)
{
	s->buf_ptr = mbox_ptr(buf);
	s->len = len;
	return mbox_sendx(fd, s);
}

int mbox_send_ttl(int fd, const void *buf, size_t len, __u64 ttl_ns)
{
	struct mbox_send s = { .flags = MBOX_SEND_EXPIRE };
	struct timespec now;

	if (clock_gettime(CLOCK_MONOTONIC, &now))
		return -errno;
	s.expire_ns = (__u64)now.tv_sec * 1000000000 + now.tv_nsec + ttl_ns;
	return mbox_send_with(fd, buf, len, &s);
}

int mbox_send_fds(int fd, const void *buf, size_t len, const int *fds,
		  unsigned int nfds)
{
	struct mbox_send s = { .fds_ptr = mbox_ptr(fds), .nfds = nfds };

	return mbox_send_with(fd, buf, len, &s);
}

ssize_t mbox_recv_fds(int fd, void *buf, size_t len, int *fds, unsigned int *nfds,
		      unsigned int flags)
{
	struct mbox_recv r = {
		.buf_ptr = mbox_ptr(buf),
		.buf_len = len,
		.flags = MBOX_RECV_FDS | flags,
		.fds_ptr = mbox_ptr(fds),
		.fds_max = *nfds,
	};
	int err = mbox_recvx(fd, &r);

	*nfds = r.nfds;
	return err ? err : (ssize_t)r.len;
}

int mbox_send_keyed(int fd, const void *buf, size_t len, __u64 key)
{
	struct mbox_send s = { .flags = MBOX_SEND_KEY, .key = key };

	return mbox_send_with(fd, buf, len, &s);
}

/* A batch ioctl over an array of entries of the caller's size. */
static int mbox_batch(int fd, unsigned long cmd, void *vec, unsigned int n,
		      size_t entry_size)
{
	struct mbox_batch b = {
		.vec_ptr = mbox_ptr(vec),
		.count = n,
		.entry_size = entry_size,
	};
	int done;

	if (b.entry_size != entry_size)
		return -EINVAL;
	done = ioctl(fd, cmd, &b);
	return done < 0 ? -errno : done;
}

int mbox_send_batch_sized(int fd, const struct mbox_send *s, unsigned int n,
			  size_t size)
{
	return mbox_batch(fd, MBOX_IOC_SEND_BATCH, (void *)s, n, size);
}

int mbox_recv_batch_sized(int fd, struct mbox_recv *r, unsigned int n, size_t size)
{
	return mbox_batch(fd, MBOX_IOC_RECV_BATCH, r, n, size);
}

LIBMBOX_COMPAT(mbox_send_batch_v1_1, mbox_send_batch, LIBMBOX_1.1);
int mbox_send_batch_v1_1(int fd, const struct mbox_send *s, unsigned int n)
{
	return mbox_send_batch_sized(fd, s, n, MBOX_SEND_SIZE_VER3);
}

LIBMBOX_COMPAT(mbox_recv_batch_v1_1, mbox_recv_batch, LIBMBOX_1.1);
int mbox_recv_batch_v1_1(int fd, struct mbox_recv *r, unsigned int n)
{
	return mbox_recv_batch_sized(fd, r, n, MBOX_RECV_SIZE_VER4);
}

/* A call without priority, type or deadline: the reply's length, or -errno. */
ssize_t mbox_call(int fd, const void *req, size_t req_len, void *reply,
		  size_t reply_len)
{
	struct mbox_call c = {
		.req_ptr = mbox_ptr(req),
		.req_len = req_len,
		.reply_ptr = mbox_ptr(reply),
		.reply_len = reply_len,
	};
	int err;

	err = mbox_callx(fd, &c);
	return err ? err : (ssize_t)c.reply_len;
}

int mbox_callx(int fd, struct mbox_call *c)
{
	return __mbox_ioctl(fd, MBOX_IOC_CALL, c);
}

int mbox_reply(int fd, __u64 token, const void *buf, size_t len, int error)
{
	struct mbox_reply r = {
		.token = token,
		.buf_ptr = mbox_ptr(buf),
		.len = len,
		.error = error,
	};

	return __mbox_ioctl(fd, MBOX_IOC_REPLY, &r);
}

int mbox_reply_recv_sized(int fd, const struct mbox_reply *rp, size_t reply_size,
			  struct mbox_recv *r, size_t recv_size, int *replied)
{
	struct mbox_reply_recv rr = {
		.reply_ptr = mbox_ptr(rp),
		.recv_ptr = mbox_ptr(r),
		.reply_size = reply_size,
		.recv_size = recv_size,
	};
	int err;

	if (rr.reply_size != reply_size || rr.recv_size != recv_size)
		return -EINVAL;
	err = __mbox_ioctl(fd, MBOX_IOC_REPLY_RECV, &rr);
	if (replied)
		*replied = rr.replied;
	return err;
}

int mbox_cancel(int fd)
{
	return __mbox_ioctl(fd, MBOX_IOC_CANCEL, NULL);
}
