// SPDX-License-Identifier: GPL-2.0
/*
 * Mailboxes and handles: MBOX_IOC_OPEN (named and anonymous, names, flags and
 * sizes), unbound and one-way handles, MBOX_IOC_UNLINK, MBOX_IOC_DESTROY,
 * sharing by fork() and SCM_RIGHTS, permissions, limits and quotas,
 * MBOX_IOC_STAT, MBOX_IOC_SETATTR, /proc/mbox and IPC namespaces.
 *
 * Tests that need another user fork a child that drops to an unprivileged
 * uid; the child reports its result through shared memory and the test
 * checks it (a child never uses ASSERT_*()).
 */
#define _GNU_SOURCE
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mbox_test.h"
#include "mbox_kids.h"

#define NOBODY		65534		/* uid and gid of unprivileged children */
#define OTHER_ID	65533		/* a second unprivileged uid and gid */
#define NAME_LEN	(MBOX_NAME_MAX + 2)	/* "/", the name and a NUL */
#define SEND_RECV	(MBOX_ACCESS_SEND | MBOX_ACCESS_RECV)
#define PROC_MBOX	"/proc/mbox"
#define PARAMS		"/sys/module/mbox/parameters/"

#define HARD_MSGS	65536U		/* hard limits, even for root */
#define HARD_MSG_SIZE	(16U << 20)
#define HARD_BYTES	(1ULL << 30)
#define CEIL_MSGS	1024U		/* default ceilings without CAP_SYS_RESOURCE */
#define CEIL_MSG_SIZE	1048576U
#define CEIL_BYTES	67108864ULL

/* What a child reports when it died or could not get to the step tested. */
#define CHILD_BROKEN	(-100000L)
#define CHILD_STEP	(-100001L)

/* ---- helpers ---------------------------------------------------------- */

/* Create a named mailbox that must not exist yet: the fd or -errno. */
static int create_named(const char *name, __u32 mode, __u32 access)
{
	struct mbox_open o = { .mode = mode };

	return mbox_bind(name, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, access, &o);
}

static int open_named(const char *name, __u32 access)
{
	return mbox_bind(name, 0, access, NULL);
}

/* A named create of name with sane arguments, for tests to spoil one field. */
static struct mbox_open create_args(const char *name)
{
	struct mbox_open o = {
		.name_ptr = (__u64)(uintptr_t)name,
		.flags = MBOX_OPEN_CREATE,
		.access = SEND_RECV,
		.mode = 0600,
	};

	return o;
}

/* Bind an unbound handle of its own with o as given: 0 or -errno. */
static long try_open(struct mbox_open *o)
{
	int fd = open(MBOX_DEV, O_RDWR | O_CLOEXEC);
	long err;

	if (fd < 0)
		return -errno;
	err = mbox_ioctl(fd, MBOX_IOC_OPEN, o);
	close(fd);
	return err;
}

static long send_str(int fd, const char *s)
{
	return mbox_send(fd, s, strlen(s), 0, MBOX_SEND_NONBLOCK, 0);
}

/* Receive one message without blocking, NUL-terminated: its length or -errno. */
static long recv_str(int fd, char *buf, size_t len)
{
	struct mbox_recv r;
	long err;

	err = mbox_recv(fd, buf, len - 1, MBOX_RECV_NONBLOCK, 0, &r);
	if (err)
		return err;
	buf[r.len < len ? r.len : len - 1] = '\0';
	return r.len;
}

static long destroy(int fd)
{
	return mbox_ioctl(fd, MBOX_IOC_DESTROY, NULL);
}

static long setattr(int fd, __u32 mask, __u32 mode, __u32 max_msgs, __u64 max_bytes)
{
	struct mbox_setattr a = {
		.mask = mask, .mode = mode, .max_msgs = max_msgs, .max_bytes = max_bytes,
	};

	return mbox_ioctl(fd, MBOX_IOC_SETATTR, &a);
}

/* read() or write() as 0 or -errno. */
static long read_err(int fd, void *buf, size_t len)
{
	return read(fd, buf, len) < 0 ? -errno : 0;
}

static long write_err(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len) < 0 ? -errno : 0;
}

/*
 * What a child gets and reports. It lives in shared memory (job_new()), so
 * the child's results are seen by the test.
 */
struct job {
	const char *name;
	__u32 flags;
	__u32 access;
	struct mbox_open open;
	struct mbox_setattr attr;
	int fd;
	long count;
	struct mbox_stat st;
	char text[512];
};

static struct job *job_new(const char *name)
{
	struct job *j = mbox_shared_new(sizeof(*j));

	if (!j)
		return NULL;
	j->name = name;
	j->fd = -1;
	return j;
}

/*
 * Run fn(j) in a child, as uid/gid unless uid is 0 (dropping root's uid drops
 * its capabilities), and return what fn returned: 0, a count or -errno.
 */
static long run_as(uid_t uid, gid_t gid, long (*fn)(struct job *), struct job *j)
{
	long *result, ret = CHILD_BROKEN;
	int status;
	pid_t pid;

	result = mbox_shared_new(sizeof(*result));
	if (!result)
		return CHILD_BROKEN;
	*result = CHILD_BROKEN;
	pid = fork();
	if (pid == 0) {
		if (uid == 0 || !mbox_drop_to(uid, gid))
			*result = fn(j);
		_exit(0);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		ret = *result;
	munmap(result, sizeof(*result));
	return ret;
}

/* In a child: a step before the one tested must succeed (fd or 0). */
#define CHILD_CHECK(expr) do {						\
		long __v = (expr);					\
		if (__v < 0) {						\
			fprintf(stderr, "# child: %s: %s\n", #expr,	\
				strerror((int)-__v));			\
			return CHILD_STEP;				\
		}							\
	} while (0)

/* Bind a new handle as j asks; 0 or -errno. */
static long child_open(struct job *j)
{
	struct mbox_open o = j->open;
	int fd;

	fd = mbox_bind(j->name, j->flags, j->access, &o);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

static long child_unlink(struct job *j)
{
	return mbox_unlink_name(j->name);
}

static long child_destroy(struct job *j)
{
	int fd;

	fd = open_named(j->name, SEND_RECV);
	CHILD_CHECK(fd);
	return destroy(fd);
}

static long child_setattr(struct job *j)
{
	int fd;

	fd = open_named(j->name, SEND_RECV);
	CHILD_CHECK(fd);
	return mbox_ioctl(fd, MBOX_IOC_SETATTR, &j->attr);
}

/* Send j->text on the inherited handle j->fd. */
static long child_send_text(struct job *j)
{
	return send_str(j->fd, j->text);
}

/* Send 4 KiB messages to j->name until a send fails; its -errno. */
static long child_fill(struct job *j)
{
	static char msg[4096];
	long err = 0;
	int fd;

	fd = open_named(j->name, MBOX_ACCESS_SEND);
	CHILD_CHECK(fd);
	for (j->count = 0; j->count < 1000; j->count++) {
		err = mbox_send(fd, msg, sizeof(msg), 0, MBOX_SEND_NONBLOCK, 0);
		if (err)
			break;
	}
	close(fd);
	return err;
}

/* Find name's line in /proc/mbox: 1 (copied to line), 0 absent, -errno. */
static int proc_mbox_find(const char *name, char *line, size_t len)
{
	size_t n = strlen(name);
	char buf[512];
	int found = 0;
	FILE *f;

	f = fopen(PROC_MBOX, "r");
	if (!f)
		return -errno;
	while (fgets(buf, sizeof(buf), f)) {
		if (!strncmp(buf, name, n) && buf[n] == ' ') {
			buf[strcspn(buf, "\n")] = '\0';
			snprintf(line, len, "%s", buf);
			found = 1;
			break;
		}
	}
	fclose(f);
	return found;
}

/* ---- the main fixture: an unbound handle and two unused names ---------- */

FIXTURE(mailbox) {
	int fd;			/* unbound */
	char name[NAME_LEN];
	char name2[NAME_LEN];
};

FIXTURE_SETUP(mailbox)
{
	mbox_open_or_skip(self->fd);
	/* Modes are asked for exactly; the umask test sets its own. */
	umask(0);
	mbox_test_name(self->name, sizeof(self->name), "mb");
	mbox_test_name(self->name2, sizeof(self->name2), "mb");
}

FIXTURE_TEARDOWN(mailbox)
{
	mbox_unlink(self->fd, self->name);
	mbox_unlink(self->fd, self->name2);
	close(self->fd);
}

/* ---- MBOX_IOC_OPEN ----------------------------------------------------- */

TEST_F(mailbox, open_create_named_works)
{
	struct mbox_stat st;
	int fd;

	fd = create_named(self->name, 0600, SEND_RECV);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_stat(fd, &st));
	EXPECT_EQ(SEND_RECV, st.access);
	EXPECT_EQ(0600, st.mode);
	close(fd);
}

TEST_F(mailbox, open_existing_name_reaches_same_mailbox)
{
	char buf[32];
	int tx, rx;

	tx = create_named(self->name, 0600, MBOX_ACCESS_SEND);
	ASSERT_LE(0, tx);
	rx = open_named(self->name, MBOX_ACCESS_RECV);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, send_str(tx, "ping"));
	EXPECT_EQ(4, recv_str(rx, buf, sizeof(buf)));
	EXPECT_STREQ("ping", buf);
	close(tx);
	close(rx);
}

