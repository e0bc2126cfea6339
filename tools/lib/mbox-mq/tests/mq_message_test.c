// SPDX-License-Identifier: GPL-2.0
/*
 * libmbox-mq conformance: mq_send(), mq_receive() and their timed forms:
 * order, sizes, O_NONBLOCK, CLOCK_REALTIME deadlines, signals (EINTR and
 * SA_RESTART) and thread cancellation, with every errno mq_send(3) and
 * mq_receive(3) list.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "mq_test.h"

FIXTURE(queue) {
	char name[64];
	mqd_t q;
	char buf[64];
};

/* A queue of 2 messages of up to 64 bytes, read-write. */
FIXTURE_SETUP(queue)
{
	SKIP_WITHOUT_DEVICE();
	self->q = test_create(test_name(self->name, sizeof(self->name), "msg"), O_RDWR, 2, 64);
	ASSERT_LE(0, self->q);
}

FIXTURE_TEARDOWN(queue)
{
	if (self->q >= 0) {
		mq_close(self->q);
		mq_unlink(self->name);
	}
}

TEST_F(queue, highest_priority_first_fifo_within_one)
{
	static const struct { const char *text; unsigned int prio; } sent[] = {
		{ "a", 1 }, { "b", 5 }, { "c", 1 }, { "d", 5 }, { "e", 0 }, { "f", 32767 },
	};
	static const struct { char text; unsigned int prio; } order[] = {
		{ 'f', 32767 }, { 'b', 5 }, { 'd', 5 }, { 'a', 1 }, { 'c', 1 }, { 'e', 0 },
	};
	struct mq_attr big = { .mq_maxmsg = 8, .mq_msgsize = 64 };
	unsigned int i, prio;
	char name[64];
	mqd_t q;

	q = mq_open(test_name(name, sizeof(name), "order"), O_CREAT | O_RDWR, 0600, &big);
	ASSERT_LE(0, q);
	for (i = 0; i < 6; i++)
		ASSERT_EQ(0, mq_send(q, sent[i].text, 1, sent[i].prio));
	for (i = 0; i < 6; i++) {
		ASSERT_EQ(1, mq_receive(q, self->buf, sizeof(self->buf), &prio));
		EXPECT_EQ(order[i].text, self->buf[0]);
		EXPECT_EQ(order[i].prio, prio);
	}
	mq_close(q);
	mq_unlink(name);
}

TEST_F(queue, zero_length_message_and_null_prio)
{
	ASSERT_EQ(0, mq_send(self->q, "", 0, 0));
	EXPECT_EQ(0, mq_receive(self->q, self->buf, sizeof(self->buf), NULL));
}

TEST_F(queue, priority_mq_prio_max_is_einval)
{
	struct timespec ts = test_abs_ms(1000);

	EXPECT_EQ(-1, mq_send(self->q, "x", 1, MQ_PRIO_MAX));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mq_timedsend(self->q, "x", 1, ~0U, &ts));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, mq_send(self->q, "x", 1, MQ_PRIO_MAX - 1));
}

TEST_F(queue, send_longer_than_msgsize_is_emsgsize)
{
	char big[65] = { 0 };

	EXPECT_EQ(-1, mq_send(self->q, big, sizeof(big), 0));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(0, mq_send(self->q, big, 64, 0));
}

/* POSIX: the buffer must hold mq_msgsize, whatever is queued. */
TEST_F(queue, receive_buffer_below_msgsize_is_emsgsize)
{
	unsigned int prio;

	EXPECT_EQ(-1, mq_receive(self->q, self->buf, 63, NULL));
	EXPECT_EQ(EMSGSIZE, errno);
	ASSERT_EQ(0, mq_send(self->q, "tiny", 4, 2));
	EXPECT_EQ(-1, mq_receive(self->q, self->buf, 63, NULL));
	EXPECT_EQ(EMSGSIZE, errno);
	/* The message stayed. */
	EXPECT_EQ(4, mq_receive(self->q, self->buf, 64, &prio));
	EXPECT_EQ(2, prio);
}

TEST_F(queue, wrong_direction_is_ebadf)
{
	mqd_t w = mq_open(self->name, O_WRONLY);
	mqd_t r = mq_open(self->name, O_RDONLY);

	ASSERT_LE(0, w);
	ASSERT_LE(0, r);
	ASSERT_EQ(0, mq_send(w, "x", 1, 0));
	EXPECT_EQ(-1, mq_receive(w, self->buf, sizeof(self->buf), NULL));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-1, mq_send(r, "x", 1, 0));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(1, mq_receive(r, self->buf, sizeof(self->buf), NULL));
	mq_close(w);
	mq_close(r);
}

