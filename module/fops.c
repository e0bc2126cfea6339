// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: file operations of a /dev/mbox handle.
 */
#include <linux/fs.h>
#include <linux/module.h>

#include "mbox.h"

static int mbox_open(struct inode *inode, struct file *file)
{
	/* Messages are a stream of records: there is no file position to seek. */
	return stream_open(inode, file);
}

const struct file_operations mbox_fops = {
	.owner = THIS_MODULE,
	.open = mbox_open,
	.unlocked_ioctl = mbox_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};
