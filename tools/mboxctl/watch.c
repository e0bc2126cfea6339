// SPDX-License-Identifier: GPL-2.0
/*
 * mboxctl watch: a live view of the mailboxes, redrawn every --interval:
 * queued messages and bytes, blocked senders and receivers, and send and
 * receive rates from the totals of two successive samples. --count N exits
 * after N refreshes, so scripts and tests can use it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mboxctl.h"

struct sample {
	struct mbox_entry e;	/* from /proc/mbox: always there */
	struct mbox_stat st;	/* valid when have_stat */
	int have_stat;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int wanted(const char *name, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strcmp(name, argv[i]))
			return 1;
	return !argc;
}

/* The mailboxes (all, or those named in argv) now; the count or -1. */
static int take_sample(struct sample **out, int argc, char **argv)
{
	struct mbox_entry *e;
	struct sample *s;
	int i, n, fd, kept = 0;

	n = mboxctl_list(&e);
	if (n < 0)
		return n;
	s = calloc(n ?: 1, sizeof(*s));
	if (!s) {
		free(e);
		return mboxctl_fail("watch", NULL, -ENOMEM), -1;
	}
	for (i = 0; i < n; i++) {
		if (!wanted(e[i].name, argc, argv))
			continue;
		s[kept].e = e[i];
		fd = mboxctl_open(NULL, e[i].name, 0);
		if (fd >= 0) {
			s[kept].have_stat = !mbox_stat(fd, &s[kept].st);
			close(fd);
		}
		kept++;
	}
	free(e);
	*out = s;
	return kept;
}

static const struct sample *find(const struct sample *s, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(s[i].e.name, name))
			return &s[i];
	return NULL;
}

static void print_rate(__u64 now, __u64 before, double dt)
{
	printf(" %8.1f", dt > 0 ? (now - before) / dt : 0.0);
}

static void print_sample(const struct sample *s, int n, const struct sample *prev,
			 int prev_n, double dt)
{
	const struct sample *p;
	int i;

	printf("%-24s %11s %10s %5s %5s %8s %8s\n", "NAME", "MSGS/MAX", "BYTES",
	       "SNDW", "RCVW", "SENT/s", "RECV/s");
	for (i = 0; i < n; i++) {
		printf("%-24s", s[i].e.name);
		if (!s[i].have_stat) {	/* no access: what /proc/mbox says */
			printf(" %9u/? %10llu %5s %5s %8s %8s\n", s[i].e.msgs,
			       (unsigned long long)s[i].e.bytes, "-", "-", "-", "-");
			continue;
		}
		printf(" %5u/%-5u %10llu %5u %5u", s[i].st.cur_msgs, s[i].st.max_msgs,
		       (unsigned long long)s[i].st.cur_bytes, s[i].st.waiting_senders,
		       s[i].st.waiting_receivers);
		p = find(prev, prev_n, s[i].e.name);
		if (p && p->have_stat) {
			print_rate(s[i].st.total_sent, p->st.total_sent, dt);
			print_rate(s[i].st.total_received, p->st.total_received, dt);
		} else {
			printf(" %8s %8s", "-", "-");
		}
		printf("\n");
	}
}

int mboxctl_watch(const struct mboxctl_verb *v, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interval", required_argument, NULL, 'i' },
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct sample *cur = NULL, *prev = NULL;
	int c, n, prev_n = 0, status = 0, tty = isatty(STDOUT_FILENO);
	unsigned long long count = 0, i;
	double interval = 1, t, prev_t = 0;
	struct timespec pause;
	char *end;

	while (!status && (c = mboxctl_next_opt(v, argc, argv, "i:c:h", opts, &status)) != -1) {
		if (c == 'i') {
			interval = strtod(optarg, &end);
			if (*end || end == optarg || !(interval >= 0.01 && interval <= 86400))
				status = mboxctl_usage_error(v->name, "--interval: '%s' is not "
							     "a number of seconds from 0.01 to 86400", optarg);
		} else if (c == 'c') {
			status = mboxctl_parse_num(v->name, "--count", optarg, 10, 1ULL << 40,
						   &count);
		}
	}
	if (status)
		return status < 0 ? 0 : status;
	argc -= optind;
	argv += optind;
	pause.tv_sec = (time_t)interval;
	pause.tv_nsec = (long)((interval - pause.tv_sec) * 1e9);

	for (i = 1; !count || i <= count; i++) {
		n = take_sample(&cur, argc, argv);
		if (n < 0) {
			free(prev);
			return 1;
		}
		t = now_s();
		if (tty)
			printf("\033[H\033[2J");
		printf("mboxctl watch: %d mailboxes, every %.2f s, refresh %llu\n", n,
		       interval, i);
		print_sample(cur, n, prev, prev_n, t - prev_t);
		fflush(stdout);
		free(prev);
		prev = cur;
		prev_n = n;
		prev_t = t;
		if (i != count)
			nanosleep(&pause, NULL);
	}
	free(prev);
	return 0;
}
