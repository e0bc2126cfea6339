// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: ioctl dispatch and argument checking.
 *
 * Commands are matched on their number and direction; the size encoded in the
 * command is the size of the caller's version of the argument structure. It is
 * read with copy_struct_from_user(), so callers built against an older or a
 * newer uapi header both work (see include/uapi/linux/mbox.h).
 */
#include <linux/bits.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/pid.h>
#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include "mbox.h"

/* The published sizes; each struct may only grow. */
static_assert(sizeof(struct mbox_version) == 40);
static_assert(sizeof(struct mbox_open) == MBOX_OPEN_SIZE_VER1);
static_assert(sizeof(struct mbox_name) == MBOX_NAME_SIZE_VER0);
static_assert(sizeof(struct mbox_send) == MBOX_SEND_SIZE_VER3);
static_assert(sizeof(struct mbox_recv) == MBOX_RECV_SIZE_VER4);
static_assert(sizeof(struct mbox_stat) == MBOX_STAT_SIZE_VER2);
static_assert(sizeof(struct mbox_setattr) == MBOX_SETATTR_SIZE_VER0);
static_assert(sizeof(struct mbox_call) == MBOX_CALL_SIZE_VER0);
static_assert(sizeof(struct mbox_reply) == MBOX_REPLY_SIZE_VER0);
static_assert(sizeof(struct mbox_batch) == MBOX_BATCH_SIZE_VER0);
static_assert(sizeof(struct mbox_usage) == MBOX_USAGE_SIZE_VER0);
static_assert(sizeof(struct mbox_reply_recv) == MBOX_REPLY_RECV_SIZE_VER0);

struct mbox_ioc {
	unsigned int cmd;
	size_t size_ver0;
	long (*fn)(struct file *file, void __user *uarg, size_t usize);
};

static u64 mbox_ioctl_mask(void);

static long mbox_ioc_version(struct file *file, void __user *uarg, size_t usize)
{
	struct mbox_version v;
	int err;

	err = mbox_copy_struct_from_user(&v, sizeof(v), uarg, usize);
	if (err)
		return err;
	if (v.pad)
		return -EINVAL;
	v.abi_version = MBOX_ABI_VERSION;
	v.ioctls = mbox_ioctl_mask();
	v.open_flags = MBOX_OPEN_FLAGS;
	v.send_flags = MBOX_SEND_FLAGS;
	v.recv_flags = MBOX_RECV_FLAGS;
	return mbox_copy_struct_to_user(uarg, usize, &v, sizeof(v));
}

/*
 * Can an ioctl's answer be written back to the caller's memory? One that
 * acted (bound a handle, had a call answered, took a message) and then failed
 * to say so would leave its caller blind: a message taken and never seen, a
 * reply lost. Rewrite one byte of each page the memory spans as it is,
 * before anything is done.
 */
static int mbox_answer_writable(void __user *uarg, size_t usize)
{
	unsigned long addr = (unsigned long)uarg, end = addr + usize;
	u8 __user *p;
	u8 c;

	if (!access_ok(uarg, usize))
		return -EFAULT;
	for (; addr < end; addr = PAGE_ALIGN(addr + 1)) {
		p = (u8 __user *)addr;
		if (get_user(c, p) || put_user(c, p))
			return -EFAULT;
	}
	return 0;
}

/*
 * Read an argument structure that is answered, in the caller's version of
 * it, checking that the answer can be written.
 */
static __always_inline int mbox_copy_answered_from_user(void *dst, size_t ksize,
							void __user *src, size_t usize)
{
	int err = mbox_copy_struct_from_user(dst, ksize, src, usize);

	return err ? err : mbox_answer_writable(src, usize);
}

