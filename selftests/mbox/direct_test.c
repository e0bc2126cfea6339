// SPDX-License-Identifier: GPL-2.0
/*
 * Direct communication and who sent what: ports (MBOX_OPEN_PORT, opened by
 * MBOX_OPEN_PID and MBOX_OPEN_PIDFD), the sender credentials MBOX_IOC_RECV
 * reports (pid, tid, uid, gid and send time, across pid and user namespaces),
 * and selective receive (MBOX_RECV_TYPE, MBOX_RECV_EXCEPT, MBOX_RECV_FROM).
 *
 * Children never use ASSERT/EXPECT: a child's exit status is the errno its
 * call ended with (0 for success, EBADMSG for a wrong message, STEP_FAILED
 * when a step before the one tested failed); what else it saw goes to the
 * shared struct report.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mbox_test.h"
#include "mbox_kids.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open	434
#endif

#define MSG_SIZE	64	/* max_msg_size of the test mailboxes */
#define MSG_MAX		16	/* max_msgs of the test mailboxes */
#define WATCHDOG_S	20	/* a call stuck for good ends its test before the harness does */
#define LONG_MS		3000	/* how long a wait that should end at once may take */
#define NS_PER_MS	1000000ULL
#define BOTH		(MBOX_ACCESS_SEND | MBOX_ACCESS_RECV)
#define NOBODY		65534	/* unprivileged uid and gid; also the overflow ids */
#define STEP_FAILED	200	/* a child's exit status when a step before the test failed */
#define NO_NS		201	/* ... when the namespace could not be made (skip) */
#define NS_UID		1000	/* outside id of root in the user namespaces made */

/* What children report to the test, in shared memory. */
struct report {
	pid_t pid;		/* a sender's pid and tid, as it saw them */
	pid_t tid;
	pid_t inner_pid;	/* a pid seen inside a new pid namespace */
	__u64 t0, t1;		/* CLOCK_MONOTONIC around a child's send */
	struct mbox_recv r;	/* what a child's receive reported */
	char buf[MSG_SIZE + 1];	/* and the message it got, NUL-terminated */
};

/* What every test has: an anonymous mailbox, two pipes, children, a report. */
struct env {
	int fd;			/* anonymous mailbox, MSG_MAX messages of MSG_SIZE */
	struct mbox_kids kids;
	struct report *rep;
};

/* ---- helpers ---------------------------------------------------------- */

static int sys_pidfd_open(pid_t pid)
{
	return syscall(SYS_pidfd_open, pid, 0);
}

static pid_t sys_gettid(void)
{
	return syscall(SYS_gettid);
}

static int env_setup(struct env *e)
{
	int err;

	memset(e, 0, sizeof(*e));
	e->fd = -1;
	err = mbox_kids_open(&e->kids);
	if (err)
		return err;
	e->rep = mbox_shared_new(sizeof(*e->rep));
	if (!e->rep)
		return -ENOMEM;
	umask(0);
	e->fd = mbox_create(NULL, 0, 0, MSG_MAX, MSG_SIZE);
	return e->fd < 0 ? e->fd : 0;
}

static void env_teardown(struct env *e)
{
	alarm(0);
	mbox_kids_close(&e->kids);
	if (e->fd >= 0)
		close(e->fd);
	if (e->rep)
		munmap(e->rep, sizeof(*e->rep));
}

typedef int (*kid_fn)(struct env *e, long arg);

/* Run fn(e, arg) in a child whose exit status is fn's return value. */
static pid_t spawn(struct env *e, kid_fn fn, long arg)
{
	return mbox_spawn(&e->kids, WATCHDOG_S, fn(e, arg));
}

/* Wait (up to LONG_MS) until child pid has exited, without reaping it: 0 or -errno. */
static int wait_zombie(pid_t pid)
{
	__u64 end = mbox_deadline_ms(LONG_MS);
	siginfo_t si;

	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_PID, pid, &si, WEXITED | WNOHANG | WNOWAIT))
			return -errno;
		if (si.si_pid == pid)
			return 0;
		if (mbox_now_ns() > end)
			return -ETIMEDOUT;
		usleep(1000);
	}
}

/* Wait (up to LONG_MS) until exactly these callers are blocked: 0 or -errno. */
static long wait_waiters(int fd, __u32 senders, __u32 receivers)
{
	return mbox_wait_waiters(fd, senders, receivers, LONG_MS, NULL);
}

/* MBOX_IOC_SEND of a string with a type: 0 or -errno. */
static long send_typed(int fd, const char *s, __u32 prio, __s64 type)
{
	struct mbox_send snd = {
		.buf_ptr = (__u64)(uintptr_t)s,
		.len = strlen(s),
		.prio = prio,
		.flags = MBOX_SEND_NONBLOCK,
		.type = type,
	};

	return mbox_ioctl(fd, MBOX_IOC_SEND, &snd);
}

static long send_str(int fd, const char *s)
{
	return send_typed(fd, s, 0, 0);
}

/*
 * MBOX_IOC_RECV with a selection into buf (MSG_SIZE + 1 bytes, NUL-terminated
 * on success): 0 or -errno. *r gets what the kernel reported.
 */
static long recv_sel(int fd, __u32 flags, __s64 type, int from, char *buf,
		     struct mbox_recv *r)
{
	long err;

	memset(r, 0, sizeof(*r));
	r->buf_ptr = (__u64)(uintptr_t)buf;
	r->buf_len = MSG_SIZE;
	r->flags = flags;
	r->type = type;
	r->from = flags & MBOX_RECV_FROM ? from : 0;
	if (!(flags & MBOX_RECV_NONBLOCK)) {
		r->flags |= MBOX_RECV_DEADLINE;
		r->deadline_ns = mbox_deadline_ms(LONG_MS);
	}
	buf[0] = '\0';
	err = mbox_ioctl(fd, MBOX_IOC_RECV, r);
	if (!err)
		buf[r->len <= MSG_SIZE ? r->len : MSG_SIZE] = '\0';
	return err;
}

/* Take the next message without blocking, any type. */
static long take(int fd, char *buf, struct mbox_recv *r)
{
	return recv_sel(fd, MBOX_RECV_NONBLOCK, 0, -1, buf, r);
}

/* Take the next message of a type selection without blocking. */
static long take_type(int fd, __u32 flags, __s64 type, char *buf)
{
	struct mbox_recv r;

	return recv_sel(fd, MBOX_RECV_NONBLOCK | MBOX_RECV_TYPE | flags, type, -1, buf, &r);
}

/* Open (bind a new handle to) the port of a process: the fd or -errno. */
static int open_port(__u32 how, int target, __u32 access)
{
	struct mbox_open o = { .target = target };

	return mbox_bind(NULL, how, access, &o);
}

/* Create (or open) the caller's own port: the fd or -errno. */
static int make_port(__u32 extra, __u32 mode)
{
	return mbox_create(NULL, MBOX_OPEN_PORT | extra, mode, MSG_MAX, MSG_SIZE);
}

/* A full struct mbox_open for the EINVAL tests: 0 or -errno. */
static long try_open(__u64 name_ptr, __u32 flags, int target)
{
	struct mbox_open o = {
		.name_ptr = name_ptr, .flags = flags, .access = BOTH, .mode = 0600,
		.target = target,
	};
	int fd = open(MBOX_DEV, O_RDWR | O_CLOEXEC);
	long err;

	if (fd < 0)
		return -errno;
	err = mbox_ioctl(fd, MBOX_IOC_OPEN, &o);
	close(fd);
	return err;
}

