// SPDX-License-Identifier: GPL-2.0
/*
 * mbox-bench: measure mbox against pipes, UNIX sockets, POSIX and System V
 * message queues in one boot, with eventfd, a shared-memory ring (also with
 * one empty mbox ioctl, or a refused read() and write(), per message and
 * side), memcpy and mbox with the capacity in messages of a pipe (mbox-wide)
 * as floors. Prints the machine's description as "# " lines, then one CSV
 * row per (pattern, parameter, size, mechanism, repetition); mechanisms take
 * turns within each cell, starting with a different one every repetition, so
 * that drift in the machine hits them alike. Ratios and intervals are left
 * to the host (tools/bench/report.py).
 *
 * Usage: mbox-bench [--quick | --tiny] [--reps N] [--patterns LIST]
 *                   [--sizes LIST] [--mechs LIST] [--corrupt N] [--settle S]
 *                   [--profile]
 *
 * --settle S sleeps S seconds first, for the kernel's own work after boot
 * to be over: on a vCPU whose clock counts instructions (bench.sh) that work
 * would count against the first repetitions, and a sleep costs nothing.
 * --profile marks the cost cell's timed slices for tools/bench/profile/.
 */
#include <assert.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"

static const char *const pattern_names[PAT_COUNT] = {
	[PAT_PINGPONG] = "pingpong",
	[PAT_REQREP] = "reqrep",
	[PAT_STREAM] = "stream",
	[PAT_BATCH] = "stream-batch",
	[PAT_FANIN] = "fanin",
	[PAT_BACKPRESSURE] = "backpressure",
	[PAT_FANOUT] = "fanout",
	[PAT_COST] = "cost",
};

static const char *const kind_names[] = {
	[KIND_MBOX] = "mbox",
	[KIND_PEER] = "peer",
	[KIND_FLOOR] = "floor",
};

static const struct mech *const mechs[] = {
	&mech_mbox, &mech_mbox_call, &mech_pipe, &mech_seqpacket, &mech_dgram,
	&mech_stream, &mech_mq, &mech_sysv, &mech_eventfd, &mech_ring,
	&mech_ring_ioctl, &mech_ring_rw, &mech_memcpy, &mech_mbox_wide,
};

#define NMECHS	ARRAY_SIZE(mechs)
static_assert(ARRAY_SIZE(mechs) <= MAX_MECHS, "cost.c runs at most MAX_MECHS");

static const size_t all_sizes[] = {
	8, 64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20,
};

static const int all_n[] = { 1, 2, 4, 8 };

#define CSV_HEADER	"pattern,n,size,mech,kind,rep,status,msgs,seconds,msgs_per_s,mb_per_s,p50_ns,p99_ns,mean_ns,csw_per_msg"

/*
 * How much each run does: calls or messages, bounded by bytes moved; and, in
 * the deepest channel's capacities, how many messages a flow's consumer
 * receives before its clock starts (fill) and at least how many after (span).
 */
struct scale {
	int reps;
	unsigned long rpc_max, rpc_min, rpc_bytes;
	unsigned long flow_max, flow_min, flow_bytes;
	unsigned int fill, span;
	unsigned int timeout;
};

/*
 * Sized for TCG: a full run (5 repetitions) of one kernel in about 5 minutes
 * on an idle 2-core host, far below the 10^5 round trips real hardware
 * would get; quick is for development.
 */
static const struct scale full = { 5, 600, 16, 4 << 20, 6000, 64, 12 << 20, 2, 8, 300 };
static const struct scale quick = { 3, 150, 8, 1 << 20, 1500, 64, 4 << 20, 2, 8, 120 };
static const struct scale tiny = { 1, 16, 4, 256 << 10, 256, 64, 1 << 20, 1, 0, 60 };

static struct {
	struct scale sc;
	unsigned int patterns;
	size_t sizes[16];
	int nsizes;
	const char *mech_list;
	unsigned int settle;
	int unavailable[NMECHS];	/* probe errno, per mechanism */
} opt;

