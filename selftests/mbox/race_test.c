// SPDX-License-Identifier: GPL-2.0
/*
 * Races and abuse, each test thousands of rounds but bounded in time
 * (RACE_BUDGET_S, more on the debug kernel):
 *
 * - destroy: DESTROY while other threads are blocked in, or entering, a
 *   selective receive, a send and a call on a full mailbox, and poll: every
 *   one ends with EIDRM (poll: POLLHUP | POLLERR), nothing hangs;
 * - close and unlink: the handles of blocked receivers and senders closed
 *   under them (in another thread), or the name unlinked: the calls go on and
 *   complete once the mailbox moves, and every message is received once;
 * - signal storms: SIGUSR1 (SA_RESTART) and SIGUSR2 (no SA_RESTART) at a
 *   blocked sender, receiver, synchronous sender and caller: each message is
 *   received exactly once and in order, EINTR means "not sent", and a server
 *   runs no more requests than calls it was sent;
 * - fork: parent and children send and receive through inherited handles,
 *   some children killed while blocked: each message received exactly once;
 * - an unprivileged flooder stops at EDQUOT (its own quota) while another user
 *   keeps sending and receiving, and cannot open or unlink another user's 0600
 *   mailbox; one creating mailboxes stops at ENOSPC while the mailboxes of
 *   others keep working;
 * - destroy while a server copies a call's request out: the caller fails with
 *   EIDRM (registered last: this has oopsed the kernel);
 * - no uninitialised kernel bytes reach userspace: every structure the
 *   kernel writes (VERSION, OPEN's write-back, RECV's out fields, STAT, CALL's
 *   reply_len, read() and the reply buffers) is filled with a pattern first,
 *   and afterwards every byte is either the documented value, 0, or what the
 *   caller put there (for bytes the kernel must not touch).
 *
 * Threads and children never use ASSERT/EXPECT: they record what happened in
 * memory the test checks afterwards.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mbox_test.h"

#define BOTH		(MBOX_ACCESS_SEND | MBOX_ACCESS_RECV)
#define ROUNDS		3000	/* per race test, unless the time budget ends first */
#define BUDGET_S	20	/* per race test; doubled on the debug kernel */
#define COPYOUT_ROUNDS	1000	/* of the copy-out race, likewise */
#define WAIT_MS		3000	/* deadline of a call that must be ended by the race */
#define PATTERN		0xa5
/* Every ioctl this header defines, VERSION (0) to REPLY_RECV (0x0e). */
#define ALL_IOCTLS	((1ULL << (_IOC_NR(MBOX_IOC_REPLY_RECV) + 1)) - 1)

static unsigned int budget_s(void)
{
	const char *s = getenv("MBOX_RACE_BUDGET_S");

	if (s && *s)
		return strtoul(s, NULL, 0);
	return access("/sys/kernel/debug/kmemleak", F_OK) ? BUDGET_S : 2 * BUDGET_S;
}

static pid_t gettid_(void)
{
	return syscall(SYS_gettid);
}

/* ---------------------------------------------------------------------------
 * destroy, close and unlink against blocked callers
 */

enum worker { W_RECV, W_SEND, W_POLL, W_CALL, NR_WORKERS };

struct race {
	pthread_barrier_t start, end;
	int fd[NR_WORKERS];	/* each worker's handle (of mailbox A; poll: B) */
	int stop;
	long ret[NR_WORKERS];	/* 0 or -errno; poll: revents */
	int done[NR_WORKERS];	/* ret is set */
	char got[64];		/* what the receiver received */
	int call_deadline_ms;
};

static void *race_worker(void *arg)
{
	struct race *r = ((void **)arg)[0];
	enum worker w = (enum worker)(uintptr_t)((void **)arg)[1];
	char buf[64] = "w", rep[64];
	struct mbox_recv rv;
	struct mbox_call c;
	struct pollfd pfd;
	long ret;

	for (;;) {
		pthread_barrier_wait(&r->start);
		if (__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE))
			return NULL;
		switch (w) {
		case W_RECV:
			/* Type 7 only: nothing queued matches, so it blocks. */
			memset(&rv, 0, sizeof(rv));
			rv.buf_ptr = (__u64)(uintptr_t)buf;
			rv.buf_len = sizeof(buf);
			rv.flags = MBOX_RECV_TYPE | MBOX_RECV_DEADLINE;
			rv.type = 7;
			rv.deadline_ns = mbox_deadline_ms(WAIT_MS);
			ret = mbox_ioctl(r->fd[w], MBOX_IOC_RECV, &rv);
			if (!ret)
				memcpy(r->got, buf, sizeof(buf));
			break;
		case W_SEND:
			ret = mbox_send(r->fd[w], buf, 8, 0, MBOX_SEND_DEADLINE,
					mbox_deadline_ms(WAIT_MS));
			break;
		case W_POLL:
			pfd = (struct pollfd){ .fd = r->fd[w], .events = POLLIN };
			ret = poll(&pfd, 1, WAIT_MS);
			ret = ret < 0 ? -errno : ret ? pfd.revents : 0;
			break;
		default:
			if (r->fd[w] < 0) {
				ret = 0;
				break;
			}
			c = (struct mbox_call){
				.req_ptr = (__u64)(uintptr_t)buf, .req_len = 8,
				.reply_ptr = (__u64)(uintptr_t)rep, .reply_len = sizeof(rep),
				.flags = MBOX_CALL_DEADLINE,
				.deadline_ns = mbox_deadline_ms(r->call_deadline_ms),
			};
			ret = mbox_ioctl(r->fd[w], MBOX_IOC_CALL, &c);
			break;
		}
		r->ret[w] = ret;
		__atomic_store_n(&r->done[w], 1, __ATOMIC_RELEASE);
		pthread_barrier_wait(&r->end);
	}
}

FIXTURE(race) {
	struct race r;
	pthread_t th[NR_WORKERS];
	void *args[NR_WORKERS][2];
	bool started;
	char name[2][64];
};

FIXTURE_SETUP(race)
{
	int fd, i;

	mbox_open_or_skip(fd);
	close(fd);
	memset(&self->r, 0, sizeof(self->r));
	pthread_barrier_init(&self->r.start, NULL, NR_WORKERS + 1);
	pthread_barrier_init(&self->r.end, NULL, NR_WORKERS + 1);
	for (i = 0; i < NR_WORKERS; i++) {
		self->args[i][0] = &self->r;
		self->args[i][1] = (void *)(uintptr_t)i;
		ASSERT_EQ(0, pthread_create(&self->th[i], NULL, race_worker, self->args[i]));
	}
	self->started = true;
	mbox_test_name(self->name[0], sizeof(self->name[0]), "race-a");
	mbox_test_name(self->name[1], sizeof(self->name[1]), "race-b");
}

FIXTURE_TEARDOWN(race)
{
	struct mbox_name nm;
	int i, fd;

	if (self->started) {
		__atomic_store_n(&self->r.stop, 1, __ATOMIC_RELEASE);
		pthread_barrier_wait(&self->r.start);
		for (i = 0; i < NR_WORKERS; i++)
			pthread_join(self->th[i], NULL);
	}
	fd = open(MBOX_DEV, O_RDWR | O_CLOEXEC);
	for (i = 0; fd >= 0 && i < 2; i++) {
		nm.name_ptr = (__u64)(uintptr_t)self->name[i];
		mbox_ioctl(fd, MBOX_IOC_UNLINK, &nm);
	}
	if (fd >= 0)
		close(fd);
}

