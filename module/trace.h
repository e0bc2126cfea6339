/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mbox: tracepoints, in /sys/kernel/tracing/events/mbox/. Not ABI: the
 * fields follow the module's internals.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM mbox

#if !defined(_MBOX_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _MBOX_TRACE_H

#include <linux/tracepoint.h>

#include "mbox.h"

TRACE_EVENT(mbox_create,
	    TP_PROTO(const struct mbox_mailbox *mb),
	    TP_ARGS(mb),
	    TP_STRUCT__entry(__field(u32, id)
			     __field(u32, flags)
			     __field(u32, max_msgs)
			     __field(u32, max_msg_size)
			     __field(u64, max_bytes)),
	    TP_fast_assign(__entry->id = mb->id;
			   __entry->flags = mb->flags;
			   __entry->max_msgs = mb->max_msgs;
			   __entry->max_msg_size = mb->max_msg_size;
			   __entry->max_bytes = mb->max_bytes;),
	    TP_printk("id=%u flags=%#x max_msgs=%u max_msg_size=%u max_bytes=%llu",
		      __entry->id, __entry->flags, __entry->max_msgs,
		      __entry->max_msg_size, __entry->max_bytes)
);

/* Destroyed by MBOX_IOC_DESTROY: what was dropped and who is woken with EIDRM. */
TRACE_EVENT(mbox_destroy,
	    TP_PROTO(const struct mbox_mailbox *mb),
	    TP_ARGS(mb),
	    TP_STRUCT__entry(__field(u32, id)
			     __field(u32, msgs)
			     __field(u64, bytes)
			     __field(u32, senders)
			     __field(u32, receivers)),
	    TP_fast_assign(__entry->id = mb->id;
			   __entry->msgs = mb->cur_msgs;
			   __entry->bytes = mb->cur_bytes;
			   __entry->senders = mb->waiting_senders;
			   __entry->receivers = mb->waiting_receivers;),
	    TP_printk("id=%u msgs=%u bytes=%llu senders=%u receivers=%u",
		      __entry->id, __entry->msgs, __entry->bytes,
		      __entry->senders, __entry->receivers)
);

/* A message queued, or handed straight to a blocked receiver. */
TRACE_EVENT(mbox_send,
	    TP_PROTO(const struct mbox_mailbox *mb, const struct mbox_msg *msg,
		     bool handoff),
	    TP_ARGS(mb, msg, handoff),
	    TP_STRUCT__entry(__field(u32, id)
			     __field(u32, prio)
			     __field(u64, seq)
			     __field(u64, len)
			     __field(s64, type)
			     __field(bool, handoff)),
	    TP_fast_assign(__entry->id = mb->id;
			   __entry->prio = msg->prio;
			   __entry->seq = msg->seq;
			   __entry->len = msg->len;
			   __entry->type = msg->type;
			   __entry->handoff = handoff;),
	    TP_printk("id=%u seq=%llu len=%llu prio=%u type=%lld handoff=%d",
		      __entry->id, __entry->seq, __entry->len, __entry->prio,
		      __entry->type, __entry->handoff)
);

/* A message copied out to its receiver, or (err) put back. */
TRACE_EVENT(mbox_receive,
	    TP_PROTO(const struct mbox_mailbox *mb, const struct mbox_msg *msg,
		     int err),
	    TP_ARGS(mb, msg, err),
	    TP_STRUCT__entry(__field(u32, id)
			     __field(u32, prio)
			     __field(u64, seq)
			     __field(u64, len)
			     __field(int, err)),
	    TP_fast_assign(__entry->id = mb->id;
			   __entry->prio = msg->prio;
			   __entry->seq = msg->seq;
			   __entry->len = msg->len;
			   __entry->err = err;),
	    TP_printk("id=%u seq=%llu len=%llu prio=%u err=%d",
		      __entry->id, __entry->seq, __entry->len, __entry->prio,
		      __entry->err)
);

/* A sender or receiver starts to wait on a mailbox. */
TRACE_EVENT(mbox_block,
	    TP_PROTO(const struct mbox_mailbox *mb, const struct mbox_waiter *w),
	    TP_ARGS(mb, w),
	    TP_STRUCT__entry(__field(u32, id)
			     __field(u32, senders)
			     __field(u32, receivers)
			     __field(bool, sender)),
	    TP_fast_assign(__entry->id = mb->id;
			   __entry->senders = mb->waiting_senders;
			   __entry->receivers = mb->waiting_receivers;
			   __entry->sender = w->sender;),
	    TP_printk("id=%u %s senders=%u receivers=%u", __entry->id,
		      __entry->sender ? "sender" : "receiver", __entry->senders,
		      __entry->receivers)
);

/* Someone ends a waiter's wait, with what its call returns. */
TRACE_EVENT(mbox_wake,
	    TP_PROTO(const struct mbox_mailbox *mb, const struct mbox_waiter *w,
		     int err),
	    TP_ARGS(mb, w, err),
	    TP_STRUCT__entry(__field(u32, id)
			     __field(pid_t, pid)
			     __field(int, err)
			     __field(bool, sender)),
	    TP_fast_assign(__entry->id = mb->id;
			   __entry->pid = w->task->pid;
			   __entry->err = err;
			   __entry->sender = w->sender;),
	    TP_printk("id=%u %s pid=%d err=%d", __entry->id,
		      __entry->sender ? "sender" : "receiver", __entry->pid,
		      __entry->err)
);

#endif /* _MBOX_TRACE_H */

/* This part must be outside the include guard. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
