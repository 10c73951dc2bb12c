// SPDX-License-Identifier: GPL-2.0
/*
 * FAN_LOOKUP_PERM: a pre-content listener (an HSM) is asked before a name
 * the dcache has no answer for is looked up in a watched directory, and may
 * create the name first.  Each test makes a fresh ext4 with a filesystem
 * mark; a listener thread serves a "remote" namespace (a name starting with
 * 'd' is a directory there, with 'f' a regular file, any other name does
 * not exist) and the tests check:
 *
 *  - the event: its mask, event->fd, the name record, one event per
 *    missing component, none for names the dcache answers, "." or "..";
 *  - the answers: allow (the walk finds what the HSM created), deny, deny
 *    with an errno, and 32 walkers of one name;
 *  - the calls that create or remove names: the event comes before they
 *    look the name up themselves, so they see what the HSM created;
 *  - walks below event->fd (the HSM's own) raise nothing;
 *  - the group, mark and privilege rules;
 *  - freezes: for each kind of call, the HSM freezes and thaws the
 *    filesystem and then writes to it while the call waits for the answer.
 *    The event is raised without freeze protection, so the freeze must
 *    complete; if it cannot, that is the deadlock: reported as a HANG, then
 *    broken so that the run goes on.
 *
 * A kernel without FAN_LOOKUP_PERM refuses the mark with EINVAL: every test
 * is then skipped.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <time.h>

#include "../kselftest_harness.h"
#include "fanotify_test.h"

#ifndef FAN_LOOKUP_PERM
#define FAN_LOOKUP_PERM		0x00400000
#endif
#ifndef FAN_EVENT_INFO_TYPE_NAME
#define FAN_EVENT_INFO_TYPE_NAME	8
struct fanotify_event_info_name {
	struct fanotify_event_info_header hdr;
	unsigned char name[];
};
#endif
#ifndef FAN_DENY_ERRNO
#define FAN_ERRNO_BITS	8
#define FAN_ERRNO_SHIFT	(32 - FAN_ERRNO_BITS)
#define FAN_ERRNO_MASK	((1 << FAN_ERRNO_BITS) - 1)
#define FAN_DENY_ERRNO(err) \
	(FAN_DENY | ((((__u32)(err)) & FAN_ERRNO_MASK) << FAN_ERRNO_SHIFT))
#endif

#define NO_LOOKUP_PERM	"kernel has no FAN_LOOKUP_PERM"

#define MAX_EVENTS	64
#define NR_THREADS	32
#define OP_WATCHDOG_MS	20000	/* a call the HSM answers at once */
#define WATCHDOG_MS	30000	/* a call the HSM answers after a freeze */
#define FREEZE_WAIT_MS	10000	/* for FIFREEZE, with a call waiting */
#define THAW_DELAY_MS	20
#define TIMEOUT_S	90
#define FREEZE_TIMEOUT_S	120

