// SPDX-License-Identifier: GPL-2.0
/*
 * port-send: direct communication with a process. A child creates its port;
 * the parent names the child by a pidfd (safe against pid reuse), opens the
 * port and sends to it; the child sees who sent the message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mbox/libmbox.h>

static int child(int ready)
{
	char buf[64] = "";
	struct mbox_recv r = { .buf_ptr = mbox_ptr(buf), .buf_len = sizeof(buf) - 1 };
	int port = mbox_port_create(0, MBOX_ACCESS_RECV, 0600), err;

	if (write(ready, port < 0 ? "n" : "y", 1) != 1 || port < 0) {
		fprintf(stderr, "child: mbox_port_create: %s\n", strerror(-port));
		return 1;
	}
	err = mbox_recvx(port, &r);
	if (err) {
		fprintf(stderr, "child: %s\n", strerror(-err));
		return 1;
	}
	printf("child %d: \"%s\" from pid %d (my parent is %d)\n", getpid(), buf,
	       r.pid, getppid());
	return r.pid != getppid();
}

int main(void)
{
	int pipefd[2], pidfd, port, status;
	char msg[64], ok = 'n';
	pid_t pid;

	if (pipe(pipefd))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0)
		exit(child(pipefd[1]));	/* exit, not _exit: flush stdout */

	/* Wait until the child has its port, then reach it through a pidfd. */
	if (read(pipefd[0], &ok, 1) != 1 || ok != 'y')
		return 1;
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		perror("pidfd_open");
		return 1;
	}
	port = mbox_port_open_pidfd(pidfd, MBOX_ACCESS_SEND);
	if (port < 0) {
		fprintf(stderr, "mbox_port_open_pidfd: %s\n", strerror(-port));
		return 1;
	}
	snprintf(msg, sizeof(msg), "hello from %d", getpid());
	if (mbox_send(port, msg, strlen(msg)) < 0)
		return 1;
	close(port);
	close(pidfd);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return 1;
	return WEXITSTATUS(status);
}
