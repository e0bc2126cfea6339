// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded, reproducible, syzkaller-style fuzzer of the /dev/mbox ABI.
 *
 * Three threads make random calls on a pool of handles in random states
 * (unbound; bound to named, anonymous, fixed-size, rendezvous mailboxes and
 * ports, by name, pid or pidfd; destroyed; replaced, and so closed, by another
 * thread while calls on them are in flight):
 *
 * - the fuzzer: ioctls with random command numbers (magic 0xB9 with random
 *   nr, direction and size; known commands with random sizes or the wrong
 *   direction; other magics), random structure contents (flags, pads,
 *   lengths 0, huge and negative casts, pointers NULL, unmapped, kernel,
 *   non-canonical, misaligned, read-only, running into a guard page), and
 *   read()/write() with random lengths and pointers, and poll();
 * - a server: receives with short deadlines, answers calls, polls;
 * - a churner: replaces handles (closing the old file), unlinks, destroys,
 *   cancels.
 *
 * Every call's result must be success or an errno that
 * Documentation/userspace-api/mbox.rst documents for that call (plus the
 * errnos read(2) and write(2) themselves document for a negative count or a
 * bad buffer); anything else is printed with the call and its arguments and
 * fails the test. Calls that could block carry a non-blocking flag, go
 * through an O_NONBLOCK file or get a deadline at most a millisecond away; a
 * watchdog thread fails the test if no call completes for WATCHDOG_S seconds.
 *
 * The sequence of calls of each thread is a function of the seed
 * (MBOX_FUZZ_SEED); the interleaving of the threads is not. MBOX_FUZZ_CALLS
 * sets the number of calls (default 100000). On the debug kernel (kmemleak
 * present) a default run stops after FUZZ_DEBUG_BUDGET_S seconds and reports
 * the count it made. The one summary line (others parse it) is
 *   fuzz: N calls, seed S, U undocumented errno, 0 kernel reports
 * where kernel reports are left to the VM rig, which reads the kernel log.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "mbox_test.h"

#define NR_SLOTS		16
#define BATCH_ENTRIES		4	/* most entries a generated batch has */
#define NR_NAMES		8
#define ARENA_PAGES		32
#define DEFAULT_CALLS		100000
#define DEFAULT_SEED		0x66757a7aULL	/* "fuzz" */
#define FUZZ_DEBUG_BUDGET_S	150
#define WATCHDOG_S		60
/* The per-user quota during the run: bounds the memory queued messages take. */
#define QUOTA_BYTES		"8388608"
#define QUOTA_PARAM		"/sys/module/mbox/parameters/user_bytes_max"
#define DIAG_MAX		25
#define MAX_ERRNO_SEEN		4095

/* MBOX_IOC_CALL fails with the server's error: ours are 3000..3999. */
#define SERVER_ERR_MIN		3000

#define SUMMARY "fuzz: %llu calls, seed %llu, %llu undocumented errno, 0 kernel reports\n"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* What a call is, for its allow-list. */
enum kind {
	K_VERSION, K_OPEN, K_UNLINK, K_DESTROY, K_SEND, K_RECV, K_STAT,
	K_SETATTR, K_CALL, K_REPLY, K_CANCEL, K_SEND_BATCH, K_RECV_BATCH,
	K_USAGE, K_REPLY_RECV,
	K_RAW,		/* not an mbox command: unknown nr, wrong direction, magic */
	K_SHORT,	/* a known command shorter than its first version */
	K_READ, K_WRITE, K_POLL,
	K_MAX
};

static const char *const kind_name[K_MAX] = {
	"VERSION", "OPEN", "UNLINK", "DESTROY", "SEND", "RECV", "STAT",
	"SETATTR", "CALL", "REPLY", "CANCEL", "SEND_BATCH", "RECV_BATCH", "USAGE",
	"REPLY_RECV",
	"raw ioctl", "short ioctl",
	"read", "write", "poll",
};

#define E(...) (const int[]){ __VA_ARGS__, 0 }

/*
 * The errnos mbox.rst documents per call, besides the common ones (EINVAL,
 * E2BIG, EFAULT; EBADFD and EIDRM where the call needs a bound handle).
 */
static const int *const allowed[K_MAX] = {
	[K_VERSION] = E(0),
	[K_OPEN]    = E(EBUSY, ENAMETOOLONG, ENOENT, EEXIST, EACCES, EPERM, ENOSPC,
			EDQUOT, ENOMEM, ESRCH, EBADF),
	[K_UNLINK]  = E(ENAMETOOLONG, ENOENT, EPERM),
	[K_DESTROY] = E(EPERM),
	[K_SEND]    = E(EBADF, EMSGSIZE, EAGAIN, ETIMEDOUT, EINTR, EDQUOT, ENOMEM,
			ECANCELED, EOPNOTSUPP, ETOOMANYREFS),
	[K_RECV]    = E(EBADF, EMSGSIZE, EAGAIN, ETIMEDOUT, EINTR, ENOMSG, ECANCELED,
			ETOOMANYREFS),
	[K_STAT]    = E(0),
	[K_SETATTR] = E(EPERM),
	[K_CALL]    = E(EBADF, EMSGSIZE, ETIMEDOUT, ECANCELED, EPIPE, EINTR, EDQUOT,
			ENOMEM),
	[K_REPLY]   = E(ENOENT, EPIPE, EMSGSIZE, EBADF, EXDEV, EDQUOT, ENOMEM),
	[K_CANCEL]  = E(0),
	[K_SEND_BATCH] = E(EBADF, EMSGSIZE, EAGAIN, ETIMEDOUT, EINTR, EDQUOT, ENOMEM,
			   ECANCELED, EOPNOTSUPP, ETOOMANYREFS),
	[K_RECV_BATCH] = E(EBADF, EMSGSIZE, EAGAIN, ETIMEDOUT, EINTR, ENOMSG, ECANCELED,
			   ETOOMANYREFS),
	[K_USAGE]   = E(EPERM),
	/* Those of REPLY, then those of RECV. */
	[K_REPLY_RECV] = E(ENOENT, EPIPE, EMSGSIZE, EBADF, EXDEV, EDQUOT, ENOMEM, EAGAIN,
			   ETIMEDOUT, EINTR, ENOMSG, ECANCELED, ETOOMANYREFS),
	[K_RAW]     = E(0),
	[K_SHORT]   = E(0),
	[K_READ]    = E(EBADF, EMSGSIZE, EAGAIN, ETIMEDOUT, EINTR, ECANCELED, ETOOMANYREFS),
	[K_WRITE]   = E(EBADF, EMSGSIZE, EAGAIN, ETIMEDOUT, EINTR, EDQUOT, ENOMEM,
			ECANCELED),
	[K_POLL]    = E(EINTR),
};

static bool errno_allowed(enum kind k, int err)
{
	const int *p;

	if (k == K_CALL && err >= SERVER_ERR_MIN && err < SERVER_ERR_MIN + 1000)
		return true;
	switch (k) {
	case K_RAW:
		return err == ENOTTY;
	case K_SHORT:
		return err == EINVAL;
	case K_POLL:
		return err == EINTR;
	case K_READ:
	case K_WRITE:
		/* read(2)/write(2): a negative count, a bad buffer. */
		if (err == EINVAL || err == EFAULT || err == EBADFD || err == EIDRM)
			return true;
		break;
	default:
		if (err == EINVAL || err == E2BIG || err == EFAULT)
			return true;
		/* Every ioctl but VERSION, OPEN, UNLINK and USAGE needs a bound handle. */
		if ((err == EBADFD || err == EIDRM) &&
		    k != K_VERSION && k != K_OPEN && k != K_UNLINK && k != K_USAGE)
			return true;
		break;
	}
	for (p = allowed[k]; *p; p++)
		if (*p == err)
			return true;
	return false;
}

