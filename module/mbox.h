/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mbox: declarations shared by the module's files.
 */
#ifndef _MBOX_H
#define _MBOX_H

#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/mbox.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/refcount.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

/**
 * DOC: mbox objects and locking
 *
 * A handle (struct mbox_handle) is the private data of an open file of
 * /dev/mbox. MBOX_IOC_OPEN binds it, once, to a mailbox (struct
 * mbox_mailbox). A mailbox is counted by a kref: one reference per bound
 * handle and one for its name while it has one. It holds its messages
 * (struct mbox_msg) in a tree of priority levels and the callers blocked on it
 * in FIFO lists of struct mbox_waiter (receivers, senders waiting for room,
 * synchronous senders waiting for a receiver, and the relay of senders let
 * in), which live on the waiters' stacks.
 *
 * The path of one message: write() or MBOX_IOC_SEND copies it in (fops.c,
 * ioctl.c), mbox_send() (queue.c) hands it to a blocked receiver or queues
 * it, and mbox_recv() takes it out and copies it to the receiver. A batch
 * (batch.c) moves its messages in runs, one lock round per run.
 *
 * Locks, in the order they nest:
 *
 * 1. mbox_handle.bind_lock (mutex): serialises binding a handle.
 * 2. mbox_registry_lock (mutex, mailbox.c): the table of names, and each
 *    mailbox's name and IPC namespace.
 * 3. mbox_mailbox.lock (spinlock): everything else in a mailbox. Never held
 *    across a user copy or an allocation; blocked callers are woken after it
 *    is dropped (struct mbox_wake), except by destroy. A receive usually
 *    gives its message's room back without it (mbox_mailbox.released), to be
 *    settled under it. The relay's timeout, a work item, takes it too: a
 *    mailbox is freed only once that work is cancelled, with no lock held.
 * 4. mbox_users_lock (spinlock, user.c): the table of per-user usage.
 * 5. mbox_cache.lock (spinlock, cache.c): a mailbox's free message buffers.
 *    Nothing nests inside it.
 *
 * mbox_debug_lock (mutex, debug.c), the list of all mailboxes for debugfs,
 * nests inside mbox_registry_lock and outside mailbox locks.
 *
 * Messages are charged at send to the sending user's quota (user.c) and,
 * unless their buffer comes from the mailbox's cache (cache.c), to its memory
 * cgroup; they are uncharged when freed.
 *
 * A fan-out mailbox (fanout.c) has no queue of its own: each subscribing
 * handle has a struct mbox_sub, a ring of references to shared messages,
 * under the mailbox lock like the rest.
 */

/* Limits even CAP_SYS_RESOURCE cannot raise. */
#define MBOX_HARD_MSGS		65536
#define MBOX_HARD_MSG_SIZE	SZ_16M
#define MBOX_HARD_BYTES		SZ_1G

/* In mbox_mailbox.released: a message above, its bytes (< MBOX_HARD_BYTES) below. */
#define MBOX_RELEASED_ONE	BIT_ULL(40)

/* Module parameters (main.c); read once per operation. */
extern unsigned int mbox_max_mailboxes;
extern unsigned int mbox_msgs_default;
extern unsigned int mbox_msgs_max;
extern unsigned int mbox_msg_size_default;
extern unsigned int mbox_msg_size_max;
extern unsigned long mbox_bytes_max;
extern unsigned long mbox_user_bytes_max;
extern unsigned int mbox_user_mailboxes_max;
extern unsigned int mbox_user_files_max;
extern unsigned int mbox_relay_ms;

/**
 * struct mbox_user - what one user has queued, for the per-user quota
 * @node: in the table of users (user.c)
 * @ref: one per message charged, per handle caching it, and per send in
 *	progress by a user other than the handle's
 * @uid: the user
 * @bytes: bytes charged: payloads plus per-message overhead
 * @msgs: messages charged
 * @mailboxes: mailboxes owned
 */
struct mbox_user {
	struct hlist_node node;
	refcount_t ref;
	kuid_t uid;
	atomic_long_t bytes;
	atomic_long_t msgs;
	atomic_t mailboxes;
	atomic_t files;
};

