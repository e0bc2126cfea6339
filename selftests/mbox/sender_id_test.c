// SPDX-License-Identifier: GPL-2.0
/*
 * Sender identity across pid reuse: struct mbox_recv's start_ns, the sending
 * process's start time. It matches /proc/<pid>/stat, is the process's (not
 * the thread's), tells a process from a later one with the same pid (forced
 * with ns_last_pid), and lets a receiver verify a sender with a pidfd.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mbox_test.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

#define NS_LAST_PID	"/proc/sys/kernel/ns_last_pid"

/* Field 22 of /proc/<pid>/stat, the start time in clock ticks; 0 if gone. */
static unsigned long long proc_starttime(pid_t pid)
{
	unsigned long long t = 0;
	char path[64], buf[1024], *p;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (mbox_read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	p = strrchr(buf, ')');		/* the command may hold spaces */
	for (i = 2; p && i < 22; i++)
		p = strchr(p + 1, ' ');
	if (p)
		t = strtoull(p + 1, NULL, 10);
	return t;
}

static unsigned long long ns_to_ticks(__u64 ns)
{
	return ns / (1000000000ULL / sysconf(_SC_CLK_TCK));
}

/*
 * The recipe of mbox.rst: a pidfd for the sender of r, if that process still
 * runs; -ESRCH when it is gone or its pid was reused.
 */
static int sender_pidfd(const struct mbox_recv *r)
{
	int pidfd;

	if (!r->pid)
		return -ESRCH;
	pidfd = syscall(SYS_pidfd_open, r->pid, 0);
	if (pidfd < 0)
		return -errno;
	/* Read after the pidfd exists, and checked alive after: the same process. */
	if (proc_starttime(r->pid) != ns_to_ticks(r->start_ns) ||
	    syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0)) {
		close(pidfd);
		return -ESRCH;
	}
	return pidfd;
}

static long recv_one(int fd, struct mbox_recv *r)
{
	char buf[64];

	return mbox_recv(fd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, r);
}

/* A child that sends one message through fd and exits; its pid. */
static pid_t child_sends(int fd)
{
	pid_t pid = fork();

	if (!pid)
		_exit(mbox_send(fd, "c", 1, 0, MBOX_SEND_NONBLOCK, 0) ? 1 : 0);
	return pid;
}

static bool reap(pid_t pid)
{
	int status;

	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       !WEXITSTATUS(status);
}

FIXTURE(sender) {
	int fd;
};