#define REMOTE_DATA	"fetched from the remote\n"
#define LOCAL_DATA	"local file\n"

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool wait_flag(atomic_bool *flag, int ms)
{
	long end = now_ms() + ms;

	while (!atomic_load(flag) && now_ms() < end)
		usleep(1000);
	return atomic_load(flag);
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

/* ---------------------------------------------------------------- */
/* The HSM                                                            */

/* One lookup event, as the HSM saw it. */
struct ev_rec {
	char name[NAME_MAX + 1];
	ino_t dir;		/* inode of event->fd */
	mode_t mode;		/* its type */
	int flags;		/* F_GETFL of event->fd */
	int fd_flags;		/* F_GETFD of event->fd */
	pid_t pid;
};

/* The HSM's walks below event->fd with HSM_SILENT, and their errnos. */
enum {
	SILENT_STAT, SILENT_OPEN, SILENT_MKDIR, SILENT_MKNOD, SILENT_SYMLINK,
	SILENT_RMDIR, SILENT_UNLINK, SILENT_UNLINK_MISSING, NR_SILENT,
};

static const struct {
	const char *call;
	int err;
} silent_want[NR_SILENT] = {
	[SILENT_STAT]		= { "fstatat(event->fd, \"other\")", ENOENT },
	[SILENT_OPEN]		= { "openat(event->fd, \"other\")", ENOENT },
	[SILENT_MKDIR]		= { "mkdirat(event->fd, \"dsilent\")", 0 },
	[SILENT_MKNOD]		= { "mknodat(event->fd, \"fifo\")", 0 },
	[SILENT_SYMLINK]	= { "symlinkat(event->fd, \"sym\")", 0 },
	[SILENT_RMDIR]		= { "unlinkat(event->fd, \"dsilent\", AT_REMOVEDIR)", 0 },
	[SILENT_UNLINK]		= { "unlinkat(event->fd, \"fifo\")", 0 },
	[SILENT_UNLINK_MISSING]	= { "unlinkat(event->fd, \"gone\")", ENOENT },
};

/* What the HSM saw and did (under hsm.lock). */
struct hsm_log {
	int nr;			/* lookup events: those with a name */
	struct ev_rec ev[MAX_EVENTS];
	int listings;		/* events without a name (a directory listed) */
	int created;		/* names fetched from the remote */
	int existed;		/* names found there already (EEXIST) */
	int freezes;		/* freeze-thaw cycles completed on events */
	int recursions;		/* events raised by the HSM's own walks */
	int silent[NR_SILENT];
	int errors;
	char error[256];	/* the first one */
};

/* Policy flags */
#define HSM_FREEZE	1	/* freeze and thaw the fs, then fetch */
#define HSM_SILENT	2	/* walk below event->fd before answering */
#define HSM_LIST_FETCH	4	/* on a listing, create LIST_NAMES */
#define HSM_LIST_DONE	8	/* then ignore the directory's events */
#define HSM_HOLD	16	/* never answer a lookup */

/* The remote's names in a directory listed with HSM_LIST_FETCH */
static const char *const list_names[] = { "d_list", "f_list" };

struct hsm {
	int fan_fd, mnt_fd;
	pthread_t thread;
	bool running;
	atomic_bool stop;
	atomic_uintptr_t doing;		/* what it does, for HANG reports */
	pthread_mutex_t lock;
	__u32 response;			/* to lookups, under lock */
	unsigned int flags;		/* under lock */
	struct hsm_log log;
	/* Helpers of one event */
	pthread_t freezer, walker;
	atomic_bool freezer_done, walker_done;
	bool freezer_stuck, walker_stuck;
	int freeze_ret, freeze_errno;
	int walk_dirfd;
};

static void hsm_doing(struct hsm *h, const char *what)
{
	atomic_store(&h->doing, (uintptr_t)what);
}

static const char *hsm_doing_what(struct hsm *h)
{
	return (const char *)atomic_load(&h->doing);
}

static __printf(2, 3) void hsm_error(struct hsm *h, const char *fmt, ...)
{
	char msg[sizeof(h->log.error)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ksft_print_msg("HSM: %s\n", msg);
	pthread_mutex_lock(&h->lock);
	if (!h->log.errors++)
		strcpy(h->log.error, msg);
	pthread_mutex_unlock(&h->lock);
}

static void hsm_policy(struct hsm *h, __u32 response, unsigned int flags)
{
	pthread_mutex_lock(&h->lock);
	h->response = response;
	h->flags = flags;
	pthread_mutex_unlock(&h->lock);
}

static void hsm_snapshot(struct hsm *h, struct hsm_log *log)
{
	pthread_mutex_lock(&h->lock);
	*log = h->log;
	pthread_mutex_unlock(&h->lock);
}

/* Never leave a caller waiting: if the answer is refused, allow. */
static void hsm_answer(struct hsm *h, int fd, __u32 response)
{
	if (!fan_respond(h->fan_fd, fd, response))
		return;
	hsm_error(h, "answer 0x%x refused: %s", response, strerror(errno));
	if (response != FAN_ALLOW)
		fan_respond(h->fan_fd, fd, FAN_ALLOW);
}

/*
 * The name record of @ev, parsed as any reader must: record after record
 * up to event_len.  Returns 1 with the name in @name, 0 when there is no
 * name record (the event of a listing), -1 when the records are malformed.
 */
static int event_name(const struct fanotify_event_metadata *ev, char *name)
{
	const char *p = (const char *)ev + ev->metadata_len;
	const char *end = (const char *)ev + ev->event_len;
	int found = 0;

	if (ev->metadata_len < FAN_EVENT_METADATA_LEN || p > end)
		return -1;
	while (p < end) {
		const struct fanotify_event_info_header *hdr = (const void *)p;

		if (end - p < (long)sizeof(*hdr) || hdr->len < sizeof(*hdr) ||
		    hdr->len > end - p)
			return -1;
		if (hdr->info_type == FAN_EVENT_INFO_TYPE_NAME) {
			const struct fanotify_event_info_name *rec = (const void *)p;
			size_t max = hdr->len - sizeof(*hdr);
			size_t len = strnlen((const char *)rec->name, max);

			/* One record, NUL-terminated, padded to 4 bytes */
			if (found++ || hdr->len % 4 || !len || len == max ||
			    len > NAME_MAX)
				return -1;
			memcpy(name, rec->name, len + 1);
		}
		p += hdr->len;
	}
	return found;
}

/* Create @name below @dirfd as the remote has it, if it has it. */
static void hsm_fetch(struct hsm *h, int dirfd, const char *name)
{
	const size_t len = strlen(REMOTE_DATA);
	int fd, ret, err;

	hsm_doing(h, "creating a name below event->fd");
	if (name[0] == 'd') {
		ret = mkdirat(dirfd, name, 0755);
	} else if (name[0] == 'f') {
		fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			    0644);
		ret = fd < 0 ? -1 : 0;
		if (fd >= 0 && write(fd, REMOTE_DATA, len) != (ssize_t)len)
			ret = -1;
		err = errno;
		if (fd >= 0)
			close(fd);
		errno = err;
	} else {
		return;		/* Not in the remote: "no such name" */
	}
	err = errno;
	pthread_mutex_lock(&h->lock);
	if (!ret)
		h->log.created++;
	else if (err == EEXIST)
		h->log.existed++;
	pthread_mutex_unlock(&h->lock);
	if (ret && err != EEXIST)
		hsm_error(h, "fetching \"%s\": %s", name, strerror(err));
}

static void *freezer_fn(void *arg)
{
	struct hsm *h = arg;

	h->freeze_ret = ioctl(h->mnt_fd, FIFREEZE, 0);
	h->freeze_errno = errno;
	atomic_store(&h->freezer_done, true);
	return NULL;
}

/*
 * Freeze the filesystem while the caller waits for the answer, then thaw
 * it.  The freeze waits for whoever holds freeze protection: it completes
 * only if the caller holds none.  Returns true if the event had to be
 * answered to break the chain.
 */
static bool hsm_freeze(struct hsm *h, const struct fanotify_event_metadata *ev,
		       const char *name)
{
	bool answered = false;

	if (h->freezer_stuck) {
		hsm_error(h, "no freeze for \"%s\": the last FIFREEZE is stuck", name);
		return false;
	}
	atomic_store(&h->freezer_done, false);
	hsm_doing(h, "waiting for its FIFREEZE");
	if (pthread_create(&h->freezer, NULL, freezer_fn, h)) {
		hsm_error(h, "cannot start the freezer");
		return false;
	}
	if (!wait_flag(&h->freezer_done, FREEZE_WAIT_MS)) {
		hsm_error(h, "HANG: no FIFREEZE in %d s while \"%s\" waits: event raised under freeze protection",
			  FREEZE_WAIT_MS / 1000, name);
		/* Break the chain: the caller goes on, and leaves write access */
		hsm_answer(h, ev->fd, FAN_ALLOW);
		answered = true;
		wait_flag(&h->freezer_done, FREEZE_WAIT_MS);
	}
	if (!atomic_load(&h->freezer_done)) {
		hsm_error(h, "HANG: FIFREEZE still stuck after the event was answered");
		h->freezer_stuck = true;
		pthread_detach(h->freezer);
		return answered;
	}
	if (!join_within(h->freezer, 5000)) {
		hsm_error(h, "HANG: the freezer thread did not exit");
		h->freezer_stuck = true;
		return answered;
	}
	if (h->freeze_ret) {
		hsm_error(h, "FIFREEZE: %s", strerror(h->freeze_errno));
		return answered;
	}
	usleep(THAW_DELAY_MS * 1000);
	hsm_doing(h, "thawing");
	if (ioctl(h->mnt_fd, FITHAW, 0)) {
		hsm_error(h, "FITHAW: %s", strerror(errno));
		return answered;
	}
	if (!answered) {
		pthread_mutex_lock(&h->lock);
		h->log.freezes++;
		pthread_mutex_unlock(&h->lock);
	}
	return answered;
}

static void *walker_fn(void *arg)
{
	struct hsm *h = arg;
	int d = h->walk_dirfd, e[NR_SILENT], fd;
	struct stat st;

	e[SILENT_STAT] = fstatat(d, "other", &st, 0) ? errno : 0;
	fd = openat(d, "other", O_RDONLY | O_CLOEXEC);
	e[SILENT_OPEN] = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	e[SILENT_MKDIR] = mkdirat(d, "dsilent", 0755) ? errno : 0;
	e[SILENT_MKNOD] = mknodat(d, "fifo", S_IFIFO | 0644, 0) ? errno : 0;
	e[SILENT_SYMLINK] = symlinkat("other", d, "sym") ? errno : 0;
	e[SILENT_RMDIR] = unlinkat(d, "dsilent", AT_REMOVEDIR) ? errno : 0;
	e[SILENT_UNLINK] = unlinkat(d, "fifo", 0) ? errno : 0;
	e[SILENT_UNLINK_MISSING] = unlinkat(d, "gone", 0) ? errno : 0;
	unlinkat(d, "sym", 0);
	pthread_mutex_lock(&h->lock);
	memcpy(h->log.silent, e, sizeof(e));
	pthread_mutex_unlock(&h->lock);
	atomic_store(&h->walker_done, true);
	return NULL;
}

/*
 * Walk below event->fd, in a thread of its own, while still reading the
 * group: with one caller waiting for this answer, any event now comes
 * from those walks, and the HSM would wait for itself.  Count and allow
 * them, then fail: no hang.
 */
static void hsm_walk_silently(struct hsm *h, int dirfd)
{
	__u64 buf[FAN_TEST_BUF_LEN / 8];
	long end = now_ms() + FAN_TEST_EVENT_MS;

	if (h->walker_stuck)
		return;
	h->walk_dirfd = dirfd;
	atomic_store(&h->walker_done, false);
	hsm_doing(h, "walking below event->fd");
	if (pthread_create(&h->walker, NULL, walker_fn, h)) {
		hsm_error(h, "cannot start the walker");
		return;
	}
	while (!atomic_load(&h->walker_done) && now_ms() < end) {
		struct fanotify_event_metadata *ev;
		ssize_t len;

		if (fan_wait_readable(h->fan_fd, 10) != 1)
			continue;
		len = read(h->fan_fd, buf, sizeof(buf));
		for (ev = (void *)buf; FAN_EVENT_OK(ev, len);
		     ev = FAN_EVENT_NEXT(ev, len)) {
			char name[NAME_MAX + 1] = "";

			event_name(ev, name);
			hsm_error(h, "walk below event->fd raised \"%s\": HSM waits for itself",
				  name);
			pthread_mutex_lock(&h->lock);
			h->log.recursions++;
			pthread_mutex_unlock(&h->lock);
			if (ev->fd >= 0) {
				hsm_answer(h, ev->fd, FAN_ALLOW);
				close(ev->fd);
			}
		}
	}
	if (!atomic_load(&h->walker_done)) {
		hsm_error(h, "HANG: the walks below event->fd did not return");
		h->walker_stuck = true;
		pthread_detach(h->walker);
		return;
	}
	if (!join_within(h->walker, 5000)) {
		hsm_error(h, "HANG: the walker thread did not exit");
		h->walker_stuck = true;
	}
}

/*
 * A listing: populate the whole directory, then (HSM_LIST_DONE) say that
 * it is complete with an ignore mark, which ends lookups and listings.
 */
static void hsm_listing(struct hsm *h, int dirfd, unsigned int flags)
{
	unsigned int i;

	if (!(flags & HSM_LIST_FETCH))
		return;
	for (i = 0; i < ARRAY_SIZE(list_names); i++)
		hsm_fetch(h, dirfd, list_names[i]);
	if ((flags & HSM_LIST_DONE) &&
	    fanotify_mark(h->fan_fd, FAN_MARK_ADD | FAN_MARK_IGNORE_SURV,
			  FAN_LOOKUP_PERM, dirfd, NULL))
		hsm_error(h, "ignore mark on a populated directory: %s",
			  strerror(errno));
}

static void hsm_event(struct hsm *h, const struct fanotify_event_metadata *ev)
{
	struct ev_rec r = { .pid = ev->pid };
	bool answered = false;
	unsigned int flags;
	__u32 response;
	struct stat st;
	int named;

	pthread_mutex_lock(&h->lock);
	response = h->response;
	flags = h->flags;
	pthread_mutex_unlock(&h->lock);

	if (ev->fd < 0) {
		hsm_error(h, "event 0x%llx without an fd (%d): cannot answer",
			  (unsigned long long)ev->mask, ev->fd);
		return;
	}
	if (ev->mask != FAN_LOOKUP_PERM)
		hsm_error(h, "event mask 0x%llx, want FAN_LOOKUP_PERM",
			  (unsigned long long)ev->mask);
	named = event_name(ev, r.name);
	if (named < 0)
		hsm_error(h, "malformed info records (event_len %u)",
			  ev->event_len);
	if (!fstat(ev->fd, &st)) {
		r.dir = st.st_ino;
		r.mode = st.st_mode & S_IFMT;
	}
	r.flags = fcntl(ev->fd, F_GETFL);
	r.fd_flags = fcntl(ev->fd, F_GETFD);

	pthread_mutex_lock(&h->lock);
	if (named > 0 && h->log.nr < MAX_EVENTS)
		h->log.ev[h->log.nr] = r;
	if (named > 0)
		h->log.nr++;
	else if (!named)
		h->log.listings++;
	pthread_mutex_unlock(&h->lock);

	if (named > 0 && (flags & HSM_HOLD)) {
		close(ev->fd);
		return;
	}
	/* The policy is for lookups; listings are allowed */
	if (named > 0) {
		if (flags & HSM_SILENT)
			hsm_walk_silently(h, ev->fd);
		if (flags & HSM_FREEZE)
			answered = hsm_freeze(h, ev, r.name);
		if (!answered && response == FAN_ALLOW)
			hsm_fetch(h, ev->fd, r.name);
	} else {
		hsm_listing(h, ev->fd, flags);
		response = FAN_ALLOW;
	}
	if (!answered)
		hsm_answer(h, ev->fd, response);
	close(ev->fd);
}

static void *hsm_fn(void *arg)
{
	struct hsm *h = arg;
	__u64 buf[FAN_TEST_BUF_LEN / 8];
	int failures = 0;

	while (!atomic_load(&h->stop)) {
		struct fanotify_event_metadata *ev;
		ssize_t len = -1;
		int ret;

		hsm_doing(h, "waiting for events");
		ret = fan_wait_readable(h->fan_fd, 100);
		if (ret == 0)
			continue;
		if (atomic_load(&h->stop))
			break;
		if (ret > 0)
			len = read(h->fan_fd, buf, sizeof(buf));
		/*
		 * An event whose fd the kernel could not open is denied and
		 * its error returned: go on with the others.  The group
		 * closed under us (a broken chain) has set stop.
		 */
		if (len < 0) {
			if (atomic_load(&h->stop))
				break;
			if (errno != EINTR && errno != EAGAIN)
				hsm_error(h, "reading events: %s", strerror(errno));
			if (++failures > 10)
				break;
			usleep(10000);
			continue;
		}
		failures = 0;
		/* Several callers' events may come in one read */
		for (ev = (void *)buf; FAN_EVENT_OK(ev, len);
		     ev = FAN_EVENT_NEXT(ev, len))
			hsm_event(h, ev);
		if (len)
			hsm_error(h, "%zd bytes after the last event", len);
	}
	hsm_doing(h, "stopped");
	return NULL;
}

/* ---------------------------------------------------------------- */
/* The filesystem, the group, the calls                               */

enum op_kind {
	OP_STAT, OP_OPEN, OP_MKDIR, OP_MKNOD, OP_SYMLINK, OP_LINK, OP_RENAME,
	OP_UNLINK, OP_RMDIR, OP_LIST,
};

static const char *const op_names[] = {
	"stat", "open", "mkdir", "mknod", "symlink", "link", "rename",
	"unlink", "rmdir", "readdir",
};

struct op {
	enum op_kind kind;
	const char *path;	/* from the fs root; link and rename move "src" */
	int flags;		/* of open */
};

/* A thread making one call, which may wait for the HSM. */
struct caller {
	pthread_t thread;
	const struct op *op;
	int dirfd;
	pthread_barrier_t *barrier;
	atomic_bool done;
	int err;			/* 0 or errno */
	int nr_names;			/* OP_LIST: entries but "." and ".." */
	char name[NAME_MAX + 1];	/* OP_LIST: the first of them */
};

struct lk {
	char dir[64], mnt[96], img[96], base[128], src[128];
	int mnt_fd;		/* the fs root: walks from it raise events */
	int fan_fd;
	struct hsm h;
	pthread_barrier_t barrier;
	struct caller callers[NR_THREADS];
};

static int list_dir(struct caller *c)
{
	int fd = openat(c->dirfd, c->op->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;
	int err;

	if (!d) {
		err = errno;
		if (fd >= 0)
			close(fd);
		errno = err;
		return -1;
	}
	c->nr_names = 0;
	errno = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!c->nr_names++)
			snprintf(c->name, sizeof(c->name), "%s", de->d_name);
	}
	err = errno;
	closedir(d);
	errno = err;
	return err ? -1 : 0;
}

