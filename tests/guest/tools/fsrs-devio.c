// SPDX-License-Identifier: GPL-2.0
/*
 * fsrs-devio: talk to a command device (/dev/cachefiles) from guest tests.
 *
 *   fsrs-devio [--no-sys-admin] DEVICE [ARG...]
 *
 * Opens DEVICE once (after dropping CAP_SYS_ADMIN with --no-sys-admin),
 * then for each ARG: "@read" reads up to a page and prints "READ <n>",
 * "@status" reads and prints "STATUS <text read>", "@poll" polls without
 * waiting and prints "POLL <mask>", "@cat:PATH" prints each line of the
 * file PATH as "CAT <line>" (what /proc shows while the device is open),
 * anything else is written as one command, printing "OK <cmd>" or
 * "<ERRNO-NAME> <cmd>" (e.g. "EINVAL bstop 50%"). An open failure prints
 * "OPEN <ERRNO-NAME>" and exits 1. "\n" in an ARG stands for a newline and
 * "\0" for a NUL byte, so malformed commands can be sent.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *errname(int e)
{
	const char *n = strerrorname_np(e);

	return n ? n : "E?";
}

/* Expands \n and \0 in place; returns the byte length. */
static size_t unescape(char *s)
{
	char *out = s, *in = s;

	while (*in) {
		if (in[0] == '\\' && in[1] == 'n') {
			*out++ = '\n';
			in += 2;
		} else if (in[0] == '\\' && in[1] == '0') {
			*out++ = '\0';
			in += 2;
		} else {
			*out++ = *in++;
		}
	}
	return out - s;
}

/* Drops CAP_SYS_ADMIN from every set, staying uid 0 (so file permissions
 * still let us open the device and only the driver's capable() says no). */
static int drop_sys_admin(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];
	int bit = CAP_SYS_ADMIN;

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[bit / 32].effective &= ~(1u << (bit % 32));
	d[bit / 32].permitted &= ~(1u << (bit % 32));
	d[bit / 32].inheritable &= ~(1u << (bit % 32));
	return syscall(SYS_capset, &h, d);
}

int main(int argc, char **argv)
{
	static char buf[8192];
	int fd, i;

	if (argc > 1 && !strcmp(argv[1], "--no-sys-admin")) {
		if (drop_sys_admin()) {
			printf("CAPSET %s\n", errname(errno));
			return 1;
		}
		argv++;
		argc--;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: fsrs-devio [--no-sys-admin] DEVICE [CMD|@read|@status|@poll|@cat:PATH]...\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		printf("OPEN %s\n", errname(errno));
		return 1;
	}
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "@read")) {
			ssize_t n = read(fd, buf, sizeof(buf));

			if (n < 0)
				printf("READ %s\n", errname(errno));
			else
				printf("READ %zd\n", n);
		} else if (!strcmp(argv[i], "@status")) {
			ssize_t n = read(fd, buf, sizeof(buf) - 1);

			if (n < 0)
				printf("STATUS %s\n", errname(errno));
			else
				printf("STATUS %.*s\n", (int)n, buf);
		} else if (!strncmp(argv[i], "@cat:", 5)) {
			FILE *f = fopen(argv[i] + 5, "r");

			if (!f) {
				printf("CAT %s\n", errname(errno));
				continue;
			}
			while (fgets(buf, sizeof(buf), f))
				printf("CAT %s", buf);
			fclose(f);
		} else if (!strcmp(argv[i], "@poll")) {
			struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
			int n = poll(&p, 1, 0);

			printf("POLL %d %#x\n", n, n > 0 ? p.revents : 0);
		} else {
			char *shown = strdup(argv[i]);
			size_t len = unescape(argv[i]);
			ssize_t n = write(fd, argv[i], len);

			if (n < 0)
				printf("%s %s\n", errname(errno), shown);
			else if ((size_t)n != len)
				printf("SHORT%zd %s\n", n, shown);
			else
				printf("OK %s\n", shown);
		}
		fflush(stdout);
	}
	close(fd);
	return 0;
}
