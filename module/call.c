// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: request and reply. A call is a synchronous send whose wait goes on,
 * once a server has taken the request, until the server answers through
 * MBOX_IOC_REPLY with the token it received; the reply goes straight to the
 * caller, never through a mailbox.
 */
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mbox.h"

/*
 * A record for a call through @h: the one its last call left, if any, so
 * that calls in a row allocate nothing.
 */
static struct mbox_pending *mbox_call_record(struct mbox_handle *h)
{
	return xchg(&h->spare_call, NULL) ?:
	       kmalloc(sizeof(struct mbox_pending), GFP_KERNEL_ACCOUNT);
}

/* Keep a call's record for @h's next call; freed if it already has one. */
static void mbox_call_record_keep(struct mbox_handle *h, struct mbox_pending *call)
{
	kfree(xchg(&h->spare_call, call));
}

/**
 * mbox_call() - send a request and wait for its reply
 * @mb: the mailbox
 * @user: whose quota the request is charged to
 * @x: the request, and in @x->reply_buf and @x->reply_len room for the
 *	reply; on success @x->reply_len is the reply's length
 *
 * Return: 0, or -errno: the server's error, -EPIPE (the server's handle
 * closed without answering), -EIDRM, -ETIMEDOUT, -ECANCELED, -EINTR.
 */
int mbox_call(struct mbox_mailbox *mb, struct mbox_user *user, struct mbox_xfer *x)
{
	struct mbox_waiter w = { .sender = true, .x = x, .h = x->h };
	int err;

	x->flags = (x->flags & MBOX_CALL_FLAGS) | MBOX_XFER_CALL;
	w.call = mbox_call_record(w.h);
	if (!w.call)
		return -ENOMEM;
	err = mbox_deliver(mb, user, &w);
	/* Abandoned after it was taken, the record is the mailbox's to free. */
	if (w.phase != MBOX_PHASE_TAKEN)
		mbox_call_record_keep(w.h, w.call);
	if (!err) {
		x->reply_len = w.msg->len;
		if (copy_to_user(x->reply_buf, w.msg->data, w.msg->len))
			err = -EFAULT;
	}
	if (w.msg)
		mbox_msg_put(w.msg);
	return err;
}

/**
 * mbox_call_taken() - a server has taken a call's request
 * @mb: the mailbox, locked
 * @w: the caller
 * @x: the server's receive, told the reply token
 */
void mbox_call_taken(struct mbox_mailbox *mb, struct mbox_waiter *w,
		     struct mbox_xfer *x)
{
	struct mbox_pending *call = w->call;

	/* Never 0, which means "no reply expected". */
	if (!++mb->call_seq)
		++mb->call_seq;
	call->token = (u64)mb->id << 32 | mb->call_seq;
	call->waiter = w;
	call->taker = x->h;
	list_add_tail(&call->link, &mb->calls);
	w->phase = MBOX_PHASE_TAKEN;
	x->reply_token = call->token;
	/* A caller that gave up while the request was copied can abandon now. */
	if (w->giving_up)
		wake_up_process(w->task);
}

static struct mbox_pending *mbox_call_find(struct mbox_mailbox *mb, u64 token)
{
	struct mbox_pending *call;

	list_for_each_entry(call, &mb->calls, link)
		if (call->token == token)
			return call;
	return NULL;
}

/* Take a call off the list: back to its caller, or freed if it gave up. */
static void mbox_call_end(struct mbox_mailbox *mb, struct mbox_pending *call,
			  struct mbox_msg *reply, int err, struct mbox_wake *wake)
{
	struct mbox_waiter *w = call->waiter;

	list_del(&call->link);
	if (!w) {
		kfree(call);
		return;
	}
	w->msg = reply;
	mbox_waiter_ready(mb, w, err, wake);
}

/**
 * mbox_call_reply() - answer a call
 * @mb: the mailbox of the handle answering
 * @user: whose quota the reply is charged to
 * @r: the answer, its error already checked to be 0..MAX_ERRNO
 *
 * Return: 0, or -ENOENT (no such call pending), -EPIPE (its caller gave up),
 * -EMSGSIZE (longer than the caller's room; the call stays pending), -EXDEV
 * (the token is another mailbox's), -EIDRM, -EFAULT, -ENOMEM, -EDQUOT.
 */
int mbox_call_reply(struct mbox_mailbox *mb, struct mbox_user *user,
		    const struct mbox_reply *r)
{
	struct mbox_wake wake __uninitialized;
	struct mbox_msg *reply = NULL;
	struct mbox_pending *call;
	int err = 0;

	mbox_wake_init(&wake, 0);
	if (r->token >> 32 != mb->id)
		return mbox_id_issued(r->token >> 32) ? -EXDEV : -ENOENT;
	if (!r->error) {
		if (r->len > MBOX_HARD_MSG_SIZE)
			return -EMSGSIZE;
		/* From the mailbox's cache, as the request: freed by the caller. */
		reply = mbox_msg_create(mbox_cache_for(mb, r->len), user,
					u64_to_user_ptr(r->buf_ptr), r->len);
		if (IS_ERR(reply))
			return PTR_ERR(reply);
	}

	spin_lock(&mb->lock);
	call = mbox_call_find(mb, r->token);
	if (mb->dead) {
		err = -EIDRM;
	} else if (!call) {
		err = -ENOENT;
	} else if (!call->waiter) {
		mbox_call_end(mb, call, NULL, 0, &wake);
		err = -EPIPE;
	} else if (reply && reply->len > call->waiter->x->reply_len) {
		err = -EMSGSIZE;
	} else {
		mbox_call_end(mb, call, reply, -r->error, &wake);
		reply = NULL;
	}
	spin_unlock(&mb->lock);
	mbox_wake_up(mb, &wake);
	if (reply)
		mbox_msg_put(reply);
	return err;
}

/**
 * mbox_calls_fail() - end pending calls unanswered
 * @mb: the mailbox, locked
 * @taker: only the calls taken through this handle, or NULL for all
 * @err: what the callers' calls fail with
 */
void mbox_calls_fail(struct mbox_mailbox *mb, struct mbox_handle *taker, int err)
{
	struct mbox_pending *call, *tmp;

	list_for_each_entry_safe(call, tmp, &mb->calls, link)
		if (!taker || call->taker == taker)
			mbox_call_end(mb, call, NULL, err, NULL);
}

/**
 * mbox_calls_release() - a handle closes: its unanswered calls fail
 * @mb: the handle's mailbox
 * @taker: the handle
 *
 * The server that took them through this handle is gone (or will never
 * answer through it): their callers get -EPIPE at once rather than hang.
 */
void mbox_calls_release(struct mbox_mailbox *mb, struct mbox_handle *taker)
{
	spin_lock(&mb->lock);
	mbox_calls_fail(mb, taker, -EPIPE);
	spin_unlock(&mb->lock);
}
