// SPDX-License-Identifier: GPL-2.0
/*
 * What pre-content events cost a read() and what an HSM round trip costs.
 *
 * Prints "name value" lines:
 *   a_no_group_ns        ns per 4 KiB pread() of a cached ext4 file, no
 *                        fanotify group on the system
 *   b_other_fs_ns        the same with a pre-content group watching another
 *                        filesystem
 *   c_dropped_watch_ns   the same on a file of a watched filesystem that the
 *                        HSM has marked ignored (fully populated), opened
 *                        after the ignore mark
 *   c_open_before_ns     the same file opened before the ignore mark: the
 *                        hook runs and the event is ignored per call
 *   d_fill_events_per_s  HSM round trips per second: a pread of 4 KiB of a
 *                        stub, the HSM filling that page through event->fd
 *   d_fill_us            the same as microseconds per round trip
 *   e_find_entries       entries of a populated tree on its own ext4
 *                        (FIND_DIRS directories of FIND_FILES files)
 *   e_find_no_hsm_ns     ns per entry of a find-like walk of it (getdents64
 *                        and fstatat() of every entry), all in the dcache,
 *                        no group watching that filesystem
 *   e_find_hsm_ns        the same with an HSM watching it for
 *                        FAN_LOOKUP_PERM: it marked each directory ignored
 *                        (populated) on its listing in a first walk, as
 *                        the sample HSM does
 *   e_find_hsm_events    events in the measured walks (0 expected)
 *
 * On a kernel without pre-content events b and d use FAN_ACCESS_PERM, and c
 * is reported as "n/a"; without FAN_LOOKUP_PERM the e_find_hsm_ figures are
 * "n/a".  Boot with "-icount shift=0,sleep=off" on one vCPU:
 * the guest clock then counts instructions, so the figures repeat across
 * boots and ratios between kernels are meaningful.  It is a benchmark, not
 * a test: it asserts nothing about the figures.
 *
 * The write path, measured right after (a), before the group of (b) exists:
 *   f_write_no_group_ns  ns per 4 KiB pwrite() over the data of an ext4
 *                        file (no block allocated), no fanotify group on
 *                        the system
 *   f_other_fs_mask      the mask of the change journal below:
 *                        FAN_PRE_MODIFY, or FAN_PRE_ACCESS (which a write
 *                        raises too) on a kernel without it
 *   f_write_other_fs_ns  the same with a change journal (a pre-content group
 *                        with a filesystem mark for that mask, a listener
 *                        that allows) on another filesystem
 *   g_write_allowed_ns   the same with the journal on the filesystem
 *                        written: each write waits for the journal's answer
 *   g_barrier_ns_N       ns per FAN_IOC_WRITE_BARRIER of that journal while
 *                        N threads (0, 1, 4, 8) write 4 KiB at a time to
 *                        their own files on its filesystem, each write
 *                        allowed; on one vCPU a write in flight is a writer
 *                        preempted between its answer and its return to
 *                        user space.  "n/a" without the ioctl (ENOTTY)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fanotify_test.h"

#ifndef FAN_PRE_ACCESS
#define FAN_PRE_ACCESS		0x00100000
#endif
#ifndef FAN_PRE_MODIFY
#define FAN_PRE_MODIFY		0x00200000
#endif
#ifndef FAN_IOC_WRITE_BARRIER
#define FAN_IOC_WRITE_BARRIER	_IO(0xFA, 0x00)
#endif
#ifndef FAN_EVENT_INFO_TYPE_RANGE
#define FAN_EVENT_INFO_TYPE_RANGE	6
#endif
#ifndef FAN_LOOKUP_PERM
#define FAN_LOOKUP_PERM		0x00400000
#endif

#define PG		4096
#define NR_READS	20000
#define NR_ALLOWED	2000
#define NR_BARRIERS	100
#define MAX_WRITERS	8
#define NR_ROUNDS	3
#define STUB_PAGES	2048
#define FIND_DIRS	100
#define FIND_FILES	1000

static char dir[64], mnt_a[96], mnt_b[96], img_a[96], img_b[96];
static char mnt_c[96], img_c[96];
static int fan_fd = -1, lookup_fd = -1;
static pid_t lookup_pid;
static __u64 watch_mask = FAN_PRE_ACCESS;
/* Shared with the listener process */
static long *listener_events;
static pid_t listener_pid;
/* The change journal of (f) and (g), its listener and the writers of (g) */
static char mnt_d[96], img_d[96];
static __u64 journal_mask = FAN_PRE_MODIFY;
static long *allow_events;
static pid_t allow_pid;
static int writers_stop;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * Answer everything; fill the page of a range (or at 0) through event->fd.
 * It runs in its own process: a second thread in the reading process would
 * make every read take and drop a reference on its file.
 */
