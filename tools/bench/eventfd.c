// SPDX-License-Identifier: GPL-2.0
/*
 * Floor: eventfd ping-pong, a wakeup with no queue and no copy beyond its
 * 8-byte counter. It carries 8-byte messages only, and only one writer: two
 * writes before a read would add up. The top bit is set on the way so that a
 * message of all zeroes still wakes the reader (a zero write does not).
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bench.h"

#define NONZERO	(1ULL << 63)

static int efd_open(struct chan *c, const struct cap *cap)
{
	(void)cap;
	c->rfd = eventfd(0, EFD_CLOEXEC);
	c->wfd = c->rfd;
	return c->rfd < 0 ? -errno : 0;
}

static void efd_close(struct chan *c)
{
	close(c->rfd);
}

static int efd_send(struct chan *c, const void *buf, size_t len)
{
	uint64_t v;

	memcpy(&v, buf, sizeof(v));
	if (len != sizeof(v) || (v & NONZERO))
		return -EMSGSIZE;
	v |= NONZERO;
	while (write(c->wfd, &v, sizeof(v)) != sizeof(v))
		if (errno != EINTR)
			return -errno;
	return 0;
}

static ssize_t efd_recv(struct chan *c, void *buf, size_t cap)
{
	uint64_t v;

	(void)cap;
	while (read(c->rfd, &v, sizeof(v)) != sizeof(v))
		if (errno != EINTR)
			return -errno;
	v &= ~NONZERO;
	memcpy(buf, &v, sizeof(v));
	return sizeof(v);
}

const struct mech mech_eventfd = {
	.name = "eventfd",
	.kind = KIND_FLOOR,
	.patterns = P(PAT_PINGPONG),
	.max_size = 8,
	.open = efd_open,
	.close = efd_close,
	.send = efd_send,
	.recv = efd_recv,
};