/**
 * struct mbox_msg - one message
 * @node: in the mailbox's tree of levels while this message heads its level,
 *	cleared otherwise
 * @link: circular list of the messages of one priority, the head first
 * @free: in its cache's free buffers (cache.c), once freed
 * @ref: one for the queue (or the receiver that took it), one per peeker
 * @user: whose quota it is charged to
 * @waiter: the synchronous sender or caller waiting for this message to be
 *	taken, under the mailbox lock; NULL for an asynchronous message
 * @pid: the sending process
 * @tid: the sending thread
 * @uid: the sender's effective uid
 * @gid: the sender's effective gid
 * @send_ns: CLOCK_MONOTONIC time of the send
 * @start_ns: CLOCK_BOOTTIME start of the sending process, which tells it from
 *	a later process with the same pid
 * @type: type, for selective receive
 * @seq: sequence number in its mailbox, from 1
 * @len: payload length
 * @prio: priority
 * @direct: the payload went straight into its receiver's buffer (see
 *	direct.c): @data is empty
 * @expire_ns: CLOCK_MONOTONIC time it expires at if still queued, or 0
 * @key: with @keyed, what a newer message replaces it by
 * @keyed: sent with a key
 * @next_drop: in a chain of messages dropped unreceived, freed once the
 *	mailbox is unlocked (struct mbox_wake)
 * @files: the open files it carries (files.c), or NULL
 * @cache: the cache its buffer goes back to (cache.c), or NULL
 * @data: payload
 *
 * Every message carries the tree node its level needs, so queueing a message,
 * even back at the head after a failed copy to the receiver, never allocates.
 */
struct mbox_msg {
	struct rb_node node;
	union {
		struct list_head link;
		struct llist_node free;
	};
	refcount_t ref;
	struct mbox_user *user;
	struct mbox_waiter *waiter;
	struct pid *pid;
	struct pid *tid;
	kuid_t uid;
	kgid_t gid;
	u64 send_ns;
	u64 start_ns;
	s64 type;
	u64 seq;
	size_t len;
	u32 prio;
	bool direct;
	bool keyed;
	u64 expire_ns;
	u64 key;
	struct mbox_msg *next_drop;
	struct mbox_files *files;
	struct mbox_cache *cache;
	u8 data[];
};

/* Where a synchronous message (or a call's request) is. */
enum mbox_phase {
	MBOX_PHASE_ROOM,	/* blocked for room, on send_waiters */
	MBOX_PHASE_QUEUED,	/* queued: may still be withdrawn */
	MBOX_PHASE_INFLIGHT,	/* a receiver is copying it out */
	MBOX_PHASE_TAKEN,	/* a call's request, taken: awaiting the reply */
	MBOX_PHASE_DONE,	/* taken, or failed: the wait is over */
};

/**
 * struct mbox_pending - a call whose request a server has taken
 * @link: in the mailbox's calls
 * @token: what the server answers with; the mailbox id in the top half
 * @waiter: the caller, NULL once it gave up
 * @taker: the handle through which the server took the request
 *
 * Allocated by the caller, or its handle's spare; owned by the mailbox's list
 * while on it, handed back to the caller when answered, freed by whoever
 * removes it once the caller gave up. mbox_call_taken() sets every field.
 */
struct mbox_pending {
	struct list_head link;
	u64 token;
	struct mbox_waiter *waiter;
	struct mbox_handle *taker;
};

/**
 * struct mbox_waiter - a caller blocked on a mailbox, on its own stack
 * @node: in recv_waiters, send_waiters or sync_waiters, or empty
 * @task: the caller
 * @h: the handle it came through, for MBOX_IOC_CANCEL
 * @x: what the caller asked for
 * @msg: sender: its message; receiver: a message handed over by a sender;
 *	caller: the reply
 * @call: a caller's call record
 * @phase: a synchronous sender's or caller's progress
 * @sender: a sender or caller (else a receiver)
 * @ready: set, with @err, by whoever ended the wait
 * @cancelled: MBOX_IOC_CANCEL asked this wait to end
 * @giving_up: waits, uninterruptibly, only to learn whether a receiver took
 *	its message
 * @filling: receiver: a sender, off the mailbox lock, is copying a message
 *	straight into its buffer; it waits, uninterruptibly, for the outcome
 * @err: why the wait ended
 */
