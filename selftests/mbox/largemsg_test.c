// SPDX-License-Identifier: GPL-2.0
/*
 * Large messages (8 KiB and up), which go straight from a sender's buffer
 * into a receiver that is already waiting: intact, counted once, truncated
 * as asked, selected as asked; a faulting sender leaves the receiver waiting;
 * a destroy ends the wait; and many of them across threads, none lost or
 * doubled. The same calls with nobody waiting take the queued path. A
 * receiver pins its buffer only while large messages are sent, and only as
 * much of it as one twice the latest would fill.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mbox_test.h"

#define BIG		(1 << 20)	/* max_msg_size of the test mailbox */
#define DIRECT_MIN	(8 << 10)	/* smallest message sent straight across */
#define BOTH		(MBOX_ACCESS_SEND | MBOX_ACCESS_RECV)

/* Message tag of len bytes; every tag and length gives other bytes. */
static void fill(unsigned char *buf, size_t len, unsigned int tag)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(tag * 131 + i * 7 + (i >> 12));
}

static bool is(const unsigned char *buf, size_t len, unsigned int tag)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != (unsigned char)(tag * 131 + i * 7 + (i >> 12)))
			return false;
	return true;
}

/* A receive in another thread: what it got. */
struct rx {
	int fd;
	unsigned char *buf;
	size_t buf_len;
	__u32 flags;
	__s64 type;
	struct mbox_recv r;
	long err;
	pthread_t th;
};

static void *rx_run(void *arg)
{
	struct rx *rx = arg;

	memset(&rx->r, 0, sizeof(rx->r));
	rx->r.buf_ptr = (uintptr_t)rx->buf;
	rx->r.buf_len = rx->buf_len;
	rx->r.flags = rx->flags | MBOX_RECV_DEADLINE;
	rx->r.deadline_ns = mbox_deadline_ms(20000);
	rx->r.type = rx->type;
	rx->err = mbox_ioctl(rx->fd, MBOX_IOC_RECV, &rx->r);
	return NULL;
}

/* Start a receiver and wait until it is blocked (n receivers in all). */
static int rx_start(struct rx *rx, __u32 waiting)
{
	if (pthread_create(&rx->th, NULL, rx_run, rx))
		return -1;
	return mbox_wait_waiters(rx->fd, 0, waiting, 5000, NULL) ? -1 : 0;
}

FIXTURE(large) {
	int fd;
	unsigned char *out;
	struct rx rx;
};

FIXTURE_SETUP(large)
{
	struct mbox_open o = { .max_msgs = 8, .max_msg_size = BIG, .max_bytes = 8 * BIG };

	mbox_skip_if_absent();
	self->fd = mbox_bind(NULL, MBOX_OPEN_CREATE, BOTH, &o);
	ASSERT_LE(0, self->fd);
	self->out = malloc(BIG);
	ASSERT_NE(NULL, self->out);
	memset(&self->rx, 0, sizeof(self->rx));
	self->rx.fd = self->fd;
	self->rx.buf_len = BIG;
	self->rx.buf = malloc(BIG);
	ASSERT_NE(NULL, self->rx.buf);
	/* A large message first: from now on receivers pin their buffers. */
	ASSERT_EQ(0, mbox_send(self->fd, self->out, BIG, 0, 0, 0));
	ASSERT_EQ(0, mbox_recv(self->fd, self->rx.buf, BIG, MBOX_RECV_NONBLOCK, 0, NULL));
}

FIXTURE_TEARDOWN(large)
{
	close(self->fd);
	free(self->out);
	free(self->rx.buf);
}

static long send_tag(int fd, unsigned char *buf, size_t len, unsigned int tag,
		     __u32 flags, __s64 type)
{
	struct mbox_send s = {
		.buf_ptr = (uintptr_t)buf, .len = len, .flags = flags, .type = type,
	};

	fill(buf, len, tag);
	return mbox_ioctl(fd, MBOX_IOC_SEND, &s);
}

