// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * libmbox-mq: mq_notify(). mbox has no notification of its own, so each
 * registration gets a helper thread that watches the mailbox: poll() until
 * a message arrives on the empty mailbox, then, if nobody is blocked in
 * receive (mbox_stat.waiting_receivers), notify and drop the registration.
 * A queue that was not empty must first be seen empty, which poll() cannot
 * report: the helper looks every MBOX_MQ_DRAIN_MS, and a receive of this
 * process that empties the queue tells it at once.
 *
 * One registrant per queue, system-wide: the registrant holds an abstract
 * unix socket named after the queue (and its IPC namespace), which the
 * kernel frees when the registrant closes it or dies. For that, descriptors
 * remember the name mq_open() gave them; Documentation/userspace-api/
 * mbox-mq.rst lists what this emulation cannot do exactly.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "mq.h"

/* How often a helper looks whether a non-empty queue was emptied. */
#define MBOX_MQ_DRAIN_MS	2

struct mbox_mq_reg {
	struct mbox_mq_reg *next;
	int fd;			/* the registrant's descriptor */
	char *name;		/* its queue's name; NULL if mq_open() did not make it */
	int watch;		/* our duplicate of fd, which the helper watches */
	int wake;		/* eventfd: stop, or the queue was seen empty */
	int claim;		/* abstract socket that holds the queue's registration */
	struct sigevent sev;
	pthread_attr_t attr;	/* SIGEV_THREAD: the caller's, copied, detached */
	bool has_attr;
	bool nonempty;		/* the queue was not empty at registration */
	bool drained;		/* a receive of ours left the queue empty */
	atomic_bool stop;
	pthread_t helper;
};

/* Protects everything below; never held across a blocking call. */
static pthread_mutex_t mbox_mq_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mbox_mq_reg *mbox_mq_regs;
static atomic_int mbox_mq_nregs;	/* lets receives skip the lock */
static char **mbox_mq_names;		/* by descriptor */
static int mbox_mq_nnames;

enum mbox_mq_wait { MBOX_MQ_WAIT_MSG, MBOX_MQ_WAIT_EMPTY, MBOX_MQ_WAIT_STOP };

static const char *mbox_mq_name_of(int fd)
{
	return fd >= 0 && fd < mbox_mq_nnames ? mbox_mq_names[fd] : NULL;
}

void mbox_mq_remember(int fd, const char *name)
{
	char *copy = strdup(name);

	pthread_mutex_lock(&mbox_mq_lock);
	if (fd >= mbox_mq_nnames) {
		int n = fd < 32 ? 64 : 2 * fd;
		char **names = realloc(mbox_mq_names, n * sizeof(*names));

		if (!names) {
			free(copy);
			copy = NULL;
			goto out;
		}
		memset(names + mbox_mq_nnames, 0, (n - mbox_mq_nnames) * sizeof(*names));
		mbox_mq_names = names;
		mbox_mq_nnames = n;
	}
	free(mbox_mq_names[fd]);
	mbox_mq_names[fd] = copy;
out:
	pthread_mutex_unlock(&mbox_mq_lock);
}

/* Linux ties a registration to the queue, not to the descriptor. */
static bool mbox_mq_same(const struct mbox_mq_reg *reg, int fd, const char *name)
{
	if (reg->name && name)
		return !strcmp(reg->name, name);
	return reg->fd == fd;
}

static struct mbox_mq_reg *mbox_mq_find(int fd)
{
	const char *name = mbox_mq_name_of(fd);
	struct mbox_mq_reg *reg;

	for (reg = mbox_mq_regs; reg; reg = reg->next)
		if (mbox_mq_same(reg, fd, name))
			return reg;
	return NULL;
}

/* Take reg off the list; false if someone else already did. */
static bool mbox_mq_unlink_reg(struct mbox_mq_reg *reg)
{
	struct mbox_mq_reg **p;

	for (p = &mbox_mq_regs; *p; p = &(*p)->next) {
		if (*p == reg) {
			*p = reg->next;
			atomic_fetch_sub(&mbox_mq_nregs, 1);
			return true;
		}
	}
	return false;
}

static void mbox_mq_release(struct mbox_mq_reg *reg)
{
	if (reg->claim >= 0)
		close(reg->claim);
	if (reg->watch >= 0)
		close(reg->watch);
	if (reg->wake >= 0)
		close(reg->wake);
	if (reg->has_attr)
		pthread_attr_destroy(&reg->attr);
	free(reg->name);
	free(reg);
}