struct mbox_waiter {
	struct list_head node;
	struct task_struct *task;
	struct mbox_handle *h;
	const struct mbox_xfer *x;
	struct mbox_msg *msg;
	struct mbox_pending *call;
	enum mbox_phase phase;
	bool sender;
	bool ready;
	bool cancelled;
	bool giving_up;
	bool filling;
	int err;
};

/**
 * struct mbox_sub - a subscription to a fan-out mailbox, one per handle
 * @node: in the mailbox's subs
 * @head: index in @ring of the oldest message
 * @count: messages in @ring
 * @held: messages counted against the capacity: @count, and those being
 *	copied out to a receiver
 * @size: slots in @ring: the mailbox's max_msgs
 * @bytes: payload bytes of the @held messages
 * @lost: messages dropped for this subscription since its last receive
 * @ring: the messages, each holding a reference
 */
struct mbox_sub {
	struct list_head node;
	u32 head;
	u32 count;
	u32 held;
	u32 size;
	u64 bytes;
	u64 lost;
	struct mbox_msg *ring[];
};

/**
 * struct mbox_mailbox - a mailbox
 * @ref: one per bound handle, one for the name
 * @lock: protects all fields below but @name_node, @name and @ipc_ns
 * @levels: heads of the priority levels, the highest leftmost
 * @recv_waiters: receivers blocked on an empty mailbox, oldest first
 * @send_waiters: senders blocked on a full mailbox, oldest first
 * @relay: senders let in, still asleep, each to be woken when the one before
 *	blocks for room again, or by @relay_timeout
 * @relay_timeout: wakes the relay relay_ms after it starts, at the most
 * @sync_waiters: synchronous senders and callers whose message is queued,
 *	being received, or (calls) being answered
 * @calls: calls whose request a server has taken
 * @poll_wq: pollers
 * @polled: someone has polled it: only then do its wakers look for pollers
 * @dead: destroyed: every operation fails with EIDRM
 * @flags: MBOX_OPEN_FIXED_SIZE, MBOX_OPEN_RENDEZVOUS, MBOX_OPEN_PORT,
 *	MBOX_OPEN_UNLINK_ON_CLOSE
 * @id: unique among mailboxes, the top half of reply tokens
 * @call_seq: the bottom half of the last reply token
 * @mode: permission bits
 * @uid: owner
 * @gid: group
 * @max_msgs: capacity in messages
 * @max_msg_size: largest (or fixed) message size
 * @max_bytes: capacity in payload bytes
 * @cur_msgs: messages queued, or taken and not yet copied out
 * @cur_bytes: payload bytes of those
 * @released: room given back by receives without the lock, not yet taken off
 *	@cur_msgs and @cur_bytes (mbox_queue_settle()): MBOX_RELEASED_ONE per
 *	message plus its length
 * @waiting_senders: length of @send_waiters and @sync_waiters
 * @waiting_receivers: length of @recv_waiters
 * @seq: sequence number of the last message queued
 * @total_sent: messages queued or handed over since creation
 * @total_received: messages received since creation
 * @expiring: queued messages that may expire
 * @keyed: queued messages with a key
 * @total_expired: messages dropped at their expiry
 * @total_replaced: messages dropped for a newer one with their key
 * @subs: fan-out: the subscriptions (struct mbox_sub)
 * @nsubs: fan-out: length of @subs
 * @total_lost: fan-out: messages dropped for a subscriber, once per subscriber
 * @direct_len: the length of the latest message sent that could go straight
 *	into a waiting receiver, 0 if it was too short; a hint, read and
 *	written without the lock (direct.c)
 * @name_node: in the table of names or of ports (under mbox_registry_lock)
 * @name: the name, without the slash; NULL if anonymous or unlinked
 * @ipc_ns: the IPC namespace of the name, referenced while named
 * @port: the process whose port this is, referenced while registered
 * @owner: the creator's usage record, counting the mailbox
 * @cache: free message buffers for its sends (cache.c), set at creation
 * @cache_big: variable-size: free buffers for its messages too large for
 *	@cache, or NULL
 * @debug_node: in the list of all mailboxes (debug.c)
 */