struct slot {
	int fd;
	bool nonblock;		/* O_NONBLOCK: read()/write() cannot block */
	const char *what;	/* how it was made, for the report */
};

static struct fuzz {
	pthread_mutex_t lock;		/* slots */
	struct slot slot[NR_SLOTS];
	char names[NR_NAMES][32];
	char *arena;			/* ARENA_PAGES read-write, then a guard page */
	size_t arena_size;
	char *ro;			/* one read-only page */
	char *unmapped;			/* a page that was unmapped */
	/*
	 * A page for what the structures point to besides the arena (the files
	 * a send carries, then batch entries), then a guard page. Never the
	 * stack or thread-local storage: the kernel writes where a structure
	 * says, and a stale one must not say our own bookkeeping.
	 */
	char *batch;
	int pidfd;			/* our own */
	__u64 seed;
	__u64 target;
	__u64 deadline_s;		/* stop making calls then (0: never) */
	__u64 calls;			/* atomic */
	__u64 undocumented;		/* atomic */
	__u64 last_token;		/* atomic: a reply token the server saw */
	int stop;			/* atomic */
	int diag_left;			/* atomic */
	__u64 progress[3];		/* atomic: each thread's last call's end */
	__u64 hist[K_MAX][MAX_ERRNO_SEEN + 1];	/* atomic: results per call; [0]: success */
} fz;

/* What a thread is doing now, for the watchdog. */
static __thread char cur_call[512];
static __thread int thread_idx;
static char *thread_call[3];
static int *thread_idx_of[3];	/* each thread's thread_idx, for the watchdog */
static pid_t thread_tid[3];

#define set_call(...) snprintf(cur_call, sizeof(cur_call), __VA_ARGS__)

static bool chance(__u64 *s, __u32 percent)
{
	return mbox_rng_below(s, 100) < percent;
}

/* A line on stdout at once, also from threads. */
static __printf(1, 2) void diag(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "# ");
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDOUT_FILENO, line, n) < 0)
		return;
}

/* Interesting values, syzkaller style. */
static __u64 pick_len(__u64 *s, __u64 max_useful)
{
	static const __u64 special[] = {
		0, 1, 7, 8, 63, 64, 4095, 4096, 4097, 8191, 8192, 8193, 65536,
		(1ULL << 24), (1ULL << 24) + 1, (1ULL << 31), (1ULL << 32), (1ULL << 40),
		0x7fffffffULL, 0x7ffff000ULL, ~0ULL, ~0ULL - 4095, (__u64)-1 >> 1,
	};

	switch (mbox_rng_below(s, 10)) {
	case 0:
	case 1:
		return special[mbox_rng_below(s, ARRAY_SIZE(special))];
	case 2:
		return mbox_rng_next(s);
	case 3:
		return max_useful + mbox_rng_below(s, 3) - 1;
	default:
		return mbox_rng_below(s, max_useful < 512 ? max_useful + 1 : 512);
	}
}

/* A user pointer to at least need bytes, or a bad one. */
static __u64 pick_ptr(__u64 *s, size_t need)
{
	size_t room = fz.arena_size;
	char *p;

	switch (mbox_rng_below(s, 24)) {
	case 0:
		return 0;
	case 1:
		return (__u64)(uintptr_t)fz.unmapped + mbox_rng_below(s, 4096);
	case 2:
		return 0xffff888000000000ULL + mbox_rng_below(s, 2) * 0x1000;
	case 3:
		return 0xffffffff81000000ULL;
	case 4:
		return 0x8000000000000000ULL + mbox_rng_below(s, 4096);
	case 5:
		return ~0ULL - mbox_rng_below(s, 64);
	case 6:
		return 0x00007ffffffff000ULL;
	case 7:
	case 8:
		return (__u64)(uintptr_t)fz.ro + mbox_rng_below(s, 4096);
	case 9:
	case 10:
		/* Running into the guard page. */
		return (__u64)(uintptr_t)fz.arena + room - 1 - mbox_rng_below(s, need ? need : 1);
	case 11:
		return (__u64)(uintptr_t)fz.arena + mbox_rng_below(s, 512) * 8 + 1 + mbox_rng_below(s, 7);
	default:
		p = fz.arena + (need < room ? mbox_rng_below(s, room - need + 1) : 0);
		if (chance(s, 80))
			p = (char *)((uintptr_t)p & ~7UL);
		return (__u64)(uintptr_t)p;
	}
}

/* A name: one of the pool's, or a bad one. Returns a user pointer. */
static __u64 pick_name(__u64 *s, char *scratch)
{
	size_t n;

	switch (mbox_rng_below(s, 14)) {
	case 0:
		return pick_ptr(s, 1);
	case 1:
		strcpy(scratch, "");
		break;
	case 2:
		strcpy(scratch, "/");
		break;
	case 3:
		strcpy(scratch, "noslash");
		break;
	case 4:
		strcpy(scratch, "/a/b");
		break;
	case 5:
		/* 255 bytes after the slash: legal. 256: ENAMETOOLONG. */
		n = 255 + mbox_rng_below(s, 3);
		scratch[0] = '/';
		memset(scratch + 1, 'n', n);
		scratch[n + 1] = '\0';
		break;
	case 6: {
		/* Not terminated before the guard page: EFAULT. */
		char *end = fz.arena + fz.arena_size;

		memset(end - 16, 'x', 16);
		end[-16] = '/';
		return (__u64)(uintptr_t)(end - 16);
	}
	default:
		strcpy(scratch, fz.names[mbox_rng_below(s, NR_NAMES)]);
		break;
	}
	return (__u64)(uintptr_t)scratch;
}

static __u64 pick_deadline(__u64 *s)
{
	switch (mbox_rng_below(s, 4)) {
	case 0:
		return 0;
	case 1:
		return mbox_now_ns() - mbox_rng_below(s, 1000000);
	default:
		return mbox_now_ns() + mbox_rng_below(s, 1000000);	/* within 1 ms */
	}
}

static __u32 pick_flags(__u64 *s, __u32 known)
{
	switch (mbox_rng_below(s, 10)) {
	case 0:
		return (__u32)mbox_rng_next(s);
	case 1:
		return known | (1U << mbox_rng_below(s, 32));
	default:
		return (__u32)mbox_rng_next(s) & known;
	}
}

static __u32 pick_pad(__u64 *s)
{
	return chance(s, 90) ? 0 : (__u32)mbox_rng_next(s) | 1;
}

static int pick_fdnum(__u64 *s)
{
	switch (mbox_rng_below(s, 5)) {
	case 0:
		return fz.pidfd;
	case 1:
		return fz.slot[mbox_rng_below(s, NR_SLOTS)].fd;
	case 2:
		return -1 - (int)mbox_rng_below(s, 3);
	case 3:
		return (int)mbox_rng_next(s);
	default:
		return mbox_rng_below(s, 64);
	}
}

static void gen_struct(__u64 *s, enum kind k, void *arg, size_t size, bool nonblock,
		       char *scratch);

