// SPDX-License-Identifier: GPL-2.0
/*
 * The System V message queue peer: a private queue whose msg_qbytes is the
 * run's byte capacity (root may exceed kernel.msgmnb). msgsnd() wants a long
 * mtype right in front of the payload: message buffers have HEADROOM there,
 * so no extra copy is made. No batched form exists.
 */
#include <errno.h>
#include <sys/msg.h>

#include "bench.h"

static int sysv_open(struct chan *c, const struct cap *cap)
{
	struct msqid_ds ds;
	int err;

	c->id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	if (c->id < 0)
		return -errno;
	if (msgctl(c->id, IPC_STAT, &ds))
		goto fail;
	ds.msg_qbytes = cap->bytes;
	if (msgctl(c->id, IPC_SET, &ds))
		goto fail;
	return 0;
fail:
	err = -errno;
	msgctl(c->id, IPC_RMID, NULL);
	return err;
}

static void sysv_close(struct chan *c)
{
	msgctl(c->id, IPC_RMID, NULL);
}

static int sysv_send(struct chan *c, const void *buf, size_t len)
{
	long *mtype = (long *)buf - 1;

	*mtype = 1;
	while (msgsnd(c->id, mtype, len, 0))
		if (errno != EINTR)
			return -errno;
	return 0;
}

static ssize_t sysv_recv(struct chan *c, void *buf, size_t cap)
{
	ssize_t n;

	do
		n = msgrcv(c->id, (long *)buf - 1, cap, 0, 0);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

const struct mech mech_sysv = {
	.name = "sysv-msg",
	.kind = KIND_PEER,
	.patterns = P(PAT_PINGPONG) | P(PAT_REQREP) | P(PAT_STREAM) |
		P(PAT_BATCH) | P(PAT_FANIN) | P(PAT_BACKPRESSURE) | P(PAT_COST),
	.shared_max = SIZE_MAX,
	.open = sysv_open,
	.close = sysv_close,
	.send = sysv_send,
	.recv = sysv_recv,
};
