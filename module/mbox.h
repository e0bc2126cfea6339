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
#include <linux/mbox.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/refcount.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/uidgid.h>
#include <linux/wait.h>

/**
 * DOC: mbox objects and locking
 *
 * A handle (struct mbox_handle) is the private data of an open file of
 * /dev/mbox. MBOX_IOC_OPEN binds it, once, to a mailbox (struct
 * mbox_mailbox). A mailbox is counted by a kref: one reference per bound
 * handle and one for its name while it has one. It holds its messages
 * (struct mbox_msg) in a tree of priority levels and the callers blocked on it
 * in two FIFO lists of struct mbox_waiter, which live on the waiters' stacks.
 *
 * The path of one message: write() or MBOX_IOC_SEND copies it in (fops.c,
 * ioctl.c), mbox_send() (queue.c) hands it to a blocked receiver or queues
 * it, and mbox_recv() takes it out and copies it to the receiver.
 *
 * Locks, in the order they nest:
 *
 * 1. mbox_handle.bind_lock (mutex): serialises binding a handle.
 * 2. mbox_registry_lock (mutex, mailbox.c): the table of names, and each
 *    mailbox's name and IPC namespace.
 * 3. mbox_mailbox.lock (spinlock): everything else in a mailbox. Never held
 *    across a user copy or an allocation; blocked callers are woken after it
 *    is dropped (struct mbox_wake), except by destroy.
 * 4. mbox_users_lock (spinlock, user.c): the table of per-user usage.
 *
 * Messages are charged at send to the sending user's quota (user.c) and to
 * its memory cgroup, and uncharged when freed.
 */

/* Limits even CAP_SYS_RESOURCE cannot raise. */
#define MBOX_HARD_MSGS		65536
#define MBOX_HARD_MSG_SIZE	SZ_16M
#define MBOX_HARD_BYTES		SZ_1G

/* Module parameters (main.c); read once per operation. */
extern unsigned int mbox_max_mailboxes;
extern unsigned int mbox_msgs_default;
extern unsigned int mbox_msgs_max;
extern unsigned int mbox_msg_size_default;
extern unsigned int mbox_msg_size_max;
extern unsigned long mbox_bytes_max;
extern unsigned long mbox_user_bytes_max;

/**
 * struct mbox_user - what one user has queued, for the per-user quota
 * @node: in the table of users (user.c)
 * @ref: one per message charged and per handle caching it
 * @uid: the user
 * @bytes: bytes charged: payloads plus per-message overhead
 */
struct mbox_user {
	struct hlist_node node;
	refcount_t ref;
	kuid_t uid;
	atomic_long_t bytes;
};

/**
 * struct mbox_msg - one message
 * @node: in the mailbox's tree of levels, while this message heads its level
 * @link: circular list of the messages of one priority, the head first
 * @ref: one for the queue (or the receiver that took it), one per peeker
 * @user: whose quota it is charged to
 * @seq: sequence number in its mailbox, from 1
 * @len: payload length
 * @prio: priority
 * @data: payload
 *
 * Every message carries the tree node its level needs, so queueing a message,
 * even back at the head after a failed copy to the receiver, never allocates.
 */
struct mbox_msg {
	struct rb_node node;
	struct list_head link;
	refcount_t ref;
	struct mbox_user *user;
	u64 seq;
	size_t len;
	u32 prio;
	u8 data[];
};

/**
 * struct mbox_mailbox - a mailbox
 * @ref: one per bound handle, one for the name
 * @lock: protects all fields below but @name_node, @name and @ipc_ns
 * @levels: heads of the priority levels, the highest leftmost
 * @recv_waiters: receivers blocked on an empty mailbox, oldest first
 * @send_waiters: senders blocked on a full mailbox, oldest first
 * @poll_wq: pollers
 * @dead: destroyed: every operation fails with EIDRM
 * @flags: MBOX_OPEN_FIXED_SIZE or 0
 * @mode: permission bits
 * @uid: owner
 * @gid: group
 * @max_msgs: capacity in messages
 * @max_msg_size: largest (or fixed) message size
 * @max_bytes: capacity in payload bytes
 * @cur_msgs: messages queued
 * @cur_bytes: payload bytes queued
 * @waiting_senders: length of @send_waiters
 * @waiting_receivers: length of @recv_waiters
 * @seq: sequence number of the last message queued
 * @total_sent: messages queued or handed over since creation
 * @total_received: messages received since creation
 * @name_node: in the table of names (under mbox_registry_lock)
 * @name: the name, without the slash; NULL if anonymous or unlinked
 * @ipc_ns: the IPC namespace of the name, referenced while named
 */
struct mbox_mailbox {
	struct kref ref;
	spinlock_t lock;		/* see DOC: mbox objects and locking */
	struct rb_root_cached levels;
	struct list_head recv_waiters;
	struct list_head send_waiters;
	wait_queue_head_t poll_wq;
	bool dead;
	u32 flags;
	umode_t mode;
	kuid_t uid;
	kgid_t gid;
	u32 max_msgs;
	u32 max_msg_size;
	u64 max_bytes;
	u32 cur_msgs;
	u64 cur_bytes;
	u32 waiting_senders;
	u32 waiting_receivers;
	u64 seq;
	u64 total_sent;
	u64 total_received;
	struct hlist_node name_node;
	char *name;
	struct ipc_namespace *ipc_ns;
};

