/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mboxctl: what the verbs share (mboxctl.c) and the verbs in files of their own.
 */
#ifndef MBOXCTL_H
#define MBOXCTL_H

#include <getopt.h>

#include <mbox/libmbox.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct mboxctl_verb {
	const char *name;
	int (*run)(const struct mboxctl_verb *v, int argc, char **argv);
	const char *args;
	const char *help;
};

int mboxctl_fail(const char *verb, const char *name, int err);
int mboxctl_usage_error(const char *verb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int mboxctl_parse_num(const char *verb, const char *opt, const char *s, int base,
		      unsigned long long max, unsigned long long *out);
int mboxctl_next_opt(const struct mboxctl_verb *v, int argc, char **argv,
		     const char *shortopts, const struct option *opts, int *status);
int mboxctl_open_dev(void);
int mboxctl_open(const char *verb, const char *name, unsigned int access);
int mboxctl_list(struct mbox_entry **out);
void mboxctl_json_string(const char *s);

int mboxctl_watch(const struct mboxctl_verb *v, int argc, char **argv);

#endif /* MBOXCTL_H */
