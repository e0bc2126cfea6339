// SPDX-License-Identifier: GPL-2.0
/*
 * mq-send NAME PRIO TEXT...: send each TEXT at priority PRIO to the POSIX
 * message queue NAME, creating it (mode 0600, default attributes) if need
 * be. A plain POSIX program: it knows nothing of mbox.
 */
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	unsigned int prio;
	mqd_t q;
	int i;

	if (argc < 4) {
		fprintf(stderr, "usage: %s NAME PRIO TEXT...\n", argv[0]);
		return 2;
	}
	prio = strtoul(argv[2], NULL, 0);
	q = mq_open(argv[1], O_WRONLY | O_CREAT, 0600, NULL);
	if (q == (mqd_t)-1) {
		perror("mq_open");
		return 1;
	}
	for (i = 3; i < argc; i++) {
		if (mq_send(q, argv[i], strlen(argv[i]), prio)) {
			perror("mq_send");
			return 1;
		}
	}
	return mq_close(q) ? 1 : 0;
}
