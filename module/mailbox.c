// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: mailbox objects: names in IPC namespaces, creation within limits,
 * permissions, unlink, destroy, attributes and lifetime.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/ipc_namespace.h>
#include <linux/nsproxy.h>
#include <linux/pid.h>
#include <linux/proc_ns.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/stringhash.h>
#include <linux/uaccess.h>

#include "mbox.h"
#include "trace.h"

static DEFINE_MUTEX(mbox_registry_lock);
static DEFINE_HASHTABLE(mbox_names, 8);
static DEFINE_HASHTABLE(mbox_ports, 8);
static atomic_t mbox_count = ATOMIC_INIT(0);

/* Room for "/", MBOX_NAME_MAX bytes and the NUL. */
#define MBOX_NAME_BUF	(MBOX_NAME_MAX + 2)

/* Copy a name "/x" in from user space and check its form. */
static int mbox_name_copy(char *buf, u64 uptr)
{
	long len;

	len = strncpy_from_user(buf, u64_to_user_ptr(uptr), MBOX_NAME_BUF);
	if (len < 0)
		return len;
	if (len == MBOX_NAME_BUF)
		return -ENAMETOOLONG;
	if (len < 2 || buf[0] != '/' || strchr(buf + 1, '/'))
		return -EINVAL;
	return 0;
}

static struct ipc_namespace *mbox_current_ns(void)
{
	return current->nsproxy->ipc_ns;
}

/*
 * put_ipc_ns() is not exported to modules by Linux 6.1. The namespace's own
 * put operation, which nsfs calls for every kind of namespace, is the same
 * release on every kernel.
 */
static void mbox_ipc_ns_put(struct ipc_namespace *ns)
{
	if (IS_ENABLED(CONFIG_IPC_NS))
		ns->ns.ops->put(&ns->ns);
}

static u32 mbox_name_hash(const struct ipc_namespace *ns, const char *name)
{
	return full_name_hash(ns, name, strlen(name));
}

static struct mbox_mailbox *mbox_lookup(const struct ipc_namespace *ns,
					const char *name, u32 hash)
{
	struct mbox_mailbox *mb;

	lockdep_assert_held(&mbox_registry_lock);
	hash_for_each_possible(mbox_names, mb, name_node, hash)
		if (mb->ipc_ns == ns && !strcmp(mb->name, name))
			return mb;
	return NULL;
}

/* Take a mailbox's name away; the caller then drops what it returns. */
static struct ipc_namespace *mbox_unname(struct mbox_mailbox *mb)
{
	struct ipc_namespace *ns = mb->ipc_ns;

	lockdep_assert_held(&mbox_registry_lock);
	hash_del(&mb->name_node);
	kfree(mb->name);
	mb->name = NULL;
	mb->ipc_ns = NULL;
	return ns;
}

/* Take a port out of the table of ports; the caller puts what it returns. */
static struct pid *mbox_unport(struct mbox_mailbox *mb)
{
	struct pid *pid = mb->port;

	lockdep_assert_held(&mbox_registry_lock);
	if (pid) {
		hash_del(&mb->name_node);
		mb->port = NULL;
	}
	return pid;
}

static void mbox_mailbox_release(struct kref *ref)
{
	struct mbox_mailbox *mb = container_of(ref, struct mbox_mailbox, ref);
	struct mbox_user *owner = mb->owner;
	struct pid *port = NULL;

	/* A port is in its table without a reference: lookups skip it now. */
	if (mb->port) {
		mutex_lock(&mbox_registry_lock);
		port = mbox_unport(mb);
		mutex_unlock(&mbox_registry_lock);
	}
	put_pid(port);
	mbox_queue_free(mb);
	atomic_dec(&mbox_count);
	mbox_user_remove_mailbox(owner);
	mbox_user_put(owner);
}

/**
 * mbox_mailbox_put() - drop a reference to a mailbox
 * @mb: the mailbox; freed with its messages by the last put
 */
void mbox_mailbox_put(struct mbox_mailbox *mb)
{
	kref_put(&mb->ref, mbox_mailbox_release);
}

