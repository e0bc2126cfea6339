// SPDX-License-Identifier: GPL-2.0
/*
 * Messages through a bound /dev/mbox handle: write()/read() and
 * MBOX_IOC_SEND/MBOX_IOC_RECV, the variable and fixed size models, priorities
 * and sequence numbers, PEEK/TRUNC/EFAULT, blocking and non-blocking calls
 * across processes, deadlines and signals, destroy while callers are blocked,
 * and poll/select/epoll readiness.
 *
 * Children and threads never use ASSERT/EXPECT: a child's exit status is the
 * errno its call ended with (0 for success, EBADMSG for a wrong message).
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mbox_test.h"
#include "mbox_kids.h"

#define MSG_SIZE	32	/* max_msg_size (the fixed size) of the test mailboxes */
#define MSG_MAX		16	/* max_msgs of the "msg" mailboxes */
#define BLK_MAX		2	/* max_msgs of the small mailboxes the blocking tests fill */
#define WIDE_MAX	8	/* max_msgs of the mailboxes the half-drained tests fill */
#define TYPE_OTHER	2	/* a message type the filled queue has none of */
#define WATCHDOG_S	20	/* a call stuck for good ends its test before the harness does */
#define NS_PER_MS	1000000ULL
#define BOTH		(MBOX_ACCESS_SEND | MBOX_ACCESS_RECV)

/* Message number tag of len bytes: every tag and length gives other bytes. */
static void make_msg(char *buf, size_t len, unsigned int tag)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (char)(tag * 37 + i * 11 + 1);
}

static bool msg_is(const char *buf, size_t n, size_t len, unsigned int tag)
{
	char want[2 * MSG_SIZE];

	if (n != len || len > sizeof(want))
		return false;
	make_msg(want, len, tag);
	return !memcmp(buf, want, len);
}

/* Send message tag of len bytes at prio with MBOX_IOC_SEND: 0 or -errno. */
static long send_msg(int fd, size_t len, unsigned int tag, __u32 prio, __u32 flags)
{
	char buf[2 * MSG_SIZE];

	make_msg(buf, len, tag);
	return mbox_send(fd, buf, len, prio, flags, 0);
}

static long write_msg(int fd, size_t len, unsigned int tag)
{
	char buf[2 * MSG_SIZE];

	make_msg(buf, len, tag);
	return write(fd, buf, len) < 0 ? -errno : 0;
}

/* Wait (up to 5 s, or until *stop is set) until exactly these callers are blocked. */
static long wait_waiters(int fd, __u32 senders, __u32 receivers, int *stop)
{
	return mbox_wait_waiters(fd, senders, receivers, 5000, stop);
}

/* Messages of the blocking tests: 8 to 23 bytes, all in MSG_SIZE. */
static size_t blk_len(unsigned int tag)
{
	return 8 + tag % 16;
}

enum op_kind { OP_READ, OP_RECV, OP_WRITE, OP_SEND };

/*
 * One (blocking) call on fd with message tag: 0, -errno, or -EBADMSG when the
 * message received is not the one tagged.
 */
static long do_op(int fd, enum op_kind kind, unsigned int tag)
{
	char buf[2 * MSG_SIZE];
	size_t len = blk_len(tag);
	struct mbox_recv r;
	ssize_t n;
	long err;

	switch (kind) {
	case OP_READ:
		n = read(fd, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		return msg_is(buf, n, len, tag) ? 0 : -EBADMSG;
	case OP_RECV:
		err = mbox_recv(fd, buf, sizeof(buf), 0, 0, &r);
		if (err)
			return err;
		return msg_is(buf, r.len, len, tag) ? 0 : -EBADMSG;
	case OP_WRITE:
		make_msg(buf, len, tag);
		n = write(fd, buf, len);
		if (n < 0)
			return -errno;
		return n == (ssize_t)len ? 0 : -EBADMSG;
	case OP_SEND:
		return send_msg(fd, len, tag, 0, 0);
	}
	return -EINVAL;
}

typedef int (*kid_fn)(int fd, long arg);

/* Run fn(fd, arg) in a child whose exit status is fn's return value. */
static pid_t spawn(struct mbox_kids *k, kid_fn fn, int fd, long arg)
{
	return mbox_spawn(k, WATCHDOG_S, fn(fd, arg));
}

/* do_op() in a child: arg is kind | tag << 8. */
static int kid_op(int fd, long arg)
{
	return (int)-do_op(fd, arg & 0xff, arg >> 8);
}

static pid_t spawn_op(struct mbox_kids *k, int fd, enum op_kind kind, unsigned int tag)
{
	return spawn(k, kid_op, fd, kind | (long)tag << 8);
}

/* do_op() in a thread. */
struct op_thread {
	pthread_t thread;
	int fd;
	enum op_kind kind;
	unsigned int tag;
	long ret;
};

static void *op_thread_fn(void *arg)
{
	struct op_thread *o = arg;

	o->ret = do_op(o->fd, o->kind, o->tag);
	return NULL;
}

static int op_thread_start(struct op_thread *o, int fd, enum op_kind kind, unsigned int tag)
{
	o->fd = fd;
	o->kind = kind;
	o->tag = tag;
	o->ret = 1;
	return pthread_create(&o->thread, NULL, op_thread_fn, o);
}

/*
 * A thread that waits until the given callers are blocked on fd, then sends
 * SIGUSR1 to the test's thread count times, period_ms apart. With unblock_tag
 * set, it then writes that message if the test's call has not returned.
 */
struct signaller {
	pthread_t thread;
	pthread_t target;
	int fd;
	__u32 senders, receivers;
	int count;
	int period_ms;
	unsigned int unblock_tag;
	int done;		/* set by the test when its call returned */
	long err;		/* of waiting for the callers to block */
};

static bool signaller_done(struct signaller *s)
{
	return __atomic_load_n(&s->done, __ATOMIC_RELAXED);
}

static void nap_unless_done(struct signaller *s, int ms)
{
	for (; ms > 0 && !signaller_done(s); ms -= 10)
		usleep(10000);
}

static void *signaller_fn(void *arg)
{
	struct signaller *s = arg;
	int i;

	s->err = wait_waiters(s->fd, s->senders, s->receivers, &s->done);
	for (i = 0; i < s->count && !signaller_done(s); i++) {
		pthread_kill(s->target, SIGUSR1);
		nap_unless_done(s, s->period_ms);
	}
	if (s->unblock_tag && !signaller_done(s))
		do_op(s->fd, OP_WRITE, s->unblock_tag);
	return NULL;
}

static int signaller_start(struct signaller *s)
{
	s->target = pthread_self();
	s->done = 0;
	return pthread_create(&s->thread, NULL, signaller_fn, s);
}

static void signaller_stop(struct signaller *s)
{
	__atomic_store_n(&s->done, 1, __ATOMIC_RELAXED);
	pthread_join(s->thread, NULL);
}

/*
 * The message calls themselves, once on a variable-size and once on a
 * fixed-size mailbox of MSG_MAX messages of MSG_SIZE bytes.
 */
FIXTURE(msg) {
	int fd;
};

FIXTURE_VARIANT(msg) {
	__u32 flags;
};

FIXTURE_VARIANT_ADD(msg, variable) {
	.flags = 0,
};

FIXTURE_VARIANT_ADD(msg, fixed) {
	.flags = MBOX_OPEN_FIXED_SIZE,
};

FIXTURE_SETUP(msg)
{
	self->fd = -1;
	mbox_skip_if_absent();
	self->fd = mbox_create(NULL, variant->flags, 0600, MSG_MAX, MSG_SIZE);
	ASSERT_LE(0, self->fd);
	alarm(WATCHDOG_S);
}

FIXTURE_TEARDOWN(msg)
{
	alarm(0);
	if (self->fd >= 0)
		close(self->fd);
}

/* A legal length for message tag: MSG_SIZE when fixed, 1 to MSG_SIZE else. */
static size_t msg_len(const FIXTURE_VARIANT(msg) *variant, unsigned int tag)
{
	if (variant->flags & MBOX_OPEN_FIXED_SIZE)
		return MSG_SIZE;
	return 1 + (tag * 7) % MSG_SIZE;
}

TEST_F(msg, write_returns_length)
{
	size_t len = msg_len(variant, 1);
	char buf[MSG_SIZE];

	make_msg(buf, len, 1);
	EXPECT_EQ((ssize_t)len, write(self->fd, buf, len));
	EXPECT_EQ(1, mbox_cur_msgs(self->fd));
}

TEST_F(msg, read_returns_length)
{
	size_t len = msg_len(variant, 1);
	char buf[2 * MSG_SIZE];
	ssize_t n;

	ASSERT_EQ(0, write_msg(self->fd, len, 1));
	n = read(self->fd, buf, sizeof(buf));
	ASSERT_EQ((ssize_t)len, n);
	EXPECT_TRUE(msg_is(buf, n, len, 1));
	EXPECT_EQ(0, mbox_cur_msgs(self->fd));
}

TEST_F(msg, writes_keep_message_boundaries)
{
	char buf[2 * MSG_SIZE];
	unsigned int tag;
	ssize_t n;

	for (tag = 1; tag <= 3; tag++)
		ASSERT_EQ(0, write_msg(self->fd, msg_len(variant, tag), tag));
	for (tag = 1; tag <= 3; tag++) {
		n = read(self->fd, buf, sizeof(buf));
		ASSERT_EQ((ssize_t)msg_len(variant, tag), n);
		EXPECT_TRUE(msg_is(buf, n, msg_len(variant, tag), tag));
	}
	EXPECT_EQ(0, mbox_cur_msgs(self->fd));
}

TEST_F(msg, read_small_buffer_keeps_message)
{
	size_t len = msg_len(variant, 1);
	char buf[2 * MSG_SIZE];
	ssize_t n;

	ASSERT_EQ(0, write_msg(self->fd, len, 1));
	EXPECT_EQ(-1, read(self->fd, buf, len - 1));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(-1, read(self->fd, buf, 0));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(1, mbox_cur_msgs(self->fd));
	n = read(self->fd, buf, sizeof(buf));
	ASSERT_EQ((ssize_t)len, n);
	EXPECT_TRUE(msg_is(buf, n, len, 1));
}

TEST_F(msg, recv_small_buffer_keeps_message)
{
	size_t len = msg_len(variant, 1);
	char buf[2 * MSG_SIZE];
	struct mbox_recv r;

	ASSERT_EQ(0, send_msg(self->fd, len, 1, 7, 0));
	EXPECT_EQ(-EMSGSIZE, mbox_recv(self->fd, buf, len - 1, 0, 0, &r));
	EXPECT_EQ(len, r.len);
	EXPECT_EQ(1, mbox_cur_msgs(self->fd));
	ASSERT_EQ(0, mbox_recv(self->fd, buf, sizeof(buf), 0, 0, &r));
	EXPECT_EQ(len, r.len);
	EXPECT_EQ(7, r.prio);
	EXPECT_EQ(1, r.seq);
	EXPECT_TRUE(msg_is(buf, r.len, len, 1));
}

TEST_F(msg, recv_reports_len_prio_seq)
{
	size_t len = msg_len(variant, 4);
	char buf[2 * MSG_SIZE];
	struct mbox_recv r;

	ASSERT_EQ(0, send_msg(self->fd, len, 4, 9, 0));
	ASSERT_EQ(0, mbox_recv(self->fd, buf, sizeof(buf), 0, 0, &r));
	EXPECT_EQ(len, r.len);
	EXPECT_EQ(9, r.prio);
	EXPECT_EQ(1, r.seq);
	EXPECT_TRUE(msg_is(buf, r.len, len, 4));
}

TEST_F(msg, seq_counts_from_one_in_queue_order)
{
	/* Sent in this order: seq i + 1 each; received highest prio first. */
	static const __u32 prio[] = { 1, 5, 1, 0, 5 };
	static const __u64 want_seq[] = { 2, 5, 1, 3, 4 };
	char buf[2 * MSG_SIZE];
	struct mbox_recv r;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(prio); i++)
		ASSERT_EQ(0, send_msg(self->fd, msg_len(variant, i), i, prio[i], 0));
	for (i = 0; i < ARRAY_SIZE(want_seq); i++) {
		ASSERT_EQ(0, mbox_recv(self->fd, buf, sizeof(buf), 0, 0, &r));
		EXPECT_EQ(want_seq[i], r.seq);
		EXPECT_TRUE(msg_is(buf, r.len, msg_len(variant, want_seq[i] - 1),
				   want_seq[i] - 1));
	}
}

