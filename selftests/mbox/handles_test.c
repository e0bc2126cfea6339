// SPDX-License-Identifier: GPL-2.0
/*
 * Open files carried in messages: the receiver gets working descriptors of
 * them when it asks (MBOX_RECV_FDS), close-on-exec when it says so; without
 * room for them the receive fails with ETOOMANYREFS and the message stays;
 * bad descriptors, files that could close a reference cycle, too many per
 * message and too many per user are refused; a dropped message releases
 * its files.
 */
#define _GNU_SOURCE
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mbox_test.h"

#define BOTH		(MBOX_ACCESS_SEND | MBOX_ACCESS_RECV)

static long send_fds(int fd, const char *text, const int *fds, __u32 n)
{
	struct mbox_send s = {
		.buf_ptr = (uintptr_t)text, .len = strlen(text),
		.flags = MBOX_SEND_NONBLOCK, .fds_ptr = (uintptr_t)fds, .nfds = n,
	};

	return mbox_ioctl(fd, MBOX_IOC_SEND, &s);
}

static long recv_fds(int fd, char *buf, size_t len, __u32 flags, int *fds,
		     __u32 max, struct mbox_recv *r)
{
	memset(r, 0, sizeof(*r));
	r->buf_ptr = (uintptr_t)buf;
	r->buf_len = len;
	r->flags = flags | MBOX_RECV_NONBLOCK;
	r->fds_ptr = (uintptr_t)fds;
	r->fds_max = max;
	return mbox_ioctl(fd, MBOX_IOC_RECV, r);
}

FIXTURE(fds) {
	int fd;
	int pipe[2];
	char buf[64];
	int got[MBOX_FDS_MAX];
	struct mbox_recv r;
};

FIXTURE_SETUP(fds)
{
	mbox_skip_if_absent();
	self->fd = mbox_bind(NULL, MBOX_OPEN_CREATE, BOTH, NULL);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, pipe2(self->pipe, O_CLOEXEC));
}

FIXTURE_TEARDOWN(fds)
{
	close(self->fd);
	close(self->pipe[0]);
	close(self->pipe[1]);
}

/* A pipe's write end travels; written through the received fd, read here. */
TEST_F(fds, pipe_end_works_at_the_receiver)
{
	char c = 0;

	ASSERT_EQ(0, send_fds(self->fd, "pipe", &self->pipe[1], 1));
	ASSERT_EQ(0, recv_fds(self->fd, self->buf, sizeof(self->buf), MBOX_RECV_FDS,
			      self->got, MBOX_FDS_MAX, &self->r));
	ASSERT_EQ(1, self->r.nfds);
	EXPECT_NE(self->pipe[1], self->got[0]);
	ASSERT_EQ(1, write(self->got[0], "x", 1));
	ASSERT_EQ(1, read(self->pipe[0], &c, 1));
	EXPECT_EQ('x', c);
	/* Not close-on-exec unless asked. */
	EXPECT_EQ(0, fcntl(self->got[0], F_GETFD) & FD_CLOEXEC);
	close(self->got[0]);
}

TEST_F(fds, cloexec_as_asked)
{
	ASSERT_EQ(0, send_fds(self->fd, "c", &self->pipe[0], 1));
	ASSERT_EQ(0, recv_fds(self->fd, self->buf, sizeof(self->buf),
			      MBOX_RECV_FDS | MBOX_RECV_FDS_CLOEXEC, self->got, 1, &self->r));
	EXPECT_EQ(FD_CLOEXEC, fcntl(self->got[0], F_GETFD) & FD_CLOEXEC);
	close(self->got[0]);
	EXPECT_EQ(-EINVAL, recv_fds(self->fd, self->buf, sizeof(self->buf),
				    MBOX_RECV_FDS_CLOEXEC, self->got, 1, &self->r));
}

/* Several files, in the sender's order, and from another process. */
TEST_F(fds, order_and_across_processes)
{
	int tmp = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fds[3] = { self->pipe[0], tmp, self->pipe[1] };
	struct stat a, b;
	pid_t pid;
	int status, i;

	ASSERT_LE(0, tmp);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(send_fds(self->fd, "three", fds, 3) ? 1 : 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, recv_fds(self->fd, self->buf, sizeof(self->buf), MBOX_RECV_FDS,
			      self->got, 3, &self->r));
	ASSERT_EQ(3, self->r.nfds);
	EXPECT_EQ(pid, self->r.pid);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, fstat(fds[i], &a));
		ASSERT_EQ(0, fstat(self->got[i], &b));
		EXPECT_EQ(a.st_ino, b.st_ino);
		close(self->got[i]);
	}
	close(tmp);
}