FIXTURE_SETUP(sender)
{
	struct mbox_open o = { .max_msgs = 8, .max_msg_size = 64 };

	mbox_skip_if_absent();
	self->fd = mbox_bind(NULL, MBOX_OPEN_CREATE, MBOX_ACCESS_SEND | MBOX_ACCESS_RECV, &o);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(sender)
{
	close(self->fd);
}

TEST_F(sender, start_ns_matches_proc_stat)
{
	struct mbox_recv r;

	ASSERT_EQ(0, mbox_send(self->fd, "x", 1, 0, MBOX_SEND_NONBLOCK, 0));
	ASSERT_EQ(0, recv_one(self->fd, &r));
	EXPECT_EQ(getpid(), r.pid);
	EXPECT_NE(0, r.start_ns);
	EXPECT_EQ(proc_starttime(getpid()), ns_to_ticks(r.start_ns));
}

static void *thread_sends(void *arg)
{
	mbox_send(*(int *)arg, "t", 1, 0, MBOX_SEND_NONBLOCK, 0);
	return NULL;
}

TEST_F(sender, thread_sends_with_the_process_start)
{
	struct mbox_recv main_r, thread_r;
	pthread_t th;

	ASSERT_EQ(0, mbox_send(self->fd, "m", 1, 0, MBOX_SEND_NONBLOCK, 0));
	ASSERT_EQ(0, pthread_create(&th, NULL, thread_sends, &self->fd));
	pthread_join(th, NULL);
	ASSERT_EQ(0, recv_one(self->fd, &main_r));
	ASSERT_EQ(0, recv_one(self->fd, &thread_r));
	EXPECT_NE(main_r.tid, thread_r.tid);
	EXPECT_EQ(main_r.start_ns, thread_r.start_ns);
}

TEST_F(sender, child_has_its_own_start)
{
	struct mbox_recv mine, child;
	pid_t pid;

	ASSERT_EQ(0, mbox_send(self->fd, "p", 1, 0, MBOX_SEND_NONBLOCK, 0));
	pid = child_sends(self->fd);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(reap(pid));
	ASSERT_EQ(0, recv_one(self->fd, &mine));
	ASSERT_EQ(0, recv_one(self->fd, &child));
	EXPECT_EQ(pid, child.pid);
	EXPECT_LT(mine.start_ns, child.start_ns);
}

/* Make the next fork() get pid (needs CAP_SYS_ADMIN): 0 or -errno. */
static int next_pid_is(pid_t pid)
{
	char num[16];
	int fd, n, err = 0;

	fd = open(NS_LAST_PID, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(num, sizeof(num), "%d", pid - 1);
	if (write(fd, num, n) != n)
		err = -errno;
	close(fd);
	return err;
}

TEST_F(sender, reused_pid_is_told_apart)
{
	struct mbox_recv first, second;
	pid_t pid, again;
	int pidfd;

	pid = child_sends(self->fd);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(reap(pid));
	usleep(30000);		/* a later clock tick: /proc can tell them apart */
	if (next_pid_is(pid))
		SKIP(return, NS_LAST_PID " is not writable: cannot force pid reuse");
	again = fork();
	ASSERT_LE(0, again);
	if (!again) {
		mbox_send(self->fd, "again", 5, 0, MBOX_SEND_NONBLOCK, 0);
		pause();	/* alive until killed: a pidfd can name it */
		_exit(0);
	}
	if (again != pid) {
		kill(again, SIGKILL);
		waitpid(again, NULL, 0);
		SKIP(return, "another process took pid %d", pid);
	}
	ASSERT_EQ(0, recv_one(self->fd, &first));
	while (mbox_cur_msgs(self->fd) == 0)
		usleep(1000);
	ASSERT_EQ(0, recv_one(self->fd, &second));
	EXPECT_EQ(first.pid, second.pid);
	EXPECT_NE(first.start_ns, second.start_ns);
	/* The recipe: the first sender is gone, the second verified. */
	EXPECT_EQ(-ESRCH, sender_pidfd(&first));
	pidfd = sender_pidfd(&second);
	EXPECT_LE(0, pidfd);
	if (pidfd >= 0)
		close(pidfd);
	kill(again, SIGKILL);
	waitpid(again, NULL, 0);
}

TEST_F(sender, exited_sender_does_not_verify)
{
	struct mbox_recv r;
	pid_t pid;

	pid = child_sends(self->fd);
	ASSERT_LT(0, pid);
	ASSERT_TRUE(reap(pid));
	ASSERT_EQ(0, recv_one(self->fd, &r));
	EXPECT_EQ(pid, r.pid);
	EXPECT_NE(0, r.start_ns);
	EXPECT_EQ(-ESRCH, sender_pidfd(&r));
}

TEST_F(sender, invisible_sender_reports_zero)
{
	pid_t helper;
	int status;

	/* A receiver in a child pid namespace cannot see this process. */
	ASSERT_EQ(0, mbox_send(self->fd, "hidden", 6, 0, MBOX_SEND_NONBLOCK, 0));
	helper = fork();
	ASSERT_LE(0, helper);
	if (!helper) {
		struct mbox_recv r;
		pid_t inner;

		if (unshare(CLONE_NEWPID))
			_exit(4);
		inner = fork();
		if (!inner)
			_exit(recv_one(self->fd, &r) ? 2 : r.pid || r.start_ns ? 3 : 0);
		if (waitpid(inner, &status, 0) != inner || !WIFEXITED(status))
			_exit(5);
		_exit(WEXITSTATUS(status));
	}
	ASSERT_EQ(helper, waitpid(helper, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	if (WEXITSTATUS(status) == 4)
		SKIP(return, "unshare(CLONE_NEWPID) failed");
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(sender, ver1_receive_leaves_start_ns_untouched)
{
	struct mbox_recv r;
	char buf[16];

	ASSERT_EQ(0, mbox_send(self->fd, "v1", 2, 0, MBOX_SEND_NONBLOCK, 0));
	memset(&r, 0, sizeof(r));
	r.buf_ptr = (__u64)(uintptr_t)buf;
	r.buf_len = sizeof(buf);
	r.flags = MBOX_RECV_NONBLOCK;
	r.start_ns = 0x5a5a5a5a5a5a5a5aULL;
	ASSERT_EQ(0, mbox_ioctl(self->fd, _IOWR(MBOX_IOCTL_MAGIC, 5, char[MBOX_RECV_SIZE_VER1]),
				&r));
	EXPECT_EQ(getpid(), r.pid);
	EXPECT_EQ(0x5a5a5a5a5a5a5a5aULL, r.start_ns);
}

TEST_F(sender, batch_receive_reports_start_ns)
{
	struct mbox_recv r[2];
	struct mbox_batch b = {
		.vec_ptr = (__u64)(uintptr_t)r, .count = 2, .entry_size = sizeof(r[0]),
	};
	char buf[2][16];
	int i;

	ASSERT_EQ(0, mbox_send(self->fd, "a", 1, 0, MBOX_SEND_NONBLOCK, 0));
	ASSERT_EQ(0, mbox_send(self->fd, "b", 1, 0, MBOX_SEND_NONBLOCK, 0));
	memset(r, 0, sizeof(r));
	for (i = 0; i < 2; i++) {
		r[i].buf_ptr = (__u64)(uintptr_t)buf[i];
		r[i].buf_len = sizeof(buf[i]);
		r[i].flags = MBOX_RECV_NONBLOCK;
	}
	ASSERT_EQ(2, ioctl(self->fd, MBOX_IOC_RECV_BATCH, &b));
	EXPECT_EQ(proc_starttime(getpid()), ns_to_ticks(r[0].start_ns));
	EXPECT_EQ(r[0].start_ns, r[1].start_ns);
}

TEST_HARNESS_MAIN
