// SPDX-License-Identifier: GPL-2.0
/*
 * Blocked senders let in together take turns: the first is woken, the next
 * when the one before blocks for room again. A sender whose turn does not
 * come (the one before cannot get a CPU, or sends nothing more) waits no
 * longer than until a receiver finds the queue empty, or relay_ms; a
 * real-time sender does not wait at all; no message is lost, duplicated or
 * reordered on the way.
 *
 * The sender that cannot run is pinned to a CPU that a real-time task holds;
 * for as long as the test lasts, nothing may lend that CPU to other tasks
 * (real-time throttling, and on 6.12 the fair server, are turned off).
 *
 * Children never use ASSERT/EXPECT: a child's exit status is the errno its
 * call ended with (0 for success).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mbox_test.h"
#include "mbox_kids.h"

#define QUEUE_MAX	8	/* max_msgs: blocked senders are let in at half */
#define HOG_CPU		1	/* a literal: FAIR_RUNTIME spells it */
#define HOG_MS		5000	/* the most the hog holds its CPU */
#define WATCHDOG_S	20
#define RELAY_FOREVER	"60000"	/* relay_ms: no turn comes by the clock */
#define RELAY_MS	2000	/* well past what a child takes to exit */
#define RT_RUNTIME	"/proc/sys/kernel/sched_rt_runtime_us"
#define STR(x)		#x
#define CPU_DIR(cpu)	"/sys/kernel/debug/sched/fair_server/cpu" STR(cpu)
#define FAIR_RUNTIME	CPU_DIR(HOG_CPU) "/runtime"

FIXTURE(relay) {
	int fd;
	struct mbox_kids kids;
	struct mbox_param relay_ms;
	struct mbox_param rt_runtime;
	struct mbox_param fair_runtime;
};

FIXTURE_SETUP(relay)
{
	self->fd = -1;
	mbox_skip_if_absent();
	if (sysconf(_SC_NPROCESSORS_ONLN) <= HOG_CPU)
		SKIP(return, "needs CPU %d", HOG_CPU);
	ASSERT_EQ(0, mbox_kids_open(&self->kids));
	self->fd = mbox_create(NULL, 0, 0600, QUEUE_MAX, sizeof(__u32));
	ASSERT_LE(0, self->fd);
	alarm(WATCHDOG_S);
}

FIXTURE_TEARDOWN(relay)
{
	alarm(0);
	mbox_kids_close(&self->kids);
	if (self->fair_runtime.path[0])
		mbox_param_restore(&self->fair_runtime);
	if (self->rt_runtime.path[0])
		mbox_param_restore(&self->rt_runtime);
	if (self->relay_ms.path[0])
		mbox_param_restore(&self->relay_ms);
	if (self->fd >= 0)
		close(self->fd);
}

static long send_tag(int fd, __u32 tag)
{
	return mbox_send(fd, &tag, sizeof(tag), 0, 0, 0);
}

/* Receive the next message: 0 if it is tag, -EBADMSG if not, or -errno. */
static long recv_tag(int fd, __u32 tag)
{
	struct mbox_recv r;
	__u32 got = ~tag;
	long err;

	err = mbox_recv(fd, &got, sizeof(got), MBOX_RECV_NONBLOCK, 0, &r);
	if (err)
		return err;
	return r.len == sizeof(got) && got == tag ? 0 : -EBADMSG;
}

/* In a child: send tag from the hog's CPU. */
static int kid_send_on_hog_cpu(int fd, __u32 tag)
{
	int err = mbox_pin_to_cpu(HOG_CPU);

	return (int)-(err ? err : send_tag(fd, tag));
}

/* In a child: send tag as a real-time task. */
static int kid_send_real_time(int fd, __u32 tag)
{
	struct sched_param sp = { .sched_priority = 1 };

	if (sched_setscheduler(0, SCHED_FIFO, &sp))
		return errno;
	return (int)-send_tag(fd, tag);
}

/*
 * In a child: hold the hog's CPU from every task that is not real-time, for
 * HOG_MS at most, and tell ready_fd once it does.
 */
static int kid_hog(int ready_fd)
{
	struct sched_param sp = { .sched_priority = 1 };
	__u64 end = mbox_deadline_ms(HOG_MS);

	if (mbox_pin_to_cpu(HOG_CPU) || sched_setscheduler(0, SCHED_FIFO, &sp))
		return errno;
	if (mbox_tell(ready_fd, 1))
		return EPIPE;
	while (mbox_now_ns() < end)
		;
	return 0;
}

