// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: messages in a mailbox: allocation, priority queue, hand-off to blocked
 * receivers, blocking senders and receivers, poll and destroy.
 */
#include <linux/hrtimer.h>
#include <linux/overflow.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mbox.h"

/**
 * struct mbox_waiter - a caller blocked on a mailbox, on its own stack
 * @node: in the mailbox's recv_waiters or send_waiters
 * @task: the caller
 * @msg: sender: its message, for a receiver to queue when room is made;
 *	receiver: a message handed over by a sender
 * @x: what the caller asked for
 * @sender: on send_waiters
 * @ready: set, with @err, by whoever took the waiter off its list
 * @err: why the wait ended: 0, or -EIDRM from destroy
 */
struct mbox_waiter {
	struct list_head node;
	struct task_struct *task;
	struct mbox_msg *msg;
	const struct mbox_xfer *x;
	bool sender;
	bool ready;
	int err;
};

/* Tasks and pollers to wake once the mailbox lock is dropped. */
struct mbox_wake {
	struct task_struct *task[2];
	unsigned int n;
	__poll_t events;
};

struct mbox_mailbox *mbox_queue_alloc(void)
{
	struct mbox_mailbox *mb;

	mb = kzalloc(sizeof(*mb), GFP_KERNEL_ACCOUNT);
	if (!mb)
		return NULL;
	kref_init(&mb->ref);
	spin_lock_init(&mb->lock);
	mb->levels = RB_ROOT_CACHED;
	INIT_LIST_HEAD(&mb->recv_waiters);
	INIT_LIST_HEAD(&mb->send_waiters);
	init_waitqueue_head(&mb->poll_wq);
	return mb;
}

static size_t mbox_msg_charge(const struct mbox_msg *msg)
{
	return sizeof(*msg) + msg->len;
}

static void mbox_msg_put(struct mbox_msg *msg)
{
	if (!refcount_dec_and_test(&msg->ref))
		return;
	mbox_user_uncharge(msg->user, mbox_msg_charge(msg));
	mbox_user_put(msg->user);
	kvfree(msg);
}

/* Copy a message in from user space and charge it to @user. */
static struct mbox_msg *mbox_msg_create(struct mbox_user *user,
					const struct mbox_xfer *x)
{
	struct mbox_msg *msg;
	int err;

	msg = kvmalloc(struct_size(msg, data, x->len), GFP_KERNEL_ACCOUNT);
	if (!msg)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(msg->data, x->buf, x->len)) {
		err = -EFAULT;
		goto err_free;
	}
	refcount_set(&msg->ref, 1);
	msg->len = x->len;
	msg->prio = x->prio;
	err = mbox_user_charge(user, mbox_msg_charge(msg));
	if (err)
		goto err_free;
	refcount_inc(&user->ref);
	msg->user = user;
	return msg;

err_free:
	kvfree(msg);
	return ERR_PTR(err);
}

/*
 * The priority queue. Each level is a circular list of messages whose first
 * (oldest) message is the level's node in the tree; the tree is ordered with
 * the highest priority leftmost, so the next message is rb_first_cached().
 */
static void mbox_queue_add(struct mbox_mailbox *mb, struct mbox_msg *msg,
			   bool at_head)
{
	struct rb_node **p = &mb->levels.rb_root.rb_node, *parent = NULL;
	bool leftmost = true;
	struct mbox_msg *head;

	while (*p) {
		parent = *p;
		head = rb_entry(parent, struct mbox_msg, node);
		if (msg->prio == head->prio) {
			/* Before the head of a circle is its tail... */
			list_add_tail(&msg->link, &head->link);
			/* ...or, made the head, its front. */
			if (at_head)
				rb_replace_node_cached(&head->node, &msg->node,
						       &mb->levels);
			return;
		}
		if (msg->prio > head->prio) {
			p = &parent->rb_left;
		} else {
			p = &parent->rb_right;
			leftmost = false;
		}
	}
	INIT_LIST_HEAD(&msg->link);
	rb_link_node(&msg->node, parent, p);
	rb_insert_color_cached(&msg->node, &mb->levels, leftmost);
}