/*
 * A batch of entries of kind k in vec, each generated as a single call would
 * be (so the first cannot block for long); entries are never above 128 bytes.
 * A count above the entries made walks over zeroed entries (no pointer of an
 * earlier batch's) and then faults on the guard page vec ends at.
 */
static void gen_batch(__u64 *s, enum kind k, struct mbox_batch *b, __u64 *vec,
		      bool nonblock, char *scratch)
{
	size_t size = k == K_SEND ? sizeof(struct mbox_send) : sizeof(struct mbox_recv);
	__u32 i;

	b->count = chance(s, 90) ? 1 + mbox_rng_below(s, BATCH_ENTRIES) :
		   (__u32)mbox_rng_next(s);
	if (chance(s, 20))
		size = mbox_rng_below(s, 128 / 8 + 1) * 8;
	b->entry_size = size;
	b->flags = pick_pad(s);
	b->pad = pick_pad(s);
	/* Never readable memory we did not fill: its first entry could block. */
	b->vec_ptr = chance(s, 95) ? (__u64)(uintptr_t)vec :
		     chance(s, 50) ? (__u64)(uintptr_t)fz.unmapped : 0xffffffff81000000ULL;
	memset(vec, 0, BATCH_ENTRIES * 128);
	for (i = 0; i < b->count && i < BATCH_ENTRIES; i++)
		gen_struct(s, k, (char *)vec + i * size, size, nonblock, scratch);
}

/*
 * Reply, then receive: each structure generated as its single call's would
 * be (so the receive cannot block for long), in the middle of the batch page;
 * never readable memory we did not fill.
 */
static void gen_reply_recv(__u64 *s, struct mbox_reply_recv *rr, bool nonblock,
			   char *scratch)
{
	char *nest = fz.batch + 2048;

	memset(nest, 0, 256);
	gen_struct(s, K_REPLY, nest, sizeof(struct mbox_reply), nonblock, scratch);
	gen_struct(s, K_RECV, nest + 128, sizeof(struct mbox_recv), nonblock, scratch);
	rr->reply_ptr = chance(s, 95) ? (__u64)(uintptr_t)nest : (__u64)(uintptr_t)fz.unmapped;
	rr->recv_ptr = chance(s, 95) ? (__u64)(uintptr_t)(nest + 128) :
		       (__u64)(uintptr_t)fz.unmapped;
	rr->reply_size = chance(s, 90) ? sizeof(struct mbox_reply) : mbox_rng_below(s, 129);
	rr->recv_size = chance(s, 90) ? sizeof(struct mbox_recv) : mbox_rng_below(s, 129);
	rr->flags = pick_pad(s);
	rr->replied = (__u32)mbox_rng_next(s);	/* an out field */
}

/*
 * Fill arg (room bytes) with a random structure for a known command. Calls that
 * could block get a flag or a deadline that keeps them short; nonblock tells
 * whether the handle's file is O_NONBLOCK.
 */
