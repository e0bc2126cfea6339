// SPDX-License-Identifier: GPL-2.0
/*
 * The processes of one run: the main process forks the clients or producers,
 * releases them all at once, and waits for them. Any process that finds a
 * problem (a bad payload, a failed call) ends the whole program: a benchmark
 * that carries on after a wrong result would report numbers for a broken
 * mechanism. A watchdog ends a run that hangs, a lost message say.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

static pid_t kids[MAX_PROCS];
static int nkids;
static int go_pipe[2] = { -1, -1 };
static pid_t main_pid;
static const char *watched;

static void kill_kids(void)
{
	int i;

	for (i = 0; i < nkids; i++)
		if (kids[i] > 0)
			kill(kids[i], SIGKILL);
}

/* Only async-signal-safe calls from here: write, kill, _exit. */
static void say_and_exit(const char *a, const char *b)
{
	ssize_t rc;

	kill_kids();
	rc = write(2, a, strlen(a));
	if (b)
		rc = write(2, b, strlen(b));
	rc = write(2, "\n", 1);
	(void)rc;
	_exit(1);
}

static void on_kid_failed(int sig)
{
	(void)sig;
	say_and_exit("mbox-bench: a process of the run failed", NULL);
}

static void on_alarm(int sig)
{
	(void)sig;
	say_and_exit("mbox-bench: timed out: ", watched);
}

void die(const char *fmt, ...)
{
	va_list ap;

	fputs("mbox-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (main_pid && getpid() != main_pid) {
		kill(main_pid, SIGUSR1);
		_exit(1);
	}
	kill_kids();
	exit(1);
}

void watchdog(unsigned int seconds, const char *what)
{
	watched = what;
	alarm(seconds);
}

static void procs_init(void)
{
	if (main_pid)
		return;
	main_pid = getpid();
	if (pipe(go_pipe))
		die("pipe: %s", strerror(errno));
	signal(SIGUSR1, on_kid_failed);
	signal(SIGALRM, on_alarm);
}

/* Fork n processes running body(i, arg); they wait for procs_go(). */
int procs_start(int n, void (*body)(int i, void *arg), void *arg)
{
	int i;

	procs_init();
	for (i = 0; i < n; i++) {
		kids[i] = fork();
		if (kids[i] < 0)
			die("fork: %s", strerror(errno));
		if (!kids[i]) {
			nkids = 0;
			body(i, arg);
			_exit(0);
		}
		nkids = i + 1;
	}
	return 0;
}

void procs_wait_go(void)
{
	char c;

	while (read(go_pipe[0], &c, 1) != 1)
		if (errno != EINTR)
			die("start signal: %s", strerror(errno));
}

void procs_go(void)
{
	char c[MAX_PROCS] = { 0 };

	if (write(go_pipe[1], c, nkids) != nkids)
		die("start signal: %s", strerror(errno));
}

int procs_join(void)
{
	int i, status, bad = 0;

	for (i = 0; i < nkids; i++) {
		while (waitpid(kids[i], &status, 0) < 0)
			if (errno != EINTR)
				die("waitpid: %s", strerror(errno));
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			bad = 1;
		kids[i] = 0;
	}
	nkids = 0;
	if (bad)
		die("a process of the run failed");
	return 0;
}

/* Memory the processes of a run share: results and latency samples. */
void *shared_alloc(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap %zu: %s", len, strerror(errno));
	return p;
}

void shared_free(void *p, size_t len)
{
	munmap(p, len);
}