static struct mbox_msg *mbox_queue_first(struct mbox_mailbox *mb)
{
	struct rb_node *node = rb_first_cached(&mb->levels);

	return node ? rb_entry(node, struct mbox_msg, node) : NULL;
}

/* Take out the first message, which heads its level. */
static void mbox_queue_del_first(struct mbox_mailbox *mb, struct mbox_msg *msg)
{
	struct mbox_msg *next;

	if (list_empty(&msg->link)) {
		rb_erase_cached(&msg->node, &mb->levels);
		return;
	}
	next = list_first_entry(&msg->link, struct mbox_msg, link);
	list_del(&msg->link);
	rb_replace_node_cached(&msg->node, &next->node, &mb->levels);
}

static bool mbox_queue_empty(const struct mbox_mailbox *mb)
{
	return RB_EMPTY_ROOT(&mb->levels.rb_root);
}

/*
 * A message counts against the capacity from the moment it is queued or
 * handed over until its receiver has copied it out: a receiver that fails to
 * copy it puts it back, and it must still fit.
 */
static void mbox_account(struct mbox_mailbox *mb, const struct mbox_msg *msg)
{
	mb->cur_msgs++;
	mb->cur_bytes += msg->len;
}

static void mbox_unaccount(struct mbox_mailbox *mb, const struct mbox_msg *msg)
{
	mb->cur_msgs--;
	mb->cur_bytes -= msg->len;
}

static bool mbox_room(const struct mbox_mailbox *mb, size_t len)
{
	return mb->cur_msgs < mb->max_msgs && mb->cur_bytes + len <= mb->max_bytes;
}

static void mbox_waiter_add(struct mbox_mailbox *mb, struct mbox_waiter *w)
{
	w->task = current;
	w->ready = false;
	w->err = 0;
	if (w->sender) {
		list_add_tail(&w->node, &mb->send_waiters);
		mb->waiting_senders++;
	} else {
		list_add_tail(&w->node, &mb->recv_waiters);
		mb->waiting_receivers++;
	}
}

static void mbox_waiter_del(struct mbox_mailbox *mb, struct mbox_waiter *w)
{
	list_del(&w->node);
	if (w->sender)
		mb->waiting_senders--;
	else
		mb->waiting_receivers--;
}

/*
 * End a waiter's wait. Its task is woken after the lock is dropped, so that
 * it does not wake only to spin on the lock we hold; the reference keeps the
 * task alive after the waiter, which is on its stack, may be gone.
 */
static void mbox_waiter_ready(struct mbox_mailbox *mb, struct mbox_waiter *w,
			      int err, struct mbox_wake *wake)
{
	struct task_struct *task = w->task;

	mbox_waiter_del(mb, w);
	w->err = err;
	if (wake && wake->n < ARRAY_SIZE(wake->task)) {
		wake->task[wake->n++] = get_task_struct(task);
		w->ready = true;
	} else {
		/* No room to defer: wake now, before the waiter can see ready. */
		wake_up_process(task);
		w->ready = true;
	}
}

static void mbox_wake_up(struct mbox_mailbox *mb, struct mbox_wake *wake)
{
	unsigned int i;

	for (i = 0; i < wake->n; i++) {
		wake_up_process(wake->task[i]);
		put_task_struct(wake->task[i]);
	}
	if (wake->events && wq_has_sleeper(&mb->poll_wq))
		wake_up_interruptible_poll(&mb->poll_wq, wake->events);
}

/* Queue a sent message at the tail of its level. */
static void mbox_queue_msg(struct mbox_mailbox *mb, struct mbox_msg *msg,
			   struct mbox_wake *wake)
{
	msg->seq = ++mb->seq;
	mb->total_sent++;
	mbox_account(mb, msg);
	mbox_queue_add(mb, msg, false);
	wake->events |= EPOLLIN | EPOLLRDNORM;
}

