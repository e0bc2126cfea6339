// SPDX-License-Identifier: GPL-2.0
/*
 * MBOX_IOC_SEND_BATCH and MBOX_IOC_RECV_BATCH: many messages per call, in
 * order, nothing lost or doubled; only the first entry waits; a later failure
 * ends the batch without an error; every argument error.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "mbox_test.h"

#define CAP		64	/* max_msgs of the test mailbox */
#define MSG_SIZE	256	/* its max_msg_size */
#define BOTH		(MBOX_ACCESS_SEND | MBOX_ACCESS_RECV)

/* Message i of a test: its length and bytes both depend on i. */
static size_t msg_len(unsigned int i)
{
	return (i * 7) % MSG_SIZE;
}

static void msg_fill(char *buf, unsigned int i)
{
	size_t k;

	for (k = 0; k < msg_len(i); k++)
		buf[k] = (char)(i * 31 + k + 1);
}

static bool msg_ok(const char *buf, size_t len, unsigned int i)
{
	char want[MSG_SIZE];

	if (len != msg_len(i))
		return false;
	msg_fill(want, i);
	return !memcmp(buf, want, len);
}

FIXTURE(batch) {
	int fd;
	char out[CAP][MSG_SIZE];
	char in[CAP][MSG_SIZE];
	struct mbox_send s[CAP];
	struct mbox_recv r[CAP];
};

FIXTURE_SETUP(batch)
{
	struct mbox_open o = { .max_msgs = CAP, .max_msg_size = MSG_SIZE };
	unsigned int i;

	mbox_skip_if_absent();
	self->fd = mbox_bind(NULL, MBOX_OPEN_CREATE, BOTH, &o);
	ASSERT_LE(0, self->fd);
	for (i = 0; i < CAP; i++) {
		msg_fill(self->out[i], i);
		self->s[i] = (struct mbox_send){
			.buf_ptr = (uintptr_t)self->out[i],
			.len = msg_len(i),
			.flags = MBOX_SEND_NONBLOCK,
		};
		self->r[i] = (struct mbox_recv){
			.buf_ptr = (uintptr_t)self->in[i],
			.buf_len = MSG_SIZE,
			.flags = MBOX_RECV_NONBLOCK,
		};
	}
}

FIXTURE_TEARDOWN(batch)
{
	if (self->fd >= 0)
		close(self->fd);
}

static long batch(int fd, unsigned long cmd, void *vec, __u32 count, __u32 entry_size)
{
	struct mbox_batch b = {
		.vec_ptr = (uintptr_t)vec,
		.count = count,
		.entry_size = entry_size,
	};
	int n = ioctl(fd, cmd, &b);

	return n < 0 ? -errno : n;
}

static long send_batch(FIXTURE_DATA(batch) *self, unsigned int first, __u32 count)
{
	return batch(self->fd, MBOX_IOC_SEND_BATCH, &self->s[first], count,
		     sizeof(self->s[0]));
}

static long recv_batch(FIXTURE_DATA(batch) *self, __u32 count)
{
	return batch(self->fd, MBOX_IOC_RECV_BATCH, self->r, count, sizeof(self->r[0]));
}

/*
 * All of them, in one call each way, in order and intact; the sender's quota
 * charged for each, and given back for each.
 */
TEST_F(batch, round_trip)
{
	struct mbox_usage before = { 0 }, sent = { 0 }, after = { 0 };
	unsigned int i;

	ASSERT_EQ(0, mbox_ioctl(self->fd, MBOX_IOC_USAGE, &before));
	ASSERT_EQ(CAP, send_batch(self, 0, CAP));
	ASSERT_EQ(CAP, mbox_cur_msgs(self->fd));
	ASSERT_EQ(0, mbox_ioctl(self->fd, MBOX_IOC_USAGE, &sent));
	EXPECT_EQ(before.msgs + CAP, sent.msgs);
	ASSERT_EQ(CAP, recv_batch(self, CAP));
	for (i = 0; i < CAP; i++) {
		EXPECT_TRUE(msg_ok(self->in[i], self->r[i].len, i));
		EXPECT_EQ(i + 1, self->r[i].seq);
		EXPECT_EQ(getpid(), self->r[i].pid);
	}
	EXPECT_EQ(0, mbox_cur_msgs(self->fd));
	ASSERT_EQ(0, mbox_ioctl(self->fd, MBOX_IOC_USAGE, &after));
	EXPECT_EQ(before.msgs, after.msgs);
	EXPECT_EQ(before.bytes, after.bytes);
}