struct mbox_mailbox {
	struct kref ref;
	spinlock_t lock;		/* see DOC: mbox objects and locking */
	struct rb_root_cached levels;
	struct list_head recv_waiters;
	struct list_head send_waiters;
	struct list_head relay;
	struct delayed_work relay_timeout;
	struct list_head sync_waiters;
	struct list_head calls;
	wait_queue_head_t poll_wq;
	bool polled;
	bool dead;
	u32 flags;
	u32 id;
	u32 call_seq;
	umode_t mode;
	kuid_t uid;
	kgid_t gid;
	u32 max_msgs;
	u32 max_msg_size;
	u64 max_bytes;
	u32 cur_msgs;
	u64 cur_bytes;
	atomic64_t released;
	u32 waiting_senders;
	u32 waiting_receivers;
	u64 seq;
	u64 total_sent;
	u64 total_received;
	u32 expiring;
	u32 keyed;
	u64 total_expired;
	u64 total_replaced;
	struct list_head subs;
	u32 nsubs;
	u64 total_lost;
	size_t direct_len;
	struct hlist_node name_node;
	char *name;
	struct ipc_namespace *ipc_ns;
	struct pid *port;
	struct mbox_user *owner;
	struct mbox_cache *cache;
	struct mbox_cache *cache_big;
	struct list_head debug_node;
};

/**
 * struct mbox_handle - an open file of /dev/mbox
 * @bind_lock: serialises MBOX_IOC_OPEN
 * @mb: the mailbox, NULL until bound; published with smp_store_release()
 * @access: MBOX_ACCESS_* bits, set before @mb is published
 * @user: the binding user's usage, cached for the common case that the
 *	sender is the user that bound the handle
 * @owns_name: created with MBOX_OPEN_UNLINK_ON_CLOSE: its release unlinks
 *	the name, if the mailbox still has it
 * @sub: bound to a fan-out mailbox with MBOX_ACCESS_RECV: its subscription,
 *	set before @mb is published; shared by dup() and fork() like the file
 * @spare_call: the record of a call made through this handle, kept for the
 *	next one (mbox_call()), or NULL; taken and given back with xchg()
 */
struct mbox_handle {
	struct mutex bind_lock;		/* see DOC: mbox objects and locking */
	struct mbox_mailbox *mb;
	u32 access;
	struct mbox_user *user;
	bool owns_name;
	struct mbox_sub *sub;
	struct mbox_pending *spare_call;
};

/**
 * struct mbox_xfer - one send, receive or call, as read/write or an ioctl asked
 * @h: the handle
 * @buf: user buffer: the message, or room for it
 * @len: send: message length; receive: buffer length
 * @prio: send: priority; receive: out: the message's priority
 * @flags: MBOX_SEND_* or MBOX_RECV_* (NONBLOCK and DEADLINE share bits), and
 *	MBOX_XFER_CALL for a call's request, MBOX_XFER_LEN_ONLY for read()
 * @deadline: with the DEADLINE flag, absolute CLOCK_MONOTONIC time
 * @type: send: the type; receive: in: the selection, out: the type
 * @from: receive: with MBOX_RECV_FROM, the sender to select
 * @reply_buf: call: where the reply goes
 * @reply_len: call: in: room for the reply; out: the reply's length
 * @msg_len: receive: out: the message's whole length
 * @seq: receive: out: the message's sequence number
 * @pid: receive: out: the sender, in the receiver's pid namespace
 * @tid: receive: out: the sending thread, likewise
 * @uid: receive: out: the sender's euid, in the receiver's user namespace
 * @gid: receive: out: the sender's egid, likewise
 * @send_ns: receive: out: when it was sent
 * @start_ns: receive: out: when the sending process started, in the
 *	receiver's time namespace; 0 if the sender is not visible
 * @reply_token: receive: out: the token to answer a call's request with
 * @lost: receive: out: fan-out: messages the subscription lost before this one
 * @expire_ns: send: with MBOX_SEND_EXPIRE, when the message expires
 * @key: send: with MBOX_SEND_KEY, its key
 * @fds: send: the descriptors of the files to carry; receive: with
 *	MBOX_RECV_FDS, room for the new descriptors' numbers
 * @nfds: send: how many; receive: room for how many
 * @msg_nfds: receive: out: how many files the message carries
 * @pages: receive: the buffer's pages, pinned while it waits for a message
 *	large enough to be copied straight in, or NULL
 * @npages: how many
 * @pinned: bytes of the buffer @pages cover
 */
