// SPDX-License-Identifier: GPL-2.0
/*
 * mbox itself, through its uapi header directly (no library layer to
 * measure): an anonymous mailbox of CAP_MSGS messages of the run's size.
 * "mbox" sends with write() and receives with read(), its simplest form,
 * and batches with MBOX_IOC_SEND_BATCH / MBOX_IOC_RECV_BATCH; "mbox-call"
 * makes each round trip one MBOX_IOC_CALL, which the server answers with
 * MBOX_IOC_REPLY_RECV, taking the next request in the same call.
 *
 * "mbox-wide" is a floor, not a contender: mbox holding as many messages as
 * fit the run's bytes, as a pipe and System V msg do (4096 of 64 B in
 * 256 KiB), where the others get CAP_MSGS. What it gains over "mbox" is
 * what their larger capacity in messages is worth.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/mbox.h>

#include "bench.h"

#define PTR(p)	((__u64)(uintptr_t)(p))

static int mbox_probe(void)
{
	int fd = open("/dev/mbox", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int mbox_open_msgs(struct chan *c, const struct cap *cap, unsigned int msgs)
{
	struct mbox_open o = {
		.flags = MBOX_OPEN_CREATE,
		.access = MBOX_ACCESS_SEND | MBOX_ACCESS_RECV,
		.max_msgs = msgs,
		.max_msg_size = cap->size,
		.max_bytes = cap->bytes,
	};
	int fd = open("/dev/mbox", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (ioctl(fd, MBOX_IOC_OPEN, &o)) {
		int err = -errno;

		close(fd);
		return err;
	}
	c->rfd = fd;
	c->wfd = fd;
	return 0;
}

static int mbox_open_chan(struct chan *c, const struct cap *cap)
{
	return mbox_open_msgs(c, cap, cap->msgs);
}

/* As many as the bytes hold, within the hard limit of 65536 messages. */
static int mbox_open_wide(struct chan *c, const struct cap *cap)
{
	size_t msgs = cap->bytes / cap->size;

	return mbox_open_msgs(c, cap, msgs < cap->msgs ? cap->msgs :
				      msgs > 65536 ? 65536 : msgs);
}

static void mbox_close_chan(struct chan *c)
{
	close(c->rfd);
}

