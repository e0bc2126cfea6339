// SPDX-License-Identifier: GPL-2.0
/*
 * The peers' limits, and mbox's quota, raised so that every one can take
 * the same capacity (CAP_MSGS messages, CAP_MSGS messages' worth of bytes)
 * at every size, and a description of the machine the figures come from.
 * Each limit changed is printed, and put back at exit so a run on a
 * developer's machine leaves it as it was.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

#define MAX_SAVED	8

static struct {
	const char *path;
	unsigned long old;
} saved[MAX_SAVED];
static int nsaved;

static int read_ulong(const char *path, unsigned long *v)
{
	FILE *f = fopen(path, "r");
	int ok;

	if (!f)
		return -1;
	ok = fscanf(f, "%lu", v) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

static int write_ulong(const char *path, unsigned long v)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -1;
	ok = fprintf(f, "%lu\n", v) > 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static void restore(void)
{
	while (nsaved--)
		write_ulong(saved[nsaved].path, saved[nsaved].old);
}

/* Raise a limit to at least want. */
static void set_limit(const char *path, unsigned long want)
{
	unsigned long old;

	if (read_ulong(path, &old)) {
		printf("# limit %s: absent\n", path);
		return;
	}
	if (old >= want) {
		printf("# limit %s: %lu\n", path, old);
		return;
	}
	if (nsaved == MAX_SAVED || write_ulong(path, want)) {
		printf("# limit %s: %lu (could not set %lu)\n", path, old, want);
		return;
	}
	if (!nsaved)
		atexit(restore);
	saved[nsaved].path = path;
	saved[nsaved++].old = old;
	printf("# limit %s: %lu (was %lu)\n", path, want, old);
}

void sysinfo_prepare(size_t max_size)
{
	unsigned long bytes = CAP_MSGS * max_size;
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

	if (bytes < CAP_MIN_BYTES)
		bytes = CAP_MIN_BYTES;
	set_limit("/proc/sys/fs/mqueue/msg_max", CAP_MSGS);
	set_limit("/proc/sys/fs/mqueue/msgsize_max", max_size);
	set_limit("/proc/sys/kernel/msgmax", max_size);
	set_limit("/proc/sys/kernel/msgmnb", bytes);
	set_limit("/proc/sys/fs/pipe-max-size", bytes);
	/*
	 * mbox's quota on a user's queued bytes: a full mailbox, with room
	 * for the messages in flight on either side of it.
	 */
	set_limit("/sys/module/mbox/parameters/user_bytes_max", 2 * bytes);
	/* a queue's bytes count against RLIMIT_MSGQUEUE, with no override */
	if (setrlimit(RLIMIT_MSGQUEUE, &rl)) {
		getrlimit(RLIMIT_MSGQUEUE, &rl);
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_MSGQUEUE, &rl);
	}
	getrlimit(RLIMIT_MSGQUEUE, &rl);
	printf("# limit RLIMIT_MSGQUEUE: %lld\n", (long long)rl.rlim_cur);
}

static void print_file(const char *label, const char *path)
{
	char line[256] = "";
	FILE *f = fopen(path, "r");

	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = 0;
		fclose(f);
	}
	line[strcspn(line, "\n")] = 0;
	printf("# %s: %s\n", label, f ? line : "unknown");
}

static void print_vulnerabilities(void)
{
	const char *dir = "/sys/devices/system/cpu/vulnerabilities";
	char path[512], label[300];
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		snprintf(label, sizeof(label), "vulnerability %s", e->d_name);
		print_file(label, path);
	}
	closedir(d);
}

/* What one clock reading costs: set against the shortest round trip. */
static uint64_t clock_cost_ns(void)
{
	uint64_t t0 = now_ns(), t1;
	int i;

	for (i = 0; i < 10000; i++)
		now_ns();
	t1 = now_ns();
	return (t1 - t0) / 10000;
}

void sysinfo_print(void)
{
	struct utsname u;

	uname(&u);
	printf("# kernel: %s %s\n", u.release, u.version);
	printf("# cpus: %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
	print_file("clocksource",
		   "/sys/devices/system/clocksource/clocksource0/current_clocksource");
	printf("# clock_gettime_ns: %llu\n",
	       (unsigned long long)clock_cost_ns());
	print_vulnerabilities();
}