/* The combinations of MBOX_IOC_OPEN's flags and fields that make sense. */
static bool mbox_open_valid(const struct mbox_open *o)
{
	u32 by_pid = o->flags & (MBOX_OPEN_PID | MBOX_OPEN_PIDFD);
	u32 drop = o->flags & (MBOX_OPEN_DROP_OLDEST | MBOX_OPEN_DROP_NEWEST);

	if (o->pad || o->pad2 || (o->flags & ~MBOX_OPEN_FLAGS) || !o->access ||
	    (o->access & ~MBOX_ACCESS_ALL) || (o->mode & ~0777))
		return false;
	if ((o->flags & MBOX_OPEN_EXCL) && !(o->flags & MBOX_OPEN_CREATE))
		return false;
	if ((o->flags & MBOX_OPEN_PORT) && o->name_ptr)
		return false;
	/* Only a name this call creates can be bound to the handle. */
	if ((o->flags & MBOX_OPEN_UNLINK_ON_CLOSE) &&
	    (!(o->flags & MBOX_OPEN_CREATE) || !o->name_ptr))
		return false;
	/* Fan-out: created so, one policy at most, no rendezvous, no port. */
	if ((o->flags & MBOX_OPEN_FANOUT) &&
	    (!(o->flags & MBOX_OPEN_CREATE) ||
	     (o->flags & (MBOX_OPEN_RENDEZVOUS | MBOX_OPEN_PORT))))
		return false;
	if (drop && (!(o->flags & MBOX_OPEN_FANOUT) ||
		     drop == (MBOX_OPEN_DROP_OLDEST | MBOX_OPEN_DROP_NEWEST)))
		return false;
	if (!by_pid)
		return !o->target;
	/* Another process's port: named by pid or pidfd, and nothing else. */
	return by_pid != (MBOX_OPEN_PID | MBOX_OPEN_PIDFD) && !o->name_ptr &&
	       !(o->flags & (MBOX_OPEN_CREATE | MBOX_OPEN_PORT));
}

static long mbox_ioc_open(struct file *file, void __user *uarg, size_t usize)
{
	struct mbox_open o;
	int err;

	err = mbox_copy_answered_from_user(&o, sizeof(o), uarg, usize);
	if (err)
		return err;
	if (!mbox_open_valid(&o))
		return -EINVAL;
	err = mbox_mailbox_open(file->private_data, &o);
	if (err)
		return err;
	return mbox_copy_struct_to_user(uarg, usize, &o, sizeof(o));
}

static long mbox_ioc_unlink(struct file *file, void __user *uarg, size_t usize)
{
	struct mbox_name n;
	int err;

	err = mbox_copy_struct_from_user(&n, sizeof(n), uarg, usize);
	if (err)
		return err;
	return mbox_mailbox_unlink(n.name_ptr);
}

static long mbox_ioc_destroy(struct file *file, void __user *uarg, size_t usize)
{
	struct mbox_mailbox *mb = mbox_handle_mailbox(file, 0);

	if (IS_ERR(mb))
		return PTR_ERR(mb);
	return mbox_mailbox_destroy(mb);
}

/**
 * mbox_send_args() - read and check one send's arguments
 * @file: the handle
 * @uarg: a struct mbox_send: MBOX_IOC_SEND's, or an entry of MBOX_IOC_SEND_BATCH
 * @usize: its size, the caller's version
 * @xflags: MBOX_XFER_* flags to add
 * @x: filled in
 *
 * Return: 0, or -EFAULT, -E2BIG or -EINVAL.
 */
int mbox_send_args(struct file *file, void __user *uarg, size_t usize,
		   u32 xflags, struct mbox_xfer *x)
{
	struct mbox_send s __uninitialized;	/* read in whole, or not used */
	int err;

	err = mbox_copy_struct_from_user(&s, sizeof(s), uarg, usize);
	if (err)
		return err;
	if ((s.flags & ~MBOX_SEND_FLAGS) || s.pad)
		return -EINVAL;
	mbox_xfer_init(x, file, s.buf_ptr, s.len, s.flags | xflags);
	x->prio = s.prio;
	x->type = s.type;
	x->deadline = ns_to_ktime(s.deadline_ns);
	x->expire_ns = s.expire_ns;
	x->key = s.key;
	x->fds = u64_to_user_ptr(s.fds_ptr);
	x->nfds = s.nfds;
	return 0;
}