static void *caller_fn(void *arg)
{
	struct caller *c = arg;
	const struct op *op = c->op;
	int d = c->dirfd, ret = -1;
	struct stat st;

	if (c->barrier)
		pthread_barrier_wait(c->barrier);
	switch (op->kind) {
	case OP_STAT:
		ret = fstatat(d, op->path, &st, 0);
		break;
	case OP_OPEN:
		ret = openat(d, op->path, op->flags | O_CLOEXEC, 0644);
		if (ret >= 0)
			ret = close(ret);
		break;
	case OP_MKDIR:
		ret = mkdirat(d, op->path, 0755);
		break;
	case OP_MKNOD:
		ret = mknodat(d, op->path, S_IFIFO | 0644, 0);
		break;
	case OP_SYMLINK:
		ret = symlinkat("src", d, op->path);
		break;
	case OP_LINK:
		ret = linkat(d, "src", d, op->path, 0);
		break;
	case OP_RENAME:
		ret = renameat(d, "src", d, op->path);
		break;
	case OP_UNLINK:
		ret = unlinkat(d, op->path, 0);
		break;
	case OP_RMDIR:
		ret = unlinkat(d, op->path, AT_REMOVEDIR);
		break;
	case OP_LIST:
		ret = list_dir(c);
		break;
	}
	c->err = ret < 0 ? errno : 0;
	atomic_store(&c->done, true);
	return NULL;
}

static bool callers_done(struct lk *lk, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!atomic_load(&lk->callers[i].done))
			return false;
	return true;
}

/*
 * Close the group: fanotify then allows every event it holds.  /dev/null
 * takes the fd number, so that a HSM still polling it cannot read a file
 * that reused the number.
 */
static void close_group(struct lk *lk)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (lk->fan_fd < 0)
		return;
	if (null < 0 || dup2(null, lk->fan_fd) < 0) {
		close(lk->fan_fd);
		lk->fan_fd = -1;
	}
	if (null >= 0)
		close(null);
}

/*
 * Stop the HSM.  One stuck in an event (in a walk of its own that waits
 * for the group, or a write to a frozen fs) is freed by closing the group,
 * which allows every pending event, and by a thaw.
 */
static bool hsm_stop(struct lk *lk)
{
	struct hsm *h = &lk->h;

	if (!h->running)
		return true;
	atomic_store(&h->stop, true);
	if (!join_within(h->thread, 2000)) {
		close_group(lk);
		ioctl(lk->mnt_fd, FITHAW, 0);
		if (!join_within(h->thread, 2 * FREEZE_WAIT_MS + 5000))
			return false;
	}
	h->running = false;
	return true;
}

/*
 * The calls did not return: break the chain from outside.  Closing the
 * group allows the events they wait for; thawing lets writers in.
 */
static bool break_chain(struct __test_metadata *_metadata, struct lk *lk, int n)
{
	long end;
	int i;

	atomic_store(&lk->h.stop, true);
	close_group(lk);
	for (end = now_ms() + 10000; now_ms() < end && !callers_done(lk, n);
	     usleep(50000))
		ioctl(lk->mnt_fd, FITHAW, 0);
	if (!callers_done(lk, n)) {
		TH_LOG("the chain could not be broken: tasks left in the kernel");
		return false;
	}
	for (i = 0; i < n; i++)
		join_within(lk->callers[i].thread, 5000);
	return true;
}

/*
 * Make the call @op in @n threads at once (a barrier starts them) and wait
 * for them at most @ms.  A hang is reported, then broken: false then, with
 * the group closed.
 */
static bool run_ops(struct __test_metadata *_metadata, struct lk *lk,
		    const struct op *op, int n, int ms)
{
	pthread_barrier_t *barrier = NULL;
	long end;
	int i;

	if (n > 1) {
		if (pthread_barrier_init(&lk->barrier, NULL, n)) {
			TH_LOG("pthread_barrier_init failed");
			return false;
		}
		barrier = &lk->barrier;
	}
	for (i = 0; i < n; i++) {
		struct caller *c = &lk->callers[i];

		c->op = op;
		c->dirfd = lk->mnt_fd;
		c->barrier = barrier;
		c->err = 0;
		atomic_store(&c->done, false);
		/* Threads left at the barrier: the ASSERT ends the process */
		if (pthread_create(&c->thread, NULL, caller_fn, c)) {
			TH_LOG("cannot start caller %d", i);
			return false;
		}
	}
	for (end = now_ms() + ms; now_ms() < end && !callers_done(lk, n);)
		usleep(1000);
	if (!callers_done(lk, n)) {
		TH_LOG("HANG: after %d s, %s(%s) is stuck; the HSM is %s",
		       ms / 1000, op_names[op->kind], op->path,
		       hsm_doing_what(&lk->h));
		break_chain(_metadata, lk, n);
		return false;
	}
	for (i = 0; i < n; i++) {
		if (!join_within(lk->callers[i].thread, 5000)) {
			TH_LOG("HANG: caller %d returned but does not exit", i);
			return false;
		}
	}
	if (barrier)
		pthread_barrier_destroy(barrier);
	return true;
}

/* Make the call @op under the watchdog: its errno, 0, or -1 if it hung. */
static int do_op(struct __test_metadata *_metadata, struct lk *lk,
		 const struct op *op, int ms)
{
	if (!run_ops(_metadata, lk, op, 1, ms))
		return -1;
	return lk->callers[0].err;
}

