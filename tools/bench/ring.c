// SPDX-License-Identifier: GPL-2.0
/*
 * Floor: a single-producer single-consumer ring in shared memory, no system
 * call per message. Waiting spins briefly, then yields: the guest has two
 * vCPUs shared with everything else, and a pure spin would only measure
 * how long the scheduler lets a spinner keep the other side off its CPU.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/mbox.h>

#include "bench.h"

#define RING_BYTES	(16UL << 20)	/* slots shrink for big messages */
#define SPINS		64

struct ring {
	_Atomic uint64_t head;		/* written by the producer */
	char pad1[56];
	_Atomic uint64_t tail;		/* written by the consumer */
	char pad2[56];
	uint64_t slots;
	char pad3[56];
	unsigned char data[];
};

static size_t ring_len(const struct chan *c, uint64_t slots)
{
	return sizeof(struct ring) + slots * c->size;
}

static int ring_open(struct chan *c, const struct cap *cap)
{
	uint64_t slots = RING_BYTES / cap->size;
	struct ring *r;

	if (slots > cap->msgs)
		slots = cap->msgs;
	if (slots < 2)
		slots = 2;
	r = shared_alloc(ring_len(c, slots));
	r->slots = slots;
	c->priv = r;
	return 0;
}

static void ring_close(struct chan *c)
{
	struct ring *r = c->priv;

	shared_free(r, ring_len(c, r->slots));
}

static void ring_wait(int *spins)
{
	if (++*spins < SPINS)
		__builtin_ia32_pause();
	else
		sched_yield();
}

static int ring_send(struct chan *c, const void *buf, size_t len)
{
	struct ring *r = c->priv;
	uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	int spins = 0;

	if (len != c->size)
		return -EMSGSIZE;
	while (head - atomic_load_explicit(&r->tail, memory_order_acquire) ==
	       r->slots)
		ring_wait(&spins);
	memcpy(r->data + (head % r->slots) * c->size, buf, len);
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	return 0;
}

static ssize_t ring_recv(struct chan *c, void *buf, size_t cap)
{
	struct ring *r = c->priv;
	uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	int spins = 0;

	(void)cap;
	while (atomic_load_explicit(&r->head, memory_order_acquire) == tail)
		ring_wait(&spins);
	memcpy(buf, r->data + (tail % r->slots) * c->size, c->size);
	atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
	return c->size;
}

const struct mech mech_ring = {
	.name = "shm-ring",
	.kind = KIND_FLOOR,
	.patterns = P(PAT_PINGPONG) | P(PAT_STREAM) | P(PAT_COST),
	.open = ring_open,
	.close = ring_close,
	.send = ring_send,
	.recv = ring_recv,
};

/* The ring, and a /dev/mbox handle bound to no mailbox to enter the kernel by. */
static int ring_mbox_open(struct chan *c, const struct cap *cap)
{
	c->rfd = open("/dev/mbox", O_RDWR | O_CLOEXEC);
	if (c->rfd < 0)
		return -errno;
	return ring_open(c, cap);
}

static void ring_mbox_close(struct chan *c)
{
	ring_close(c);
	close(c->rfd);
}

/*
 * Floor: the same ring, with one empty mbox ioctl (MBOX_IOC_VERSION) per
 * message on each side: the cost of entering the kernel once per message
 * and side, with nothing queued, woken or copied there. A mechanism that
 * makes one system call per message on each side cannot stream faster.
 */
static int empty_ioctl(struct chan *c)
{
	struct mbox_version v = { 0 };

	return ioctl(c->rfd, MBOX_IOC_VERSION, &v) ? -errno : 0;
}

static int ring_ioctl_send(struct chan *c, const void *buf, size_t len)
{
	int err = empty_ioctl(c);

	return err ? err : ring_send(c, buf, len);
}

static ssize_t ring_ioctl_recv(struct chan *c, void *buf, size_t cap)
{
	int err = empty_ioctl(c);

	return err ? err : ring_recv(c, buf, cap);
}

const struct mech mech_ring_ioctl = {
	.name = "ioctl-ring",
	.kind = KIND_FLOOR,
	.patterns = P(PAT_STREAM) | P(PAT_COST),
	.max_size = 64,		/* where the target is */
	.open = ring_mbox_open,
	.close = ring_mbox_close,
	.send = ring_ioctl_send,
	.recv = ring_ioctl_recv,
};

/*
 * Floor: the same ring, with one write() or read() per message on each side
 * on a handle bound to no mailbox, which mbox refuses (EBADFD) as soon as it
 * looks: the cost of the system call and the VFS to a mechanism that sends
 * with write() and receives with read(), as mbox, a pipe and the sockets do.
 */
static int ring_rw_send(struct chan *c, const void *buf, size_t len)
{
	if (write(c->rfd, buf, len) >= 0 || errno != EBADFD)
		return -EPROTO;
	return ring_send(c, buf, len);
}

static ssize_t ring_rw_recv(struct chan *c, void *buf, size_t cap)
{
	if (read(c->rfd, buf, cap) >= 0 || errno != EBADFD)
		return -EPROTO;
	return ring_recv(c, buf, cap);
}

const struct mech mech_ring_rw = {
	.name = "rw-ring",
	.kind = KIND_FLOOR,
	.patterns = P(PAT_STREAM) | P(PAT_COST),
	.max_size = 64,
	.open = ring_mbox_open,
	.close = ring_mbox_close,
	.send = ring_rw_send,
	.recv = ring_rw_recv,
};
