// SPDX-License-Identifier: GPL-2.0
/*
 * fsfreeze against userspace that serves a filesystem access: an HSM
 * answering a permission event, a FUSE daemon serving a fault.
 *
 * chain1: open(O_TRUNC) raised FAN_OPEN_PERM with write access (sb freeze
 * protection) held; the listener writes to the same filesystem while a
 * freeze waits for the opener.
 *
 * chain_ovl: overlayfs copy-up created the upper tmpfile, and raised its
 * FAN_OPEN_PERM, with write access to the upper filesystem held; the
 * listener writes to that filesystem while a freeze waits for the opener.
 *
 * chain3: the read -> write -> read chain on SB_FREEZE_WRITE
 * (write(fsA_fd, mmap(fsB_fd))):
 *
 *  thread A                  freezer                  daemon (FUSE, fsB)
 *  write(fsA_fd, buf)
 *    sb_start_write(fsA)
 *    fault on buf (fsB) ------------------------------> FUSE_READ
 *                            FIFREEZE(fsA)
 *                              waits for A to leave
 *                                                         write(fsA_fd2)
 *                                                           waits for the
 *                                                           freezer
 *
 * On a kernel without a bound on the freeze, nothing moves again: the
 * test's watchdog reports the hang, then breaks it (abort the FUSE
 * connection, thaw fsA) so that the run goes on.  With
 * fs.freeze_timeout_ms set, FIFREEZE backs out after the bound, the
 * daemon's write goes through, A completes, and FIFREEZE either fails
 * with ETIMEDOUT (no retries) or succeeds on a retry.  A freezer caught
 * in the chain can also be killed at any moment, and leaves fsA unfrozen.
 */
#define FUSE_USE_VERSION 31

#include <dirent.h>
#include <fuse_lowlevel.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "../kselftest_harness.h"
#include "fanotify_test.h"

#ifndef FAN_PRE_ACCESS
#define FAN_PRE_ACCESS		0x00100000
#endif

#define DATA_SIZE	(64 * 1024)
#define DATA_INO	2
#define DAEMON_MSG	"written by the FUSE daemon\n"
#define WATCHDOG_MS	30000
#define FREEZE_BOUND_MS	1000

static const char *const sysctl_timeout = "/proc/sys/fs/freeze_timeout_ms";
static const char *const sysctl_retries = "/proc/sys/fs/freeze_retries";

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned char data_byte(off_t off)
{
	return (off * 31 + off / 4096) % 251;
}

/* Everything the threads and the FUSE callbacks share. */
struct chain {
	char dir[64], img[96], fsa[96], fsb[96];
	struct fuse_session *se;
	unsigned int fuse_conn;		/* /sys/fs/fuse/connections/<this> */
	pthread_t daemon, writer, freezer;
	bool daemon_started, writer_started, freezer_started;
	int fsa_dirfd;

	int fan_fd;			/* chain1: the HSM's group */
	int hsm_wfd;			/* chain_ovl: the listener writes here */
	atomic_int events, caught, freeze_failures;
	__u64 stress_mask;		/* the event the stress HSM fills on */
	pid_t event_pid;
	int open_ret, open_errno;

	/* stress: counters, and the stub files an HSM fills */
	atomic_int stress, stop, hsm_stop, failures;
	atomic_long fills, fill_bytes, reads, fuse_reads, writes;
	atomic_long cycles, freeze_timeouts, max_freeze_ms;
	atomic_int filled[16];
	ino_t stub_ino[16];

	atomic_int hooked;		/* the first FUSE_READ starts the chain */
	atomic_int freezer_tid;
	atomic_int writer_done, freezer_done, daemon_write_done;
	ssize_t writer_ret, daemon_write_ret;
	int writer_errno, daemon_write_errno;
	int freeze_ret, freeze_errno;
	long freeze_ms;
	bool freezer_seen;		/* seen waiting for writers */
	bool kill_freezer;		/* FIFREEZE in a child, SIGKILLed */
	pid_t freezer_pid;
	int freezer_go;			/* a byte here starts its FIFREEZE */
	long kill_ms;			/* SIGKILL to the child's exit */
	long t0, t_hook, t_blocked, t_daemon_write, t_freeze_end, t_writer_end;
};

static struct chain *chain;

/* --- a minimal FUSE filesystem: one read-only file, "data" --- */

static void fill_stat(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	if (ino == FUSE_ROOT_ID) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = DATA_SIZE;
	}
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e = { 0 };

	if (parent != FUSE_ROOT_ID || strcmp(name, "data")) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	e.ino = DATA_INO;
	e.attr_timeout = 3600;
	e.entry_timeout = 3600;
	fill_stat(DATA_INO, &e.attr);
	fuse_reply_entry(req, &e);
}

static void ll_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	if (ino != FUSE_ROOT_ID && ino != DATA_INO) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	fill_stat(ino, &st);
	fuse_reply_attr(req, &st, 3600);
}

static void ll_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (ino != DATA_INO)
		fuse_reply_err(req, EISDIR);
	else if ((fi->flags & O_ACCMODE) != O_RDONLY)
		fuse_reply_err(req, EACCES);
	else
		fuse_reply_open(req, fi);
}