TEST_F(mailbox, open_create_existing_without_excl_opens_it)
{
	char buf[32];
	int tx, rx;

	tx = mbox_bind(self->name, MBOX_OPEN_CREATE, MBOX_ACCESS_SEND, NULL);
	ASSERT_LE(0, tx);
	rx = mbox_bind(self->name, MBOX_OPEN_CREATE, MBOX_ACCESS_RECV, NULL);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, send_str(tx, "same"));
	EXPECT_EQ(4, recv_str(rx, buf, sizeof(buf)));
	close(tx);
	close(rx);
}

TEST_F(mailbox, open_create_excl_existing_is_eexist)
{
	int fd;

	fd = create_named(self->name, 0600, SEND_RECV);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EEXIST, create_named(self->name, 0600, SEND_RECV));
	close(fd);
}

TEST_F(mailbox, open_absent_name_is_enoent)
{
	EXPECT_EQ(-ENOENT, open_named(self->name, SEND_RECV));
}

TEST_F(mailbox, open_anonymous_works)
{
	char buf[32];
	int fd;

	fd = mbox_anon();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_str(fd, "anon"));
	EXPECT_EQ(4, recv_str(fd, buf, sizeof(buf)));
	close(fd);
}

TEST_F(mailbox, open_anonymous_without_create_is_einval)
{
	EXPECT_EQ(-EINVAL, mbox_bind(NULL, 0, SEND_RECV, NULL));
}

TEST_F(mailbox, open_bad_name_pointer_is_efault)
{
	struct mbox_open o = create_args(self->name);
	void *unmapped;

	unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, unmapped);
	o.name_ptr = (__u64)(uintptr_t)unmapped;
	EXPECT_EQ(-EFAULT, try_open(&o));
	/* The kernel's direct map: user copies must refuse it. */
	o.name_ptr = 0xffff888000000000ULL;
	EXPECT_EQ(-EFAULT, try_open(&o));
	munmap(unmapped, 4096);
}

TEST_F(mailbox, open_bad_argument_pointer_is_efault)
{
	EXPECT_EQ(-EFAULT, mbox_ioctl(self->fd, MBOX_IOC_OPEN, NULL));
}

/* Its answer cannot be written back: nothing is created, the handle stays unbound. */
TEST_F(mailbox, open_read_only_argument_is_efault_and_does_nothing)
{
	struct mbox_open o = create_args(self->name);
	void *ro = mbox_read_only_copy(&o, sizeof(o));

	ASSERT_NE(NULL, ro);

	EXPECT_EQ(-EFAULT, mbox_ioctl(self->fd, MBOX_IOC_OPEN, ro));
	EXPECT_EQ(-ENOENT, open_named(self->name, SEND_RECV));
	EXPECT_EQ(0, mbox_ioctl(self->fd, MBOX_IOC_OPEN, &o));
	EXPECT_EQ(0, mbox_unlink(self->fd, self->name));
	mbox_read_only_free(ro);
}

TEST_F(mailbox, open_unknown_flag_is_einval)
{
	struct mbox_open o = create_args(self->name);

	o.flags |= 1U << 31;
	EXPECT_EQ(-EINVAL, try_open(&o));
	o = create_args(self->name);
	o.flags |= MBOX_OPEN_DROP_NEWEST << 1;	/* the next flag, not yet known */
	EXPECT_EQ(-EINVAL, try_open(&o));
}

TEST_F(mailbox, open_nonzero_pad_is_einval)
{
	struct mbox_open o = create_args(self->name);

	o.pad = 1;
	EXPECT_EQ(-EINVAL, try_open(&o));
}

TEST_F(mailbox, open_without_access_is_einval)
{
	struct mbox_open o = create_args(self->name);

	o.access = 0;
	EXPECT_EQ(-EINVAL, try_open(&o));
}

TEST_F(mailbox, open_unknown_access_bit_is_einval)
{
	struct mbox_open o = create_args(self->name);

	o.access |= 1U << 2;
	EXPECT_EQ(-EINVAL, try_open(&o));
}

TEST_F(mailbox, open_mode_above_0777_is_einval)
{
	struct mbox_open o = create_args(self->name);

	o.mode = 01000;
	EXPECT_EQ(-EINVAL, try_open(&o));
}

TEST_F(mailbox, open_excl_without_create_is_einval)
{
	struct mbox_open o = create_args(self->name);
	int fd;

	/* On an existing name, so ENOENT cannot be the answer. */
	fd = create_named(self->name, 0600, SEND_RECV);
	ASSERT_LE(0, fd);
	o.flags = MBOX_OPEN_EXCL;
	EXPECT_EQ(-EINVAL, try_open(&o));
	close(fd);
}

TEST_F(mailbox, open_twice_is_ebusy)
{
	struct mbox_open anon = { .flags = MBOX_OPEN_CREATE, .access = SEND_RECV };
	struct mbox_open named = create_args(self->name);
	int fd;

	fd = mbox_anon();
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBUSY, mbox_ioctl(fd, MBOX_IOC_OPEN, &anon));
	EXPECT_EQ(-EBUSY, mbox_ioctl(fd, MBOX_IOC_OPEN, &named));
	close(fd);
}

TEST_F(mailbox, open_failure_leaves_handle_unbound)
{
	struct mbox_open o = create_args(self->name);

	o.pad = 1;
	ASSERT_EQ(-EINVAL, mbox_ioctl(self->fd, MBOX_IOC_OPEN, &o));
	o.pad = 0;
	EXPECT_EQ(0, mbox_ioctl(self->fd, MBOX_IOC_OPEN, &o));
}

TEST_F(mailbox, open_writes_back_default_sizes)
{
	struct mbox_open o = { 0 };
	int fd;

	fd = mbox_bind(NULL, MBOX_OPEN_CREATE, SEND_RECV, &o);
	ASSERT_LE(0, fd);
	EXPECT_EQ(10, o.max_msgs);
	EXPECT_EQ(8192, o.max_msg_size);
	EXPECT_EQ(10 * 8192, o.max_bytes);
	close(fd);
}

TEST_F(mailbox, open_max_bytes_defaults_to_product)
{
	struct mbox_open o = { .max_msgs = 4, .max_msg_size = 100 };
	int fd;

	fd = mbox_bind(NULL, MBOX_OPEN_CREATE, SEND_RECV, &o);
	ASSERT_LE(0, fd);
	EXPECT_EQ(4, o.max_msgs);
	EXPECT_EQ(100, o.max_msg_size);
	EXPECT_EQ(400, o.max_bytes);
	close(fd);
}

TEST_F(mailbox, open_keeps_explicit_max_bytes)
{
	struct mbox_open o = { .max_msgs = 4, .max_msg_size = 100, .max_bytes = 250 };
	int fd;

	fd = mbox_bind(NULL, MBOX_OPEN_CREATE, SEND_RECV, &o);
	ASSERT_LE(0, fd);
	EXPECT_EQ(250, o.max_bytes);
	close(fd);
}

TEST_F(mailbox, open_existing_ignores_size_fields)
{
	struct mbox_open o = { .max_msgs = 7, .max_msg_size = 200, .max_bytes = 9999 };
	int fd, fd2;

	fd = mbox_create(self->name, 0, 0600, 4, 100);
	ASSERT_LE(0, fd);
	fd2 = mbox_bind(self->name, 0, SEND_RECV, &o);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(4, o.max_msgs);
	EXPECT_EQ(100, o.max_msg_size);
	EXPECT_EQ(400, o.max_bytes);
	close(fd2);
	close(fd);
}

TEST_F(mailbox, open_msgs_above_hard_limit_is_einval)
{
	struct mbox_open o = { .max_msgs = HARD_MSGS + 1 };

	/* Root has CAP_SYS_RESOURCE: no ceiling, only the hard limit. */
	EXPECT_EQ(-EINVAL, mbox_bind(NULL, MBOX_OPEN_CREATE, SEND_RECV, &o));
}

TEST_F(mailbox, open_msg_size_above_hard_limit_is_einval)
{
	struct mbox_open o = { .max_msgs = 1, .max_msg_size = HARD_MSG_SIZE + 1 };

	EXPECT_EQ(-EINVAL, mbox_bind(NULL, MBOX_OPEN_CREATE, SEND_RECV, &o));
}

TEST_F(mailbox, open_bytes_above_hard_limit_is_einval)
{
	struct mbox_open o = { .max_bytes = HARD_BYTES + 1 };

	EXPECT_EQ(-EINVAL, mbox_bind(NULL, MBOX_OPEN_CREATE, SEND_RECV, &o));
}

TEST_F(mailbox, open_bytes_below_msg_size_is_einval)
{
	struct mbox_open o = { .max_msg_size = 100, .max_bytes = 99 };

	EXPECT_EQ(-EINVAL, mbox_bind(NULL, MBOX_OPEN_CREATE, SEND_RECV, &o));
}

