/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * mbox: message-passing IPC through the /dev/mbox character device.
 *
 * A handle (an open file of /dev/mbox) is bound to one mailbox by
 * MBOX_IOC_OPEN, which opens a named mailbox or creates a named or anonymous
 * one. write() then sends one message and read() receives one; the ioctls
 * below do the same with priorities, deadlines and flags, and manage the
 * mailbox.
 *
 * Every ioctl argument is a structure of fixed-width fields, naturally aligned,
 * a multiple of 8 bytes long, with explicit padding that must be zero. The size
 * encoded in each command is the structure's size: structures only ever grow at
 * the end, and the kernel accepts a caller built against an older (shorter) or
 * newer (longer, with the unknown tail zeroed) version of this header.
 */
#ifndef _UAPI_LINUX_MBOX_H
#define _UAPI_LINUX_MBOX_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Not taken in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define MBOX_IOCTL_MAGIC	0xB9

/* Bumped when behaviour changes in a way a feature bit cannot describe. */
#define MBOX_ABI_VERSION	1

/* A name is "/" and 1 to MBOX_NAME_MAX bytes without a further "/". */
#define MBOX_NAME_MAX		255

/* Most files one message carries. */
#define MBOX_FDS_MAX		16

/* Message priorities are 0 (lowest) to MBOX_PRIO_MAX - 1. */
#define MBOX_PRIO_MAX		32768

/**
 * struct mbox_version - what the running module supports
 * @abi_version: out: %MBOX_ABI_VERSION of the module.
 * @pad: in: must be zero.
 * @ioctls: out: bit N is set when the ioctl with number N is supported.
 * @open_flags: out: the MBOX_OPEN_* flags the module knows.
 * @send_flags: out: the MBOX_SEND_* flags the module knows.
 * @recv_flags: out: the MBOX_RECV_* flags the module knows.
 *
 * Answered by %MBOX_IOC_VERSION on any /dev/mbox handle, so a program can
 * probe for features instead of guessing from the kernel version.
 */
struct mbox_version {
	__u32 abi_version;
	__u32 pad;
	__u64 ioctls;
	__u64 open_flags;
	__u64 send_flags;
	__u64 recv_flags;
};

#define MBOX_VERSION_SIZE_VER0	16	/* sizeof first published struct */

/* Access a handle asks for in struct mbox_open.access. */
#define MBOX_ACCESS_SEND	0x1U	/* needs write permission */
#define MBOX_ACCESS_RECV	0x2U	/* needs read permission */

/* struct mbox_open.flags */
#define MBOX_OPEN_CREATE	0x1U	/* create if absent (O_CREAT) */
#define MBOX_OPEN_EXCL		0x2U	/* with CREATE: fail if present */
#define MBOX_OPEN_FIXED_SIZE	0x4U	/* every message max_msg_size bytes */
#define MBOX_OPEN_RENDEZVOUS	0x8U	/* no buffering: a send waits for its receiver */
#define MBOX_OPEN_PORT		0x10U	/* with CREATE: this process's port */
#define MBOX_OPEN_PID		0x20U	/* the port of the process with pid target */
#define MBOX_OPEN_PIDFD		0x40U	/* the port of the process pidfd target names */
#define MBOX_OPEN_UNLINK_ON_CLOSE 0x80U	/* with CREATE: the name goes with this handle */
#define MBOX_OPEN_FANOUT	0x100U	/* with CREATE: every subscriber gets every message */
#define MBOX_OPEN_DROP_OLDEST	0x200U	/* with FANOUT: a full subscriber loses its oldest */
#define MBOX_OPEN_DROP_NEWEST	0x400U	/* with FANOUT: a full subscriber misses the new one */

