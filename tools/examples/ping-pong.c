// SPDX-License-Identifier: GPL-2.0
/*
 * ping-pong: two processes bounce a counter through two anonymous mailboxes
 * and report the round-trip time. Usage: ping-pong [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mbox/libmbox.h>

/* Answer every ping with its counter plus one; a zero-length ping ends it. */
static int ponger(int ping, int pong)
{
	unsigned long v;
	ssize_t n;

	while ((n = mbox_recv(ping, &v, sizeof(v))) == sizeof(v)) {
		v++;
		if (mbox_send(pong, &v, sizeof(v)) < 0)
			return 1;
	}
	return n != 0;
}

int main(int argc, char **argv)
{
	unsigned long i, v, rounds = argc > 1 ? strtoul(argv[1], NULL, 0) : 1000;
	int ping = mbox_anon(1, sizeof(v)), pong = mbox_anon(1, sizeof(v)), status;
	struct timespec t0, t1;
	pid_t child;

	if (ping < 0 || pong < 0) {
		fprintf(stderr, "mbox_anon: %s\n", strerror(-(ping < 0 ? ping : pong)));
		return 1;
	}
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0)
		_exit(ponger(ping, pong));

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0, v = 0; i < rounds; i++) {
		if (mbox_send(ping, &v, sizeof(v)) < 0 ||
		    mbox_recv(pong, &v, sizeof(v)) != sizeof(v) || v != i + 1) {
			fprintf(stderr, "ping-pong: round %lu went wrong\n", i);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	mbox_send(ping, "", 0);
	printf("ping-pong: %lu rounds, %.1f us per round trip\n", rounds,
	       ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 /
	       (rounds ? rounds : 1));
	if (waitpid(child, &status, 0) < 0 || !WIFEXITED(status))
		return 1;
	return WEXITSTATUS(status);
}
