// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * libmbox-mq: messages. mq_send() and mq_receive() and their timed forms,
 * over MBOX_IOC_SEND and MBOX_IOC_RECV. mbox already receives the highest
 * priority first and FIFO within one, blocks, honours O_NONBLOCK and
 * restarts after SA_RESTART handlers; what is left here is POSIX's deadline
 * clock, its buffer-size rule and thread cancellation.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <time.h>

#include "mq.h"

#define NSEC_PER_SEC	1000000000LL

static __s64 mbox_mq_ns(const struct timespec *ts)
{
	return ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

/*
 * POSIX deadlines are absolute CLOCK_REALTIME, mbox's absolute
 * CLOCK_MONOTONIC: carry the time left over to the other clock. Linux checks
 * the timespec even when the call would not block, and so do we. Returns 1
 * with *ns set, 0 for a deadline too far to matter, or -EINVAL.
 */
static int mbox_mq_deadline(const struct timespec *abs, __u64 *ns)
{
	struct timespec now, mono;
	__s64 left, base;

	if (abs->tv_sec < 0 || abs->tv_nsec < 0 || abs->tv_nsec >= NSEC_PER_SEC)
		return -EINVAL;
	clock_gettime(CLOCK_REALTIME, &now);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	base = mbox_mq_ns(&mono);
	/* Some centuries ahead: no deadline, rather than an overflow. */
	if (abs->tv_sec - now.tv_sec > (INT64_MAX - base) / NSEC_PER_SEC - 2)
		return 0;
	left = (abs->tv_sec - now.tv_sec) * NSEC_PER_SEC + abs->tv_nsec - now.tv_nsec;
	/* Already past: a deadline of now fails at once if the call would block. */
	*ns = base + (left > 0 ? left : 0);
	return 1;
}

/*
 * ioctl() is no cancellation point, but mq_send() and mq_receive() are. As
 * glibc's own cancellation points do (before 2.39), let a request act while
 * the system call runs by switching to asynchronous cancellation around it:
 * a blocked mbox call that a signal interrupts has neither sent nor
 * received, so nothing is lost, and a pending request acts on entry.
 */
static int mbox_mq_cancellable(int fd, unsigned long cmd, void *arg)
{
	int old, err;

	pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, &old);
	err = mbox_mq_ioctl(fd, cmd, arg);
	pthread_setcanceltype(old, NULL);
	return err;
}

static int mbox_mq_send(mqd_t mqdes, const char *msg, size_t len, unsigned int prio,
			const struct timespec *abs)
{
	struct mbox_send s = {
		.buf_ptr = mbox_mq_ptr(msg),
		.len = len,
		.prio = prio,
	};
	int ret;

	if (prio >= MQ_PRIO_MAX)
		return -EINVAL;
	if (abs) {
		ret = mbox_mq_deadline(abs, &s.deadline_ns);
		if (ret < 0)
			return ret;
		if (ret)
			s.flags |= MBOX_SEND_DEADLINE;
	}
	return mbox_mq_cancellable(mqdes, MBOX_IOC_SEND, &s);
}

int mq_send(mqd_t mqdes, const char *msg_ptr, size_t msg_len, unsigned int msg_prio)
{
	int err = mbox_mq_send(mqdes, msg_ptr, msg_len, msg_prio, NULL);

	return err ? mbox_mq_fail(-err) : 0;
}

int mq_timedsend(mqd_t mqdes, const char *msg_ptr, size_t msg_len, unsigned int msg_prio,
		 const struct timespec *abs_timeout)
{
	int err = mbox_mq_send(mqdes, msg_ptr, msg_len, msg_prio, abs_timeout);

	return err ? mbox_mq_fail(-err) : 0;
}

/*
 * POSIX wants a buffer of at least mq_msgsize, whatever is queued, and EBADF
 * before that for a descriptor opened without read access: both need the
 * mailbox's attributes, so a receive costs one MBOX_IOC_STAT more.
 */
static ssize_t mbox_mq_receive(mqd_t mqdes, char *buf, size_t len, unsigned int *prio,
			       const struct timespec *abs)
{
	struct mbox_recv r = {
		.buf_ptr = mbox_mq_ptr(buf),
		.buf_len = len,
	};
	struct mbox_stat st;
	int ret;

	if (abs) {
		ret = mbox_mq_deadline(abs, &r.deadline_ns);
		if (ret < 0)
			return ret;
		if (ret)
			r.flags |= MBOX_RECV_DEADLINE;
	}
	ret = mbox_mq_stat(mqdes, &st);
	if (ret)
		return ret;
	if (!(st.access & MBOX_ACCESS_RECV))
		return -EBADF;
	if (len < st.max_msg_size)
		return -EMSGSIZE;
	ret = mbox_mq_cancellable(mqdes, MBOX_IOC_RECV, &r);
	if (ret)
		return ret;
	if (prio)
		*prio = r.prio;
	mbox_mq_received(mqdes);
	return r.len;
}

ssize_t mq_receive(mqd_t mqdes, char *msg_ptr, size_t msg_len, unsigned int *msg_prio)
{
	ssize_t ret = mbox_mq_receive(mqdes, msg_ptr, msg_len, msg_prio, NULL);

	return ret < 0 ? mbox_mq_fail(-ret) : ret;
}

ssize_t mq_timedreceive(mqd_t mqdes, char *msg_ptr, size_t msg_len, unsigned int *msg_prio,
			const struct timespec *abs_timeout)
{
	ssize_t ret = mbox_mq_receive(mqdes, msg_ptr, msg_len, msg_prio, abs_timeout);

	return ret < 0 ? mbox_mq_fail(-ret) : ret;
}