/* In a child: send 100, tell ready_fd, and on word from go_fd send 200 to 202. */
static int kid_send_then_fill(int fd, int ready_fd, int go_fd)
{
	long err = send_tag(fd, 100);
	__u32 tag;

	if (err)
		return (int)-err;
	if (mbox_tell(ready_fd, 1) || mbox_hear(go_fd, 10000) != 1)
		return EPIPE;
	for (tag = 200; !err && tag <= 202; tag++)
		err = send_tag(fd, tag);
	return (int)-err;
}

/* Send 1 to QUEUE_MAX: 0 or -errno. */
static long fill(int fd)
{
	long err = 0;
	__u32 tag;

	for (tag = 1; !err && tag <= QUEUE_MAX; tag++)
		err = send_tag(fd, tag);
	return err;
}

/* Wait for kid to block, the nth sender to: 0, or -ECHILD. */
static int blocked(FIXTURE_DATA(relay) *self, pid_t kid, unsigned int n)
{
	return kid < 0 || mbox_wait_waiters(self->fd, n, 0, 5000, NULL) ? -ECHILD : 0;
}

/*
 * Fill the mailbox with 1 to QUEUE_MAX; block a, sending 100 from the hog's
 * CPU, then b, sending 101 (as a real-time task if rt), and start the hog:
 * 0, or what failed. The test and b stay off the hog's CPU.
 */
static int block_behind_hog(FIXTURE_DATA(relay) *self, bool rt, pid_t *a, pid_t *b,
			    pid_t *hog)
{
	long err;

	err = mbox_param_set(&self->relay_ms, "relay_ms", RELAY_FOREVER);
	if (err)
		return err;
	err = mbox_setting_set(&self->rt_runtime, RT_RUNTIME, "-1");
	if (err)
		return err;
	err = mbox_setting_set(&self->fair_runtime, FAIR_RUNTIME, "0");
	if (err == -ENOENT)
		self->fair_runtime.path[0] = '\0';	/* no fair server before 6.12 */
	else if (err)
		return err;
	err = mbox_pin_to_cpu(0);
	if (!err)
		err = fill(self->fd);
	if (err)
		return err;
	*a = mbox_spawn(&self->kids, WATCHDOG_S, kid_send_on_hog_cpu(self->fd, 100));
	if (blocked(self, *a, 1))
		return -ECHILD;
	*b = mbox_spawn(&self->kids, WATCHDOG_S,
			rt ? kid_send_real_time(self->fd, 101) : -send_tag(self->fd, 101));
	if (blocked(self, *b, 2))
		return -ECHILD;
	*hog = mbox_spawn(&self->kids, WATCHDOG_S, kid_hog(self->kids.ready[1]));
	if (*hog < 0 || mbox_hear(self->kids.ready[0], 5000) != 1)
		return -ECHILD;
	return 0;
}

/* Receive from..to: 0, or what failed. */
static long recv_tags(int fd, __u32 from, __u32 to)
{
	long err = 0;

	for (; !err && from <= to; from++)
		err = recv_tag(fd, from);
	return err;
}

/* Stop the hog; a then sends, its message last. */
static void end_hog(struct __test_metadata *_metadata, FIXTURE_DATA(relay) *self,
		    pid_t a, pid_t hog)
{
	kill(hog, SIGKILL);
	EXPECT_EQ(128 + SIGKILL, mbox_kid_reap(&self->kids, hog, 5000));
	EXPECT_EQ(0, mbox_kid_reap(&self->kids, a, 5000));
	EXPECT_EQ(0, mbox_cur_msgs(self->fd));
}

TEST_F(relay, sender_held_up_by_one_that_cannot_run_is_woken_when_queue_empties)
{
	pid_t a, b, hog;

	ASSERT_EQ(0, block_behind_hog(self, false, &a, &b, &hog));

	/* Half drained: both let in; a is woken but cannot run, b waits on it. */
	ASSERT_EQ(0, recv_tags(self->fd, 1, QUEUE_MAX / 2));
	EXPECT_EQ(QUEUE_MAX / 2 + 2, mbox_cur_msgs(self->fd));
	ASSERT_EQ(0, recv_tags(self->fd, QUEUE_MAX / 2 + 1, QUEUE_MAX));
	ASSERT_EQ(0, recv_tags(self->fd, 100, 101));
	usleep(100000);
	EXPECT_TRUE(mbox_kid_running(b));

	/* A receive that finds nothing wakes it; a is still off its CPU. */
	EXPECT_EQ(-EAGAIN, recv_tag(self->fd, 0));
	EXPECT_EQ(0, mbox_kid_reap(&self->kids, b, 2000));
	EXPECT_TRUE(mbox_kid_running(a));
	end_hog(_metadata, self, a, hog);
}