/**
 * mbox_send_one() - one send, as MBOX_IOC_SEND or an entry of a batch asks
 * @file: the handle
 * @uarg: its struct mbox_send
 * @usize: the size of that
 * @xflags: MBOX_XFER_* flags to add
 *
 * Return: 0, or -errno.
 */
int mbox_send_one(struct file *file, void __user *uarg, size_t usize, u32 xflags)
{
	struct mbox_xfer x __uninitialized;
	int err;

	err = mbox_send_args(file, uarg, usize, xflags, &x);
	return err ? err : mbox_handle_send(file, &x);
}

static long mbox_ioc_send(struct file *file, void __user *uarg, size_t usize)
{
	return mbox_send_one(file, uarg, usize, 0);
}

static long mbox_ioc_call(struct file *file, void __user *uarg, size_t usize)
{
	struct mbox_xfer x __uninitialized;
	struct mbox_call c;
	int err;

	err = mbox_copy_answered_from_user(&c, sizeof(c), uarg, usize);
	if (err)
		return err;
	if (c.flags & ~MBOX_CALL_FLAGS)
		return -EINVAL;
	/* Only as much as a reply can fill. */
	err = mbox_answer_writable(u64_to_user_ptr(c.reply_ptr),
				   min_t(u64, c.reply_len, MBOX_HARD_MSG_SIZE));
	if (err)
		return err;
	mbox_xfer_init(&x, file, c.req_ptr, c.req_len, c.flags | MBOX_XFER_CALL);
	x.prio = c.prio;
	x.type = c.type;
	x.deadline = ns_to_ktime(c.deadline_ns);
	x.reply_buf = u64_to_user_ptr(c.reply_ptr);
	x.reply_len = c.reply_len;
	err = mbox_handle_send(file, &x);
	if (err)
		return err;
	/* The call's one answer; a newer caller's tail was checked zero. */
	return put_user(x.reply_len, &((struct mbox_call __user *)uarg)->reply_len) ?
	       -EFAULT : 0;
}

static long mbox_ioc_reply(struct file *file, void __user *uarg, size_t usize)
{
	struct mbox_mailbox *mb = mbox_handle_mailbox(file, MBOX_ACCESS_RECV);
	struct mbox_user *user;
	struct mbox_reply r;
	int err;

	if (IS_ERR(mb))
		return PTR_ERR(mb);
	err = mbox_copy_struct_from_user(&r, sizeof(r), uarg, usize);
	if (err)
		return err;
	if (r.pad || r.error < 0 || r.error > MAX_ERRNO)
		return -EINVAL;
	user = mbox_handle_user(file->private_data);
	if (!user)
		return -ENOMEM;
	err = mbox_call_reply(mb, user, &r);
	mbox_handle_user_put(file->private_data, user);
	return err;
}

#ifdef _TIF_NEED_RESCHED_LAZY
#define MBOX_TIF_RESCHED	(_TIF_NEED_RESCHED | _TIF_NEED_RESCHED_LAZY)
#else
#define MBOX_TIF_RESCHED	_TIF_NEED_RESCHED	/* no PREEMPT_LAZY */
#endif

/*
 * Give the CPU up if the scheduler asked for it, lazily or not, as a return
 * to user space would. Between a reply and a receive, that lets the caller
 * just woken run where REPLY and RECV made apart would let it: its next
 * request is then queued before the server looks, instead of the server
 * blocking only to be woken again for it.
 */
static void mbox_resched_as_on_return(void)
{
	if (read_thread_flags() & MBOX_TIF_RESCHED)
		schedule();
}

/*
 * MBOX_IOC_REPLY_RECV: MBOX_IOC_REPLY, then MBOX_IOC_RECV, each on its own
 * structure; @replied tells the caller which of the two an error is from.
 */
