// SPDX-License-Identifier: GPL-2.0
/*
 * A change journal built on fanotify pre-modify events.
 *
 * It watches the filesystem that holds FS and records, in JOURNAL (a
 * directory on another filesystem), which files are modified, by file
 * handle and path, in numbered checkpoints.  A backup tool asks "which
 * files changed since checkpoint N?" and copies them; the journal
 * promises that every modification that lands after checkpoint N was
 * opened is listed in N or a later checkpoint, or that the answer is
 * "rescan needed".
 *
 *   fanotify-journal run JOURNAL FS      watch FS; take over from a running
 *                                        daemon of JOURNAL if there is one
 *   fanotify-journal rotate JOURNAL      close the open checkpoint
 *   fanotify-journal changes JOURNAL N   files changed in checkpoints N to
 *                                        the last closed one: handle, path
 *   fanotify-journal stop JOURNAL        close the open checkpoint and exit
 *
 * Checkpoints.  A checkpoint is one fanotify group with a filesystem mark
 * for FAN_PRE_MODIFY.  Every write, truncate, fallocate, copy or remap into
 * the filesystem, and every shared writable mmap() of a file of it, raises
 * the event before it modifies anything, and waits for the journal's
 * answer: the journal records the file in the open checkpoint, then allows.
 * A rotation hands the filesystem from the old group B to a new group A
 * without a gap:
 *
 *   1. A marks the filesystem with FAN_MARK_ADD | FAN_MARK_SYNC: when it
 *      returns, every event raised from then on reaches A.  Checkpoint N+1
 *      opens here.
 *   2. B unmarks with FAN_MARK_REMOVE | FAN_MARK_SYNC: when it returns, no
 *      event is still on its way to B.
 *   3. B's queue is read until it is empty: each event is recorded in N
 *      and allowed.
 *   4. ioctl(B, FAN_IOC_WRITE_BARRIER): when it returns, every
 *      modification that B allowed has landed.
 *   5. Checkpoint N is written to disk (fsync) and closed; B is closed.
 *
 * A modification whose event reached only B was allowed by step 3 and has
 * landed by step 5, so a backup that copies N's files after the close
 * copies it.  One whose event came later reached A, and is in N+1.
 *
 * Shared writable mappings.  mmap() raises the event, and the stores come
 * later, for as long as the mapping lives: the barrier waits only for the
 * mmap() call.  So each rotation first waits for the mmap() calls that B
 * allowed (a barrier before step 1), then lists the files mapped shared
 * by any process (/proc/PID/maps), and puts them in N+1 as well; and every
 * event that B allows from the start of the rotation on is put in N+1 as
 * well as in N.  A file stays in every checkpoint while it is mapped.
 *
 * Restarts.  "run" on a JOURNAL whose daemon is running starts a new group,
 * marks (step 1), and asks the old daemon over JOURNAL/ctl to do steps 2-5
 * and exit: the daemon can be upgraded or restarted with no gap, and the
 * checkpoint ids continue.  When it cannot vouch for a checkpoint it says
 * so in the checkpoint, and "changes" then answers "rescan needed":
 *
 * - the daemon died with the checkpoint open (found at the next start):
 *   events it had allowed but not written down are lost;
 * - no daemon ran between two checkpoints (a stop, a crash, a handover
 *   that failed): nothing watched the filesystem in between;
 * - the barrier did not return within a bound (BARRIER_TIMEOUT), e.g.
 *   because an allowed write waits for a frozen filesystem to thaw;
 * - a checkpoint opened without a handover (the first, or after a gap):
 *   a file opened while the filesystem had no pre-content watcher raises
 *   no events for as long as it stays open.  The daemon lists the files
 *   open for writing when it starts in every checkpoint until they are
 *   closed (/proc/PID/fd), but one written and closed before it looked
 *   is missed;
 * - the kernel lacks FAN_MARK_SYNC or the barrier (or -u was given to
 *   show what happens without them, or -B for FAN_MARK_SYNC alone, the
 *   proof of concept's handover): every rotation may lose changes.
 *   Such a rotation is the one those kernels allow: add, remove, drain,
 *   close.  Without FAN_PRE_MODIFY the journal records FAN_PRE_ACCESS
 *   events, reads included.
 *
 * What it does not promise: writes through a shared mapping that was made
 * without PROT_WRITE and made writable with mprotect() raise no event;
 * writes by kernel threads (nfsd) are not waited for by the barrier; it
 * tells the filesystem's files by st_dev, which does not cover btrfs
 * subvolumes other than FS's.  It records a file once per checkpoint, but
 * answers every event: an ignore mark would save the round trip, but a
 * modification that raises no event is not counted by the barrier.
 *
 * The checkpoint files JOURNAL/cp-N are text: "opened NS", "closed NS"
 * (CLOCK_MONOTONIC), "M HANDLE PATH" for each file, "C HANDLE PATH" for
 * each file carried into N+1, "S HANDLE PATH" for each file open for
 * writing since before a watcher, "unvouched REASON", "gap-before REASON".
 * The open checkpoint is cp-N.open.  JOURNAL/id holds the journal's id,
 * which "changes" prints first: a new id means a new journal, as with a
 * USN journal id.
 *
 * See Documentation/filesystems/fanotify-hsm.rst.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/fanotify.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <linux/fanotify.h>

#ifndef FAN_PRE_MODIFY
#define FAN_PRE_MODIFY		0x00200000
#endif
#ifndef FAN_PRE_ACCESS
#define FAN_PRE_ACCESS		0x00100000
#endif
#ifndef FAN_MARK_SYNC
#define FAN_MARK_SYNC		0x00000800
#endif
#ifndef FAN_IOC_WRITE_BARRIER
#define FAN_IOC_WRITE_BARRIER	_IO(0xFA, 0x00)
#endif

/* Seconds a barrier may take before its checkpoint is given up on */
#define BARRIER_TIMEOUT		30
/* Seconds a new daemon waits for the old one to hand over */
#define HANDOVER_TIMEOUT	(2 * BARRIER_TIMEOUT + 30)

