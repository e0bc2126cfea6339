// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: per-user usage, for the quotas on the bytes a user may have queued
 * and the mailboxes it may own.
 *
 * The byte quota follows the sender, the mailbox quota the creator: one user
 * flooding mailboxes, or creating them, stops at its own limit with EDQUOT
 * while other users keep working.
 */
#include <linux/cred.h>
#include <linux/hashtable.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "mbox.h"

static DEFINE_SPINLOCK(mbox_users_lock);
static DEFINE_HASHTABLE(mbox_users, 6);

static struct mbox_user *mbox_user_find(kuid_t uid)
{
	struct mbox_user *user;

	hash_for_each_possible(mbox_users, user, node, __kuid_val(uid)) {
		if (uid_eq(user->uid, uid)) {
			refcount_inc(&user->ref);
			return user;
		}
	}
	return NULL;
}

/**
 * mbox_user_get() - find or make the usage record of a user
 * @uid: the user
 *
 * Return: a referenced record, or NULL when out of memory.
 */
struct mbox_user *mbox_user_get(kuid_t uid)
{
	struct mbox_user *user, *fresh;

	spin_lock(&mbox_users_lock);
	user = mbox_user_find(uid);
	spin_unlock(&mbox_users_lock);
	if (user)
		return user;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
	if (!fresh)
		return NULL;
	refcount_set(&fresh->ref, 1);
	fresh->uid = uid;
	spin_lock(&mbox_users_lock);
	user = mbox_user_find(uid);	/* someone may have been quicker */
	if (!user) {
		hash_add(mbox_users, &fresh->node, __kuid_val(uid));
		user = fresh;
		fresh = NULL;
	}
	spin_unlock(&mbox_users_lock);
	kfree(fresh);
	return user;
}

/**
 * mbox_user_put_many() - drop references to a usage record
 * @user: the record
 * @n: how many, at least one
 */
void mbox_user_put_many(struct mbox_user *user, unsigned int n)
{
	/* All but the last of ours leave it one: only the last can free it. */
	if (n > 1 && WARN_ON_ONCE(refcount_sub_and_test(n - 1, &user->ref)))
		return;
	mbox_user_put(user);
}

/**
 * mbox_user_put() - drop a reference to a usage record
 * @user: the record
 */
void mbox_user_put(struct mbox_user *user)
{
	/* Only the last reference needs the table locked. */
	if (refcount_dec_not_one(&user->ref))
		return;
	spin_lock(&mbox_users_lock);
	if (refcount_dec_and_test(&user->ref))
		hash_del(&user->node);
	else
		user = NULL;
	spin_unlock(&mbox_users_lock);
	kfree(user);
}

/**
 * mbox_user_charge() - charge a message to a user's quota
 * @user: the user
 * @bytes: what it counts: payload and overhead
 *
 * Return: 0, or -EDQUOT when the user's total would pass user_bytes_max.
 */
int mbox_user_charge(struct mbox_user *user, size_t bytes)
{
	if (atomic_long_add_return(bytes, &user->bytes) >
	    (long)READ_ONCE(mbox_user_bytes_max)) {
		atomic_long_sub(bytes, &user->bytes);
		return -EDQUOT;
	}
	atomic_long_inc(&user->msgs);
	return 0;
}

/**
 * mbox_user_uncharge() - give messages back to a user's quota
 * @user: the user
 * @msgs: how many
 * @bytes: what they counted, as charged
 */
void mbox_user_uncharge(struct mbox_user *user, unsigned int msgs, size_t bytes)
{
	atomic_long_sub(msgs, &user->msgs);
	atomic_long_sub(bytes, &user->bytes);
}

/**
 * mbox_user_add_mailbox() - count a mailbox the user creates
 * @user: the creator, who owns the mailbox
 *
 * The count drops when the mailbox is freed, with the user's record.
 *
 * Return: 0, or -EDQUOT when the user owns user_mailboxes_max mailboxes and
 * lacks CAP_SYS_RESOURCE.
 */
int mbox_user_add_mailbox(struct mbox_user *user)
{
	if (atomic_inc_return(&user->mailboxes) > READ_ONCE(mbox_user_mailboxes_max) &&
	    !capable(CAP_SYS_RESOURCE)) {
		atomic_dec(&user->mailboxes);
		return -EDQUOT;
	}
	return 0;
}

