// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: resolve a pidfd to its struct pid.
 *
 * pidfd_pid() and pidfd_get_pid() are not exported to modules. A pidfd is
 * recognised by the filesystem its inode lives on, which only the kernel's
 * pidfd code can put a file on:
 *
 * - pidfs (Linux 6.9 and later): the superblock has PID_FS_MAGIC and the
 *   inode's i_private is the struct pid (fs/pidfs.c, pidfd_pid()).
 * - earlier kernels: the anonymous inode named "[pidfd]", whose file's
 *   private_data is the struct pid (kernel/pid.c, pidfd_create()).
 *
 * The file reference held meanwhile keeps the struct pid alive, and a struct
 * pid names one process for good, so the result cannot race with pid reuse.
 */
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/pid.h>

#include "mbox.h"

#ifndef PID_FS_MAGIC
#define PID_FS_MAGIC	0x50494446
#endif

static struct pid *mbox_file_pid(struct file *file)
{
	struct inode *inode = file_inode(file);

	if (inode->i_sb->s_magic == PID_FS_MAGIC)
		return inode->i_private;
	if (inode->i_sb->s_magic == ANON_INODE_FS_MAGIC &&
	    !strcmp(file->f_path.dentry->d_name.name, "[pidfd]"))
		return file->private_data;
	return NULL;
}

/**
 * mbox_pidfd_get() - the process a pidfd names
 * @fd: the pidfd
 *
 * Return: a referenced struct pid (put_pid() it), ERR_PTR(-EBADF) if @fd is
 * not an open pidfd.
 */
struct pid *mbox_pidfd_get(int fd)
{
	struct file *file;
	struct pid *pid;

	file = fget(fd);
	if (!file)
		return ERR_PTR(-EBADF);
	pid = mbox_file_pid(file);
	pid = pid ? get_pid(pid) : ERR_PTR(-EBADF);
	fput(file);
	return pid;
}

/**
 * mbox_pid_alive() - whether a struct pid names a live process
 * @pid: a thread-group leader's pid, as a pidfd or a port holds
 *
 * Return: true while the process runs (not after it has exited, even as a
 * zombie).
 */
bool mbox_pid_alive(struct pid *pid)
{
	struct task_struct *task;
	bool alive;

	rcu_read_lock();
	task = pid_task(pid, PIDTYPE_TGID);
	alive = task && !(READ_ONCE(task->flags) & PF_EXITING);
	rcu_read_unlock();
	return alive;
}
