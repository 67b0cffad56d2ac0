// SPDX-License-Identifier: GPL-2.0
/*
 * fsrs-odprobe: a misbehaving on-demand daemon, one scenario per run.
 *
 *   fsrs-odprobe SCENARIO CACHEDIR BLOBDIR MNT FSID [FSID2]
 *
 * Binds an on-demand cache on CACHEDIR (emptied first), mounts erofs
 * images (BLOBDIR/FSID) on MNT from a child process, and answers the
 * kernel's requests badly in the way SCENARIO names. Prints what each
 * step returned ("  step: result") and one line "ok: ..." or
 * "not ok: ..." per expectation; exits 1 if any expectation failed.
 * Every wait has a deadline, so a hang in the kernel is a failure here
 * (and the reader, killed at the end, shows whether its wait was
 * killable).
 *
 * Scenarios (the 2024 on-demand fix series and its CVEs):
 *   open-error     OPEN answered with -ENOENT: the mount fails; the
 *                  next mount, served well, works.
 *   early-write    writes and seeks on the anonymous fd before copen:
 *                  ENOBUFS; after it, write(2) returns the length and
 *                  moves the position (6.12.y), and an unaligned direct
 *                  write is answered as C answers it; then served well.
 *   close-reopen   the anonymous fd closed right after copen: the READ
 *                  re-opens the object (a new OPEN), then completes.
 *   close-refuse   as close-reopen, but the re-open is refused: the
 *                  reader waits, killably, and a device close fails it.
 *   no-data        a READ completed without data: the read fails (EIO).
 *   bad-ids        wrong, stale, mismatched and malformed ids in copen
 *                  and in the read-complete ioctl (one from another
 *                  object's fd, FSID2 mounted beside), a short read
 *                  buffer: each refused, the requests still served.
 *   close-device   the device closed with a READ pending and the
 *                  anonymous fd open: the reader fails at once, the
 *                  cache stays until the fd closes, the device is busy
 *                  until then.
 *   kill           the daemon killed with a READ pending.
 *   restore        a READ read and dropped, then `restore`: it comes
 *                  again with its id; `restore` after every message.
 *   race-umount    writes and seeks on the anonymous fd from another
 *                  thread while the mount goes and the device closes.
 *   reopen-withdraw  the object withdrawn (reader killed, unmounted)
 *                  while its re-open waits for an OPEN the daemon holds
 *                  unanswered (CVE-2024-41051): the OPEN is failed, the
 *                  re-open ends, the id goes stale.
 *   cull           `inuse` and `cull` on an on-demand object's file
 *                  (made by a first mount): EBUSY while mounted again;
 *                  after the unmount, not in use, and culled.
 *   close-inuse    a measurement, not a check: ROUNDS (FSID2's place,
 *                  default 20) times, mount, read and unmount, and send
 *                  `inuse` for the object's file the moment its CLOSE is
 *                  read, then again until it says free; prints how
 *                  often the first answer was "free" and how long the
 *                  file stayed busy after the CLOSE.
 *   close-inuse-new  the same with a new object every round (the file
 *                  culled after each), which withdrawal links in.
 */
#include "odlib.h"

/* ---- scenarios ---- */

static void open_error(const char *fsid)
{
	int dev = bind_cache();
	struct reader r;

	if (dev < 0)
		{ expect(0, "bind"); return; }
	r = start_reader(fsid, mnt, 0);
	expect(wait_op(dev, CACHEFILES_OP_OPEN, 0, 30), "the mount sends an OPEN");
	cmd(dev, "copen %u,%d", msg()->msg_id, -ENOENT);
	close(((struct cachefiles_open *)msg()->data)->fd);
	serve_all(dev, 300);
	expect(reader_done(&r, 30000) && r.mount_err != 0, "a mount whose OPEN is refused fails");
	end_reader(&r, mnt);
	r = start_reader(fsid, mnt, 0);
	expect(serve_until_done(dev, &r, 60) && !r.mount_err && !r.read_err,
	       "the next mount, served, reads back");
	end_reader(&r, mnt);
	expect(finish_cache(dev), "the cache goes with the daemon");
}

