// SPDX-License-Identifier: GPL-2.0
/*
 * Channels and message buffers. Every peer gets the same capacity for a
 * run's message size: CAP_MSGS messages where it counts messages, and
 * CAP_MSGS messages' worth but at least CAP_MIN_BYTES where it counts bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

void *msg_alloc(size_t size)
{
	size_t len = (HEADROOM + size + 63) & ~(size_t)63;
	uint8_t *p = aligned_alloc(64, len);

	if (!p)
		die("out of memory for a %zu-byte message", size);
	/* fault the pages in now, not during a timed loop */
	memset(p, 0, len);
	return p + HEADROOM;
}

void msg_free(void *buf)
{
	if (buf)
		free((uint8_t *)buf - HEADROOM);
}

struct cap cap_of(size_t size)
{
	struct cap cap = {
		.size = size,
		.msgs = CAP_MSGS,
		.bytes = CAP_MSGS * size,
	};

	if (cap.bytes < CAP_MIN_BYTES)
		cap.bytes = CAP_MIN_BYTES;
	return cap;
}

int chan_open(const struct mech *m, struct chan *c, size_t size,
	      struct result *r)
{
	struct cap cap = cap_of(size);
	int err;

	memset(c, 0, sizeof(*c));
	c->mech = m;
	c->size = size;
	c->rfd = -1;
	c->wfd = -1;
	c->id = -1;
	err = m->open(c, &cap);
	if (err) {
		snprintf(r->status, sizeof(r->status), "na:open: %s",
			 strerror(-err));
		c->mech = NULL;
		return err;
	}
	return 0;
}

void chan_close(struct chan *c)
{
	if (c->mech && c->mech->close)
		c->mech->close(c);
	c->mech = NULL;
}