/* Queue the messages of blocked senders, oldest first, while they fit. */
static void mbox_refill(struct mbox_mailbox *mb, struct mbox_wake *wake)
{
	struct mbox_waiter *w;

	while ((w = list_first_entry_or_null(&mb->send_waiters,
					     struct mbox_waiter, node))) {
		if (!mbox_room(mb, w->msg->len) || wake->n == ARRAY_SIZE(wake->task))
			return;
		mbox_queue_msg(mb, w->msg, wake);
		mbox_waiter_ready(mb, w, 0, wake);
	}
}

/* Let the oldest blocked receiver look at the queue again. */
static void mbox_retry_receiver(struct mbox_mailbox *mb, struct mbox_wake *wake)
{
	struct mbox_waiter *w;

	w = list_first_entry_or_null(&mb->recv_waiters, struct mbox_waiter, node);
	if (w && !mbox_queue_empty(mb))
		mbox_waiter_ready(mb, w, 0, wake);
}

/*
 * Sleep until a waker ends the wait, the deadline passes or a signal comes.
 * Called and returns with mb->lock held; on return the waiter is off its list.
 * A waiter made ready wins over a signal or timeout arriving at the same time:
 * its message has been taken or handed over, so the call must succeed.
 */
static int mbox_wait(struct mbox_mailbox *mb, struct mbox_waiter *w)
	__must_hold(&mb->lock)
{
	const struct mbox_xfer *x = w->x;
	bool timed_out = false;
	ktime_t deadline;

	mbox_waiter_add(mb, w);
	for (;;) {
		__set_current_state(TASK_INTERRUPTIBLE);
		spin_unlock(&mb->lock);
		if (x->flags & MBOX_XFER_DEADLINE) {
			deadline = x->deadline;
			timed_out = !schedule_hrtimeout_range(&deadline, 0,
							      HRTIMER_MODE_ABS);
		} else {
			schedule();
		}
		spin_lock(&mb->lock);
		if (w->ready)
			return w->err;
		if (signal_pending(current) || timed_out)
			break;
	}
	__set_current_state(TASK_RUNNING);
	mbox_waiter_del(mb, w);
	return timed_out ? -ETIMEDOUT : -ERESTARTSYS;
}

/* Can a blocked receiver take this message as it is? */
static bool mbox_fits(const struct mbox_msg *msg, const struct mbox_xfer *x)
{
	if (x->flags & MBOX_RECV_PEEK)
		return false;
	return msg->len <= x->len || (x->flags & MBOX_RECV_TRUNC);
}

/**
 * mbox_send() - send one message
 * @mb: the mailbox
 * @user: whose quota the message is charged to
 * @x: the message and how to send it
 *
 * Return: 0 once the message is queued or handed to a receiver, or -errno.
 */
int mbox_send(struct mbox_mailbox *mb, struct mbox_user *user, struct mbox_xfer *x)
{
	struct mbox_waiter w = { .sender = true, .x = x };
	struct mbox_wake wake = { .n = 0 };
	struct mbox_waiter *rw;
	struct mbox_msg *msg;
	int err = 0;

	if (x->prio >= MBOX_PRIO_MAX)
		return -EINVAL;
	if (mb->flags & MBOX_OPEN_FIXED_SIZE) {
		if (x->len != mb->max_msg_size)
			return -EINVAL;
	} else if (x->len > mb->max_msg_size) {
		return -EMSGSIZE;
	}
	msg = mbox_msg_create(user, x);
	if (IS_ERR(msg))
		return PTR_ERR(msg);

	spin_lock(&mb->lock);
	if (mb->dead) {
		err = -EIDRM;
		goto out_unlock;
	}
	rw = list_first_entry_or_null(&mb->recv_waiters, struct mbox_waiter, node);
	if (rw && mbox_queue_empty(mb) && mbox_fits(msg, rw->x)) {
		/*
		 * Straight to the receiver: no queue round trip. Only past an
		 * empty queue, or it would overtake older or higher messages.
		 */
		msg->seq = ++mb->seq;
		mb->total_sent++;
		mbox_account(mb, msg);
		rw->msg = msg;
		mbox_waiter_ready(mb, rw, 0, &wake);
		msg = NULL;
	} else if (list_empty(&mb->send_waiters) && mbox_room(mb, msg->len)) {
		mbox_queue_msg(mb, msg, &wake);
		mbox_retry_receiver(mb, &wake);
		msg = NULL;
	} else if (x->flags & MBOX_XFER_NONBLOCK) {
		err = -EAGAIN;
	} else {
		/* A receiver making room queues w.msg and ends the wait. */
		w.msg = msg;
		err = mbox_wait(mb, &w);
		if (!err)
			msg = NULL;
		else
			mbox_refill(mb, &wake);	/* we may have blocked others */
	}
out_unlock:
	spin_unlock(&mb->lock);
	mbox_wake_up(mb, &wake);
	if (msg)
		mbox_msg_put(msg);
	return err;
}

