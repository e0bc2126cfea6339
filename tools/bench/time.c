// SPDX-License-Identifier: GPL-2.0
/*
 * Clocks and latency summaries. CLOCK_MONOTONIC is what the guest's vDSO
 * serves fastest; sysinfo.c reports what one reading costs, since under
 * emulation a slow clocksource could weigh on short round trips.
 */
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "bench.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentiles and the mean of n samples (sorts them). */
void lat_summary(uint64_t *v, size_t n, struct result *r)
{
	uint64_t sum = 0;
	size_t i;

	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_u64);
	for (i = 0; i < n; i++)
		sum += v[i];
	r->p50_ns = v[(n - 1) / 2];
	r->p99_ns = v[(n * 99 + 99) / 100 - 1];
	r->mean_ns = sum / n;
}

/* Voluntary context switches so far: how often this process blocked. */
long nvcsw(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_nvcsw;
}
