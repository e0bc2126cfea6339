// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: messages in a mailbox: allocation, the priority queue and selection,
 * hand-off to blocked receivers, blocking and synchronous senders, poll,
 * cancel and destroy.
 */
#include <linux/hrtimer.h>
#include <linux/overflow.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/time_namespace.h>
#include <linux/uaccess.h>

#include "mbox.h"
#include "trace.h"

static atomic_t mbox_next_id = ATOMIC_INIT(0);

static void mbox_relay_timeout(struct work_struct *work);

/**
 * mbox_id_issued() - whether a mailbox id was ever given out
 * @id: the id
 *
 * Return: true if some mailbox has (or had) this id.
 */
bool mbox_id_issued(u32 id)
{
	return id && id <= (u32)atomic_read(&mbox_next_id);
}

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
	INIT_LIST_HEAD(&mb->relay);
	INIT_DELAYED_WORK(&mb->relay_timeout, mbox_relay_timeout);
	INIT_LIST_HEAD(&mb->sync_waiters);
	INIT_LIST_HEAD(&mb->calls);
	INIT_LIST_HEAD(&mb->subs);
	init_waitqueue_head(&mb->poll_wq);
	mb->id = atomic_inc_return(&mbox_next_id);
	mbox_debug_add(mb);
	return mb;
}

/* What a message costs its sender's quota: all of it, or a direct one's header. */
static size_t mbox_msg_charge(const struct mbox_msg *msg)
{
	return sizeof(*msg) + (msg->direct ? 0 : msg->len);
}

/*
 * Freed messages of one user and one cache, given back together: a receive
 * run frees many alike, and each would otherwise touch the same counters.
 */
struct mbox_freed {
	struct mbox_user *user;
	struct mbox_cache *cache;
	struct llist_node *first;
	struct llist_node *last;
	unsigned int n;
	size_t charge;
};

static void mbox_freed_flush(struct mbox_freed *f)
{
	if (!f->n)
		return;
	mbox_user_uncharge(f->user, f->n, f->charge);
	mbox_user_put_many(f->user, f->n);
	mbox_cache_free(f->cache, f->first, f->last, f->n);
	f->n = 0;
	f->charge = 0;
}

/* Free a message's buffer, on its own, back into its cache if that has room. */
static void mbox_msg_buffer_free(struct mbox_msg *msg)
{
	msg->free.next = NULL;
	mbox_cache_free(msg->cache, &msg->free, &msg->free, 1);
}

/* What a message holds of its own: its files and its sender's pids. */
static void mbox_msg_let_go(struct mbox_msg *msg)
{
	mbox_files_put(msg->user, msg->files);
	put_pid(msg->pid);
	put_pid(msg->tid);
}

/* A message whose last reference is gone: into @f, which flushes what differs. */
static void mbox_msg_free(struct mbox_msg *msg, struct mbox_freed *f)
{
	if (f->n && (msg->user != f->user || msg->cache != f->cache))
		mbox_freed_flush(f);
	mbox_msg_let_go(msg);
	f->charge += mbox_msg_charge(msg);
	f->user = msg->user;
	f->cache = msg->cache;
	msg->free.next = f->n++ ? f->first : NULL;
	if (f->n == 1)
		f->last = &msg->free;
	f->first = &msg->free;
}

/**
 * mbox_msg_put() - drop a reference to a message
 * @msg: the message; freed, and its charge given back, with the last
 */
void mbox_msg_put(struct mbox_msg *msg)
{
	if (!refcount_dec_and_test(&msg->ref))
		return;
	mbox_msg_let_go(msg);
	mbox_user_uncharge(msg->user, 1, mbox_msg_charge(msg));
	mbox_user_put(msg->user);
	mbox_msg_buffer_free(msg);
}

/**
 * mbox_msg_put_chain() - drop a reference to each message of a chain
 * @msg: the first, linked through next_drop; none of them queued
 */
void mbox_msg_put_chain(struct mbox_msg *msg)
{
	struct mbox_freed f = { .n = 0 };
	struct mbox_msg *next;

	for (; msg; msg = next) {
		next = msg->next_drop;
		if (refcount_dec_and_test(&msg->ref))
			mbox_msg_free(msg, &f);
	}
	mbox_freed_flush(&f);
}

/*
 * A message of len bytes, room for @room of them, charged and stamped; its
 * buffer from @cache if that has one.
 */
static struct mbox_msg *mbox_msg_alloc(struct mbox_cache *cache, struct mbox_user *user,
				       size_t len, size_t room, bool direct)
{
	struct mbox_msg *msg;
	int err;

	msg = mbox_cache_alloc(cache, room);
	if (!msg)
		return ERR_PTR(-ENOMEM);
	msg->len = len;
	msg->direct = direct;
	msg->keyed = false;
	msg->expire_ns = 0;
	msg->key = 0;
	msg->next_drop = NULL;
	msg->files = NULL;
	err = mbox_user_charge(user, mbox_msg_charge(msg));
	if (err) {
		mbox_msg_buffer_free(msg);
		return ERR_PTR(err);
	}
	refcount_set(&msg->ref, 1);
	refcount_inc(&user->ref);
	msg->user = user;
	msg->waiter = NULL;
	msg->pid = get_pid(task_tgid(current));
	msg->tid = get_pid(task_pid(current));
	msg->uid = current_euid();
	msg->gid = current_egid();
	msg->send_ns = ktime_get_ns();
	/* What /proc/<pid>/stat shows: the leader's, which exec keeps. */
	msg->start_ns = current->group_leader->start_boottime;
	msg->type = 0;
	msg->prio = 0;
	return msg;
}

/**
 * mbox_msg_create() - copy a message in from user space
 * @cache: the cache of the mailbox it is for, or NULL
 * @user: whose quota it is charged to
 * @buf: where it is
 * @len: its length
 *
 * The message records who sends it, and when.
 *
 * Return: the message, or ERR_PTR(-ENOMEM, -EFAULT or -EDQUOT).
 */
struct mbox_msg *mbox_msg_create(struct mbox_cache *cache, struct mbox_user *user,
				 const void __user *buf, size_t len)
{
	struct mbox_msg *msg = mbox_msg_alloc(cache, user, len, len, false);

	if (!IS_ERR(msg) && copy_from_user(msg->data, buf, len)) {
		mbox_msg_put(msg);
		return ERR_PTR(-EFAULT);
	}
	return msg;
}

/**
 * mbox_msg_header() - a message whose payload goes straight to its receiver
 * @user: whose quota its header is charged to
 * @len: the payload's length
 *
 * Return: the message, or ERR_PTR(-ENOMEM or -EDQUOT).
 */
struct mbox_msg *mbox_msg_header(struct mbox_user *user, size_t len)
{
	return mbox_msg_alloc(NULL, user, len, 0, true);
}

/*
 * The priority queue. Each level is a circular list of messages whose first
 * (oldest) message is the level's node in the tree; the tree is ordered with
 * the highest priority leftmost, so the next message is rb_first_cached().
 * Other messages have their node cleared.
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
			RB_CLEAR_NODE(&msg->node);
			/* ...or, made the head, its front. */
			if (at_head) {
				rb_replace_node_cached(&head->node, &msg->node,
						       &mb->levels);
				RB_CLEAR_NODE(&head->node);
			}
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