static const char *jdir;	/* JOURNAL */
static const char *fs_path;	/* FS */
static dev_t fs_dev;
static __u64 event_mask = FAN_PRE_MODIFY;
static bool unsafe;		/* no FAN_MARK_SYNC, no barrier */
static bool no_barrier;		/* -B */
static int ctl_fd = -1;

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fanotify-journal: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (errno && fmt[strlen(fmt) - 1] == ':')
		fprintf(stderr, " %s", strerror(errno));
	fputc('\n', stderr);
	exit(1);
}

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* A set of "HANDLE PATH" strings, keyed by the handle */
struct fileset {
	char **slot;
	size_t size, count;
};

/* Files open for writing since before the filesystem had a watcher */
static struct fileset unannounced;

static size_t hash(const char *s)
{
	size_t h = 5381;

	while (*s && *s != ' ')
		h = h * 33 + (unsigned char)*s++;
	return h;
}

static bool same_key(const char *a, const char *b)
{
	size_t la = strcspn(a, " "), lb = strcspn(b, " ");

	return la == lb && !memcmp(a, b, la);
}

/* Adds a copy of rec; returns false if its handle was there */
static bool set_add(struct fileset *set, const char *rec)
{
	size_t i;

	if (set->count * 2 >= set->size) {
		struct fileset big = { .size = set->size ? set->size * 2 : 64 };

		big.slot = calloc(big.size, sizeof(char *));
		if (!big.slot)
			die("out of memory");
		for (i = 0; i < set->size; i++) {
			char *s = set->slot[i];
			size_t j;

			if (!s)
				continue;
			for (j = hash(s) % big.size; big.slot[j];
			     j = (j + 1) % big.size)
				;
			big.slot[j] = s;
			big.count++;
		}
		free(set->slot);
		*set = big;
	}
	for (i = hash(rec) % set->size; set->slot[i]; i = (i + 1) % set->size)
		if (same_key(set->slot[i], rec))
			return false;
	set->slot[i] = strdup(rec);
	if (!set->slot[i])
		die("out of memory");
	set->count++;
	return true;
}

/* Adds rec, or replaces the record of its handle (a newer path) */
static void set_put(struct fileset *set, const char *rec)
{
	size_t i;

	if (set_add(set, rec))
		return;
	for (i = hash(rec) % set->size; !same_key(set->slot[i], rec);
	     i = (i + 1) % set->size)
		;
	free(set->slot[i]);
	set->slot[i] = strdup(rec);
	if (!set->slot[i])
		die("out of memory");
}

static bool set_has(struct fileset *set, const char *rec)
{
	size_t i;

	if (!set->size)
		return false;
	for (i = hash(rec) % set->size; set->slot[i]; i = (i + 1) % set->size)
		if (same_key(set->slot[i], rec))
			return true;
	return false;
}

static void set_clear(struct fileset *set)
{
	size_t i;

	for (i = 0; i < set->size; i++)
		free(set->slot[i]);
	free(set->slot);
	memset(set, 0, sizeof(*set));
}

/*
 * "HANDLE PATH" of an open file (name "") or of a path, which may be a
 * /proc/PID/fd link; false if it has no handle.
 */
static bool describe(int dirfd, const char *name, char *rec, size_t len)
{
	struct {
		struct file_handle fh;
		unsigned char bytes[MAX_HANDLE_SZ];
	} h;
	const unsigned char *bytes = (const unsigned char *)h.fh.f_handle;
	char link[64], path[PATH_MAX];
	int mnt_id, n, i;
	ssize_t plen;

	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(dirfd, name, &h.fh, &mnt_id,
			      *name ? AT_SYMLINK_FOLLOW : AT_EMPTY_PATH))
		return false;
	if (*name && strncmp(name, "/proc/", 6)) {
		snprintf(path, sizeof(path), "%s", name);
	} else {
		if (!*name)
			snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
		plen = readlink(*name ? name : link, path, sizeof(path) - 1);
		if (plen < 0)
			return false;
		path[plen] = 0;
	}
	n = snprintf(rec, len, "%x:", h.fh.handle_type);
	for (i = 0; i < (int)h.fh.handle_bytes && n < (int)len - 3; i++)
		n += snprintf(rec + n, len - n, "%02x", bytes[i]);
	snprintf(rec + n, len - n, " %s", path);
	/* One record per line */
	for (i = n; rec[i]; i++)
		if (rec[i] == '\n')
			rec[i] = '?';
	return true;
}