/* Mode bits, as for a file: owner, else group, else others; CAP_IPC_OWNER wins. */
static int mbox_permission(struct mbox_mailbox *mb, u32 access)
{
	int may = 0;
	umode_t mode;

	if (access & MBOX_ACCESS_SEND)
		may |= MAY_WRITE;
	if (access & MBOX_ACCESS_RECV)
		may |= MAY_READ;
	spin_lock(&mb->lock);
	mode = mb->mode;
	spin_unlock(&mb->lock);
	if (uid_eq(current_fsuid(), mb->uid))
		mode >>= 6;
	else if (in_group_p(mb->gid))
		mode >>= 3;
	if (!(may & ~mode & 7))
		return 0;
	return ns_capable(mb->ipc_ns ? mb->ipc_ns->user_ns : &init_user_ns,
			  CAP_IPC_OWNER) ? 0 : -EACCES;
}

/*
 * May this open (by name or by process) have the mailbox it found? A handle
 * can own only a name it created.
 */
static int mbox_open_existing(struct mbox_mailbox *mb, const struct mbox_open *o)
{
	if ((o->flags & MBOX_OPEN_CREATE) &&
	    (o->flags & (MBOX_OPEN_EXCL | MBOX_OPEN_UNLINK_ON_CLOSE)))
		return -EEXIST;
	return mbox_permission(mb, o->access);
}

static bool mbox_is_owner(const struct mbox_mailbox *mb)
{
	return uid_eq(current_euid(), mb->uid) || capable(CAP_SYS_ADMIN);
}

/* A value asked for: fine up to the ceiling, or the hard limit with the cap. */
static int mbox_limit(u64 val, u64 ceiling, u64 hard)
{
	if (val > hard)
		return -EINVAL;
	if (val > ceiling && !capable(CAP_SYS_RESOURCE))
		return -EPERM;
	return 0;
}

/* Fill in the defaults and check a new mailbox's size fields. */
static int mbox_attr_resolve(struct mbox_open *o)
{
	u64 bytes_max = READ_ONCE(mbox_bytes_max);
	int err;

	if (o->flags & MBOX_OPEN_RENDEZVOUS) {
		/* No buffering: room for the one message its sender waits by. */
		if (o->max_msgs)
			return -EINVAL;
		o->max_msgs = 1;
	}
	if (!o->max_msgs)
		o->max_msgs = READ_ONCE(mbox_msgs_default);
	if (!o->max_msg_size)
		o->max_msg_size = READ_ONCE(mbox_msg_size_default);
	if (!o->max_bytes)
		o->max_bytes = max_t(u64, o->max_msg_size,
				     min_t(u64, (u64)o->max_msgs * o->max_msg_size,
					   bytes_max));
	if (!o->max_msgs || o->max_bytes < o->max_msg_size)
		return -EINVAL;
	err = mbox_limit(o->max_msgs, READ_ONCE(mbox_msgs_max), MBOX_HARD_MSGS);
	if (!err)
		err = mbox_limit(o->max_msg_size, READ_ONCE(mbox_msg_size_max),
				 MBOX_HARD_MSG_SIZE);
	if (!err)
		err = mbox_limit(o->max_bytes, max_t(u64, bytes_max, o->max_msg_size),
				 MBOX_HARD_BYTES);
	return err;
}

/*
 * A new mailbox, not yet named; counts against its creator's
 * user_mailboxes_max and against max_mailboxes.
 */
static struct mbox_mailbox *mbox_mailbox_new(struct mbox_open *o)
{
	struct mbox_mailbox *mb;
	struct mbox_user *owner;
	int err;