static void gen_struct(__u64 *s, enum kind k, void *arg, size_t size, bool nonblock,
		       char *scratch)
{
	union {
		struct mbox_version v;
		struct mbox_open o;
		struct mbox_name n;
		struct mbox_send sd;
		struct mbox_recv r;
		struct mbox_stat st;
		struct mbox_setattr a;
		struct mbox_call c;
		struct mbox_reply rp;
		struct mbox_batch b;
		struct mbox_usage us;
		struct mbox_reply_recv rr;
		char raw[128];
	} u;
	/* A batch's entries: only the fuzzer thread makes them. */
	__u64 *vec = (__u64 *)(fz.batch + 4096 - BATCH_ENTRIES * 128);
	static const __u32 msgs[] = { 0, 1, 2, 4, 10, 1024, 1025, 65536, 65537 };
	static const __u32 sizes[] = { 0, 1, 16, 64, 4096, 8192, 65536, 1 << 24, (1 << 24) + 1 };
	static const __u64 bytes[] = { 0, 1, 64, 4096, 65536, 1ULL << 30, (1ULL << 30) + 1 };
	bool tail_junk = chance(s, 20);

	memset(&u, 0, sizeof(u));
	if (chance(s, 3)) {
		/* Pure junk. */
		for (size_t i = 0; i < sizeof(u.raw); i += 8)
			*(__u64 *)(u.raw + i) = mbox_rng_next(s);
	}
	switch (k) {
	case K_VERSION:
		u.v.pad = pick_pad(s);
		break;
	case K_OPEN:
		u.o.name_ptr = chance(s, 25) ? 0 : pick_name(s, scratch);
		u.o.flags = chance(s, 10) ? (__u32)mbox_rng_next(s) : (__u32)mbox_rng_next(s) & 0x7ff;
		if (chance(s, 60))
			u.o.flags &= ~(MBOX_OPEN_PID | MBOX_OPEN_PIDFD);
		u.o.access = chance(s, 85) ? 1 + mbox_rng_below(s, 3) : (__u32)mbox_rng_next(s) & 7;
		u.o.mode = chance(s, 80) ? 0600 + mbox_rng_below(s, 2) * 0177 : (__u32)mbox_rng_next(s) & 07777;
		u.o.max_msgs = chance(s, 70) ? msgs[mbox_rng_below(s, 5)] : msgs[mbox_rng_below(s, ARRAY_SIZE(msgs))];
		u.o.max_msg_size = chance(s, 70) ? sizes[mbox_rng_below(s, 6)] :
				   sizes[mbox_rng_below(s, ARRAY_SIZE(sizes))];
		u.o.max_bytes = chance(s, 70) ? 0 : bytes[mbox_rng_below(s, ARRAY_SIZE(bytes))];
		u.o.pad = pick_pad(s);
		u.o.pad2 = pick_pad(s);
		if (u.o.flags & MBOX_OPEN_PIDFD)
			u.o.target = pick_fdnum(s);
		else if (u.o.flags & MBOX_OPEN_PID)
			u.o.target = chance(s, 60) ? getpid() : (int)mbox_rng_below(s, 70000) - 2;
		else
			u.o.target = chance(s, 90) ? 0 : (int)mbox_rng_next(s);
		break;
	case K_UNLINK:
		u.n.name_ptr = pick_name(s, scratch);
		break;
	case K_SEND:
	case K_CALL:
		u.sd.buf_ptr = pick_ptr(s, 8192);
		u.sd.len = pick_len(s, mbox_rng_below(s, 2) ? 64 : 8192);
		u.sd.prio = chance(s, 80) ? mbox_rng_below(s, 4) * 10923 : (__u32)mbox_rng_next(s);
		if (k == K_SEND) {
			u.sd.flags = pick_flags(s, MBOX_SEND_NONBLOCK | MBOX_SEND_DEADLINE |
						   MBOX_SEND_SYNC | MBOX_SEND_EXPIRE | MBOX_SEND_KEY);
			u.sd.deadline_ns = pick_deadline(s);
			u.sd.expire_ns = pick_deadline(s);
			u.sd.key = mbox_rng_below(s, 4);
			/* Files to carry: ours (handles, pidfd, junk), sometimes. */
			if (chance(s, 10)) {
				int *fdv = (int *)fz.batch;
				unsigned int i;

				u.sd.nfds = chance(s, 90) ? 1 + mbox_rng_below(s, 3) :
					    mbox_rng_below(s, MBOX_FDS_MAX + 2);
				for (i = 0; i < u.sd.nfds && i < MBOX_FDS_MAX + 1; i++)
					fdv[i] = chance(s, 50) ? 0 : pick_fdnum(s);
				u.sd.fds_ptr = chance(s, 95) ? (__u64)(uintptr_t)fdv : pick_ptr(s, 64);
			}
			u.sd.type = chance(s, 80) ? mbox_rng_below(s, 4) : (__s64)mbox_rng_next(s);
			/* Never block for long: no flag, no file flag, no deadline. */
			if (!nonblock && !(u.sd.flags & MBOX_SEND_NONBLOCK) &&
			    !((u.sd.flags & MBOX_SEND_DEADLINE) && u.sd.deadline_ns <
			      mbox_now_ns() + 2000000)) {
				u.sd.flags |= MBOX_SEND_DEADLINE;
				u.sd.deadline_ns = mbox_now_ns() + mbox_rng_below(s, 1000000);
			}
			break;
		}
		u.c.req_ptr = u.sd.buf_ptr;
		u.c.req_len = u.sd.len;
		u.c.reply_ptr = pick_ptr(s, 256);
		u.c.reply_len = pick_len(s, 256);
		u.c.prio = mbox_rng_below(s, 4);
		u.c.flags = pick_flags(s, MBOX_CALL_DEADLINE);
		u.c.type = chance(s, 90) ? mbox_rng_below(s, 4) : (__s64)mbox_rng_next(s);
		/* A call ignores O_NONBLOCK: it always gets a short deadline. */
		if (!(u.c.flags & ~MBOX_CALL_DEADLINE)) {
			u.c.flags = MBOX_CALL_DEADLINE;
			u.c.deadline_ns = mbox_now_ns() + mbox_rng_below(s, 1000000);
		}
		break;
	case K_RECV:
		u.r.buf_ptr = pick_ptr(s, 8192);
		u.r.buf_len = pick_len(s, mbox_rng_below(s, 2) ? 64 : 8192);
		u.r.flags = pick_flags(s, 0x7f);
		if (chance(s, 70))
			u.r.flags &= ~MBOX_RECV_FROM;
		u.r.deadline_ns = pick_deadline(s);
		u.r.type = chance(s, 80) ? (int)mbox_rng_below(s, 7) - 3 : (__s64)mbox_rng_next(s);
		u.r.from = pick_fdnum(s);
		if (chance(s, 10)) {
			u.r.prio = (__u32)mbox_rng_next(s);		/* out fields */
			u.r.len = mbox_rng_next(s);
			u.r.reply_token = mbox_rng_next(s);
		}
		if (!nonblock && !(u.r.flags & MBOX_RECV_NONBLOCK) &&
		    !((u.r.flags & MBOX_RECV_DEADLINE) && u.r.deadline_ns <
		      mbox_now_ns() + 2000000)) {
			u.r.flags |= MBOX_RECV_DEADLINE;
			u.r.deadline_ns = mbox_now_ns() + mbox_rng_below(s, 1000000);
		}
		break;
	case K_SEND_BATCH:
	case K_RECV_BATCH:
		gen_batch(s, k == K_SEND_BATCH ? K_SEND : K_RECV, &u.b, vec, nonblock, scratch);
		break;
	case K_STAT:
		break;
	case K_USAGE:
		u.us.flags = pick_flags(s, MBOX_USAGE_UID);
		u.us.uid = chance(s, 50) ? getuid() : chance(s, 50) ? 65534 : (__u32)mbox_rng_next(s);
		u.us.pad = pick_pad(s);
		break;
	case K_SETATTR:
		u.a.mask = pick_flags(s, 7);
		u.a.mode = chance(s, 90) ? 0600 + mbox_rng_below(s, 2) * 0177 : (__u32)mbox_rng_next(s);
		u.a.max_msgs = msgs[mbox_rng_below(s, ARRAY_SIZE(msgs))];
		u.a.pad = pick_pad(s);
		u.a.max_bytes = chance(s, 50) ? bytes[mbox_rng_below(s, ARRAY_SIZE(bytes))] :
				sizes[mbox_rng_below(s, ARRAY_SIZE(sizes))];
		break;
	case K_REPLY:
		switch (mbox_rng_below(s, 4)) {
		case 0:
			u.rp.token = mbox_rng_next(s);
			break;
		case 1:
			u.rp.token = (__u64)mbox_rng_below(s, 300) << 32 | mbox_rng_below(s, 4);
			break;
		default:
			u.rp.token = __atomic_load_n(&fz.last_token, __ATOMIC_RELAXED);
			break;
		}
		u.rp.buf_ptr = pick_ptr(s, 256);
		u.rp.len = pick_len(s, 64);
		u.rp.error = chance(s, 70) ? 0 : chance(s, 50) ? (int)mbox_rng_below(s, 4097) :
			     (int)mbox_rng_next(s);
		u.rp.pad = pick_pad(s);
		break;
	case K_REPLY_RECV:
		gen_reply_recv(s, &u.rr, nonblock, scratch);
		break;
	default:
		break;
	}
	memcpy(arg, &u, size < sizeof(u) ? size : sizeof(u));
	if (size > sizeof(u))
		memset((char *)arg + sizeof(u), 0, size - sizeof(u));
	if (tail_junk && size > 8)
		((char *)arg)[size - 1 - mbox_rng_below(s, 8)] |= 1 + mbox_rng_below(s, 255);
	/* Junk in the flags field of a structure cut before it is harmless. */
}

/* sizeof the structure of a known command, and its first published size. */
static const struct known {
	unsigned long cmd;
	enum kind kind;
	size_t ver0;
} known[] = {
	{ MBOX_IOC_VERSION, K_VERSION, MBOX_VERSION_SIZE_VER0 },
	{ MBOX_IOC_OPEN, K_OPEN, MBOX_OPEN_SIZE_VER0 },
	{ MBOX_IOC_UNLINK, K_UNLINK, MBOX_NAME_SIZE_VER0 },
	{ MBOX_IOC_DESTROY, K_DESTROY, 0 },
	{ MBOX_IOC_SEND, K_SEND, MBOX_SEND_SIZE_VER0 },
	{ MBOX_IOC_RECV, K_RECV, MBOX_RECV_SIZE_VER0 },
	{ MBOX_IOC_STAT, K_STAT, MBOX_STAT_SIZE_VER0 },
	{ MBOX_IOC_SETATTR, K_SETATTR, MBOX_SETATTR_SIZE_VER0 },
	{ MBOX_IOC_CALL, K_CALL, MBOX_CALL_SIZE_VER0 },
	{ MBOX_IOC_REPLY, K_REPLY, MBOX_REPLY_SIZE_VER0 },
	{ MBOX_IOC_CANCEL, K_CANCEL, 0 },
	{ MBOX_IOC_SEND_BATCH, K_SEND_BATCH, MBOX_BATCH_SIZE_VER0 },
	{ MBOX_IOC_RECV_BATCH, K_RECV_BATCH, MBOX_BATCH_SIZE_VER0 },
	{ MBOX_IOC_USAGE, K_USAGE, MBOX_USAGE_SIZE_VER0 },
	{ MBOX_IOC_REPLY_RECV, K_REPLY_RECV, MBOX_REPLY_RECV_SIZE_VER0 },
};

/* Whether [ptr, ptr + size) lies in the arena, without overflowing. */
static bool in_arena(__u64 ptr, size_t size)
{
	__u64 start = (__u64)(uintptr_t)fz.arena;

	return ptr >= start && ptr - start <= fz.arena_size &&
	       size <= fz.arena_size - (ptr - start);
}