/* Mailbox A (named, full: one message of type 0 in one slot) and B (empty). */
static int race_mailboxes(FIXTURE_DATA(race) *self, int *a, int *b)
{
	struct mbox_open o = { .mode = 0600, .max_msgs = 1, .max_msg_size = 64 };

	*a = mbox_bind(self->name[0], MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, BOTH, &o);
	if (*a < 0)
		return *a;
	*b = mbox_bind(self->name[1], MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, BOTH, &o);
	if (*b < 0)
		return *b;
	return mbox_send(*a, "full", 4, 0, MBOX_SEND_NONBLOCK, 0);
}

static void sleep_random(__u64 *s)
{
	unsigned int us = mbox_rng_next(s) % 400;

	if (us > 50)
		usleep(us);
}

TEST_F_TIMEOUT(race, destroy_vs_blocked_calls, 120)
{
	__u64 s = 0x4445535452ULL, t0 = mbox_now_ns();
	unsigned int rounds, bad = 0, w;
	struct mbox_name nm;
	int a, b;

	for (rounds = 0; rounds < ROUNDS; rounds++) {
		if (mbox_now_ns() - t0 > budget_s() * 1000000000ULL)
			break;
		ASSERT_EQ(0, race_mailboxes(self, &a, &b));
		/* Each worker through its own handle: names reach A and B. */
		self->r.fd[W_RECV] = mbox_bind(self->name[0], 0, BOTH, NULL);
		self->r.fd[W_SEND] = mbox_bind(self->name[0], 0, BOTH, NULL);
		self->r.fd[W_POLL] = mbox_bind(self->name[1], 0, BOTH, NULL);
		self->r.fd[W_CALL] = mbox_bind(self->name[0], 0, BOTH, NULL);
		self->r.call_deadline_ms = WAIT_MS;
		for (w = 0; w < NR_WORKERS; w++)
			ASSERT_LE(0, self->r.fd[w]);
		pthread_barrier_wait(&self->r.start);
		sleep_random(&s);
		ASSERT_EQ(0, mbox_ioctl(a, MBOX_IOC_DESTROY, NULL));
		ASSERT_EQ(0, mbox_ioctl(b, MBOX_IOC_DESTROY, NULL));
		pthread_barrier_wait(&self->r.end);
		for (w = 0; w < NR_WORKERS; w++) {
			long want = w == W_POLL ? POLLHUP | POLLERR : -EIDRM;

			if (self->r.ret[w] != want && bad++ < 10)
				TH_LOG("round %u: worker %u ended with %ld, not %ld", rounds, w,
				       self->r.ret[w], want);
			close(self->r.fd[w]);
		}
		/* The names went with the mailboxes. */
		nm.name_ptr = (__u64)(uintptr_t)self->name[0];
		EXPECT_EQ(-ENOENT, mbox_ioctl(a, MBOX_IOC_UNLINK, &nm));
		close(a);
		close(b);
	}
	ksft_print_msg("destroy: %u rounds in %llu ms\n", rounds,
		       (unsigned long long)((mbox_now_ns() - t0) / 1000000));
	EXPECT_EQ(0, bad);
	EXPECT_LT(100, rounds);
}

/* Wait (up to WAIT_MS) for a worker to end its call. */
static bool worker_done(struct race *r, enum worker w)
{
	__u64 end = mbox_deadline_ms(2 * WAIT_MS);

	while (!__atomic_load_n(&r->done[w], __ATOMIC_ACQUIRE)) {
		if (mbox_now_ns() > end)
			return false;
		usleep(200);
	}
	return true;
}

/* One message, non-blocking: its length, or -errno. */
static long take(int fd, char *buf, size_t len)
{
	struct mbox_recv rv;
	long err = mbox_recv(fd, buf, len, MBOX_RECV_NONBLOCK, 0, &rv);

	return err ? err : (long)rv.len;
}

/*
 * Close the workers' handles under them (from this thread), or unlink the
 * names; then make the mailboxes move. Calls in flight keep their files and
 * complete; a call not yet started finds no file (EBADF; poll: POLLNVAL).
 * Every message sent is received once.
 */
