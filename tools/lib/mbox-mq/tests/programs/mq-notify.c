// SPDX-License-Identifier: GPL-2.0
/*
 * mq-notify: the pattern of mq_notify(3)'s example. Register a SIGEV_THREAD
 * notification on an empty queue, have a forked child send a message, and
 * let the notification thread read it, print "notified: TEXT" and end the
 * process. A plain POSIX program.
 */
#include <fcntl.h>
#include <mqueue.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char name[64];

static void handle_error(const char *msg)
{
	perror(msg);
	mq_unlink(name);
	exit(1);
}

static void tfunc(union sigval sv)
{
	mqd_t mqdes = *(mqd_t *)sv.sival_ptr;
	struct mq_attr attr;
	ssize_t nr;
	char *buf;

	if (mq_getattr(mqdes, &attr) == -1)
		handle_error("mq_getattr");
	buf = malloc(attr.mq_msgsize + 1);
	if (!buf)
		handle_error("malloc");
	nr = mq_receive(mqdes, buf, attr.mq_msgsize, NULL);
	if (nr == -1)
		handle_error("mq_receive");
	buf[nr] = '\0';
	printf("notified: %s\n", buf);
	mq_unlink(name);
	exit(0);
}

int main(void)
{
	struct sigevent sev = { 0 };
	static mqd_t mqdes;

	snprintf(name, sizeof(name), "/notify-%d", getpid());
	mqdes = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, NULL);
	if (mqdes == (mqd_t)-1)
		handle_error("mq_open");
	sev.sigev_notify = SIGEV_THREAD;
	sev.sigev_notify_function = tfunc;
	sev.sigev_value.sival_ptr = &mqdes;
	if (mq_notify(mqdes, &sev) == -1)
		handle_error("mq_notify");
	if (fork() == 0) {
		mqd_t q = mq_open(name, O_WRONLY);

		_exit(q == (mqd_t)-1 || mq_send(q, "hello", 5, 0) ? 1 : 0);
	}
	alarm(20);
	pause();
	return 1;
}
