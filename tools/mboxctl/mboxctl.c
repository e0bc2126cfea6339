// SPDX-License-Identifier: GPL-2.0
/*
 * mboxctl: create, list, inspect, feed, drain and watch mbox mailboxes from
 * the shell. One verb per operation, each with --help; everything goes
 * through libmbox. Exit status: 0 done, 1 the operation failed (the message
 * names the errno and what to do), 2 bad usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbox/libmbox.h>

#include "mboxctl.h"

/* What an errno means to the user of a verb, and what to do about it. */
struct hint {
	int err;
	const char *verb;	/* NULL: any verb */
	const char *what;
	const char *todo;
};

static const struct hint hints[] = {
	{ ENOENT, "dev", "not found", "load the module first (make load, or insmod mbox.ko)" },
	{ EAGAIN, "send", "mailbox full", "receive some messages or wait (drop --nonblock)" },
	{ EAGAIN, "recv", "mailbox empty", "send a message first, or wait (drop --nonblock)" },
	{ ETIMEDOUT, "send", "mailbox still full at the deadline", "receive some messages or raise --timeout" },
	{ ETIMEDOUT, "recv", "no message before the deadline", "raise --timeout" },
	{ EMSGSIZE, "send", "message too long", "see max_msg_size in 'mboxctl stat NAME'" },
	{ EINVAL, "send", "invalid message", "--prio must be below 32768; a fixed-size mailbox takes only its exact size" },
	{ ENOENT, NULL, "no such mailbox", "see 'mboxctl ls', or create it with 'mboxctl create NAME'" },
	{ EEXIST, NULL, "mailbox exists", "pick another name, or drop --excl to open it" },
	{ EACCES, NULL, "permission denied", "the mailbox's mode does not allow it: see 'mboxctl ls'" },
	{ EPERM, "usage", "operation not permitted", "another user's usage needs CAP_SYS_ADMIN" },
	{ EPERM, NULL, "operation not permitted", "only the owner (or CAP_SYS_ADMIN) may; sizes above the module's ceilings need CAP_SYS_RESOURCE" },
	{ EDQUOT, "create", "user quota exceeded", "you own user_mailboxes_max mailboxes: remove some (mboxctl rm), or have root raise /sys/module/mbox/parameters/user_mailboxes_max" },
	{ EDQUOT, NULL, "user quota exceeded", "your queued messages reached the module's user_bytes_max (/sys/module/mbox/parameters/user_bytes_max): receive some, or have root raise it" },
	{ ETOOMANYREFS, "recv", "the message carries files", "take them with --fds" },
	{ ETOOMANYREFS, NULL, "too many files in flight", "at most 16 per message, and user_files_max per user (see 'mboxctl usage')" },
	{ EOPNOTSUPP, "send", "file not carriable", "mbox handles, AF_UNIX sockets and anonymous-inode files cannot travel in a message" },
	{ ENOSPC, NULL, "too many mailboxes", "max_mailboxes is reached: remove unused ones (mboxctl rm) or raise /sys/module/mbox/parameters/max_mailboxes" },
	{ ENAMETOOLONG, NULL, "name too long", "a name has at most 255 bytes after its '/'" },
	{ EINVAL, NULL, "invalid argument", "a name is '/' and 1 to 255 bytes with no other '/'; mode is 0777 at most; sizes within the module's limits" },
	{ EIDRM, NULL, "mailbox destroyed", "create it again" },
	{ ENOTTY, NULL, "not supported by this mbox module", "update mbox.ko" },
	{ EINTR, NULL, "interrupted", "run it again" },
};

/*
 * Which limit a quota error hit, from the caller's usage now, e.g. "user 1000
 * at 819200/819200 bytes": empty if the module cannot say.
 */
static void quota_cause(const char *verb, int err, char *buf, size_t len)
{
	struct mbox_usage u = { 0 };
	int fd = mbox_open_dev(0);

	buf[0] = '\0';
	if (fd < 0)
		return;
	if (!mbox_usage(fd, &u)) {
		if (err == ENOSPC)
			snprintf(buf, len, "%u/%u mailboxes exist: ", u.all_mailboxes,
				 u.all_mailboxes_max);
		else if (!strcmp(verb, "create"))
			snprintf(buf, len, "user %u at %u/%u mailboxes: ", u.uid, u.mailboxes,
				 u.mailboxes_max);
		else
			snprintf(buf, len, "user %u at %llu/%llu bytes: ", u.uid,
				 (unsigned long long)u.bytes, (unsigned long long)u.bytes_max);
	}
	close(fd);
}

