// SPDX-License-Identifier: GPL-2.0
/*
 * What mbox shows developers, none of it ABI but worth keeping right: the
 * fdinfo of a handle, and /sys/kernel/debug/mbox/mailboxes, one line per
 * mailbox. The debugfs tests skip without root or debugfs.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mbox_test.h"

#define DEBUGFS_MAILBOXES "/sys/kernel/debug/mbox/mailboxes"
#define LIST_SIZE (256 * 1024)

static ssize_t read_fdinfo(int fd, char *buf, size_t size)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	return mbox_read_file(path, buf, size);
}

/* The value of "key:\t" in an fdinfo text, as a number; -1 if absent. */
static long fdinfo_num(const char *text, const char *key)
{
	char needle[64];
	const char *p;

	snprintf(needle, sizeof(needle), "\n%s:\t", key);
	p = strstr(text, needle);
	return p ? strtol(p + strlen(needle), NULL, 10) : -1;
}

/* The debugfs line of mailbox id, copied into line; false if not listed. */
static bool listed(const char *list, unsigned int id, char *line, size_t size)
{
	char needle[32];
	const char *p, *end;

	snprintf(needle, sizeof(needle), "\n%u ", id);
	p = strstr(list, needle);
	if (!p)
		return false;
	p++;
	end = strchrnul(p, '\n');
	snprintf(line, size, "%.*s", (int)(end - p), p);
	return true;
}

FIXTURE(fdinfo) {
	int fd;
	char text[1024];
};

FIXTURE_SETUP(fdinfo)
{
	mbox_open_or_skip(self->fd);
}

FIXTURE_TEARDOWN(fdinfo)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(fdinfo, unbound_handle_is_not_bound)
{
	ASSERT_LT(0, read_fdinfo(self->fd, self->text, sizeof(self->text)));
	EXPECT_EQ(0, fdinfo_num(self->text, "mbox-bound"));
	EXPECT_EQ(NULL, strstr(self->text, "mbox-id:"));
}

TEST_F(fdinfo, bound_handle_shows_mailbox_and_counts)
{
	int fd = mbox_anon();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_send(fd, "hello", 5, 0, 0, 0));
	ASSERT_EQ(0, mbox_send(fd, "hi", 2, 0, 0, 0));
	ASSERT_LT(0, read_fdinfo(fd, self->text, sizeof(self->text)));
	EXPECT_EQ(1, fdinfo_num(self->text, "mbox-bound"));
	EXPECT_LT(0, fdinfo_num(self->text, "mbox-id"));
	EXPECT_NE(NULL, strstr(self->text, "\nmbox-access:\tsend recv\n"));
	EXPECT_EQ(2, fdinfo_num(self->text, "mbox-msgs"));
	EXPECT_EQ(7, fdinfo_num(self->text, "mbox-bytes"));
	EXPECT_EQ(2, fdinfo_num(self->text, "mbox-sent"));
	EXPECT_EQ(0, fdinfo_num(self->text, "mbox-received"));
	EXPECT_EQ(0, fdinfo_num(self->text, "mbox-dead"));
	close(fd);
}

TEST_F(fdinfo, send_only_handle_shows_send_access)
{
	char name[64];
	int owner, fd;

	mbox_test_name(name, sizeof(name), "fdinfo");
	owner = mbox_bind(name, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL,
			  MBOX_ACCESS_RECV, NULL);
	ASSERT_LE(0, owner);
	fd = mbox_bind(name, 0, MBOX_ACCESS_SEND, NULL);
	ASSERT_LE(0, fd);
	ASSERT_LT(0, read_fdinfo(fd, self->text, sizeof(self->text)));
	EXPECT_NE(NULL, strstr(self->text, "\nmbox-access:\tsend\n"));
	ASSERT_LT(0, read_fdinfo(owner, self->text, sizeof(self->text)));
	EXPECT_NE(NULL, strstr(self->text, "\nmbox-access:\trecv\n"));
	close(fd);
	EXPECT_EQ(0, mbox_ioctl(owner, MBOX_IOC_DESTROY, NULL));
	close(owner);
}

TEST_F(fdinfo, same_mailbox_same_id)
{
	long id;
	int fd = mbox_anon(), dup_fd;

	ASSERT_LE(0, fd);
	ASSERT_LT(0, read_fdinfo(fd, self->text, sizeof(self->text)));
	id = fdinfo_num(self->text, "mbox-id");
	dup_fd = dup(fd);
	ASSERT_LE(0, dup_fd);
	ASSERT_LT(0, read_fdinfo(dup_fd, self->text, sizeof(self->text)));
	EXPECT_EQ(id, fdinfo_num(self->text, "mbox-id"));
	close(dup_fd);
	close(fd);
}

FIXTURE(debugfs) {
	char *list;
	char line[512];
};

