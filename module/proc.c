// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: /proc/mbox, the named mailboxes of the reader's IPC namespace.
 */
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "mbox.h"

static int mbox_proc_show(struct seq_file *m, void *v)
{
	mbox_registry_show(m);
	return 0;
}

/**
 * mbox_proc_init() - create /proc/mbox
 *
 * Return: 0, or -ENOMEM.
 */
int mbox_proc_init(void)
{
	return proc_create_single("mbox", 0444, NULL, mbox_proc_show) ? 0 : -ENOMEM;
}

/**
 * mbox_proc_exit() - remove /proc/mbox
 */
void mbox_proc_exit(void)
{
	remove_proc_entry("mbox", NULL);
}
