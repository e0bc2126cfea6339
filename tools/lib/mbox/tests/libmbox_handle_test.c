// SPDX-License-Identifier: GPL-2.0
/*
 * libmbox: handles and mailboxes against the real module. Opening the device,
 * binding named, anonymous and port mailboxes, unlink, destroy, permissions
 * and /proc/mbox, each success path and each errno the man pages list.
 */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "libmbox_test.h"

FIXTURE(named) {
	char name[64];
	int fd;
};

FIXTURE_SETUP(named)
{
	SKIP_WITHOUT_DEVICE();
	test_name(self->name, sizeof(self->name), "handle");
	self->fd = mbox_create(self->name, MBOX_OPEN_EXCL, BOTH, 0666, 4, 64);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(named)
{
	int fd;

	EXPECT_EQ(0, seteuid(getuid()));	/* a test may have dropped it */
	fd = mbox_open_dev(0);

	if (fd >= 0) {
		mbox_unlink(fd, self->name);
		close(fd);
	}
	if (self->fd >= 0)
		close(self->fd);
}

TEST(open_dev_returns_cloexec_handle)
{
	int fd;

	SKIP_WITHOUT_DEVICE();
	fd = mbox_open_dev(O_NONBLOCK);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_TRUE(fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);
}

TEST(open_dev_unknown_flag_einval)
{
	EXPECT_EQ(-EINVAL, mbox_open_dev(O_APPEND));
}

TEST(bind_writes_back_sizes)
{
	struct mbox_open o = {
		.flags = MBOX_OPEN_CREATE, .access = BOTH,
		.max_msgs = 3, .max_msg_size = 100,
	};
	int fd;

	SKIP_WITHOUT_DEVICE();
	fd = mbox_open_dev(0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_bind(fd, &o));
	EXPECT_EQ(3, o.max_msgs);
	EXPECT_EQ(100, o.max_msg_size);
	EXPECT_EQ(300, o.max_bytes);
	EXPECT_EQ(-EBUSY, mbox_bind(fd, &o));
	close(fd);
}

TEST(bind_without_access_einval)
{
	struct mbox_open o = { .flags = MBOX_OPEN_CREATE };
	int fd;

	SKIP_WITHOUT_DEVICE();
	fd = mbox_open_dev(0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, mbox_bind(fd, &o));
	close(fd);
}

TEST_F(named, open_name_reaches_created_mailbox)
{
	int fd = mbox_open_name(self->name, MBOX_ACCESS_RECV);

	ASSERT_LE(0, fd);
	ASSERT_EQ(2, mbox_send(self->fd, "hi", 2));
	EXPECT_EQ(2, mbox_recv(fd, (char[8]){ 0 }, 8));
	close(fd);
}

TEST_F(named, create_excl_existing_eexist)
{
	EXPECT_EQ(-EEXIST, mbox_create(self->name, MBOX_OPEN_EXCL, BOTH, 0600, 0, 0));
}

TEST_F(named, create_existing_opens_it)
{
	int fd = mbox_create(self->name, 0, BOTH, 0600, 0, 0);

	ASSERT_LE(0, fd);
	close(fd);
}

TEST(fanout_create_every_subscriber_gets_it_and_learns_losses)
{
	char name[64], buf[8];
	struct mbox_recv r = { .buf_ptr = mbox_ptr(buf), .buf_len = sizeof(buf) };
	int pub, sub[2];

	SKIP_WITHOUT_OPEN_FLAG(MBOX_OPEN_FANOUT);
	test_name(name, sizeof(name), "fanout");
	pub = mbox_fanout_create(name, MBOX_OPEN_EXCL | MBOX_OPEN_DROP_OLDEST,
				 MBOX_ACCESS_SEND, 0600, 1, 8);
	ASSERT_LE(0, pub);
	for (int i = 0; i < 2; i++) {
		sub[i] = mbox_open_name(name, MBOX_ACCESS_RECV);
		ASSERT_LE(0, sub[i]);
	}
	EXPECT_EQ(1, mbox_send(pub, "a", 1));
	EXPECT_EQ(1, mbox_send(pub, "b", 1));
	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, mbox_recvx(sub[i], &r));
		EXPECT_EQ('b', buf[0]);
		EXPECT_EQ(1, r.lost);
		close(sub[i]);
	}
	EXPECT_EQ(0, mbox_unlink(pub, name));
	close(pub);
	EXPECT_EQ(-EINVAL, mbox_fanout_create(NULL, MBOX_OPEN_DROP_OLDEST |
					      MBOX_OPEN_DROP_NEWEST, BOTH, 0600, 0, 0));
}