static void mbox_mq_kick(struct mbox_mq_reg *reg)
{
	uint64_t one = 1;

	if (write(reg->wake, &one, sizeof(one)) < 0)
		return;	/* the counter is already set: the helper will look */
}

/* Stop the helper of a registration taken off the list, and free it. */
static void mbox_mq_stop(struct mbox_mq_reg *reg)
{
	atomic_store(&reg->stop, true);
	mbox_mq_kick(reg);
	pthread_join(reg->helper, NULL);
	mbox_mq_release(reg);
}

/* mq_close(): Linux drops the closing process's registration for the queue. */
void mbox_mq_forget(int fd)
{
	struct mbox_mq_reg *reg;

	pthread_mutex_lock(&mbox_mq_lock);
	reg = mbox_mq_find(fd);
	if (reg)
		mbox_mq_unlink_reg(reg);
	if (fd < mbox_mq_nnames) {
		free(mbox_mq_names[fd]);
		mbox_mq_names[fd] = NULL;
	}
	pthread_mutex_unlock(&mbox_mq_lock);
	if (reg)
		mbox_mq_stop(reg);
}

/* A receive of ours succeeded: if it left the queue empty, tell the helper. */
void mbox_mq_received(int fd)
{
	struct mbox_mq_reg *reg;
	struct mbox_stat st;

	if (!atomic_load_explicit(&mbox_mq_nregs, memory_order_relaxed))
		return;
	if (mbox_mq_stat(fd, &st) || st.cur_msgs)
		return;
	pthread_mutex_lock(&mbox_mq_lock);
	reg = mbox_mq_find(fd);
	if (reg) {
		reg->drained = true;
		mbox_mq_kick(reg);
	}
	pthread_mutex_unlock(&mbox_mq_lock);
}

struct mbox_mq_call {
	void (*fn)(union sigval value);
	union sigval value;
};

/* glibc runs the function in a new thread with every signal unblocked; so do we. */
static void *mbox_mq_call_thread(void *arg)
{
	struct mbox_mq_call call = *(struct mbox_mq_call *)arg;
	sigset_t none;

	free(arg);
	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
	call.fn(call.value);
	return NULL;
}

static void mbox_mq_deliver_thread(struct mbox_mq_reg *reg)
{
	struct mbox_mq_call *call = malloc(sizeof(*call));
	pthread_t t;

	if (!call)
		return;
	call->fn = reg->sev.sigev_notify_function;
	call->value = reg->sev.sigev_value;
	if (pthread_create(&t, &reg->attr, mbox_mq_call_thread, call))
		free(call);
}

/*
 * As the kernel sends it: SI_MESGQ, the registrant's value, and the sender,
 * which a peek at the message (still queued, or the information is lost)
 * tells. A negative si_code lets rt_sigqueueinfo() carry all of it.
 */
static void mbox_mq_deliver_signal(struct mbox_mq_reg *reg)
{
	struct mbox_recv r = {
		.flags = MBOX_RECV_PEEK | MBOX_RECV_TRUNC | MBOX_RECV_NONBLOCK,
	};
	siginfo_t si;
	char byte;

	memset(&si, 0, sizeof(si));
	si.si_signo = reg->sev.sigev_signo;
	si.si_code = SI_MESGQ;
	si.si_value = reg->sev.sigev_value;
	r.buf_ptr = mbox_mq_ptr(&byte);
	r.buf_len = sizeof(byte);
	if (!ioctl(reg->watch, MBOX_IOC_RECV, &r)) {
		si.si_pid = r.pid;
		si.si_uid = r.uid;
	}
	syscall(SYS_rt_sigqueueinfo, getpid(), si.si_signo, &si);
}

/* One-shot: the registration goes before the notification, so it may register again. */
static void mbox_mq_fire(struct mbox_mq_reg *reg)
{
	bool mine;

	pthread_mutex_lock(&mbox_mq_lock);
	mine = mbox_mq_unlink_reg(reg);
	pthread_mutex_unlock(&mbox_mq_lock);
	if (!mine)
		return;		/* being unregistered: mbox_mq_stop() joins us */
	pthread_detach(pthread_self());
	if (reg->sev.sigev_notify == SIGEV_SIGNAL)
		mbox_mq_deliver_signal(reg);
	else if (reg->sev.sigev_notify == SIGEV_THREAD)
		mbox_mq_deliver_thread(reg);
	mbox_mq_release(reg);
}