/**
 * struct mbox_open - bind a handle to a mailbox
 * @name_ptr: in: user address of a NUL-terminated name "/x" (at most
 *	%MBOX_NAME_MAX bytes after the slash, no other slash), or 0 with
 *	%MBOX_OPEN_CREATE for an anonymous mailbox that only this handle (and
 *	its duplicates, fork()s and SCM_RIGHTS copies) reaches.
 * @flags: in: MBOX_OPEN_* flags.
 * @access: in: %MBOX_ACCESS_SEND, %MBOX_ACCESS_RECV or both.
 * @mode: in: permission bits (0777 at most) of a created named mailbox,
 *	masked by the caller's umask.
 * @max_msgs: in: capacity in messages of a created mailbox; 0 for the module's
 *	default. Out: the mailbox's capacity.
 * @max_msg_size: in: largest message, or with %MBOX_OPEN_FIXED_SIZE the size
 *	of every message; 0 for the default. Out: the mailbox's value.
 * @pad: in: must be zero.
 * @max_bytes: in: capacity in bytes of queued payload; 0 for
 *	@max_msgs * @max_msg_size (at most the module's bytes ceiling).
 *	Out: the mailbox's value.
 * @target: in: with %MBOX_OPEN_PID a process id (in the caller's pid
 *	namespace), with %MBOX_OPEN_PIDFD a pidfd: open that process's port.
 * @pad2: in: must be zero.
 *
 * Creating above the module's ceilings needs CAP_SYS_RESOURCE. When an
 * existing mailbox is opened, the size fields are only written.
 *
 * Ports give direct communication: %MBOX_OPEN_CREATE | %MBOX_OPEN_PORT (no
 * name) creates the calling process's port, a mailbox that other processes
 * open by naming the process, with %MBOX_OPEN_PID or %MBOX_OPEN_PIDFD.
 *
 * %MBOX_OPEN_CREATE | %MBOX_OPEN_UNLINK_ON_CLOSE creates a named mailbox
 * whose name is bound to this handle: when its last reference is closed
 * (also by a crash), the name is unlinked. The name must be free (EEXIST).
 *
 * %MBOX_OPEN_CREATE | %MBOX_OPEN_FANOUT creates a fan-out (publish/subscribe)
 * mailbox: every handle bound to it with %MBOX_ACCESS_RECV is a subscriber
 * from the moment it binds, and receives every message sent after that, in
 * the order sent. Capacity applies to each subscriber. A send that finds a
 * subscriber full waits until every subscriber has room, or, with
 * %MBOX_OPEN_DROP_OLDEST, that subscriber loses its oldest messages, or, with
 * %MBOX_OPEN_DROP_NEWEST, it misses the new one; struct mbox_recv.lost tells.
 */
struct mbox_open {
	__aligned_u64 name_ptr;
	__u32 flags;
	__u32 access;
	__u32 mode;
	__u32 max_msgs;
	__u32 max_msg_size;
	__u32 pad;
	__u64 max_bytes;
	__s32 target;
	__u32 pad2;
};

#define MBOX_OPEN_SIZE_VER0	40	/* sizeof first published struct */
#define MBOX_OPEN_SIZE_VER1	48	/* adds target */

/**
 * struct mbox_name - a mailbox name, for %MBOX_IOC_UNLINK
 * @name_ptr: in: user address of a NUL-terminated name, as in struct mbox_open.
 */
struct mbox_name {
	__aligned_u64 name_ptr;
};

#define MBOX_NAME_SIZE_VER0	8	/* sizeof first published struct */

/* struct mbox_send.flags */
#define MBOX_SEND_NONBLOCK	0x1U	/* EAGAIN instead of waiting */
#define MBOX_SEND_DEADLINE	0x2U	/* deadline_ns is valid */
#define MBOX_SEND_SYNC		0x4U	/* return once a receiver has the message */
#define MBOX_SEND_EXPIRE	0x8U	/* expire_ns is valid: undelivered, it expires */
#define MBOX_SEND_KEY		0x10U	/* replaces the queued message with this key */

/**
 * struct mbox_send - send one message
 * @buf_ptr: in: user address of the message.
 * @len: in: its length in bytes.
 * @prio: in: priority, below %MBOX_PRIO_MAX; higher is received first.
 * @flags: in: MBOX_SEND_* flags.
 * @deadline_ns: in: with %MBOX_SEND_DEADLINE, the CLOCK_MONOTONIC time in
 *	nanoseconds after which a full mailbox fails the call with ETIMEDOUT.
 *	It is absolute, so a call restarted after a signal keeps it.
 * @type: in: the message's type, 0 or more, for selective receive.
 * @expire_ns: in: with %MBOX_SEND_EXPIRE, the CLOCK_MONOTONIC time in
 *	nanoseconds from which the message, if still queued, is never
 *	delivered: it is dropped and counted in struct mbox_stat.total_expired.
 * @key: in: with %MBOX_SEND_KEY, the message's key: a queued message of
 *	this mailbox sent with the same key is dropped (and counted in
 *	total_replaced), so only the latest value waits.
 * @fds_ptr: in: user address of an array of @nfds file descriptors whose
 *	open files travel with the message (as SCM_RIGHTS does).
 * @nfds: in: how many, at most %MBOX_FDS_MAX; 0 for none.
 * @pad: in: must be zero.
 *
 * With %MBOX_SEND_SYNC the call returns only once a receiver has taken the
 * message. If it fails (signal, deadline, %MBOX_SEND_NONBLOCK with no
 * receiver ready) the message was withdrawn: it is never received.
 * %MBOX_SEND_EXPIRE and %MBOX_SEND_KEY do not go with %MBOX_SEND_SYNC.
 */