	err = mbox_attr_resolve(o);
	if (err)
		return ERR_PTR(err);
	owner = mbox_user_get(current_fsuid());
	if (!owner)
		return ERR_PTR(-ENOMEM);
	err = mbox_user_add_mailbox(owner);
	if (err)
		goto err_put;
	if (atomic_inc_return(&mbox_count) > READ_ONCE(mbox_max_mailboxes)) {
		pr_debug("max_mailboxes (%u) reached\n", READ_ONCE(mbox_max_mailboxes));
		err = -ENOSPC;
		goto err_uncount;
	}
	mb = mbox_queue_alloc();
	if (!mb) {
		err = -ENOMEM;
		goto err_uncount;
	}
	mb->owner = owner;
	mb->flags = o->flags & (MBOX_OPEN_FIXED_SIZE | MBOX_OPEN_RENDEZVOUS |
				MBOX_OPEN_UNLINK_ON_CLOSE | MBOX_OPEN_FANOUT_FLAGS);
	mb->mode = o->mode & ~current_umask();
	mb->uid = current_fsuid();
	mb->gid = current_fsgid();
	mb->max_msgs = o->max_msgs;
	mb->max_msg_size = o->max_msg_size;
	mb->max_bytes = o->max_bytes;
	if (mbox_caches_new(mb)) {
		mbox_mailbox_put(mb);	/* undoes the counts above */
		return ERR_PTR(-ENOMEM);
	}
	trace_mbox_create(mb);
	return mb;

err_uncount:
	atomic_dec(&mbox_count);
	mbox_user_remove_mailbox(owner);
err_put:
	mbox_user_put(owner);
	return ERR_PTR(err);
}

static struct mbox_mailbox *mbox_open_named(struct mbox_open *o, const char *name)
{
	struct ipc_namespace *ns = mbox_current_ns();
	u32 hash = mbox_name_hash(ns, name);
	struct mbox_mailbox *mb;
	int err = 0;

	mutex_lock(&mbox_registry_lock);
	mb = mbox_lookup(ns, name, hash);
	if (mb) {
		err = mbox_open_existing(mb, o);
	} else if (!(o->flags & MBOX_OPEN_CREATE)) {
		err = -ENOENT;
	} else {
		mb = mbox_mailbox_new(o);
		if (IS_ERR(mb)) {
			err = PTR_ERR(mb);
		} else {
			mb->name = kstrdup(name, GFP_KERNEL_ACCOUNT);
			if (!mb->name) {
				mbox_mailbox_put(mb);
				err = -ENOMEM;
			} else {
				mb->ipc_ns = get_ipc_ns(ns);
				hash_add(mbox_names, &mb->name_node, hash);
			}
		}
	}
	if (!err)
		kref_get(&mb->ref);	/* the handle's; the name keeps the first */
	mutex_unlock(&mbox_registry_lock);
	return err ? ERR_PTR(err) : mb;
}

static struct mbox_mailbox *mbox_port_lookup(struct pid *pid)
{
	struct mbox_mailbox *mb;

	lockdep_assert_held(&mbox_registry_lock);
	hash_for_each_possible(mbox_ports, mb, name_node, (unsigned long)pid)
		if (mb->port == pid)
			return kref_get_unless_zero(&mb->ref) ? mb : NULL;
	return NULL;
}

/*
 * Open a process's port: the caller's own (and create it, if asked), or, by
 * pid or pidfd, another's.
 */
static struct mbox_mailbox *mbox_open_port(struct mbox_open *o, struct pid *pid,
					   bool own)
{
	struct mbox_mailbox *mb;
	int err = 0;

	mutex_lock(&mbox_registry_lock);
	mb = mbox_port_lookup(pid);
	if (mb) {
		err = mbox_open_existing(mb, o);
	} else if (!own) {
		err = -ESRCH;
	} else if (!(o->flags & MBOX_OPEN_CREATE)) {
		err = -ENOENT;
	} else {
		mb = mbox_mailbox_new(o);
		if (IS_ERR(mb)) {
			err = PTR_ERR(mb);
			mb = NULL;
		} else {
			mb->flags |= MBOX_OPEN_PORT;
			mb->port = get_pid(pid);
			hash_add(mbox_ports, &mb->name_node, (unsigned long)pid);
		}
	}
	mutex_unlock(&mbox_registry_lock);
	if (!err)
		return mb;
	if (mb)
		mbox_mailbox_put(mb);	/* unlocked: the last put takes the lock */
	return ERR_PTR(err);
}

/* The process an open by pid or pidfd names, if it lives. */
static struct pid *mbox_open_target(const struct mbox_open *o)
{
	struct pid *pid;

