// SPDX-License-Identifier: GPL-2.0
/*
 * Fan-out mailboxes (MBOX_OPEN_FANOUT): every subscriber (a handle bound with
 * MBOX_ACCESS_RECV) receives every message sent after it bound, in order.
 * A full subscriber blocks the sender, or loses its oldest messages
 * (MBOX_OPEN_DROP_OLDEST), or misses the newest (MBOX_OPEN_DROP_NEWEST), and
 * learns how many in struct mbox_recv.lost. Subscribers at different speeds,
 * as real processes, check every payload; every documented errno is provoked.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mbox_test.h"

#define FANOUT_POLICY	(MBOX_OPEN_DROP_OLDEST | MBOX_OPEN_DROP_NEWEST)

/* A payload that tells its sequence and checks every byte. */
struct payload {
	__u32 seq;
	__u32 len;
	unsigned char fill[56];
};

static void payload_make(struct payload *p, __u32 seq)
{
	p->seq = seq;
	p->len = 8 + seq % 56;
	for (__u32 i = 0; i < sizeof(p->fill); i++)
		p->fill[i] = (unsigned char)(seq * 31 + i);
}

static bool payload_ok(const struct payload *p, size_t len)
{
	if (len < 8 || len != p->len || p->len != 8 + p->seq % 56)
		return false;
	for (__u32 i = 0; i < p->len - 8; i++)
		if (p->fill[i] != (unsigned char)(p->seq * 31 + i))
			return false;
	return true;
}

static long publish(int fd, __u32 seq, __u32 flags, __u64 deadline_ns)
{
	struct payload p;

	payload_make(&p, seq);
	return mbox_send(fd, &p, p.len, 0, flags, deadline_ns);
}

/* A subscriber's next message: its seq (0 if none) and what it lost before. */
static long next_seq(int fd, __u32 *seq, __u64 *lost)
{
	struct payload p;
	struct mbox_recv r;
	long err;

	*seq = 0;
	err = mbox_recv(fd, &p, sizeof(p), MBOX_RECV_NONBLOCK, 0, &r);
	if (err)
		return err;
	*lost = r.lost;
	if (!payload_ok(&p, r.len) || r.seq != p.seq)
		return -EBADMSG;
	*seq = p.seq;
	return 0;
}

static int fanout_create(const char *name, __u32 flags, __u32 access, __u32 max_msgs)
{
	struct mbox_open o = { .mode = 0600, .max_msgs = max_msgs, .max_msg_size = 64 };

	return mbox_bind(name, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL | MBOX_OPEN_FANOUT | flags,
			 access, &o);
}

static int subscribe(const char *name)
{
	return mbox_bind(name, 0, MBOX_ACCESS_RECV, NULL);
}

FIXTURE(fan) {
	char name[64];
	int pub;
	int sub[3];
};

FIXTURE_VARIANT(fan) {
	__u32 policy;
};

FIXTURE_VARIANT_ADD(fan, block) { .policy = 0 };
FIXTURE_VARIANT_ADD(fan, drop_oldest) { .policy = MBOX_OPEN_DROP_OLDEST };
FIXTURE_VARIANT_ADD(fan, drop_newest) { .policy = MBOX_OPEN_DROP_NEWEST };

FIXTURE_SETUP(fan)
{
	mbox_skip_if_absent();
	mbox_test_name(self->name, sizeof(self->name), "fanout");
	self->pub = fanout_create(self->name, variant->policy, MBOX_ACCESS_SEND, 4);
	ASSERT_LE(0, self->pub);
	for (int i = 0; i < 3; i++) {
		self->sub[i] = subscribe(self->name);
		ASSERT_LE(0, self->sub[i]);
	}
}

FIXTURE_TEARDOWN(fan)
{
	mbox_unlink_name(self->name);
	for (int i = 0; i < 3; i++)
		if (self->sub[i] >= 0)
			close(self->sub[i]);
	if (self->pub >= 0)
		close(self->pub);
}

