// SPDX-License-Identifier: GPL-2.0
/*
 * odlib.h: the on-demand daemon's side of the test tools fsrs-odprobe and
 * fsrs-odrace: binding an on-demand cache, reading and answering its
 * messages, serving OPENs and READs from the image blobs, and a reader
 * child that mounts an erofs image and reads it. Every wait has a
 * deadline, so a hang in the kernel is a failure of the tool, not a hung
 * test. Each tool is one program: this header holds static functions.
 */
#ifndef FSRS_ODLIB_H
#define FSRS_ODLIB_H
/* Each tool uses some of these. */
#pragma GCC diagnostic ignored "-Wunused-function"
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/cachefiles.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *cachedir, *blobdir, *mnt;
static int failures, quiet;
static char msgbuf[CACHEFILES_MSG_MAX_SIZE];
static char databuf[1 << 20] __attribute__((aligned(4096)));

static void expect(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void expect(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ", cond ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		failures++;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A command's result: 0 or -errno. */
static int cmd(int dev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int cmd(int dev, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	r = write(dev, buf, n) == n ? 0 : -errno;
	if (!quiet || r)
		printf("  '%s': %s\n", buf, r ? strerror(-r) : "ok");
	return r;
}

static int cache_listed(void)
{
	char line[256];
	FILE *f = fopen("/proc/fs/fscache/caches", "r");
	int found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, " ondemand\n"))
			found = 1;
	fclose(f);
	return found;
}

static int wait_unlisted(double secs)
{
	double end = now() + secs;

	while (cache_listed()) {
		if (now() > end)
			return 0;
		usleep(50000);
	}
	return 1;
}

static int bind_cache(void)
{
	char rm[512];
	int dev;

	snprintf(rm, sizeof(rm), "rm -rf %s/cache %s/graveyard", cachedir, cachedir);
	if (system(rm) != 0)
		printf("  %s failed\n", rm);
	dev = open("/dev/cachefiles", O_RDWR);
	if (dev < 0) {
		printf("  open /dev/cachefiles: %s\n", strerror(errno));
		return -1;
	}
	if (cmd(dev, "dir %s", cachedir) || cmd(dev, "tag ondemand") || cmd(dev, "bind ondemand")) {
		close(dev);
		return -1;
	}
	return dev;
}

/* The next message, or 0 after `ms` without one, or -errno. */
static int next_msg(int dev, int ms)
{
	struct pollfd p = { .fd = dev, .events = POLLIN };
	double end = now() + ms / 1000.0;
	ssize_t n;

	for (;;) {
		int left = (int)((end - now()) * 1000);

		if (left <= 0)
			return 0;
		if (poll(&p, 1, left) <= 0)
			continue;
		n = read(dev, msgbuf, sizeof(msgbuf));
		if (n < 0)
			return -errno;
		if (n == 0)
			continue;
		return (int)n;
	}
}

static struct cachefiles_msg *msg(void)
{
	return (void *)msgbuf;
}

static const char *opname(uint32_t op)
{
	return op == CACHEFILES_OP_OPEN ? "OPEN" : op == CACHEFILES_OP_READ ? "READ" :
	       op == CACHEFILES_OP_CLOSE ? "CLOSE" : "?";
}

static void show(void)
{
	struct cachefiles_msg *m = msg();

	if (m->opcode == CACHEFILES_OP_READ) {
		struct cachefiles_read *r = (void *)m->data;

		printf("  got READ id=%u object=%u off=%llu len=%llu\n", m->msg_id, m->object_id,
		       (unsigned long long)r->off, (unsigned long long)r->len);
	} else if (m->opcode == CACHEFILES_OP_OPEN) {
		struct cachefiles_open *o = (void *)m->data;

		printf("  got OPEN id=%u object=%u fd=%u volume='%s'\n", m->msg_id, m->object_id,
		       o->fd, (char *)o->data);
	} else {
		printf("  got %s id=%u object=%u\n", opname(m->opcode), m->msg_id, m->object_id);
	}
}

/* The objects the daemon has open: anonymous fd and blob. */
#define MAX_OBJ 16
static struct obj {
	uint32_t id;
	int anon, blob;
} objs[MAX_OBJ];

static struct obj *obj_of(uint32_t id)
{
	for (int i = 0; i < MAX_OBJ; i++)
		if (objs[i].anon >= 0 && objs[i].id == id)
			return &objs[i];
	return NULL;
}

static void forget_all(void)
{
	for (int i = 0; i < MAX_OBJ; i++) {
		if (objs[i].anon >= 0) {
			close(objs[i].anon);
			close(objs[i].blob);
		}
		objs[i].anon = -1;
	}
}

/* Answers the OPEN in msgbuf with the blob's size; returns the object. */
static struct obj *serve_open(int dev)
{
	struct cachefiles_msg *m = msg();
	struct cachefiles_open *o = (void *)m->data;
	char key[256], path[512];
	struct stat st;
	size_t klen = o->cookie_key_size < sizeof(key) - 1 ? o->cookie_key_size : sizeof(key) - 1;
	int i, blob;

	memcpy(key, o->data + o->volume_key_size, klen);
	key[klen] = 0;
	snprintf(path, sizeof(path), "%s/%s", blobdir, key);
	blob = open(path, O_RDONLY);
	if (blob < 0 || fstat(blob, &st) < 0) {
		cmd(dev, "copen %u,%d", m->msg_id, -ENOENT);
		close(o->fd);
		return NULL;
	}
	for (i = 0; i < MAX_OBJ && objs[i].anon >= 0; i++)
		;
	if (i == MAX_OBJ) {
		close(blob);
		close(o->fd);
		return NULL;
	}
	objs[i] = (struct obj){ .id = m->object_id, .anon = o->fd, .blob = blob };
	cmd(dev, "copen %u,%llu", m->msg_id, (unsigned long long)st.st_size);
	return &objs[i];
}

/* Writes the READ's range; completes it if `complete`. 0 or -errno. */
static int serve_read(int complete)
{
	struct cachefiles_msg *m = msg();
	struct cachefiles_read *r = (void *)m->data;
	struct obj *o = obj_of(m->object_id);
	unsigned long long off = r->off, left = r->len;

	if (!o)
		return -EBADF;
	while (left) {
		ssize_t n = pread(o->blob, databuf, left < sizeof(databuf) ? left : sizeof(databuf), off);

		if (n <= 0)
			break;
		if (pwrite(o->anon, databuf, n, off) != n)
			return -errno;
		off += n;
		left -= n;
	}
	if (complete && ioctl(o->anon, CACHEFILES_IOC_READ_COMPLETE, m->msg_id) < 0)
		return -errno;
	return 0;
}

/* Serves whatever comes, as a good daemon, until `ms` pass quietly. */
static void serve_all(int dev, int ms)
{
	for (;;) {
		int n = next_msg(dev, ms);

		if (n <= 0)
			return;
		switch (msg()->opcode) {
		case CACHEFILES_OP_OPEN:
			serve_open(dev);
			break;
		case CACHEFILES_OP_READ:
			serve_read(1);
			break;
		case CACHEFILES_OP_CLOSE: {
			struct obj *o = obj_of(msg()->object_id);

			if (o) {
				close(o->anon);
				close(o->blob);
				o->anon = -1;
			}
			break;
		}
		}
	}
}

/*
 * The reader: a child that mounts FSID on `dir` and reads hello.txt and
 * the first 256 KiB of data.bin, then reports "mount=E read=E" (errnos, 0 for
 * success) on a pipe and unmounts unless `keep`.
 */
struct reader {
	pid_t pid;
	int pipe;
	int mount_err, read_err;
	int done;
};

/* Reads `path` up to `limit` bytes; the first error in *err. */
static void read_all(const char *path, size_t limit, int *err)
{
	int fd = open(path, O_RDONLY);
	size_t done = 0;
	ssize_t n = 0;

	if (fd < 0) {
		*err = errno;
		return;
	}
	while (done < limit && (n = read(fd, databuf, sizeof(databuf))) > 0)
		done += n;
	if (n < 0 && !*err)
		*err = errno;
	close(fd);
}

static struct reader start_reader(const char *fsid, const char *dir, int keep)
{
	struct reader r = { .mount_err = -1, .read_err = -1 };
	int p[2];

	if (pipe(p) < 0)
		exit(2);
	r.pid = fork();
	if (r.pid == 0) {
		char opts[128], path[512];
		int merr = 0, rerr = 0;

		/* Not the daemon's: the device and anonymous fds must close
		 * when the daemon closes them. */
		for (int fd = 3; fd < 1024; fd++)
			if (fd != p[1])
				close(fd);
		snprintf(opts, sizeof(opts), "fsid=%s", fsid);
		mkdir(dir, 0755);
		if (mount("none", dir, "erofs", MS_RDONLY, opts) < 0) {
			merr = errno;
		} else {
			snprintf(path, sizeof(path), "%s/hello.txt", dir);
			read_all(path, SIZE_MAX, &rerr);
			/* Enough of the big file for several READs. */
			snprintf(path, sizeof(path), "%s/data.bin", dir);
			read_all(path, 256 << 10, &rerr);
			if (!keep)
				umount(dir);
		}
		dprintf(p[1], "%d %d\n", merr, rerr);
		if (keep)
			pause();
		_exit(0);
	}
	close(p[1]);
	r.pipe = p[0];
	return r;
}

/* Whether the reader reported within `ms`; fills in its results. */
static int reader_done(struct reader *r, int ms)
{
	struct pollfd p = { .fd = r->pipe, .events = POLLIN };
	char buf[64];
	ssize_t n;

	if (r->done)
		return 1;
	if (poll(&p, 1, ms) <= 0)
		return 0;
	n = read(r->pipe, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	if (sscanf(buf, "%d %d", &r->mount_err, &r->read_err) != 2)
		return 0;
	r->done = 1;
	printf("  reader: mount=%s read=%s\n", r->mount_err ? strerror(r->mount_err) : "ok",
	       r->read_err ? strerror(r->read_err) : "ok");
	return 1;
}

/* Serves well while waiting for the reader; whether it finished. */
static int serve_until_done(int dev, struct reader *r, double secs)
{
	double end = now() + secs;

	while (!reader_done(r, 0)) {
		if (now() > end)
			return 0;
		serve_all(dev, 100);
	}
	return 1;
}

/* Ends a reader: killed if still waiting; reaped. Whether it exited
 * within 10 s of the kill (its wait was killable). */
static int end_reader(struct reader *r, const char *dir)
{
	double end = now() + 10;
	int status;

	if (r->pid <= 0)
		return 1;
	kill(r->pid, SIGKILL);
	while (waitpid(r->pid, &status, WNOHANG) == 0) {
		if (now() > end) {
			printf("  reader %d did not die within 10 s of SIGKILL\n", r->pid);
			return 0;
		}
		usleep(20000);
	}
	close(r->pipe);
	r->pid = 0;
	umount2(dir, MNT_DETACH);
	return 1;
}

/* Waits for a message of `op`, serving OPENs (if `serve`) meanwhile. */
static int wait_op(int dev, uint32_t op, int serve, double secs)
{
	double end = now() + secs;

	while (now() < end) {
		int n = next_msg(dev, 200);

		if (n <= 0)
			continue;
		show();
		if (msg()->opcode == op)
			return 1;
		if (serve && msg()->opcode == CACHEFILES_OP_OPEN)
			serve_open(dev);
		else if (serve && msg()->opcode == CACHEFILES_OP_READ)
			serve_read(1);
	}
	return 0;
}

static int finish_cache(int dev)
{
	forget_all();
	if (dev >= 0)
		close(dev);
	return wait_unlisted(30);
}

/* Finds the one data file under CACHEDIR/cache: its directory and name. */
static int find_object_file(char *dir, size_t dlen, char *name, size_t nlen)
{
	char vol[1024], fan[1280];
	struct dirent *v, *f, *o;
	DIR *cd, *vd, *fd;
	int found = 0;

	snprintf(vol, sizeof(vol), "%s/cache", cachedir);
	cd = opendir(vol);
	if (!cd)
		return 0;
	while (!found && (v = readdir(cd))) {
		if (v->d_name[0] != 'I')
			continue;
		snprintf(fan, sizeof(fan), "%s/cache/%s", cachedir, v->d_name);
		vd = opendir(fan);
		if (!vd)
			continue;
		while (!found && (f = readdir(vd))) {
			if (f->d_name[0] != '@')
				continue;
			snprintf(dir, dlen, "%s/%s", fan, f->d_name);
			fd = opendir(dir);
			if (!fd)
				continue;
			while ((o = readdir(fd))) {
				if (o->d_name[0] == '.')
					continue;
				snprintf(name, nlen, "%s", o->d_name);
				found = 1;
				break;
			}
			closedir(fd);
		}
		closedir(vd);
	}
	closedir(cd);
	return found;
}

#endif
