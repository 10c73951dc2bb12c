// SPDX-License-Identifier: GPL-2.0
/*
 * FAN_MARK_SYNC: an add, remove or flush of marks that returns only when
 * no event still walks the marks as they were before the call.
 *
 * The semantics on inode, mount and filesystem marks, the errors, the
 * capability rule, and the handover it exists for: group A adds its marks
 * with FAN_MARK_SYNC, then group B removes its own with FAN_MARK_SYNC,
 * drains its queue and closes.  Every event both watched reaches A or B.
 * The handover runs under load (8 threads reading a file each, every read
 * a pre-content event with its own offset) for 100 rotations, and counts
 * the reads no group saw.  That the wait waits is tested by KUnit
 * (fs/notify/mark_kunit.c): the window it closes is an event between
 * reading a mark and queueing to its group, too narrow for timing alone to
 * hit reliably.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>

#include "../kselftest_harness.h"
#include "fanotify_test.h"

#ifndef FAN_MARK_SYNC
#define FAN_MARK_SYNC		0x00000800
#endif
#ifndef FAN_PRE_ACCESS
#define FAN_PRE_ACCESS		0x00100000
#endif
#ifndef FAN_REPORT_TID
#define FAN_REPORT_TID		0x00000100
#endif
#ifndef FAN_EVENT_INFO_TYPE_RANGE
#define FAN_EVENT_INFO_TYPE_RANGE	6
struct fanotify_event_info_range {
	struct fanotify_event_info_header hdr;
	__u32 pad;
	__u64 offset;
	__u64 count;
};
#endif

#define NO_MARK_SYNC	"kernel has no FAN_MARK_SYNC (fanotify_mark: EINVAL)"

/*
 * Whether the kernel knows FAN_MARK_SYNC: an add of a mark on "/" says so.
 * 1 if it does, 0 if it answers EINVAL, -1 (errno set) on another error.
 */
static int have_mark_sync(void)
{
	int fd = fanotify_init(FAN_CLASS_NOTIF, O_RDONLY);
	int ret, err;

	if (fd < 0)
		return -1;
	ret = fanotify_mark(fd, FAN_MARK_ADD | FAN_MARK_SYNC, FAN_OPEN,
			    AT_FDCWD, "/");
	err = errno;
	close(fd);
	if (!ret)
		return 1;
	errno = err;
	return err == EINVAL ? 0 : -1;
}

/* SKIP where the kernel lacks FAN_MARK_SYNC, fail on any other error. */
#define REQUIRE_MARK_SYNC() do {					\
	int __have = have_mark_sync();					\
									\
	if (!__have)							\
		SKIP(return, NO_MARK_SYNC);				\
	ASSERT_EQ(1, __have) {						\
		TH_LOG("probing FAN_MARK_SYNC: %s", strerror(errno));	\
	}								\
} while (0)

/*
 * Whether an FAN_OPEN event of @path reaches @fan_fd when it is opened: 1
 * if one came within FAN_TEST_EVENT_MS (@expect) or FAN_TEST_QUIET_MS
 * (!@expect), 0 if none, -1 on error.  Events of other files (a mount or
 * filesystem mark sees the whole of /tmp) are read and dropped.
 */
static int open_event_comes(int fan_fd, const char *path, bool expect)
{
	int ms = expect ? FAN_TEST_EVENT_MS : FAN_TEST_QUIET_MS;
	char buf[FAN_TEST_BUF_LEN];
	struct fanotify_event_metadata *ev;
	struct timespec start, now;
	int fd, ret = 0, seen = 0, left = ms;
	ssize_t len;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &start);
	/* One deadline for the whole wait: other opens must not extend it. */
	while (!seen && left > 0 && (ret = fan_wait_readable(fan_fd, left)) > 0) {
		len = read(fan_fd, buf, sizeof(buf));
		if (len <= 0) {
			ret = -1;
			break;
		}
		for (ev = (void *)buf; FAN_EVENT_OK(ev, len);
		     ev = FAN_EVENT_NEXT(ev, len)) {
			if (ev->fd < 0)
				continue;
			if (ev->mask & FAN_OPEN && fan_same_file(ev->fd, fd))
				seen = 1;
			close(ev->fd);
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = ms - ((now.tv_sec - start.tv_sec) * 1000 +
			     (now.tv_nsec - start.tv_nsec) / 1000000);
	}
	close(fd);
	if (!seen && ret < 0)
		return -1;
	return seen;
}

