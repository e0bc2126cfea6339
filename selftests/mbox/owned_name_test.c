// SPDX-License-Identifier: GPL-2.0
/*
 * Owner-bound names: MBOX_OPEN_UNLINK_ON_CLOSE. The name goes when the
 * creating handle's last reference is closed (dup and fork share it), also
 * when its process is killed; handles others opened keep the mailbox (POSIX
 * unlink), and the name can be created again at once.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mbox_test.h"

#define BOTH		(MBOX_ACCESS_SEND | MBOX_ACCESS_RECV)
#define OWNED		(MBOX_OPEN_CREATE | MBOX_OPEN_UNLINK_ON_CLOSE)
#define ROUNDS		500

FIXTURE(owned) {
	char name[64];
};

FIXTURE_SETUP(owned)
{
	mbox_skip_if_absent();
	mbox_test_name(self->name, sizeof(self->name), "owned");
}

FIXTURE_TEARDOWN(owned)
{
	mbox_unlink_name(self->name);
}

/* Whether name is in the registry: 0 (it is), -ENOENT or -errno. */
static long lookup(const char *name)
{
	int fd = mbox_bind(name, 0, MBOX_ACCESS_RECV, NULL);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

static int create_owned(const char *name)
{
	return mbox_bind(name, OWNED, BOTH, NULL);
}

TEST_F(owned, name_goes_with_the_creating_handle)
{
	int fd = create_owned(self->name);

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, lookup(self->name));
	close(fd);
	EXPECT_EQ(-ENOENT, lookup(self->name));
}

TEST_F(owned, other_handles_keep_the_mailbox)
{
	int fd = create_owned(self->name), other;
	char buf[8];

	ASSERT_LE(0, fd);
	other = mbox_bind(self->name, 0, BOTH, NULL);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, mbox_send(fd, "kept", 4, 0, MBOX_SEND_NONBLOCK, 0));
	close(fd);
	EXPECT_EQ(-ENOENT, lookup(self->name));
	/* Unlinked, not destroyed: the queue and further traffic go on. */
	EXPECT_EQ(4, read(other, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "kept", 4));
	EXPECT_EQ(0, mbox_send(other, "more", 4, 0, MBOX_SEND_NONBLOCK, 0));
	EXPECT_EQ(1, mbox_cur_msgs(other));
	close(other);
}

TEST_F(owned, closing_another_handle_keeps_the_name)
{
	int fd = create_owned(self->name), other;

	ASSERT_LE(0, fd);
	other = mbox_bind(self->name, 0, BOTH, NULL);
	ASSERT_LE(0, other);
	close(other);
	EXPECT_EQ(0, lookup(self->name));
	close(fd);
	EXPECT_EQ(-ENOENT, lookup(self->name));
}

TEST_F(owned, dup_keeps_the_name_until_the_last_close)
{
	int fd = create_owned(self->name), copy;

	ASSERT_LE(0, fd);
	copy = dup(fd);
	ASSERT_LE(0, copy);
	close(fd);
	EXPECT_EQ(0, lookup(self->name));
	close(copy);
	EXPECT_EQ(-ENOENT, lookup(self->name));
}

TEST_F(owned, fork_shares_the_handle)
{
	int fd = create_owned(self->name), go[2], status;
	char c;
	pid_t pid;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(go[1]);
		/* Hold the inherited handle until told to exit. */
		_exit(read(go[0], &c, 1) < 0);
	}
	close(go[0]);
	close(fd);
	EXPECT_EQ(0, lookup(self->name));	/* the child still has it */
	close(go[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(-ENOENT, lookup(self->name));
}

TEST_F(owned, killed_creator_leaves_no_name)
{
	int ready[2], status, fd;
	char c;
	pid_t pid;

	ASSERT_EQ(0, pipe(ready));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(ready[0]);
		fd = create_owned(self->name);
		c = fd < 0 ? 'x' : 'k';
		if (write(ready[1], &c, 1) != 1 || fd < 0)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	close(ready[0]);
	ASSERT_EQ('k', c);
	EXPECT_EQ(0, lookup(self->name));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	/* Reaped: its files were released first, no stale name. */
	EXPECT_EQ(-ENOENT, lookup(self->name));
	fd = mbox_create(self->name, 0, 0600, 0, 0);
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
}

TEST_F(owned, name_created_again_after_close_every_time)
{
	int i, fd, eexist = 0, other = 0;

	for (i = 0; i < ROUNDS; i++) {
		fd = create_owned(self->name);
		if (fd == -EEXIST)
			eexist++;
		else if (fd < 0)
			other++;
		else
			close(fd);
	}
	EXPECT_EQ(0, eexist);
	EXPECT_EQ(0, other);
	EXPECT_EQ(-ENOENT, lookup(self->name));
}

TEST_F(owned, existing_name_eexist)
{
	int fd = mbox_create(self->name, 0, 0600, 0, 0);

	ASSERT_LE(0, fd);
	/* Without MBOX_OPEN_EXCL too: a handle owns only a name it created. */
	EXPECT_EQ(-EEXIST, create_owned(self->name));
	close(fd);
	EXPECT_EQ(0, lookup(self->name));
}

TEST_F(owned, without_create_einval)
{
	int fd = mbox_create(self->name, 0, 0600, 0, 0);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, mbox_bind(self->name, MBOX_OPEN_UNLINK_ON_CLOSE, BOTH, NULL));
	close(fd);
}

TEST(anonymous_einval)
{
	mbox_skip_if_absent();
	EXPECT_EQ(-EINVAL, mbox_bind(NULL, OWNED, BOTH, NULL));
}

TEST(port_einval)
{
	mbox_skip_if_absent();
	EXPECT_EQ(-EINVAL, mbox_bind(NULL, OWNED | MBOX_OPEN_PORT, BOTH, NULL));
}

TEST_F(owned, name_of_a_newer_mailbox_is_not_taken)
{
	int fd = create_owned(self->name), newer;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_unlink_name(self->name));
	newer = mbox_create(self->name, 0, 0600, 0, 0);
	ASSERT_LE(0, newer);
	close(fd);
	EXPECT_EQ(0, lookup(self->name));
	close(newer);
	EXPECT_EQ(0, lookup(self->name));
}

TEST_F(owned, destroyed_then_closed)
{
	int fd = create_owned(self->name);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_ioctl(fd, MBOX_IOC_DESTROY, NULL));
	EXPECT_EQ(-ENOENT, lookup(self->name));
	close(fd);
	EXPECT_EQ(-ENOENT, lookup(self->name));
}

TEST_F(owned, stat_reports_the_flag)
{
	struct mbox_stat st;
	int fd = create_owned(self->name), other;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_stat(fd, &st));
	EXPECT_EQ(MBOX_OPEN_UNLINK_ON_CLOSE, st.flags);
	other = mbox_bind(self->name, 0, BOTH, NULL);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, mbox_stat(other, &st));
	EXPECT_EQ(MBOX_OPEN_UNLINK_ON_CLOSE, st.flags);
	close(other);
	close(fd);
}

TEST(version_lists_the_flag)
{
	struct mbox_version v;

	mbox_version_or_skip(v);
	EXPECT_TRUE(v.open_flags & MBOX_OPEN_UNLINK_ON_CLOSE);
}

TEST_HARNESS_MAIN