FIXTURE_SETUP(debugfs)
{
	int fd;

	self->list = NULL;
	mbox_open_or_skip(fd);
	close(fd);
	if (geteuid())
		SKIP(return, "debugfs needs root");
	if (access(DEBUGFS_MAILBOXES, F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	if (access(DEBUGFS_MAILBOXES, F_OK))
		SKIP(return, DEBUGFS_MAILBOXES " is absent: no CONFIG_DEBUG_FS?");
	self->list = malloc(LIST_SIZE);
	ASSERT_NE(NULL, self->list);
}

FIXTURE_TEARDOWN(debugfs)
{
	free(self->list);
}

static unsigned int handle_id(int fd)
{
	char text[1024];

	if (read_fdinfo(fd, text, sizeof(text)) < 0)
		return 0;
	return fdinfo_num(text, "mbox-id");
}

static const char *mailboxes(struct __test_metadata *_metadata,
			     FIXTURE_DATA(debugfs) *self)
{
	EXPECT_LT(0, mbox_read_file(DEBUGFS_MAILBOXES, self->list, LIST_SIZE));
	return self->list;
}

TEST_F(debugfs, header_names_the_columns)
{
	EXPECT_EQ(self->list, strstr(mailboxes(_metadata, self),
				     "id name refs flags mode msgs/max bytes/max"));
}

TEST_F(debugfs, named_mailbox_is_listed_with_its_queue)
{
	struct mbox_open o = { .mode = 0600, .max_msgs = 5, .max_msg_size = 100 };
	char name[64], expect[256];
	unsigned int id;
	int fd;

	mbox_test_name(name, sizeof(name), "debugfs");
	fd = mbox_bind(name, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL,
		       MBOX_ACCESS_SEND | MBOX_ACCESS_RECV, &o);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_send(fd, "abcd", 4, 0, 0, 0));
	id = handle_id(fd);
	ASSERT_TRUE(listed(mailboxes(_metadata, self), id, self->line,
			   sizeof(self->line)));
	/* Two references: the handle's and the name's. */
	snprintf(expect, sizeof(expect), "%u %s 2 0x0 0600 1/5 4/500 100 0 0 0 1 1 0",
		 id, name);
	EXPECT_STREQ(expect, self->line);
	EXPECT_EQ(0, mbox_ioctl(fd, MBOX_IOC_DESTROY, NULL));
	close(fd);
}

TEST_F(debugfs, anonymous_mailbox_is_listed_without_name)
{
	char expect[32];
	int fd = mbox_anon();
	unsigned int id;

	ASSERT_LE(0, fd);
	id = handle_id(fd);
	ASSERT_TRUE(listed(mailboxes(_metadata, self), id, self->line,
			   sizeof(self->line)));
	snprintf(expect, sizeof(expect), "%u - 1 ", id);
	EXPECT_EQ(0, strncmp(expect, self->line, strlen(expect))) {
		TH_LOG("line: %s", self->line);
	}
	close(fd);
}

TEST_F(debugfs, port_is_listed_with_its_pid)
{
	char expect[64];
	unsigned int id;
	int fd;

	fd = mbox_bind(NULL, MBOX_OPEN_CREATE | MBOX_OPEN_PORT,
		       MBOX_ACCESS_SEND | MBOX_ACCESS_RECV, NULL);
	ASSERT_LE(0, fd);
	id = handle_id(fd);
	ASSERT_TRUE(listed(mailboxes(_metadata, self), id, self->line,
			   sizeof(self->line)));
	snprintf(expect, sizeof(expect), "%u port:%d ", id, getpid());
	EXPECT_EQ(0, strncmp(expect, self->line, strlen(expect))) {
		TH_LOG("line: %s", self->line);
	}
	close(fd);
}

TEST_F(debugfs, blocked_receiver_is_counted)
{
	unsigned int id, senders, receivers;
	char buf[8];
	int fd = mbox_anon(), status, i;
	pid_t pid;

	ASSERT_LE(0, fd);
	id = handle_id(fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mbox_recv(fd, buf, sizeof(buf), 0, 0, NULL) ? 1 : 0);
	for (i = 0; i < 1000; i++) {
		ASSERT_TRUE(listed(mailboxes(_metadata, self), id, self->line,
				   sizeof(self->line)));
		/* id name refs flags mode msgs bytes msg_size senders receivers ... */
		ASSERT_EQ(2, sscanf(self->line, "%*u %*s %*u %*x %*o %*s %*s %*u %u %u",
				    &senders, &receivers));
		if (receivers)
			break;
		usleep(10000);
	}
	EXPECT_EQ(0, senders);
	EXPECT_EQ(1, receivers);
	ASSERT_EQ(0, mbox_send(fd, "x", 1, 0, 0, 0));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(fd);
}

TEST_F(debugfs, freed_mailbox_is_no_longer_listed)
{
	int fd = mbox_anon();
	unsigned int id;

	ASSERT_LE(0, fd);
	id = handle_id(fd);
	close(fd);
	EXPECT_FALSE(listed(mailboxes(_metadata, self), id, self->line,
			    sizeof(self->line)));
}

TEST_HARNESS_MAIN