TEST(create_unlink_on_close_name_goes_with_the_handle)
{
	char name[64];
	int fd, other;

	SKIP_WITHOUT_OPEN_FLAG(MBOX_OPEN_UNLINK_ON_CLOSE);
	test_name(name, sizeof(name), "owned");
	fd = mbox_create(name, MBOX_OPEN_UNLINK_ON_CLOSE, BOTH, 0600, 0, 0);
	ASSERT_LE(0, fd);
	other = mbox_open_name(name, BOTH);
	ASSERT_LE(0, other);
	close(fd);
	EXPECT_EQ(-ENOENT, mbox_open_name(name, BOTH));
	EXPECT_EQ(1, mbox_send(other, "x", 1));	/* the mailbox lives on */
	close(other);
}

TEST_F(named, create_unlink_on_close_existing_eexist)
{
	SKIP_WITHOUT_OPEN_FLAG(MBOX_OPEN_UNLINK_ON_CLOSE);
	EXPECT_EQ(-EEXIST, mbox_create(self->name, MBOX_OPEN_UNLINK_ON_CLOSE, BOTH, 0600, 0, 0));
}

TEST(create_unlink_on_close_anonymous_einval)
{
	SKIP_WITHOUT_OPEN_FLAG(MBOX_OPEN_UNLINK_ON_CLOSE);
	EXPECT_EQ(-EINVAL, mbox_create(NULL, MBOX_OPEN_UNLINK_ON_CLOSE, BOTH, 0600, 0, 0));
}

TEST(open_name_absent_enoent)
{
	SKIP_WITHOUT_DEVICE();
	EXPECT_EQ(-ENOENT, mbox_open_name("/libmbox-test-absent", BOTH));
}

TEST(open_name_null_einval)
{
	EXPECT_EQ(-EINVAL, mbox_open_name(NULL, BOTH));
}

TEST(create_bad_name_einval)
{
	SKIP_WITHOUT_DEVICE();
	EXPECT_EQ(-EINVAL, mbox_create("noslash", 0, BOTH, 0600, 0, 0));
	EXPECT_EQ(-EINVAL, mbox_create("/a/b", 0, BOTH, 0600, 0, 0));
}

TEST(create_long_name_enametoolong)
{
	char name[MBOX_NAME_MAX + 3];

	SKIP_WITHOUT_DEVICE();
	memset(name, 'x', sizeof(name) - 1);
	name[0] = '/';
	name[sizeof(name) - 1] = '\0';
	EXPECT_EQ(-ENAMETOOLONG, mbox_create(name, 0, BOTH, 0600, 0, 0));
}

TEST(create_mode_above_0777_einval)
{
	char name[64];

	SKIP_WITHOUT_DEVICE();
	test_name(name, sizeof(name), "mode");
	EXPECT_EQ(-EINVAL, mbox_create(name, 0, BOTH, 01000, 0, 0));
}

TEST(create_at_max_mailboxes_enospc)
{
	unsigned long old = test_get_param("max_mailboxes");

	SKIP_WITHOUT_DEVICE();
	if (test_set_param("max_mailboxes", 0))
		SKIP(return, "cannot write max_mailboxes (not root?)");
	EXPECT_EQ(-ENOSPC, mbox_anon(0, 0));
	ASSERT_EQ(0, test_set_param("max_mailboxes", old));
}

TEST(anon_is_usable_both_ways)
{
	int fd;

	SKIP_WITHOUT_DEVICE();
	fd = mbox_anon(2, 16);
	ASSERT_LE(0, fd);
	EXPECT_EQ(5, mbox_send(fd, "hello", 5));
	EXPECT_EQ(5, mbox_recv(fd, (char[16]){ 0 }, 16));
	close(fd);
}

TEST_F(named, open_as_other_user_eacces)
{
	struct mbox_setattr a = { .mask = MBOX_ATTR_MODE, .mode = 0600 };

	if (geteuid())
		SKIP(return, "needs root to change the effective uid");
	ASSERT_EQ(0, mbox_setattr(self->fd, &a));
	ASSERT_EQ(0, seteuid(65534));
	EXPECT_EQ(-EACCES, mbox_open_name(self->name, MBOX_ACCESS_SEND));
}

TEST_F(named, unlink_and_destroy_by_other_user_eperm)
{
	int fd;

	if (geteuid())
		SKIP(return, "needs root to change the effective uid");
	ASSERT_EQ(0, seteuid(65534));
	fd = mbox_open_name(self->name, MBOX_ACCESS_RECV);	/* mode 0666 & ~umask */
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EPERM, mbox_unlink(fd, self->name));
	EXPECT_EQ(-EPERM, mbox_destroy(fd));
	close(fd);
}

