// SPDX-License-Identifier: GPL-2.0
/*
 * rpc-server: answer requests made with mbox_call() on a named mailbox: each
 * reply is the request upper-cased; an empty request is refused with EINVAL.
 * Serves COUNT requests (default: forever), answering each and taking the
 * next in one system call (MBOX_IOC_REPLY_RECV). Usage: rpc-server NAME [COUNT]
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbox/libmbox.h>

/*
 * Give the answer @rp has a token for, if any, and take the next message into
 * @buf: one system call for both. The answer may be in @buf too, as the
 * kernel takes it before it receives.
 */
static int serve_next(int fd, struct mbox_reply *rp, struct mbox_recv *r,
		      char *buf, size_t len)
{
	int replied = 0, err = 0;

	*r = (struct mbox_recv){ .buf_ptr = mbox_ptr(buf), .buf_len = len };
	if (rp->token)
		err = mbox_reply_recv(fd, rp, r, &replied);
	/* No request to answer, or its caller gave up waiting (EPIPE). */
	if (!rp->token || (err == -EPIPE && !replied))
		err = mbox_recvx(fd, r);
	rp->token = 0;
	return err;
}

/* Upper-case the request in place as its reply; refuse an empty one. */
static void answer(struct mbox_reply *rp, const struct mbox_recv *r, char *buf)
{
	__u64 i;

	for (i = 0; i < r->len; i++)
		buf[i] = toupper((unsigned char)buf[i]);
	*rp = (struct mbox_reply){
		.token = r->reply_token,
		.buf_ptr = mbox_ptr(buf),
		.len = r->len,
		.error = r->len ? 0 : EINVAL,
	};
}

int main(int argc, char **argv)
{
	unsigned long served = 0, count = argc > 2 ? strtoul(argv[2], NULL, 0) : 0;
	char buf[256];
	struct mbox_reply rp = { .token = 0 };
	struct mbox_recv r;
	int fd, err = 0;

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
	while (!count || served < count) {
		err = serve_next(fd, &rp, &r, buf, sizeof(buf));
		if (err)
			break;
		if (!r.reply_token)
			continue;	/* a plain message: nobody waits for an answer */
		answer(&rp, &r, buf);
		served++;
	}
	/* The last answer, with no request after it. */
	if (rp.token) {
		err = mbox_reply(fd, rp.token, buf, rp.len, rp.error);
		if (err == -EPIPE)
			err = 0;
	}
	if (err)
		fprintf(stderr, "rpc-server: %s\n", strerror(-err));
	printf("rpc-server: served %lu\n", served);
	mbox_unlink(fd, argv[1]);
	close(fd);
	return !!err;
}
