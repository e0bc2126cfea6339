// SPDX-License-Identifier: GPL-2.0
/*
 * Stress: 10 sender and 6 receiver processes over 2 named mailboxes move
 * 1000000 messages (a tenth on the debug kernel) of random size and priority,
 * through write()/read()
 * and MBOX_IOC_SEND/MBOX_IOC_RECV, with non-blocking tries, short deadlines,
 * too small buffers, peeks (also into read-only memory: EFAULT) and signals
 * (with and without SA_RESTART) mixed in.
 * Every message carries its sender, a sequence number per sender and
 * priority, its length and an FNV-1a checksum. Receivers record what they get
 * in shared memory; at the end nothing may be lost, duplicated, corrupted or
 * reordered (each receiver must see each sender's messages of one priority in
 * increasing sequence order), and the kernel's own sequence numbers and
 * counters must agree.
 *
 * The traffic is a function of the seed: MBOX_STRESS_SEED and
 * MBOX_STRESS_MESSAGES override the seed and the message count for a replay.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "mbox_test.h"

#define NR_SENDERS		10
#define NR_RECEIVERS		6
#define NR_MBOXES		2
#define NR_PROCS		(NR_SENDERS + NR_RECEIVERS)
#define NR_PRIOS		4
#define MAX_MSGS		64
#define MAX_MSG_SIZE		1024
#define DEFAULT_MESSAGES	1000000
/* The debug kernel (KASAN, lockdep, kmemleak) under TCG: a tenth, printed. */
#define DEBUG_MESSAGES		100000
#define DEFAULT_SEED		0x6d626f78ULL	/* "mbox" */
/* No message sent nor received for this long: the kernel lost a wakeup. */
#ifndef STALL_SECONDS
#define STALL_SECONDS		120
#endif
/* Problems each process details (in up to two lines each); the rest are counted. */
#define DIAG_MAX		8

/* The one summary line, which others parse: keep its form. */
#define SUMMARY \
	"stress: %u messages, %d processes, %lu lost, %lu duplicated, %u corrupted, %u reordered\n"

#define MSG_MAGIC		0x4d534721U
#define POISON_MAGIC		0x504f4953U

static const __u32 prios[NR_PRIOS] = { 0, 1, 17, MBOX_PRIO_MAX - 1 };

/* The head of every message; the payload after it is random bytes. */
struct stress_hdr {
	__u32 magic;
	__u16 sender;
	__u8 prio_idx;
	__u8 mbox;
	__u32 seq;	/* per sender and priority, from 0 */
	__u32 index;	/* per sender, in send order */
	__u32 len;	/* of the whole message */
	__u32 csum;	/* FNV-1a of the whole message with csum 0 */
};

/* One per message, indexed by sender base + index. */
struct stress_slot {
	__u32 count;	/* receivers that got it */
	__u16 owner;	/* 1 + first receiver */
	__u8 prio_idx;	/* written by the sender before sending */
	__u8 mbox;
	__u32 seq;
	__u32 len;
	__u64 kseq;	/* the kernel's sequence number, when MBOX_IOC_RECV told */
};

struct stress_shared {
	__u64 progress;			/* messages sent plus received */
	__u64 sent_to[NR_MBOXES];
	__u32 sent[NR_SENDERS];		/* messages each sender got queued */
	__u32 send_errors;
	__u32 recv_errors;
	__u32 corrupted;
	__u32 reordered;
	__u32 received;
	/* How often the side paths ran, to show the mix was exercised. */
	__u32 eagain, etimedout, eintr, emsgsize, efault, peeks, signals;
	struct stress_slot slot[];
};

FIXTURE(stress) {
	int fd[NR_MBOXES];
	char name[NR_MBOXES][64];
	pid_t pid[NR_PROCS];
	struct stress_shared *sh;
	size_t sh_size;
};

static __u64 seed;
static unsigned int nr_messages;
static unsigned int base[NR_SENDERS + 1];	/* first slot of each sender */
static unsigned int diag_left = 2 * DIAG_MAX;

/* A line on stdout straight away: children leave with _exit(). */
static __printf(1, 2) void diag(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	if (!diag_left)
		return;
	diag_left--;
	n = snprintf(line, sizeof(line), "# diag[%d]: ", getpid());
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDOUT_FILENO, line, n) < 0)
		return;
}

