// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: file operations of a /dev/mbox handle: open and release, write() to
 * send and read() to receive one message, poll.
 */
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>

#include "mbox.h"

static int mbox_open(struct inode *inode, struct file *file)
{
	struct mbox_handle *h;

	h = kzalloc(sizeof(*h), GFP_KERNEL_ACCOUNT);
	if (!h)
		return -ENOMEM;
	mutex_init(&h->bind_lock);
	file->private_data = h;
	/* Messages are records, not a byte stream with a position. */
	return stream_open(inode, file);
}

static int mbox_release(struct inode *inode, struct file *file)
{
	struct mbox_handle *h = file->private_data;

	if (h->mb) {
		if (h->owns_name)
			mbox_mailbox_disown(h->mb);
		mbox_calls_release(h->mb, h);
		if (h->sub)
			mbox_fanout_unsubscribe(h->mb, h);
		mbox_mailbox_put(h->mb);
		mbox_user_put(h->user);
	}
	kfree(h->spare_call);
	mutex_destroy(&h->bind_lock);
	kfree(h);
	return 0;
}

/**
 * mbox_handle_mailbox() - the mailbox of a handle, for use in one direction
 * @file: the handle
 * @access: MBOX_ACCESS_* the operation needs, or 0
 *
 * Return: the mailbox, ERR_PTR(-EBADFD) if the handle is unbound, or
 * ERR_PTR(-EBADF) if it was not opened for @access.
 */
struct mbox_mailbox *mbox_handle_mailbox(struct file *file, u32 access)
{
	struct mbox_handle *h = file->private_data;
	/* Pairs with the release in mbox_mailbox_open(): access is set first. */
	struct mbox_mailbox *mb = smp_load_acquire(&h->mb);

	if (!mb)
		return ERR_PTR(-EBADFD);
	if ((h->access & access) != access)
		return ERR_PTR(-EBADF);
	return mb;
}

/**
 * mbox_xfer_init() - describe a send or receive on a handle
 * @x: filled in
 * @file: the handle; O_NONBLOCK on it makes the call non-blocking
 * @buf: user address of the message or buffer
 * @len: its length
 * @flags: MBOX_SEND_* or MBOX_RECV_* flags, already checked
 *
 * All of @x is written, so callers declare it __uninitialized: the kernels
 * we build for zero every stack structure at its declaration otherwise, and
 * this one is on the path of every send and receive.
 */
void mbox_xfer_init(struct mbox_xfer *x, struct file *file, u64 buf, u64 len,
		    u32 flags)
{
	memset(x, 0, sizeof(*x));
	x->h = file->private_data;
	x->buf = u64_to_user_ptr(buf);
	x->len = len;
	x->flags = flags;
	if (file->f_flags & O_NONBLOCK)
		x->flags |= MBOX_XFER_NONBLOCK;
}

/**
 * mbox_handle_user() - the usage record of the user sending through a handle
 * @h: the handle, bound
 *
 * The quota is the sender's, who is usually the user that bound the handle:
 * then the handle's own record, which lives as long as the handle the call
 * holds, is lent without a reference. Else the sender's record, referenced.
 * mbox_handle_user_put() gives either back.
 *
 * Return: the record, or NULL when out of memory.
 */
struct mbox_user *mbox_handle_user(struct mbox_handle *h)
{
	if (uid_eq(h->user->uid, current_uid()))
		return h->user;
	return mbox_user_get(current_uid());
}

/**
 * mbox_handle_user_put() - give back what mbox_handle_user() returned
 * @h: the handle
 * @user: the record
 */
void mbox_handle_user_put(struct mbox_handle *h, struct mbox_user *user)
{
	if (user != h->user)
		mbox_user_put(user);
}

/**
 * mbox_handle_send() - send a message, or make a call, through a handle
 * @file: the handle
 * @x: the message; with MBOX_XFER_CALL, the request of a call
 *
 * Return: 0, or -errno.
 */
int mbox_handle_send(struct file *file, struct mbox_xfer *x)
{
	struct mbox_mailbox *mb = mbox_handle_mailbox(file, MBOX_ACCESS_SEND);
	struct mbox_user *user;
	int err;

	if (IS_ERR(mb))
		return PTR_ERR(mb);
	user = mbox_handle_user(file->private_data);
	if (!user)
		return -ENOMEM;
	if (unlikely(mb->flags & MBOX_OPEN_FANOUT))
		err = mbox_fanout_send(mb, user, x);
	else if (x->flags & MBOX_XFER_CALL)
		err = mbox_call(mb, user, x);
	else
		err = mbox_send(mb, user, x);
	mbox_handle_user_put(file->private_data, user);
	return err;
}

/**
 * mbox_handle_recv() - receive a message through a handle
 * @file: the handle
 * @x: the buffer; the message's length, priority and sequence on return
 *
 * Return: 0, or -errno.
 */
int mbox_handle_recv(struct file *file, struct mbox_xfer *x)
{
	struct mbox_mailbox *mb = mbox_handle_mailbox(file, MBOX_ACCESS_RECV);

	if (IS_ERR(mb))
		return PTR_ERR(mb);
	if (unlikely(mb->flags & MBOX_OPEN_FANOUT))
		return mbox_fanout_recv(mb, x);
	return mbox_recv(mb, x);
}

static ssize_t mbox_write(struct file *file, const char __user *buf,
			  size_t len, loff_t *ppos)
{
	struct mbox_xfer x __uninitialized;
	int err;

	mbox_xfer_init(&x, file, (uintptr_t)buf, len, 0);
	err = mbox_handle_send(file, &x);
	return err ? err : len;
}

static ssize_t mbox_read(struct file *file, char __user *buf, size_t len,
			 loff_t *ppos)
{
	struct mbox_xfer x __uninitialized;
	int err;

	mbox_xfer_init(&x, file, (uintptr_t)buf, len, MBOX_XFER_LEN_ONLY);
	err = mbox_handle_recv(file, &x);
	return err ? err : x.msg_len;
}

static __poll_t mbox_poll(struct file *file, poll_table *wait)
{
	struct mbox_mailbox *mb = mbox_handle_mailbox(file, 0);

	if (IS_ERR(mb))
		return EPOLLERR;
	/*
	 * From now on wakers look for pollers (mbox_wake_up()), set before the
	 * events are read. A receive giving room back without the lock reads
	 * the flag after a full barrier too: one of the two sees the other.
	 */
	if (!READ_ONCE(mb->polled)) {
		WRITE_ONCE(mb->polled, true);
		smp_mb();	/* pairs with mbox_give_back()'s */
	}
	poll_wait(file, &mb->poll_wq, wait);
	if (unlikely(mb->flags & MBOX_OPEN_FANOUT))
		return mbox_fanout_poll(mb, file->private_data);
	return mbox_queue_poll(mb);
}

const struct file_operations mbox_fops = {
	.owner = THIS_MODULE,
	.open = mbox_open,
	.release = mbox_release,
	.read = mbox_read,
	.write = mbox_write,
	.poll = mbox_poll,
	.unlocked_ioctl = mbox_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.show_fdinfo = mbox_show_fdinfo,
};
