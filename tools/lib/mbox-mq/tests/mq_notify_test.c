// SPDX-License-Identifier: GPL-2.0
/*
 * libmbox-mq conformance: mq_notify(3). SIGEV_SIGNAL, SIGEV_THREAD and
 * SIGEV_NONE; one registrant per queue (EBUSY, also across processes);
 * unregistering with NULL and by mq_close(); one-shot; a notification only
 * when a message arrives on an empty queue and nobody is blocked in
 * receive; EINVAL and EBADF.
 */
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>

#include "mq_test.h"

FIXTURE(notify) {
	char name[64];
	mqd_t q;
	char buf[64];
	sigset_t usr1;
	struct sigevent sev;
};

/*
 * A queue of 4 messages of 64 bytes; SIGUSR1 blocked in every thread, so
 * that sigtimedwait() collects the notification with its siginfo.
 */
FIXTURE_SETUP(notify)
{
	SKIP_WITHOUT_DEVICE();
	self->q = test_create(test_name(self->name, sizeof(self->name), "notify"), O_RDWR, 4, 64);
	ASSERT_LE(0, self->q);
	sigemptyset(&self->usr1);
	sigaddset(&self->usr1, SIGUSR1);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &self->usr1, NULL));
	memset(&self->sev, 0, sizeof(self->sev));
	self->sev.sigev_notify = SIGEV_SIGNAL;
	self->sev.sigev_signo = SIGUSR1;
	self->sev.sigev_value.sival_int = 42;
}

FIXTURE_TEARDOWN(notify)
{
	if (self->q >= 0) {
		mq_close(self->q);
		mq_unlink(self->name);
	}
}

/* The notification signal within ms milliseconds: 1 with *si filled, or 0. */
static int got_signal(const sigset_t *set, siginfo_t *si, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	siginfo_t dummy;

	return sigtimedwait(set, si ? si : &dummy, &ts) == SIGUSR1;
}