FIXTURE(mark_sync) {
	char dir[64];
	char path[96];
	int fan_fd;
};

FIXTURE_VARIANT(mark_sync) {
	unsigned int type;	/* FAN_MARK_INODE, _MOUNT or _FILESYSTEM */
	bool on_dir;		/* mark the directory rather than the file */
};

FIXTURE_VARIANT_ADD(mark_sync, inode) {
	.type = FAN_MARK_INODE,
};

FIXTURE_VARIANT_ADD(mark_sync, mount) {
	.type = FAN_MARK_MOUNT, .on_dir = true,
};

FIXTURE_VARIANT_ADD(mark_sync, filesystem) {
	.type = FAN_MARK_FILESYSTEM, .on_dir = true,
};

FIXTURE_SETUP(mark_sync)
{
	int fd;

	self->fan_fd = -1;
	ASSERT_NE(NULL, fan_mkdtemp(self->dir, sizeof(self->dir), "sync"));
	snprintf(self->path, sizeof(self->path), "%s/file", self->dir);
	fd = open(self->path, O_CREAT | O_WRONLY, 0644);
	ASSERT_LE(0, fd);
	close(fd);
	REQUIRE_MARK_SYNC();
	self->fan_fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC, O_RDONLY);
	ASSERT_LE(0, self->fan_fd);
}

FIXTURE_TEARDOWN(mark_sync)
{
	if (self->fan_fd >= 0)
		close(self->fan_fd);
	unlink(self->path);
	rmdir(self->dir);
}

/* An add, a remove and a flush with FAN_MARK_SYNC do what they say. */
TEST_F(mark_sync, add_remove_flush)
{
	const char *obj = variant->on_dir ? self->dir : self->path;
	unsigned int type = variant->type;

	ASSERT_EQ(0, fanotify_mark(self->fan_fd,
				   FAN_MARK_ADD | FAN_MARK_SYNC | type,
				   FAN_OPEN, AT_FDCWD, obj));
	ASSERT_EQ(1, open_event_comes(self->fan_fd, self->path, true));

	ASSERT_EQ(0, fanotify_mark(self->fan_fd,
				   FAN_MARK_REMOVE | FAN_MARK_SYNC | type,
				   FAN_OPEN, AT_FDCWD, obj));
	ASSERT_EQ(0, open_event_comes(self->fan_fd, self->path, false));

	/* A second remove finds no mark. */
	ASSERT_EQ(-1, fanotify_mark(self->fan_fd,
				    FAN_MARK_REMOVE | FAN_MARK_SYNC | type,
				    FAN_OPEN, AT_FDCWD, obj));
	ASSERT_EQ(ENOENT, errno);

	ASSERT_EQ(0, fanotify_mark(self->fan_fd,
				   FAN_MARK_ADD | FAN_MARK_SYNC | type,
				   FAN_OPEN, AT_FDCWD, obj));
	ASSERT_EQ(0, fanotify_mark(self->fan_fd,
				   FAN_MARK_FLUSH | FAN_MARK_SYNC | type,
				   0, AT_FDCWD, NULL));
	ASSERT_EQ(0, open_event_comes(self->fan_fd, self->path, false));
}