TEST_F(relay, real_time_sender_is_not_held_up_by_one_that_cannot_run)
{
	pid_t a, b, hog;

	ASSERT_EQ(0, block_behind_hog(self, true, &a, &b, &hog));

	ASSERT_EQ(0, recv_tags(self->fd, 1, QUEUE_MAX / 2));
	EXPECT_EQ(0, mbox_kid_reap(&self->kids, b, 2000));
	EXPECT_TRUE(mbox_kid_running(a));
	ASSERT_EQ(0, recv_tags(self->fd, QUEUE_MAX / 2 + 1, QUEUE_MAX));
	ASSERT_EQ(0, recv_tags(self->fd, 100, 101));
	end_hog(_metadata, self, a, hog);
}

TEST_F(relay, sender_whose_turn_does_not_come_is_woken_after_relay_ms)
{
	char ms[16];
	pid_t a, b;

	snprintf(ms, sizeof(ms), "%d", RELAY_MS);
	ASSERT_EQ(0, mbox_param_set(&self->relay_ms, "relay_ms", ms));
	ASSERT_EQ(0, fill(self->fd));
	a = mbox_spawn(&self->kids, WATCHDOG_S, -send_tag(self->fd, 100));
	ASSERT_EQ(0, blocked(self, a, 1));
	b = mbox_spawn(&self->kids, WATCHDOG_S, -send_tag(self->fd, 101));
	ASSERT_EQ(0, blocked(self, b, 2));

	/* Both let in: a has its turn and sends nothing more; b waits on. */
	ASSERT_EQ(0, recv_tags(self->fd, 1, QUEUE_MAX / 2));
	EXPECT_EQ(0, mbox_kid_reap(&self->kids, a, 2000));
	usleep(RELAY_MS * 1000 / 10);
	EXPECT_TRUE(mbox_kid_running(b));

	/* With nothing received since, relay_ms ends its wait. */
	EXPECT_EQ(0, mbox_kid_reap(&self->kids, b, 5 * RELAY_MS));
	EXPECT_EQ(QUEUE_MAX / 2 + 2, mbox_cur_msgs(self->fd));
	ASSERT_EQ(0, recv_tags(self->fd, QUEUE_MAX / 2 + 1, QUEUE_MAX));
	ASSERT_EQ(0, recv_tags(self->fd, 100, 101));
}

TEST_F(relay, sender_blocking_for_room_hands_the_next_its_turn)
{
	pid_t a, b;

	ASSERT_EQ(0, mbox_param_set(&self->relay_ms, "relay_ms", RELAY_FOREVER));
	ASSERT_EQ(0, fill(self->fd));
	a = mbox_spawn(&self->kids, WATCHDOG_S,
		       kid_send_then_fill(self->fd, self->kids.ready[1], self->kids.go[0]));
	ASSERT_EQ(0, blocked(self, a, 1));
	b = mbox_spawn(&self->kids, WATCHDOG_S, -send_tag(self->fd, 101));
	ASSERT_EQ(0, blocked(self, b, 2));

	/* Both let in: a has its turn, b waits for it to end. */
	ASSERT_EQ(0, recv_tags(self->fd, 1, QUEUE_MAX / 2));
	ASSERT_EQ(1, mbox_hear(self->kids.ready[0], 2000));
	usleep(100000);
	EXPECT_TRUE(mbox_kid_running(b));

	/* a fills the queue and blocks on 202: b's turn. */
	ASSERT_EQ(0, mbox_tell(self->kids.go[1], 1));
	EXPECT_EQ(0, mbox_kid_reap(&self->kids, b, 2000));
	EXPECT_TRUE(mbox_kid_running(a));
	ASSERT_EQ(0, recv_tags(self->fd, QUEUE_MAX / 2 + 1, QUEUE_MAX));
	ASSERT_EQ(0, recv_tags(self->fd, 100, 101));
	ASSERT_EQ(0, recv_tags(self->fd, 200, 202));
	EXPECT_EQ(0, mbox_kid_reap(&self->kids, a, 2000));
}

TEST_HARNESS_MAIN