TEST_F(named, unlink_frees_name_keeps_handle)
{
	int fd = mbox_open_dev(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_unlink(fd, self->name));
	EXPECT_EQ(-ENOENT, mbox_open_name(self->name, BOTH));
	EXPECT_EQ(-ENOENT, mbox_unlink(fd, self->name));
	EXPECT_EQ(1, mbox_send(self->fd, "x", 1));
	close(fd);
}

TEST_F(named, destroy_makes_every_handle_eidrm)
{
	int fd = mbox_open_name(self->name, BOTH);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_destroy(self->fd));
	EXPECT_EQ(-EIDRM, mbox_send(fd, "x", 1));
	EXPECT_EQ(-ENOENT, mbox_open_name(self->name, BOTH));
	close(fd);
}

TEST(destroy_unbound_ebadfd)
{
	int fd;

	SKIP_WITHOUT_DEVICE();
	fd = mbox_open_dev(0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBADFD, mbox_destroy(fd));
	close(fd);
}

TEST_F(named, list_shows_mailbox_with_its_messages)
{
	mode_t mask = umask(0);
	struct mbox_entry e[64];
	int i, n;

	umask(mask);
	ASSERT_EQ(3, mbox_send(self->fd, "abc", 3));
	n = mbox_list(e, 64);
	ASSERT_LE(1, n);
	for (i = 0; i < n && i < 64; i++)
		if (!strcmp(e[i].name, self->name))
			break;
	ASSERT_GT(n, i);
	EXPECT_EQ(getuid(), e[i].uid);
	EXPECT_EQ(0666 & ~mask, e[i].mode);
	EXPECT_EQ(1, e[i].msgs);
	EXPECT_EQ(3, e[i].bytes);
}

TEST_F(named, list_counts_beyond_the_array)
{
	EXPECT_LE(1, mbox_list(NULL, 0));
}

/* The port of a child that waits on a pipe, opened by pid or pidfd. */
FIXTURE(port) {
	int ready[2], done[2];
	pid_t child;
};

FIXTURE_SETUP(port)
{
	char c;

	SKIP_WITHOUT_OPEN_FLAG(MBOX_OPEN_PORT);
	ASSERT_EQ(0, pipe(self->ready));
	ASSERT_EQ(0, pipe(self->done));
	self->child = fork();
	ASSERT_LE(0, self->child);
	if (!self->child) {
		int fd = mbox_port_create(MBOX_OPEN_EXCL, MBOX_ACCESS_RECV, 0666);

		close(self->done[1]);	/* so that the parent's close is EOF */
		if (write(self->ready[1], fd < 0 ? "n" : "y", 1) != 1 ||
		    read(self->done[0], &c, 1) < 0)
			_exit(1);
		_exit(fd < 0);
	}
	ASSERT_EQ(1, read(self->ready[0], &c, 1));
	ASSERT_EQ('y', c);
}

FIXTURE_TEARDOWN(port)
{
	int status;

	if (self->child > 0) {
		close(self->done[1]);
		waitpid(self->child, &status, 0);
	}
}

TEST_F(port, open_pid_reaches_child_port)
{
	int fd = mbox_port_open_pid(self->child, MBOX_ACCESS_SEND);

	ASSERT_LE(0, fd);
	EXPECT_EQ(1, mbox_send(fd, "p", 1));
	close(fd);
}

TEST_F(port, open_pidfd_reaches_child_port)
{
	int pidfd = syscall(SYS_pidfd_open, self->child, 0), fd;

	ASSERT_LE(0, pidfd);
	fd = mbox_port_open_pidfd(pidfd, MBOX_ACCESS_SEND);
	ASSERT_LE(0, fd);
	close(fd);
	close(pidfd);
}

TEST_F(port, open_pidfd_not_a_pidfd_ebadf)
{
	EXPECT_EQ(-EBADF, mbox_port_open_pidfd(self->ready[0], MBOX_ACCESS_SEND));
}

TEST_F(port, create_twice_excl_eexist)
{
	int fd = mbox_port_create(0, MBOX_ACCESS_RECV, 0600);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EEXIST, mbox_port_create(MBOX_OPEN_EXCL, MBOX_ACCESS_RECV, 0600));
	close(fd);
}

TEST(port_open_pid_without_port_esrch)
{
	SKIP_WITHOUT_OPEN_FLAG(MBOX_OPEN_PORT);
	EXPECT_EQ(-ESRCH, mbox_port_open_pid(getpid(), MBOX_ACCESS_SEND));
}

TEST_HARNESS_MAIN