static int mbox_send(struct chan *c, const void *buf, size_t len)
{
	ssize_t n;

	do
		n = write(c->wfd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

static ssize_t mbox_recv(struct chan *c, void *buf, size_t cap)
{
	ssize_t n;

	do
		n = read(c->rfd, buf, cap);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* A module without the batch ioctls answers ENOTTY; one with them, EINVAL. */
static int mbox_batch_probe(struct chan *c)
{
	struct mbox_batch b = { 0 };

	if (ioctl(c->wfd, MBOX_IOC_SEND_BATCH, &b) && errno == ENOTTY)
		return -ENOTTY;
	return 0;
}

static int batch_ioctl(int fd, unsigned long cmd, void *vec, int n,
		       size_t entry)
{
	struct mbox_batch b = {
		.vec_ptr = PTR(vec),
		.count = n,
		.entry_size = entry,
	};
	int done;

	do
		done = ioctl(fd, cmd, &b);
	while (done < 0 && errno == EINTR);
	return done < 0 ? -errno : done;
}

static int mbox_send_batch(struct chan *c, const struct iovec *iov, int n)
{
	struct mbox_send s[BATCH];
	int i;

	memset(s, 0, sizeof(s[0]) * n);
	for (i = 0; i < n; i++) {
		s[i].buf_ptr = PTR(iov[i].iov_base);
		s[i].len = iov[i].iov_len;
	}
	return batch_ioctl(c->wfd, MBOX_IOC_SEND_BATCH, s, n, sizeof(s[0]));
}

static int mbox_recv_batch(struct chan *c, struct iovec *iov, int n)
{
	struct mbox_recv r[BATCH];
	int i, got;

	memset(r, 0, sizeof(r[0]) * n);
	for (i = 0; i < n; i++) {
		r[i].buf_ptr = PTR(iov[i].iov_base);
		r[i].buf_len = iov[i].iov_len;
	}
	got = batch_ioctl(c->rfd, MBOX_IOC_RECV_BATCH, r, n, sizeof(r[0]));
	for (i = 0; i < got; i++)
		iov[i].iov_len = r[i].len;
	return got;
}

static ssize_t mbox_call(struct chan *c, const void *req, size_t len,
			 void *rep, size_t cap)
{
	struct mbox_call k = {
		.req_ptr = PTR(req),
		.req_len = len,
		.reply_ptr = PTR(rep),
		.reply_len = cap,
	};

	if (ioctl(c->wfd, MBOX_IOC_CALL, &k))
		return -errno;
	return k.reply_len;
}

static ssize_t mbox_take(struct chan *c, void *buf, size_t cap,
			 uint64_t *token)
{
	struct mbox_recv r = { .buf_ptr = PTR(buf), .buf_len = cap };
	int rc;

	do
		rc = ioctl(c->rfd, MBOX_IOC_RECV, &r);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	*token = r.reply_token;
	return r.len;
}

static int mbox_answer(struct chan *c, uint64_t token, const void *buf,
		       size_t len)
{
	struct mbox_reply rp = {
		.token = token,
		.buf_ptr = PTR(buf),
		.len = len,
	};

	return ioctl(c->wfd, MBOX_IOC_REPLY, &rp) ? -errno : 0;
}

static ssize_t mbox_answer_take(struct chan *c, uint64_t *token, const void *buf,
				size_t len, void *rbuf, size_t cap)
{
	struct mbox_reply rp = {
		.token = *token,
		.buf_ptr = PTR(buf),
		.len = len,
	};
	struct mbox_recv r = { .buf_ptr = PTR(rbuf), .buf_len = cap };
	struct mbox_reply_recv rr = {
		.reply_ptr = PTR(&rp),
		.recv_ptr = PTR(&r),
		.reply_size = sizeof(rp),
		.recv_size = sizeof(r),
	};

	if (!ioctl(c->rfd, MBOX_IOC_REPLY_RECV, &rr)) {
		*token = r.reply_token;
		return r.len;
	}
	/* Replied, then interrupted: only the receive is left to do. */
	if (errno == EINTR && rr.replied)
		return mbox_take(c, rbuf, cap, token);
	return -errno;
}

/* What mbox and mbox-wide share: all but how the mailbox is made. */
#define MBOX_MESSAGE_OPS				\
	.shared_max = SIZE_MAX,				\
	.probe = mbox_probe,				\
	.close = mbox_close_chan,			\
	.send = mbox_send,				\
	.recv = mbox_recv,				\
	.send_batch = mbox_send_batch,			\
	.recv_batch = mbox_recv_batch,			\
	.batch_probe = mbox_batch_probe

const struct mech mech_mbox = {
	.name = "mbox",
	.kind = KIND_MBOX,
	.patterns = P(PAT_PINGPONG) | P(PAT_REQREP) | P(PAT_STREAM) |
		P(PAT_BATCH) | P(PAT_FANIN) | P(PAT_BACKPRESSURE) | P(PAT_FANOUT) |
		P(PAT_COST),
	.open = mbox_open_chan,
	MBOX_MESSAGE_OPS,
};

const struct mech mech_mbox_call = {
	.name = "mbox-call",
	.kind = KIND_MBOX,
	.patterns = P(PAT_PINGPONG) | P(PAT_REQREP),
	.shared_max = SIZE_MAX,
	.probe = mbox_probe,
	.open = mbox_open_chan,
	.close = mbox_close_chan,
	.call = mbox_call,
	.take = mbox_take,
	.answer = mbox_answer,
	.answer_take = mbox_answer_take,
};

const struct mech mech_mbox_wide = {
	.name = "mbox-wide",
	.kind = KIND_FLOOR,
	.patterns = P(PAT_STREAM) | P(PAT_BATCH) | P(PAT_FANIN),
	.open = mbox_open_wide,
	MBOX_MESSAGE_OPS,
};