static unsigned long clamp(unsigned long v, unsigned long lo, unsigned long hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void scale_cell(struct cell *cl)
{
	const struct scale *s = &opt.sc;
	struct cap cap = cap_of(cl->size);
	unsigned long unit, depth;

	if (cl->pattern == PAT_PINGPONG || cl->pattern == PAT_REQREP) {
		cl->count = clamp(s->rpc_bytes / cl->size, s->rpc_min, s->rpc_max);
		cl->warm = clamp(cl->count / 10 / cl->n, 2, 50);
		return;
	}
	cl->count = clamp(s->flow_bytes / cl->size, s->flow_min, s->flow_max);
	/*
	 * Cost has no start-up or scheduler to average over, only the host's
	 * noise, which a longer run averages better: 8 streams' worth.
	 * Fan-out too: with one subscriber its run would otherwise be over
	 * in a few scheduler slices (some 20 ms).
	 */
	if (cl->pattern == PAT_COST || cl->pattern == PAT_FANOUT)
		cl->count *= 8;
	cl->warm = 0;
	/*
	 * A channel takes its first messages at no cost to its producers, and
	 * below 4 KiB a pipe or a System V queue holds more of them (cap.bytes'
	 * worth: 4096 of 64 B) than mbox or POSIX mq (CAP_MSGS). Timed from the
	 * first, a run of a few thousand measures those buffers filling, not
	 * the flow: the clock starts once the deepest has had time to fill,
	 * and runs long enough for a flood to fill it and go on against it.
	 * Backpressure fills its channel on purpose; fan-out has no peer.
	 */
	depth = cap.bytes / cl->size;
	if ((cl->pattern == PAT_STREAM || cl->pattern == PAT_BATCH ||
	     cl->pattern == PAT_FANIN) && depth > CAP_MSGS) {
		if (cl->count < s->span * depth)
			cl->count = s->span * depth;
		cl->warm = s->fill * depth;
	}
	/* whole batches for every producer */
	unit = (unsigned long)cl->n * BATCH;
	cl->count = (cl->count + unit - 1) / unit * unit;
	cl->warm = (cl->warm + unit - 1) / unit * BATCH;
}

/* A reason the mechanism cannot run the cell at all, or NULL. */
static const char *unsupported(const struct mech *m, const struct cell *cl)
{
	if (m->max_size && cl->size > m->max_size)
		return "na:message too large";
	if (cl->n > 1 && cl->size > m->shared_max)
		return m->shared_max ? "na:writes not atomic at this size" :
				       "na:one writer only";
	return NULL;
}

static void print_row(const struct mech *m, const struct cell *cl, int rep,
		      const struct result *r)
{
	printf("%s,%d,%zu,%s,%s,%d,%s", pattern_names[cl->pattern], cl->n,
	       cl->size, m->name, kind_names[m->kind], rep, r->status);
	if (strcmp(r->status, "ok")) {
		printf(",,,,,,,,\n");
		return;
	}
	printf(",%lu,%.6f,%.1f,%.3f,%llu,%llu,%llu,%.3f\n", r->msgs, r->seconds,
	       r->msgs / r->seconds, r->msgs * (double)cl->size / r->seconds / 1e6,
	       (unsigned long long)r->p50_ns, (unsigned long long)r->p99_ns,
	       (unsigned long long)r->mean_ns, r->csw_per_msg);
}

/* Why mechanism mi cannot run the cell, in r->status; 0 if it can. */
static int cannot_run(int mi, const struct cell *cl, struct result *r)
{
	const char *why = unsupported(mechs[mi], cl);

	if (opt.unavailable[mi])
		snprintf(r->status, sizeof(r->status), "unavailable:%s",
			 strerror(opt.unavailable[mi]));
	else if (why)
		snprintf(r->status, sizeof(r->status), "%s", why);
	return r->status[0] != '\0';
}

/* The CSV row, and the figure on the progress line. */
static void report_one(const struct mech *m, const struct cell *cl, int rep,
		       const struct result *r)
{
	print_row(m, cl, rep, r);
	if (!strcmp(r->status, "ok"))
		fprintf(stderr, " %s=%.0f", m->name,
			cl->pattern <= PAT_PINGPONG ? r->p50_ns / 1e3 :
			cl->pattern == PAT_COST ? r->mean_ns :
			cl->pattern == PAT_BACKPRESSURE ? r->csw_per_msg * 1e3 :
			r->msgs / r->seconds);
}

/* A run that hangs (a lost message, say) ends the program, saying which. */
static void watch(const struct cell *cl, const char *who)
{
	char what[128];

	snprintf(what, sizeof(what), "%s n=%d size=%zu %s",
		 pattern_names[cl->pattern], cl->n, cl->size, who);
	watchdog(opt.sc.timeout, what);
}

static void run_one(int mi, const struct cell *cl, int rep)
{
	const struct mech *m = mechs[mi];
	struct result r = { .status = "" };

	if (!cannot_run(mi, cl, &r)) {
		watch(cl, m->name);
		if (m->run)
			m->run(m, cl, &r);
		else if (cl->pattern <= PAT_REQREP)
			run_rpc(m, cl, &r);
		else if (cl->pattern == PAT_FANOUT)
			run_fanout(m, cl, &r);
		else
			run_flow(m, cl, &r);
		watchdog(0, NULL);
	}
	report_one(m, cl, rep, &r);
}

static int selected(const struct mech *m, enum pattern p)
{
	char list[256], *tok, *save;

	if (!(m->patterns & P(p)))
		return 0;
	if (!opt.mech_list)
		return 1;
	snprintf(list, sizeof(list), "%s", opt.mech_list);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, m->name))
			return 1;
	return 0;
}

