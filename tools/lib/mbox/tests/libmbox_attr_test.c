// SPDX-License-Identifier: GPL-2.0
/*
 * libmbox: attributes against the real module. stat, setattr and version,
 * each success path and each errno the man pages list.
 */
#include <sys/wait.h>

#include "libmbox_test.h"

FIXTURE(anon) {
	int fd;
};

FIXTURE_SETUP(anon)
{
	SKIP_WITHOUT_DEVICE();
	self->fd = mbox_anon(4, 16);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(anon)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(anon, stat_reports_queue_and_totals)
{
	struct mbox_stat st;
	char buf[16];

	ASSERT_EQ(3, mbox_send(self->fd, "abc", 3));
	ASSERT_EQ(5, mbox_send(self->fd, "defgh", 5));
	ASSERT_EQ(3, mbox_recv(self->fd, buf, sizeof(buf)));
	ASSERT_EQ(0, mbox_stat(self->fd, &st));
	EXPECT_EQ(4, st.max_msgs);
	EXPECT_EQ(16, st.max_msg_size);
	EXPECT_EQ(64, st.max_bytes);
	EXPECT_EQ(1, st.cur_msgs);
	EXPECT_EQ(5, st.cur_bytes);
	EXPECT_EQ(2, st.total_sent);
	EXPECT_EQ(1, st.total_received);
	EXPECT_EQ(MBOX_ACCESS_SEND | MBOX_ACCESS_RECV, st.access);
}

TEST_F(anon, usage_counts_the_queued_message)
{
	struct mbox_usage before = { 0 }, after = { 0 };

	SKIP_WITHOUT_IOCTL(MBOX_IOC_USAGE);
	ASSERT_EQ(0, mbox_usage(self->fd, &before));
	ASSERT_EQ(3, mbox_send(self->fd, "abc", 3));
	ASSERT_EQ(0, mbox_usage(self->fd, &after));
	EXPECT_EQ(getuid(), after.uid);
	EXPECT_EQ(before.msgs + 1, after.msgs);
	EXPECT_EQ(before.bytes + 3 + after.msg_overhead, after.bytes);
	EXPECT_LE(1, after.mailboxes);
	EXPECT_NE(0, after.bytes_max);
}

TEST(usage_unknown_flag_einval)
{
	struct mbox_usage u = { .flags = 0x80 };
	int fd;

	SKIP_WITHOUT_IOCTL(MBOX_IOC_USAGE);
	fd = mbox_open_dev(0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, mbox_usage(fd, &u));
	close(fd);
}

TEST(usage_of_another_user_eperm)
{
	struct mbox_usage u = { .flags = MBOX_USAGE_UID, .uid = 0 };
	int fd, status;
	pid_t pid;

	SKIP_WITHOUT_IOCTL(MBOX_IOC_USAGE);
	fd = mbox_open_dev(0);
	ASSERT_LE(0, fd);
	/* Root may ask about anyone: ask as nobody, in a child. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (getuid() == 0 && (setgid(65534) || setuid(65534)))
			_exit(2);
		_exit(mbox_usage(fd, &u) == -EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
}

TEST(stat_unbound_ebadfd)
{
	struct mbox_stat st;
	int fd;

	SKIP_WITHOUT_DEVICE();
	fd = mbox_open_dev(0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBADFD, mbox_stat(fd, &st));
	close(fd);
}

TEST_F(anon, setattr_changes_capacity)
{
	struct mbox_setattr a = {
		.mask = MBOX_ATTR_MAX_MSGS | MBOX_ATTR_MAX_BYTES,
		.max_msgs = 1, .max_bytes = 16,
	};
	struct mbox_stat st;

	ASSERT_EQ(0, mbox_setattr(self->fd, &a));
	ASSERT_EQ(0, mbox_stat(self->fd, &st));
	EXPECT_EQ(1, st.max_msgs);
	EXPECT_EQ(16, st.max_bytes);
}

TEST_F(anon, setattr_zero_msgs_einval)
{
	struct mbox_setattr a = { .mask = MBOX_ATTR_MAX_MSGS };

	EXPECT_EQ(-EINVAL, mbox_setattr(self->fd, &a));
}

TEST_F(anon, setattr_unknown_mask_einval)
{
	struct mbox_setattr a = { .mask = 0x80000000U };

	EXPECT_EQ(-EINVAL, mbox_setattr(self->fd, &a));
}

TEST_F(anon, setattr_bytes_below_msg_size_einval)
{
	struct mbox_setattr a = { .mask = MBOX_ATTR_MAX_BYTES, .max_bytes = 15 };

	EXPECT_EQ(-EINVAL, mbox_setattr(self->fd, &a));
}

TEST(version_reports_abi_and_base_ioctls)
{
	struct mbox_version v;
	int fd;

	SKIP_WITHOUT_DEVICE();
	fd = mbox_open_dev(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_version(fd, &v));
	EXPECT_EQ(MBOX_ABI_VERSION, v.abi_version);
	EXPECT_EQ(0xffULL, v.ioctls & 0xff);	/* VERSION .. SETATTR */
	EXPECT_TRUE(v.open_flags & MBOX_OPEN_CREATE);
	close(fd);
}

TEST(version_on_other_file_enotty)
{
	struct mbox_version v;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTTY, mbox_version(fd, &v));
	close(fd);
}

TEST_HARNESS_MAIN
