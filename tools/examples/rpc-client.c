// SPDX-License-Identifier: GPL-2.0
/*
 * rpc-client: send each WORD as a request to rpc-server's mailbox with
 * mbox_call() and print the reply, which comes straight back to this caller.
 * Usage: rpc-client NAME WORD...
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mbox/libmbox.h>

int main(int argc, char **argv)
{
	char reply[256];
	ssize_t n;
	int fd, i;

	if (argc < 3) {
		fprintf(stderr, "usage: rpc-client NAME WORD...\n");
		return 2;
	}
	fd = mbox_open_name(argv[1], MBOX_ACCESS_SEND);
	if (fd < 0) {
		fprintf(stderr, "rpc-client: %s: %s\n", argv[1], strerror(-fd));
		return 1;
	}
	for (i = 2; i < argc; i++) {
		n = mbox_call(fd, argv[i], strlen(argv[i]), reply, sizeof(reply));
		if (n < 0) {
			fprintf(stderr, "rpc-client: call '%s': %s\n", argv[i], strerror(-n));
			return 1;
		}
		printf("%s -> %.*s\n", argv[i], (int)n, reply);
	}
	close(fd);
	return 0;
}
