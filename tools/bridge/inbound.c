// SPDX-License-Identifier: GPL-2.0
/*
 * mbox-bridge: a subject forwarded to a mailbox. Messages are pulled from a
 * durable JetStream consumer at most one batch at a time, sent into the
 * mailbox (waiting while it is full: that is the back-pressure) and only then
 * acknowledged. The stream sequence of the last delivered message drops
 * redeliveries and holds back a message that overtook an earlier one.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbox/libmbox.h>

#include "bridge.h"

/* A header's value, or @def; made printable for the metadata line. */
static const char *header(natsMsg *m, const char *key, const char *def,
			  char *buf, size_t len)
{
	const char *v = NULL;
	size_t i;

	if (natsMsgHeader_Get(m, key, &v) != NATS_OK || !v)
		return def;
	for (i = 0; v[i] && i + 1 < len; i++)
		buf[i] = isgraph((unsigned char)v[i]) ? v[i] : '?';
	buf[i] = '\0';
	return buf;
}

static long long header_num(natsMsg *m, const char *key)
{
	char buf[32];

	return strtoll(header(m, key, "0", buf, sizeof(buf)), NULL, 10);
}

/*
 * With --meta, the message starts with one line naming its origin. The bridge
 * that published it asserted these values; only NATS authentication, when
 * configured, says which NATS user that bridge was.
 */
static int meta_line(struct route *r, natsMsg *m)
{
	char host[256], pid[16], uid[16], gid[16], id[512];

	return snprintf(r->buf, r->buf_len,
			"mbox-remote host=%s pid=%s uid=%s gid=%s id=%s auth=%s\n",
			header(m, HDR_HOST, "?", host, sizeof(host)),
			header(m, HDR_PID, "0", pid, sizeof(pid)),
			header(m, HDR_UID, "?", uid, sizeof(uid)),
			header(m, HDR_GID, "?", gid, sizeof(gid)),
			header(m, HDR_ID, "?", id, sizeof(id)),
			cfg.nats_user || cfg.nats_token || cfg.tls_cert ?
			"nats" : "none");
}

/* The payload to send: the NATS data itself, or a copy after the line. */
static int payload(struct route *r, natsMsg *m, struct mbox_send *s)
{
	const char *data = natsMsg_GetData(m);
	size_t len = natsMsg_GetDataLength(m);
	size_t off;

	if (!cfg.meta) {
		s->buf_ptr = mbox_ptr(data);
		s->len = len;
		return 0;
	}
	off = meta_line(r, m);
	if (off + len > r->buf_len)
		return -EMSGSIZE;
	memcpy(r->buf + off, data, len);
	s->buf_ptr = mbox_ptr(r->buf);
	s->len = off + len;
	return 0;
}

/*
 * Send into the mailbox, waiting while it is full. The broker is told the
 * message is in progress each second, so it does not redeliver it meanwhile.
 */
static int local_send(struct route *r, natsMsg *m)
{
	struct mbox_send s = { .flags = MBOX_SEND_DEADLINE };
	long long prio = header_num(m, HDR_PRIO);
	int ret;

	s.prio = prio < 0 ? 0 : prio >= MBOX_PRIO_MAX ? MBOX_PRIO_MAX - 1 : prio;
	s.type = header_num(m, HDR_TYPE);
	ret = payload(r, m, &s);
	while (!ret) {
		s.deadline_ns = bridge_mono_ns() + 1000000000ULL;
		ret = mbox_sendx(r->fd, &s);
		if (ret != -ETIMEDOUT && ret != -EINTR)
			break;
		if (bridge_drain_expired())
			return -ECANCELED;
		natsMsg_InProgress(m, NULL);
		ret = 0;
	}
	return ret;
}

/*
 * A message beyond the next one expected: either the ones between were
 * removed from the stream (then skip them) or one is still to be redelivered.
 */
static bool gap_is_real(struct route *r, uint64_t seq)
{
	jsStreamInfo *si = NULL;
	natsStatus s;

	s = js_GetStreamInfo(&si, bridge_js, r->stream, NULL, NULL);
	if (s == NATS_OK && si->State.FirstSeq > r->last_seq + 1)
		r->last_seq = si->State.FirstSeq - 1;
	jsStreamInfo_Destroy(si);
	return seq > r->last_seq + 1;
}

static uint64_t stream_seq(natsMsg *m)
{
	jsMsgMetaData *md = NULL;
	uint64_t seq = 0;

	if (natsMsg_GetMetaData(&md, m) == NATS_OK)
		seq = md->Sequence.Stream;
	jsMsgMetaData_Destroy(md);
	return seq;
}