/* Journal files */

struct checkpoint {
	unsigned long id;
	FILE *file;			/* cp-ID.open */
	struct fileset files;		/* recorded in it */
	struct fileset carry;		/* for the next one */
	bool unvouched;
};

static char *jpath(char *buf, size_t len, const char *fmt, unsigned long n)
{
	int off = snprintf(buf, len, "%s/", jdir);

	snprintf(buf + off, len - off, fmt, n);
	return buf;
}

static void cp_line(struct checkpoint *cp, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(cp->file, fmt, ap);
	va_end(ap);
	fputc('\n', cp->file);
}

static void cp_unvouched(struct checkpoint *cp, const char *reason)
{
	cp_line(cp, "unvouched %s", reason);
	cp->unvouched = true;
	fprintf(stderr, "fanotify-journal: checkpoint %lu: %s: rescan needed\n",
		cp->id, reason);
}

/*
 * A rotation that failed leaves the next checkpoint short too: what it
 * should have carried, or a modification that lands after the close.
 */
static void cp_unvouched_both(struct checkpoint *cp, const char *reason)
{
	cp_unvouched(cp, reason);
	cp_line(cp, "next-unvouched %s", reason);
}

static void cp_open(struct checkpoint *cp, unsigned long id,
		    unsigned long long opened)
{
	char path[PATH_MAX];
	int fd;

	memset(cp, 0, sizeof(*cp));
	cp->id = id;
	jpath(path, sizeof(path), "cp-%lu.open", id);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	cp->file = fd < 0 ? NULL : fdopen(fd, "w");
	if (!cp->file)
		die("creating %s:", path);
	/* A record may be lost in a crash: the crash is then reported */
	setvbuf(cp->file, NULL, _IOFBF, 1 << 16);
	cp_line(cp, "opened %llu", opened);
}

static void cp_record(struct checkpoint *cp, const char *rec)
{
	if (set_add(&cp->files, rec))
		cp_line(cp, "M %s", rec);
}

static void cp_close(struct checkpoint *cp, const char *how)
{
	char from[PATH_MAX], to[PATH_MAX];
	size_t i;

	for (i = 0; i < cp->carry.size; i++)
		if (cp->carry.slot[i])
			cp_line(cp, "C %s", cp->carry.slot[i]);
	for (i = 0; i < unannounced.size; i++)
		if (unannounced.slot[i])
			cp_line(cp, "S %s", unannounced.slot[i]);
	if (how)
		cp_line(cp, "%s", how);
	cp_line(cp, "closed %llu", now_ns());
	if (fflush(cp->file) || fsync(fileno(cp->file)) || fclose(cp->file))
		die("writing checkpoint %lu:", cp->id);
	jpath(from, sizeof(from), "cp-%lu.open", cp->id);
	jpath(to, sizeof(to), "cp-%lu", cp->id);
	if (rename(from, to))
		die("closing checkpoint %lu:", cp->id);
	set_clear(&cp->files);
	set_clear(&cp->carry);
	cp->file = NULL;
}

/* The highest checkpoint id in JOURNAL, 0 if none; *open: is it open? */
static unsigned long last_checkpoint(bool *open)
{
	unsigned long id, last = 0;
	struct dirent *d;
	DIR *dir;
	int n;

	dir = opendir(jdir);
	if (!dir)
		die("%s:", jdir);
	*open = false;
	while ((d = readdir(dir))) {
		if (sscanf(d->d_name, "cp-%lu%n", &id, &n) != 1 || id < last)
			continue;
		if (id > last)
			*open = false;
		last = id;
		if (!strcmp(d->d_name + n, ".open"))
			*open = true;
	}
	closedir(dir);
	return last;
}

/* The highest id of a closed checkpoint (during a rotation, two are open) */
static unsigned long last_closed(void)
{
	unsigned long id, last = 0;
	struct dirent *d;
	DIR *dir;
	int n;

	dir = opendir(jdir);
	if (!dir)
		die("%s:", jdir);
	while ((d = readdir(dir)))
		if (sscanf(d->d_name, "cp-%lu%n", &id, &n) == 1 &&
		    !d->d_name[n] && id > last)
			last = id;
	closedir(dir);
	return last;
}

/* Groups and events */

static int group_new(void)
{
	int fd = fanotify_init(FAN_CLASS_PRE_CONTENT | FAN_CLOEXEC |
			       FAN_NONBLOCK | FAN_UNLIMITED_QUEUE,
			       O_RDONLY | O_LARGEFILE | O_CLOEXEC);

	if (fd < 0)
		die("fanotify_init:");
	return fd;
}