static void hexdump(char *out, size_t room, __u64 ptr, size_t size)
{
	const unsigned char *p = (const unsigned char *)(uintptr_t)ptr;
	size_t i, n = 0;

	out[0] = '\0';
	/* Only our own readable memory. */
	if (!in_arena(ptr, size < 96 ? size : 96))
		return;
	for (i = 0; i < size && i < 96 && n + 4 < room; i++)
		n += snprintf(out + n, room - n, "%s%02x", i && !(i % 8) ? " " : "", p[i]);
}

/* Judge one result: 0/positive or -errno. */
static void judge(enum kind k, long ret, const char *desc)
{
	int err = ret < 0 ? (int)-ret : 0;

	__atomic_fetch_add(&fz.calls, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&fz.hist[k][err <= MAX_ERRNO_SEEN ? err : MAX_ERRNO_SEEN], 1,
			   __ATOMIC_RELAXED);
	__atomic_store_n(&fz.progress[thread_idx], mbox_now_ns(), __ATOMIC_RELEASE);
	if (!err || errno_allowed(k, err))
		return;
	__atomic_fetch_add(&fz.undocumented, 1, __ATOMIC_RELAXED);
	if (__atomic_fetch_sub(&fz.diag_left, 1, __ATOMIC_RELAXED) > 0)
		diag("undocumented errno: %s = -%d (%s) for %s: %s", kind_name[k], err,
		     strerror(err), kind_name[k], desc);
}

static long sys_ioctl(int fd, unsigned long cmd, __u64 arg)
{
	return ioctl(fd, cmd, (unsigned long)arg) < 0 ? -errno : 0;
}

static void slot_get(int i, struct slot *out)
{
	pthread_mutex_lock(&fz.lock);
	*out = fz.slot[i];
	pthread_mutex_unlock(&fz.lock);
}

/* One ioctl on a slot, described for the report. */
static void do_ioctl(__u64 *s, int i, unsigned long cmd, enum kind k, __u64 arg,
		     size_t size)
{
	char hex[320], desc[512];
	struct slot sl;
	long ret;

	slot_get(i, &sl);
	hexdump(hex, sizeof(hex), arg, size);
	snprintf(desc, sizeof(desc), "ioctl(slot %d fd %d [%s%s], cmd %#lx nr %lu dir %lu size %lu, arg %#llx {%s})",
		 i, sl.fd, sl.what, sl.nonblock ? ",O_NONBLOCK" : "", cmd,
		 (unsigned long)_IOC_NR(cmd), (unsigned long)_IOC_DIR(cmd),
		 (unsigned long)_IOC_SIZE(cmd), (unsigned long long)arg, hex);
	snprintf(cur_call, sizeof(cur_call), "%s", desc);
	ret = sys_ioctl(sl.fd, cmd, arg);
	cur_call[0] = '\0';
	if (k == K_RECV && !ret && size >= MBOX_RECV_SIZE_VER1 &&
	    in_arena(arg, MBOX_RECV_SIZE_VER1)) {
		__u64 token = ((struct mbox_recv *)(uintptr_t)arg)->reply_token;

		if (token)
			__atomic_store_n(&fz.last_token, token, __ATOMIC_RELAXED);
	}
	(void)s;
	judge(k, ret, desc);
}

/* A new handle of a random kind: its fd (O_CLOEXEC), or -1. */
static int make_handle(__u64 *s, bool *nonblock, bool may_block, const char **what)
{
	struct mbox_open o = { .mode = 0600 };
	int fd, kind = mbox_rng_below(s, 11);
	long err;

	/*
	 * Only the fuzzer thread makes blocking files: the others must not turn a
	 * file it just found O_NONBLOCK into one its next read() blocks on.
	 */
	*nonblock = !may_block || chance(s, 50);
	fd = open(MBOX_DEV, O_RDWR | O_CLOEXEC | (*nonblock ? O_NONBLOCK : 0));
	if (fd < 0)
		return -1;
	o.access = 1 + mbox_rng_below(s, 3);
	o.max_msgs = mbox_rng_below(s, 2) ? 4 : 0;
	o.max_msg_size = mbox_rng_below(s, 2) ? 64 : 0;
	switch (kind) {
	case 0:
		*what = "unbound";
		return fd;
	case 1:
	case 2:
		*what = "named";
		o.name_ptr = (__u64)(uintptr_t)fz.names[mbox_rng_below(s, NR_NAMES)];
		o.flags = MBOX_OPEN_CREATE;
		break;
	case 3:
		*what = "anonymous";
		o.flags = MBOX_OPEN_CREATE;
		break;
	case 4:
		*what = "fixed-size";
		o.flags = MBOX_OPEN_CREATE | MBOX_OPEN_FIXED_SIZE;
		o.max_msg_size = 8 << mbox_rng_below(s, 4);
		break;
	case 5:
		*what = "rendezvous";
		o.flags = MBOX_OPEN_CREATE | MBOX_OPEN_RENDEZVOUS;
		o.max_msgs = 0;
		if (chance(s, 50))
			o.name_ptr = (__u64)(uintptr_t)fz.names[mbox_rng_below(s, NR_NAMES)];
		break;
	case 6:
		*what = "port";
		o.flags = MBOX_OPEN_CREATE | MBOX_OPEN_PORT;
		break;
	case 7:
		*what = "port by pid";
		o.flags = MBOX_OPEN_PID;
		o.target = getpid();
		o.max_msgs = o.max_msg_size = 0;
		break;
	case 8:
		*what = "port by pidfd";
		o.flags = MBOX_OPEN_PIDFD;
		o.target = fz.pidfd;
		o.max_msgs = o.max_msg_size = 0;
		break;
	case 10:
		*what = "fan-out";
		o.flags = MBOX_OPEN_CREATE | MBOX_OPEN_FANOUT |
			  (MBOX_OPEN_DROP_OLDEST << mbox_rng_below(s, 3) & 0x600);
		if (chance(s, 50))
			o.name_ptr = (__u64)(uintptr_t)fz.names[mbox_rng_below(s, NR_NAMES)];
		break;
	case 9:
		*what = "named, destroyed";
		o.name_ptr = (__u64)(uintptr_t)fz.names[mbox_rng_below(s, NR_NAMES)];
		o.flags = MBOX_OPEN_CREATE;
		break;
	}
	set_call("make_handle: MBOX_IOC_OPEN %s", *what);
	err = mbox_ioctl(fd, MBOX_IOC_OPEN, &o);
	judge(K_OPEN, err, "make_handle: MBOX_IOC_OPEN with sane arguments");
	if (err) {
		*what = "unbound (open failed)";
	} else if (kind == 9) {
		set_call("make_handle: MBOX_IOC_DESTROY");
		judge(K_DESTROY, mbox_ioctl(fd, MBOX_IOC_DESTROY, NULL),
		      "make_handle: MBOX_IOC_DESTROY");
	}
	cur_call[0] = '\0';
	return fd;
}

/* Replace a slot's handle: the old file is closed, maybe with calls in flight. */
static void refill(__u64 *s, int i, bool may_block)
{
	const char *what = "unbound";
	bool nonblock;
	int fd = make_handle(s, &nonblock, may_block, &what);

	if (fd < 0)
		return;
	set_call("refill: dup3 over slot %d and close", i);
	pthread_mutex_lock(&fz.lock);
	if (dup3(fd, fz.slot[i].fd, O_CLOEXEC) >= 0) {
		fz.slot[i].nonblock = nonblock;
		fz.slot[i].what = what;
	}
	pthread_mutex_unlock(&fz.lock);
	close(fd);
	cur_call[0] = '\0';
}

