/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the mbox selftests: thin wrappers that return 0 (or a
 * value) or -errno, so one assertion checks one errno.
 */
#ifndef _MBOX_TEST_H
#define _MBOX_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/mbox.h>

#define MBOX_DEV "/dev/mbox"

/* Skip the test (with the reason) when the module is absent. */
#define mbox_skip_if_absent()						\
	do {								\
		if (access(MBOX_DEV, F_OK) && errno == ENOENT)		\
			SKIP(return, MBOX_DEV " is absent: load mbox.ko"); \
	} while (0)

/* Open /dev/mbox, or skip the test (with the reason) when the module is absent. */
#define mbox_open_or_skip(fd)						\
	do {								\
		(fd) = open(MBOX_DEV, O_RDWR | O_CLOEXEC);		\
		if ((fd) < 0 && errno == ENOENT)			\
			SKIP(return, MBOX_DEV " is absent: load mbox.ko"); \
		ASSERT_LE(0, (fd));					\
	} while (0)

/* What the loaded module supports (MBOX_IOC_VERSION) into v; skips without it. */
#define mbox_version_or_skip(v)						\
	do {								\
		int __fd;						\
									\
		mbox_open_or_skip(__fd);				\
		memset(&(v), 0, sizeof(v));				\
		ASSERT_EQ(0, mbox_ioctl(__fd, MBOX_IOC_VERSION, &(v)));	\
		close(__fd);						\
	} while (0)

/* ioctl() returning 0 or -errno. */
static inline long mbox_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

/* A name no other test (or earlier run) uses: "/<tag>-<pid>-<counter>". */
static inline const char *mbox_test_name(char *buf, size_t len, const char *tag)
{
	static unsigned int counter;

	snprintf(buf, len, "/%s-%d-%u", tag, getpid(), counter++);
	return buf;
}

/*
 * Open /dev/mbox and bind the handle with MBOX_IOC_OPEN. name NULL means an
 * anonymous mailbox. Returns the fd, or -errno (the handle is closed then).
 * The caller may pass attributes in *attr (name_ptr, flags and access are
 * overwritten); attr may be NULL for the defaults.
 */
static inline int mbox_bind(const char *name, __u32 flags, __u32 access,
			    struct mbox_open *attr)
{
	struct mbox_open o = { 0 };
	int fd, err;