/* ---- children --------------------------------------------------------- */

/*
 * Create this child's port with mode arg, say so (the errno, 0 when it
 * worked), then receive one message: it must be "to-port". Then wait for go.
 */
static int kid_port_owner(struct env *e, long arg)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;
	int port;
	long err;

	port = make_port(0, arg);
	mbox_tell(e->kids.ready[1], port < 0 ? -port : 0);
	if (port < 0)
		return STEP_FAILED;
	err = recv_sel(port, 0, 0, -1, buf, &r);
	if (err)
		return -err;
	if (strcmp(buf, "to-port"))
		return EBADMSG;
	mbox_hear(e->kids.go[0], LONG_MS);
	return 0;
}

/* Create this child's port, say so, wait for go (to exit). */
static int kid_port_idle(struct env *e, long arg)
{
	int port;

	(void)arg;
	port = make_port(0, 0600);
	mbox_tell(e->kids.ready[1], port < 0 ? -port : 0);
	if (port < 0)
		return STEP_FAILED;
	mbox_hear(e->kids.go[0], WATCHDOG_S * 1000);
	return 0;
}

/* Say it runs, wait for go: a process without a port. */
static int kid_idle(struct env *e, long arg)
{
	(void)arg;
	mbox_tell(e->kids.ready[1], 0);
	mbox_hear(e->kids.go[0], WATCHDOG_S * 1000);
	return 0;
}

/* Open the parent's port by pid and send "to-port" through it. */
static int kid_send_to_parent_port(struct env *e, long arg)
{
	int fd;
	long err;

	(void)arg;
	fd = open_port(MBOX_OPEN_PID, getppid(), MBOX_ACCESS_SEND);
	if (fd < 0)
		return -fd;
	err = send_str(fd, "to-port");
	close(fd);
	if (err)
		return -err;
	/* Stay alive until the test has received it. */
	mbox_hear(e->kids.go[0], LONG_MS);
	return 0;
}

/* As an unprivileged uid, open the parent's port by pid (arg: 0) or pidfd (1). */
static int kid_nobody_opens_parent_port(struct env *e, long arg)
{
	__u32 access = arg >> 1;
	int fd, pidfd = -1;

	(void)e;
	if (arg & 1) {
		pidfd = sys_pidfd_open(getppid());
		if (pidfd < 0)
			return STEP_FAILED;
	}
	if (mbox_drop_to(NOBODY, NOBODY))
		return STEP_FAILED;
	if (arg & 1)
		fd = open_port(MBOX_OPEN_PIDFD, pidfd, access);
	else
		fd = open_port(MBOX_OPEN_PID, getppid(), access);
	if (fd < 0)
		return -fd;
	close(fd);
	return 0;
}

/* Send "cred" to the anonymous mailbox, as uids/gids arg asks; report ids and times. */
static int kid_send_creds(struct env *e, long arg)
{
	long err;

	if (arg && (setgroups(0, NULL) || setresgid(2001, 2002, 2003) ||
		    setresuid(1001, 1002, 1003)))
		return STEP_FAILED;
	e->rep->pid = getpid();
	e->rep->tid = sys_gettid();
	e->rep->t0 = mbox_now_ns();
	err = send_str(e->fd, "cred");
	e->rep->t1 = mbox_now_ns();
	if (err)
		return -err;
	/* Stay alive until the test has received it. */
	mbox_hear(e->kids.go[0], LONG_MS);
	return 0;
}

/* Receive one message blocking, into the report. */
static int kid_recv_report(struct env *e, long arg)
{
	long err;

	(void)arg;
	err = recv_sel(e->fd, 0, 0, -1, e->rep->buf, &e->rep->r);
	return -err;
}

/* Grandchild in a new pid namespace: send "in-ns", then wait for go. */
static int kid_pidns_sender(struct env *e, long arg)
{
	pid_t pid;
	int status;

	(void)arg;
	if (unshare(CLONE_NEWPID))
		return NO_NS;
	pid = fork();
	if (pid < 0)
		return STEP_FAILED;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		e->rep->inner_pid = getpid();
		if (send_str(e->fd, "in-ns"))
			_exit(EIO);
		/* Stay alive until the test has received it. */
		mbox_hear(e->kids.go[0], LONG_MS);
		_exit(0);
	}
	e->rep->pid = pid;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return STEP_FAILED;
	return WEXITSTATUS(status);
}

/*
 * Grandchild, init of a new pid namespace, receives one message into the
 * report; with arg 1 that message is sent by its own child (inner_pid).
 */
static int kid_pidns_receiver(struct env *e, long arg)
{
	pid_t pid, inner;
	int status;

	if (unshare(CLONE_NEWPID))
		return NO_NS;
	pid = fork();
	if (pid < 0)
		return STEP_FAILED;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		inner = 0;
		if (arg) {
			inner = fork();
			if (inner == 0) {
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				if (send_str(e->fd, "inner"))
					_exit(EIO);
				pause();
				_exit(0);
			}
			if (inner < 0)
				_exit(STEP_FAILED);
			e->rep->inner_pid = inner;
		}
		status = kid_recv_report(e, 0);
		if (inner > 0) {
			kill(inner, SIGKILL);
			waitpid(inner, NULL, 0);
		}
		_exit(status);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return STEP_FAILED;
	return WEXITSTATUS(status);
}

/* Write "0 NS_UID 1" to /proc/pid/{uid,gid}_map: 0 or -errno. */
static int map_root(pid_t pid)
{
	static const char *const files[] = { "uid_map", "gid_map" };
	char path[64], line[32];
	unsigned int i;
	int fd, n, len;

	len = snprintf(line, sizeof(line), "0 %d 1\n", NS_UID);
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", pid, files[i]);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		n = write(fd, line, len);
		close(fd);
		if (n != len)
			return n < 0 ? -errno : -EIO;
	}
	return 0;
}

/*
 * In a new user namespace where root is NS_UID outside (the test writes the
 * maps once told): become root there, then send "userns" (arg 0) or receive
 * one message into the report (arg 1).
 */
static int kid_userns(struct env *e, long arg)
{
	if (unshare(CLONE_NEWUSER)) {
		mbox_tell(e->kids.ready[1], 1);
		return NO_NS;
	}
	mbox_tell(e->kids.ready[1], 0);
	if (mbox_hear(e->kids.go[0], LONG_MS) != 0)
		return STEP_FAILED;
	if (setresgid(0, 0, 0) || setresuid(0, 0, 0))
		return STEP_FAILED;
	if (arg)
		return kid_recv_report(e, 0);
	if (send_str(e->fd, "userns"))
		return EIO;
	/* Stay alive until the test has received it. */
	mbox_hear(e->kids.go[0], LONG_MS);
	return 0;
}

/* Send string arg with euid/egid NS_UID. */
static int kid_send_as_ns_uid(struct env *e, long arg)
{
	if (mbox_drop_to(NS_UID, NS_UID))
		return STEP_FAILED;
	return -send_str(e->fd, (const char *)arg);
}

/* Send (const char *)arg, then wait for go: a sender FROM can name. */
static int kid_send_and_stay(struct env *e, long arg)
{
	long err = send_str(e->fd, (const char *)arg);

	mbox_tell(e->kids.ready[1], -err);
	if (err)
		return -err;
	mbox_hear(e->kids.go[0], LONG_MS);
	return 0;
}

