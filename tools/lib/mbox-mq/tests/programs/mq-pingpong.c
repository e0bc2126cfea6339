// SPDX-License-Identifier: GPL-2.0
/*
 * mq-pingpong [ROUNDS]: a parent and a forked child bounce a counter through
 * two POSIX message queues, each checking what it receives; prints
 * "pingpong: N round trips". A plain POSIX program.
 */
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Receive one counter and check it is the one expected. */
static long get(mqd_t q, long expect)
{
	char buf[64];
	ssize_t n;
	long v;

	n = mq_receive(q, buf, sizeof(buf), NULL);
	if (n < 0)
		die("mq_receive");
	buf[n < 63 ? n : 63] = '\0';
	v = atol(buf);
	if (v != expect) {
		fprintf(stderr, "got %ld, expected %ld\n", v, expect);
		exit(1);
	}
	return v;
}

static void put(mqd_t q, long v)
{
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%ld", v);

	if (mq_send(q, buf, n, v % 10))
		die("mq_send");
}

int main(int argc, char **argv)
{
	struct mq_attr attr = { .mq_maxmsg = 1, .mq_msgsize = 64 };
	long rounds = argc > 1 ? atol(argv[1]) : 1000, i;
	char ping[64], pong[64];
	mqd_t to, from;
	int status;
	pid_t pid;

	snprintf(ping, sizeof(ping), "/pingpong-%d-ping", getpid());
	snprintf(pong, sizeof(pong), "/pingpong-%d-pong", getpid());
	to = mq_open(ping, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	from = mq_open(pong, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	if (to == (mqd_t)-1 || from == (mqd_t)-1)
		die("mq_open");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		for (i = 0; i < rounds; i++)
			put(from, get(to, 2 * i) + 1);
		_exit(0);
	}
	for (i = 0; i < rounds; i++) {
		put(to, 2 * i);
		get(from, 2 * i + 1);
	}
	if (waitpid(pid, &status, 0) != pid || status)
		return 1;
	mq_unlink(ping);
	mq_unlink(pong);
	printf("pingpong: %ld round trips\n", rounds);
	return 0;
}
