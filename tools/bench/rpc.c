// SPDX-License-Identifier: GPL-2.0
/*
 * Round trips: ping-pong (one client) and request/reply (N clients, one
 * server). A peer carries requests on one channel all clients share and
 * replies on one channel per client, the way a server with several clients
 * is built on it; in mbox-call a round trip is one MBOX_IOC_CALL and one
 * MBOX_IOC_REPLY_RECV, which answers and takes the next request. Every
 * request and reply is checked. Each client times each of its calls after
 * a short untimed warm-up; the main process is the server.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

struct rpc {
	const struct mech *m;
	const struct cell *cl;
	struct chan req;
	struct chan rep[MAX_PROCS];
	unsigned long per;	/* timed calls per client */
	uint64_t *lat;		/* shared: per client, per timed call */
	uint64_t *span;		/* shared: per client, first start, last end */
};

static ssize_t do_call(struct rpc *x, int id, const void *req, void *rep)
{
	size_t size = x->cl->size;
	int err;

	if (x->m->call)
		return x->m->call(&x->req, req, size, rep, size);
	err = x->m->send(&x->req, req, size);
	if (err)
		return err;
	return x->m->recv(&x->rep[id], rep, size);
}

static void client(int id, void *arg)
{
	struct rpc *x = arg;
	size_t size = x->cl->size;
	void *sbuf[2] = { payload_alloc(size, id, 0), payload_alloc(size, id, 1) };
	void *rbuf = msg_alloc(size);
	unsigned long s, warm = x->cl->warm, total = warm + x->per;
	uint64_t t0, t1;
	ssize_t len;

	procs_wait_go();
	for (s = 0; s < total; s++) {
		payload_stamp(sbuf[s & 1], size, s, id);
		t0 = now_ns();
		len = do_call(x, id, sbuf[s & 1], rbuf);
		t1 = now_ns();
		if (len < 0)
			die("%s: call %lu: %s", x->m->name, s, strerror(-len));
		payload_check(rbuf, len, size, s, SERVER_SRC);
		if (s < warm)
			continue;
		x->lat[id * x->per + s - warm] = t1 - t0;
		if (s == warm)
			x->span[2 * id] = t0;
		x->span[2 * id + 1] = t1;
	}
}

static ssize_t take(struct rpc *x, void *buf, uint64_t *token)
{
	ssize_t len;

	if (x->m->take)
		return x->m->take(&x->req, buf, x->cl->size, token);
	len = x->m->recv(&x->req, buf, x->cl->size);
	if (len >= (ssize_t)sizeof(uint64_t))
		*token = payload_src(buf);
	return len;
}

static int answer(struct rpc *x, uint64_t token, const void *buf)
{
	if (x->m->answer)
		return x->m->answer(&x->req, token, buf, x->cl->size);
	return x->m->send(&x->rep[token], buf, x->cl->size);
}

/* Answer a request and take the next: in one call where the mechanism can. */
static ssize_t answer_take(struct rpc *x, uint64_t *token, const void *buf,
			   void *rbuf)
{
	int err;

	if (x->m->answer_take)
		return x->m->answer_take(&x->req, token, buf, x->cl->size, rbuf,
					 x->cl->size);
	err = answer(x, *token, buf);
	return err ? err : take(x, rbuf, token);
}

static void serve(struct rpc *x)
{
	size_t size = x->cl->size;
	void *sbuf[2] = { payload_alloc(size, SERVER_SRC, 0),
			  payload_alloc(size, SERVER_SRC, 1) };
	void *rbuf = msg_alloc(size);
	unsigned long k, total = x->cl->n * (x->cl->warm + x->per);
	uint32_t next[MAX_PROCS] = { 0 }, src, seq;
	uint64_t token = 0;
	ssize_t len;
	int err;

	len = take(x, rbuf, &token);
	for (k = 0; k < total; k++) {
		if (len < 0)
			die("%s: reply or receive request: %s", x->m->name, strerror(-len));
		src = payload_src(rbuf);
		if (src >= (uint32_t)x->cl->n)
			die("%s: request from unknown client %u", x->m->name, src);
		seq = next[src]++;
		payload_check(rbuf, len, size, seq, src);
		payload_stamp(sbuf[seq & 1], size, seq, SERVER_SRC);
		if (k + 1 < total) {
			len = answer_take(x, &token, sbuf[seq & 1], rbuf);
			continue;
		}
		err = answer(x, token, sbuf[seq & 1]);
		if (err)
			die("%s: reply: %s", x->m->name, strerror(-err));
	}
	msg_free(sbuf[0]);
	msg_free(sbuf[1]);
	msg_free(rbuf);
}

static int open_chans(struct rpc *x, struct result *r)
{
	int i;

	if (chan_open(x->m, &x->req, x->cl->size, r))
		return -1;
	if (x->m->call)
		return 0;
	for (i = 0; i < x->cl->n; i++) {
		if (chan_open(x->m, &x->rep[i], x->cl->size, r)) {
			while (i--)
				chan_close(&x->rep[i]);
			chan_close(&x->req);
			return -1;
		}
	}
	return 0;
}

static void summarize(struct rpc *x, struct result *r)
{
	uint64_t first = UINT64_MAX, last = 0;
	int i;

	for (i = 0; i < x->cl->n; i++) {
		if (x->span[2 * i] < first)
			first = x->span[2 * i];
		if (x->span[2 * i + 1] > last)
			last = x->span[2 * i + 1];
	}
	r->msgs = x->per * x->cl->n;
	r->seconds = (last - first) / 1e9;
	lat_summary(x->lat, r->msgs, r);
	set_status(r, "ok");
}

int run_rpc(const struct mech *m, const struct cell *cl, struct result *r)
{
	struct rpc x = { .m = m, .cl = cl };
	size_t lat_len, span_len = sizeof(uint64_t) * 2 * MAX_PROCS;
	int i;

	x.per = cl->count / cl->n;
	if (!x.per)
		x.per = 1;
	if (open_chans(&x, r))
		return -1;
	lat_len = sizeof(uint64_t) * x.per * cl->n;
	x.lat = shared_alloc(lat_len);
	x.span = shared_alloc(span_len);
	procs_start(cl->n, client, &x);
	procs_go();
	serve(&x);
	procs_join();
	summarize(&x, r);
	shared_free(x.lat, lat_len);
	shared_free(x.span, span_len);
	for (i = 0; i < cl->n && !m->call; i++)
		chan_close(&x.rep[i]);
	chan_close(&x.req);
	return 0;
}