/* kid_recv_type() argument: select type sel, expect the message "t<want>" of type want. */
#define SEL(sel, want)	((long)(want) << 8 | ((sel) & 0xff))

/* A blocking receive with a TYPE selection, which must get the message SEL() names. */
static int kid_recv_type(struct env *e, long arg)
{
	signed char sel = arg & 0xff;
	long want_type = arg >> 8;
	char buf[MSG_SIZE + 1], want[24];
	struct mbox_recv r;
	long err;

	err = recv_sel(e->fd, MBOX_RECV_TYPE, sel, -1, buf, &r);
	if (err)
		return -err;
	snprintf(want, sizeof(want), "t%ld", want_type);
	return strcmp(buf, want) || r.type != want_type ? EBADMSG : 0;
}

/* ---- ports ------------------------------------------------------------ */

FIXTURE(port) {
	struct env e;
};

FIXTURE_SETUP(port)
{
	mbox_skip_if_absent();
	ASSERT_EQ(0, env_setup(&self->e));
	alarm(WATCHDOG_S);
}

FIXTURE_TEARDOWN(port)
{
	env_teardown(&self->e);
}

TEST_F(port, create_own_port_works)
{
	struct mbox_stat st;
	int fd;

	fd = make_port(0, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, mbox_stat(fd, &st));
	EXPECT_EQ(MBOX_OPEN_PORT, st.flags & MBOX_OPEN_PORT);
	EXPECT_EQ(0600, st.mode);
	EXPECT_EQ(0, st.uid);
	EXPECT_EQ(BOTH, st.access);
	EXPECT_EQ(MSG_MAX, st.max_msgs);
	close(fd);
}

TEST_F(port, own_port_send_then_receive_works)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;
	int fd;

	fd = make_port(0, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, send_str(fd, "self"));
	ASSERT_EQ(0, take(fd, buf, &r));
	EXPECT_STREQ("self", buf);
	EXPECT_EQ(getpid(), r.pid);
	close(fd);
}

TEST_F(port, open_own_port_without_create_reaches_it)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;
	int fd, fd2;

	fd = make_port(0, 0600);
	ASSERT_LE(0, fd);
	fd2 = mbox_bind(NULL, MBOX_OPEN_PORT, BOTH, NULL);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, send_str(fd2, "same"));
	ASSERT_EQ(0, take(fd, buf, &r));
	EXPECT_STREQ("same", buf);
	close(fd2);
	close(fd);
}

TEST_F(port, create_existing_port_without_excl_opens_it)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;
	int fd, fd2;

	fd = make_port(0, 0600);
	ASSERT_LE(0, fd);
	fd2 = make_port(0, 0600);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, send_str(fd, "again"));
	ASSERT_EQ(0, take(fd2, buf, &r));
	EXPECT_STREQ("again", buf);
	close(fd2);
	close(fd);
}

TEST_F(port, create_excl_existing_port_is_eexist)
{
	int fd;

	fd = make_port(0, 0600);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EEXIST, make_port(MBOX_OPEN_EXCL, 0600));
	close(fd);
}

TEST_F(port, open_own_port_without_one_is_enoent)
{
	EXPECT_EQ(-ENOENT, mbox_bind(NULL, MBOX_OPEN_PORT, BOTH, NULL));
}

TEST_F(port, port_goes_with_its_last_handle)
{
	int fd;

	fd = make_port(0, 0600);
	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_EQ(-ENOENT, mbox_bind(NULL, MBOX_OPEN_PORT, BOTH, NULL));
	EXPECT_EQ(-ESRCH, open_port(MBOX_OPEN_PID, getpid(), MBOX_ACCESS_SEND));
}

TEST_F(port, open_by_own_pid_reaches_own_port)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;
	int fd, fd2;

	fd = make_port(0, 0600);
	ASSERT_LE(0, fd);
	fd2 = open_port(MBOX_OPEN_PID, getpid(), MBOX_ACCESS_SEND);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, send_str(fd2, "by-pid"));
	ASSERT_EQ(0, take(fd, buf, &r));
	EXPECT_STREQ("by-pid", buf);
	close(fd2);
	close(fd);
}

TEST_F(port, open_by_pid_sends_to_other_process)
{
	pid_t pid;
	int fd;

	pid = spawn(&self->e, kid_port_owner, 0600);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mbox_hear(self->e.kids.ready[0], LONG_MS));
	fd = open_port(MBOX_OPEN_PID, pid, MBOX_ACCESS_SEND);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, send_str(fd, "to-port"));
	EXPECT_EQ(0, mbox_tell(self->e.kids.go[1], 0));
	EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
	close(fd);
}

TEST_F(port, open_by_pidfd_sends_to_other_process)
{
	int fd, pidfd;
	pid_t pid;

	pid = spawn(&self->e, kid_port_owner, 0600);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mbox_hear(self->e.kids.ready[0], LONG_MS));
	pidfd = sys_pidfd_open(pid);
	ASSERT_LE(0, pidfd);
	fd = open_port(MBOX_OPEN_PIDFD, pidfd, MBOX_ACCESS_SEND);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, send_str(fd, "to-port"));
	EXPECT_EQ(0, mbox_tell(self->e.kids.go[1], 0));
	EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
	close(fd);
	close(pidfd);
}

TEST_F(port, other_process_sends_to_own_port_by_pid)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;
	pid_t pid;
	int fd;

	fd = make_port(0, 0600);
	ASSERT_LE(0, fd);
	pid = spawn(&self->e, kid_send_to_parent_port, 0);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, recv_sel(fd, 0, 0, -1, buf, &r));
	EXPECT_STREQ("to-port", buf);
	EXPECT_EQ(pid, r.pid);
	EXPECT_EQ(0, mbox_tell(self->e.kids.go[1], 0));
	EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
	close(fd);
}

TEST_F(port, open_by_pid_receives_from_other_process_port)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;
	int fd, mine;
	pid_t pid;

	/* The owner's port, opened by pid for receiving, takes what its owner queued. */
	pid = spawn(&self->e, kid_port_idle, 0);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mbox_hear(self->e.kids.ready[0], LONG_MS));
	fd = open_port(MBOX_OPEN_PID, pid, BOTH);
	ASSERT_LE(0, fd);
	mine = make_port(0, 0600);
	ASSERT_LE(0, mine);
	ASSERT_EQ(0, send_str(fd, "theirs"));
	/* Our own port is another mailbox: nothing there. */
	EXPECT_EQ(-EAGAIN, take(mine, buf, &r));
	ASSERT_EQ(0, take(fd, buf, &r));
	EXPECT_STREQ("theirs", buf);
	EXPECT_EQ(0, mbox_tell(self->e.kids.go[1], 0));
	EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
	close(mine);
	close(fd);
}

TEST_F(port, open_by_pid_of_absent_process_is_esrch)
{
	pid_t pid;

	/* A child that has come and gone: its pid names nothing now. */
	pid = spawn(&self->e, kid_idle, 0);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mbox_hear(self->e.kids.ready[0], LONG_MS));
	ASSERT_EQ(0, mbox_tell(self->e.kids.go[1], 0));
	ASSERT_EQ(0, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
	EXPECT_EQ(-ESRCH, open_port(MBOX_OPEN_PID, pid, MBOX_ACCESS_SEND));
}

