// SPDX-License-Identifier: GPL-2.0
/*
 * rpc-server: answer requests made with mbox_call() on a named mailbox: each
 * reply is the request upper-cased; an empty request is refused with EINVAL.
 * Serves COUNT requests (default: forever). Usage: rpc-server NAME [COUNT]
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbox/libmbox.h>

int main(int argc, char **argv)
{
	unsigned long served, count = argc > 2 ? strtoul(argv[2], NULL, 0) : 0;
	char buf[256];
	int fd, err = 0;
	__u64 i;

	if (argc < 2) {
		fprintf(stderr, "usage: rpc-server NAME [COUNT]\n");
		return 2;
	}
	fd = mbox_create(argv[1], 0, MBOX_ACCESS_RECV, 0666, 16, sizeof(buf));
	if (fd < 0) {
		fprintf(stderr, "rpc-server: %s: %s\n", argv[1], strerror(-fd));
		return 1;
	}
	printf("rpc-server: serving %s\n", argv[1]);
	fflush(stdout);
	for (served = 0; !count || served < count; served++) {
		struct mbox_recv r = { .buf_ptr = mbox_ptr(buf), .buf_len = sizeof(buf) };

		err = mbox_recvx(fd, &r);
		if (err)
			break;
		if (!r.reply_token)
			continue;	/* a plain message: nobody waits for an answer */
		for (i = 0; i < r.len; i++)
			buf[i] = toupper((unsigned char)buf[i]);
		err = mbox_reply(fd, r.reply_token, buf, r.len, r.len ? 0 : EINVAL);
		if (err && err != -EPIPE)	/* EPIPE: the caller gave up */
			break;
	}
	if (err)
		fprintf(stderr, "rpc-server: %s\n", strerror(-err));
	printf("rpc-server: served %lu\n", served);
	mbox_unlink(fd, argv[1]);
	close(fd);
	return !!err;
}