static int group_mark(int fd, unsigned int how)
{
	return fanotify_mark(fd, how | FAN_MARK_FILESYSTEM |
			     (unsafe ? 0 : FAN_MARK_SYNC),
			     event_mask, AT_FDCWD, fs_path);
}

/*
 * Records and allows every queued event of group fd in cp, and in carry
 * too if given.  Returns the number of events, -1 on error.
 */
static int serve(int fd, struct checkpoint *cp, struct fileset *carry)
{
	__u64 buf[1024];
	struct fanotify_event_metadata *ev;
	char rec[2 * MAX_HANDLE_SZ + PATH_MAX + 16];
	int events = 0;
	ssize_t len;

	for (;;) {
		len = read(fd, buf, sizeof(buf));
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0 && errno == EAGAIN)
			return events;
		if (len <= 0)
			return -1;
		for (ev = (void *)buf; FAN_EVENT_OK(ev, len);
		     ev = FAN_EVENT_NEXT(ev, len)) {
			struct fanotify_response resp = {
				.fd = ev->fd,
				.response = FAN_ALLOW,
			};

			events++;
			if (ev->mask & FAN_Q_OVERFLOW) {
				cp_unvouched_both(cp, "event queue overflow");
				continue;
			}
			if (ev->fd < 0)
				continue;
			if (describe(ev->fd, "", rec, sizeof(rec))) {
				cp_record(cp, rec);
				if (carry)
					set_add(carry, rec);
			} else {
				cp_unvouched_both(cp, "a modified file has no handle");
			}
			/* Allowed only once recorded */
			if (write(fd, &resp, sizeof(resp)) != sizeof(resp))
				cp_unvouched_both(cp, "answering an event failed");
			close(ev->fd);
		}
	}
}

/* Only interrupts the barrier */
static void on_alarm(int sig)
{
}

/* Waits for the modifications that group fd allowed; false if it cannot */
static bool write_barrier(int fd, struct checkpoint *cp)
{
	int ret;

	if (unsafe || no_barrier)
		return true;
	alarm(BARRIER_TIMEOUT);
	ret = ioctl(fd, FAN_IOC_WRITE_BARRIER, 0);
	alarm(0);
	if (!ret)
		return true;
	cp_unvouched_both(cp, errno == EINTR ? "the barrier timed out" :
			  "the barrier failed");
	return false;
}

/* Adds the files of fs_dev mapped shared by any process to set */
static void scan_shared_mappings(struct fileset *set, struct checkpoint *cp)
{
	char path[300], line[PATH_MAX + 128];
	char rec[2 * MAX_HANDLE_SZ + PATH_MAX + 16];
	unsigned long start, end;
	unsigned int major, minor;
	struct dirent *d;
	char perms[8];
	DIR *proc;
	FILE *maps;

	proc = opendir("/proc");
	if (!proc) {
		cp_unvouched_both(cp, "cannot list processes");
		return;
	}
	while ((d = readdir(proc))) {
		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/maps", d->d_name);
		maps = fopen(path, "re");
		if (!maps)
			continue;	/* gone */
		while (fgets(line, sizeof(line), maps)) {
			if (sscanf(line, "%lx-%lx %7s %*x %x:%x", &start, &end,
				   perms, &major, &minor) != 5 ||
			    perms[3] != 's' ||
			    makedev(major, minor) != fs_dev)
				continue;
			/*
			 * The file itself, not the path maps shows, which is
			 * relative to that process's root.
			 */
			snprintf(path, sizeof(path), "/proc/%s/map_files/%lx-%lx",
				 d->d_name, start, end);
			if (describe(AT_FDCWD, path, rec, sizeof(rec)))
				set_add(set, rec);
			else if (errno != ENOENT)	/* unmapped meanwhile */
				cp_unvouched_both(cp, "a mapped file has no handle");
		}
		fclose(maps);
	}
	closedir(proc);
}

/*
 * Adds the files of fs_dev that any process has open for writing, and
 * that are in only (if given), to set.
 */
static void scan_open_writers(struct fileset *set, struct fileset *only,
			      struct checkpoint *cp)
{
	char path[600], rec[2 * MAX_HANDLE_SZ + PATH_MAX + 16];
	struct dirent *p, *f;
	DIR *proc, *fds;