static void do_rw(__u64 *s, int i, bool is_write)
{
	char desc[256];
	struct slot sl;
	__u64 ptr, len;
	ssize_t n;
	long ret;

	slot_get(i, &sl);
	if (!sl.nonblock)
		return;		/* only where it cannot block */
	ptr = pick_ptr(s, 8192);
	len = pick_len(s, mbox_rng_below(s, 2) ? 64 : 8192);
	if (is_write && in_arena(ptr, 64))
		memset((void *)(uintptr_t)ptr, 0x5a, 64);
	snprintf(desc, sizeof(desc), "%s(slot %d fd %d [%s], buf %#llx, len %#llx)",
		 is_write ? "write" : "read", i, sl.fd, sl.what,
		 (unsigned long long)ptr, (unsigned long long)len);
	snprintf(cur_call, sizeof(cur_call), "%s", desc);
	if (is_write)
		n = write(sl.fd, (const void *)(uintptr_t)ptr, (size_t)len);
	else
		n = read(sl.fd, (void *)(uintptr_t)ptr, (size_t)len);
	ret = n < 0 ? -errno : n;
	cur_call[0] = '\0';
	/* write() queues the whole count (the VFS caps a count at MAX_RW_COUNT). */
	if (n >= 0 && ((is_write && (__u64)n != (len < 0x7ffff000 ? len : 0x7ffff000)) ||
		       (!is_write && (__u64)n > len))) {
		__atomic_fetch_add(&fz.undocumented, 1, __ATOMIC_RELAXED);
		diag("%s returned %zd for a length of %llu", desc, n, (unsigned long long)len);
	}
	judge(is_write ? K_WRITE : K_READ, ret, desc);
}

static void do_poll(__u64 *s)
{
	const short ok = POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM | POLLHUP | POLLERR;
	struct pollfd pfd[NR_SLOTS];
	int i, n;

	for (i = 0; i < NR_SLOTS; i++) {
		pfd[i].fd = fz.slot[i].fd;
		pfd[i].events = mbox_rng_below(s, 2) ? POLLIN : POLLIN | POLLOUT;
		pfd[i].revents = 0;
	}
	snprintf(cur_call, sizeof(cur_call), "poll of all slots");
	n = poll(pfd, NR_SLOTS, mbox_rng_below(s, 2));
	cur_call[0] = '\0';
	judge(K_POLL, n < 0 ? -errno : 0, "poll(all slots)");
	for (i = 0; n > 0 && i < NR_SLOTS; i++) {
		if (pfd[i].revents & ~ok) {
			__atomic_fetch_add(&fz.undocumented, 1, __ATOMIC_RELAXED);
			diag("poll: slot %d revents %#x has undocumented bits", i,
			     pfd[i].revents);
		}
	}
}

/* One random call of the fuzzer thread. */
static void fuzz_one(__u64 *s)
{
	static const int weight[] = {
		[K_VERSION] = 3, [K_OPEN] = 12, [K_UNLINK] = 5, [K_DESTROY] = 2,
		[K_SEND] = 20, [K_RECV] = 20, [K_STAT] = 6, [K_SETATTR] = 5,
		[K_CALL] = 6, [K_REPLY] = 6, [K_CANCEL] = 3, [K_SEND_BATCH] = 5,
		[K_RECV_BATCH] = 5, [K_USAGE] = 3, [K_REPLY_RECV] = 4,
	};
	int i = mbox_rng_below(s, NR_SLOTS), r = mbox_rng_below(s, 100), w, total = 0;
	char *arg, scratch[300];
	unsigned long cmd;
	struct slot sl;
	size_t j, size;
	enum kind k;
	__u64 p;

	if (r < 9) {
		do_rw(s, i, false);
		return;
	}
	if (r < 18) {
		do_rw(s, i, true);
		return;
	}
	if (r < 21) {
		do_poll(s);
		return;
	}
	if (r < 24) {
		refill(s, i, true);
		return;
	}
	if (r < 30) {
		/* Magic 0xB9 with a random nr, direction and size. */
		cmd = _IOC(mbox_rng_below(s, 4), MBOX_IOCTL_MAGIC, mbox_rng_below(s, 4) ? mbox_rng_below(s, 16) : mbox_rng_below(s, 256),
			   mbox_rng_below(s, 2) ? mbox_rng_below(s, 128) : mbox_rng_below(s, 1 << 14));
		for (j = 0; j < ARRAY_SIZE(known); j++)
			if (_IOC_NR(cmd) == _IOC_NR(known[j].cmd) &&
			    _IOC_DIR(cmd) == _IOC_DIR(known[j].cmd))
				break;
		if (j == ARRAY_SIZE(known)) {
			p = pick_ptr(s, _IOC_SIZE(cmd));
			do_ioctl(s, i, cmd, K_RAW, p, _IOC_SIZE(cmd));
			return;
		}
		/* A known command after all: as one with a random size, below. */
		k = known[j].kind;
		size = _IOC_SIZE(cmd);
		goto known_cmd;
	}
	if (r < 33) {
		/* Another magic; none the VFS handles itself ('T', 'f', 'X', 0x94, 0x15, 0). */
		unsigned int magic;

		do
			magic = 1 + mbox_rng_below(s, 255);
		while (magic == 'T' || magic == 'f' || magic == 'X' || magic == 0x94 ||
		       magic == 0x15 || magic == MBOX_IOCTL_MAGIC);
		cmd = _IOC(mbox_rng_below(s, 4), magic, mbox_rng_below(s, 256), mbox_rng_below(s, 512));
		do_ioctl(s, i, cmd, K_RAW, pick_ptr(s, 512), _IOC_SIZE(cmd));
		return;
	}

	/* A known command, mostly well encoded. */
	for (k = 0; k <= K_REPLY_RECV; k++)
		total += weight[k];
	w = mbox_rng_below(s, total);
	for (k = 0; w >= weight[k]; k++)
		w -= weight[k];
	for (j = 0; known[j].kind != k; j++)
		;
	cmd = known[j].cmd;
	size = _IOC_SIZE(cmd);
	if (r < 38) {
		/* The wrong direction. */
		unsigned int dir = _IOC_DIR(cmd) ^ (1 + mbox_rng_below(s, 3));

		do_ioctl(s, i, _IOC(dir, MBOX_IOCTL_MAGIC, _IOC_NR(cmd), size), K_RAW,
			 pick_ptr(s, size), size);
		return;
	}
	if (r < 48 && size) {
		switch (mbox_rng_below(s, 4)) {
		case 0:
			size = mbox_rng_below(s, known[j].ver0 + 1);
			break;
		case 1:
			size = known[j].ver0;
			break;
		case 2:
			size += 8 * (1 + mbox_rng_below(s, 8));
			break;
		default:
			size = mbox_rng_below(s, 1 << 14);
			break;
		}
	}
known_cmd:
	cmd = _IOC(_IOC_DIR(known[j].cmd), MBOX_IOCTL_MAGIC, _IOC_NR(known[j].cmd), size);
	if (size < known[j].ver0) {
		do_ioctl(s, i, cmd, K_SHORT, pick_ptr(s, size), size);
		return;
	}
	slot_get(i, &sl);
	/* The argument: a structure in the arena, mostly; else a bad pointer. */
	if (chance(s, 85) && size) {
		arg = fz.arena + (size <= 4096 ? mbox_rng_below(s, 4096 / 8) * 8 : 0);
		if (chance(s, 5))
			arg += 1 + mbox_rng_below(s, 7);		/* misaligned */
		if (arg + size > fz.arena + fz.arena_size)
			arg = fz.arena;
		gen_struct(s, k, arg, size, sl.nonblock, scratch);
		p = (__u64)(uintptr_t)arg;
	} else if (size) {
		p = pick_ptr(s, size);
		/*
		 * A structure read from memory we did not fill may block for good:
		 * those calls get only pointers the kernel cannot read.
		 */
		if ((k == K_SEND || k == K_RECV || k == K_CALL || k == K_SEND_BATCH ||
		     k == K_RECV_BATCH || k == K_REPLY_RECV) &&
		    p >= (__u64)(uintptr_t)fz.arena &&
		    p < (__u64)(uintptr_t)fz.ro + 4096)
			p = 0;
	} else {
		p = mbox_rng_next(s);
	}
	do_ioctl(s, i, cmd, k, p, size);
}