/* Take (or peek at) the next message, blocking while there is none. */
static struct mbox_msg *mbox_take(struct mbox_mailbox *mb, struct mbox_xfer *x,
				  struct mbox_wake *wake)
{
	struct mbox_waiter w = { .sender = false, .x = x };
	struct mbox_msg *msg;
	int err;

	for (;;) {
		if (mb->dead)
			return ERR_PTR(-EIDRM);
		msg = mbox_queue_first(mb);
		if (msg)
			break;
		if (x->flags & MBOX_XFER_NONBLOCK)
			return ERR_PTR(-EAGAIN);
		w.msg = NULL;
		err = mbox_wait(mb, &w);
		if (err)
			return ERR_PTR(err);
		if (w.msg)
			return w.msg;	/* handed over */
	}
	x->msg_len = msg->len;
	if (msg->len > x->len && !(x->flags & MBOX_RECV_TRUNC)) {
		msg = ERR_PTR(-EMSGSIZE);
	} else if (x->flags & MBOX_RECV_PEEK) {
		refcount_inc(&msg->ref);
	} else {
		/* Still counted: the room is made once it is copied out. */
		mbox_queue_del_first(mb, msg);
	}
	/* Whatever we left queued is for the next blocked receiver. */
	mbox_retry_receiver(mb, wake);
	return msg;
}

/**
 * mbox_recv() - receive one message
 * @mb: the mailbox
 * @x: the buffer and how to receive; on return, the message's length,
 *	priority and sequence number (the length also on -EMSGSIZE)
 *
 * A message that cannot be copied out is put back at the head of its level;
 * only once it is copied out does it make room for blocked senders.
 *
 * Return: 0, or -errno.
 */
int mbox_recv(struct mbox_mailbox *mb, struct mbox_xfer *x)
{
	struct mbox_wake wake = { .n = 0 };
	struct mbox_msg *msg;
	bool copied;

	spin_lock(&mb->lock);
	msg = mbox_take(mb, x, &wake);
	spin_unlock(&mb->lock);
	mbox_wake_up(mb, &wake);
	if (IS_ERR(msg))
		return PTR_ERR(msg);

	x->msg_len = msg->len;
	x->prio = msg->prio;
	x->seq = msg->seq;
	copied = !copy_to_user(x->buf, msg->data, min(msg->len, x->len));
	if (x->flags & MBOX_RECV_PEEK) {
		mbox_msg_put(msg);
		return copied ? 0 : -EFAULT;
	}

	wake = (struct mbox_wake){ .n = 0 };
	spin_lock(&mb->lock);
	if (copied || mb->dead) {
		mbox_unaccount(mb, msg);
		mb->total_received += copied;
		wake.events = EPOLLOUT | EPOLLWRNORM;
		mbox_refill(mb, &wake);
	} else {
		/* Not lost: back to the head of its level, for the next taker. */
		mbox_queue_add(mb, msg, true);
		mbox_retry_receiver(mb, &wake);
		wake.events = EPOLLIN | EPOLLRDNORM;
		msg = NULL;
	}
	spin_unlock(&mb->lock);
	mbox_wake_up(mb, &wake);
	if (msg)
		mbox_msg_put(msg);
	return copied ? 0 : -EFAULT;
}