static void early_write(const char *fsid)
{
	int dev = bind_cache();
	struct cachefiles_open *o = (void *)msg()->data;
	struct obj *ob;
	struct reader r;
	ssize_t w;
	off_t s;

	if (dev < 0)
		{ expect(0, "bind"); return; }
	r = start_reader(fsid, mnt, 0);
	expect(wait_op(dev, CACHEFILES_OP_OPEN, 0, 30), "the mount sends an OPEN");
	memset(databuf, 0xa5, 4096);
	w = pwrite(o->fd, databuf, 4096, 0);
	printf("  pwrite before copen: %s\n", w < 0 ? strerror(errno) : "wrote");
	expect(w < 0 && errno == ENOBUFS, "a write before copen gets ENOBUFS");
	s = lseek(o->fd, 0, SEEK_HOLE);
	printf("  SEEK_HOLE before copen: %s\n", s < 0 ? strerror(errno) : "found");
	expect(s < 0 && errno == ENOBUFS, "a seek before copen gets ENOBUFS");
	ob = serve_open(dev);
	if (ob && pread(ob->blob, databuf, 8192, 0) == 8192) {
		double end = now() + 10;
		ssize_t n1, n2, n3;

		/* The backing file is attached just after copen. */
		while ((n1 = write(ob->anon, databuf, 4096)) < 0 && errno == ENOBUFS && now() < end)
			usleep(20000);
		n2 = write(ob->anon, databuf + 4096, 4096);
		printf("  write(2) x2 after copen: %zd, %zd\n", n1, n2);
		/* Had the position not moved, block 0 (the superblock) would
		 * now hold block 1 and the mount would fail. */
		expect(n1 == 4096 && n2 == 4096, "write(2) returns the length and moves the position");
		n3 = -1;
		if (pread(ob->blob, databuf, 4096, 8192) == 4096) {
			n3 = pwrite(ob->anon, databuf, 100, 8192);
			printf("  unaligned pwrite of 100 bytes: %s\n",
			       n3 == 100 ? "100" : n3 < 0 ? strerror(errno) : "short");
			/* Then the whole block, so the image stays right. */
			if (pwrite(ob->anon, databuf, 4096, 8192) != 4096)
				printf("  block rewrite: %s\n", strerror(errno));
		}
	}
	expect(serve_until_done(dev, &r, 60) && !r.mount_err && !r.read_err,
	       "then served, every file reads back");
	end_reader(&r, mnt);
	expect(finish_cache(dev), "the cache goes with the daemon");
}

static void close_reopen(const char *fsid, int refuse)
{
	int dev = bind_cache();
	struct reader r;
	struct obj *o;
	uint32_t first;
	int reopened, refused_fd;

	if (dev < 0)
		{ expect(0, "bind"); return; }
	r = start_reader(fsid, mnt, 0);
	expect(wait_op(dev, CACHEFILES_OP_OPEN, 0, 30), "the mount sends an OPEN");
	first = msg()->object_id;
	o = serve_open(dev);
	if (o) {
		/* Closed at once: the object is closed before any READ. */
		close(o->anon);
		close(o->blob);
		o->anon = -1;
	}
	reopened = wait_op(dev, CACHEFILES_OP_OPEN, 0, 30);
	expect(reopened && msg()->object_id != first,
	       "a READ on the closed object re-opens it (a new OPEN, a new object id)");
	if (!refuse) {
		serve_open(dev);
		expect(serve_until_done(dev, &r, 60) && !r.mount_err && !r.read_err,
		       "the re-opened object serves every read");
		end_reader(&r, mnt);
		expect(finish_cache(dev), "the cache goes with the daemon");
		return;
	}
	refused_fd = ((struct cachefiles_open *)msg()->data)->fd;
	cmd(dev, "copen %u,%d", msg()->msg_id, -EIO);
	/* The refused OPEN's fd stays open, so the object stays
	 * re-opening: its READ waits, and is no news to poll. */
	expect(!reader_done(&r, 1000), "the reader waits while the re-open is refused");
	{
		struct pollfd p = { .fd = dev, .events = POLLIN };

		expect(poll(&p, 1, 200) == 0, "poll shows no new request meanwhile");
	}
	close(dev);
	expect(reader_done(&r, 10000) && (r.mount_err || r.read_err),
	       "closing the device fails the waiting reader at once");
	expect(end_reader(&r, mnt), "the reader is gone");
	close(refused_fd);
	expect(finish_cache(-1), "the cache goes once the fds close");
}