static void mbox_queue_del(struct mbox_mailbox *mb, struct mbox_msg *msg)
{
	struct mbox_msg *next;

	if (RB_EMPTY_NODE(&msg->node)) {
		list_del(&msg->link);
		return;
	}
	if (list_empty(&msg->link)) {
		rb_erase_cached(&msg->node, &mb->levels);
	} else {
		/* The next oldest heads the level now. */
		next = list_first_entry(&msg->link, struct mbox_msg, link);
		list_del(&msg->link);
		rb_replace_node_cached(&msg->node, &next->node, &mb->levels);
	}
	RB_CLEAR_NODE(&msg->node);
}

bool mbox_queue_empty(const struct mbox_mailbox *mb)
{
	return RB_EMPTY_ROOT(&mb->levels.rb_root);
}

static bool mbox_selects(const struct mbox_xfer *x)
{
	return x->flags & (MBOX_RECV_TYPE | MBOX_RECV_FROM);
}

/* Does a receive's selection (System V msgtyp, sender) take this message? */
bool mbox_match(const struct mbox_msg *msg, const struct mbox_xfer *x)
{
	if ((x->flags & MBOX_RECV_FROM) && msg->pid != x->from)
		return false;
	if (!(x->flags & MBOX_RECV_TYPE) || !x->type)
		return true;
	if (x->type > 0)
		return (msg->type == x->type) != !!(x->flags & MBOX_RECV_EXCEPT);
	return msg->type <= -x->type;
}

/* The first message, in priority then age order, that a receive selects. */
static struct mbox_msg *mbox_queue_find(struct mbox_mailbox *mb,
					const struct mbox_xfer *x)
{
	bool lowest = (x->flags & MBOX_RECV_TYPE) && x->type < 0;
	struct mbox_msg *head, *msg, *best = NULL;
	struct rb_node *node;

	if (!mbox_selects(x))
		return mbox_queue_first(mb);
	for (node = rb_first_cached(&mb->levels); node; node = rb_next(node)) {
		head = rb_entry(node, struct mbox_msg, node);
		msg = head;
		do {
			if (mbox_match(msg, x)) {
				if (!lowest)
					return msg;
				if (!best || msg->type < best->type)
					best = msg;
			}
			msg = list_next_entry(msg, link);
		} while (msg != head);
	}
	return best;
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
	mb->expiring += !!msg->expire_ns;
	mb->keyed += msg->keyed;
}

static void mbox_unaccount(struct mbox_mailbox *mb, const struct mbox_msg *msg)
{
	mb->cur_msgs--;
	mb->cur_bytes -= msg->len;
	mb->expiring -= !!msg->expire_ns;
	mb->keyed -= msg->keyed;
}

/**
 * mbox_queue_settle() - take the room receives gave back unlocked off the counts
 * @mb: the mailbox, locked
 *
 * Every decision on room, and every report of the counts, settles first.
 */
void mbox_queue_settle(struct mbox_mailbox *mb)
	__must_hold(&mb->lock)
{
	u64 r;

	if (!atomic64_read(&mb->released))
		return;
	r = atomic64_xchg(&mb->released, 0);
	mb->cur_msgs -= r / MBOX_RELEASED_ONE;
	mb->total_received += r / MBOX_RELEASED_ONE;
	mb->cur_bytes -= r % MBOX_RELEASED_ONE;
}

static bool mbox_room(struct mbox_mailbox *mb, size_t len)
{
	mbox_queue_settle(mb);
	return mb->cur_msgs < mb->max_msgs && mb->cur_bytes + len <= mb->max_bytes;
}

/**
 * mbox_waiter_add() - block a caller on one of a mailbox's lists
 * @mb: the mailbox, locked
 * @w: the waiter
 * @list: recv_waiters, send_waiters or sync_waiters
 */
void mbox_waiter_add(struct mbox_mailbox *mb, struct mbox_waiter *w,
		     struct list_head *list)
{
	list_add_tail(&w->node, list);
	if (w->sender)
		mb->waiting_senders++;
	else
		mb->waiting_receivers++;
	trace_mbox_block(mb, w);
}

/**
 * mbox_waiter_del() - take a waiter off its list
 * @mb: the mailbox, locked
 * @w: the waiter, on a list
 */
void mbox_waiter_del(struct mbox_mailbox *mb, struct mbox_waiter *w)
{
	list_del_init(&w->node);
	if (w->sender)
		mb->waiting_senders--;
	else
		mb->waiting_receivers--;
}

/* Wake @task once the lock is dropped, or now if @wake is NULL or full. */
static void mbox_wake_task(struct task_struct *task, struct mbox_wake *wake)
{
	if (wake && wake->n < ARRAY_SIZE(wake->task))
		wake->task[wake->n++] = get_task_struct(task);
	else
		wake_up_process(task);
}

/* End a wait with @err, without waking the waiter: see mbox_waiter_ready(). */
static void mbox_waiter_end(struct mbox_mailbox *mb, struct mbox_waiter *w, int err)
{
	trace_mbox_wake(mb, w, err);
	if (!list_empty(&w->node))
		mbox_waiter_del(mb, w);
	w->err = err;
	w->phase = MBOX_PHASE_DONE;
	w->ready = true;
}

/**
 * mbox_waiter_ready() - end a wait
 * @mb: the mailbox, locked
 * @w: the waiter
 * @err: what its call returns: 0 or -errno
 * @wake: where to put its task to wake after the lock is dropped, or NULL to
 *	wake it now
 *
 * Deferring the wake-up keeps the woken task from spinning on the lock we
 * hold; the task reference keeps it valid after the waiter, which is on its
 * stack, may be gone.
 */
void mbox_waiter_ready(struct mbox_mailbox *mb, struct mbox_waiter *w,
		       int err, struct mbox_wake *wake)
{
	mbox_wake_task(w->task, wake);
	mbox_waiter_end(mb, w, err);
}

/**
 * mbox_wake_deferred() - wake what a locked section deferred, when it did
 * @mb: the mailbox, unlocked
 * @wake: the tasks and poll events; see mbox_wake_up()
 */
void mbox_wake_deferred(struct mbox_mailbox *mb, struct mbox_wake *wake)
{
	unsigned int i;

	for (i = 0; i < wake->n; i++) {
		wake_up_process(wake->task[i]);
		put_task_struct(wake->task[i]);
	}
	if (unlikely(wake->drop)) {
		mbox_msg_put_chain(wake->drop);
		wake->drop = NULL;
	}
	if (wake->events && READ_ONCE(mb->polled) && wq_has_sleeper(&mb->poll_wq))
		wake_up_interruptible_poll(&mb->poll_wq, wake->events);
}

static bool mbox_is_sync(const struct mbox_xfer *x)
{
	return x->flags & (MBOX_XFER_SYNC | MBOX_XFER_CALL);
}