	proc = opendir("/proc");
	if (!proc) {
		cp_unvouched_both(cp, "cannot list processes");
		return;
	}
	while ((p = readdir(proc))) {
		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/fd", p->d_name);
		fds = opendir(path);
		if (!fds)
			continue;
		while ((f = readdir(fds))) {
			unsigned int flags = 0;
			struct stat st;
			char line[64];
			FILE *info;

			snprintf(path, sizeof(path), "/proc/%s/fd/%s",
				 p->d_name, f->d_name);
			if (f->d_name[0] == '.' || stat(path, &st) ||
			    st.st_dev != fs_dev || !S_ISREG(st.st_mode))
				continue;
			snprintf(path, sizeof(path), "/proc/%s/fdinfo/%s",
				 p->d_name, f->d_name);
			info = fopen(path, "re");
			if (!info)
				continue;
			while (fgets(line, sizeof(line), info))
				if (sscanf(line, "flags: %o", &flags) == 1)
					break;
			fclose(info);
			if ((flags & O_ACCMODE) == O_RDONLY)
				continue;
			snprintf(path, sizeof(path), "/proc/%s/fd/%s",
				 p->d_name, f->d_name);
			if (!describe(AT_FDCWD, path, rec, sizeof(rec))) {
				if (errno != ENOENT)	/* closed meanwhile */
					cp_unvouched_both(cp, "an open file has no handle");
				continue;
			}
			if (!only || set_has(only, rec))
				set_add(set, rec);
		}
		closedir(fds);
	}
	closedir(proc);
}

/* The control socket */

static void ctl_addr(struct sockaddr_un *addr)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (snprintf(addr->sun_path, sizeof(addr->sun_path), "%s/ctl",
		     jdir) >= (int)sizeof(addr->sun_path))
		die("journal path too long for a socket");
}

static int ctl_connect(void)
{
	struct sockaddr_un addr;
	int fd;

	ctl_addr(&addr);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket:");
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		return -1;
	}
	return fd;
}

static void ctl_listen(void)
{
	struct sockaddr_un addr;
	mode_t mask;

	ctl_addr(&addr);
	unlink(addr.sun_path);
	ctl_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK,
			0);
	/* Only its owner (root) may rotate or stop the journal */
	mask = umask(077);
	if (ctl_fd < 0 || bind(ctl_fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(ctl_fd, 8))
		die("control socket %s:", addr.sun_path);
	umask(mask);
}

/*
 * Where the events the old group allows during a rotation go besides its
 * checkpoint.  Without the barrier (-u, -B, a kernel without it), the
 * rotation is the handover alone: they are not carried.
 */
static struct fileset *late_carry(struct checkpoint *cp)
{
	return unsafe || no_barrier ? NULL : &cp->carry;
}

/*
 * Before step 1: waits for the mmap() calls that group b allowed, and puts
 * the files mapped shared now in cp->carry.  From here on every event b
 * allows goes into cp->carry too.
 */
static void prepare(int b, struct checkpoint *cp)
{
	write_barrier(b, cp);
	scan_shared_mappings(&cp->carry, cp);
	if (unannounced.count) {
		struct fileset still = { 0 };
		size_t i;

		scan_open_writers(&still, &unannounced, cp);
		set_clear(&unannounced);
		unannounced = still;
		for (i = 0; i < unannounced.size; i++)
			if (unannounced.slot[i])
				set_add(&cp->carry, unannounced.slot[i]);
	}
}

/*
 * Steps 2-5: hands the filesystem over from group *b, whose checkpoint is
 * cp, to a group that has marked it.  The files that the next checkpoint
 * must also hold are written as C lines.
 */
static void hand_over(int *b, struct checkpoint *cp, const char *how)
{
	if (group_mark(*b, FAN_MARK_REMOVE))
		cp_unvouched_both(cp, "unmarking failed");
	if (serve(*b, cp, late_carry(cp)) < 0)
		cp_unvouched_both(cp, "reading events failed");
	write_barrier(*b, cp);
	if (unsafe)
		cp_unvouched(cp, "rotated without FAN_MARK_SYNC and barrier");
	else if (no_barrier)
		cp_unvouched(cp, "rotated without the barrier");
	close(*b);
	*b = -1;
	cp_close(cp, how);
}

/* Starts the group of checkpoint id, marked; returns its fd */
static int start_group(struct checkpoint *cp, unsigned long id)
{
	unsigned long long opened = now_ns();
	int fd = group_new();

	if (group_mark(fd, FAN_MARK_ADD))
		die("marking %s:", fs_path);
	cp_open(cp, id, opened);
	return fd;
}

/* Loads the carried files of closed checkpoint id into cp */
static void load_carry(struct checkpoint *cp, unsigned long id)
{
	char path[PATH_MAX], line[PATH_MAX + 2 * MAX_HANDLE_SZ + 16];
	FILE *f = fopen(jpath(path, sizeof(path), "cp-%lu", id), "re");

	if (!f) {
		cp_unvouched(cp, "the previous checkpoint cannot be read");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "C ", 2))
			cp_record(cp, line + 2);
		else if (!strncmp(line, "S ", 2))
			set_add(&unannounced, line + 2);
		else if (!strncmp(line, "next-unvouched ", 15))
			cp_unvouched(cp, line + 15);
	}
	fclose(f);
}

static unsigned long rotate(int *group, struct checkpoint *cp)
{
	struct checkpoint next;
	unsigned long closed = cp->id;
	int old = *group;

	prepare(old, cp);
	*group = start_group(&next, closed + 1);
	hand_over(&old, cp, NULL);
	load_carry(&next, closed);
	*cp = next;
	return closed;
}