/* Cost: the cell's mechanisms all at once, taking turns (cost.c). */
static void run_cost_cell(const struct cell *cl, int rep, unsigned int first)
{
	struct result r[NMECHS] = { 0 }, *rs[NMECHS];
	const struct mech *ms[NMECHS];
	unsigned int order[NMECHS];
	unsigned int i, mi, k = 0, n = 0;

	for (i = 0; i < NMECHS; i++) {
		mi = (first + i) % NMECHS;
		if (!selected(mechs[mi], cl->pattern))
			continue;
		order[k++] = mi;
		if (!cannot_run(mi, cl, &r[mi])) {
			ms[n] = mechs[mi];
			rs[n++] = &r[mi];
		}
	}
	watch(cl, "mechanisms in turn");
	run_cost(ms, rs, n, cl);
	watchdog(0, NULL);
	for (i = 0; i < k; i++)
		report_one(mechs[order[i]], cl, rep, &r[order[i]]);
}

/* Every mechanism of the cell once, in a turn that starts at `first`. */
static void run_cell(struct cell *cl, int rep, unsigned int first)
{
	unsigned int i, mi;

	scale_cell(cl);
	if (payload_prepare(cl->size, cl->n))
		die("out of memory for %zu-byte patterns", cl->size);
	fprintf(stderr, "[%d] %s n=%d %zu B:", rep, pattern_names[cl->pattern],
		cl->n, cl->size);
	if (cl->pattern == PAT_COST) {
		run_cost_cell(cl, rep, first);
	} else {
		for (i = 0; i < NMECHS; i++) {
			mi = (first + i) % NMECHS;
			if (selected(mechs[mi], cl->pattern))
				run_one(mi, cl, rep);
		}
	}
	fputc('\n', stderr);
}

/* Patterns measured at 64 B only, where per-message costs dominate. */
static int at64(int p)
{
	return p == PAT_REQREP || p == PAT_FANIN || p == PAT_BACKPRESSURE ||
	       p == PAT_FANOUT || p == PAT_COST;
}

static void run_rep(int rep)
{
	unsigned int turn = rep;
	struct cell cl;
	int p, i, k;

	for (p = 0; p < PAT_COUNT; p++) {
		if (!(opt.patterns & P(p)))
			continue;
		for (k = 0; k < opt.nsizes; k++) {
			for (i = 0; i < 4; i++) {
				cl = (struct cell){ .pattern = p, .n = all_n[i],
						    .size = opt.sizes[k] };
				/* N varies at 64 B; sizes vary with one sender */
				if (at64(p) && cl.size != 64)
					continue;
				if (i && p != PAT_REQREP && p != PAT_FANIN &&
				    p != PAT_FANOUT)
					continue;
				if (p == PAT_BACKPRESSURE)
					cl.n = 4;
				run_cell(&cl, rep, turn++);
			}
		}
	}
}