TEST_F_TIMEOUT(race, close_and_unlink_vs_blocked_calls, 120)
{
	__u64 s = 0x434c4f5345ULL, t0 = mbox_now_ns();
	unsigned int rounds, bad = 0, w;
	struct mbox_name nm;
	bool unlink_it;
	char buf[64];
	int a, b;
	long n;

#define CHECK(cond, fmt, ...)						\
	do {									\
		if (!(cond) && bad++ < 10)					\
			TH_LOG("round %u (%s): " fmt, rounds,			\
			       ##__VA_ARGS__);	\
	} while (0)
	for (rounds = 0; rounds < ROUNDS; rounds++) {
		if (mbox_now_ns() - t0 > budget_s() * 1000000000ULL)
			break;
		ASSERT_EQ(0, race_mailboxes(self, &a, &b));
		self->r.fd[W_RECV] = mbox_bind(self->name[0], 0, BOTH, NULL);
		self->r.fd[W_SEND] = mbox_bind(self->name[0], 0, BOTH, NULL);
		self->r.fd[W_POLL] = mbox_bind(self->name[1], 0, BOTH, NULL);
		self->r.fd[W_CALL] = -1;	/* idle */
		for (w = 0; w < W_CALL; w++)
			ASSERT_LE(0, self->r.fd[w]);
		memset(self->r.done, 0, sizeof(self->r.done));
		memset(self->r.got, 0, sizeof(self->r.got));
		unlink_it = mbox_rng_next(&s) & 1;
		pthread_barrier_wait(&self->r.start);
		sleep_random(&s);
		if (unlink_it) {
			nm.name_ptr = (__u64)(uintptr_t)self->name[0];
			ASSERT_EQ(0, mbox_ioctl(a, MBOX_IOC_UNLINK, &nm));
			nm.name_ptr = (__u64)(uintptr_t)self->name[1];
			ASSERT_EQ(0, mbox_ioctl(a, MBOX_IOC_UNLINK, &nm));
		} else {
			/* No file is opened until the round ends: no fd reuse. */
			for (w = 0; w < W_CALL; w++)
				close(self->r.fd[w]);
		}
		/* Room for the sender. */
		n = take(a, buf, sizeof(buf));
		CHECK(n == 4 && !memcmp(buf, "full", 4), "first receive: %ld", n);
		CHECK(worker_done(&self->r, W_SEND), "the sender did not end");
		n = take(a, buf, sizeof(buf));
		if (!self->r.ret[W_SEND])
			CHECK(n == 8 && buf[0] == 'w', "the sender's message: %ld", n);
		else
			CHECK(self->r.ret[W_SEND] == -EBADF && !unlink_it && n == -EAGAIN,
			      "sender %ld, then %ld",
			      self->r.ret[W_SEND], n);
		/* A type 7 for the receiver; a message for the poller. */
		CHECK(!mbox_ioctl(a, MBOX_IOC_SEND, &(struct mbox_send){
				.buf_ptr = (__u64)(uintptr_t)"seven", .len = 5,
				.flags = MBOX_SEND_NONBLOCK, .type = 7 }),
		      "sending the type 7");
		CHECK(!mbox_send(b, "b", 1, 0, MBOX_SEND_NONBLOCK, 0),
		      "sending to B");
		CHECK(worker_done(&self->r, W_RECV) && worker_done(&self->r, W_POLL),
		      "receiver or poller did not end");
		n = take(a, buf, sizeof(buf));
		if (!self->r.ret[W_RECV])
			CHECK(!memcmp(self->r.got, "seven", 5) && n == -EAGAIN,
			      "receiver got '%.5s', then %ld",
			      self->r.got, n);
		else
			CHECK(self->r.ret[W_RECV] == -EBADF && !unlink_it && n == 5,
			      "receiver %ld, then %ld",
			      self->r.ret[W_RECV], n);
		CHECK(self->r.ret[W_POLL] == POLLIN ||
		      (!unlink_it && self->r.ret[W_POLL] == POLLNVAL),
		      "poll revents %ld", self->r.ret[W_POLL]);
		CHECK(take(b, buf, sizeof(buf)) == 1, "B's message");
		pthread_barrier_wait(&self->r.end);
		if (unlink_it)
			for (w = 0; w < W_CALL; w++)
				close(self->r.fd[w]);
		if (!unlink_it) {
			nm.name_ptr = (__u64)(uintptr_t)self->name[0];
			mbox_ioctl(a, MBOX_IOC_UNLINK, &nm);
			nm.name_ptr = (__u64)(uintptr_t)self->name[1];
			mbox_ioctl(a, MBOX_IOC_UNLINK, &nm);
		}
		close(a);
		close(b);
	}
#undef CHECK
	ksft_print_msg("close/unlink: %u rounds in %llu ms\n", rounds,
		       (unsigned long long)((mbox_now_ns() - t0) / 1000000));
	EXPECT_EQ(0, bad);
	EXPECT_LT(100, rounds);
}

/* ---------------------------------------------------------------------------
 * Signal storms
 */

#define STORM_MSGS	3000
#define STORM_CALLS	1000

struct storm {
	int fd, cfd;		/* messages; calls */
	int stop;
	pid_t tid[4];		/* sender, receiver, caller, server */
	unsigned int sent, received, sync_sent, errors, bad_order, eintr;
	unsigned int calls_ok, calls_eintr, calls_bad, executed;
	unsigned char exec[STORM_CALLS];	/* per call id: times the server ran it */
	unsigned char ok[STORM_CALLS];		/* per call id: the caller got its reply */
	__u64 end_ns;
};

static void on_sig(int sig)
{
	(void)sig;
}

static void *storm_sender(void *arg)
{
	struct storm *st = arg;
	unsigned int i;
	__u32 flags;
	long err;

	st->tid[0] = gettid_();
	for (i = 0; i < STORM_MSGS && mbox_now_ns() < st->end_ns; i++) {
		flags = MBOX_SEND_DEADLINE | (i % 4 == 3 ? MBOX_SEND_SYNC : 0);
		do {
			err = mbox_send(st->fd, &i, sizeof(i), 0, flags, mbox_deadline_ms(5000));
			if (err == -EINTR)
				st->eintr++;
		} while (err == -EINTR);	/* not sent: send it again */
		if (err) {
			st->errors++;
			break;
		}
		st->sent++;
		st->sync_sent += !!(flags & MBOX_SEND_SYNC);
	}
	return NULL;
}

static void *storm_receiver(void *arg)
{
	struct storm *st = arg;
	unsigned int v, next = 0;
	struct mbox_recv r;
	long err;

	st->tid[1] = gettid_();
	while (!__atomic_load_n(&st->stop, __ATOMIC_ACQUIRE)) {
		err = mbox_recv(st->fd, &v, sizeof(v), MBOX_RECV_DEADLINE, mbox_deadline_ms(100), &r);
		if (err == -EINTR || err == -ETIMEDOUT)
			continue;
		if (err) {
			st->errors++;
			break;
		}
		if (v != next)
			st->bad_order++;	/* lost, duplicated or reordered */
		next = v + 1;
		st->received++;
	}
	return NULL;
}

static void *storm_caller(void *arg)
{
	struct storm *st = arg;
	unsigned int id, reply;
	struct mbox_call c;
	long err;

	st->tid[2] = gettid_();
	for (id = 0; id < STORM_CALLS && mbox_now_ns() < st->end_ns; id++) {
		reply = ~0U;
		c = (struct mbox_call){
			.req_ptr = (__u64)(uintptr_t)&id, .req_len = sizeof(id),
			.reply_ptr = (__u64)(uintptr_t)&reply, .reply_len = sizeof(reply),
			.flags = MBOX_CALL_DEADLINE, .deadline_ns = mbox_deadline_ms(5000),
		};
		err = mbox_ioctl(st->cfd, MBOX_IOC_CALL, &c);
		if (!err && reply == id * 3 + 1) {
			st->calls_ok++;
			st->ok[id] = 1;
		} else if (err == -EINTR) {
			st->calls_eintr++;	/* maybe run, never twice */
		} else {
			st->calls_bad++;
		}
	}
	return NULL;
}

static void *storm_server(void *arg)
{
	struct storm *st = arg;
	struct mbox_reply rp;
	struct mbox_recv r;
	unsigned int id, reply;
	long err;

	st->tid[3] = gettid_();
	while (!__atomic_load_n(&st->stop, __ATOMIC_ACQUIRE)) {
		err = mbox_recv(st->cfd, &id, sizeof(id), MBOX_RECV_DEADLINE,
				mbox_deadline_ms(100), &r);
		if (err || !r.reply_token || id >= STORM_CALLS)
			continue;
		st->exec[id]++;
		st->executed++;
		reply = id * 3 + 1;
		rp = (struct mbox_reply){ .token = r.reply_token,
					  .buf_ptr = (__u64)(uintptr_t)&reply, .len = sizeof(reply) };
		/* EPIPE: the caller gave up (a signal). */
		do
			err = mbox_ioctl(st->cfd, MBOX_IOC_REPLY, &rp);
		while (err == -EINTR);
	}
	return NULL;
}

TEST_F_TIMEOUT(race, signal_storm_loses_nothing, 120)
{
	struct sigaction sa1 = { .sa_handler = on_sig, .sa_flags = SA_RESTART };
	struct sigaction sa2 = { .sa_handler = on_sig };
	struct mbox_open o = { .max_msgs = 2, .max_msg_size = 64 };
	__u64 s = 0x5349474e414cULL;
	struct storm *st = calloc(1, sizeof(*st));
	pthread_t th[4];
	unsigned int i, signals = 0, twice = 0, lost = 0;
	int fd;

	ASSERT_NE(NULL, st);
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa1, NULL));
	ASSERT_EQ(0, sigaction(SIGUSR2, &sa2, NULL));
	st->fd = mbox_bind(NULL, MBOX_OPEN_CREATE, BOTH, &o);
	ASSERT_LE(0, st->fd);
	st->cfd = mbox_bind(NULL, MBOX_OPEN_CREATE, BOTH, &o);
	ASSERT_LE(0, st->cfd);
	st->end_ns = mbox_now_ns() + budget_s() * 1000000000ULL;
	ASSERT_EQ(0, pthread_create(&th[1], NULL, storm_receiver, st));
	ASSERT_EQ(0, pthread_create(&th[3], NULL, storm_server, st));
	ASSERT_EQ(0, pthread_create(&th[0], NULL, storm_sender, st));
	ASSERT_EQ(0, pthread_create(&th[2], NULL, storm_caller, st));
	/* The storm: until the sender and the caller are done. */
	while (pthread_tryjoin_np(th[0], NULL) || (th[0] = 0, 0)) {
		i = mbox_rng_next(&s) % 4;
		if (st->tid[i] && !pthread_kill(th[i], mbox_rng_next(&s) & 1 ? SIGUSR1 : SIGUSR2))
			signals++;
		usleep(50 + mbox_rng_next(&s) % 200);
	}
	pthread_join(th[2], NULL);
	/* Let the receiver take what is left. */
	for (i = 0; i < 200 && st->received < st->sent; i++)
		usleep(10000);
	__atomic_store_n(&st->stop, 1, __ATOMIC_RELEASE);
	pthread_join(th[1], NULL);
	pthread_join(th[3], NULL);
	for (i = 0; i < STORM_CALLS; i++) {
		twice += st->exec[i] > 1;
		lost += st->ok[i] && st->exec[i] != 1;
	}
	ksft_print_msg("signal storm: %u signals; %u messages sent (%u synchronous, %u EINTR), %u received, %u out of order; %u calls ok, %u EINTR, %u failed, %u run by the server\n",
		       signals, st->sent, st->sync_sent, st->eintr, st->received, st->bad_order,
		       st->calls_ok, st->calls_eintr, st->calls_bad, st->executed);
	EXPECT_EQ(0, st->errors);
	EXPECT_EQ(st->sent, st->received);
	EXPECT_EQ(0, st->bad_order);
	EXPECT_EQ(0, st->calls_bad);
	EXPECT_EQ(0, twice);		/* a request never runs twice */
	EXPECT_EQ(0, lost);		/* a reply came from one run */
	EXPECT_GE(st->calls_ok + st->calls_eintr, st->executed);
	EXPECT_LT(100, st->sent);
	fd = st->fd;
	close(fd);
	close(st->cfd);
	free(st);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
}