static void ctl_reply(int fd, const char *fmt, ...)
{
	char msg[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (send(fd, msg, n, MSG_NOSIGNAL) != n)
		fprintf(stderr, "fanotify-journal: reply lost\n");
}

/* Receives a message on conn within timeout seconds; its length or -1 */
static ssize_t recv_within(int conn, char *msg, size_t len, int timeout)
{
	struct pollfd pfd = { .fd = conn, .events = POLLIN };
	ssize_t n;

	msg[0] = 0;
	if (poll(&pfd, 1, timeout * 1000) != 1)
		return -1;
	n = recv(conn, msg, len - 1, 0);
	msg[n > 0 ? n : 0] = 0;
	return n;
}

/*
 * A new daemon: asks the running one (connected on conn) to get ready,
 * starts the group of the checkpoint after the old one's (*old), and asks
 * it to hand over, serving the new group's events meanwhile.  Returns the
 * group, -1 if the old daemon did not get ready; *closed is the id the
 * old daemon closed, 0 if it did not hand over.  Start one new daemon at
 * a time: a third one that finds the lock free between the old daemon's
 * exit and the new one's flock() would take the new one's checkpoint for
 * a dead daemon's.
 */
static int take_over(int conn, struct checkpoint *cp, unsigned long *old,
		     unsigned long *closed)
{
	unsigned long long deadline;
	char msg[128];
	int fd;

	*closed = 0;
	if (send(conn, "prepare", 7, MSG_NOSIGNAL) != 7 ||
	    recv_within(conn, msg, sizeof(msg), HANDOVER_TIMEOUT) <= 0 ||
	    sscanf(msg, "ready %lu", old) != 1)
		return -1;
	/* Its checkpoint id, now that it rotates no more */
	fd = start_group(cp, *old + 1);
	if (send(conn, "handover", 8, MSG_NOSIGNAL) != 8)
		return fd;
	deadline = now_ns() + HANDOVER_TIMEOUT * 1000000000ULL;
	while (now_ns() < deadline) {
		struct pollfd pfd[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = conn, .events = POLLIN },
		};

		if (poll(pfd, 2, 1000) < 0 && errno != EINTR)
			die("poll:");
		if (pfd[0].revents)
			serve(fd, cp, NULL);
		if (pfd[1].revents) {
			if (recv_within(conn, msg, sizeof(msg), 0) > 0)
				sscanf(msg, "closed %lu", closed);
			break;
		}
	}
	return fd;
}

/*
 * The old daemon, asked to get ready by a new one on conn: steps 2-5 when
 * it asks for them; back to work if it goes away.
 */
static bool give_over(int *group, struct checkpoint *cp, int conn)
{
	unsigned long long deadline = now_ns() +
		HANDOVER_TIMEOUT * 1000000000ULL;
	unsigned long closed = cp->id;
	char msg[64];

	prepare(*group, cp);
	ctl_reply(conn, "ready %lu", cp->id);
	while (now_ns() < deadline) {
		struct pollfd pfd[2] = {
			{ .fd = *group, .events = POLLIN },
			{ .fd = conn, .events = POLLIN },
		};

		if (poll(pfd, 2, 1000) < 0 && errno != EINTR)
			die("poll:");
		if (pfd[0].revents)
			serve(*group, cp, late_carry(cp));
		if (!pfd[1].revents)
			continue;
		if (recv_within(conn, msg, sizeof(msg), 0) <= 0 ||
		    strcmp(msg, "handover"))
			break;
		/* The new daemon binds the socket anew */
		close(ctl_fd);
		hand_over(group, cp, "handed over");
		ctl_reply(conn, "closed %lu", closed);
		return true;
	}
	return false;
}

/* Finishes a checkpoint that a dead daemon left open */
static void recover(unsigned long id)
{
	char path[PATH_MAX], to[PATH_MAX];
	FILE *f = fopen(jpath(path, sizeof(path), "cp-%lu.open", id), "ae");

	if (!f)
		die("%s:", path);
	fprintf(f, "\nunvouched the daemon died while it was open\n");
	fprintf(f, "closed %llu\n", now_ns());
	if (fflush(f) || fsync(fileno(f)) || fclose(f))
		die("%s:", path);
	if (rename(path, jpath(to, sizeof(to), "cp-%lu", id)))
		die("%s:", to);
}

static void journal_id(char *id, size_t len, bool create)
{
	char path[PATH_MAX];
	unsigned long long r;
	FILE *f;

	snprintf(path, sizeof(path), "%s/id", jdir);
	f = fopen(path, "re");
	if (f) {
		if (!fgets(id, len, f))
			die("%s: empty", path);
		id[strcspn(id, "\n")] = 0;
		fclose(f);
		return;
	}
	if (!create)
		die("%s: no journal here:", jdir);
	r = now_ns() ^ ((unsigned long long)getpid() << 40);
	f = fopen(path, "wxe");
	if (!f)
		die("%s:", path);
	fprintf(f, "%016llx\n", r);
	if (fflush(f) || fsync(fileno(f)) || fclose(f))
		die("%s:", path);
	snprintf(id, len, "%016llx", r);
}