static void parse_sizes(const char *arg)
{
	char *end;

	opt.nsizes = 0;
	while (*arg && opt.nsizes < 16) {
		opt.sizes[opt.nsizes] = strtoul(arg, &end, 0);
		if (*end == 'K' || *end == 'k')
			opt.sizes[opt.nsizes] <<= 10, end++;
		else if (*end == 'M')
			opt.sizes[opt.nsizes] <<= 20, end++;
		if (opt.sizes[opt.nsizes] < 8 || (*end && *end != ','))
			die("bad size list '%s' (at least 8 bytes each)", arg);
		opt.nsizes++;
		arg = *end ? end + 1 : end;
	}
}

static unsigned int parse_patterns(const char *arg)
{
	char list[256], *tok, *save;
	unsigned int bits = 0;
	int p;

	snprintf(list, sizeof(list), "%s", arg);
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (p = 0; p < PAT_COUNT; p++)
			if (!strcmp(tok, pattern_names[p]))
				break;
		if (p == PAT_COUNT)
			die("unknown pattern '%s'", tok);
		bits |= P(p);
	}
	return bits;
}

static void usage(void)
{
	fputs("mbox-bench [--quick|--tiny] [--reps N] [--patterns LIST]\n", stderr);
	fputs("           [--sizes LIST] [--mechs LIST] [--corrupt N] [--settle S]\n"
	      "           [--profile]\n",
	      stderr);
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "tiny", no_argument, NULL, 't' },
		{ "reps", required_argument, NULL, 'r' },
		{ "patterns", required_argument, NULL, 'p' },
		{ "sizes", required_argument, NULL, 's' },
		{ "mechs", required_argument, NULL, 'm' },
		{ "corrupt", required_argument, NULL, 'c' },
		{ "settle", required_argument, NULL, 'w' },
		{ "profile", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sizes = NULL;
	int c, reps = 0;

	opt.sc = full;
	opt.patterns = (1U << PAT_COUNT) - 1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'q':
			opt.sc = quick;
			break;
		case 't':
			opt.sc = tiny;
			sizes = sizes ? sizes : "8,64,4K,64K";
			break;
		case 'r':
			reps = atoi(optarg);
			break;
		case 'p':
			opt.patterns = parse_patterns(optarg);
			break;
		case 's':
			sizes = optarg;
			break;
		case 'm':
			opt.mech_list = optarg;
			break;
		case 'c':
			payload_corrupt_at = strtoul(optarg, NULL, 0);
			break;
		case 'w':
			opt.settle = strtoul(optarg, NULL, 0);
			break;
		case 'f':
			profile_marks = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (reps > 0)
		opt.sc.reps = reps;
	if (sizes) {
		parse_sizes(sizes);
	} else {
		opt.nsizes = ARRAY_SIZE(all_sizes);
		memcpy(opt.sizes, all_sizes, sizeof(all_sizes));
	}
}

int main(int argc, char **argv)
{
	size_t max_size = 8;
	unsigned int i;
	int rep, k;

	setvbuf(stdout, NULL, _IOLBF, 0);
	parse_args(argc, argv);
	for (k = 0; k < opt.nsizes; k++)
		if (opt.sizes[k] > max_size)
			max_size = opt.sizes[k];
	sysinfo_prepare(max_size);
	sysinfo_print();
	for (i = 0; i < NMECHS; i++) {
		opt.unavailable[i] = mechs[i]->probe ? -mechs[i]->probe() : 0;
		if (opt.unavailable[i])
			printf("# unavailable %s: %s\n", mechs[i]->name,
			       strerror(opt.unavailable[i]));
	}
	puts(CSV_HEADER);
	sleep(opt.settle);
	for (rep = 1; rep <= opt.sc.reps; rep++)
		run_rep(rep);
	return 0;
}
