// SPDX-License-Identifier: LGPL-2.1 OR MIT
/*
 * libmbox: the named mailboxes of the caller's IPC namespace, from /proc/mbox.
 *
 * Each line after the header is "NAME UID GID MODE MSGS BYTES". A name may
 * hold spaces, so the five numbers are taken from the end of the line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib.h"

#define MBOX_PROC_PATH	"/proc/mbox"

static int mbox_parse_entry(char *line, struct mbox_entry *e)
{
	unsigned long long bytes;
	unsigned int uid, gid;
	char *p = line + strlen(line);
	size_t name_len;
	int spaces = 0;

	while (p > line && spaces < 5)
		if (*--p == ' ')
			spaces++;
	if (spaces < 5 || line[0] != '/')
		return -EPROTO;
	name_len = p - line;
	if (name_len >= sizeof(e->name))
		return -EPROTO;
	if (sscanf(p, " %u %u %o %u %llu", &uid, &gid, &e->mode, &e->msgs,
		   &bytes) != 5)
		return -EPROTO;
	memcpy(e->name, line, name_len);
	e->name[name_len] = '\0';
	e->uid = uid;
	e->gid = gid;
	e->bytes = bytes;
	return 0;
}

/*
 * Fill entries[0..n-1] and return how many mailboxes there are, which may be
 * more than n (call again with a larger array), or -errno.
 */
int mbox_list(struct mbox_entry *entries, size_t n)
{
	struct mbox_entry e;
	size_t cap = 0;
	char *line = NULL;
	ssize_t len;
	int count = 0, err = 0;
	FILE *f;

	f = fopen(MBOX_PROC_PATH, "re");
	if (!f)
		return -errno;
	if (getline(&line, &cap, f) < 0)	/* the header */
		err = ferror(f) ? -EIO : -EPROTO;
	while (!err && (len = getline(&line, &cap, f)) > 0) {
		if (line[len - 1] == '\n')
			line[len - 1] = '\0';
		err = mbox_parse_entry(line, &e);
		if (!err && (size_t)count < n)
			entries[count] = e;
		count++;
	}
	if (!err && ferror(f))
		err = -EIO;
	free(line);
	fclose(f);
	return err ? err : count;
}