int mboxctl_fail(const char *verb, const char *name, int err)
{
	const struct hint *h = NULL;
	char cause[128] = "";
	size_t i;

	err = err < 0 ? -err : err;
	for (i = 0; i < ARRAY_SIZE(hints) && !h; i++)
		if (hints[i].err == err && (!hints[i].verb || !strcmp(hints[i].verb, verb)))
			h = &hints[i];
	if (err == EDQUOT || err == ENOSPC)
		quota_cause(verb, err, cause, sizeof(cause));
	fprintf(stderr, "mboxctl: %s%s%s: %s (%s)%s%s%s\n",
		strcmp(verb, "dev") ? verb : "", name && strcmp(verb, "dev") ? " " : "",
		name ? name : "", h ? h->what : strerror(err),
		strerrorname_np(err) ?: "?", h ? ": " : "", cause, h ? h->todo : "");
	return 1;
}

/* Bad usage: say why and point to --help. */
int mboxctl_usage_error(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mboxctl: %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'mboxctl %s --help')\n", verb);
	return 2;
}

/* A number in [0, max] from a command-line argument (base 0: 0x.., 0.. octal). */
int mboxctl_parse_num(const char *verb, const char *opt, const char *s, int base,
		     unsigned long long max, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, base);
	if (errno || end == s || *end || *s == '-' || *out > max)
		return mboxctl_usage_error(verb, base == 8 ? "%s: '%s' is not an octal number up to 0%llo" :
					   "%s: '%s' is not a number from 0 to %llu", opt, s, max);
	return 0;
}

int mboxctl_open_dev(void)
{
	int fd = mbox_open_dev(0);

	if (fd < 0)
		mboxctl_fail("dev", MBOX_DEV_PATH, fd);
	return fd;
}

/*
 * A handle on the existing mailbox name, with the access asked for, or with 0
 * whichever access the caller is granted, sending first: a handle that may
 * receive subscribes to a fan-out mailbox, which a look at it must not do.
 * On failure says why and returns -1.
 */
int mboxctl_open(const char *verb, const char *name, unsigned int access)
{
	static const unsigned int any[] = { MBOX_ACCESS_SEND, MBOX_ACCESS_RECV };
	struct mbox_open o = { .name_ptr = mbox_ptr(name) };
	int fd, err = -EACCES;
	size_t i;

	fd = mboxctl_open_dev();
	if (fd < 0)
		return -1;
	for (i = 0; i < ARRAY_SIZE(any) && err == -EACCES; i++) {
		o.access = access ?: any[i];
		err = mbox_bind(fd, &o);
	}
	if (!err)
		return fd;
	close(fd);
	if (verb)
		mboxctl_fail(verb, name, err);
	return -1;
}

/* Print s as a JSON string. */
void mboxctl_json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

/* A CLOCK_MONOTONIC deadline ms milliseconds from now. */
static __u64 deadline_ms(unsigned long long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec + ms * 1000000ULL;
}

/*
 * getopt_long over a verb's options plus --help. Returns the option or -1 at
 * the end; after --help *status is -1 (exit 0), after a bad option 2.
 */
int mboxctl_next_opt(const struct mboxctl_verb *v, int argc, char **argv,
		    const char *shortopts, const struct option *opts, int *status)
{
	int c = getopt_long(argc, argv, shortopts, opts, NULL);

	if (c == 'h') {
		printf("usage: mboxctl %s %s\n%s", v->name, v->args, v->help);
		*status = -1;
	} else if (c == '?') {
		*status = 2;
	}
	return c;
}

/*
 * Run COMMAND with the new handle open as $MBOX_FD: the mailbox (and an
 * --unlink-on-close name) lives as long as COMMAND and what it shares it with.
 */
static int run_holding(const struct mboxctl_verb *v, int fd, const char *name,
		       char **cmd)
{
	char num[16];

	snprintf(num, sizeof(num), "%d", fd);
	if (fcntl(fd, F_SETFD, 0) || setenv("MBOX_FD", num, 1))
		return mboxctl_fail(v->name, name, errno);
	execvp(cmd[0], cmd);
	fprintf(stderr, "mboxctl: %s %s: cannot run %s: %s\n", v->name, name, cmd[0],
		strerror(errno));
	return 1;
}

