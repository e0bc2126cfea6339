// SPDX-License-Identifier: GPL-2.0
/*
 * One-way flows: a 1 -> 1 stream (one message per call, or BATCH per call),
 * N -> 1 fan-in, and backpressure. Producers are child processes, the main
 * process is the consumer and checks that every producer's messages arrive
 * whole and in order. Throughput is timed to the last message received from
 * the first after the untimed ones (cell.warm from each producer, enough for
 * the deepest channel to fill: see scale_cell()), so that neither process
 * start-up nor a buffer filling counts.
 *
 * Backpressure lets the producers fill the channel before the consumer
 * starts draining it: from then on each message received frees a slot, and
 * the producers' voluntary context switches per message say how many of
 * them each freed slot woke (1.0 is exact, more is a thundering herd).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

#define FILL_USEC	50000	/* backpressure: let the producers block */

struct flow {
	const struct mech *m;
	const struct cell *cl;
	struct chan ch;
	int batch;
	unsigned long per;	/* messages per producer, untimed ones too */
	long *csw;		/* shared: each producer's blocks after its untimed messages */
};

static void send_some(struct flow *x, struct iovec *iov, int k)
{
	int sent = 0, rc;

	if (x->batch == 1) {
		rc = x->m->send(&x->ch, iov->iov_base, iov->iov_len);
		if (rc)
			die("%s: send: %s", x->m->name, strerror(-rc));
		return;
	}
	while (sent < k) {
		rc = x->m->send_batch(&x->ch, iov + sent, k - sent);
		if (rc <= 0)
			die("%s: batched send: %s", x->m->name, strerror(-rc));
		sent += rc;
	}
}

static void producer(int id, void *arg)
{
	struct flow *x = arg;
	size_t size = x->cl->size;
	/* an even count of buffers: buffer s % nbuf has the parity of s */
	int nbuf = x->batch == 1 ? 2 : x->batch, k, j;
	struct iovec iov[BATCH];
	void *buf[BATCH];
	unsigned long s;
	long before = 0;

	for (j = 0; j < nbuf; j++)
		buf[j] = payload_alloc(size, id, j & 1);
	procs_wait_go();
	for (s = 0; s < x->per; s += k) {
		/* cl->warm is a whole number of batches: s meets it */
		if (s == x->cl->warm)
			before = nvcsw();
		k = x->per - s < (unsigned long)x->batch ? (int)(x->per - s) :
							    x->batch;
		for (j = 0; j < k; j++) {
			iov[j].iov_base = buf[(s + j) % nbuf];
			iov[j].iov_len = size;
			payload_stamp(iov[j].iov_base, size, s + j, id);
		}
		send_some(x, iov, k);
	}
	x->csw[id] = nvcsw() - before;
}

static int receive_some(struct flow *x, struct iovec *iov, int want)
{
	ssize_t len;
	int j;

	if (x->batch == 1) {
		len = x->m->recv(&x->ch, iov->iov_base, x->cl->size);
		if (len < 0)
			die("%s: receive: %s", x->m->name, strerror(-len));
		iov->iov_len = len;
		return 1;
	}
	for (j = 0; j < want; j++)
		iov[j].iov_len = x->cl->size;
	j = x->m->recv_batch(&x->ch, iov, want);
	if (j <= 0)
		die("%s: batched receive: %s", x->m->name, strerror(-j));
	return j;
}

static void consume(struct flow *x, struct result *r)
{
	unsigned long got = 0, first = 0, total = x->per * x->cl->n;
	unsigned long untimed = x->cl->warm * x->cl->n;
	uint32_t next[MAX_PROCS] = { 0 }, src;
	struct iovec iov[BATCH];
	uint64_t t_first = 0;
	int j, k, want;

	for (j = 0; j < x->batch; j++)
		iov[j].iov_base = msg_alloc(x->cl->size);
	if (x->cl->pattern == PAT_BACKPRESSURE)
		usleep(FILL_USEC);
	while (got < total) {
		want = total - got < (unsigned long)x->batch ?
			(int)(total - got) : x->batch;
		k = receive_some(x, iov, want);
		for (j = 0; j < k; j++) {
			src = payload_src(iov[j].iov_base);
			if (src >= (uint32_t)x->cl->n)
				die("%s: message from unknown producer %u",
				    x->m->name, src);
			payload_check(iov[j].iov_base, iov[j].iov_len,
				      x->cl->size, next[src]++, src);
		}
		got += k;
		if (!t_first && got > untimed) {
			t_first = now_ns();
			first = got;
		}
	}
	r->seconds = (now_ns() - t_first) / 1e9;
	r->msgs = total - first;
	for (j = 0; j < x->batch; j++)
		msg_free(iov[j].iov_base);
}

static int batch_usable(struct flow *x, struct result *r)
{
	int err;

	if (x->batch == 1)
		return 0;
	err = x->m->batch_probe ? x->m->batch_probe(&x->ch) : 0;
	if (err) {
		snprintf(r->status, sizeof(r->status),
			 "na:batch ioctl absent (%s)", strerror(-err));
		return -1;
	}
	return 0;
}

int run_flow(const struct mech *m, const struct cell *cl, struct result *r)
{
	struct flow x = { .m = m, .cl = cl };
	size_t csw_len = sizeof(long) * MAX_PROCS;
	long sum = 0;
	int i;

	x.batch = cl->pattern == PAT_BATCH ? BATCH : 1;
	x.per = cl->count / cl->n + cl->warm;
	if (x.batch > 1 && (!m->send_batch || !m->recv_batch)) {
		set_status(r, "na:no batched form");
		return -1;
	}
	if (chan_open(m, &x.ch, cl->size, r))
		return -1;
	if (batch_usable(&x, r)) {
		chan_close(&x.ch);
		return -1;
	}
	x.csw = shared_alloc(csw_len);
	procs_start(cl->n, producer, &x);
	procs_go();
	consume(&x, r);
	procs_join();
	for (i = 0; i < cl->n; i++)
		sum += x.csw[i];
	r->csw_per_msg = (double)sum / ((x.per - cl->warm) * cl->n);
	shared_free(x.csw, csw_len);
	chan_close(&x.ch);
	set_status(r, "ok");
	return 0;
}