/* Without room for its files the message stays; nfds says what it needs. */
TEST_F(fds, no_room_etoomanyrefs_message_stays)
{
	int two[2] = { self->pipe[0], self->pipe[1] };

	ASSERT_EQ(0, send_fds(self->fd, "two", two, 2));
	EXPECT_EQ(-ETOOMANYREFS, recv_fds(self->fd, self->buf, sizeof(self->buf), 0,
					  NULL, 0, &self->r));
	EXPECT_EQ(2, self->r.nfds);
	EXPECT_EQ(-ETOOMANYREFS, recv_fds(self->fd, self->buf, sizeof(self->buf),
					  MBOX_RECV_FDS, self->got, 1, &self->r));
	EXPECT_EQ(-ETOOMANYREFS, (long)(read(self->fd, self->buf, sizeof(self->buf)) < 0 ?
					-errno : 0));
	EXPECT_EQ(1, mbox_cur_msgs(self->fd));
	/* A peek looks without taking, files or not. */
	EXPECT_EQ(0, recv_fds(self->fd, self->buf, sizeof(self->buf), MBOX_RECV_PEEK,
			      NULL, 0, &self->r));
	EXPECT_EQ(2, self->r.nfds);
	ASSERT_EQ(0, recv_fds(self->fd, self->buf, sizeof(self->buf), MBOX_RECV_FDS,
			      self->got, 2, &self->r));
	close(self->got[0]);
	close(self->got[1]);
}

/* A receiver that cannot write the numbers gets EFAULT; the message stays. */
TEST_F(fds, unwritable_fd_array_efault_message_stays)
{
	void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(0, send_fds(self->fd, "f", &self->pipe[0], 1));
	EXPECT_EQ(-EFAULT, recv_fds(self->fd, self->buf, sizeof(self->buf), MBOX_RECV_FDS,
				    ro, 1, &self->r));
	EXPECT_EQ(1, mbox_cur_msgs(self->fd));
	ASSERT_EQ(0, recv_fds(self->fd, self->buf, sizeof(self->buf), MBOX_RECV_FDS,
			      self->got, 1, &self->r));
	close(self->got[0]);
	munmap(ro, 4096);
}

TEST_F(fds, bad_descriptor_ebadf)
{
	int bad[2] = { self->pipe[0], 1000 };

	EXPECT_EQ(-EBADF, send_fds(self->fd, "b", bad, 2));
	EXPECT_EQ(-EFAULT, send_fds(self->fd, "b", (int *)8, 1));
	EXPECT_EQ(0, mbox_cur_msgs(self->fd));
}

/* Files that can hold other files could close a cycle: refused. */
TEST_F(fds, cycle_capable_files_eopnotsupp)
{
	int sv[2], efd, other;

	EXPECT_EQ(-EOPNOTSUPP, send_fds(self->fd, "self", &self->fd, 1));
	other = mbox_anon();
	ASSERT_LE(0, other);
	EXPECT_EQ(-EOPNOTSUPP, send_fds(self->fd, "other", &other, 1));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT_EQ(-EOPNOTSUPP, send_fds(self->fd, "unix", &sv[0], 1));
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	EXPECT_EQ(-EOPNOTSUPP, send_fds(self->fd, "anon", &efd, 1));
	EXPECT_EQ(0, mbox_cur_msgs(self->fd));
	close(efd);
	close(sv[0]);
	close(sv[1]);
	close(other);
}

/* A fan-out mailbox shares one message among subscribers: no files. */
TEST_F(fds, not_on_fanout_einval)
{
	int fan = mbox_bind(NULL, MBOX_OPEN_CREATE | MBOX_OPEN_FANOUT, BOTH, NULL);

	ASSERT_LE(0, fan);
	EXPECT_EQ(-EINVAL, send_fds(fan, "f", &self->pipe[0], 1));
	ASSERT_EQ(0, send_fds(fan, "f", NULL, 0));
	EXPECT_EQ(-EINVAL, recv_fds(fan, self->buf, sizeof(self->buf), MBOX_RECV_FDS,
				    self->got, 1, &self->r));
	close(fan);
}