	if (o->flags & MBOX_OPEN_PIDFD)
		pid = mbox_pidfd_get(o->target);
	else
		pid = find_get_pid(o->target) ?: ERR_PTR(-ESRCH);
	if (!IS_ERR(pid) && !mbox_pid_alive(pid)) {
		put_pid(pid);
		pid = ERR_PTR(-ESRCH);
	}
	return pid;
}

static struct mbox_mailbox *mbox_open_any(struct mbox_open *o, const char *name)
{
	struct mbox_mailbox *mb;
	struct pid *pid;

	if (o->flags & (MBOX_OPEN_PID | MBOX_OPEN_PIDFD)) {
		pid = mbox_open_target(o);
		if (IS_ERR(pid))
			return ERR_CAST(pid);
		mb = mbox_open_port(o, pid, false);
		put_pid(pid);
		return mb;
	}
	if (o->flags & MBOX_OPEN_PORT)
		return mbox_open_port(o, task_tgid(current), true);
	if (o->name_ptr)
		return mbox_open_named(o, name);
	return mbox_mailbox_new(o);
}

/**
 * mbox_mailbox_open() - bind a handle to a named or anonymous mailbox
 * @h: the handle
 * @o: what MBOX_IOC_OPEN asked, flags and access already checked; on
 *	success its size fields hold the mailbox's
 *
 * Return: 0, or -errno.
 */
int mbox_mailbox_open(struct mbox_handle *h, struct mbox_open *o)
{
	char name[MBOX_NAME_BUF];
	struct mbox_mailbox *mb;
	struct mbox_user *user;
	int err;

	if (o->name_ptr) {
		err = mbox_name_copy(name, o->name_ptr);
		if (err)
			return err;
	} else if (!(o->flags & (MBOX_OPEN_CREATE | MBOX_OPEN_PORT |
				 MBOX_OPEN_PID | MBOX_OPEN_PIDFD))) {
		return -EINVAL;
	}
	user = mbox_user_get(current_uid());
	if (!user)
		return -ENOMEM;

	mutex_lock(&h->bind_lock);
	if (h->mb) {
		err = -EBUSY;
		goto out_unlock;
	}
	mb = mbox_open_any(o, name + 1);
	if (IS_ERR(mb)) {
		err = PTR_ERR(mb);
		pr_debug("open (flags %#x) failed: %d\n", o->flags, err);
		goto out_unlock;
	}
	if ((mb->flags & MBOX_OPEN_FANOUT) && (o->access & MBOX_ACCESS_RECV)) {
		err = mbox_fanout_subscribe(mb, h);
		if (err) {
			/* Only a name this call created can be owned. */
			if (o->flags & MBOX_OPEN_UNLINK_ON_CLOSE)
				mbox_mailbox_disown(mb);
			mbox_mailbox_put(mb);
			goto out_unlock;
		}
	}
	o->max_msgs = mb->flags & MBOX_OPEN_RENDEZVOUS ? 0 : mb->max_msgs;
	o->max_msg_size = mb->max_msg_size;
	o->max_bytes = mb->max_bytes;
	h->access = o->access;
	h->user = user;
	h->owns_name = o->flags & MBOX_OPEN_UNLINK_ON_CLOSE;
	user = NULL;
	/* Lock-free readers of h->mb must see access and user set. */
	smp_store_release(&h->mb, mb);
	err = 0;
out_unlock:
	mutex_unlock(&h->bind_lock);
	if (user)
		mbox_user_put(user);
	return err;
}

/**
 * mbox_mailbox_unlink() - remove a name; the mailbox lives on for its handles
 * @uptr: user address of the name
 *
 * Return: 0, or -errno.
 */
int mbox_mailbox_unlink(u64 uptr)
{
	char name[MBOX_NAME_BUF];
	struct ipc_namespace *ns = mbox_current_ns();
	struct mbox_mailbox *mb;
	int err;

	err = mbox_name_copy(name, uptr);
	if (err)
		return err;
	mutex_lock(&mbox_registry_lock);
	mb = mbox_lookup(ns, name + 1, mbox_name_hash(ns, name + 1));
	if (!mb)
		err = -ENOENT;
	else if (!mbox_is_owner(mb))
		err = -EPERM;
	else
		ns = mbox_unname(mb);
	mutex_unlock(&mbox_registry_lock);
	if (err)
		return err;
	mbox_ipc_ns_put(ns);
	mbox_mailbox_put(mb);
	return 0;
}