/* ---- unbound handles --------------------------------------------------- */

TEST_F(mailbox, unbound_send_is_ebadfd)
{
	EXPECT_EQ(-EBADFD, mbox_send(self->fd, "x", 1, 0, MBOX_SEND_NONBLOCK, 0));
}

TEST_F(mailbox, unbound_recv_is_ebadfd)
{
	char buf[16];

	EXPECT_EQ(-EBADFD, mbox_recv(self->fd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL));
}

TEST_F(mailbox, unbound_stat_is_ebadfd)
{
	struct mbox_stat st;

	EXPECT_EQ(-EBADFD, mbox_stat(self->fd, &st));
}

TEST_F(mailbox, unbound_destroy_is_ebadfd)
{
	EXPECT_EQ(-EBADFD, destroy(self->fd));
}

TEST_F(mailbox, unbound_setattr_is_ebadfd)
{
	EXPECT_EQ(-EBADFD, setattr(self->fd, MBOX_ATTR_MODE, 0600, 0, 0));
}

TEST_F(mailbox, unbound_write_is_ebadfd)
{
	EXPECT_EQ(-EBADFD, write_err(self->fd, "x", 1));
}

TEST_F(mailbox, unbound_read_is_ebadfd)
{
	char buf[16];

	ASSERT_EQ(0, mbox_set_nonblock(self->fd));
	EXPECT_EQ(-EBADFD, read_err(self->fd, buf, sizeof(buf)));
}

/* ---- handles used in a direction they were not opened for -------------- */

TEST_F(mailbox, send_on_recv_only_handle_is_ebadf)
{
	int fd;

	fd = create_named(self->name, 0600, MBOX_ACCESS_RECV);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBADF, send_str(fd, "x"));
	close(fd);
}

TEST_F(mailbox, write_on_recv_only_handle_is_ebadf)
{
	int fd;

	fd = create_named(self->name, 0600, MBOX_ACCESS_RECV);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_set_nonblock(fd));
	EXPECT_EQ(-EBADF, write_err(fd, "x", 1));
	close(fd);
}

TEST_F(mailbox, recv_on_send_only_handle_is_ebadf)
{
	char buf[16];
	int fd;

	fd = create_named(self->name, 0600, MBOX_ACCESS_SEND);
	ASSERT_LE(0, fd);
	/* A message is queued: only the direction can refuse. */
	ASSERT_EQ(0, send_str(fd, "x"));
	EXPECT_EQ(-EBADF, mbox_recv(fd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL));
	close(fd);
}

TEST_F(mailbox, read_on_send_only_handle_is_ebadf)
{
	char buf[16];
	int fd;

	fd = create_named(self->name, 0600, MBOX_ACCESS_SEND);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_str(fd, "x"));
	ASSERT_EQ(0, mbox_set_nonblock(fd));
	EXPECT_EQ(-EBADF, read_err(fd, buf, sizeof(buf)));
	close(fd);
}

/* ---- MBOX_IOC_UNLINK --------------------------------------------------- */

TEST_F(mailbox, unlink_removes_name_at_once)
{
	int fd;

	fd = create_named(self->name, 0600, SEND_RECV);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_unlink(self->fd, self->name));
	EXPECT_EQ(-ENOENT, open_named(self->name, SEND_RECV));
	close(fd);
}

TEST_F(mailbox, unlink_works_on_bound_handle)
{
	int fd;

	fd = create_named(self->name, 0600, SEND_RECV);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, mbox_unlink(fd, self->name));
	close(fd);
}

TEST_F(mailbox, unlinked_mailbox_handles_keep_working)
{
	char buf[32];
	int tx, rx;

	tx = create_named(self->name, 0600, MBOX_ACCESS_SEND);
	ASSERT_LE(0, tx);
	rx = open_named(self->name, MBOX_ACCESS_RECV);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, mbox_unlink(self->fd, self->name));
	ASSERT_EQ(0, send_str(tx, "after"));
	EXPECT_EQ(5, recv_str(rx, buf, sizeof(buf)));
	EXPECT_STREQ("after", buf);
	close(tx);
	close(rx);
}

TEST_F(mailbox, unlinked_name_is_recreated_as_new_mailbox)
{
	char buf[32];
	int old, new;

	old = create_named(self->name, 0600, SEND_RECV);
	ASSERT_LE(0, old);
	ASSERT_EQ(0, send_str(old, "old"));
	ASSERT_EQ(0, mbox_unlink(self->fd, self->name));
	new = create_named(self->name, 0600, SEND_RECV);
	ASSERT_LE(0, new);
	/* Neither sees the other's messages. */
	EXPECT_EQ(-EAGAIN, recv_str(new, buf, sizeof(buf)));
	ASSERT_EQ(0, send_str(new, "new"));
	EXPECT_EQ(3, recv_str(old, buf, sizeof(buf)));
	EXPECT_STREQ("old", buf);
	EXPECT_EQ(-EAGAIN, recv_str(old, buf, sizeof(buf)));
	EXPECT_EQ(3, recv_str(new, buf, sizeof(buf)));
	EXPECT_STREQ("new", buf);
	close(old);
	close(new);
}

TEST_F(mailbox, unlink_absent_is_enoent)
{
	EXPECT_EQ(-ENOENT, mbox_unlink(self->fd, self->name));
}

TEST_F(mailbox, unlink_by_non_owner_is_eperm)
{
	struct job *j = job_new(self->name);
	int fd;

	ASSERT_NE(NULL, j);
	fd = create_named(self->name, 0666, SEND_RECV);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EPERM, run_as(NOBODY, NOBODY, child_unlink, j));
	/* Refused means untouched. */
	close(fd);
	fd = open_named(self->name, SEND_RECV);
	EXPECT_LE(0, fd);
	close(fd);
}

static long child_create_then_unlink(struct job *j)
{
	int fd;

	fd = create_named(j->name, 0600, SEND_RECV);
	CHILD_CHECK(fd);
	close(fd);
	return mbox_unlink_name(j->name);
}

TEST_F(mailbox, unlink_by_unprivileged_owner_works)
{
	struct job *j = job_new(self->name);

	ASSERT_NE(NULL, j);
	EXPECT_EQ(0, run_as(NOBODY, NOBODY, child_create_then_unlink, j));
	EXPECT_EQ(-ENOENT, open_named(self->name, SEND_RECV));
}

TEST_F(mailbox, unlink_bad_name_pointer_is_efault)
{
	void *unmapped;

	unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, unmapped);
	EXPECT_EQ(-EFAULT, mbox_unlink(self->fd, unmapped));
	EXPECT_EQ(-EFAULT, mbox_ioctl(self->fd, MBOX_IOC_UNLINK, NULL));
	munmap(unmapped, 4096);
}

/* Create j->name with mode j->open.mode and leave it. */
static long child_create(struct job *j)
{
	int fd;

	fd = create_named(j->name, j->open.mode, SEND_RECV);
	CHILD_CHECK(fd);
	close(fd);
	return 0;
}

TEST_F(mailbox, root_may_unlink_others_mailbox)
{
	struct job *j = job_new(self->name);

	ASSERT_NE(NULL, j);
	j->open.mode = 0600;
	ASSERT_EQ(0, run_as(NOBODY, NOBODY, child_create, j));
	/* CAP_SYS_ADMIN stands in for the owner. */
	EXPECT_EQ(0, mbox_unlink(self->fd, self->name));
}

/* ---- MBOX_IOC_DESTROY -------------------------------------------------- */

TEST_F(mailbox, root_may_destroy_others_mailbox)
{
	struct job *j = job_new(self->name);
	int fd;

	ASSERT_NE(NULL, j);
	j->open.mode = 0600;
	ASSERT_EQ(0, run_as(NOBODY, NOBODY, child_create, j));
	fd = open_named(self->name, SEND_RECV);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, destroy(fd));
	close(fd);
}

/* Two handles of one mailbox with a message queued; h[0] destroys it. */
static int destroy_pair(const char *name, int h[2])
{
	h[0] = create_named(name, 0600, SEND_RECV);
	if (h[0] < 0)
		return h[0];
	h[1] = open_named(name, SEND_RECV);
	if (h[1] < 0)
		return h[1];
	if (send_str(h[0], "queued") || mbox_set_nonblock(h[0]) || mbox_set_nonblock(h[1]))
		return -EIO;
	return destroy(h[0]);
}

TEST_F(mailbox, destroy_then_send_is_eidrm)
{
	int h[2];

	ASSERT_EQ(0, destroy_pair(self->name, h));
	EXPECT_EQ(-EIDRM, send_str(h[0], "x"));
	EXPECT_EQ(-EIDRM, send_str(h[1], "x"));
	close(h[0]);
	close(h[1]);
}

TEST_F(mailbox, destroy_then_recv_is_eidrm)
{
	char buf[32];
	int h[2];

	ASSERT_EQ(0, destroy_pair(self->name, h));
	EXPECT_EQ(-EIDRM, recv_str(h[0], buf, sizeof(buf)));
	EXPECT_EQ(-EIDRM, recv_str(h[1], buf, sizeof(buf)));
	close(h[0]);
	close(h[1]);
}