struct mbox_send {
	__aligned_u64 buf_ptr;
	__u64 len;
	__u32 prio;
	__u32 flags;
	__u64 deadline_ns;
	__s64 type;
	__u64 expire_ns;
	__u64 key;
	__aligned_u64 fds_ptr;
	__u32 nfds;
	__u32 pad;
};

#define MBOX_SEND_SIZE_VER0	32	/* sizeof first published struct */
#define MBOX_SEND_SIZE_VER1	40	/* adds type */
#define MBOX_SEND_SIZE_VER2	56	/* adds expire_ns, key */
#define MBOX_SEND_SIZE_VER3	72	/* adds fds_ptr, nfds */

/* struct mbox_recv.flags */
#define MBOX_RECV_NONBLOCK	0x1U	/* EAGAIN instead of waiting */
#define MBOX_RECV_DEADLINE	0x2U	/* deadline_ns is valid */
#define MBOX_RECV_PEEK		0x4U	/* copy, but leave it queued */
#define MBOX_RECV_TRUNC		0x8U	/* a small buffer cuts the message */
#define MBOX_RECV_TYPE		0x10U	/* select by type (System V msgtyp) */
#define MBOX_RECV_EXCEPT	0x20U	/* with TYPE > 0: any type but that one */
#define MBOX_RECV_FROM		0x40U	/* only from the process pidfd from names */
#define MBOX_RECV_FDS		0x80U	/* take the message's files as new fds */
#define MBOX_RECV_FDS_CLOEXEC	0x100U	/* with FDS: close-on-exec on them */

/**
 * struct mbox_recv - receive one message
 * @buf_ptr: in: user address of the buffer.
 * @buf_len: in: its length in bytes.
 * @flags: in: MBOX_RECV_* flags.
 * @prio: out: the message's priority.
 * @deadline_ns: in: with %MBOX_RECV_DEADLINE, the CLOCK_MONOTONIC time in
 *	nanoseconds after which an empty mailbox fails the call with ETIMEDOUT.
 * @len: out: the message's whole length, also when the call fails with
 *	EMSGSIZE (buffer too small, message left queued) or the message was cut
 *	by %MBOX_RECV_TRUNC.
 * @seq: out: the message's sequence number in its mailbox, counted from 1 in
 *	the order messages were queued.
 * @type: in: with %MBOX_RECV_TYPE, which types to take: 0 any, N > 0 only N
 *	(with %MBOX_RECV_EXCEPT: any but N), N < 0 the lowest type not above -N.
 *	Out: the message's type.
 * @from: in: with %MBOX_RECV_FROM, a pidfd: take only messages that process
 *	sent.
 * @pid: out: the sender's process id in the receiver's pid namespace, 0 if
 *	the sender is not visible there.
 * @tid: out: the sending thread's id, likewise.
 * @uid: out: the sender's effective uid in the receiver's user namespace (the
 *	overflow uid if it has no mapping there).
 * @gid: out: the sender's effective gid, likewise.
 * @pad: out: zero.
 * @send_ns: out: CLOCK_MONOTONIC time of the send, in nanoseconds.
 * @reply_token: out: non-zero when the message is a request made with
 *	%MBOX_IOC_CALL: pass it to %MBOX_IOC_REPLY to answer.
 * @start_ns: out: when the sending process started, in nanoseconds of
 *	CLOCK_BOOTTIME as the receiver sees it (the starttime of
 *	/proc/<pid>/stat, in finer units); 0 when @pid is 0. With @pid it
 *	tells the sender from a later process that got the same pid.
 * @fds_ptr: in: with %MBOX_RECV_FDS, user address of an array of @fds_max
 *	ints that receives the new file descriptors of the message's files.
 * @fds_max: in: room in that array.
 * @nfds: out: how many files the message carries; also when the call fails
 *	with ETOOMANYREFS because the receive has no room for them (no
 *	%MBOX_RECV_FDS, or @fds_max too small): the message is left queued.
 * @lost: out: on a fan-out mailbox, the messages this subscription lost
 *	(%MBOX_OPEN_DROP_OLDEST, %MBOX_OPEN_DROP_NEWEST) since its last
 *	receive, reported once; 0 otherwise.
 *
 * The highest-priority message is received first, the oldest first among
 * equals; with a selection, the first that matches in that order.
 */
