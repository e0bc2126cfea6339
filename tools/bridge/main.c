// SPDX-License-Identifier: GPL-2.0
/*
 * mbox-bridge: options and configuration file, opening the mailboxes, dropping
 * privileges, one thread per route, and the SIGTERM drain.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbox/libmbox.h>

#include "bridge.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct bridge_config cfg = {
	.batch = 64,
	.ack_wait_ms = 5000,
	.drain_ms = 10000,
	.dup_window_ms = 120000,
	.mode = 0660,
};

atomic_bool bridge_stopping;
atomic_bool bridge_failed;
static uint64_t drain_deadline_ns;

void bridge_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > cfg.verbose)
		return;
	va_start(ap, fmt);
	flockfile(stderr);
	fputs("mbox-bridge: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
	va_end(ap);
}

uint64_t bridge_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Set once SIGTERM came and the drain time is over: give up what is in flight. */
bool bridge_drain_expired(void)
{
	return atomic_load(&bridge_stopping) && bridge_mono_ns() > drain_deadline_ns;
}

static void print_usage(FILE *f)
{
	fputs("usage: mbox-bridge [options] [--out /MBOX=SUBJECT]... [--in SUBJECT=/MBOX]...\n"
	      "  -c, --config FILE        read options and routes from FILE\n"
	      "  -s, --server URL         NATS server (repeatable; default nats://127.0.0.1:4222)\n"
	      "      --out /MBOX=SUBJECT  forward what /MBOX receives to SUBJECT\n"
	      "      --in SUBJECT=/MBOX   forward what SUBJECT carries into /MBOX\n"
	      "      --nats-user NAME, --nats-password PW, --nats-token TOKEN\n"
	      "      --tls, --tls-ca FILE, --tls-cert FILE, --tls-key FILE, --tls-hostname NAME\n"
	      "  -u, --run-as USER[:GROUP]  drop to this user once the mailboxes are open\n"
	      "      --host NAME          origin host name sent with messages (default: hostname)\n"
	      "      --meta               start delivered messages with a line naming their origin\n"
	      "      --batch N            messages pulled at a time (default 64)\n"
	      "      --ack-wait MS        broker redelivers an unacknowledged message after MS (5000)\n"
	      "      --drain MS           after SIGTERM, time to finish messages in flight (10000)\n"
	      "      --dup-window MS      JetStream de-duplication window of new streams (120000)\n"
	      "      --max-msgs N, --msg-size N, --mode OCTAL  for mailboxes the bridge creates\n"
	      "  -v, --verbose            more messages (twice: more still)\n", f);
}

/* "A=B" or, from a configuration file, "A B": split at the first separator. */
static int add_route(enum route_dir dir, const char *spec)
{
	struct route *r = calloc(1, sizeof(*r)), **tail;
	char *sep;

	if (!r)
		return -ENOMEM;
	r->dir = dir;
	r->fd = -1;
	sep = strpbrk(spec, "= \t");
	if (!sep || !sep[1])
		goto err;
	if (dir == ROUTE_OUT) {
		r->mailbox = strndup(spec, sep - spec);
		r->subject = strdup(sep + 1 + strspn(sep + 1, " \t"));
	} else {
		r->subject = strndup(spec, sep - spec);
		r->mailbox = strdup(sep + 1 + strspn(sep + 1, " \t"));
	}
	if (!r->mailbox || !r->subject || r->mailbox[0] != '/')
		goto err;
	/* In the order given: mailboxes are opened in that order. */
	for (tail = &cfg.routes; *tail; tail = &(*tail)->next)
		;
	*tail = r;
	return 0;
err:
	fprintf(stderr, "mbox-bridge: bad route '%s'\n", spec);
	free(r->mailbox);
	free(r->subject);
	free(r);
	return -EINVAL;
}

static int number(const char *s, int base, long long *v)
{
	char *end;

	errno = 0;
	*v = strtoll(s, &end, base);
	return errno || end == s || *end || *v < 0 ? -EINVAL : 0;
}

enum {
	OPT_OUT = 256, OPT_IN, OPT_USER, OPT_PASSWORD, OPT_TOKEN, OPT_TLS,
	OPT_TLS_CA, OPT_TLS_CERT, OPT_TLS_KEY, OPT_TLS_HOST, OPT_HOST, OPT_META,
	OPT_BATCH, OPT_ACK_WAIT, OPT_DRAIN, OPT_DUP, OPT_MAX_MSGS, OPT_MSG_SIZE,
	OPT_MODE,
};

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "server", required_argument, NULL, 's' },
	{ "out", required_argument, NULL, OPT_OUT },
	{ "in", required_argument, NULL, OPT_IN },
	{ "nats-user", required_argument, NULL, OPT_USER },
	{ "nats-password", required_argument, NULL, OPT_PASSWORD },
	{ "nats-token", required_argument, NULL, OPT_TOKEN },
	{ "tls", no_argument, NULL, OPT_TLS },
	{ "tls-ca", required_argument, NULL, OPT_TLS_CA },
	{ "tls-cert", required_argument, NULL, OPT_TLS_CERT },
	{ "tls-key", required_argument, NULL, OPT_TLS_KEY },
	{ "tls-hostname", required_argument, NULL, OPT_TLS_HOST },
	{ "run-as", required_argument, NULL, 'u' },
	{ "host", required_argument, NULL, OPT_HOST },
	{ "meta", no_argument, NULL, OPT_META },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "ack-wait", required_argument, NULL, OPT_ACK_WAIT },
	{ "drain", required_argument, NULL, OPT_DRAIN },
	{ "dup-window", required_argument, NULL, OPT_DUP },
	{ "max-msgs", required_argument, NULL, OPT_MAX_MSGS },
	{ "msg-size", required_argument, NULL, OPT_MSG_SIZE },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int read_config(const char *path);

