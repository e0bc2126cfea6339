// SPDX-License-Identifier: GPL-2.0
/*
 * Payloads that prove themselves. A message starts with its sequence number
 * and source (who sent it), ends with the sequence number again, and carries
 * one of two patterns in between, chosen by the parity of the sequence
 * number: a mechanism that delivered only part of a message, or the previous
 * message's bytes, fails the check. The receiver compares all of it.
 *
 * The patterns are made once per run before the fork, so a sender only
 * stamps head and tail: the copying left is the mechanism's own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define TAIL_MIX	0x5eed5eedU

struct head {
	uint32_t seq;
	uint32_t src;
};

static uint8_t *expect[MAX_PROCS + 1][2];
static size_t expect_size;

/* Set by --corrupt: flip a byte of the Nth message checked, to prove checks. */
unsigned long payload_corrupt_at;
static unsigned long checked;

static void fill(uint8_t *p, size_t size, unsigned int key)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL * (key + 1);
	size_t i;

	for (i = 0; i < size; i++) {
		/* xorshift: cheap, and no two keys give the same bytes */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (uint8_t)x;
	}
}

int payload_prepare(size_t size, int nsrc)
{
	int s, par;

	for (s = 0; s <= MAX_PROCS; s++) {
		for (par = 0; par < 2; par++) {
			free(expect[s][par]);
			expect[s][par] = NULL;
			if (s >= nsrc && s != SERVER_SRC)
				continue;
			expect[s][par] = malloc(size);
			if (!expect[s][par])
				return -1;
			fill(expect[s][par], size, s * 2 + par);
		}
	}
	expect_size = size;
	return 0;
}

void payload_stamp(void *buf, size_t size, uint32_t seq, uint32_t src)
{
	struct head h = { .seq = seq, .src = src };
	uint32_t tail = seq ^ TAIL_MIX;

	memcpy(buf, &h, sizeof(h));
	if (size >= 2 * sizeof(h))
		memcpy((uint8_t *)buf + size - sizeof(tail), &tail, sizeof(tail));
}

/* A sender's buffer for messages of one parity: the pattern is in place. */
void *payload_alloc(size_t size, uint32_t src, int parity)
{
	void *buf = msg_alloc(size);

	memcpy(buf, expect[src][parity], size);
	return buf;
}

uint32_t payload_seq(const void *buf)
{
	struct head h;

	memcpy(&h, buf, sizeof(h));
	return h.seq;
}

uint32_t payload_src(const void *buf)
{
	struct head h;

	memcpy(&h, buf, sizeof(h));
	return h.src;
}

/* Dies unless buf holds exactly message seq of src, size bytes long. */
int payload_check(void *buf, size_t len, size_t size, uint32_t seq,
		  uint32_t src)
{
	const uint8_t *want;
	uint32_t tail = seq ^ TAIL_MIX;
	uint8_t *p = buf;
	size_t body;

	if (++checked == payload_corrupt_at)
		p[size / 2] ^= 0x40;
	if (len != size)
		die("payload: message %u from %u is %zu bytes, want %zu",
		    seq, src, len, size);
	if (src > MAX_PROCS || !expect[src][0] || payload_src(p) != src ||
	    payload_seq(p) != seq)
		die("payload: got message %u from %u, want %u from %u",
		    payload_seq(p), payload_src(p), seq, src);
	if (size < 2 * sizeof(struct head))
		return 0;
	want = expect[src][seq & 1];
	body = size - sizeof(struct head) - sizeof(tail);
	if (memcmp(p + sizeof(struct head), want + sizeof(struct head), body) ||
	    memcmp(p + size - sizeof(tail), &tail, sizeof(tail)))
		die("payload: message %u from %u (%zu bytes) is corrupted",
		    seq, src, size);
	return 0;
}
