// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection: every allocation an mbox operation makes fails once.
 *
 * With FAILSLAB and FAIL_PAGE_ALLOC (debugfs failslab/ and fail_page_alloc/),
 * each operation below is run for N = 1, 2, ... with the Nth fallible
 * allocation of the calling thread made to fail, through the thread's
 * /proc/thread-self/fail-nth (the knob syzkaller uses: it counts the
 * allocations of this thread only, and reads back 0 once the failure was
 * injected). The sweep of an operation ends at the first N that the
 * operation no longer reaches. The debugfs attributes are set so that nothing
 * else fails: task-filter=Y with make-it-fail=1 on this test's process only,
 * probability=100 but times=0 (so only fail-nth injects), interval=1,
 * space=0, verbose=0 (no stack dumps in the kernel log) and ignore-gfp-wait=N
 * (the module allocates with GFP_KERNEL); min-order=0 for pages. They are
 * restored afterwards.
 *
 * Operations: open(2) of /dev/mbox; MBOX_IOC_OPEN creating a named, an
 * anonymous mailbox and a port, and opening an existing one, each by a user
 * with no usage record yet; write() and MBOX_IOC_SEND of small, slab-sized and
 * page-sized (kvmalloc falls back to vmalloc) messages, and a send by a user
 * other than the handle's; MBOX_IOC_RECV; MBOX_IOC_CALL against a server
 * thread; MBOX_IOC_REPLY, also by another user. And sends that must not
 * allocate at all: to a fixed-size mailbox, and small and 4 KiB ones to a
 * variable-size mailbox that has their buffer in one of its caches.
 *
 * After every injected failure: the call failed with ENOMEM (or absorbed the
 * failure and succeeded), and the mailbox is consistent: MBOX_IOC_STAT's
 * counts moved only for calls that succeeded, a failed open left the handle
 * unbound and no name behind, the next receives get exactly the messages whose
 * sends succeeded, a failed reply left the call pending and its caller got the
 * one reply that succeeded. kmemleak, which the VM rig runs after rmmod, finds
 * the leaks. One line sums it up (others parse it):
 *   faultinject: K sites, F failures injected, I inconsistencies, 0 leaks
 * where K counts the (operation, N) whose failure the operation reported, F
 * every injected failure, and leaks are left to the rig.
 *
 * Skipped where the kernel has no failslab (the stock 6.1 and 6.12 kernels).
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "mbox_test.h"

#define FAILSLAB	"/sys/kernel/debug/failslab"
#define FAILPAGE	"/sys/kernel/debug/fail_page_alloc"
#define MAX_NTH		400	/* an operation making more allocations is a bug */
#define BOTH		(MBOX_ACCESS_SEND | MBOX_ACCESS_RECV)
#define UID_BASE	47000	/* users with no usage record yet */
#define DIAG_MAX	20

#define SUMMARY "faultinject: %u sites, %u failures injected, %u inconsistencies, 0 leaks\n"

/* Totals over the tests, which the harness runs in child processes. */
struct totals {
	unsigned int sites, injected, inconsistencies, diag_left;
	bool ran;
};

static struct totals *tot;