/* 0 when done with the message, -1 when a drain ran out of time. */
static int deliver(struct route *r, natsMsg *m)
{
	uint64_t seq = stream_seq(m);
	int ret;

	if (seq && seq <= r->last_seq) {
		r->duplicates++;
		natsMsg_Ack(m, NULL);
		return 0;
	}
	if (seq > r->last_seq + 1 && gap_is_real(r, seq)) {
		natsMsg_NakWithDelay(m, 200, NULL);
		return 0;
	}
	ret = local_send(r, m);
	if (ret == -ECANCELED)
		return -1;
	if (ret < 0) {
		/* Never deliverable here (too big, say): do not redeliver it. */
		bridge_log(0, "%s: message %" PRIu64 " dropped: %s", r->mailbox,
			   seq, strerror(-ret));
		natsMsg_Term(m, NULL);
	} else {
		natsMsg_Ack(m, NULL);
		r->forwarded++;
	}
	if (seq)
		r->last_seq = seq;
	return 0;
}

/*
 * The durable consumer, made here rather than by the subscription so that
 * closing the subscription never deletes it. Its ack floor is where this
 * bridge left off.
 */
static int make_consumer(struct route *r)
{
	jsConsumerInfo *ci = NULL;
	jsConsumerConfig cc;
	natsStatus s;

	jsConsumerConfig_Init(&cc);
	cc.Durable = r->durable;
	cc.DeliverPolicy = js_DeliverAll;
	cc.AckPolicy = js_AckExplicit;
	cc.AckWait = cfg.ack_wait_ms * 1000000;
	cc.MaxAckPending = cfg.batch;
	cc.FilterSubject = r->subject;
	s = js_AddConsumer(&ci, bridge_js, r->stream, &cc, NULL, NULL);
	if (s != NATS_OK) {
		/* It exists with other settings: use it as it is. */
		jsConsumerInfo_Destroy(ci);
		ci = NULL;
		s = js_GetConsumerInfo(&ci, bridge_js, r->stream, r->durable,
				       NULL, NULL);
	}
	if (s == NATS_OK)
		r->last_seq = ci->AckFloor.Stream;
	else
		bridge_log(2, "consumer %s: %s", r->durable, broker_err(s));
	jsConsumerInfo_Destroy(ci);
	return s == NATS_OK ? 0 : -1;
}

static int subscribe(struct route *r, natsSubscription **sub)
{
	jsSubOptions so;
	natsStatus s;

	if (broker_stream(r) || make_consumer(r))
		return -1;
	jsSubOptions_Init(&so);
	so.Stream = r->stream;
	so.Consumer = r->durable;
	s = js_PullSubscribe(sub, bridge_js, r->subject, r->durable, NULL, &so,
			     NULL);
	if (s == NATS_OK)
		return 0;
	bridge_log(2, "subscribing to %s: %s", r->subject, broker_err(s));
	return -1;
}

static void fetch_and_deliver(struct route *r, natsSubscription *sub)
{
	natsMsgList list = { 0 };
	natsStatus s;
	int i;

	s = natsSubscription_Fetch(&list, sub, cfg.batch, 1000, NULL);
	if (s == NATS_TIMEOUT)
		return;
	if (s != NATS_OK) {
		if (r->complaints++ % 20 == 0)
			bridge_log(1, "%s: fetch: %s", r->subject, broker_err(s));
		nats_Sleep(250);
		return;
	}
	/* Even when stopping: these are in flight, deliver them (drain). */
	for (i = 0; i < list.Count; i++)
		if (deliver(r, list.Msgs[i]))
			break;
	natsMsgList_Destroy(&list);
}

void *inbound_run(void *arg)
{
	natsSubscription *sub = NULL;
	struct route *r = arg;

	while (!atomic_load(&bridge_stopping) && subscribe(r, &sub))
		nats_Sleep(500);
	if (!sub)
		return NULL;
	bridge_log(1, "%s -> %s (stream %s, consumer %s)", r->subject,
		   r->mailbox, r->stream, r->durable);
	while (!atomic_load(&bridge_stopping))
		fetch_and_deliver(r, sub);
	natsSubscription_Destroy(sub);
	bridge_log(1, "%s: %" PRIu64 " delivered, %" PRIu64 " redeliveries dropped",
		   r->mailbox, r->forwarded, r->duplicates);
	return NULL;
}