/*
 * Does the kernel know FAN_LOOKUP_PERM?  An unknown mask bit is refused
 * with EINVAL before anything else is checked.  0 or the mark's errno.
 */
static int probe_lookup_perm(const char *dir)
{
	int fd = fanotify_init(FAN_CLASS_PRE_CONTENT | FAN_CLOEXEC, O_RDONLY);
	int ret;

	if (fd < 0)
		return -1;
	ret = fanotify_mark(fd, FAN_MARK_ADD, FAN_LOOKUP_PERM, AT_FDCWD, dir) ?
		errno : 0;
	close(fd);
	return ret;
}

static void lk_teardown(struct __test_metadata *_metadata, struct lk *lk)
{
	char cmd[512];

	EXPECT_TRUE(hsm_stop(lk)) {
		TH_LOG("HANG: the HSM did not stop (%s)", hsm_doing_what(&lk->h));
	}
	if (lk->fan_fd >= 0)
		close(lk->fan_fd);
	lk->fan_fd = -1;
	if (lk->mnt_fd >= 0) {
		ioctl(lk->mnt_fd, FITHAW, 0);
		close(lk->mnt_fd);
	}
	lk->mnt_fd = -1;
	if (!lk->dir[0])
		return;
	snprintf(cmd, sizeof(cmd),
		 "umount %s/ovl 2>/dev/null; umount %s/tmpfs 2>/dev/null; "
		 "umount %s/base/dm 2>/dev/null; umount %s 2>/dev/null; rm -rf %s",
		 lk->dir, lk->dir, lk->mnt, lk->mnt, lk->dir);
	if (system(cmd))
		TH_LOG("cleanup failed: %s", cmd);
	lk->dir[0] = 0;
}

/*
 * A fresh ext4 in a private mount namespace, with "base" (an empty
 * directory) and "src" (a file) made before the filesystem mark, and the
 * HSM serving it: allow, and fetch from the remote.
 */