/*
 * --fanout[=block|drop-oldest|drop-newest]. The creating handle only sends:
 * a subscription of its own, held by COMMAND, would fill and block senders.
 */
static int parse_fanout(const char *verb, const char *policy, struct mbox_open *o)
{
	o->flags |= MBOX_OPEN_FANOUT;
	o->access = MBOX_ACCESS_SEND;
	if (!policy || !strcmp(policy, "block"))
		return 0;
	if (!strcmp(policy, "drop-oldest"))
		o->flags |= MBOX_OPEN_DROP_OLDEST;
	else if (!strcmp(policy, "drop-newest"))
		o->flags |= MBOX_OPEN_DROP_NEWEST;
	else
		return mboxctl_usage_error(verb, "--fanout is block, drop-oldest or drop-newest");
	return 0;
}

static int cmd_create(const struct mboxctl_verb *v, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "msgs", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "fixed", no_argument, NULL, 'f' },
		{ "rendezvous", no_argument, NULL, 'r' },
		{ "excl", no_argument, NULL, 'x' },
		{ "unlink-on-close", no_argument, NULL, 'u' },
		{ "fanout", optional_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct mbox_open o = {
		.flags = MBOX_OPEN_CREATE,
		.access = MBOX_ACCESS_SEND | MBOX_ACCESS_RECV,
		.mode = 0600,
	};
	unsigned long long n;
	int c, fd, err, status = 0;

	while (!status && (c = mboxctl_next_opt(v, argc, argv, "+m:n:s:b:frxuF::h", opts, &status)) != -1) {
		switch (c) {
		case 'm':
			status = mboxctl_parse_num(v->name, "--mode", optarg, 8, 0777, &n);
			o.mode = n;
			break;
		case 'n':
			status = mboxctl_parse_num(v->name, "--msgs", optarg, 0, UINT32_MAX, &n);
			o.max_msgs = n;
			break;
		case 's':
			status = mboxctl_parse_num(v->name, "--size", optarg, 0, UINT32_MAX, &n);
			o.max_msg_size = n;
			break;
		case 'b':
			status = mboxctl_parse_num(v->name, "--bytes", optarg, 0, UINT64_MAX, &n);
			o.max_bytes = n;
			break;
		case 'f':
			o.flags |= MBOX_OPEN_FIXED_SIZE;
			break;
		case 'r':
			o.flags |= MBOX_OPEN_RENDEZVOUS;
			break;
		case 'x':
			o.flags |= MBOX_OPEN_EXCL;
			break;
		case 'u':
			o.flags |= MBOX_OPEN_UNLINK_ON_CLOSE;
			break;
		case 'F':
			status = parse_fanout(v->name, optarg, &o);
			break;
		}
	}
	if (status)
		return status < 0 ? 0 : status;
	if (optind >= argc)
		return mboxctl_usage_error(v->name, "NAME expected");
	if ((o.flags & MBOX_OPEN_UNLINK_ON_CLOSE) && optind == argc - 1)
		return mboxctl_usage_error(v->name, "--unlink-on-close needs a COMMAND to hold the name");
	fd = mboxctl_open_dev();
	if (fd < 0)
		return 1;
	o.name_ptr = mbox_ptr(argv[optind]);
	err = mbox_bind(fd, &o);
	if (!err && optind < argc - 1)
		return run_holding(v, fd, argv[optind], argv + optind + 1);
	close(fd);
	return err ? mboxctl_fail(v->name, argv[optind], err) : 0;
}

static int cmd_ls(const struct mboxctl_verb *v, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct mbox_entry *e;
	int c, i, n, json = 0, status = 0;

	while (!status && (c = mboxctl_next_opt(v, argc, argv, "jh", opts, &status)) != -1)
		json |= c == 'j';
	if (status)
		return status < 0 ? 0 : status;
	if (optind != argc)
		return mboxctl_usage_error(v->name, "no arguments expected");
	n = mboxctl_list(&e);
	if (n < 0)
		return 1;
	if (!json)
		printf("%-24s %6s %10s %4s %6s %6s\n", "NAME", "MSGS", "BYTES", "MODE", "UID", "GID");
	else
		printf("[");
	for (i = 0; i < n; i++) {
		if (!json) {
			printf("%-24s %6u %10llu %04o %6u %6u\n", e[i].name, e[i].msgs,
			       (unsigned long long)e[i].bytes, e[i].mode, e[i].uid, e[i].gid);
			continue;
		}
		printf("%s{\"name\": ", i ? ", " : "");
		mboxctl_json_string(e[i].name);
		printf(", \"msgs\": %u, \"bytes\": %llu, \"mode\": \"%04o\", \"uid\": %u, \"gid\": %u}",
		       e[i].msgs, (unsigned long long)e[i].bytes, e[i].mode, e[i].uid, e[i].gid);
	}
	if (json)
		printf("]\n");
	free(e);
	return 0;
}