/* An ignore mark added with FAN_MARK_SYNC hides the next event. */
TEST_F(mark_sync, ignore)
{
	const char *obj = variant->on_dir ? self->dir : self->path;

	ASSERT_EQ(0, fanotify_mark(self->fan_fd,
				   FAN_MARK_ADD | variant->type,
				   FAN_OPEN, AT_FDCWD, obj));
	ASSERT_EQ(0, fanotify_mark(self->fan_fd,
				   FAN_MARK_ADD | FAN_MARK_SYNC |
				   FAN_MARK_IGNORED_MASK |
				   FAN_MARK_IGNORED_SURV_MODIFY,
				   FAN_OPEN, AT_FDCWD, self->path));
	ASSERT_EQ(0, open_event_comes(self->fan_fd, self->path, false));
	ASSERT_EQ(0, fanotify_mark(self->fan_fd,
				   FAN_MARK_REMOVE | FAN_MARK_SYNC |
				   FAN_MARK_IGNORED_MASK,
				   FAN_OPEN, AT_FDCWD, self->path));
	ASSERT_EQ(1, open_event_comes(self->fan_fd, self->path, true));
}

/* The errors of FAN_MARK_SYNC, each leaving no mark behind. */
TEST_F(mark_sync, errors)
{
	const char *obj = variant->on_dir ? self->dir : self->path;
	unsigned int type = variant->type;

	/* Not a command of its own. */
	EXPECT_EQ(-1, fanotify_mark(self->fan_fd, FAN_MARK_SYNC | type,
				    FAN_OPEN, AT_FDCWD, obj));
	EXPECT_EQ(EINVAL, errno);
	/* An add or remove of nothing. */
	EXPECT_EQ(-1, fanotify_mark(self->fan_fd,
				    FAN_MARK_ADD | FAN_MARK_SYNC | type,
				    0, AT_FDCWD, obj));
	EXPECT_EQ(EINVAL, errno);
	/* A flush takes nothing but the mark type and FAN_MARK_SYNC. */
	EXPECT_EQ(-1, fanotify_mark(self->fan_fd,
				    FAN_MARK_FLUSH | FAN_MARK_SYNC |
				    FAN_MARK_DONT_FOLLOW | type,
				    0, AT_FDCWD, NULL));
	EXPECT_EQ(EINVAL, errno);
	/* Not a fanotify fd. */
	EXPECT_EQ(-1, fanotify_mark(STDIN_FILENO,
				    FAN_MARK_ADD | FAN_MARK_SYNC | type,
				    FAN_OPEN, AT_FDCWD, obj));
	EXPECT_TRUE(errno == EINVAL || errno == EBADF);
	EXPECT_EQ(-1, fanotify_mark(-1, FAN_MARK_ADD | FAN_MARK_SYNC | type,
				    FAN_OPEN, AT_FDCWD, obj));
	EXPECT_EQ(EBADF, errno);
	/* None of them left a mark. */
	EXPECT_EQ(0, open_event_comes(self->fan_fd, self->path, false));
}

/*
 * Without CAP_SYS_ADMIN, FAN_MARK_SYNC is refused with EPERM, and the
 * refused call changes nothing: no mark is added, none is removed.
 */
TEST(unprivileged)
{
	char dir[64], path[96];
	int fan_fd, fd;

	REQUIRE_MARK_SYNC();
	ASSERT_NE(NULL, fan_mkdtemp(dir, sizeof(dir), "sync-unpriv"));
	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	ASSERT_LE(0, fd);
	close(fd);
	fan_fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC, O_RDONLY);
	ASSERT_LE(0, fan_fd);
	ASSERT_EQ(0, fan_drop_cap_sys_admin());
	ASSERT_FALSE(fan_have_cap_sys_admin());

	EXPECT_EQ(-1, fanotify_mark(fan_fd, FAN_MARK_ADD | FAN_MARK_SYNC,
				    FAN_OPEN, AT_FDCWD, path));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(0, open_event_comes(fan_fd, path, false));

	/* A plain inode mark needs no privilege; its SYNC remove does. */
	ASSERT_EQ(0, fanotify_mark(fan_fd, FAN_MARK_ADD, FAN_OPEN,
				   AT_FDCWD, path));
	EXPECT_EQ(-1, fanotify_mark(fan_fd, FAN_MARK_REMOVE | FAN_MARK_SYNC,
				    FAN_OPEN, AT_FDCWD, path));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, fanotify_mark(fan_fd, FAN_MARK_FLUSH | FAN_MARK_SYNC, 0,
				    AT_FDCWD, NULL));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(1, open_event_comes(fan_fd, path, true));

	close(fan_fd);
	unlink(path);
	rmdir(dir);
}