TEST_F(queue, nonblock_is_eagain)
{
	struct timespec ts = test_abs_ms(5000);
	mqd_t nb = mq_open(self->name, O_RDWR | O_NONBLOCK);

	ASSERT_LE(0, nb);
	EXPECT_EQ(-1, mq_receive(nb, self->buf, sizeof(self->buf), NULL));
	EXPECT_EQ(EAGAIN, errno);
	/* O_NONBLOCK wins over a timeout. */
	EXPECT_EQ(-1, mq_timedreceive(nb, self->buf, sizeof(self->buf), NULL, &ts));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, mq_send(nb, "1", 1, 0));
	ASSERT_EQ(0, mq_send(nb, "2", 1, 0));
	EXPECT_EQ(-1, mq_send(nb, "3", 1, 0));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, mq_timedsend(nb, "3", 1, 0, &ts));
	EXPECT_EQ(EAGAIN, errno);
	mq_close(nb);
}

TEST_F(queue, timed_calls_time_out_on_the_realtime_deadline)
{
	struct timespec ts, start;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &start);
	ts = test_abs_ms(300);
	EXPECT_EQ(-1, mq_timedreceive(self->q, self->buf, sizeof(self->buf), NULL, &ts));
	EXPECT_EQ(ETIMEDOUT, errno);
	ms = test_elapsed_ms(&start);
	EXPECT_LE(290, ms);
	EXPECT_GT(5000, ms);
	ASSERT_EQ(0, mq_send(self->q, "1", 1, 0));
	ASSERT_EQ(0, mq_send(self->q, "2", 1, 0));
	clock_gettime(CLOCK_MONOTONIC, &start);
	ts = test_abs_ms(300);
	EXPECT_EQ(-1, mq_timedsend(self->q, "3", 1, 0, &ts));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_LE(290, test_elapsed_ms(&start));
}

TEST_F(queue, expired_deadline_fails_at_once_only_if_it_would_block)
{
	struct timespec past = { .tv_sec = 1, .tv_nsec = 0 }, start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	EXPECT_EQ(-1, mq_timedreceive(self->q, self->buf, sizeof(self->buf), NULL, &past));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_EQ(0, mq_timedsend(self->q, "1", 1, 0, &past));
	EXPECT_EQ(0, mq_timedsend(self->q, "2", 1, 0, &past));
	EXPECT_EQ(-1, mq_timedsend(self->q, "3", 1, 0, &past));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_EQ(1, mq_timedreceive(self->q, self->buf, sizeof(self->buf), NULL, &past));
	EXPECT_GT(1000, test_elapsed_ms(&start));
}