TEST_F(port, open_by_pid_of_process_without_port_is_esrch)
{
	pid_t pid;

	pid = spawn(&self->e, kid_idle, 0);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mbox_hear(self->e.kids.ready[0], LONG_MS));
	EXPECT_EQ(-ESRCH, open_port(MBOX_OPEN_PID, pid, MBOX_ACCESS_SEND));
	EXPECT_EQ(0, mbox_tell(self->e.kids.go[1], 0));
	EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
}

TEST_F(port, open_by_pidfd_of_process_without_port_is_esrch)
{
	int pidfd;
	pid_t pid;

	pid = spawn(&self->e, kid_idle, 0);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mbox_hear(self->e.kids.ready[0], LONG_MS));
	pidfd = sys_pidfd_open(pid);
	ASSERT_LE(0, pidfd);
	EXPECT_EQ(-ESRCH, open_port(MBOX_OPEN_PIDFD, pidfd, MBOX_ACCESS_SEND));
	EXPECT_EQ(0, mbox_tell(self->e.kids.go[1], 0));
	EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
	close(pidfd);
}

/*
 * A child with a port that we hold a handle of, so the port outlives it;
 * *pidfd names the child. Returns the child's pid, the handle in *port.
 */
static pid_t port_child_held(struct env *e, int *port, int *pidfd)
{
	pid_t pid;

	*port = *pidfd = -1;
	pid = spawn(e, kid_port_idle, 0);
	if (pid < 0 || mbox_hear(e->kids.ready[0], LONG_MS) != 0)
		return -1;
	*pidfd = sys_pidfd_open(pid);
	*port = open_port(MBOX_OPEN_PID, pid, BOTH);
	if (*pidfd < 0 || *port < 0)
		return -1;
	return pid;
}

TEST_F(port, open_by_pidfd_of_zombie_is_esrch)
{
	int port, pidfd;
	pid_t pid;

	pid = port_child_held(&self->e, &port, &pidfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mbox_tell(self->e.kids.go[1], 0));
	ASSERT_EQ(0, wait_zombie(pid));
	EXPECT_EQ(-ESRCH, open_port(MBOX_OPEN_PIDFD, pidfd, MBOX_ACCESS_SEND));
	EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
	close(pidfd);
	close(port);
}

TEST_F(port, open_by_pid_of_zombie_is_esrch)
{
	int port, pidfd;
	pid_t pid;

	pid = port_child_held(&self->e, &port, &pidfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mbox_tell(self->e.kids.go[1], 0));
	ASSERT_EQ(0, wait_zombie(pid));
	EXPECT_EQ(-ESRCH, open_port(MBOX_OPEN_PID, pid, MBOX_ACCESS_SEND));
	EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
	close(pidfd);
	close(port);
}

TEST_F(port, open_by_pidfd_of_reaped_process_is_esrch)
{
	int port, pidfd;
	pid_t pid;

	pid = port_child_held(&self->e, &port, &pidfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mbox_tell(self->e.kids.go[1], 0));
	ASSERT_EQ(0, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
	EXPECT_EQ(-ESRCH, open_port(MBOX_OPEN_PIDFD, pidfd, MBOX_ACCESS_SEND));
	close(pidfd);
	close(port);
}

TEST_F(port, port_outlives_its_process_while_a_handle_is_open)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;
	int port, pidfd;
	pid_t pid;

	pid = port_child_held(&self->e, &port, &pidfd);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mbox_tell(self->e.kids.go[1], 0));
	ASSERT_EQ(0, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
	ASSERT_EQ(0, send_str(port, "still"));
	ASSERT_EQ(0, take(port, buf, &r));
	EXPECT_STREQ("still", buf);
	close(pidfd);
	close(port);
}

TEST_F(port, open_by_pidfd_of_regular_file_is_ebadf)
{
	int fd, null;

	fd = make_port(0, 0600);
	ASSERT_LE(0, fd);
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, null);
	EXPECT_EQ(-EBADF, open_port(MBOX_OPEN_PIDFD, null, MBOX_ACCESS_SEND));
	close(null);
	close(fd);
}

TEST_F(port, open_by_pidfd_of_mbox_handle_is_ebadf)
{
	int fd;

	fd = make_port(0, 0600);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EBADF, open_port(MBOX_OPEN_PIDFD, fd, MBOX_ACCESS_SEND));
	close(fd);
}

TEST_F(port, open_by_pidfd_of_closed_fd_is_ebadf)
{
	int fd, null;

	fd = make_port(0, 0600);
	ASSERT_LE(0, fd);
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, null);
	close(null);
	EXPECT_EQ(-EBADF, open_port(MBOX_OPEN_PIDFD, null, MBOX_ACCESS_SEND));
	close(fd);
}

TEST_F(port, unprivileged_send_denied_by_mode_is_eacces)
{
	pid_t pid;
	int fd;

	fd = make_port(0, 0600);
	ASSERT_LE(0, fd);
	pid = spawn(&self->e, kid_nobody_opens_parent_port, MBOX_ACCESS_SEND << 1);
	ASSERT_LT(0, pid);
	EXPECT_EQ(EACCES, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
	close(fd);
}

TEST_F(port, unprivileged_send_by_pidfd_denied_by_mode_is_eacces)
{
	pid_t pid;
	int fd;

	fd = make_port(0, 0600);
	ASSERT_LE(0, fd);
	pid = spawn(&self->e, kid_nobody_opens_parent_port, MBOX_ACCESS_SEND << 1 | 1);
	ASSERT_LT(0, pid);
	EXPECT_EQ(EACCES, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
	close(fd);
}

TEST_F(port, unprivileged_send_allowed_by_mode_works)
{
	pid_t pid;
	int fd;

	fd = make_port(0, 0622);
	ASSERT_LE(0, fd);
	pid = spawn(&self->e, kid_nobody_opens_parent_port, MBOX_ACCESS_SEND << 1);
	ASSERT_LT(0, pid);
	EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
	close(fd);
}

TEST_F(port, unprivileged_recv_denied_by_mode_is_eacces)
{
	pid_t pid;
	int fd;

	fd = make_port(0, 0622);
	ASSERT_LE(0, fd);
	pid = spawn(&self->e, kid_nobody_opens_parent_port, MBOX_ACCESS_RECV << 1);
	ASSERT_LT(0, pid);
	EXPECT_EQ(EACCES, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
	close(fd);
}

TEST_F(port, pid_with_name_is_einval)
{
	int fd;

	fd = make_port(0, 0600);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, try_open((uintptr_t)"/direct-pid-name", MBOX_OPEN_PID, getpid()));
	close(fd);
}

TEST_F(port, pidfd_with_name_is_einval)
{
	int fd, pidfd;

	fd = make_port(0, 0600);
	ASSERT_LE(0, fd);
	pidfd = sys_pidfd_open(getpid());
	ASSERT_LE(0, pidfd);
	EXPECT_EQ(-EINVAL, try_open((uintptr_t)"/direct-pidfd-name", MBOX_OPEN_PIDFD, pidfd));
	close(pidfd);
	close(fd);
}

TEST_F(port, pid_and_pidfd_together_is_einval)
{
	int fd, pidfd;

	fd = make_port(0, 0600);
	ASSERT_LE(0, fd);
	pidfd = sys_pidfd_open(getpid());
	ASSERT_LE(0, pidfd);
	EXPECT_EQ(-EINVAL, try_open(0, MBOX_OPEN_PID | MBOX_OPEN_PIDFD, pidfd));
	close(pidfd);
	close(fd);
}

TEST_F(port, pid_with_create_is_einval)
{
	int fd;

	fd = make_port(0, 0600);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, try_open(0, MBOX_OPEN_PID | MBOX_OPEN_CREATE, getpid()));
	close(fd);
}

TEST_F(port, pidfd_with_create_is_einval)
{
	int fd, pidfd;

	fd = make_port(0, 0600);
	ASSERT_LE(0, fd);
	pidfd = sys_pidfd_open(getpid());
	ASSERT_LE(0, pidfd);
	EXPECT_EQ(-EINVAL, try_open(0, MBOX_OPEN_PIDFD | MBOX_OPEN_CREATE, pidfd));
	close(pidfd);
	close(fd);
}

TEST_F(port, pid_with_port_is_einval)
{
	int fd;

	fd = make_port(0, 0600);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EINVAL, try_open(0, MBOX_OPEN_PID | MBOX_OPEN_PORT, getpid()));
	close(fd);
}