static __u32 fnv1a(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	__u32 h = 2166136261U;

	while (len--) {
		h ^= *p++;
		h *= 16777619U;
	}
	return h;
}

static __u32 msg_csum(const struct stress_hdr *h, size_t len)
{
	struct stress_hdr tmp = *h;

	tmp.csum = 0;
	return fnv1a(h + 1, len - sizeof(*h)) ^ fnv1a(&tmp, sizeof(tmp)) * 31;
}

static void on_signal(int sig)
{
	(void)sig;
}

/* Every child dies with the test, whichever way the test ends. */
static void child_start(pid_t parent, bool restart, const sigset_t *oldmask)
{
	struct sigaction sa = { .sa_handler = on_signal };

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() != parent)
		_exit(2);
	/* SIGUSR1 stayed blocked from fork() until the handler is in place. */
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) || sigprocmask(SIG_SETMASK, oldmask, NULL))
		_exit(2);
}

static void count(__u32 *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

/* Send one message by a method the op stream picks; 0 or -errno. */
static long send_one(int fd, const void *buf, size_t len, __u32 prio, __u64 *ops,
		     struct stress_shared *sh)
{
	__u32 how = mbox_rng_below(ops, 8), flags;
	__u64 deadline;
	ssize_t n;
	long err;

	for (;;) {
		flags = 0;
		deadline = 0;
		if (prio == 0 && how < 3) {
			n = write(fd, buf, len);
			if (n == (ssize_t)len)
				return 0;
			err = n < 0 ? -errno : -EIO;
		} else {
			if (how == 3) {
				flags = MBOX_SEND_NONBLOCK;
			} else if (how == 4) {
				flags = MBOX_SEND_DEADLINE;
				deadline = mbox_deadline_ms(1 + mbox_rng_below(ops, 20));
			}
			err = mbox_send(fd, buf, len, prio, flags, deadline);
			if (!err)
				return 0;
		}
		switch (err) {
		case -EAGAIN:
			count(&sh->eagain);
			break;
		case -ETIMEDOUT:
			count(&sh->etimedout);
			break;
		case -EINTR:
			count(&sh->eintr);
			break;
		default:
			return err;
		}
		/* Not queued: send the very same message again, blocking. */
		how = 5;
	}
}

static int run_sender(struct stress_shared *sh, char (*names)[64], int id)
{
	static unsigned char buf[MAX_MSG_SIZE];
	struct stress_hdr *h = (struct stress_hdr *)buf;
	__u64 msgs = seed ^ (0x5e4d000000000000ULL + id);
	__u64 ops = seed ^ (0x0f5e000000000000ULL + id);
	__u32 seq[NR_PRIOS] = { 0 };
	int fd[NR_MBOXES];
	unsigned int i, j;
	long err;

	for (i = 0; i < NR_MBOXES; i++) {
		fd[i] = mbox_bind(names[i], 0, MBOX_ACCESS_SEND, NULL);
		if (fd[i] < 0) {
			diag("sender %d: open %s: %s", id, names[i], strerror(-fd[i]));
			count(&sh->send_errors);
			return 1;
		}
	}

	for (i = 0; i < base[id + 1] - base[id]; i++) {
		struct stress_slot *slot = &sh->slot[base[id] + i];
		__u32 len = sizeof(*h) + mbox_rng_below(&msgs, MAX_MSG_SIZE - sizeof(*h) + 1);
		__u32 p = mbox_rng_below(&msgs, NR_PRIOS);
		__u32 m = mbox_rng_below(&msgs, NR_MBOXES);

		for (j = sizeof(*h); j < len; j += 8) {
			__u64 r = mbox_rng_next(&msgs);

			memcpy(buf + j, &r, len - j < 8 ? len - j : 8);
		}
		*h = (struct stress_hdr){
			.magic = MSG_MAGIC, .sender = id, .prio_idx = p, .mbox = m,
			.seq = seq[p], .index = i, .len = len,
		};
		h->csum = msg_csum(h, len);
		slot->prio_idx = p;
		slot->mbox = m;
		slot->seq = seq[p];
		slot->len = len;

		err = send_one(fd[m], buf, len, prios[p], &ops, sh);
		if (err) {
			diag("sender %d: message %u (%u bytes, prio %u) to %s: %s",
			     id, i, len, prios[p], names[m], strerror(-err));
			count(&sh->send_errors);
			return 1;
		}
		seq[p]++;
		sh->sent[id] = i + 1;
		__atomic_fetch_add(&sh->sent_to[m], 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&sh->progress, 1, __ATOMIC_RELAXED);
	}
	return 0;
}

enum { MSG_OK, MSG_POISON, MSG_BAD };

/* Check one received message of n bytes, r the kernel's report (or NULL). */
static int check_msg(struct stress_shared *sh, const unsigned char *buf, size_t n,
		     int id, int mbox, const struct mbox_recv *r, const char *how)
{
	const struct stress_hdr *h = (const struct stress_hdr *)buf;
	const struct stress_slot *slot;
	const char *why = NULL;

	if (n < sizeof(*h))
		why = "shorter than a header";
	else if (h->magic == POISON_MAGIC && n == sizeof(*h) &&
		 h->csum == msg_csum(h, n))
		return MSG_POISON;
	else if (h->magic != MSG_MAGIC)
		why = "bad magic";
	else if (h->len != n)
		why = "length differs from the header's";
	else if (h->csum != msg_csum(h, n))
		why = "checksum mismatch";
	else if (h->sender >= NR_SENDERS || h->prio_idx >= NR_PRIOS ||
		 h->index >= base[h->sender + 1] - base[h->sender])
		why = "no such sender, priority or index";
	else if (h->mbox != mbox)
		why = "delivered to the wrong mailbox";
	else if (r && (r->len != n || r->prio != prios[h->prio_idx]))
		why = "MBOX_IOC_RECV reported another length or priority";
	if (!why) {
		slot = &sh->slot[base[h->sender] + h->index];
		if (slot->prio_idx != h->prio_idx || slot->seq != h->seq ||
		    slot->len != n || slot->mbox != mbox)
			why = "not the message the sender sent with that index";
		else
			return MSG_OK;
	}
	count(&sh->corrupted);
	diag("receiver %d (%s): corrupted, %s: %zu bytes", id, how, why, n);
	if (n >= sizeof(*h))
		diag("  header: magic %#x sender %u prio %u seq %u index %u len %u csum %#x",
		     h->magic, h->sender, h->prio_idx, h->seq, h->index, h->len, h->csum);
	return MSG_BAD;
}

static int run_receiver(struct stress_shared *sh, char (*names)[64], int id)
{
	static unsigned char buf[MAX_MSG_SIZE + 64];
	const struct stress_hdr *h = (const struct stress_hdr *)buf;
	unsigned char *ro, *into;
	__s64 last[NR_SENDERS][NR_PRIOS];
	__u64 last_kseq[NR_SENDERS][NR_PRIOS] = { 0 };
	__u64 ops = seed ^ (0x4ec0000000000000ULL + id);
	int mbox = id % NR_MBOXES;
	struct mbox_recv r;
	struct stress_slot *slot;
	const char *how;
	__u32 flags;
	__u64 deadline;
	size_t blen;
	long err;
	ssize_t n;
	int fd, i, j;

	for (i = 0; i < NR_SENDERS; i++)
		for (j = 0; j < NR_PRIOS; j++)
			last[i][j] = -1;

	/* A buffer the kernel cannot write: a peek into it fails with EFAULT. */
	ro = mmap(NULL, sizeof(buf), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fd = mbox_bind(names[mbox], 0, MBOX_ACCESS_RECV, NULL);
	if (fd < 0 || ro == MAP_FAILED) {
		diag("receiver %d: open %s: %s", id, names[mbox],
		     fd < 0 ? strerror(-fd) : "mmap failed");
		count(&sh->recv_errors);
		return 1;
	}

	for (;;) {
		__u32 pick = mbox_rng_below(&ops, 66);
		bool efault = pick >= 64, ioc;

		/*
		 * 1 in 33 peeks into read-only memory. Not a plain receive: a
		 * message put back after EFAULT may be overtaken by a concurrent
		 * receiver, which the contract allows and would read as reordered.
		 */
		pick = efault ? 14 : pick % 16;
		ioc = pick >= 6;
		into = efault ? ro : buf;

		/* Mostly a buffer for any message; sometimes one for the header only. */
		blen = pick == 5 || pick == 15 ? sizeof(*h) : sizeof(buf);
		flags = 0;
		deadline = 0;
		if (pick == 12)
			flags = MBOX_RECV_NONBLOCK;
		else if (pick == 13)
			flags = MBOX_RECV_DEADLINE;
		else if (pick == 14)
			flags = MBOX_RECV_PEEK;
		if (flags & MBOX_RECV_DEADLINE)
			deadline = mbox_deadline_ms(1 + mbox_rng_below(&ops, 20));

		if (ioc) {
			how = "MBOX_IOC_RECV";
			err = mbox_recv(fd, into, blen, flags, deadline, &r);
			n = err ? -1 : (ssize_t)r.len;
		} else {
			how = "read";
			n = read(fd, into, blen);
			err = n < 0 ? -errno : 0;
		}
		if (efault && err != -EINTR) {
			if (err != -EFAULT) {
				diag("receiver %d (%s): read-only buffer, got %s", id, how,
				     err ? strerror(-err) : "a message");
				count(&sh->recv_errors);
				return 1;
			}
			count(&sh->efault);
			continue;
		}
		switch (err) {
		case 0:
			break;
		case -EMSGSIZE:
			/* The message stays queued; a later receive gets it whole. */
			count(&sh->emsgsize);
			if (blen == sizeof(buf) ||
			    (ioc && (r.len <= blen || r.len > MAX_MSG_SIZE))) {
				diag("receiver %d (%s): EMSGSIZE with a %zu byte buffer, len %llu",
				     id, how, blen, ioc ? (unsigned long long)r.len : 0ULL);
				count(&sh->recv_errors);
				return 1;
			}
			continue;
		case -EAGAIN:
			count(&sh->eagain);
			continue;
		case -ETIMEDOUT:
			count(&sh->etimedout);
			continue;
		case -EINTR:
			count(&sh->eintr);
			continue;
		default:
			diag("receiver %d (%s): %s", id, how, strerror(-err));
			count(&sh->recv_errors);
			return 1;
		}
		if (n > MAX_MSG_SIZE) {
			count(&sh->corrupted);
			diag("receiver %d (%s): %zd bytes, above max_msg_size", id, how, n);
			continue;
		}
		if (flags & MBOX_RECV_PEEK) {
			/* Only checked: another receiver may take it meanwhile. */
			count(&sh->peeks);
			check_msg(sh, buf, n, id, mbox, &r, "peek");
			continue;
		}

		switch (check_msg(sh, buf, n, id, mbox, ioc ? &r : NULL, how)) {
		case MSG_POISON:
			return 0;
		case MSG_BAD:
			continue;
		}
		slot = &sh->slot[base[h->sender] + h->index];
		count(&sh->received);
		__atomic_fetch_add(&sh->progress, 1, __ATOMIC_RELAXED);
		if (__atomic_fetch_add(&slot->count, 1, __ATOMIC_RELAXED)) {
			/* Counted as a duplicate, not as a reordering too. */
			diag("receiver %d (%s): duplicate: sender %u index %u prio %u seq %u",
			     id, how, h->sender, h->index, prios[h->prio_idx], h->seq);
			diag("  first received by receiver %d", (int)slot->owner - 1);
			continue;
		}
		slot->owner = id + 1;
		if (ioc)
			slot->kseq = r.seq;
		if ((__s64)h->seq <= last[h->sender][h->prio_idx]) {
			count(&sh->reordered);
			diag("receiver %d (%s): sender %u prio %u seq %u after seq %lld",
			     id, how, h->sender, prios[h->prio_idx], h->seq,
			     (long long)last[h->sender][h->prio_idx]);
			/* 0 when the message came through read(). */
			diag("  kernel seq %llu after %llu", ioc ? (unsigned long long)r.seq : 0ULL,
			     (unsigned long long)last_kseq[h->sender][h->prio_idx]);
		}
		last[h->sender][h->prio_idx] = h->seq;
		last_kseq[h->sender][h->prio_idx] = ioc ? r.seq : 0;
	}
}

FIXTURE_SETUP(stress)
{
	int i, fd;

	for (i = 0; i < NR_MBOXES; i++)
		self->fd[i] = -1;
	mbox_open_or_skip(fd);
	close(fd);

	seed = mbox_env_u64("MBOX_STRESS_SEED", DEFAULT_SEED, NULL);
	nr_messages = mbox_env_u64("MBOX_STRESS_MESSAGES",
				   access("/sys/kernel/debug/kmemleak", F_OK) ?
				   DEFAULT_MESSAGES : DEBUG_MESSAGES, NULL);
	ASSERT_LE(NR_SENDERS, nr_messages);
	ASSERT_GE(1U << 28, nr_messages);
	for (i = 0; i < NR_SENDERS; i++)
		base[i + 1] = base[i] + nr_messages / NR_SENDERS +
			      (i < (int)(nr_messages % NR_SENDERS));

	self->sh_size = sizeof(*self->sh) + nr_messages * sizeof(self->sh->slot[0]);
	self->sh = mmap(NULL, self->sh_size, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->sh);
}

static void reap_all(FIXTURE_DATA(stress) *self)
{
	int i;

	for (i = 0; i < NR_PROCS; i++)
		if (self->pid[i] > 0)
			kill(self->pid[i], SIGKILL);
	for (i = 0; i < NR_PROCS; i++) {
		if (self->pid[i] > 0)
			waitpid(self->pid[i], NULL, 0);
		self->pid[i] = 0;
	}
}

FIXTURE_TEARDOWN(stress)
{
	struct mbox_name nm;
	int i;

	reap_all(self);
	for (i = 0; i < NR_MBOXES; i++) {
		if (self->fd[i] < 0)
			continue;
		nm.name_ptr = (__u64)(uintptr_t)self->name[i];
		mbox_ioctl(self->fd[i], MBOX_IOC_UNLINK, &nm);
		close(self->fd[i]);
	}
	if (self->sh && self->sh != MAP_FAILED)
		munmap(self->sh, self->sh_size);
}

static void dump_mbox(FIXTURE_DATA(stress) *self, int i)
{
	struct mbox_stat st;
	long err = mbox_stat(self->fd[i], &st);

	if (err) {
		ksft_print_msg("%s: MBOX_IOC_STAT: %s\n", self->name[i], strerror(-err));
		return;
	}
	ksft_print_msg("%s: %u msgs (%llu bytes) queued, %u senders and %u receivers blocked\n",
		       self->name[i], st.cur_msgs, (unsigned long long)st.cur_bytes,
		       st.waiting_senders, st.waiting_receivers);
	ksft_print_msg("%s: %llu sent, %llu received in all\n", self->name[i],
		       (unsigned long long)st.total_sent, (unsigned long long)st.total_received);
}

/*
 * Wait for the children in pid[from, to) while signalling random children.
 * Returns the number that failed, or -1 when nothing moved for STALL_SECONDS
 * or another child ended first (the others would wait for it forever).
 */
static int wait_children(FIXTURE_DATA(stress) *self, int from, int to, __u64 *ops)
{
	__u64 progress = self->sh->progress, now, last = mbox_now_ns();
	int alive = to - from, failed = 0, i, status;
	pid_t p;

	while (alive) {
		for (i = 0; i < NR_PROCS; i++) {
			if (self->pid[i] <= 0)
				continue;
			p = waitpid(self->pid[i], &status, WNOHANG);
			if (p != self->pid[i])
				continue;
			if (!WIFEXITED(status) || WEXITSTATUS(status) || i < from || i >= to) {
				ksft_print_msg("%s %d: %s %d\n",
					       i < NR_SENDERS ? "sender" : "receiver",
					       i < NR_SENDERS ? i : i - NR_SENDERS,
					       WIFEXITED(status) ? "exit" : "signal",
					       WIFEXITED(status) ? WEXITSTATUS(status) :
								   WTERMSIG(status));
				failed++;
			}
			self->pid[i] = 0;
			if (i < from || i >= to)
				return -1;
			alive--;
		}
		i = mbox_rng_below(ops, NR_PROCS);
		if (self->pid[i] > 0 && !kill(self->pid[i], SIGUSR1))
			self->sh->signals++;

		now = mbox_now_ns();
		if (self->sh->progress != progress) {
			progress = self->sh->progress;
			last = now;
		} else if (now - last > STALL_SECONDS * 1000000000ULL) {
			return -1;
		}
		usleep(5000);
	}
	return failed;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* The kernel's sequence numbers: unique per mailbox, rising in each sender's order. */
static unsigned int check_kseq(struct stress_shared *sh)
{
	__u64 *all = calloc(nr_messages, sizeof(*all));
	__u64 prev[NR_MBOXES];
	unsigned int bad = 0, n, i, s;
	int m;

	if (!all)
		return 1;
	for (s = 0; s < NR_SENDERS; s++) {
		memset(prev, 0, sizeof(prev));
		for (i = base[s]; i < base[s + 1]; i++) {
			m = sh->slot[i].mbox;
			if (!sh->slot[i].kseq)
				continue;
			if (sh->slot[i].kseq <= prev[m] && bad++ < DIAG_MAX)
				ksft_print_msg("kernel seq %llu of sender %u index %u after %llu\n",
					       (unsigned long long)sh->slot[i].kseq, s,
					       i - base[s], (unsigned long long)prev[m]);
			prev[m] = sh->slot[i].kseq;
		}
	}
	for (m = 0; m < NR_MBOXES; m++) {
		n = 0;
		for (i = 0; i < nr_messages; i++)
			if (sh->slot[i].kseq && sh->slot[i].mbox == m)
				all[n++] = sh->slot[i].kseq;
		qsort(all, n, sizeof(*all), cmp_u64);
		for (i = 1; i < n; i++)
			if (all[i] == all[i - 1] && bad++ < DIAG_MAX)
				ksft_print_msg("kernel seq %llu given twice in mailbox %d\n",
					       (unsigned long long)all[i], m);
	}
	free(all);
	return bad;
}

TEST_F_TIMEOUT(stress, many_senders_many_receivers, 900)
{
	struct stress_shared *sh = self->sh;
	unsigned long lost = 0, dup = 0, unsent = 0, phantom = 0, kseq_bad;
	__u64 ops = seed ^ 0x9a4e000000000000ULL, t0, t_send, t_end;
	int poisons[NR_MBOXES] = { 0 };
	int failed, stalled = 0, i, m;
	struct stress_hdr poison;
	struct mbox_stat st;
	pid_t parent = getpid();
	sigset_t usr1, oldmask;
	struct mbox_open o;
	unsigned int s, k;

	/* Created here, not in setup, so that teardown always unlinks them. */
	for (m = 0; m < NR_MBOXES; m++) {
		o = (struct mbox_open){
			.mode = 0600, .max_msgs = MAX_MSGS, .max_msg_size = MAX_MSG_SIZE,
		};
		mbox_test_name(self->name[m], sizeof(self->name[m]), "stress");
		self->fd[m] = mbox_bind(self->name[m], MBOX_OPEN_CREATE | MBOX_OPEN_EXCL,
					MBOX_ACCESS_SEND | MBOX_ACCESS_RECV, &o);
		ASSERT_LE(0, self->fd[m]) TH_LOG("creating %s: %s", self->name[m],
						 strerror(-self->fd[m]));
		ASSERT_EQ(MAX_MSGS, o.max_msgs);
		ASSERT_EQ(MAX_MSG_SIZE, o.max_msg_size);
	}

	ksft_print_msg("replay: MBOX_STRESS_SEED=%#llx MBOX_STRESS_MESSAGES=%u\n",
		       (unsigned long long)seed, nr_messages);
	fflush(stdout);
	fflush(stderr);

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &usr1, &oldmask));
	t0 = mbox_now_ns();
	/* Receivers first, so that early messages find some waiting. */
	for (i = NR_PROCS - 1; i >= 0; i--) {
		pid_t p = fork();

		ASSERT_LE(0, p) TH_LOG("fork: %s", strerror(errno));
		if (p == 0) {
			child_start(parent, i & 1, &oldmask);
			if (i < NR_SENDERS)
				_exit(run_sender(sh, self->name, i));
			_exit(run_receiver(sh, self->name, i - NR_SENDERS));
		}
		self->pid[i] = p;
	}

	sigprocmask(SIG_SETMASK, &oldmask, NULL);

	failed = wait_children(self, 0, NR_SENDERS, &ops);
	t_send = mbox_now_ns();
	if (failed < 0) {
		ksft_print_msg("senders stalled, or a receiver ended early\n");
		stalled = 1;
	} else {
		/* All real messages are queued: one poison per receiver goes behind them. */
		for (i = 0; i < NR_RECEIVERS; i++) {
			long err;

			m = i % NR_MBOXES;
			poison = (struct stress_hdr){
				.magic = POISON_MAGIC, .sender = 0xffff, .len = sizeof(poison),
			};
			poison.csum = msg_csum(&poison, sizeof(poison));
			err = mbox_send(self->fd[m], &poison, sizeof(poison), 0,
					MBOX_SEND_DEADLINE, mbox_deadline_ms(STALL_SECONDS * 1000));
			EXPECT_EQ(0, err) TH_LOG("poison to %s: %s", self->name[m],
						 strerror(-err));
			poisons[m] += !err;
		}
		i = wait_children(self, NR_SENDERS, NR_PROCS, &ops);
		if (i < 0) {
			ksft_print_msg("receivers stalled: nothing moved for %d s\n",
				       STALL_SECONDS);
			stalled = 1;
		} else {
			failed += i;
		}
	}
	t_end = mbox_now_ns();
	if (stalled)
		for (m = 0; m < NR_MBOXES; m++)
			dump_mbox(self, m);
	reap_all(self);

	for (s = 0; s < NR_SENDERS; s++) {
		unsent += base[s + 1] - base[s] - sh->sent[s];
		for (k = base[s]; k < base[s + 1]; k++) {
			const struct stress_slot *slot = &sh->slot[k];

			if (k - base[s] >= sh->sent[s]) {
				/* Its send failed, so nobody should have it. */
				phantom += slot->count;
				continue;
			}
			if (!slot->count && lost++ < DIAG_MAX)
				ksft_print_msg("lost: sender %u index %u prio %u seq %u (%s)\n",
					       s, k - base[s], prios[slot->prio_idx], slot->seq,
					       self->name[slot->mbox]);
			if (slot->count > 1)
				dup += slot->count - 1;
		}
	}
	kseq_bad = check_kseq(sh);

	ksft_print_msg("diag: %.1f s, senders done after %.1f s, %u received\n",
		       (t_end - t0) / 1e9, (t_send - t0) / 1e9, sh->received);
	ksft_print_msg("diag: %u send errors, %u receive errors, %lu unsent, %lu bad kernel seq\n",
		       sh->send_errors, sh->recv_errors, unsent, kseq_bad);
	if (phantom)
		ksft_print_msg("diag: %lu messages received although their send failed\n",
			       phantom);
	ksft_print_msg("diag: %u EAGAIN %u ETIMEDOUT %u EINTR %u EMSGSIZE %u EFAULT\n",
		       sh->eagain, sh->etimedout, sh->eintr, sh->emsgsize, sh->efault);
	ksft_print_msg("diag: %u peeks, %u signals\n", sh->peeks, sh->signals);
	ksft_print_msg(SUMMARY, nr_messages, NR_PROCS, lost, dup, sh->corrupted, sh->reordered);

	EXPECT_EQ(0, lost);
	EXPECT_EQ(0, dup);
	EXPECT_EQ(0, sh->corrupted);
	EXPECT_EQ(0, sh->reordered);
	EXPECT_EQ(0, stalled);
	EXPECT_EQ(0, failed);
	EXPECT_EQ(0, unsent);
	EXPECT_EQ(0, phantom);
	EXPECT_EQ(0, sh->send_errors);
	EXPECT_EQ(0, sh->recv_errors);
	EXPECT_EQ(0, kseq_bad);
	EXPECT_EQ(nr_messages, sh->received);

	/* The kernel's books agree: everything sent was received, nothing is left. */
	for (m = 0; m < NR_MBOXES && !stalled; m++) {
		ASSERT_EQ(0, mbox_stat(self->fd[m], &st));
		EXPECT_EQ(sh->sent_to[m] + poisons[m], st.total_sent) TH_LOG("%s", self->name[m]);
		EXPECT_EQ(sh->sent_to[m] + poisons[m], st.total_received)
			TH_LOG("%s", self->name[m]);
		EXPECT_EQ(0, st.cur_msgs);
		EXPECT_EQ(0, st.cur_bytes);
		EXPECT_EQ(0, st.waiting_senders);
		EXPECT_EQ(0, st.waiting_receivers);
	}
}

TEST_HARNESS_MAIN
