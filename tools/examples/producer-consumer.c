// SPDX-License-Identifier: GPL-2.0
/*
 * producer-consumer: a producer process queues numbered jobs in an anonymous
 * mailbox shared by fork(); a consumer takes them, highest priority first,
 * and checks that every job arrived exactly once. Usage: producer-consumer [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mbox/libmbox.h>

struct job {
	unsigned int id;
	unsigned int square;
};

static int consume(int fd, unsigned int n)
{
	unsigned int i, bad = 0, seen_sum = 0;
	struct job job;
	struct mbox_recv r = { .buf_ptr = mbox_ptr(&job), .buf_len = sizeof(job) };

	for (i = 0; i < n; i++) {
		int err = mbox_recvx(fd, &r);

		if (err) {
			fprintf(stderr, "consumer: %s\n", strerror(-err));
			return 1;
		}
		bad += r.len != sizeof(job) || job.square != job.id * job.id;
		seen_sum += job.id;
	}
	printf("consumer: %u jobs, %u bad, ids %s\n", n, bad,
	       seen_sum == n * (n - 1) / 2 ? "complete" : "MISSING");
	return bad || seen_sum != n * (n - 1) / 2;
}

int main(int argc, char **argv)
{
	unsigned int i, n = argc > 1 ? strtoul(argv[1], NULL, 0) : 100;
	int fd, status;
	pid_t consumer;

	/* 8 jobs at most in flight: the producer blocks when it gets ahead. */
	fd = mbox_anon(8, sizeof(struct job));
	if (fd < 0) {
		fprintf(stderr, "mbox_anon: %s\n", strerror(-fd));
		return 1;
	}
	consumer = fork();
	if (consumer < 0)
		return 1;
	if (consumer == 0)
		exit(consume(fd, n));	/* exit, not _exit: flush stdout */

	for (i = 0; i < n; i++) {
		struct job job = { .id = i, .square = i * i };
		struct mbox_send s = {
			.buf_ptr = mbox_ptr(&job), .len = sizeof(job), .prio = i % 4,
		};
		int err = mbox_sendx(fd, &s);

		if (err) {
			fprintf(stderr, "producer: %s\n", strerror(-err));
			return 1;
		}
	}
	printf("producer: %u jobs sent\n", n);
	close(fd);
	if (waitpid(consumer, &status, 0) < 0 || !WIFEXITED(status))
		return 1;
	return WEXITSTATUS(status);
}
