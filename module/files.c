// SPDX-License-Identifier: GPL-2.0
/*
 * mbox: open files carried in messages, as SCM_RIGHTS carries them.
 *
 * A sender names file descriptors; the message holds a reference to each
 * open file until it is received (the receiver, who must ask for them, gets
 * new descriptors) or dropped. Each user's queued messages carry at most
 * user_files_max files.
 *
 * A mailbox must never be part of a reference cycle: a queued message
 * holding a file that holds, directly or in its own queue, a handle of the
 * same mailbox would keep both alive for ever. So files that can hold other
 * files are refused: mbox handles, AF_UNIX sockets, and anonymous-inode
 * files (io_uring, epoll and the like) as a class.
 */
#include <linux/fcntl.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <net/sock.h>

#include "mbox.h"

/**
 * struct mbox_files - the open files a message carries
 * @n: how many
 * @file: referenced files, in the sender's order
 */
struct mbox_files {
	unsigned int n;
	struct file *file[];
};

/* Files that cannot hold other files, and so cannot close a cycle. */
static bool mbox_file_carriable(struct file *file)
{
	umode_t mode = file_inode(file)->i_mode;
	struct socket *sock;

	if (file->f_op == &mbox_fops)
		return false;
	if (S_ISSOCK(mode)) {
		sock = sock_from_file(file);
		return sock && sock->sk && sock->sk->sk_family != AF_UNIX;
	}
	/* Anonymous inodes have no file type at all. */
	return S_ISREG(mode) || S_ISDIR(mode) || S_ISFIFO(mode) ||
	       S_ISCHR(mode) || S_ISBLK(mode);
}

/**
 * mbox_files_put() - release what a message carries
 * @user: the sender's usage, as charged
 * @files: the files, or NULL
 */
void mbox_files_put(struct mbox_user *user, struct mbox_files *files)
{
	unsigned int i;

	if (!files)
		return;
	for (i = 0; i < files->n; i++)
		fput(files->file[i]);
	mbox_user_remove_files(user, files->n);
	kfree(files);
}

/**
 * mbox_files_get() - take references to the files a sender names
 * @user: the sender's usage, charged for them
 * @ufds: user address of @n file descriptors
 * @n: how many, 1 to MBOX_FDS_MAX
 *
 * Return: the files, or ERR_PTR(-EFAULT, -EBADF, -EOPNOTSUPP, -ETOOMANYREFS
 * or -ENOMEM).
 */
struct mbox_files *mbox_files_get(struct mbox_user *user, const int __user *ufds,
				  unsigned int n)
{
	struct mbox_files *files;
	int fds[MBOX_FDS_MAX];
	int err;

	if (copy_from_user(fds, ufds, n * sizeof(*fds)))
		return ERR_PTR(-EFAULT);
	err = mbox_user_add_files(user, n);
	if (err)
		return ERR_PTR(err);
	files = kzalloc(struct_size(files, file, n), GFP_KERNEL_ACCOUNT);
	if (!files) {
		mbox_user_remove_files(user, n);
		return ERR_PTR(-ENOMEM);
	}
	for (files->n = 0; files->n < n; files->n++) {
		struct file *file = fget(fds[files->n]);

		err = file ? 0 : -EBADF;
		if (file && !mbox_file_carriable(file)) {
			fput(file);
			err = -EOPNOTSUPP;
		}
		if (err) {
			/* Give back the charge of those not taken. */
			mbox_user_remove_files(user, n - files->n);
			mbox_files_put(user, files);
			return ERR_PTR(err);
		}
		files->file[files->n] = file;
	}
	return files;
}

/**
 * mbox_files_count() - how many files a message carries
 * @files: the files, or NULL
 *
 * Return: the count.
 */
unsigned int mbox_files_count(const struct mbox_files *files)
{
	return files ? files->n : 0;
}

/* One new descriptor of @file in the receiver, its number stored at @ufd. */
static int mbox_receive_fd(struct file *file, int __user *ufd, unsigned int o_flags)
{
#ifdef MBOX_RECEIVE_FD_STORES
	return receive_fd(file, ufd, o_flags);
#else
	int fd = receive_fd(file, o_flags);

	if (fd >= 0 && put_user(fd, ufd)) {
		close_fd(fd);
		return -EFAULT;
	}
	return fd;
#endif
}

/**
 * mbox_files_install() - give the receiver descriptors of a message's files
 * @files: the files
 * @ufds: user address of room for their numbers
 * @cloexec: make them close-on-exec
 *
 * All or nothing: on failure the descriptors made so far are closed again,
 * and the message can be put back.
 *
 * Return: 0, or -errno (EMFILE, EFAULT, or what a security module says).
 */
int mbox_files_install(const struct mbox_files *files, int __user *ufds,
		       bool cloexec)
{
	int fds[MBOX_FDS_MAX];
	unsigned int i;
	int fd;

	for (i = 0; i < files->n; i++) {
		fd = mbox_receive_fd(files->file[i], ufds + i, cloexec ? O_CLOEXEC : 0);
		if (fd < 0)
			goto undo;
		fds[i] = fd;
	}
	return 0;

undo:
	while (i--)
		close_fd(fds[i]);
	return fd;
}