/**
 * mbox_queue_poll() - the poll events of a mailbox now
 * @mb: the mailbox
 *
 * Return: EPOLLIN when a message is queued, EPOLLOUT when a message of any
 * legal size can be sent without blocking, EPOLLHUP | EPOLLERR once destroyed.
 */
__poll_t mbox_queue_poll(struct mbox_mailbox *mb)
{
	__poll_t events = 0;

	spin_lock(&mb->lock);
	if (mb->dead) {
		events = EPOLLHUP | EPOLLERR;
	} else {
		if (!mbox_queue_empty(mb))
			events |= EPOLLIN | EPOLLRDNORM;
		if (list_empty(&mb->send_waiters) && mbox_room(mb, mb->max_msg_size))
			events |= EPOLLOUT | EPOLLWRNORM;
	}
	spin_unlock(&mb->lock);
	return events;
}

/**
 * mbox_queue_resize() - change a mailbox's capacity
 * @mb: the mailbox
 * @max_msgs: new capacity in messages
 * @max_bytes: new capacity in payload bytes
 *
 * Blocked senders whose messages now fit are queued.
 */
void mbox_queue_resize(struct mbox_mailbox *mb, u32 max_msgs, u64 max_bytes)
{
	struct mbox_wake wake;

	spin_lock(&mb->lock);
	mb->max_msgs = max_msgs;
	mb->max_bytes = max_bytes;
	do {
		wake = (struct mbox_wake){ .events = EPOLLOUT | EPOLLWRNORM };
		mbox_refill(mb, &wake);
		spin_unlock(&mb->lock);
		mbox_wake_up(mb, &wake);
		spin_lock(&mb->lock);
	} while (wake.n);
	spin_unlock(&mb->lock);
}

/* Free every queued message; mb->lock held, the messages are freed after. */
static void mbox_queue_drain(struct mbox_mailbox *mb, struct list_head *out)
{
	struct mbox_msg *msg;

	while ((msg = mbox_queue_first(mb))) {
		mbox_queue_del_first(mb, msg);
		mbox_unaccount(mb, msg);
		list_add_tail(&msg->link, out);
	}
}

static void mbox_msg_put_list(struct list_head *list)
{
	struct mbox_msg *msg, *tmp;

	list_for_each_entry_safe(msg, tmp, list, link)
		mbox_msg_put(msg);
}

/**
 * mbox_queue_kill() - destroy a mailbox's queue
 * @mb: the mailbox
 *
 * Frees the queued messages and ends every wait with -EIDRM; later sends and
 * receives fail with -EIDRM.
 *
 * Return: false if the mailbox was already dead.
 */
bool mbox_queue_kill(struct mbox_mailbox *mb)
{
	struct mbox_waiter *w, *tmp;
	LIST_HEAD(msgs);

	spin_lock(&mb->lock);
	if (mb->dead) {
		spin_unlock(&mb->lock);
		return false;
	}
	mb->dead = true;
	mbox_queue_drain(mb, &msgs);
	/* Rare and unbounded: wake each waiter now rather than defer. */
	list_for_each_entry_safe(w, tmp, &mb->recv_waiters, node)
		mbox_waiter_ready(mb, w, -EIDRM, NULL);
	list_for_each_entry_safe(w, tmp, &mb->send_waiters, node)
		mbox_waiter_ready(mb, w, -EIDRM, NULL);
	spin_unlock(&mb->lock);
	wake_up_interruptible_poll(&mb->poll_wq, EPOLLHUP | EPOLLERR);
	mbox_msg_put_list(&msgs);
	return true;
}

/**
 * mbox_queue_free() - free a mailbox and what it still holds
 * @mb: the mailbox, no longer referenced
 */
void mbox_queue_free(struct mbox_mailbox *mb)
{
	LIST_HEAD(msgs);

	spin_lock(&mb->lock);
	mbox_queue_drain(mb, &msgs);
	spin_unlock(&mb->lock);
	mbox_msg_put_list(&msgs);
	kfree(mb);
}