/* The queued messages @pick selects, chained through next_drop; none removed. */
static struct mbox_msg *mbox_queue_collect(struct mbox_mailbox *mb,
					   bool (*pick)(const struct mbox_msg *, u64),
					   u64 arg)
{
	struct mbox_msg *head, *msg, *chain = NULL;
	struct rb_node *node;

	for (node = rb_first_cached(&mb->levels); node; node = rb_next(node)) {
		head = rb_entry(node, struct mbox_msg, node);
		msg = head;
		do {
			if (!msg->waiter && pick(msg, arg)) {
				msg->next_drop = chain;
				chain = msg;
			}
			msg = list_next_entry(msg, link);
		} while (msg != head);
	}
	return chain;
}

/* Take a chain of queued messages out, to be freed unreceived: how many. */
static u64 mbox_drop(struct mbox_mailbox *mb, struct mbox_msg *chain,
		     struct mbox_wake *wake)
{
	struct mbox_msg *msg;
	u64 n = 0;

	while ((msg = chain)) {
		chain = msg->next_drop;
		mbox_queue_del(mb, msg);
		mbox_unaccount(mb, msg);
		trace_mbox_receive(mb, msg, -ESTALE);
		msg->next_drop = wake->drop;
		wake->drop = msg;
		n++;
	}
	if (n)
		wake->events |= EPOLLOUT | EPOLLWRNORM;
	return n;
}

static bool mbox_expired(const struct mbox_msg *msg, u64 now)
{
	return msg->expire_ns && msg->expire_ns <= now;
}

static bool mbox_has_key(const struct mbox_msg *msg, u64 key)
{
	return msg->keyed && msg->key == key;
}

/* A keyed message replaces the queued one with its key: the latest waits. */
static bool mbox_replace(struct mbox_mailbox *mb, const struct mbox_msg *msg,
			 struct mbox_wake *wake)
{
	u64 n;

	if (!msg->keyed || !mb->keyed)
		return false;
	n = mbox_drop(mb, mbox_queue_collect(mb, mbox_has_key, msg->key), wake);
	mb->total_replaced += n;
	return n;
}

/* Queue a sent message at the tail of its level; it is the mailbox's now. */
static void mbox_queue_msg(struct mbox_mailbox *mb, struct mbox_waiter *w,
			   struct mbox_wake *wake)
{
	struct mbox_msg *msg = w->msg;

	w->msg = NULL;
	mbox_replace(mb, msg, wake);
	msg->seq = ++mb->seq;
	mb->total_sent++;
	mbox_account(mb, msg);
	mbox_queue_add(mb, msg, false);
	trace_mbox_send(mb, msg, false);
	wake->events |= EPOLLIN | EPOLLRDNORM;
	if (!list_empty(&w->node))
		mbox_waiter_del(mb, w);
	if (mbox_is_sync(w->x)) {
		/* Wait on until a receiver takes it. */
		msg->waiter = w;
		w->phase = MBOX_PHASE_QUEUED;
		mbox_waiter_add(mb, w, &mb->sync_waiters);
	}
}

/*
 * Let the oldest blocked receiver that has something to take look at the
 * queue again: the one @msg is for, or any that a queued message matches.
 */
static void mbox_retry_receiver(struct mbox_mailbox *mb, struct mbox_msg *msg,
				struct mbox_wake *wake)
{
	struct mbox_waiter *w;

	list_for_each_entry(w, &mb->recv_waiters, node) {
		if (w->filling)
			continue;
		if (msg ? mbox_match(msg, w->x) : !!mbox_queue_find(mb, w->x)) {
			mbox_waiter_ready(mb, w, 0, wake);
			return;
		}
	}
}

/*
 * Senders let in together take turns: the receive that let them in wakes the
 * first, and the relay holds the rest asleep, their messages queued, until a
 * sender blocks for room again, which ends its turn (mbox_post()). So the
 * receive wakes one task on its own critical path, not a crowd, and the
 * senders refill the queue one at a time rather than all compete with the
 * receiver for its CPU. Only fair-class tasks, whose turn on a CPU comes,
 * take part: a real-time sender is not made to wait on others, nor others on
 * an idle-class one. A sender whose turn does not come (the one before is
 * slow to get a CPU, or sends nothing more) waits until a receiver finds
 * nothing queued, or relay_ms at the most (mbox_relay_timeout()).
 */
static bool mbox_relay_fits(const struct mbox_waiter *w)
{
	unsigned int policy = READ_ONCE(w->task->policy);

	return w->task != current && (policy == SCHED_NORMAL || policy == SCHED_BATCH);
}

static void mbox_relay_add(struct mbox_mailbox *mb, struct mbox_waiter *w)
{
	mbox_waiter_end(mb, w, 0);
	/* A new relay: its time starts. One still pending ends sooner: fine. */
	if (list_empty(&mb->relay))
		queue_delayed_work(system_wq, &mb->relay_timeout,
				   msecs_to_jiffies(READ_ONCE(mbox_relay_ms)));
	list_add_tail(&w->node, &mb->relay);
}

/* Wake the first sender the relay holds, or (@all) every one. */
static void mbox_relay_wake(struct mbox_mailbox *mb, bool all,
			    struct mbox_wake *wake)
{
	struct mbox_waiter *w;

	while ((w = list_first_entry_or_null(&mb->relay, struct mbox_waiter, node))) {
		list_del_init(&w->node);
		mbox_wake_task(w->task, wake);
		if (!all)
			break;
	}
}

/* No turn comes later than relay_ms after a relay starts. */
static void mbox_relay_timeout(struct work_struct *work)
{
	struct mbox_mailbox *mb = container_of(to_delayed_work(work),
					       struct mbox_mailbox, relay_timeout);
	struct mbox_wake wake __uninitialized;

	mbox_wake_init(&wake, 0);
	spin_lock(&mb->lock);
	mbox_relay_wake(mb, true, &wake);
	spin_unlock(&mb->lock);
	mbox_wake_up(mb, &wake);
}

/*
 * Queue the messages of blocked senders, oldest first, while they fit, and
 * end the waits of the asynchronous ones: the first that fits the relay is
 * woken to start it. Return: whether any was queued.
 */
static bool mbox_refill(struct mbox_mailbox *mb, struct mbox_wake *wake)
{
	struct mbox_waiter *w;
	bool queued = false, relaying = false, fits;

	while ((w = list_first_entry_or_null(&mb->send_waiters,
					     struct mbox_waiter, node))) {
		struct mbox_msg *msg = w->msg;

		if (!mbox_room(mb, msg->len))
			break;
		mbox_queue_msg(mb, w, wake);
		mbox_retry_receiver(mb, msg, wake);	/* one waiting for just this */
		queued = true;
		if (mbox_is_sync(w->x))
			continue;	/* it waits on, for a receiver */
		fits = mbox_relay_fits(w);
		if (relaying && fits) {
			mbox_relay_add(mb, w);
		} else {
			mbox_waiter_ready(mb, w, 0, wake);
			relaying |= fits;
		}
	}
	return queued;
}

