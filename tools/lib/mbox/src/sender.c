// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * libmbox: verify the sender of a received message. A pid may be reused once
 * its process exits; the message's start_ns, the sender's start time, tells
 * whether the process now at that pid is the one that sent it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open		434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal	424
#endif

/* Field 22 of /proc/<pid>/stat, the start time in clock ticks, or -errno. */
static long long mbox_proc_starttime(pid_t pid)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n ? -errno : -EPROTO;
	buf[n] = '\0';
	/* The command, in parentheses, may hold spaces and parentheses. */
	p = strrchr(buf, ')');
	for (i = 2; p && i < 22; i++)
		p = strchr(p + 1, ' ');
	return p ? (long long)strtoull(p + 1, NULL, 10) : -EPROTO;
}

int mbox_sender_pidfd(const struct mbox_recv *r)
{
	long tck = sysconf(_SC_CLK_TCK);
	long long ticks;
	int pidfd, err;

	if (!r->pid || !r->start_ns)
		return -ESRCH;
	if (tck <= 0)
		return -EINVAL;
	/* First the pidfd, which pins one process... */
	pidfd = syscall(SYS_pidfd_open, r->pid, 0);
	if (pidfd < 0)
		return -errno;
	ticks = mbox_proc_starttime(r->pid);
	err = ticks < 0 ? (ticks == -ENOENT ? -ESRCH : (int)ticks) : 0;
	if (!err && (unsigned long long)ticks != r->start_ns / (1000000000ULL / tck))
		err = -ESRCH;
	/* ...then still alive: /proc/<pid> was the pidfd's process. */
	if (!err && syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0))
		err = errno == EPERM ? 0 : -ESRCH;
	if (err) {
		close(pidfd);
		return err;
	}
	return pidfd;
}