static void listener(void)
{
	__u64 words[FAN_TEST_BUF_LEN / 8];
	char *buf = (char *)words;
	static char page[PG];

	memset(page, 'h', sizeof(page));
	for (;;) {
		struct fanotify_event_metadata *ev;
		ssize_t len;

		if (fan_wait_readable(fan_fd, 100) != 1)
			continue;
		len = read(fan_fd, buf, sizeof(words));
		for (ev = (void *)buf; len > 0 && FAN_EVENT_OK(ev, len);
		     ev = FAN_EVENT_NEXT(ev, len)) {
			char *p = (char *)ev + ev->metadata_len;
			__u64 off = 0;

			while (p < (char *)ev + ev->event_len) {
				struct fanotify_event_info_header *h = (void *)p;

				if (h->len < sizeof(*h))
					break;
				if (h->info_type == FAN_EVENT_INFO_TYPE_RANGE)
					off = *(__u64 *)(p + 8);
				p += h->len;
			}
			if (pwrite(ev->fd, page, PG, off) != PG)
				fprintf(stderr, "# fill failed: %m\n");
			/* Counted before the reader can go on */
			__atomic_add_fetch(listener_events, 1, __ATOMIC_RELAXED);
			fan_respond(fan_fd, ev->fd, FAN_ALLOW);
			close(ev->fd);
		}
	}
}

/* Median over NR_ROUNDS of the ns per 4 KiB pread of @fd. */
static double read_cost_fd(int fd)
{
	double r[NR_ROUNDS], t;
	static char buf[PG];
	int i, k;

	for (i = 0; i < 1000; i++)
		if (pread(fd, buf, PG, (i % 16) * PG) != PG)
			return -1;
	for (k = 0; k < NR_ROUNDS; k++) {
		double t0 = now_ns();

		for (i = 0; i < NR_READS; i++)
			if (pread(fd, buf, PG, (i % 16) * PG) != PG)
				return -1;
		r[k] = (now_ns() - t0) / NR_READS;
	}
	for (i = 0; i < NR_ROUNDS; i++)
		for (k = i + 1; k < NR_ROUNDS; k++)
			if (r[k] < r[i]) {
				t = r[i];
				r[i] = r[k];
				r[k] = t;
			}
	return r[NR_ROUNDS / 2];
}

static double read_cost(const char *path)
{
	int fd = open(path, O_RDONLY);
	double ret;

	if (fd < 0)
		return -1;
	ret = read_cost_fd(fd);
	close(fd);
	return ret;
}

/*
 * Median over NR_ROUNDS of the ns per 4 KiB pwrite() of @nr over the first
 * 64 KiB of @fd, which hold data: no block is allocated.  Every round
 * starts and ends with the file clean, so no writeback of it runs in one.
 */
static double write_cost_fd(int fd, int nr)
{
	double r[NR_ROUNDS], t;
	static char buf[PG];
	int i, k;

	memset(buf, 'w', sizeof(buf));
	for (i = 0; i < nr / 20; i++)
		if (pwrite(fd, buf, PG, (i % 16) * PG) != PG)
			return -1;
	for (k = 0; k < NR_ROUNDS; k++) {
		double t0;

		if (fsync(fd))
			return -1;
		t0 = now_ns();
		for (i = 0; i < nr; i++)
			if (pwrite(fd, buf, PG, (i % 16) * PG) != PG)
				return -1;
		r[k] = (now_ns() - t0) / nr;
	}
	if (fsync(fd))
		return -1;
	for (i = 0; i < NR_ROUNDS; i++)
		for (k = i + 1; k < NR_ROUNDS; k++)
			if (r[k] < r[i]) {
				t = r[i];
				r[i] = r[k];
				r[k] = t;
			}
	return r[NR_ROUNDS / 2];
}