/*
 * A receive lets blocked senders in only once the queue has drained to half
 * its capacity, so that a woken sender finds room for more than the one
 * message it was blocked on: a stream then wakes its sender about once per
 * half a queue rather than once per message (as a pipe wakes its writer once
 * per page). A receiver that would otherwise wait, or find nothing, lets them
 * in at once (mbox_take()), so nobody waits on room that is there.
 */
static void mbox_let_in(struct mbox_mailbox *mb, struct mbox_wake *wake)
{
	mbox_queue_settle(mb);
	if (mb->cur_msgs <= mb->max_msgs / 2 && mb->cur_bytes <= mb->max_bytes / 2)
		mbox_refill(mb, wake);
}

/*
 * Drop the queued messages whose time is up, and let blocked senders have
 * the room. A walk of the queue, but only while some message can expire.
 */
static void mbox_expire(struct mbox_mailbox *mb, struct mbox_wake *wake)
{
	u64 n;

	if (!mb->expiring)
		return;
	n = mbox_drop(mb, mbox_queue_collect(mb, mbox_expired, ktime_get_ns()), wake);
	if (!n)
		return;
	mb->total_expired += n;
	mbox_refill(mb, wake);
}

/**
 * mbox_queue_expire() - drop a mailbox's expired messages now
 * @mb: the mailbox, unlocked
 *
 * So that what is reported of the queue leaves them out.
 */
void mbox_queue_expire(struct mbox_mailbox *mb)
{
	struct mbox_wake wake __uninitialized;

	if (!READ_ONCE(mb->expiring))
		return;
	mbox_wake_init(&wake, 0);
	spin_lock(&mb->lock);
	mbox_expire(mb, &wake);
	spin_unlock(&mb->lock);
	mbox_wake_up(mb, &wake);
}

/**
 * mbox_sleep() - drop the lock and sleep until woken or the deadline
 * @mb: the mailbox, locked; locked again on return
 * @x: the call, for its deadline (interruptible sleeps only)
 * @state: TASK_INTERRUPTIBLE or TASK_UNINTERRUPTIBLE
 * @wake: what the caller deferred, woken first: it may be whom we wait for
 *
 * Return: true if the deadline passed.
 */
bool mbox_sleep(struct mbox_mailbox *mb, const struct mbox_xfer *x,
		unsigned int state, struct mbox_wake *wake)
	__must_hold(&mb->lock)
{
	bool timed_out = false;
	ktime_t deadline;

	set_current_state(state);
	spin_unlock(&mb->lock);
	mbox_wake_up(mb, wake);
	mbox_wake_init(wake, 0);
	if (state == TASK_INTERRUPTIBLE && (x->flags & MBOX_XFER_DEADLINE)) {
		deadline = x->deadline;
		timed_out = !schedule_hrtimeout_range(&deadline, 0, HRTIMER_MODE_ABS);
	} else {
		schedule();
	}
	spin_lock(&mb->lock);
	__set_current_state(TASK_RUNNING);
	return timed_out;
}

/**
 * mbox_recv_waiter_init() - a receiver's waiter, on its stack
 * @w: the waiter
 * @x: the receive
 */
void mbox_recv_waiter_init(struct mbox_waiter *w, struct mbox_xfer *x)
{
	*w = (struct mbox_waiter){ .x = x, .h = x->h, .task = current,
				   .phase = MBOX_PHASE_DONE };
	INIT_LIST_HEAD(&w->node);
}

/**
 * mbox_recv_wait() - a receiver's wait on recv_waiters
 * @mb: the mailbox, locked
 * @w: the receiver
 * @wake: what the caller deferred
 *
 * Until a waker ends it, the deadline passes or a signal comes. A waiter made
 * ready wins over a signal or timeout arriving at the same time: its message
 * has been handed over, so the call must succeed. One being filled by a
 * direct sender waits for the outcome.
 *
 * Return: what the waker said, -ETIMEDOUT or -ERESTARTSYS.
 */
int mbox_recv_wait(struct mbox_mailbox *mb, struct mbox_waiter *w,
		   struct mbox_wake *wake)
	__must_hold(&mb->lock)
{
	bool timed_out;

	mbox_waiter_add(mb, w, &mb->recv_waiters);
	/* At a rendezvous, a receiver waiting is what lets a send through. */
	if (mb->flags & MBOX_OPEN_RENDEZVOUS)
		wake->events |= EPOLLOUT | EPOLLWRNORM;
	for (;;) {
		timed_out = mbox_sleep(mb, w->x, w->filling ? TASK_UNINTERRUPTIBLE :
				       TASK_INTERRUPTIBLE, wake);
		if (w->ready)
			return w->err;
		if (w->filling)
			continue;
		if (signal_pending(current) || timed_out)
			break;
	}
	mbox_waiter_del(mb, w);
	return timed_out ? -ETIMEDOUT : -ERESTARTSYS;
}

/* Take a queued synchronous message back: it will never be received. */
static void mbox_withdraw(struct mbox_mailbox *mb, struct mbox_waiter *w,
			  struct mbox_msg *msg, struct mbox_wake *wake)
{
	mbox_queue_del(mb, msg);
	mbox_unaccount(mb, msg);
	msg->waiter = NULL;
	w->msg = msg;
	mbox_waiter_del(mb, w);
	mbox_refill(mb, wake);
}

/*
 * A sender's wait, through its phases: for room, then (synchronous) for a
 * receiver to take the message, then (call) for the reply. Giving up (signal,
 * deadline, cancel) withdraws a message not yet taken; a message a receiver is
 * copying out is waited for, as its outcome decides; a call whose request was
 * taken is abandoned, and fails with EINTR rather than being restarted, so the
 * request is not made twice.
 */
static int mbox_send_wait(struct mbox_mailbox *mb, struct mbox_waiter *w,
			  struct mbox_msg *msg, struct mbox_wake *wake)
	__must_hold(&mb->lock)
{
	bool timed_out = false;
	int giveup;

	for (;;) {
		if (w->ready) {
			list_del_init(&w->node);	/* off the relay if before its turn */
			return w->err;
		}
		giveup = 0;
		if (w->cancelled)
			giveup = -ECANCELED;
		else if (signal_pending(current))
			giveup = -ERESTARTSYS;
		else if (timed_out)
			giveup = -ETIMEDOUT;
		switch (giveup ? w->phase : MBOX_PHASE_DONE) {
		case MBOX_PHASE_ROOM:
			mbox_waiter_del(mb, w);
			mbox_refill(mb, wake);
			return giveup;
		case MBOX_PHASE_QUEUED:
			mbox_withdraw(mb, w, msg, wake);
			return giveup;
		case MBOX_PHASE_TAKEN:
			w->call->waiter = NULL;
			mbox_waiter_del(mb, w);
			return giveup == -ERESTARTSYS ? -EINTR : giveup;
		case MBOX_PHASE_INFLIGHT:
			/* Only the receiver can tell: wait, signals or not. */
			w->giving_up = true;
			mbox_sleep(mb, w->x, TASK_UNINTERRUPTIBLE, wake);
			continue;
		default:
			break;
		}
		timed_out = mbox_sleep(mb, w->x, TASK_INTERRUPTIBLE, wake);
	}
}

