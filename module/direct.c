// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: single-copy transfer of large messages.
 *
 * While a mailbox carries large messages, a receiver about to block pins the
 * pages of its buffer that such a message would fill. A sender of a large
 * message that finds such a receiver waiting past an empty queue, its pages
 * covering the message, claims it, and copies its message from its own
 * buffer straight into those pages: one copy instead of two, and no kernel
 * buffer the size of the message. Pinning and unpinning a page costs more
 * than copying a small message twice, so a mailbox whose latest message was
 * small pins nothing, however large its receivers' buffers.
 *
 * A claimed receiver stays on recv_waiters marked as filling, so that nobody
 * else hands it a message and a destroy or cancel only flags it; it waits
 * for the outcome uninterruptibly. If the sender's buffer faults, the
 * receiver waits on where it was (or ends its wait as it was told to
 * meanwhile), none the wiser.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "mbox.h"
#include "trace.h"

/**
 * mbox_direct_span() - how much of a receive buffer to pin before blocking
 * @mb: the mailbox
 * @x: the receive
 *
 * After a large message, as much as one twice as large would fill, so that
 * messages of about one size all go straight across; after a small one,
 * nothing.
 *
 * Return: bytes from the start of the buffer, or 0.
 */
size_t mbox_direct_span(struct mbox_mailbox *mb, const struct mbox_xfer *x)
{
	size_t last = READ_ONCE(mb->direct_len);
	size_t span = min3(x->len, (size_t)mb->max_msg_size, 2 * last);

	return span >= MBOX_DIRECT_MIN ? span : 0;
}

/**
 * mbox_direct_pin() - pin the start of a receive buffer for direct senders
 * @x: the receive; on success @x->pages, @x->npages and @x->pinned are set
 * @len: how many bytes, at most @x->len (mbox_direct_span())
 *
 * Failing is harmless: the receive then takes messages the usual way.
 */
void mbox_direct_pin(struct mbox_xfer *x, size_t len)
{
	unsigned long start = (unsigned long)x->buf;
	unsigned int n;
	int pinned;

	n = DIV_ROUND_UP(offset_in_page(start) + len, PAGE_SIZE);
	x->pages = kvmalloc_array(n, sizeof(*x->pages), GFP_KERNEL_ACCOUNT);
	if (!x->pages)
		return;
	pinned = pin_user_pages_fast(start & PAGE_MASK, n, FOLL_WRITE, x->pages);
	if (pinned == n) {
		x->npages = n;
		x->pinned = len;
		return;
	}
	if (pinned > 0)
		unpin_user_pages(x->pages, pinned);
	kvfree(x->pages);
	x->pages = NULL;
}

/**
 * mbox_direct_unpin_pages() - release what mbox_direct_pin() pinned
 * @x: the receive, its pages pinned (see mbox_direct_unpin())
 */
void mbox_direct_unpin_pages(struct mbox_xfer *x)
{
	unpin_user_pages_dirty_lock(x->pages, x->npages, true);
	kvfree(x->pages);
	x->pages = NULL;
}

/* The receiver a message may be copied straight to: as mbox_taker() picks. */
static struct mbox_waiter *mbox_direct_taker(struct mbox_mailbox *mb,
					     const struct mbox_msg *msg)
{
	struct mbox_waiter *w;

	if (!mbox_queue_empty(mb))
		return NULL;
	list_for_each_entry(w, &mb->recv_waiters, node) {
		if (w->filling || (w->x->flags & MBOX_RECV_PEEK) || !mbox_match(msg, w->x) ||
		    (msg->len > w->x->len && !(w->x->flags & MBOX_RECV_TRUNC)))
			continue;
		/*
		 * The first that would take it: directly, or not at all, if
		 * its pages do not cover what it would take.
		 */
		return w->x->pages && min(msg->len, w->x->len) <= w->x->pinned ? w : NULL;
	}
	return NULL;
}

/* Copy len bytes from the sender's buffer into the receiver's pinned pages. */
static bool mbox_direct_copy(const struct mbox_xfer *rx, const void __user *src,
			     size_t len)
{
	size_t off = offset_in_page(rx->buf), n;
	unsigned int i;
	unsigned long left;
	void *dst;

	for (i = 0; len; i++, off = 0) {
		n = min_t(size_t, len, PAGE_SIZE - off);
		dst = kmap_local_page(rx->pages[i]);
		left = copy_from_user(dst + off, src, n);
		kunmap_local(dst);
		if (left)
			return false;
		src += n;
		len -= n;
	}
	return true;
}

/*
 * The claimed receiver's outcome: it has the message; or (the copy faulted)
 * it ends the wait a destroy or cancel asked for meanwhile, or waits on.
 */
static void mbox_direct_done(struct mbox_mailbox *mb, struct mbox_waiter *rw,
			     struct mbox_msg *msg)
{
	struct mbox_wake wake __uninitialized;

	mbox_wake_init(&wake, 0);
	spin_lock(&mb->lock);
	rw->filling = false;
	if (msg) {
		rw->msg = msg;
		mb->total_received++;
		trace_mbox_send(mb, msg, true);
		mbox_waiter_ready(mb, rw, 0, &wake);
	} else if (rw->cancelled) {
		mbox_waiter_ready(mb, rw, mb->dead ? -EIDRM : -ECANCELED, &wake);
	} else {
		wake_up_process(rw->task);	/* a signal may have come meanwhile */
	}
	spin_unlock(&mb->lock);
	mbox_wake_up(mb, &wake);
}

/**
 * mbox_direct_send() - send a large message straight into a waiting receiver
 * @mb: the mailbox
 * @user: whose quota the message's header is charged to
 * @x: the send, already checked against the mailbox
 *
 * Return: 0 once a receiver has the message (which also completes a
 * synchronous send), 1 if no receiver can take it so (send it the usual way),
 * or -errno.
 */
int mbox_direct_send(struct mbox_mailbox *mb, struct mbox_user *user,
		     const struct mbox_xfer *x)
{
	struct mbox_waiter *rw;
	struct mbox_msg *msg;
	bool copied;

	/* A hint, rechecked under the lock: most sends find nobody waiting. */
	if (list_empty_careful(&mb->recv_waiters))
		return 1;
	msg = mbox_msg_header(user, x->len);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	msg->prio = x->prio;
	msg->type = x->type;

	spin_lock(&mb->lock);
	rw = mb->dead ? NULL : mbox_direct_taker(mb, msg);
	if (rw) {
		rw->filling = true;
		msg->seq = ++mb->seq;
		mb->total_sent++;
	}
	spin_unlock(&mb->lock);
	if (!rw) {
		mbox_msg_put(msg);
		return 1;
	}

	/* The receiver cannot leave until we say how it went: rw stays valid. */
	copied = mbox_direct_copy(rw->x, x->buf, min(x->len, rw->x->pinned));
	mbox_direct_done(mb, rw, copied ? msg : NULL);
	if (copied)
		return 0;
	mbox_msg_put(msg);
	return -EFAULT;
}
