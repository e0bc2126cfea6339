/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mbox: declarations shared by the module's files.
 */
#ifndef _MBOX_H
#define _MBOX_H

#include <linux/fs.h>
#include <linux/mbox.h>

/**
 * DOC: mbox module layout
 *
 * main.c  - module init/exit and the /dev/mbox misc device.
 * fops.c  - file operations of a /dev/mbox handle.
 * ioctl.c - ioctl dispatch, argument size and padding checks.
 */

extern const struct file_operations mbox_fops;

long mbox_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

#endif /* _MBOX_H */