/* A numeric option, within [min, max]. */
static int set_number(long long *dst, const char *val, int base, long long min,
		      long long max)
{
	long long v;

	if (number(val, base, &v) || v < min || v > max)
		return -EINVAL;
	*dst = v;
	return 0;
}

static int set_numeric_option(int opt, const char *val)
{
	long long v = 0;
	int ret;

	ret = set_number(&v, val, opt == OPT_MODE ? 8 : 10, opt == OPT_MODE ? 0 : 1,
			 opt == OPT_MODE ? 0777 : 1LL << 40);
	if (ret)
		return ret;
	switch (opt) {
	case OPT_BATCH:
		cfg.batch = v > 4096 ? 4096 : v;
		break;
	case OPT_ACK_WAIT:
		cfg.ack_wait_ms = v;
		break;
	case OPT_DRAIN:
		cfg.drain_ms = v;
		break;
	case OPT_DUP:
		cfg.dup_window_ms = v;
		break;
	case OPT_MAX_MSGS:
		cfg.max_msgs = v;
		break;
	case OPT_MSG_SIZE:
		cfg.msg_size = v;
		break;
	default:
		cfg.mode = v;
	}
	return 0;
}

/* One option, from the command line or a configuration file. */
static int set_option(int opt, const char *val)
{
	switch (opt) {
	case 'c':
		return read_config(val);
	case 's':
		if (cfg.nservers == (int)ARRAY_SIZE(cfg.servers))
			return -E2BIG;
		cfg.servers[cfg.nservers++] = val;
		return 0;
	case OPT_OUT:
	case OPT_IN:
		return add_route(opt == OPT_OUT ? ROUTE_OUT : ROUTE_IN, val);
	case OPT_USER:
		cfg.nats_user = val;
		return 0;
	case OPT_PASSWORD:
		cfg.nats_password = val;
		return 0;
	case OPT_TOKEN:
		cfg.nats_token = val;
		return 0;
	case OPT_TLS:
		cfg.tls = true;
		return 0;
	case OPT_TLS_CA:
		cfg.tls_ca = val;
		return 0;
	case OPT_TLS_CERT:
		cfg.tls_cert = val;
		return 0;
	case OPT_TLS_KEY:
		cfg.tls_key = val;
		return 0;
	case OPT_TLS_HOST:
		cfg.tls_hostname = val;
		return 0;
	case 'u':
		cfg.run_as = val;
		return 0;
	case OPT_HOST:
		snprintf(cfg.host, sizeof(cfg.host), "%s", val);
		return 0;
	case OPT_META:
		cfg.meta = true;
		return 0;
	case 'v':
		cfg.verbose++;
		return 0;
	default:
		return set_numeric_option(opt, val);
	}
}

