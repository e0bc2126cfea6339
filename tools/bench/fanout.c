// SPDX-License-Identifier: GPL-2.0
/*
 * Fan-out: one publisher, N subscribers of an mbox fan-out mailbox
 * (MBOX_OPEN_FANOUT, blocking policy). The main process publishes; each
 * subscriber is a child process with its own subscription, and checks that
 * every message arrives whole and in order. The result is the rate each
 * subscriber receives at, the slowest one's, timed from its first message
 * to its last: with N = 1, 2, 4, 8 it shows what one more subscriber costs
 * (a reference and a copy out per message). No other mechanism has a
 * fan-out to compare with, so the cell has no peer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/mbox.h>

#include "bench.h"

struct fanout {
	const struct mech *m;
	const struct cell *cl;
	int sub[MAX_PROCS];
	double *seconds;	/* shared: each subscriber's time */
};

static int fanout_bind(const char *name, __u32 flags, __u32 access, size_t size)
{
	struct mbox_open o = {
		.name_ptr = (__u64)(uintptr_t)name,
		.flags = flags,
		.access = access,
		.mode = 0600,
		.max_msgs = CAP_MSGS,
		.max_msg_size = size,
	};
	int fd = open("/dev/mbox", O_RDWR | O_CLOEXEC), err;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, MBOX_IOC_OPEN, &o)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static void subscriber(int id, void *arg)
{
	struct fanout *x = arg;
	size_t size = x->cl->size;
	void *buf = msg_alloc(size);
	uint64_t t_first = 0;
	unsigned long s;
	ssize_t len;

	procs_wait_go();
	for (s = 0; s < x->cl->count; s++) {
		do
			len = read(x->sub[id], buf, size);
		while (len < 0 && errno == EINTR);
		if (len < 0)
			die("%s: fan-out receive: %s", x->m->name, strerror(errno));
		payload_check(buf, len, size, s, 0);
		if (!s)
			t_first = now_ns();
	}
	x->seconds[id] = (now_ns() - t_first) / 1e9;
	msg_free(buf);
}

int run_fanout(const struct mech *m, const struct cell *cl, struct result *r)
{
	struct fanout x = { .m = m, .cl = cl };
	size_t len = sizeof(double) * MAX_PROCS;
	char name[64];
	struct mbox_name unlink_name = { .name_ptr = (__u64)(uintptr_t)name };
	void *buf[2];
	unsigned long s;
	int pub, i, err;

	snprintf(name, sizeof(name), "/mbox-bench-fanout-%d", getpid());
	pub = fanout_bind(name, MBOX_OPEN_CREATE | MBOX_OPEN_EXCL | MBOX_OPEN_FANOUT,
			  MBOX_ACCESS_SEND, cl->size);
	if (pub < 0) {
		set_status(r, "na:fan-out: %s", strerror(-pub));
		return -1;
	}
	for (i = 0; i < cl->n; i++) {
		x.sub[i] = fanout_bind(name, 0, MBOX_ACCESS_RECV, cl->size);
		if (x.sub[i] < 0)
			die("%s: subscribe: %s", m->name, strerror(-x.sub[i]));
	}
	/* Every subscriber is bound: the name is not needed any more. */
	ioctl(pub, MBOX_IOC_UNLINK, &unlink_name);
	for (i = 0; i < 2; i++)
		buf[i] = payload_alloc(cl->size, 0, i);
	x.seconds = shared_alloc(len);
	procs_start(cl->n, subscriber, &x);
	procs_go();
	for (s = 0; s < cl->count; s++) {
		payload_stamp(buf[s & 1], cl->size, s, 0);
		do
			err = write(pub, buf[s & 1], cl->size) < 0 ? errno : 0;
		while (err == EINTR);
		if (err)
			die("%s: publish: %s", m->name, strerror(err));
	}
	procs_join();
	r->seconds = 0;
	for (i = 0; i < cl->n; i++) {
		if (x.seconds[i] > r->seconds)
			r->seconds = x.seconds[i];
		close(x.sub[i]);
	}
	r->msgs = cl->count - 1;
	shared_free(x.seconds, len);
	for (i = 0; i < 2; i++)
		msg_free(buf[i]);
	close(pub);
	set_status(r, "ok");
	return 0;
}