TEST_F(port, port_with_name_is_einval)
{
	char name[64];

	mbox_test_name(name, sizeof(name), "direct-port");
	EXPECT_EQ(-EINVAL, try_open((uintptr_t)name, MBOX_OPEN_CREATE | MBOX_OPEN_PORT, 0));
	/* Refused means nothing was made: neither the name nor a port. */
	EXPECT_EQ(-ENOENT, mbox_bind(name, 0, BOTH, NULL));
	EXPECT_EQ(-ENOENT, mbox_bind(NULL, MBOX_OPEN_PORT, BOTH, NULL));
}

/* ---- sender credentials ----------------------------------------------- */

FIXTURE(creds) {
	struct env e;
};

FIXTURE_SETUP(creds)
{
	mbox_skip_if_absent();
	ASSERT_EQ(0, env_setup(&self->e));
	alarm(WATCHDOG_S);
}

FIXTURE_TEARDOWN(creds)
{
	env_teardown(&self->e);
}

TEST_F(creds, child_sender_pid_and_tid)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;
	pid_t pid;

	pid = spawn(&self->e, kid_send_creds, 0);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, recv_sel(self->e.fd, 0, 0, -1, buf, &r));
	EXPECT_STREQ("cred", buf);
	EXPECT_EQ(pid, r.pid);
	EXPECT_EQ(self->e.rep->pid, r.pid);
	EXPECT_EQ(self->e.rep->tid, r.tid);
	EXPECT_EQ(0, mbox_tell(self->e.kids.go[1], 0));
	EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
}

TEST_F(creds, child_sender_effective_uid_and_gid)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;
	pid_t pid;

	/* Real 1001/2001, effective 1002/2002, saved 1003/2003. */
	pid = spawn(&self->e, kid_send_creds, 1);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, recv_sel(self->e.fd, 0, 0, -1, buf, &r));
	EXPECT_EQ(1002, r.uid);
	EXPECT_EQ(2002, r.gid);
	EXPECT_EQ(0, mbox_tell(self->e.kids.go[1], 0));
	EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
}

TEST_F(creds, child_sender_send_time)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;
	pid_t pid;

	pid = spawn(&self->e, kid_send_creds, 0);
	ASSERT_LT(0, pid);
	/* Received well after the send: the time is the send's, not the receive's. */
	usleep(200000);
	ASSERT_EQ(0, recv_sel(self->e.fd, 0, 0, -1, buf, &r));
	EXPECT_LE(self->e.rep->t0, r.send_ns);
	EXPECT_GE(self->e.rep->t1, r.send_ns);
	EXPECT_EQ(0, mbox_tell(self->e.kids.go[1], 0));
	EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
}

TEST_F(creds, own_sender_ids)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;

	ASSERT_EQ(0, send_str(self->e.fd, "me"));
	ASSERT_EQ(0, take(self->e.fd, buf, &r));
	EXPECT_EQ(getpid(), r.pid);
	EXPECT_EQ(sys_gettid(), r.tid);
	EXPECT_EQ(0, r.uid);
	EXPECT_EQ(0, r.gid);
}

static void *thread_send(void *arg)
{
	struct env *e = arg;

	e->rep->tid = sys_gettid();
	return (void *)(uintptr_t)-send_str(e->fd, "thread");
}

TEST_F(creds, thread_sender_tid_differs_from_pid)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;
	pthread_t t;
	void *ret;

	ASSERT_EQ(0, pthread_create(&t, NULL, thread_send, &self->e));
	ASSERT_EQ(0, pthread_join(t, &ret));
	ASSERT_EQ(0, (uintptr_t)ret);
	ASSERT_EQ(0, take(self->e.fd, buf, &r));
	EXPECT_EQ(getpid(), r.pid);
	EXPECT_EQ(self->e.rep->tid, r.tid);
	EXPECT_NE(getpid(), r.tid);
}

TEST_F(creds, write_reports_sender_too)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;

	ASSERT_EQ(3, write(self->e.fd, "wr!", 3));
	ASSERT_EQ(0, take(self->e.fd, buf, &r));
	EXPECT_EQ(getpid(), r.pid);
	EXPECT_EQ(0, r.type);
	EXPECT_NE(0, r.send_ns);
}

TEST_F(creds, sender_in_child_pidns_has_parent_ns_pid)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;
	pid_t pid;
	long err;

	int status;

	pid = spawn(&self->e, kid_pidns_sender, 0);
	ASSERT_LT(0, pid);
	err = recv_sel(self->e.fd, 0, 0, -1, buf, &r);
	mbox_tell(self->e.kids.go[1], 0);
	status = mbox_kid_reap(&self->e.kids, pid, LONG_MS);
	if (status == NO_NS)
		SKIP(return, "no pid namespaces");
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, err);
	EXPECT_STREQ("in-ns", buf);
	/* It is 1 in its own namespace, and was told its pid here. */
	EXPECT_EQ(1, self->e.rep->inner_pid);
	EXPECT_EQ(self->e.rep->pid, r.pid);
	EXPECT_EQ(self->e.rep->pid, r.tid);
	EXPECT_NE(1, r.pid);
}

TEST_F(creds, receiver_in_child_pidns_sees_outside_sender_as_zero)
{
	struct report *rep = self->e.rep;
	pid_t pid;
	int status;

	rep->r.pid = rep->r.tid = -1;
	pid = spawn(&self->e, kid_pidns_receiver, 0);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, wait_waiters(self->e.fd, 0, 1));
	ASSERT_EQ(0, send_str(self->e.fd, "outside"));
	status = mbox_kid_reap(&self->e.kids, pid, LONG_MS);
	if (status == NO_NS)
		SKIP(return, "no pid namespaces");
	ASSERT_EQ(0, status);
	EXPECT_STREQ("outside", rep->buf);
	EXPECT_EQ(0, rep->r.pid);
	EXPECT_EQ(0, rep->r.tid);
	EXPECT_EQ(0, rep->r.uid);
}

TEST_F(creds, receiver_in_child_pidns_sees_inside_sender_pid)
{
	struct report *rep = self->e.rep;
	pid_t pid;
	int status;

	pid = spawn(&self->e, kid_pidns_receiver, 1);
	ASSERT_LT(0, pid);
	status = mbox_kid_reap(&self->e.kids, pid, LONG_MS);
	if (status == NO_NS)
		SKIP(return, "no pid namespaces");
	ASSERT_EQ(0, status);
	EXPECT_STREQ("inner", rep->buf);
	/* The sender's pid in the namespace whose init received. */
	EXPECT_LT(1, rep->inner_pid);
	EXPECT_EQ(rep->inner_pid, rep->r.pid);
	EXPECT_EQ(rep->inner_pid, rep->r.tid);
}

