// SPDX-License-Identifier: GPL-2.0
/*
 * fsrs-odrace: an on-demand daemon that lands in the kernel's race
 * windows, one scenario per run.
 *
 *   fsrs-odrace SCENARIO CACHEDIR BLOBDIR MNT FSID [FSID2]
 *
 * Each window is a few instructions wide. tests/kunit/hold_probe.c, loaded
 * by the test with the symbols the scenario names, holds one side in it
 * until the other side has run: asleep where the held task may sleep, else
 * spinning on its CPU, and then the guest has two and the scenario puts
 * the daemon and the unbound work queues (where fscache withdraws and
 * looks up objects) on the CPU the other side needs. A scenario fails if
 * the hold never happened, so a window that moved is a failure, not a
 * silent pass. An allocation failure is injected by the command in
 * $ODRACE_ARM (the test sets up failslab), run where the scenario says.
 *
 * Scenarios (hold: where; release: when the other side returned from):
 *   reopen-nomem    the allocation of a re-open's OPEN fails: the READ
 *                   that wanted it re-opens the object again and is
 *                   served (no hold; $ODRACE_ARM fails it)
 *   withdraw-read   a withdrawal just after it marked the object dropping
 *                   (hold: clean_object's unlock; release: daemon_read):
 *                   the daemon's read there gets none of the object's
 *                   requests
 *   withdraw-copen  a copen that took its OPEN out (hold: the object lock
 *                   copen takes next; release: clean_object) while the
 *                   object is withdrawn:
 *                   the object is not opened (the script counts the
 *                   cachefiles_ondemand_copen events)
 *   withdraw-close  a withdrawal's CLOSE whose queue allocation dropped the
 *                   lock (hold: the allocation, after $ODRACE_ARM failed
 *                   the one tried under the lock; release: the anonymous
 *                   fd's release) while the daemon closes the object's fd:
 *                   no CLOSE reaches the daemon for the closed fd
 *   dead-copen      a copen written while an I/O error kills the cache (a
 *                   cull whose burial fails, from another thread; hold:
 *                   the command's run; release: the cache's io_error):
 *                   EIO, as C answers under its daemon mutex
 */
#include "odlib.h"
#include <sched.h>

#define HOLD "/sys/module/hold_probe/parameters/"

static int read_int(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int write_str(const char *path, const char *v)
{
	int fd = open(path, O_WRONLY);
	int ok;

	if (fd < 0) {
		printf("  open %s: %s\n", path, strerror(errno));
		return -1;
	}
	ok = write(fd, v, strlen(v)) == (ssize_t)strlen(v);
	if (!ok)
		printf("  write '%s' to %s: %s\n", v, path, strerror(errno));
	close(fd);
	return ok ? 0 : -1;
}

/* This task on `cpu` only. */
static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof(s), &s) < 0)
		printf("  sched_setaffinity %d: %s\n", cpu, strerror(errno));
}

/* Unbound work queues (fscache_wq among them) on `cpu` only. */
static void unbound_on(int cpu)
{
	write_str("/sys/devices/virtual/workqueue/cpumask", cpu ? "2" : "1");
}

static void arm_hold(void)
{
	write_str(HOLD "arm", "1");
}

static int wait_holding(double secs)
{
	double end = now() + secs;

	while (read_int(HOLD "holding") != 1) {
		if (now() > end)
			return 0;
		usleep(1000);
	}
	return 1;
}

/* Whether one hold ended by its release, and none timed out. */
static void expect_held(void)
{
	double end = now() + 10;
	int held, timeouts;

	while (read_int(HOLD "holding") == 1 && now() < end)
		usleep(10000);
	held = read_int(HOLD "held");
	timeouts = read_int(HOLD "timeouts");
	printf("  hold_probe: held %d, timeouts %d\n", held, timeouts);
	expect(held == 1 && timeouts == 0, "the window was held open until the other side ran");
}

static void run_arm(void)
{
	const char *c = getenv("ODRACE_ARM");

	if (c && system(c) != 0)
		printf("  ODRACE_ARM failed: %s\n", c);
}

/* Kills the reader and reaps it, then unmounts from a child of its own
 * (returned), so that the daemon goes on whatever the unmount waits for:
 * the object is withdrawn by fscache's work. */
static pid_t withdraw(struct reader *r)
{
	pid_t h;

	end_reader(r, "/nonexistent");
	h = fork();
	if (h == 0) {
		/* No copy of the device or an anonymous fd may outlive the
		 * daemon's own. */
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		umount2(mnt, MNT_DETACH);
		_exit(0);
	}
	return h;
}