TEST_F(fan, every_subscriber_gets_every_message_in_order)
{
	__u32 seq;
	__u64 lost;

	for (__u32 i = 1; i <= 4; i++)
		ASSERT_EQ(0, publish(self->pub, i, MBOX_SEND_NONBLOCK, 0));
	for (int s = 0; s < 3; s++) {
		for (__u32 i = 1; i <= 4; i++) {
			ASSERT_EQ(0, next_seq(self->sub[s], &seq, &lost));
			EXPECT_EQ(i, seq);
			EXPECT_EQ(0, lost);
		}
		EXPECT_EQ(-EAGAIN, next_seq(self->sub[s], &seq, &lost));
	}
}

TEST_F(fan, subscription_starts_at_bind)
{
	__u32 seq;
	__u64 lost;
	int late;

	ASSERT_EQ(0, publish(self->pub, 1, MBOX_SEND_NONBLOCK, 0));
	late = subscribe(self->name);
	ASSERT_LE(0, late);
	ASSERT_EQ(0, publish(self->pub, 2, MBOX_SEND_NONBLOCK, 0));
	ASSERT_EQ(0, next_seq(late, &seq, &lost));
	EXPECT_EQ(2, seq);
	EXPECT_EQ(0, lost);
	EXPECT_EQ(-EAGAIN, next_seq(late, &seq, &lost));
	ASSERT_EQ(0, next_seq(self->sub[0], &seq, &lost));
	EXPECT_EQ(1, seq);
	close(late);
}

TEST_F(fan, stat_counts_subscribers_and_fullest_queue)
{
	struct mbox_stat st;
	__u32 seq;
	__u64 lost;

	ASSERT_EQ(0, publish(self->pub, 1, MBOX_SEND_NONBLOCK, 0));
	ASSERT_EQ(0, publish(self->pub, 2, MBOX_SEND_NONBLOCK, 0));
	ASSERT_EQ(0, next_seq(self->sub[0], &seq, &lost));
	ASSERT_EQ(0, mbox_stat(self->pub, &st));
	EXPECT_EQ(MBOX_OPEN_FANOUT | variant->policy, st.flags);
	EXPECT_EQ(3, st.subscribers);	/* the send-only handle is none */
	EXPECT_EQ(2, st.cur_msgs);
	EXPECT_EQ(2, st.total_sent);
	EXPECT_EQ(1, st.total_received);
	EXPECT_EQ(0, st.total_lost);
	close(self->sub[2]);
	self->sub[2] = -1;
	ASSERT_EQ(0, mbox_stat(self->pub, &st));
	EXPECT_EQ(2, st.subscribers);
}

/* /proc/mbox lists the fullest subscriber's queue; fdinfo each handle's own. */
TEST_F(fan, listings_show_fullest_and_own_queue)
{
	char buf[65536], path[64], want[128];
	__u32 seq;
	__u64 lost;

	ASSERT_EQ(0, publish(self->pub, 1, MBOX_SEND_NONBLOCK, 0));	/* 9 bytes */
	ASSERT_EQ(0, publish(self->pub, 2, MBOX_SEND_NONBLOCK, 0));	/* 10 bytes */
	ASSERT_EQ(0, next_seq(self->sub[0], &seq, &lost));
	ASSERT_LT(0, mbox_read_file("/proc/mbox", buf, sizeof(buf)));
	snprintf(want, sizeof(want), "\n%s %u %u 0600 2 19\n", self->name, geteuid(), getegid());
	EXPECT_NE(NULL, strstr(buf, want)) {
		TH_LOG("no \"%s\" in /proc/mbox:\n%s", want + 1, buf);
	}
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", self->sub[0]);
	ASSERT_LT(0, mbox_read_file(path, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "mbox-msgs:\t1\nmbox-bytes:\t10\n")) {
		TH_LOG("fdinfo:\n%s", buf);
	}
}