static void lk_setup(struct __test_metadata *_metadata, struct lk *lk,
		     const char *tag)
{
	int fd, ret;

	lk->mnt_fd = -1;
	lk->fan_fd = -1;
	pthread_mutex_init(&lk->h.lock, NULL);
	ASSERT_NE(NULL, fan_mkdtemp(lk->dir, sizeof(lk->dir), tag));
	snprintf(lk->mnt, sizeof(lk->mnt), "%s/mnt", lk->dir);
	snprintf(lk->img, sizeof(lk->img), "%s/ext4.img", lk->dir);
	snprintf(lk->base, sizeof(lk->base), "%s/base", lk->mnt);
	snprintf(lk->src, sizeof(lk->src), "%s/src", lk->mnt);
	ASSERT_EQ(0, mkdir(lk->mnt, 0755));
	if (fan_mount_ext4(lk->img, lk->mnt, "64M")) {
		ret = errno;
		lk_teardown(_metadata, lk);
		SKIP(return, "no ext4 on a loop device: %s", strerror(ret));
	}
	lk->mnt_fd = open(lk->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, lk->mnt_fd);
	ASSERT_EQ(0, mkdirat(lk->mnt_fd, "base", 0755));
	fd = openat(lk->mnt_fd, "src", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(strlen(LOCAL_DATA), write(fd, LOCAL_DATA, strlen(LOCAL_DATA)));
	close(fd);

	ret = probe_lookup_perm(lk->base);
	if (ret < 0 && errno == ENOSYS) {
		lk_teardown(_metadata, lk);
		SKIP(return, "no fanotify (CONFIG_FANOTIFY)");
	}
	if (ret == EINVAL) {
		lk_teardown(_metadata, lk);
		SKIP(return, NO_LOOKUP_PERM);
	}
	ASSERT_EQ(0, ret) {
		TH_LOG("FAN_LOOKUP_PERM mark on an ext4 directory: %s",
		       ret < 0 ? "no pre-content group" : strerror(ret));
	}

	/* O_RDWR, as an HSM filling files has it: lookup fds are O_RDONLY */
	lk->fan_fd = fanotify_init(FAN_CLASS_PRE_CONTENT | FAN_CLOEXEC,
				   O_RDWR | O_CLOEXEC | O_LARGEFILE);
	ASSERT_LE(0, lk->fan_fd);
	ASSERT_EQ(0, fanotify_mark(lk->fan_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
				   FAN_LOOKUP_PERM, lk->mnt_fd, NULL)) {
		TH_LOG("FAN_LOOKUP_PERM filesystem mark: %s", strerror(errno));
	}
	lk->h.fan_fd = lk->fan_fd;
	lk->h.mnt_fd = lk->mnt_fd;
	lk->h.response = FAN_ALLOW;
	hsm_doing(&lk->h, "starting");
	ASSERT_EQ(0, pthread_create(&lk->h.thread, NULL, hsm_fn, &lk->h));
	lk->h.running = true;
}

static void log_events(struct __test_metadata *_metadata,
		       const struct hsm_log *log)
{
	int i;

	for (i = 0; i < log->nr && i < MAX_EVENTS; i++)
		TH_LOG("event %d: \"%s\"", i, log->ev[i].name);
}

/* base holds only @name (of type @mode, with @data if a file), or nothing */
static void expect_base(struct __test_metadata *_metadata, struct lk *lk,
			const char *name, mode_t mode, const char *data)
{
	const struct op list = { OP_LIST, "base" };
	struct caller *c = &lk->callers[0];
	char path[NAME_MAX + 8], buf[64];
	struct stat st;
	ssize_t n;
	int fd;

	ASSERT_EQ(0, do_op(_metadata, lk, &list, OP_WATCHDOG_MS));
	if (!name) {
		EXPECT_EQ(0, c->nr_names) {
			TH_LOG("base is not empty: \"%s\"", c->name);
		}
		return;
	}
	ASSERT_EQ(1, c->nr_names);
	ASSERT_STREQ(name, c->name);
	/* Names in the dcache: no events */
	snprintf(path, sizeof(path), "base/%s", name);
	ASSERT_EQ(0, fstatat(lk->mnt_fd, path, &st, AT_SYMLINK_NOFOLLOW));
	EXPECT_EQ(mode, st.st_mode & S_IFMT);
	if (!data)
		return;
	fd = openat(lk->mnt_fd, path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	ASSERT_LE(0, n);
	buf[n] = 0;
	EXPECT_STREQ(data, buf);
}

/* A call, what it returns, the events it raises, what it leaves in base. */
struct op_case {
	struct op op;
	int err;			/* its errno, 0 for success */
	const char *events[2];		/* names of its events, in order */
	int created;			/* names the HSM fetched */
	const char *after;		/* then the only entry in base, or NULL */
	mode_t after_mode;
	const char *after_data;
};

static void run_case(struct __test_metadata *_metadata, struct lk *lk,
		     const struct op_case *c, int ms)
{
	struct hsm_log log;
	int err, i, n;

	err = do_op(_metadata, lk, &c->op, ms);
	ASSERT_LE(0, err);
	EXPECT_EQ(c->err, err) {
		TH_LOG("%s(%s): %s, want %s", op_names[c->op.kind], c->op.path,
		       strerror(err), strerror(c->err));
	}
	hsm_snapshot(&lk->h, &log);
	EXPECT_EQ(0, log.errors) {
		TH_LOG("HSM: %s", log.error);
	}
	for (n = 0; n < 2 && c->events[n]; n++)
		;
	ASSERT_EQ(n, log.nr) {
		log_events(_metadata, &log);
	}
	/* Braces: EXPECT_*() is two statements */
	for (i = 0; i < n; i++) {
		EXPECT_STREQ(c->events[i], log.ev[i].name);
	}
	EXPECT_EQ(c->created, log.created);
	expect_base(_metadata, lk, c->after, c->after_mode, c->after_data);
}

/* ---------------------------------------------------------------- */
/* Lookups                                                            */

FIXTURE(lookup) {
	struct lk lk;
};

FIXTURE_SETUP(lookup)
{
	lk_setup(_metadata, &self->lk, "lookup");
}

FIXTURE_TEARDOWN(lookup)
{
	lk_teardown(_metadata, &self->lk);
}

/*
 * Ten missing components: ten events, in order, each on the directory the
 * HSM created on the event before; then all of them are in the dcache.
 */
TEST_F_TIMEOUT(lookup, deep_stat, TIMEOUT_S)
{
	const struct op op = { OP_STAT, "base/d1/d2/d3/d4/d5/d6/d7/d8/d9/f10" };
	struct lk *lk = &self->lk;
	char dir[64] = "base";
	struct hsm_log log;
	struct stat st;
	int i, err;

	err = do_op(_metadata, lk, &op, OP_WATCHDOG_MS);
	ASSERT_LE(0, err);
	EXPECT_EQ(0, err) {
		TH_LOG("stat of names the HSM creates: %s", strerror(err));
	}
	hsm_snapshot(&lk->h, &log);
	EXPECT_EQ(0, log.errors) {
		TH_LOG("HSM: %s", log.error);
	}
	ASSERT_EQ(10, log.nr) {
		log_events(_metadata, &log);
	}
	EXPECT_EQ(10, log.created);
	EXPECT_EQ(0, log.existed);
	for (i = 0; i < 10; i++) {
		const struct ev_rec *r = &log.ev[i];
		char want[8];

		snprintf(want, sizeof(want), "%c%d", i < 9 ? 'd' : 'f', i + 1);
		EXPECT_STREQ(want, r->name);
		/* event->fd: the directory searched, for the HSM to create in */
		ASSERT_EQ(0, fstatat(lk->mnt_fd, dir, &st, 0));
		EXPECT_EQ(st.st_ino, r->dir) {
			TH_LOG("event %d: event->fd is not %s", i, dir);
		}
		EXPECT_EQ(S_IFDIR, r->mode);
		ASSERT_NE(-1, r->flags);
		EXPECT_EQ(O_RDONLY, r->flags & O_ACCMODE) {
			TH_LOG("event->fd not O_RDONLY in an O_RDWR group");
		}
		EXPECT_EQ(O_DIRECTORY, r->flags & O_DIRECTORY);
		EXPECT_EQ(FD_CLOEXEC, r->fd_flags) {
			TH_LOG("the group's O_CLOEXEC was not kept");
		}
		EXPECT_EQ(getpid(), r->pid);
		snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/%s", want);
	}
	ASSERT_EQ(0, fstatat(lk->mnt_fd, op.path, &st, 0));
	EXPECT_TRUE(S_ISREG(st.st_mode));

	/* All of it is in the dcache now */
	EXPECT_EQ(0, do_op(_metadata, lk, &op, OP_WATCHDOG_MS));
	usleep(FAN_TEST_QUIET_MS * 1000);
	hsm_snapshot(&lk->h, &log);
	EXPECT_EQ(10, log.nr) {
		TH_LOG("a stat of names in the dcache raised events");
		log_events(_metadata, &log);
	}
}

/* "No such name" from the HSM: ENOENT, nothing made, and it is final. */
TEST_F_TIMEOUT(lookup, missing_name, TIMEOUT_S)
{
	const struct op op = { OP_STAT, "base/missing" };
	struct lk *lk = &self->lk;
	struct hsm_log log;

	EXPECT_EQ(ENOENT, do_op(_metadata, lk, &op, OP_WATCHDOG_MS));
	hsm_snapshot(&lk->h, &log);
	EXPECT_EQ(0, log.errors) {
		TH_LOG("HSM: %s", log.error);
	}
	ASSERT_EQ(1, log.nr);
	EXPECT_STREQ("missing", log.ev[0].name);
	EXPECT_EQ(0, log.created);
	expect_base(_metadata, lk, NULL, 0, NULL);

	EXPECT_EQ(ENOENT, do_op(_metadata, lk, &op, OP_WATCHDOG_MS));
	usleep(FAN_TEST_QUIET_MS * 1000);
	hsm_snapshot(&lk->h, &log);
	EXPECT_EQ(1, log.nr) {
		TH_LOG("the negative dentry the HSM allowed raised an event");
	}
}

/*
 * A listing from the start raises the event without a name; the HSM
 * populates the directory before readdir reads it.  Listings ask again
 * until an ignore mark says the directory is complete; the mark ends the
 * lookups in it too.
 */
TEST_F_TIMEOUT(lookup, listing, TIMEOUT_S)
{
	const struct op list = { OP_LIST, "base" };
	const struct op listed = { OP_STAT, "base/d_list" };
	const struct op missing = { OP_STAT, "base/missing" };
	struct caller *c = &self->lk.callers[0];
	struct lk *lk = &self->lk;
	struct hsm_log log;

	hsm_policy(&lk->h, FAN_ALLOW, HSM_LIST_FETCH);
	ASSERT_EQ(0, do_op(_metadata, lk, &list, OP_WATCHDOG_MS));
	hsm_snapshot(&lk->h, &log);
	EXPECT_EQ(0, log.errors) {
		TH_LOG("HSM: %s", log.error);
	}
	EXPECT_EQ(1, log.listings);
	EXPECT_EQ(0, log.nr);
	EXPECT_EQ(2, log.created);
	EXPECT_EQ(2, c->nr_names) {
		TH_LOG("readdir did not see what the HSM created on the event");
	}
	/* What the listing created is in the dcache */
	EXPECT_EQ(0, do_op(_metadata, lk, &listed, OP_WATCHDOG_MS));

	hsm_policy(&lk->h, FAN_ALLOW, HSM_LIST_FETCH | HSM_LIST_DONE);
	ASSERT_EQ(0, do_op(_metadata, lk, &list, OP_WATCHDOG_MS));
	EXPECT_EQ(2, c->nr_names);
	hsm_snapshot(&lk->h, &log);
	EXPECT_EQ(2, log.listings);
	EXPECT_EQ(2, log.existed);

	/* Complete: neither a listing nor a lookup asks */
	ASSERT_EQ(0, do_op(_metadata, lk, &list, OP_WATCHDOG_MS));
	EXPECT_EQ(ENOENT, do_op(_metadata, lk, &missing, OP_WATCHDOG_MS));
	usleep(FAN_TEST_QUIET_MS * 1000);
	hsm_snapshot(&lk->h, &log);
	EXPECT_EQ(0, log.errors) {
		TH_LOG("HSM: %s", log.error);
	}
	EXPECT_EQ(2, log.listings) {
		TH_LOG("a listing of a directory under an ignore mark asked");
	}
	EXPECT_EQ(0, log.nr) {
		TH_LOG("a lookup in a directory under an ignore mark asked");
		log_events(_metadata, &log);
	}
}

/*
 * A group that goes away allows the events it holds.  The negative dentry
 * such a lookup leaves is nobody's answer: the HSM that replaces the group
 * is asked again, and its answer is found.
 */
TEST_F_TIMEOUT(lookup, group_closed_not_final, TIMEOUT_S)
{
	const struct op op = { OP_STAT, "base/fheld" };
	struct caller *c = &self->lk.callers[0];
	struct lk *lk = &self->lk;
	struct hsm_log log;
	long end;

	hsm_policy(&lk->h, FAN_ALLOW, HSM_HOLD);
	c->op = &op;
	c->dirfd = lk->mnt_fd;
	c->barrier = NULL;
	atomic_store(&c->done, false);
	ASSERT_EQ(0, pthread_create(&c->thread, NULL, caller_fn, c));
	for (end = now_ms() + FAN_TEST_EVENT_MS; now_ms() < end; usleep(10000)) {
		hsm_snapshot(&lk->h, &log);
		if (log.nr)
			break;
	}
	ASSERT_EQ(1, log.nr) {
		TH_LOG("no event for the stat");
		break_chain(_metadata, lk, 1);
	}
	ASSERT_TRUE(hsm_stop(lk));
	/* The group goes: the waiting stat is allowed and finds nothing */
	close_group(lk);
	ASSERT_TRUE(wait_flag(&c->done, OP_WATCHDOG_MS)) {
		TH_LOG("HANG: the stat still waits after its group closed");
	}
	ASSERT_TRUE(join_within(c->thread, 5000));
	EXPECT_EQ(ENOENT, c->err);
	close(lk->fan_fd);

	/* A new HSM */
	lk->fan_fd = fanotify_init(FAN_CLASS_PRE_CONTENT | FAN_CLOEXEC,
				   O_RDWR | O_CLOEXEC | O_LARGEFILE);
	ASSERT_LE(0, lk->fan_fd);
	ASSERT_EQ(0, fanotify_mark(lk->fan_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
				   FAN_LOOKUP_PERM, lk->mnt_fd, NULL));
	lk->h.fan_fd = lk->fan_fd;
	atomic_store(&lk->h.stop, false);
	hsm_policy(&lk->h, FAN_ALLOW, 0);
	ASSERT_EQ(0, pthread_create(&lk->h.thread, NULL, hsm_fn, &lk->h));
	lk->h.running = true;

	EXPECT_EQ(0, do_op(_metadata, lk, &op, OP_WATCHDOG_MS)) {
		TH_LOG("the lookup allowed by a closing group was taken as an answer");
	}
	hsm_snapshot(&lk->h, &log);
	EXPECT_EQ(0, log.errors) {
		TH_LOG("HSM: %s", log.error);
	}
	ASSERT_EQ(2, log.nr) {
		log_events(_metadata, &log);
	}
	EXPECT_STREQ("fheld", log.ev[1].name);
	EXPECT_EQ(1, log.created);
}

/*
 * The HSM's answer is about a negative dentry.  A name created and then
 * removed here leaves a negative dentry that is no answer: the next lookup
 * asks again (as it must after an HSM evicts a stub by unlinking it).
 */
TEST_F_TIMEOUT(lookup, unlink_not_final, TIMEOUT_S)
{
	const struct op op = { OP_STAT, "base/gone" };
	struct lk *lk = &self->lk;
	struct hsm_log log;

	/* Not on the remote: ENOENT, and the answer is kept */
	EXPECT_EQ(ENOENT, do_op(_metadata, lk, &op, OP_WATCHDOG_MS));
	EXPECT_EQ(ENOENT, do_op(_metadata, lk, &op, OP_WATCHDOG_MS));
	hsm_snapshot(&lk->h, &log);
	ASSERT_EQ(1, log.nr) {
		log_events(_metadata, &log);
	}
	/* Created and removed locally: neither call asks */
	ASSERT_EQ(0, mknodat(lk->mnt_fd, "base/gone", S_IFREG | 0644, 0));
	ASSERT_EQ(0, unlinkat(lk->mnt_fd, "base/gone", 0));
	hsm_snapshot(&lk->h, &log);
	ASSERT_EQ(1, log.nr) {
		log_events(_metadata, &log);
	}

	EXPECT_EQ(ENOENT, do_op(_metadata, lk, &op, OP_WATCHDOG_MS));
	hsm_snapshot(&lk->h, &log);
	EXPECT_EQ(0, log.errors) {
		TH_LOG("HSM: %s", log.error);
	}
	ASSERT_EQ(2, log.nr) {
		TH_LOG("the negative dentry of an unlink was taken as an answer");
		log_events(_metadata, &log);
	}
	EXPECT_STREQ("gone", log.ev[1].name);
}

/*
 * A name longer than NAME_MAX raises nothing: no filesystem can hold it,
 * and its record would not fit a reader's buffer.
 */
TEST_F_TIMEOUT(lookup, name_too_long, TIMEOUT_S)
{
	static char path[NAME_MAX + 64];
	struct op op = { OP_STAT, path };
	struct op make = { OP_MKDIR, path };
	struct lk *lk = &self->lk;
	struct hsm_log log;

	strcpy(path, "base/");
	memset(path + 5, 'd', NAME_MAX + 1);
	path[5 + NAME_MAX + 1] = 0;
	EXPECT_EQ(ENAMETOOLONG, do_op(_metadata, lk, &op, OP_WATCHDOG_MS));
	EXPECT_EQ(ENAMETOOLONG, do_op(_metadata, lk, &make, OP_WATCHDOG_MS));
	usleep(FAN_TEST_QUIET_MS * 1000);
	hsm_snapshot(&lk->h, &log);
	EXPECT_EQ(0, log.errors) {
		TH_LOG("HSM: %s", log.error);
	}
	EXPECT_EQ(0, log.nr);
}

/* The lookup fails with the HSM's errno; a denial is not cached. */
static void deny_case(struct __test_metadata *_metadata, struct lk *lk,
		      __u32 response, int want)
{
	const struct op op = { OP_STAT, "base/f1" };
	struct hsm_log log;

	hsm_policy(&lk->h, response, 0);
	EXPECT_EQ(want, do_op(_metadata, lk, &op, OP_WATCHDOG_MS));
	hsm_snapshot(&lk->h, &log);
	EXPECT_EQ(0, log.errors) {
		TH_LOG("HSM: %s", log.error);
	}
	ASSERT_EQ(1, log.nr);
	EXPECT_STREQ("f1", log.ev[0].name);
	EXPECT_EQ(0, log.created);

	EXPECT_EQ(want, do_op(_metadata, lk, &op, OP_WATCHDOG_MS));
	hsm_snapshot(&lk->h, &log);
	EXPECT_EQ(2, log.nr) {
		TH_LOG("a denied lookup left an answer in the dcache");
	}
	expect_base(_metadata, lk, NULL, 0, NULL);
}

TEST_F_TIMEOUT(lookup, deny_eio, TIMEOUT_S)
{
	deny_case(_metadata, &self->lk, FAN_DENY_ERRNO(EIO), EIO);
}

TEST_F_TIMEOUT(lookup, deny_eperm, TIMEOUT_S)
{
	deny_case(_metadata, &self->lk, FAN_DENY, EPERM);
}

/* 32 walkers of one missing name: one fetch, every walk finds it. */
TEST_F_TIMEOUT(lookup, threads_32, TIMEOUT_S)
{
	const struct op op = { OP_STAT, "base/fshared" };
	struct lk *lk = &self->lk;
	struct hsm_log log;
	int i;

	ASSERT_TRUE(run_ops(_metadata, lk, &op, NR_THREADS, OP_WATCHDOG_MS));
	for (i = 0; i < NR_THREADS; i++) {
		EXPECT_EQ(0, lk->callers[i].err) {
			TH_LOG("walker %d: %s", i, strerror(lk->callers[i].err));
		}
	}
	hsm_snapshot(&lk->h, &log);
	EXPECT_EQ(0, log.errors) {
		TH_LOG("HSM: %s", log.error);
	}
	EXPECT_EQ(1, log.created);
	EXPECT_LE(1, log.nr);
	EXPECT_GE(NR_THREADS, log.nr);
	EXPECT_EQ(log.nr - 1, log.existed);
	for (i = 0; i < log.nr && i < MAX_EVENTS; i++) {
		EXPECT_STREQ("fshared", log.ev[i].name);
	}
	ksft_print_msg("%d events for %d concurrent walks of one name\n",
		       log.nr, NR_THREADS);
}

/* Walks below event->fd raise nothing; they answer nothing either. */
TEST_F_TIMEOUT(lookup, hsm_no_recursion, TIMEOUT_S)
{
	const struct op op = { OP_STAT, "base/f1" };
	const struct op other = { OP_STAT, "base/other" };
	struct lk *lk = &self->lk;
	struct hsm_log log;
	int i;

	hsm_policy(&lk->h, FAN_ALLOW, HSM_SILENT);
	EXPECT_EQ(0, do_op(_metadata, lk, &op, OP_WATCHDOG_MS));
	hsm_snapshot(&lk->h, &log);
	EXPECT_EQ(0, log.recursions) {
		TH_LOG("%d events from walks below event->fd: an HSM would wait for itself",
		       log.recursions);
	}
	EXPECT_EQ(0, log.errors) {
		TH_LOG("HSM: %s", log.error);
	}
	ASSERT_EQ(1, log.nr) {
		log_events(_metadata, &log);
	}
	EXPECT_STREQ("f1", log.ev[0].name);
	for (i = 0; i < NR_SILENT; i++) {
		EXPECT_EQ(silent_want[i].err, log.silent[i]) {
			TH_LOG("%s: %s", silent_want[i].call,
			       strerror(log.silent[i]));
		}
	}

	/*
	 * The HSM's own lookup of "other" left a negative dentry no listener
	 * answered for: a walk from elsewhere still asks.
	 */
	hsm_policy(&lk->h, FAN_ALLOW, 0);
	EXPECT_EQ(ENOENT, do_op(_metadata, lk, &other, OP_WATCHDOG_MS));
	hsm_snapshot(&lk->h, &log);
	ASSERT_EQ(2, log.nr) {
		TH_LOG("no event for a name only the HSM's silent walk had looked up");
	}
	EXPECT_STREQ("other", log.ev[1].name);
	expect_base(_metadata, lk, "f1", S_IFREG, REMOTE_DATA);
}

/* "." and ".." are no lookups; the second "d1" is in the dcache. */
TEST_F_TIMEOUT(lookup, dot_dotdot, TIMEOUT_S)
{
	const struct op op = { OP_STAT, "base/./d1/../d1" };
	struct lk *lk = &self->lk;
	struct hsm_log log;

	EXPECT_EQ(0, do_op(_metadata, lk, &op, OP_WATCHDOG_MS));
	hsm_snapshot(&lk->h, &log);
	EXPECT_EQ(0, log.errors) {
		TH_LOG("HSM: %s", log.error);
	}
	ASSERT_EQ(1, log.nr) {
		log_events(_metadata, &log);
	}
	EXPECT_STREQ("d1", log.ev[0].name);
	EXPECT_EQ(1, log.created);
	expect_base(_metadata, lk, "d1", S_IFDIR, NULL);
}

static int try_mark(int fd, unsigned int flags, const char *path)
{
	return fanotify_mark(fd, FAN_MARK_ADD | flags, FAN_LOOKUP_PERM,
			     AT_FDCWD, path) ? errno : 0;
}

/*
 * Inode marks only on directories; mount and filesystem marks are fine.
 * The group gets no reader: no walk may miss until it is closed.
 */
TEST_F_TIMEOUT(lookup, mark_nondir, TIMEOUT_S)
{
	int pre = fanotify_init(FAN_CLASS_PRE_CONTENT | FAN_CLOEXEC, O_RDONLY);

	ASSERT_LE(0, pre);
	EXPECT_EQ(ENOTDIR, try_mark(pre, 0, self->lk.src));
	EXPECT_EQ(0, try_mark(pre, 0, self->lk.base));
	EXPECT_EQ(0, try_mark(pre, FAN_MARK_MOUNT, self->lk.mnt));
	EXPECT_EQ(0, try_mark(pre, FAN_MARK_FILESYSTEM, self->lk.mnt));
	close(pre);
}

TEST_F_TIMEOUT(lookup, mark_content_class, TIMEOUT_S)
{
	int content = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY);
	int notif = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC, O_RDONLY);

	ASSERT_LE(0, content);
	ASSERT_LE(0, notif);
	EXPECT_EQ(EINVAL, try_mark(content, 0, self->lk.base));
	EXPECT_EQ(EINVAL, try_mark(content, FAN_MARK_FILESYSTEM, self->lk.mnt));
	EXPECT_EQ(EINVAL, try_mark(notif, 0, self->lk.base));
	EXPECT_EQ(EINVAL, try_mark(notif, FAN_MARK_MOUNT, self->lk.mnt));
	close(content);
	close(notif);
}

