// SPDX-License-Identifier: GPL-2.0
/*
 * mq-recv NAME [COUNT]: receive COUNT messages (default: until the queue is
 * empty) from the POSIX message queue NAME and print "PRIO TEXT" for each,
 * waiting at most 5 seconds for each one. Then, when -u is given first,
 * unlink the queue. A plain POSIX program.
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int main(int argc, char **argv)
{
	int unlink_it = argc > 1 && !strcmp(argv[1], "-u");
	struct mq_attr attr;
	struct timespec ts;
	unsigned int prio;
	long count, i;
	ssize_t n;
	char *buf;
	mqd_t q;

	argv += unlink_it;
	argc -= unlink_it;
	if (argc < 2) {
		fprintf(stderr, "usage: mq-recv [-u] NAME [COUNT]\n");
		return 2;
	}
	q = mq_open(argv[1], O_RDONLY);
	if (q == (mqd_t)-1 || mq_getattr(q, &attr)) {
		perror(argv[1]);
		return 1;
	}
	count = argc > 2 ? atol(argv[2]) : attr.mq_curmsgs;
	buf = malloc(attr.mq_msgsize + 1);
	if (!buf)
		return 1;
	for (i = 0; i < count; i++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 5;
		n = mq_timedreceive(q, buf, attr.mq_msgsize, &prio, &ts);
		if (n < 0) {
			perror("mq_timedreceive");
			return 1;
		}
		buf[n] = '\0';
		printf("%u %s\n", prio, buf);
	}
	mq_close(q);
	if (unlink_it && mq_unlink(argv[1])) {
		perror("mq_unlink");
		return 1;
	}
	return 0;
}