struct mbox_recv {
	__aligned_u64 buf_ptr;
	__u64 buf_len;
	__u32 flags;
	__u32 prio;
	__u64 deadline_ns;
	__u64 len;
	__u64 seq;
	__s64 type;
	__s32 from;
	__s32 pid;
	__s32 tid;
	__u32 uid;
	__u32 gid;
	__u32 pad;
	__u64 send_ns;
	__u64 reply_token;
	__u64 start_ns;
	__aligned_u64 fds_ptr;
	__u32 fds_max;
	__u32 nfds;
	__u64 lost;
};

#define MBOX_RECV_SIZE_VER0	48	/* sizeof first published struct */
#define MBOX_RECV_SIZE_VER1	96	/* adds selection, sender, reply token */
#define MBOX_RECV_SIZE_VER2	104	/* adds start_ns */
#define MBOX_RECV_SIZE_VER3	120	/* adds fds_ptr, fds_max, nfds */
#define MBOX_RECV_SIZE_VER4	128	/* adds lost */

/**
 * struct mbox_stat - a mailbox's attributes and state
 * @flags: out: %MBOX_OPEN_FIXED_SIZE, %MBOX_OPEN_RENDEZVOUS,
 *	%MBOX_OPEN_PORT, %MBOX_OPEN_UNLINK_ON_CLOSE, %MBOX_OPEN_FANOUT,
 *	%MBOX_OPEN_DROP_OLDEST and %MBOX_OPEN_DROP_NEWEST as the mailbox was
 *	created with.
 * @mode: out: permission bits.
 * @uid: out: owner, as seen in the caller's user namespace.
 * @gid: out: group, as seen in the caller's user namespace.
 * @access: out: this handle's MBOX_ACCESS_* bits.
 * @max_msgs: out: capacity in messages (fan-out: of each subscriber).
 * @max_msg_size: out: largest (or fixed) message size.
 * @cur_msgs: out: messages queued now (fan-out: for the subscriber that
 *	has the most).
 * @max_bytes: out: capacity in bytes of queued payload.
 * @cur_bytes: out: bytes of payload queued now (fan-out: for that
 *	subscriber).
 * @waiting_senders: out: callers blocked in send now.
 * @waiting_receivers: out: callers blocked in receive now.
 * @total_sent: out: messages sent since creation.
 * @total_received: out: messages received (not peeked) since creation.
 * @total_expired: out: messages dropped unreceived at their expire_ns.
 * @total_replaced: out: messages dropped unreceived for a newer one with
 *	their key.
 * @subscribers: out: fan-out: subscriptions now; 0 otherwise.
 * @pad: out: zero.
 * @total_lost: out: fan-out: messages subscribers lost to a drop policy,
 *	counted once per subscriber that lost one.
 */
struct mbox_stat {
	__u32 flags;
	__u32 mode;
	__u32 uid;
	__u32 gid;
	__u32 access;
	__u32 max_msgs;
	__u32 max_msg_size;
	__u32 cur_msgs;
	__u64 max_bytes;
	__u64 cur_bytes;
	__u32 waiting_senders;
	__u32 waiting_receivers;
	__u64 total_sent;
	__u64 total_received;
	__u64 total_expired;
	__u64 total_replaced;
	__u32 subscribers;
	__u32 pad;
	__u64 total_lost;
};

#define MBOX_STAT_SIZE_VER0	72	/* sizeof first published struct */
#define MBOX_STAT_SIZE_VER1	88	/* adds total_expired, total_replaced */
#define MBOX_STAT_SIZE_VER2	104	/* adds subscribers, total_lost */

/* struct mbox_setattr.mask: which fields to change */
#define MBOX_ATTR_MODE		0x1U
#define MBOX_ATTR_MAX_MSGS	0x2U
#define MBOX_ATTR_MAX_BYTES	0x4U

/**
 * struct mbox_setattr - change a mailbox's attributes
 * @mask: in: MBOX_ATTR_* bits naming the fields to change.
 * @mode: in: new permission bits (0777 at most).
 * @max_msgs: in: new capacity in messages (at least 1).
 * @pad: in: must be zero.
 * @max_bytes: in: new capacity in bytes (at least max_msg_size).
 *
 * Only the owner or CAP_SYS_ADMIN may; raising a capacity above the module's
 * ceiling needs CAP_SYS_RESOURCE. Lowering it below what is queued only
 * makes senders wait until receivers have made room.
 */