/* The fifth message into subscriptions of four, as the policy says. */
TEST_F(fan, full_subscriber_follows_policy)
{
	struct mbox_stat st;
	__u32 seq;
	__u64 lost;

	for (__u32 i = 1; i <= 4; i++)
		ASSERT_EQ(0, publish(self->pub, i, MBOX_SEND_NONBLOCK, 0));
	/* Subscriber 0 makes room; 1 and 2 stay full. */
	ASSERT_EQ(0, next_seq(self->sub[0], &seq, &lost));
	if (!variant->policy) {
		EXPECT_EQ(-EAGAIN, publish(self->pub, 5, MBOX_SEND_NONBLOCK, 0));
		EXPECT_EQ(-ETIMEDOUT, publish(self->pub, 5, MBOX_SEND_DEADLINE,
					      mbox_deadline_ms(20)));
		return;
	}
	ASSERT_EQ(0, publish(self->pub, 5, MBOX_SEND_NONBLOCK, 0));
	ASSERT_EQ(0, publish(self->pub, 6, MBOX_SEND_NONBLOCK, 0));
	/* Subscriber 0 had room for 5, then lost or missed one for 6. */
	ASSERT_EQ(0, mbox_stat(self->pub, &st));
	EXPECT_EQ(1 + 2 + 2, st.total_lost);
	for (int s = 0; s < 3; s++) {
		__u32 want = s == 0 ? 2 : 1, got = 0, total_lost = 0, last = 0;

		if (variant->policy & MBOX_OPEN_DROP_OLDEST)
			want = 3;
		while (next_seq(self->sub[s], &seq, &lost) == 0) {
			if (!got++) {
				EXPECT_EQ(want, seq);
			} else {
				EXPECT_EQ(0, lost);	/* reported once */
			}
			EXPECT_LT(last, seq);
			last = seq;
			total_lost += lost;
		}
		/* What it got, what it lost, and what it had already taken. */
		EXPECT_EQ(6, got + total_lost + (s == 0));
		EXPECT_EQ(variant->policy & MBOX_OPEN_DROP_OLDEST ? 6 : 4 + (s == 0), last);
	}
}

struct reader {
	int fd;
	int n;
};

static void *read_n(void *arg)
{
	struct reader *r = arg;
	struct payload p;

	for (int i = 0; i < r->n; i++) {
		usleep(2000);
		if (mbox_recv(r->fd, &p, sizeof(p), 0, 0, NULL))
			return (void *)1;
	}
	return NULL;
}

/* Fill the subscribers' queues, then publish once more, blocking: -errno or 0. */
static long fill_then_send(int pub)
{
	long err = 0;

	for (__u32 i = 1; i <= 4 && !err; i++)
		err = publish(pub, i, MBOX_SEND_NONBLOCK, 0);
	return err ? err : publish(pub, 5, 0, 0);
}

/* A blocked publisher goes on as soon as the slowest subscriber reads. */
TEST_F(fan, blocked_sender_waits_for_slowest)
{
	struct reader rd[3];
	pthread_t t[3];
	void *ret;

	if (variant->policy) {
		/* Nothing to wait for, end or withdraw: a full send goes on at once. */
		EXPECT_EQ(0, fill_then_send(self->pub));
		return;
	}
	for (__u32 i = 1; i <= 4; i++)
		ASSERT_EQ(0, publish(self->pub, i, MBOX_SEND_NONBLOCK, 0));
	for (int s = 0; s < 3; s++) {
		rd[s] = (struct reader){ .fd = self->sub[s], .n = s == 2 ? 1 : 5 };
		ASSERT_EQ(0, pthread_create(&t[s], NULL, read_n, &rd[s]));
	}
	/* Subscriber 2 reads one message only: that makes the room. */
	EXPECT_EQ(0, publish(self->pub, 5, MBOX_SEND_DEADLINE, mbox_deadline_ms(10000)));
	for (int s = 0; s < 3; s++) {
		ASSERT_EQ(0, pthread_join(t[s], &ret));
		EXPECT_EQ(NULL, ret);
	}
}

