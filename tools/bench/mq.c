// SPDX-License-Identifier: GPL-2.0
/*
 * The POSIX message queue peer: a queue of CAP_MSGS messages of the run's
 * size, unlinked as soon as it is open so that nothing is left behind; the
 * descriptor survives fork(). No batched form exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <unistd.h>

#include "bench.h"

static int mq_open_chan(struct chan *c, const struct cap *cap)
{
	struct mq_attr attr = {
		.mq_maxmsg = cap->msgs,
		.mq_msgsize = cap->size,
	};
	static unsigned int serial;
	char name[64];
	mqd_t q;

	snprintf(name, sizeof(name), "/mbox-bench-%d-%u", getpid(), serial++);
	q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	if (q == (mqd_t)-1)
		return -errno;
	mq_unlink(name);
	c->rfd = q;
	c->wfd = q;
	return 0;
}

static void mq_close_chan(struct chan *c)
{
	mq_close(c->rfd);
}

static int mq_send_msg(struct chan *c, const void *buf, size_t len)
{
	while (mq_send(c->wfd, buf, len, 0))
		if (errno != EINTR)
			return -errno;
	return 0;
}

static ssize_t mq_recv_msg(struct chan *c, void *buf, size_t cap)
{
	ssize_t n;

	do
		n = mq_receive(c->rfd, buf, cap, NULL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

const struct mech mech_mq = {
	.name = "posix-mq",
	.kind = KIND_PEER,
	.patterns = P(PAT_PINGPONG) | P(PAT_REQREP) | P(PAT_STREAM) |
		P(PAT_BATCH) | P(PAT_FANIN) | P(PAT_BACKPRESSURE) | P(PAT_COST),
	.shared_max = SIZE_MAX,
	.open = mq_open_chan,
	.close = mq_close_chan,
	.send = mq_send_msg,
	.recv = mq_recv_msg,
};