static void __attribute__((constructor)) totals_init(void)
{
	tot = mmap(NULL, sizeof(*tot), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (tot == MAP_FAILED)
		abort();
	tot->diag_left = DIAG_MAX;
}

static __printf(1, 2) void bad(const char *fmt, ...)
{
	va_list ap;

	tot->inconsistencies++;
	if (!tot->diag_left)
		return;
	tot->diag_left--;
	va_start(ap, fmt);
	printf("# INCONSISTENT: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

/* The debugfs attributes we change, to restore them. */
static const char *const attrs[] = {
	FAILSLAB "/ignore-gfp-wait", FAILSLAB "/verbose", FAILSLAB "/task-filter",
	FAILSLAB "/probability", FAILSLAB "/interval", FAILSLAB "/times",
	FAILSLAB "/space",
	FAILPAGE "/ignore-gfp-wait", FAILPAGE "/ignore-gfp-highmem", FAILPAGE "/min-order",
	FAILPAGE "/verbose", FAILPAGE "/task-filter", FAILPAGE "/probability",
	FAILPAGE "/interval", FAILPAGE "/times", FAILPAGE "/space",
};
static const char *const values[] = {
	"N", "0", "Y", "100", "1", "0", "0",
	"N", "N", "0", "0", "Y", "100", "1", "0", "0",
};

static int read_str(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* The injection knob of the thread that opened it, and the state around it. */
struct inj {
	int nth_fd;
	const char *op;
	unsigned int n;		/* the N armed last */
	unsigned int sites;	/* (op, N) whose failure the op reported */
	unsigned int injected;
	unsigned int bad_before;	/* inconsistencies before this sweep */
};

static int inj_open(struct inj *in, const char *op)
{
	memset(in, 0, sizeof(*in));
	in->op = op;
	in->bad_before = tot->inconsistencies;
	in->nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	return in->nth_fd < 0 ? -errno : 0;
}

/* Make the nth fallible allocation of this thread fail, from the next call on. */
static void arm(struct inj *in, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	in->n = n;
	if (pwrite(in->nth_fd, buf, len, 0) != len)
		bad("%s: arming fail-nth %u: %s", in->op, n, strerror(errno));
}

/* Disarm; whether the failure was injected. */
static bool disarm(struct inj *in)
{
	char buf[16] = "";
	bool injected;

	if (pread(in->nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		bad("%s: reading fail-nth: %s", in->op, strerror(errno));
	injected = strtoul(buf, NULL, 10) == 0;
	if (!injected && pwrite(in->nth_fd, "0", 1, 0) != 1)
		bad("%s: disarming fail-nth: %s", in->op, strerror(errno));
	in->injected += injected;
	return injected;
}

/*
 * Judge one injected call: ret is 0 or -errno. Returns true when the sweep
 * goes on (the failure was injected), false when N passed the last allocation.
 */
static bool judge(struct inj *in, bool injected, long ret)
{
	if (!injected) {
		if (ret)
			bad("%s: N=%u: failed with %s without an injected failure", in->op,
			    in->n, strerror(-ret));
		return false;
	}
	if (ret == -ENOMEM)
		in->sites++;
	else if (ret)
		bad("%s: N=%u: an injected allocation failure gave %s, not ENOMEM",
		    in->op, in->n, strerror(-ret));
	return true;
}

static void inj_close(struct inj *in, struct __test_metadata *_metadata)
{
	if (in->n >= MAX_NTH)
		bad("%s: still allocating at N=%u", in->op, in->n);
	ksft_print_msg("%s: %u allocations reached, %u failures reported as ENOMEM\n",
		       in->op, in->injected, in->sites);
	tot->sites += in->sites;
	tot->injected += in->injected;
	tot->ran = true;
	close(in->nth_fd);
	EXPECT_EQ(in->bad_before, tot->inconsistencies);
}

/* This thread's user ids (the other threads keep theirs): real, effective, saved. */
static int thread_uid(uid_t uid)
{
	return syscall(SYS_setresuid, uid, uid, 0) ? -errno : 0;
}

static int thread_root(void)
{
	return syscall(SYS_setresuid, 0, 0, 0) ? -errno : 0;
}

static long stat_of(int fd, struct mbox_stat *st)
{
	return mbox_stat(fd, st);
}

/* Message tag: every tag and length gives other bytes. */
static void make_msg(char *buf, size_t len, unsigned int tag)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (char)(tag * 31 + i * 7 + 3);
}

/*
 * Receive everything queued (non-blocking) and compare it with the tags sent,
 * in order. Returns the number of mismatches.
 */
static void drain_expect(int fd, const unsigned int *tags, unsigned int n, size_t len,
			 const char *op)
{
	static char buf[1 << 16], want[1 << 16];
	struct mbox_recv r;
	unsigned int i;
	long err;

	for (i = 0; ; i++) {
		err = mbox_recv(fd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, &r);
		if (err == -EAGAIN)
			break;
		if (err) {
			bad("%s: draining: %s", op, strerror(-err));
			break;
		}
		if (i >= n) {
			bad("%s: message %u received, but only %u sends succeeded", op, i, n);
			continue;
		}
		make_msg(want, len, tags[i]);
		if (r.len != len || memcmp(buf, want, len))
			bad("%s: message %u: got %llu bytes, not the %zu of tag %u", op, i,
			    (unsigned long long)r.len, len, tags[i]);
	}
	if (i < n)
		bad("%s: %u messages received, %u sends succeeded: lost", op, i, n);
}

FIXTURE(fault) {
	char saved[ARRAY_SIZE(attrs)][32];
	bool changed;
	char name[64];
};

FIXTURE_SETUP(fault)
{
	unsigned int i;
	int fd;

	self->changed = false;
	mbox_open_or_skip(fd);
	close(fd);
	if (access(FAILSLAB, F_OK))
		SKIP(return, "no " FAILSLAB ": kernel without CONFIG_FAILSLAB/debugfs");
	if (access("/proc/thread-self/fail-nth", F_OK))
		SKIP(return, "no /proc/thread-self/fail-nth");
	ASSERT_EQ(0, geteuid()) TH_LOG("needs root");
	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		if (read_str(attrs[i], self->saved[i], sizeof(self->saved[i])))
			self->saved[i][0] = '\0';	/* absent (no fail_page_alloc) */
	}
	self->changed = true;
	for (i = 0; i < ARRAY_SIZE(attrs); i++)
		if (self->saved[i][0])
			ASSERT_EQ(0, mbox_write_file(attrs[i], values[i])) TH_LOG("%s", attrs[i]);
	/* Only this process (and its threads) may ever be failed by probability. */
	ASSERT_EQ(0, mbox_write_file("/proc/self/make-it-fail", "1"));
	/* No page fault of ours may take an injected failure. */
	ASSERT_EQ(0, mlockall(MCL_CURRENT | MCL_FUTURE));
	mbox_test_name(self->name, sizeof(self->name), "fault");
}

FIXTURE_TEARDOWN(fault)
{
	struct mbox_name nm = { .name_ptr = (__u64)(uintptr_t)self->name };
	unsigned int i;
	int fd;

	if (!self->changed)
		return;
	thread_root();
	mbox_write_file("/proc/self/make-it-fail", "0");
	for (i = 0; i < ARRAY_SIZE(attrs); i++)
		if (self->saved[i][0])
			mbox_write_file(attrs[i], self->saved[i]);
	fd = open(MBOX_DEV, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		mbox_ioctl(fd, MBOX_IOC_UNLINK, &nm);
		close(fd);
	}
}

/* open(2) of /dev/mbox: the handle, the file, the path walk. */
TEST_F(fault, open_device)
{
	struct inj in;
	bool injected;
	unsigned int n;
	long ret;
	int fd;

	ASSERT_EQ(0, inj_open(&in, "open(/dev/mbox)"));
	for (n = 1; n <= MAX_NTH; n++) {
		arm(&in, n);
		fd = open(MBOX_DEV, O_RDWR | O_CLOEXEC);
		ret = fd < 0 ? -errno : 0;
		injected = disarm(&in);
		if (fd >= 0) {
			struct mbox_version v = { 0 };

			/* The handle works: it was made whole. */
			if (mbox_ioctl(fd, MBOX_IOC_VERSION, &v) || v.abi_version != MBOX_ABI_VERSION)
				bad("open: N=%u: the handle does not answer VERSION", n);
			close(fd);
		}
		if (!judge(&in, injected, ret))
			break;
	}
	inj_close(&in, _metadata);
}

enum open_kind { OPEN_NAMED, OPEN_ANON, OPEN_PORT, OPEN_EXISTING };

/* MBOX_IOC_OPEN by a user without a usage record: user, mailbox, name. */
static void sweep_open(struct __test_metadata *_metadata, const char *name,
		       enum open_kind kind, const char *op)
{
	struct mbox_open o;
	struct mbox_stat st;
	struct inj in;
	int fd, keeper = -1, other;
	bool injected;
	unsigned int n;
	long ret, err;

	ASSERT_EQ(0, inj_open(&in, op));
	if (kind == OPEN_EXISTING) {
		/* Root creates it; the fresh user opens it. */
		struct mbox_setattr a = { .mask = MBOX_ATTR_MODE, .mode = 0666 };

		o = (struct mbox_open){ .mode = 0666 };
		keeper = mbox_bind(name, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL, BOTH, &o);
		ASSERT_LE(0, keeper) TH_LOG("%s: %s", name, strerror(-keeper));
		/* Past the umask: the fresh user may send and receive. */
		ASSERT_EQ(0, mbox_ioctl(keeper, MBOX_IOC_SETATTR, &a));
	}
	ASSERT_EQ(0, thread_uid(UID_BASE + kind));
	for (n = 1; n <= MAX_NTH; n++) {
		fd = open(MBOX_DEV, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, fd);
		o = (struct mbox_open){ .mode = 0600, .access = BOTH };
		switch (kind) {
		case OPEN_NAMED:
			o.name_ptr = (__u64)(uintptr_t)name;
			o.flags = MBOX_OPEN_CREATE | MBOX_OPEN_EXCL;
			break;
		case OPEN_ANON:
			o.flags = MBOX_OPEN_CREATE;
			break;
		case OPEN_PORT:
			o.flags = MBOX_OPEN_CREATE | MBOX_OPEN_EXCL | MBOX_OPEN_PORT;
			break;
		case OPEN_EXISTING:
			o.name_ptr = (__u64)(uintptr_t)name;
			break;
		}
		arm(&in, n);
		ret = mbox_ioctl(fd, MBOX_IOC_OPEN, &o);
		injected = disarm(&in);

		/* Consistent: bound and working, or unbound with nothing left behind. */
		err = stat_of(fd, &st);
		if (!ret && err)
			bad("%s: N=%u: bound, but STAT fails with %s", op, n, strerror(-err));
		if (ret && err != -EBADFD)
			bad("%s: N=%u: open failed but STAT gives %s, not EBADFD", op, n,
			    strerror(-err));
		if (!ret) {
			char c = 0;

			/* It works; and nothing of this user stays queued. */
			if (mbox_send(fd, "x", 1, 0, MBOX_SEND_NONBLOCK, 0) ||
			    mbox_recv(fd, &c, 1, MBOX_RECV_NONBLOCK, 0, NULL) || c != 'x')
				bad("%s: N=%u: the new mailbox does not pass a message", op, n);
		}
		if (ret && kind == OPEN_NAMED) {
			other = mbox_bind(name, 0, BOTH, NULL);
			if (other != -ENOENT)
				bad("%s: N=%u: after a failed create the name gives %s, not ENOENT",
				    op, n, other < 0 ? strerror(-other) : "a mailbox");
			if (other >= 0)
				close(other);
		}
		if (ret && kind == OPEN_PORT) {
			o = (struct mbox_open){ .flags = MBOX_OPEN_PORT, .access = BOTH };
			other = mbox_bind(NULL, MBOX_OPEN_PORT, BOTH, &o);
			if (other != -ENOENT)
				bad("%s: N=%u: after a failed create the port gives %s, not ENOENT",
				    op, n, other < 0 ? strerror(-other) : "a mailbox");
			if (other >= 0)
				close(other);
		}
		/* The handle is still good for a bind after a failure. */
		if (ret && kind != OPEN_EXISTING) {
			o = (struct mbox_open){ .mode = 0600, .access = BOTH,
						.flags = MBOX_OPEN_CREATE };
			if (kind == OPEN_NAMED)
				o.name_ptr = (__u64)(uintptr_t)name;
			if (kind == OPEN_PORT)
				o.flags |= MBOX_OPEN_PORT;
			err = mbox_ioctl(fd, MBOX_IOC_OPEN, &o);
			if (err)
				bad("%s: N=%u: binding again after the failure: %s", op, n,
				    strerror(-err));
		}
		if (kind == OPEN_NAMED) {
			struct mbox_name nm = { .name_ptr = (__u64)(uintptr_t)name };

			mbox_ioctl(fd, MBOX_IOC_UNLINK, &nm);
		}
		close(fd);
		if (!judge(&in, injected, ret))
			break;
	}
	ASSERT_EQ(0, thread_root());
	if (keeper >= 0) {
		struct mbox_name nm = { .name_ptr = (__u64)(uintptr_t)name };

		ASSERT_EQ(0, stat_of(keeper, &st));
		if (st.cur_msgs)
			bad("%s: %u messages left queued", op, st.cur_msgs);
		mbox_ioctl(keeper, MBOX_IOC_UNLINK, &nm);
		close(keeper);
	}
	inj_close(&in, _metadata);
}

TEST_F(fault, open_create_named)
{
	sweep_open(_metadata, self->name, OPEN_NAMED, "MBOX_IOC_OPEN create named");
}

TEST_F(fault, open_create_anonymous)
{
	sweep_open(_metadata, self->name, OPEN_ANON, "MBOX_IOC_OPEN create anonymous");
}

TEST_F(fault, open_create_port)
{
	sweep_open(_metadata, self->name, OPEN_PORT, "MBOX_IOC_OPEN create port");
}

TEST_F(fault, open_existing_named)
{
	sweep_open(_metadata, self->name, OPEN_EXISTING, "MBOX_IOC_OPEN existing");
}

/*
 * Sends of len bytes through write() or MBOX_IOC_SEND, by the binding user or
 * (other_uid) another one: the message, the sender's usage record.
 */
static void sweep_send(struct __test_metadata *_metadata, size_t len, bool use_write,
		       bool other_uid, const char *op)
{
	static char buf[1 << 16];
	struct mbox_open o = { .max_msgs = 64, .max_msg_size = 1 << 16, .mode = 0666 };
	unsigned int tags[1] = { 0 }, nsent = 0, n;
	struct mbox_stat st0, st1;
	struct inj in;
	bool injected;
	long ret;
	int fd;

	fd = mbox_bind(NULL, MBOX_OPEN_CREATE, BOTH, &o);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, inj_open(&in, op));
	for (n = 1; n <= MAX_NTH; n++) {
		make_msg(buf, len, n);
		ASSERT_EQ(0, stat_of(fd, &st0));
		if (other_uid)
			ASSERT_EQ(0, thread_uid(UID_BASE + 10));
		arm(&in, n);
		if (use_write) {
			ssize_t w = write(fd, buf, len);

			ret = w < 0 ? -errno : 0;
			if (w >= 0 && (size_t)w != len)
				bad("%s: N=%u: write returned %zd of %zu", op, n, w, len);
		} else {
			ret = mbox_send(fd, buf, len, n % 3, MBOX_SEND_NONBLOCK, 0);
		}
		injected = disarm(&in);
		if (other_uid)
			ASSERT_EQ(0, thread_root());
		ASSERT_EQ(0, stat_of(fd, &st1));
		if (st1.cur_msgs != st0.cur_msgs + !ret || st1.total_sent != st0.total_sent + !ret ||
		    st1.cur_bytes != st0.cur_bytes + (ret ? 0 : len))
			bad("%s: N=%u (%s): STAT went from %u msgs/%llu bytes/%llu sent to %u/%llu/%llu",
			    op, n, ret ? strerror(-ret) : "sent", st0.cur_msgs,
			    (unsigned long long)st0.cur_bytes, (unsigned long long)st0.total_sent,
			    st1.cur_msgs, (unsigned long long)st1.cur_bytes,
			    (unsigned long long)st1.total_sent);
		if (!ret)
			tags[nsent++] = n;
		/* Priorities differ: drain each time, so the order is the send order. */
		drain_expect(fd, tags, nsent, len, op);
		nsent = 0;
		if (!judge(&in, injected, ret))
			break;
	}
	close(fd);
	inj_close(&in, _metadata);
}

TEST_F(fault, write_small)
{
	sweep_send(_metadata, 100, true, false, "write 100 bytes");
}

TEST_F(fault, send_small)
{
	sweep_send(_metadata, 100, false, false, "MBOX_IOC_SEND 100 bytes");
}

TEST_F(fault, send_slab_sized)
{
	sweep_send(_metadata, 6000, false, false, "MBOX_IOC_SEND 6000 bytes");
}

TEST_F(fault, send_vmalloc_fallback)
{
	sweep_send(_metadata, 40000, false, false, "MBOX_IOC_SEND 40000 bytes");
}

TEST_F(fault, send_zero_length)
{
	sweep_send(_metadata, 0, false, false, "MBOX_IOC_SEND 0 bytes");
}

TEST_F(fault, send_by_other_user)
{
	sweep_send(_metadata, 100, false, true, "MBOX_IOC_SEND by another user");
}

/*
 * A fixed-size mailbox's slots are allocated with it, and a mailbox keeps the
 * buffers of messages it freed, small ones and (up to some KiB) ones of its
 * largest size: such sends of @len allocate nothing, so with the first
 * allocation of each failing they all still succeed.
 */
static void cached_sends(struct __test_metadata *_metadata, __u32 flags, size_t len,
			 const char *op)
{
	struct mbox_open o = { .max_msgs = 8, .max_msg_size = len };
	unsigned int tags[8], i, round;
	static char buf[8192];
	struct inj in;
	long ret;
	int fd;

	if (!(flags & MBOX_OPEN_FIXED_SIZE))
		o.max_msg_size = sizeof(buf);
	fd = mbox_bind(NULL, MBOX_OPEN_CREATE | flags, BOTH, &o);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, inj_open(&in, op));
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 8; i++) {
			tags[i] = round * 8 + i;
			make_msg(buf, len, tags[i]);
			/* The first round of a variable-size mailbox fills its cache. */
			if (round || (flags & MBOX_OPEN_FIXED_SIZE))
				arm(&in, 1);
			ret = mbox_send(fd, buf, len, 0, MBOX_SEND_NONBLOCK, 0);
			if (in.n && disarm(&in))
				bad("%s: round %u, message %u: the send allocated", op, round, i);
			in.n = 0;
			if (ret)
				bad("%s: round %u, message %u: %s", op, round, i, strerror(-ret));
		}
		drain_expect(fd, tags, 8, len, op);
	}
	close(fd);
	inj_close(&in, _metadata);
}