/* Has a receive room for a message: its bytes (or TRUNC) and its files? */
static bool mbox_fits(const struct mbox_msg *msg, const struct mbox_xfer *x)
{
	u32 room = x->flags & MBOX_RECV_FDS ? x->nfds : 0;

	return (msg->len <= x->len || (x->flags & MBOX_RECV_TRUNC)) &&
	       mbox_files_count(msg->files) <= room;
}

/* The first blocked receiver that can take this message as it is, if any. */
static struct mbox_waiter *mbox_taker(struct mbox_mailbox *mb,
				      const struct mbox_msg *msg)
{
	struct mbox_waiter *w;

	/* Only past an empty queue: else it would overtake older messages. */
	if (!mbox_queue_empty(mb))
		return NULL;
	list_for_each_entry(w, &mb->recv_waiters, node) {
		if (!w->filling && !(w->x->flags & MBOX_RECV_PEEK) && mbox_match(msg, w->x) &&
		    mbox_fits(msg, w->x))
			return w;
	}
	return NULL;
}

/* Straight to a blocked receiver: no queue round trip. */
static void mbox_hand_over(struct mbox_mailbox *mb, struct mbox_waiter *w,
			   struct mbox_waiter *rw, struct mbox_wake *wake)
{
	struct mbox_msg *msg = w->msg;

	w->msg = NULL;
	msg->seq = ++mb->seq;
	mb->total_sent++;
	mbox_account(mb, msg);
	trace_mbox_send(mb, msg, true);
	rw->msg = msg;
	mbox_waiter_ready(mb, rw, 0, wake);
	if (mbox_is_sync(w->x)) {
		msg->waiter = w;
		w->phase = MBOX_PHASE_INFLIGHT;
		mbox_waiter_add(mb, w, &mb->sync_waiters);
	}
}

/*
 * Hand over or queue a message, and wait as the send asks. On return w->msg
 * is what the sender owns: its own message if it was not sent (or was
 * withdrawn), a call's reply, or NULL.
 */
static int mbox_post(struct mbox_mailbox *mb, struct mbox_waiter *w,
		     struct mbox_wake *wake)
	__must_hold(&mb->lock)
{
	const struct mbox_xfer *x = w->x;
	struct mbox_msg *msg = w->msg;
	bool nonblock = x->flags & MBOX_XFER_NONBLOCK;
	bool sync = mbox_is_sync(x);
	struct mbox_waiter *rw;

	if (mb->dead)
		return -EIDRM;
	w->task = current;
	w->phase = MBOX_PHASE_DONE;
	/* What expired, or what this message replaces, makes room first. */
	mbox_expire(mb, wake);
	if (mbox_replace(mb, msg, wake))
		mbox_refill(mb, wake);
	rw = mbox_taker(mb, msg);
	if (rw) {
		mbox_hand_over(mb, w, rw, wake);
	} else if (!(sync && nonblock) && list_empty(&mb->send_waiters) &&
		   mbox_room(mb, msg->len)) {
		mbox_queue_msg(mb, w, wake);
		mbox_retry_receiver(mb, msg, wake);
	} else {
		/* Full; or, synchronous, nobody there to take it now. */
		if (nonblock)
			return -EAGAIN;
		/* A receiver making room queues it (and ends an async wait). */
		w->phase = MBOX_PHASE_ROOM;
		mbox_waiter_add(mb, w, &mb->send_waiters);
		mbox_relay_wake(mb, false, wake);	/* our turn is over: the next's */
		/* Room given back as we came, by one that saw no waiter: see mbox_give_back(). */
		smp_mb();	/* pairs with mbox_give_back()'s */
		mbox_let_in(mb, wake);
	}
	if (!sync && !w->msg)
		return 0;	/* sent, and nothing to wait for */
	return mbox_send_wait(mb, w, msg, wake);
}

/**
 * mbox_msg_check() - check a message against its mailbox before copying it in
 * @mb: the mailbox
 * @x: the send
 *
 * Return: 0, or -EINVAL, -EMSGSIZE or -ETOOMANYREFS.
 */
int mbox_msg_check(const struct mbox_mailbox *mb, const struct mbox_xfer *x)
{
	if (x->prio >= MBOX_PRIO_MAX || x->type < 0)
		return -EINVAL;
	if (x->nfds > MBOX_FDS_MAX)
		return -ETOOMANYREFS;
	/* One that must be received cannot expire or be replaced unreceived. */
	if ((x->flags & (MBOX_SEND_EXPIRE | MBOX_SEND_KEY)) && mbox_is_sync(x))
		return -EINVAL;
	if (mb->flags & MBOX_OPEN_FIXED_SIZE)
		return x->len == mb->max_msg_size ? 0 : -EINVAL;
	return x->len > mb->max_msg_size ? -EMSGSIZE : 0;
}

/**
 * mbox_msg_make() - copy a checked message in, with what its send says of it
 * @mb: the mailbox it is for
 * @user: whose quota it is charged to
 * @x: the send, passed by mbox_msg_check()
 *
 * Return: the message, or ERR_PTR(-errno).
 */
struct mbox_msg *mbox_msg_make(struct mbox_mailbox *mb, struct mbox_user *user,
			       const struct mbox_xfer *x)
{
	struct mbox_msg *msg;
	int err;

	msg = mbox_msg_create(mbox_cache_for(mb, x->len), user, x->buf, x->len);
	if (IS_ERR(msg))
		return msg;
	if (x->nfds) {
		msg->files = mbox_files_get(user, x->fds, x->nfds);
		if (IS_ERR(msg->files)) {
			err = PTR_ERR(msg->files);
			msg->files = NULL;
			mbox_msg_put(msg);
			return ERR_PTR(err);
		}
	}
	msg->prio = x->prio;
	msg->type = x->type;
	if (x->flags & MBOX_SEND_EXPIRE)
		msg->expire_ns = max_t(u64, x->expire_ns, 1);	/* 0 is never */
	msg->keyed = x->flags & MBOX_SEND_KEY;
	msg->key = x->key;
	return msg;
}

/**
 * mbox_deliver() - copy a message in and post it, waiting as the send asks
 * @mb: the mailbox
 * @user: whose quota the message is charged to
 * @w: the sender's waiter: @w->x is the send, @w->call set for a call
 *
 * On return @w->msg is what the sender owns, as mbox_post() leaves it.
 *
 * Return: 0 once sent (synchronous: taken; call: answered), or -errno.
 */
int mbox_deliver(struct mbox_mailbox *mb, struct mbox_user *user,
		 struct mbox_waiter *w)
{
	const struct mbox_xfer *x = w->x;
	struct mbox_wake wake __uninitialized;
	struct mbox_msg *msg;
	bool direct;
	int err;

