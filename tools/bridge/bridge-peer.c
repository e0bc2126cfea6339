// SPDX-License-Identifier: GPL-2.0
/*
 * bridge-peer: the two ends of the mbox-bridge end-to-end test.
 *   bridge-peer send /MBOX N          send N numbered, checksummed messages
 *   bridge-peer recv /MBOX N SECS LABEL
 *                                     receive them, then print
 *   LABEL: N messages across 2 VMs, L lost, D duplicated, R msg/s
 * recv fails when a message is lost, repeated, out of order or corrupt, or
 * does not carry the bridge's metadata line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbox/libmbox.h>

struct tally {
	uint64_t n;
	uint64_t distinct;
	uint64_t received;
	uint64_t next;		/* lowest sequence not yet received */
	uint64_t disorder;
	uint64_t corrupt;
	uint64_t no_meta;
	double first;
	double last;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* FNV-1a of the sequence number, so a damaged payload shows. */
static uint32_t checksum(uint64_t seq)
{
	uint32_t h = 2166136261u;
	int i;

	for (i = 0; i < 8; i++) {
		h ^= (seq >> (8 * i)) & 0xff;
		h *= 16777619u;
	}
	return h;
}

static int do_send(int fd, uint64_t n)
{
	char msg[64];
	uint64_t seq;
	ssize_t ret;
	int len;

	for (seq = 0; seq < n; seq++) {
		len = snprintf(msg, sizeof(msg), "%" PRIu64 " %08x", seq, checksum(seq));
		ret = mbox_send(fd, msg, len);
		if (ret < 0) {
			fprintf(stderr, "bridge-peer: send %" PRIu64 ": %s\n", seq,
				strerror(-ret));
			return 1;
		}
	}
	return 0;
}

/* One received message: skip the bridge's line, check and count the rest. */
static void account(struct tally *t, char *msg, size_t len)
{
	char *body = msg;
	uint64_t seq;
	unsigned int sum;

	msg[len] = '\0';
	if (strncmp(msg, "mbox-remote host=", 17) || !strchr(msg, '\n'))
		t->no_meta++;
	else
		body = strchr(msg, '\n') + 1;
	t->received++;
	if (sscanf(body, "%" SCNu64 " %x", &seq, &sum) != 2 || sum != checksum(seq) ||
	    seq >= t->n) {
		t->corrupt++;
		return;
	}
	if (seq < t->next)
		return;		/* a repeat: received minus distinct counts it */
	if (seq > t->next)
		t->disorder++;
	t->distinct++;
	t->next = seq + 1;
	if (!t->first)
		t->first = now_s();
	t->last = now_s();
}

static int recv_until(int fd, struct tally *t, double until)
{
	struct mbox_recv r;
	char msg[2048];
	int ret;

	while (now_s() < until) {
		memset(&r, 0, sizeof(r));
		r.buf_ptr = mbox_ptr(msg);
		r.buf_len = sizeof(msg) - 1;
		r.flags = MBOX_RECV_DEADLINE;
		r.deadline_ns = (uint64_t)(until * 1e9);
		ret = mbox_recvx(fd, &r);
		if (ret == -ETIMEDOUT)
			break;
		if (ret < 0) {
			fprintf(stderr, "bridge-peer: recv: %s\n", strerror(-ret));
			return 1;
		}
		account(t, msg, r.len);
		/* All in: only linger a little longer for repeats. */
		if (t->next == t->n && until - now_s() > 3)
			until = now_s() + 3;
	}
	return 0;
}

static int do_recv(int fd, uint64_t n, double secs, const char *label)
{
	struct tally t = { .n = n };
	double rate;

	if (recv_until(fd, &t, now_s() + secs))
		return 1;
	rate = t.last > t.first ? (t.distinct - 1) / (t.last - t.first) : 0;
	printf("%s: %" PRIu64 " messages across 2 VMs, %" PRIu64 " lost, %" PRIu64
	       " duplicated, %.0f msg/s\n", label, n, n - t.distinct,
	       t.received - t.distinct - t.corrupt, rate);
	if (t.disorder || t.corrupt || t.no_meta)
		printf("%s: %" PRIu64 " out of order, %" PRIu64 " corrupt, %" PRIu64
		       " without metadata\n", label, t.disorder, t.corrupt, t.no_meta);
	return t.distinct != n || t.received != n || t.disorder || t.no_meta;
}

int main(int argc, char **argv)
{
	uint64_t n;
	int fd;

	if (argc < 4 || (strcmp(argv[1], "send") && argc != 6)) {
		fputs("usage: bridge-peer send /MBOX N | recv /MBOX N SECS LABEL\n", stderr);
		return 2;
	}
	n = strtoull(argv[3], NULL, 10);
	fd = mbox_open_name(argv[2], strcmp(argv[1], "send") ?
			    MBOX_ACCESS_RECV : MBOX_ACCESS_SEND);
	if (fd < 0) {
		fprintf(stderr, "bridge-peer: %s: %s\n", argv[2], strerror(-fd));
		return 1;
	}
	if (!strcmp(argv[1], "send"))
		return do_send(fd, n);
	return do_recv(fd, n, strtod(argv[4], NULL), argv[5]);
}