/* Sleep as the helper's state asks; true when told to stop. */
static bool mbox_mq_wait(struct mbox_mq_reg *reg, enum mbox_mq_wait how)
{
	struct pollfd p[2] = {
		{ .fd = reg->wake, .events = POLLIN },
		{ .fd = reg->watch, .events = POLLIN },
	};
	uint64_t n;
	ssize_t ret;

	if (poll(p, how == MBOX_MQ_WAIT_MSG ? 2 : 1,
		 how == MBOX_MQ_WAIT_EMPTY ? MBOX_MQ_DRAIN_MS : -1) > 0 &&
	    (p[0].revents & POLLIN)) {
		ret = read(reg->wake, &n, sizeof(n));	/* reset the eventfd */
		(void)ret;
	}
	return atomic_load(&reg->stop);
}

static void *mbox_mq_helper(void *arg)
{
	struct mbox_mq_reg *reg = arg;
	bool need_empty = reg->nonempty;
	enum mbox_mq_wait how = need_empty ? MBOX_MQ_WAIT_EMPTY : MBOX_MQ_WAIT_MSG;
	struct mbox_stat st;

	while (!mbox_mq_wait(reg, how)) {
		if (mbox_mq_stat(reg->watch, &st)) {
			how = MBOX_MQ_WAIT_STOP;	/* destroyed: nothing will come */
			continue;
		}
		pthread_mutex_lock(&mbox_mq_lock);
		if (reg->drained)
			need_empty = false;
		reg->drained = false;
		pthread_mutex_unlock(&mbox_mq_lock);
		if (st.cur_msgs && !need_empty && !st.waiting_receivers) {
			mbox_mq_fire(reg);
			break;
		}
		/* Empty, or a blocked receiver took it: stay registered. */
		need_empty = st.cur_msgs > 0;
		how = need_empty ? MBOX_MQ_WAIT_EMPTY : MBOX_MQ_WAIT_MSG;
	}
	return NULL;
}

static uint64_t mbox_mq_hash(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		h = (h ^ *c++) * 0x100000001b3ULL;	/* FNV-1a */
	return h;
}

/*
 * Hold the queue's registration system-wide: a bound abstract socket name
 * (names are per IPC namespace, abstract sockets per network namespace, so
 * the name covers both). Returns the socket, -EBUSY, or -ENOMEM.
 */
static int mbox_mq_claim(const char *name)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct stat ns = { 0 };
	uint64_t h;
	int fd, len, err;

	stat("/proc/self/ns/ipc", &ns);
	h = mbox_mq_hash(0xcbf29ce484222325ULL, &ns.st_ino, sizeof(ns.st_ino));
	h = mbox_mq_hash(h, name, strlen(name));
	len = snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "mbox-mq-notify/%016llx",
		       (unsigned long long)h);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -ENOMEM;
	if (!bind(fd, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path) + 1 + len))
		return fd;
	err = errno == EADDRINUSE ? -EBUSY : -ENOMEM;
	close(fd);
	return err;
}

/* What glibc copies of the caller's attributes; the thread is always detached. */
static void mbox_mq_copy_attr(pthread_attr_t *dst, const pthread_attr_t *src)
{
	struct sched_param sp;
	size_t size;
	int v;

	pthread_attr_init(dst);
	pthread_attr_setdetachstate(dst, PTHREAD_CREATE_DETACHED);
	if (!src)
		return;
	if (!pthread_attr_getstacksize(src, &size))
		pthread_attr_setstacksize(dst, size);
	if (!pthread_attr_getguardsize(src, &size))
		pthread_attr_setguardsize(dst, size);
	if (!pthread_attr_getinheritsched(src, &v))
		pthread_attr_setinheritsched(dst, v);
	if (!pthread_attr_getschedpolicy(src, &v))
		pthread_attr_setschedpolicy(dst, v);
	if (!pthread_attr_getschedparam(src, &sp))
		pthread_attr_setschedparam(dst, &sp);
	if (!pthread_attr_getscope(src, &v))
		pthread_attr_setscope(dst, v);
}

/* The helper takes no signal meant for the program. */
static int mbox_mq_start(struct mbox_mq_reg *reg)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&reg->helper, NULL, mbox_mq_helper, reg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err ? -ENOMEM : 0;
}

