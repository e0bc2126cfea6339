// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: MBOX_IOC_SEND_BATCH and MBOX_IOC_RECV_BATCH, many messages per call.
 *
 * The first entry goes as it says, and may wait. The rest never wait, and the
 * batch ends at the first of them that fails, or at a pending signal. They go
 * in runs that take the mailbox lock once per run rather than once per
 * message: a send run copies its messages in, then posts them all; a receive
 * run takes its messages, then copies each out. An entry a run cannot carry
 * (a synchronous or large send; anything on a fan-out mailbox) goes alone,
 * the way of a single send or receive.
 */
#include <linux/minmax.h>
#include <linux/pid.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "mbox.h"

/* Entries per lock round; a receive run's scratch stays within two pages. */
#define MBOX_RUN	16U

/**
 * struct mbox_entries - the entries of a batch not yet done
 * @file: the handle
 * @mb: its mailbox
 * @next: the user address of the next entry
 * @size: the size of each entry, the caller's version of its structure
 * @left: how many there are
 * @end: an entry failed, or a signal is pending: the batch ends
 */
struct mbox_entries {
	struct file *file;
	struct mbox_mailbox *mb;
	void __user *next;
	size_t size;
	u32 left;
	bool end;
};

/**
 * struct mbox_recv_run - a receive run
 * @r: its entries' structures as read in, to be answered
 * @x: their receives
 * @msg: the messages they took
 */
struct mbox_recv_run {
	struct mbox_recv r[MBOX_RUN];
	struct mbox_xfer x[MBOX_RUN];
	struct mbox_msg *msg[MBOX_RUN];
};

static void __user *mbox_entry(const struct mbox_entries *e, u32 i)
{
	return e->next + (size_t)i * e->size;
}

/* Past the @n entries a run has done. */
static u32 mbox_entries_advance(struct mbox_entries *e, u32 n)
{
	e->next = mbox_entry(e, n);
	e->left -= n;
	return n;
}

/*
 * Read a batch and do its first entry with @one. Return: 1, with @e the
 * entries after the first; or -errno, the batch's.
 */
static long mbox_batch_start(struct mbox_entries *e, struct file *file,
			     void __user *uarg, size_t usize, size_t entry_ver0,
			     u32 access,
			     int (*one)(struct file *, void __user *, size_t, u32))
{
	struct mbox_batch b;
	int err;

	err = mbox_copy_struct_from_user(&b, sizeof(b), uarg, usize);
	if (err)
		return err;
	if (b.flags || b.pad || !b.count || b.count > MBOX_BATCH_MAX ||
	    !mbox_struct_size_ok(b.entry_size, entry_ver0))
		return -EINVAL;
	*e = (struct mbox_entries){
		.file = file,
		.next = u64_to_user_ptr(b.vec_ptr),
		.size = b.entry_size,
		.left = b.count,
	};
	err = one(file, e->next, e->size, 0);
	if (err)
		return err;
	/* Bound, and open for @access: the first entry went through. */
	e->mb = mbox_handle_mailbox(file, access);
	return mbox_entries_advance(e, 1);
}

/* Can a run carry this send: asynchronous, copied in, to a queue? */
static bool mbox_send_runs(const struct mbox_mailbox *mb, const struct mbox_xfer *x)
{
	return !(mb->flags & (MBOX_OPEN_FANOUT | MBOX_OPEN_RENDEZVOUS)) &&
	       !(x->flags & MBOX_XFER_SYNC) && x->len < MBOX_DIRECT_MIN;
}

/*
 * Copy in the messages of the next entries, up to one that must go alone,
 * and post them in one lock round; then that one, alone. Return: how many
 * were sent.
 */
static u32 mbox_send_run(struct mbox_entries *e, struct mbox_user *user)
{
	struct mbox_mailbox *mb = e->mb;
	struct mbox_msg *msgs[MBOX_RUN];
	bool alone = false;
	struct mbox_xfer x __uninitialized;
	u32 n = 0, sent;
	int err;

	while (n < min(e->left, MBOX_RUN)) {
		if (signal_pending(current) ||
		    mbox_send_args(e->file, mbox_entry(e, n), e->size,
				   MBOX_XFER_NONBLOCK, &x)) {
			e->end = true;
			break;
		}
		if (!mbox_send_runs(mb, &x)) {
			alone = true;
			break;
		}
		err = mbox_msg_check(mb, &x);
		msgs[n] = err ? ERR_PTR(err) : mbox_msg_make(mb, user, &x);
		if (IS_ERR(msgs[n])) {
			e->end = true;
			break;
		}
		n++;
	}
	sent = n ? mbox_send_many(mb, e->file->private_data, msgs, n) : 0;
	if (sent < n) {
		e->end = true;
		while (n > sent)
			mbox_msg_put(msgs[--n]);
	} else if (alone) {
		if (mbox_handle_send(e->file, &x))
			e->end = true;
		else
			sent++;
	}
	return sent;
}