TEST_F(large, to_a_waiting_receiver_intact)
{
	struct mbox_stat st;

	ASSERT_EQ(0, rx_start(&self->rx, 1));
	ASSERT_EQ(0, send_tag(self->fd, self->out, BIG, 1, 0, 0));
	ASSERT_EQ(0, pthread_join(self->rx.th, NULL));
	ASSERT_EQ(0, self->rx.err);
	EXPECT_EQ(BIG, self->rx.r.len);
	EXPECT_EQ(2, self->rx.r.seq);
	EXPECT_EQ(getpid(), self->rx.r.pid);
	EXPECT_TRUE(is(self->rx.buf, BIG, 1));
	ASSERT_EQ(0, mbox_stat(self->fd, &st));
	EXPECT_EQ(2, st.total_sent);
	EXPECT_EQ(2, st.total_received);
	EXPECT_EQ(0, st.cur_msgs);
	EXPECT_EQ(0, st.cur_bytes);
}

/* Every size around the threshold and the page size, both paths. */
TEST_F(large, sizes_both_paths)
{
	static const size_t sizes[] = {
		DIRECT_MIN - 1, DIRECT_MIN, DIRECT_MIN + 1, DIRECT_MIN + 4095,
		3 * DIRECT_MIN + 17, BIG - 1, BIG,
	};
	unsigned int i, waiting;

	for (i = 0; i < 2 * ARRAY_SIZE(sizes); i++) {
		size_t len = sizes[i / 2];

		waiting = i % 2;
		memset(self->rx.buf, 0, BIG);
		if (waiting)
			ASSERT_EQ(0, rx_start(&self->rx, 1));
		ASSERT_EQ(0, send_tag(self->fd, self->out, len, i, 0, 0));
		if (!waiting)
			ASSERT_EQ(0, rx_start(&self->rx, 0));
		ASSERT_EQ(0, pthread_join(self->rx.th, NULL));
		ASSERT_EQ(0, self->rx.err);
		EXPECT_EQ(len, self->rx.r.len);
		EXPECT_TRUE(is(self->rx.buf, len, i)) {
			TH_LOG("%zu bytes, receiver %s", len, waiting ? "waiting" : "late");
		}
	}
}

/* An unaligned receive buffer: the copy crosses its pages as they lie. */
TEST_F(large, unaligned_buffer)
{
	unsigned char *base = self->rx.buf;

	self->rx.buf = base + 123;
	self->rx.buf_len = BIG - 123;
	ASSERT_EQ(0, rx_start(&self->rx, 1));
	ASSERT_EQ(0, send_tag(self->fd, self->out + 5, DIRECT_MIN * 2 + 1, 2, 0, 0));
	ASSERT_EQ(0, pthread_join(self->rx.th, NULL));
	self->rx.buf = base;
	ASSERT_EQ(0, self->rx.err);
	EXPECT_TRUE(is(base + 123, DIRECT_MIN * 2 + 1, 2));
}

TEST_F(large, truncated_as_asked)
{
	self->rx.buf_len = DIRECT_MIN + 100;
	self->rx.flags = MBOX_RECV_TRUNC;
	ASSERT_EQ(0, rx_start(&self->rx, 1));
	ASSERT_EQ(0, send_tag(self->fd, self->out, BIG, 3, 0, 0));
	ASSERT_EQ(0, pthread_join(self->rx.th, NULL));
	ASSERT_EQ(0, self->rx.err);
	EXPECT_EQ(BIG, self->rx.r.len);
	EXPECT_TRUE(is(self->rx.buf, DIRECT_MIN + 100, 3));
	EXPECT_EQ(0, mbox_cur_msgs(self->fd));
}

/* A receiver whose buffer is too small is not handed it: it stays queued. */
TEST_F(large, too_small_a_buffer_leaves_it_queued)
{
	self->rx.buf_len = DIRECT_MIN;
	self->rx.flags = MBOX_RECV_NONBLOCK;
	ASSERT_EQ(0, send_tag(self->fd, self->out, DIRECT_MIN + 1, 4, 0, 0));
	rx_run(&self->rx);
	EXPECT_EQ(-EMSGSIZE, self->rx.err);
	EXPECT_EQ(DIRECT_MIN + 1, self->rx.r.len);
	EXPECT_EQ(1, mbox_cur_msgs(self->fd));
}

