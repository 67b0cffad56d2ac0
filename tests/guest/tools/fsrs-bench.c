// SPDX-License-Identifier: GPL-2.0
/*
 * Timing helper for the benchmark guest script (tests/guest/bench.sh).
 * Every figure is measured with CLOCK_MONOTONIC around the work itself,
 * not around a shell pipeline.
 *
 *   fsrs-bench now                     monotonic time in ns
 *   fsrs-bench read [-d] [-b BYTES] FILE...
 *                                      read each file in 1 MiB requests
 *                                      (-b: of BYTES; -d: O_DIRECT);
 *                                      "bytes=N ns=T"
 *   fsrs-bench files DIR N [BYTES]     open, fstat, read BYTES (default
 *                                      0: none), close DIR/f00000 ..
 *                                      DIR/f(N-1); "ops=N ns=T"
 *   fsrs-bench cpu [MIB]               CRC-32 of a fixed 1 MiB buffer,
 *                                      MIB times (default 32): the CPU
 *                                      calibration, no I/O and no system
 *                                      call; "bytes=N ns=T crc=X"
 *
 * A failed open or read is an error (exit 1, with the file named): a
 * benchmark that silently skipped work would report nonsense.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20)

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int read_files(int argc, char **argv)
{
	int flags = O_RDONLY, i = 0;
	long long bytes = 0, t0;
	size_t chunk = CHUNK;
	char *buf;

	for (;;) {
		if (i < argc && strcmp(argv[i], "-d") == 0) {
			flags |= O_DIRECT;
			i++;
		} else if (i + 1 < argc && strcmp(argv[i], "-b") == 0) {
			chunk = strtoul(argv[i + 1], NULL, 0);
			i += 2;
		} else {
			break;
		}
	}
	if (chunk == 0 || posix_memalign((void **)&buf, 4096, chunk))
		return 1;
	t0 = now_ns();
	for (; i < argc; i++) {
		int fd = open(argv[i], flags);
		ssize_t n;

		if (fd < 0) {
			fprintf(stderr, "fsrs-bench: open %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		while ((n = read(fd, buf, chunk)) > 0)
			bytes += n;
		if (n < 0) {
			fprintf(stderr, "fsrs-bench: read %s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		close(fd);
	}
	printf("bytes=%lld ns=%lld\n", bytes, now_ns() - t0);
	return 0;
}

static int walk_files(const char *dir, long n, long want)
{
	char path[4096], buf[65536];
	long long t0;
	long i;

	if (want > (long)sizeof(buf))
		want = sizeof(buf);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		struct stat st;
		int fd;

		snprintf(path, sizeof(path), "%s/f%05ld", dir, i);
		fd = open(path, O_RDONLY);
		if (fd < 0 || fstat(fd, &st) < 0) {
			fprintf(stderr, "fsrs-bench: %s: %s\n", path, strerror(errno));
			return 1;
		}
		if (want > 0 && read(fd, buf, want) < 0) {
			fprintf(stderr, "fsrs-bench: read %s: %s\n", path, strerror(errno));
			return 1;
		}
		close(fd);
	}
	printf("ops=%ld ns=%lld\n", n, now_ns() - t0);
	return 0;
}

/*
 * A fixed amount of CPU work, always the same: a table-driven CRC-32
 * (loads, shifts, xors, a dependency chain from byte to byte, as much of
 * the kernel's code is) over a buffer filled from a fixed seed. It tells
 * how fast the guest's CPU ran at that moment, for the benchmark to
 * normalise by.
 */
static int cpu_loop(long mib)
{
	static unsigned char buf[1 << 20];
	unsigned int table[256], crc = ~0u, x = 2463534242u;
	long long t0;
	long pass;
	size_t i;

	if (mib <= 0) {
		fprintf(stderr, "fsrs-bench: cpu: MIB must be a positive number\n");
		return 2;
	}
	for (i = 0; i < 256; i++) {
		unsigned int c = i;
		int k;

		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		table[i] = c;
	}
	for (i = 0; i < sizeof(buf); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = x;
	}
	t0 = now_ns();
	for (pass = 0; pass < mib; pass++)
		for (i = 0; i < sizeof(buf); i++)
			crc = table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
	printf("bytes=%lld ns=%lld crc=%08x\n", (long long)mib * sizeof(buf), now_ns() - t0, ~crc);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "now") == 0) {
		printf("%lld\n", now_ns());
		return 0;
	}
	if (argc >= 3 && strcmp(argv[1], "read") == 0)
		return read_files(argc - 2, argv + 2);
	if ((argc == 4 || argc == 5) && strcmp(argv[1], "files") == 0)
		return walk_files(argv[2], atol(argv[3]), argc == 5 ? atol(argv[4]) : 0);
	if ((argc == 2 || argc == 3) && strcmp(argv[1], "cpu") == 0)
		return cpu_loop(argc == 3 ? atol(argv[2]) : 32);
	fprintf(stderr, "usage: fsrs-bench now | read [-d] [-b BYTES] FILE... | files DIR N [BYTES]"
		" | cpu [MIB]\n");
	return 2;
}