/* ---------------------------------------------------------------- */
/* The handover under load                                            */

#define NR_READERS	8
#define NR_ROTATIONS	100
#define MAX_READS	262144	/* per reader: offsets 0..MAX_READS-1 pages */
#define PAGE		4096

struct handover;

/* One of the two groups alive at a time, and the thread that serves it. */
struct listener {
	struct handover *h;
	int fan_fd;
	int bit;		/* 1 or 2: which of a rotation's two groups */
	atomic_bool stop;	/* drain what is queued, then exit */
	pthread_t thread;
	const char *error;
	long events;
};

struct handover {
	char dir[64];
	char path[NR_READERS][96];
	atomic_bool stop_readers;
	pid_t tid[NR_READERS];
	long reads[NR_READERS];
	/* seen[r][page]: which groups saw reader r read that page */
	unsigned char *seen[NR_READERS];	/* __atomic_*() */
	int reader_errno[NR_READERS];
	pthread_t reader[NR_READERS];
	atomic_int readers_ready;
	atomic_long reads_so_far;	/* all readers, for the overlap */
	bool joined;		/* every thread is done with seen[] */
	long events;		/* events the closed groups saw */
};

struct reader_arg {
	struct handover *h;
	int idx;
};

static void *reader_main(void *p)
{
	struct reader_arg *a = p;
	struct handover *h = a->h;
	char c;
	long n;
	int fd;

	h->tid[a->idx] = syscall(SYS_gettid);
	fd = open(h->path[a->idx], O_RDONLY);
	if (fd < 0) {
		h->reader_errno[a->idx] = errno;
		atomic_fetch_add(&h->readers_ready, 1);
		return NULL;
	}
	atomic_fetch_add(&h->readers_ready, 1);
	for (n = 0; n < MAX_READS && !atomic_load(&h->stop_readers); n++) {
		if (pread(fd, &c, 1, n * PAGE) != 1) {
			h->reader_errno[a->idx] = errno ? errno : EIO;
			break;
		}
		atomic_fetch_add(&h->reads_so_far, 1);
	}
	h->reads[a->idx] = n;
	close(fd);
	return NULL;
}

static int reader_of(struct handover *h, pid_t tid)
{
	int i;

	for (i = 0; i < NR_READERS; i++)
		if (h->tid[i] == tid)
			return i;
	return -1;
}

/* Record and allow every event in @buf.  0, or -1 with l->error set. */
static int serve_events(struct listener *l, char *buf, ssize_t len)
{
	struct fanotify_event_metadata *ev;
	struct handover *h = l->h;

	for (ev = (void *)buf; FAN_EVENT_OK(ev, len);
	     ev = FAN_EVENT_NEXT(ev, len)) {
		struct fanotify_event_info_range *range = NULL;
		char *p = (char *)(ev + 1), *end = (char *)ev + ev->event_len;
		int r;

		while (p + sizeof(struct fanotify_event_info_header) <= end) {
			struct fanotify_event_info_header *hdr = (void *)p;

			if (!hdr->len)
				break;
			if (hdr->info_type == FAN_EVENT_INFO_TYPE_RANGE)
				range = (void *)p;
			p += hdr->len;
		}
		if (ev->fd >= 0 && fan_respond(l->fan_fd, ev->fd, FAN_ALLOW)) {
			l->error = "answering an event failed";
			return -1;
		}
		if (ev->fd >= 0)
			close(ev->fd);
		if (!(ev->mask & FAN_PRE_ACCESS))
			continue;
		r = reader_of(h, ev->pid);
		if (r < 0 || !range || range->offset % PAGE ||
		    range->offset / PAGE >= MAX_READS) {
			l->error = "an event from no reader, or without its range";
			return -1;
		}
		__atomic_fetch_or(&h->seen[r][range->offset / PAGE], l->bit,
				  __ATOMIC_RELAXED);
		l->events++;
	}
	return 0;
}