static double write_cost(const char *path, int nr)
{
	int fd = open(path, O_WRONLY);
	double ret;

	if (fd < 0)
		return -1;
	ret = write_cost_fd(fd, nr);
	close(fd);
	return ret;
}

static int make_file(const char *path, size_t size, int sparse)
{
	static char buf[64 * 1024];
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);

	if (fd < 0)
		return -1;
	memset(buf, 'x', sizeof(buf));
	if (sparse ? ftruncate(fd, size) : write(fd, buf, size) != (ssize_t)size) {
		close(fd);
		return -1;
	}
	fsync(fd);
	return close(fd);
}

/*
 * The change journal of (f) and (g): it records nothing, and allows every
 * event of @fd, counted in allow_events.  A process, as listener() is.
 */
static void allow_listener(int fd)
{
	__u64 words[FAN_TEST_BUF_LEN / 8];
	char *buf = (char *)words;

	for (;;) {
		struct fanotify_event_metadata *ev;
		ssize_t len;

		if (fan_wait_readable(fd, 100) != 1)
			continue;
		len = read(fd, buf, sizeof(words));
		for (ev = (void *)buf; len > 0 && FAN_EVENT_OK(ev, len);
		     ev = FAN_EVENT_NEXT(ev, len)) {
			__atomic_add_fetch(allow_events, 1, __ATOMIC_RELAXED);
			fan_respond(fd, ev->fd, FAN_ALLOW);
			close(ev->fd);
		}
	}
}

static int start_allow_listener(int fd)
{
	*allow_events = 0;
	allow_pid = fork();
	if (allow_pid < 0)
		return -1;
	if (allow_pid == 0) {
		allow_listener(fd);
		_exit(0);
	}
	return 0;
}

static void stop_allow_listener(void)
{
	if (allow_pid > 0) {
		kill(allow_pid, SIGKILL);
		waitpid(allow_pid, NULL, 0);
	}
	allow_pid = 0;
}

/*
 * A pre-content group with the journal's filesystem mark on @path:
 * FAN_PRE_MODIFY, or FAN_PRE_ACCESS where the kernel has no FAN_PRE_MODIFY
 * (EINVAL).  journal_mask says which.  Returns the group's fd or -1.
 */
static int journal_group(const char *path)
{
	int fd = fanotify_init(FAN_CLASS_PRE_CONTENT | FAN_CLOEXEC,
			       O_RDONLY | O_LARGEFILE);

	if (fd < 0)
		return -1;
	if (fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
			  journal_mask, AT_FDCWD, path)) {
		if (errno != EINVAL || journal_mask != FAN_PRE_MODIFY)
			goto fail;
		journal_mask = FAN_PRE_ACCESS;
		if (fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
				  journal_mask, AT_FDCWD, path))
			goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* (f) writes with no group, then with a change journal elsewhere */
static int write_other_fs(void)
{
	char file[128];
	double f;
	int fd;

	snprintf(file, sizeof(file), "%s/wfile", mnt_a);
	if (make_file(file, 64 * 1024, 0))
		return -1;
	f = write_cost(file, NR_READS);
	if (f < 0)
		return -1;
	printf("f_write_no_group_ns %.1f\n", f);

	fd = journal_group(mnt_b);
	if (fd < 0 || start_allow_listener(fd))
		return -1;
	printf("f_other_fs_mask 0x%llx\n", (unsigned long long)journal_mask);
	f = write_cost(file, NR_READS);
	if (f < 0)
		return -1;
	printf("f_write_other_fs_ns %.1f\n", f);
	if (*allow_events)
		printf("# %ld events on a filesystem that should raise none\n",
		       *allow_events);
	stop_allow_listener();
	close(fd);
	return 0;
}

/* A writer of (g): 4 KiB writes over the first 64 KiB of its file */
struct writer {
	pthread_t thread;
	int fd;
	int err;
};

static void *writer(void *arg)
{
	struct writer *w = arg;
	char buf[PG];
	long i;

	memset(buf, 'w', sizeof(buf));
	for (i = 0; !__atomic_load_n(&writers_stop, __ATOMIC_RELAXED); i++)
		if (pwrite(w->fd, buf, PG, (i % 16) * PG) != PG) {
			w->err = errno;
			break;
		}
	return NULL;
}

