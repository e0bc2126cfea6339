// SPDX-License-Identifier: GPL-2.0
/*
 * Usage you can see: MBOX_IOC_USAGE and /proc/mbox_users report a user's
 * queued messages and bytes, owned mailboxes and the mailboxes in existence,
 * each against its limit; at every EDQUOT and ENOSPC the usage shows the
 * limit reached. Another user's usage needs CAP_SYS_ADMIN.
 *
 * Children that drop to an unprivileged uid report through their exit
 * status (0 is success); they never use ASSERT_*().
 */
#define _GNU_SOURCE
#include <grp.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mbox_test.h"

#define BOTH		(MBOX_ACCESS_SEND | MBOX_ACCESS_RECV)
#define NOBODY		65534
#define PARAMS		"/sys/module/mbox/parameters/"
#define PROC_USERS	"/proc/mbox_users"

static long usage_of(int fd, __u32 flags, __u32 uid, struct mbox_usage *u)
{
	memset(u, 0, sizeof(*u));
	u->flags = flags;
	u->uid = uid;
	return mbox_ioctl(fd, MBOX_IOC_USAGE, u);
}

static long my_usage(struct mbox_usage *u)
{
	int fd = open(MBOX_DEV, O_RDWR | O_CLOEXEC);
	long err;

	if (fd < 0)
		return -errno;
	err = usage_of(fd, 0, 0, u);
	close(fd);
	return err;
}

static unsigned long long param_get(const char *name)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), PARAMS "%s", name);
	if (mbox_read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	return strtoull(buf, NULL, 10);
}

static int param_set(const char *name, unsigned long long val)
{
	char path[128], buf[32];
	int fd, n, err = 0;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%llu", val);
	if (write(fd, buf, n) != n)
		err = -errno;
	close(fd);
	return err;
}

/* Become NOBODY (child only): 0 or -1. */
static int drop_to_nobody(void)
{
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		return -1;
	return 0;
}

/* Run fn as NOBODY in a child: its exit status, or -1 if it died. */
static int as_nobody(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid)
		_exit(drop_to_nobody() ? 99 : fn(arg));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST(usage_on_an_unbound_handle)
{
	struct mbox_usage u;
	int fd;

	mbox_open_or_skip(fd);
	EXPECT_EQ(0, usage_of(fd, 0, 0, &u));
	EXPECT_EQ(getuid(), u.uid);
	close(fd);
}

TEST(usage_counts_queued_messages_and_bytes)
{
	struct mbox_usage before, during, after;
	int fd;

	mbox_skip_if_absent();
	fd = mbox_anon();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, my_usage(&before));
	ASSERT_EQ(0, mbox_send(fd, "0123456789", 10, 0, MBOX_SEND_NONBLOCK, 0));
	ASSERT_EQ(0, mbox_send(fd, "01234567890123456789", 20, 0, MBOX_SEND_NONBLOCK, 0));
	ASSERT_EQ(0, my_usage(&during));
	EXPECT_EQ(before.msgs + 2, during.msgs);
	EXPECT_EQ(before.bytes + 30 + 2 * during.msg_overhead, during.bytes);
	ASSERT_EQ(10, read(fd, (char[32]){ 0 }, 32));
	ASSERT_EQ(0, my_usage(&after));
	EXPECT_EQ(before.msgs + 1, after.msgs);
	EXPECT_EQ(before.bytes + 20 + after.msg_overhead, after.bytes);
	close(fd);
}

TEST(usage_counts_owned_mailboxes)
{
	struct mbox_usage before, during, after;
	int a, b;

	mbox_skip_if_absent();
	ASSERT_EQ(0, my_usage(&before));
	a = mbox_anon();
	ASSERT_LE(0, a);
	b = mbox_anon();
	ASSERT_LE(0, b);
	ASSERT_EQ(0, my_usage(&during));
	EXPECT_EQ(before.mailboxes + 2, during.mailboxes);
	EXPECT_LE(during.mailboxes, during.all_mailboxes);
	close(a);
	close(b);
	ASSERT_EQ(0, my_usage(&after));
	EXPECT_EQ(before.mailboxes, after.mailboxes);
}

TEST(usage_reports_the_limits_in_effect)
{
	struct mbox_usage u;

	mbox_skip_if_absent();
	ASSERT_EQ(0, my_usage(&u));
	EXPECT_EQ(param_get("user_bytes_max"), u.bytes_max);
	EXPECT_EQ(param_get("user_mailboxes_max"), u.mailboxes_max);
	EXPECT_EQ(param_get("max_mailboxes"), u.all_mailboxes_max);
	EXPECT_EQ(param_get("user_files_max"), u.handles_max);
}