static void *listener_main(void *p)
{
	struct listener *l = p;
	char buf[16384];
	ssize_t len;
	int ret;

	for (;;) {
		bool stopping = atomic_load(&l->stop);

		ret = stopping ? 1 : fan_wait_readable(l->fan_fd, 100);
		if (ret < 0) {
			l->error = "poll of the group failed";
			return NULL;
		}
		if (ret == 0)
			continue;
		len = read(l->fan_fd, buf, sizeof(buf));
		if (len < 0 && errno == EAGAIN) {
			if (stopping)
				return NULL;	/* drained */
			continue;
		}
		if (len <= 0) {
			l->error = "read of the group failed";
			return NULL;
		}
		if (serve_events(l, buf, len))
			return NULL;
	}
}

static int listener_start(struct listener *l, struct handover *h, int bit)
{
	memset(l, 0, sizeof(*l));
	l->h = h;
	l->bit = bit;
	l->fan_fd = fanotify_init(FAN_CLASS_PRE_CONTENT | FAN_CLOEXEC |
				  FAN_NONBLOCK | FAN_REPORT_TID, O_RDONLY);
	if (l->fan_fd < 0)
		return -1;
	if (fanotify_mark(l->fan_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM |
			  FAN_MARK_SYNC, FAN_PRE_ACCESS, AT_FDCWD, h->dir)) {
		close(l->fan_fd);
		return -1;
	}
	if (pthread_create(&l->thread, NULL, listener_main, l)) {
		close(l->fan_fd);
		return -1;
	}
	return 0;
}

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

/*
 * Hand over from @old to a new group in @new: add, then remove the old
 * marks, drain the old queue, close the old group.  0 or -1 with *@why.
 */
static int hand_over(struct handover *h, struct listener *old,
		     struct listener *new, const char **why)
{
	if (listener_start(new, h, old->bit ^ 3)) {
		*why = "starting the new group failed";
		return -1;
	}
	if (fanotify_mark(old->fan_fd, FAN_MARK_REMOVE | FAN_MARK_FILESYSTEM |
			  FAN_MARK_SYNC, FAN_PRE_ACCESS, AT_FDCWD, h->dir)) {
		*why = "removing the old group's mark failed";
		return -1;
	}
	atomic_store(&old->stop, true);
	if (!join_within(old->thread, 30000)) {
		*why = "HANG: the old group's listener did not drain in 30 s";
		return -1;
	}
	if (old->error) {
		*why = old->error;
		return -1;
	}
	close(old->fan_fd);
	old->fan_fd = -1;
	h->events += old->events;
	return 0;
}

FIXTURE(handover) {
	struct handover h;
	char img[96];
	bool mounted;
};

FIXTURE_SETUP(handover)
{
	struct handover *h = &self->h;
	int i, fd;

	memset(h, 0, sizeof(*h));
	if (!fan_have_cap_sys_admin())
		SKIP(return, "needs CAP_SYS_ADMIN");
	REQUIRE_MARK_SYNC();
	ASSERT_NE(NULL, fan_mkdtemp(h->dir, sizeof(h->dir), "handover"));
	snprintf(self->img, sizeof(self->img), "%s.img", h->dir);
	if (fan_mount_ext4(self->img, h->dir, "64M")) {
		if (errno == ENOENT)
			SKIP(return, "mkfs.ext4 not found");
		ASSERT_TRUE(0) TH_LOG("mounting ext4 on %s failed", h->dir);
	}
	self->mounted = true;
	for (i = 0; i < NR_READERS; i++) {
		snprintf(h->path[i], sizeof(h->path[i]), "%s/f%d", h->dir, i);
		fd = open(h->path[i], O_CREAT | O_WRONLY, 0644);
		ASSERT_LE(0, fd);
		/* Sparse: every read is of a hole, the event is what counts. */
		ASSERT_EQ(0, ftruncate(fd, (off_t)MAX_READS * PAGE));
		close(fd);
		h->seen[i] = calloc(MAX_READS, 1);
		ASSERT_NE(NULL, h->seen[i]);
	}
}