/*
 * Mean ns per FAN_IOC_WRITE_BARRIER on the journal @fd over NR_BARRIERS
 * calls, after NR_BARRIERS / 10 more, while @nr writers write to files
 * w0, w1, ... of mnt_d.  *@writes: the writes allowed in the timed calls.
 */
static double barrier_cost(int fd, int nr, long *writes)
{
	struct writer w[MAX_WRITERS];
	char path[128];
	double t0, t1;
	int i, n, err = 0;
	long ev;

	__atomic_store_n(&writers_stop, 0, __ATOMIC_RELAXED);
	for (n = 0; n < nr; n++) {
		snprintf(path, sizeof(path), "%s/w%d", mnt_d, n);
		w[n].err = 0;
		w[n].fd = open(path, O_WRONLY);
		if (w[n].fd < 0) {
			err = errno;
			break;
		}
		err = pthread_create(&w[n].thread, NULL, writer, &w[n]);
		if (err) {
			close(w[n].fd);
			break;
		}
	}
	for (i = 0; !err && i < NR_BARRIERS / 10; i++)
		if (ioctl(fd, FAN_IOC_WRITE_BARRIER, 0))
			err = errno;
	ev = *allow_events;
	t0 = now_ns();
	for (i = 0; !err && i < NR_BARRIERS; i++)
		if (ioctl(fd, FAN_IOC_WRITE_BARRIER, 0))
			err = errno;
	t1 = now_ns();
	*writes = *allow_events - ev;
	__atomic_store_n(&writers_stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < n; i++) {
		pthread_join(w[i].thread, NULL);
		if (w[i].err && !err)
			err = w[i].err;
		fsync(w[i].fd);
		close(w[i].fd);
	}
	errno = err;
	return err ? -1 : (t1 - t0) / NR_BARRIERS;
}

/*
 * (g) the change journal on the filesystem written: an allowed write, and
 * the journal's write barrier with writers in flight.
 */
static int write_barrier(void)
{
	static const int nr_writers[] = { 0, 1, 4, MAX_WRITERS, -1 };
	char path[128];
	long writes;
	double g;
	int fd, i;

	/* Before the mark: make_file()'s O_TRUNC would raise an event */
	for (i = 0; i < MAX_WRITERS; i++) {
		snprintf(path, sizeof(path), "%s/w%d", mnt_d, i);
		if (make_file(path, 64 * 1024, 0))
			return -1;
	}
	snprintf(path, sizeof(path), "%s/file", mnt_d);
	if (make_file(path, 64 * 1024, 0))
		return -1;
	fd = journal_group(mnt_d);
	if (fd < 0 || start_allow_listener(fd))
		return -1;
	g = write_cost(path, NR_ALLOWED);
	if (g < 0)
		return -1;
	printf("g_write_allowed_ns %.1f\n", g);
	/* write_cost_fd() writes nr / 20 before its rounds */
	if (*allow_events != NR_ALLOWED / 20 + NR_ROUNDS * NR_ALLOWED)
		printf("# %ld events for %d allowed writes\n", *allow_events,
		       NR_ALLOWED / 20 + NR_ROUNDS * NR_ALLOWED);

	if (ioctl(fd, FAN_IOC_WRITE_BARRIER, 0)) {
		printf("# no write barrier: %m\n");
		for (i = 0; nr_writers[i] >= 0; i++)
			printf("g_barrier_ns_%d n/a\n", nr_writers[i]);
	} else {
		for (i = 0; nr_writers[i] >= 0; i++) {
			g = barrier_cost(fd, nr_writers[i], &writes);
			if (g < 0) {
				fprintf(stderr, "bench: barrier, %d writers: %m\n",
					nr_writers[i]);
				return -1;
			}
			printf("g_barrier_ns_%d %.1f\n", nr_writers[i], g);
			printf("# g_barrier_ns_%d: %ld writes allowed meanwhile\n",
			       nr_writers[i], writes);
		}
	}
	stop_allow_listener();
	close(fd);
	if (umount(mnt_d))
		printf("# umount %s: %m\n", mnt_d);
	return 0;
}