/* Serves the mount's OPEN, then closes the object's fd: the object is
 * closed, and the mount's next READ must re-open it. */
static int open_then_close(int dev)
{
	struct obj *o;

	if (!wait_op(dev, CACHEFILES_OP_OPEN, 0, 30))
		return 0;
	o = serve_open(dev);
	if (!o)
		return 0;
	close(o->anon);
	close(o->blob);
	o->anon = -1;
	return 1;
}

/* ---- scenarios ---- */

static void reopen_nomem(const char *fsid)
{
	int dev = bind_cache();
	struct reader r;

	if (dev < 0) {
		expect(0, "bind");
		return;
	}
	r = start_reader(fsid, mnt, 0);
	expect(open_then_close(dev), "the mount's OPEN served, then its fd closed");
	/* The next allocation under the re-open's init_object fails. */
	run_arm();
	expect(serve_until_done(dev, &r, 30) && !r.mount_err && !r.read_err,
	       "after a re-open failed to allocate, the READ re-opens the object again and "
	       "every file reads back");
	end_reader(&r, mnt);
	expect(finish_cache(dev), "the cache goes with the daemon");
}

static void withdraw_read(const char *fsid)
{
	struct pollfd p;
	int dev, n, triggered = 0;
	struct reader r;
	double end;

	/* The withdrawal (fscache's work) is held on CPU 0; the daemon reads
	 * on CPU 1. */
	pin(1);
	unbound_on(0);
	dev = bind_cache();
	if (dev < 0) {
		expect(0, "bind");
		return;
	}
	r = start_reader(fsid, mnt, 0);
	expect(open_then_close(dev), "the mount's OPEN served, then its fd closed");
	/* The READ on the closed object comes: the read that finds it starts
	 * the re-open (and returns nothing); the re-open's OPEN is then news,
	 * left unread. */
	p = (struct pollfd){ .fd = dev, .events = POLLIN };
	end = now() + 30;
	while (now() < end) {
		if (poll(&p, 1, 100) <= 0)
			continue;
		if (triggered)
			break;
		n = read(dev, msgbuf, sizeof(msgbuf));
		if (n > 0)
			show();
		triggered = n == 0;
	}
	expect(triggered && poll(&p, 1, 0) == 1, "a re-open's OPEN is waiting, unread");
	arm_hold();
	/* No fork from here on: a fork's TLB flush would wait for the held
	 * CPU. The reader dies and its mount fails or goes. */
	end_reader(&r, mnt);
	expect(wait_holding(60), "the withdrawal is held after marking the object dropping");
	n = read(dev, msgbuf, sizeof(msgbuf));
	if (n > 0)
		show();
	printf("  read during the withdrawal: %d\n", n);
	expect(n == 0, "a read during the withdrawal hands out none of the object's requests");
	if (n > 0 && msg()->opcode == CACHEFILES_OP_OPEN)
		close(((struct cachefiles_open *)msg()->data)->fd);
	expect_held();
	serve_all(dev, 300);
	expect(finish_cache(dev), "the cache goes with the daemon");
}

static void withdraw_copen(const char *fsid)
{
	uint32_t reopen_id;
	int dev, held_fd, rc;
	struct reader r;
	pid_t h;

	dev = bind_cache();
	if (dev < 0) {
		expect(0, "bind");
		return;
	}
	r = start_reader(fsid, mnt, 0);
	expect(open_then_close(dev), "the mount's OPEN served, then its fd closed");
	expect(wait_op(dev, CACHEFILES_OP_OPEN, 0, 30), "the READ on the closed object re-opens it");
	reopen_id = msg()->msg_id;
	held_fd = ((struct cachefiles_open *)msg()->data)->fd;
	arm_hold();
	h = fork();
	if (h == 0) {
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		if (!wait_holding(60))
			_exit(1);
		/* The reader dies and the mount goes: the object is withdrawn. */
		kill(r.pid, SIGKILL);
		umount2(mnt, MNT_DETACH);
		_exit(0);
	}
	rc = cmd(dev, "copen %u,4096", reopen_id);
	printf("  copen during the withdrawal: %s\n", rc ? strerror(-rc) : "ok");
	waitpid(h, NULL, 0);
	expect_held();
	end_reader(&r, mnt);
	close(held_fd);
	serve_all(dev, 300);
	expect(finish_cache(dev), "the cache goes with the daemon");
}

