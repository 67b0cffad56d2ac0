// SPDX-License-Identifier: GPL-2.0
/*
 * fsrs-fsctl: filesystem state changes that busybox has no applet for.
 *
 *   fsrs-fsctl freeze|thaw PATH
 *   fsrs-fsctl stride FILE N STRIDE
 *
 * freeze/thaw: FIFREEZE/FITHAW on the filesystem holding PATH (writers
 * block until the thaw). Prints nothing and exits 0 on success; prints "<ERRNO-NAME>" and exits 1
 * on failure.
 *
 * stride: one writeback with many pieces. Opens FILE (creating it), writes
 * 4 KiB at 0 and fsyncs, prints "READY", then waits for a line on stdin;
 * then writes 4 KiB at each of 1..N-1 times STRIDE (dirty blocks that no
 * write request can join, so each is a subrequest of its own) and fsyncs,
 * printing "FSYNC OK" or "FSYNC <ERRNO-NAME>". FILE stays open throughout,
 * so its cookie stays in use.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static const char *errname(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "E?";
}

static int stride(const char *path, long n, long step)
{
	static char block[4096];
	char line[16];
	long i;
	int fd = open(path, O_RDWR | O_CREAT, 0644);

	if (fd < 0) {
		printf("OPEN %s\n", errname(errno));
		return 1;
	}
	memset(block, 0x5a, sizeof(block));
	if (pwrite(fd, block, sizeof(block), 0) != sizeof(block) || fsync(fd)) {
		printf("FIRST %s\n", errname(errno));
		return 1;
	}
	printf("READY\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (i = 1; i < n; i++) {
		if (pwrite(fd, block, sizeof(block), i * step) != sizeof(block)) {
			printf("WRITE %s\n", errname(errno));
			return 1;
		}
	}
	if (fsync(fd))
		printf("FSYNC %s\n", errname(errno));
	else
		printf("FSYNC OK\n");
	return close(fd) != 0;
}

int main(int argc, char **argv)
{
	int fd, ret;

	if (argc == 5 && !strcmp(argv[1], "stride"))
		return stride(argv[2], atol(argv[3]), atol(argv[4]));
	if (argc != 3) {
		fprintf(stderr, "usage: fsrs-fsctl freeze|thaw PATH | stride FILE N STRIDE\n");
		return 2;
	}
	fd = open(argv[2], O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		printf("%s\n", errname(errno));
		return 1;
	}
	if (!strcmp(argv[1], "freeze"))
		ret = ioctl(fd, FIFREEZE, 0);
	else if (!strcmp(argv[1], "thaw"))
		ret = ioctl(fd, FITHAW, 0);
	else {
		fprintf(stderr, "fsrs-fsctl: unknown operation %s\n", argv[1]);
		return 2;
	}
	if (ret) {
		printf("%s\n", errname(errno));
		return 1;
	}
	return 0;
}