TEST_F(fault, fixed_size_sends_allocate_nothing)
{
	cached_sends(_metadata, MBOX_OPEN_FIXED_SIZE, 64, "fixed-size sends");
}

TEST_F(fault, small_sends_reuse_buffers)
{
	cached_sends(_metadata, 0, 64, "small sends");
}

TEST_F(fault, large_sends_reuse_buffers)
{
	cached_sends(_metadata, 0, 4096, "large sends");
}

/* MBOX_IOC_RECV (also PEEK): takes no allocation, but must survive the sweep. */
TEST_F(fault, recv)
{
	static const __u32 flags[] = { MBOX_RECV_NONBLOCK, MBOX_RECV_NONBLOCK | MBOX_RECV_PEEK };
	struct mbox_open o = { .max_msgs = 8, .max_msg_size = 256 };
	char buf[256], want[256];
	struct mbox_recv r;
	struct inj in;
	unsigned int n, f;
	bool injected;
	long ret;
	int fd;

	fd = mbox_bind(NULL, MBOX_OPEN_CREATE, BOTH, &o);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, inj_open(&in, "MBOX_IOC_RECV"));
	for (f = 0; f < ARRAY_SIZE(flags); f++) {
		for (n = 1; n <= MAX_NTH; n++) {
			make_msg(want, 200, n);
			ASSERT_EQ(0, mbox_send(fd, want, 200, 0, MBOX_SEND_NONBLOCK, 0));
			arm(&in, n);
			ret = mbox_recv(fd, buf, sizeof(buf), flags[f], 0, &r);
			injected = disarm(&in);
			if (!ret && (r.len != 200 || memcmp(buf, want, 200)))
				bad("recv: N=%u: wrong message", n);
			if (ret || (flags[f] & MBOX_RECV_PEEK)) {
				/* Still queued, whole. */
				memset(buf, 0, sizeof(buf));
				if (mbox_recv(fd, buf, sizeof(buf), MBOX_RECV_NONBLOCK, 0, &r) ||
				    r.len != 200 || memcmp(buf, want, 200))
					bad("recv: N=%u: the message did not stay queued", n);
			}
			if (!judge(&in, injected, ret))
				break;
		}
	}
	close(fd);
	inj_close(&in, _metadata);
}