static long mbox_ioc_reply_recv(struct file *file, void __user *uarg, size_t usize)
{
	u32 __user *replied = uarg + offsetof(struct mbox_reply_recv, replied);
	struct mbox_reply_recv rr;
	int err;

	err = mbox_copy_struct_from_user(&rr, sizeof(rr), uarg, usize);
	if (err)
		return err;
	if (rr.flags || !mbox_struct_size_ok(rr.reply_size, MBOX_REPLY_SIZE_VER0) ||
	    !mbox_struct_size_ok(rr.recv_size, MBOX_RECV_SIZE_VER0))
		return -EINVAL;
	if (put_user(0, replied))
		return -EFAULT;
	err = mbox_ioc_reply(file, u64_to_user_ptr(rr.reply_ptr), rr.reply_size);
	if (err)
		return err;
	if (put_user(1, replied))
		return -EFAULT;
	mbox_resched_as_on_return();
	err = mbox_recv_one(file, u64_to_user_ptr(rr.recv_ptr), rr.recv_size, 0);
	/* Restarted, the call would answer again: the reply is out, EINTR. */
	return err == -ERESTARTSYS ? -EINTR : err;
}

static long mbox_ioc_cancel(struct file *file, void __user *uarg, size_t usize)
{
	struct mbox_mailbox *mb = mbox_handle_mailbox(file, 0);

	if (IS_ERR(mb))
		return PTR_ERR(mb);
	return mbox_queue_cancel(mb, file->private_data);
}

/* A receive's selection must make sense; MBOX_RECV_FROM needs a pidfd. */
static int mbox_recv_select(struct mbox_xfer *x, const struct mbox_recv *r)
{
	if ((r->flags & MBOX_RECV_EXCEPT) &&
	    (!(r->flags & MBOX_RECV_TYPE) || r->type <= 0))
		return -EINVAL;
	x->type = r->type;
	if (!(r->flags & MBOX_RECV_FROM))
		return 0;
	x->from = mbox_pidfd_get(r->from);
	if (IS_ERR(x->from)) {
		int err = PTR_ERR(x->from);

		x->from = NULL;
		return err;
	}
	return 0;
}

/**
 * mbox_recv_args() - read and check one receive's arguments
 * @file: the handle
 * @uarg: a struct mbox_recv: MBOX_IOC_RECV's, or an entry of MBOX_IOC_RECV_BATCH
 * @usize: its size, the caller's version
 * @xflags: MBOX_XFER_* flags to add
 * @r: the struct, read in, for mbox_recv_answer()
 * @x: filled in; the caller puts @x->from
 *
 * Return: 0, or -errno.
 */
int mbox_recv_args(struct file *file, void __user *uarg, size_t usize,
		   u32 xflags, struct mbox_recv *r, struct mbox_xfer *x)
{
	int err;

	err = mbox_copy_answered_from_user(r, sizeof(*r), uarg, usize);
	if (err)
		return err;
	if ((r->flags & ~MBOX_RECV_FLAGS) ||
	    (r->flags & (MBOX_RECV_FDS | MBOX_RECV_FDS_CLOEXEC)) == MBOX_RECV_FDS_CLOEXEC)
		return -EINVAL;
	mbox_xfer_init(x, file, r->buf_ptr, r->buf_len, r->flags | xflags);
	x->deadline = ns_to_ktime(r->deadline_ns);
	x->fds = u64_to_user_ptr(r->fds_ptr);
	x->nfds = r->fds_max;
	return mbox_recv_select(x, r);
}

/**
 * mbox_recv_answer() - tell the receiver what it received
 * @uarg: where its struct mbox_recv is
 * @usize: the size of that
 * @r: the struct as mbox_recv_args() read it
 * @x: the receive, done (or failed with -EMSGSIZE or -ETOOMANYREFS)
 *
 * Return: 0, or -EFAULT.
 */
int mbox_recv_answer(void __user *uarg, size_t usize, struct mbox_recv *r,
		     const struct mbox_xfer *x)
{
	r->len = x->msg_len;
	r->prio = x->prio;
	r->seq = x->seq;
	r->type = x->type;
	r->pid = x->pid;
	r->tid = x->tid;
	r->uid = x->uid;
	r->gid = x->gid;
	r->pad = 0;
	r->send_ns = x->send_ns;
	r->reply_token = x->reply_token;
	r->start_ns = x->start_ns;
	r->nfds = x->msg_nfds;
	r->lost = x->lost;
	return mbox_copy_struct_to_user(uarg, usize, r, sizeof(*r));
}

