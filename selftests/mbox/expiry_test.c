// SPDX-License-Identifier: GPL-2.0
/*
 * Messages that expire (MBOX_SEND_EXPIRE) and messages that replace the
 * queued one with their key (MBOX_SEND_KEY): dropped unreceived, counted in
 * stat, never delivered, and the room they held is given back; readiness
 * leaves them out; neither goes with a synchronous send.
 */
#define _GNU_SOURCE
#include <poll.h>

#include "kselftest_harness.h"
#include "mbox_test.h"

#define BOTH	(MBOX_ACCESS_SEND | MBOX_ACCESS_RECV)
#define MS	1000000ULL

/* Send text with the given flags, expiry and key: 0 or -errno. */
static long send_ex(int fd, const char *text, __u32 prio, __u32 flags,
		    __u64 expire_ns, __u64 key)
{
	struct mbox_send s = {
		.buf_ptr = (uintptr_t)text, .len = strlen(text), .prio = prio,
		.flags = flags | MBOX_SEND_NONBLOCK, .expire_ns = expire_ns, .key = key,
	};

	return mbox_ioctl(fd, MBOX_IOC_SEND, &s);
}

/* The next message as a string, or "" with the errno in *err. */
static const char *next(int fd, char *buf, size_t len, long *err)
{
	struct mbox_recv r;

	*err = mbox_recv(fd, buf, len - 1, MBOX_RECV_NONBLOCK, 0, &r);
	buf[*err ? 0 : r.len] = '\0';
	return buf;
}

FIXTURE(ex) {
	int fd;
	char buf[64];
	long err;
	struct mbox_stat st;
};

FIXTURE_SETUP(ex)
{
	struct mbox_open o = { .max_msgs = 4, .max_msg_size = 64 };

	mbox_skip_if_absent();
	self->fd = mbox_bind(NULL, MBOX_OPEN_CREATE, BOTH, &o);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(ex)
{
	close(self->fd);
}

TEST_F(ex, expired_is_never_delivered)
{
	ASSERT_EQ(0, send_ex(self->fd, "soon", 0, MBOX_SEND_EXPIRE, mbox_now_ns() + 50 * MS, 0));
	ASSERT_EQ(0, send_ex(self->fd, "later", 0, MBOX_SEND_EXPIRE,
			     mbox_now_ns() + 60000 * MS, 0));
	ASSERT_EQ(0, send_ex(self->fd, "never", 0, 0, 0, 0));
	usleep(100 * 1000);
	EXPECT_STREQ("later", next(self->fd, self->buf, sizeof(self->buf), &self->err));
	EXPECT_STREQ("never", next(self->fd, self->buf, sizeof(self->buf), &self->err));
	next(self->fd, self->buf, sizeof(self->buf), &self->err);
	EXPECT_EQ(-EAGAIN, self->err);
	ASSERT_EQ(0, mbox_stat(self->fd, &self->st));
	EXPECT_EQ(1, self->st.total_expired);
	EXPECT_EQ(3, self->st.total_sent);
	EXPECT_EQ(2, self->st.total_received);
}

/* An expiry already past: queued, counted, dropped at the next look. */
TEST_F(ex, expiry_in_the_past)
{
	ASSERT_EQ(0, send_ex(self->fd, "old", 0, MBOX_SEND_EXPIRE, 1, 0));
	ASSERT_EQ(0, mbox_stat(self->fd, &self->st));
	EXPECT_EQ(0, self->st.cur_msgs);
	EXPECT_EQ(0, self->st.cur_bytes);
	EXPECT_EQ(1, self->st.total_expired);
	next(self->fd, self->buf, sizeof(self->buf), &self->err);
	EXPECT_EQ(-EAGAIN, self->err);
}

/* A full mailbox of expired messages takes new ones. */
TEST_F(ex, expired_messages_give_room_back)
{
	int i;

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, send_ex(self->fd, "x", 0, MBOX_SEND_EXPIRE,
				     mbox_now_ns() + 30 * MS, 0));
	EXPECT_EQ(-EAGAIN, send_ex(self->fd, "y", 0, 0, 0, 0));
	usleep(60 * 1000);
	EXPECT_EQ(0, send_ex(self->fd, "y", 0, 0, 0, 0));
	EXPECT_STREQ("y", next(self->fd, self->buf, sizeof(self->buf), &self->err));
	ASSERT_EQ(0, mbox_stat(self->fd, &self->st));
	EXPECT_EQ(4, self->st.total_expired);
}

/* poll() does not call a mailbox of expired messages readable. */
TEST_F(ex, poll_leaves_expired_out)
{
	struct pollfd p = { .fd = self->fd, .events = POLLIN | POLLOUT };

	ASSERT_EQ(0, send_ex(self->fd, "x", 0, MBOX_SEND_EXPIRE, mbox_now_ns() + 30 * MS, 0));
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_TRUE(p.revents & POLLIN);
	usleep(60 * 1000);
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_FALSE(p.revents & POLLIN);
	EXPECT_TRUE(p.revents & POLLOUT);
}