struct mbox_setattr {
	__u32 mask;
	__u32 mode;
	__u32 max_msgs;
	__u32 pad;
	__u64 max_bytes;
};

#define MBOX_SETATTR_SIZE_VER0	24	/* sizeof first published struct */

/* struct mbox_call.flags */
#define MBOX_CALL_DEADLINE	0x2U	/* deadline_ns is valid */

/**
 * struct mbox_call - send a request and wait for its reply
 * @req_ptr: in: user address of the request.
 * @req_len: in: its length.
 * @reply_ptr: in: user address of the buffer for the reply.
 * @reply_len: in: its length; out: the reply's length.
 * @prio: in: the request's priority.
 * @flags: in: MBOX_CALL_* flags.
 * @deadline_ns: in: with %MBOX_CALL_DEADLINE, the CLOCK_MONOTONIC time after
 *	which the call fails with ETIMEDOUT (the request is withdrawn if no
 *	server has taken it yet).
 * @type: in: the request's type.
 *
 * The request goes to the handle's mailbox; the reply comes straight back to
 * this caller, never through a mailbox.
 */
struct mbox_call {
	__aligned_u64 req_ptr;
	__u64 req_len;
	__aligned_u64 reply_ptr;
	__u64 reply_len;
	__u32 prio;
	__u32 flags;
	__u64 deadline_ns;
	__s64 type;
};

#define MBOX_CALL_SIZE_VER0	56	/* sizeof first published struct */

/**
 * struct mbox_reply - answer a request received with a reply token
 * @token: in: the request's reply_token.
 * @buf_ptr: in: user address of the reply.
 * @len: in: its length (at most the caller's reply_len).
 * @error: in: 0 to reply with the buffer, or a positive errno that the
 *	caller's %MBOX_IOC_CALL fails with instead.
 * @pad: in: must be zero.
 */
struct mbox_reply {
	__u64 token;
	__aligned_u64 buf_ptr;
	__u64 len;
	__s32 error;
	__u32 pad;
};

#define MBOX_REPLY_SIZE_VER0	32	/* sizeof first published struct */

/**
 * struct mbox_reply_recv - answer a request, then receive the next message
 * @reply_ptr: in: user address of a struct mbox_reply, as %MBOX_IOC_REPLY
 *	takes it.
 * @recv_ptr: in: user address of a struct mbox_recv, as %MBOX_IOC_RECV takes
 *	and answers it.
 * @reply_size: in: the size of that struct mbox_reply, as the caller's
 *	header has it.
 * @recv_size: in: the size of that struct mbox_recv, likewise.
 * @flags: in: must be zero.
 * @replied: out: 1 once the reply is delivered. An error with 0 here is the
 *	reply's, and nothing was received; with 1, the receive's.
 *
 * A server's loop in one system call per request, where %MBOX_IOC_REPLY
 * and %MBOX_IOC_RECV take two: with %MBOX_IOC_CALL, a round trip is two. A
 * signal after the reply ends it with EINTR, never restarted.
 */
struct mbox_reply_recv {
	__aligned_u64 reply_ptr;
	__aligned_u64 recv_ptr;
	__u32 reply_size;
	__u32 recv_size;
	__u32 flags;
	__u32 replied;
};

#define MBOX_REPLY_RECV_SIZE_VER0 32	/* sizeof first published struct */

/* Most messages one batch ioctl moves. */
#define MBOX_BATCH_MAX		1024

/**
 * struct mbox_batch - send or receive many messages in one call
 * @vec_ptr: in: user address of an array of @count struct mbox_send (for
 *	%MBOX_IOC_SEND_BATCH) or struct mbox_recv (for %MBOX_IOC_RECV_BATCH).
 * @count: in: entries in the array, 1 to %MBOX_BATCH_MAX.
 * @entry_size: in: the size of one entry, sizeof(struct mbox_send) or
 *	sizeof(struct mbox_recv) as the caller was built: any published size.
 * @flags: in: must be zero.
 * @pad: in: must be zero.
 *
 * Each entry is what %MBOX_IOC_SEND or %MBOX_IOC_RECV takes, and is done in
 * array order. Only the first entry may wait, as its flags say; the rest
 * are done while they can be without waiting. The call returns how many
 * entries were done; it fails only if the first one does (with that
 * entry's errno), and a later failure just ends the batch there.
 */
