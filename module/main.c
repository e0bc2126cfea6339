// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: module init and exit, the /dev/mbox misc device, and the limits that
 * are module parameters.
 */
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "mbox.h"
#include "version.h"

/* Root may tune these at run time; each call reads them once. */
unsigned int mbox_max_mailboxes = 256;
module_param_named(max_mailboxes, mbox_max_mailboxes, uint, 0644);
MODULE_PARM_DESC(max_mailboxes, "Mailboxes that may exist, named and anonymous");

unsigned int mbox_msgs_default = 10;
module_param_named(msgs_default, mbox_msgs_default, uint, 0644);
MODULE_PARM_DESC(msgs_default, "Capacity in messages of a mailbox created with 0");

unsigned int mbox_msgs_max = 1024;
module_param_named(msgs_max, mbox_msgs_max, uint, 0644);
MODULE_PARM_DESC(msgs_max, "Largest capacity in messages without CAP_SYS_RESOURCE");

unsigned int mbox_msg_size_default = 8192;
module_param_named(msg_size_default, mbox_msg_size_default, uint, 0644);
MODULE_PARM_DESC(msg_size_default, "Largest message of a mailbox created with 0");

unsigned int mbox_msg_size_max = 1 << 20;
module_param_named(msg_size_max, mbox_msg_size_max, uint, 0644);
MODULE_PARM_DESC(msg_size_max, "Largest message size without CAP_SYS_RESOURCE");

unsigned long mbox_bytes_max = 64UL << 20;
module_param_named(bytes_max, mbox_bytes_max, ulong, 0644);
MODULE_PARM_DESC(bytes_max, "Largest capacity in bytes without CAP_SYS_RESOURCE");

unsigned long mbox_user_bytes_max = 64UL << 20;
module_param_named(user_bytes_max, mbox_user_bytes_max, ulong, 0644);
MODULE_PARM_DESC(user_bytes_max, "Bytes of queued messages one user may have");

unsigned int mbox_user_files_max = 1024;
module_param_named(user_files_max, mbox_user_files_max, uint, 0644);
MODULE_PARM_DESC(user_files_max, "Open files one user's queued messages may carry");

unsigned int mbox_relay_ms = 10;
module_param_named(relay_ms, mbox_relay_ms, uint, 0644);
MODULE_PARM_DESC(relay_ms, "Most milliseconds a sender let in waits for its turn to be woken");

unsigned int mbox_user_mailboxes_max = 64;
module_param_named(user_mailboxes_max, mbox_user_mailboxes_max, uint, 0644);
MODULE_PARM_DESC(user_mailboxes_max,
		 "Mailboxes one user may own, without CAP_SYS_RESOURCE");

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

	err = mbox_proc_init();
	if (err)
		return err;
	err = misc_register(&mbox_misc);
	if (err) {
		pr_err("cannot register /dev/%s: %d\n", mbox_misc.name, err);
		goto err_proc;
	}
	mbox_debug_init();
	pr_debug("version %s, ABI %u\n", MBOX_VERSION, MBOX_ABI_VERSION);
	return 0;

err_proc:
	mbox_proc_exit();
	return err;
}

static void __exit mbox_exit(void)
{
	mbox_debug_exit();
	misc_deregister(&mbox_misc);
	mbox_proc_exit();
	mbox_registry_exit();
}

module_init(mbox_init);
module_exit(mbox_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The mbox authors");
MODULE_DESCRIPTION("Message-passing IPC through /dev/mbox");
MODULE_VERSION(MBOX_VERSION);
