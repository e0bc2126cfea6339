/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mbox-bridge: forwards local mailboxes to NATS subjects and back.
 *
 * Each route is one thread. An outbound route (mailbox -> subject) peeks the
 * oldest message of its mailbox, publishes it to JetStream with a message id
 * and only then takes it off the mailbox, so a message leaves the host at
 * least once and JetStream drops the repeats. An inbound route (subject ->
 * mailbox) pulls from a durable consumer, sends each message into its mailbox
 * (blocking while the mailbox is full) and only then acknowledges it; the
 * stream sequence drops redeliveries and keeps the order.
 */
#ifndef MBOX_BRIDGE_H
#define MBOX_BRIDGE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <nats/nats.h>

/* Headers every forwarded message carries. */
#define HDR_ID		"Nats-Msg-Id"	/* JetStream de-duplicates on it */
#define HDR_PRIO	"Mbox-Prio"
#define HDR_TYPE	"Mbox-Type"
#define HDR_HOST	"Mbox-Host"
#define HDR_PID		"Mbox-Pid"
#define HDR_UID		"Mbox-Uid"
#define HDR_GID		"Mbox-Gid"

enum route_dir { ROUTE_OUT, ROUTE_IN };

struct route {
	enum route_dir dir;
	char *mailbox;		/* "/name" */
	char *subject;
	char stream[128];	/* JetStream stream holding the subject */
	char durable[192];	/* inbound: durable consumer name */
	int fd;
	unsigned int max_msg_size;
	char *buf;
	size_t buf_len;
	uint64_t last_seq;	/* inbound: stream sequence last delivered */
	uint64_t forwarded;
	uint64_t duplicates;
	unsigned int complaints;	/* errors seen, to log only some */
	pthread_t thread;
	struct route *next;
};

struct bridge_config {
	const char *servers[16];
	int nservers;
	const char *nats_user;
	const char *nats_password;
	const char *nats_token;
	const char *tls_ca;
	const char *tls_cert;
	const char *tls_key;
	const char *tls_hostname;
	bool tls;
	const char *run_as;
	char host[256];
	char boot_id[40];
	int batch;
	int64_t ack_wait_ms;
	int64_t drain_ms;
	int64_t dup_window_ms;
	unsigned int max_msgs;
	unsigned int msg_size;
	unsigned int mode;
	bool meta;
	int verbose;
	struct route *routes;
};

extern struct bridge_config cfg;
extern atomic_bool bridge_stopping;
extern atomic_bool bridge_failed;
extern natsConnection *bridge_nc;
extern jsCtx *bridge_js;

/* main.c */
#define __printf(a, b)	__attribute__((format(printf, a, b)))

void bridge_log(int level, const char *fmt, ...) __printf(2, 3);
uint64_t bridge_mono_ns(void);
bool bridge_drain_expired(void);

/* broker.c */
int broker_options(natsOptions **opts);
int broker_connect(natsOptions *opts);
void broker_close(void);
int broker_stream(struct route *r);
const char *broker_err(natsStatus s);

/* outbound.c, inbound.c: a route's thread */
void *outbound_run(void *arg);
void *inbound_run(void *arg);

#endif /* MBOX_BRIDGE_H */