/**
 * mbox_ioc_send_batch() - MBOX_IOC_SEND_BATCH
 * @file: the handle
 * @uarg: its struct mbox_batch of struct mbox_send entries
 * @usize: the size of that
 *
 * Return: how many messages were sent, or (none) -errno.
 */
long mbox_ioc_send_batch(struct file *file, void __user *uarg, size_t usize)
{
	struct mbox_entries e;
	struct mbox_user *user;
	long done;

	done = mbox_batch_start(&e, file, uarg, usize, MBOX_SEND_SIZE_VER0,
				MBOX_ACCESS_SEND, mbox_send_one);
	if (done < 0 || !e.left)
		return done;
	user = mbox_handle_user(file->private_data);
	if (!user)
		return done;
	while (e.left && !e.end)
		done += mbox_entries_advance(&e, mbox_send_run(&e, user));
	mbox_handle_user_put(file->private_data, user);
	return done;
}

/* Messages taken but not received go back, newest first: the queue keeps its order. */
static void mbox_recv_unwind(struct mbox_mailbox *mb, struct mbox_recv_run *run,
			     u32 from, u32 to)
{
	while (to-- > from)
		mbox_recv_end(mb, run->msg[to], &run->x[to], false);
}

/*
 * Copy out the @got messages a run took, and answer their entries. The room
 * of plain ones is given back, and they are freed, together at the end.
 */
static u32 mbox_recv_out(struct mbox_entries *e, struct mbox_recv_run *run,
			 u32 got)
{
	struct mbox_received later = { .msgs = 0 };
	struct mbox_mailbox *mb = e->mb;
	struct mbox_xfer *x;
	u32 i;

	for (i = 0; i < got; i++) {
		x = &run->x[i];
		mbox_msg_describe(run->msg[i], x);
		if (mbox_recv_copy(run->msg[i], x)) {
			mbox_recv_unwind(mb, run, i, got);
			break;
		}
		mbox_recv_end_later(mb, run->msg[i], x, &later);
		/* Made unwritable since it was read: received, as by MBOX_IOC_RECV. */
		if (mbox_recv_answer(mbox_entry(e, i), e->size, &run->r[i], x)) {
			mbox_recv_unwind(mb, run, i + 1, got);
			break;
		}
	}
	mbox_recv_end_noted(mb, &later);
	return i;
}

/*
 * Take messages for the next entries in one lock round, then copy them out.
 * Return: how many were received.
 */
static u32 mbox_recv_run(struct mbox_entries *e, struct mbox_recv_run *run)
{
	struct mbox_mailbox *mb = e->mb;
	u32 n = 0, got, done;
	int err = 0;

	/* No queue to take from: its subscriptions are the handles'. */
	if (mb->flags & MBOX_OPEN_FANOUT) {
		e->end = mbox_recv_one(e->file, e->next, e->size, MBOX_XFER_NONBLOCK) != 0;
		return !e->end;
	}
	while (n < min(e->left, MBOX_RUN)) {
		if (signal_pending(current) ||
		    mbox_recv_args(e->file, mbox_entry(e, n), e->size, MBOX_XFER_NONBLOCK,
				   &run->r[n], &run->x[n])) {
			e->end = true;
			break;
		}
		n++;
	}
	got = n ? mbox_take_many(mb, run->x, run->msg, n, &err) : 0;
	done = mbox_recv_out(e, run, got);
	if (done < n)
		e->end = true;
	/* The caller learns what room to bring, as from MBOX_IOC_RECV. */
	if (done == got && got < n && (err == -EMSGSIZE || err == -ETOOMANYREFS))
		mbox_recv_answer(mbox_entry(e, got), e->size, &run->r[got], &run->x[got]);
	while (n)
		put_pid(run->x[--n].from);
	return done;
}

/**
 * mbox_ioc_recv_batch() - MBOX_IOC_RECV_BATCH
 * @file: the handle
 * @uarg: its struct mbox_batch of struct mbox_recv entries, each answered
 * @usize: the size of that
 *
 * Return: how many messages were received, or (none) -errno.
 */
long mbox_ioc_recv_batch(struct file *file, void __user *uarg, size_t usize)
{
	struct mbox_recv_run *run;
	struct mbox_entries e;
	long done;

	done = mbox_batch_start(&e, file, uarg, usize, MBOX_RECV_SIZE_VER0,
				MBOX_ACCESS_RECV, mbox_recv_one);
	if (done < 0 || !e.left)
		return done;
	run = kmalloc(sizeof(*run), GFP_KERNEL_ACCOUNT);
	if (!run)
		return done;
	while (e.left && !e.end)
		done += mbox_entries_advance(&e, mbox_recv_run(&e, run));
	kfree(run);
	return done;
}
