// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: /proc/mbox, the named mailboxes of the reader's IPC namespace, and
 * /proc/mbox_users, each user's usage against the quotas.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "mbox.h"

static int mbox_proc_show(struct seq_file *m, void *v)
{
	mbox_registry_show(m);
	return 0;
}

static int mbox_proc_users_show(struct seq_file *m, void *v)
{
	mbox_users_show(m);
	return 0;
}

/**
 * mbox_proc_init() - create /proc/mbox and /proc/mbox_users
 *
 * Return: 0, or -ENOMEM.
 */
int mbox_proc_init(void)
{
	if (!proc_create_single("mbox", 0444, NULL, mbox_proc_show))
		return -ENOMEM;
	if (!proc_create_single("mbox_users", 0444, NULL, mbox_proc_users_show)) {
		remove_proc_entry("mbox", NULL);
		return -ENOMEM;
	}
	return 0;
}

/**
 * mbox_proc_exit() - remove /proc/mbox and /proc/mbox_users
 */
void mbox_proc_exit(void)
{
	remove_proc_entry("mbox_users", NULL);
	remove_proc_entry("mbox", NULL);
}
