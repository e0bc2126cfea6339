// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: fan-out mailboxes, where every subscriber receives every message.
 *
 * A fan-out mailbox has no queue of its own. Each handle bound to it with
 * MBOX_ACCESS_RECV has a subscription (struct mbox_sub): a ring of references
 * to messages. A send copies its message in once and gives each subscription
 * a reference; each receive copies it out once, and the last reference frees
 * it. The message is charged once, to its sender, until the slowest
 * subscriber has it.
 *
 * Capacity (max_msgs, max_bytes) applies to each subscription; a message a
 * receiver is copying out still counts, as in an ordinary mailbox. When a
 * subscription is full, the mailbox's policy decides: the sender waits until
 * every subscription has room (the default; the receive that makes the last
 * room publishes the message of the oldest waiting sender), or the
 * subscription loses its oldest messages (MBOX_OPEN_DROP_OLDEST) or misses the
 * new one (MBOX_OPEN_DROP_NEWEST). What a subscription lost is reported, and
 * reset, by its next receive. Messages are delivered in the order sent,
 * whatever their priority.
 *
 * Everything is under the mailbox lock. References dropped under it that are
 * the last are freed after it (struct mbox_wake's drop chain): only the holder
 * of the last reference can chain a message, so it is chained once.
 */
#include <linux/overflow.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mbox.h"
#include "trace.h"

#define MBOX_FANOUT_DROP	(MBOX_OPEN_DROP_OLDEST | MBOX_OPEN_DROP_NEWEST)

/* Drop a reference under the lock; the last one is dropped after it. */
static void mbox_fanout_unref(struct mbox_msg *msg, struct mbox_wake *wake)
{
	if (refcount_dec_not_one(&msg->ref))
		return;
	msg->next_drop = wake->drop;
	wake->drop = msg;
}

static struct mbox_msg *mbox_sub_pop(struct mbox_sub *sub)
{
	struct mbox_msg *msg = sub->ring[sub->head];

	sub->head = (sub->head + 1) % sub->size;
	sub->count--;
	return msg;
}

static void mbox_sub_push(struct mbox_sub *sub, struct mbox_msg *msg)
{
	sub->ring[(sub->head + sub->count) % sub->size] = msg;
	sub->count++;
}

/* Put a message that could not be copied out back at the head. */
static void mbox_sub_unpop(struct mbox_sub *sub, struct mbox_msg *msg)
{
	sub->head = (sub->head + sub->size - 1) % sub->size;
	sub->ring[sub->head] = msg;
	sub->count++;
}

/* Take the oldest message out of a subscription, unreceived. */
static void mbox_sub_drop(struct mbox_sub *sub, struct mbox_wake *wake)
{
	struct mbox_msg *msg = mbox_sub_pop(sub);

	sub->held--;
	sub->bytes -= msg->len;
	mbox_fanout_unref(msg, wake);
}

static bool mbox_sub_room(const struct mbox_mailbox *mb,
			  const struct mbox_sub *sub, size_t len)
{
	return sub->held < sub->size && sub->bytes + len <= mb->max_bytes;
}

/* Has every subscription room for a message of @len bytes? */
static bool mbox_fanout_fits(const struct mbox_mailbox *mb, size_t len)
{
	const struct mbox_sub *sub;

	list_for_each_entry(sub, &mb->subs, node)
		if (!mbox_sub_room(mb, sub, len))
			return false;
	return true;
}

/* A subscription misses a message: its receiver learns it. */
static void mbox_sub_lose(struct mbox_mailbox *mb, struct mbox_sub *sub)
{
	sub->lost++;
	mb->total_lost++;
}

/*
 * Give every subscription a reference to a message, as the policy says, and
 * let the receivers blocked on one that has something look again. The
 * sender's reference is dropped.
 */
static void mbox_fanout_publish(struct mbox_mailbox *mb, struct mbox_msg *msg,
				struct mbox_wake *wake)
{
	struct mbox_waiter *w, *tmp;
	struct mbox_sub *sub;

	msg->seq = ++mb->seq;
	mb->total_sent++;
	trace_mbox_send(mb, msg, false);
	list_for_each_entry(sub, &mb->subs, node) {
		if (mb->flags & MBOX_OPEN_DROP_OLDEST) {
			while (sub->count && !mbox_sub_room(mb, sub, msg->len)) {
				mbox_sub_drop(sub, wake);
				mbox_sub_lose(mb, sub);
			}
		}
		/* Dropping the newest; or what is left is being received. */
		if (!mbox_sub_room(mb, sub, msg->len)) {
			mbox_sub_lose(mb, sub);
			continue;
		}
		refcount_inc(&msg->ref);
		mbox_sub_push(sub, msg);
		sub->held++;
		sub->bytes += msg->len;
	}
	mbox_fanout_unref(msg, wake);
	wake->events |= EPOLLIN | EPOLLRDNORM;
	list_for_each_entry_safe(w, tmp, &mb->recv_waiters, node)
		if (w->h->sub->count)
			mbox_waiter_ready(mb, w, 0, wake);
}

/**
 * mbox_fanout_refill() - publish blocked senders' messages, oldest first
 * @mb: the fan-out mailbox, locked
 * @wake: what to wake once it is unlocked
 *
 * While the oldest blocked sender's message fits every subscription.
 */
void mbox_fanout_refill(struct mbox_mailbox *mb, struct mbox_wake *wake)
{
	struct mbox_waiter *w;
	struct mbox_msg *msg;

	while ((w = list_first_entry_or_null(&mb->send_waiters,
					     struct mbox_waiter, node))) {
		if (!mbox_fanout_fits(mb, w->msg->len))
			return;
		msg = w->msg;
		w->msg = NULL;
		mbox_fanout_publish(mb, msg, wake);
		mbox_waiter_ready(mb, w, 0, wake);
	}
}

/*
 * Publish now, or (blocking policy) wait until every subscription has room:
 * a receive that makes it publishes the message and ends the wait. On
 * return w->msg is the sender's still if it was not sent.
 */
static int mbox_fanout_post(struct mbox_mailbox *mb, struct mbox_waiter *w,
			    struct mbox_wake *wake)
	__must_hold(&mb->lock)
{
	bool timed_out;
	struct mbox_msg *msg;

	if (mb->dead)
		return -EIDRM;
	if ((mb->flags & MBOX_FANOUT_DROP) ||
	    (list_empty(&mb->send_waiters) && mbox_fanout_fits(mb, w->msg->len))) {
		msg = w->msg;
		w->msg = NULL;
		mbox_fanout_publish(mb, msg, wake);
		return 0;
	}
	if (w->x->flags & MBOX_XFER_NONBLOCK)
		return -EAGAIN;
	w->phase = MBOX_PHASE_ROOM;
	mbox_waiter_add(mb, w, &mb->send_waiters);
	for (;;) {
		timed_out = mbox_sleep(mb, w->x, TASK_INTERRUPTIBLE, wake);
		if (w->ready)
			return w->err;
		if (signal_pending(current) || timed_out)
			break;
	}
	mbox_waiter_del(mb, w);
	/* The sender behind us, with a shorter message, may fit. */
	mbox_fanout_refill(mb, wake);
	return timed_out ? -ETIMEDOUT : -ERESTARTSYS;
}

/**
 * mbox_fanout_send() - send one message to every subscriber
 * @mb: the fan-out mailbox
 * @user: whose quota the message is charged to, once
 * @x: the message and how to send it
 *
 * Synchronous sends, calls, expiry, keys and files make no sense here:
 * -EINVAL.
 *
 * Return: 0 once published (to no subscriber, if there is none), or -errno.
 */
int mbox_fanout_send(struct mbox_mailbox *mb, struct mbox_user *user,
		     struct mbox_xfer *x)
{
	struct mbox_waiter w = { .sender = true, .x = x, .h = x->h };
	struct mbox_wake wake __uninitialized;
	struct mbox_msg *msg;
	int err;

	mbox_wake_init(&wake, 0);
	if ((x->flags & (MBOX_XFER_SYNC | MBOX_XFER_CALL | MBOX_SEND_EXPIRE |
			 MBOX_SEND_KEY)) || x->nfds)
		return -EINVAL;
	err = mbox_msg_check(mb, x);
	if (err)
		return err;
	msg = mbox_msg_make(mb, user, x);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	INIT_LIST_HEAD(&w.node);
	w.task = current;
	w.msg = msg;

	spin_lock(&mb->lock);
	err = mbox_fanout_post(mb, &w, &wake);
	spin_unlock(&mb->lock);
	mbox_wake_up(mb, &wake);
	if (w.msg)
		mbox_msg_put(w.msg);
	return err;
}

/* Take the subscription's oldest message, blocking while there is none. */
static struct mbox_msg *mbox_fanout_take(struct mbox_mailbox *mb,
					 struct mbox_sub *sub, struct mbox_xfer *x,
					 struct mbox_wake *wake)
	__must_hold(&mb->lock)
{
	struct mbox_waiter w;
	struct mbox_msg *msg;
	int err;

	mbox_recv_waiter_init(&w, x);
	for (;;) {
		if (mb->dead)
			return ERR_PTR(-EIDRM);
		if (sub->count)
			break;
		if (x->flags & MBOX_XFER_NONBLOCK)
			return ERR_PTR(-EAGAIN);
		w.ready = false;
		err = mbox_recv_wait(mb, &w, wake);
		if (err)
			return ERR_PTR(err);
	}
	msg = sub->ring[sub->head];
	x->msg_len = msg->len;
	if (msg->len > x->len && !(x->flags & MBOX_RECV_TRUNC))
		return ERR_PTR(-EMSGSIZE);
	/* The ring's reference is ours; the room is made once copied out. */
	mbox_sub_pop(sub);
	x->lost = sub->lost;
	sub->lost = 0;
	return msg;
}

/* Let one other receiver of a subscription look at it again. */
static void mbox_fanout_retry(struct mbox_mailbox *mb, struct mbox_sub *sub,
			      struct mbox_wake *wake)
{
	struct mbox_waiter *w;

	list_for_each_entry(w, &mb->recv_waiters, node) {
		if (w->h->sub == sub) {
			mbox_waiter_ready(mb, w, 0, wake);
			return;
		}
	}
}

/**
 * mbox_fanout_recv() - receive the next message of a handle's subscription
 * @mb: the fan-out mailbox
 * @x: the buffer and flags; on return what the message is, and how many
 *	messages the subscription lost before it
 *
 * Peeking, selection and files make no sense here: -EINVAL. A message that cannot
 * be copied out is put back at the head, and what was lost is kept to tell.
 *
 * Return: 0, or -errno.
 */
int mbox_fanout_recv(struct mbox_mailbox *mb, struct mbox_xfer *x)
{
	struct mbox_sub *sub = x->h->sub;
	struct mbox_wake wake __uninitialized;
	struct mbox_msg *msg;
	bool copied;

	mbox_wake_init(&wake, 0);
	if (x->flags & (MBOX_RECV_PEEK | MBOX_RECV_TYPE | MBOX_RECV_EXCEPT |
			MBOX_RECV_FROM | MBOX_RECV_FDS))
		return -EINVAL;
	spin_lock(&mb->lock);
	msg = mbox_fanout_take(mb, sub, x, &wake);
	spin_unlock(&mb->lock);
	mbox_wake_up(mb, &wake);
	if (IS_ERR(msg))
		return PTR_ERR(msg);

	mbox_msg_describe(msg, x);
	copied = !copy_to_user(x->buf, msg->data, min(msg->len, x->len));

	mbox_wake_init(&wake, 0);
	spin_lock(&mb->lock);
	trace_mbox_receive(mb, msg, copied ? 0 : -EFAULT);
	if (!copied && !mb->dead) {
		mbox_sub_unpop(sub, msg);
		sub->lost += x->lost;
		x->lost = 0;
		msg = NULL;
		mbox_fanout_retry(mb, sub, &wake);
	} else {
		sub->held--;
		sub->bytes -= msg->len;
		mb->total_received += copied;
		wake.events |= EPOLLOUT | EPOLLWRNORM;
		mbox_fanout_refill(mb, &wake);
	}
	spin_unlock(&mb->lock);
	mbox_wake_up(mb, &wake);
	if (msg)
		mbox_msg_put(msg);
	return copied ? 0 : -EFAULT;
}

/**
 * mbox_fanout_poll() - the poll events of a handle of a fan-out mailbox
 * @mb: the mailbox
 * @h: the handle
 *
 * Return: EPOLLIN when the handle's subscription has a message, EPOLLOUT when
 * a message of any legal size can be sent without blocking (always, with a
 * drop policy), EPOLLHUP | EPOLLERR once destroyed.
 */
__poll_t mbox_fanout_poll(struct mbox_mailbox *mb, struct mbox_handle *h)
{
	__poll_t events = 0;

	spin_lock(&mb->lock);
	if (mb->dead) {
		events = EPOLLHUP | EPOLLERR;
	} else {
		if (h->sub && h->sub->count)
			events |= EPOLLIN | EPOLLRDNORM;
		if ((mb->flags & MBOX_FANOUT_DROP) ||
		    (list_empty(&mb->send_waiters) &&
		     mbox_fanout_fits(mb, mb->max_msg_size)))
			events |= EPOLLOUT | EPOLLWRNORM;
	}
	spin_unlock(&mb->lock);
	return events;
}

/**
 * mbox_fanout_subscribe() - make a handle a subscriber of a fan-out mailbox
 * @mb: the mailbox
 * @h: the handle, being bound: it gets every message sent from now on
 *
 * The ring is sized by the mailbox's max_msgs, which cannot change.
 *
 * Return: 0, or -ENOMEM.
 */
int mbox_fanout_subscribe(struct mbox_mailbox *mb, struct mbox_handle *h)
{
	u32 size = READ_ONCE(mb->max_msgs);
	struct mbox_sub *sub;

	sub = kvzalloc(struct_size(sub, ring, size), GFP_KERNEL_ACCOUNT);
	if (!sub)
		return -ENOMEM;
	sub->size = size;
	spin_lock(&mb->lock);
	list_add_tail(&sub->node, &mb->subs);
	mb->nsubs++;
	spin_unlock(&mb->lock);
	h->sub = sub;
	return 0;
}

/**
 * mbox_fanout_unsubscribe() - end a handle's subscription, as it is released
 * @mb: the mailbox
 * @h: the handle, with no call in progress
 *
 * Its messages' references go; a sender waiting for its room waits no more.
 */
void mbox_fanout_unsubscribe(struct mbox_mailbox *mb, struct mbox_handle *h)
{
	struct mbox_wake wake __uninitialized;
	struct mbox_sub *sub = h->sub;

	mbox_wake_init(&wake, EPOLLOUT | EPOLLWRNORM);
	spin_lock(&mb->lock);
	list_del(&sub->node);
	mb->nsubs--;
	while (sub->count)
		mbox_sub_drop(sub, &wake);
	mbox_fanout_refill(mb, &wake);
	spin_unlock(&mb->lock);
	mbox_wake_up(mb, &wake);
	h->sub = NULL;
	kvfree(sub);
}

/**
 * mbox_fanout_kill() - empty every subscription of a mailbox being destroyed
 * @mb: the mailbox, locked
 * @wake: collects the messages to free once it is unlocked
 */
void mbox_fanout_kill(struct mbox_mailbox *mb, struct mbox_wake *wake)
{
	struct mbox_sub *sub;

	list_for_each_entry(sub, &mb->subs, node)
		while (sub->count)
			mbox_sub_drop(sub, wake);
}

/**
 * mbox_fanout_fullest() - what a fan-out mailbox holds, as its listings show
 * @mb: the mailbox, locked
 * @msgs: out: the messages of the fullest subscription
 * @bytes: out: their bytes
 *
 * The fullest subscription is the one that holds senders up first.
 */
void mbox_fanout_fullest(const struct mbox_mailbox *mb, u32 *msgs, u64 *bytes)
{
	const struct mbox_sub *sub;

	*msgs = 0;
	*bytes = 0;
	list_for_each_entry(sub, &mb->subs, node) {
		if (sub->held > *msgs) {
			*msgs = sub->held;
			*bytes = sub->bytes;
		}
	}
}

/**
 * mbox_fanout_stat() - what stat reports of a fan-out mailbox
 * @mb: the mailbox, locked
 * @st: its queue is the fullest subscription's
 */
void mbox_fanout_stat(struct mbox_mailbox *mb, struct mbox_stat *st)
{
	u64 bytes;

	mbox_fanout_fullest(mb, &st->cur_msgs, &bytes);
	st->cur_bytes = bytes;
	st->subscribers = mb->nsubs;
	st->total_lost = mb->total_lost;
}