TEST(usage_unknown_flag_einval)
{
	struct mbox_usage u;
	int fd;

	mbox_open_or_skip(fd);
	EXPECT_EQ(-EINVAL, usage_of(fd, MBOX_USAGE_UID << 1, 0, &u));
	close(fd);
}

TEST(usage_nonzero_pad_einval)
{
	struct mbox_usage u = { .pad = 1 };
	int fd;

	mbox_open_or_skip(fd);
	EXPECT_EQ(-EINVAL, mbox_ioctl(fd, MBOX_IOC_USAGE, &u));
	close(fd);
}

TEST(usage_unmapped_uid_einval)
{
	struct mbox_usage u;
	int fd;

	mbox_open_or_skip(fd);
	EXPECT_EQ(-EINVAL, usage_of(fd, MBOX_USAGE_UID, (__u32)-1, &u));
	close(fd);
}

TEST(usage_short_struct_einval)
{
	struct mbox_usage u = { 0 };
	int fd;

	mbox_open_or_skip(fd);
	EXPECT_EQ(-EINVAL, mbox_ioctl(fd, _IOWR(MBOX_IOCTL_MAGIC, 0x0d,
						char[MBOX_USAGE_SIZE_VER0 - 8]), &u));
	close(fd);
}

static int ask_about_root(void *arg)
{
	struct mbox_usage u;
	int fd = open(MBOX_DEV, O_RDWR | O_CLOEXEC);

	(void)arg;
	if (fd < 0)
		return 1;
	if (usage_of(fd, MBOX_USAGE_UID, 0, &u) != -EPERM)
		return 2;
	/* Its own uid, named, is fine. */
	if (usage_of(fd, MBOX_USAGE_UID, NOBODY, &u) || u.uid != NOBODY)
		return 3;
	close(fd);
	return 0;
}

TEST(usage_of_another_user_eperm)
{
	mbox_skip_if_absent();
	if (getuid())
		SKIP(return, "needs root to drop to another uid");
	EXPECT_EQ(0, as_nobody(ask_about_root, NULL));
}

TEST(usage_root_asks_about_another_user)
{
	struct mbox_usage u;
	int fd, go[2], ready[2], status;
	char c;
	pid_t pid;

	mbox_skip_if_absent();
	if (getuid())
		SKIP(return, "needs root");
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int mb;

		close(go[1]);
		close(ready[0]);
		if (drop_to_nobody())
			_exit(1);
		mb = mbox_anon();
		c = mb < 0 ? 'x' : 'k';
		if (mb >= 0 && mbox_send(mb, "hold", 4, 0, MBOX_SEND_NONBLOCK, 0))
			c = 'x';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		_exit(read(go[0], &c, 1) < 0);
	}
	close(go[0]);
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ('k', c);
	mbox_open_or_skip(fd);
	EXPECT_EQ(0, usage_of(fd, MBOX_USAGE_UID, NOBODY, &u));
	EXPECT_EQ(NOBODY, u.uid);
	EXPECT_EQ(1, u.mailboxes);
	EXPECT_EQ(1, u.msgs);
	EXPECT_EQ(4 + u.msg_overhead, u.bytes);
	close(fd);
	close(go[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	close(ready[0]);
}

TEST(usage_at_edquot_shows_the_bytes_limit)
{
	unsigned long long old = param_get("user_bytes_max");
	struct mbox_usage u;
	struct mbox_open o = { .max_msgs = 64, .max_msg_size = 100 };
	long err = 0;
	int fd, i;

	mbox_skip_if_absent();
	if (getuid())
		SKIP(return, "needs root to change user_bytes_max");
	fd = mbox_bind(NULL, MBOX_OPEN_CREATE, BOTH, &o);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, my_usage(&u));
	ASSERT_EQ(0, param_set("user_bytes_max", u.bytes + 5 * (100 + u.msg_overhead) + 50));
	for (i = 0; i < 64 && !err; i++)
		err = mbox_send(fd, (char[100]){ 0 }, 100, 0, MBOX_SEND_NONBLOCK, 0);
	EXPECT_EQ(-EDQUOT, err);
	EXPECT_EQ(0, my_usage(&u));
	/* Full: at most the limit, and one more message would pass it. */
	EXPECT_LE(u.bytes, u.bytes_max);
	EXPECT_GT(u.bytes + 100 + u.msg_overhead, u.bytes_max);
	param_set("user_bytes_max", old);
	close(fd);
}

static int fill_mailbox_quota(void *arg)
{
	struct mbox_usage u;
	int fd, n = 0;

	(void)arg;
	while ((fd = mbox_anon()) >= 0 && n < 100)
		n++;	/* left open: the child's exit closes them */
	if (fd != -EDQUOT)
		return 1;
	if (my_usage(&u) || u.mailboxes != u.mailboxes_max || u.mailboxes != 3)
		return 2;
	return 0;
}