/* A filesystem that has not opted in to HSM */
TEST_F_TIMEOUT(lookup, mark_tmpfs, TIMEOUT_S)
{
	char tmpfs[96];
	int pre;

	snprintf(tmpfs, sizeof(tmpfs), "%s/tmpfs", self->lk.dir);
	ASSERT_EQ(0, mkdir(tmpfs, 0755));
	ASSERT_EQ(0, mount("tmpfs", tmpfs, "tmpfs", 0, NULL));
	pre = fanotify_init(FAN_CLASS_PRE_CONTENT | FAN_CLOEXEC, O_RDONLY);
	ASSERT_LE(0, pre);
	EXPECT_EQ(EOPNOTSUPP, try_mark(pre, 0, tmpfs));
	EXPECT_EQ(EOPNOTSUPP, try_mark(pre, FAN_MARK_MOUNT, tmpfs));
	EXPECT_EQ(EOPNOTSUPP, try_mark(pre, FAN_MARK_FILESYSTEM, tmpfs));
	close(pre);
	EXPECT_EQ(0, umount(tmpfs));
}

/*
 * A symlink is looked up like any name, and the walk of its target raises
 * the events of the target's missing components.
 */
TEST_F_TIMEOUT(lookup, symlink_target, TIMEOUT_S)
{
	const struct op follow = { OP_STAT, "base/slink" };
	const char *want[] = { "slink", "dtarget", "fx" };
	struct lk *lk = &self->lk;
	struct hsm_log log;
	struct stat st;
	int i;

	/* The HSM has no "slink": it allows, and symlink() creates it */
	ASSERT_EQ(0, symlinkat("dtarget/fx", lk->mnt_fd, "base/slink"));
	EXPECT_EQ(0, do_op(_metadata, lk, &follow, OP_WATCHDOG_MS));
	ASSERT_EQ(0, fstatat(lk->mnt_fd, "base/dtarget/fx", &st, 0));
	EXPECT_TRUE(S_ISREG(st.st_mode));
	hsm_snapshot(&lk->h, &log);
	EXPECT_EQ(0, log.errors) {
		TH_LOG("HSM: %s", log.error);
	}
	ASSERT_EQ(3, log.nr) {
		log_events(_metadata, &log);
	}
	for (i = 0; i < 3; i++) {
		EXPECT_STREQ(want[i], log.ev[i].name);
	}
	EXPECT_EQ(2, log.created);
}