struct mbox_xfer {
	struct mbox_handle *h;
	void __user *buf;
	size_t len;
	u32 prio;
	u32 flags;
	ktime_t deadline;
	s64 type;
	struct pid *from;
	void __user *reply_buf;
	size_t reply_len;
	size_t msg_len;
	u64 seq;
	pid_t pid;
	pid_t tid;
	u32 uid;
	u32 gid;
	u64 send_ns;
	u64 start_ns;
	u64 reply_token;
	u64 lost;
	u64 expire_ns;
	u64 key;
	int __user *fds;
	u32 nfds;
	u32 msg_nfds;
	struct page **pages;
	unsigned int npages;
	size_t pinned;
};

/**
 * struct mbox_wake - what to do once a mailbox lock is dropped
 * @task: referenced tasks to wake
 * @n: how many
 * @events: poll events to signal, if any
 * @drop: messages dropped unreceived (expired, replaced), to free
 */
struct mbox_wake {
	struct task_struct *task[8];	/* a refill may wake several senders */
	unsigned int n;
	__poll_t events;
	struct mbox_msg *drop;
};

/*
 * Nothing to do yet, but @events. A struct mbox_wake lives on the stack of
 * every send and receive: declared __uninitialized, only this is written of
 * it, as @task is read only below @n.
 */
static inline void mbox_wake_init(struct mbox_wake *wake, __poll_t events)
{
	wake->n = 0;
	wake->events = events;
	wake->drop = NULL;
}

/**
 * struct mbox_received - plain messages copied out, to be done with together
 * @chain: the messages, through next_drop
 * @msgs: how many
 * @bytes: their payload
 */
struct mbox_received {
	struct mbox_msg *chain;
	u64 msgs;
	u64 bytes;
};

/* Flags shared by MBOX_SEND_* and MBOX_RECV_*, so one wait loop serves both. */
#define MBOX_XFER_NONBLOCK	MBOX_SEND_NONBLOCK
#define MBOX_XFER_DEADLINE	MBOX_SEND_DEADLINE
#define MBOX_XFER_SYNC		MBOX_SEND_SYNC
#define MBOX_XFER_CALL		BIT(31)
/* read(): the receiver learns the length only. */
#define MBOX_XFER_LEN_ONLY	BIT(30)
static_assert(MBOX_SEND_NONBLOCK == MBOX_RECV_NONBLOCK);
static_assert(MBOX_SEND_DEADLINE == MBOX_RECV_DEADLINE);
static_assert(MBOX_SEND_DEADLINE == MBOX_CALL_DEADLINE);

#define MBOX_OPEN_FLAGS	(MBOX_OPEN_CREATE | MBOX_OPEN_EXCL | MBOX_OPEN_FIXED_SIZE | \
			 MBOX_OPEN_RENDEZVOUS | MBOX_OPEN_PORT | MBOX_OPEN_PID | \
			 MBOX_OPEN_PIDFD | MBOX_OPEN_UNLINK_ON_CLOSE | MBOX_OPEN_FANOUT | \
			 MBOX_OPEN_DROP_OLDEST | MBOX_OPEN_DROP_NEWEST)
/* What a fan-out mailbox was created as: kept in its flags. */
#define MBOX_OPEN_FANOUT_FLAGS	(MBOX_OPEN_FANOUT | MBOX_OPEN_DROP_OLDEST | \
				 MBOX_OPEN_DROP_NEWEST)
#define MBOX_ACCESS_ALL	(MBOX_ACCESS_SEND | MBOX_ACCESS_RECV)
#define MBOX_SEND_FLAGS	(MBOX_SEND_NONBLOCK | MBOX_SEND_DEADLINE | MBOX_SEND_SYNC | \
			 MBOX_SEND_EXPIRE | MBOX_SEND_KEY)
#define MBOX_RECV_FLAGS	(MBOX_RECV_NONBLOCK | MBOX_RECV_DEADLINE | \
			 MBOX_RECV_PEEK | MBOX_RECV_TRUNC | MBOX_RECV_TYPE | \
			 MBOX_RECV_EXCEPT | MBOX_RECV_FROM | MBOX_RECV_FDS | \
			 MBOX_RECV_FDS_CLOEXEC)
#define MBOX_CALL_FLAGS	MBOX_CALL_DEADLINE
#define MBOX_ATTR_MASK	(MBOX_ATTR_MODE | MBOX_ATTR_MAX_MSGS | MBOX_ATTR_MAX_BYTES)
#define MBOX_USAGE_FLAGS	MBOX_USAGE_UID