/**
 * mbox_recv_one() - one receive, as MBOX_IOC_RECV or an entry of a batch asks
 * @file: the handle
 * @uarg: its struct mbox_recv, answered
 * @usize: the size of that
 * @xflags: MBOX_XFER_* flags to add
 *
 * Return: 0, or -errno.
 */
int mbox_recv_one(struct file *file, void __user *uarg, size_t usize, u32 xflags)
{
	struct mbox_xfer x __uninitialized;
	struct mbox_recv r __uninitialized;	/* read in whole, or not used */
	int err, cerr;

	err = mbox_recv_args(file, uarg, usize, xflags, &r, &x);
	if (err)
		return err;
	err = mbox_handle_recv(file, &x);
	put_pid(x.from);
	if (err && err != -EMSGSIZE && err != -ETOOMANYREFS)
		return err;
	/* EMSGSIZE, ETOOMANYREFS too: the caller learns what room to bring. */
	cerr = mbox_recv_answer(uarg, usize, &r, &x);
	return err ? err : cerr;
}

static long mbox_ioc_recv(struct file *file, void __user *uarg, size_t usize)
{
	return mbox_recv_one(file, uarg, usize, 0);
}

static long mbox_ioc_stat(struct file *file, void __user *uarg, size_t usize)
{
	struct mbox_handle *h = file->private_data;
	struct mbox_mailbox *mb = mbox_handle_mailbox(file, 0);
	struct mbox_stat st = { 0 };
	int err;

	if (IS_ERR(mb))
		return PTR_ERR(mb);
	err = mbox_mailbox_stat(mb, &st);
	if (err)
		return err;
	st.access = h->access;
	return mbox_copy_struct_to_user(uarg, usize, &st, sizeof(st));
}

static long mbox_ioc_setattr(struct file *file, void __user *uarg, size_t usize)
{
	struct mbox_mailbox *mb = mbox_handle_mailbox(file, 0);
	struct mbox_setattr a;
	int err;

	if (IS_ERR(mb))
		return PTR_ERR(mb);
	err = mbox_copy_struct_from_user(&a, sizeof(a), uarg, usize);
	if (err)
		return err;
	if (a.pad || (a.mask & ~MBOX_ATTR_MASK))
		return -EINVAL;
	return mbox_mailbox_setattr(mb, &a);
}

/* The usage of the caller's user, or (CAP_SYS_ADMIN) of another user. */
static long mbox_ioc_usage(struct file *file, void __user *uarg, size_t usize)
{
	struct user_namespace *ns = current_user_ns();
	kuid_t uid = current_uid();
	struct mbox_usage u;
	int err;

	err = mbox_copy_struct_from_user(&u, sizeof(u), uarg, usize);
	if (err)
		return err;
	if (u.pad || (u.flags & ~MBOX_USAGE_FLAGS))
		return -EINVAL;
	if (u.flags & MBOX_USAGE_UID) {
		uid = make_kuid(ns, u.uid);
		if (!uid_valid(uid))
			return -EINVAL;
		if (!uid_eq(uid, current_uid()) && !capable(CAP_SYS_ADMIN))
			return -EPERM;
	}
	mbox_user_usage(uid, &u);
	u.uid = from_kuid_munged(ns, uid);
	return mbox_copy_struct_to_user(uarg, usize, &u, sizeof(u));
}