static void no_data(const char *fsid)
{
	int dev = bind_cache();
	struct reader r;
	struct obj *o;

	if (dev < 0)
		{ expect(0, "bind"); return; }
	r = start_reader(fsid, mnt, 0);
	expect(wait_op(dev, CACHEFILES_OP_READ, 1, 30), "the mount sends a READ");
	o = obj_of(msg()->object_id);
	expect(o && ioctl(o->anon, CACHEFILES_IOC_READ_COMPLETE, msg()->msg_id) == 0,
	       "the READ completed without writing");
	serve_all(dev, 500);
	expect(reader_done(&r, 30000) && (r.mount_err || r.read_err),
	       "the reader gets an error, not stale or zero data");
	end_reader(&r, mnt);
	expect(finish_cache(dev), "the cache goes with the daemon");
}

static void bad_ids(const char *fsid, const char *fsid2)
{
	char mnt2[512];
	int dev = bind_cache();
	struct reader r, r2;
	struct obj *a, *b;
	uint32_t open_id, read_id;
	char small[8];
	int fd;

	if (dev < 0)
		{ expect(0, "bind"); return; }
	snprintf(mnt2, sizeof(mnt2), "%s2", mnt);
	expect(read(dev, msgbuf, sizeof(msgbuf)) == 0, "a read with nothing pending returns 0");
	/* The first fs, served fully and kept mounted: object A. */
	r = start_reader(fsid, mnt, 1);
	expect(serve_until_done(dev, &r, 60) && !r.mount_err && !r.read_err, "%s mounted", fsid);
	a = NULL;
	for (int i = 0; i < MAX_OBJ; i++)
		if (objs[i].anon >= 0)
			a = &objs[i];
	/* The second: its OPEN is checked against wrong ids first. */
	r2 = start_reader(fsid2, mnt2, 0);
	{
		struct pollfd p = { .fd = dev, .events = POLLIN };

		expect(poll(&p, 1, 30000) == 1, "poll shows the new OPEN");
	}
	errno = 0;
	expect(read(dev, small, sizeof(small)) < 0 && errno == EMSGSIZE,
	       "a read into a buffer too short gets EMSGSIZE");
	expect(wait_op(dev, CACHEFILES_OP_OPEN, 0, 30), "the OPEN comes whole to a full buffer");
	open_id = msg()->msg_id;
	fd = ((struct cachefiles_open *)msg()->data)->fd;
	expect(a && ioctl(a->anon, CACHEFILES_IOC_READ_COMPLETE, open_id) < 0 && errno == EINVAL,
	       "read-complete with an OPEN's id: EINVAL");
	expect(ioctl(fd, 0x98ff, 0) < 0 && errno == EINVAL, "an unknown ioctl: EINVAL");
	expect(cmd(dev, "copen %u,4096", open_id + 1000) == -EINVAL, "copen of an unknown id: EINVAL");
	expect(cmd(dev, "copen x,4096") == -EINVAL, "copen of a malformed id: EINVAL");
	expect(cmd(dev, "copen %u", open_id) == -EINVAL, "copen without a size: EINVAL");
	expect(cmd(dev, "copen ") == -EINVAL, "copen without an id: EINVAL");
	expect(cmd(dev, "copen %u,-99999", open_id) == -EINVAL,
	       "copen with a size below -MAX_ERRNO: EINVAL (and the OPEN fails)");
	close(fd);
	expect(reader_done(&r2, 30000) && r2.mount_err, "that mount fails");
	end_reader(&r2, mnt2);
	expect(cmd(dev, "copen %u,4096", open_id) == -EINVAL, "copen of an id answered already: EINVAL");
	/* Again, served: now a READ of object B, checked from A's fd. */
	r2 = start_reader(fsid2, mnt2, 0);
	expect(wait_op(dev, CACHEFILES_OP_OPEN, 0, 30), "%s sends an OPEN", fsid2);
	b = serve_open(dev);
	expect(wait_op(dev, CACHEFILES_OP_READ, 1, 30), "and a READ");
	read_id = msg()->msg_id;
	expect(a && ioctl(a->anon, CACHEFILES_IOC_READ_COMPLETE, read_id) < 0 && errno == EINVAL,
	       "read-complete from another object's fd: EINVAL");
	expect(cmd(dev, "copen %u,4096", read_id) == -EINVAL, "copen of a READ's id: EINVAL");
	expect(serve_read(1) == 0, "the READ is still there to complete");
	expect(b && ioctl(b->anon, CACHEFILES_IOC_READ_COMPLETE, read_id) < 0 && errno == EINVAL,
	       "read-complete of a completed READ (stale id): EINVAL");
	expect(serve_until_done(dev, &r2, 60) && !r2.mount_err && !r2.read_err,
	       "%s reads back", fsid2);
	end_reader(&r2, mnt2);
	end_reader(&r, mnt);
	expect(finish_cache(dev), "the cache goes with the daemon");
}