/* Linux checks the timespec even when the call would not block. */
TEST_F(queue, bad_timespec_is_einval)
{
	static const struct timespec bad[] = {
		{ 0, -1 }, { 0, 1000000000L }, { -1, 0 },
	};
	unsigned int i;

	ASSERT_EQ(0, mq_send(self->q, "1", 1, 0));
	for (i = 0; i < 3; i++) {
		errno = 0;
		EXPECT_EQ(-1, mq_timedsend(self->q, "x", 1, 0, &bad[i]));
		EXPECT_EQ(EINVAL, errno);
		errno = 0;
		EXPECT_EQ(-1, mq_timedreceive(self->q, self->buf, sizeof(self->buf), NULL,
					      &bad[i]));
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_EQ(1, mq_receive(self->q, self->buf, sizeof(self->buf), NULL));
}

static atomic_int signals;

static void count_signal(int sig)
{
	(void)sig;
	atomic_fetch_add(&signals, 1);
}

static void handle_sigusr1(int flags)
{
	struct sigaction sa = { .sa_handler = count_signal, .sa_flags = flags };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
}

struct blocked {
	mqd_t q;
	int send;		/* block in mq_send instead of mq_receive */
	int timed;
	atomic_int cleaned;	/* cancellation ran the cleanup handler */
	atomic_int go;
	ssize_t ret;
	int err;
	char buf[64];
};

static void cleanup(void *arg)
{
	atomic_store(&((struct blocked *)arg)->cleaned, 1);
}

static void *block(void *arg)
{
	struct blocked *b = arg;
	struct timespec ts = test_abs_ms(20000);

	pthread_cleanup_push(cleanup, b);
	if (b->send)
		b->ret = b->timed ? mq_timedsend(b->q, "blocked", 7, 0, &ts) :
			 mq_send(b->q, "blocked", 7, 0);
	else
		b->ret = b->timed ? mq_timedreceive(b->q, b->buf, sizeof(b->buf), NULL, &ts) :
			 mq_receive(b->q, b->buf, sizeof(b->buf), NULL);
	b->err = errno;
	pthread_cleanup_pop(0);
	return NULL;
}

static void fill(struct __test_metadata *_metadata, mqd_t q)
{
	ASSERT_EQ(0, mq_send(q, "1", 1, 0));
	ASSERT_EQ(0, mq_send(q, "2", 1, 0));
}

/* A signal whose handler lacks SA_RESTART ends a blocked call with EINTR. */
TEST_F(queue, signal_without_sa_restart_is_eintr)
{
	struct blocked b = { .q = self->q };
	pthread_t t;
	int send;

	handle_sigusr1(0);
	for (send = 0; send < 2; send++) {
		b.send = send;
		if (send)
			fill(_metadata, self->q);
		ASSERT_EQ(0, pthread_create(&t, NULL, block, &b));
		ASSERT_EQ(0, test_wait_blocked(self->q, 1));
		pthread_kill(t, SIGUSR1);
		pthread_join(t, NULL);
		EXPECT_EQ(-1, b.ret);
		EXPECT_EQ(EINTR, b.err);
	}
}

/* With SA_RESTART the call goes on after the handler. */
TEST_F(queue, signal_with_sa_restart_restarts)
{
	struct blocked b = { .q = self->q, .timed = 1 };
	pthread_t t;

	handle_sigusr1(SA_RESTART);
	ASSERT_EQ(0, pthread_create(&t, NULL, block, &b));
	ASSERT_EQ(0, test_wait_blocked(self->q, 1));
	pthread_kill(t, SIGUSR1);
	while (!atomic_load(&signals))
		usleep(1000);
	ASSERT_EQ(0, test_wait_blocked(self->q, 1));
	ASSERT_EQ(0, mq_send(self->q, "later", 5, 0));
	pthread_join(t, NULL);
	EXPECT_EQ(5, b.ret);
	EXPECT_EQ(0, memcmp(b.buf, "later", 5));
}

static void expect_cancelled(struct __test_metadata *_metadata, struct blocked *b)
{
	pthread_t t;
	void *res;

	ASSERT_EQ(0, pthread_create(&t, NULL, block, b));
	ASSERT_EQ(0, test_wait_blocked(b->q, 1));
	ASSERT_EQ(0, pthread_cancel(t));
	ASSERT_EQ(0, pthread_join(t, &res));
	EXPECT_EQ(PTHREAD_CANCELED, res);
	EXPECT_EQ(1, atomic_load(&b->cleaned));
}

TEST_F(queue, cancel_blocked_receive)
{
	struct blocked b = { .q = self->q };
	struct mq_attr a;

	expect_cancelled(_metadata, &b);
	b.cleaned = 0;
	b.timed = 1;
	expect_cancelled(_metadata, &b);
	/* Nothing is lost: the next message goes to the next receiver. */
	ASSERT_EQ(0, mq_send(self->q, "next", 4, 0));
	ASSERT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(1, a.mq_curmsgs);
	EXPECT_EQ(4, mq_receive(self->q, self->buf, sizeof(self->buf), NULL));
}

TEST_F(queue, cancel_blocked_send)
{
	struct blocked b = { .q = self->q, .send = 1 };
	struct mq_attr a;

	fill(_metadata, self->q);
	expect_cancelled(_metadata, &b);
	b.cleaned = 0;
	b.timed = 1;
	expect_cancelled(_metadata, &b);
	/* The cancelled sends queued nothing. */
	ASSERT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(2, a.mq_curmsgs);
}

static void *receive_after_cancel(void *arg)
{
	struct blocked *b = arg;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	while (!atomic_load(&b->go))
		usleep(1000);
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
	/* Not blocking: a message is queued. It is a cancellation point all the same. */
	b->ret = mq_receive(b->q, b->buf, sizeof(b->buf), NULL);
	return NULL;
}

TEST_F(queue, pending_cancel_acts_on_entry)
{
	struct blocked b = { .q = self->q, .ret = -2 };
	struct mq_attr a;
	pthread_t t;
	void *res;

	ASSERT_EQ(0, mq_send(self->q, "stays", 5, 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, receive_after_cancel, &b));
	ASSERT_EQ(0, pthread_cancel(t));
	atomic_store(&b.go, 1);
	ASSERT_EQ(0, pthread_join(t, &res));
	EXPECT_EQ(PTHREAD_CANCELED, res);
	EXPECT_EQ(-2, b.ret);
	ASSERT_EQ(0, mq_getattr(self->q, &a));
	EXPECT_EQ(1, a.mq_curmsgs);
}

/* Two processes, checked payloads: sequence numbers in order within a priority. */
TEST(fork_shares_the_queue)
{
	struct mq_attr attr = { .mq_maxmsg = 4, .mq_msgsize = 16 };
	unsigned int prio, i, next[2] = { 0, 0 };
	char name[64], buf[16];
	int status;
	pid_t pid;
	mqd_t q;

	SKIP_WITHOUT_DEVICE();
	q = mq_open(test_name(name, sizeof(name), "fork"), O_CREAT | O_RDWR, 0600, &attr);
	ASSERT_LE(0, q);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		for (i = 0; i < 200; i++) {
			snprintf(buf, sizeof(buf), "%u", i / 2);
			if (mq_send(q, buf, strlen(buf) + 1, i % 2))
				_exit(1);
		}
		_exit(0);
	}
	for (i = 0; i < 200; i++) {
		ASSERT_LT(0, mq_receive(q, buf, sizeof(buf), &prio));
		ASSERT_GT(2, prio);
		EXPECT_EQ(next[prio]++, strtoul(buf, NULL, 10));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	mq_close(q);
	mq_unlink(name);
}

TEST_HARNESS_MAIN