static const struct mbox_ioc mbox_iocs[] = {
	[_IOC_NR(MBOX_IOC_VERSION)] = {
		MBOX_IOC_VERSION, MBOX_VERSION_SIZE_VER0, mbox_ioc_version
	},
	[_IOC_NR(MBOX_IOC_OPEN)] = {
		MBOX_IOC_OPEN, MBOX_OPEN_SIZE_VER0, mbox_ioc_open
	},
	[_IOC_NR(MBOX_IOC_UNLINK)] = {
		MBOX_IOC_UNLINK, MBOX_NAME_SIZE_VER0, mbox_ioc_unlink
	},
	[_IOC_NR(MBOX_IOC_DESTROY)] = {
		MBOX_IOC_DESTROY, 0, mbox_ioc_destroy
	},
	[_IOC_NR(MBOX_IOC_SEND)] = {
		MBOX_IOC_SEND, MBOX_SEND_SIZE_VER0, mbox_ioc_send
	},
	[_IOC_NR(MBOX_IOC_RECV)] = {
		MBOX_IOC_RECV, MBOX_RECV_SIZE_VER0, mbox_ioc_recv
	},
	[_IOC_NR(MBOX_IOC_STAT)] = {
		MBOX_IOC_STAT, MBOX_STAT_SIZE_VER0, mbox_ioc_stat
	},
	[_IOC_NR(MBOX_IOC_SETATTR)] = {
		MBOX_IOC_SETATTR, MBOX_SETATTR_SIZE_VER0, mbox_ioc_setattr
	},
	[_IOC_NR(MBOX_IOC_CALL)] = {
		MBOX_IOC_CALL, MBOX_CALL_SIZE_VER0, mbox_ioc_call
	},
	[_IOC_NR(MBOX_IOC_REPLY)] = {
		MBOX_IOC_REPLY, MBOX_REPLY_SIZE_VER0, mbox_ioc_reply
	},
	[_IOC_NR(MBOX_IOC_CANCEL)] = {
		MBOX_IOC_CANCEL, 0, mbox_ioc_cancel
	},
	[_IOC_NR(MBOX_IOC_SEND_BATCH)] = {
		MBOX_IOC_SEND_BATCH, MBOX_BATCH_SIZE_VER0, mbox_ioc_send_batch
	},
	[_IOC_NR(MBOX_IOC_RECV_BATCH)] = {
		MBOX_IOC_RECV_BATCH, MBOX_BATCH_SIZE_VER0, mbox_ioc_recv_batch
	},
	[_IOC_NR(MBOX_IOC_USAGE)] = {
		MBOX_IOC_USAGE, MBOX_USAGE_SIZE_VER0, mbox_ioc_usage
	},
	[_IOC_NR(MBOX_IOC_REPLY_RECV)] = {
		MBOX_IOC_REPLY_RECV, MBOX_REPLY_RECV_SIZE_VER0, mbox_ioc_reply_recv
	},
};

static_assert(ARRAY_SIZE(mbox_iocs) <= 64);

static u64 mbox_ioctl_mask(void)
{
	u64 mask = 0;
	size_t nr;

	for (nr = 0; nr < ARRAY_SIZE(mbox_iocs); nr++)
		if (mbox_iocs[nr].fn)
			mask |= BIT_ULL(nr);
	return mask;
}

/**
 * mbox_ioctl() - dispatch an ioctl on a /dev/mbox handle
 * @file: the handle
 * @cmd: the command, as encoded by the caller's uapi header
 * @arg: the user address of the command's argument structure
 *
 * Return: what the command returns; -ENOTTY for a command this module does not
 * know, -EINVAL for an argument shorter than its first published version.
 */
long mbox_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	unsigned int nr = _IOC_NR(cmd);
	const struct mbox_ioc *ioc;

	if (_IOC_TYPE(cmd) != MBOX_IOCTL_MAGIC || nr >= ARRAY_SIZE(mbox_iocs))
		return -ENOTTY;
	ioc = &mbox_iocs[array_index_nospec(nr, ARRAY_SIZE(mbox_iocs))];
	if (!ioc->fn || _IOC_DIR(cmd) != _IOC_DIR(ioc->cmd))
		return -ENOTTY;
	if (_IOC_SIZE(cmd) < ioc->size_ver0)
		return -EINVAL;
	return ioc->fn(file, (void __user *)arg, _IOC_SIZE(cmd));
}