/* A server thread for calls, or a caller thread for replies. */
struct peer {
	int fd;
	unsigned int tag;	/* the request's */
	volatile int stop;
	unsigned int served;	/* requests received */
	long ret;		/* caller: the call's result */
	char reply[256];
	__u64 reply_len;
};

static void *server(void *arg)
{
	struct peer *p = arg;
	struct mbox_reply rp;
	struct mbox_recv r;
	char buf[256];
	long err;

	while (!p->stop) {
		err = mbox_recv(p->fd, buf, sizeof(buf), MBOX_RECV_DEADLINE,
				mbox_deadline_ms(50), &r);
		if (err || !r.reply_token)
			continue;
		p->served++;
		/* The reply: the request reversed. */
		for (size_t i = 0; i < r.len; i++)
			p->reply[i] = buf[r.len - 1 - i];
		rp = (struct mbox_reply){ .token = r.reply_token,
					  .buf_ptr = (__u64)(uintptr_t)p->reply, .len = r.len };
		err = mbox_ioctl(p->fd, MBOX_IOC_REPLY, &rp);
		if (err)
			bad("call server: REPLY: %s", strerror(-err));
	}
	return NULL;
}

/* MBOX_IOC_CALL: the pending record and the request. */
TEST_F(fault, call)
{
	struct mbox_open o = { .max_msgs = 4, .max_msg_size = 256 };
	struct peer p = { 0 };
	char req[64], rep[64];
	struct mbox_stat st0, st1;
	struct mbox_call c;
	pthread_t th;
	struct inj in;
	unsigned int n, served;
	bool injected;
	long ret;
	int fd;

	fd = mbox_bind(NULL, MBOX_OPEN_CREATE, BOTH, &o);
	ASSERT_LE(0, fd);
	p.fd = fd;
	ASSERT_EQ(0, pthread_create(&th, NULL, server, &p));
	ASSERT_EQ(0, inj_open(&in, "MBOX_IOC_CALL"));
	for (n = 1; n <= MAX_NTH; n++) {
		make_msg(req, sizeof(req), n);
		memset(rep, 0, sizeof(rep));
		c = (struct mbox_call){
			.req_ptr = (__u64)(uintptr_t)req, .req_len = sizeof(req),
			.reply_ptr = (__u64)(uintptr_t)rep, .reply_len = sizeof(rep),
			.flags = MBOX_CALL_DEADLINE, .deadline_ns = mbox_deadline_ms(10000),
		};
		ASSERT_EQ(0, stat_of(fd, &st0));
		served = p.served;
		arm(&in, n);
		ret = mbox_ioctl(fd, MBOX_IOC_CALL, &c);
		injected = disarm(&in);
		ASSERT_EQ(0, stat_of(fd, &st1));
		if (!ret) {
			for (size_t i = 0; i < sizeof(req); i++)
				if (rep[i] != req[sizeof(req) - 1 - i] || c.reply_len != sizeof(req))
					bad("call: N=%u: wrong reply", n);
		} else if (p.served != served || st1.total_sent != st0.total_sent) {
			bad("call: N=%u: failed with %s, yet the server got the request", n,
			    strerror(-ret));
		}
		if (st1.cur_msgs)
			bad("call: N=%u: %u messages left queued", n, st1.cur_msgs);
		if (!judge(&in, injected, ret))
			break;
	}
	p.stop = 1;
	pthread_join(th, NULL);
	close(fd);
	inj_close(&in, _metadata);
}

