// SPDX-License-Identifier: GPL-2.0
/*
 * Marks for tools/bench/profile/: with --profile, the cost cell runs the
 * marker instruction of the insn-profile QEMU plugin around each timed slice,
 * which ends one counting interval there and starts the next, and names the
 * interval just ended on a "#profile LABEL MESSAGES" line: a mechanism and
 * the messages it sent and received in it, or "-" for what lay between.
 */
#include <stdio.h>

#include "bench.h"

int profile_marks;

void profile_mark(const char *label, unsigned long msgs)
{
	if (!profile_marks)
		return;
#ifdef __x86_64__
	/* xchg %bx,%bx: changes nothing; the plugin looks for it */
	__asm__ volatile("xchg %%bx, %%bx" ::: "memory");
#endif
	printf("#profile %s %lu\n", label, msgs);
}