/* ---------------------------------------------------------------------------
 * fork with handles
 */

#define FORK_KIDS	2
#define FORK_PER	4
#define FORK_ROUNDS	1000
#define FORK_IDS	(FORK_ROUNDS * (FORK_KIDS + 1) * FORK_PER)

struct forked {
	unsigned char sent[FORK_IDS], got[FORK_IDS];
};

static unsigned int fork_id(unsigned int round, unsigned int who, unsigned int k)
{
	return (round * (FORK_KIDS + 1) + who) * FORK_PER + k;
}

/* Send FORK_PER messages, then receive up to FORK_PER; record both. */
static void fork_traffic(int fd, struct forked *sh, unsigned int round, unsigned int who)
{
	unsigned int k, id;
	struct mbox_recv r;

	for (k = 0; k < FORK_PER; k++) {
		id = fork_id(round, who, k);
		if (!mbox_send(fd, &id, sizeof(id), 0, MBOX_SEND_DEADLINE, mbox_deadline_ms(2000)))
			__atomic_fetch_add(&sh->sent[id], 1, __ATOMIC_RELAXED);
	}
	for (k = 0; k < FORK_PER; k++) {
		if (mbox_recv(fd, &id, sizeof(id), MBOX_RECV_DEADLINE, mbox_deadline_ms(50), &r))
			break;
		if (id < FORK_IDS)
			__atomic_fetch_add(&sh->got[id], 1, __ATOMIC_RELAXED);
	}
}

TEST_F_TIMEOUT(race, fork_with_handles, 120)
{
	struct mbox_open o = { .max_msgs = 16, .max_msg_size = 64 };
	struct forked *sh;
	unsigned int round, bad = 0, killed = 0;
	__u64 t0 = mbox_now_ns();
	pid_t pid[FORK_KIDS + 1];
	int fd, status, k;
	unsigned int id;

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	fd = mbox_bind(NULL, MBOX_OPEN_CREATE, BOTH, &o);
	ASSERT_LE(0, fd);
	for (round = 0; round < FORK_ROUNDS; round++) {
		if (mbox_now_ns() - t0 > budget_s() * 1000000000ULL)
			break;
		for (k = 0; k < FORK_KIDS; k++) {
			pid[k] = fork();
			ASSERT_LE(0, pid[k]);
			if (!pid[k]) {
				fork_traffic(fd, sh, round, k + 1);
				_exit(0);
			}
		}
		/* One more child, killed while blocked on the shared handle. */
		pid[FORK_KIDS] = fork();
		ASSERT_LE(0, pid[FORK_KIDS]);
		if (!pid[FORK_KIDS]) {
			struct mbox_recv r = { 0 };

			r.flags = MBOX_RECV_TYPE | MBOX_RECV_DEADLINE;
			r.type = 99;	/* never sent */
			r.deadline_ns = mbox_deadline_ms(10000);
			mbox_ioctl(fd, MBOX_IOC_RECV, &r);
			_exit(0);
		}
		fork_traffic(fd, sh, round, 0);
		kill(pid[FORK_KIDS], SIGKILL);
		killed++;
		for (k = 0; k <= FORK_KIDS; k++) {
			ASSERT_EQ(pid[k], waitpid(pid[k], &status, 0));
			if (k < FORK_KIDS && (!WIFEXITED(status) || WEXITSTATUS(status)))
				bad++;
		}
		/* What is left is the parent's to take. */
		while (!mbox_recv(fd, &id, sizeof(id), MBOX_RECV_NONBLOCK, 0, NULL))
			if (id < FORK_IDS)
				sh->got[id]++;
	}
	for (id = 0; id < fork_id(round, 0, 0); id++) {
		if (sh->sent[id] != sh->got[id] || sh->sent[id] > 1) {
			if (bad++ < 10)
				TH_LOG("message %u: sent %u times, received %u times", id,
				       sh->sent[id], sh->got[id]);
		}
	}
	ksft_print_msg("fork: %u rounds, %u children killed while blocked, %u messages checked\n",
		       round, killed, fork_id(round, 0, 0));
	EXPECT_EQ(0, bad);
	EXPECT_LT(20, round);
	close(fd);
	munmap(sh, sizeof(*sh));
}

/* ---------------------------------------------------------------------------
 * An unprivileged flooder
 */

#define FLOOD_QUOTA	"1048576"
#define FLOODER_UID	48001
#define VICTIM_UID	48002

struct flood {
	int flooder_done;
	int flooder_end;	/* the errno that stopped it */
	unsigned int flooded, mailboxes;
	unsigned int victim_ok, victim_bad;
	int victim_bad_err;
	int abuse_open, abuse_unlink;
};