static void cleanup(void)
{
	char cmd[512];

	stop_allow_listener();
	if (mnt_d[0])
		umount2(mnt_d, MNT_DETACH);
	if (listener_pid > 0) {
		kill(listener_pid, SIGKILL);
		waitpid(listener_pid, NULL, 0);
	}
	if (lookup_pid > 0) {
		kill(lookup_pid, SIGKILL);
		waitpid(lookup_pid, NULL, 0);
	}
	if (fan_fd >= 0)
		close(fan_fd);
	if (lookup_fd >= 0)
		close(lookup_fd);
	snprintf(cmd, sizeof(cmd), "umount %s %s %s 2>/dev/null; rm -rf %s",
		 mnt_a, mnt_b, mnt_c, dir);
	if (dir[0] && system(cmd))
		fprintf(stderr, "# could not remove %s\n", dir);
}

/*
 * The HSM of (e): the tree is populated, so it allows every lookup and,
 * on a listing, marks the directory ignored (populated) first.
 */
static void lookup_listener(void)
{
	__u64 words[FAN_TEST_BUF_LEN / 8];
	char *buf = (char *)words;

	for (;;) {
		struct fanotify_event_metadata *ev;
		ssize_t len;

		if (fan_wait_readable(lookup_fd, 100) != 1)
			continue;
		len = read(lookup_fd, buf, sizeof(words));
		for (ev = (void *)buf; len > 0 && FAN_EVENT_OK(ev, len);
		     ev = FAN_EVENT_NEXT(ev, len)) {
			/* A listing has no name record */
			if (ev->event_len == ev->metadata_len &&
			    fanotify_mark(lookup_fd, FAN_MARK_ADD |
					  FAN_MARK_IGNORE_SURV |
					  FAN_MARK_EVICTABLE, FAN_LOOKUP_PERM,
					  ev->fd, NULL))
				fprintf(stderr, "# ignore mark: %m\n");
			__atomic_add_fetch(listener_events, 1, __ATOMIC_RELAXED);
			fan_respond(lookup_fd, ev->fd, FAN_ALLOW);
			close(ev->fd);
		}
	}
}

/* A 100k-entry tree needs more inodes than mkfs gives a small image */
static int make_tree(void)
{
	char cmd[512], name[32];
	int root, d, f, i;

	snprintf(cmd, sizeof(cmd),
		 "truncate -s 512M %s && mkfs.ext4 -q -F -N %d %s && mount -o loop %s %s",
		 img_c, FIND_DIRS * (FIND_FILES + 1) + 1024, img_c, img_c, mnt_c);
	if (mkdir(mnt_c, 0755) || system(cmd))
		return -1;
	unlink(img_c);
	root = open(mnt_c, O_RDONLY | O_DIRECTORY);
	if (root < 0)
		return -1;
	for (i = 0; i < FIND_DIRS; i++) {
		snprintf(name, sizeof(name), "d%03d", i);
		if (mkdirat(root, name, 0755))
			return -1;
		d = openat(root, name, O_RDONLY | O_DIRECTORY);
		if (d < 0)
			return -1;
		for (f = 0; f < FIND_FILES; f++) {
			snprintf(name, sizeof(name), "f%04d", f);
			if (mknodat(d, name, S_IFREG | 0644, 0))
				return -1;
		}
		close(d);
	}
	close(root);
	return 0;
}