/**
 * mbox_mailbox_disown() - unlink the name an owning handle's release takes
 * @mb: the mailbox, created by the handle with MBOX_OPEN_UNLINK_ON_CLOSE
 *
 * The name may be gone already (unlinked, destroyed), and then created
 * again for another mailbox: only this mailbox's own name is taken.
 */
void mbox_mailbox_disown(struct mbox_mailbox *mb)
{
	struct ipc_namespace *ns = NULL;
	bool named;

	mutex_lock(&mbox_registry_lock);
	named = mb->name;
	if (named)
		ns = mbox_unname(mb);
	mutex_unlock(&mbox_registry_lock);
	if (!named)
		return;
	pr_debug("mailbox %u: its owning handle closed, name unlinked\n", mb->id);
	mbox_ipc_ns_put(ns);
	mbox_mailbox_put(mb);
}

/**
 * mbox_mailbox_destroy() - destroy a mailbox now
 * @mb: the mailbox
 *
 * Return: 0, or -EPERM (not the owner) or -EIDRM (already destroyed).
 */
int mbox_mailbox_destroy(struct mbox_mailbox *mb)
{
	struct ipc_namespace *ns = NULL;
	struct pid *port;
	bool named;

	if (!mbox_is_owner(mb))
		return -EPERM;
	if (!mbox_queue_kill(mb))
		return -EIDRM;
	mutex_lock(&mbox_registry_lock);
	named = mb->name;
	if (named)
		ns = mbox_unname(mb);
	port = mbox_unport(mb);
	mutex_unlock(&mbox_registry_lock);
	put_pid(port);
	pr_debug("mailbox %u destroyed by pid %d\n", mb->id, task_tgid_vnr(current));
	if (named) {
		mbox_ipc_ns_put(ns);
		mbox_mailbox_put(mb);
	}
	return 0;
}

/**
 * mbox_mailbox_setattr() - change a mailbox's mode and capacities
 * @mb: the mailbox
 * @a: the change, mask and padding already checked
 *
 * Return: 0, or -errno.
 */
int mbox_mailbox_setattr(struct mbox_mailbox *mb, const struct mbox_setattr *a)
{
	u32 max_msgs;
	u64 max_bytes;
	int err;

	spin_lock(&mb->lock);
	err = mb->dead ? -EIDRM : 0;
	max_msgs = mb->max_msgs;
	max_bytes = mb->max_bytes;
	spin_unlock(&mb->lock);
	if (err)
		return err;
	if (!mbox_is_owner(mb))
		return -EPERM;
	if ((a->mask & MBOX_ATTR_MODE) && (a->mode & ~0777))
		return -EINVAL;
	if (a->mask & MBOX_ATTR_MAX_MSGS) {
		max_msgs = a->max_msgs;
		/* A fan-out subscription's ring is sized once, at subscribe. */
		if (!max_msgs || (mb->flags & (MBOX_OPEN_RENDEZVOUS | MBOX_OPEN_FANOUT)))
			return -EINVAL;
		err = mbox_limit(max_msgs, READ_ONCE(mbox_msgs_max), MBOX_HARD_MSGS);
		if (err)
			return err;
	}
	if (a->mask & MBOX_ATTR_MAX_BYTES) {
		max_bytes = a->max_bytes;
		if (max_bytes < mb->max_msg_size)
			return -EINVAL;
		err = mbox_limit(max_bytes, max_t(u64, READ_ONCE(mbox_bytes_max),
						  mb->max_msg_size), MBOX_HARD_BYTES);
		if (err)
			return err;
	}
	if (a->mask & MBOX_ATTR_MODE) {
		spin_lock(&mb->lock);
		mb->mode = a->mode;
		spin_unlock(&mb->lock);
	}
	mbox_queue_resize(mb, max_msgs, max_bytes);
	return 0;
}