/*
 * Takes the lock within 30 s, serving group's events meanwhile if given;
 * false if another daemon still holds it.
 */
static bool take_lock(int lock_fd, int group, struct checkpoint *cp)
{
	struct pollfd pfd = { .fd = group, .events = POLLIN };
	int tries;

	for (tries = 0; tries < 300; tries++) {
		if (!flock(lock_fd, LOCK_EX | LOCK_NB))
			return true;
		if (group < 0)
			usleep(100000);
		else if (poll(&pfd, 1, 100) > 0)
			serve(group, cp, NULL);
	}
	return false;
}

/*
 * Takes the lock, or connects to the daemon that holds it (which may not
 * listen yet, or be stopping): true with the lock, false with *conn.
 */
static bool take_lock_or_connect(int lock_fd, int *conn)
{
	int tries;

	for (tries = 0; tries < 300; tries++) {
		if (!flock(lock_fd, LOCK_EX | LOCK_NB))
			return true;
		*conn = ctl_connect();
		if (*conn >= 0)
			return false;
		usleep(100000);
	}
	die("a daemon holds %s/lock and does not answer", jdir);
	return false;
}

static int cmd_run(void)
{
	struct sigaction alarm_action = { .sa_handler = on_alarm };
	bool was_open, handed = false;
	char jid[64], lock[PATH_MAX];
	struct stat fs_st, j_st;
	int group, conn, lock_fd;
	struct checkpoint cp;
	unsigned long last;

	if (stat(fs_path, &fs_st))
		die("%s:", fs_path);
	if (stat(jdir, &j_st))
		die("%s:", jdir);
	/* Writing the journal would raise events that wait for itself */
	if (fs_st.st_dev == j_st.st_dev)
		die("the journal must be on another filesystem than %s",
		    fs_path);
	fs_dev = fs_st.st_dev;
	journal_id(jid, sizeof(jid), true);
	/* No SA_RESTART: the barrier must return EINTR, not restart */
	sigaction(SIGALRM, &alarm_action, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* Probe what the kernel has, on a group of our own */
	group = group_new();
	if (fanotify_mark(group, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
			  event_mask, AT_FDCWD, fs_path)) {
		if (errno != EINVAL)
			die("marking %s:", fs_path);
		event_mask = FAN_PRE_ACCESS;
		fprintf(stderr, "fanotify-journal: no FAN_PRE_MODIFY: recording FAN_PRE_ACCESS\n");
	}
	close(group);
	group = group_new();
	if (!unsafe && group_mark(group, FAN_MARK_ADD)) {
		if (errno != EINVAL)
			die("marking %s:", fs_path);
		fprintf(stderr, "fanotify-journal: no FAN_MARK_SYNC: %s\n",
			"every rotation may lose changes");
		unsafe = true;
	} else if (!unsafe && ioctl(group, FAN_IOC_WRITE_BARRIER, 1) &&
		   errno != EINVAL) {
		/* EINVAL for the argument: it has the barrier, and did not wait */
		fprintf(stderr, "fanotify-journal: no write barrier: %s\n",
			"every rotation may lose changes");
		unsafe = true;
	}
	close(group);

	/* Held while a daemon runs: a dead one's checkpoint can be recovered */
	snprintf(lock, sizeof(lock), "%s/lock", jdir);
	lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lock_fd < 0)
		die("%s:", lock);
	if (!take_lock_or_connect(lock_fd, &conn)) {
		/* A running daemon: take over from it */
		unsigned long old = 0, closed = 0;
		char path[PATH_MAX];

		group = take_over(conn, &cp, &old, &closed);
		close(conn);
		if (group < 0)
			die("a daemon runs for %s and does not hand over", jdir);
		if (!closed || closed != old) {
			/* It went back to work: leave it the journal */
			close(group);
			unlink(jpath(path, sizeof(path), "cp-%lu.open", cp.id));
			die("the daemon of %s did not hand over", jdir);
		}
		handed = true;
		load_carry(&cp, closed);
		/* It exits once it has handed over; serve writers meanwhile */
		if (!take_lock(lock_fd, group, &cp))
			cp_unvouched(&cp, "the old daemon did not exit");
	} else {
		last = last_checkpoint(&was_open);
		group = start_group(&cp, last + 1);
		if (was_open) {
			recover(last);
			cp_line(&cp, "gap-before the daemon of checkpoint %lu died",
				last);
		} else if (last) {
			cp_line(&cp, "gap-before no daemon ran since checkpoint %lu",
				last);
		}
	}
	if (!handed) {
		size_t i;

		/*
		 * A file opened while the filesystem had no pre-content
		 * watcher raises no events, ever: list those open for writing
		 * in every checkpoint until they are closed.  One written and
		 * closed before this scan is missed.
		 */
		scan_open_writers(&unannounced, NULL, &cp);
		for (i = 0; i < unannounced.size; i++)
			if (unannounced.slot[i])
				cp_record(&cp, unannounced.slot[i]);
		cp_unvouched(&cp, "started without a handover");
	}
	if (unsafe)
		cp_unvouched(&cp, "no FAN_MARK_SYNC or barrier");
	fflush(cp.file);
	ctl_listen();
	fprintf(stderr, "fanotify-journal: journal %s, checkpoint %lu open\n",
		jid, cp.id);

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = group, .events = POLLIN },
			{ .fd = ctl_fd, .events = POLLIN },
		};
		char msg[64];

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll:");
		}
		if (pfd[0].revents && serve(group, &cp, NULL) < 0)
			die("reading events:");
		if (!pfd[1].revents)
			continue;
		conn = accept4(ctl_fd, NULL, NULL, SOCK_CLOEXEC);
		if (conn < 0)
			continue;
		/* A client that sends nothing holds up events for 5 s at most */
		recv_within(conn, msg, sizeof(msg), 5);	/* "" if none */
		if (!strcmp(msg, "rotate")) {
			ctl_reply(conn, "closed %lu", rotate(&group, &cp));
			fflush(cp.file);
		} else if (!strcmp(msg, "prepare")) {
			if (give_over(&group, &cp, conn))
				return 0;
		} else if (!strcmp(msg, "stop")) {
			unsigned long closed = cp.id;

			close(ctl_fd);
			/* Steps 2-5, with no group to hand over to */
			hand_over(&group, &cp, "stopped");
			ctl_reply(conn, "closed %lu", closed);
			return 0;
		}
		if (strcmp(msg, "rotate") && strcmp(msg, "prepare"))
			ctl_reply(conn, "unknown command");
		close(conn);
	}
}