static void *server_thread(void *arg)
{
	__u64 s = fz.seed ^ 0x5e4e000000000000ULL;
	struct mbox_recv r;
	struct mbox_reply rp;
	char desc[128];
	static char buf[65536];
	int i;

	thread_call[1] = cur_call;
	thread_idx = 1;
	thread_idx_of[1] = &thread_idx;
	thread_tid[1] = syscall(SYS_gettid);
	(void)arg;
	while (!__atomic_load_n(&fz.stop, __ATOMIC_RELAXED)) {
		i = mbox_rng_below(&s, NR_SLOTS);
		memset(&r, 0, sizeof(r));
		r.buf_ptr = (__u64)(uintptr_t)buf;
		r.buf_len = mbox_rng_below(&s, 4) ? sizeof(buf) : mbox_rng_below(&s, 64);
		r.flags = MBOX_RECV_DEADLINE | (mbox_rng_below(&s, 4) ? 0 : MBOX_RECV_TRUNC);
		r.deadline_ns = mbox_now_ns() + 1000000;
		snprintf(desc, sizeof(desc), "server: RECV slot %d", i);
		snprintf(cur_call, sizeof(cur_call), "%s", desc);
		judge(K_RECV, mbox_ioctl(fz.slot[i].fd, MBOX_IOC_RECV, &r), desc);
		cur_call[0] = '\0';
		if (r.reply_token) {
			__atomic_store_n(&fz.last_token, r.reply_token, __ATOMIC_RELAXED);
			memset(&rp, 0, sizeof(rp));
			rp.token = r.reply_token;
			rp.buf_ptr = (__u64)(uintptr_t)buf;
			rp.len = mbox_rng_below(&s, 300);
			/* Errors only this server uses: a caller may fail with them. */
			rp.error = mbox_rng_below(&s, 4) ? 0 : SERVER_ERR_MIN + mbox_rng_below(&s, 1000);
			snprintf(desc, sizeof(desc), "server: REPLY slot %d len %llu error %d", i,
				 (unsigned long long)rp.len, rp.error);
			set_call("%s", desc);
			judge(K_REPLY, mbox_ioctl(fz.slot[mbox_rng_below(&s, NR_SLOTS)].fd,
						  MBOX_IOC_REPLY, &rp), desc);
			cur_call[0] = '\0';
		}
		if (chance(&s, 10))
			do_poll(&s);
		usleep(100 + mbox_rng_below(&s, 400));
	}
	return NULL;
}

static void *churn_thread(void *arg)
{
	__u64 s = fz.seed ^ 0xc4a2000000000000ULL;
	struct mbox_name nm;
	char desc[128];
	int i;

	thread_call[2] = cur_call;
	thread_idx = 2;
	thread_idx_of[2] = &thread_idx;
	thread_tid[2] = syscall(SYS_gettid);
	(void)arg;
	while (!__atomic_load_n(&fz.stop, __ATOMIC_RELAXED)) {
		i = mbox_rng_below(&s, NR_SLOTS);
		switch (mbox_rng_below(&s, 8)) {
		case 0:
		case 1:
		case 2:
			refill(&s, i, false);
			break;
		case 3:
			nm.name_ptr = (__u64)(uintptr_t)fz.names[mbox_rng_below(&s, NR_NAMES)];
			snprintf(desc, sizeof(desc), "churn: UNLINK %s",
				 (char *)(uintptr_t)nm.name_ptr);
			set_call("%s", desc);
			judge(K_UNLINK, mbox_ioctl(fz.slot[i].fd, MBOX_IOC_UNLINK, &nm), desc);
			break;
		case 4:
			snprintf(desc, sizeof(desc), "churn: DESTROY slot %d", i);
			set_call("%s", desc);
			judge(K_DESTROY, mbox_ioctl(fz.slot[i].fd, MBOX_IOC_DESTROY, NULL), desc);
			break;
		default:
			snprintf(desc, sizeof(desc), "churn: CANCEL slot %d", i);
			set_call("%s", desc);
			judge(K_CANCEL, mbox_ioctl(fz.slot[i].fd, MBOX_IOC_CANCEL, NULL), desc);
			break;
		}
		cur_call[0] = '\0';
		usleep(500 + mbox_rng_below(&s, 1500));
	}
	return NULL;
}