/* Selection holds: a message the waiter does not select is queued. */
TEST_F(large, selection_respected)
{
	self->rx.flags = MBOX_RECV_TYPE;
	self->rx.type = 7;
	ASSERT_EQ(0, rx_start(&self->rx, 1));
	ASSERT_EQ(0, send_tag(self->fd, self->out, BIG, 5, 0, 6));
	EXPECT_EQ(1, mbox_cur_msgs(self->fd));
	ASSERT_EQ(0, send_tag(self->fd, self->out, BIG, 6, 0, 7));
	ASSERT_EQ(0, pthread_join(self->rx.th, NULL));
	ASSERT_EQ(0, self->rx.err);
	EXPECT_EQ(7, self->rx.r.type);
	EXPECT_TRUE(is(self->rx.buf, BIG, 6));
	EXPECT_EQ(1, mbox_cur_msgs(self->fd));
}

/* A synchronous send returns once the receiver has the message. */
TEST_F(large, synchronous)
{
	ASSERT_EQ(0, rx_start(&self->rx, 1));
	ASSERT_EQ(0, send_tag(self->fd, self->out, BIG, 8, MBOX_SEND_SYNC, 0));
	ASSERT_EQ(0, pthread_join(self->rx.th, NULL));
	ASSERT_EQ(0, self->rx.err);
	EXPECT_TRUE(is(self->rx.buf, BIG, 8));
}

/*
 * A sender whose buffer runs into unmapped memory fails with EFAULT, and the
 * waiting receiver never sees a byte of it: it takes the next message.
 */
TEST_F(large, faulting_sender_leaves_receiver_waiting)
{
	size_t page = getpagesize();
	unsigned char *map = mmap(NULL, BIG + page, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct mbox_send s = { .len = BIG };

	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, munmap(map + BIG / 2, page));
	s.buf_ptr = (uintptr_t)map;
	ASSERT_EQ(0, rx_start(&self->rx, 1));
	EXPECT_EQ(-EFAULT, mbox_ioctl(self->fd, MBOX_IOC_SEND, &s));
	EXPECT_EQ(0, mbox_wait_waiters(self->fd, 0, 1, 5000, NULL));
	ASSERT_EQ(0, send_tag(self->fd, self->out, DIRECT_MIN, 9, 0, 0));
	ASSERT_EQ(0, pthread_join(self->rx.th, NULL));
	ASSERT_EQ(0, self->rx.err);
	EXPECT_EQ(DIRECT_MIN, self->rx.r.len);
	EXPECT_TRUE(is(self->rx.buf, DIRECT_MIN, 9));
	munmap(map, BIG / 2);
	munmap(map + BIG / 2 + page, BIG / 2);
}

/* A receiver blocked with its buffer pinned ends with EIDRM on destroy. */
TEST_F(large, destroy_ends_a_pinned_wait)
{
	ASSERT_EQ(0, rx_start(&self->rx, 1));
	ASSERT_EQ(0, mbox_ioctl(self->fd, MBOX_IOC_DESTROY, NULL));
	ASSERT_EQ(0, pthread_join(self->rx.th, NULL));
	EXPECT_EQ(-EIDRM, self->rx.err);
}