TEST_F(msg, recv_trunc_cuts_and_dequeues)
{
	size_t len = msg_len(variant, 3);
	char buf[2 * MSG_SIZE], want[MSG_SIZE];
	struct mbox_recv r;

	ASSERT_LT(5, len);
	ASSERT_EQ(0, send_msg(self->fd, len, 3, 2, 0));
	memset(buf, 0xee, sizeof(buf));
	ASSERT_EQ(0, mbox_recv(self->fd, buf, 5, MBOX_RECV_TRUNC, 0, &r));
	EXPECT_EQ(len, r.len);
	EXPECT_EQ(2, r.prio);
	EXPECT_EQ(1, r.seq);
	make_msg(want, len, 3);
	EXPECT_EQ(0, memcmp(buf, want, 5));
	EXPECT_EQ((char)0xee, buf[5]);
	EXPECT_EQ(0, mbox_cur_msgs(self->fd));
}

TEST_F(msg, recv_peek_leaves_message_queued)
{
	size_t len = msg_len(variant, 2);
	char buf[2 * MSG_SIZE];
	struct mbox_recv r;

	ASSERT_EQ(0, send_msg(self->fd, len, 2, 3, 0));
	ASSERT_EQ(0, send_msg(self->fd, len, 5, 3, 0));
	ASSERT_EQ(0, mbox_recv(self->fd, buf, sizeof(buf), MBOX_RECV_PEEK, 0, &r));
	EXPECT_EQ(len, r.len);
	EXPECT_EQ(3, r.prio);
	EXPECT_EQ(1, r.seq);
	EXPECT_TRUE(msg_is(buf, r.len, len, 2));
	EXPECT_EQ(2, mbox_cur_msgs(self->fd));

	ASSERT_EQ(0, mbox_recv(self->fd, buf, sizeof(buf), 0, 0, &r));
	EXPECT_EQ(1, r.seq);
	EXPECT_TRUE(msg_is(buf, r.len, len, 2));
	EXPECT_EQ(1, mbox_cur_msgs(self->fd));
}

TEST_F(msg, recv_peek_is_not_counted_received)
{
	char buf[2 * MSG_SIZE];
	struct mbox_stat st;

	ASSERT_EQ(0, send_msg(self->fd, msg_len(variant, 2), 2, 0, 0));
	ASSERT_EQ(0, mbox_recv(self->fd, buf, sizeof(buf), MBOX_RECV_PEEK, 0, NULL));
	ASSERT_EQ(0, mbox_stat(self->fd, &st));
	EXPECT_EQ(1, st.total_sent);
	EXPECT_EQ(0, st.total_received);
	EXPECT_EQ(1, st.cur_msgs);
}

TEST_F(msg, recv_peek_small_buffer_is_emsgsize)
{
	size_t len = msg_len(variant, 1);
	char buf[2 * MSG_SIZE];
	struct mbox_recv r;

	ASSERT_EQ(0, send_msg(self->fd, len, 1, 0, 0));
	EXPECT_EQ(-EMSGSIZE, mbox_recv(self->fd, buf, len - 1, MBOX_RECV_PEEK, 0, &r));
	EXPECT_EQ(len, r.len);
	EXPECT_EQ(1, mbox_cur_msgs(self->fd));
}

/* Two pages, the second inaccessible: returns the start of the second. */
static char *guard_pages(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p;

	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + page, page, PROT_NONE)) {
		munmap(p, 2 * page);
		return NULL;
	}
	return p + page;
}

static void guard_pages_free(char *guard)
{
	long page = sysconf(_SC_PAGESIZE);

	munmap(guard - page, 2 * page);
}