static void close_device(const char *fsid)
{
	int dev = bind_cache();
	struct reader r;
	struct obj *o;
	int again;

	if (dev < 0)
		{ expect(0, "bind"); return; }
	r = start_reader(fsid, mnt, 0);
	expect(wait_op(dev, CACHEFILES_OP_READ, 1, 30), "a READ is pending");
	o = obj_of(msg()->object_id);
	close(dev);
	expect(reader_done(&r, 10000) && (r.mount_err || r.read_err),
	       "closing the device fails the reader at once");
	expect(end_reader(&r, mnt), "the reader is gone");
	expect(cache_listed(), "the cache stays while an anonymous fd is open");
	again = open("/dev/cachefiles", O_RDWR);
	expect(again < 0 && errno == EBUSY, "the device stays busy meanwhile");
	if (again >= 0)
		close(again);
	if (o) {
		ssize_t w = pwrite(o->anon, databuf, 4096, 0);

		printf("  pwrite after the device closed: %s\n", w < 0 ? strerror(errno) : "wrote");
	}
	forget_all();
	expect(wait_unlisted(30), "the cache goes with the last anonymous fd");
	again = open("/dev/cachefiles", O_RDWR);
	expect(again >= 0, "then the device opens again");
	if (again >= 0)
		close(again);
}