/* Start kid_userns(arg), write its maps: its pid or -1 (NO_NS: *skip set). */
static pid_t start_userns_kid(struct env *e, long arg, bool *skip)
{
	pid_t pid;
	int said;

	*skip = false;
	pid = spawn(e, kid_userns, arg);
	if (pid < 0)
		return -1;
	said = mbox_hear(e->kids.ready[0], LONG_MS);
	if (said == 1)
		*skip = true;
	if (said != 0 || map_root(pid) || mbox_tell(e->kids.go[1], 0))
		return -1;
	return pid;
}

TEST_F(creds, sender_in_user_ns_has_translated_uid)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;
	bool skip;
	pid_t pid;

	pid = start_userns_kid(&self->e, 0, &skip);
	if (skip)
		SKIP(return, "no user namespaces");
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, recv_sel(self->e.fd, 0, 0, -1, buf, &r));
	EXPECT_STREQ("userns", buf);
	EXPECT_EQ(0, mbox_tell(self->e.kids.go[1], 0));
	EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
	/* Root of its namespace, NS_UID here. */
	EXPECT_EQ(NS_UID, r.uid);
	EXPECT_EQ(NS_UID, r.gid);
	EXPECT_EQ(pid, r.pid);
}

TEST_F(creds, receiver_in_user_ns_sees_mapped_uid)
{
	struct report *rep = self->e.rep;
	bool skip;
	pid_t pid, sender;

	pid = start_userns_kid(&self->e, 1, &skip);
	if (skip)
		SKIP(return, "no user namespaces");
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, wait_waiters(self->e.fd, 0, 1));
	sender = spawn(&self->e, kid_send_as_ns_uid, (long)"mapped");
	ASSERT_LT(0, sender);
	EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, sender, LONG_MS));
	ASSERT_EQ(0, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
	EXPECT_STREQ("mapped", rep->buf);
	/* NS_UID is root in the receiver's namespace. */
	EXPECT_EQ(0, rep->r.uid);
	EXPECT_EQ(0, rep->r.gid);
}

TEST_F(creds, receiver_in_user_ns_sees_unmapped_uid_as_overflow)
{
	struct report *rep = self->e.rep;
	bool skip;
	pid_t pid;

	pid = start_userns_kid(&self->e, 1, &skip);
	if (skip)
		SKIP(return, "no user namespaces");
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, wait_waiters(self->e.fd, 0, 1));
	/* We are uid 0 here, which the receiver's namespace does not map. */
	ASSERT_EQ(0, send_str(self->e.fd, "unmapped"));
	ASSERT_EQ(0, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
	EXPECT_STREQ("unmapped", rep->buf);
	EXPECT_EQ(NOBODY, rep->r.uid);
	EXPECT_EQ(NOBODY, rep->r.gid);
}

/* ---- selective receive ------------------------------------------------ */

FIXTURE(selection) {
	struct env e;
};

FIXTURE_SETUP(selection)
{
	mbox_skip_if_absent();
	ASSERT_EQ(0, env_setup(&self->e));
	alarm(WATCHDOG_S);
}

FIXTURE_TEARDOWN(selection)
{
	env_teardown(&self->e);
}

TEST_F(selection, recv_reports_type)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;

	ASSERT_EQ(0, send_typed(self->e.fd, "seven", 0, 7));
	ASSERT_EQ(0, take(self->e.fd, buf, &r));
	EXPECT_EQ(7, r.type);
	EXPECT_STREQ("seven", buf);
}

TEST_F(selection, send_negative_type_is_einval)
{
	EXPECT_EQ(-EINVAL, send_typed(self->e.fd, "neg", 0, -1));
	EXPECT_EQ(0, mbox_cur_msgs(self->e.fd));
}

TEST_F(selection, type_zero_takes_first)
{
	char buf[MSG_SIZE + 1];

	ASSERT_EQ(0, send_typed(self->e.fd, "three", 0, 3));
	ASSERT_EQ(0, send_typed(self->e.fd, "one", 0, 1));
	ASSERT_EQ(0, take_type(self->e.fd, 0, 0, buf));
	EXPECT_STREQ("three", buf);
}

TEST_F(selection, positive_type_takes_first_of_that_type)
{
	char buf[MSG_SIZE + 1];

	ASSERT_EQ(0, send_typed(self->e.fd, "1a", 0, 1));
	ASSERT_EQ(0, send_typed(self->e.fd, "2a", 0, 2));
	ASSERT_EQ(0, send_typed(self->e.fd, "1b", 0, 1));
	ASSERT_EQ(0, send_typed(self->e.fd, "2b", 0, 2));
	ASSERT_EQ(0, take_type(self->e.fd, 0, 2, buf));
	EXPECT_STREQ("2a", buf);
	ASSERT_EQ(0, take_type(self->e.fd, 0, 2, buf));
	EXPECT_STREQ("2b", buf);
	EXPECT_EQ(-ENOMSG, take_type(self->e.fd, 0, 2, buf));
	ASSERT_EQ(0, take_type(self->e.fd, 0, 1, buf));
	EXPECT_STREQ("1a", buf);
}

TEST_F(selection, positive_type_takes_highest_priority_of_that_type)
{
	char buf[MSG_SIZE + 1];

	ASSERT_EQ(0, send_typed(self->e.fd, "low", 0, 4));
	ASSERT_EQ(0, send_typed(self->e.fd, "other", 9, 5));
	ASSERT_EQ(0, send_typed(self->e.fd, "high", 3, 4));
	ASSERT_EQ(0, take_type(self->e.fd, 0, 4, buf));
	EXPECT_STREQ("high", buf);
}

TEST_F(selection, except_takes_first_of_other_types)
{
	char buf[MSG_SIZE + 1];

	ASSERT_EQ(0, send_typed(self->e.fd, "2a", 0, 2));
	ASSERT_EQ(0, send_typed(self->e.fd, "2b", 0, 2));
	ASSERT_EQ(0, send_typed(self->e.fd, "3", 0, 3));
	ASSERT_EQ(0, send_typed(self->e.fd, "0", 0, 0));
	ASSERT_EQ(0, take_type(self->e.fd, MBOX_RECV_EXCEPT, 2, buf));
	EXPECT_STREQ("3", buf);
	ASSERT_EQ(0, take_type(self->e.fd, MBOX_RECV_EXCEPT, 2, buf));
	EXPECT_STREQ("0", buf);
	EXPECT_EQ(-ENOMSG, take_type(self->e.fd, MBOX_RECV_EXCEPT, 2, buf));
	EXPECT_EQ(2, mbox_cur_msgs(self->e.fd));
}

TEST_F(selection, negative_type_takes_lowest_type_not_above)
{
	char buf[MSG_SIZE + 1];

	ASSERT_EQ(0, send_typed(self->e.fd, "5", 0, 5));
	ASSERT_EQ(0, send_typed(self->e.fd, "3", 0, 3));
	ASSERT_EQ(0, send_typed(self->e.fd, "2a", 0, 2));
	ASSERT_EQ(0, send_typed(self->e.fd, "4", 0, 4));
	ASSERT_EQ(0, send_typed(self->e.fd, "2b", 0, 2));
	ASSERT_EQ(0, take_type(self->e.fd, 0, -4, buf));
	EXPECT_STREQ("2a", buf);
	ASSERT_EQ(0, take_type(self->e.fd, 0, -4, buf));
	EXPECT_STREQ("2b", buf);
	ASSERT_EQ(0, take_type(self->e.fd, 0, -4, buf));
	EXPECT_STREQ("3", buf);
	ASSERT_EQ(0, take_type(self->e.fd, 0, -4, buf));
	EXPECT_STREQ("4", buf);
	EXPECT_EQ(-ENOMSG, take_type(self->e.fd, 0, -4, buf));
	EXPECT_EQ(1, mbox_cur_msgs(self->e.fd));
}