static int cmd_ctl(const char *what)
{
	char msg[128];
	int fd, n;

	fd = ctl_connect();
	if (fd < 0)
		die("no daemon runs for %s:", jdir);
	if (send(fd, what, strlen(what), 0) < 0)
		die("send:");
	n = recv(fd, msg, sizeof(msg) - 1, 0);
	if (n <= 0)
		die("the daemon did not answer");
	msg[n] = 0;
	printf("%s\n", msg);
	return strncmp(msg, "closed ", 7) != 0;
}

/* Prints the files of checkpoints first to the last closed one */
static int cmd_changes(unsigned long first)
{
	struct fileset all = { 0 };
	char path[PATH_MAX], line[PATH_MAX + 2 * MAX_HANDLE_SZ + 16];
	unsigned long id, last;
	char jid[64];
	size_t i;

	journal_id(jid, sizeof(jid), false);
	printf("journal %s\n", jid);
	last = last_closed();
	if (first == 0 || first > last) {
		printf("rescan needed: no closed checkpoint %lu (last closed: %lu)\n",
		       first, last);
		return 2;
	}
	for (id = first; id <= last; id++) {
		FILE *f = fopen(jpath(path, sizeof(path), "cp-%lu", id), "re");

		if (!f) {
			printf("rescan needed: checkpoint %lu is gone\n", id);
			return 2;
		}
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = 0;
			if (!strncmp(line, "unvouched ", 10) ||
			    (id > first && !strncmp(line, "gap-before ", 11))) {
				printf("rescan needed: checkpoint %lu: %s\n",
				       id, strchr(line, ' ') + 1);
				fclose(f);
				return 2;
			}
			if (!strncmp(line, "M ", 2))
				set_put(&all, line + 2);
		}
		fclose(f);
	}
	printf("checkpoints %lu-%lu\n", first, last);
	for (i = 0; i < all.size; i++)
		if (all.slot[i])
			printf("%s\n", all.slot[i]);
	set_clear(&all);
	return 0;
}

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: fanotify-journal [-u|-B] run JOURNAL FS\n"
		"       fanotify-journal rotate|stop JOURNAL\n"
		"       fanotify-journal changes JOURNAL N\n"
		"  -u  rotate without FAN_MARK_SYNC and barrier (loses changes)\n"
		"  -B  rotate with FAN_MARK_SYNC alone (loses changes)\n");
	exit(1);
}

int main(int argc, char *argv[])
{
	int opt;

	while ((opt = getopt(argc, argv, "uB")) != -1) {
		if (opt == 'u')
			unsafe = true;
		else if (opt == 'B')
			no_barrier = true;
		else
			bad_usage();
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		bad_usage();
	jdir = argv[1];
	if (!strcmp(argv[0], "run") && argc == 3) {
		fs_path = argv[2];
		return cmd_run();
	}
	if ((!strcmp(argv[0], "rotate") || !strcmp(argv[0], "stop")) &&
	    argc == 2)
		return cmd_ctl(argv[0]);
	if (!strcmp(argv[0], "changes") && argc == 3)
		return cmd_changes(strtoul(argv[2], NULL, 10));
	bad_usage();
	return 1;
}
