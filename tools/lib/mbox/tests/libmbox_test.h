/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the libmbox tests: unique mailbox names, feature probes
 * that turn into SKIP() with a reason, and module parameters set for one test.
 */
#ifndef LIBMBOX_TEST_H
#define LIBMBOX_TEST_H

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbox/libmbox.h>

#include "kselftest_harness.h"

#define BOTH	(MBOX_ACCESS_SEND | MBOX_ACCESS_RECV)

/* Skip the test when /dev/mbox is absent. */
#define SKIP_WITHOUT_DEVICE()						\
	do {								\
		if (access(MBOX_DEV_PATH, F_OK))			\
			SKIP(return, MBOX_DEV_PATH " is absent: load mbox.ko"); \
	} while (0)

/* Skip the test unless the module reports the ioctl (by command). */
#define SKIP_WITHOUT_IOCTL(cmd)						\
	do {								\
		SKIP_WITHOUT_DEVICE();					\
		if (!(test_version().ioctls & (1ULL << _IOC_NR(cmd))))	\
			SKIP(return, #cmd " is not supported by this module yet"); \
	} while (0)

/* Skip the test unless the module knows the MBOX_OPEN_* flag. */
#define SKIP_WITHOUT_OPEN_FLAG(flag)					\
	do {								\
		SKIP_WITHOUT_DEVICE();					\
		if (!(test_version().open_flags & (flag)))		\
			SKIP(return, #flag " is not supported by this module yet"); \
	} while (0)

static inline struct mbox_version test_version(void)
{
	struct mbox_version v = { 0 };
	int fd = mbox_open_dev(0);

	if (fd >= 0) {
		mbox_version(fd, &v);
		close(fd);
	}
	return v;
}

/* "/<tag>-<pid>-<n>": a name no other test or run uses. */
static inline const char *test_name(char *buf, size_t len, const char *tag)
{
	static unsigned int counter;

	snprintf(buf, len, "/%s-%d-%u", tag, getpid(), counter++);
	return buf;
}

/* Write a module parameter; returns 0 or -errno. */
static inline int test_set_param(const char *param, unsigned long value)
{
	char path[128];
	int ret = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/mbox/parameters/%s", param);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	if (fprintf(f, "%lu\n", value) < 0)
		ret = -EIO;
	if (fclose(f))
		ret = -errno;
	return ret;
}

static inline unsigned long test_get_param(const char *param)
{
	unsigned long value = 0;
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/mbox/parameters/%s", param);
	f = fopen(path, "re");
	if (f) {
		if (fscanf(f, "%lu", &value) != 1)
			value = 0;
		fclose(f);
	}
	return value;
}

/* CLOCK_MONOTONIC now plus ms milliseconds, as a deadline_ns. */
static inline __u64 test_deadline_ms(long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec + ms * 1000000ULL;
}

/* Wait (politely) until n callers are blocked on the mailbox of fd. */
static inline int test_wait_blocked(int fd, unsigned int n)
{
	struct mbox_stat st;
	int i;

	for (i = 0; i < 500; i++) {
		if (mbox_stat(fd, &st))
			return -1;
		if (st.waiting_senders + st.waiting_receivers >= n)
			return 0;
		usleep(10000);
	}
	return -1;
}

#endif /* LIBMBOX_TEST_H */