/* A receive batch takes what is there, and then stops rather than wait. */
TEST_F(batch, recv_takes_what_is_queued)
{
	unsigned int i;

	ASSERT_EQ(3, send_batch(self, 0, 3));
	for (i = 0; i < CAP; i++)
		self->r[i].flags = 0;	/* only the first may wait, whatever they say */
	ASSERT_EQ(3, recv_batch(self, 10));
	for (i = 0; i < 3; i++)
		EXPECT_TRUE(msg_ok(self->in[i], self->r[i].len, i));
	EXPECT_EQ(0, self->r[3].len);
}

/* A send batch stops at a full mailbox: the rest were not sent. */
TEST_F(batch, send_stops_when_full)
{
	struct mbox_setattr a = { .mask = MBOX_ATTR_MAX_MSGS, .max_msgs = 4 };
	unsigned int i;

	ASSERT_EQ(0, mbox_ioctl(self->fd, MBOX_IOC_SETATTR, &a));
	for (i = 0; i < CAP; i++)
		self->s[i].flags = 0;
	ASSERT_EQ(4, send_batch(self, 0, 10));
	ASSERT_EQ(4, mbox_cur_msgs(self->fd));
	ASSERT_EQ(4, recv_batch(self, CAP));
	for (i = 0; i < 4; i++)
		EXPECT_TRUE(msg_ok(self->in[i], self->r[i].len, i));
}

/* The first entry's failure is the call's; a later one only ends the batch. */
TEST_F(batch, first_failure_is_the_error)
{
	EXPECT_EQ(-EAGAIN, recv_batch(self, 4));
	self->s[0].prio = MBOX_PRIO_MAX;
	EXPECT_EQ(-EINVAL, send_batch(self, 0, 4));
	EXPECT_EQ(0, mbox_cur_msgs(self->fd));

	self->s[0].prio = 0;
	self->s[2].len = MSG_SIZE + 1;
	EXPECT_EQ(2, send_batch(self, 0, 4));
	EXPECT_EQ(2, mbox_cur_msgs(self->fd));
	EXPECT_EQ(-EMSGSIZE, send_batch(self, 2, 2));

	self->r[1].buf_len = 0;
	EXPECT_EQ(1, recv_batch(self, 2));
	EXPECT_EQ(-EMSGSIZE, batch(self->fd, MBOX_IOC_RECV_BATCH, &self->r[1], 1,
				   sizeof(self->r[0])));
	EXPECT_EQ(msg_len(1), self->r[1].len);
}

/* Entries of an older header, and of a newer one with a zero tail. */
TEST_F(batch, entry_sizes)
{
	struct { struct mbox_send s; __u64 tail; } big[2] = { 0 };
	char v0[3][MBOX_RECV_SIZE_VER0];
	struct mbox_recv r;
	unsigned int i;

	ASSERT_EQ(1, batch(self->fd, MBOX_IOC_SEND_BATCH, self->s, 1,
			   MBOX_SEND_SIZE_VER0));
	for (i = 0; i < 2; i++)
		big[i].s = self->s[i + 1];
	big[0].tail = 1;
	EXPECT_EQ(-E2BIG, batch(self->fd, MBOX_IOC_SEND_BATCH, big, 2, sizeof(big[0])));
	big[0].tail = 0;
	ASSERT_EQ(2, batch(self->fd, MBOX_IOC_SEND_BATCH, big, 2, sizeof(big[0])));
	ASSERT_EQ(3, mbox_cur_msgs(self->fd));

	for (i = 0; i < 3; i++)
		memcpy(v0[i], &self->r[i], sizeof(v0[i]));
	ASSERT_EQ(3, batch(self->fd, MBOX_IOC_RECV_BATCH, v0, 3, sizeof(v0[0])));
	for (i = 0; i < 3; i++) {
		memset(&r, 0, sizeof(r));
		memcpy(&r, v0[i], sizeof(v0[i]));
		EXPECT_TRUE(msg_ok(self->in[i], r.len, i));
		EXPECT_EQ(i + 1, r.seq);
	}
}