TEST_F(mailbox, destroy_then_stat_is_eidrm)
{
	struct mbox_stat st;
	int h[2];

	ASSERT_EQ(0, destroy_pair(self->name, h));
	EXPECT_EQ(-EIDRM, mbox_stat(h[0], &st));
	EXPECT_EQ(-EIDRM, mbox_stat(h[1], &st));
	close(h[0]);
	close(h[1]);
}

TEST_F(mailbox, destroy_then_read_is_eidrm)
{
	char buf[32];
	int h[2];

	ASSERT_EQ(0, destroy_pair(self->name, h));
	EXPECT_EQ(-EIDRM, read_err(h[0], buf, sizeof(buf)));
	EXPECT_EQ(-EIDRM, read_err(h[1], buf, sizeof(buf)));
	close(h[0]);
	close(h[1]);
}

TEST_F(mailbox, destroy_then_write_is_eidrm)
{
	int h[2];

	ASSERT_EQ(0, destroy_pair(self->name, h));
	EXPECT_EQ(-EIDRM, write_err(h[0], "x", 1));
	EXPECT_EQ(-EIDRM, write_err(h[1], "x", 1));
	close(h[0]);
	close(h[1]);
}

TEST_F(mailbox, destroy_then_setattr_is_eidrm)
{
	int h[2];

	ASSERT_EQ(0, destroy_pair(self->name, h));
	EXPECT_EQ(-EIDRM, setattr(h[1], MBOX_ATTR_MODE, 0600, 0, 0));
	close(h[0]);
	close(h[1]);
}

TEST_F(mailbox, destroy_twice_is_eidrm)
{
	int h[2];

	ASSERT_EQ(0, destroy_pair(self->name, h));
	EXPECT_EQ(-EIDRM, destroy(h[1]));
	close(h[0]);
	close(h[1]);
}

TEST_F(mailbox, destroy_removes_name)
{
	int h[2];

	ASSERT_EQ(0, destroy_pair(self->name, h));
	EXPECT_EQ(-ENOENT, open_named(self->name, SEND_RECV));
	EXPECT_EQ(-ENOENT, mbox_unlink(self->fd, self->name));
	close(h[0]);
	close(h[1]);
}

TEST_F(mailbox, destroyed_name_is_recreated_as_new_mailbox)
{
	char buf[32];
	int h[2], fd;

	ASSERT_EQ(0, destroy_pair(self->name, h));
	fd = create_named(self->name, 0600, SEND_RECV);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EAGAIN, recv_str(fd, buf, sizeof(buf)));
	close(fd);
	close(h[0]);
	close(h[1]);
}

TEST_F(mailbox, destroyed_mailbox_polls_hup_and_err)
{
	struct pollfd p;
	int h[2];

	ASSERT_EQ(0, destroy_pair(self->name, h));
	p.fd = h[1];
	p.events = POLLIN | POLLOUT;
	p.revents = 0;
	ASSERT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLHUP | POLLERR, p.revents & (POLLHUP | POLLERR));
	close(h[0]);
	close(h[1]);
}

TEST_F(mailbox, destroy_by_non_owner_is_eperm)
{
	struct job *j = job_new(self->name);
	char buf[32];
	int fd;

	ASSERT_NE(NULL, j);
	fd = create_named(self->name, 0666, SEND_RECV);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_str(fd, "kept"));
	EXPECT_EQ(-EPERM, run_as(NOBODY, NOBODY, child_destroy, j));
	/* Refused means untouched. */
	EXPECT_EQ(4, recv_str(fd, buf, sizeof(buf)));
	close(fd);
}

struct blocked_recv {
	int fd;
	long err;
};

static void *blocked_recv_thread(void *arg)
{
	struct blocked_recv *b = arg;
	char buf[16];

	b->err = mbox_recv(b->fd, buf, sizeof(buf), MBOX_RECV_DEADLINE,
			   mbox_deadline_ms(5000), NULL);
	return NULL;
}

TEST_F(mailbox, destroy_wakes_blocked_receiver_with_eidrm)
{
	struct blocked_recv b = { .err = 1 };
	struct mbox_stat st;
	pthread_t t;
	int fd, i;

	fd = create_named(self->name, 0600, SEND_RECV);
	ASSERT_LE(0, fd);
	b.fd = open_named(self->name, MBOX_ACCESS_RECV);
	ASSERT_LE(0, b.fd);
	ASSERT_EQ(0, pthread_create(&t, NULL, blocked_recv_thread, &b));
	for (i = 0; i < 200; i++) {
		if (!mbox_stat(fd, &st) && st.waiting_receivers == 1)
			break;
		usleep(10000);
	}
	EXPECT_EQ(1, st.waiting_receivers);
	ASSERT_EQ(0, destroy(fd));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-EIDRM, b.err);
	close(b.fd);
	close(fd);
}

TEST_F(mailbox, named_mailbox_without_handles_keeps_messages)
{
	char buf[32];
	int fd;

	fd = create_named(self->name, 0600, SEND_RECV);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_str(fd, "first"));
	ASSERT_EQ(0, send_str(fd, "second"));
	close(fd);

	fd = open_named(self->name, MBOX_ACCESS_RECV);
	ASSERT_LE(0, fd);
	EXPECT_EQ(5, recv_str(fd, buf, sizeof(buf)));
	EXPECT_STREQ("first", buf);
	EXPECT_EQ(6, recv_str(fd, buf, sizeof(buf)));
	EXPECT_STREQ("second", buf);
	close(fd);
}

/* ---- anonymous mailboxes shared ---------------------------------------- */

TEST_F(mailbox, anonymous_mailbox_shared_by_fork)
{
	struct job *j = job_new(NULL);
	char buf[32];

	ASSERT_NE(NULL, j);
	j->fd = mbox_anon();
	ASSERT_LE(0, j->fd);
	snprintf(j->text, sizeof(j->text), "from-child");
	ASSERT_EQ(0, run_as(0, 0, child_send_text, j));
	EXPECT_EQ(10, recv_str(j->fd, buf, sizeof(buf)));
	EXPECT_STREQ("from-child", buf);
	close(j->fd);
}

/* Create an anonymous mailbox, queue a message and pass the handle on j->fd. */
static long child_pass_anon(struct job *j)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = "m", .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	int fd;

	fd = mbox_anon();
	CHILD_CHECK(fd);
	CHILD_CHECK(send_str(fd, "over-scm"));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(j->fd, &msg, 0) != 1)
		return -errno;
	/* The child's handle goes: only the one in flight keeps the mailbox. */
	close(fd);
	return 0;
}

TEST_F(mailbox, anonymous_mailbox_shared_by_scm_rights)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte, buf[32];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct job *j = job_new(NULL);
	struct cmsghdr *c;
	int sv[2], fd;

	ASSERT_NE(NULL, j);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	j->fd = sv[1];
	ASSERT_EQ(0, run_as(0, 0, child_pass_anon, j));
	ASSERT_EQ(1, recvmsg(sv[0], &msg, 0));
	c = CMSG_FIRSTHDR(&msg);
	ASSERT_NE(NULL, c);
	ASSERT_EQ(SCM_RIGHTS, c->cmsg_type);
	memcpy(&fd, CMSG_DATA(c), sizeof(int));

	EXPECT_EQ(8, recv_str(fd, buf, sizeof(buf)));
	EXPECT_STREQ("over-scm", buf);
	/* And the other way: what this side sends, the mailbox holds. */
	ASSERT_EQ(0, send_str(fd, "reply"));
	EXPECT_EQ(5, recv_str(fd, buf, sizeof(buf)));
	close(fd);
	close(sv[0]);
	close(sv[1]);
}

TEST_F(mailbox, anonymous_mailbox_needs_no_permission)
{
	struct job *j = job_new(NULL);
	struct mbox_open o = { .mode = 0 };

	ASSERT_NE(NULL, j);
	j->fd = mbox_bind(NULL, MBOX_OPEN_CREATE, SEND_RECV, &o);
	ASSERT_LE(0, j->fd);
	snprintf(j->text, sizeof(j->text), "nobody");
	EXPECT_EQ(0, run_as(NOBODY, NOBODY, child_send_text, j));
	close(j->fd);
}

/* ---- permissions ------------------------------------------------------- */

TEST_F(mailbox, root_opens_mode_0000_mailbox)
{
	int fd;

	fd = create_named(self->name, 0000, SEND_RECV);
	ASSERT_LE(0, fd);
	close(fd);
	/* CAP_IPC_OWNER overrides the mode bits. */
	fd = open_named(self->name, SEND_RECV);
	EXPECT_LE(0, fd);
	close(fd);
}

TEST_F(mailbox, create_applies_umask)
{
	struct mbox_stat st;
	int fd;

	umask(027);
	fd = create_named(self->name, 0666, SEND_RECV);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_stat(fd, &st));
	EXPECT_EQ(0640, st.mode);
	close(fd);
}

/* Create j->name as 0666, take away the owner's bits, open it again. */
static long child_owner_without_bits(struct job *j)
{
	int fd;

	fd = create_named(j->name, 0666, SEND_RECV);
	CHILD_CHECK(fd);
	CHILD_CHECK(setattr(fd, MBOX_ATTR_MODE, 0066, 0, 0));
	close(fd);
	return child_open(j);
}

