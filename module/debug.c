// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: what a developer looks at, none of it ABI: /sys/kernel/debug/mbox/,
 * listing every mailbox with its internals, and the fdinfo of a handle.
 */
#include <linux/debugfs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/seq_file.h>

#include "mbox.h"

/* Every mailbox, named or not, from allocation to free. */
static DEFINE_MUTEX(mbox_debug_lock);
static LIST_HEAD(mbox_debug_list);
static struct dentry *mbox_debug_dir;

/**
 * mbox_debug_add() - list a new mailbox in debugfs
 * @mb: the mailbox
 */
void mbox_debug_add(struct mbox_mailbox *mb)
{
	mutex_lock(&mbox_debug_lock);
	list_add_tail(&mb->debug_node, &mbox_debug_list);
	mutex_unlock(&mbox_debug_lock);
}

/**
 * mbox_debug_del() - take a mailbox about to be freed out of debugfs
 * @mb: the mailbox
 */
void mbox_debug_del(struct mbox_mailbox *mb)
{
	mutex_lock(&mbox_debug_lock);
	list_del(&mb->debug_node);
	mutex_unlock(&mbox_debug_lock);
}

static unsigned int mbox_debug_calls(const struct mbox_mailbox *mb)
{
	const struct list_head *pos;
	unsigned int n = 0;

	list_for_each(pos, &mb->calls)
		n++;
	return n;
}

static void mbox_debug_show_one(struct seq_file *m, struct mbox_mailbox *mb)
{
	u32 msgs;
	u64 bytes;

	if (mb->name)
		seq_printf(m, "%u /%s", mb->id, mb->name);
	else if (mb->port)
		seq_printf(m, "%u port:%d", mb->id, pid_vnr(mb->port));
	else
		seq_printf(m, "%u -", mb->id);
	spin_lock(&mb->lock);
	mbox_queue_settle(mb);
	msgs = mb->cur_msgs;
	bytes = mb->cur_bytes;
	if (mb->flags & MBOX_OPEN_FANOUT)
		mbox_fanout_fullest(mb, &msgs, &bytes);
	seq_printf(m, " %u %#x %04o %u/%u %llu/%llu %u %u %u %u %llu %llu %llu%s\n",
		   kref_read(&mb->ref), mb->flags, mb->mode, msgs,
		   mb->max_msgs, bytes, mb->max_bytes, mb->max_msg_size,
		   mb->waiting_senders, mb->waiting_receivers,
		   mbox_debug_calls(mb), mb->seq, mb->total_sent,
		   mb->total_received, mb->dead ? " dead" : "");
	spin_unlock(&mb->lock);
}

static int mbox_debug_mailboxes_show(struct seq_file *m, void *v)
{
	struct mbox_mailbox *mb;

	seq_puts(m, "id name refs flags mode msgs/max bytes/max msg_size senders receivers calls seq sent received\n");
	mbox_registry_hold();
	mutex_lock(&mbox_debug_lock);
	list_for_each_entry(mb, &mbox_debug_list, debug_node)
		mbox_debug_show_one(m, mb);
	mutex_unlock(&mbox_debug_lock);
	mbox_registry_release();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(mbox_debug_mailboxes);

/**
 * mbox_debug_init() - create /sys/kernel/debug/mbox/
 *
 * Not checked: a module works the same without its debugfs files.
 */
void mbox_debug_init(void)
{
	mbox_debug_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("mailboxes", 0400, mbox_debug_dir, NULL,
			    &mbox_debug_mailboxes_fops);
}

/**
 * mbox_debug_exit() - remove /sys/kernel/debug/mbox/
 */
void mbox_debug_exit(void)
{
	debugfs_remove(mbox_debug_dir);
}

/* Indexed by MBOX_ACCESS_SEND | MBOX_ACCESS_RECV. */
static const char *const mbox_access_names[] = {
	"none", "send", "recv", "send recv",
};

/**
 * mbox_show_fdinfo() - a handle's state in /proc/PID/fdinfo/FD
 * @m: the seq_file
 * @file: the handle
 */
void mbox_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct mbox_handle *h = file->private_data;
	/* Pairs with the release in mbox_mailbox_open(), as for any reader. */
	struct mbox_mailbox *mb = smp_load_acquire(&h->mb);

	seq_printf(m, "mbox-bound:\t%d\n", !!mb);
	if (!mb)
		return;
	seq_printf(m, "mbox-id:\t%u\n", mb->id);
	seq_printf(m, "mbox-access:\t%s\n",
		   mbox_access_names[h->access & MBOX_ACCESS_ALL]);
	spin_lock(&mb->lock);
	mbox_queue_settle(mb);
	if (h->sub) {
		/* A subscriber's own queue, and what it lost unreported. */
		seq_printf(m, "mbox-msgs:\t%u\n", h->sub->held);
		seq_printf(m, "mbox-bytes:\t%llu\n", h->sub->bytes);
		seq_printf(m, "mbox-lost:\t%llu\n", h->sub->lost);
	} else {
		seq_printf(m, "mbox-msgs:\t%u\n", mb->cur_msgs);
		seq_printf(m, "mbox-bytes:\t%llu\n", mb->cur_bytes);
	}
	seq_printf(m, "mbox-sent:\t%llu\n", mb->total_sent);
	seq_printf(m, "mbox-received:\t%llu\n", mb->total_received);
	seq_printf(m, "mbox-dead:\t%d\n", mb->dead);
	spin_unlock(&mb->lock);
}