extern const struct file_operations mbox_fops;

/* ioctl.c */
long mbox_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int mbox_send_args(struct file *file, void __user *uarg, size_t usize,
		   u32 xflags, struct mbox_xfer *x);
int mbox_send_one(struct file *file, void __user *uarg, size_t usize, u32 xflags);
int mbox_recv_args(struct file *file, void __user *uarg, size_t usize,
		   u32 xflags, struct mbox_recv *r, struct mbox_xfer *x);
int mbox_recv_answer(void __user *uarg, size_t usize, struct mbox_recv *r,
		     const struct mbox_xfer *x);
int mbox_recv_one(struct file *file, void __user *uarg, size_t usize, u32 xflags);

/* batch.c */
long mbox_ioc_send_batch(struct file *file, void __user *uarg, size_t usize);
long mbox_ioc_recv_batch(struct file *file, void __user *uarg, size_t usize);

/* fops.c */
struct mbox_mailbox *mbox_handle_mailbox(struct file *file, u32 access);
void mbox_xfer_init(struct mbox_xfer *x, struct file *file, u64 buf, u64 len,
		    u32 flags);
struct mbox_user *mbox_handle_user(struct mbox_handle *h);
void mbox_handle_user_put(struct mbox_handle *h, struct mbox_user *user);
int mbox_handle_send(struct file *file, struct mbox_xfer *x);
int mbox_handle_recv(struct file *file, struct mbox_xfer *x);

/* pidfd.c */
struct pid *mbox_pidfd_get(int fd);
bool mbox_pid_alive(struct pid *pid);

/* mailbox.c */
int mbox_mailbox_open(struct mbox_handle *h, struct mbox_open *o);
int mbox_mailbox_unlink(u64 uptr);
void mbox_mailbox_disown(struct mbox_mailbox *mb);
int mbox_mailbox_destroy(struct mbox_mailbox *mb);
int mbox_mailbox_setattr(struct mbox_mailbox *mb, const struct mbox_setattr *a);
int mbox_mailbox_stat(struct mbox_mailbox *mb, struct mbox_stat *st);
void mbox_mailbox_put(struct mbox_mailbox *mb);
unsigned int mbox_mailbox_count(void);
void mbox_registry_show(struct seq_file *m);
void mbox_registry_exit(void);
void mbox_registry_hold(void);
void mbox_registry_release(void);

/* queue.c */
bool mbox_id_issued(u32 id);
struct mbox_mailbox *mbox_queue_alloc(void);
void mbox_queue_free(struct mbox_mailbox *mb);
int mbox_send(struct mbox_mailbox *mb, struct mbox_user *user, struct mbox_xfer *x);
int mbox_recv(struct mbox_mailbox *mb, struct mbox_xfer *x);
__poll_t mbox_queue_poll(struct mbox_mailbox *mb);
void mbox_queue_expire(struct mbox_mailbox *mb);
void mbox_queue_settle(struct mbox_mailbox *mb);
bool mbox_queue_kill(struct mbox_mailbox *mb);
void mbox_queue_resize(struct mbox_mailbox *mb, u32 max_msgs, u64 max_bytes);
int mbox_queue_cancel(struct mbox_mailbox *mb, struct mbox_handle *h);
void mbox_waiter_ready(struct mbox_mailbox *mb, struct mbox_waiter *w,
		       int err, struct mbox_wake *wake);
void mbox_waiter_add(struct mbox_mailbox *mb, struct mbox_waiter *w,
		     struct list_head *list);
void mbox_waiter_del(struct mbox_mailbox *mb, struct mbox_waiter *w);
bool mbox_sleep(struct mbox_mailbox *mb, const struct mbox_xfer *x,
		unsigned int state, struct mbox_wake *wake);
void mbox_recv_waiter_init(struct mbox_waiter *w, struct mbox_xfer *x);
int mbox_recv_wait(struct mbox_mailbox *mb, struct mbox_waiter *w,
		   struct mbox_wake *wake);
int mbox_deliver(struct mbox_mailbox *mb, struct mbox_user *user,
		 struct mbox_waiter *w);
unsigned int mbox_send_many(struct mbox_mailbox *mb, struct mbox_handle *h,
			    struct mbox_msg **msgs, unsigned int n);