/**
 * mbox_mailbox_stat() - a mailbox's attributes and state
 * @mb: the mailbox
 * @st: filled in, but for @st->access
 *
 * Return: 0, or -EIDRM once destroyed.
 */
int mbox_mailbox_stat(struct mbox_mailbox *mb, struct mbox_stat *st)
{
	struct user_namespace *ns = current_user_ns();

	mbox_queue_expire(mb);
	spin_lock(&mb->lock);
	mbox_queue_settle(mb);
	st->flags = mb->flags;
	st->mode = mb->mode;
	st->uid = from_kuid_munged(ns, mb->uid);
	st->gid = from_kgid_munged(ns, mb->gid);
	st->max_msgs = mb->flags & MBOX_OPEN_RENDEZVOUS ? 0 : mb->max_msgs;
	st->max_msg_size = mb->max_msg_size;
	st->cur_msgs = mb->cur_msgs;
	st->max_bytes = mb->max_bytes;
	st->cur_bytes = mb->cur_bytes;
	st->waiting_senders = mb->waiting_senders;
	st->waiting_receivers = mb->waiting_receivers;
	st->total_sent = mb->total_sent;
	st->total_received = mb->total_received;
	st->total_expired = mb->total_expired;
	st->total_replaced = mb->total_replaced;
	if (mb->flags & MBOX_OPEN_FANOUT)
		mbox_fanout_stat(mb, st);
	spin_unlock(&mb->lock);
	return mb->dead ? -EIDRM : 0;
}

/**
 * mbox_mailbox_count() - how many mailboxes exist, named or not
 *
 * Return: the count against max_mailboxes.
 */
unsigned int mbox_mailbox_count(void)
{
	return atomic_read(&mbox_count);
}

/**
 * mbox_registry_show() - list the named mailboxes of the reader's namespace
 * @m: the seq_file of /proc/mbox
 */
void mbox_registry_show(struct seq_file *m)
{
	struct ipc_namespace *ns = mbox_current_ns();
	struct user_namespace *user_ns = seq_user_ns(m);
	struct mbox_mailbox *mb;
	unsigned int bkt;
	u32 msgs;
	u64 bytes;

	seq_puts(m, "name uid gid mode msgs bytes\n");
	mutex_lock(&mbox_registry_lock);
	hash_for_each(mbox_names, bkt, mb, name_node) {
		if (mb->ipc_ns != ns)
			continue;
		spin_lock(&mb->lock);
		mbox_queue_settle(mb);
		msgs = mb->cur_msgs;
		bytes = mb->cur_bytes;
		if (mb->flags & MBOX_OPEN_FANOUT)
			mbox_fanout_fullest(mb, &msgs, &bytes);
		seq_printf(m, "/%s %u %u %04o %u %llu\n", mb->name,
			   from_kuid_munged(user_ns, mb->uid),
			   from_kgid_munged(user_ns, mb->gid),
			   mb->mode, msgs, bytes);
		spin_unlock(&mb->lock);
	}
	mutex_unlock(&mbox_registry_lock);
}

/**
 * mbox_registry_exit() - free the mailboxes that only a name still holds
 *
 * Called at module exit, when no handle can be open.
 */
void mbox_registry_exit(void)
{
	struct mbox_mailbox *mb;
	struct hlist_node *tmp;
	unsigned int bkt;

	mutex_lock(&mbox_registry_lock);
	hash_for_each_safe(mbox_names, bkt, tmp, mb, name_node) {
		mbox_ipc_ns_put(mbox_unname(mb));
		mbox_mailbox_put(mb);
	}
	mutex_unlock(&mbox_registry_lock);
}

/**
 * mbox_registry_hold() - keep every mailbox's name and port as they are
 *
 * For debugfs, which lists them with the rest of each mailbox. Nests outside
 * the list of all mailboxes, as creating and freeing a mailbox may hold the
 * registry.
 */
void mbox_registry_hold(void)
{
	mutex_lock(&mbox_registry_lock);
}

/**
 * mbox_registry_release() - undo mbox_registry_hold()
 */
void mbox_registry_release(void)
{
	mutex_unlock(&mbox_registry_lock);
}