/**
 * struct mbox_handle - an open file of /dev/mbox
 * @bind_lock: serialises MBOX_IOC_OPEN
 * @mb: the mailbox, NULL until bound; published with smp_store_release()
 * @access: MBOX_ACCESS_* bits, set before @mb is published
 * @user: the binding user's usage, cached for the common case that the
 *	sender is the user that bound the handle
 */
struct mbox_handle {
	struct mutex bind_lock;		/* see DOC: mbox objects and locking */
	struct mbox_mailbox *mb;
	u32 access;
	struct mbox_user *user;
};

/**
 * struct mbox_xfer - one send or receive, as write/read or an ioctl asked
 * @buf: user buffer: the message, or room for it
 * @len: send: message length; receive: buffer length
 * @prio: send: priority; receive: out: the message's priority
 * @flags: MBOX_SEND_* or MBOX_RECV_* (NONBLOCK and DEADLINE share bits)
 * @deadline: with the DEADLINE flag, absolute CLOCK_MONOTONIC time
 * @msg_len: receive: out: the message's whole length
 * @seq: receive: out: the message's sequence number
 */
struct mbox_xfer {
	void __user *buf;
	size_t len;
	u32 prio;
	u32 flags;
	ktime_t deadline;
	size_t msg_len;
	u64 seq;
};

/* Flags shared by MBOX_SEND_* and MBOX_RECV_*, so one wait loop serves both. */
#define MBOX_XFER_NONBLOCK	MBOX_SEND_NONBLOCK
#define MBOX_XFER_DEADLINE	MBOX_SEND_DEADLINE
static_assert(MBOX_SEND_NONBLOCK == MBOX_RECV_NONBLOCK);
static_assert(MBOX_SEND_DEADLINE == MBOX_RECV_DEADLINE);

#define MBOX_OPEN_FLAGS	(MBOX_OPEN_CREATE | MBOX_OPEN_EXCL | MBOX_OPEN_FIXED_SIZE)
#define MBOX_ACCESS_ALL	(MBOX_ACCESS_SEND | MBOX_ACCESS_RECV)
#define MBOX_SEND_FLAGS	(MBOX_SEND_NONBLOCK | MBOX_SEND_DEADLINE)
#define MBOX_RECV_FLAGS	(MBOX_RECV_NONBLOCK | MBOX_RECV_DEADLINE | \
			 MBOX_RECV_PEEK | MBOX_RECV_TRUNC)
#define MBOX_ATTR_MASK	(MBOX_ATTR_MODE | MBOX_ATTR_MAX_MSGS | MBOX_ATTR_MAX_BYTES)

extern const struct file_operations mbox_fops;

/* ioctl.c */
long mbox_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* fops.c */
struct mbox_mailbox *mbox_handle_mailbox(struct file *file, u32 access);
void mbox_xfer_init(struct mbox_xfer *x, struct file *file, u64 buf, u64 len,
		    u32 flags);
int mbox_handle_send(struct file *file, struct mbox_xfer *x);
int mbox_handle_recv(struct file *file, struct mbox_xfer *x);

/* mailbox.c */
int mbox_mailbox_open(struct mbox_handle *h, struct mbox_open *o);
int mbox_mailbox_unlink(u64 uptr);
int mbox_mailbox_destroy(struct mbox_mailbox *mb);
int mbox_mailbox_setattr(struct mbox_mailbox *mb, const struct mbox_setattr *a);
int mbox_mailbox_stat(struct mbox_mailbox *mb, struct mbox_stat *st);
void mbox_mailbox_put(struct mbox_mailbox *mb);
void mbox_registry_show(struct seq_file *m);
void mbox_registry_exit(void);

/* queue.c */
struct mbox_mailbox *mbox_queue_alloc(void);
void mbox_queue_free(struct mbox_mailbox *mb);
int mbox_send(struct mbox_mailbox *mb, struct mbox_user *user, struct mbox_xfer *x);
int mbox_recv(struct mbox_mailbox *mb, struct mbox_xfer *x);
__poll_t mbox_queue_poll(struct mbox_mailbox *mb);
bool mbox_queue_kill(struct mbox_mailbox *mb);
void mbox_queue_resize(struct mbox_mailbox *mb, u32 max_msgs, u64 max_bytes);

/* user.c */
struct mbox_user *mbox_user_get(kuid_t uid);
void mbox_user_put(struct mbox_user *user);
int mbox_user_charge(struct mbox_user *user, size_t bytes);
void mbox_user_uncharge(struct mbox_user *user, size_t bytes);

/* proc.c */
int mbox_proc_init(void);
void mbox_proc_exit(void);

#endif /* _MBOX_H */