TEST_F(mailbox, owner_class_decides_over_group_and_others)
{
	struct job *j = job_new(self->name);

	ASSERT_NE(NULL, j);
	j->access = MBOX_ACCESS_RECV;
	EXPECT_EQ(-EACCES, run_as(NOBODY, NOBODY, child_owner_without_bits, j));
}

/* ---- MBOX_IOC_STAT ----------------------------------------------------- */

TEST_F(mailbox, stat_reports_attributes_and_counters)
{
	struct mbox_open o = { .mode = 0640, .max_msgs = 5, .max_msg_size = 100 };
	char buf[128] = { 0 };
	struct mbox_stat st;
	struct mbox_recv r;
	int fd;

	fd = mbox_bind(self->name, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, SEND_RECV, &o);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_send(fd, buf, 10, 0, 0, 0));
	ASSERT_EQ(0, mbox_send(fd, buf, 20, 0, 0, 0));
	ASSERT_EQ(0, mbox_send(fd, buf, 30, 0, 0, 0));
	ASSERT_EQ(0, mbox_recv(fd, buf, sizeof(buf), 0, 0, &r));
	ASSERT_EQ(10, r.len);
	/* A peek is not a receive. */
	ASSERT_EQ(0, mbox_recv(fd, buf, sizeof(buf), MBOX_RECV_PEEK, 0, &r));

	/* Every byte of the answer is written: no stale pattern survives. */
	memset(&st, 0xa5, sizeof(st));
	ASSERT_EQ(0, mbox_ioctl(fd, MBOX_IOC_STAT, &st));
	EXPECT_EQ(0, st.flags);
	EXPECT_EQ(0640, st.mode);
	EXPECT_EQ(0, st.uid);
	EXPECT_EQ(0, st.gid);
	EXPECT_EQ(SEND_RECV, st.access);
	EXPECT_EQ(5, st.max_msgs);
	EXPECT_EQ(100, st.max_msg_size);
	EXPECT_EQ(2, st.cur_msgs);
	EXPECT_EQ(500, st.max_bytes);
	EXPECT_EQ(50, st.cur_bytes);
	EXPECT_EQ(0, st.waiting_senders);
	EXPECT_EQ(0, st.waiting_receivers);
	EXPECT_EQ(3, st.total_sent);
	EXPECT_EQ(1, st.total_received);
	close(fd);
}

TEST_F(mailbox, stat_reports_fixed_size_flag)
{
	struct mbox_open o = { .mode = 0600, .max_msg_size = 64 };
	struct mbox_stat st;
	int fd;

	fd = mbox_bind(NULL, MBOX_OPEN_CREATE | MBOX_OPEN_FIXED_SIZE, SEND_RECV, &o);
	ASSERT_LE(0, fd);
	memset(&st, 0xa5, sizeof(st));
	ASSERT_EQ(0, mbox_ioctl(fd, MBOX_IOC_STAT, &st));
	EXPECT_EQ(MBOX_OPEN_FIXED_SIZE, st.flags);
	EXPECT_EQ(64, st.max_msg_size);
	close(fd);
}

TEST_F(mailbox, stat_reports_handle_access)
{
	struct mbox_stat st;
	int tx, rx;

	tx = create_named(self->name, 0600, MBOX_ACCESS_SEND);
	ASSERT_LE(0, tx);
	rx = open_named(self->name, MBOX_ACCESS_RECV);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, mbox_stat(tx, &st));
	EXPECT_EQ(MBOX_ACCESS_SEND, st.access);
	ASSERT_EQ(0, mbox_stat(rx, &st));
	EXPECT_EQ(MBOX_ACCESS_RECV, st.access);
	close(tx);
	close(rx);
}

static long child_create_and_stat(struct job *j)
{
	int fd;

	fd = create_named(j->name, 0640, SEND_RECV);
	CHILD_CHECK(fd);
	memset(&j->st, 0xa5, sizeof(j->st));
	return mbox_ioctl(fd, MBOX_IOC_STAT, &j->st);
}

TEST_F(mailbox, stat_reports_creator_uid_and_gid)
{
	struct job *j = job_new(self->name);

	ASSERT_NE(NULL, j);
	ASSERT_EQ(0, run_as(NOBODY, OTHER_ID, child_create_and_stat, j));
	EXPECT_EQ(NOBODY, j->st.uid);
	EXPECT_EQ(OTHER_ID, j->st.gid);
	EXPECT_EQ(0640, j->st.mode);
}

/* ---- MBOX_IOC_SETATTR -------------------------------------------------- */

TEST_F(mailbox, setattr_owner_changes_mode)
{
	struct mbox_stat st;
	int fd;

	fd = create_named(self->name, 0600, SEND_RECV);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setattr(fd, MBOX_ATTR_MODE, 0644, 0, 0));
	ASSERT_EQ(0, mbox_stat(fd, &st));
	EXPECT_EQ(0644, st.mode);
	close(fd);
}

TEST_F(mailbox, setattr_owner_changes_capacity)
{
	struct mbox_stat st;
	int fd;

	fd = mbox_create(self->name, 0, 0600, 5, 100);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, setattr(fd, MBOX_ATTR_MAX_MSGS | MBOX_ATTR_MAX_BYTES, 0, 3, 1000));
	ASSERT_EQ(0, mbox_stat(fd, &st));
	EXPECT_EQ(3, st.max_msgs);
	EXPECT_EQ(1000, st.max_bytes);
	EXPECT_EQ(100, st.max_msg_size);
	EXPECT_EQ(0600, st.mode);
	close(fd);
}

TEST_F(mailbox, setattr_ignores_fields_outside_mask)
{
	struct mbox_stat st;
	int fd;

	fd = mbox_create(self->name, 0, 0600, 5, 100);
	ASSERT_LE(0, fd);
	/* max_msgs 0 and max_bytes 0 would be invalid, but are not asked for. */
	ASSERT_EQ(0, setattr(fd, MBOX_ATTR_MODE, 0640, 0, 0));
	ASSERT_EQ(0, mbox_stat(fd, &st));
	EXPECT_EQ(0640, st.mode);
	EXPECT_EQ(5, st.max_msgs);
	EXPECT_EQ(500, st.max_bytes);
	close(fd);
}

TEST_F(mailbox, setattr_by_non_owner_is_eperm)
{
	struct job *j = job_new(self->name);
	struct mbox_stat st;
	int fd;

	ASSERT_NE(NULL, j);
	fd = create_named(self->name, 0666, SEND_RECV);
	ASSERT_LE(0, fd);
	j->attr.mask = MBOX_ATTR_MODE;
	j->attr.mode = 0600;
	EXPECT_EQ(-EPERM, run_as(NOBODY, NOBODY, child_setattr, j));
	ASSERT_EQ(0, mbox_stat(fd, &st));
	EXPECT_EQ(0666, st.mode);
	close(fd);
}

static long child_create_and_setattr(struct job *j)
{
	int fd;

	fd = create_named(j->name, 0600, SEND_RECV);
	CHILD_CHECK(fd);
	return mbox_ioctl(fd, MBOX_IOC_SETATTR, &j->attr);
}

TEST_F(mailbox, setattr_by_unprivileged_owner_works)
{
	struct job *j = job_new(self->name);

	ASSERT_NE(NULL, j);
	j->attr.mask = MBOX_ATTR_MODE | MBOX_ATTR_MAX_MSGS;
	j->attr.mode = 0644;
	j->attr.max_msgs = 20;
	EXPECT_EQ(0, run_as(NOBODY, NOBODY, child_create_and_setattr, j));
}

TEST_F(mailbox, setattr_above_ceiling_as_unprivileged_owner_is_eperm)
{
	struct job *j = job_new(self->name);

	ASSERT_NE(NULL, j);
	j->attr.mask = MBOX_ATTR_MAX_MSGS;
	j->attr.max_msgs = CEIL_MSGS + 1;
	EXPECT_EQ(-EPERM, run_as(NOBODY, NOBODY, child_create_and_setattr, j));
}

TEST_F(mailbox, setattr_unknown_mask_bit_is_einval)
{
	int fd;

	fd = create_named(self->name, 0600, SEND_RECV);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, setattr(fd, MBOX_ATTR_MODE | (MBOX_ATTR_MAX_BYTES << 1), 0600, 0, 0));
	EXPECT_EQ(-EINVAL, setattr(fd, 1U << 31, 0, 0, 0));
	close(fd);
}

TEST_F(mailbox, setattr_nonzero_pad_is_einval)
{
	struct mbox_setattr a = { .mask = MBOX_ATTR_MODE, .mode = 0600, .pad = 1 };
	int fd;

	fd = create_named(self->name, 0600, SEND_RECV);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, mbox_ioctl(fd, MBOX_IOC_SETATTR, &a));
	close(fd);
}

TEST_F(mailbox, setattr_mode_above_0777_is_einval)
{
	int fd;

	fd = create_named(self->name, 0600, SEND_RECV);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, setattr(fd, MBOX_ATTR_MODE, 01600, 0, 0));
	close(fd);
}