/* Closing a full subscriber releases its messages and whoever waited on it. */
TEST_F(fan, close_of_full_subscriber_unblocks_sender)
{
	__u32 seq;
	__u64 lost;

	for (__u32 i = 1; i <= 4; i++)
		ASSERT_EQ(0, publish(self->pub, i, MBOX_SEND_NONBLOCK, 0));
	for (int s = 0; s < 3; s++) {
		if (s == 1)
			continue;
		while (next_seq(self->sub[s], &seq, &lost) == 0)
			;
	}
	if (!variant->policy)
		EXPECT_EQ(-EAGAIN, publish(self->pub, 5, MBOX_SEND_NONBLOCK, 0));
	close(self->sub[1]);
	self->sub[1] = -1;
	EXPECT_EQ(0, publish(self->pub, 5, MBOX_SEND_NONBLOCK, 0));
	ASSERT_EQ(0, next_seq(self->sub[0], &seq, &lost));
	EXPECT_EQ(5, seq);
	EXPECT_EQ(0, lost);
}

TEST_F(fan, poll_reports_own_subscription)
{
	struct pollfd p[2] = {
		{ .fd = self->sub[0], .events = POLLIN },
		{ .fd = self->pub, .events = POLLOUT },
	};
	__u32 seq;
	__u64 lost;

	EXPECT_EQ(1, poll(p, 2, 0));
	EXPECT_EQ(0, p[0].revents);
	EXPECT_EQ(POLLOUT, p[1].revents);
	for (__u32 i = 1; i <= 4; i++)
		ASSERT_EQ(0, publish(self->pub, i, MBOX_SEND_NONBLOCK, 0));
	for (__u32 i = 1; i <= 4; i++)
		ASSERT_EQ(0, next_seq(self->sub[0], &seq, &lost));
	p[0].events = POLLIN;
	p[0].fd = self->sub[1];
	EXPECT_EQ(variant->policy ? 2 : 1, poll(p, 2, 0));
	EXPECT_EQ(POLLIN, p[0].revents);
	/* Full subscribers block a send, but for a drop policy. */
	EXPECT_EQ(variant->policy ? POLLOUT : 0, p[1].revents);
	p[0].fd = self->sub[0];
	EXPECT_EQ(variant->policy ? 1 : 0, poll(p, 2, 0));
	EXPECT_EQ(0, p[0].revents);
}