unsigned int mbox_take_many(struct mbox_mailbox *mb, struct mbox_xfer *x,
			    struct mbox_msg **msgs, unsigned int n, int *err);
int mbox_recv_copy(const struct mbox_msg *msg, struct mbox_xfer *x);
void mbox_recv_end(struct mbox_mailbox *mb, struct mbox_msg *msg,
		   struct mbox_xfer *x, bool copied);
void mbox_recv_end_later(struct mbox_mailbox *mb, struct mbox_msg *msg,
			 struct mbox_xfer *x, struct mbox_received *later);
void mbox_recv_end_noted(struct mbox_mailbox *mb, struct mbox_received *later);
void mbox_wake_deferred(struct mbox_mailbox *mb, struct mbox_wake *wake);
struct mbox_msg *mbox_msg_create(struct mbox_cache *cache, struct mbox_user *user,
				 const void __user *buf, size_t len);
struct mbox_msg *mbox_msg_header(struct mbox_user *user, size_t len);
int mbox_msg_check(const struct mbox_mailbox *mb, const struct mbox_xfer *x);
struct mbox_msg *mbox_msg_make(struct mbox_mailbox *mb, struct mbox_user *user,
			       const struct mbox_xfer *x);
void mbox_msg_put(struct mbox_msg *msg);
void mbox_msg_put_chain(struct mbox_msg *msg);
bool mbox_queue_empty(const struct mbox_mailbox *mb);
bool mbox_match(const struct mbox_msg *msg, const struct mbox_xfer *x);
void mbox_msg_describe(const struct mbox_msg *msg, struct mbox_xfer *x);

/* cache.c */
int mbox_caches_new(struct mbox_mailbox *mb);
void mbox_caches_put(struct mbox_mailbox *mb);
struct mbox_cache *mbox_cache_for(const struct mbox_mailbox *mb, size_t len);
struct mbox_msg *mbox_cache_alloc(struct mbox_cache *c, size_t room);
void mbox_cache_free(struct mbox_cache *c, struct llist_node *first,
		     struct llist_node *last, unsigned int n);

/* fanout.c */
int mbox_fanout_subscribe(struct mbox_mailbox *mb, struct mbox_handle *h);
void mbox_fanout_unsubscribe(struct mbox_mailbox *mb, struct mbox_handle *h);
int mbox_fanout_send(struct mbox_mailbox *mb, struct mbox_user *user,
		     struct mbox_xfer *x);
int mbox_fanout_recv(struct mbox_mailbox *mb, struct mbox_xfer *x);
__poll_t mbox_fanout_poll(struct mbox_mailbox *mb, struct mbox_handle *h);
void mbox_fanout_refill(struct mbox_mailbox *mb, struct mbox_wake *wake);
void mbox_fanout_kill(struct mbox_mailbox *mb, struct mbox_wake *wake);
void mbox_fanout_stat(struct mbox_mailbox *mb, struct mbox_stat *st);
void mbox_fanout_fullest(const struct mbox_mailbox *mb, u32 *msgs, u64 *bytes);

/* files.c */
struct mbox_files;
struct mbox_files *mbox_files_get(struct mbox_user *user, const int __user *ufds,
				  unsigned int n);
void mbox_files_put(struct mbox_user *user, struct mbox_files *files);
unsigned int mbox_files_count(const struct mbox_files *files);
int mbox_files_install(const struct mbox_files *files, int __user *ufds,
		       bool cloexec);

/* direct.c */
#define MBOX_DIRECT_MIN	SZ_8K	/* smallest message copied straight across */
size_t mbox_direct_span(struct mbox_mailbox *mb, const struct mbox_xfer *x);
void mbox_direct_pin(struct mbox_xfer *x, size_t len);
void mbox_direct_unpin_pages(struct mbox_xfer *x);
int mbox_direct_send(struct mbox_mailbox *mb, struct mbox_user *user,
		     const struct mbox_xfer *x);

/* call.c */
int mbox_call(struct mbox_mailbox *mb, struct mbox_user *user, struct mbox_xfer *x);
void mbox_call_taken(struct mbox_mailbox *mb, struct mbox_waiter *w,
		     struct mbox_xfer *x);