TEST_F(mailbox, setattr_max_msgs_zero_is_einval)
{
	int fd;

	fd = create_named(self->name, 0600, SEND_RECV);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, setattr(fd, MBOX_ATTR_MAX_MSGS, 0, 0, 0));
	close(fd);
}

TEST_F(mailbox, setattr_max_msgs_above_hard_limit_is_einval)
{
	int fd;

	fd = create_named(self->name, 0600, SEND_RECV);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, setattr(fd, MBOX_ATTR_MAX_MSGS, 0, HARD_MSGS + 1, 0));
	close(fd);
}

TEST_F(mailbox, setattr_max_bytes_below_msg_size_is_einval)
{
	int fd;

	fd = mbox_create(self->name, 0, 0600, 5, 100);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, setattr(fd, MBOX_ATTR_MAX_BYTES, 0, 0, 99));
	close(fd);
}

TEST_F(mailbox, setattr_lowered_max_msgs_blocks_send_until_received)
{
	char buf[32];
	int fd;

	fd = mbox_create(self->name, 0, 0600, 5, 100);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_str(fd, "1"));
	ASSERT_EQ(0, send_str(fd, "2"));
	ASSERT_EQ(0, send_str(fd, "3"));
	ASSERT_EQ(0, setattr(fd, MBOX_ATTR_MAX_MSGS, 0, 2, 0));
	EXPECT_EQ(-EAGAIN, send_str(fd, "4"));
	ASSERT_EQ(1, recv_str(fd, buf, sizeof(buf)));
	/* Two queued, two allowed: still full. */
	EXPECT_EQ(-EAGAIN, send_str(fd, "4"));
	ASSERT_EQ(1, recv_str(fd, buf, sizeof(buf)));
	EXPECT_EQ(0, send_str(fd, "4"));
	close(fd);
}

TEST_F(mailbox, setattr_max_bytes_above_hard_limit_is_einval)
{
	int fd;

	fd = create_named(self->name, 0600, SEND_RECV);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, setattr(fd, MBOX_ATTR_MAX_BYTES, 0, 0, HARD_BYTES + 1));
	close(fd);
}

TEST_F(mailbox, setattr_raised_max_msgs_makes_room)
{
	int fd;

	fd = mbox_create(self->name, 0, 0600, 1, 100);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_str(fd, "1"));
	ASSERT_EQ(-EAGAIN, send_str(fd, "2"));
	ASSERT_EQ(0, setattr(fd, MBOX_ATTR_MAX_MSGS, 0, 2, 0));
	EXPECT_EQ(0, send_str(fd, "2"));
	close(fd);
}

TEST_F(mailbox, setattr_mode_governs_later_opens)
{
	struct job *j = job_new(self->name);
	int fd;

	ASSERT_NE(NULL, j);
	fd = create_named(self->name, 0600, SEND_RECV);
	ASSERT_LE(0, fd);
	j->access = MBOX_ACCESS_SEND;
	ASSERT_EQ(-EACCES, run_as(NOBODY, NOBODY, child_open, j));
	ASSERT_EQ(0, setattr(fd, MBOX_ATTR_MODE, 0602, 0, 0));
	EXPECT_EQ(0, run_as(NOBODY, NOBODY, child_open, j));
	close(fd);
}

/* ---- /proc/mbox -------------------------------------------------------- */

TEST_F(mailbox, proc_mbox_starts_with_header)
{
	char line[128] = "";
	FILE *f;

	f = fopen(PROC_MBOX, "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(line, sizeof(line), f));
	EXPECT_STREQ("name uid gid mode msgs bytes\n", line);
	fclose(f);
}

TEST_F(mailbox, proc_mbox_lists_named_mailbox)
{
	char line[512], want[512];
	int fd;

	fd = create_named(self->name, 0640, SEND_RECV);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_str(fd, "12345"));
	ASSERT_EQ(0, send_str(fd, "1234567"));
	ASSERT_EQ(1, proc_mbox_find(self->name, line, sizeof(line)));
	snprintf(want, sizeof(want), "%s 0 0 0640 2 12", self->name);
	EXPECT_STREQ(want, line);
	close(fd);
}

TEST_F(mailbox, proc_mbox_shows_owner)
{
	struct job *j = job_new(self->name);
	char line[512], want[512];

	ASSERT_NE(NULL, j);
	j->open.mode = 0604;
	ASSERT_EQ(0, run_as(NOBODY, OTHER_ID, child_create, j));
	ASSERT_EQ(1, proc_mbox_find(self->name, line, sizeof(line)));
	snprintf(want, sizeof(want), "%s %d %d 0604 0 0", self->name, NOBODY, OTHER_ID);
	EXPECT_STREQ(want, line);
}

TEST_F(mailbox, proc_mbox_drops_unlinked_mailbox)
{
	char line[512];
	int fd;

	fd = create_named(self->name, 0600, SEND_RECV);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, proc_mbox_find(self->name, line, sizeof(line)));
	ASSERT_EQ(0, mbox_unlink(self->fd, self->name));
	/* Gone although a handle still has it open. */
	EXPECT_EQ(0, proc_mbox_find(self->name, line, sizeof(line)));
	close(fd);
}

TEST_F(mailbox, proc_mbox_drops_destroyed_mailbox)
{
	char line[512];
	int h[2];

	ASSERT_EQ(0, destroy_pair(self->name, h));
	EXPECT_EQ(0, proc_mbox_find(self->name, line, sizeof(line)));
	close(h[0]);
	close(h[1]);
}

/* ---- IPC namespaces ---------------------------------------------------- */

static long child_ns_open(struct job *j)
{
	CHILD_CHECK(unshare(CLONE_NEWIPC) ? -errno : 0);
	return child_open(j);
}

TEST_F(mailbox, ipc_ns_hides_parent_mailbox)
{
	struct job *j = job_new(self->name);
	int fd;

	ASSERT_NE(NULL, j);
	fd = create_named(self->name, 0666, SEND_RECV);
	ASSERT_LE(0, fd);
	j->access = SEND_RECV;
	EXPECT_EQ(-ENOENT, run_as(0, 0, child_ns_open, j));
	close(fd);
}

/* In a new IPC namespace: create j->name anew, which must be empty. */
static long child_ns_create_same_name(struct job *j)
{
	char buf[32];
	long err;
	int fd;

	CHILD_CHECK(unshare(CLONE_NEWIPC) ? -errno : 0);
	fd = create_named(j->name, 0600, SEND_RECV);
	if (fd < 0)
		return fd;
	err = recv_str(fd, buf, sizeof(buf));
	if (err != -EAGAIN) {
		fprintf(stderr, "# child: new mailbox not empty: %ld\n", err);
		return CHILD_STEP;
	}
	CHILD_CHECK(send_str(fd, "child"));
	/* A named mailbox keeps its namespace alive: do not leave it. */
	CHILD_CHECK(mbox_unlink(fd, j->name));
	close(fd);
	return 0;
}

TEST_F(mailbox, ipc_ns_creates_same_name_independently)
{
	struct job *j = job_new(self->name);
	char buf[32];
	int fd;

	ASSERT_NE(NULL, j);
	fd = create_named(self->name, 0600, SEND_RECV);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_str(fd, "parent"));
	EXPECT_EQ(0, run_as(0, 0, child_ns_create_same_name, j));
	EXPECT_EQ(6, recv_str(fd, buf, sizeof(buf)));
	EXPECT_STREQ("parent", buf);
	EXPECT_EQ(-EAGAIN, recv_str(fd, buf, sizeof(buf)));
	close(fd);
}

/* In a new IPC namespace: 1 when /proc/mbox lists j->name, 0 when not. */
static long child_ns_proc_find(struct job *j)
{
	FILE *f;

	CHILD_CHECK(unshare(CLONE_NEWIPC) ? -errno : 0);
	f = fopen(PROC_MBOX, "r");
	if (!f)
		return -errno;
	/* The header is still there. */
	if (!fgets(j->text, sizeof(j->text), f))
		j->text[0] = '\0';
	fclose(f);
	return proc_mbox_find(j->name, j->text + 256, 256);
}

TEST_F(mailbox, ipc_ns_proc_mbox_hides_parent_mailbox)
{
	struct job *j = job_new(self->name);
	char line[512];
	int fd;

	ASSERT_NE(NULL, j);
	fd = create_named(self->name, 0600, SEND_RECV);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, proc_mbox_find(self->name, line, sizeof(line)));
	EXPECT_EQ(0, run_as(0, 0, child_ns_proc_find, j));
	EXPECT_STREQ("name uid gid mode msgs bytes\n", j->text);
	close(fd);
}

/* ---- names: valid and invalid forms, for OPEN and UNLINK --------------- */

FIXTURE(name) {
	int fd;
	char name[NAME_LEN + 1];
};

FIXTURE_VARIANT(name) {
	const char *name;	/* NULL: a unique name of len bytes after "/" */
	int len;
	int create_err;		/* of a CREATE */
	int unlink_err;		/* of an UNLINK while absent */
};