	mbox_wake_init(&wake, 0);
	INIT_LIST_HEAD(&w->node);
	err = mbox_msg_check(mb, x);
	if (err)
		return err;
	/* A call's request and a message with files are never sent directly. */
	direct = !(x->flags & MBOX_XFER_CALL) && !x->nfds;
	mbox_direct_note(mb, direct ? x->len : 0);
	if (direct && x->len >= MBOX_DIRECT_MIN) {
		err = mbox_direct_send(mb, user, x);
		if (err <= 0)
			return err;
	}
	msg = mbox_msg_make(mb, user, x);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	w->msg = msg;

	spin_lock(&mb->lock);
	err = mbox_post(mb, w, &wake);
	spin_unlock(&mb->lock);
	mbox_wake_up(mb, &wake);
	return err;
}

/**
 * mbox_send_many() - post messages that wait for nothing, in one lock round
 * @mb: the mailbox, neither rendezvous nor fan-out
 * @h: the handle they are sent through
 * @msgs: messages from mbox_msg_make(), of asynchronous sends
 * @n: how many
 *
 * The first that finds no room ends the round.
 *
 * Return: how many were sent; the rest are still the caller's.
 */
unsigned int mbox_send_many(struct mbox_mailbox *mb, struct mbox_handle *h,
			    struct mbox_msg **msgs, unsigned int n)
{
	struct mbox_xfer x = { .h = h, .flags = MBOX_XFER_NONBLOCK };
	struct mbox_waiter w = { .sender = true, .x = &x, .h = h };
	struct mbox_wake wake __uninitialized;
	unsigned int i;

	mbox_wake_init(&wake, 0);
	INIT_LIST_HEAD(&w.node);
	spin_lock(&mb->lock);
	for (i = 0; i < n; i++) {
		w.msg = msgs[i];
		if (mbox_post(mb, &w, &wake))
			break;
	}
	spin_unlock(&mb->lock);
	mbox_wake_up(mb, &wake);
	return i;
}

/**
 * mbox_send() - send one message
 * @mb: the mailbox
 * @user: whose quota the message is charged to
 * @x: the message and how to send it
 *
 * Return: 0 once the message is queued or handed to a receiver (synchronous:
 * once a receiver has taken it), or -errno.
 */
int mbox_send(struct mbox_mailbox *mb, struct mbox_user *user, struct mbox_xfer *x)
{
	struct mbox_waiter w = { .sender = true, .x = x, .h = x->h };
	int err;

	if (mb->flags & MBOX_OPEN_RENDEZVOUS)
		x->flags |= MBOX_XFER_SYNC;
	err = mbox_deliver(mb, user, &w);
	if (w.msg)
		mbox_msg_put(w.msg);
	return err;
}

/*
 * Block until woken: a message handed over, ERR_PTR(-errno), or NULL to look
 * at the queue again. On its own, so that only a receive that blocks pays
 * for setting up a waiter.
 */
static noinline struct mbox_msg *mbox_take_wait(struct mbox_mailbox *mb,
						struct mbox_xfer *x,
						struct mbox_wake *wake)
	__must_hold(&mb->lock)
{
	struct mbox_waiter w;
	int err;

	mbox_recv_waiter_init(&w, x);
	err = mbox_recv_wait(mb, &w, wake);
	return err ? ERR_PTR(err) : w.msg;
}

/*
 * Take (or peek at) the next selected message, blocking while there is none.
 * While large messages are sent, a buffer is pinned before blocking, so that
 * a sender can copy its message straight in.
 */
static struct mbox_msg *mbox_take(struct mbox_mailbox *mb, struct mbox_xfer *x,
				  struct mbox_wake *wake)
	__must_hold(&mb->lock)
{
	struct mbox_msg *msg;
	size_t span;

	for (;;) {
		if (mb->dead)
			return ERR_PTR(-EIDRM);
		mbox_expire(mb, wake);
		msg = mbox_queue_find(mb, x);
		if (msg)
			break;
		mbox_relay_wake(mb, true, wake);	/* nothing left to wait on */
		if (mbox_refill(mb, wake))
			continue;	/* see mbox_let_in() */
		if (x->flags & MBOX_XFER_NONBLOCK)
			return ERR_PTR(mbox_selects(x) && !mbox_queue_empty(mb) ?
				       -ENOMSG : -EAGAIN);
		span = x->pages || (x->flags & MBOX_RECV_PEEK) ? 0 : mbox_direct_span(mb, x);
		if (span) {
			spin_unlock(&mb->lock);
			mbox_direct_pin(x, span);
			spin_lock(&mb->lock);
			if (x->pages)
				continue;	/* look again: we were unlocked */
		}
		msg = mbox_take_wait(mb, x, wake);
		if (msg)
			return msg;	/* handed over, or the wait failed */
	}
	x->msg_len = msg->len;
	x->msg_nfds = mbox_files_count(msg->files);
	if (msg->len > x->len && !(x->flags & MBOX_RECV_TRUNC)) {
		msg = ERR_PTR(-EMSGSIZE);
	} else if (x->flags & MBOX_RECV_PEEK) {
		refcount_inc(&msg->ref);
	} else if (!mbox_fits(msg, x)) {
		msg = ERR_PTR(-ETOOMANYREFS);	/* no room for its files: it stays */
	} else {
		/* Still counted: the room is made once it is copied out. */
		mbox_queue_del(mb, msg);
		if (msg->waiter)
			msg->waiter->phase = MBOX_PHASE_INFLIGHT;
	}
	/* Whatever we left queued may be for the next blocked receiver. */
	mbox_retry_receiver(mb, NULL, wake);
	return msg;
}

/**
 * mbox_msg_describe() - what a receiver learns of a message besides its bytes
 * @msg: the message
 * @x: the receive, filled in as the receiver sees the sender
 */
void mbox_msg_describe(const struct mbox_msg *msg, struct mbox_xfer *x)
{
	struct pid_namespace *pid_ns;
	struct user_namespace *user_ns;

	x->msg_len = msg->len;
	if (x->flags & MBOX_XFER_LEN_ONLY)
		return;
	pid_ns = task_active_pid_ns(current);
	user_ns = current_user_ns();
	x->prio = msg->prio;
	x->seq = msg->seq;
	x->type = msg->type;
	x->pid = pid_nr_ns(msg->pid, pid_ns);
	x->tid = pid_nr_ns(msg->tid, pid_ns);
	x->uid = from_kuid_munged(user_ns, msg->uid);
	x->gid = from_kgid_munged(user_ns, msg->gid);
	x->send_ns = msg->send_ns;
	x->start_ns = x->pid ? timens_add_boottime_ns(msg->start_ns) : 0;
}

/*
 * A dequeued message has been copied out, or not: make its room, and tell a
 * synchronous sender or caller; or put it back at the head of its level.
 */