TEST_F(ex, key_keeps_the_latest_only)
{
	ASSERT_EQ(0, send_ex(self->fd, "a1", 0, MBOX_SEND_KEY, 0, 1));
	ASSERT_EQ(0, send_ex(self->fd, "b7", 0, MBOX_SEND_KEY, 0, 7));
	ASSERT_EQ(0, send_ex(self->fd, "plain", 0, 0, 0, 1));
	ASSERT_EQ(0, send_ex(self->fd, "a2", 0, MBOX_SEND_KEY, 0, 1));
	ASSERT_EQ(0, send_ex(self->fd, "a3", 0, MBOX_SEND_KEY, 0, 1));
	ASSERT_EQ(0, mbox_stat(self->fd, &self->st));
	EXPECT_EQ(3, self->st.cur_msgs);
	EXPECT_EQ(2, self->st.total_replaced);
	/* The replacement takes its turn as a new message: at the tail. */
	EXPECT_STREQ("b7", next(self->fd, self->buf, sizeof(self->buf), &self->err));
	EXPECT_STREQ("plain", next(self->fd, self->buf, sizeof(self->buf), &self->err));
	EXPECT_STREQ("a3", next(self->fd, self->buf, sizeof(self->buf), &self->err));
	next(self->fd, self->buf, sizeof(self->buf), &self->err);
	EXPECT_EQ(-EAGAIN, self->err);
}

/* Whatever the priority of the old value, the new one replaces it. */
TEST_F(ex, key_across_priorities)
{
	struct mbox_recv r;

	ASSERT_EQ(0, send_ex(self->fd, "high", 9, MBOX_SEND_KEY, 0, 3));
	ASSERT_EQ(0, send_ex(self->fd, "low", 1, MBOX_SEND_KEY, 0, 3));
	ASSERT_EQ(0, mbox_recv(self->fd, self->buf, sizeof(self->buf), MBOX_RECV_NONBLOCK, 0, &r));
	EXPECT_EQ(1, r.prio);
	EXPECT_EQ(0, mbox_cur_msgs(self->fd));
}

/* A state update never blocks on its own older value. */
TEST_F(ex, key_into_a_full_mailbox)
{
	int i;

	ASSERT_EQ(0, send_ex(self->fd, "k", 0, MBOX_SEND_KEY, 0, 5));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, send_ex(self->fd, "x", 0, 0, 0, 0));
	EXPECT_EQ(-EAGAIN, send_ex(self->fd, "y", 0, MBOX_SEND_KEY, 0, 6));
	EXPECT_EQ(0, send_ex(self->fd, "k2", 0, MBOX_SEND_KEY, 0, 5));
	EXPECT_EQ(4, mbox_cur_msgs(self->fd));
	ASSERT_EQ(0, mbox_stat(self->fd, &self->st));
	EXPECT_EQ(1, self->st.total_replaced);
}

/* Both at once: a keyed message that expires, replaced before it does. */
TEST_F(ex, key_and_expiry)
{
	ASSERT_EQ(0, send_ex(self->fd, "v1", 0, MBOX_SEND_KEY | MBOX_SEND_EXPIRE,
			     mbox_now_ns() + 30 * MS, 2));
	ASSERT_EQ(0, send_ex(self->fd, "v2", 0, MBOX_SEND_KEY | MBOX_SEND_EXPIRE,
			     mbox_now_ns() + 30 * MS, 2));
	usleep(60 * 1000);
	ASSERT_EQ(0, mbox_stat(self->fd, &self->st));
	EXPECT_EQ(1, self->st.total_replaced);
	EXPECT_EQ(1, self->st.total_expired);
	EXPECT_EQ(0, self->st.cur_msgs);
}

/* A message that must be received can neither expire nor be replaced. */
TEST_F(ex, not_with_sync_einval)
{
	struct mbox_open o = { 0 };
	int rv;

	EXPECT_EQ(-EINVAL, send_ex(self->fd, "s", 0, MBOX_SEND_SYNC | MBOX_SEND_EXPIRE,
				   mbox_now_ns() + 1000 * MS, 0));
	EXPECT_EQ(-EINVAL, send_ex(self->fd, "s", 0, MBOX_SEND_SYNC | MBOX_SEND_KEY, 0, 1));
	rv = mbox_bind(NULL, MBOX_OPEN_CREATE | MBOX_OPEN_RENDEZVOUS, BOTH, &o);
	ASSERT_LE(0, rv);
	EXPECT_EQ(-EINVAL, send_ex(rv, "r", 0, MBOX_SEND_KEY, 0, 1));
	EXPECT_EQ(-EINVAL, send_ex(rv, "r", 0, MBOX_SEND_EXPIRE, mbox_now_ns() + 1000 * MS, 0));
	close(rv);
	EXPECT_EQ(0, mbox_cur_msgs(self->fd));
}

/* A sender built against an older header (VER1) sends neither. */
TEST_F(ex, older_senders_unaffected)
{
	struct mbox_send s = {
		.buf_ptr = (uintptr_t)"old", .len = 3, .flags = MBOX_SEND_NONBLOCK,
		.expire_ns = 1, .key = 1,
	};

	ASSERT_EQ(0, mbox_ioctl(self->fd, _IOW(MBOX_IOCTL_MAGIC, 0x04, char[MBOX_SEND_SIZE_VER1]),
				&s));
	ASSERT_EQ(0, mbox_stat(self->fd, &self->st));
	EXPECT_EQ(1, self->st.cur_msgs);
	EXPECT_EQ(0, self->st.total_expired);
}

TEST(version_lists_expire_and_key)
{
	struct mbox_version v;

	mbox_version_or_skip(v);
	EXPECT_TRUE(v.send_flags & MBOX_SEND_EXPIRE);
	EXPECT_TRUE(v.send_flags & MBOX_SEND_KEY);
}

TEST_HARNESS_MAIN
