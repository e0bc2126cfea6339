/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mbox-bench: mbox against the kernel's other message-passing mechanisms,
 * each used the way its users would use it. Shared declarations.
 */
#ifndef MBOX_BENCH_H
#define MBOX_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/*
 * Writable bytes in front of every message buffer: System V msgsnd() wants
 * its mtype right before the payload, and this way it costs no extra copy.
 */
#define HEADROOM	16

/* Capacity of every peer, in messages, and its least capacity in bytes. */
#define CAP_MSGS	64
#define CAP_MIN_BYTES	(256UL << 10)

#define MAX_PROCS	8	/* clients or producers of one run */
#define SERVER_SRC	MAX_PROCS	/* payload source id of rpc replies */
#define BATCH		32	/* messages per batched call */

enum kind { KIND_MBOX, KIND_PEER, KIND_FLOOR };

/* Patterns, as bits so each mechanism lists the ones it takes part in. */
enum pattern {
	PAT_PINGPONG,		/* 1 client, round trip latency */
	PAT_REQREP,		/* N clients, one server */
	PAT_STREAM,		/* 1 -> 1, one message per call */
	PAT_BATCH,		/* 1 -> 1, BATCH messages per call */
	PAT_FANIN,		/* N -> 1 */
	PAT_BACKPRESSURE,	/* N blocked senders, 1 receiver */
	PAT_FANOUT,		/* 1 -> N, each gets every message (mbox only) */
	PAT_COST,		/* one process sends, then receives: CPU per message */
	PAT_COUNT
};
#define P(x)	(1U << (x))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct cap {
	size_t size;		/* every message of the run */
	unsigned int msgs;
	size_t bytes;
};

struct cell;
struct result;

/* One direction of messages: a pipe, a socket pair, a queue, a mailbox. */
struct chan {
	const struct mech *mech;
	size_t size;
	int rfd, wfd;		/* receive and send ends (may be equal) */
	int id;			/* System V queue id */
	void *priv;
};

struct mech {
	const char *name;
	enum kind kind;
	unsigned int patterns;
	size_t max_size;	/* largest message; 0 for any */
	size_t shared_max;	/* largest message writers may share; 0 for none */
	/* 0, or a negative errno saying why this machine cannot run it */
	int (*probe)(void);
	int (*open)(struct chan *c, const struct cap *cap);
	void (*close)(struct chan *c);
	/* one whole message each; 0 / its length, or a negative errno */
	int (*send)(struct chan *c, const void *buf, size_t len);
	ssize_t (*recv)(struct chan *c, void *buf, size_t cap);
	/* several; how many were done (at least 1), or a negative errno */
	int (*send_batch)(struct chan *c, const struct iovec *iov, int n);
	int (*recv_batch)(struct chan *c, struct iovec *iov, int n);
	/* 0 when batching works on c, else a negative errno (ENOTTY) */
	int (*batch_probe)(struct chan *c);
	/* request/reply in one call (mbox-call); otherwise send + recv */
	ssize_t (*call)(struct chan *c, const void *req, size_t len,
			void *rep, size_t cap);
	ssize_t (*take)(struct chan *c, void *buf, size_t cap, uint64_t *token);
	int (*answer)(struct chan *c, uint64_t token, const void *buf,
		      size_t len);
	/* answer, then take the next request, in one call (mbox-call) */
	ssize_t (*answer_take)(struct chan *c, uint64_t *token, const void *buf,
			       size_t len, void *rbuf, size_t cap);
	/* a run that is no channel at all (memcpy) */
	int (*run)(const struct mech *m, const struct cell *cl,
		   struct result *r);
};

extern const struct mech mech_mbox, mech_mbox_call, mech_pipe, mech_stream,
	mech_seqpacket, mech_dgram, mech_mq, mech_sysv, mech_eventfd,
	mech_ring, mech_ring_ioctl, mech_ring_rw, mech_memcpy, mech_mbox_wide;

/* One measurement: a pattern, its parameter, a size, a message count. */
struct cell {
	enum pattern pattern;
	int n;			/* clients or producers */
	size_t size;
	unsigned long count;	/* timed messages or calls, in all */
	unsigned long warm;	/* untimed ones first, per process */
};

struct result {
	char status[96];	/* "ok", "na:why" or "unavailable:why" */
	unsigned long msgs;
	double seconds;
	uint64_t p50_ns, p99_ns, mean_ns;
	double csw_per_msg;	/* voluntary context switches of senders */
};

/* r->status = text, truncated to fit */
#define set_status(r, ...) \
	snprintf((r)->status, sizeof((r)->status), __VA_ARGS__)

/* payload.c: every message carries its sequence number, source and pattern */
int payload_prepare(size_t size, int nsrc);
void payload_stamp(void *buf, size_t size, uint32_t seq, uint32_t src);
void *payload_alloc(size_t size, uint32_t src, int parity);
int payload_check(void *buf, size_t len, size_t size, uint32_t seq,
		  uint32_t src);
uint32_t payload_src(const void *buf);
uint32_t payload_seq(const void *buf);
extern unsigned long payload_corrupt_at;

/* mark.c: intervals for the insn-profile QEMU plugin (--profile) */
void profile_mark(const char *label, unsigned long msgs);
extern int profile_marks;

/* proc.c: children, the start signal, failure of any process */
int procs_start(int n, void (*body)(int i, void *arg), void *arg);
void procs_go(void);
void procs_wait_go(void);
int procs_join(void);
void *shared_alloc(size_t len);
void shared_free(void *p, size_t len);
void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...);
void watchdog(unsigned int seconds, const char *what);

/* time.c */
uint64_t now_ns(void);
void lat_summary(uint64_t *v, size_t n, struct result *r);
long nvcsw(void);

/* rpc.c and flow.c: one run of one cell on one mechanism */
int run_rpc(const struct mech *m, const struct cell *cl, struct result *r);
int run_flow(const struct mech *m, const struct cell *cl, struct result *r);

/* fanout.c: 1 publisher -> N subscribers of an mbox fan-out mailbox */
int run_fanout(const struct mech *m, const struct cell *cl, struct result *r);

/*
 * cost.c: send a burst, receive it, in one process; n mechanisms taking
 * turns, each with its result (whose status says why one could not open)
 */
#define MAX_MECHS	16
void run_cost(const struct mech *const *ms, struct result *const *rs, int n,
	      const struct cell *cl);

/* sysinfo.c: raise the peers' limits, describe the machine */
void sysinfo_prepare(size_t max_size);
void sysinfo_print(void);

/* sock.c: a socket pair's buffers sized for cap bytes */
int sock_bufs(struct chan *c, size_t bytes);

/*
 * The capacity of every channel of a size: cap.msgs messages, or cap.bytes
 * where a peer counts bytes alone, which holds cap.bytes / size of them.
 */
struct cap cap_of(size_t size);
/* open a channel of a cell's capacity; fills r->status when it cannot */
int chan_open(const struct mech *m, struct chan *c, size_t size,
	      struct result *r);
void chan_close(struct chan *c);
/* a buffer of size bytes with HEADROOM in front */
void *msg_alloc(size_t size);
void msg_free(void *buf);

#endif /* MBOX_BENCH_H */