TEST_F(batch, einval)
{
	struct mbox_batch b = {
		.vec_ptr = (uintptr_t)self->s,
		.count = 1,
		.entry_size = sizeof(self->s[0]),
	};

	b.count = 0;
	EXPECT_EQ(-EINVAL, mbox_ioctl(self->fd, MBOX_IOC_SEND_BATCH, &b));
	b.count = MBOX_BATCH_MAX + 1;
	EXPECT_EQ(-EINVAL, mbox_ioctl(self->fd, MBOX_IOC_SEND_BATCH, &b));
	b.count = 1;
	b.flags = 1;
	EXPECT_EQ(-EINVAL, mbox_ioctl(self->fd, MBOX_IOC_SEND_BATCH, &b));
	b.flags = 0;
	b.pad = 1;
	EXPECT_EQ(-EINVAL, mbox_ioctl(self->fd, MBOX_IOC_SEND_BATCH, &b));
	b.pad = 0;
	b.entry_size = MBOX_SEND_SIZE_VER0 - 8;
	EXPECT_EQ(-EINVAL, mbox_ioctl(self->fd, MBOX_IOC_SEND_BATCH, &b));
	b.entry_size = MBOX_RECV_SIZE_VER0 - 8;
	EXPECT_EQ(-EINVAL, mbox_ioctl(self->fd, MBOX_IOC_RECV_BATCH, &b));
	b.entry_size = getpagesize() + 8;
	EXPECT_EQ(-EINVAL, mbox_ioctl(self->fd, MBOX_IOC_SEND_BATCH, &b));
	EXPECT_EQ(0, mbox_cur_msgs(self->fd));
}

TEST_F(batch, efault)
{
	size_t page = getpagesize();
	char *map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct mbox_batch b = { .count = 1, .entry_size = sizeof(self->s[0]) };
	struct mbox_send *last;

	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, mprotect(map + page, page, PROT_NONE));
	b.vec_ptr = (uintptr_t)(map + page);
	EXPECT_EQ(-EFAULT, mbox_ioctl(self->fd, MBOX_IOC_SEND_BATCH, &b));
	b.entry_size = sizeof(self->r[0]);
	EXPECT_EQ(-EFAULT, mbox_ioctl(self->fd, MBOX_IOC_RECV_BATCH, &b));
	EXPECT_EQ(-EFAULT, mbox_ioctl(self->fd, MBOX_IOC_SEND_BATCH, map + page));
	EXPECT_EQ(0, mbox_cur_msgs(self->fd));

	/* An unreadable second entry only ends the batch after the first. */
	last = (struct mbox_send *)(map + page) - 1;
	*last = self->s[0];
	EXPECT_EQ(1, batch(self->fd, MBOX_IOC_SEND_BATCH, last, 2, sizeof(*last)));
	EXPECT_EQ(1, mbox_cur_msgs(self->fd));
	munmap(map, 2 * page);
}

/*
 * Entries that cannot be answered take nothing: a read-only first entry fails
 * the batch, a read-only second one ends it after the first.
 */
TEST_F(batch, unwritable_entry_takes_nothing)
{
	size_t page = getpagesize();
	char *map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct mbox_recv *ro;

	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(2, batch(self->fd, MBOX_IOC_SEND_BATCH, self->s, 2, sizeof(self->s[0])));
	ro = (struct mbox_recv *)(map + page) - 1;
	memcpy(ro, self->r, 3 * sizeof(*ro));
	ASSERT_EQ(0, mprotect(map + page, page, PROT_READ));

	EXPECT_EQ(-EFAULT, batch(self->fd, MBOX_IOC_RECV_BATCH, ro + 1, 2, sizeof(*ro)));
	EXPECT_EQ(2, mbox_cur_msgs(self->fd));
	EXPECT_EQ(1, batch(self->fd, MBOX_IOC_RECV_BATCH, ro, 2, sizeof(*ro)));
	EXPECT_TRUE(msg_ok(self->in[0], ro->len, 0));
	EXPECT_EQ(1, mbox_cur_msgs(self->fd));
	EXPECT_EQ(1, batch(self->fd, MBOX_IOC_RECV_BATCH, self->r + 1, 2, sizeof(self->r[0])));
	EXPECT_TRUE(msg_ok(self->in[1], self->r[1].len, 1));
	munmap(map, 2 * page);
}

/* An unbound handle, and one without the access the batch needs. */
TEST_F(batch, handle_errors)
{
	int fd = open(MBOX_DEV, O_RDWR | O_CLOEXEC);
	char name[64];
	int wo;

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBADFD, batch(fd, MBOX_IOC_SEND_BATCH, self->s, 1, sizeof(self->s[0])));
	close(fd);
	mbox_test_name(name, sizeof(name), "batch");
	wo = mbox_bind(name, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, MBOX_ACCESS_SEND, NULL);
	ASSERT_LE(0, wo);
	EXPECT_EQ(-EBADF, batch(wo, MBOX_IOC_RECV_BATCH, self->r, 1, sizeof(self->r[0])));
	EXPECT_EQ(0, mbox_unlink(wo, name));
	close(wo);
}

struct sender {
	int fd;
	struct mbox_send s;
};

static void *send_later(void *arg)
{
	struct sender *snd = arg;

	usleep(100 * 1000);
	return (void *)(intptr_t)mbox_ioctl(snd->fd, MBOX_IOC_SEND, &snd->s);
}

