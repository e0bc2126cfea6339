// SPDX-License-Identifier: GPL-2.0
/*
 * The UNIX datagram peers, SOCK_SEQPACKET and SOCK_DGRAM socket pairs: one
 * send() is one message. Their capacity is the send buffer's bytes alone:
 * net.unix.max_dgram_qlen does not bound a socket pair, as
 * unix_dgram_sendmsg() checks the receive queue's length only for a sender
 * that is not the receiver's peer. Batching is sendmmsg() and recvmmsg().
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

static int set_buf(int fd, int force, int plain, size_t bytes)
{
	int val = (int)bytes;

	/* FORCE passes net.core.*mem_max, for root; others get what they may */
	if (!setsockopt(fd, SOL_SOCKET, force, &val, sizeof(val)))
		return 0;
	if (!setsockopt(fd, SOL_SOCKET, plain, &val, sizeof(val)))
		return 0;
	return -errno;
}

int sock_bufs(struct chan *c, size_t bytes)
{
	int err;

	err = set_buf(c->wfd, SO_SNDBUFFORCE, SO_SNDBUF, bytes);
	if (!err)
		err = set_buf(c->rfd, SO_RCVBUFFORCE, SO_RCVBUF, bytes);
	return err;
}

static int sock_send(struct chan *c, const void *buf, size_t len)
{
	ssize_t n;

	do
		n = send(c->wfd, buf, len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

static ssize_t sock_recv(struct chan *c, void *buf, size_t cap)
{
	ssize_t n;

	do
		n = recv(c->rfd, buf, cap, 0);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static int sock_send_batch(struct chan *c, const struct iovec *iov, int n)
{
	struct mmsghdr mm[BATCH];
	int i, done;

	memset(mm, 0, sizeof(mm[0]) * n);
	for (i = 0; i < n; i++) {
		mm[i].msg_hdr.msg_iov = (struct iovec *)&iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	do
		done = sendmmsg(c->wfd, mm, n, 0);
	while (done < 0 && errno == EINTR);
	return done < 0 ? -errno : done;
}

static int sock_recv_batch(struct chan *c, struct iovec *iov, int n)
{
	struct mmsghdr mm[BATCH];
	int i, got;

	memset(mm, 0, sizeof(mm[0]) * n);
	for (i = 0; i < n; i++) {
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	/* wait for one, then take what else is queued: as a server would */
	do
		got = recvmmsg(c->rfd, mm, n, MSG_WAITFORONE, NULL);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return -errno;
	for (i = 0; i < got; i++)
		iov[i].iov_len = mm[i].msg_len;
	return got;
}

static void sock_close(struct chan *c)
{
	close(c->rfd);
	close(c->wfd);
}

static int sock_open(struct chan *c, const struct cap *cap, int type)
{
	int sv[2], err;

	if (socketpair(AF_UNIX, type, 0, sv))
		return -errno;
	c->rfd = sv[0];
	c->wfd = sv[1];
	err = sock_bufs(c, cap->bytes);
	if (err)
		sock_close(c);
	return err;
}

static int seqpacket_open(struct chan *c, const struct cap *cap)
{
	return sock_open(c, cap, SOCK_SEQPACKET);
}

static int dgram_open(struct chan *c, const struct cap *cap)
{
	return sock_open(c, cap, SOCK_DGRAM);
}

#define SOCK_OPS					\
	.kind = KIND_PEER,				\
	.patterns = P(PAT_PINGPONG) | P(PAT_REQREP) | P(PAT_STREAM) |	\
		P(PAT_BATCH) | P(PAT_FANIN) | P(PAT_BACKPRESSURE) |	\
		P(PAT_COST),					\
	.shared_max = SIZE_MAX,				\
	.close = sock_close,				\
	.send = sock_send,				\
	.recv = sock_recv,				\
	.send_batch = sock_send_batch,			\
	.recv_batch = sock_recv_batch

const struct mech mech_seqpacket = {
	.name = "seqpacket",
	.open = seqpacket_open,
	SOCK_OPS,
};

const struct mech mech_dgram = {
	.name = "dgram",
	.open = dgram_open,
	SOCK_OPS,
};