static int drop_to(uid_t uid)
{
	if (setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		return -errno;
	return 0;
}

TEST_F_TIMEOUT(race, unprivileged_flooder_stops_at_quota, 120)
{
	struct mbox_open o = { .mode = 0600 };
	struct mbox_param quota;
	struct flood *sh;
	pid_t flooder, victim;
	int fd, status;

	ASSERT_EQ(0, geteuid());
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	ASSERT_EQ(0, mbox_param_set(&quota, "user_bytes_max", FLOOD_QUOTA));
	/* Root's private mailbox, which the flooder must not reach. */
	fd = mbox_bind(self->name[0], MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, BOTH, &o);
	ASSERT_LE(0, fd);

	victim = fork();
	ASSERT_LE(0, victim);
	if (!victim) {
		struct mbox_open vo = { .max_msgs = 4, .max_msg_size = 256 };
		char buf[256] = "victim", in[256];
		int vfd, extra = 0;
		long err;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (drop_to(VICTIM_UID))
			_exit(1);
		vfd = mbox_bind(NULL, MBOX_OPEN_CREATE, BOTH, &vo);
		if (vfd < 0)
			_exit(2);
		/* Round trips until the flood is over, and some more. */
		while (extra < 200) {
			err = mbox_send(vfd, buf, sizeof(buf), 0, MBOX_SEND_NONBLOCK, 0);
			if (!err)
				err = mbox_recv(vfd, in, sizeof(in), MBOX_RECV_NONBLOCK, 0, NULL);
			if (err) {
				sh->victim_bad++;
				sh->victim_bad_err = -err;
			} else {
				sh->victim_ok++;
			}
			if (__atomic_load_n(&sh->flooder_done, __ATOMIC_ACQUIRE))
				extra++;
			if (sh->victim_ok + sh->victim_bad > 100000)
				break;
		}
		_exit(0);
	}

	flooder = fork();
	ASSERT_LE(0, flooder);
	if (!flooder) {
		static char buf[4096];
		struct mbox_name nm = { .name_ptr = (__u64)(uintptr_t)self->name[0] };
		int ffd = -1;
		long err = 0;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (drop_to(FLOODER_UID))
			_exit(1);
		/* Another user's 0600 mailbox: no open, no unlink. */
		sh->abuse_open = mbox_bind(self->name[0], 0, MBOX_ACCESS_RECV, NULL);
		ffd = open(MBOX_DEV, O_RDWR | O_CLOEXEC);
		sh->abuse_unlink = mbox_ioctl(ffd, MBOX_IOC_UNLINK, &nm);
		close(ffd);
		ffd = -1;
		/* Flood: mailbox after mailbox (kept open), until refused. */
		for (;;) {
			if (ffd < 0 || err == -EAGAIN) {
				struct mbox_open fo = { .max_msgs = 1024, .max_msg_size = 4096 };

				ffd = mbox_bind(NULL, MBOX_OPEN_CREATE, MBOX_ACCESS_SEND, &fo);
				if (ffd < 0) {
					err = ffd;
					break;
				}
				sh->mailboxes++;
			}
			err = mbox_send(ffd, buf, sizeof(buf), 0, MBOX_SEND_NONBLOCK, 0);
			if (err && err != -EAGAIN)
				break;
			sh->flooded += !err;
		}
		sh->flooder_end = -err;
		__atomic_store_n(&sh->flooder_done, 1, __ATOMIC_RELEASE);
		/* Hold the flood until the victim has tried some more. */
		usleep(500000);
		_exit(0);
	}
	ASSERT_EQ(flooder, waitpid(flooder, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	ASSERT_EQ(victim, waitpid(victim, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	mbox_param_restore(&quota);
	close(fd);

	ksft_print_msg("flooder: %u messages in %u mailboxes, stopped by %s; victim: %u round trips, %u failed%s%s\n",
		       sh->flooded, sh->mailboxes, strerror(sh->flooder_end), sh->victim_ok,
		       sh->victim_bad, sh->victim_bad ? " last with " : "",
		       sh->victim_bad ? strerror(sh->victim_bad_err) : "");
	EXPECT_EQ(EDQUOT, sh->flooder_end);
	EXPECT_EQ(0, sh->victim_bad);
	EXPECT_LT(0, sh->victim_ok);
	/* 1 MiB of 4 KiB payloads, at most. */
	EXPECT_GE(256, sh->flooded);
	EXPECT_EQ(-EACCES, sh->abuse_open);
	EXPECT_EQ(-EPERM, sh->abuse_unlink);
	munmap(sh, sizeof(*sh));
}

#define FLOOD_MAILBOXES	"48"
#define FLOOD_PER_USER	"16"

/*
 * A flooder creating mailboxes stops at its own quota, user_mailboxes_max,
 * with EDQUOT, well before max_mailboxes: another unprivileged user still
 * creates mailboxes, and the ones it had keep working.
 */
TEST_F_TIMEOUT(race, unprivileged_mailbox_flooder_stops_at_quota, 120)
{
	struct mbox_open o = { .max_msgs = 4, .max_msg_size = 64 };
	struct mbox_param global, per_user;
	int vfd, status, created = -1, err;
	struct flood *sh;
	pid_t flooder, victim;
	char buf[64];

	ASSERT_EQ(0, geteuid());
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	ASSERT_EQ(0, mbox_param_set(&global, "max_mailboxes", FLOOD_MAILBOXES));
	ASSERT_EQ(0, mbox_param_set(&per_user, "user_mailboxes_max", FLOOD_PER_USER));
	/* The victim's mailbox, before the flood. */
	vfd = mbox_bind(NULL, MBOX_OPEN_CREATE, BOTH, &o);
	ASSERT_LE(0, vfd);

	flooder = fork();
	ASSERT_LE(0, flooder);
	if (!flooder) {
		int i, fd = 0;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (drop_to(FLOODER_UID))
			_exit(1);
		for (i = 0; i < 10000; i++) {
			fd = mbox_bind(NULL, MBOX_OPEN_CREATE, MBOX_ACCESS_SEND, NULL);
			if (fd < 0)
				break;
			sh->mailboxes++;
		}
		sh->flooder_end = -fd;
		__atomic_store_n(&sh->flooder_done, 1, __ATOMIC_RELEASE);
		/* Hold them while the victim tries. */
		while (!__atomic_load_n(&sh->victim_ok, __ATOMIC_ACQUIRE))
			usleep(1000);
		_exit(0);
	}
	while (!__atomic_load_n(&sh->flooder_done, __ATOMIC_ACQUIRE))
		usleep(1000);
	/* The victim's mailbox works on, and an unprivileged user creates one. */
	err = mbox_send(vfd, "v", 1, 0, MBOX_SEND_NONBLOCK, 0);
	if (!err)
		err = mbox_recv(vfd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL);
	victim = fork();
	ASSERT_LE(0, victim);
	if (!victim) {
		if (drop_to(VICTIM_UID))
			_exit(1);
		_exit(mbox_bind(NULL, MBOX_OPEN_CREATE, BOTH, NULL) < 0 ? 2 : 0);
	}
	ASSERT_EQ(victim, waitpid(victim, &status, 0));
	if (WIFEXITED(status))
		created = WEXITSTATUS(status);
	__atomic_store_n(&sh->victim_ok, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(flooder, waitpid(flooder, &status, 0));
	mbox_param_restore(&per_user);
	mbox_param_restore(&global);
	ksft_print_msg("mailbox flooder (uid %d): %u mailboxes, stopped by %s; another user's new mailbox: %s\n",
		       FLOODER_UID, sh->mailboxes, strerror(sh->flooder_end),
		       created ? "refused" : "created");
	close(vfd);
	EXPECT_EQ(EDQUOT, sh->flooder_end);
	EXPECT_EQ(16, sh->mailboxes);
	EXPECT_EQ(0, created);
	EXPECT_EQ(0, err);
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	munmap(sh, sizeof(*sh));
}

/* ---------------------------------------------------------------------------
 * No uninitialised kernel bytes reach userspace
 */

/* Every byte of [p, p + n) is PATTERN: the kernel did not touch it. */
static bool untouched(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		if (*c++ != PATTERN)
			return false;
	return true;
}

static bool zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		if (*c++)
			return false;
	return true;
}

FIXTURE(bytes) {
	int fd;
};

FIXTURE_SETUP(bytes)
{
	struct mbox_open o = { .max_msgs = 8, .max_msg_size = 128 };

	mbox_open_or_skip(self->fd);
	close(self->fd);
	self->fd = mbox_bind(NULL, MBOX_OPEN_CREATE, BOTH, &o);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(bytes)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(bytes, version_every_byte)
{
	struct { struct mbox_version v; __u64 tail[2]; } b;

	/* The current size, then a newer one (zero tail), then the first one. */
	memset(&b, PATTERN, sizeof(b));
	b.v.pad = 0;
	ASSERT_EQ(0, mbox_ioctl(self->fd, MBOX_IOC_VERSION, &b.v));
	EXPECT_EQ(MBOX_ABI_VERSION, b.v.abi_version);
	EXPECT_EQ(0, b.v.pad);
	EXPECT_EQ(ALL_IOCTLS, b.v.ioctls);
	EXPECT_EQ(0x7ff, b.v.open_flags);
	EXPECT_EQ(0x1f, b.v.send_flags);
	EXPECT_EQ(0x1ff, b.v.recv_flags);
	EXPECT_TRUE(untouched(b.tail, sizeof(b.tail)));

	memset(&b, PATTERN, sizeof(b));
	b.v.pad = 0;
	b.tail[0] = 0;
	ASSERT_EQ(0, mbox_ioctl(self->fd, _IOWR(MBOX_IOCTL_MAGIC, 0, char[sizeof(b.v) + 8]), &b));
	EXPECT_EQ(0, b.tail[0]);
	EXPECT_TRUE(untouched(&b.tail[1], 8));

	memset(&b, PATTERN, sizeof(b));
	b.v.pad = 0;
	ASSERT_EQ(0, mbox_ioctl(self->fd, _IOWR(MBOX_IOCTL_MAGIC, 0,
						 char[MBOX_VERSION_SIZE_VER0]), &b));
	EXPECT_EQ(MBOX_ABI_VERSION, b.v.abi_version);
	EXPECT_EQ(ALL_IOCTLS, b.v.ioctls);
	EXPECT_TRUE(untouched((char *)&b + MBOX_VERSION_SIZE_VER0,
			      sizeof(b) - MBOX_VERSION_SIZE_VER0));
}

TEST_F(bytes, open_write_back_every_byte)
{
	struct { struct mbox_open o; __u64 tail[2]; } b, in;
	int fd;

	memset(&b, PATTERN, sizeof(b));
	b.o = (struct mbox_open){ .flags = MBOX_OPEN_CREATE, .access = BOTH, .mode = 0600,
				  .max_msgs = 3 };
	b.tail[0] = 0;
	in = b;
	fd = open(MBOX_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_ioctl(fd, _IOWR(MBOX_IOCTL_MAGIC, 1, char[sizeof(b.o) + 8]), &b));
	close(fd);
	/* In fields echoed, out fields the mailbox's, the unknown tail zero. */
	EXPECT_EQ(in.o.name_ptr, b.o.name_ptr);
	EXPECT_EQ(in.o.flags, b.o.flags);
	EXPECT_EQ(in.o.access, b.o.access);
	EXPECT_EQ(in.o.mode, b.o.mode);
	EXPECT_EQ(3, b.o.max_msgs);
	EXPECT_NE(0, b.o.max_msg_size);
	EXPECT_EQ(0, b.o.pad);
	EXPECT_EQ((__u64)b.o.max_msgs * b.o.max_msg_size, b.o.max_bytes);
	EXPECT_EQ(0, b.o.target);
	EXPECT_EQ(0, b.o.pad2);
	EXPECT_EQ(0, b.tail[0]);
	EXPECT_TRUE(untouched(&b.tail[1], 8));
}

/* RECV's out fields, at the current size and the first: documented or 0. */
TEST_F(bytes, recv_out_fields_every_byte)
{
	struct { struct mbox_recv r; __u64 tail[2]; } b;
	unsigned char buf[128];
	__u64 t0 = mbox_now_ns(), t1, start_ns;
	struct timespec boot;
	struct mbox_send sd = { .buf_ptr = (__u64)(uintptr_t)"0123456789", .len = 10,
				.prio = 5, .flags = MBOX_SEND_NONBLOCK, .type = 9 };

	ASSERT_EQ(0, mbox_ioctl(self->fd, MBOX_IOC_SEND, &sd));
	t1 = mbox_now_ns();
	ASSERT_EQ(0, mbox_ioctl(self->fd, MBOX_IOC_SEND, &sd));

	/* EMSGSIZE: len told, the rest documented or 0, the buffer untouched. */
	memset(&b, PATTERN, sizeof(b));
	memset(buf, PATTERN, sizeof(buf));
	b.r.buf_ptr = (__u64)(uintptr_t)buf;
	b.r.buf_len = 4;
	b.r.flags = MBOX_RECV_NONBLOCK;
	b.r.deadline_ns = 0;
	b.r.type = 0;
	ASSERT_EQ(-EMSGSIZE, mbox_ioctl(self->fd, MBOX_IOC_RECV, &b.r));
	EXPECT_EQ(10, b.r.len);
	EXPECT_TRUE(b.r.prio == 0 || b.r.prio == 5);
	EXPECT_TRUE(b.r.seq == 0 || b.r.seq == 1);
	EXPECT_TRUE(b.r.type == 0 || b.r.type == 9);
	EXPECT_EQ((__s32)0xa5a5a5a5, b.r.from);	/* in, unused: echoed */
	EXPECT_TRUE(b.r.pid == 0 || b.r.pid == getpid());
	EXPECT_TRUE(b.r.tid == 0 || b.r.tid == gettid_());
	EXPECT_TRUE(b.r.uid == 0 || b.r.uid == geteuid());
	EXPECT_TRUE(b.r.gid == 0 || b.r.gid == getegid());
	EXPECT_EQ(0, b.r.pad);
	EXPECT_TRUE(b.r.send_ns == 0 || (b.r.send_ns >= t0 && b.r.send_ns <= t1));
	EXPECT_EQ(0, b.r.reply_token);
	start_ns = b.r.start_ns;
	EXPECT_EQ(0, b.r.lost);
	EXPECT_TRUE(untouched(b.tail, sizeof(b.tail)));
	EXPECT_TRUE(untouched(buf, sizeof(buf)));

	/* Success: every out field documented; the buffer past the message untouched. */
	memset(&b, PATTERN, sizeof(b));
	b.r.buf_ptr = (__u64)(uintptr_t)buf;
	b.r.buf_len = sizeof(buf);
	b.r.flags = MBOX_RECV_NONBLOCK;
	b.r.deadline_ns = 0;
	b.r.type = 0;
	ASSERT_EQ(0, mbox_ioctl(self->fd, MBOX_IOC_RECV, &b.r));
	EXPECT_EQ(10, b.r.len);
	EXPECT_EQ(5, b.r.prio);
	EXPECT_EQ(1, b.r.seq);
	EXPECT_EQ(9, b.r.type);
	EXPECT_EQ(getpid(), b.r.pid);
	EXPECT_EQ(gettid_(), b.r.tid);
	EXPECT_EQ(geteuid(), b.r.uid);
	EXPECT_EQ(getegid(), b.r.gid);
	EXPECT_EQ(0, b.r.pad);
	EXPECT_TRUE(b.r.send_ns >= t0 && b.r.send_ns <= t1);
	EXPECT_EQ(0, b.r.reply_token);
	/* This process's start: before now on CLOCK_BOOTTIME, never 0. */
	clock_gettime(CLOCK_BOOTTIME, &boot);
	EXPECT_NE(0, b.r.start_ns);
	EXPECT_GT((__u64)boot.tv_sec * 1000000000ULL + boot.tv_nsec, b.r.start_ns);
	EXPECT_TRUE(start_ns == 0 || start_ns == b.r.start_ns);
	EXPECT_EQ(0, b.r.lost);	/* an ordinary mailbox loses nothing */
	EXPECT_TRUE(untouched(b.tail, sizeof(b.tail)));
	EXPECT_EQ(0, memcmp(buf, "0123456789", 10));
	EXPECT_TRUE(untouched(buf + 10, sizeof(buf) - 10));

	/* The first version: 48 bytes written, not one more. */
	memset(&b, PATTERN, sizeof(b));
	memset(buf, PATTERN, sizeof(buf));
	b.r.buf_ptr = (__u64)(uintptr_t)buf;
	b.r.buf_len = 6;
	b.r.flags = MBOX_RECV_NONBLOCK | MBOX_RECV_TRUNC;
	b.r.deadline_ns = 0;
	ASSERT_EQ(0, mbox_ioctl(self->fd, _IOWR(MBOX_IOCTL_MAGIC, 5, char[MBOX_RECV_SIZE_VER0]),
				&b.r));
	EXPECT_EQ(10, b.r.len);
	EXPECT_EQ(5, b.r.prio);
	EXPECT_EQ(2, b.r.seq);
	EXPECT_TRUE(untouched((char *)&b + MBOX_RECV_SIZE_VER0, sizeof(b) - MBOX_RECV_SIZE_VER0));
	EXPECT_EQ(0, memcmp(buf, "012345", 6));
	EXPECT_TRUE(untouched(buf + 6, sizeof(buf) - 6));
}

TEST_F(bytes, stat_every_byte)
{
	struct { struct mbox_stat st; __u64 tail[2]; } b;
	ASSERT_EQ(0, mbox_send(self->fd, "abc", 3, 0, MBOX_SEND_NONBLOCK, 0));
	memset(&b, PATTERN, sizeof(b));
	b.tail[0] = 0;
	ASSERT_EQ(0, mbox_ioctl(self->fd, _IOR(MBOX_IOCTL_MAGIC, 6, char[sizeof(b.st) + 8]), &b));
	EXPECT_EQ(0, b.st.flags);
	EXPECT_EQ(0, b.st.mode);	/* anonymous: created with mode 0 */
	EXPECT_EQ(geteuid(), b.st.uid);
	EXPECT_EQ(getegid(), b.st.gid);
	EXPECT_EQ(BOTH, b.st.access);
	EXPECT_EQ(8, b.st.max_msgs);
	EXPECT_EQ(128, b.st.max_msg_size);
	EXPECT_EQ(1, b.st.cur_msgs);
	EXPECT_EQ(8 * 128, b.st.max_bytes);
	EXPECT_EQ(3, b.st.cur_bytes);
	EXPECT_EQ(0, b.st.waiting_senders);
	EXPECT_EQ(0, b.st.waiting_receivers);
	EXPECT_EQ(1, b.st.total_sent);
	EXPECT_EQ(0, b.st.total_received);
	EXPECT_EQ(0, b.st.subscribers);
	EXPECT_EQ(0, b.st.pad);
	EXPECT_EQ(0, b.st.total_lost);
	EXPECT_EQ(0, b.tail[0]);
	EXPECT_TRUE(untouched(&b.tail[1], 8));
}

/* USAGE: in fields echoed, every out field documented, the unknown tail zero. */
TEST_F(bytes, usage_every_byte)
{
	struct { struct mbox_usage u; __u64 tail[2]; } b;

	ASSERT_EQ(0, mbox_send(self->fd, "abc", 3, 0, MBOX_SEND_NONBLOCK, 0));
	memset(&b, PATTERN, sizeof(b));
	b.u.flags = MBOX_USAGE_UID;
	b.u.uid = getuid();
	b.u.pad = 0;
	b.tail[0] = 0;
	ASSERT_EQ(0, mbox_ioctl(self->fd, _IOWR(MBOX_IOCTL_MAGIC, 0x0d, char[sizeof(b.u) + 8]),
				&b));
	EXPECT_EQ(MBOX_USAGE_UID, b.u.flags);
	EXPECT_EQ(getuid(), b.u.uid);
	EXPECT_LE(3 + b.u.msg_overhead, b.u.bytes);
	EXPECT_LE(1, b.u.msgs);
	EXPECT_LE(1, b.u.mailboxes);
	EXPECT_NE(0, b.u.bytes_max);
	EXPECT_NE(0, b.u.mailboxes_max);
	EXPECT_EQ(0, b.u.handles);
	EXPECT_EQ(1024, b.u.handles_max);
	EXPECT_LE(b.u.mailboxes, b.u.all_mailboxes);
	EXPECT_NE(0, b.u.all_mailboxes_max);
	EXPECT_NE(0, b.u.msg_overhead);
	EXPECT_GT(4096, b.u.msg_overhead);
	EXPECT_EQ(0, b.u.pad);
	EXPECT_EQ(0, b.tail[0]);
	EXPECT_TRUE(untouched(&b.tail[1], 8));
}

/* read(): the buffer past the message is untouched. */
TEST_F(bytes, read_buffer_past_message_untouched)
{
	unsigned char buf[128];

	ASSERT_EQ(0, mbox_send(self->fd, "hello", 5, 0, MBOX_SEND_NONBLOCK, 0));
	memset(buf, PATTERN, sizeof(buf));
	ASSERT_EQ(5, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	EXPECT_TRUE(untouched(buf + 5, sizeof(buf) - 5));
}

static void *reply_server(void *arg)
{
	int fd = *(int *)arg;
	struct mbox_reply rp;
	struct mbox_recv r;
	char buf[64];

	if (mbox_recv(fd, buf, sizeof(buf), MBOX_RECV_DEADLINE, mbox_deadline_ms(5000), &r) ||
	    !r.reply_token)
		return NULL;
	rp = (struct mbox_reply){ .token = r.reply_token,
				  .buf_ptr = (__u64)(uintptr_t)"pong!", .len = 5 };
	mbox_ioctl(fd, MBOX_IOC_REPLY, &rp);
	return NULL;
}

/* CALL: reply_len is the reply's, every other byte echoed; the buffer past it untouched. */
TEST_F(bytes, call_reply_len_every_byte)
{
	struct { struct mbox_call c; __u64 tail[2]; } b, in;
	unsigned char rep[64];
	pthread_t th;

	ASSERT_EQ(0, pthread_create(&th, NULL, reply_server, &self->fd));
	memset(&b, PATTERN, sizeof(b));
	memset(rep, PATTERN, sizeof(rep));
	b.c = (struct mbox_call){
		.req_ptr = (__u64)(uintptr_t)"ping", .req_len = 4,
		.reply_ptr = (__u64)(uintptr_t)rep, .reply_len = sizeof(rep),
		.prio = 1, .flags = MBOX_CALL_DEADLINE, .deadline_ns = mbox_deadline_ms(5000),
		.type = 2,
	};
	b.tail[0] = 0;
	in = b;
	ASSERT_EQ(0, mbox_ioctl(self->fd, _IOWR(MBOX_IOCTL_MAGIC, 8, char[sizeof(b.c) + 8]), &b));
	pthread_join(th, NULL);
	EXPECT_EQ(5, b.c.reply_len);
	b.c.reply_len = in.c.reply_len;
	EXPECT_EQ(0, memcmp(&b.c, &in.c, sizeof(b.c)));
	EXPECT_EQ(0, b.tail[0]);
	EXPECT_TRUE(untouched(&b.tail[1], 8));
	EXPECT_EQ(0, memcmp(rep, "pong!", 5));
	EXPECT_TRUE(untouched(rep + 5, sizeof(rep) - 5));
	(void)zero;
}

/* ---------------------------------------------------------------------------
 * Destroy while a server copies a call's request out (last: it has crashed
 * the kernel, see below)
 */

#define BIG	(1 << 20)	/* a request whose copy-out takes a while */

struct inflight {
	int fd;
	char *req;
	long call_ret, recv_ret;
};

static void *inflight_caller(void *arg)
{
	struct inflight *f = arg;
	char rep[16];
	struct mbox_call c = {
		.req_ptr = (__u64)(uintptr_t)f->req, .req_len = BIG,
		.reply_ptr = (__u64)(uintptr_t)rep, .reply_len = sizeof(rep),
		.flags = MBOX_CALL_DEADLINE, .deadline_ns = mbox_deadline_ms(WAIT_MS),
	};

	f->call_ret = mbox_ioctl(f->fd, MBOX_IOC_CALL, &c);
	return NULL;
}

static void *inflight_server(void *arg)
{
	struct inflight *f = arg;

	/* Fresh pages: the copy-out faults each one in, which takes a while. */
	char *buf = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (buf == MAP_FAILED) {
		f->recv_ret = -ENOMEM;
		return NULL;
	}
	f->recv_ret = mbox_recv(f->fd, buf, BIG, MBOX_RECV_DEADLINE,
				mbox_deadline_ms(WAIT_MS), NULL);
	munmap(buf, BIG);
	return NULL;
}

/* Poll STAT until the receivers blocked are n: true, or false after a while. */
static bool receivers_are(int fd, __u32 n)
{
	__u64 end = mbox_deadline_ms(WAIT_MS);
	struct mbox_stat st;

	while (!mbox_stat(fd, &st) && st.waiting_receivers != n)
		if (mbox_now_ns() > end)
			return false;
	return true;
}

/*
 * The caller must fail with EIDRM (no reply can come any more): never
 * succeed. Found by fuzz_test: mbox_recv_done() ends the wait of a caller
 * whose request was copied out after the mailbox died with 0, as for a
 * synchronous send, and mbox_call() then reads the reply from a NULL message.
 */
FIXTURE(copyout) {
	int unused;
};

FIXTURE_SETUP(copyout)
{
	int fd;

	mbox_open_or_skip(fd);
	close(fd);
}

FIXTURE_TEARDOWN(copyout)
{
}

/* Its own fixture, registered last, so that the harness runs it last. */
TEST_F_TIMEOUT(copyout, destroy_while_call_request_is_copied_out, 120)
{
	struct mbox_open o = { .max_msgs = 1, .max_msg_size = BIG };
	__u64 s = 0x494e464cULL, t0 = mbox_now_ns();
	struct inflight f = { 0 };
	unsigned int rounds, bad = 0, taken = 0;
	pthread_t caller_th, server_th;

	f.req = malloc(BIG);
	ASSERT_NE(NULL, f.req);
	memset(f.req, 'q', BIG);
	for (rounds = 0; rounds < COPYOUT_ROUNDS; rounds++) {
		if (mbox_now_ns() - t0 > budget_s() * 1000000000ULL)
			break;
		f.fd = mbox_bind(NULL, MBOX_OPEN_CREATE, BOTH, &o);
		ASSERT_LE(0, f.fd);
		ASSERT_EQ(0, pthread_create(&server_th, NULL, inflight_server, &f));
		receivers_are(f.fd, 1);
		ASSERT_EQ(0, pthread_create(&caller_th, NULL, inflight_caller, &f));
		switch (mbox_rng_next(&s) % 3) {
		case 0:
			/* Handed to the server, which copies it out now. */
			receivers_are(f.fd, 0);
			break;
		case 1:
			receivers_are(f.fd, 0);
			usleep(mbox_rng_next(&s) % 500);
			break;
		default:
			usleep(mbox_rng_next(&s) % 3000);
			break;
		}
		ASSERT_EQ(0, mbox_ioctl(f.fd, MBOX_IOC_DESTROY, NULL));
		pthread_join(caller_th, NULL);
		pthread_join(server_th, NULL);
		taken += !f.recv_ret;
		if (f.call_ret != -EIDRM && bad++ < 10)
			TH_LOG("round %u: the call ended with %ld (server: %ld), not EIDRM",
			       rounds, f.call_ret, f.recv_ret);
		if (f.recv_ret && f.recv_ret != -EIDRM && bad++ < 10)
			TH_LOG("round %u: the server's receive ended with %ld", rounds, f.recv_ret);
		close(f.fd);
	}
	ksft_print_msg("destroy during copy-out: %u rounds, %u requests taken\n", rounds, taken);
	free(f.req);
	EXPECT_EQ(0, bad);
}

TEST_HARNESS_MAIN