FIXTURE_VARIANT_ADD(name, empty_is_einval) {
	.name = "", .create_err = EINVAL, .unlink_err = EINVAL,
};

FIXTURE_VARIANT_ADD(name, no_leading_slash_is_einval) {
	.name = "mbox-test-noslash", .create_err = EINVAL, .unlink_err = EINVAL,
};

FIXTURE_VARIANT_ADD(name, slash_alone_is_einval) {
	.name = "/", .create_err = EINVAL, .unlink_err = EINVAL,
};

FIXTURE_VARIANT_ADD(name, second_slash_is_einval) {
	.name = "/mbox-test/inner", .create_err = EINVAL, .unlink_err = EINVAL,
};

FIXTURE_VARIANT_ADD(name, trailing_slash_is_einval) {
	.name = "/mbox-test-trailing/", .create_err = EINVAL, .unlink_err = EINVAL,
};

FIXTURE_VARIANT_ADD(name, len_255_is_valid) {
	.len = MBOX_NAME_MAX, .create_err = 0, .unlink_err = ENOENT,
};

FIXTURE_VARIANT_ADD(name, len_256_is_enametoolong) {
	.len = MBOX_NAME_MAX + 1, .create_err = ENAMETOOLONG, .unlink_err = ENAMETOOLONG,
};

FIXTURE_SETUP(name)
{
	size_t n;

	mbox_open_or_skip(self->fd);
	if (variant->name) {
		snprintf(self->name, sizeof(self->name), "%s", variant->name);
		return;
	}
	mbox_test_name(self->name, sizeof(self->name), "long");
	n = strlen(self->name);
	ASSERT_LT(n, (size_t)variant->len);
	memset(self->name + n, 'n', variant->len + 1 - n);
	self->name[variant->len + 1] = '\0';
}

FIXTURE_TEARDOWN(name)
{
	mbox_unlink(self->fd, self->name);
	close(self->fd);
}

TEST_F(name, create)
{
	int fd;

	fd = create_named(self->name, 0600, SEND_RECV);
	EXPECT_EQ(-variant->create_err, fd < 0 ? fd : 0);
	if (fd >= 0)
		close(fd);
}

TEST_F(name, unlink_absent)
{
	EXPECT_EQ(-variant->unlink_err, mbox_unlink(self->fd, self->name));
}

/* ---- mode bits as another user ----------------------------------------- */

FIXTURE(perm) {
	char name[NAME_LEN];
	struct job *job;
};

FIXTURE_VARIANT(perm) {
	__u32 mode;		/* of the mailbox root creates */
	gid_t gid;		/* of the opener, uid NOBODY */
	__u32 access;		/* it asks for */
	int err;
};

FIXTURE_VARIANT_ADD(perm, others_write_allows_send) {
	.mode = 0602, .gid = NOBODY, .access = MBOX_ACCESS_SEND, .err = 0,
};

FIXTURE_VARIANT_ADD(perm, others_without_write_cannot_send) {
	.mode = 0664, .gid = NOBODY, .access = MBOX_ACCESS_SEND, .err = EACCES,
};

FIXTURE_VARIANT_ADD(perm, others_read_allows_recv) {
	.mode = 0604, .gid = NOBODY, .access = MBOX_ACCESS_RECV, .err = 0,
};

FIXTURE_VARIANT_ADD(perm, others_without_read_cannot_recv) {
	.mode = 0662, .gid = NOBODY, .access = MBOX_ACCESS_RECV, .err = EACCES,
};

FIXTURE_VARIANT_ADD(perm, both_need_read_and_write) {
	.mode = 0622, .gid = NOBODY, .access = SEND_RECV, .err = EACCES,
};

FIXTURE_VARIANT_ADD(perm, others_read_write_allow_both) {
	.mode = 0606, .gid = NOBODY, .access = SEND_RECV, .err = 0,
};

FIXTURE_VARIANT_ADD(perm, owner_bits_do_not_serve_others) {
	.mode = 0600, .gid = NOBODY, .access = MBOX_ACCESS_RECV, .err = EACCES,
};

FIXTURE_VARIANT_ADD(perm, group_read_allows_recv) {
	.mode = 0640, .gid = 0, .access = MBOX_ACCESS_RECV, .err = 0,
};

FIXTURE_VARIANT_ADD(perm, group_without_write_cannot_send) {
	.mode = 0640, .gid = 0, .access = MBOX_ACCESS_SEND, .err = EACCES,
};

FIXTURE_VARIANT_ADD(perm, group_class_decides_over_others) {
	.mode = 0606, .gid = 0, .access = MBOX_ACCESS_SEND, .err = EACCES,
};

FIXTURE_SETUP(perm)
{
	int fd;

	mbox_open_or_skip(fd);
	close(fd);
	umask(0);
	mbox_test_name(self->name, sizeof(self->name), "perm");
	self->job = job_new(self->name);
	ASSERT_NE(NULL, self->job);
	fd = create_named(self->name, variant->mode, SEND_RECV);
	ASSERT_LE(0, fd);
	close(fd);
}

FIXTURE_TEARDOWN(perm)
{
	mbox_unlink_name(self->name);
}

TEST_F(perm, open_as_unprivileged_user)
{
	self->job->access = variant->access;
	EXPECT_EQ(-variant->err, run_as(NOBODY, variant->gid, child_open, self->job));
}

/* ---- ceilings: what needs CAP_SYS_RESOURCE ----------------------------- */

FIXTURE(ceiling) {
	struct job *job;
};

FIXTURE_VARIANT(ceiling) {
	struct mbox_open above;	/* one size above its default ceiling */
	struct mbox_open at;	/* the same size at the ceiling */
};

FIXTURE_VARIANT_ADD(ceiling, msgs_max) {
	.above = { .max_msgs = CEIL_MSGS + 1 },
	.at = { .max_msgs = CEIL_MSGS },
};

FIXTURE_VARIANT_ADD(ceiling, msg_size_max) {
	.above = { .max_msgs = 1, .max_msg_size = CEIL_MSG_SIZE + 1 },
	.at = { .max_msgs = 1, .max_msg_size = CEIL_MSG_SIZE },
};

FIXTURE_VARIANT_ADD(ceiling, bytes_max) {
	.above = { .max_bytes = CEIL_BYTES + 1 },
	.at = { .max_bytes = CEIL_BYTES },
};

FIXTURE_SETUP(ceiling)
{
	int fd;

	mbox_open_or_skip(fd);
	close(fd);
	self->job = job_new(NULL);
	ASSERT_NE(NULL, self->job);
	self->job->flags = MBOX_OPEN_CREATE;
	self->job->access = SEND_RECV;
}

FIXTURE_TEARDOWN(ceiling)
{
}

TEST_F(ceiling, unprivileged_create_above_is_eperm)
{
	self->job->open = variant->above;
	EXPECT_EQ(-EPERM, run_as(NOBODY, NOBODY, child_open, self->job));
}

TEST_F(ceiling, unprivileged_create_at_works)
{
	self->job->open = variant->at;
	EXPECT_EQ(0, run_as(NOBODY, NOBODY, child_open, self->job));
}

TEST_F(ceiling, root_create_above_works)
{
	struct mbox_open o = variant->above;
	int fd;

	fd = mbox_bind(NULL, MBOX_OPEN_CREATE, SEND_RECV, &o);
	ASSERT_LE(0, fd);
	/* The size asked for is the size granted. */
	EXPECT_EQ(variant->above.max_msgs ?: o.max_msgs, o.max_msgs);
	EXPECT_EQ(variant->above.max_msg_size ?: o.max_msg_size, o.max_msg_size);
	EXPECT_EQ(variant->above.max_bytes ?: o.max_bytes, o.max_bytes);
	close(fd);
}

/* ---- module parameters: mailbox count and per-user quota --------------- */

static const char *const limit_params[] = {
	"max_mailboxes", "user_bytes_max", "msgs_max", "msgs_default", "msg_size_default",
	"user_mailboxes_max",
};

#define NPARAMS		ARRAY_SIZE(limit_params)
#define MAX_FDS		64

static int param_read(const char *param, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PARAMS "%s", param);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	return 0;
}

static int param_write(const char *param, const char *val)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PARAMS "%s", param);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

FIXTURE(limits) {
	int fds[MAX_FDS];
	int nfds;
	char name[NAME_LEN];
	char saved[NPARAMS][32];
	struct job *job;
};

FIXTURE_SETUP(limits)
{
	size_t i;
	int fd;

	mbox_open_or_skip(fd);
	close(fd);
	if (geteuid())
		SKIP(return, "module parameters need root");
	umask(0);
	for (i = 0; i < NPARAMS; i++)
		ASSERT_EQ(0, param_read(limit_params[i], self->saved[i],
					sizeof(self->saved[i]))) {
			TH_LOG("cannot read " PARAMS "%s", limit_params[i]);
		}
	mbox_test_name(self->name, sizeof(self->name), "limit");
	self->job = job_new(self->name);
	ASSERT_NE(NULL, self->job);
}

