// SPDX-License-Identifier: GPL-2.0
/*
 * mbox-bridge: a mailbox forwarded to a subject. A message is peeked, published
 * until JetStream acknowledges it, and only then received for good: it stays
 * in the local mailbox (bounded, back-pressure for local senders) until the
 * broker has it, and a repeated publish carries the same Nats-Msg-Id.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <mbox/libmbox.h>

#include "bridge.h"

/* Wait for a message, waking up now and then to notice a shutdown. */
static int peek_or_take(struct route *r, struct mbox_recv *rv, bool take)
{
	memset(rv, 0, sizeof(*rv));
	rv->buf_ptr = mbox_ptr(r->buf);
	rv->buf_len = r->max_msg_size;
	if (take) {
		rv->flags = MBOX_RECV_NONBLOCK;
	} else {
		rv->flags = MBOX_RECV_PEEK | MBOX_RECV_DEADLINE;
		rv->deadline_ns = bridge_mono_ns() + 250000000ULL;
	}
	return mbox_recvx(r->fd, rv);
}

/*
 * The id names this message of this mailbox on this boot: the sequence number
 * and send time are the message's own, so every peek gives the same id.
 */
static void message_id(struct route *r, const struct mbox_recv *rv, char *id,
		       size_t len)
{
	snprintf(id, len, "%s/%s%s/%" PRIu64 "/%" PRIu64, cfg.host, cfg.boot_id,
		 r->mailbox, (uint64_t)rv->seq, (uint64_t)rv->send_ns);
}

static natsStatus set_num(natsMsg *m, const char *key, long long v)
{
	char val[32];

	snprintf(val, sizeof(val), "%lld", v);
	return natsMsgHeader_Set(m, key, val);
}

static natsMsg *build(struct route *r, const struct mbox_recv *rv,
		      const char *id)
{
	natsMsg *m = NULL;
	natsStatus s;

	s = natsMsg_Create(&m, r->subject, NULL, r->buf, (int)rv->len);
	if (s == NATS_OK)
		s = natsMsgHeader_Set(m, HDR_ID, id);
	if (s == NATS_OK)
		s = set_num(m, HDR_PRIO, rv->prio);
	if (s == NATS_OK)
		s = set_num(m, HDR_TYPE, rv->type);
	if (s == NATS_OK)
		s = natsMsgHeader_Set(m, HDR_HOST, cfg.host);
	if (s == NATS_OK)
		s = set_num(m, HDR_PID, rv->pid);
	if (s == NATS_OK)
		s = set_num(m, HDR_UID, rv->uid);
	if (s == NATS_OK)
		s = set_num(m, HDR_GID, rv->gid);
	if (s == NATS_OK)
		return m;
	natsMsg_Destroy(m);
	return NULL;
}

/* Publish until acknowledged; gives up only when a drain runs out of time. */
static int publish_acked(struct route *r, natsMsg *m, const char *id)
{
	jsPubAck *ack = NULL;
	jsPubOptions po;
	jsErrCode jerr;
	natsStatus s;
	int tries = 0;

	jsPubOptions_Init(&po);
	po.MsgId = id;
	po.ExpectStream = r->stream;
	for (;;) {
		jerr = 0;
		s = js_PublishMsg(&ack, bridge_js, m, &po, &jerr);
		if (s == NATS_OK)
			break;
		if (bridge_drain_expired())
			return -1;
		if (tries++ % 20 == 0)
			bridge_log(1, "%s: publish %s: %s, retrying", r->mailbox,
				   id, broker_err(s));
		nats_Sleep(100);
	}
	if (ack->Duplicate)
		r->duplicates++;
	jsPubAck_Destroy(ack);
	return 0;
}

static int forward(struct route *r, const struct mbox_recv *rv)
{
	char id[512];
	natsMsg *m;
	int ret;

	message_id(r, rv, id, sizeof(id));
	m = build(r, rv, id);
	if (!m)
		return -1;
	ret = publish_acked(r, m, id);
	natsMsg_Destroy(m);
	return ret;
}

/*
 * Publish the message at the head, then take it. A newer message of higher
 * priority may have overtaken it meanwhile and be the one taken: publish that
 * one too; the first is peeked again, and its repeat is dropped by id.
 */
static int forward_one(struct route *r)
{
	struct mbox_recv peeked, taken;
	int ret;

	ret = peek_or_take(r, &peeked, false);
	if (ret == -ETIMEDOUT || ret == -EINTR)
		return 0;
	if (ret < 0) {
		bridge_log(0, "%s: receive: %s", r->mailbox, strerror(-ret));
		return ret;
	}
	if (forward(r, &peeked))
		return -1;
	ret = peek_or_take(r, &taken, true);
	if (ret < 0) {
		bridge_log(0, "%s: take: %s (another receiver?)", r->mailbox,
			   strerror(-ret));
		return 0;
	}
	if (taken.seq != peeked.seq && forward(r, &taken)) {
		bridge_log(0, "%s: drain timed out, one message lost", r->mailbox);
		return -1;
	}
	r->forwarded++;
	return 0;
}

void *outbound_run(void *arg)
{
	struct route *r = arg;

	while (!atomic_load(&bridge_stopping) && broker_stream(r))
		nats_Sleep(500);
	if (atomic_load(&bridge_stopping))
		return NULL;
	bridge_log(1, "%s -> %s (stream %s)", r->mailbox, r->subject, r->stream);
	while (!atomic_load(&bridge_stopping)) {
		if (forward_one(r) && !atomic_load(&bridge_stopping))
			nats_Sleep(500);
	}
	bridge_log(1, "%s: %" PRIu64 " forwarded, %" PRIu64 " repeats dropped by the broker",
		   r->mailbox, r->forwarded, r->duplicates);
	return NULL;
}
