// SPDX-License-Identifier: GPL-2.0
/*
 * Floor: one memcpy() per message in one process, checked like any
 * delivered message. A mechanism that copies once can at best approach it;
 * one that copies twice (in, then out) can reach about half of it.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

static int run_copy(const struct mech *m, const struct cell *cl,
		    struct result *r)
{
	size_t size = cl->size;
	void *src[2] = { payload_alloc(size, 0, 0), payload_alloc(size, 0, 1) };
	void *dst = msg_alloc(size);
	unsigned long s;
	uint64_t t0;

	(void)m;
	t0 = now_ns();
	for (s = 0; s < cl->count; s++) {
		payload_stamp(src[s & 1], size, s, 0);
		memcpy(dst, src[s & 1], size);
		payload_check(dst, size, size, s, 0);
	}
	r->seconds = (now_ns() - t0) / 1e9;
	r->msgs = cl->count;
	set_status(r, "ok");
	msg_free(src[0]);
	msg_free(src[1]);
	msg_free(dst);
	return 0;
}

const struct mech mech_memcpy = {
	.name = "memcpy",
	.kind = KIND_FLOOR,
	.patterns = P(PAT_STREAM),
	.run = run_copy,
};
