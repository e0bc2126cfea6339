/* SPDX-License-Identifier: LGPL-2.1 OR MIT */
/*
 * libmbox: a thin C library over /dev/mbox, one function per operation.
 *
 * Every function returns 0 or a value >= 0 on success and -errno on failure;
 * none sets errno as its interface (the system calls underneath may change
 * it). The library keeps no state and starts no threads: a handle is a file
 * descriptor the caller owns. Structures are those of <mbox/linux/mbox.h>,
 * the kernel's uapi header as installed with the library.
 *
 * The kernel grows some of them over time. The functions taking those pass
 * the size the caller was compiled with: mbox_sendx() and friends are inline
 * functions around *_sized() ones, so that a program built against an older
 * header is never read or written past its structures by a newer library.
 */
#ifndef LIBMBOX_H
#define LIBMBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <mbox/linux/mbox.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LIBMBOX_VERSION_MAJOR	1
#define LIBMBOX_VERSION_MINOR	3

#define MBOX_DEV_PATH		"/dev/mbox"

/* A pointer as the __aligned_u64 the uapi structures carry. */
static inline __u64 mbox_ptr(const void *p)
{
	return (__u64)(uintptr_t)p;
}

/* Handles and mailboxes */
int mbox_open_dev(int flags);
int mbox_bind(int fd, struct mbox_open *o);
int mbox_create(const char *name, unsigned int flags, unsigned int access,
		unsigned int mode, unsigned int max_msgs, unsigned int max_msg_size);
int mbox_fanout_create(const char *name, unsigned int flags, unsigned int access,
		       unsigned int mode, unsigned int max_msgs, unsigned int max_msg_size);
int mbox_open_name(const char *name, unsigned int access);
int mbox_anon(unsigned int max_msgs, unsigned int max_msg_size);
int mbox_port_create(unsigned int flags, unsigned int access, unsigned int mode);
int mbox_port_open_pid(pid_t pid, unsigned int access);
int mbox_port_open_pidfd(int pidfd, unsigned int access);
int mbox_unlink(int fd, const char *name);
int mbox_destroy(int fd);

/* Messages */
ssize_t mbox_send(int fd, const void *buf, size_t len);
ssize_t mbox_recv(int fd, void *buf, size_t len);
int mbox_sendx_sized(int fd, const struct mbox_send *s, size_t size);
int mbox_recvx_sized(int fd, struct mbox_recv *r, size_t size);
int mbox_send_ttl(int fd, const void *buf, size_t len, __u64 ttl_ns);
int mbox_send_keyed(int fd, const void *buf, size_t len, __u64 key);
int mbox_send_fds(int fd, const void *buf, size_t len, const int *fds,
		  unsigned int nfds);
ssize_t mbox_recv_fds(int fd, void *buf, size_t len, int *fds, unsigned int *nfds,
		      unsigned int flags);
int mbox_send_batch_sized(int fd, const struct mbox_send *s, unsigned int n,
			  size_t size);
int mbox_recv_batch_sized(int fd, struct mbox_recv *r, unsigned int n, size_t size);
ssize_t mbox_call(int fd, const void *req, size_t req_len, void *reply,
		  size_t reply_len);
int mbox_callx(int fd, struct mbox_call *c);
int mbox_reply(int fd, __u64 token, const void *buf, size_t len, int error);
int mbox_reply_recv_sized(int fd, const struct mbox_reply *rp, size_t reply_size,
			  struct mbox_recv *r, size_t recv_size, int *replied);
int mbox_cancel(int fd);
int mbox_sender_pidfd(const struct mbox_recv *r);

/* Attributes and introspection */
int mbox_stat_sized(int fd, struct mbox_stat *st, size_t size);
int mbox_setattr(int fd, const struct mbox_setattr *a);
int mbox_version(int fd, struct mbox_version *v);
int mbox_usage(int fd, struct mbox_usage *u);

/* The structures' sizes as this program was compiled with them. */
static inline int mbox_sendx(int fd, const struct mbox_send *s)
{
	return mbox_sendx_sized(fd, s, sizeof(*s));
}

static inline int mbox_recvx(int fd, struct mbox_recv *r)
{
	return mbox_recvx_sized(fd, r, sizeof(*r));
}

static inline int mbox_send_batch(int fd, const struct mbox_send *s, unsigned int n)
{
	return mbox_send_batch_sized(fd, s, n, sizeof(*s));
}

static inline int mbox_recv_batch(int fd, struct mbox_recv *r, unsigned int n)
{
	return mbox_recv_batch_sized(fd, r, n, sizeof(*r));
}

static inline int mbox_reply_recv(int fd, const struct mbox_reply *rp,
				  struct mbox_recv *r, int *replied)
{
	return mbox_reply_recv_sized(fd, rp, sizeof(*rp), r, sizeof(*r), replied);
}

static inline int mbox_stat(int fd, struct mbox_stat *st)
{
	return mbox_stat_sized(fd, st, sizeof(*st));
}

/* One line of /proc/mbox: a named mailbox of the caller's IPC namespace. */
struct mbox_entry {
	char name[MBOX_NAME_MAX + 2];	/* "/" + name + NUL */
	uid_t uid;
	gid_t gid;
	unsigned int mode;
	unsigned int msgs;
	uint64_t bytes;
};

int mbox_list(struct mbox_entry *entries, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* LIBMBOX_H */