TEST_F(selection, negative_type_includes_type_zero)
{
	char buf[MSG_SIZE + 1];

	ASSERT_EQ(0, send_typed(self->e.fd, "1", 0, 1));
	ASSERT_EQ(0, send_typed(self->e.fd, "0", 0, 0));
	ASSERT_EQ(0, take_type(self->e.fd, 0, -1, buf));
	EXPECT_STREQ("0", buf);
}

TEST_F(selection, negative_type_takes_highest_priority_of_lowest_type)
{
	char buf[MSG_SIZE + 1];

	ASSERT_EQ(0, send_typed(self->e.fd, "2-low", 0, 2));
	ASSERT_EQ(0, send_typed(self->e.fd, "3-top", 9, 3));
	ASSERT_EQ(0, send_typed(self->e.fd, "2-high", 5, 2));
	ASSERT_EQ(0, take_type(self->e.fd, 0, -3, buf));
	EXPECT_STREQ("2-high", buf);
}

TEST_F(selection, nonblock_no_match_is_enomsg)
{
	char buf[MSG_SIZE + 1];

	ASSERT_EQ(0, send_typed(self->e.fd, "one", 0, 1));
	EXPECT_EQ(-ENOMSG, take_type(self->e.fd, 0, 2, buf));
	EXPECT_EQ(1, mbox_cur_msgs(self->e.fd));
}

TEST_F(selection, nonblock_empty_is_eagain)
{
	char buf[MSG_SIZE + 1];

	EXPECT_EQ(-EAGAIN, take_type(self->e.fd, 0, 2, buf));
}

TEST_F(selection, deadline_no_match_is_etimedout)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r = {
		.buf_ptr = (uintptr_t)buf, .buf_len = MSG_SIZE,
		.flags = MBOX_RECV_TYPE | MBOX_RECV_DEADLINE, .type = 2,
	};
	__u64 t0;

	ASSERT_EQ(0, send_typed(self->e.fd, "one", 0, 1));
	t0 = mbox_now_ns();
	r.deadline_ns = t0 + 100 * NS_PER_MS;
	EXPECT_EQ(-ETIMEDOUT, mbox_ioctl(self->e.fd, MBOX_IOC_RECV, &r));
	EXPECT_LE(t0 + 100 * NS_PER_MS, mbox_now_ns());
	EXPECT_EQ(1, mbox_cur_msgs(self->e.fd));
}

TEST_F(selection, except_without_type_is_einval)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;

	ASSERT_EQ(0, send_typed(self->e.fd, "one", 0, 1));
	EXPECT_EQ(-EINVAL, recv_sel(self->e.fd, MBOX_RECV_NONBLOCK | MBOX_RECV_EXCEPT, 2, -1,
				    buf, &r));
	EXPECT_EQ(1, mbox_cur_msgs(self->e.fd));
}

TEST_F(selection, except_type_zero_is_einval)
{
	char buf[MSG_SIZE + 1];

	ASSERT_EQ(0, send_typed(self->e.fd, "one", 0, 1));
	EXPECT_EQ(-EINVAL, take_type(self->e.fd, MBOX_RECV_EXCEPT, 0, buf));
	EXPECT_EQ(1, mbox_cur_msgs(self->e.fd));
}

TEST_F(selection, except_negative_type_is_einval)
{
	char buf[MSG_SIZE + 1];

	ASSERT_EQ(0, send_typed(self->e.fd, "one", 0, 1));
	EXPECT_EQ(-EINVAL, take_type(self->e.fd, MBOX_RECV_EXCEPT, -3, buf));
	EXPECT_EQ(1, mbox_cur_msgs(self->e.fd));
}

TEST_F(selection, peek_with_type_leaves_message_queued)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;

	ASSERT_EQ(0, send_typed(self->e.fd, "1", 0, 1));
	ASSERT_EQ(0, send_typed(self->e.fd, "2", 0, 2));
	ASSERT_EQ(0, take_type(self->e.fd, MBOX_RECV_PEEK, 2, buf));
	EXPECT_STREQ("2", buf);
	EXPECT_EQ(2, mbox_cur_msgs(self->e.fd));
	ASSERT_EQ(0, take(self->e.fd, buf, &r));
	EXPECT_STREQ("1", buf);
	ASSERT_EQ(0, take(self->e.fd, buf, &r));
	EXPECT_STREQ("2", buf);
	EXPECT_EQ(2, r.seq);
}

TEST_F(selection, peek_with_no_match_is_enomsg)
{
	char buf[MSG_SIZE + 1];

	ASSERT_EQ(0, send_typed(self->e.fd, "1", 0, 1));
	EXPECT_EQ(-ENOMSG, take_type(self->e.fd, MBOX_RECV_PEEK, 2, buf));
}

TEST_F(selection, blocking_type_recv_woken_only_by_match)
{
	char buf[MSG_SIZE + 1];
	pid_t pid;

	pid = spawn(&self->e, kid_recv_type, SEL(5, 5));
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, wait_waiters(self->e.fd, 0, 1));
	ASSERT_EQ(0, send_typed(self->e.fd, "t3", 0, 3));
	usleep(100000);
	/* Not its type: it keeps waiting and the message stays queued. */
	EXPECT_TRUE(mbox_kid_running(pid));
	EXPECT_EQ(1, mbox_cur_msgs(self->e.fd));
	ASSERT_EQ(0, send_typed(self->e.fd, "t5", 0, 5));
	EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
	ASSERT_EQ(0, take_type(self->e.fd, 0, 0, buf));
	EXPECT_STREQ("t3", buf);
}

TEST_F(selection, blocked_receivers_of_two_types_each_get_theirs)
{
	char buf[MSG_SIZE + 1];
	pid_t kid[3];
	int round, first, second;

	/*
	 * One blocks for type 1, then one for type 2. A message for either
	 * alone must wake its own receiver, whichever blocked first: with an
	 * empty queue (handed straight over) and behind a queued message of a
	 * third type (queued, then the waiters looked for).
	 */
	for (round = 0; round < 4; round++) {
		first = round & 1 ? 1 : 2;
		second = 3 - first;
		if (round & 2)
			ASSERT_EQ(0, send_typed(self->e.fd, "t3", 0, 3));
		kid[1] = spawn(&self->e, kid_recv_type, SEL(1, 1));
		ASSERT_LT(0, kid[1]);
		ASSERT_EQ(0, wait_waiters(self->e.fd, 0, 1));
		kid[2] = spawn(&self->e, kid_recv_type, SEL(2, 2));
		ASSERT_LT(0, kid[2]);
		ASSERT_EQ(0, wait_waiters(self->e.fd, 0, 2));
		ASSERT_EQ(0, send_typed(self->e.fd, first == 1 ? "t1" : "t2", 0, first));
		EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, kid[first], LONG_MS));
		EXPECT_TRUE(mbox_kid_running(kid[second]));
		ASSERT_EQ(0, send_typed(self->e.fd, second == 1 ? "t1" : "t2", 0, second));
		EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, kid[second], LONG_MS));
		if (round & 2) {
			ASSERT_EQ(0, take_type(self->e.fd, 0, 0, buf));
			EXPECT_STREQ("t3", buf);
		}
		EXPECT_EQ(0, mbox_cur_msgs(self->e.fd));
	}
}