FIXTURE_TEARDOWN(limits)
{
	size_t i;

	while (self->nfds > 0)
		close(self->fds[--self->nfds]);
	/* Queued messages go with the name, before the quota comes back. */
	mbox_unlink_name(self->name);
	for (i = 0; i < NPARAMS; i++)
		EXPECT_EQ(0, param_write(limit_params[i], self->saved[i]));
}

/* Create anonymous mailboxes until one fails: its -errno. */
static long fill_mailboxes(int *fds, int *nfds)
{
	long err = 0;
	int fd;

	while (*nfds < MAX_FDS) {
		fd = mbox_anon();
		if (fd < 0) {
			err = fd;
			break;
		}
		fds[(*nfds)++] = fd;
	}
	return err;
}

TEST_F(limits, max_mailboxes_reached_is_enospc)
{
	ASSERT_EQ(0, param_write("max_mailboxes", "32"));
	EXPECT_EQ(-ENOSPC, fill_mailboxes(self->fds, &self->nfds));
	EXPECT_GE(32, self->nfds);
	/* Named or anonymous, a mailbox is a mailbox. */
	EXPECT_EQ(-ENOSPC, create_named(self->name, 0600, SEND_RECV));
}

TEST_F(limits, max_mailboxes_slot_freed_by_last_close)
{
	int fd;

	ASSERT_EQ(0, param_write("max_mailboxes", "32"));
	ASSERT_EQ(-ENOSPC, fill_mailboxes(self->fds, &self->nfds));
	ASSERT_LE(1, self->nfds) {
		TH_LOG("32 mailboxes exist already: an earlier test leaked");
	}
	close(self->fds[--self->nfds]);
	fd = mbox_anon();
	EXPECT_LE(0, fd);
	if (fd >= 0)
		self->fds[self->nfds++] = fd;
}

TEST_F(limits, unlinked_mailbox_freed_by_last_close)
{
	int fd;

	fd = create_named(self->name, 0600, SEND_RECV);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, param_write("max_mailboxes", "32"));
	ASSERT_EQ(-ENOSPC, fill_mailboxes(self->fds, &self->nfds));
	ASSERT_EQ(0, mbox_unlink_name(self->name));
	/* The open handle still holds the mailbox, and its slot. */
	EXPECT_EQ(-ENOSPC, mbox_anon());
	close(fd);
	fd = mbox_anon();
	EXPECT_LE(0, fd);
	if (fd >= 0)
		self->fds[self->nfds++] = fd;
}

TEST_F(limits, max_mailboxes_does_not_limit_opening_existing)
{
	int fd;

	fd = create_named(self->name, 0600, SEND_RECV);
	ASSERT_LE(0, fd);
	self->fds[self->nfds++] = fd;
	ASSERT_EQ(0, param_write("max_mailboxes", "32"));
	ASSERT_EQ(-ENOSPC, fill_mailboxes(self->fds, &self->nfds));
	fd = open_named(self->name, SEND_RECV);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
}

/* Named mailbox i of the uid running this: "<job name>-<uid>-<i>". */
static void owned_name(char *buf, size_t len, const char *base, uid_t uid, long i)
{
	snprintf(buf, len, "%s-%u-%ld", base, (unsigned int)uid, i);
}

/* In a child: create named mailboxes (they outlive it) until one fails. */
static long child_create_owned(struct job *j)
{
	char name[NAME_LEN];
	long err = 0;
	int fd;

	for (j->count = 0; j->count < MAX_FDS; j->count++) {
		owned_name(name, sizeof(name), j->name, getuid(), j->count);
		fd = create_named(name, 0600, SEND_RECV);
		if (fd < 0) {
			err = fd;
			break;
		}
		close(fd);
	}
	return err;
}

static void unlink_owned(const char *base, uid_t uid, long n)
{
	char name[NAME_LEN];

	while (n-- > 0) {
		owned_name(name, sizeof(name), base, uid, n);
		mbox_unlink_name(name);
	}
}

TEST_F(limits, user_mailboxes_max_is_edquot_per_user)
{
	struct job *other = job_new(self->name);
	int fd;

	ASSERT_NE(NULL, other);
	ASSERT_EQ(0, param_write("user_mailboxes_max", "4"));
	EXPECT_EQ(-EDQUOT, run_as(NOBODY, NOBODY, child_create_owned, self->job));
	EXPECT_EQ(4, self->job->count);
	/* Anonymous ones count too. */
	self->job->name = NULL;
	self->job->flags = MBOX_OPEN_CREATE;
	self->job->access = SEND_RECV;
	EXPECT_EQ(-EDQUOT, run_as(NOBODY, NOBODY, child_open, self->job));
	self->job->name = self->name;
	/* Another user, and root, still create while nobody is at its limit. */
	EXPECT_EQ(-EDQUOT, run_as(OTHER_ID, OTHER_ID, child_create_owned, other));
	EXPECT_EQ(4, other->count);
	fd = mbox_anon();
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
	/* Mailboxes gone are given back to their owner. */
	unlink_owned(self->name, NOBODY, 4);
	EXPECT_EQ(-EDQUOT, run_as(NOBODY, NOBODY, child_create_owned, self->job));
	EXPECT_EQ(4, self->job->count);
	unlink_owned(self->name, NOBODY, 4);
	unlink_owned(self->name, OTHER_ID, 4);
}

TEST_F(limits, user_mailboxes_max_not_for_cap_sys_resource)
{
	ASSERT_EQ(0, param_write("user_mailboxes_max", "2"));
	/* Root: far past the limit, with no error. */
	EXPECT_EQ(0, run_as(0, 0, child_create_owned, self->job));
	EXPECT_EQ(MAX_FDS, self->job->count);
	unlink_owned(self->name, 0, MAX_FDS);
}

/* A 0666 mailbox of 1000 4 KiB messages, and a 64 KiB quota per user. */
static int quota_setup(const char *name)
{
	int fd;

	fd = mbox_create(name, 0, 0666, 1000, 4096);
	if (fd < 0)
		return fd;
	close(fd);
	return param_write("user_bytes_max", "65536");
}

TEST_F(limits, user_quota_full_is_edquot)
{
	ASSERT_EQ(0, quota_setup(self->name));
	EXPECT_EQ(-EDQUOT, run_as(NOBODY, NOBODY, child_fill, self->job));
	/* Payload alone is 4 KiB a message: at most 16 fit in 64 KiB. */
	EXPECT_GE(16, self->job->count);
	EXPECT_LE(1, self->job->count);
}

TEST_F(limits, user_quota_is_per_user)
{
	struct job *other = job_new(self->name);

	ASSERT_NE(NULL, other);
	ASSERT_EQ(0, quota_setup(self->name));
	ASSERT_EQ(-EDQUOT, run_as(NOBODY, NOBODY, child_fill, self->job));
	/* Another uid has a quota of its own: it fills that before failing. */
	EXPECT_EQ(-EDQUOT, run_as(OTHER_ID, OTHER_ID, child_fill, other));
	EXPECT_LE(1, other->count);
	EXPECT_EQ(self->job->count, other->count);
}

TEST_F(limits, user_quota_freed_by_receive)
{
	char buf[4096];
	int fd;

	ASSERT_EQ(0, quota_setup(self->name));
	ASSERT_EQ(-EDQUOT, run_as(NOBODY, NOBODY, child_fill, self->job));
	fd = open_named(self->name, MBOX_ACCESS_RECV);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_recv(fd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, NULL));
	close(fd);
	/* One message received, one more fits. */
	EXPECT_EQ(-EDQUOT, run_as(NOBODY, NOBODY, child_fill, self->job));
	EXPECT_EQ(1, self->job->count);
}

TEST_F(limits, msgs_max_param_sets_unprivileged_ceiling)
{
	self->job->name = NULL;
	self->job->flags = MBOX_OPEN_CREATE;
	self->job->access = SEND_RECV;
	ASSERT_EQ(0, param_write("msgs_max", "4"));
	self->job->open.max_msgs = 5;
	EXPECT_EQ(-EPERM, run_as(NOBODY, NOBODY, child_open, self->job));
	self->job->open.max_msgs = 4;
	EXPECT_EQ(0, run_as(NOBODY, NOBODY, child_open, self->job));
}

TEST_F(limits, msgs_default_param_applies_to_later_creates)
{
	struct mbox_open o = { 0 };

	ASSERT_EQ(0, param_write("msgs_default", "3"));
	self->fds[0] = mbox_bind(NULL, MBOX_OPEN_CREATE, SEND_RECV, &o);
	ASSERT_LE(0, self->fds[0]);
	self->nfds = 1;
	EXPECT_EQ(3, o.max_msgs);
	EXPECT_EQ(3 * o.max_msg_size, o.max_bytes);
}

TEST_F(limits, msg_size_default_param_applies_to_later_creates)
{
	struct mbox_open o = { 0 };

	ASSERT_EQ(0, param_write("msg_size_default", "512"));
	self->fds[0] = mbox_bind(NULL, MBOX_OPEN_CREATE, SEND_RECV, &o);
	ASSERT_LE(0, self->fds[0]);
	self->nfds = 1;
	EXPECT_EQ(512, o.max_msg_size);
	EXPECT_EQ(o.max_msgs * 512, o.max_bytes);
}

TEST_HARNESS_MAIN