static void kill_daemon(const char *fsid)
{
	struct reader r;
	int p[2];
	pid_t d;
	char c;

	if (pipe(p) < 0)
		{ expect(0, "pipe"); return; }
	d = fork();
	if (d == 0) {
		int dev = bind_cache();

		if (dev < 0)
			_exit(1);
		if (write(p[1], "b", 1) != 1)
			_exit(1);
		wait_op(dev, CACHEFILES_OP_READ, 1, 60);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		{ expect(0, "the daemon binds"); return; }
	r = start_reader(fsid, mnt, 0);
	expect(read(p[0], &c, 1) == 1 && c == 'r', "the daemon holds a READ");
	kill(d, SIGKILL);
	waitpid(d, NULL, 0);
	expect(reader_done(&r, 10000) && (r.mount_err || r.read_err),
	       "killing the daemon fails the reader at once");
	expect(end_reader(&r, mnt), "the reader is gone");
	expect(wait_unlisted(30), "the cache goes with the daemon");
	close(p[0]);
}

static void restore(const char *fsid)
{
	int dev = bind_cache();
	struct reader r;
	uint32_t id;
	int n, seen = 0, restores = 0;
	double end;

	if (dev < 0)
		{ expect(0, "bind"); return; }
	r = start_reader(fsid, mnt, 0);
	expect(wait_op(dev, CACHEFILES_OP_READ, 1, 30), "a READ comes");
	id = msg()->msg_id;
	/* The daemon "crashes" with it: nothing more comes unasked. */
	expect(next_msg(dev, 300) == 0, "nothing more comes while it is unanswered");
	expect(cmd(dev, "restore") == 0, "restore");
	expect(wait_op(dev, CACHEFILES_OP_READ, 0, 10) && msg()->msg_id == id,
	       "the READ comes again, with its id");
	expect(serve_read(1) == 0, "and completes");
	/* Restore after every message from now on: duplicates are
	 * refused by id, and every read still completes. */
	end = now() + 90;
	quiet = 1;
	while (!reader_done(&r, 0) && now() < end) {
		n = next_msg(dev, 100);
		if (n > 0) {
			seen++;
			if (msg()->opcode == CACHEFILES_OP_READ)
				serve_read(1);
			else if (msg()->opcode == CACHEFILES_OP_OPEN)
				serve_open(dev);
		}
		if (cmd(dev, "restore") == 0)
			restores++;
	}
	quiet = 0;
	printf("  %d messages, %d restores\n", seen, restores);
	expect(r.done && !r.mount_err && !r.read_err, "with restores at every step, every file reads back");
	end_reader(&r, mnt);
	expect(finish_cache(dev), "the cache goes with the daemon");
}

static volatile int racing;
static int race_fd;
static long race_ops;

static void *racer(void *arg)
{
	(void)arg;
	while (racing) {
		if (pwrite(race_fd, databuf, 4096, 0) < 0 && errno == EBADF)
			break;
		lseek(race_fd, 0, SEEK_HOLE);
		lseek(race_fd, 4096, SEEK_DATA);
		race_ops++;
	}
	return NULL;
}

static void race_umount(const char *fsid)
{
	int dev = bind_cache();
	struct reader r;
	pthread_t t;
	struct obj *o = NULL;

	if (dev < 0)
		{ expect(0, "bind"); return; }
	r = start_reader(fsid, mnt, 1);
	expect(serve_until_done(dev, &r, 60) && !r.mount_err && !r.read_err, "mounted and read");
	for (int i = 0; i < MAX_OBJ; i++)
		if (objs[i].anon >= 0)
			o = &objs[i];
	if (!o)
		{ expect(0, "an object is open"); return; }
	race_fd = dup(o->anon);
	racing = 1;
	pthread_create(&t, NULL, racer, NULL);
	usleep(100000);
	/* The mount goes (the object is withdrawn: CLOSE), then the device. */
	end_reader(&r, mnt);
	umount2(mnt, 0);
	serve_all(dev, 300);
	forget_all();
	close(dev);
	usleep(100000);
	racing = 0;
	pthread_join(t, NULL);
	printf("  %ld write+seek rounds raced the withdrawal\n", race_ops);
	close(race_fd);
	expect(race_ops > 0, "writes and seeks ran during the withdrawal");
	expect(wait_unlisted(30), "the cache goes once the last fd closes");
}

static void reopen_withdraw(const char *fsid)
{
	int dev = bind_cache();
	struct reader r;
	struct obj *o;
	uint32_t reopen_id;
	int held_fd, stale = 0;
	double end;

	if (dev < 0) {
		expect(0, "bind");
		return;
	}
	r = start_reader(fsid, mnt, 0);
	expect(wait_op(dev, CACHEFILES_OP_OPEN, 0, 30), "the mount sends an OPEN");
	o = serve_open(dev);
	if (o) {
		close(o->anon);
		close(o->blob);
		o->anon = -1;
	}
	expect(wait_op(dev, CACHEFILES_OP_OPEN, 0, 30), "the READ on the closed object re-opens it");
	reopen_id = msg()->msg_id;
	held_fd = ((struct cachefiles_open *)msg()->data)->fd;
	/* Unanswered: the re-open waits. Now the object goes. */
	expect(end_reader(&r, mnt), "the waiting reader dies on SIGKILL");
	end = now() + 20;
	while (!stale && now() < end) {
		serve_all(dev, 100);
		quiet = 1;
		stale = cmd(dev, "copen %u,4096", reopen_id) == -EINVAL;
		quiet = 0;
	}
	expect(stale, "the withdrawal failed the held OPEN: its id is stale");
	close(held_fd);
	expect(finish_cache(dev), "the cache goes with the daemon");
}

static void cull(const char *fsid)
{
	char dir[2048], name[256], path[2400];
	int dev = bind_cache();
	struct reader r;
	struct stat st;
	double end;
	int ok;

	if (dev < 0) {
		expect(0, "bind");
		return;
	}
	/* A new object's file is an unlinked tmpfile until the unmount
	 * links it in: mount once to have a file, then again to use it. */
	r = start_reader(fsid, mnt, 0);
	expect(serve_until_done(dev, &r, 60) && !r.mount_err && !r.read_err, "mounted and read");
	end_reader(&r, mnt);
	serve_all(dev, 300);
	r = start_reader(fsid, mnt, 1);
	expect(serve_until_done(dev, &r, 60) && !r.mount_err && !r.read_err, "mounted again");
	if (!find_object_file(dir, sizeof(dir), name, sizeof(name)) || chdir(dir) < 0) {
		expect(0, "the object's file is in the cache");
		end_reader(&r, mnt);
		finish_cache(dev);
		return;
	}
	printf("  object file: %s/%s\n", dir, name);
	expect(cmd(dev, "inuse %s", name) == -EBUSY, "inuse of a mounted object: EBUSY");
	expect(cmd(dev, "cull %s", name) == -EBUSY, "cull of a mounted object: EBUSY");
	end_reader(&r, mnt);
	/* The unmount withdraws the object (a CLOSE comes): then it is free. */
	end = now() + 20;
	do {
		serve_all(dev, 100);
		quiet = 1;
		ok = cmd(dev, "inuse %s", name) == 0;
		quiet = 0;
	} while (!ok && now() < end);
	expect(ok, "after the unmount, inuse says not in use");
	expect(cmd(dev, "cull %s", name) == 0, "and cull takes it");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	expect(stat(path, &st) < 0 && errno == ENOENT, "the file is gone from its directory");
	if (chdir("/") < 0)
		printf("  chdir /: %s\n", strerror(errno));
	expect(finish_cache(dev), "the cache goes with the daemon");
}

/* Appends a line to the trace buffer, if tracefs is there. */
static void mark(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void mark(const char *fmt, ...)
{
	static int fd = -2;
	char buf[128];
	va_list ap;
	int n;

	if (fd == -2)
		fd = open("/sys/kernel/tracing/trace_marker", O_WRONLY);
	if (fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (write(fd, buf, n) < 0)
		return;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void close_inuse(const char *fsid, int rounds, int fresh)
{
	char dir[2048], name[256];
	double busy_us[256], t0;
	int dev = bind_cache(), free_at_once = 0, closes = 0, nbusy = 0;
	struct reader r;

	if (dev < 0) {
		expect(0, "bind");
		return;
	}
	if (rounds > 256)
		rounds = 256;
	r = start_reader(fsid, mnt, 0);
	expect(serve_until_done(dev, &r, 60) && !r.mount_err && !r.read_err, "mounted and read");
	end_reader(&r, mnt);
	serve_all(dev, 300);
	if (!find_object_file(dir, sizeof(dir), name, sizeof(name)) || chdir(dir) < 0) {
		expect(0, "the object's file is in the cache");
		finish_cache(dev);
		return;
	}
	if (fresh && cmd(dev, "cull %s", name) != 0) {
		expect(0, "the first object culled");
		finish_cache(dev);
		return;
	}
	for (int i = 0; i < rounds; i++) {
		int first, tries = 1, got = 0;
		double end;

		r = start_reader(fsid, mnt, 1);
		if (!serve_until_done(dev, &r, 60) || r.mount_err || r.read_err) {
			expect(0, "round %d: mounted and read", i);
			end_reader(&r, mnt);
			break;
		}
		end_reader(&r, mnt);
		end = now() + 30;
		while (!got && now() < end) {
			if (next_msg(dev, 200) <= 0)
				continue;
			if (msg()->opcode == CACHEFILES_OP_OPEN) {
				serve_open(dev);
				continue;
			}
			if (msg()->opcode == CACHEFILES_OP_READ) {
				serve_read(1);
				continue;
			}
			got = 1;
		}
		if (!got) {
			expect(0, "round %d: a CLOSE after the unmount", i);
			break;
		}
		/* At once: nothing between the read that got the CLOSE and
		 * this write. */
		t0 = now();
		quiet = 1;
		first = cmd(dev, "inuse %s", name);
		mark("odprobe: inuse after CLOSE: %d", first);
		closes++;
		if (first == 0) {
			free_at_once++;
		} else {
			int r2 = first;

			while (r2 == -EBUSY && now() < t0 + 10) {
				r2 = cmd(dev, "inuse %s", name);
				tries++;
			}
			busy_us[nbusy++] = (now() - t0) * 1e6;
			mark("odprobe: free after %d tries", tries);
			if (r2 != 0)
				printf("  round %d: inuse still %s\n", i, strerror(-r2));
		}
		quiet = 0;
		serve_all(dev, 100);
		forget_all();
		if (fresh && cmd(dev, "cull %s", name) != 0)
			break;
	}
	printf("  close-inuse: %d of %d CLOSEs found the file free at once\n", free_at_once, closes);
	if (nbusy) {
		qsort(busy_us, nbusy, sizeof(busy_us[0]), cmp_double);
		printf("  close-inuse: busy after the CLOSE for %.0f us (median), %.0f min, %.0f max\n",
		       busy_us[nbusy / 2], busy_us[0], busy_us[nbusy - 1]);
	}
	if (chdir("/") < 0)
		printf("  chdir /: %s\n", strerror(errno));
	expect(finish_cache(dev), "the cache goes with the daemon");
}

int main(int argc, char **argv)
{
	const char *sc;

	if (argc < 6) {
		fprintf(stderr, "usage: fsrs-odprobe SCENARIO CACHEDIR BLOBDIR MNT FSID [FSID2]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	sc = argv[1];
	cachedir = argv[2];
	blobdir = argv[3];
	mnt = argv[4];
	for (int i = 0; i < MAX_OBJ; i++)
		objs[i].anon = -1;
	signal(SIGPIPE, SIG_IGN);
	mkdir(mnt, 0755);
	if (!strcmp(sc, "open-error"))
		open_error(argv[5]);
	else if (!strcmp(sc, "early-write"))
		early_write(argv[5]);
	else if (!strcmp(sc, "close-reopen"))
		close_reopen(argv[5], 0);
	else if (!strcmp(sc, "close-refuse"))
		close_reopen(argv[5], 1);
	else if (!strcmp(sc, "no-data"))
		no_data(argv[5]);
	else if (!strcmp(sc, "bad-ids") && argc > 6)
		bad_ids(argv[5], argv[6]);
	else if (!strcmp(sc, "close-device"))
		close_device(argv[5]);
	else if (!strcmp(sc, "kill"))
		kill_daemon(argv[5]);
	else if (!strcmp(sc, "restore"))
		restore(argv[5]);
	else if (!strcmp(sc, "race-umount"))
		race_umount(argv[5]);
	else if (!strcmp(sc, "reopen-withdraw"))
		reopen_withdraw(argv[5]);
	else if (!strcmp(sc, "cull"))
		cull(argv[5]);
	else if (!strcmp(sc, "close-inuse"))
		close_inuse(argv[5], argc > 6 ? atoi(argv[6]) : 20, 0);
	else if (!strcmp(sc, "close-inuse-new"))
		close_inuse(argv[5], argc > 6 ? atoi(argv[6]) : 20, 1);
	else {
		fprintf(stderr, "fsrs-odprobe: unknown scenario %s\n", sc);
		return 2;
	}
	return failures ? 1 : 0;
}