/*
 * Every mailbox of /proc/mbox in a malloc()ed array: the count, or -1 after
 * saying why not.
 */
int mboxctl_list(struct mbox_entry **out)
{
	struct mbox_entry *e = NULL;
	int n = 0, cap;

	do {
		cap = n + 16;
		free(e);
		e = calloc(cap, sizeof(*e));
		n = e ? mbox_list(e, cap) : -ENOMEM;
	} while (n > cap);
	if (n < 0) {
		free(e);
		return mboxctl_fail("dev", "/proc/mbox", n), -1;
	}
	*out = e;
	return n;
}

static int cmd_stat(const struct mboxctl_verb *v, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct mbox_stat st;
	int c, fd, err, json = 0, status = 0;
	const char *name;

	while (!status && (c = mboxctl_next_opt(v, argc, argv, "jh", opts, &status)) != -1)
		json |= c == 'j';
	if (status)
		return status < 0 ? 0 : status;
	if (optind != argc - 1)
		return mboxctl_usage_error(v->name, "one NAME expected");
	name = argv[optind];
	fd = mboxctl_open(v->name, name, 0);
	if (fd < 0)
		return 1;
	err = mbox_stat(fd, &st);
	close(fd);
	if (err)
		return mboxctl_fail(v->name, name, err);
	if (json) {
		printf("{\"name\": ");
		mboxctl_json_string(name);
		printf(", ");
	} else {
		printf("name: %s\n", name);
	}
	printf(json ? "\"mode\": \"%04o\", \"uid\": %u, \"gid\": %u, \"flags\": %u, " :
		      "mode: %04o\nuid: %u\ngid: %u\nflags: 0x%x\n",
	       st.mode, st.uid, st.gid, st.flags);
	printf(json ? "\"msgs\": %u, \"max_msgs\": %u, \"max_msg_size\": %u, " :
		      "msgs: %u\nmax_msgs: %u\nmax_msg_size: %u\n",
	       st.cur_msgs, st.max_msgs, st.max_msg_size);
	printf(json ? "\"bytes\": %llu, \"max_bytes\": %llu, " :
		      "bytes: %llu\nmax_bytes: %llu\n",
	       (unsigned long long)st.cur_bytes, (unsigned long long)st.max_bytes);
	printf(json ? "\"waiting_senders\": %u, \"waiting_receivers\": %u, " :
		      "waiting_senders: %u\nwaiting_receivers: %u\n",
	       st.waiting_senders, st.waiting_receivers);
	printf(json ? "\"total_sent\": %llu, \"total_received\": %llu, " :
		      "total_sent: %llu\ntotal_received: %llu\n",
	       (unsigned long long)st.total_sent, (unsigned long long)st.total_received);
	printf(json ? "\"total_expired\": %llu, \"total_replaced\": %llu" :
		      "total_expired: %llu\ntotal_replaced: %llu\n",
	       (unsigned long long)st.total_expired, (unsigned long long)st.total_replaced);
	if (st.flags & MBOX_OPEN_FANOUT)
		printf(json ? ", \"subscribers\": %u, \"total_lost\": %llu" :
			      "subscribers: %u\ntotal_lost: %llu\n",
		       st.subscribers, (unsigned long long)st.total_lost);
	if (json)
		puts("}");
	return 0;
}

/* The message of send: the words joined by spaces, or all of stdin. */
static char *message_body(int argc, char **argv, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = NULL, *p;
	ssize_t r;
	int i;

	if (argc) {
		for (i = 0; i < argc; i++)
			n += strlen(argv[i]) + 1;
		buf = malloc(n);
		if (!buf)
			return NULL;
		for (p = buf, i = 0; i < argc; i++)
			p = stpcpy(p, argv[i]) + 1, p[-1] = ' ';
		*len = n - 1;
		return buf;
	}
	for (;;) {
		if (!buf || n == cap) {
			p = realloc(buf, buf ? (cap *= 2) : cap);
			if (!p)
				break;
			buf = p;
		}
		r = read(STDIN_FILENO, buf + n, cap - n);
		if (r == 0) {
			*len = n;
			return buf;
		}
		if (r < 0 && errno != EINTR)
			break;
		n += r > 0 ? r : 0;
	}
	free(buf);
	return NULL;
}

