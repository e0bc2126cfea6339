/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Child processes of the mbox selftests and what they share with the test:
 * forking with a watchdog, reaping and killing, one-byte pipe messages,
 * shared memory, dropping to an unprivileged uid, and counting SIGUSR1.
 *
 * Children never use ASSERT/EXPECT: they report through their exit status,
 * the pipes or shared memory, and the test checks what they reported.
 */
#ifndef _MBOX_KIDS_H
#define _MBOX_KIDS_H

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mbox_test.h"

#define MBOX_KIDS_MAX	12	/* children of one test at the most */

/*
 * The children of a test (all zero is none; the teardown kills what is left)
 * and, after mbox_kids_open(), two pipes to step them with mbox_tell() and
 * mbox_hear().
 */
struct mbox_kids {
	pid_t pid[MBOX_KIDS_MAX];
	int ready[2];		/* children -> test: one byte per step done */
	int go[2];		/* test -> children: one byte per step allowed */
};

/*
 * fork() a child of the test, which returns 0 in the child and its pid (or
 * -1) in the test. The child dies with the test (PR_SET_PDEATHSIG) and, after
 * watchdog_s seconds, by SIGALRM: a call stuck for good ends its test before
 * the harness does.
 */
static inline pid_t mbox_kid_fork(struct mbox_kids *k, unsigned int watchdog_s)
{
	pid_t parent = getpid(), pid;
	int i;

	for (i = 0; i < MBOX_KIDS_MAX && k->pid[i]; i++)
		;
	if (i == MBOX_KIDS_MAX)
		return -1;
	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(ECHILD);
		alarm(watchdog_s);
	} else if (pid > 0) {
		k->pid[i] = pid;
	}
	return pid;
}

/*
 * Evaluate call (e.g. fn(e, arg)) in a child of k, as mbox_kid_fork() makes
 * it, whose exit status is its value: the child's pid in the test, or -1.
 */
#define mbox_spawn(k, watchdog_s, call)					\
	({								\
		pid_t __pid = mbox_kid_fork(k, watchdog_s);		\
									\
		if (__pid == 0)						\
			_exit(call);					\
		__pid;							\
	})

/* Drop pid from the children to kill at the end (it was waited for). */
static inline void mbox_kid_forget(struct mbox_kids *k, pid_t pid)
{
	int i;

	for (i = 0; i < MBOX_KIDS_MAX; i++)
		if (k->pid[i] == pid)
			k->pid[i] = 0;
}

/*
 * Wait up to ms for child pid: its exit status, 128 + signal when killed, or
 * -1 when it did not end in time (it is killed then).
 */
static inline int mbox_kid_reap(struct mbox_kids *k, pid_t pid, long ms)
{
	__u64 end = mbox_deadline_ms(ms);
	int status, ret = -1;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid) {
			ret = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			break;
		}
		if ((r < 0 && errno != EINTR) || mbox_now_ns() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			break;
		}
		usleep(1000);
	}
	mbox_kid_forget(k, pid);
	return ret;
}

/* Kill and wait for the children left. */
static inline void mbox_kill_kids(struct mbox_kids *k)
{
	int i;

	for (i = 0; i < MBOX_KIDS_MAX; i++) {
		if (!k->pid[i])
			continue;
		kill(k->pid[i], SIGKILL);
		waitpid(k->pid[i], NULL, 0);
		k->pid[i] = 0;
	}
}

/* Run the calling task on @cpu only: 0 or -errno. */
static inline int mbox_pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

/* Whether child pid has not exited yet (it is not reaped). */
static inline bool mbox_kid_running(pid_t pid)
{
	siginfo_t si = { 0 };

	return !waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT) && si.si_pid == 0;
}

/* Write one byte to a pipe: 0 or -errno. */
static inline int mbox_tell(int fd, int val)
{
	unsigned char b = val;

	return write(fd, &b, 1) == 1 ? 0 : -errno;
}

/* Read one byte from a pipe within ms: the byte, -ETIMEDOUT or -errno. */
static inline int mbox_hear(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	unsigned char b;
	int n;

	n = poll(&p, 1, ms);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	n = read(fd, &b, 1);
	if (n < 0)
		return -errno;
	return n == 1 ? b : -EPIPE;
}

/* Open the ready and go pipes of k: 0 or -errno; mbox_kids_close() closes them. */
static inline int mbox_kids_open(struct mbox_kids *k)
{
	k->ready[0] = k->ready[1] = k->go[0] = k->go[1] = -1;
	if (pipe2(k->ready, O_CLOEXEC) || pipe2(k->go, O_CLOEXEC))
		return -errno;
	return 0;
}

/* Kill the children left and close the pipes of mbox_kids_open(). */
static inline void mbox_kids_close(struct mbox_kids *k)
{
	int i;

	mbox_kill_kids(k);
	for (i = 0; i < 2; i++) {
		if (k->ready[i] >= 0)
			close(k->ready[i]);
		if (k->go[i] >= 0)
			close(k->go[i]);
		k->ready[i] = k->go[i] = -1;
	}
}

/* size zeroed bytes of memory shared with the children to come, or NULL. */
static inline void *mbox_shared_new(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, size);
	return p;
}

/*
 * Become uid and gid, with no supplementary groups (for an unprivileged uid,
 * without capabilities): 0 or -errno. Needs _GNU_SOURCE.
 */
static inline int mbox_drop_to(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid))
		return -errno;
	return 0;
}

/* SIGUSR1s caught since mbox_catch_sigusr1(). */
static volatile sig_atomic_t mbox_got_signals;

static inline void mbox_on_sigusr1(int sig)
{
	(void)sig;
	mbox_got_signals++;
}

/* Count SIGUSR1 in mbox_got_signals, from 0; sa_flags e.g. SA_RESTART. */
static inline int mbox_catch_sigusr1(int sa_flags)
{
	struct sigaction sa = { .sa_handler = mbox_on_sigusr1, .sa_flags = sa_flags };

	mbox_got_signals = 0;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGUSR1, &sa, NULL);
}

#endif /* _MBOX_KIDS_H */
