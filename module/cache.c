// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: a mailbox's cache of message buffers.
 *
 * Every send allocates a message and every receive frees one: a slab
 * allocation and a memory cgroup charge, then both undone, per message. A
 * mailbox keeps the buffers of freed messages instead, each cache of one
 * size, for its next sends. A fixed-size mailbox has one cache, of its
 * message size, filled when the mailbox is created, so that sending
 * allocates nothing. A variable-size mailbox has one for the small messages,
 * which most are, and one of its largest message size for the rest, whose
 * allocation would cost about as much as their copies. What a cache
 * keeps is bounded by MBOX_CACHE_BYTES; its buffers stay charged to the
 * memory cgroups that allocated them.
 *
 * Each message from a cache is counted in it: the cache lives on while any
 * is, and while its mailbox does.
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
/* The fewest buffers of its largest size worth a variable-size mailbox's cache. */
#define MBOX_CACHE_BIG_MIN	8

/**
 * struct mbox_cache - free message buffers of one size
 * @lock: protects @free, @n, @out and @orphaned; nothing nests inside it.
 *	Taking a buffer and giving one back are a handful of plain stores
 *	under it, cheaper than the atomic operations a lockless list needs.
 * @free: the buffers, most recently freed first, linked through
 *	mbox_msg.free
 * @n: how many
 * @out: buffers of this cache in messages now, or being allocated for one:
 *	it lives on while any is
 * @orphaned: its mailbox is gone: the last buffer to come back frees it
 * @depth: the most it keeps
 * @room: the payload each buffer holds
 */
struct mbox_cache {
	spinlock_t lock;		/* see @lock */
	struct llist_node *free;
	u32 n;
	u32 out;
	bool orphaned;
	u32 depth;
	size_t room;
};

static size_t mbox_cache_size(size_t room)
{
	struct mbox_msg *msg;

	return struct_size(msg, data, room);
}

/* A cache of buffers of @room for a mailbox of @max_msgs; @fill it now. */
static struct mbox_cache *mbox_cache_new(size_t room, u32 max_msgs, bool fill)
{
	struct mbox_cache *c;
	struct mbox_msg *msg;

	c = kzalloc(sizeof(*c), GFP_KERNEL_ACCOUNT);
	if (!c)
		return NULL;
	spin_lock_init(&c->lock);
	c->room = room;
	c->depth = min_t(size_t, max_msgs, MBOX_CACHE_BYTES / mbox_cache_size(room));
	while (fill && c->n < c->depth) {
		msg = kvmalloc(mbox_cache_size(c->room), GFP_KERNEL_ACCOUNT);
		if (!msg)
			break;	/* sends allocate what is missing */
		msg->free.next = c->free;
		c->free = &msg->free;
		c->n++;
	}
	return c;
}

/**
 * mbox_caches_new() - the caches of a new mailbox
 * @mb: the mailbox, its flags and limits set; @mb->cache and @mb->cache_big
 *	are set
 *
 * A fixed-size mailbox's one cache is filled now, as far as memory allows. A
 * variable-size mailbox keeps no buffers of its largest size if fewer than
 * MBOX_CACHE_BIG_MIN of them fit in MBOX_CACHE_BYTES.
 *
 * Return: 0, or -ENOMEM.
 */
int mbox_caches_new(struct mbox_mailbox *mb)
{
	size_t small = MBOX_CACHE_SMALL - mbox_cache_size(0);
	size_t max = mb->max_msg_size;

	if (mb->flags & MBOX_OPEN_FIXED_SIZE) {
		mb->cache = mbox_cache_new(max, mb->max_msgs, true);
		return mb->cache ? 0 : -ENOMEM;
	}
	mb->cache = mbox_cache_new(min(max, small), mb->max_msgs, false);
	if (!mb->cache)
		return -ENOMEM;
	if (max > small && MBOX_CACHE_BYTES / mbox_cache_size(max) >= MBOX_CACHE_BIG_MIN) {
		mb->cache_big = mbox_cache_new(max, mb->max_msgs, false);
		if (!mb->cache_big)
			return -ENOMEM;
	}
	return 0;
}

/**
 * mbox_cache_for() - the cache a message of a mailbox takes its buffer from
 * @mb: the mailbox
 * @len: the message's length
 *
 * Return: the cache, whose room may still be too small (a message of no cache).
 */
struct mbox_cache *mbox_cache_for(const struct mbox_mailbox *mb, size_t len)
{
	return len > mb->cache->room && mb->cache_big ? mb->cache_big : mb->cache;
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

static void mbox_cache_destroy(struct mbox_cache *c)
{
	mbox_cache_kvfree(c->free, UINT_MAX);
	kfree(c);
}

/*
 * Let go of a cache, as its mailbox is freed. Messages of it still alive
 * then come back to a cache nobody takes from; the last of them frees it,
 * with its buffers.
 */
static void mbox_cache_put(struct mbox_cache *c)
{
	bool unused;

	if (!c)
		return;
	spin_lock(&c->lock);
	c->orphaned = true;
	unused = !c->out;
	spin_unlock(&c->lock);
	if (unused)
		mbox_cache_destroy(c);
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
	struct llist_node *node;
	struct mbox_msg *msg;

	if (!c || !c->depth || room > c->room) {
		msg = kvmalloc(mbox_cache_size(room), GFP_KERNEL_ACCOUNT);
		if (msg)
			msg->cache = NULL;
		return msg;
	}
	/* Counted out before it is had: a miss then takes the lock once. */
	spin_lock(&c->lock);
	node = c->free;
	if (node) {
		c->free = node->next;
		c->n--;
	}
	c->out++;
	spin_unlock(&c->lock);
	if (node) {
		msg = llist_entry(node, struct mbox_msg, free);
	} else {
		/* Sized for the cache, which takes it back once freed. */
		msg = kvmalloc(mbox_cache_size(c->room), GFP_KERNEL_ACCOUNT);
		if (!msg) {
			/* Its mailbox, which the caller holds, keeps @c. */
			spin_lock(&c->lock);
			c->out--;
			spin_unlock(&c->lock);
			return NULL;
		}
	}
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
	struct llist_node *front = first;
	unsigned int over, i;
	bool unused;

	if (!c) {
		mbox_cache_kvfree(first, n);
		return;
	}
	spin_lock(&c->lock);
	/* What does not fit is freed, from the front: the rest go back. */
	over = n - min(n, c->depth - c->n);
	for (i = 0; i < over; i++)
		first = first->next;
	if (over < n) {
		last->next = c->free;
		c->free = first;
		c->n += n - over;
	}
	c->out -= n;
	unused = c->orphaned && !c->out;
	spin_unlock(&c->lock);
	mbox_cache_kvfree(front, over);
	if (unused)
		mbox_cache_destroy(c);
}

/**
 * mbox_caches_put() - let go of a mailbox's caches, as it is freed
 * @mb: the mailbox
 */
void mbox_caches_put(struct mbox_mailbox *mb)
{
	mbox_cache_put(mb->cache);
	mbox_cache_put(mb->cache_big);
}
