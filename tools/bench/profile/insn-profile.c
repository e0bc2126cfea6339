// SPDX-License-Identifier: GPL-2.0
/*
 * insn-profile: a QEMU TCG plugin counting the guest instructions that each
 * translation block runs. Each time the guest runs the marker instruction
 * (xchg %bx,%bx, which changes nothing) the counts so far are written out,
 * and counting starts again from zero: interval N goes to PREFIX.N, one line
 * "vaddr instructions-per-run runs" per block that ran; what runs after the
 * last marker is written at exit. profile.py adds them up by function.
 *
 *   qemu-system-x86_64 -icount shift=0 -plugin insn-profile.so,out=PREFIX ...
 *
 * QEMU installs no header for its plugins: the entry points used here are
 * declared as its plugin API, version 1 (QEMU 7.2), defines them.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
struct qemu_info_t;

enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
	void (*cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb));
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
	enum qemu_plugin_op op, void *ptr, uint64_t imm);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
	void (*cb)(unsigned int vcpu, void *udata),
	enum qemu_plugin_cb_flags flags, void *udata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
	void (*cb)(qemu_plugin_id_t id, void *udata), void *udata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
						 size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static const unsigned char marker[] = { 0x66, 0x87, 0xdb };	/* xchg %bx,%bx */

/* One translation of a block; a block translated again gets another. */
struct block {
	uint64_t vaddr;
	uint64_t insns;
	uint64_t runs;		/* added to inline by the translated code */
};

#define CHUNK	65536	/* blocks per chunk: chunks never move once made */

static struct block **chunks;
static size_t nblocks, nchunks;
static const char *prefix;
static unsigned int interval;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static struct block *block_new(void)
{
	struct block *b;

	pthread_mutex_lock(&lock);
	if (nblocks == nchunks * CHUNK) {
		chunks = realloc(chunks, ++nchunks * sizeof(*chunks));
		if (!chunks || !(chunks[nchunks - 1] = calloc(CHUNK, sizeof(**chunks)))) {
			fputs("insn-profile: out of memory\n", stderr);
			abort();
		}
	}
	b = &chunks[nblocks / CHUNK][nblocks % CHUNK];
	nblocks++;
	pthread_mutex_unlock(&lock);
	return b;
}

/* Write the interval's counts out, and start the next from zero. */
static void interval_end(void)
{
	char path[4096];
	struct block *b;
	size_t i;
	FILE *f;

	pthread_mutex_lock(&lock);
	snprintf(path, sizeof(path), "%s.%u", prefix, interval++);
	f = fopen(path, "w");
	for (i = 0; i < nblocks; i++) {
		b = &chunks[i / CHUNK][i % CHUNK];
		if (f && b->runs)
			fprintf(f, "%llx %llu %llu\n", (unsigned long long)b->vaddr,
				(unsigned long long)b->insns, (unsigned long long)b->runs);
		b->runs = 0;
	}
	if (!f || fclose(f))
		fprintf(stderr, "insn-profile: cannot write %s\n", path);
	pthread_mutex_unlock(&lock);
}

static void on_marker(unsigned int vcpu, void *udata)
{
	interval_end();
}

static int has_marker(const struct qemu_plugin_tb *tb, size_t n)
{
	const struct qemu_plugin_insn *insn;
	size_t i;

	for (i = 0; i < n; i++) {
		insn = qemu_plugin_tb_get_insn(tb, i);
		if (qemu_plugin_insn_size(insn) == sizeof(marker) &&
		    !memcmp(qemu_plugin_insn_data(insn), marker, sizeof(marker)))
			return 1;
	}
	return 0;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	struct block *b = block_new();

	b->vaddr = qemu_plugin_tb_vaddr(tb);
	b->insns = qemu_plugin_tb_n_insns(tb);
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &b->runs, 1);
	if (has_marker(tb, b->insns))
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_marker,
						     QEMU_PLUGIN_CB_NO_REGS, NULL);
}

static void on_qemu_exit(qemu_plugin_id_t id, void *udata)
{
	interval_end();
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info,
			int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			prefix = strdup(argv[i] + 4);	/* argv is QEMU's */
	if (!prefix) {
		fputs("insn-profile: out=PREFIX is needed\n", stderr);
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	qemu_plugin_register_atexit_cb(id, on_qemu_exit, NULL);
	return 0;
}