struct mbox_batch {
	__aligned_u64 vec_ptr;
	__u32 count;
	__u32 entry_size;
	__u32 flags;
	__u32 pad;
};

#define MBOX_BATCH_SIZE_VER0	24	/* sizeof first published struct */

/* struct mbox_usage.flags */
#define MBOX_USAGE_UID		0x1U	/* report the user uid names */

/**
 * struct mbox_usage - a user's usage against each limit in effect
 * @flags: in: MBOX_USAGE_* flags.
 * @uid: in: with %MBOX_USAGE_UID, the user to report, in the caller's user
 *	namespace; another user than the caller's real uid needs
 *	CAP_SYS_ADMIN. Out: the user reported.
 * @bytes: out: what the user's queued messages (sent, not yet received, in
 *	all mailboxes) count: their payload plus @msg_overhead each.
 * @bytes_max: out: the limit of @bytes (user_bytes_max): a send that
 *	would pass it fails with EDQUOT.
 * @msgs: out: the user's queued messages; they have no limit of their own
 *	but each counts @msg_overhead bytes in @bytes.
 * @mailboxes: out: mailboxes the user owns (created, not yet freed).
 * @mailboxes_max: out: the limit of @mailboxes (user_mailboxes_max):
 *	creating one more fails with EDQUOT, but for CAP_SYS_RESOURCE.
 * @handles: out: open files the user's queued messages carry.
 * @handles_max: out: the limit of @handles (user_files_max): a send that
 *	would pass it fails with ETOOMANYREFS.
 * @all_mailboxes: out: mailboxes in existence, of every user.
 * @all_mailboxes_max: out: the limit of @all_mailboxes (max_mailboxes):
 *	creating one more fails with ENOSPC.
 * @msg_overhead: out: bytes a queued message counts besides its payload.
 * @pad: in: must be zero.
 *
 * Answered by %MBOX_IOC_USAGE on any /dev/mbox handle, bound or not, for
 * the caller's real uid (whose quota its sends are charged to) by default.
 */
struct mbox_usage {
	__u32 flags;
	__u32 uid;
	__u64 bytes;
	__u64 bytes_max;
	__u64 msgs;
	__u32 mailboxes;
	__u32 mailboxes_max;
	__u32 handles;
	__u32 handles_max;
	__u32 all_mailboxes;
	__u32 all_mailboxes_max;
	__u32 msg_overhead;
	__u32 pad;
};

#define MBOX_USAGE_SIZE_VER0	64	/* sizeof first published struct */

#define MBOX_IOC_VERSION	_IOWR(MBOX_IOCTL_MAGIC, 0x00, struct mbox_version)
#define MBOX_IOC_OPEN		_IOWR(MBOX_IOCTL_MAGIC, 0x01, struct mbox_open)
#define MBOX_IOC_UNLINK		_IOW(MBOX_IOCTL_MAGIC, 0x02, struct mbox_name)
#define MBOX_IOC_DESTROY	_IO(MBOX_IOCTL_MAGIC, 0x03)
#define MBOX_IOC_SEND		_IOW(MBOX_IOCTL_MAGIC, 0x04, struct mbox_send)
#define MBOX_IOC_RECV		_IOWR(MBOX_IOCTL_MAGIC, 0x05, struct mbox_recv)
#define MBOX_IOC_STAT		_IOR(MBOX_IOCTL_MAGIC, 0x06, struct mbox_stat)
#define MBOX_IOC_SETATTR	_IOW(MBOX_IOCTL_MAGIC, 0x07, struct mbox_setattr)
#define MBOX_IOC_CALL		_IOWR(MBOX_IOCTL_MAGIC, 0x08, struct mbox_call)
#define MBOX_IOC_REPLY		_IOW(MBOX_IOCTL_MAGIC, 0x09, struct mbox_reply)
#define MBOX_IOC_CANCEL		_IO(MBOX_IOCTL_MAGIC, 0x0a)
#define MBOX_IOC_SEND_BATCH	_IOW(MBOX_IOCTL_MAGIC, 0x0b, struct mbox_batch)
#define MBOX_IOC_RECV_BATCH	_IOW(MBOX_IOCTL_MAGIC, 0x0c, struct mbox_batch)
#define MBOX_IOC_USAGE		_IOWR(MBOX_IOCTL_MAGIC, 0x0d, struct mbox_usage)
#define MBOX_IOC_REPLY_RECV	_IOWR(MBOX_IOCTL_MAGIC, 0x0e, struct mbox_reply_recv)

#endif /* _UAPI_LINUX_MBOX_H */