TEST(usage_at_edquot_shows_the_mailbox_limit)
{
	unsigned long long old = param_get("user_mailboxes_max");

	mbox_skip_if_absent();
	if (getuid())
		SKIP(return, "needs root to change user_mailboxes_max");
	ASSERT_EQ(0, param_set("user_mailboxes_max", 3));
	EXPECT_EQ(0, as_nobody(fill_mailbox_quota, NULL));
	param_set("user_mailboxes_max", old);
}

TEST(usage_at_enospc_shows_all_mailboxes)
{
	unsigned long long old = param_get("max_mailboxes");
	struct mbox_usage u;
	int a, b;

	mbox_skip_if_absent();
	if (getuid())
		SKIP(return, "needs root to change max_mailboxes");
	ASSERT_EQ(0, my_usage(&u));
	ASSERT_EQ(0, param_set("max_mailboxes", u.all_mailboxes + 1));
	a = mbox_anon();
	b = mbox_anon();
	EXPECT_LE(0, a);
	EXPECT_EQ(-ENOSPC, b);
	EXPECT_EQ(0, my_usage(&u));
	EXPECT_EQ(u.all_mailboxes_max, u.all_mailboxes);
	param_set("max_mailboxes", old);
	if (a >= 0)
		close(a);
	if (b >= 0)
		close(b);
}

#define USERS_HEADER "uid msgs bytes bytes_max mailboxes mailboxes_max handles handles_max\n"

/* The line of /proc/mbox_users for uid, in line; 0, or -ENOENT. */
static int proc_users_line(uid_t uid, char *line, size_t len)
{
	char buf[8192], *p, *nl;

	if (mbox_read_file(PROC_USERS, buf, sizeof(buf)) < 0)
		return -ENOENT;
	if (strncmp(buf, USERS_HEADER, strlen(USERS_HEADER)))
		return -EPROTO;
	for (p = strchr(buf, '\n') + 1; *p; p = nl + 1) {
		nl = strchrnul(p, '\n');
		if (strtoul(p, NULL, 10) == uid && p[strspn(p, "0123456789")] == ' ') {
			snprintf(line, len, "%.*s", (int)(nl - p), p);
			return 0;
		}
		if (!*nl)
			break;
	}
	return -ENOENT;
}

TEST(proc_mbox_users_matches_the_ioctl)
{
	unsigned long long msgs, bytes, bytes_max;
	unsigned int uid, mailboxes, mailboxes_max, handles, handles_max;
	struct mbox_usage u;
	char line[256];
	int fd;

	mbox_skip_if_absent();
	fd = mbox_anon();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_send(fd, "abc", 3, 0, MBOX_SEND_NONBLOCK, 0));
	ASSERT_EQ(0, my_usage(&u));
	ASSERT_EQ(0, proc_users_line(getuid(), line, sizeof(line)));
	ASSERT_EQ(8, sscanf(line, "%u %llu %llu %llu %u %u %u %u", &uid, &msgs, &bytes,
			    &bytes_max, &mailboxes, &mailboxes_max, &handles, &handles_max));
	EXPECT_EQ(getuid(), uid);
	EXPECT_EQ(u.msgs, msgs);
	EXPECT_EQ(u.bytes, bytes);
	EXPECT_EQ(u.bytes_max, bytes_max);
	EXPECT_EQ(u.mailboxes, mailboxes);
	EXPECT_EQ(u.mailboxes_max, mailboxes_max);
	EXPECT_EQ(u.handles, handles);
	EXPECT_EQ(u.handles_max, handles_max);
	close(fd);
}

static int sees_only_itself(void *arg)
{
	char line[256];
	int fd = mbox_anon();

	(void)arg;
	if (fd < 0)
		return 1;
	if (proc_users_line(NOBODY, line, sizeof(line)))
		return 2;
	/* Root holds mailboxes (the test's), but is not shown to others. */
	if (proc_users_line(0, line, sizeof(line)) != -ENOENT)
		return 3;
	close(fd);
	return 0;
}

TEST(proc_mbox_users_shows_others_only_to_cap_sys_admin)
{
	char line[256];
	int fd;

	mbox_skip_if_absent();
	if (getuid())
		SKIP(return, "needs root to drop to another uid");
	fd = mbox_anon();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, proc_users_line(0, line, sizeof(line)));
	EXPECT_EQ(0, as_nobody(sees_only_itself, NULL));
	close(fd);
}

TEST(version_lists_usage)
{
	struct mbox_version v = { 0 };
	int fd;

	mbox_open_or_skip(fd);
	ASSERT_EQ(0, mbox_ioctl(fd, MBOX_IOC_VERSION, &v));
	EXPECT_TRUE(v.ioctls & (1ULL << _IOC_NR(MBOX_IOC_USAGE)));
	close(fd);
}

TEST_HARNESS_MAIN
