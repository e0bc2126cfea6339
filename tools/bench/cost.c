// SPDX-License-Identifier: GPL-2.0
/*
 * What a mechanism's kernel does per message, without the scheduler: one
 * process sends a burst of messages into a channel that holds them all, then
 * receives them, and again. No call blocks and nobody is woken, so the time
 * per message is the CPU cost of one send and one receive, and it does not
 * depend on where the scheduler puts two processes or when it wakes them, as
 * the streams' figures do. Every message is checked like the others.
 *
 * What is left is the host's own noise, slow spells of it lasting longer than
 * a run. So the mechanisms of a cell take turns: each does a slice of its
 * messages in rotation, and a slow spell falls on all of them alike.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

#define BURST	16	/* messages per fill: a quarter of the capacity */
#define TURNS	16	/* slices each mechanism's messages come in */

struct cost {
	const struct mech *m;
	struct result *r;
	struct chan ch;
	void *out[2];	/* a message of each parity (see payload.c) */
	void *in;
	unsigned long seq;
	uint64_t ns;
};

static void cost_fill(struct cost *c, size_t size)
{
	void *buf;
	int j, err;

	for (j = 0; j < BURST; j++) {
		buf = c->out[(c->seq + j) & 1];
		payload_stamp(buf, size, c->seq + j, 0);
		err = c->m->send(&c->ch, buf, size);
		if (err)
			die("%s: send: %s", c->m->name, strerror(-err));
	}
}

static void cost_drain(struct cost *c, size_t size)
{
	ssize_t len;
	int j;

	for (j = 0; j < BURST; j++) {
		len = c->m->recv(&c->ch, c->in, size);
		if (len < 0)
			die("%s: receive: %s", c->m->name, strerror(-len));
		payload_check(c->in, len, size, c->seq + j, 0);
	}
	c->seq += BURST;
}

/* @msgs of one mechanism's messages, a whole number of bursts; timed if @timed. */
static void cost_slice(struct cost *c, size_t size, unsigned long msgs, int timed)
{
	uint64_t t0;
	unsigned long done;

	if (timed)
		profile_mark("-", 0);
	t0 = now_ns();
	for (done = 0; done < msgs; done += BURST) {
		cost_fill(c, size);
		cost_drain(c, size);
	}
	if (timed) {
		c->ns += now_ns() - t0;
		profile_mark(c->m->name, msgs);
	}
}

static int cost_open(struct cost *c, size_t size)
{
	if (chan_open(c->m, &c->ch, size, c->r))
		return -1;
	c->out[0] = payload_alloc(size, 0, 0);
	c->out[1] = payload_alloc(size, 0, 1);
	c->in = msg_alloc(size);
	return 0;
}

static void cost_close(struct cost *c)
{
	msg_free(c->out[0]);
	msg_free(c->out[1]);
	msg_free(c->in);
	chan_close(&c->ch);
}

void run_cost(const struct mech *const *ms, struct result *const *rs, int n,
	      const struct cell *cl)
{
	unsigned long slice = (cl->count / TURNS + BURST - 1) / BURST * BURST;
	struct cost c[MAX_MECHS];
	int i, k, t, open = 0;

	for (i = 0; i < n; i++) {
		c[open] = (struct cost){ .m = ms[i], .r = rs[i] };
		if (!cost_open(&c[open], cl->size))
			open++;
	}
	/* An untimed burst first: caches and the channels' buffers warm. */
	for (i = 0; i < open; i++)
		cost_slice(&c[i], cl->size, BURST, 0);
	for (t = 0; t < TURNS; t++) {
		for (k = 0; k < open; k++)
			cost_slice(&c[(t + k) % open], cl->size, slice, 1);
	}
	for (i = 0; i < open; i++) {
		c[i].r->msgs = slice * TURNS;
		c[i].r->seconds = c[i].ns / 1e9;
		c[i].r->mean_ns = c[i].ns / (slice * TURNS);
		set_status(c[i].r, "ok");
		cost_close(&c[i]);
	}
}