/**
 * mbox_user_remove_mailbox() - uncount a mailbox the user created
 * @user: its owner
 */
void mbox_user_remove_mailbox(struct mbox_user *user)
{
	atomic_dec(&user->mailboxes);
}

/* The usage of a user with a record; the caller holds mbox_users_lock. */
static void mbox_user_read(const struct mbox_user *user, struct mbox_usage *u)
{
	u->bytes = max(atomic_long_read(&user->bytes), 0L);
	u->msgs = max(atomic_long_read(&user->msgs), 0L);
	u->mailboxes = max(atomic_read(&user->mailboxes), 0);
	u->handles = max(atomic_read(&user->files), 0);
}

/**
 * mbox_user_usage() - a user's usage and the limits in effect
 * @uid: the user; one without a record has used nothing
 * @u: filled in, but for @u->flags, @u->uid and @u->pad
 */
void mbox_user_usage(kuid_t uid, struct mbox_usage *u)
{
	struct mbox_user *user;

	u->bytes = 0;
	u->msgs = 0;
	u->mailboxes = 0;
	u->handles = 0;
	spin_lock(&mbox_users_lock);
	hash_for_each_possible(mbox_users, user, node, __kuid_val(uid))
		if (uid_eq(user->uid, uid))
			mbox_user_read(user, u);
	spin_unlock(&mbox_users_lock);
	u->bytes_max = READ_ONCE(mbox_user_bytes_max);
	u->mailboxes_max = READ_ONCE(mbox_user_mailboxes_max);
	u->handles_max = READ_ONCE(mbox_user_files_max);
	u->all_mailboxes = mbox_mailbox_count();
	u->all_mailboxes_max = READ_ONCE(mbox_max_mailboxes);
	u->msg_overhead = sizeof(struct mbox_msg);
}

/*
 * May the reader of /proc/mbox_users see this user? Its own; every user
 * mapped in its namespace with CAP_SYS_ADMIN, checked on the opener's
 * credentials so that a privileged reader of another's file learns nothing.
 */
static bool mbox_user_visible(struct seq_file *m, kuid_t uid, bool all)
{
	if (!kuid_has_mapping(seq_user_ns(m), uid))
		return false;
	return all || uid_eq(uid, m->file->f_cred->uid);
}

/**
 * mbox_users_show() - the usage of every user with some, for /proc/mbox_users
 * @m: the seq_file
 */
void mbox_users_show(struct seq_file *m)
{
	bool all = file_ns_capable(m->file, &init_user_ns, CAP_SYS_ADMIN);
	struct mbox_user *user;
	struct mbox_usage u;
	unsigned int bkt;

	seq_puts(m, "uid msgs bytes bytes_max mailboxes mailboxes_max handles handles_max\n");
	spin_lock(&mbox_users_lock);
	hash_for_each(mbox_users, bkt, user, node) {
		if (!mbox_user_visible(m, user->uid, all))
			continue;
		mbox_user_read(user, &u);
		if (!u.msgs && !u.mailboxes)
			continue;
		seq_printf(m, "%u %llu %llu %lu %u %u %u %u\n",
			   from_kuid_munged(seq_user_ns(m), user->uid), u.msgs,
			   u.bytes, READ_ONCE(mbox_user_bytes_max), u.mailboxes,
			   READ_ONCE(mbox_user_mailboxes_max), u.handles,
			   READ_ONCE(mbox_user_files_max));
	}
	spin_unlock(&mbox_users_lock);
}

/**
 * mbox_user_add_files() - count open files the user's messages carry
 * @user: the sender
 * @n: how many
 *
 * Return: 0, or -ETOOMANYREFS when the user's total would pass
 * user_files_max.
 */
int mbox_user_add_files(struct mbox_user *user, unsigned int n)
{
	if (atomic_add_return(n, &user->files) > READ_ONCE(mbox_user_files_max)) {
		atomic_sub(n, &user->files);
		return -ETOOMANYREFS;
	}
	return 0;
}

/**
 * mbox_user_remove_files() - uncount them
 * @user: the sender
 * @n: how many, as counted
 */
void mbox_user_remove_files(struct mbox_user *user, unsigned int n)
{
	atomic_sub(n, &user->files);
}
