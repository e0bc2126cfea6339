// SPDX-License-Identifier: GPL-2.0
/*
 * The mbox tracepoints: each of create, destroy, send, receive, block and
 * wake shows up in a trace buffer of its own (a tracefs instance), naming
 * the mailbox the test used. Skips without tracefs or without root.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "mbox_test.h"

#define TRACE_BUF_SIZE (1 << 20)

static const char *const mbox_events[] = {
	"mbox_create", "mbox_destroy", "mbox_send",
	"mbox_receive", "mbox_block", "mbox_wake",
};

/* Where tracefs is, mounting it if nobody has; NULL without it. */
static const char *tracefs_dir(void)
{
	if (!access("/sys/kernel/tracing/trace", F_OK))
		return "/sys/kernel/tracing";
	if (!access("/sys/kernel/debug/tracing/trace", F_OK))
		return "/sys/kernel/debug/tracing";
	if (!mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL))
		return "/sys/kernel/tracing";
	return NULL;
}

/*
 * Make the trace instance at inst with the global record-cmd option off for
 * a moment, so that the instance does not inherit it. Otherwise every enable
 * and disable of its events would hook and unhook the scheduler's cmdline
 * recording, and the live code patching that takes races badly under TCG.
 */
static int mkdir_instance(const char *dir, const char *inst)
{
	char opt[512], saved[8];
	int ret;

	snprintf(opt, sizeof(opt), "%s/options/record-cmd", dir);
	if (mbox_read_file(opt, saved, sizeof(saved)) <= 0)
		return mkdir(inst, 0700) ? -errno : 0;
	mbox_write_file(opt, "0");
	ret = mkdir(inst, 0700) ? -errno : 0;
	mbox_write_file(opt, saved);
	return ret;
}

/* The id of the mailbox a handle is bound to, from its fdinfo; 0 if none. */
static unsigned int fdinfo_id(int fd)
{
	char path[64], buf[1024], *p;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (mbox_read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	p = strstr(buf, "mbox-id:\t");
	return p ? strtoul(p + strlen("mbox-id:\t"), NULL, 10) : 0;
}

FIXTURE(trace) {
	char inst[256];
	char *buf;
	int fd;
	unsigned int id;
};

FIXTURE_SETUP(trace)
{
	char path[512];
	const char *dir;

	self->inst[0] = '\0';
	self->fd = -1;
	self->buf = NULL;
	mbox_open_or_skip(self->fd);
	close(self->fd);
	self->fd = -1;
	if (geteuid())
		SKIP(return, "tracing needs root");
	dir = tracefs_dir();
	if (!dir)
		SKIP(return, "no tracefs: kernel without CONFIG_TRACING?");
	snprintf(path, sizeof(path), "%s/events/mbox", dir);
	if (access(path, F_OK))
		SKIP(return, "%s is absent: kernel without CONFIG_EVENT_TRACING?", path);

	/* A buffer of our own: nothing else writes to it or reads it. */
	snprintf(self->inst, sizeof(self->inst), "%s/instances/mbox-test-%d",
		 dir, getpid());
	ASSERT_EQ(0, mkdir_instance(dir, self->inst));
	snprintf(path, sizeof(path), "%s/events/mbox/enable", self->inst);
	ASSERT_EQ(0, mbox_write_file(path, "1"));
	self->buf = malloc(TRACE_BUF_SIZE);
	ASSERT_NE(NULL, self->buf);

	self->fd = mbox_anon();
	ASSERT_LE(0, self->fd);
	self->id = fdinfo_id(self->fd);
	ASSERT_NE(0, self->id);
}

FIXTURE_TEARDOWN(trace)
{
	char path[512];

	if (self->fd >= 0)
		close(self->fd);
	if (self->inst[0]) {
		snprintf(path, sizeof(path), "%s/events/mbox/enable", self->inst);
		mbox_write_file(path, "0");
		rmdir(self->inst);
	}
	free(self->buf);
}

/* The trace buffer's text, after the events of interest happened. */
static const char *trace_text(struct __test_metadata *_metadata,
			      FIXTURE_DATA(trace) *self)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/trace", self->inst);
	EXPECT_LE(0, mbox_read_file(path, self->buf, TRACE_BUF_SIZE));
	return self->buf;
}

/* Is there an event of this name whose fields begin with id=<id> and then rest? */
static bool traced(const char *text, const char *event, unsigned int id,
		   const char *rest)
{
	char needle[256];

	snprintf(needle, sizeof(needle), "%s: id=%u %s", event, id, rest);
	return strstr(text, needle);
}

TEST_F(trace, every_event_exists)
{
	char path[512];
	unsigned int i;

	for (i = 0; i < sizeof(mbox_events) / sizeof(mbox_events[0]); i++) {
		snprintf(path, sizeof(path), "%s/events/mbox/%s/format",
			 self->inst, mbox_events[i]);
		EXPECT_EQ(0, access(path, R_OK)) {
			TH_LOG("no event %s", mbox_events[i]);
		}
	}
}

TEST_F(trace, create_is_traced)
{
	int fd = mbox_anon();
	unsigned int id;

	ASSERT_LE(0, fd);
	id = fdinfo_id(fd);
	close(fd);
	EXPECT_TRUE(traced(trace_text(_metadata, self), "mbox_create", id, "flags="));
}

TEST_F(trace, send_and_receive_are_traced)
{
	const char *text;
	char buf[16];

	ASSERT_EQ(0, mbox_send(self->fd, "hello", 5, 3, 0, 0));
	ASSERT_EQ(0, mbox_recv(self->fd, buf, sizeof(buf), 0, 0, NULL));
	text = trace_text(_metadata, self);
	EXPECT_TRUE(traced(text, "mbox_send", self->id,
			   "seq=1 len=5 prio=3 type=0 handoff=0"));
	EXPECT_TRUE(traced(text, "mbox_receive", self->id,
			   "seq=1 len=5 prio=3 err=0"));
}

TEST_F(trace, blocked_receiver_is_traced_with_block_and_wake)
{
	struct mbox_stat st;
	const char *text;
	char buf[16], rest[64];
	int status, i;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(mbox_recv(self->fd, buf, sizeof(buf), 0, 0, NULL) ? 1 : 0);
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(0, mbox_stat(self->fd, &st));
		if (st.waiting_receivers)
			break;
		usleep(10000);
	}
	ASSERT_EQ(1, st.waiting_receivers);
	ASSERT_EQ(0, mbox_send(self->fd, "x", 1, 0, 0, 0));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(0, WEXITSTATUS(status));
	text = trace_text(_metadata, self);
	EXPECT_TRUE(traced(text, "mbox_block", self->id, "receiver"));
	EXPECT_TRUE(traced(text, "mbox_send", self->id, "seq=1 len=1 prio=0 type=0 handoff=1"));
	snprintf(rest, sizeof(rest), "receiver pid=%d err=0", pid);
	EXPECT_TRUE(traced(text, "mbox_wake", self->id, rest));
}

TEST_F(trace, destroy_is_traced_with_what_it_dropped)
{
	ASSERT_EQ(0, mbox_send(self->fd, "abc", 3, 0, 0, 0));
	ASSERT_EQ(0, mbox_ioctl(self->fd, MBOX_IOC_DESTROY, NULL));
	EXPECT_TRUE(traced(trace_text(_metadata, self), "mbox_destroy", self->id,
			   "msgs=1 bytes=3 senders=0 receivers=0"));
}

TEST_HARNESS_MAIN
