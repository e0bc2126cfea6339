/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the libmbox-mq conformance tests. The tests are written
 * against <mqueue.h> only, from POSIX and the Linux man pages; the mbox uapi
 * is used just to check that a descriptor really is an mbox one and to read
 * what POSIX does not show (mode, blocked callers).
 */
#ifndef MBOX_MQ_TEST_H
#define MBOX_MQ_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/mbox.h>

#include "kselftest_harness.h"

#define NOBODY	65534

/* Skip the test when /dev/mbox is absent. */
#define SKIP_WITHOUT_DEVICE()						\
	do {								\
		if (access("/dev/mbox", F_OK))				\
			SKIP(return, "/dev/mbox is absent: load mbox.ko"); \
	} while (0)

/* "/mqt-<tag>-<pid>-<n>": a name no other test or run uses. */
static inline const char *test_name(char *buf, size_t len, const char *tag)
{
	static unsigned int counter;

	snprintf(buf, len, "/mqt-%s-%d-%u", tag, getpid(), counter++);
	return buf;
}

static inline mqd_t test_create(const char *name, int oflag, long maxmsg, long msgsize)
{
	struct mq_attr attr = { .mq_maxmsg = maxmsg, .mq_msgsize = msgsize };

	return mq_open(name, O_CREAT | O_EXCL | oflag, 0600, maxmsg ? &attr : NULL);
}

static inline int test_stat(int fd, struct mbox_stat *st)
{
	memset(st, 0, sizeof(*st));
	return ioctl(fd, MBOX_IOC_STAT, st);
}

/* Wait (politely) until n callers are blocked on the queue; 0 or -1. */
static inline int test_wait_blocked(mqd_t q, unsigned int n)
{
	struct mbox_stat st;
	int i;

	for (i = 0; i < 1000; i++) {
		if (test_stat(q, &st))
			return -1;
		if (st.waiting_senders + st.waiting_receivers >= n)
			return 0;
		usleep(5000);
	}
	return -1;
}

/* CLOCK_REALTIME now plus ms milliseconds: a POSIX absolute timeout. */
static inline struct timespec test_abs_ms(long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

static inline long test_elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/*
 * Run fn(arg) in a child that dropped root (uid and gid nobody, no
 * supplementary groups, so no capability either); its return value is the
 * child's exit status, 100 if it could not drop root.
 */
static inline int test_as_nobody(int (*fn)(const void *), const void *arg)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (!pid) {
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(100);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* A module parameter: read, or write returning 0 or -errno. */
static inline long test_get_param(const char *param)
{
	char path[128];
	long value = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/mbox/parameters/%s", param);
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%ld", &value) != 1)
			value = -1;
		fclose(f);
	}
	return value;
}

static inline int test_set_param(const char *param, long value)
{
	char path[128];
	int ret = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/mbox/parameters/%s", param);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	if (fprintf(f, "%ld\n", value) < 0)
		ret = -EIO;
	if (fclose(f))
		ret = -errno;
	return ret;
}

#endif /* MBOX_MQ_TEST_H */
