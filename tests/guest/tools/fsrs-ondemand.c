// SPDX-License-Identifier: GPL-2.0
/*
 * fsrs-ondemand: a minimal cachefiles on-demand daemon for guest tests.
 *
 *   fsrs-ondemand CACHEDIR BLOBDIR
 *
 * Binds a cache in on-demand mode on CACHEDIR and serves the kernel's
 * requests from image files: a cookie key K (erofs passes the fsid or
 * blob name) is backed by BLOBDIR/K. OPEN is answered with "copen" and
 * the file's size, READ by writing the range into the anonymous fd and
 * completing it with CACHEFILES_IOC_READ_COMPLETE, CLOSE by closing the
 * fd. Runs until SIGTERM; closing /dev/cachefiles unbinds the cache.
 * Prints one line per request to stdout.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <linux/cachefiles.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_OBJECTS 64

static struct {
	uint32_t object_id;
	int anon_fd;
	int blob_fd;
} objects[MAX_OBJECTS];

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int command(int dev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int command(int dev, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (write(dev, buf, n) != n) {
		fprintf(stderr, "fsrs-ondemand: '%s': %s\n", buf, strerror(errno));
		return -1;
	}
	return 0;
}

static int slot_of(uint32_t object_id)
{
	int i;

	for (i = 0; i < MAX_OBJECTS; i++)
		if (objects[i].anon_fd >= 0 && objects[i].object_id == object_id)
			return i;
	return -1;
}

static void on_open(int dev, const char *blobdir, struct cachefiles_msg *msg)
{
	struct cachefiles_open *o = (void *)msg->data;
	char key[256], path[512];
	struct stat st;
	int i, blob;
	size_t klen = o->cookie_key_size < sizeof(key) - 1 ? o->cookie_key_size : sizeof(key) - 1;

	memcpy(key, o->data + o->volume_key_size, klen);
	key[klen] = 0;
	snprintf(path, sizeof(path), "%s/%s", blobdir, key);
	printf("OPEN id=%u object=%u volume='%s' cookie='%s'\n", msg->msg_id, msg->object_id,
	       (char *)o->data, key);
	blob = open(path, O_RDONLY);
	if (blob < 0 || fstat(blob, &st) < 0) {
		printf("  %s: %s\n", path, strerror(errno));
		command(dev, "copen %u,%d", msg->msg_id, -ENOENT);
		close(o->fd);
		return;
	}
	for (i = 0; i < MAX_OBJECTS && objects[i].anon_fd >= 0; i++)
		;
	if (i == MAX_OBJECTS) {
		command(dev, "copen %u,%d", msg->msg_id, -ENFILE);
		close(o->fd);
		close(blob);
		return;
	}
	objects[i].object_id = msg->object_id;
	objects[i].anon_fd = o->fd;
	objects[i].blob_fd = blob;
	command(dev, "copen %u,%llu", msg->msg_id, (unsigned long long)st.st_size);
}

static void on_read(struct cachefiles_msg *msg)
{
	struct cachefiles_read *r = (void *)msg->data;
	int i = slot_of(msg->object_id);
	/* The kernel writes the anonymous fd with direct I/O: align the buffer. */
	static char buf[1 << 20] __attribute__((aligned(4096)));
	unsigned long long off = r->off, left = r->len;

	printf("READ id=%u object=%u off=%llu len=%llu\n", msg->msg_id, msg->object_id,
	       (unsigned long long)r->off, (unsigned long long)r->len);
	if (i < 0)
		return;
	while (left) {
		ssize_t n = pread(objects[i].blob_fd, buf, left < sizeof(buf) ? left : sizeof(buf),
				  off);

		if (n <= 0)
			break;
		if (pwrite(objects[i].anon_fd, buf, n, off) != n) {
			printf("  write to cache: %s\n", strerror(errno));
			break;
		}
		off += n;
		left -= n;
	}
	if (ioctl(objects[i].anon_fd, CACHEFILES_IOC_READ_COMPLETE, msg->msg_id) < 0)
		printf("  READ_COMPLETE: %s\n", strerror(errno));
}

static void on_close(struct cachefiles_msg *msg)
{
	int i = slot_of(msg->object_id);

	printf("CLOSE object=%u\n", msg->object_id);
	if (i < 0)
		return;
	close(objects[i].anon_fd);
	close(objects[i].blob_fd);
	objects[i].anon_fd = -1;
}

int main(int argc, char **argv)
{
	static char buf[CACHEFILES_MSG_MAX_SIZE];
	struct sigaction sa = { .sa_handler = on_term };
	int dev, i;

	if (argc != 3) {
		fprintf(stderr, "usage: fsrs-ondemand CACHEDIR BLOBDIR\n");
		return 2;
	}
	for (i = 0; i < MAX_OBJECTS; i++)
		objects[i].anon_fd = -1;
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = open("/dev/cachefiles", O_RDWR);
	if (dev < 0) {
		perror("fsrs-ondemand: /dev/cachefiles");
		return 1;
	}
	if (command(dev, "dir %s", argv[1]) || command(dev, "tag ondemand") ||
	    command(dev, "bind ondemand"))
		return 1;
	printf("bound on-demand cache on %s\n", argv[1]);
	while (!stop) {
		struct pollfd p = { .fd = dev, .events = POLLIN };
		struct cachefiles_msg *msg = (void *)buf;
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = read(dev, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			perror("fsrs-ondemand: read");
			break;
		}
		if (n < (ssize_t)sizeof(*msg) || msg->len != n) {
			fprintf(stderr, "fsrs-ondemand: short message (%zd bytes)\n", n);
			continue;
		}
		switch (msg->opcode) {
		case CACHEFILES_OP_OPEN:
			on_open(dev, argv[2], msg);
			break;
		case CACHEFILES_OP_READ:
			on_read(msg);
			break;
		case CACHEFILES_OP_CLOSE:
			on_close(msg);
			break;
		default:
			printf("opcode %u ignored\n", msg->opcode);
		}
	}
	close(dev);
	printf("unbound\n");
	return 0;
}