TEST_F(msg, send_bad_buffer_is_efault_and_queues_nothing)
{
	size_t len = msg_len(variant, 3);
	char *guard, *straddle;
	struct mbox_stat st;

	guard = guard_pages();
	ASSERT_NE(NULL, guard);
	straddle = guard - len / 2;	/* first half readable, the rest not */
	make_msg(straddle, len / 2, 3);
	ASSERT_EQ(0, send_msg(self->fd, msg_len(variant, 1), 1, 0, 0));

	EXPECT_EQ(-EFAULT, mbox_send(self->fd, guard, len, 0, 0, 0));
	EXPECT_EQ(-EFAULT, mbox_send(self->fd, straddle, len, 0, 0, 0));
	EXPECT_EQ(-1, write(self->fd, straddle, len));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, mbox_stat(self->fd, &st));
	EXPECT_EQ(1, st.cur_msgs);
	EXPECT_EQ(msg_len(variant, 1), st.cur_bytes);
	guard_pages_free(guard);
}

TEST_F(msg, recv_bad_buffer_is_efault_and_keeps_message)
{
	size_t len = msg_len(variant, 3);
	char buf[2 * MSG_SIZE], *guard, *ro;
	struct mbox_recv r;

	guard = guard_pages();
	ASSERT_NE(NULL, guard);
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(0, send_msg(self->fd, len, 3, 4, 0));

	EXPECT_EQ(-EFAULT, mbox_recv(self->fd, guard, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ(-EFAULT, mbox_recv(self->fd, guard - len / 2, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ(-EFAULT, mbox_recv(self->fd, ro, sizeof(buf), 0, 0, NULL));
	EXPECT_EQ(-1, read(self->fd, guard, sizeof(buf)));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(1, mbox_cur_msgs(self->fd));

	ASSERT_EQ(0, mbox_recv(self->fd, buf, sizeof(buf), 0, 0, &r));
	EXPECT_EQ(1, r.seq);
	EXPECT_EQ(4, r.prio);
	EXPECT_TRUE(msg_is(buf, r.len, len, 3));
	munmap(ro, 4096);
	guard_pages_free(guard);
}

/*
 * A receive whose own structure cannot be written back would take a message
 * its caller never learns of: EFAULT before anything is taken, also when
 * only the structure's second page is read-only.
 */
TEST_F(msg, recv_struct_unwritable_is_efault_and_keeps_message)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t len = msg_len(variant, 5);
	struct mbox_recv want = { 0 }, *ro, *straddle, r;
	char buf[2 * MSG_SIZE], *map;

	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	want.buf_ptr = (uintptr_t)buf;
	want.buf_len = sizeof(buf);
	want.flags = MBOX_RECV_NONBLOCK;
	ro = (struct mbox_recv *)(map + page);
	straddle = (struct mbox_recv *)(map + page - 16);
	memcpy(ro, &want, sizeof(want));
	memcpy(straddle, &want, sizeof(want));
	ASSERT_EQ(0, mprotect(map + page, page, PROT_READ));
	ASSERT_EQ(0, send_msg(self->fd, len, 5, 2, 0));

	EXPECT_EQ(-EFAULT, mbox_ioctl(self->fd, MBOX_IOC_RECV, ro));
	EXPECT_EQ(-EFAULT, mbox_ioctl(self->fd, MBOX_IOC_RECV, straddle));
	EXPECT_EQ(1, mbox_cur_msgs(self->fd));

	ASSERT_EQ(0, mbox_recv(self->fd, buf, sizeof(buf), 0, 0, &r));
	EXPECT_EQ(1, r.seq);
	EXPECT_EQ(2, r.prio);
	EXPECT_TRUE(msg_is(buf, r.len, len, 5));
	munmap(map, 2 * page);
}

TEST_F(msg, send_prio_max_is_einval)
{
	size_t len = msg_len(variant, 1);

	EXPECT_EQ(-EINVAL, send_msg(self->fd, len, 1, MBOX_PRIO_MAX, 0));
	EXPECT_EQ(-EINVAL, send_msg(self->fd, len, 1, 0xffffffffU, 0));
	EXPECT_EQ(0, mbox_cur_msgs(self->fd));
}

TEST_F(msg, send_prio_max_minus_one_is_accepted)
{
	char buf[2 * MSG_SIZE];
	struct mbox_recv r;

	ASSERT_EQ(0, send_msg(self->fd, msg_len(variant, 1), 1, MBOX_PRIO_MAX - 1, 0));
	ASSERT_EQ(0, mbox_recv(self->fd, buf, sizeof(buf), 0, 0, &r));
	EXPECT_EQ(MBOX_PRIO_MAX - 1, r.prio);
}

TEST_F(msg, send_unknown_flags_is_einval)
{
	size_t len = msg_len(variant, 1);

	EXPECT_EQ(-EINVAL, send_msg(self->fd, len, 1, 0, MBOX_SEND_KEY << 1));
	EXPECT_EQ(-EINVAL, send_msg(self->fd, len, 1, 0, 1U << 31));
	EXPECT_EQ(0, mbox_cur_msgs(self->fd));
}

TEST_F(msg, recv_unknown_flags_is_einval)
{
	char buf[2 * MSG_SIZE];

	ASSERT_EQ(0, send_msg(self->fd, msg_len(variant, 1), 1, 0, 0));
	EXPECT_EQ(-EINVAL, mbox_recv(self->fd, buf, sizeof(buf), MBOX_RECV_FDS_CLOEXEC << 1, 0, NULL));
	EXPECT_EQ(-EINVAL, mbox_recv(self->fd, buf, sizeof(buf), 1U << 31, 0, NULL));
	EXPECT_EQ(1, mbox_cur_msgs(self->fd));
}

TEST_F(msg, recv_highest_prio_first_fifo_within_prio)
{
	static const __u32 prio[] = {
		3, 0, MBOX_PRIO_MAX - 1, 3, 1, 0, MBOX_PRIO_MAX - 1, 3, 1, 0, 100, 3,
	};
	unsigned int order[ARRAY_SIZE(prio)], i, j, t;
	char buf[2 * MSG_SIZE];
	struct mbox_recv r;

	ASSERT_GE(MSG_MAX, ARRAY_SIZE(prio));
	for (i = 0; i < ARRAY_SIZE(prio); i++)
		ASSERT_EQ(0, send_msg(self->fd, msg_len(variant, i), i, prio[i], 0));
	/* Expected order: a stable sort by priority, highest first. */
	for (i = 0; i < ARRAY_SIZE(prio); i++) {
		for (j = i; j > 0 && prio[order[j - 1]] < prio[i]; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
	for (i = 0; i < ARRAY_SIZE(prio); i++) {
		t = order[i];
		ASSERT_EQ(0, mbox_recv(self->fd, buf, sizeof(buf), 0, 0, &r));
		EXPECT_EQ(prio[t], r.prio);
		EXPECT_EQ(t + 1, r.seq);
		EXPECT_TRUE(msg_is(buf, r.len, msg_len(variant, t), t));
	}
	EXPECT_EQ(0, mbox_cur_msgs(self->fd));
}

TEST_F(msg, write_sends_at_prio_zero)
{
	char buf[2 * MSG_SIZE];
	struct mbox_recv r;

	ASSERT_EQ(0, write_msg(self->fd, msg_len(variant, 1), 1));
	ASSERT_EQ(0, send_msg(self->fd, msg_len(variant, 2), 2, 1, 0));
	ASSERT_EQ(0, mbox_recv(self->fd, buf, sizeof(buf), 0, 0, &r));
	EXPECT_EQ(1, r.prio);
	EXPECT_TRUE(msg_is(buf, r.len, msg_len(variant, 2), 2));
	ASSERT_EQ(0, mbox_recv(self->fd, buf, sizeof(buf), 0, 0, &r));
	EXPECT_EQ(0, r.prio);
	EXPECT_TRUE(msg_is(buf, r.len, msg_len(variant, 1), 1));
}

/* The size models. */
TEST(variable_zero_length_write_and_read)
{
	char buf[MSG_SIZE];
	int fd;

	mbox_skip_if_absent();
	fd = mbox_create(NULL, 0, 0600, 4, MSG_SIZE);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, write(fd, buf, 0));
	EXPECT_EQ(1, mbox_cur_msgs(fd));
	EXPECT_EQ(0, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(0, mbox_cur_msgs(fd));
	close(fd);
}

TEST(variable_zero_length_send_and_recv)
{
	char buf[MSG_SIZE];
	struct mbox_recv r;
	int fd;

	mbox_skip_if_absent();
	fd = mbox_create(NULL, 0, 0600, 4, MSG_SIZE);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_send(fd, buf, 0, 6, 0, 0));
	/* Even a zero-byte buffer takes it. */
	ASSERT_EQ(0, mbox_recv(fd, buf, 0, 0, 0, &r));
	EXPECT_EQ(0, r.len);
	EXPECT_EQ(6, r.prio);
	EXPECT_EQ(1, r.seq);
	EXPECT_EQ(0, mbox_cur_msgs(fd));
	close(fd);
}

TEST(variable_max_size_is_accepted)
{
	char buf[MSG_SIZE];
	int fd;

	mbox_skip_if_absent();
	fd = mbox_create(NULL, 0, 0600, 4, MSG_SIZE);
	ASSERT_LE(0, fd);
	make_msg(buf, MSG_SIZE, 1);
	EXPECT_EQ(MSG_SIZE, write(fd, buf, MSG_SIZE));
	EXPECT_EQ(0, mbox_send(fd, buf, MSG_SIZE, 0, 0, 0));
	EXPECT_EQ(2, mbox_cur_msgs(fd));
	close(fd);
}

TEST(variable_too_long_is_emsgsize)
{
	char buf[MSG_SIZE + 1];
	int fd;

	mbox_skip_if_absent();
	fd = mbox_create(NULL, 0, 0600, 4, MSG_SIZE);
	ASSERT_LE(0, fd);
	make_msg(buf, sizeof(buf), 1);
	EXPECT_EQ(-1, write(fd, buf, MSG_SIZE + 1));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(-EMSGSIZE, mbox_send(fd, buf, MSG_SIZE + 1, 0, 0, 0));
	EXPECT_EQ(0, mbox_cur_msgs(fd));
	close(fd);
}

TEST(fixed_exact_size_is_accepted)
{
	char buf[MSG_SIZE];
	int fd;

	mbox_skip_if_absent();
	fd = mbox_create(NULL, MBOX_OPEN_FIXED_SIZE, 0600, 4, MSG_SIZE);
	ASSERT_LE(0, fd);
	make_msg(buf, MSG_SIZE, 1);
	EXPECT_EQ(MSG_SIZE, write(fd, buf, MSG_SIZE));
	EXPECT_EQ(0, mbox_send(fd, buf, MSG_SIZE, 0, 0, 0));
	EXPECT_EQ(2, mbox_cur_msgs(fd));
	close(fd);
}

TEST(fixed_shorter_is_einval)
{
	char buf[MSG_SIZE];
	int fd;

	mbox_skip_if_absent();
	fd = mbox_create(NULL, MBOX_OPEN_FIXED_SIZE, 0600, 4, MSG_SIZE);
	ASSERT_LE(0, fd);
	make_msg(buf, MSG_SIZE, 1);
	EXPECT_EQ(-1, write(fd, buf, MSG_SIZE - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, write(fd, buf, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, mbox_send(fd, buf, 1, 0, 0, 0));
	EXPECT_EQ(-EINVAL, mbox_send(fd, buf, 0, 0, 0, 0));
	EXPECT_EQ(0, mbox_cur_msgs(fd));
	close(fd);
}

TEST(fixed_longer_is_einval)
{
	char buf[MSG_SIZE + 1];
	int fd;

	mbox_skip_if_absent();
	fd = mbox_create(NULL, MBOX_OPEN_FIXED_SIZE, 0600, 4, MSG_SIZE);
	ASSERT_LE(0, fd);
	make_msg(buf, sizeof(buf), 1);
	EXPECT_EQ(-1, write(fd, buf, MSG_SIZE + 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-EINVAL, mbox_send(fd, buf, MSG_SIZE + 1, 0, 0, 0));
	EXPECT_EQ(0, mbox_cur_msgs(fd));
	close(fd);
}

/*
 * Blocking, non-blocking, deadlines, signals and destroy, on a mailbox of
 * BLK_MAX messages that is quick to fill.
 */
FIXTURE(block) {
	int fd;
	int fd2;
	char name[64];
	struct mbox_kids kids;
};

FIXTURE_SETUP(block)
{
	self->fd = -1;
	self->fd2 = -1;
	mbox_skip_if_absent();
	self->fd = mbox_create(NULL, 0, 0600, BLK_MAX, MSG_SIZE);
	ASSERT_LE(0, self->fd);
	alarm(WATCHDOG_S);
}

FIXTURE_TEARDOWN(block)
{
	alarm(0);
	mbox_kill_kids(&self->kids);
	if (self->name[0])
		mbox_unlink(self->fd, self->name);
	if (self->fd2 >= 0)
		close(self->fd2);
	if (self->fd >= 0)
		close(self->fd);
}

/* Queue messages 1 to n, which fill a mailbox of n messages. */
static long fill_n(int fd, unsigned int n)
{
	unsigned int tag;
	long err;

	for (tag = 1; tag <= n; tag++) {
		err = send_msg(fd, blk_len(tag), tag, 0, MBOX_SEND_NONBLOCK);
		if (err)
			return err;
	}
	return 0;
}

static long fill(int fd)
{
	return fill_n(fd, BLK_MAX);
}

/* Replace the mailbox by a full one of WIDE_MAX messages. */
static long use_wide_full(FIXTURE_DATA(block) *self)
{
	int fd = mbox_create(NULL, 0, 0600, WIDE_MAX, MSG_SIZE);

	if (fd < 0)
		return fd;
	close(self->fd);
	self->fd = fd;
	return fill_n(fd, WIDE_MAX);
}

/*
 * Send message tag with type TYPE_OTHER, or receive the next message of that
 * type and check it is tag: 0, -errno or -EBADMSG.
 */
static long typed_op(int fd, bool send, unsigned int tag, __u32 flags)
{
	char buf[2 * MSG_SIZE];
	size_t len = blk_len(tag);
	struct mbox_send sd = {
		.buf_ptr = (__u64)(uintptr_t)buf, .len = len, .type = TYPE_OTHER,
	};
	struct mbox_recv r = {
		.buf_ptr = (__u64)(uintptr_t)buf, .buf_len = sizeof(buf),
		.flags = MBOX_RECV_TYPE | flags, .type = TYPE_OTHER,
	};
	long err;

	if (send) {
		make_msg(buf, len, tag);
		return mbox_ioctl(fd, MBOX_IOC_SEND, &sd);
	}
	err = mbox_ioctl(fd, MBOX_IOC_RECV, &r);
	if (err)
		return err;
	return msg_is(buf, r.len, len, tag) ? 0 : -EBADMSG;
}

/* typed_op() in a child, blocking: arg is send | tag << 8. */
static int kid_typed(int fd, long arg)
{
	return (int)-typed_op(fd, arg & 1, arg >> 8, 0);
}

/* Replace the anonymous mailbox by a named one, self->fd2 a second handle of it. */
static int use_named(FIXTURE_DATA(block) *self)
{
	int fd;

	fd = mbox_create(mbox_test_name(self->name, sizeof(self->name), "msg"), 0, 0600,
			 BLK_MAX, MSG_SIZE);
	if (fd < 0)
		return fd;
	close(self->fd);
	self->fd = fd;
	self->fd2 = mbox_bind(self->name, 0, BOTH, NULL);
	return self->fd2 < 0 ? self->fd2 : 0;
}

TEST_F(block, read_blocks_until_other_process_writes)
{
	pid_t pid;

	pid = spawn_op(&self->kids, self->fd, OP_READ, 5);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, wait_waiters(self->fd, 0, 1, NULL));
	EXPECT_TRUE(mbox_kid_running(pid));
	ASSERT_EQ(0, do_op(self->fd, OP_WRITE, 5));
	EXPECT_EQ(0, mbox_kid_reap(&self->kids, pid, 5000));
	EXPECT_EQ(0, mbox_cur_msgs(self->fd));
}

TEST_F(block, blocked_receiver_gets_message_sent_after_it_blocked)
{
	struct mbox_stat st;
	pid_t pid;

	pid = spawn_op(&self->kids, self->fd, OP_RECV, 6);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, wait_waiters(self->fd, 0, 1, NULL));
	ASSERT_EQ(0, do_op(self->fd, OP_SEND, 6));
	EXPECT_EQ(0, mbox_kid_reap(&self->kids, pid, 5000));
	ASSERT_EQ(0, mbox_stat(self->fd, &st));
	EXPECT_EQ(1, st.total_sent);
	EXPECT_EQ(1, st.total_received);
	EXPECT_EQ(0, st.cur_msgs);
	EXPECT_EQ(0, st.cur_bytes);
	EXPECT_EQ(0, st.waiting_receivers);
}

TEST_F(block, write_blocks_on_full_until_other_process_reads)
{
	pid_t pid;

	ASSERT_EQ(0, fill(self->fd));
	pid = spawn_op(&self->kids, self->fd, OP_WRITE, 3);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, wait_waiters(self->fd, 1, 0, NULL));
	EXPECT_TRUE(mbox_kid_running(pid));
	EXPECT_EQ(BLK_MAX, mbox_cur_msgs(self->fd));
	ASSERT_EQ(0, do_op(self->fd, OP_READ, 1));
	EXPECT_EQ(0, mbox_kid_reap(&self->kids, pid, 5000));
	EXPECT_EQ(0, do_op(self->fd, OP_READ, 2));
	EXPECT_EQ(0, do_op(self->fd, OP_READ, 3));
}

TEST_F(block, blocked_senders_get_room_in_wait_order)
{
	pid_t a, b;

	ASSERT_EQ(0, fill(self->fd));
	a = spawn_op(&self->kids, self->fd, OP_SEND, 10);
	ASSERT_LT(0, a);
	ASSERT_EQ(0, wait_waiters(self->fd, 1, 0, NULL));
	b = spawn_op(&self->kids, self->fd, OP_SEND, 11);
	ASSERT_LT(0, b);
	ASSERT_EQ(0, wait_waiters(self->fd, 2, 0, NULL));

	ASSERT_EQ(0, do_op(self->fd, OP_RECV, 1));
	ASSERT_EQ(0, wait_waiters(self->fd, 1, 0, NULL));
	ASSERT_EQ(0, do_op(self->fd, OP_RECV, 2));
	EXPECT_EQ(0, mbox_kid_reap(&self->kids, a, 5000));
	EXPECT_EQ(0, mbox_kid_reap(&self->kids, b, 5000));
	EXPECT_EQ(0, do_op(self->fd, OP_RECV, 10));
	EXPECT_EQ(0, do_op(self->fd, OP_RECV, 11));
}

TEST_F(block, blocked_sender_gets_room_once_half_drained)
{
	struct mbox_stat st;
	unsigned int tag;
	pid_t pid;

	ASSERT_EQ(0, use_wide_full(self));
	pid = spawn_op(&self->kids, self->fd, OP_SEND, 100);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, wait_waiters(self->fd, 1, 0, NULL));

	/* Above half full, the room made waits for more. */
	for (tag = 1; tag < WIDE_MAX / 2; tag++)
		ASSERT_EQ(0, do_op(self->fd, OP_RECV, tag));
	ASSERT_EQ(0, mbox_stat(self->fd, &st));
	EXPECT_EQ(WIDE_MAX / 2 + 1, st.cur_msgs);
	EXPECT_EQ(1, st.waiting_senders);
	EXPECT_TRUE(mbox_kid_running(pid));

	/* Half: in it goes, behind the rest. */
	ASSERT_EQ(0, do_op(self->fd, OP_RECV, tag++));
	EXPECT_EQ(0, mbox_kid_reap(&self->kids, pid, 5000));
	EXPECT_EQ(WIDE_MAX / 2 + 1, mbox_cur_msgs(self->fd));
	for (; tag <= WIDE_MAX; tag++)
		EXPECT_EQ(0, do_op(self->fd, OP_RECV, tag));
	EXPECT_EQ(0, do_op(self->fd, OP_RECV, 100));
}

TEST_F(block, receive_finding_no_match_lets_blocked_sender_in)
{
	pid_t pid;

	ASSERT_EQ(0, use_wide_full(self));
	pid = spawn(&self->kids, kid_typed, self->fd, 1 | 100 << 8);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, wait_waiters(self->fd, 1, 0, NULL));
	ASSERT_EQ(0, do_op(self->fd, OP_RECV, 1));

	/* Room for it, above half: a receive that selects it gets it now. */
	EXPECT_EQ(0, typed_op(self->fd, false, 100, MBOX_RECV_NONBLOCK));
	EXPECT_EQ(0, mbox_kid_reap(&self->kids, pid, 5000));
	EXPECT_EQ(WIDE_MAX - 1, mbox_cur_msgs(self->fd));
}

TEST_F(block, blocked_selective_receiver_gets_message_let_in)
{
	unsigned int tag;
	pid_t rx, tx;

	ASSERT_EQ(0, use_wide_full(self));
	rx = spawn(&self->kids, kid_typed, self->fd, 0 | 100 << 8);
	ASSERT_LT(0, rx);
	ASSERT_EQ(0, wait_waiters(self->fd, 0, 1, NULL));
	tx = spawn(&self->kids, kid_typed, self->fd, 1 | 100 << 8);
	ASSERT_LT(0, tx);
	ASSERT_EQ(0, wait_waiters(self->fd, 1, 1, NULL));

	/* Whenever the blocked message is let in, its receiver is told. */
	for (tag = 1; tag <= WIDE_MAX / 2; tag++)
		ASSERT_EQ(0, do_op(self->fd, OP_RECV, tag));
	EXPECT_EQ(0, mbox_kid_reap(&self->kids, tx, 5000));
	EXPECT_EQ(0, mbox_kid_reap(&self->kids, rx, 5000));
	EXPECT_EQ(WIDE_MAX / 2, mbox_cur_msgs(self->fd));
}

TEST_F(block, read_empty_nonblocking_file_is_eagain)
{
	char buf[MSG_SIZE];

	ASSERT_EQ(0, mbox_set_nonblock(self->fd));
	EXPECT_EQ(-1, read(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(block, recv_empty_nonblocking_file_is_eagain)
{
	char buf[MSG_SIZE];

	ASSERT_EQ(0, mbox_set_nonblock(self->fd));
	EXPECT_EQ(-EAGAIN, mbox_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
}

TEST_F(block, write_full_nonblocking_file_is_eagain)
{
	ASSERT_EQ(0, fill(self->fd));
	ASSERT_EQ(0, mbox_set_nonblock(self->fd));
	EXPECT_EQ(-EAGAIN, write_msg(self->fd, blk_len(9), 9));
	EXPECT_EQ(BLK_MAX, mbox_cur_msgs(self->fd));
}

TEST_F(block, send_full_nonblocking_file_is_eagain)
{
	ASSERT_EQ(0, fill(self->fd));
	ASSERT_EQ(0, mbox_set_nonblock(self->fd));
	EXPECT_EQ(-EAGAIN, send_msg(self->fd, blk_len(9), 9, 0, 0));
	EXPECT_EQ(BLK_MAX, mbox_cur_msgs(self->fd));
}

TEST_F(block, recv_nonblock_empty_is_eagain)
{
	char buf[MSG_SIZE];

	EXPECT_EQ(-EAGAIN, mbox_recv(self->fd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL));
}

TEST_F(block, send_nonblock_full_is_eagain)
{
	ASSERT_EQ(0, fill(self->fd));
	EXPECT_EQ(-EAGAIN, send_msg(self->fd, blk_len(9), 9, 0, MBOX_SEND_NONBLOCK));
	EXPECT_EQ(BLK_MAX, mbox_cur_msgs(self->fd));
}

TEST_F(block, send_nonblock_without_byte_room_is_eagain)
{
	struct mbox_open o = {
		.mode = 0600, .max_msgs = 8, .max_msg_size = MSG_SIZE, .max_bytes = 2 * MSG_SIZE,
	};
	int fd;

	fd = mbox_bind(NULL, MBOX_OPEN_CREATE, BOTH, &o);
	ASSERT_LE(0, fd);
	EXPECT_EQ(2 * MSG_SIZE, o.max_bytes);
	ASSERT_EQ(0, send_msg(fd, MSG_SIZE, 1, 0, 0));
	ASSERT_EQ(0, send_msg(fd, MSG_SIZE, 2, 0, 0));
	/* Two messages of eight: the bytes are full, not the slots. */
	EXPECT_EQ(-EAGAIN, send_msg(fd, 1, 3, 0, MBOX_SEND_NONBLOCK));
	EXPECT_EQ(2, mbox_cur_msgs(fd));
	close(fd);
}

TEST_F(block, recv_deadline_on_empty_is_etimedout)
{
	char buf[MSG_SIZE];
	__u64 deadline, now;
	long err;

	deadline = mbox_deadline_ms(200);
	err = mbox_recv(self->fd, buf, sizeof(buf), MBOX_RECV_DEADLINE, deadline, NULL);
	now = mbox_now_ns();
	EXPECT_EQ(-ETIMEDOUT, err);
	EXPECT_LE(deadline, now);
	EXPECT_GT(deadline + 3000 * NS_PER_MS, now);
}

TEST_F(block, recv_past_deadline_is_etimedout_at_once)
{
	char buf[MSG_SIZE];
	__u64 t0 = mbox_now_ns();

	EXPECT_EQ(-ETIMEDOUT, mbox_recv(self->fd, buf, sizeof(buf), MBOX_RECV_DEADLINE,
					t0 - NS_PER_MS, NULL));
	EXPECT_GT(1000, mbox_ms_since(t0));
}

TEST_F(block, recv_past_deadline_takes_queued_message)
{
	char buf[MSG_SIZE];
	struct mbox_recv r;

	ASSERT_EQ(0, do_op(self->fd, OP_SEND, 4));
	ASSERT_EQ(0, mbox_recv(self->fd, buf, sizeof(buf), MBOX_RECV_DEADLINE,
			       mbox_now_ns() - NS_PER_MS, &r));
	EXPECT_TRUE(msg_is(buf, r.len, blk_len(4), 4));
}

TEST_F(block, send_deadline_on_full_is_etimedout)
{
	__u64 deadline, now;
	char buf[MSG_SIZE];
	long err;

	ASSERT_EQ(0, fill(self->fd));
	make_msg(buf, blk_len(9), 9);
	deadline = mbox_deadline_ms(200);
	err = mbox_send(self->fd, buf, blk_len(9), 0, MBOX_SEND_DEADLINE, deadline);
	now = mbox_now_ns();
	EXPECT_EQ(-ETIMEDOUT, err);
	EXPECT_LE(deadline, now);
	EXPECT_GT(deadline + 3000 * NS_PER_MS, now);
	EXPECT_EQ(BLK_MAX, mbox_cur_msgs(self->fd));
}

TEST_F(block, send_past_deadline_on_full_is_etimedout_at_once)
{
	char buf[MSG_SIZE];
	__u64 t0;

	ASSERT_EQ(0, fill(self->fd));
	make_msg(buf, blk_len(9), 9);
	t0 = mbox_now_ns();
	EXPECT_EQ(-ETIMEDOUT, mbox_send(self->fd, buf, blk_len(9), 0, MBOX_SEND_DEADLINE,
					t0 - NS_PER_MS));
	EXPECT_GT(1000, mbox_ms_since(t0));
	EXPECT_EQ(BLK_MAX, mbox_cur_msgs(self->fd));
}

TEST_F(block, recv_deadline_is_not_extended_by_sa_restart_signals)
{
	/* Signals every 100 ms for 4 s: a wait re-armed on restart would end late. */
	struct signaller s = { .fd = self->fd, .receivers = 1, .count = 40, .period_ms = 100 };
	char buf[MSG_SIZE];
	__u64 deadline, now;
	long err;

	ASSERT_EQ(0, mbox_catch_sigusr1(SA_RESTART));
	deadline = mbox_deadline_ms(500);
	ASSERT_EQ(0, signaller_start(&s));
	err = mbox_recv(self->fd, buf, sizeof(buf), MBOX_RECV_DEADLINE, deadline, NULL);
	now = mbox_now_ns();
	signaller_stop(&s);
	EXPECT_EQ(0, s.err);
	EXPECT_EQ(-ETIMEDOUT, err);
	EXPECT_LE(2, mbox_got_signals);
	EXPECT_LE(deadline, now);
	EXPECT_GT(deadline + 2500 * NS_PER_MS, now);
}

TEST_F(block, read_with_sa_restart_signal_keeps_waiting)
{
	/* One signal, then 200 ms later a message: the read must get it. */
	struct signaller s = {
		.fd = self->fd, .receivers = 1, .count = 1, .period_ms = 200,
		.unblock_tag = 7,
	};
	char buf[2 * MSG_SIZE];
	ssize_t n;

	ASSERT_EQ(0, mbox_catch_sigusr1(SA_RESTART));
	ASSERT_EQ(0, signaller_start(&s));
	n = read(self->fd, buf, sizeof(buf));
	signaller_stop(&s);
	EXPECT_EQ(0, s.err);
	EXPECT_EQ(1, mbox_got_signals);
	ASSERT_EQ((ssize_t)blk_len(7), n);
	EXPECT_TRUE(msg_is(buf, n, blk_len(7), 7));
}

TEST_F(block, read_interrupted_without_sa_restart_is_eintr)
{
	/* Should the signal not end it, a message 2 s later does. */
	struct signaller s = {
		.fd = self->fd, .receivers = 1, .count = 1, .period_ms = 2000,
		.unblock_tag = 7,
	};
	char buf[2 * MSG_SIZE];
	ssize_t n;

	ASSERT_EQ(0, mbox_catch_sigusr1(0));
	ASSERT_EQ(0, signaller_start(&s));
	n = read(self->fd, buf, sizeof(buf));
	signaller_stop(&s);
	EXPECT_EQ(0, s.err);
	EXPECT_EQ(1, mbox_got_signals);
	EXPECT_EQ(-1, n);
	EXPECT_EQ(EINTR, errno);
}

TEST_F(block, recv_interrupted_without_sa_restart_is_eintr)
{
	struct signaller s = { .fd = self->fd, .receivers = 1, .count = 1, .period_ms = 10 };
	char buf[2 * MSG_SIZE];
	long err;

	ASSERT_EQ(0, mbox_catch_sigusr1(0));
	ASSERT_EQ(0, signaller_start(&s));
	/* The deadline only ends a wait the signal failed to. */
	err = mbox_recv(self->fd, buf, sizeof(buf), MBOX_RECV_DEADLINE,
			mbox_deadline_ms(3000), NULL);
	signaller_stop(&s);
	EXPECT_EQ(0, s.err);
	EXPECT_EQ(1, mbox_got_signals);
	EXPECT_EQ(-EINTR, err);
}

TEST_F(block, send_interrupted_without_sa_restart_is_eintr)
{
	struct signaller s = { .fd = self->fd, .senders = 1, .count = 1, .period_ms = 10 };
	char buf[MSG_SIZE];
	long err;

	ASSERT_EQ(0, fill(self->fd));
	ASSERT_EQ(0, mbox_catch_sigusr1(0));
	make_msg(buf, blk_len(9), 9);
	ASSERT_EQ(0, signaller_start(&s));
	err = mbox_send(self->fd, buf, blk_len(9), 0, MBOX_SEND_DEADLINE,
			mbox_deadline_ms(3000));
	signaller_stop(&s);
	EXPECT_EQ(0, s.err);
	EXPECT_EQ(1, mbox_got_signals);
	EXPECT_EQ(-EINTR, err);
	EXPECT_EQ(BLK_MAX, mbox_cur_msgs(self->fd));
}

/* A blocking receive into memory it cannot write. */
static int kid_recv_efault(int fd, long arg)
{
	void *bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)arg;
	if (bad == MAP_FAILED)
		return ENOMEM;
	return (int)-mbox_recv(fd, bad, 4096, 0, 0, NULL);
}

TEST_F(block, recv_efault_leaves_message_for_next_blocked_receiver)
{
	pid_t bad, good;

	bad = spawn(&self->kids, kid_recv_efault, self->fd, 0);
	ASSERT_LT(0, bad);
	ASSERT_EQ(0, wait_waiters(self->fd, 0, 1, NULL));
	good = spawn_op(&self->kids, self->fd, OP_RECV, 5);
	ASSERT_LT(0, good);
	ASSERT_EQ(0, wait_waiters(self->fd, 0, 2, NULL));

	/* The first receiver cannot take it: it stays queued for the second. */
	ASSERT_EQ(0, do_op(self->fd, OP_SEND, 5));
	EXPECT_EQ(EFAULT, mbox_kid_reap(&self->kids, bad, 5000));
	EXPECT_EQ(0, mbox_kid_reap(&self->kids, good, 3000));
	EXPECT_EQ(0, mbox_cur_msgs(self->fd));
}

TEST_F(block, recv_efault_keeps_mailbox_within_max_msgs)
{
	char *bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct mbox_stat st;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, bad);
	ASSERT_EQ(0, fill(self->fd));
	pid = spawn_op(&self->kids, self->fd, OP_SEND, 3);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, wait_waiters(self->fd, 1, 0, NULL));

	/* Message 1 stays queued: still full, the sender still waits. */
	EXPECT_EQ(-EFAULT, mbox_recv(self->fd, bad, 4096, 0, 0, NULL));
	ASSERT_EQ(0, mbox_stat(self->fd, &st));
	EXPECT_EQ(BLK_MAX, st.cur_msgs);
	EXPECT_EQ(1, st.waiting_senders);

	EXPECT_EQ(0, do_op(self->fd, OP_RECV, 1));
	EXPECT_EQ(0, mbox_kid_reap(&self->kids, pid, 5000));
	EXPECT_EQ(0, do_op(self->fd, OP_RECV, 2));
	EXPECT_EQ(0, do_op(self->fd, OP_RECV, 3));
	munmap(bad, 4096);
}

TEST_F(block, destroy_wakes_blocked_receivers_with_eidrm)
{
	struct op_thread t;
	pid_t pid[3];
	int i;

	ASSERT_EQ(0, use_named(self));
	pid[0] = spawn_op(&self->kids, self->fd, OP_RECV, 1);
	pid[1] = spawn_op(&self->kids, self->fd, OP_RECV, 2);
	pid[2] = spawn_op(&self->kids, self->fd, OP_READ, 3);
	for (i = 0; i < 3; i++)
		ASSERT_LT(0, pid[i]);
	ASSERT_EQ(0, op_thread_start(&t, self->fd, OP_RECV, 4));
	ASSERT_EQ(0, wait_waiters(self->fd2, 0, 4, NULL));

	ASSERT_EQ(0, mbox_ioctl(self->fd2, MBOX_IOC_DESTROY, NULL));
	self->name[0] = '\0';
	for (i = 0; i < 3; i++)
		EXPECT_EQ(EIDRM, mbox_kid_reap(&self->kids, pid[i], 5000));
	pthread_join(t.thread, NULL);
	EXPECT_EQ(-EIDRM, t.ret);
}

TEST_F(block, destroy_wakes_blocked_senders_with_eidrm)
{
	struct op_thread t[2];
	pid_t pid[2];
	int i;

	ASSERT_EQ(0, use_named(self));
	ASSERT_EQ(0, fill(self->fd));
	pid[0] = spawn_op(&self->kids, self->fd, OP_SEND, 5);
	pid[1] = spawn_op(&self->kids, self->fd, OP_WRITE, 6);
	for (i = 0; i < 2; i++)
		ASSERT_LT(0, pid[i]);
	ASSERT_EQ(0, op_thread_start(&t[0], self->fd, OP_SEND, 7));
	ASSERT_EQ(0, op_thread_start(&t[1], self->fd, OP_WRITE, 8));
	ASSERT_EQ(0, wait_waiters(self->fd2, 4, 0, NULL));

	ASSERT_EQ(0, mbox_ioctl(self->fd2, MBOX_IOC_DESTROY, NULL));
	self->name[0] = '\0';
	for (i = 0; i < 2; i++)
		EXPECT_EQ(EIDRM, mbox_kid_reap(&self->kids, pid[i], 5000));
	for (i = 0; i < 2; i++) {
		pthread_join(t[i].thread, NULL);
		EXPECT_EQ(-EIDRM, t[i].ret);
	}
}

/* Readiness: poll, select and epoll on a mailbox of BLK_MAX messages. */
FIXTURE(ready) {
	int fd;
	int ep;
	struct mbox_kids kids;
};

FIXTURE_SETUP(ready)
{
	self->fd = -1;
	self->ep = -1;
	mbox_skip_if_absent();
	self->fd = mbox_create(NULL, 0, 0600, BLK_MAX, MSG_SIZE);
	ASSERT_LE(0, self->fd);
	alarm(WATCHDOG_S);
}

FIXTURE_TEARDOWN(ready)
{
	alarm(0);
	mbox_kill_kids(&self->kids);
	if (self->ep >= 0)
		close(self->ep);
	if (self->fd >= 0)
		close(self->fd);
}

#define POLL_ALL (POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM)

/* poll() revents of fd right now, or -errno. */
static int revents(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLL_ALL };
	int n = poll(&p, 1, 0);

	if (n < 0)
		return -errno;
	return n ? p.revents : 0;
}

static int epoll_on(int fd, __u32 events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		return -errno;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
		close(ep);
		return -errno;
	}
	return ep;
}

TEST_F(ready, poll_empty_reports_only_pollout)
{
	EXPECT_EQ(POLLOUT | POLLWRNORM, revents(self->fd));
}

TEST_F(ready, poll_queued_message_reports_pollin)
{
	ASSERT_EQ(0, do_op(self->fd, OP_SEND, 1));
	EXPECT_EQ(POLL_ALL, revents(self->fd));
	ASSERT_EQ(0, do_op(self->fd, OP_READ, 1));
	EXPECT_EQ(POLLOUT | POLLWRNORM, revents(self->fd));
}

TEST_F(ready, poll_full_reports_no_pollout)
{
	ASSERT_EQ(0, fill(self->fd));
	EXPECT_EQ(POLLIN | POLLRDNORM, revents(self->fd));
}

TEST_F(ready, poll_without_room_for_largest_message_reports_no_pollout)
{
	struct mbox_open o = {
		.mode = 0600, .max_msgs = 8, .max_msg_size = MSG_SIZE, .max_bytes = 2 * MSG_SIZE,
	};
	int fd;

	fd = mbox_bind(NULL, MBOX_OPEN_CREATE, BOTH, &o);
	ASSERT_LE(0, fd);
	/* 33 of 64 bytes queued: a 31-byte message fits, a 32-byte one not. */
	ASSERT_EQ(0, send_msg(fd, MSG_SIZE, 1, 0, 0));
	ASSERT_EQ(0, send_msg(fd, 1, 2, 0, 0));
	EXPECT_EQ(POLLIN | POLLRDNORM, revents(fd));
	close(fd);
}

TEST_F(ready, poll_after_destroy_reports_hup_err)
{
	int ev;

	ASSERT_EQ(0, do_op(self->fd, OP_SEND, 1));
	ASSERT_EQ(0, mbox_ioctl(self->fd, MBOX_IOC_DESTROY, NULL));
	ev = revents(self->fd);
	EXPECT_EQ(POLLHUP | POLLERR, ev & (POLLHUP | POLLERR));
	/* Its messages went with it. */
	EXPECT_EQ(0, ev & (POLLIN | POLLRDNORM));
}

/* kid_op() 200 ms from now. */
static int kid_later_op(int fd, long arg)
{
	usleep(200000);
	return kid_op(fd, arg);
}

static pid_t spawn_later_op(struct mbox_kids *k, int fd, enum op_kind kind, unsigned int tag)
{
	return spawn(k, kid_later_op, fd, kind | (long)tag << 8);
}

static int kid_later_destroy(int fd, long arg)
{
	(void)arg;
	usleep(200000);
	return (int)-mbox_ioctl(fd, MBOX_IOC_DESTROY, NULL);
}

TEST_F(ready, poll_blocks_until_other_process_sends)
{
	struct pollfd p = { .fd = self->fd, .events = POLLIN };
	__u64 t0 = mbox_now_ns();
	pid_t pid;

	pid = spawn_later_op(&self->kids, self->fd, OP_WRITE, 3);
	ASSERT_LT(0, pid);
	/* poll() checks once more at its timeout: it must return well before. */
	ASSERT_EQ(1, poll(&p, 1, 5000));
	EXPECT_EQ(POLLIN, p.revents);
	EXPECT_LE(200, mbox_ms_since(t0));
	EXPECT_GT(4000, mbox_ms_since(t0));
	EXPECT_EQ(0, mbox_kid_reap(&self->kids, pid, 5000));
	EXPECT_EQ(0, do_op(self->fd, OP_READ, 3));
}

TEST_F(ready, poll_pollout_blocks_until_other_process_reads)
{
	struct pollfd p = { .fd = self->fd, .events = POLLOUT };
	__u64 t0;
	pid_t pid;

	ASSERT_EQ(0, fill(self->fd));
	t0 = mbox_now_ns();
	pid = spawn_later_op(&self->kids, self->fd, OP_READ, 1);
	ASSERT_LT(0, pid);
	ASSERT_EQ(1, poll(&p, 1, 5000));
	EXPECT_EQ(POLLOUT, p.revents);
	EXPECT_LE(200, mbox_ms_since(t0));
	EXPECT_GT(4000, mbox_ms_since(t0));
	EXPECT_EQ(0, mbox_kid_reap(&self->kids, pid, 5000));
}

TEST_F(ready, poll_wakes_on_destroy_by_other_process)
{
	struct pollfd p = { .fd = self->fd, .events = POLLIN };
	__u64 t0 = mbox_now_ns();
	pid_t pid;

	pid = spawn(&self->kids, kid_later_destroy, self->fd, 0);
	ASSERT_LT(0, pid);
	ASSERT_EQ(1, poll(&p, 1, 5000));
	EXPECT_EQ(POLLHUP | POLLERR, p.revents & (POLLHUP | POLLERR));
	EXPECT_LE(200, mbox_ms_since(t0));
	EXPECT_GT(4000, mbox_ms_since(t0));
	EXPECT_EQ(0, mbox_kid_reap(&self->kids, pid, 5000));
}

TEST_F(ready, poll_wakes_for_message_requeued_after_recv_efault)
{
	struct pollfd p = { .fd = self->fd, .events = POLLIN };
	pid_t bad, sender;
	__u64 t0;

	bad = spawn(&self->kids, kid_recv_efault, self->fd, 0);
	ASSERT_LT(0, bad);
	ASSERT_EQ(0, wait_waiters(self->fd, 0, 1, NULL));
	/* Handed to the blocked receiver, which cannot take it: queued again. */
	t0 = mbox_now_ns();
	sender = spawn_later_op(&self->kids, self->fd, OP_WRITE, 3);
	ASSERT_LT(0, sender);
	/* Woken, not found at poll()'s own last look at its timeout. */
	EXPECT_EQ(1, poll(&p, 1, 5000));
	EXPECT_EQ(POLLIN, p.revents);
	EXPECT_GT(4000, mbox_ms_since(t0));
	EXPECT_EQ(0, mbox_kid_reap(&self->kids, sender, 5000));
	EXPECT_EQ(EFAULT, mbox_kid_reap(&self->kids, bad, 5000));
	EXPECT_EQ(0, do_op(self->fd, OP_READ, 3));
}

TEST_F(ready, select_reports_readable_only_when_message_queued)
{
	struct timeval tv = { 0 };
	fd_set rd, wr;

	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(self->fd, &rd);
	FD_SET(self->fd, &wr);
	ASSERT_EQ(1, select(self->fd + 1, &rd, &wr, NULL, &tv));
	EXPECT_FALSE(FD_ISSET(self->fd, &rd));
	EXPECT_TRUE(FD_ISSET(self->fd, &wr));

	ASSERT_EQ(0, do_op(self->fd, OP_SEND, 1));
	FD_SET(self->fd, &rd);
	FD_SET(self->fd, &wr);
	ASSERT_EQ(2, select(self->fd + 1, &rd, &wr, NULL, &tv));
	EXPECT_TRUE(FD_ISSET(self->fd, &rd));
	EXPECT_TRUE(FD_ISSET(self->fd, &wr));
}

TEST_F(ready, epoll_reports_epollin_only_when_message_queued)
{
	struct epoll_event ev;

	self->ep = epoll_on(self->fd, EPOLLIN);
	ASSERT_LE(0, self->ep);
	EXPECT_EQ(0, epoll_wait(self->ep, &ev, 1, 0));
	ASSERT_EQ(0, do_op(self->fd, OP_SEND, 1));
	ASSERT_EQ(1, epoll_wait(self->ep, &ev, 1, 0));
	EXPECT_EQ(EPOLLIN, ev.events);
	ASSERT_EQ(0, do_op(self->fd, OP_READ, 1));
	EXPECT_EQ(0, epoll_wait(self->ep, &ev, 1, 0));
}

TEST_F(ready, epoll_reports_epollout_only_when_room)
{
	struct epoll_event ev;

	self->ep = epoll_on(self->fd, EPOLLOUT);
	ASSERT_LE(0, self->ep);
	ASSERT_EQ(1, epoll_wait(self->ep, &ev, 1, 0));
	EXPECT_EQ(EPOLLOUT, ev.events);
	ASSERT_EQ(0, fill(self->fd));
	EXPECT_EQ(0, epoll_wait(self->ep, &ev, 1, 0));
	ASSERT_EQ(0, do_op(self->fd, OP_READ, 1));
	ASSERT_EQ(1, epoll_wait(self->ep, &ev, 1, 0));
	EXPECT_EQ(EPOLLOUT, ev.events);
}

TEST_F(ready, epollet_reports_each_send_with_read_between)
{
	struct epoll_event ev;
	unsigned int tag;

	self->ep = epoll_on(self->fd, EPOLLIN | EPOLLET);
	ASSERT_LE(0, self->ep);
	for (tag = 1; tag <= 5; tag++) {
		ASSERT_EQ(0, do_op(self->fd, OP_SEND, tag));
		ASSERT_EQ(1, epoll_wait(self->ep, &ev, 1, 0));
		EXPECT_EQ(EPOLLIN, ev.events);
		ASSERT_EQ(0, do_op(self->fd, OP_READ, tag));
	}
}

/* Five times: wait for a byte on pipe fd arg, then send message i. */
static int kid_paced_writer(int fd, long pipe_rd)
{
	unsigned int tag;
	long err;
	char c;

	for (tag = 1; tag <= 5; tag++) {
		if (read(pipe_rd, &c, 1) != 1)
			return EPIPE;
		usleep(50000);
		err = do_op(fd, OP_WRITE, tag);
		if (err)
			return (int)-err;
	}
	return 0;
}

TEST_F(ready, epollet_wakes_waiter_for_each_send_from_other_process)
{
	struct epoll_event ev;
	unsigned int tag;
	int pfd[2];
	pid_t pid;

	self->ep = epoll_on(self->fd, EPOLLIN | EPOLLET);
	ASSERT_LE(0, self->ep);
	ASSERT_EQ(0, pipe(pfd));
	pid = spawn(&self->kids, kid_paced_writer, self->fd, pfd[0]);
	ASSERT_LT(0, pid);
	for (tag = 1; tag <= 5; tag++) {
		/* The child sends 50 ms after this, while we sleep in epoll_wait. */
		ASSERT_EQ(1, write(pfd[1], "x", 1));
		ASSERT_EQ(1, epoll_wait(self->ep, &ev, 1, 5000));
		EXPECT_EQ(EPOLLIN, ev.events);
		ASSERT_EQ(0, do_op(self->fd, OP_READ, tag));
	}
	EXPECT_EQ(0, mbox_kid_reap(&self->kids, pid, 5000));
	close(pfd[0]);
	close(pfd[1]);
}

TEST_F(ready, epollet_second_send_without_read_gets_new_event)
{
	struct epoll_event ev;

	self->ep = epoll_on(self->fd, EPOLLIN | EPOLLET);
	ASSERT_LE(0, self->ep);
	ASSERT_EQ(0, do_op(self->fd, OP_SEND, 1));
	ASSERT_EQ(1, epoll_wait(self->ep, &ev, 1, 0));
	/* Edge-triggered: nothing new, no event. */
	ASSERT_EQ(0, epoll_wait(self->ep, &ev, 1, 0));
	ASSERT_EQ(0, do_op(self->fd, OP_SEND, 2));
	ASSERT_EQ(1, epoll_wait(self->ep, &ev, 1, 0));
	EXPECT_EQ(EPOLLIN, ev.events);
	EXPECT_EQ(2, mbox_cur_msgs(self->fd));
}

TEST_HARNESS_MAIN
