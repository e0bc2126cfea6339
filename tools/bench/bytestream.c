// SPDX-License-Identifier: GPL-2.0
/*
 * The byte-stream peers, a pipe and a SOCK_STREAM socket pair: messages are
 * fixed-size records read back whole. Several writers may share one only up
 * to PIPE_BUF, the size below which a pipe write is atomic. Batching is what
 * their users do: one writev() of many records, and one read of whatever has
 * arrived, completed to a whole record.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n ? -errno : -EPIPE;
		p += n;
		len -= n;
	}
	return 0;
}

static int bs_send(struct chan *c, const void *buf, size_t len)
{
	return write_all(c->wfd, buf, len);
}

static ssize_t bs_recv(struct chan *c, void *buf, size_t cap)
{
	int err;

	(void)cap;
	err = read_all(c->rfd, buf, c->size);
	return err ? err : (ssize_t)c->size;
}

static int bs_send_batch(struct chan *c, const struct iovec *iov, int n)
{
	ssize_t done;
	int i, err;

	done = writev(c->wfd, iov, n);
	if (done < 0)
		return -errno;
	/* a short write leaves the rest of the records to finish one by one */
	for (i = 0; i < n; i++) {
		if ((size_t)done >= iov[i].iov_len) {
			done -= iov[i].iov_len;
			continue;
		}
		err = write_all(c->wfd, (char *)iov[i].iov_base + done,
				iov[i].iov_len - done);
		if (err)
			return err;
		done = 0;
	}
	return n;
}

static int bs_recv_batch(struct chan *c, struct iovec *iov, int n)
{
	ssize_t got;
	size_t part;
	int i, whole, err;

	for (i = 0; i < n; i++)
		iov[i].iov_len = c->size;
	do
		got = readv(c->rfd, iov, n);
	while (got < 0 && errno == EINTR);
	if (got <= 0)
		return got ? -errno : -EPIPE;
	whole = got / c->size;
	part = got % c->size;
	if (part) {
		err = read_all(c->rfd, (char *)iov[whole].iov_base + part,
			       c->size - part);
		if (err)
			return err;
		whole++;
	}
	return whole;
}

static void bs_close(struct chan *c)
{
	close(c->rfd);
	close(c->wfd);
}

static int pipe_open(struct chan *c, const struct cap *cap)
{
	int p[2];

	if (pipe(p))
		return -errno;
	c->rfd = p[0];
	c->wfd = p[1];
	if (fcntl(p[1], F_SETPIPE_SZ, (int)cap->bytes) < 0) {
		bs_close(c);
		return -errno;
	}
	return 0;
}

static int stream_open(struct chan *c, const struct cap *cap)
{
	int sv[2], err;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -errno;
	c->rfd = sv[0];
	c->wfd = sv[1];
	err = sock_bufs(c, cap->bytes);
	if (err)
		bs_close(c);
	return err;
}

#define BYTESTREAM_OPS					\
	.kind = KIND_PEER,				\
	.patterns = P(PAT_PINGPONG) | P(PAT_REQREP) | P(PAT_STREAM) |	\
		P(PAT_BATCH) | P(PAT_FANIN) | P(PAT_BACKPRESSURE) |	\
		P(PAT_COST),					\
	.shared_max = PIPE_BUF,				\
	.close = bs_close,				\
	.send = bs_send,				\
	.recv = bs_recv,				\
	.send_batch = bs_send_batch,			\
	.recv_batch = bs_recv_batch

const struct mech mech_pipe = {
	.name = "pipe",
	.open = pipe_open,
	BYTESTREAM_OPS,
};

const struct mech mech_stream = {
	.name = "stream",
	.open = stream_open,
	BYTESTREAM_OPS,
};
