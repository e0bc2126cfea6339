// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: module init and exit, and the /dev/mbox misc device.
 */
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "mbox.h"
#include "version.h"

/*
 * World read-write like /dev/null: a handle grants nothing by itself, access to
 * each mailbox is checked against that mailbox's own owner and mode.
 */
static struct miscdevice mbox_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "mbox",
	.fops = &mbox_fops,
	.mode = 0666,
};

static int __init mbox_init(void)
{
	int err;

	err = misc_register(&mbox_misc);
	if (err) {
		pr_err("cannot register /dev/%s: %d\n", mbox_misc.name, err);
		return err;
	}
	pr_debug("version %s, ABI %u\n", MBOX_VERSION, MBOX_ABI_VERSION);
	return 0;
}

static void __exit mbox_exit(void)
{
	misc_deregister(&mbox_misc);
}

module_init(mbox_init);
module_exit(mbox_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The mbox authors");
MODULE_DESCRIPTION("Message-passing IPC through /dev/mbox");
MODULE_VERSION(MBOX_VERSION);