static void withdraw_close(const char *fsid)
{
	struct obj *o = NULL;
	int dev, n, stale = 0;
	struct reader r;
	double end;
	pid_t h;

	dev = bind_cache();
	if (dev < 0) {
		expect(0, "bind");
		return;
	}
	r = start_reader(fsid, mnt, 1);
	expect(serve_until_done(dev, &r, 60) && !r.mount_err && !r.read_err, "mounted and read");
	for (int i = 0; i < MAX_OBJ; i++)
		if (objs[i].anon >= 0)
			o = &objs[i];
	if (!o) {
		expect(0, "an object is open");
		end_reader(&r, mnt);
		finish_cache(dev);
		return;
	}
	/* The CLOSE's slot needs an xarray node: the attempt under the lock
	 * fails, the lock is dropped for the one that may sleep, held. */
	run_arm();
	arm_hold();
	h = withdraw(&r);
	expect(wait_holding(60), "the withdrawal's CLOSE is held allocating, the lock dropped");
	close(o->anon);
	close(o->blob);
	o->anon = -1;
	end = now() + 3;
	while (now() < end) {
		n = next_msg(dev, 200);
		if (n <= 0)
			continue;
		show();
		if (msg()->opcode == CACHEFILES_OP_CLOSE && msg()->object_id == UINT32_MAX)
			stale = 1;
	}
	expect(!stale, "no CLOSE reaches the daemon for the fd it closed (object id 0xffffffff)");
	expect_held();
	waitpid(h, NULL, 0);
	expect(finish_cache(dev), "the cache goes with the daemon");
}

static void dead_copen(const char *fsid, const char *fsid2)
{
	char dir[2048], name[256];
	uint32_t open_id;
	int dev, rc, open_fd;
	struct reader r;
	pid_t h;

	dev = bind_cache();
	if (dev < 0) {
		expect(0, "bind");
		return;
	}
	/* A file in the cache to cull: FSID2's object, linked in when its
	 * mount goes. */
	r = start_reader(fsid2, mnt, 0);
	expect(serve_until_done(dev, &r, 60) && !r.mount_err && !r.read_err, "%s mounted and read",
	       fsid2);
	end_reader(&r, mnt);
	serve_all(dev, 300);
	forget_all();
	if (!find_object_file(dir, sizeof(dir), name, sizeof(name))) {
		expect(0, "an object's file is in the cache");
		finish_cache(dev);
		return;
	}
	r = start_reader(fsid, mnt, 0);
	expect(wait_op(dev, CACHEFILES_OP_OPEN, 0, 30), "the mount sends an OPEN");
	open_id = msg()->msg_id;
	open_fd = ((struct cachefiles_open *)msg()->data)->fd;
	arm_hold();
	h = fork();
	if (h == 0) {
		if (!wait_holding(60) || chdir(dir) < 0)
			_exit(1);
		/* Culling a file whose burial fails with EIO kills the cache
		 * (the command runs: the held one has not taken the lock). */
		write_str("/proc/sys/cachefiles/error_injection", "2");
		cmd(dev, "cull %s", name);
		write_str("/proc/sys/cachefiles/error_injection", "0");
		_exit(0);
	}
	rc = cmd(dev, "copen %u,4096", open_id);
	waitpid(h, NULL, 0);
	expect(rc == -EIO, "a copen that waited while an I/O error killed the cache: EIO");
	expect_held();
	expect(reader_done(&r, 10000) && r.mount_err, "the mount whose OPEN the dead cache failed fails");
	end_reader(&r, mnt);
	close(open_fd);
	expect(finish_cache(dev), "the cache goes with the daemon");
}

int main(int argc, char **argv)
{
	const char *sc;

	if (argc < 6) {
		fprintf(stderr, "usage: fsrs-odrace SCENARIO CACHEDIR BLOBDIR MNT FSID [FSID2]\n");
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
	if (!strcmp(sc, "reopen-nomem"))
		reopen_nomem(argv[5]);
	else if (!strcmp(sc, "withdraw-read"))
		withdraw_read(argv[5]);
	else if (!strcmp(sc, "withdraw-copen"))
		withdraw_copen(argv[5]);
	else if (!strcmp(sc, "withdraw-close"))
		withdraw_close(argv[5]);
	else if (!strcmp(sc, "dead-copen") && argc > 6)
		dead_copen(argv[5], argv[6]);
	else {
		fprintf(stderr, "fsrs-odrace: unknown scenario %s\n", sc);
		return 2;
	}
	return failures ? 1 : 0;
}