/*
 * A mount point is crossed, not looked up: the mounted filesystem is not
 * the one marked, and ".." out of it raises nothing.
 */
TEST_F_TIMEOUT(lookup, mount_point, TIMEOUT_S)
{
	const struct op make = { OP_STAT, "base/dm" };
	const struct op inside = { OP_STAT, "base/dm/fz" };
	const struct op out = { OP_STAT, "base/dm/../dm/.." };
	struct lk *lk = &self->lk;
	char dm[160];
	struct hsm_log log;

	EXPECT_EQ(0, do_op(_metadata, lk, &make, OP_WATCHDOG_MS));
	snprintf(dm, sizeof(dm), "%s/dm", lk->base);
	ASSERT_EQ(0, mount("tmpfs", dm, "tmpfs", 0, NULL));
	EXPECT_EQ(ENOENT, do_op(_metadata, lk, &inside, OP_WATCHDOG_MS));
	EXPECT_EQ(0, do_op(_metadata, lk, &out, OP_WATCHDOG_MS));
	usleep(FAN_TEST_QUIET_MS * 1000);
	EXPECT_EQ(0, umount(dm));
	hsm_snapshot(&lk->h, &log);
	EXPECT_EQ(0, log.errors) {
		TH_LOG("HSM: %s", log.error);
	}
	EXPECT_EQ(1, log.nr) {
		log_events(_metadata, &log);
	}
	EXPECT_STREQ("dm", log.ev[0].name);
}

/*
 * overlayfs looks names up in its lower layer with lookup_one*(), under
 * the lower directory's i_rwsem, and raises no event there.  The negative
 * dentry it leaves must not answer a later walk of the lower layer: that
 * walk asks the HSM, and finds what it created.
 */
TEST_F_TIMEOUT(lookup, overlay_negative_not_final, TIMEOUT_S)
{
	const struct op direct = { OP_STAT, "base/fx" };
	struct lk *lk = &self->lk;
	char tmpfs[96], ovl[96], opts[512], path[128];
	struct hsm_log log;
	struct stat st;

	snprintf(tmpfs, sizeof(tmpfs), "%s/tmpfs", lk->dir);
	snprintf(ovl, sizeof(ovl), "%s/ovl", lk->dir);
	ASSERT_EQ(0, mkdir(tmpfs, 0755));
	ASSERT_EQ(0, mkdir(ovl, 0755));
	ASSERT_EQ(0, mount("tmpfs", tmpfs, "tmpfs", 0, NULL));
	snprintf(opts, sizeof(opts), "%s/up", tmpfs);
	ASSERT_EQ(0, mkdir(opts, 0755));
	snprintf(opts, sizeof(opts), "%s/work", tmpfs);
	ASSERT_EQ(0, mkdir(opts, 0755));
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s/up,workdir=%s/work",
		 lk->base, tmpfs, tmpfs);
	if (mount("overlay", ovl, "overlay", 0, opts)) {
		if (errno == ENODEV)
			SKIP(return, "overlayfs not supported (CONFIG_OVERLAY_FS)");
		ASSERT_EQ(0, errno) {
			TH_LOG("mount overlay on %s: %s", ovl, strerror(errno));
		}
	}
	snprintf(path, sizeof(path), "%s/fx", ovl);
	EXPECT_EQ(-1, stat(path, &st));
	EXPECT_EQ(ENOENT, errno);
	usleep(FAN_TEST_QUIET_MS * 1000);
	hsm_snapshot(&lk->h, &log);
	EXPECT_EQ(0, log.nr) {
		TH_LOG("overlayfs's lookup in the lower layer raised an event");
		log_events(_metadata, &log);
	}
	EXPECT_EQ(0, umount(ovl));

	EXPECT_EQ(0, do_op(_metadata, lk, &direct, OP_WATCHDOG_MS)) {
		TH_LOG("the negative dentry overlayfs left hid the name");
	}
	hsm_snapshot(&lk->h, &log);
	EXPECT_EQ(0, log.errors) {
		TH_LOG("HSM: %s", log.error);
	}
	ASSERT_EQ(1, log.nr) {
		log_events(_metadata, &log);
	}
	EXPECT_STREQ("fx", log.ev[0].name);
	EXPECT_EQ(1, log.created);
	EXPECT_EQ(0, umount(tmpfs));
}

/*
 * Only getdents() and readdir() raise the listing event, not the callers of
 * iterate_dir() in the kernel.  overlayfs lists a work directory that is
 * not empty at mount, to clean it, with write access to the upper
 * filesystem taken: an event there would wait for an HSM that cannot write
 * to that filesystem while a freeze of it waits (and lockdep's freeze
 * assertion would fire).  Upper and work directories here are on the HSM's
 * filesystem.
 */
TEST_F_TIMEOUT(lookup, overlay_workdir_no_listing, TIMEOUT_S)
{
	struct lk *lk = &self->lk;
	char tmpfs[96], ovl[96], opts[512];
	struct hsm_log log;
	int listings;

	snprintf(tmpfs, sizeof(tmpfs), "%s/tmpfs", lk->dir);
	snprintf(ovl, sizeof(ovl), "%s/ovl", lk->dir);
	ASSERT_EQ(0, mkdir(tmpfs, 0755));
	ASSERT_EQ(0, mkdir(ovl, 0755));
	ASSERT_EQ(0, mount("tmpfs", tmpfs, "tmpfs", 0, NULL));
	/* Names the remote does not have: the HSM allows, creates nothing */
	ASSERT_EQ(0, mkdirat(lk->mnt_fd, "oup", 0755));
	ASSERT_EQ(0, mkdirat(lk->mnt_fd, "owork", 0755));
	snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s/oup,workdir=%s/owork",
		 tmpfs, lk->mnt, lk->mnt);
	if (mount("overlay", ovl, "overlay", 0, opts)) {
		if (errno == ENODEV)
			SKIP(goto out, "overlayfs not supported (CONFIG_OVERLAY_FS)");
		ASSERT_EQ(0, errno) {
			TH_LOG("mount overlay on %s: %s", ovl, strerror(errno));
		}
	}
	ASSERT_EQ(0, umount(ovl));
	/* Something left in work/work: the next mount lists it to clean it */
	ASSERT_EQ(0, mkdirat(lk->mnt_fd, "owork/work/stale", 0755));

	hsm_snapshot(&lk->h, &log);
	listings = log.listings;
	ASSERT_EQ(0, mount("overlay", ovl, "overlay", 0, opts)) {
		TH_LOG("mount overlay again: %s", strerror(errno));
	}
	EXPECT_EQ(0, umount(ovl));
	usleep(FAN_TEST_QUIET_MS * 1000);
	hsm_snapshot(&lk->h, &log);
	EXPECT_EQ(0, log.errors) {
		TH_LOG("HSM: %s", log.error);
	}
	EXPECT_EQ(listings, log.listings) {
		TH_LOG("overlayfs's cleanup of its work directory raised a listing");
	}
	/* It did list it: the stale entry is gone */
	EXPECT_EQ(-1, faccessat(lk->mnt_fd, "owork/work/stale", F_OK, 0));
	EXPECT_EQ(ENOENT, errno);