static void *caller(void *arg)
{
	struct peer *p = arg;
	char req[64];
	struct mbox_call c;

	make_msg(req, sizeof(req), p->tag);
	c = (struct mbox_call){
		.req_ptr = (__u64)(uintptr_t)req, .req_len = sizeof(req),
		.reply_ptr = (__u64)(uintptr_t)p->reply, .reply_len = sizeof(p->reply),
		.flags = MBOX_CALL_DEADLINE, .deadline_ns = mbox_deadline_ms(20000),
	};
	p->ret = mbox_ioctl(p->fd, MBOX_IOC_CALL, &c);
	p->reply_len = c.reply_len;
	return NULL;
}

/* MBOX_IOC_REPLY, by the caller's user or another: the reply, the usage record. */
static void sweep_reply(struct __test_metadata *_metadata, bool other_uid, const char *op)
{
	struct mbox_open o = { .max_msgs = 4, .max_msg_size = 256, .mode = 0666 };
	struct mbox_reply rp;
	struct mbox_recv r;
	char buf[256], answer[100];
	struct peer p;
	pthread_t th;
	struct inj in;
	unsigned int n;
	bool injected;
	long ret, err;
	int fd;

	fd = mbox_bind(NULL, MBOX_OPEN_CREATE, BOTH, &o);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, inj_open(&in, op));
	for (n = 1; n <= MAX_NTH; n++) {
		memset(&p, 0, sizeof(p));
		p.fd = fd;
		p.tag = n;
		ASSERT_EQ(0, pthread_create(&th, NULL, caller, &p));
		err = mbox_recv(fd, buf, sizeof(buf), MBOX_RECV_DEADLINE, mbox_deadline_ms(10000), &r);
		ASSERT_EQ(0, err);
		ASSERT_NE(0, r.reply_token);
		make_msg(answer, sizeof(answer), n + 1000);
		rp = (struct mbox_reply){ .token = r.reply_token,
					  .buf_ptr = (__u64)(uintptr_t)answer, .len = sizeof(answer) };
		if (other_uid)
			ASSERT_EQ(0, thread_uid(UID_BASE + 20));
		arm(&in, n);
		ret = mbox_ioctl(fd, MBOX_IOC_REPLY, &rp);
		injected = disarm(&in);
		if (other_uid)
			ASSERT_EQ(0, thread_root());
		if (ret) {
			/* The call stays pending: the second answer goes through. */
			err = mbox_ioctl(fd, MBOX_IOC_REPLY, &rp);
			if (err)
				bad("%s: N=%u: after a failed reply, replying again: %s", op, n,
				    strerror(-err));
		} else if (mbox_ioctl(fd, MBOX_IOC_REPLY, &rp) != -ENOENT) {
			bad("%s: N=%u: a token answered twice", op, n);
		}
		pthread_join(th, NULL);
		if (p.ret || p.reply_len != sizeof(answer) || memcmp(p.reply, answer, sizeof(answer)))
			bad("%s: N=%u: the caller got %s, %llu bytes, not the reply", op, n,
			    p.ret ? strerror(-p.ret) : "success", (unsigned long long)p.reply_len);
		if (!judge(&in, injected, ret))
			break;
	}
	close(fd);
	inj_close(&in, _metadata);
}

TEST_F(fault, reply)
{
	sweep_reply(_metadata, false, "MBOX_IOC_REPLY");
}

TEST_F(fault, reply_by_other_user)
{
	sweep_reply(_metadata, true, "MBOX_IOC_REPLY by another user");
}

/* Last: the summary of all of the above. */
TEST_F(fault, summary)
{
	if (!tot->ran)
		SKIP(return, "no operation was swept");
	ksft_print_msg(SUMMARY, tot->sites, tot->injected, tot->inconsistencies);
	EXPECT_EQ(0, tot->inconsistencies);
	EXPECT_LT(0, tot->sites);
}

TEST_HARNESS_MAIN