static void mbox_recv_done(struct mbox_mailbox *mb, struct mbox_msg *msg,
			   bool copied, struct mbox_xfer *x, struct mbox_wake *wake)
{
	struct mbox_waiter *w = msg->waiter;

	trace_mbox_receive(mb, msg, copied ? 0 : -EFAULT);
	if (!copied && !mb->dead) {
		mbox_queue_add(mb, msg, true);
		mbox_retry_receiver(mb, msg, wake);
		wake->events = EPOLLIN | EPOLLRDNORM;
		if (w) {
			w->phase = MBOX_PHASE_QUEUED;
			wake_up_process(w->task);	/* it may give up now */
		}
		return;
	}
	mbox_unaccount(mb, msg);
	mb->total_received += copied;
	wake->events = EPOLLOUT | EPOLLWRNORM;
	mbox_let_in(mb, wake);
	if (!w)
		return;
	msg->waiter = NULL;
	if (copied && w->call && !mb->dead)
		mbox_call_taken(mb, w, x);
	else	/* taken, or (calls: taken as the mailbox died) not to be */
		mbox_waiter_ready(mb, w, copied && !w->call ? 0 : -EIDRM, wake);
}

/*
 * A message copied out that nobody waits on (no synchronous sender or caller)
 * and that nothing else counts (no files, expiry or key) is plain: it gives
 * its room back without the mailbox lock, and the next locked section that
 * looks at the room settles it (mbox_queue_settle()). Only blocked senders
 * need the lock, to be let in. A sender about to block, having found no room,
 * adds itself to send_waiters, then looks at @released again: with the
 * barriers on both sides one of the two sees the other.
 */
static bool mbox_recv_plain(const struct mbox_msg *msg, const struct mbox_xfer *x)
{
	/* Copied straight in, or peeked at: only let go (mbox_recv_end_now()). */
	if (msg->direct || (x->flags & MBOX_RECV_PEEK))
		return false;
	return !(msg->waiter || msg->files || msg->expire_ns || msg->keyed);
}

/* Give back the room of @msgs plain messages of @bytes in all. */
static void mbox_give_back(struct mbox_mailbox *mb, u64 msgs, u64 bytes)
{
	struct mbox_wake wake __uninitialized;

	mbox_wake_init(&wake, EPOLLOUT | EPOLLWRNORM);
	atomic64_add(msgs * MBOX_RELEASED_ONE + bytes, &mb->released);
	smp_mb__after_atomic();		/* pairs with mbox_post()'s and mbox_poll()'s */
	if (!list_empty(&mb->send_waiters)) {
		spin_lock(&mb->lock);
		mbox_let_in(mb, &wake);
		spin_unlock(&mb->lock);
	}
	mbox_wake_up(mb, &wake);
}

/**
 * mbox_recv_copy() - copy a taken message out to its receiver
 * @msg: the message, described to @x
 * @x: the receive
 *
 * Its bytes, then (unless peeked at) its files.
 *
 * Return: 0, or -errno: then hand it to mbox_recv_end() as not copied.
 */
int mbox_recv_copy(const struct mbox_msg *msg, struct mbox_xfer *x)
{
	if (msg->direct)
		return 0;	/* already in the buffer, by its sender */
	if (copy_to_user(x->buf, msg->data, min(msg->len, x->len)))
		return -EFAULT;
	if (!msg->files || (x->flags & MBOX_RECV_PEEK))
		return 0;
	return mbox_files_install(msg->files, x->fds, x->flags & MBOX_RECV_FDS_CLOEXEC);
}

/*
 * Be done with a taken message one at a time: one peeked at, or copied
 * straight in, is only let go; others go back to the queue if not @copied, or
 * tell whom they concern (see mbox_recv_done()).
 */
static void mbox_recv_end_now(struct mbox_mailbox *mb, struct mbox_msg *msg,
			      struct mbox_xfer *x, bool copied)
{
	struct mbox_wake wake __uninitialized;

	mbox_wake_init(&wake, 0);
	if (msg->direct || (x->flags & MBOX_RECV_PEEK)) {
		mbox_msg_put(msg);
		return;
	}
	spin_lock(&mb->lock);
	mbox_recv_done(mb, msg, copied, x, &wake);
	if (!copied && !mb->dead)
		msg = NULL;	/* back in the queue */
	spin_unlock(&mb->lock);
	mbox_wake_up(mb, &wake);
	if (msg)
		mbox_msg_put(msg);
}

/**
 * mbox_recv_end_later() - be done with a copied-out message, now or with others
 * @mb: the mailbox
 * @msg: the message, copied out; the caller's reference is dropped
 * @x: the receive that took it
 * @later: plain messages (see mbox_recv_plain()) noted for
 *	mbox_recv_end_noted(), which gives back their room and frees them
 *	together; others are done with now
 */
void mbox_recv_end_later(struct mbox_mailbox *mb, struct mbox_msg *msg,
			 struct mbox_xfer *x, struct mbox_received *later)
{
	if (!mbox_recv_plain(msg, x)) {
		mbox_recv_end_now(mb, msg, x, true);
		return;
	}
	trace_mbox_receive(mb, msg, 0);
	msg->next_drop = later->chain;
	later->chain = msg;
	later->msgs++;
	later->bytes += msg->len;
}

/**
 * mbox_recv_end_noted() - be done with what mbox_recv_end_later() noted
 * @mb: the mailbox
 * @later: the messages; emptied
 */
void mbox_recv_end_noted(struct mbox_mailbox *mb, struct mbox_received *later)
{
	if (!later->msgs)
		return;
	mbox_give_back(mb, later->msgs, later->bytes);
	mbox_msg_put_chain(later->chain);
	*later = (struct mbox_received){ .msgs = 0 };
}

/**
 * mbox_recv_end() - be done with a taken message
 * @mb: the mailbox
 * @msg: the message; the caller's reference is dropped
 * @x: the receive that took it
 * @copied: whether mbox_recv_copy() succeeded: if not, the message goes back
 *	at the head of its level
 */
void mbox_recv_end(struct mbox_mailbox *mb, struct mbox_msg *msg,
		   struct mbox_xfer *x, bool copied)
{
	if (!copied || !mbox_recv_plain(msg, x)) {
		mbox_recv_end_now(mb, msg, x, copied);
		return;
	}
	trace_mbox_receive(mb, msg, 0);
	mbox_give_back(mb, 1, msg->len);
	mbox_msg_put(msg);
}

/**
 * mbox_recv() - receive one message
 * @mb: the mailbox
 * @x: the buffer, selection and flags; on return, what the message is (its
 *	length also on -EMSGSIZE)
 *
 * A message that cannot be copied out is put back at the head of its level;
 * only once it is copied out does it make room for blocked senders.
 *
 * Return: 0, or -errno.
 */
int mbox_recv(struct mbox_mailbox *mb, struct mbox_xfer *x)
{
	struct mbox_wake wake __uninitialized;
	struct mbox_msg *msg;
	int err;

	mbox_wake_init(&wake, 0);
	spin_lock(&mb->lock);
	msg = mbox_take(mb, x, &wake);
	spin_unlock(&mb->lock);
	mbox_wake_up(mb, &wake);
	mbox_direct_unpin(x);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	mbox_msg_describe(msg, x);
	err = mbox_recv_copy(msg, x);
	mbox_recv_end(mb, msg, x, !err);
	return err;
}