out:
	EXPECT_EQ(0, umount(tmpfs));
}

/*
 * Without CAP_SYS_ADMIN: no pre-content group, and no filesystem mark
 * through the fd of a privileged one.
 */
TEST_F_TIMEOUT(lookup, unprivileged, TIMEOUT_S)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		if (fan_drop_cap_sys_admin())
			_exit(2);
		fd = fanotify_init(FAN_CLASS_PRE_CONTENT, O_RDONLY);
		if (fd >= 0 || errno != EPERM)
			_exit(3);
		if (!fanotify_mark(self->lk.fan_fd,
				   FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
				   FAN_LOOKUP_PERM, self->lk.mnt_fd, NULL) ||
		    errno != EPERM)
			_exit(4);
		_exit(0);
	}
	status = fan_wait_child(pid, FAN_TEST_EVENT_MS);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_NE(2, WEXITSTATUS(status)) {
		TH_LOG("cannot drop CAP_SYS_ADMIN");
	}
	EXPECT_NE(3, WEXITSTATUS(status)) {
		TH_LOG("fanotify_init(FAN_CLASS_PRE_CONTENT) without CAP_SYS_ADMIN did not fail with EPERM");
	}
	EXPECT_NE(4, WEXITSTATUS(status)) {
		TH_LOG("a filesystem mark without CAP_SYS_ADMIN did not fail with EPERM");
	}
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* ---------------------------------------------------------------- */
/* Calls that create and remove names                                 */

FIXTURE(create) {
	struct lk lk;
};

FIXTURE_VARIANT(create) {
	struct op_case c;
};

FIXTURE_VARIANT_ADD(create, open_creat_excl_remote) {
	.c = { .op = { OP_OPEN, "base/f_new", O_WRONLY | O_CREAT | O_EXCL },
	       .err = EEXIST, .events = { "f_new" }, .created = 1,
	       .after = "f_new", .after_mode = S_IFREG, .after_data = REMOTE_DATA },
};

FIXTURE_VARIANT_ADD(create, open_creat_absent) {
	.c = { .op = { OP_OPEN, "base/new", O_WRONLY | O_CREAT },
	       .err = 0, .events = { "new" }, .created = 0,
	       .after = "new", .after_mode = S_IFREG, .after_data = "" },
};

FIXTURE_VARIANT_ADD(create, mkdir_remote) {
	.c = { .op = { OP_MKDIR, "base/d_new" },
	       .err = EEXIST, .events = { "d_new" }, .created = 1,
	       .after = "d_new", .after_mode = S_IFDIR },
};

FIXTURE_VARIANT_ADD(create, mkdir_absent) {
	.c = { .op = { OP_MKDIR, "base/new" },
	       .err = 0, .events = { "new" }, .created = 0,
	       .after = "new", .after_mode = S_IFDIR },
};

/* The HSM creates it on the event, then the unlink removes it */
FIXTURE_VARIANT_ADD(create, unlink_unpopulated) {
	.c = { .op = { OP_UNLINK, "base/f_new" },
	       .err = 0, .events = { "f_new" }, .created = 1, .after = NULL },
};

/* The HSM creates the target on the event, the rename replaces it */
FIXTURE_VARIANT_ADD(create, rename_into_unpopulated) {
	.c = { .op = { OP_RENAME, "base/f_new" },
	       .err = 0, .events = { "f_new" }, .created = 1,
	       .after = "f_new", .after_mode = S_IFREG, .after_data = LOCAL_DATA },
};

FIXTURE_SETUP(create)
{
	lk_setup(_metadata, &self->lk, "create");
}

FIXTURE_TEARDOWN(create)
{
	lk_teardown(_metadata, &self->lk);
}

TEST_F_TIMEOUT(create, call, TIMEOUT_S)
{
	run_case(_metadata, &self->lk, &variant->c, OP_WATCHDOG_MS);
}

/* ---------------------------------------------------------------- */
/* Freezes while a call waits for the answer                         */

/*
 *  caller                      HSM                       freezer
 *  call(base/name)
 *    FAN_LOOKUP_PERM --------> event
 *                              start the freezer ------> FIFREEZE
 *                              wait for it (10 s)          waits for
 *                                                          writers
 *                              FITHAW
 *                              create base/name
 *                              (a write to the fs)
 *    <------------------------ FAN_ALLOW
 *    looks the name up,
 *    takes write access
 *
 * If the call raised the event with write access (freeze protection)
 * held, the freeze would wait for the caller, the caller for the HSM, and
 * the HSM for the freeze: the HSM reports the HANG after 10 s and allows,
 * and the test fails.  The 30 s watchdog breaks any other hang.
 */
FIXTURE(freeze) {
	struct lk lk;
};

FIXTURE_VARIANT(freeze) {
	struct op_case c;
};

FIXTURE_VARIANT_ADD(freeze, stat_walk) {
	.c = { .op = { OP_STAT, "base/d1/f2" },
	       .err = 0, .events = { "d1", "f2" }, .created = 2,
	       .after = "d1", .after_mode = S_IFDIR },
};

FIXTURE_VARIANT_ADD(freeze, open_creat) {
	.c = { .op = { OP_OPEN, "base/f_new", O_WRONLY | O_CREAT },
	       .err = 0, .events = { "f_new" }, .created = 1,
	       .after = "f_new", .after_mode = S_IFREG, .after_data = REMOTE_DATA },
};

FIXTURE_VARIANT_ADD(freeze, open_wronly) {
	.c = { .op = { OP_OPEN, "base/f_new", O_WRONLY },
	       .err = 0, .events = { "f_new" }, .created = 1,
	       .after = "f_new", .after_mode = S_IFREG, .after_data = REMOTE_DATA },
};

FIXTURE_VARIANT_ADD(freeze, mkdir) {
	.c = { .op = { OP_MKDIR, "base/d_new" },
	       .err = EEXIST, .events = { "d_new" }, .created = 1,
	       .after = "d_new", .after_mode = S_IFDIR },
};

FIXTURE_VARIANT_ADD(freeze, mknod) {
	.c = { .op = { OP_MKNOD, "base/f_new" },
	       .err = EEXIST, .events = { "f_new" }, .created = 1,
	       .after = "f_new", .after_mode = S_IFREG, .after_data = REMOTE_DATA },
};

FIXTURE_VARIANT_ADD(freeze, symlink) {
	.c = { .op = { OP_SYMLINK, "base/f_new" },
	       .err = EEXIST, .events = { "f_new" }, .created = 1,
	       .after = "f_new", .after_mode = S_IFREG, .after_data = REMOTE_DATA },
};

FIXTURE_VARIANT_ADD(freeze, link) {
	.c = { .op = { OP_LINK, "base/f_new" },
	       .err = EEXIST, .events = { "f_new" }, .created = 1,
	       .after = "f_new", .after_mode = S_IFREG, .after_data = REMOTE_DATA },
};

FIXTURE_VARIANT_ADD(freeze, rename) {
	.c = { .op = { OP_RENAME, "base/f_new" },
	       .err = 0, .events = { "f_new" }, .created = 1,
	       .after = "f_new", .after_mode = S_IFREG, .after_data = LOCAL_DATA },
};

FIXTURE_VARIANT_ADD(freeze, unlink) {
	.c = { .op = { OP_UNLINK, "base/f_new" },
	       .err = 0, .events = { "f_new" }, .created = 1, .after = NULL },
};

FIXTURE_VARIANT_ADD(freeze, rmdir) {
	.c = { .op = { OP_RMDIR, "base/d_new" },
	       .err = 0, .events = { "d_new" }, .created = 1, .after = NULL },
};

FIXTURE_SETUP(freeze)
{
	lk_setup(_metadata, &self->lk, "freeze");
	if (_metadata->exit_code)
		return;
	hsm_policy(&self->lk.h, FAN_ALLOW, HSM_FREEZE);
}

FIXTURE_TEARDOWN(freeze)
{
	lk_teardown(_metadata, &self->lk);
}

TEST_F_TIMEOUT(freeze, while_event_waits, FREEZE_TIMEOUT_S)
{
	struct hsm_log log;

	run_case(_metadata, &self->lk, &variant->c, WATCHDOG_MS);
	hsm_snapshot(&self->lk.h, &log);
	EXPECT_EQ(log.nr, log.freezes) {
		TH_LOG("%d of %d events saw their freeze complete", log.freezes,
		       log.nr);
	}
}

TEST_HARNESS_MAIN