TEST_F(fds, per_message_cap_etoomanyrefs)
{
	int many[MBOX_FDS_MAX + 1], i;

	for (i = 0; i <= MBOX_FDS_MAX; i++)
		many[i] = self->pipe[0];
	EXPECT_EQ(-ETOOMANYREFS, send_fds(self->fd, "m", many, MBOX_FDS_MAX + 1));
	ASSERT_EQ(0, send_fds(self->fd, "m", many, MBOX_FDS_MAX));
	ASSERT_EQ(0, recv_fds(self->fd, self->buf, sizeof(self->buf), MBOX_RECV_FDS,
			      self->got, MBOX_FDS_MAX, &self->r));
	EXPECT_EQ(MBOX_FDS_MAX, self->r.nfds);
	for (i = 0; i < MBOX_FDS_MAX; i++)
		close(self->got[i]);
}

/* A user's queued messages carry at most user_files_max files; usage shows it. */
TEST_F(fds, per_user_cap_etoomanyrefs)
{
	struct mbox_usage u = { 0 };
	struct mbox_param files;
	int three[3] = { self->pipe[0], self->pipe[0], self->pipe[0] };

	if (geteuid())
		SKIP(return, "needs root for the module parameter");
	ASSERT_EQ(0, mbox_param_set(&files, "user_files_max", "4"));
	EXPECT_EQ(0, send_fds(self->fd, "3", three, 3));
	EXPECT_EQ(-ETOOMANYREFS, send_fds(self->fd, "2", three, 2));
	EXPECT_EQ(0, mbox_ioctl(self->fd, MBOX_IOC_USAGE, &u));
	EXPECT_EQ(3, u.handles);
	EXPECT_EQ(4, u.handles_max);
	EXPECT_EQ(0, send_fds(self->fd, "1", three, 1));
	/* Received: the charge goes, the room comes back. */
	ASSERT_EQ(0, recv_fds(self->fd, self->buf, sizeof(self->buf), MBOX_RECV_FDS,
			      self->got, 3, &self->r));
	close(self->got[0]);
	close(self->got[1]);
	close(self->got[2]);
	EXPECT_EQ(0, send_fds(self->fd, "2", three, 2));
	EXPECT_EQ(0, mbox_param_restore(&files));
}

/* A destroyed mailbox lets go of what its messages carried: the pipe ends. */
TEST_F(fds, destroy_releases_files)
{
	char c;

	ASSERT_EQ(0, send_fds(self->fd, "w", &self->pipe[1], 1));
	close(self->pipe[1]);
	self->pipe[1] = open("/dev/null", O_WRONLY | O_CLOEXEC);
	ASSERT_EQ(0, mbox_ioctl(self->fd, MBOX_IOC_DESTROY, NULL));
	/* The last write end was in the queue: now the read end sees EOF. */
	EXPECT_EQ(0, read(self->pipe[0], &c, 1));
}

/* Batches carry files entry by entry. */
TEST_F(fds, batch_receive)
{
	struct mbox_batch b = { .count = 2 };
	struct mbox_recv r[2];
	int got[2][1], i;

	ASSERT_EQ(0, send_fds(self->fd, "a", &self->pipe[0], 1));
	ASSERT_EQ(0, send_fds(self->fd, "b", &self->pipe[1], 1));
	for (i = 0; i < 2; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].buf_ptr = (uintptr_t)self->buf;
		r[i].buf_len = sizeof(self->buf);
		r[i].flags = MBOX_RECV_FDS | MBOX_RECV_NONBLOCK;
		r[i].fds_ptr = (uintptr_t)got[i];
		r[i].fds_max = 1;
	}
	b.vec_ptr = (uintptr_t)r;
	b.entry_size = sizeof(r[0]);
	ASSERT_EQ(2, ioctl(self->fd, MBOX_IOC_RECV_BATCH, &b));
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(1, r[i].nfds);
		close(got[i][0]);
	}
}

TEST(version_lists_fds)
{
	struct mbox_version v;

	mbox_version_or_skip(v);
	EXPECT_TRUE(v.recv_flags & MBOX_RECV_FDS);
	EXPECT_TRUE(v.recv_flags & MBOX_RECV_FDS_CLOEXEC);
}

TEST_HARNESS_MAIN