TEST_F(fan, destroy_fails_blocked_receiver_with_eidrm)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct payload p;

		_exit(mbox_recv(self->sub[0], &p, sizeof(p), 0, 0, NULL) == -EIDRM ? 0 : 1);
	}
	ASSERT_EQ(0, mbox_wait_waiters(self->pub, 0, 1, 5000, NULL));
	ASSERT_EQ(0, mbox_ioctl(self->pub, MBOX_IOC_DESTROY, NULL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_EQ(-EIDRM, publish(self->pub, 1, MBOX_SEND_NONBLOCK, 0));
}

TEST_F(fan, cancel_ends_blocked_sender_with_ecanceled)
{
	pid_t pid;
	int status;

	if (variant->policy) {
		/* Nothing to wait for, end or withdraw: a full send goes on at once. */
		EXPECT_EQ(0, fill_then_send(self->pub));
		return;
	}
	for (__u32 i = 1; i <= 4; i++)
		ASSERT_EQ(0, publish(self->pub, i, MBOX_SEND_NONBLOCK, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(publish(self->pub, 5, 0, 0) == -ECANCELED ? 0 : 1);
	ASSERT_EQ(0, mbox_wait_waiters(self->pub, 1, 0, 5000, NULL));
	ASSERT_EQ(0, mbox_ioctl(self->pub, MBOX_IOC_CANCEL, NULL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
}

static void on_signal(int sig)
{
	(void)sig;
}

/* A signal withdraws a blocked message from every subscriber: EINTR. */
TEST_F(fan, signal_withdraws_blocked_message)
{
	struct sigaction sa = { .sa_handler = on_signal };	/* no SA_RESTART */
	__u32 seq;
	__u64 lost;
	pid_t pid;
	int status;

	if (variant->policy) {
		/* Nothing to wait for, end or withdraw: a full send goes on at once. */
		EXPECT_EQ(0, fill_then_send(self->pub));
		return;
	}
	for (__u32 i = 1; i <= 4; i++)
		ASSERT_EQ(0, publish(self->pub, i, MBOX_SEND_NONBLOCK, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		sigaction(SIGUSR1, &sa, NULL);
		_exit(publish(self->pub, 5, 0, 0) == -EINTR ? 0 : 1);
	}
	ASSERT_EQ(0, mbox_wait_waiters(self->pub, 1, 0, 5000, NULL));
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	for (__u32 i = 1; i <= 4; i++)
		ASSERT_EQ(0, next_seq(self->sub[2], &seq, &lost));
	EXPECT_EQ(-EAGAIN, next_seq(self->sub[2], &seq, &lost));
}

/* dup() shares the subscription: each message goes to one of the two. */
TEST_F(fan, dup_shares_subscription)
{
	int twin = dup(self->sub[0]);
	__u32 seq;
	__u64 lost;

	ASSERT_LE(0, twin);
	ASSERT_EQ(0, publish(self->pub, 1, MBOX_SEND_NONBLOCK, 0));
	ASSERT_EQ(0, publish(self->pub, 2, MBOX_SEND_NONBLOCK, 0));
	ASSERT_EQ(0, next_seq(twin, &seq, &lost));
	EXPECT_EQ(1, seq);
	ASSERT_EQ(0, next_seq(self->sub[0], &seq, &lost));
	EXPECT_EQ(2, seq);
	EXPECT_EQ(-EAGAIN, next_seq(twin, &seq, &lost));
	close(twin);
}

TEST_F(fan, emsgsize_keeps_message_trunc_takes_it)
{
	struct payload p;
	struct mbox_recv r;
	__u32 seq;
	__u64 lost;

	ASSERT_EQ(0, publish(self->pub, 1, MBOX_SEND_NONBLOCK, 0));
	EXPECT_EQ(-EMSGSIZE, mbox_recv(self->sub[0], &p, 4, MBOX_RECV_NONBLOCK, 0, &r));
	EXPECT_EQ(9, r.len);
	EXPECT_EQ(0, mbox_recv(self->sub[0], &p, 4, MBOX_RECV_NONBLOCK | MBOX_RECV_TRUNC, 0, &r));
	EXPECT_EQ(9, r.len);
	EXPECT_EQ(1, p.seq);
	EXPECT_EQ(-EAGAIN, next_seq(self->sub[0], &seq, &lost));
	ASSERT_EQ(0, next_seq(self->sub[1], &seq, &lost));
	EXPECT_EQ(1, seq);
}

TEST_F(fan, fault_on_copy_out_keeps_message)
{
	struct mbox_recv r;
	__u32 seq;
	__u64 lost;

	ASSERT_EQ(0, publish(self->pub, 1, MBOX_SEND_NONBLOCK, 0));
	memset(&r, 0, sizeof(r));
	r.buf_ptr = 8;	/* unmapped */
	r.buf_len = 64;
	r.flags = MBOX_RECV_NONBLOCK;
	EXPECT_EQ(-EFAULT, mbox_ioctl(self->sub[0], MBOX_IOC_RECV, &r));
	ASSERT_EQ(0, next_seq(self->sub[0], &seq, &lost));
	EXPECT_EQ(1, seq);
}

TEST_F(fan, what_makes_no_sense_is_einval)
{
	struct mbox_send sd = { .len = 8, .flags = MBOX_SEND_NONBLOCK };
	struct mbox_setattr a = { .mask = MBOX_ATTR_MAX_MSGS, .max_msgs = 8 };
	struct payload p = { 0 };
	struct mbox_call c = {
		.req_ptr = (__u64)(uintptr_t)&p, .req_len = 8,
		.reply_ptr = (__u64)(uintptr_t)&p, .reply_len = sizeof(p),
	};
	const __u32 bad_recv[] = { MBOX_RECV_PEEK, MBOX_RECV_TYPE, MBOX_RECV_FROM };
	int pidfd = syscall(SYS_pidfd_open, getpid(), 0);

	sd.buf_ptr = (__u64)(uintptr_t)&p;
	sd.flags |= MBOX_SEND_SYNC;
	EXPECT_EQ(-EINVAL, mbox_ioctl(self->pub, MBOX_IOC_SEND, &sd));
	sd.flags = MBOX_SEND_NONBLOCK | MBOX_SEND_EXPIRE;
	sd.expire_ns = mbox_deadline_ms(1000);
	EXPECT_EQ(-EINVAL, mbox_ioctl(self->pub, MBOX_IOC_SEND, &sd));
	sd.flags = MBOX_SEND_NONBLOCK | MBOX_SEND_KEY;
	EXPECT_EQ(-EINVAL, mbox_ioctl(self->pub, MBOX_IOC_SEND, &sd));
	EXPECT_EQ(-EINVAL, mbox_ioctl(self->pub, MBOX_IOC_CALL, &c));
	for (size_t i = 0; i < sizeof(bad_recv) / sizeof(bad_recv[0]); i++) {
		struct mbox_recv r = {
			.buf_ptr = (__u64)(uintptr_t)&p, .buf_len = sizeof(p),
			.flags = MBOX_RECV_NONBLOCK | bad_recv[i], .type = 1,
			.from = pidfd,
		};

		EXPECT_EQ(-EINVAL, mbox_ioctl(self->sub[0], MBOX_IOC_RECV, &r));
	}
	if (pidfd >= 0)
		close(pidfd);
	EXPECT_EQ(-EINVAL, mbox_ioctl(self->pub, MBOX_IOC_SETATTR, &a));
	/* A send-only handle receives nothing: it is no subscriber. */
	EXPECT_EQ(-EBADF, mbox_recv(self->pub, &p, sizeof(p), MBOX_RECV_NONBLOCK, 0, NULL));
}

TEST(open_flags_that_make_no_sense_are_einval)
{
	struct mbox_open o = { .max_msgs = 4 };
	char name[64];

	mbox_skip_if_absent();
	mbox_test_name(name, sizeof(name), "fanout-bad");
	EXPECT_EQ(-EINVAL, mbox_bind(NULL, MBOX_OPEN_CREATE | MBOX_OPEN_DROP_OLDEST,
				     MBOX_ACCESS_RECV, &o));
	EXPECT_EQ(-EINVAL, mbox_bind(NULL, MBOX_OPEN_CREATE | MBOX_OPEN_DROP_NEWEST,
				     MBOX_ACCESS_RECV, &o));
	EXPECT_EQ(-EINVAL, mbox_bind(NULL, MBOX_OPEN_CREATE | MBOX_OPEN_FANOUT | FANOUT_POLICY,
				     MBOX_ACCESS_RECV, &o));
	EXPECT_EQ(-EINVAL, mbox_bind(name, MBOX_OPEN_FANOUT, MBOX_ACCESS_RECV, &o));
	o.max_msgs = 0;
	EXPECT_EQ(-EINVAL, mbox_bind(NULL, MBOX_OPEN_CREATE | MBOX_OPEN_FANOUT |
				     MBOX_OPEN_RENDEZVOUS, MBOX_ACCESS_RECV, &o));
	EXPECT_EQ(-EINVAL, mbox_bind(NULL, MBOX_OPEN_CREATE | MBOX_OPEN_FANOUT | MBOX_OPEN_PORT,
				     MBOX_ACCESS_RECV, &o));
}

TEST(message_with_no_subscriber_is_discarded)
{
	struct mbox_stat st;
	int fd;

	mbox_skip_if_absent();
	fd = mbox_bind(NULL, MBOX_OPEN_CREATE | MBOX_OPEN_FANOUT, MBOX_ACCESS_SEND, NULL);
	ASSERT_LE(0, fd);
	for (__u32 i = 1; i <= 100; i++)
		ASSERT_EQ(0, publish(fd, i, MBOX_SEND_NONBLOCK, 0));
	ASSERT_EQ(0, mbox_stat(fd, &st));
	EXPECT_EQ(100, st.total_sent);
	EXPECT_EQ(0, st.cur_msgs);
	EXPECT_EQ(0, st.subscribers);
	close(fd);
}

/* The message is charged once, to its sender, until its last subscriber has it. */
TEST(message_is_charged_once)
{
	struct mbox_usage u0 = { 0 }, u = { 0 };
	int pub, sub[4];
	char name[64];
	__u32 seq;
	__u64 lost;

	mbox_skip_if_absent();
	mbox_test_name(name, sizeof(name), "fanout-charge");
	pub = fanout_create(name, 0, MBOX_ACCESS_SEND, 4);
	ASSERT_LE(0, pub);
	for (int i = 0; i < 4; i++) {
		sub[i] = subscribe(name);
		ASSERT_LE(0, sub[i]);
	}
	ASSERT_EQ(0, mbox_ioctl(pub, MBOX_IOC_USAGE, &u0));
	ASSERT_EQ(0, publish(pub, 1, MBOX_SEND_NONBLOCK, 0));
	for (int i = 0; i < 4; i++) {
		memset(&u, 0, sizeof(u));
		ASSERT_EQ(0, mbox_ioctl(pub, MBOX_IOC_USAGE, &u));
		EXPECT_EQ(u0.msgs + 1, u.msgs);
		ASSERT_EQ(0, next_seq(sub[i], &seq, &lost));
	}
	memset(&u, 0, sizeof(u));
	ASSERT_EQ(0, mbox_ioctl(pub, MBOX_IOC_USAGE, &u));
	EXPECT_EQ(u0.msgs, u.msgs);
	EXPECT_EQ(u0.bytes, u.bytes);
	mbox_unlink_name(name);
	for (int i = 0; i < 4; i++)
		close(sub[i]);
	close(pub);
}

#define NR_SUBS		6
#define NR_MSGS		400
#define END_SEQ		0xffffffU

/*
 * One subscriber process: reads until the end marker at its own pace, and
 * checks every payload, the order and the lost counts. Exit status 0 if
 * it got every message (blocking policy) or got + lost == sent.
 */
static int subscriber(int fd, int speed, __u32 policy)
{
	__u32 last = 0, got = 0;
	__u64 lost_sum = 0;
	struct payload p;
	struct mbox_recv r;

	for (;;) {
		if (mbox_recv(fd, &p, sizeof(p), 0, 0, &r))
			return 10;
		lost_sum += r.lost;
		if (p.seq == END_SEQ)
			break;
		if (!payload_ok(&p, r.len) || r.seq != p.seq)
			return 11;
		if (p.seq <= last)
			return 12;	/* out of order */
		/*
		 * Dropping the oldest, the gap before a message is what its
		 * receive reports lost. A newest missed is reported at the
		 * next receive, which may come before the gap: by then at
		 * least the gap was reported.
		 */
		if ((policy & MBOX_OPEN_DROP_OLDEST) ? p.seq - last - 1 != r.lost :
		    p.seq - 1 - got > lost_sum)
			return 13;
		last = p.seq;
		got++;
		if (speed && got % speed == 0)
			usleep(500);
	}
	if (!policy && (got != NR_MSGS || lost_sum))
		return 14;
	if (got + lost_sum != NR_MSGS)
		return 15;
	return 0;
}

FIXTURE(speeds) {
	char name[64];
};

FIXTURE_VARIANT(speeds) {
	__u32 policy;
};

FIXTURE_VARIANT_ADD(speeds, block) { .policy = 0 };
FIXTURE_VARIANT_ADD(speeds, drop_oldest) { .policy = MBOX_OPEN_DROP_OLDEST };
FIXTURE_VARIANT_ADD(speeds, drop_newest) { .policy = MBOX_OPEN_DROP_NEWEST };

FIXTURE_SETUP(speeds)
{
	mbox_skip_if_absent();
	mbox_test_name(self->name, sizeof(self->name), "fanout-speeds");
}

FIXTURE_TEARDOWN(speeds)
{
	mbox_unlink_name(self->name);
}

TEST_F(speeds, many_subscribers_at_different_speeds)
{
	pid_t pid[NR_SUBS];
	struct mbox_stat st;
	int pub, status;

	pub = fanout_create(self->name, variant->policy, MBOX_ACCESS_SEND, 8);
	ASSERT_LE(0, pub);
	for (int i = 0; i < NR_SUBS; i++) {
		int fd = subscribe(self->name);

		ASSERT_LE(0, fd);
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0)
			_exit(subscriber(fd, i, variant->policy));	/* 0: as fast as it can */
		close(fd);
	}
	for (__u32 seq = 1; seq <= NR_MSGS; seq++)
		ASSERT_EQ(0, publish(pub, seq, 0, 0));
	/* Once every subscriber has caught up, the end marker fits everywhere. */
	do {
		ASSERT_EQ(0, mbox_stat(pub, &st));
		if (st.cur_msgs)
			usleep(1000);
	} while (st.cur_msgs);
	ASSERT_EQ(0, publish(pub, END_SEQ, MBOX_SEND_NONBLOCK, 0));
	for (int i = 0; i < NR_SUBS; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status)) {
			TH_LOG("subscriber %d (speed %d) failed: %d", i, i, WEXITSTATUS(status));
		}
	}
	ASSERT_EQ(0, mbox_stat(pub, &st));
	EXPECT_EQ(NR_MSGS + 1, st.total_sent);
	EXPECT_EQ(NR_SUBS * (NR_MSGS + 1), st.total_received + st.total_lost);
	if (!variant->policy)
		EXPECT_EQ(0, st.total_lost);
	close(pub);
}

/* Threads sharing one subscription take each message exactly once. */
struct sharer {
	int fd;
	unsigned char seen[NR_MSGS + 1];
	int err;
};

static void *share_reader(void *arg)
{
	struct sharer *sh = arg;
	struct payload p;
	struct mbox_recv r;

	for (;;) {
		if (mbox_recv(sh->fd, &p, sizeof(p), 0, 0, &r)) {
			sh->err = 1;
			return NULL;
		}
		if (p.seq == END_SEQ)
			return NULL;
		if (!payload_ok(&p, r.len) || p.seq > NR_MSGS) {
			sh->err = 2;
			return NULL;
		}
		sh->seen[p.seq]++;
	}
}

TEST(threads_share_one_subscription)
{
	struct sharer sh[2] = { 0 };
	pthread_t t[2];
	int pub, sub;

	mbox_skip_if_absent();
	pub = mbox_bind(NULL, MBOX_OPEN_CREATE | MBOX_OPEN_FANOUT,
			MBOX_ACCESS_SEND | MBOX_ACCESS_RECV, NULL);
	ASSERT_LE(0, pub);
	sub = pub;
	for (int i = 0; i < 2; i++) {
		sh[i].fd = sub;
		ASSERT_EQ(0, pthread_create(&t[i], NULL, share_reader, &sh[i]));
	}
	for (__u32 seq = 1; seq <= NR_MSGS; seq++)
		ASSERT_EQ(0, publish(pub, seq, 0, 0));
	for (int i = 0; i < 2; i++)
		ASSERT_EQ(0, publish(pub, END_SEQ, 0, 0));
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, pthread_join(t[i], NULL));
		EXPECT_EQ(0, sh[i].err);
	}
	for (__u32 seq = 1; seq <= NR_MSGS; seq++)
		EXPECT_EQ(1, sh[0].seen[seq] + sh[1].seen[seq]);
	close(pub);
}

TEST_HARNESS_MAIN