TEST_F(notify, signal_on_arrival_tells_sender)
{
	siginfo_t si;
	pid_t pid;
	int status;

	ASSERT_EQ(0, mq_notify(self->q, &self->sev));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(mq_send(self->q, "hi", 2, 0) ? 1 : 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(1, got_signal(&self->usr1, &si, 5000));
	EXPECT_EQ(SIGUSR1, si.si_signo);
	EXPECT_EQ(SI_MESGQ, si.si_code);
	EXPECT_EQ(42, si.si_value.sival_int);
	EXPECT_EQ(pid, si.si_pid);
	EXPECT_EQ(getuid(), si.si_uid);
}

TEST_F(notify, one_shot_then_free_to_register)
{
	ASSERT_EQ(0, mq_notify(self->q, &self->sev));
	ASSERT_EQ(0, mq_send(self->q, "1", 1, 0));
	ASSERT_EQ(1, got_signal(&self->usr1, NULL, 5000));
	/* Emptied and refilled, but nobody is registered any more. */
	ASSERT_EQ(1, mq_receive(self->q, self->buf, sizeof(self->buf), NULL));
	ASSERT_EQ(0, mq_send(self->q, "2", 1, 0));
	EXPECT_EQ(0, got_signal(&self->usr1, NULL, 300));
	/* The registration went with the notification. */
	ASSERT_EQ(1, mq_receive(self->q, self->buf, sizeof(self->buf), NULL));
	EXPECT_EQ(0, mq_notify(self->q, &self->sev));
	ASSERT_EQ(0, mq_send(self->q, "3", 1, 0));
	EXPECT_EQ(1, got_signal(&self->usr1, NULL, 5000));
}

TEST_F(notify, second_registration_is_ebusy)
{
	mqd_t other = mq_open(self->name, O_RDONLY);

	ASSERT_LE(0, other);
	ASSERT_EQ(0, mq_notify(self->q, &self->sev));
	EXPECT_EQ(-1, mq_notify(self->q, &self->sev));
	EXPECT_EQ(EBUSY, errno);
	/* The registration is the queue's, whichever descriptor asks. */
	EXPECT_EQ(-1, mq_notify(other, &self->sev));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(0, mq_notify(other, NULL));
	EXPECT_EQ(0, mq_notify(other, &self->sev));
	mq_close(other);
}

TEST_F(notify, registration_of_another_process_is_ebusy)
{
	int up[2], down[2], status;
	char c = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		c = mq_notify(self->q, &self->sev) ? 'f' : 'r';
		if (write(up[1], &c, 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(2);
		_exit(0);
	}
	ASSERT_EQ(1, read(up[0], &c, 1));
	ASSERT_EQ('r', c);
	EXPECT_EQ(-1, mq_notify(self->q, &self->sev));
	EXPECT_EQ(EBUSY, errno);
	/* Not ours: unregistering changes nothing. */
	EXPECT_EQ(0, mq_notify(self->q, NULL));
	EXPECT_EQ(-1, mq_notify(self->q, &self->sev));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(1, write(down[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	/* The registrant died: the queue is free. */
	EXPECT_EQ(0, mq_notify(self->q, &self->sev));
}

TEST_F(notify, null_unregisters)
{
	EXPECT_EQ(0, mq_notify(self->q, NULL));
	ASSERT_EQ(0, mq_notify(self->q, &self->sev));
	ASSERT_EQ(0, mq_notify(self->q, NULL));
	ASSERT_EQ(0, mq_send(self->q, "1", 1, 0));
	EXPECT_EQ(0, got_signal(&self->usr1, NULL, 300));
	EXPECT_EQ(0, mq_notify(self->q, &self->sev));
}

TEST_F(notify, close_unregisters)
{
	mqd_t q2 = mq_open(self->name, O_RDWR);
	int status;
	pid_t pid;

	ASSERT_LE(0, q2);
	ASSERT_EQ(0, mq_notify(q2, &self->sev));
	ASSERT_EQ(0, mq_close(q2));
	ASSERT_EQ(0, mq_send(self->q, "1", 1, 0));
	EXPECT_EQ(0, got_signal(&self->usr1, NULL, 300));
	/* Another process may register now. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(mq_notify(self->q, &self->sev) ? errno : 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

static atomic_int thread_value;
static pthread_t thread_self;
static sem_t thread_ran;

static void on_message(union sigval v)
{
	thread_self = pthread_self();
	atomic_store(&thread_value, v.sival_int);
	sem_post(&thread_ran);
}

TEST_F(notify, sigev_thread_runs_the_function_in_a_new_thread)
{
	struct timespec ts;
	pthread_attr_t attr;

	ASSERT_EQ(0, sem_init(&thread_ran, 0, 0));
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	self->sev.sigev_notify = SIGEV_THREAD;
	self->sev.sigev_notify_function = on_message;
	self->sev.sigev_notify_attributes = &attr;
	self->sev.sigev_value.sival_int = 7;
	ASSERT_EQ(0, mq_notify(self->q, &self->sev));
	pthread_attr_destroy(&attr);	/* the registration keeps a copy */
	ASSERT_EQ(0, mq_send(self->q, "1", 1, 0));
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	ASSERT_EQ(0, sem_timedwait(&thread_ran, &ts));
	EXPECT_EQ(7, atomic_load(&thread_value));
	EXPECT_EQ(0, pthread_equal(thread_self, pthread_self()));
}

TEST_F(notify, sigev_none_registers_and_is_consumed)
{
	struct sigevent none = { .sigev_notify = SIGEV_NONE };
	int i, err = EBUSY;

	ASSERT_EQ(0, mq_notify(self->q, &none));
	EXPECT_EQ(-1, mq_notify(self->q, &self->sev));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, mq_send(self->q, "1", 1, 0));
	for (i = 0; i < 500 && err == EBUSY; i++) {
		err = mq_notify(self->q, &self->sev) ? errno : 0;
		usleep(10000);
	}
	EXPECT_EQ(0, err);
	EXPECT_EQ(0, got_signal(&self->usr1, NULL, 100));
}

static void *receive_one(void *arg)
{
	char buf[64];
	mqd_t q = *(mqd_t *)arg;

	return (void *)(long)mq_receive(q, buf, sizeof(buf), NULL);
}

/* A blocked receiver takes the message; the registration stays. */
TEST_F(notify, not_while_a_receiver_is_blocked)
{
	pthread_t t;
	void *ret;

	ASSERT_EQ(0, pthread_create(&t, NULL, receive_one, &self->q));
	ASSERT_EQ(0, test_wait_blocked(self->q, 1));
	ASSERT_EQ(0, mq_notify(self->q, &self->sev));
	ASSERT_EQ(0, mq_send(self->q, "1", 1, 0));
	ASSERT_EQ(0, pthread_join(t, &ret));
	EXPECT_EQ(1, (long)ret);
	EXPECT_EQ(0, got_signal(&self->usr1, NULL, 300));
	EXPECT_EQ(-1, mq_notify(self->q, &self->sev));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, mq_send(self->q, "2", 1, 0));
	EXPECT_EQ(1, got_signal(&self->usr1, NULL, 5000));
}

/* Registered on a non-empty queue: only after it was emptied. */
TEST_F(notify, nonempty_queue_notifies_after_emptied)
{
	ASSERT_EQ(0, mq_send(self->q, "1", 1, 0));
	ASSERT_EQ(0, mq_notify(self->q, &self->sev));
	ASSERT_EQ(0, mq_send(self->q, "2", 1, 0));
	EXPECT_EQ(0, got_signal(&self->usr1, NULL, 300));
	ASSERT_EQ(1, mq_receive(self->q, self->buf, sizeof(self->buf), NULL));
	ASSERT_EQ(1, mq_receive(self->q, self->buf, sizeof(self->buf), NULL));
	/* At once: the emptying receive was ours. */
	ASSERT_EQ(0, mq_send(self->q, "3", 1, 0));
	EXPECT_EQ(1, got_signal(&self->usr1, NULL, 5000));
}

TEST_F(notify, bad_sigevent_is_einval)
{
	struct sigevent sev = self->sev;

	sev.sigev_notify = SIGEV_THREAD_ID;
	EXPECT_EQ(-1, mq_notify(self->q, &sev));
	EXPECT_EQ(EINVAL, errno);
	sev.sigev_notify = 1234;
	EXPECT_EQ(-1, mq_notify(self->q, &sev));
	EXPECT_EQ(EINVAL, errno);
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = 65;
	EXPECT_EQ(-1, mq_notify(self->q, &sev));
	EXPECT_EQ(EINVAL, errno);
	/* As Linux: the sigevent is checked before the descriptor. */
	EXPECT_EQ(-1, mq_notify(-1, &sev));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mq_notify(-1, &self->sev));
	EXPECT_EQ(EBADF, errno);
}

/* fork(): the child owns none of the parent's registrations. */
TEST_F(notify, child_does_not_inherit_registration)
{
	int up[2], down[2], status;
	char c = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(down));
	ASSERT_EQ(0, mq_notify(self->q, &self->sev));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* Not ours to drop; and the parent's still holds the queue. */
		if (mq_notify(self->q, NULL) || !mq_notify(self->q, &self->sev) || errno != EBUSY)
			_exit(1);
		if (write(up[1], &c, 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(2);
		/* The parent dropped it: free, even though we were forked holding it. */
		_exit(mq_notify(self->q, &self->sev) ? 3 : 0);
	}
	ASSERT_EQ(1, read(up[0], &c, 1));
	ASSERT_EQ(0, mq_notify(self->q, NULL));
	ASSERT_EQ(1, write(down[1], &c, 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