static const struct option *find_option(const char *name)
{
	const struct option *o;

	for (o = long_opts; o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

/* One "name value" line; "out /mbox subject" and "in subject /mbox" too. */
static int config_line(char *line, const char *path, int lineno)
{
	const struct option *o;
	char *name, *val;

	line[strcspn(line, "#\n")] = '\0';
	name = line + strspn(line, " \t");
	if (!*name)
		return 0;
	val = name + strcspn(name, " \t=");
	if (*val) {
		*val++ = '\0';
		val += strspn(val, " \t=");
	}
	while (*val && isspace((unsigned char)val[strlen(val) - 1]))
		val[strlen(val) - 1] = '\0';
	o = find_option(name);
	if (!o || !strcmp(name, "config") || (o->has_arg && !*val)) {
		fprintf(stderr, "%s:%d: bad line\n", path, lineno);
		return -EINVAL;
	}
	/* Values outlive the line: servers, credentials and file names keep them. */
	val = strdup(val);
	return val ? set_option(o->val, val) : -ENOMEM;
}

static int read_config(const char *path)
{
	char line[1024];
	int lineno = 0, ret = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "mbox-bridge: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	while (!ret && fgets(line, sizeof(line), f))
		ret = config_line(line, path, ++lineno);
	fclose(f);
	return ret;
}

static int parse_args(int argc, char **argv)
{
	int opt, ret;

	while ((opt = getopt_long(argc, argv, "c:s:u:vh", long_opts, NULL)) != -1) {
		if (opt == 'h') {
			print_usage(stdout);
			exit(0);
		}
		if (opt == '?')
			return -EINVAL;
		ret = set_option(opt, optarg);
		if (ret) {
			fprintf(stderr, "mbox-bridge: invalid value '%s'\n", optarg);
			return ret;
		}
	}
	if (optind != argc || !cfg.routes) {
		print_usage(stderr);
		return -EINVAL;
	}
	return 0;
}

/* What makes a message id unique across reboots of this host. */
static void identity(void)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");

	if (f) {
		if (!fgets(cfg.boot_id, 9, f))
			cfg.boot_id[0] = '\0';
		fclose(f);
	}
	if (!cfg.host[0] && gethostname(cfg.host, sizeof(cfg.host) - 1))
		snprintf(cfg.host, sizeof(cfg.host), "unknown");
}

static void durable_name(struct route *r)
{
	size_t i;

	snprintf(r->durable, sizeof(r->durable), "mbox-bridge_%.60s%.110s", cfg.host,
		 r->mailbox);
	for (i = 0; r->durable[i]; i++)
		if (!isalnum((unsigned char)r->durable[i]) && r->durable[i] != '-')
			r->durable[i] = '_';
}

static int open_mailbox(struct route *r)
{
	unsigned int access = r->dir == ROUTE_OUT ? MBOX_ACCESS_RECV : MBOX_ACCESS_SEND;
	struct mbox_stat st;
	int ret;

	r->fd = mbox_create(r->mailbox, MBOX_OPEN_CREATE, access, cfg.mode,
			    cfg.max_msgs, cfg.msg_size);
	if (r->fd < 0) {
		fprintf(stderr, "mbox-bridge: %s: %s\n", r->mailbox, strerror(-r->fd));
		return r->fd;
	}
	ret = mbox_stat(r->fd, &st);
	if (ret < 0)
		return ret;
	r->max_msg_size = st.max_msg_size;
	/* Inbound: room for the metadata line before a largest message. */
	r->buf_len = st.max_msg_size + (r->dir == ROUTE_IN ? 1024 : 0);
	r->buf = malloc(r->buf_len);
	durable_name(r);
	return r->buf ? 0 : -ENOMEM;
}

/* USER[:GROUP], names or numbers; the groups of USER unless GROUP is given. */
static int drop_privileges(const char *spec)
{
	char user[256], *group;
	struct passwd *pw;
	struct group *gr;
	uid_t uid;
	gid_t gid;

	snprintf(user, sizeof(user), "%s", spec);
	group = strchr(user, ':');
	if (group)
		*group++ = '\0';
	pw = getpwnam(user);
	if (pw) {
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	} else {
		uid = strtoul(user, NULL, 10);
		gid = uid;
		if (!isdigit((unsigned char)user[0]))
			goto err;
	}
	if (group) {
		gr = getgrnam(group);
		gid = gr ? gr->gr_gid : strtoul(group, NULL, 10);
		if (!gr && !isdigit((unsigned char)group[0]))
			goto err;
	}
	if ((pw && !group ? initgroups(pw->pw_name, gid) : setgroups(1, &gid)) ||
	    setgid(gid) || setuid(uid))
		goto err;
	/* Check the drop stuck: root must not be reachable any more. */
	if (uid && setuid(0) == 0)
		goto err;
	bridge_log(1, "running as uid %u gid %u", (unsigned int)uid, (unsigned int)gid);
	return 0;
err:
	fprintf(stderr, "mbox-bridge: cannot run as '%s'\n", spec);
	return -EPERM;
}

static int start_routes(void)
{
	struct route *r;
	int ret;

	for (r = cfg.routes; r; r = r->next) {
		ret = pthread_create(&r->thread, NULL,
				     r->dir == ROUTE_OUT ? outbound_run : inbound_run, r);
		if (ret) {
			bridge_log(0, "thread: %s", strerror(ret));
			return -ret;
		}
	}
	return 0;
}

/* Until SIGTERM or SIGINT; then every route finishes what it holds. */
static void wait_and_drain(void)
{
	struct route *r;
	sigset_t set;
	int sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigwait(&set, &sig);
	bridge_log(1, "signal %d: draining", sig);
	drain_deadline_ns = bridge_mono_ns() + cfg.drain_ms * 1000000ULL;
	atomic_store(&bridge_stopping, true);
	for (r = cfg.routes; r; r = r->next)
		pthread_join(r->thread, NULL);
}

/* Blocked in every thread, so that only sigwait() sees them. */
static void block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char **argv)
{
	natsOptions *opts = NULL;
	struct route *r;

	block_signals();
	if (parse_args(argc, argv))
		return 2;
	identity();
	for (r = cfg.routes; r; r = r->next)
		if (open_mailbox(r))
			return 1;
	if (nats_Open(-1) != NATS_OK || broker_options(&opts))
		return 1;
	if (cfg.run_as && drop_privileges(cfg.run_as))
		return 1;
	if (broker_connect(opts) || start_routes())
		return 1;
	bridge_log(1, "running on %s", cfg.host);
	wait_and_drain();
	broker_close();
	natsOptions_Destroy(opts);
	nats_CloseAndWait(2000);
	return atomic_load(&bridge_failed) ? 1 : 0;
}