/* The first entry waits, as its flags allow, and the call returns with it. */
TEST_F(batch, first_entry_waits)
{
	struct sender snd = { .fd = self->fd, .s = self->s[5] };
	pthread_t t;
	void *ret;

	snd.s.flags = 0;
	self->r[0].flags = 0;
	ASSERT_EQ(0, pthread_create(&t, NULL, send_later, &snd));
	EXPECT_EQ(1, recv_batch(self, CAP));
	ASSERT_EQ(0, pthread_join(t, &ret));
	EXPECT_EQ(0, (long)(intptr_t)ret);
	EXPECT_TRUE(msg_ok(self->in[0], self->r[0].len, 5));
}

/*
 * A receive whose buffer cannot be written ends the batch, and what the
 * batch took after it goes back in order: nothing is lost or reordered.
 */
TEST_F(batch, bad_buffer_puts_back_in_order)
{
	size_t page = getpagesize();
	char *hole = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned int i;

	ASSERT_NE(MAP_FAILED, hole);
	ASSERT_EQ(12, send_batch(self, 0, 12));
	self->r[5].buf_ptr = (uintptr_t)hole;
	ASSERT_EQ(5, recv_batch(self, 12));
	EXPECT_EQ(7, mbox_cur_msgs(self->fd));
	self->r[5].buf_ptr = (uintptr_t)self->in[5];
	ASSERT_EQ(7, batch(self->fd, MBOX_IOC_RECV_BATCH, &self->r[5], 12,
			   sizeof(self->r[0])));
	for (i = 0; i < 12; i++) {
		EXPECT_TRUE(msg_ok(self->in[i], self->r[i].len, i));
		EXPECT_EQ(i + 1, self->r[i].seq);
	}
	EXPECT_EQ(0, mbox_cur_msgs(self->fd));
	munmap(hole, page);
}

/*
 * Each entry of a receive batch selects for itself, and a peek sees what the
 * next entry then takes.
 */
TEST_F(batch, entries_select_each)
{
	__s64 types[5] = { 1, 2, 1, 2, 3 };
	unsigned int i;

	for (i = 0; i < 5; i++)
		self->s[i].type = types[i];
	ASSERT_EQ(5, send_batch(self, 0, 5));
	self->r[1].flags |= MBOX_RECV_TYPE;
	self->r[1].type = 2;
	self->r[2].flags |= MBOX_RECV_TYPE;
	self->r[2].type = 2;
	self->r[3].flags |= MBOX_RECV_PEEK;
	ASSERT_EQ(5, recv_batch(self, 5));
	EXPECT_EQ(1, self->r[0].seq);
	EXPECT_EQ(2, self->r[1].seq);
	EXPECT_EQ(4, self->r[2].seq);
	EXPECT_EQ(3, self->r[3].seq);	/* peeked at */
	EXPECT_EQ(3, self->r[4].seq);
	EXPECT_TRUE(msg_ok(self->in[3], self->r[3].len, 2));
	EXPECT_TRUE(msg_ok(self->in[4], self->r[4].len, 2));
	EXPECT_EQ(1, mbox_cur_msgs(self->fd));
}

/*
 * A synchronous entry after the first goes alone, and without a receiver
 * there it ends the batch: what came before it is sent, nothing after.
 */
TEST_F(batch, sync_entry_ends_batch)
{
	self->s[3].flags |= MBOX_SEND_SYNC;
	EXPECT_EQ(3, send_batch(self, 0, 8));
	EXPECT_EQ(3, mbox_cur_msgs(self->fd));
	self->s[3].flags &= ~MBOX_SEND_SYNC;
	EXPECT_EQ(5, send_batch(self, 3, 5));
	ASSERT_EQ(8, recv_batch(self, CAP));
	EXPECT_TRUE(msg_ok(self->in[7], self->r[7].len, 7));
}

#define PEERS		2	/* senders, and receivers */
#define PER_PEER	3000	/* messages each sender sends */
#define PEER_BATCH	24

struct peer {
	int fd;
	unsigned int id;
	unsigned int *total;	/* received by all receivers */
	unsigned char *seen;	/* per message of all senders: times received */
	bool in_order;
};