/* What find(1) does to each directory: list it, stat each entry. */
static long walk_dir(int dirfd, int depth)
{
	__u64 words[4096 / 8];
	char *buf = (char *)words;
	long n = 0, len, sub;
	struct stat st;

	while ((len = syscall(SYS_getdents64, dirfd, buf, sizeof(words))) > 0) {
		long off = 0;

		while (off < len) {
			struct linux_dirent64 {
				__u64 ino;
				__s64 off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *de = (void *)(buf + off);

			off += de->reclen;
			if (!strcmp(de->name, ".") || !strcmp(de->name, ".."))
				continue;
			if (fstatat(dirfd, de->name, &st, AT_SYMLINK_NOFOLLOW))
				return -1;
			n++;
			if (S_ISDIR(st.st_mode) && depth < 1 &&
			    strcmp(de->name, "lost+found")) {
				int d = openat(dirfd, de->name,
					       O_RDONLY | O_DIRECTORY);

				if (d < 0)
					return -1;
				sub = walk_dir(d, depth + 1);
				close(d);
				if (sub < 0)
					return -1;
				n += sub;
			}
		}
	}
	return len < 0 ? -1 : n;
}

static long walk_tree(void)
{
	int root = open(mnt_c, O_RDONLY | O_DIRECTORY);
	long n;

	if (root < 0)
		return -1;
	n = walk_dir(root, 0);
	close(root);
	return n;
}

/* Median over NR_ROUNDS of the ns per entry of walk_tree(), after one walk */
static double find_cost(long *entries)
{
	double r[NR_ROUNDS], t;
	int i, k;

	*entries = walk_tree();
	if (*entries <= 0)
		return -1;
	/* No writeback of the new tree or of atimes during the walks */
	sync();
	for (k = 0; k < NR_ROUNDS; k++) {
		double t0 = now_ns();

		if (walk_tree() != *entries)
			return -1;
		r[k] = (now_ns() - t0) / *entries;
	}
	for (i = 0; i < NR_ROUNDS; i++)
		for (k = i + 1; k < NR_ROUNDS; k++)
			if (r[k] < r[i]) {
				t = r[i];
				r[i] = r[k];
				r[k] = t;
			}
	return r[NR_ROUNDS / 2];
}

int main(void)
{
	char file[128], stub[128];
	bool pre_content = true;
	double a, b, c, c2 = -1, t0, t1;
	int early, i, ret, status;
	static char buf[PG];
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!fan_mkdtemp(dir, sizeof(dir), "bench"))
		return 1;
	atexit(cleanup);
	snprintf(mnt_a, sizeof(mnt_a), "%s/a", dir);
	snprintf(mnt_b, sizeof(mnt_b), "%s/b", dir);
	snprintf(img_a, sizeof(img_a), "%s/a.img", dir);
	snprintf(img_b, sizeof(img_b), "%s/b.img", dir);
	snprintf(mnt_d, sizeof(mnt_d), "%s/d", dir);
	snprintf(img_d, sizeof(img_d), "%s/d.img", dir);
	if (mkdir(mnt_a, 0755) || mkdir(mnt_b, 0755) || mkdir(mnt_d, 0755) ||
	    fan_mount_ext4(img_a, mnt_a, "64M") ||
	    fan_mount_ext4(img_b, mnt_b, "64M") ||
	    fan_mount_ext4(img_d, mnt_d, "64M")) {
		fprintf(stderr, "bench: cannot mount ext4: %m\n");
		return 1;
	}
	snprintf(file, sizeof(file), "%s/file", mnt_a);
	snprintf(stub, sizeof(stub), "%s/stub", mnt_a);
	if (make_file(file, 64 * 1024, 0) ||
	    make_file(stub, STUB_PAGES * PG, 1))
		return 1;

	/* (a) no group at all */
	a = read_cost(file);
	printf("a_no_group_ns %.1f\n", a);

	/* (f) and (g), the write path, while no group is left from (b) on */
	allow_events = mmap(NULL, sizeof(*allow_events),
			    PROT_READ | PROT_WRITE,
			    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (allow_events == MAP_FAILED)
		return 1;
	if (write_other_fs()) {
		fprintf(stderr, "bench: write path: %m\n");
		return 1;
	}
	/*
	 * (g) in a child: its writer threads would leave this process
	 * multi-threaded, and glibc then wraps every read() of (b) to (e)
	 * for thread cancellation (about 47 instructions more).
	 */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		ret = write_barrier();
		if (ret)
			fprintf(stderr, "bench: write barrier: %m\n");
		fflush(stdout);
		_exit(ret ? 1 : 0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status))
		return 1;

	/* (b) a pre-content group watching another filesystem */
	fan_fd = fanotify_init(FAN_CLASS_PRE_CONTENT | FAN_CLOEXEC,
			       O_RDWR | O_LARGEFILE);
	if (fan_fd < 0) {
		perror("fanotify_init");
		return 1;
	}
	listener_events = mmap(NULL, sizeof(*listener_events),
			       PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (listener_events == MAP_FAILED)
		return 1;
	listener_pid = fork();
	if (listener_pid < 0)
		return 1;
	if (listener_pid == 0) {
		listener();
		_exit(0);
	}
	if (fanotify_mark(fan_fd, FAN_MARK_ADD | FAN_MARK_MOUNT,
			  watch_mask, AT_FDCWD, mnt_b)) {
		pre_content = false;
		watch_mask = FAN_ACCESS_PERM;
		printf("# no pre-content events: using FAN_ACCESS_PERM\n");
		if (fanotify_mark(fan_fd, FAN_MARK_ADD | FAN_MARK_MOUNT,
				  watch_mask, AT_FDCWD, mnt_b))
			return 1;
	}
	b = read_cost(file);
	printf("b_other_fs_ns %.1f\n", b);

	/* (c) a watched filesystem, the file marked ignored by the HSM */
	if (pre_content) {
		if (fanotify_mark(fan_fd, FAN_MARK_ADD | FAN_MARK_MOUNT,
				  FAN_PRE_ACCESS, AT_FDCWD, mnt_a))
			return 1;
		early = open(file, O_RDONLY);
		if (fanotify_mark(fan_fd, FAN_MARK_ADD | FAN_MARK_IGNORE_SURV,
				  FAN_PRE_ACCESS, AT_FDCWD, file))
			return 1;
		c = read_cost(file);
		printf("c_dropped_watch_ns %.1f\n", c);
		if (early >= 0) {
			c2 = read_cost_fd(early);
			close(early);
		}
		printf("c_open_before_ns %.1f\n", c2);
		if (*listener_events)
			printf("# %ld events on files that should raise none\n",
			       *listener_events);
	} else {
		printf("c_dropped_watch_ns n/a\n");
		printf("c_open_before_ns n/a\n");
		if (fanotify_mark(fan_fd, FAN_MARK_ADD | FAN_MARK_MOUNT,
				  watch_mask, AT_FDCWD, mnt_a))
			return 1;
	}

	/* (d) HSM round trips: every 4 KiB read of the stub is filled */
	*listener_events = 0;
	early = open(stub, O_RDONLY);
	if (early < 0)
		return 1;
	t0 = now_ns();
	for (i = 0; i < STUB_PAGES; i++)
		if (pread(early, buf, PG, (off_t)i * PG) != PG ||
		    (pre_content && buf[0] != 'h'))
			break;
	t1 = now_ns();
	close(early);
	if (i != STUB_PAGES || *listener_events != STUB_PAGES) {
		fprintf(stderr, "bench: %d pages read, %ld events\n", i,
			*listener_events);
		return 1;
	}
	printf("d_fill_events_per_s %.0f\n", STUB_PAGES / ((t1 - t0) / 1e9));
	printf("d_fill_us %.2f\n", (t1 - t0) / STUB_PAGES / 1e3);

	/* (e) find over a populated tree, without and with a lookup HSM */
	snprintf(mnt_c, sizeof(mnt_c), "%s/c", dir);
	snprintf(img_c, sizeof(img_c), "%s/c.img", dir);
	if (make_tree()) {
		fprintf(stderr, "bench: cannot make the tree: %m\n");
		return 1;
	}
	{
		long entries, entries2;
		double e, e2;

		e = find_cost(&entries);
		if (e < 0 || entries != FIND_DIRS * (FIND_FILES + 1) + 1) {
			fprintf(stderr, "bench: find walked %ld entries\n",
				entries);
			return 1;
		}
		printf("e_find_entries %ld\n", entries);
		printf("e_find_no_hsm_ns %.1f\n", e);

		lookup_fd = fanotify_init(FAN_CLASS_PRE_CONTENT | FAN_CLOEXEC,
					  O_RDONLY | O_LARGEFILE);
		if (lookup_fd < 0 ||
		    fanotify_mark(lookup_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
				  FAN_LOOKUP_PERM, AT_FDCWD, mnt_c)) {
			printf("e_find_hsm_ns n/a\n");
			printf("e_find_hsm_events n/a\n");
			return 0;
		}
		lookup_pid = fork();
		if (lookup_pid < 0)
			return 1;
		if (lookup_pid == 0) {
			lookup_listener();
			_exit(0);
		}
		/* find_cost()'s first walk raises the listings */
		*listener_events = 0;
		entries2 = walk_tree();
		if (entries2 != entries || *listener_events < FIND_DIRS) {
			fprintf(stderr, "bench: %ld entries, %ld events\n",
				entries2, *listener_events);
			return 1;
		}
		*listener_events = 0;
		e2 = find_cost(&entries2);
		if (e2 < 0 || entries2 != entries)
			return 1;
		printf("e_find_hsm_ns %.1f\n", e2);
		printf("e_find_hsm_events %ld\n", *listener_events);
	}

	return 0;
}