FIXTURE_TEARDOWN(handover)
{
	int i;

	if (self->mounted)
		umount2(self->h.dir, MNT_DETACH);
	if (self->h.dir[0])
		rmdir(self->h.dir);
	/* After a failed assertion a thread may still write seen[]. */
	for (i = 0; self->h.joined && i < NR_READERS; i++)
		free(self->h.seen[i]);
}

/*
 * Group A adds, group B removes: every read of the 8 readers during 100
 * handovers is seen by one of the two groups alive at its time.
 */
TEST_F(handover, pre_access)
{
	struct handover *h = &self->h;
	struct reader_arg args[NR_READERS];
	struct listener l[2];
	long total = 0, lost = 0, both = 0, events = 0;
	const char *why = NULL;
	int cur = 0, rot, i, ret, overlapped = 0;
	long k;

	ret = listener_start(&l[0], h, 1);
	if (ret && (errno == EINVAL || errno == EOPNOTSUPP))
		SKIP(return, "no pre-content events on ext4 here (%s)",
		     strerror(errno));
	ASSERT_EQ(0, ret) TH_LOG("first group: %s", strerror(errno));

	for (i = 0; i < NR_READERS; i++) {
		args[i].h = h;
		args[i].idx = i;
		ASSERT_EQ(0, pthread_create(&h->reader[i], NULL, reader_main,
					    &args[i]));
	}
	for (i = 0; i < 1000 && atomic_load(&h->readers_ready) < NR_READERS; i++)
		usleep(10000);
	ASSERT_EQ(NR_READERS, atomic_load(&h->readers_ready));

	for (rot = 0; rot < NR_ROTATIONS && !why; rot++) {
		long before = atomic_load(&h->reads_so_far);

		if (hand_over(h, &l[cur], &l[!cur], &why))
			break;
		cur = !cur;
		/* Reads went on while the marks changed hands. */
		overlapped += atomic_load(&h->reads_so_far) != before;
	}
	atomic_store(&h->stop_readers, true);
	for (i = 0; i < NR_READERS; i++) {
		if (!join_within(h->reader[i], 60000)) {
			why = "HANG: a reader did not finish in 60 s";
			break;
		}
	}
	/* The last group answers what the readers' last reads raised. */
	atomic_store(&l[cur].stop, true);
	if (!why && !join_within(l[cur].thread, 30000))
		why = "HANG: the last listener did not drain in 30 s";
	if (!why && l[cur].error)
		why = l[cur].error;
	events = h->events + l[cur].events;
	ASSERT_EQ(NULL, why) TH_LOG("rotation %d: %s", rot, why);
	close(l[cur].fan_fd);
	h->joined = true;

	for (i = 0; i < NR_READERS; i++) {
		ASSERT_EQ(0, h->reader_errno[i]) {
			TH_LOG("reader %d: %s", i, strerror(h->reader_errno[i]));
		}
		for (k = 0; k < h->reads[i]; k++) {
			unsigned char s = __atomic_load_n(&h->seen[i][k],
							   __ATOMIC_RELAXED);

			total++;
			lost += !s;
			both += s == 3;
		}
	}
	TH_LOG("%d handovers (%d with reads in flight), %ld reads, %ld events",
	       rot, overlapped, total, events);
	TH_LOG("%ld lost, %ld seen by both groups", lost, both);
	ASSERT_EQ(NR_ROTATIONS, rot);
	ASSERT_LE(NR_ROTATIONS / 2, overlapped)
		TH_LOG("the readers did not run across the handovers");
	ASSERT_EQ(0, lost);
}

TEST_HARNESS_MAIN
