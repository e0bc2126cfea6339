// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: a mailbox's cache of message buffers.
 *
 * Every send allocates a message and every receive frees one: a slab
 * allocation and a memory cgroup charge, then both undone, per message. A
 * mailbox keeps the buffers of freed messages instead, all of one size, for
 * its next sends. In a fixed-size mailbox that size is the message size, and
 * the cache is filled when the mailbox is created, so that sending allocates
 * nothing. Otherwise it takes the small messages, which most are. What a
 * cache keeps is bounded by MBOX_CACHE_BYTES; its buffers stay charged to the
 * memory cgroups that allocated them.
 *
 * Each message from a cache holds a reference to it: the cache lives on
 * while any does.
 */
#include <linux/llist.h>
#include <linux/overflow.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "mbox.h"

/* The most memory a mailbox keeps in free buffers. */
#define MBOX_CACHE_BYTES	SZ_256K
/* A variable-size mailbox's buffers, header and payload: a slab size. */
#define MBOX_CACHE_SMALL	512

/**
 * struct mbox_cache - free message buffers of one size
 * @free: the buffers, most recently freed first. Freeing pushes without a
 *	lock; taking needs @take_lock, as llist_del_first() allows one taker
 *	at a time, and a sender finding it taken allocates instead. So nobody
 *	ever waits here.
 * @take_lock: see @free; nothing nests inside it
 * @n: buffers in @free, counted before a push and after a take
 * @ref: the mailbox's, and one per message out of the cache
 * @depth: the most it keeps
 * @room: the payload each buffer holds
 */
struct mbox_cache {
	struct llist_head free;
	spinlock_t take_lock;		/* see @free */
	atomic_t n;
	refcount_t ref;
	u32 depth;
	size_t room;
};

static size_t mbox_cache_size(size_t room)
{
	struct mbox_msg *msg;

	return struct_size(msg, data, room);
}

/**
 * mbox_cache_new() - the cache of a new mailbox
 * @mb: the mailbox, its flags and limits set
 *
 * A fixed-size mailbox's cache is filled now, as far as memory allows.
 *
 * Return: the cache, or NULL when out of memory.
 */
struct mbox_cache *mbox_cache_new(const struct mbox_mailbox *mb)
{
	bool fixed = mb->flags & MBOX_OPEN_FIXED_SIZE;
	size_t small = MBOX_CACHE_SMALL - mbox_cache_size(0);
	struct mbox_cache *c;
	struct mbox_msg *msg;

	c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (!c)
		return NULL;
	init_llist_head(&c->free);
	spin_lock_init(&c->take_lock);
	refcount_set(&c->ref, 1);
	c->room = fixed ? mb->max_msg_size : min_t(size_t, mb->max_msg_size, small);
	c->depth = min_t(size_t, mb->max_msgs, MBOX_CACHE_BYTES / mbox_cache_size(c->room));
	while (fixed && atomic_read(&c->n) < c->depth) {
		msg = kvmalloc(mbox_cache_size(c->room), GFP_KERNEL_ACCOUNT);
		if (!msg)
			break;	/* sends allocate what is missing */
		llist_add(&msg->free, &c->free);
		atomic_inc(&c->n);
	}
	return c;
}

/* Free up to @n buffers of a list (through @free); return what is left of it. */
static struct llist_node *mbox_cache_kvfree(struct llist_node *node, unsigned int n)
{
	struct mbox_msg *msg;

	while (node && n--) {
		msg = llist_entry(node, struct mbox_msg, free);
		node = node->next;
		kvfree(msg);
	}
	return node;
}

/* Drop @n references to a cache; the last frees it with its buffers. */
static void mbox_cache_put_many(struct mbox_cache *c, unsigned int n)
{
	if (!refcount_sub_and_test(n, &c->ref))
		return;
	mbox_cache_kvfree(llist_del_all(&c->free), UINT_MAX);
	kfree(c);
}

/**
 * mbox_cache_put() - drop a reference to a cache
 * @c: the cache, or NULL; the last put frees it with its buffers
 *
 * The mailbox's put comes when the mailbox is freed: messages of it still
 * alive then come back to a cache nobody takes from, freed with it.
 */
void mbox_cache_put(struct mbox_cache *c)
{
	if (c)
		mbox_cache_put_many(c, 1);
}

/**
 * mbox_cache_alloc() - a buffer for a message
 * @c: the mailbox's cache, or NULL for a message of no mailbox
 * @room: the payload it must hold
 *
 * Return: the message, its @cache set, or NULL when out of memory.
 */
struct mbox_msg *mbox_cache_alloc(struct mbox_cache *c, size_t room)
{
	struct llist_node *node = NULL;
	struct mbox_msg *msg;

	if (!c || !c->depth || room > c->room) {
		msg = kvmalloc(mbox_cache_size(room), GFP_KERNEL_ACCOUNT);
		if (msg)
			msg->cache = NULL;
		return msg;
	}
	/* Another sender taking now: allocating beats waiting for it. */
	if (atomic_read(&c->n) && spin_trylock(&c->take_lock)) {
		node = llist_del_first(&c->free);
		spin_unlock(&c->take_lock);
	}
	if (node) {
		atomic_dec(&c->n);
		msg = llist_entry(node, struct mbox_msg, free);
	} else {
		/* Sized for the cache, which takes it back once freed. */
		msg = kvmalloc(mbox_cache_size(c->room), GFP_KERNEL_ACCOUNT);
		if (!msg)
			return NULL;
	}
	refcount_inc(&c->ref);
	msg->cache = c;
	return msg;
}

/**
 * mbox_cache_free() - free message buffers, back into their cache while it has room
 * @c: the cache they came from, or NULL
 * @first: the first buffer's @free, which links them
 * @last: the last one's
 * @n: how many
 */
void mbox_cache_free(struct mbox_cache *c, struct llist_node *first,
		     struct llist_node *last, unsigned int n)
{
	int over;

	if (!c) {
		mbox_cache_kvfree(first, n);
		return;
	}
	/* What does not fit is freed, from the front: the rest go back. */
	over = min_t(int, atomic_add_return(n, &c->n) - (int)c->depth, n);
	if (over > 0) {
		atomic_sub(over, &c->n);
		first = mbox_cache_kvfree(first, over);
	}
	if (over < (int)n)
		llist_add_batch(first, last, &c->free);
	mbox_cache_put_many(c, n);
}