TEST_F(selection, blocking_type_recv_behind_queued_message_woken_by_match)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;
	pid_t pid;

	/* A message it does not want is queued before it blocks. */
	ASSERT_EQ(0, send_typed(self->e.fd, "t3", 0, 3));
	pid = spawn(&self->e, kid_recv_type, SEL(5, 5));
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, wait_waiters(self->e.fd, 0, 1));
	ASSERT_EQ(0, send_typed(self->e.fd, "t5", 0, 5));
	EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
	ASSERT_EQ(0, take(self->e.fd, buf, &r));
	EXPECT_STREQ("t3", buf);
}

TEST_F(selection, blocked_type_and_any_receivers_each_get_one)
{
	pid_t a, b;

	/* One waits for type 2 only, then one for anything: type 1 is the latter's. */
	a = spawn(&self->e, kid_recv_type, SEL(2, 2));
	ASSERT_LT(0, a);
	ASSERT_EQ(0, wait_waiters(self->e.fd, 0, 1));
	b = spawn(&self->e, kid_recv_type, SEL(0, 1));
	ASSERT_LT(0, b);
	ASSERT_EQ(0, wait_waiters(self->e.fd, 0, 2));
	ASSERT_EQ(0, send_typed(self->e.fd, "t1", 0, 1));
	EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, b, LONG_MS));
	EXPECT_TRUE(mbox_kid_running(a));
	ASSERT_EQ(0, send_typed(self->e.fd, "t2", 0, 2));
	EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, a, LONG_MS));
	EXPECT_EQ(0, mbox_cur_msgs(self->e.fd));
}

TEST_F(selection, from_pidfd_selects_by_sender)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;
	int pa, pb, me;
	pid_t a, b;

	a = spawn(&self->e, kid_send_and_stay, (long)"from-a");
	ASSERT_LT(0, a);
	ASSERT_EQ(0, mbox_hear(self->e.kids.ready[0], LONG_MS));
	b = spawn(&self->e, kid_send_and_stay, (long)"from-b");
	ASSERT_LT(0, b);
	ASSERT_EQ(0, mbox_hear(self->e.kids.ready[0], LONG_MS));
	ASSERT_EQ(0, send_str(self->e.fd, "from-me"));
	pa = sys_pidfd_open(a);
	pb = sys_pidfd_open(b);
	me = sys_pidfd_open(getpid());
	ASSERT_LE(0, pa);
	ASSERT_LE(0, pb);
	ASSERT_LE(0, me);

	ASSERT_EQ(0, recv_sel(self->e.fd, MBOX_RECV_NONBLOCK | MBOX_RECV_FROM, 0, pb, buf, &r));
	EXPECT_STREQ("from-b", buf);
	EXPECT_EQ(b, r.pid);
	EXPECT_EQ(-ENOMSG, recv_sel(self->e.fd, MBOX_RECV_NONBLOCK | MBOX_RECV_FROM, 0, pb,
				    buf, &r));
	ASSERT_EQ(0, recv_sel(self->e.fd, MBOX_RECV_NONBLOCK | MBOX_RECV_FROM, 0, me, buf, &r));
	EXPECT_STREQ("from-me", buf);
	ASSERT_EQ(0, recv_sel(self->e.fd, MBOX_RECV_NONBLOCK | MBOX_RECV_FROM, 0, pa, buf, &r));
	EXPECT_STREQ("from-a", buf);

	EXPECT_EQ(0, mbox_tell(self->e.kids.go[1], 0));
	EXPECT_EQ(0, mbox_tell(self->e.kids.go[1], 0));
	EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, a, LONG_MS));
	EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, b, LONG_MS));
	close(pa);
	close(pb);
	close(me);
}

TEST_F(selection, from_with_type_needs_both)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;
	__u32 flags = MBOX_RECV_NONBLOCK | MBOX_RECV_FROM | MBOX_RECV_TYPE;
	pid_t a;
	int pa;

	a = spawn(&self->e, kid_send_and_stay, (long)"a-type0");
	ASSERT_LT(0, a);
	ASSERT_EQ(0, mbox_hear(self->e.kids.ready[0], LONG_MS));
	ASSERT_EQ(0, send_typed(self->e.fd, "me-type4", 0, 4));
	pa = sys_pidfd_open(a);
	ASSERT_LE(0, pa);
	EXPECT_EQ(-ENOMSG, recv_sel(self->e.fd, flags, 4, pa, buf, &r));
	ASSERT_EQ(0, recv_sel(self->e.fd, flags, -4, pa, buf, &r));
	EXPECT_STREQ("a-type0", buf);
	EXPECT_EQ(0, mbox_tell(self->e.kids.go[1], 0));
	EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, a, LONG_MS));
	close(pa);
}

TEST_F(selection, from_process_without_messages_is_enomsg)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;
	int pidfd;
	pid_t pid;

	pid = spawn(&self->e, kid_idle, 0);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, mbox_hear(self->e.kids.ready[0], LONG_MS));
	pidfd = sys_pidfd_open(pid);
	ASSERT_LE(0, pidfd);
	ASSERT_EQ(0, send_str(self->e.fd, "mine"));
	EXPECT_EQ(-ENOMSG, recv_sel(self->e.fd, MBOX_RECV_NONBLOCK | MBOX_RECV_FROM, 0, pidfd,
				    buf, &r));
	EXPECT_EQ(0, mbox_tell(self->e.kids.go[1], 0));
	EXPECT_EQ(0, mbox_kid_reap(&self->e.kids, pid, LONG_MS));
	close(pidfd);
}

TEST_F(selection, from_not_a_pidfd_is_ebadf)
{
	char buf[MSG_SIZE + 1];
	struct mbox_recv r;
	int null;

	ASSERT_EQ(0, send_str(self->e.fd, "x"));
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, null);
	EXPECT_EQ(-EBADF, recv_sel(self->e.fd, MBOX_RECV_NONBLOCK | MBOX_RECV_FROM, 0, null,
				   buf, &r));
	EXPECT_EQ(1, mbox_cur_msgs(self->e.fd));
	close(null);
}

/* ---- feature bits ----------------------------------------------------- */

TEST(version_reports_port_flags)
{
	struct mbox_version v;

	mbox_version_or_skip(v);
	EXPECT_EQ(MBOX_OPEN_PORT, v.open_flags & MBOX_OPEN_PORT);
	EXPECT_EQ(MBOX_OPEN_PID, v.open_flags & MBOX_OPEN_PID);
	EXPECT_EQ(MBOX_OPEN_PIDFD, v.open_flags & MBOX_OPEN_PIDFD);
}

TEST(version_reports_selection_flags)
{
	struct mbox_version v;

	mbox_version_or_skip(v);
	EXPECT_EQ(MBOX_RECV_TYPE, v.recv_flags & MBOX_RECV_TYPE);
	EXPECT_EQ(MBOX_RECV_EXCEPT, v.recv_flags & MBOX_RECV_EXCEPT);
	EXPECT_EQ(MBOX_RECV_FROM, v.recv_flags & MBOX_RECV_FROM);
}

TEST_HARNESS_MAIN