/* Messages of sender @id count up: its id, then its count, as the payload. */
static void *peer_send(void *arg)
{
	struct peer *p = arg;
	__u32 buf[PEER_BATCH][2];
	struct mbox_send s[PEER_BATCH];
	unsigned int next = 0, i;
	long n;

	while (next < PER_PEER) {
		for (i = 0; i < PEER_BATCH; i++) {
			buf[i][0] = p->id;
			buf[i][1] = next + i;
			s[i] = (struct mbox_send){ .buf_ptr = (uintptr_t)buf[i],
						   .len = sizeof(buf[i]) };
		}
		n = batch(p->fd, MBOX_IOC_SEND_BATCH, s,
			  PER_PEER - next < PEER_BATCH ? PER_PEER - next : PEER_BATCH,
			  sizeof(s[0]));
		if (n <= 0)
			return NULL;
		next += n;
	}
	return p;
}

/* Until all were received, by whom; each sender's messages in order. */
static void *peer_recv(void *arg)
{
	struct peer *p = arg;
	__u32 buf[PEER_BATCH][2], last[PEERS] = { 0 };
	struct mbox_recv r[PEER_BATCH];
	unsigned int i;
	long n;

	p->in_order = true;
	while (__atomic_load_n(p->total, __ATOMIC_RELAXED) < PEERS * PER_PEER) {
		for (i = 0; i < PEER_BATCH; i++)
			r[i] = (struct mbox_recv){ .buf_ptr = (uintptr_t)buf[i],
						   .buf_len = sizeof(buf[i]) };
		/* The last messages may go to the other receiver. */
		r[0].flags = MBOX_RECV_DEADLINE;
		r[0].deadline_ns = mbox_deadline_ms(100);
		n = batch(p->fd, MBOX_IOC_RECV_BATCH, r, PEER_BATCH, sizeof(r[0]));
		if (n == -ETIMEDOUT)
			continue;
		if (n <= 0)
			return NULL;
		for (i = 0; i < n; i++) {
			if (r[i].len != sizeof(buf[i]) || buf[i][0] >= PEERS ||
			    buf[i][1] >= PER_PEER)
				return NULL;
			if (last[buf[i][0]] && buf[i][1] < last[buf[i][0]])
				p->in_order = false;
			last[buf[i][0]] = buf[i][1] + 1;
			p->seen[buf[i][0] * PER_PEER + buf[i][1]]++;
		}
		__atomic_add_fetch(p->total, n, __ATOMIC_RELAXED);
	}
	return p;
}

/*
 * Senders and receivers all batching, on a small mailbox that keeps the
 * senders waiting: every message arrives exactly once, and each receiver
 * sees each sender's messages in the order they were sent.
 */
TEST_F(batch, threads_lose_nothing)
{
	struct mbox_setattr a = { .mask = MBOX_ATTR_MAX_MSGS, .max_msgs = 16 };
	unsigned char *seen = calloc(PEERS * PER_PEER, 1);
	struct peer snd[PEERS], rcv[PEERS];
	pthread_t st[PEERS], rt[PEERS];
	unsigned int i, total = 0, wrong = 0;
	void *ret;

	ASSERT_NE(NULL, seen);
	ASSERT_EQ(0, mbox_ioctl(self->fd, MBOX_IOC_SETATTR, &a));
	for (i = 0; i < PEERS; i++) {
		snd[i] = (struct peer){ .fd = self->fd, .id = i };
		rcv[i] = (struct peer){ .fd = self->fd, .total = &total, .seen = seen };
		ASSERT_EQ(0, pthread_create(&rt[i], NULL, peer_recv, &rcv[i]));
		ASSERT_EQ(0, pthread_create(&st[i], NULL, peer_send, &snd[i]));
	}
	for (i = 0; i < PEERS; i++) {
		ASSERT_EQ(0, pthread_join(st[i], &ret));
		EXPECT_EQ(&snd[i], ret);
		ASSERT_EQ(0, pthread_join(rt[i], &ret));
		EXPECT_EQ(&rcv[i], ret);
		EXPECT_TRUE(rcv[i].in_order);
	}
	EXPECT_EQ(PEERS * PER_PEER, total);
	for (i = 0; i < PEERS * PER_PEER; i++) {
		if (seen[i] == 1)
			continue;
		if (wrong++ < 10)
			TH_LOG("message %u of sender %u received %u times",
			       i % PER_PEER, i / PER_PEER, seen[i]);
	}
	EXPECT_EQ(0, wrong);
	EXPECT_EQ(0, mbox_cur_msgs(self->fd));
	free(seen);
}

TEST(version_lists_batches)
{
	struct mbox_version v;

	mbox_version_or_skip(v);
	EXPECT_TRUE(v.ioctls & 1ULL << _IOC_NR(MBOX_IOC_SEND_BATCH));
	EXPECT_TRUE(v.ioctls & 1ULL << _IOC_NR(MBOX_IOC_RECV_BATCH));
}

TEST_HARNESS_MAIN