int mbox_call_reply(struct mbox_mailbox *mb, struct mbox_user *user,
		    const struct mbox_reply *r);
void mbox_calls_fail(struct mbox_mailbox *mb, struct mbox_handle *taker, int err);
void mbox_calls_release(struct mbox_mailbox *mb, struct mbox_handle *taker);

/* user.c */
struct mbox_user *mbox_user_get(kuid_t uid);
void mbox_user_put(struct mbox_user *user);
int mbox_user_charge(struct mbox_user *user, size_t bytes);
void mbox_user_uncharge(struct mbox_user *user, unsigned int msgs, size_t bytes);
void mbox_user_put_many(struct mbox_user *user, unsigned int n);
int mbox_user_add_mailbox(struct mbox_user *user);
void mbox_user_remove_mailbox(struct mbox_user *user);
int mbox_user_add_files(struct mbox_user *user, unsigned int n);
void mbox_user_remove_files(struct mbox_user *user, unsigned int n);
void mbox_user_usage(kuid_t uid, struct mbox_usage *u);
void mbox_users_show(struct seq_file *m);

/* debug.c */
void mbox_debug_add(struct mbox_mailbox *mb);
void mbox_debug_del(struct mbox_mailbox *mb);
void mbox_debug_init(void);
void mbox_debug_exit(void);
void mbox_show_fdinfo(struct seq_file *m, struct file *file);

/* proc.c */
int mbox_proc_init(void);
void mbox_proc_exit(void);

/**
 * mbox_wake_up() - wake what a locked section deferred
 * @mb: the mailbox, unlocked
 * @wake: the tasks and poll events
 *
 * Usually there is nothing to do: a send or receive nobody waits on, of a
 * mailbox nobody ever polled. That much is looked at inline.
 */
static inline void mbox_wake_up(struct mbox_mailbox *mb, struct mbox_wake *wake)
{
	if (wake->n || wake->drop || (wake->events && READ_ONCE(mb->polled)))
		mbox_wake_deferred(mb, wake);
}

/**
 * mbox_direct_note() - remember what a send says of the messages to come
 * @mb: the mailbox
 * @len: the length of a message that could go straight across, or 0
 *
 * Receivers pin their buffers while the latest such message was large
 * (mbox_direct_span()). Written only when it changes: a stream of one size
 * leaves its line alone.
 */
static inline void mbox_direct_note(struct mbox_mailbox *mb, size_t len)
{
	if (len < MBOX_DIRECT_MIN)
		len = 0;
	if (READ_ONCE(mb->direct_len) != len)
		WRITE_ONCE(mb->direct_len, len);
}

/* Release what mbox_direct_pin() pinned, if anything: usually nothing. */
static inline void mbox_direct_unpin(struct mbox_xfer *x)
{
	if (x->pages)
		mbox_direct_unpin_pages(x);
}

/*
 * Read an argument structure in the caller's version of it (see
 * include/uapi/linux/mbox.h). Most callers pass our version: a copy of a
 * constant size skips hardened usercopy's object checks (a cost the size of
 * the copy itself), so that case goes straight; always inlined, to keep the
 * size constant.
 */
static __always_inline int mbox_copy_struct_from_user(void *dst, size_t ksize,
						      const void __user *src,
						      size_t usize)
{
	if (likely(usize == ksize))
		return copy_from_user(dst, src, ksize) ? -EFAULT : 0;
	return copy_struct_from_user(dst, ksize, src, usize);
}

/*
 * Is @size a version of a structure, nested in another's arguments, that we
 * take: no shorter than its first, and within reason to check the tail of?
 */
static inline bool mbox_struct_size_ok(size_t size, size_t ver0)
{
	return size >= ver0 && size <= PAGE_SIZE;
}

/*
 * Answer in the caller's version of a structure: cut ours short, or zero the
 * tail that the caller knows and this module does not.
 */
static __always_inline int mbox_copy_struct_to_user(void __user *dst, size_t usize,
						    const void *src, size_t ksize)
{
	if (likely(usize == ksize))
		return copy_to_user(dst, src, ksize) ? -EFAULT : 0;
	if (copy_to_user(dst, src, min(usize, ksize)))
		return -EFAULT;
	if (usize > ksize && clear_user(dst + ksize, usize - ksize))
		return -EFAULT;
	return 0;
}

#endif /* _MBOX_H */