	if (attr)
		o = *attr;
	o.name_ptr = (__u64)(uintptr_t)name;
	o.flags = flags;
	o.access = access;
	fd = open(MBOX_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = mbox_ioctl(fd, MBOX_IOC_OPEN, &o);
	if (err) {
		close(fd);
		return err;
	}
	if (attr)
		*attr = o;
	return fd;
}

/*
 * Create a mailbox for send and receive with mode and sizes (0: the module's
 * defaults) and the open flags in flags: named, with MBOX_OPEN_EXCL (it must
 * not exist yet), or anonymous when name is NULL. The fd or -errno.
 */
static inline int mbox_create(const char *name, __u32 flags, __u32 mode,
			      __u32 max_msgs, __u32 max_msg_size)
{
	struct mbox_open o = {
		.mode = mode, .max_msgs = max_msgs, .max_msg_size = max_msg_size,
	};

	flags |= MBOX_OPEN_CREATE | (name ? MBOX_OPEN_EXCL : 0);
	return mbox_bind(name, flags, MBOX_ACCESS_SEND | MBOX_ACCESS_RECV, &o);
}

/* An anonymous mailbox for send and receive with the module's defaults. */
static inline int mbox_anon(void)
{
	return mbox_bind(NULL, MBOX_OPEN_CREATE,
			 MBOX_ACCESS_SEND | MBOX_ACCESS_RECV, NULL);
}

static inline long mbox_send(int fd, const void *buf, size_t len, __u32 prio,
			     __u32 flags, __u64 deadline_ns)
{
	struct mbox_send s = {
		.buf_ptr = (__u64)(uintptr_t)buf,
		.len = len,
		.prio = prio,
		.flags = flags,
		.deadline_ns = deadline_ns,
	};

	return mbox_ioctl(fd, MBOX_IOC_SEND, &s);
}

/* Receive into buf; on return *r holds what the kernel reported. */
static inline long mbox_recv(int fd, void *buf, size_t len, __u32 flags,
			     __u64 deadline_ns, struct mbox_recv *r)
{
	struct mbox_recv tmp;
	long err;

	if (!r)
		r = &tmp;
	memset(r, 0, sizeof(*r));
	r->buf_ptr = (__u64)(uintptr_t)buf;
	r->buf_len = len;
	r->flags = flags;
	r->deadline_ns = deadline_ns;
	err = mbox_ioctl(fd, MBOX_IOC_RECV, r);
	return err;
}

static inline long mbox_stat(int fd, struct mbox_stat *st)
{
	memset(st, 0, sizeof(*st));
	return mbox_ioctl(fd, MBOX_IOC_STAT, st);
}

/* CLOCK_MONOTONIC now plus ms milliseconds, as a deadline_ns. */
static inline __u64 mbox_deadline_ms(long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec + ms * 1000000ULL;
}

static inline __u64 mbox_now_ns(void)
{
	return mbox_deadline_ms(0);
}

/* Milliseconds since t0 (a mbox_now_ns()). */
static inline __u64 mbox_ms_since(__u64 t0)
{
	return (mbox_now_ns() - t0) / 1000000ULL;
}

/* MBOX_IOC_UNLINK of name through fd: 0 or -errno. */
static inline long mbox_unlink(int fd, const char *name)
{
	struct mbox_name n = { .name_ptr = (__u64)(uintptr_t)name };

	return mbox_ioctl(fd, MBOX_IOC_UNLINK, &n);
}

/* MBOX_IOC_UNLINK through a handle of its own: 0 or -errno. */
static inline long mbox_unlink_name(const char *name)
{
	int fd = open(MBOX_DEV, O_RDWR | O_CLOEXEC);
	long err;

	if (fd < 0)
		return -errno;
	err = mbox_unlink(fd, name);
	close(fd);
	return err;
}

/* STAT's cur_msgs, or -errno. */
/*
 * A copy of an argument structure (at most a page) on a page of its own that
 * the kernel can read but not write, or NULL. Free with mbox_read_only_free().
 */
static inline void *mbox_read_only_copy(const void *src, size_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memcpy(p, src, len);
	if (mprotect(p, page, PROT_READ)) {
		munmap(p, page);
		return NULL;
	}
	return p;
}

static inline void mbox_read_only_free(void *p)
{
	munmap(p, sysconf(_SC_PAGESIZE));
}

static inline long mbox_cur_msgs(int fd)
{
	struct mbox_stat st;
	long err = mbox_stat(fd, &st);

	return err ? err : (long)st.cur_msgs;
}

/*
 * Poll STAT until exactly these callers are blocked on fd, for up to ms or
 * until *stop (when stop is not NULL) is set: 0, -ETIMEDOUT or -errno.
 */
static inline long mbox_wait_waiters(int fd, __u32 senders, __u32 receivers, long ms,
				     int *stop)
{
	__u64 end = mbox_deadline_ms(ms);
	struct mbox_stat st;
	long err;

	for (;;) {
		err = mbox_stat(fd, &st);
		if (err)
			return err;
		if (st.waiting_senders == senders && st.waiting_receivers == receivers)
			break;
		if (mbox_now_ns() > end || (stop && __atomic_load_n(stop, __ATOMIC_RELAXED)))
			return -ETIMEDOUT;
		usleep(2000);
	}
	/* Counted as waiting; give them the time to be asleep, too. */
	usleep(30000);
	return 0;
}

/* Make fd non-blocking: 0 or -1 (errno set). */
static inline int mbox_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* The whole of a (pseudo) file, NUL-terminated, in buf; its length or -errno. */
static inline ssize_t mbox_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
		len += n;
	close(fd);
	buf[len] = '\0';
	return len;
}

/* A reproducible random sequence (splitmix64): the next value of state *s. */
static inline __u64 mbox_rng_next(__u64 *s)
{
	__u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A reproducible random number below n. */
static inline __u32 mbox_rng_below(__u64 *s, __u32 n)
{
	return mbox_rng_next(s) % n;
}

/*
 * A campaign knob from the environment (MBOX_STRESS_SEED, ...), or def when
 * unset or not a number; *set (if given) tells whether it was set.
 */
static inline __u64 mbox_env_u64(const char *name, __u64 def, bool *set)
{
	const char *s = getenv(name);
	char *end;
	__u64 v;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end) {
		ksft_print_msg("ignoring %s=%s: not a number\n", name, s);
		return def;
	}
	if (set)
		*set = true;
	return v;
}

/* A module parameter (or other setting) changed for one test, and its value before. */
struct mbox_param {
	char path[128];
	char saved[32];
};

/* Write val to a (pseudo) file: 0 or -errno. */
static inline int mbox_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/* Set the (pseudo) file path to val, saving it first: 0 or -errno. */
static inline int mbox_setting_set(struct mbox_param *p, const char *path, const char *val)
{
	ssize_t n;

	snprintf(p->path, sizeof(p->path), "%s", path);
	n = mbox_read_file(p->path, p->saved, sizeof(p->saved));
	if (n <= 0)
		return n < 0 ? n : -EIO;
	return mbox_write_file(p->path, val);
}

/* Set /sys/module/mbox/parameters/name to val, saving it first: 0 or -errno. */
static inline int mbox_param_set(struct mbox_param *p, const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/mbox/parameters/%s", name);
	return mbox_setting_set(p, path, val);
}

static inline int mbox_param_restore(const struct mbox_param *p)
{
	return mbox_write_file(p->path, p->saved);
}

#endif /* _MBOX_TEST_H */