/* The state letter of task @tid ('R', 'S', 'D', ...), 0 if unknown. */
static char task_state(int tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", tid);
	fd = open(path, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * Wait (bounded) until the freezer @tid waits for the writers of fsA:
 * percpu_down_write() is on its kernel stack, past rcu_sync_enter().
 * Before that it may sleep elsewhere (s_umount, the RCU grace period of
 * rcu_sync_enter()), when writers still get in.  Where the kernel shows
 * no usable stack (7.3's /proc/<pid>/stack can come back empty or with a
 * single frame), settle for the freezer sleeping uninterruptibly in the
 * kernel for 300 ms, unless its stack names one of those earlier waits:
 * far longer than they take when nothing holds them up (a grace period
 * is a few jiffies), and well inside the one-second bound after which a
 * freezer without retries gives up.
 */
static bool wait_freezer_waits_for_writers(int tid, int ms)
{
	char path[64], buf[4096];
	long end = now_ms() + ms, d_since = 0;

	snprintf(path, sizeof(path), "/proc/%d/stack", tid);
	while (now_ms() < end && !atomic_load(&chain->freezer_done)) {
		int fd = open(path, O_RDONLY);
		ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

		if (fd >= 0)
			close(fd);
		buf[n > 0 ? n : 0] = 0;
		if (strstr(buf, "percpu_down_write") && !strstr(buf, "rcu_sync"))
			return true;
		if (!strstr(buf, "percpu_down_write") && !strstr(buf, "rcu_sync") &&
		    !strstr(buf, "wait_rcu_gp") && !strstr(buf, "rwsem_down_write") &&
		    task_state(tid) == 'D') {
			if (!d_since)
				d_since = now_ms();
			else if (now_ms() - d_since >= 300)
				return true;
		} else {
			d_since = 0;
		}
		usleep(2000);
	}
	return false;
}

static void *freezer_fn(void *arg)
{
	long t0;

	atomic_store(&chain->freezer_tid, gettid());
	t0 = now_ms();
	chain->freeze_ret = ioctl(chain->fsa_dirfd, FIFREEZE, 0);
	chain->freeze_errno = errno;
	chain->freeze_ms = now_ms() - t0;
	chain->t_freeze_end = now_ms() - chain->t0;
	atomic_store(&chain->freezer_done, 1);
	return NULL;
}

/*
 * The daemon's side of the chain, on the fault from thread A: start the
 * freeze, wait until it waits for A, then write to fsA as an HSM or a
 * FUSE server writing its cache would.
 */
/* Start FIFREEZE on fsA; return once it waits for writers or is done. */
static void start_freeze_and_wait(void)
{
	int tid = 0;
	long end;

	if (pthread_create(&chain->freezer, NULL, freezer_fn, NULL))
		return;
	chain->freezer_started = true;
	for (end = now_ms() + 5000; now_ms() < end && !tid; usleep(1000))
		tid = atomic_load(&chain->freezer_tid);
	chain->freezer_seen = tid && wait_freezer_waits_for_writers(tid, 5000);
	chain->t_blocked = now_ms() - chain->t0;
}

/* Reap the FIFREEZE child, if it has exited; true once it has. */
static bool reap_freezer(void)
{
	int status;

	if (chain->freezer_pid <= 0)
		return false;
	if (waitpid(chain->freezer_pid, &status, WNOHANG) != chain->freezer_pid)
		return false;
	chain->freezer_pid = 0;
	atomic_store(&chain->freezer_done, 1);
	return true;
}

/*
 * FIFREEZE in a child process; once it waits for writers (for thread A),
 * SIGKILL it and wait, bounded, for it to die.  A freezer that cannot be
 * killed stays in the kernel, and the daemon's write then hangs behind it.
 */
static void kill_freezer_in_chain(void)
{
	long t, end;
	pid_t pid;

	pid = chain->freezer_pid;
	if (pid <= 0 || write(chain->freezer_go, "f", 1) != 1)
		return;
	chain->freezer_seen = wait_freezer_waits_for_writers(pid, 5000);
	chain->t_blocked = now_ms() - chain->t0;
	t = now_ms();
	kill(pid, SIGKILL);
	for (end = t + 5000; now_ms() < end; usleep(2000))
		if (reap_freezer())
			break;
	chain->kill_ms = atomic_load(&chain->freezer_done) ? now_ms() - t : -1;
}

/* Write to fsA, as an HSM or a FUSE server writing its cache would. */
static void daemon_write(void)
{
	int fd;

	fd = openat(chain->fsa_dirfd, "daemon", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	chain->daemon_write_ret = fd < 0 ? -1 :
		write(fd, DAEMON_MSG, sizeof(DAEMON_MSG) - 1);
	chain->daemon_write_errno = errno;
	chain->t_daemon_write = now_ms() - chain->t0;
	if (fd >= 0)
		close(fd);
	atomic_store(&chain->daemon_write_done, 1);
}

/*
 * The daemon's side of the chain, on the fault from thread A: start the
 * freeze, wait until it waits for A, then write to fsA.
 */
static void daemon_hook(void)
{
	chain->t_hook = now_ms() - chain->t0;
	if (chain->kill_freezer)
		kill_freezer_in_chain();
	else
		start_freeze_and_wait();
	daemon_write();
}

static void ll_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	static char buf[DATA_SIZE];
	size_t i;

	if (off >= DATA_SIZE)
		size = 0;
	else if (off + size > DATA_SIZE)
		size = DATA_SIZE - off;
	if (atomic_load(&chain->stress)) {
		/* A FUSE server that logs to fsA while serving a fault. */
		int fd = openat(chain->fsa_dirfd, "fuselog",
				O_WRONLY | O_CREAT | O_APPEND, 0644);

		if (fd < 0 || write(fd, "read\n", 5) != 5)
			atomic_fetch_add(&chain->failures, 1);
		if (fd >= 0)
			close(fd);
		atomic_fetch_add(&chain->fuse_reads, 1);
	} else if (size && !atomic_exchange(&chain->hooked, 1)) {
		daemon_hook();
	}
	for (i = 0; i < size; i++)
		buf[i] = data_byte(off + i);
	fuse_reply_buf(req, buf, size);
}

static const struct fuse_lowlevel_ops fuse_ops = {
	.lookup = ll_lookup,
	.getattr = ll_getattr,
	.open = ll_open,
	.read = ll_read,
};

static void *daemon_fn(void *arg)
{
	fuse_session_loop(chain->se);
	return NULL;
}

static void *writer_fn(void *arg)
{
	char path[128];
	void *p = MAP_FAILED;
	int in, out;

	snprintf(path, sizeof(path), "%s/data", chain->fsb);
	in = open(path, O_RDONLY);
	out = openat(chain->fsa_dirfd, "file", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (in >= 0)
		p = mmap(NULL, DATA_SIZE, PROT_READ, MAP_SHARED, in, 0);
	if (in < 0 || out < 0 || p == MAP_FAILED) {
		chain->writer_ret = -1;
		chain->writer_errno = errno;
	} else {
		/* The fault on p comes under fsA's freeze protection. */
		chain->writer_ret = write(out, p, DATA_SIZE);
		chain->writer_errno = errno;
	}
	if (p != MAP_FAILED)
		munmap(p, DATA_SIZE);
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	chain->t_writer_end = now_ms() - chain->t0;
	atomic_store(&chain->writer_done, 1);
	return NULL;
}

static bool all_done(void)
{
	return atomic_load(&chain->writer_done) &&
	       atomic_load(&chain->freezer_done) &&
	       atomic_load(&chain->daemon_write_done);
}

/* Join @t within @ms: false, and the thread left running, if it is stuck */
static bool join_within(pthread_t t, int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return !pthread_timedjoin_np(t, NULL, &ts);
}

static bool wait_all_done(int ms)
{
	long end = now_ms() + ms;

	while (!all_done() && now_ms() < end)
		usleep(10000);
	return all_done();
}

/*
 * The chain did not resolve: say where everybody is stuck, then break
 * it from outside so that the run can go on.  Aborting the FUSE
 * connection fails A's fault, A leaves sb_start_write(), the freeze
 * completes; thawing lets the daemon's write through.
 */
static void break_the_chain(struct __test_metadata *_metadata)
{
	char path[96];
	long end;

	if (!atomic_load(&chain->stress))
		TH_LOG("HANG: after %d s, writer %s, FIFREEZE %s, daemon write %s",
		       WATCHDOG_MS / 1000,
		       atomic_load(&chain->writer_done) ? "done" : "stuck in write(fsA, mmap(fsB))",
		       atomic_load(&chain->freezer_done) ? "done" : "stuck waiting for writers",
		       atomic_load(&chain->daemon_write_done) ? "done" : "stuck behind the freeze");
	/* Not stat(fsB): that would wait for the stuck daemon too. */
	snprintf(path, sizeof(path), "/sys/fs/fuse/connections/%u/abort",
		 chain->fuse_conn);
	if (fan_write_file(path, "1"))
		TH_LOG("cannot abort the FUSE connection (%s)", path);
	for (end = now_ms() + 10000; now_ms() < end && !all_done(); usleep(50000)) {
		reap_freezer();
		if (atomic_load(&chain->freezer_done))
			ioctl(chain->fsa_dirfd, FITHAW, 0);
	}
	if (!all_done())
		TH_LOG("the chain could not be broken: tasks left in the kernel");
}

FIXTURE(chain3) {
	char saved_timeout[32], saved_retries[32];
	bool have_sysctl;
};

FIXTURE_VARIANT(chain3) {
	const char *retries;	/* fs.freeze_retries for the test */
	int freeze_errno;	/* 0: FIFREEZE succeeds on a retry */
};

FIXTURE_VARIANT_ADD(chain3, no_retry) {
	.retries = "0", .freeze_errno = ETIMEDOUT,
};

FIXTURE_VARIANT_ADD(chain3, retry) {
	.retries = "2", .freeze_errno = 0,
};

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* Map the shared state and make fsA: ext4 on a loop device. */
static void setup_fsa(struct __test_metadata *_metadata, const char *tag)
{
	char cmd[512];

	chain = mmap(NULL, sizeof(*chain), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, chain);
	chain->fsa_dirfd = -1;
	chain->fan_fd = -1;
	chain->hsm_wfd = -1;

	if (system("command -v mkfs.ext4 >/dev/null 2>&1"))
		SKIP(return, "mkfs.ext4 not found (e2fsprogs)");

	/* Mounts die with the test, even when TEARDOWN does not run */
	ASSERT_EQ(0, fan_private_mounts());
	ASSERT_NE(NULL, fan_mkdtemp(chain->dir, sizeof(chain->dir), tag));
	snprintf(chain->img, sizeof(chain->img), "%s/fsA.img", chain->dir);
	snprintf(chain->fsa, sizeof(chain->fsa), "%s/fsA", chain->dir);
	snprintf(chain->fsb, sizeof(chain->fsb), "%s/fsB", chain->dir);
	ASSERT_EQ(0, mkdir(chain->fsa, 0755));
	ASSERT_EQ(0, mkdir(chain->fsb, 0755));
	snprintf(cmd, sizeof(cmd),
		 "truncate -s 64M %s && mkfs.ext4 -q -F %s && mount -o loop %s %s",
		 chain->img, chain->img, chain->img, chain->fsa);
	ASSERT_EQ(0, system(cmd)) {
		TH_LOG("cannot make fsA: %s", cmd);
	}
	chain->fsa_dirfd = open(chain->fsa, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, chain->fsa_dirfd);
}

static void teardown_fsa(struct __test_metadata *_metadata)
{
	char cmd[512];

	if (chain->fsa_dirfd >= 0) {
		ioctl(chain->fsa_dirfd, FITHAW, 0);
		close(chain->fsa_dirfd);
	}
	snprintf(cmd, sizeof(cmd),
		 "umount -l %s 2>/dev/null; umount %s 2>/dev/null; rm -rf %s",
		 chain->fsb, chain->fsa, chain->dir);
	if (chain->dir[0] && system(cmd))
		TH_LOG("cleanup failed: %s", cmd);
}

FIXTURE_SETUP(chain3)
{
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	char path[64], buf[64];
	struct stat st;
	int fd;

	/* The chain is recognised by the freezer's kernel stack */
	fd = open("/proc/self/stack", O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0) {
		if (fd >= 0)
			close(fd);
		SKIP(return, "cannot read /proc/self/stack (CONFIG_STACKTRACE, CAP_SYS_ADMIN)");
	}
	close(fd);

	setup_fsa(_metadata, "chain3");
	if (access("/dev/fuse", R_OK | W_OK))
		SKIP(return, "no /dev/fuse (CONFIG_FUSE_FS)");

	ASSERT_EQ(0, fuse_opt_add_arg(&args, "fanotify_freeze_test"));
	chain->se = fuse_session_new(&args, &fuse_ops, sizeof(fuse_ops), NULL);
	fuse_opt_free_args(&args);
	ASSERT_NE(NULL, chain->se);
	ASSERT_EQ(0, fuse_session_mount(chain->se, chain->fsb));
	ASSERT_EQ(0, pthread_create(&chain->daemon, NULL, daemon_fn, NULL));
	chain->daemon_started = true;
	/* The connection's name in fusectl is the kernel's s_dev (major 0). */
	ASSERT_EQ(0, stat(chain->fsb, &st));
	chain->fuse_conn = minor(st.st_dev);
	snprintf(path, sizeof(path), "/sys/fs/fuse/connections/%u", chain->fuse_conn);
	if (access(path, F_OK))
		TH_LOG("no %s (fusectl): a hang could not be broken", path);

	self->have_sysctl = !read_file(sysctl_timeout, self->saved_timeout,
				       sizeof(self->saved_timeout)) &&
			    !read_file(sysctl_retries, self->saved_retries,
				       sizeof(self->saved_retries));
	if (self->have_sysctl) {
		ASSERT_EQ(0, fan_write_file(sysctl_timeout, "1000"));
		ASSERT_EQ(0, fan_write_file(sysctl_retries, variant->retries));
	} else {
		TH_LOG("no %s: this kernel cannot bound a freeze", sysctl_timeout);
	}
}

FIXTURE_TEARDOWN(chain3)
{
	if (self->have_sysctl) {
		fan_write_file(sysctl_timeout, self->saved_timeout);
		fan_write_file(sysctl_retries, self->saved_retries);
	}
	if (chain->se) {
		fuse_session_exit(chain->se);
		fuse_session_unmount(chain->se);
		if (chain->daemon_started && !all_done())
			pthread_detach(chain->daemon);
		else if (chain->daemon_started)
			pthread_join(chain->daemon, NULL);
		fuse_session_destroy(chain->se);
	}
	teardown_fsa(_metadata);
}

TEST_F_TIMEOUT(chain3, write_mmap_fuse_vs_freeze, 90)
{
	char buf[DATA_SIZE], path[128];
	bool resolved;
	int fd, i;

	chain->t0 = now_ms();
	ASSERT_EQ(0, pthread_create(&chain->writer, NULL, writer_fn, NULL));
	chain->writer_started = true;

	resolved = wait_all_done(WATCHDOG_MS);
	if (!resolved)
		break_the_chain(_metadata);
	ASSERT_TRUE(resolved) {
		TH_LOG("the read -> write -> read chain on SB_FREEZE_WRITE hung");
	}
	pthread_join(chain->writer, NULL);
	pthread_join(chain->freezer, NULL);
	ASSERT_TRUE(atomic_load(&chain->hooked)) {
		TH_LOG("thread A's write never faulted on the FUSE file");
	}
	ASSERT_TRUE(chain->freezer_seen) {
		TH_LOG("FIFREEZE was not seen waiting for writers: no chain");
	}

	ksft_print_msg("FIFREEZE returned %d (%s) after %ld ms; bound %d ms, retries %s\n",
		       chain->freeze_ret,
		       chain->freeze_ret ? strerror(chain->freeze_errno) : "frozen",
		       chain->freeze_ms, FREEZE_BOUND_MS, variant->retries);
	ksft_print_msg("at ms: fault reached the daemon %ld, freezer waits %ld\n",
		       chain->t_hook, chain->t_blocked);
	ksft_print_msg("at ms: daemon wrote %ld, FIFREEZE returned %ld, A wrote %ld\n",
		       chain->t_daemon_write, chain->t_freeze_end,
		       chain->t_writer_end);
	ksft_print_msg("write(fsA, mmap(fsB)) returned %zd (%s); daemon write returned %zd (%s)\n",
		       chain->writer_ret, strerror(chain->writer_errno),
		       chain->daemon_write_ret, strerror(chain->daemon_write_errno));
	if (variant->freeze_errno) {
		ASSERT_EQ(-1, chain->freeze_ret);
		ASSERT_EQ(variant->freeze_errno, chain->freeze_errno);
		EXPECT_GE(chain->freeze_ms, FREEZE_BOUND_MS);
	} else {
		ASSERT_EQ(0, chain->freeze_ret) {
			TH_LOG("FIFREEZE: %s", strerror(chain->freeze_errno));
		}
		EXPECT_GE(chain->freeze_ms, FREEZE_BOUND_MS);
		ASSERT_EQ(0, ioctl(chain->fsa_dirfd, FITHAW, 0));
	}

	/* All three finished, and what they wrote is intact. */
	ASSERT_EQ(DATA_SIZE, chain->writer_ret) {
		TH_LOG("write(fsA, mmap(fsB)): %s", strerror(chain->writer_errno));
	}
	ASSERT_EQ(sizeof(DAEMON_MSG) - 1, chain->daemon_write_ret) {
		TH_LOG("daemon write: %s", strerror(chain->daemon_write_errno));
	}
	snprintf(path, sizeof(path), "%s/file", chain->fsa);
	fd = open(path, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(DATA_SIZE, read(fd, buf, DATA_SIZE));
	close(fd);
	for (i = 0; i < DATA_SIZE; i++)
		if ((unsigned char)buf[i] != data_byte(i))
			break;
	ASSERT_EQ(DATA_SIZE, i) {
		TH_LOG("data written from the FUSE mapping differs at %d", i);
	}

	/* The filesystem is not left half frozen: freeze and thaw work. */
	ASSERT_EQ(0, ioctl(chain->fsa_dirfd, FIFREEZE, 0));
	ASSERT_EQ(0, ioctl(chain->fsa_dirfd, FITHAW, 0));
}

/*
 * A freezer waiting for writers that never drain can be killed at once
 * (not only between attempts), and it leaves fsA unfrozen: the daemon's
 * write goes through and the chain resolves.  The bound is set far
 * beyond the watchdog so that only the kill can end the wait.
 */
TEST_F_TIMEOUT(chain3, kill_waiting_freezer, 90)
{
	bool resolved;
	int fd;

	int go[2];
	pid_t pid;
	char c;

	if (self->have_sysctl)
		ASSERT_EQ(0, fan_write_file(sysctl_timeout, "600000"));
	/*
	 * The freezer is forked now, before anything of fsB is open or
	 * mapped: a child forked by the daemon would hold the FUSE mapping,
	 * and its exit would wait for the daemon that waits for it.
	 */
	ASSERT_EQ(0, pipe(go));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		_exit(ioctl(chain->fsa_dirfd, FIFREEZE, 0) ? errno : 0);
	}
	close(go[0]);
	chain->freezer_go = go[1];
	chain->freezer_pid = pid;
	chain->kill_freezer = true;
	chain->t0 = now_ms();
	ASSERT_EQ(0, pthread_create(&chain->writer, NULL, writer_fn, NULL));
	chain->writer_started = true;

	resolved = wait_all_done(WATCHDOG_MS);
	if (!resolved) {
		TH_LOG("HANG: the SIGKILLed freezer %s",
		       atomic_load(&chain->freezer_done) ? "died" :
		       "is still in FIFREEZE");
		break_the_chain(_metadata);
	}
	ASSERT_TRUE(resolved) {
		TH_LOG("a freezer waiting for writers could not be killed");
	}
	pthread_join(chain->writer, NULL);
	ASSERT_TRUE(chain->freezer_seen) {
		TH_LOG("FIFREEZE was not seen waiting for writers: no chain");
	}
	ksft_print_msg("SIGKILL to exit of the freezer: %ld ms\n", chain->kill_ms);
	EXPECT_LE(0, chain->kill_ms);
	EXPECT_GE(2000, chain->kill_ms);
	/* Not frozen: both writes went through, freeze and thaw work */
	ASSERT_EQ(DATA_SIZE, chain->writer_ret) {
		TH_LOG("write(fsA, mmap(fsB)): %s", strerror(chain->writer_errno));
	}
	ASSERT_EQ(sizeof(DAEMON_MSG) - 1, chain->daemon_write_ret);
	fd = openat(chain->fsa_dirfd, "after-kill", O_WRONLY | O_CREAT, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, write(fd, "x", 1));
	close(fd);
	ASSERT_EQ(0, ioctl(chain->fsa_dirfd, FIFREEZE, 0));
	ASSERT_EQ(0, ioctl(chain->fsa_dirfd, FITHAW, 0));
}

/*
 * Freeze latency without a stuck writer: an idle fsA, then one with a
 * writer that keeps writing.  Each freeze must really freeze (the writer
 * makes no progress until the thaw) and, on a kernel with the bound,
 * end within the attempts the sysctls allow plus a margin for a slow VM.
 */
#define LATENCY_MARGIN_MS	5000

static void *busy_writer_fn(void *arg)
{
	static char buf[4096];
	int fd = openat(chain->fsa_dirfd, "busy", O_WRONLY | O_CREAT, 0644);

	while (fd >= 0 && !atomic_load(&chain->writer_done)) {
		if (pwrite(fd, buf, sizeof(buf), 0) < 0)
			break;
		atomic_fetch_add(&chain->writes, 1);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

TEST_F(chain3, freeze_latency)
{
	long t, idle_max = 0, busy_max = 0, bound = 0, before;
	pthread_t busy;
	int i;

	if (self->have_sysctl)
		bound = (atol(variant->retries) + 1) * 1000 + LATENCY_MARGIN_MS;
	for (i = 0; i < 5; i++) {
		t = now_ms();
		ASSERT_EQ(0, ioctl(chain->fsa_dirfd, FIFREEZE, 0));
		t = now_ms() - t;
		idle_max = t > idle_max ? t : idle_max;
		ASSERT_EQ(0, ioctl(chain->fsa_dirfd, FITHAW, 0));
	}
	ASSERT_EQ(0, pthread_create(&busy, NULL, busy_writer_fn, NULL));
	for (i = 0; i < 5; i++) {
		usleep(20000);
		t = now_ms();
		ASSERT_EQ(0, ioctl(chain->fsa_dirfd, FIFREEZE, 0));
		t = now_ms() - t;
		busy_max = t > busy_max ? t : busy_max;
		/*
		 * Frozen: the writer is held in sb_start_write().  A write
		 * that ended before the freeze may still be counted.
		 */
		before = atomic_load(&chain->writes);
		usleep(100000);
		EXPECT_GE(before + 1, atomic_load(&chain->writes)) {
			TH_LOG("writes went on while fsA was frozen");
		}
		ASSERT_EQ(0, ioctl(chain->fsa_dirfd, FITHAW, 0));
	}
	atomic_store(&chain->writer_done, 1);
	pthread_join(busy, NULL);
	EXPECT_LT(0, atomic_load(&chain->writes));
	ksft_print_msg("freeze latency, max of 5: idle %ld ms, busy writer %ld ms; bound %s ms\n",
		       idle_max, busy_max,
		       self->have_sysctl ? "1000" : "none (unbounded kernel)");
	if (bound) {
		EXPECT_GE(bound, idle_max);
		EXPECT_GE(bound, busy_max);
	}
}

/*
 * Stress: freeze/thaw cycles while readers hit unpopulated stubs that an
 * HSM fills on FAN_PRE_ACCESS (FAN_ACCESS_PERM on a kernel without
 * pre-content events; through event->fd, on fsA itself), a
 * writer writes from an mmap of the FUSE file (every fault makes the
 * FUSE server write to fsA) and the FUSE server serves those faults.
 * Any of them may be inside a chain when a freeze starts.  Everything
 * must finish, every file's content is checked at the end, and the
 * figures are printed.  FAN_STRESS_CYCLES sets the number of cycles.
 */
#define STUBS		16
#define STUB_SIZE	(256 * 1024)

static unsigned char stub_byte(int i, off_t off)
{
	return (i * 7 + off * 13 + off / 4096) % 253;
}

static int stub_index(int fd)
{
	struct stat st;
	int i;

	if (fstat(fd, &st))
		return -1;
	for (i = 0; i < STUBS; i++)
		if (chain->stub_ino[i] == st.st_ino)
			return i;
	return -1;
}

/* Fill stub @i through the event's fd: I/O on it raises no events. */
static int hsm_fill(int fd, int i)
{
	static __thread char buf[65536];
	off_t off;
	int j;

	for (off = 0; off < STUB_SIZE; off += sizeof(buf)) {
		for (j = 0; j < (int)sizeof(buf); j++)
			buf[j] = stub_byte(i, off + j);
		if (pwrite(fd, buf, sizeof(buf), off) != sizeof(buf))
			return -1;
	}
	return 0;
}

static void *stress_hsm_fn(void *arg)
{
	char buf[FAN_TEST_BUF_LEN], path[128];
	struct fanotify_event_metadata *ev;
	ssize_t len;

	while (!atomic_load(&chain->hsm_stop)) {
		if (fan_wait_readable(chain->fan_fd, 100) != 1)
			continue;
		len = read(chain->fan_fd, buf, sizeof(buf));
		for (ev = (void *)buf; len > 0 && FAN_EVENT_OK(ev, len);
		     ev = FAN_EVENT_NEXT(ev, len)) {
			int i = stub_index(ev->fd);

			if (i < 0 || atomic_load(&chain->filled[i])) {
				/* A read that raced with the removal of the mark. */
			} else if (hsm_fill(ev->fd, i)) {
				atomic_fetch_add(&chain->failures, 1);
			} else {
				atomic_store(&chain->filled[i], 1);
				atomic_fetch_add(&chain->fills, 1);
				atomic_fetch_add(&chain->fill_bytes, STUB_SIZE);
				/* Complete: drop the watch from the file. */
				snprintf(path, sizeof(path), "%s/stub%d", chain->fsa, i);
				fanotify_mark(chain->fan_fd, FAN_MARK_REMOVE,
					      chain->stress_mask, AT_FDCWD, path);
			}
			fan_respond(chain->fan_fd, ev->fd, FAN_ALLOW);
			close(ev->fd);
		}
	}
	return NULL;
}

static void *stress_reader_fn(void *arg)
{
	unsigned int seed = (unsigned long)arg;
	char buf[4096], path[128];

	while (!atomic_load(&chain->stop)) {
		int i = rand_r(&seed) % STUBS, fd, j;
		off_t off = (rand_r(&seed) % (STUB_SIZE / 4096)) * 4096;

		snprintf(path, sizeof(path), "%s/stub%d", chain->fsa, i);
		fd = open(path, O_RDONLY);
		if (fd < 0 || pread(fd, buf, sizeof(buf), off) != sizeof(buf)) {
			atomic_fetch_add(&chain->failures, 1);
		} else {
			for (j = 0; j < (int)sizeof(buf); j++)
				if ((unsigned char)buf[j] != stub_byte(i, off + j))
					break;
			if (j != sizeof(buf))
				atomic_fetch_add(&chain->failures, 1);
			atomic_fetch_add(&chain->reads, 1);
		}
		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

static void *stress_writer_fn(void *arg)
{
	while (!atomic_load(&chain->stop)) {
		writer_fn(NULL);
		if (chain->writer_ret != DATA_SIZE)
			atomic_fetch_add(&chain->failures, 1);
		atomic_fetch_add(&chain->writes, 1);
	}
	return NULL;
}

static void *stress_freezer_fn(void *arg)
{
	long cycles = (long)arg, i, t, max;

	for (i = 0; i < cycles && !atomic_load(&chain->stop); i++) {
		usleep(20000);
		t = now_ms();
		if (ioctl(chain->fsa_dirfd, FIFREEZE, 0)) {
			if (errno == ETIMEDOUT)
				atomic_fetch_add(&chain->freeze_timeouts, 1);
			else
				atomic_fetch_add(&chain->failures, 1);
		} else {
			usleep(10000);
			if (ioctl(chain->fsa_dirfd, FITHAW, 0))
				atomic_fetch_add(&chain->failures, 1);
		}
		t = now_ms() - t;
		max = atomic_load(&chain->max_freeze_ms);
		if (t > max)
			atomic_store(&chain->max_freeze_ms, t);
		atomic_fetch_add(&chain->cycles, 1);
	}
	atomic_store(&chain->freezer_done, 1);
	return NULL;
}

TEST_F_TIMEOUT(chain3, stress, 300)
{
	const char *env = getenv("FAN_STRESS_CYCLES");
	long cycles = env ? atol(env) : 30, last = -1, stall_since;
	pthread_t hsm, readers[2], writer, freezer;
	char path[128], buf[4096];
	struct stat st;
	int i, j, fd;

	for (i = 0; i < STUBS; i++) {
		snprintf(path, sizeof(path), "%s/stub%d", chain->fsa, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, ftruncate(fd, STUB_SIZE));	/* sparse: a stub */
		ASSERT_EQ(0, fstat(fd, &st));
		chain->stub_ino[i] = st.st_ino;
		close(fd);
	}
	chain->fan_fd = fanotify_init(FAN_CLASS_PRE_CONTENT | FAN_CLOEXEC,
				      O_RDWR);
	ASSERT_LE(0, chain->fan_fd);
	chain->stress_mask = FAN_PRE_ACCESS;
	for (i = 0; i < STUBS; i++) {
		snprintf(path, sizeof(path), "%s/stub%d", chain->fsa, i);
		if (!i && fanotify_mark(chain->fan_fd, FAN_MARK_ADD,
					chain->stress_mask, AT_FDCWD, path)) {
			ASSERT_EQ(EINVAL, errno);
			chain->stress_mask = FAN_ACCESS_PERM;
		} else if (!i) {
			continue;
		}
		ASSERT_EQ(0, fanotify_mark(chain->fan_fd, FAN_MARK_ADD,
					   chain->stress_mask, AT_FDCWD, path));
	}
	ksft_print_msg("stress HSM fills on %s\n",
		       chain->stress_mask == FAN_PRE_ACCESS ?
		       "FAN_PRE_ACCESS" : "FAN_ACCESS_PERM (no pre-content events)");
	atomic_store(&chain->stress, 1);
	/* No daemon write to wait for, in break_the_chain() and teardown. */
	atomic_store(&chain->daemon_write_done, 1);

	ASSERT_EQ(0, pthread_create(&hsm, NULL, stress_hsm_fn, NULL));
	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&readers[i], NULL, stress_reader_fn,
					    (void *)(long)(i + 1)));
	ASSERT_EQ(0, pthread_create(&writer, NULL, stress_writer_fn, NULL));
	ASSERT_EQ(0, pthread_create(&freezer, NULL, stress_freezer_fn,
				    (void *)cycles));

	/* Watchdog: the cycles must keep coming. */
	stall_since = now_ms();
	while (!atomic_load(&chain->freezer_done)) {
		if (atomic_load(&chain->cycles) != last) {
			last = atomic_load(&chain->cycles);
			stall_since = now_ms();
		} else if (now_ms() - stall_since > WATCHDOG_MS) {
			break;
		}
		usleep(50000);
	}
	if (!atomic_load(&chain->freezer_done)) {
		TH_LOG("HANG: no freeze cycle completed for %d s (after %ld cycles)",
		       WATCHDOG_MS / 1000, last);
		atomic_store(&chain->stop, 1);
		close(chain->fan_fd);	/* allows whatever the HSM holds */
		chain->fan_fd = -1;
		break_the_chain(_metadata);
		ASSERT_TRUE(0);
	}
	atomic_store(&chain->stop, 1);
	ASSERT_TRUE(join_within(freezer, WATCHDOG_MS)) {
		TH_LOG("HANG: the freezer did not stop");
	}
	ASSERT_TRUE(join_within(writer, WATCHDOG_MS)) {
		TH_LOG("HANG: the writer did not stop (stuck in a write to a stub?)");
	}
	for (i = 0; i < 2; i++) {
		ASSERT_TRUE(join_within(readers[i], WATCHDOG_MS)) {
			TH_LOG("HANG: reader %d did not stop (in a FUSE fault or an event?)",
			       i + 1);
		}
	}

	/* Read every stub through the HSM, then check every byte. */
	for (i = 0; i < STUBS; i++) {
		off_t off;

		snprintf(path, sizeof(path), "%s/stub%d", chain->fsa, i);
		fd = open(path, O_RDONLY);
		ASSERT_LE(0, fd);
		for (off = 0; off < STUB_SIZE; off += sizeof(buf)) {
			ASSERT_EQ(sizeof(buf), pread(fd, buf, sizeof(buf), off));
			for (j = 0; j < (int)sizeof(buf); j++)
				if ((unsigned char)buf[j] != stub_byte(i, off + j))
					break;
			ASSERT_EQ(sizeof(buf), j) {
				TH_LOG("stub%d differs at %ld", i, (long)(off + j));
			}
		}
		close(fd);
	}
	atomic_store(&chain->hsm_stop, 1);
	ASSERT_TRUE(join_within(hsm, WATCHDOG_MS)) {
		TH_LOG("HANG: the HSM did not stop");
	}
	close(chain->fan_fd);
	chain->fan_fd = -1;

	ksft_print_msg("stress: %ld freeze cycles, %ld timed out, max latency %ld ms\n",
		       atomic_load(&chain->cycles),
		       atomic_load(&chain->freeze_timeouts),
		       atomic_load(&chain->max_freeze_ms));
	ksft_print_msg("stress: freeze bound 1000 ms, retries %s\n", variant->retries);
	ksft_print_msg("stress: %ld fills, %ld bytes filled, %ld reads verified\n",
		       atomic_load(&chain->fills), atomic_load(&chain->fill_bytes),
		       atomic_load(&chain->reads));
	ksft_print_msg("stress: %ld FUSE reads, %ld writes from the FUSE mapping\n",
		       atomic_load(&chain->fuse_reads), atomic_load(&chain->writes));
	EXPECT_EQ(0, atomic_load(&chain->failures));
	/* Each stub was fetched exactly once. */
	EXPECT_EQ(STUBS, atomic_load(&chain->fills));
	EXPECT_EQ(cycles, atomic_load(&chain->cycles));
	EXPECT_LT(atomic_load(&chain->freeze_timeouts), cycles);
}

/*
 * chain1: the HSM answers FAN_OPEN_PERM for open(O_TRUNC) and writes to
 * the same filesystem first, while a freeze starts.
 *
 *  opener                    freezer                  HSM (listener)
 *  open(f, O_WRONLY|O_TRUNC)
 *    mnt_want_write(fsA)       (6.12: before the event)
 *    FAN_OPEN_PERM ------------------------------------> event
 *                            FIFREEZE(fsA)
 *                              waits for the opener
 *                                                         write(fsA_fd2)
 *                                                           waits for the
 *                                                           freezer
 *
 * With write access taken only for the truncate, after the event, the
 * freeze does not wait for the opener: FIFREEZE succeeds, the HSM's
 * write waits for the thaw, then the open and the truncate complete.
 */
static void *hsm_fn(void *arg)
{
	char buf[FAN_TEST_BUF_LEN];
	struct fanotify_event_metadata *ev;

	ev = fan_read_event(chain->fan_fd, buf, sizeof(buf), WATCHDOG_MS);
	if (!ev) {
		atomic_store(&chain->daemon_write_done, 1);
		return NULL;
	}
	chain->t_hook = now_ms() - chain->t0;
	chain->event_pid = ev->pid;
	atomic_store(&chain->hooked, 1);
	start_freeze_and_wait();
	daemon_write();
	fan_respond(chain->fan_fd, ev->fd, FAN_ALLOW);
	close(ev->fd);
	return NULL;
}

static void *opener_fn(void *arg)
{
	int fd = openat(chain->fsa_dirfd, "target", O_WRONLY | O_TRUNC);

	chain->open_ret = fd;
	chain->open_errno = errno;
	chain->writer_ret = fd < 0 ? -1 : write(fd, "new\n", 4);
	chain->writer_errno = errno;
	if (fd >= 0)
		close(fd);
	chain->t_writer_end = now_ms() - chain->t0;
	atomic_store(&chain->writer_done, 1);
	return NULL;
}

FIXTURE(chain1) {
	pthread_t hsm, opener;
};

FIXTURE_SETUP(chain1)
{
	int fd;

	setup_fsa(_metadata, "chain1");
	fd = openat(chain->fsa_dirfd, "target", O_WRONLY | O_CREAT, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(12, write(fd, "stub content", 12));
	close(fd);
	chain->fan_fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDWR);
	ASSERT_LE(0, chain->fan_fd);
	ASSERT_EQ(0, fanotify_mark(chain->fan_fd, FAN_MARK_ADD, FAN_OPEN_PERM,
				   chain->fsa_dirfd, "target"));
}

FIXTURE_TEARDOWN(chain1)
{
	if (chain->fan_fd >= 0)
		close(chain->fan_fd);
	teardown_fsa(_metadata);
}

TEST_F_TIMEOUT(chain1, open_trunc_perm_vs_freeze, 90)
{
	struct stat st;
	long end;

	chain->t0 = now_ms();
	ASSERT_EQ(0, pthread_create(&self->hsm, NULL, hsm_fn, NULL));
	ASSERT_EQ(0, pthread_create(&self->opener, NULL, opener_fn, NULL));

	for (end = now_ms() + WATCHDOG_MS; now_ms() < end; usleep(10000))
		if (atomic_load(&chain->freezer_done))
			break;
	if (!atomic_load(&chain->freezer_done)) {
		TH_LOG("HANG: after %d s, open(O_TRUNC) %s, FIFREEZE %s, HSM write %s",
		       WATCHDOG_MS / 1000,
		       atomic_load(&chain->writer_done) ? "done" : "stuck in FAN_OPEN_PERM",
		       "stuck waiting for the opener",
		       atomic_load(&chain->daemon_write_done) ? "done" : "stuck behind the freeze");
		/* Closing the group allows the open; then thaw. */
		close(chain->fan_fd);
		chain->fan_fd = -1;
		for (end = now_ms() + 10000; now_ms() < end && !all_done(); usleep(50000))
			if (atomic_load(&chain->freezer_done))
				ioctl(chain->fsa_dirfd, FITHAW, 0);
		ASSERT_TRUE(all_done()) {
			TH_LOG("the chain could not be broken: tasks left in the kernel");
		}
		ASSERT_TRUE(0) {
			TH_LOG("open(O_TRUNC) with FAN_OPEN_PERM held fsA's freeze protection");
		}
	}
	ASSERT_TRUE(atomic_load(&chain->hooked));
	ksft_print_msg("FIFREEZE returned %d (%s) after %ld ms with the open pending\n",
		       chain->freeze_ret,
		       chain->freeze_ret ? strerror(chain->freeze_errno) : "frozen",
		       chain->freeze_ms);
	ASSERT_EQ(0, chain->freeze_ret);

	/* The HSM's write waits for the thaw, then everybody finishes. */
	usleep(100000);
	EXPECT_FALSE(atomic_load(&chain->daemon_write_done)) {
		TH_LOG("the HSM wrote to a frozen filesystem");
	}
	ASSERT_EQ(0, ioctl(chain->fsa_dirfd, FITHAW, 0));
	ASSERT_TRUE(wait_all_done(10000));
	pthread_join(self->hsm, NULL);
	pthread_join(self->opener, NULL);
	pthread_join(chain->freezer, NULL);

	EXPECT_EQ(chain->event_pid, getpid());
	ASSERT_LE(0, chain->open_ret) {
		TH_LOG("open(O_TRUNC): %s", strerror(chain->open_errno));
	}
	ASSERT_EQ(4, chain->writer_ret);
	ASSERT_EQ(sizeof(DAEMON_MSG) - 1, chain->daemon_write_ret);
	/* The truncate happened, after the event: only "new\n" is left. */
	ASSERT_EQ(0, fstatat(chain->fsa_dirfd, "target", &st, 0));
	ASSERT_EQ(4, st.st_size);
}

/*
 * chain_ovl: a FAN_OPEN_PERM listener on the filesystem that holds the
 * layers of an overlay (fapolicyd does this) answers every event after it
 * wrote to that filesystem, while a freeze of it starts.
 *
 *  opener                    freezer                  listener
 *  open(ovl/f, O_WRONLY)
 *    ovl_copy_up()
 *      ovl_start_write(fsA)
 *      vfs_tmpfile(fsA/work)
 *        FAN_OPEN_PERM -------------------------------> event
 *                            FIFREEZE(fsA)
 *                              waits for the opener
 *                                                         write(fsA_fd2)
 *                                                           waits for the
 *                                                           freezer
 *
 * 7.3 raises FAN_OPEN_PERM for the upper tmpfile from do_dentry_open()
 * inside ->tmpfile(), and ovl_copy_up_tmpfile() holds sb_start_write() of
 * the upper filesystem around it: the freeze waits for the opener, the
 * listener's write waits for the freeze, the opener waits for the
 * listener, and nothing moves until the watchdog closes the group (which
 * allows the pending event) and thaws.  With the event of a tmpfile
 * raised only by open(O_TMPFILE), after write access is dropped, the
 * copy-up raises events only for the lower file it reads and the upper
 * file ovl_open() opens, without freeze protection: every freeze
 * completes, the listener thaws, writes and allows.
 */
static void ovl_hsm_event(struct fanotify_event_metadata *ev)
{
	static const char msg[] = "written by the listener\n";

	atomic_fetch_add(&chain->events, 1);
	chain->event_pid = ev->pid;
	atomic_store(&chain->freezer_tid, 0);
	atomic_store(&chain->freezer_done, 0);
	start_freeze_and_wait();
	if (atomic_load(&chain->freezer_done)) {
		pthread_join(chain->freezer, NULL);
		chain->freezer_started = false;
		if (chain->freeze_ret)
			atomic_fetch_add(&chain->freeze_failures, 1);
		else
			ioctl(chain->fsa_dirfd, FITHAW, 0);
	} else if (chain->freezer_seen) {
		/* Waits for a writer: the opener, if the chain closed. */
		atomic_fetch_add(&chain->caught, 1);
	}
	/* An open would raise FAN_OPEN_PERM to ourselves: the fd is ready */
	chain->daemon_write_ret = write(chain->hsm_wfd, msg, sizeof(msg) - 1);
	chain->daemon_write_errno = errno;
	fan_respond(chain->fan_fd, ev->fd, FAN_ALLOW);
	close(ev->fd);
}

static void *ovl_hsm_fn(void *arg)
{
	char buf[FAN_TEST_BUF_LEN];
	struct fanotify_event_metadata *ev;

	while (!atomic_load(&chain->writer_done)) {
		ev = fan_read_event(chain->fan_fd, buf, sizeof(buf), 100);
		if (ev)
			ovl_hsm_event(ev);
		else if (errno != ETIMEDOUT)
			break;
	}
	atomic_store(&chain->daemon_write_done, 1);
	return NULL;
}

static void *ovl_opener_fn(void *arg)
{
	int fd = openat(chain->fsa_dirfd, "merged/file", O_WRONLY);

	chain->open_ret = fd;
	chain->open_errno = errno;
	if (fd >= 0)
		close(fd);
	chain->t_writer_end = now_ms() - chain->t0;
	atomic_store(&chain->writer_done, 1);
	return NULL;
}

#define OVL_DATA	"the lower file's content\n"

FIXTURE(chain_ovl) {
	pthread_t hsm, opener;
	bool mounted;
};

FIXTURE_SETUP(chain_ovl)
{
	char merged[128], opts[512];
	int fd;

	setup_fsa(_metadata, "chain_ovl");
	ASSERT_EQ(0, mkdirat(chain->fsa_dirfd, "lower", 0755));
	ASSERT_EQ(0, mkdirat(chain->fsa_dirfd, "upper", 0755));
	ASSERT_EQ(0, mkdirat(chain->fsa_dirfd, "work", 0755));
	ASSERT_EQ(0, mkdirat(chain->fsa_dirfd, "merged", 0755));
	fd = openat(chain->fsa_dirfd, "lower/file", O_WRONLY | O_CREAT, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(sizeof(OVL_DATA) - 1, write(fd, OVL_DATA, sizeof(OVL_DATA) - 1));
	close(fd);

	snprintf(merged, sizeof(merged), "%s/merged", chain->fsa);
	snprintf(opts, sizeof(opts), "lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/work",
		 chain->fsa, chain->fsa, chain->fsa);
	if (mount("overlay", merged, "overlay", 0, opts)) {
		if (errno == ENODEV)
			SKIP(return, "overlayfs not supported (CONFIG_OVERLAY_FS)");
		ASSERT_EQ(0, errno) {
			TH_LOG("mount overlay on %s: %s", merged, strerror(errno));
		}
	}
	self->mounted = true;

	chain->hsm_wfd = openat(chain->fsa_dirfd, "daemon",
				O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ASSERT_LE(0, chain->hsm_wfd);
	chain->fan_fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY);
	ASSERT_LE(0, chain->fan_fd);
	ASSERT_EQ(0, fanotify_mark(chain->fan_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
				   FAN_OPEN_PERM, chain->fsa_dirfd, NULL));
}

FIXTURE_TEARDOWN(chain_ovl)
{
	char merged[128];

	if (chain->fan_fd >= 0)
		close(chain->fan_fd);
	if (chain->hsm_wfd >= 0)
		close(chain->hsm_wfd);
	snprintf(merged, sizeof(merged), "%s/merged", chain->fsa);
	if (self->mounted && umount2(merged, MNT_DETACH))
		TH_LOG("umount %s: %s", merged, strerror(errno));
	teardown_fsa(_metadata);
}

TEST_F_TIMEOUT(chain_ovl, copy_up_open_perm_vs_freeze, 90)
{
	char buf[64];
	long end;
	int fd;

	chain->t0 = now_ms();
	ASSERT_EQ(0, pthread_create(&self->hsm, NULL, ovl_hsm_fn, NULL));
	ASSERT_EQ(0, pthread_create(&self->opener, NULL, ovl_opener_fn, NULL));

	/* A freeze that completes after the listener wrote needs a thaw */
	for (end = now_ms() + WATCHDOG_MS; now_ms() < end; usleep(10000)) {
		if (atomic_load(&chain->writer_done))
			break;
		if (atomic_load(&chain->freezer_done))
			ioctl(chain->fsa_dirfd, FITHAW, 0);
	}
	if (!atomic_load(&chain->writer_done)) {
		TH_LOG("HANG: after %d s, copy-up stuck, FIFREEZE %s, listener write %s",
		       WATCHDOG_MS / 1000,
		       atomic_load(&chain->freezer_done) ? "done" : "stuck waiting for the opener",
		       atomic_load(&chain->daemon_write_done) ? "done" : "stuck behind the freeze");
		/* Closing the group allows the pending event; then thaw. */
		close(chain->fan_fd);
		chain->fan_fd = -1;
		for (end = now_ms() + 10000; now_ms() < end && !all_done(); usleep(50000))
			if (atomic_load(&chain->freezer_done))
				ioctl(chain->fsa_dirfd, FITHAW, 0);
		ASSERT_TRUE(all_done()) {
			TH_LOG("the chain could not be broken: tasks left in the kernel");
		}
		ASSERT_TRUE(0) {
			TH_LOG("copy-up raised FAN_OPEN_PERM with write access to the upper fs");
		}
	}
	ASSERT_TRUE(wait_all_done(10000));
	pthread_join(self->hsm, NULL);
	pthread_join(self->opener, NULL);
	if (chain->freezer_started)
		pthread_join(chain->freezer, NULL);
	ioctl(chain->fsa_dirfd, FITHAW, 0);
	close(chain->fan_fd);
	chain->fan_fd = -1;

	ksft_print_msg("%d events, %d freezes caught waiting for writers\n",
		       atomic_load(&chain->events), atomic_load(&chain->caught));
	ASSERT_LE(0, chain->open_ret) {
		TH_LOG("open(O_WRONLY) through the overlay: %s",
		       strerror(chain->open_errno));
	}
	/* At least the lower file read and the upper file opened */
	ASSERT_LE(2, atomic_load(&chain->events));
	EXPECT_EQ(chain->event_pid, getpid());
	EXPECT_EQ(0, atomic_load(&chain->freeze_failures));
	ASSERT_LT(0, chain->daemon_write_ret) {
		TH_LOG("the listener's write: %s", strerror(chain->daemon_write_errno));
	}

	/* Copied up, with the lower content */
	fd = openat(chain->fsa_dirfd, "upper/file", O_RDONLY);
	ASSERT_LE(0, fd);
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(sizeof(OVL_DATA) - 1, read(fd, buf, sizeof(buf) - 1));
	close(fd);
	ASSERT_STREQ(OVL_DATA, buf);
}

TEST_HARNESS_MAIN
