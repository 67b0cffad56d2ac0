// SPDX-License-Identifier: GPL-2.0
/*
 * fsrs-xattr: read and damage extended attributes from guest tests
 * (busybox has no getfattr/setfattr).
 *
 *   fsrs-xattr get PATH NAME              print the value in hex, or the errno name
 *   fsrs-xattr set PATH NAME HEX          set the value (HEX may be empty)
 *   fsrs-xattr poke PATH NAME OFF BYTE    change one byte of the value (BYTE in hex)
 *   fsrs-xattr fill PATH NAME BYTE SIZE   set SIZE bytes of BYTE (hex)
 *   fsrs-xattr rm PATH NAME               remove it
 *
 * Exits 0 on success, 1 after printing "<ERRNO-NAME>" on failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

static unsigned char val[65536];

static int fail(void)
{
	const char *n = strerrorname_np(errno);

	printf("%s\n", n ? n : "E?");
	return 1;
}

static ssize_t get(const char *path, const char *name)
{
	return lgetxattr(path, name, val, sizeof(val));
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "", *path = argv[2], *name = argv[3];
	ssize_t n, i;

	if (argc < 4) {
		fprintf(stderr, "usage: fsrs-xattr get|set|poke|fill|rm PATH NAME [ARGS]\n");
		return 2;
	}
	if (!strcmp(op, "get") && argc == 4) {
		n = get(path, name);
		if (n < 0)
			return fail();
		for (i = 0; i < n; i++)
			printf("%02x", val[i]);
		printf("\n");
		return 0;
	}
	if (!strcmp(op, "set") && argc == 5) {
		const char *h = argv[4];

		for (n = 0; h[2 * n] && h[2 * n + 1] && n < (ssize_t)sizeof(val); n++)
			sscanf(h + 2 * n, "%2hhx", &val[n]);
	} else if (!strcmp(op, "poke") && argc == 6) {
		long off = strtol(argv[4], NULL, 0);

		n = get(path, name);
		if (n < 0)
			return fail();
		if (off < 0 || off >= n) {
			printf("EINVAL offset %ld of %zd\n", off, n);
			return 1;
		}
		val[off] = strtoul(argv[5], NULL, 16);
	} else if (!strcmp(op, "fill") && argc == 6) {
		n = strtol(argv[5], NULL, 0);
		if (n < 0 || n > (ssize_t)sizeof(val))
			n = sizeof(val);
		memset(val, strtoul(argv[4], NULL, 16), n);
	} else if (!strcmp(op, "rm") && argc == 4) {
		return lremovexattr(path, name) ? fail() : 0;
	} else {
		fprintf(stderr, "fsrs-xattr: bad arguments\n");
		return 2;
	}
	return lsetxattr(path, name, val, n, 0) ? fail() : 0;
}