static int cmd_send(const struct mboxctl_verb *v, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prio", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "nonblock", no_argument, NULL, 'n' },
		{ "ttl", required_argument, NULL, 'T' },
		{ "key", required_argument, NULL, 'k' },
		{ "fd", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int fds[MBOX_FDS_MAX];
	struct mbox_send s = { .fds_ptr = mbox_ptr(fds) };
	unsigned long long n;
	int c, fd, err, status = 0;
	const char *name;
	size_t len;
	char *body;

	while (!status && (c = mboxctl_next_opt(v, argc, argv, "+p:t:nT:k:f:h", opts, &status)) != -1) {
		switch (c) {
		case 'p':
			status = mboxctl_parse_num(v->name, "--prio", optarg, 0, MBOX_PRIO_MAX - 1, &n);
			s.prio = n;
			break;
		case 't':
			status = mboxctl_parse_num(v->name, "--timeout", optarg, 0, 1ULL << 40, &n);
			s.flags |= MBOX_SEND_DEADLINE;
			s.deadline_ns = deadline_ms(n);
			break;
		case 'n':
			s.flags |= MBOX_SEND_NONBLOCK;
			break;
		case 'T':
			status = mboxctl_parse_num(v->name, "--ttl", optarg, 0, 1ULL << 40, &n);
			s.flags |= MBOX_SEND_EXPIRE;
			s.expire_ns = deadline_ms(n);
			break;
		case 'k':
			status = mboxctl_parse_num(v->name, "--key", optarg, 0, ~0ULL, &n);
			s.flags |= MBOX_SEND_KEY;
			s.key = n;
			break;
		case 'f':
			if (s.nfds == MBOX_FDS_MAX) {
				status = mboxctl_usage_error(v->name, "at most 16 --fd");
				break;
			}
			status = mboxctl_parse_num(v->name, "--fd", optarg, 0, INT_MAX, &n);
			fds[s.nfds++] = n;
			break;
		}
	}
	if (status)
		return status < 0 ? 0 : status;
	if (optind >= argc)
		return mboxctl_usage_error(v->name, "NAME expected");
	name = argv[optind++];
	body = message_body(argc - optind, argv + optind, &len);
	if (!body)
		return mboxctl_fail(v->name, name, errno ?: ENOMEM);
	s.buf_ptr = mbox_ptr(body);
	s.len = len;
	fd = mboxctl_open(v->name, name, MBOX_ACCESS_SEND);
	if (fd < 0) {
		free(body);
		return 1;
	}
	err = mbox_sendx(fd, &s);
	close(fd);
	free(body);
	return err ? mboxctl_fail(v->name, name, err) : 0;
}

static int write_all(const char *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(STDOUT_FILENO, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * Who sent r, on stderr (stdout has the body): "running" only when the
 * process now at the pid is the sender, not a later one that got its pid.
 */
static void print_sender(const struct mbox_recv *r)
{
	int pidfd = mbox_sender_pidfd(r);

	fprintf(stderr, "sender: pid %d tid %d uid %u gid %u start_ns %llu %s\n",
		r->pid, r->tid, r->uid, r->gid, (unsigned long long)r->start_ns,
		!r->pid ? "not-visible" : pidfd >= 0 ? "running" : "gone");
	if (pidfd >= 0)
		close(pidfd);
}

/* What each file a message carried is, on stderr: "file: PATH". */
static void print_files(const int *fds, unsigned int n)
{
	char link[64], path[4096];
	unsigned int i;
	ssize_t len;

	for (i = 0; i < n; i++) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fds[i]);
		len = readlink(link, path, sizeof(path) - 1);
		path[len < 0 ? 0 : len] = '\0';
		fprintf(stderr, "file: %s\n", path);
		close(fds[i]);
	}
}

static int cmd_recv(const struct mboxctl_verb *v, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "nonblock", no_argument, NULL, 'n' },
		{ "peek", no_argument, NULL, 'p' },
		{ "sender", no_argument, NULL, 's' },
		{ "fds", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int fds[MBOX_FDS_MAX];
	struct mbox_recv r = { .fds_ptr = mbox_ptr(fds), .fds_max = MBOX_FDS_MAX };
	struct mbox_stat st;
	unsigned long long n;
	int c, fd, err, status = 0, sender = 0;
	const char *name;
	char *buf = NULL;

	while (!status && (c = mboxctl_next_opt(v, argc, argv, "t:npsfh", opts, &status)) != -1) {
		switch (c) {
		case 't':
			status = mboxctl_parse_num(v->name, "--timeout", optarg, 0, 1ULL << 40, &n);
			r.flags |= MBOX_RECV_DEADLINE;
			r.deadline_ns = deadline_ms(n);
			break;
		case 'n':
			r.flags |= MBOX_RECV_NONBLOCK;
			break;
		case 'p':
			r.flags |= MBOX_RECV_PEEK;
			break;
		case 's':
			sender = 1;
			break;
		case 'f':
			r.flags |= MBOX_RECV_FDS | MBOX_RECV_FDS_CLOEXEC;
			break;
		}
	}
	if (status)
		return status < 0 ? 0 : status;
	if (optind != argc - 1)
		return mboxctl_usage_error(v->name, "one NAME expected");
	name = argv[optind];
	fd = mboxctl_open(v->name, name, MBOX_ACCESS_RECV);
	if (fd < 0)
		return 1;
	err = mbox_stat(fd, &st);
	if (!err) {
		buf = malloc(st.max_msg_size ?: 1);
		err = buf ? 0 : -ENOMEM;
	}
	if (!err) {
		r.buf_ptr = mbox_ptr(buf);
		r.buf_len = st.max_msg_size;
		err = mbox_recvx(fd, &r);
	}
	if (!err && sender)
		print_sender(&r);
	if (!err && (r.flags & MBOX_RECV_FDS))
		print_files(fds, r.nfds);
	if (!err && r.lost)	/* fan-out: what this subscription missed first */
		fprintf(stderr, "lost: %llu\n", (unsigned long long)r.lost);
	if (!err)
		err = write_all(buf, r.len);
	free(buf);
	close(fd);
	return err ? mboxctl_fail(v->name, name, err) : 0;
}

static int cmd_rm(const struct mboxctl_verb *v, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int fd, i, status = 0;

	while (!status && mboxctl_next_opt(v, argc, argv, "h", opts, &status) != -1)
		;
	if (status)
		return status < 0 ? 0 : status;
	if (optind >= argc)
		return mboxctl_usage_error(v->name, "NAME expected");
	fd = mboxctl_open_dev();
	if (fd < 0)
		return 1;
	for (i = optind; i < argc; i++) {
		int err = mbox_unlink(fd, argv[i]);

		if (err)
			status = mboxctl_fail(v->name, argv[i], err);
	}
	close(fd);
	return status;
}

static int cmd_destroy(const struct mboxctl_verb *v, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int fd, err, status = 0;

	while (!status && mboxctl_next_opt(v, argc, argv, "h", opts, &status) != -1)
		;
	if (status)
		return status < 0 ? 0 : status;
	if (optind != argc - 1)
		return mboxctl_usage_error(v->name, "one NAME expected");
	fd = mboxctl_open(v->name, argv[optind], 0);
	if (fd < 0)
		return 1;
	err = mbox_destroy(fd);
	close(fd);
	return err ? mboxctl_fail(v->name, argv[optind], err) : 0;
}

static int cmd_usage(const struct mboxctl_verb *v, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "uid", required_argument, NULL, 'u' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct mbox_usage u = { 0 };
	unsigned long long n;
	int c, fd, err, json = 0, status = 0;

	while (!status && (c = mboxctl_next_opt(v, argc, argv, "u:jh", opts, &status)) != -1) {
		if (c == 'j')
			json = 1;
		if (c != 'u')
			continue;
		status = mboxctl_parse_num(v->name, "--uid", optarg, 10, UINT32_MAX - 1, &n);
		u.flags = MBOX_USAGE_UID;
		u.uid = n;
	}
	if (status)
		return status < 0 ? 0 : status;
	if (optind != argc)
		return mboxctl_usage_error(v->name, "no arguments expected");
	fd = mboxctl_open_dev();
	if (fd < 0)
		return 1;
	err = mbox_usage(fd, &u);
	close(fd);
	if (err)
		return mboxctl_fail(v->name, NULL, err);
	printf(json ? "{\"uid\": %u, \"msgs\": %llu, \"bytes\": %llu, \"bytes_max\": %llu, " :
		      "user %u\nmessages: %llu\nbytes: %llu/%llu\n",
	       u.uid, (unsigned long long)u.msgs, (unsigned long long)u.bytes,
	       (unsigned long long)u.bytes_max);
	printf(json ? "\"mailboxes\": %u, \"mailboxes_max\": %u, " :
		      "mailboxes: %u/%u\n", u.mailboxes, u.mailboxes_max);
	printf(json ? "\"handles\": %u, \"handles_max\": %u, " :
		      "handles: %u/%u\n", u.handles, u.handles_max);
	printf(json ? "\"all_mailboxes\": %u, \"all_mailboxes_max\": %u, \"msg_overhead\": %u}\n" :
		      "all mailboxes: %u/%u\nper-message overhead: %u bytes\n",
	       u.all_mailboxes, u.all_mailboxes_max, u.msg_overhead);
	return 0;
}

/* Names of the bits of one mbox_version mask, lowest first. */
static void print_bits(const char *what, __u64 mask, const char *const *names, size_t n)
{
	size_t i;

	printf("%s", what);
	for (i = 0; i < n; i++)
		if (mask & (1ULL << i))
			printf(" %s", names[i]);
	printf("\n");
}

static int cmd_version(const struct mboxctl_verb *v, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const char *const ioctls[] = {
		"version", "open", "unlink", "destroy", "send", "recv", "stat",
		"setattr", "call", "reply", "cancel", "send-batch", "recv-batch", "usage",
	};
	static const char *const open_flags[] = {
		"create", "excl", "fixed-size", "rendezvous", "port", "pid", "pidfd",
		"unlink-on-close", "fanout", "drop-oldest", "drop-newest",
	};
	static const char *const send_flags[] = {
		"nonblock", "deadline", "sync", "expire", "key",
	};
	static const char *const recv_flags[] = {
		"nonblock", "deadline", "peek", "trunc", "type", "except", "from",
		"fds", "fds-cloexec",
	};
	struct mbox_version ver;
	int fd, err, status = 0;

	while (!status && mboxctl_next_opt(v, argc, argv, "h", opts, &status) != -1)
		;
	if (status)
		return status < 0 ? 0 : status;
	if (optind != argc)
		return mboxctl_usage_error(v->name, "no arguments expected");
	fd = mboxctl_open_dev();
	if (fd < 0)
		return 1;
	err = mbox_version(fd, &ver);
	close(fd);
	if (err)
		return mboxctl_fail(v->name, NULL, err);
	printf("libmbox %d.%d\nabi %u\n", LIBMBOX_VERSION_MAJOR, LIBMBOX_VERSION_MINOR,
	       ver.abi_version);
	print_bits("ioctls", ver.ioctls, ioctls, ARRAY_SIZE(ioctls));
	print_bits("open_flags", ver.open_flags, open_flags, ARRAY_SIZE(open_flags));
	print_bits("send_flags", ver.send_flags, send_flags, ARRAY_SIZE(send_flags));
	print_bits("recv_flags", ver.recv_flags, recv_flags, ARRAY_SIZE(recv_flags));
	return 0;
}

static const struct mboxctl_verb verbs[] = {
	{ "create", cmd_create, "[OPTIONS] NAME [COMMAND [ARG...]]",
	  "Create the mailbox NAME (\"/\" and 1 to 255 bytes), or open it if it exists.\n"
	  "With COMMAND, run it with the handle open as file descriptor $MBOX_FD.\n"
	  "  -m, --mode MODE     permission bits, octal (default 0600, masked by umask)\n"
	  "  -n, --msgs N        capacity in messages (default: the module's msgs_default)\n"
	  "  -s, --size BYTES    largest message (default: the module's msg_size_default)\n"
	  "  -b, --bytes BYTES   capacity in bytes (default: msgs * size)\n"
	  "  -f, --fixed         every message is exactly --size bytes\n"
	  "  -r, --rendezvous    no buffering: a send waits for its receiver\n"
	  "  -x, --excl          fail if NAME exists\n"
	  "  -u, --unlink-on-close  NAME goes when COMMAND (and all that shares its\n"
	  "                      handle) exits, even killed; NAME must not exist\n"
	  "  -F, --fanout[=POLICY]  publish/subscribe: every handle opened to receive\n"
	  "                      gets every message; a full subscriber blocks the\n"
	  "                      sender (block, the default), or loses its oldest\n"
	  "                      (drop-oldest) or the new message (drop-newest)\n" },
	{ "ls", cmd_ls, "[--json]",
	  "List the named mailboxes of this IPC namespace (from /proc/mbox).\n"
	  "  -j, --json          one JSON array of objects\n" },
	{ "stat", cmd_stat, "[--json] NAME",
	  "Show a mailbox's attributes, what is queued, who waits, and totals.\n"
	  "  -j, --json          one JSON object\n" },
	{ "send", cmd_send, "[OPTIONS] NAME [WORD...]",
	  "Send one message: the WORDs joined by spaces, or without WORDs all of stdin.\n"
	  "  -p, --prio N        priority, 0 to 32767 (default 0); higher is received first\n"
	  "  -t, --timeout MS    give up after MS milliseconds if the mailbox stays full\n"
	  "  -n, --nonblock      fail at once if the mailbox is full\n"
	  "  -T, --ttl MS        drop it unreceived if still queued after MS milliseconds\n"
	  "  -k, --key K         replace the queued message sent with key K\n"
	  "  -f, --fd N          carry open file descriptor N along (up to 16 times)\n" },
	{ "recv", cmd_recv, "[OPTIONS] NAME",
	  "Receive one message (the oldest of the highest priority) and write it to stdout.\n"
	  "  -t, --timeout MS    give up after MS milliseconds if the mailbox stays empty\n"
	  "  -n, --nonblock      fail at once if the mailbox is empty\n"
	  "  -p, --peek          leave the message queued\n"
	  "  -f, --fds           take the files it carries; name each on stderr\n"
	  "  -s, --sender        on stderr: the sender's pid, tid, uid, gid, start time,\n"
	  "                      and whether it still runs (not a reuse of its pid)\n"
	  "On a fan-out mailbox this subscribes and takes the next message sent; a\n"
	  "count of messages the subscription lost goes to stderr as \"lost: N\".\n" },
	{ "rm", cmd_rm, "NAME...",
	  "Unlink mailbox names. Open handles keep working; the last close frees it.\n" },
	{ "destroy", cmd_destroy, "NAME",
	  "Destroy a mailbox now: its messages are freed, every handle gets EIDRM.\n" },
	{ "watch", mboxctl_watch, "[OPTIONS] [NAME...]",
	  "Show the mailboxes (or only NAMEs) live: messages, bytes, waiters, rates.\n"
	  "  -i, --interval SEC  seconds between refreshes (default 1, fractions allowed)\n"
	  "  -c, --count N       exit after N refreshes (default: run until interrupted)\n" },
	{ "usage", cmd_usage, "[--uid UID] [--json]",
	  "Show a user's usage against each limit: queued messages and bytes\n"
	  "(user_bytes_max), owned mailboxes (user_mailboxes_max), all mailboxes\n"
	  "(max_mailboxes). Default: your own user.\n"
	  "  -u, --uid UID       another user's (needs CAP_SYS_ADMIN)\n"
	  "  -j, --json          one JSON object\n" },
	{ "version", cmd_version, "[--help]",
	  "Show the library version and what the loaded module supports.\n" },
};

static int usage(FILE *f, int status)
{
	size_t i;

	fprintf(f, "usage: mboxctl VERB [OPTIONS] [ARGS]\n\n"
		"Manage mbox mailboxes (/dev/mbox). Verbs:\n");
	for (i = 0; i < ARRAY_SIZE(verbs); i++)
		fprintf(f, "  %-8s %s\n", verbs[i].name, verbs[i].args);
	fprintf(f, "\n'mboxctl VERB --help' describes one. Exit status: 0 done, "
		"1 failed, 2 bad usage.\n");
	return status;
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		return usage(stderr, 2);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return usage(stdout, 0);
	for (i = 0; i < ARRAY_SIZE(verbs); i++)
		if (!strcmp(argv[1], verbs[i].name))
			return verbs[i].run(&verbs[i], argc - 1, argv + 1);
	fprintf(stderr, "mboxctl: unknown verb '%s'\n", argv[1]);
	return usage(stderr, 2);
}
