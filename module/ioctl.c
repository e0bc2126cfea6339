// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: ioctl dispatch and argument checking.
 *
 * Commands are matched on their number and direction; the size encoded in the
 * command is the size of the caller's version of the argument structure. It is
 * read with copy_struct_from_user(), so callers built against an older or a
 * newer uapi header both work (see include/uapi/linux/mbox.h).
 */
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/nospec.h>
#include <linux/uaccess.h>

#include "mbox.h"

static_assert(sizeof(struct mbox_version) == 40);

struct mbox_ioc {
	unsigned int cmd;
	size_t size_ver0;
	long (*fn)(struct file *file, void __user *uarg, size_t usize);
};

/*
 * Answer in the caller's version of a structure: cut ours short, or zero the
 * tail that the caller knows and this module does not.
 */
static int mbox_copy_struct_to_user(void __user *dst, size_t usize,
				    const void *src, size_t ksize)
{
	if (copy_to_user(dst, src, min(usize, ksize)))
		return -EFAULT;
	if (usize > ksize && clear_user(dst + ksize, usize - ksize))
		return -EFAULT;
	return 0;
}

static u64 mbox_ioctl_mask(void);

static long mbox_ioc_version(struct file *file, void __user *uarg, size_t usize)
{
	struct mbox_version v;
	int err;

	err = copy_struct_from_user(&v, sizeof(v), uarg, usize);
	if (err)
		return err;
	if (v.pad)
		return -EINVAL;
	v.abi_version = MBOX_ABI_VERSION;
	v.ioctls = mbox_ioctl_mask();
	return mbox_copy_struct_to_user(uarg, usize, &v, sizeof(v));
}

static const struct mbox_ioc mbox_iocs[] = {
	[_IOC_NR(MBOX_IOC_VERSION)] = {
		MBOX_IOC_VERSION, MBOX_VERSION_SIZE_VER0, mbox_ioc_version
	},
};

static_assert(ARRAY_SIZE(mbox_iocs) <= 64);

static u64 mbox_ioctl_mask(void)
{
	u64 mask = 0;
	size_t nr;

	for (nr = 0; nr < ARRAY_SIZE(mbox_iocs); nr++)
		if (mbox_iocs[nr].fn)
			mask |= BIT_ULL(nr);
	return mask;
}

/**
 * mbox_ioctl() - dispatch an ioctl on a /dev/mbox handle
 * @file: the handle
 * @cmd: the command, as encoded by the caller's uapi header
 * @arg: the user address of the command's argument structure
 *
 * Return: what the command returns; -ENOTTY for a command this module does not
 * know, -EINVAL for an argument shorter than its first published version.
 */
long mbox_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	unsigned int nr = _IOC_NR(cmd);
	const struct mbox_ioc *ioc;

	if (_IOC_TYPE(cmd) != MBOX_IOCTL_MAGIC || nr >= ARRAY_SIZE(mbox_iocs))
		return -ENOTTY;
	ioc = &mbox_iocs[array_index_nospec(nr, ARRAY_SIZE(mbox_iocs))];
	if (!ioc->fn || _IOC_DIR(cmd) != _IOC_DIR(ioc->cmd))
		return -ENOTTY;
	if (_IOC_SIZE(cmd) < ioc->size_ver0)
		return -EINVAL;
	return ioc->fn(file, (void __user *)arg, _IOC_SIZE(cmd));
}
