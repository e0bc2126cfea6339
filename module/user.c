// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: per-user usage, for the quotas on the bytes a user may have queued
 * and the mailboxes it may own.
 *
 * The byte quota follows the sender, the mailbox quota the creator: one user
 * flooding mailboxes, or creating them, stops at its own limit with EDQUOT
 * while other users keep working.
 */
#include <linux/hashtable.h>
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
 * mbox_user_charge() - charge bytes to a user's quota
 * @user: the user
 * @bytes: how many
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
	return 0;
}

/**
 * mbox_user_uncharge() - give bytes back to a user's quota
 * @user: the user
 * @bytes: how many, as charged
 */
void mbox_user_uncharge(struct mbox_user *user, size_t bytes)
{
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