/* An untouched buffer: none of its pages is in memory yet. */
static unsigned char *fresh(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

/* How many pages of a buffer are in memory, as pinning them puts them. */
static long resident(void *buf, size_t len)
{
	size_t page = getpagesize(), n = (len + page - 1) / page, i;
	unsigned char *vec = calloc(n, 1);
	long count = 0;

	if (!vec || mincore(buf, len, vec))
		count = -1;
	for (i = 0; count >= 0 && i < n; i++)
		count += vec[i] & 1;
	free(vec);
	return count;
}

/*
 * Send a message of @len, receive it, then block a receiver with an untouched
 * buffer of BIG: how many of its pages it pinned. The message of @len that
 * follows reaches it intact.
 */
static long pinned_after(struct __test_metadata *_metadata, int fd,
			 unsigned char *out, size_t len)
{
	struct rx rx = { .fd = fd, .buf_len = BIG, .buf = fresh(BIG) };
	long pages;

	if (!rx.buf)
		return -1;
	if (send_tag(fd, out, len, 20, 0, 0) ||
	    mbox_recv(fd, out, BIG, MBOX_RECV_NONBLOCK, 0, NULL) ||
	    pthread_create(&rx.th, NULL, rx_run, &rx)) {
		munmap(rx.buf, BIG);
		return -1;
	}
	/* Blocked or not, the receiver ends with the message that follows. */
	pages = mbox_wait_waiters(fd, 0, 1, 5000, NULL) ? -1 : resident(rx.buf, BIG);
	EXPECT_EQ(0, send_tag(fd, out, len, 21, 0, 0));
	EXPECT_EQ(0, pthread_join(rx.th, NULL));
	EXPECT_EQ(0, rx.err);
	EXPECT_TRUE(is(rx.buf, len, 21));
	munmap(rx.buf, BIG);
	return pages;
}

/* After a small message, a receiver pins nothing, however large its buffer. */
TEST_F(large, small_messages_pin_nothing)
{
	EXPECT_EQ(0, pinned_after(_metadata, self->fd, self->out, 64));
	EXPECT_EQ(0, pinned_after(_metadata, self->fd, self->out, DIRECT_MIN - 1));
}

/* After a large one, it pins what a message twice as large would fill. */
TEST_F(large, large_messages_pin_twice_their_size)
{
	size_t page = getpagesize();

	EXPECT_EQ(2 * DIRECT_MIN / page, pinned_after(_metadata, self->fd, self->out, DIRECT_MIN));
	EXPECT_EQ(BIG / page, pinned_after(_metadata, self->fd, self->out, BIG / 2 + 1));
}

#define MANY		100
#define THREADS		2

/* Message tag's length: 8 KiB to 32 KiB, on either path. */
static size_t many_len(unsigned int tag)
{
	return DIRECT_MIN + (tag * 7919) % (3 * DIRECT_MIN);
}

struct many {
	int fd;
	unsigned int id;
	unsigned int *seen;	/* per message: times received */
	unsigned int bad;
};

static void *many_send(void *arg)
{
	struct many *m = arg;
	unsigned char *buf = malloc(BIG);
	unsigned int i, tag;

	for (i = 0; buf && i < MANY; i++) {
		tag = m->id * MANY + i;
		/* Sizes from the threshold up; the tag is in the first bytes. */
		if (send_tag(m->fd, buf, many_len(tag), tag, 0, 0))
			m->bad++;
	}
	free(buf);
	return NULL;
}

static void *many_recv(void *arg)
{
	struct many *m = arg;
	unsigned char *buf = malloc(BIG);
	struct mbox_recv r;
	unsigned int i, tag;

	for (i = 0; buf && i < MANY; i++) {
		if (mbox_recv(m->fd, buf, BIG, MBOX_RECV_DEADLINE, mbox_deadline_ms(30000), &r)) {
			m->bad++;
			break;
		}
		for (tag = 0; tag < THREADS * MANY; tag++)
			if (r.len == many_len(tag) &&
			    is(buf, r.len, tag))
				break;
		if (tag == THREADS * MANY)
			m->bad++;
		else
			__atomic_fetch_add(&m->seen[tag], 1, __ATOMIC_RELAXED);
	}
	free(buf);
	return NULL;
}

/* Senders and receivers at once: every message received exactly once, intact. */
TEST_F_TIMEOUT(large, many_none_lost_or_doubled, 180)
{
	struct many snd[THREADS], rcv[THREADS];
	unsigned int seen[THREADS * MANY] = { 0 };
	unsigned int i, bad = 0, wrong = 0, first = 0;
	pthread_t th[2 * THREADS];

	for (i = 0; i < THREADS; i++) {
		snd[i] = (struct many){ .fd = self->fd, .id = i, .seen = seen };
		rcv[i] = snd[i];
		ASSERT_EQ(0, pthread_create(&th[i], NULL, many_recv, &rcv[i]));
	}
	for (i = 0; i < THREADS; i++)
		ASSERT_EQ(0, pthread_create(&th[THREADS + i], NULL, many_send, &snd[i]));
	for (i = 0; i < 2 * THREADS; i++)
		ASSERT_EQ(0, pthread_join(th[i], NULL));
	for (i = 0; i < THREADS; i++)
		bad += snd[i].bad + rcv[i].bad;
	EXPECT_EQ(0, bad);
	for (i = 0; i < THREADS * MANY; i++) {
		if (seen[i] != 1 && !wrong++)
			first = i;
	}
	EXPECT_EQ(0, wrong) {
		TH_LOG("%u messages not received exactly once, the first %u (%u times)",
		       wrong, first, seen[first]);
	}
}

TEST_HARNESS_MAIN