/**
 * mbox_take_many() - take messages for receives that wait for nothing, in
 *	one lock round
 * @mb: the mailbox, not fan-out
 * @x: the receives, each with %MBOX_XFER_NONBLOCK
 * @msgs: the messages taken, one per receive in order
 * @n: how many receives
 * @err: the error of the receive that ended the round, or 0
 *
 * Each message taken then goes through mbox_recv_copy() and mbox_recv_end().
 *
 * Return: how many receives took a message.
 */
unsigned int mbox_take_many(struct mbox_mailbox *mb, struct mbox_xfer *x,
			    struct mbox_msg **msgs, unsigned int n, int *err)
{
	struct mbox_wake wake __uninitialized;
	unsigned int i;

	mbox_wake_init(&wake, 0);
	*err = 0;
	spin_lock(&mb->lock);
	for (i = 0; i < n; i++) {
		msgs[i] = mbox_take(mb, &x[i], &wake);
		if (IS_ERR(msgs[i])) {
			*err = PTR_ERR(msgs[i]);
			break;
		}
	}
	spin_unlock(&mb->lock);
	mbox_wake_up(mb, &wake);
	return i;
}

/**
 * mbox_queue_poll() - the poll events of a mailbox now
 * @mb: the mailbox
 *
 * Return: EPOLLIN when a message is queued, EPOLLOUT when a message of any
 * legal size can be sent without blocking (rendezvous: a receiver waits),
 * EPOLLHUP | EPOLLERR once destroyed.
 */
__poll_t mbox_queue_poll(struct mbox_mailbox *mb)
{
	__poll_t events = 0;
	bool room;

	mbox_queue_expire(mb);
	spin_lock(&mb->lock);
	if (mb->dead) {
		events = EPOLLHUP | EPOLLERR;
	} else {
		if (!mbox_queue_empty(mb))
			events |= EPOLLIN | EPOLLRDNORM;
		if (mb->flags & MBOX_OPEN_RENDEZVOUS)
			room = mb->waiting_receivers;
		else
			room = list_empty(&mb->send_waiters) &&
			       mbox_room(mb, mb->max_msg_size);
		if (room)
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
	struct mbox_wake wake __uninitialized;

	mbox_wake_init(&wake, EPOLLOUT | EPOLLWRNORM);
	spin_lock(&mb->lock);
	mb->max_msgs = max_msgs;
	mb->max_bytes = max_bytes;
	if (mb->flags & MBOX_OPEN_FANOUT)
		mbox_fanout_refill(mb, &wake);
	else
		mbox_refill(mb, &wake);
	spin_unlock(&mb->lock);
	mbox_wake_up(mb, &wake);
}

/* Take every queued message out; the caller frees them after unlocking. */
static void mbox_queue_drain(struct mbox_mailbox *mb, struct list_head *out)
{
	struct mbox_msg *msg;

	while ((msg = mbox_queue_first(mb))) {
		mbox_queue_del(mb, msg);
		mbox_unaccount(mb, msg);
		msg->waiter = NULL;
		list_add_tail(&msg->link, out);
	}
}

static void mbox_msg_put_list(struct list_head *list)
{
	struct mbox_msg *msg, *tmp;

	list_for_each_entry_safe(msg, tmp, list, link)
		mbox_msg_put(msg);
}

/* End the waits of a list, but those whose message is being received. */
static void mbox_waiters_fail(struct mbox_mailbox *mb, struct list_head *list,
			      struct mbox_handle *h, int err)
{
	struct mbox_waiter *w, *tmp;

	list_for_each_entry_safe(w, tmp, list, node) {
		if (h && w->h != h)
			continue;
		if (w->phase == MBOX_PHASE_QUEUED || w->phase == MBOX_PHASE_INFLIGHT ||
		    w->phase == MBOX_PHASE_TAKEN || w->filling) {
			/*
			 * It withdraws or abandons its own message; one being
			 * copied out, or (receivers) copied in, once the copy
			 * has decided.
			 */
			w->cancelled = true;
			wake_up_process(w->task);
			continue;
		}
		mbox_waiter_ready(mb, w, err, NULL);
	}
}

/**
 * mbox_queue_kill() - destroy a mailbox's queue
 * @mb: the mailbox
 *
 * Frees the queued messages and ends every wait with -EIDRM (a message being
 * copied out ends its sender's wait when the copy does); later sends and
 * receives fail with -EIDRM.
 *
 * Return: false if the mailbox was already dead.
 */
bool mbox_queue_kill(struct mbox_mailbox *mb)
{
	struct mbox_wake drop __uninitialized;
	struct mbox_waiter *w, *tmp;
	LIST_HEAD(msgs);

	mbox_wake_init(&drop, 0);
	spin_lock(&mb->lock);
	if (mb->dead) {
		spin_unlock(&mb->lock);
		return false;
	}
	mb->dead = true;
	mbox_queue_settle(mb);
	trace_mbox_destroy(mb);
	mbox_queue_drain(mb, &msgs);
	if (mb->flags & MBOX_OPEN_FANOUT)
		mbox_fanout_kill(mb, &drop);
	mbox_calls_fail(mb, NULL, -EIDRM);
	/* Rare and unbounded: wake each waiter now rather than defer. */
	mbox_waiters_fail(mb, &mb->recv_waiters, NULL, -EIDRM);
	mbox_waiters_fail(mb, &mb->send_waiters, NULL, -EIDRM);
	mbox_relay_wake(mb, true, NULL);
	list_for_each_entry_safe(w, tmp, &mb->sync_waiters, node)
		if (w->phase != MBOX_PHASE_INFLIGHT)
			mbox_waiter_ready(mb, w, -EIDRM, NULL);
	spin_unlock(&mb->lock);
	wake_up_interruptible_poll(&mb->poll_wq, EPOLLHUP | EPOLLERR);
	mbox_msg_put_list(&msgs);
	mbox_wake_up(mb, &drop);
	return true;
}

/**
 * mbox_queue_cancel() - end the waits of one handle with -ECANCELED
 * @mb: the handle's mailbox
 * @h: the handle
 *
 * Return: 0, or -EIDRM once the mailbox is destroyed.
 */
int mbox_queue_cancel(struct mbox_mailbox *mb, struct mbox_handle *h)
{
	int err = 0;

	spin_lock(&mb->lock);
	if (mb->dead) {
		err = -EIDRM;
	} else {
		mbox_waiters_fail(mb, &mb->recv_waiters, h, -ECANCELED);
		mbox_waiters_fail(mb, &mb->send_waiters, h, -ECANCELED);
		mbox_waiters_fail(mb, &mb->sync_waiters, h, -ECANCELED);
	}
	spin_unlock(&mb->lock);
	return err;
}

/**
 * mbox_queue_free() - free a mailbox and what it still holds
 * @mb: the mailbox, no longer referenced
 */
void mbox_queue_free(struct mbox_mailbox *mb)
{
	LIST_HEAD(msgs);

	mbox_debug_del(mb);
	cancel_delayed_work_sync(&mb->relay_timeout);
	spin_lock(&mb->lock);
	mbox_queue_drain(mb, &msgs);
	spin_unlock(&mb->lock);
	mbox_msg_put_list(&msgs);
	mbox_caches_put(mb);
	kfree(mb);
}