/* Everything that can fail, before the helper starts. */
static int mbox_mq_prepare(struct mbox_mq_reg *reg, int fd)
{
	const char *name = mbox_mq_name_of(fd);

	if (mbox_mq_find(fd))
		return -EBUSY;
	if (name) {
		reg->name = strdup(name);
		if (!reg->name)
			return -ENOMEM;
		reg->claim = mbox_mq_claim(name);
		if (reg->claim < 0)
			return reg->claim;
	}
	reg->watch = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	reg->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (reg->watch < 0 || reg->wake < 0)
		return -ENOMEM;
	if (reg->sev.sigev_notify == SIGEV_THREAD) {
		mbox_mq_copy_attr(&reg->attr, reg->sev.sigev_notify_attributes);
		reg->has_attr = true;
	}
	return 0;
}

static int mbox_mq_register(int fd, const struct sigevent *sev, const struct mbox_stat *st)
{
	struct mbox_mq_reg *reg = calloc(1, sizeof(*reg));
	int err;

	if (!reg)
		return -ENOMEM;
	reg->fd = fd;
	reg->watch = -1;
	reg->wake = -1;
	reg->claim = -1;
	reg->sev = *sev;
	/* Not empty now: POSIX notifies only after it was emptied. */
	reg->nonempty = st->cur_msgs > 0;
	pthread_mutex_lock(&mbox_mq_lock);
	err = mbox_mq_prepare(reg, fd);
	if (!err)
		err = mbox_mq_start(reg);
	if (!err) {
		reg->next = mbox_mq_regs;
		mbox_mq_regs = reg;
		atomic_fetch_add(&mbox_mq_nregs, 1);
	}
	pthread_mutex_unlock(&mbox_mq_lock);
	if (err)
		mbox_mq_release(reg);
	return err;
}

/* Without a registration of this process for the queue, Linux returns 0. */
static void mbox_mq_unregister(int fd)
{
	struct mbox_mq_reg *reg;

	pthread_mutex_lock(&mbox_mq_lock);
	reg = mbox_mq_find(fd);
	if (reg)
		mbox_mq_unlink_reg(reg);
	pthread_mutex_unlock(&mbox_mq_lock);
	if (reg)
		mbox_mq_stop(reg);
}

static int mbox_mq_check_sigevent(const struct sigevent *sev)
{
	switch (sev->sigev_notify) {
	case SIGEV_NONE:
		return 0;
	case SIGEV_SIGNAL:
		/* The kernel's valid_signal(): 0 (no signal) to _NSIG. */
		return sev->sigev_signo < 0 || sev->sigev_signo > SIGRTMAX ? -EINVAL : 0;
	case SIGEV_THREAD:
		return sev->sigev_notify_function ? 0 : -EINVAL;
	}
	return -EINVAL;
}

int mq_notify(mqd_t mqdes, const struct sigevent *sevp)
{
	struct mbox_stat st;
	int err = 0;

	if (sevp)
		err = mbox_mq_check_sigevent(sevp);
	if (!err)
		err = mbox_mq_stat(mqdes, &st);
	if (err)
		return mbox_mq_fail(-err);
	if (!sevp) {
		mbox_mq_unregister(mqdes);
		return 0;
	}
	err = mbox_mq_register(mqdes, sevp, &st);
	return err ? mbox_mq_fail(-err) : 0;
}

/*
 * fork(): the lock must be free in the child, and the child owns none of the
 * parent's registrations (Linux's owner is the parent): close the inherited
 * claims, or they would keep the parent's queues registered.
 */
static void mbox_mq_fork_prepare(void)
{
	pthread_mutex_lock(&mbox_mq_lock);
}

static void mbox_mq_fork_parent(void)
{
	pthread_mutex_unlock(&mbox_mq_lock);
}

static void mbox_mq_fork_child(void)
{
	struct mbox_mq_reg *reg;

	while ((reg = mbox_mq_regs)) {
		mbox_mq_regs = reg->next;
		mbox_mq_release(reg);
	}
	atomic_store(&mbox_mq_nregs, 0);
	pthread_mutex_unlock(&mbox_mq_lock);
}

__attribute__((constructor)) static void mbox_mq_init(void)
{
	pthread_atfork(mbox_mq_fork_prepare, mbox_mq_fork_parent, mbox_mq_fork_child);
}
