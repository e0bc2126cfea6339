// SPDX-License-Identifier: GPL-2.0
/*
 * libmbox: messages against the real module. Send and receive in both forms,
 * priorities, deadlines, access, request/reply calls and cancel, each success
 * path and each errno the man pages list.
 */
#include <pthread.h>
#include <sys/wait.h>

#include "libmbox_test.h"

FIXTURE(anon) {
	int fd;
};

FIXTURE_SETUP(anon)
{
	SKIP_WITHOUT_DEVICE();
	self->fd = mbox_anon(2, 8);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(anon)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(anon, send_recv_whole_message)
{
	char buf[8];

	ASSERT_EQ(3, mbox_send(self->fd, "abc", 3));
	ASSERT_EQ(0, mbox_send(self->fd, "", 0));
	ASSERT_EQ(3, mbox_recv(self->fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	EXPECT_EQ(0, mbox_recv(self->fd, buf, sizeof(buf)));
}

TEST_F(anon, send_too_long_emsgsize)
{
	EXPECT_EQ(-EMSGSIZE, mbox_send(self->fd, "123456789", 9));
}

TEST_F(anon, recv_small_buffer_keeps_message)
{
	char buf[8];

	ASSERT_EQ(4, mbox_send(self->fd, "abcd", 4));
	EXPECT_EQ(-EMSGSIZE, mbox_recv(self->fd, buf, 2));
	EXPECT_EQ(4, mbox_recv(self->fd, buf, sizeof(buf)));
}

TEST_F(anon, sendx_prio_recvx_highest_first)
{
	struct mbox_send lo = { .buf_ptr = mbox_ptr("lo"), .len = 2, .prio = 1 };
	struct mbox_send hi = { .buf_ptr = mbox_ptr("hi!"), .len = 3, .prio = 7 };
	char buf[8];
	struct mbox_recv r = { .buf_ptr = mbox_ptr(buf), .buf_len = sizeof(buf) };

	ASSERT_EQ(0, mbox_sendx(self->fd, &lo));
	ASSERT_EQ(0, mbox_sendx(self->fd, &hi));
	ASSERT_EQ(0, mbox_recvx(self->fd, &r));
	EXPECT_EQ(3, r.len);
	EXPECT_EQ(7, r.prio);
	EXPECT_EQ(2, r.seq);
	EXPECT_EQ(getpid(), r.pid);
	EXPECT_EQ(0, memcmp(buf, "hi!", 3));
}

TEST_F(anon, batch_send_fills_recv_takes_all)
{
	struct mbox_send s[3] = {
		{ .buf_ptr = mbox_ptr("one"), .len = 3 },
		{ .buf_ptr = mbox_ptr("two"), .len = 3 },
		{ .buf_ptr = mbox_ptr("six"), .len = 3 },
	};
	char buf[3][8];
	struct mbox_recv r[3];
	int i;

	for (i = 0; i < 3; i++)
		r[i] = (struct mbox_recv){ .buf_ptr = mbox_ptr(buf[i]), .buf_len = 8 };
	/* Capacity 2: the third does not fit and ends the batch. */
	ASSERT_EQ(2, mbox_send_batch(self->fd, s, 3));
	ASSERT_EQ(2, mbox_recv_batch(self->fd, r, 3));
	EXPECT_EQ(0, memcmp(buf[0], "one", 3));
	EXPECT_EQ(0, memcmp(buf[1], "two", 3));
	EXPECT_EQ(2, r[1].seq);
	r[0].flags = MBOX_RECV_NONBLOCK;
	EXPECT_EQ(-EAGAIN, mbox_recv_batch(self->fd, r, 3));
	EXPECT_EQ(-EINVAL, mbox_send_batch(self->fd, s, 0));
}

/*
 * A program built against an older header passes smaller structures: the
 * *_sized() functions neither read nor write past them. The bytes after each
 * are a pattern that would fail the call if read (non-zero padding) and must
 * come back unchanged.
 */
#define PAST	0xa5

static bool untouched(const void *p, size_t from, size_t to)
{
	const unsigned char *b = p;

	for (; from < to; from++)
		if (b[from] != PAST)
			return false;
	return true;
}

TEST_F(anon, sized_calls_keep_to_an_older_structure)
{
	union {
		struct mbox_send s[2];
		unsigned char raw[2 * MBOX_SEND_SIZE_VER1 + 64];
	} snd;
	union {
		struct mbox_recv r;
		unsigned char raw[sizeof(struct mbox_recv) + 64];
	} rcv;
	union {
		struct mbox_stat st;
		unsigned char raw[sizeof(struct mbox_stat) + 64];
	} stt;
	struct mbox_send *second = (void *)(snd.raw + MBOX_SEND_SIZE_VER1);
	char buf[8];

	memset(&snd, PAST, sizeof(snd));
	memset(&snd, 0, 2 * MBOX_SEND_SIZE_VER1);
	snd.s[0].buf_ptr = mbox_ptr("old");
	snd.s[0].len = 3;
	ASSERT_EQ(0, mbox_sendx_sized(self->fd, &snd.s[0], MBOX_SEND_SIZE_VER1));
	/* Entries of the older size, packed. */
	second->buf_ptr = mbox_ptr("new");
	second->len = 3;
	ASSERT_EQ(1, mbox_send_batch_sized(self->fd, second, 1, MBOX_SEND_SIZE_VER1));

	memset(&stt, PAST, sizeof(stt));
	ASSERT_EQ(0, mbox_stat_sized(self->fd, &stt.st, MBOX_STAT_SIZE_VER0));
	EXPECT_EQ(2, stt.st.cur_msgs);
	EXPECT_TRUE(untouched(&stt, MBOX_STAT_SIZE_VER0, sizeof(stt)));

	memset(&rcv, PAST, sizeof(rcv));
	memset(&rcv, 0, MBOX_RECV_SIZE_VER1);
	rcv.r.buf_ptr = mbox_ptr(buf);
	rcv.r.buf_len = sizeof(buf);
	ASSERT_EQ(0, mbox_recvx_sized(self->fd, &rcv.r, MBOX_RECV_SIZE_VER1));
	EXPECT_EQ(3, rcv.r.len);
	EXPECT_EQ(0, memcmp(buf, "old", 3));
	EXPECT_TRUE(untouched(&rcv, MBOX_RECV_SIZE_VER1, sizeof(rcv)));

	memset(&rcv, PAST, sizeof(rcv));
	memset(&rcv, 0, MBOX_RECV_SIZE_VER1);
	rcv.r.buf_ptr = mbox_ptr(buf);
	rcv.r.buf_len = sizeof(buf);
	ASSERT_EQ(1, mbox_recv_batch_sized(self->fd, &rcv.r, 1, MBOX_RECV_SIZE_VER1));
	EXPECT_EQ(2, rcv.r.seq);
	EXPECT_EQ(0, memcmp(buf, "new", 3));
	EXPECT_TRUE(untouched(&rcv, MBOX_RECV_SIZE_VER1, sizeof(rcv)));

	/* No command holds a structure of 16 KiB or more. */
	EXPECT_EQ(-EINVAL, mbox_recvx_sized(self->fd, &rcv.r, 1 << 14));
	EXPECT_EQ(-EINVAL, mbox_recv_batch_sized(self->fd, &rcv.r, 1, (size_t)1 << 32));
}

TEST_F(anon, send_keyed_replaces_send_ttl_expires)
{
	struct mbox_recv r = { .flags = MBOX_RECV_NONBLOCK };
	struct mbox_stat st;
	char buf[8];

	r.buf_ptr = mbox_ptr(buf);
	r.buf_len = sizeof(buf);
	ASSERT_EQ(0, mbox_send_keyed(self->fd, "old", 3, 9));
	ASSERT_EQ(0, mbox_send_keyed(self->fd, "new", 3, 9));
	ASSERT_EQ(0, mbox_recvx(self->fd, &r));
	EXPECT_EQ(0, memcmp(buf, "new", 3));
	ASSERT_EQ(0, mbox_send_ttl(self->fd, "gone", 4, 1000));
	usleep(1000);
	EXPECT_EQ(-EAGAIN, mbox_recvx(self->fd, &r));
	ASSERT_EQ(0, mbox_stat(self->fd, &st));
	EXPECT_EQ(1, st.total_replaced);
	EXPECT_EQ(1, st.total_expired);
}

TEST_F(anon, send_fds_recv_fds)
{
	unsigned int n = 2;
	int p[2], got[2];
	char buf[8], c;

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, mbox_send_fds(self->fd, "fd", 2, p, 2));
	n = 1;
	EXPECT_EQ(-ETOOMANYREFS, mbox_recv_fds(self->fd, buf, sizeof(buf), got, &n, 0));
	EXPECT_EQ(2, n);
	ASSERT_EQ(2, mbox_recv_fds(self->fd, buf, sizeof(buf), got, &n, MBOX_RECV_FDS_CLOEXEC));
	ASSERT_EQ(2, n);
	ASSERT_EQ(1, write(got[1], "z", 1));
	ASSERT_EQ(1, read(got[0], &c, 1));
	EXPECT_EQ('z', c);
	EXPECT_EQ(-EBADF, mbox_send_fds(self->fd, "x", 1, (int[]){ 999 }, 1));
	close(got[0]);
	close(got[1]);
	close(p[0]);
	close(p[1]);
}

TEST_F(anon, sendx_prio_too_high_einval)
{
	struct mbox_send s = { .buf_ptr = mbox_ptr("x"), .len = 1, .prio = MBOX_PRIO_MAX };

	EXPECT_EQ(-EINVAL, mbox_sendx(self->fd, &s));
}

TEST_F(anon, sendx_nonblock_full_eagain)
{
	struct mbox_send s = { .buf_ptr = mbox_ptr("x"), .len = 1,
			       .flags = MBOX_SEND_NONBLOCK };

	ASSERT_EQ(0, mbox_sendx(self->fd, &s));
	ASSERT_EQ(0, mbox_sendx(self->fd, &s));
	EXPECT_EQ(-EAGAIN, mbox_sendx(self->fd, &s));
}

TEST_F(anon, recvx_nonblock_empty_eagain)
{
	struct mbox_recv r = { .flags = MBOX_RECV_NONBLOCK };

	EXPECT_EQ(-EAGAIN, mbox_recvx(self->fd, &r));
}

TEST_F(anon, recvx_deadline_etimedout)
{
	struct mbox_recv r = { .flags = MBOX_RECV_DEADLINE,
			       .deadline_ns = test_deadline_ms(50) };

	EXPECT_EQ(-ETIMEDOUT, mbox_recvx(self->fd, &r));
}

TEST_F(anon, recvx_peek_leaves_message)
{
	char buf[8];
	struct mbox_recv r = { .buf_ptr = mbox_ptr(buf), .buf_len = sizeof(buf),
			       .flags = MBOX_RECV_PEEK };

	ASSERT_EQ(1, mbox_send(self->fd, "p", 1));
	ASSERT_EQ(0, mbox_recvx(self->fd, &r));
	EXPECT_EQ(1, mbox_recv(self->fd, buf, sizeof(buf)));
}

TEST(send_recv_without_access_ebadf)
{
	char name[64];
	int tx, rx;

	SKIP_WITHOUT_DEVICE();
	test_name(name, sizeof(name), "access");
	tx = mbox_create(name, MBOX_OPEN_EXCL, MBOX_ACCESS_SEND, 0600, 0, 0);
	ASSERT_LE(0, tx);
	rx = mbox_open_name(name, MBOX_ACCESS_RECV);
	ASSERT_LE(0, rx);
	EXPECT_EQ(-EBADF, mbox_recv(tx, (char[8]){ 0 }, 8));
	EXPECT_EQ(-EBADF, mbox_send(rx, "x", 1));
	EXPECT_EQ(0, mbox_unlink(tx, name));
	close(rx);
	close(tx);
}

TEST(send_unbound_ebadfd)
{
	int fd;

	SKIP_WITHOUT_DEVICE();
	fd = mbox_open_dev(0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBADFD, mbox_send(fd, "x", 1));
	close(fd);
}

TEST_F(anon, send_over_user_quota_edquot)
{
	unsigned long old = test_get_param("user_bytes_max");

	if (test_set_param("user_bytes_max", 1))
		SKIP(return, "cannot write user_bytes_max (not root?)");
	EXPECT_EQ(-EDQUOT, mbox_send(self->fd, "x", 1));
	ASSERT_EQ(0, test_set_param("user_bytes_max", old));
}

static void upcase(char *buf, __u64 len)
{
	__u64 i;

	for (i = 0; i < len; i++)
		buf[i] = buf[i] >= 'a' && buf[i] <= 'z' ? buf[i] - 'a' + 'A' : buf[i];
}

/*
 * A child that serves one request on fd: echo it upper-cased, or fail it with
 * err. It exits 0 when its reply worked and a second one to the same token
 * failed with ENOENT, as a token is answered once.
 */
static pid_t serve_one(int fd, int err)
{
	char buf[64];
	struct mbox_recv r = { .buf_ptr = mbox_ptr(buf), .buf_len = sizeof(buf) };
	pid_t pid = fork();

	if (pid)
		return pid;
	if (mbox_recvx(fd, &r) || !r.reply_token)
		_exit(1);
	upcase(buf, r.len);
	if (mbox_reply(fd, r.reply_token, buf, r.len, err))
		_exit(1);
	_exit(mbox_reply(fd, r.reply_token, buf, r.len, err) == -ENOENT ? 0 : 2);
}

static int reap(pid_t pid)
{
	int status;

	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) ?
	       WEXITSTATUS(status) : -1;
}

/* A reply that never comes fails the test in 10 s, not the harness's 30. */
TEST_F_TIMEOUT(anon, call_gets_reply, 10)
{
	char reply[16] = "";
	pid_t server;

	SKIP_WITHOUT_IOCTL(MBOX_IOC_CALL);
	server = serve_one(self->fd, 0);
	ASSERT_LE(0, server);
	EXPECT_EQ(4, mbox_call(self->fd, "ping", 4, reply, sizeof(reply)));
	EXPECT_EQ(0, memcmp(reply, "PING", 4));
	EXPECT_EQ(0, reap(server));
}

TEST_F_TIMEOUT(anon, call_fails_with_server_error, 10)
{
	char reply[16];
	pid_t server;

	SKIP_WITHOUT_IOCTL(MBOX_IOC_CALL);
	server = serve_one(self->fd, ENOKEY);
	ASSERT_LE(0, server);
	EXPECT_EQ(-ENOKEY, mbox_call(self->fd, "x", 1, reply, sizeof(reply)));
	EXPECT_EQ(0, reap(server));
}

TEST_F(anon, callx_deadline_etimedout)
{
	char reply[8];
	struct mbox_call c = {
		.req_ptr = mbox_ptr("x"), .req_len = 1,
		.reply_ptr = mbox_ptr(reply), .reply_len = sizeof(reply),
		.flags = MBOX_CALL_DEADLINE, .deadline_ns = test_deadline_ms(50),
	};

	SKIP_WITHOUT_IOCTL(MBOX_IOC_CALL);
	EXPECT_EQ(-ETIMEDOUT, mbox_callx(self->fd, &c));
}

TEST_F(anon, reply_error_out_of_range_einval)
{
	SKIP_WITHOUT_IOCTL(MBOX_IOC_REPLY);
	EXPECT_EQ(-EINVAL, mbox_reply(self->fd, 12345, NULL, 0, 4096));
}

/*
 * A child that echoes one request upper-cased and, in the same call, takes
 * the next message: it exits 0 when that is "next" and the reply went out.
 */
static pid_t serve_then_take(int fd)
{
	char buf[64], next[64];
	struct mbox_recv r = { .buf_ptr = mbox_ptr(buf), .buf_len = sizeof(buf) };
	struct mbox_reply rp = { .buf_ptr = mbox_ptr(buf) };
	pid_t pid = fork();
	int replied = 0;

	if (pid)
		return pid;
	if (mbox_recvx(fd, &r) || !r.reply_token)
		_exit(1);
	upcase(buf, r.len);
	rp.token = r.reply_token;
	rp.len = r.len;
	r = (struct mbox_recv){
		.buf_ptr = mbox_ptr(next), .buf_len = sizeof(next),
		.flags = MBOX_RECV_DEADLINE, .deadline_ns = test_deadline_ms(5000),
	};
	if (mbox_reply_recv(fd, &rp, &r, &replied) || replied != 1)
		_exit(1);
	_exit(r.len == 4 && !memcmp(next, "next", 4) ? 0 : 2);
}

TEST_F_TIMEOUT(anon, reply_recv_answers_and_takes_next, 10)
{
	char reply[16] = "";
	pid_t server;

	SKIP_WITHOUT_IOCTL(MBOX_IOC_REPLY_RECV);
	server = serve_then_take(self->fd);
	ASSERT_LE(0, server);
	EXPECT_EQ(4, mbox_call(self->fd, "ping", 4, reply, sizeof(reply)));
	EXPECT_EQ(0, memcmp(reply, "PING", 4));
	EXPECT_EQ(4, mbox_send(self->fd, "next", 4));
	EXPECT_EQ(0, reap(server));
}

TEST_F(anon, reply_recv_unknown_token_enoent_nothing_received)
{
	struct mbox_reply rp = { .token = 12345 };
	char buf[8];
	struct mbox_recv r = { .buf_ptr = mbox_ptr(buf), .buf_len = sizeof(buf) };
	int replied = -1;

	SKIP_WITHOUT_IOCTL(MBOX_IOC_REPLY_RECV);
	ASSERT_EQ(4, mbox_send(self->fd, "stay", 4));
	EXPECT_EQ(-ENOENT, mbox_reply_recv(self->fd, &rp, &r, &replied));
	EXPECT_EQ(0, replied);
	EXPECT_EQ(4, mbox_recv(self->fd, buf, sizeof(buf)));
}

TEST_F(anon, reply_recv_sized_short_reply_einval)
{
	struct mbox_reply rp = { .token = 12345 };
	struct mbox_recv r = { 0 };
	int replied = -1;

	SKIP_WITHOUT_IOCTL(MBOX_IOC_REPLY_RECV);
	EXPECT_EQ(-EINVAL, mbox_reply_recv_sized(self->fd, &rp, 8, &r, sizeof(r), &replied));
	EXPECT_EQ(0, replied);
}

static void *blocked_recv(void *arg)
{
	int fd = *(int *)arg;

	return (void *)(long)mbox_recv(fd, (char[8]){ 0 }, 8);
}

TEST_F(anon, cancel_wakes_blocked_receiver_ecanceled)
{
	pthread_t t;
	void *ret;

	SKIP_WITHOUT_IOCTL(MBOX_IOC_CANCEL);
	ASSERT_EQ(0, pthread_create(&t, NULL, blocked_recv, &self->fd));
	ASSERT_EQ(0, test_wait_blocked(self->fd, 1));
	EXPECT_EQ(0, mbox_cancel(self->fd));
	ASSERT_EQ(0, pthread_join(t, &ret));
	EXPECT_EQ(-ECANCELED, (long)ret);
}

TEST_F(anon, sender_pidfd_of_a_running_sender)
{
	char buf[8];
	struct mbox_recv r = { .buf_ptr = mbox_ptr(buf), .buf_len = sizeof(buf) };
	int pidfd;

	ASSERT_EQ(2, mbox_send(self->fd, "me", 2));
	ASSERT_EQ(0, mbox_recvx(self->fd, &r));
	if (!r.start_ns)
		SKIP(return, "the module reports no start_ns yet");
	pidfd = mbox_sender_pidfd(&r);
	ASSERT_LE(0, pidfd);
	close(pidfd);
}

TEST_F(anon, sender_pidfd_of_a_reaped_sender_esrch)
{
	char buf[8];
	struct mbox_recv r = { .buf_ptr = mbox_ptr(buf), .buf_len = sizeof(buf) };
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(mbox_send(self->fd, "kid", 3) == 3 ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, mbox_recvx(self->fd, &r));
	EXPECT_EQ(pid, r.pid);
	EXPECT_EQ(-ESRCH, mbox_sender_pidfd(&r));
}

TEST(sender_pidfd_of_a_reused_pid_esrch)
{
	struct mbox_recv r = { .pid = getpid(), .start_ns = 1 };

	/* This pid, but not this process's start: someone else's once. */
	EXPECT_EQ(-ESRCH, mbox_sender_pidfd(&r));
}

TEST(sender_pidfd_invisible_sender_esrch)
{
	struct mbox_recv r = { .pid = 0, .start_ns = 1 };

	EXPECT_EQ(-ESRCH, mbox_sender_pidfd(&r));
}

TEST_HARNESS_MAIN