/* A thread's state and kernel stack, as /proc tells. */
static void dump_task(pid_t tid)
{
	static const char *const files[] = { "status", "wchan", "stack" };
	char path[64], buf[2048], *line, *save;
	unsigned int f;
	ssize_t n;
	int fd;

	for (f = 0; f < ARRAY_SIZE(files); f++) {
		snprintf(path, sizeof(path), "/proc/self/task/%d/%s", tid, files[f]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			if (f != 0 || !strncmp(line, "State:", 6))
				diag("    %s: %s", files[f], line);
	}
}

/*
 * How long thread t has made no call. Its last call's end is read before the
 * clock: read after, it could be later than our "now", and the unsigned
 * difference then a stall of centuries.
 */
static __u64 idle_ns(unsigned int t)
{
	__u64 last = __atomic_load_n(&fz.progress[t], __ATOMIC_ACQUIRE);
	__u64 now = mbox_now_ns();

	return now > last ? now - last : 0;
}

/* No call completed for WATCHDOG_S: say what each thread was doing, then fail. */
static void *watchdog_thread(void *arg)
{
	static const char *const who[] = { "fuzzer", "server", "churn" };
	unsigned int t;

	(void)arg;
	while (!__atomic_load_n(&fz.stop, __ATOMIC_RELAXED)) {
		sleep(1);
		for (t = 0; t < ARRAY_SIZE(who); t++)
			if (idle_ns(t) > WATCHDOG_S * 1000000000ULL)
				break;
		if (t == ARRAY_SIZE(who))
			continue;
		diag("watchdog: the %s thread made no call for %d s (seed %llu); calls in flight:",
		     who[t], WATCHDOG_S, (unsigned long long)fz.seed);
		for (t = 0; t < ARRAY_SIZE(who); t++) {
			diag("  %s (tid %d, index %d, last call %llu ms ago): %s", who[t],
			     thread_tid[t], thread_idx_of[t] ? *thread_idx_of[t] : -1,
			     (unsigned long long)(idle_ns(t) / 1000000),
			     thread_call[t] && thread_call[t][0] ? thread_call[t] : "(none)");
			dump_task(thread_tid[t]);
		}
		diag(SUMMARY, (unsigned long long)fz.calls, (unsigned long long)fz.seed,
		     (unsigned long long)fz.undocumented);
		_exit(KSFT_FAIL);
	}
	return NULL;
}

/* What the calls returned, per call: the mix the seed gave. */
static void print_hist(void)
{
	unsigned long long server;
	char line[1024];
	unsigned int k, e;
	int n;

	for (k = 0; k < K_MAX; k++) {
		n = snprintf(line, sizeof(line), "%s:", kind_name[k]);
		server = 0;
		for (e = 0; e <= MAX_ERRNO_SEEN && n < (int)sizeof(line) - 40; e++) {
			if (!fz.hist[k][e])
				continue;
			if (e >= SERVER_ERR_MIN && e < SERVER_ERR_MIN + 1000)
				server += fz.hist[k][e];
			else
				n += snprintf(line + n, sizeof(line) - n, " %s=%llu",
					      e ? strerrorname_np(e) ?: "?" : "ok",
					      (unsigned long long)fz.hist[k][e]);
		}
		if (server)
			snprintf(line + n, sizeof(line) - n, " server-error=%llu", server);
		ksft_print_msg("%s\n", line);
	}
}

FIXTURE(fuzz) {
	pthread_t th[3];
	int nr_th;
	char quota[32];		/* user_bytes_max to restore */
};

FIXTURE_SETUP(fuzz)
{
	bool calls_set = false;
	char *m;
	int i, fd;

	mbox_open_or_skip(fd);
	close(fd);
	self->nr_th = 0;
	memset(&fz, 0, sizeof(fz));
	pthread_mutex_init(&fz.lock, NULL);
	fz.seed = mbox_env_u64("MBOX_FUZZ_SEED", DEFAULT_SEED, NULL);
	fz.target = mbox_env_u64("MBOX_FUZZ_CALLS", DEFAULT_CALLS, &calls_set);
	/* The debug kernel (KASAN, lockdep, kmemleak) under TCG is slow: a time budget. */
	if (!calls_set && access("/sys/kernel/debug/kmemleak", F_OK) == 0)
		fz.deadline_s = FUZZ_DEBUG_BUDGET_S;
	fz.diag_left = DIAG_MAX;
	fd = open(QUOTA_PARAM, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, self->quota, sizeof(self->quota) - 1);

		self->quota[n > 0 ? n : 0] = '\0';
		if (n > 0 && pwrite(fd, QUOTA_BYTES, strlen(QUOTA_BYTES), 0) < 0)
			self->quota[0] = '\0';
		close(fd);
	}

	fz.arena_size = ARENA_PAGES * 4096;
	m = mmap(NULL, (ARENA_PAGES + 3) * 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	fz.arena = m;
	/* arena | guard | read-only page | unmapped page */
	ASSERT_EQ(0, mprotect(m + fz.arena_size, 4096, PROT_NONE));
	fz.ro = m + fz.arena_size + 4096;
	memset(fz.ro, 0, 2048);
	strcpy(fz.ro + 8, "/fuzz-ro");
	ASSERT_EQ(0, mprotect(fz.ro, 4096, PROT_READ));
	fz.unmapped = fz.ro + 4096;
	ASSERT_EQ(0, munmap(fz.unmapped, 4096));

	m = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	ASSERT_EQ(0, mprotect(m + 4096, 4096, PROT_NONE));
	fz.batch = m;

	for (i = 0; i < NR_NAMES; i++)
		snprintf(fz.names[i], sizeof(fz.names[i]), "/fuzz-%d-%d", getpid(), i);
	fz.pidfd = syscall(SYS_pidfd_open, getpid(), 0);
	if (fz.pidfd < 0)
		fz.pidfd = open("/dev/null", O_RDONLY | O_CLOEXEC);	/* EBADF then */
	for (i = 0; i < NR_SLOTS; i++) {
		fz.slot[i].fd = open(MBOX_DEV, O_RDWR | O_CLOEXEC | O_NONBLOCK);
		ASSERT_LE(0, fz.slot[i].fd);
		fz.slot[i].nonblock = true;
		fz.slot[i].what = "unbound";
	}
}

FIXTURE_TEARDOWN(fuzz)
{
	struct mbox_name nm;
	int i;

	__atomic_store_n(&fz.stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < self->nr_th; i++)
		pthread_join(self->th[i], NULL);
	for (i = 0; i < NR_NAMES; i++) {
		nm.name_ptr = (__u64)(uintptr_t)fz.names[i];
		mbox_ioctl(fz.slot[0].fd, MBOX_IOC_UNLINK, &nm);
	}
	for (i = 0; i < NR_SLOTS; i++)
		if (fz.slot[i].fd >= 0)
			close(fz.slot[i].fd);
	if (fz.pidfd >= 0)
		close(fz.pidfd);
	if (self->quota[0]) {
		int fd = open(QUOTA_PARAM, O_WRONLY | O_CLOEXEC);

		if (fd >= 0) {
			if (write(fd, self->quota, strlen(self->quota)) < 0)
				ksft_print_msg("restoring %s: %s\n", QUOTA_PARAM, strerror(errno));
			close(fd);
		}
	}
}

TEST_F_TIMEOUT(fuzz, random_calls_return_documented_errnos, 7200)
{
	__u64 s = fz.seed, t0 = mbox_now_ns(), n;
	unsigned int i;

	ksft_print_msg("replay: MBOX_FUZZ_SEED=%llu MBOX_FUZZ_CALLS=%llu%s\n",
		       (unsigned long long)fz.seed, (unsigned long long)fz.target,
		       fz.deadline_s ? " (debug kernel: time budget)" : "");
	fflush(stdout);
	thread_call[0] = cur_call;
	thread_idx_of[0] = &thread_idx;
	thread_tid[0] = syscall(SYS_gettid);
	for (i = 0; i < NR_SLOTS; i++)
		refill(&s, i, true);
	for (i = 0; i < 3; i++)
		fz.progress[i] = mbox_now_ns();
	ASSERT_EQ(0, pthread_create(&self->th[self->nr_th++], NULL, watchdog_thread, NULL));
	ASSERT_EQ(0, pthread_create(&self->th[self->nr_th++], NULL, server_thread, NULL));
	ASSERT_EQ(0, pthread_create(&self->th[self->nr_th++], NULL, churn_thread, NULL));

	while ((n = __atomic_load_n(&fz.calls, __ATOMIC_RELAXED)) < fz.target) {
		fuzz_one(&s);
		if (fz.deadline_s && !(n % 256) &&
		    mbox_now_ns() - t0 > fz.deadline_s * 1000000000ULL) {
			ksft_print_msg("debug kernel: stopping after %u s with %llu of %llu calls\n",
				       FUZZ_DEBUG_BUDGET_S, (unsigned long long)n,
				       (unsigned long long)fz.target);
			break;
		}
	}
	__atomic_store_n(&fz.stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < (unsigned int)self->nr_th; i++)
		pthread_join(self->th[i], NULL);
	self->nr_th = 0;
	print_hist();
	ksft_print_msg("%llu calls in %llu ms\n", (unsigned long long)fz.calls,
		       (unsigned long long)((mbox_now_ns() - t0) / 1000000));
	ksft_print_msg(SUMMARY, (unsigned long long)fz.calls, (unsigned long long)fz.seed,
		       (unsigned long long)fz.undocumented);
	EXPECT_EQ(0, fz.undocumented);
}

TEST_HARNESS_MAIN
