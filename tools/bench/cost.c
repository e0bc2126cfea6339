// SPDX-License-Identifier: GPL-2.0
/*
 * What a mechanism's kernel does per message, without the scheduler: one
 * process sends a burst of messages into a channel that holds them all, then
 * receives them, and again. No call blocks and nobody is woken, so the time
 * per message is the CPU cost of one send and one receive, and it does not
 * depend on where the scheduler puts two processes or when it wakes them, as
 * the streams' figures do. Every message is checked like the others.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

#define BURST	16	/* messages per fill: a quarter of the capacity */

/* @out: a message of each parity (see payload.c), stamped as each goes */
static void cost_fill(const struct mech *m, struct chan *ch, void *const out[2],
		      size_t size, unsigned long seq, int n)
{
	void *buf;
	int j, err;

	for (j = 0; j < n; j++) {
		buf = out[(seq + j) & 1];
		payload_stamp(buf, size, seq + j, 0);
		err = m->send(ch, buf, size);
		if (err)
			die("%s: send: %s", m->name, strerror(-err));
	}
}

static void cost_drain(const struct mech *m, struct chan *ch, void *in,
		       size_t size, unsigned long seq, int n)
{
	ssize_t len;
	int j;

	for (j = 0; j < n; j++) {
		len = m->recv(ch, in, size);
		if (len < 0)
			die("%s: receive: %s", m->name, strerror(-len));
		payload_check(in, len, size, seq + j, 0);
	}
}

int run_cost(const struct mech *m, const struct cell *cl, struct result *r)
{
	size_t size = cl->size;
	unsigned long s;
	struct chan ch;
	void *out[2], *in;
	uint64_t t0;

	if (chan_open(m, &ch, size, r))
		return -1;
	out[0] = payload_alloc(size, 0, 0);
	out[1] = payload_alloc(size, 0, 1);
	in = msg_alloc(size);
	/* One untimed round first: caches and the channel's buffers warm. */
	cost_fill(m, &ch, out, size, 0, BURST);
	cost_drain(m, &ch, in, size, 0, BURST);
	t0 = now_ns();
	for (s = BURST; s < BURST + cl->count; s += BURST) {
		cost_fill(m, &ch, out, size, s, BURST);
		cost_drain(m, &ch, in, size, s, BURST);
	}
	r->seconds = (now_ns() - t0) / 1e9;
	r->msgs = cl->count;
	r->mean_ns = r->seconds * 1e9 / cl->count;
	msg_free(out[0]);
	msg_free(out[1]);
	msg_free(in);
	chan_close(&ch);
	set_status(r, "ok");
	return 0;
}
