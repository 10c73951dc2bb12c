// SPDX-License-Identifier: GPL-2.0
/*
 * A hierarchical storage manager (HSM) built on fanotify pre-content events.
 *
 * It serves the tree REMOTE (any directory, standing in for a cloud bucket
 * or a remote data set) into CACHE, a directory on a filesystem that allows
 * pre-content events (ext4).  At start every remote file gets a sparse stub
 * of the same size and mode in CACHE.  When an application reads, writes or
 * maps a range of a stub, the kernel raises FAN_PRE_ACCESS with that range
 * and waits; the HSM fetches the chunks covering it from REMOTE, writes
 * them into the stub through event->fd (which raises no events) and allows
 * the access.  Readers cannot tell a stub from the real file.  A stub that
 * is about to be modified (FAN_PRE_MODIFY) is fetched whole, since its
 * local copy becomes the only one, unless it is about to be truncated to
 * size 0 (an empty range at offset 0, open(O_TRUNC) included): then nothing
 * is fetched.  When the remote cannot be read the access fails with EIO
 * (FAN_DENY_ERRNO).  A stub that holds all its data becomes a plain local
 * file with an fanotify ignore mark: files opened after that read at full
 * speed.
 *
 * Stub state lives in the stub, in two xattrs, and nowhere else:
 *
 * - "trusted.hsm.stub" holds "SIZE REL": the size of the remote file and
 *   its path relative to the roots.  A file without it is not a stub.  It
 *   is set before the stub gets its name (O_TMPFILE, then linkat()), so a
 *   new file that reuses the inode number of an unlinked stub, or a stub
 *   renamed elsewhere, can never be mistaken for another file's stub: the
 *   identity goes with the inode and dies with it.  A file handle with its
 *   generation would identify the inode too, but the HSM would then need a
 *   table from handles to remote paths that must itself be kept durable.
 * - "trusted.hsm.chunks" holds the chunk size and a bitmap of the chunks
 *   present, so a restarted HSM fetches nothing twice.
 *
 * trusted.* xattrs can only be set with CAP_SYS_ADMIN, which the HSM has
 * anyway: the owner of a stub cannot forge its map or its remote path.
 * Data is made durable with fdatasync() before the map says it is there,
 * so a crash loses at most chunks that are then fetched again.
 *
 * Truncate.  A pre-content report only says that a truncate is about to be
 * tried: it may still fail (ETXTBSY, a lease break, an LSM, a read-only
 * remount).  The HSM therefore changes nothing when it allows the report
 * of a truncate to size 0, and learns that the truncate happened from the
 * size of the stub, compared with the size in its identity, each time it
 * sees the stub again (any later event: the writer's first write after
 * open(O_TRUNC), any read).  The size is a sound witness because every
 * other change of size is reported as FAN_PRE_MODIFY first and the HSM
 * fetches the whole stub before allowing it, after which it is no stub.
 * Notification events would not do: FAN_MODIFY from a truncate carries
 * no path and is never reported to a group that gets file descriptors,
 * which a pre-content group does, and truncate(2) has no FAN_CLOSE_WRITE.
 *
 * An allowed truncate to 0 may land while a fill for a concurrent reader
 * is writing into the stub: an extending write would then bring old data
 * back into the truncated file.  So the last byte of a stub is written
 * when the stub is made, a fill never writes it, and no fill can extend
 * the stub.  Every fill checks the size after each write: if it changed,
 * a truncate to 0 got in, and the HSM truncates to 0 again what it wrote.
 * Nothing else can have written in between, as every other modification
 * of the stub waits for the lock that the fill holds.
 *
 * Namespace on demand (-n).  The HSM then makes no stubs at start: CACHE
 * starts empty (or as an earlier run left it) and its directories are
 * filled in as they are used, with FAN_LOOKUP_PERM.  When a path walk
 * looks up a name that the dcache does not know, the kernel raises the
 * event on the directory with the name and waits; the HSM looks the name
 * up in the remote directory and creates it below event->fd: a directory,
 * a stub made as above, a symbolic link, or nothing if the remote has no
 * such name (the lookup then fails with ENOENT, and the kernel keeps that
 * answer).  When a directory is listed from the start (getdents() at
 * offset 0), the event comes without a name and the HSM creates every
 * remote entry that the directory lacks.  It answers only once the names
 * exist, so walks and listings see the remote tree as if CACHE had held it
 * all along, and the stubs fill on access as above.  A stat() ten levels
 * down costs ten events and ten new entries, not a copy of the tree.
 *
 * Directory state lives in the directory, in two xattrs:
 *
 * - "trusted.hsm.dir" holds its path relative to the roots: "" for CACHE
 *   itself, set at start, and set by the HSM on each directory it makes.
 *   A directory without it is local: the HSM never populates it, and
 *   stops its events with an ignore mark as below.
 * - "trusted.hsm.populated" says that every remote entry was created once.
 *   The HSM then adds an ignore mark for FAN_LOOKUP_PERM on the directory,
 *   which ends both kinds of events for it.  Ignore marks die with the HSM:
 *   a restarted HSM answers the first event on such a directory at once
 *   and marks it again.  A name missing from it was removed locally, or
 *   never existed.
 *
 * While it handles such an event, the HSM works in CACHE only through
 * event->fd (fstatat(), mkdirat(), O_TMPFILE, linkat(), ...): walks that
 * start at a directory fanotify opened raise no FAN_LOOKUP_PERM, whereas
 * a walk from an absolute path or from a directory the HSM opened itself
 * would wait for the HSM.  A stub made once the mark is in place would
 * also report its own last byte as FAN_PRE_MODIFY: an ignore mark on the
 * unnamed inode hides that write, and is removed before the stub gets its
 * name.  The stubs of a listing are made durable in batches, with one
 * syncfs() each, before they get their names.
 *
 * Events on one directory are handled one at a time, under its inode lock,
 * so that concurrent lookups of one name create it once (the kernel may
 * raise several); a name that exists by then counts as done.  A new
 * directory gets its name before its "trusted.hsm.dir": a worker that finds
 * a directory without one waits for the lock of its parent, which the
 * worker creating it holds, before it takes the directory for a local one.
 *
 * Limitation: the HSM keeps no record of the names it created one by one
 * in a directory that was never listed.  A name removed locally from such
 * a directory comes back at its next lookup (the removal leaves a negative
 * dentry that no lookup event answered, so the kernel asks again) and at
 * the directory's first listing.  REMOTE must not be on the filesystem of
 * CACHE, whose directories the HSM would then be asked about by itself.
 *
 * Usage: fanotify-hsm [-c CHUNK_KIB] [-t THREADS] [-n] [-v] REMOTE CACHE
 *
 * The HSM prints "ready" once its mark is in place, and the number of bytes
 * it fetched on SIGUSR1 and at exit (SIGINT, SIGTERM); with -n, also the
 * lookup and listing events and the entries it created.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/fanotify.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <linux/types.h>

#if !defined(FAN_PRE_ACCESS) || !defined(FAN_PRE_MODIFY)
#error "needs the uapi headers of a kernel with pre-content events"
#endif

/* Namespace on demand (-n) needs a kernel with FAN_LOOKUP_PERM */
#ifndef FAN_LOOKUP_PERM
#define FAN_LOOKUP_PERM			0x00400000
#endif
#ifndef FAN_EVENT_INFO_TYPE_NAME
#define FAN_EVENT_INFO_TYPE_NAME	8
#endif

#define XATTR_STUB	"trusted.hsm.stub"
#define XATTR_CHUNKS	"trusted.hsm.chunks"
#define XATTR_DIR	"trusted.hsm.dir"
#define XATTR_POPULATED	"trusted.hsm.populated"
#define NR_LOCKS	64
#define QUEUE_LEN	256
#define BATCH_LEN	256	/* stubs of a listing made durable at once */
#define MAX_CHUNK_KIB	1048576UL	/* 1 GiB */

static const char *remote_root, *cache_root;
static size_t chunk_size = 1 << 20;
static int nr_threads = 4;
static bool verbose, on_demand;
static bool mark_set;	/* our own writes to CACHE now raise events */
static int fan_fd;
static size_t nr_stubs;

static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long bytes_fetched, chunks_fetched, events_seen;
static unsigned long long events_denied;
static unsigned long long dir_lookups, dir_listings, entries_created;

/*
 * Serializes the handling of events for one inode: reading the xattrs,
 * filling and answering.  Hashed by inode; a collision only costs
 * parallelism, and inode reuse does no harm, as no state is kept here.
 */
static pthread_mutex_t inode_locks[NR_LOCKS];

/* A stub, as read from its xattrs while its inode lock is held */
struct stub {
	char rel[PATH_MAX];	/* path relative to the roots */
	__u64 size;		/* size of the remote file */
	size_t nr_chunks;
	unsigned char *have;	/* chunks present, durably */
	unsigned char *fresh;	/* chunks written, not yet synced */
	bool truncated;		/* a truncate to 0 got in during a fill */
};

/* Map xattr: this header, then the bitmap */
struct chunk_map {
	__u64 chunk_size;
	unsigned char bits[];
};

static size_t map_bytes(size_t nr_chunks)
{
	return (nr_chunks + 7) / 8;
}

static bool test_chunk(const unsigned char *map, size_t c)
{
	return map[c / 8] & (1 << (c % 8));
}

static void set_chunk(unsigned char *map, size_t c)
{
	map[c / 8] |= 1 << (c % 8);
}

static bool all_chunks(const struct stub *s)
{
	size_t c;

	for (c = 0; c < s->nr_chunks; c++)
		if (!test_chunk(s->have, c))
			return false;
	return true;
}

static pthread_mutex_t *inode_lock(const struct stat *st)
{
	return &inode_locks[(st->st_ino ^ st->st_dev) % NR_LOCKS];
}

/* Read exactly @len bytes at @off.  Returns 0 or a negative errno. */
static int pread_full(int fd, void *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done,
				  off + (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -EIO;	/* the file is shorter than its stub */
		done += n;
	}
	return 0;
}

/* Write exactly @len bytes at @off.  Returns 0 or a negative errno. */
static int pwrite_full(int fd, const void *buf, size_t len, off_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done,
				   off + (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -EIO;	/* no progress and no error */
		done += n;
	}
	return 0;
}

/*
 * Clamp the reported range [@off, @off + @count) to a file of @size bytes,
 * without computing @off + @count before it is known not to wrap.  Returns
 * false if nothing of the file is in the range, else its end in @end.
 */
static bool clamp_range(__u64 off, __u64 count, __u64 size, __u64 *end)
{
	if (!count || off >= size)
		return false;
	*end = count > size - off ? size : off + count;
	return true;
}

/* @root/@rel into @buf, of PATH_MAX bytes.  Returns 0 or -ENAMETOOLONG. */
static int join(char *buf, const char *root, const char *rel)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s", root, rel);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* A remote path must stay under the remote root */
static bool rel_ok(const char *rel)
{
	const char *p = rel;

	if (!*rel || *rel == '/')
		return false;
	while (p) {
		if (p[0] == '.' && p[1] == '.' && (!p[2] || p[2] == '/'))
			return false;
		p = strchr(p, '/');
		if (p)
			p++;
	}
	return true;
}

/* Parse the identity xattr "SIZE REL" (@len bytes, not terminated) */
static int parse_id(const char *val, size_t len, struct stub *s)
{
	char buf[PATH_MAX + 32], *end;
	unsigned long long size;

	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, val, len);
	buf[len] = '\0';
	errno = 0;
	size = strtoull(buf, &end, 10);
	if (errno || end == buf || *end != ' ' || !size ||
	    size > (unsigned long long)LLONG_MAX || !rel_ok(end + 1) ||
	    strlen(end + 1) >= sizeof(s->rel))
		return -EINVAL;
	s->size = size;
	memcpy(s->rel, end + 1, strlen(end + 1) + 1);
	return 0;
}

static int format_id(char *buf, size_t len, __u64 size, const char *rel)
{
	int n = snprintf(buf, len, "%llu %s", (unsigned long long)size, rel);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : n;
}

/*
 * Read the state of the stub open at @fd.  Returns 1 for a stub, 0 for a
 * file that is not one, or a negative errno.  Called with the inode lock.
 */
static int load_stub(int fd, struct stub *s)
{
	char id[PATH_MAX + 32];
	struct chunk_map *map;
	size_t bytes;
	ssize_t n;

	memset(s, 0, sizeof(*s));
	n = fgetxattr(fd, XATTR_STUB, id, sizeof(id));
	if (n < 0)
		return errno == ENODATA ? 0 : -errno;
	if (parse_id(id, n, s)) {
		/* Only CAP_SYS_ADMIN can set it: fail, don't serve holes */
		fprintf(stderr, "hsm: bad %s xattr\n", XATTR_STUB);
		return -EINVAL;
	}
	s->nr_chunks = (s->size - 1) / chunk_size + 1;
	bytes = map_bytes(s->nr_chunks);
	map = calloc(1, sizeof(*map) + bytes);
	s->have = calloc(1, bytes);
	s->fresh = calloc(1, bytes);
	if (!map || !s->have || !s->fresh) {
		free(map);
		free(s->have);
		free(s->fresh);
		s->have = NULL;
		s->fresh = NULL;
		return -ENOMEM;
	}
	/* No map, or one for another chunk size: start again (harmless) */
	n = fgetxattr(fd, XATTR_CHUNKS, map, sizeof(*map) + bytes);
	if (n == (ssize_t)(sizeof(*map) + bytes) &&
	    map->chunk_size == chunk_size)
		memcpy(s->have, map->bits, bytes);
	free(map);
	return 1;
}

static void free_stub(struct stub *s)
{
	free(s->have);
	free(s->fresh);
}

/* Record the chunks in s->have.  Their data must be durable already. */
static void store_map(struct stub *s, int fd)
{
	size_t bytes = map_bytes(s->nr_chunks);
	struct chunk_map *map = malloc(sizeof(*map) + bytes);

	if (map) {
		map->chunk_size = chunk_size;
		memcpy(map->bits, s->have, bytes);
	}
	if (!map || fsetxattr(fd, XATTR_CHUNKS, map, sizeof(*map) + bytes, 0))
		fprintf(stderr, "hsm: cannot record chunks of %s: %m\n",
			s->rel);
	free(map);
}

/* Stop pre-content events for a local file (and its later opens) */
static void ignore_file(int fd)
{
	if (fanotify_mark(fan_fd, FAN_MARK_ADD | FAN_MARK_IGNORE_SURV,
			  FAN_PRE_ACCESS | FAN_PRE_MODIFY, fd, NULL))
		fprintf(stderr, "hsm: ignore mark: %m\n");
}

/*
 * The stub is complete (its data durable) or was truncated: it is a local
 * file from now on.  Drop the identity first: a map without it is inert.
 */
static void make_local(struct stub *s, int fd, const char *why)
{
	if (fremovexattr(fd, XATTR_STUB) && errno != ENODATA)
		fprintf(stderr, "hsm: cannot make %s local: %m\n", s->rel);
	else if (fremovexattr(fd, XATTR_CHUNKS) && errno != ENODATA)
		fprintf(stderr, "hsm: stale chunk map on %s: %m\n", s->rel);
	ignore_file(fd);
	if (verbose)
		printf("hsm: %s is local (%s)\n", s->rel, why);
}

/*
 * Hide the HSM's own writes to an unnamed stub from its group (@on), or
 * stop hiding them.  Only needed once the mark is in place: the write of
 * the last byte would then raise FAN_PRE_MODIFY, which this worker would
 * wait for another one to answer, and with every worker making stubs at
 * once, none would.
 */
static int mute_stub(int fd, bool on)
{
	if (!mark_set)
		return 0;
	if (fanotify_mark(fan_fd, on ? FAN_MARK_ADD | FAN_MARK_IGNORE_SURV :
				       FAN_MARK_REMOVE | FAN_MARK_IGNORE,
			  FAN_PRE_ACCESS | FAN_PRE_MODIFY, fd, NULL))
		return -errno;
	return 0;
}

/*
 * Make the unnamed stub of the remote file @rel (@rst, open as @rpath
 * below @rdirfd) in the directory @dir below @dirfd: O_TMPFILE, the last
 * byte and the identity, which the caller makes durable before it names
 * the stub (see the top).  Returns the stub's fd or a negative errno.
 */
static int stub_prepare(int dirfd, const char *dir, int rdirfd,
			const char *rpath, const char *rel,
			const struct stat *rst)
{
	char id[PATH_MAX + 32], last;
	int fd, rfd, err, ret;

	/* Every stub holds the last byte of its remote file (see the top) */
	rfd = openat(rdirfd, rpath, O_RDONLY | O_CLOEXEC);
	if (rfd < 0)
		return -errno;
	err = pread_full(rfd, &last, 1, rst->st_size - 1);
	close(rfd);
	if (!err)
		err = format_id(id, sizeof(id), rst->st_size, rel);
	if (err < 0)
		return err;

	fd = openat(dirfd, dir, O_TMPFILE | O_WRONLY | O_CLOEXEC,
		    rst->st_mode & 07777);
	if (fd < 0)
		return -errno;
	err = mute_stub(fd, true);
	if (!err) {
		err = pwrite_full(fd, &last, 1, rst->st_size - 1);
		if (!err && fsetxattr(fd, XATTR_STUB, id, strlen(id), 0))
			err = -errno;
		ret = mute_stub(fd, false);
		if (!err)
			err = ret;
	}
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* Create the stub of one remote file, or take over what CACHE has */
static int make_stub(const char *rel, const struct stat *rst)
{
	char path[PATH_MAX], dir[PATH_MAX], rpath[PATH_MAX];
	mode_t mode = rst->st_mode & 07777;
	struct stat st;
	int fd, err;

	if (join(path, cache_root, rel) || join(rpath, remote_root, rel)) {
		fprintf(stderr, "hsm: path too long: %s\n", rel);
		return -1;
	}
	if (!lstat(path, &st)) {
		/* A stub keeps its state; anything else is a local file */
		if (!S_ISREG(st.st_mode))
			return 0;
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "hsm: cannot open %s: %m\n", path);
			return -1;
		}
		if (fgetxattr(fd, XATTR_STUB, NULL, 0) >= 0)
			nr_stubs++;
		else
			ignore_file(fd);
		close(fd);
		return 0;
	}
	if (errno != ENOENT) {
		fprintf(stderr, "hsm: cannot stat %s: %m\n", path);
		return -1;
	}
	if (!rst->st_size) {
		/* Nothing to fetch: a local file from the start */
		fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode);
		if (fd < 0) {
			fprintf(stderr, "hsm: cannot create %s: %m\n", path);
			return -1;
		}
		close(fd);
		return 0;
	}

	/* Name the stub only once its identity and last byte are durable */
	memcpy(dir, path, sizeof(dir));
	*strrchr(dir, '/') = '\0';
	fd = stub_prepare(AT_FDCWD, dir, AT_FDCWD, rpath, rel, rst);
	err = fd < 0 ? fd : 0;
	if (!err && fsync(fd))
		err = -errno;
	if (!err && linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH))
		err = -errno;
	if (fd >= 0)
		close(fd);
	if (err < 0) {
		fprintf(stderr, "hsm: cannot create stub %s: %s\n", path,
			strerror(-err));
		return -1;
	}
	nr_stubs++;
	return 0;
}

static int walk_one(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	const char *rel = path + strlen(remote_root);
	char cpath[PATH_MAX];

	(void)ftw;
	while (*rel == '/')
		rel++;
	if (!*rel)
		return 0;
	if (join(cpath, cache_root, rel)) {
		fprintf(stderr, "hsm: path too long: %s\n", rel);
		return -1;
	}
	switch (type) {
	case FTW_D:
		if (mkdir(cpath, st->st_mode & 07777) && errno != EEXIST) {
			fprintf(stderr, "hsm: mkdir %s: %m\n", cpath);
			return -1;
		}
		return 0;
	case FTW_F:
		if (!S_ISREG(st->st_mode))
			return 0;
		return make_stub(rel, st);
	default:
		return 0;
	}
}

/*
 * Fetch chunk @c of @s from the remote file @rfd into the stub @fd.
 * Returns 0 or a negative errno; sets s->truncated if the stub changed
 * size.
 */
static int fetch_chunk(struct stub *s, int fd, int rfd, size_t c, char *buf)
{
	__u64 off = (__u64)c * chunk_size;
	size_t len = chunk_size;
	struct stat st;
	int err;

	if (len > s->size - off)
		len = s->size - off;
	err = pread_full(rfd, buf, len, off);
	if (err)
		return err;
	/* The last byte is in the stub since make_stub(): never extend it */
	err = pwrite_full(fd, buf, off + len == s->size ? len - 1 : len, off);
	if (err)
		return err;
	if (fstat(fd, &st))
		return -errno;
	if ((__u64)st.st_size != s->size)
		s->truncated = true;
	set_chunk(s->fresh, c);
	pthread_mutex_lock(&stats_lock);
	bytes_fetched += len;
	chunks_fetched++;
	pthread_mutex_unlock(&stats_lock);
	return 0;
}

/* Make [@off, @end) of the stub present.  Returns 0 or a negative errno. */
static int fill(struct stub *s, int fd, __u64 off, __u64 end, char *buf)
{
	size_t c, first = off / chunk_size, last = (end - 1) / chunk_size;
	char path[PATH_MAX];
	bool wrote = false;
	int rfd = -1, err = 0;

	for (c = first; c <= last && !err && !s->truncated; c++) {
		if (test_chunk(s->have, c))
			continue;
		if (rfd < 0) {
			err = join(path, remote_root, s->rel);
			if (err)
				break;
			rfd = open(path, O_RDONLY | O_CLOEXEC);
			if (rfd < 0) {
				err = -errno;
				break;
			}
		}
		err = fetch_chunk(s, fd, rfd, c, buf);
		wrote = wrote || !err;
		if (!err && verbose)
			printf("hsm: got chunk %zu of %s\n", c, s->rel);
	}
	if (rfd >= 0)
		close(rfd);

	if (s->truncated) {
		/* Undo what we wrote after the truncate (see the top) */
		if (ftruncate(fd, 0))
			return -errno;
		return 0;
	}
	if (!wrote)
		return err;
	/* Durable data first, then the map that says so */
	if (fdatasync(fd))
		return err ? err : -errno;
	for (c = 0; c < map_bytes(s->nr_chunks); c++)
		s->have[c] |= s->fresh[c];
	store_map(s, fd);
	return err;
}

struct job {
	int fd;
	__u64 mask;
	bool has_range;
	__u64 offset, count;
	bool has_name;			/* FAN_LOOKUP_PERM of a lookup */
	char name[NAME_MAX + 1];	/* the name looked up, "" if longer */
};

static struct job queue[QUEUE_LEN];
static unsigned int q_head, q_tail;
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_nonempty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t q_nonfull = PTHREAD_COND_INITIALIZER;

static void respond(int fd, __u32 response)
{
	struct fanotify_response r = { .fd = fd, .response = response };

	if (write(fan_fd, &r, sizeof(r)) != sizeof(r))
		fprintf(stderr, "hsm: cannot answer event: %m\n");
}

/* The errnos an application may see for a failed fetch (@err < 0) */
static __u32 deny(int err)
{
	return FAN_DENY_ERRNO(err == -ENOSPC || err == -EDQUOT ? -err : EIO);
}

/* Called with the inode lock of the stub.  Returns 0 or -errno. */
static int handle_stub(struct job *j, struct stub *s, char *buf)
{
	struct stat st;
	__u64 off = 0, end = s->size;
	int err;

	if (fstat(j->fd, &st))
		return -errno;
	if ((__u64)st.st_size != s->size) {
		/* Only a truncate changes the size of a stub (see the top) */
		make_local(s, j->fd, "truncated");
		return 0;
	}
	if ((j->mask & FAN_PRE_MODIFY) && j->has_range && !j->offset &&
	    !j->count) {
		/*
		 * About to be truncated to 0: nothing needs to survive, so
		 * fetch nothing, but keep the stub as it is, as the truncate
		 * may still fail.  The next event finds out.
		 */
		if (verbose)
			printf("hsm: %s may be truncated\n", s->rel);
		return 0;
	}
	if (!(j->mask & FAN_PRE_MODIFY) && j->has_range) {
		if (!clamp_range(j->offset, j->count, s->size, &end))
			return 0;	/* nothing of the file in the range */
		off = j->offset;
	}
	err = fill(s, j->fd, off, end, buf);
	if (s->truncated)
		make_local(s, j->fd, "truncated");
	else if (!err && all_chunks(s))
		make_local(s, j->fd, "complete");
	return err;
}

static void inc_stat(unsigned long long *counter)
{
	pthread_mutex_lock(&stats_lock);
	(*counter)++;
	pthread_mutex_unlock(&stats_lock);
}

/*
 * Stop FAN_LOOKUP_PERM for a populated or a local directory.  The mark
 * does not pin the directory: one that was evicted has its next event
 * answered at once (see the top), which marks it again.  FAN_MARK_IGNORE
 * without FAN_MARK_IGNORED_SURV_MODIFY is refused on directories (EISDIR).
 */
static void ignore_dir(int fd)
{
	if (fanotify_mark(fan_fd, FAN_MARK_ADD | FAN_MARK_IGNORE_SURV |
			  FAN_MARK_EVICTABLE, FAN_LOOKUP_PERM, fd, NULL))
		fprintf(stderr, "hsm: directory ignore mark: %m\n");
}

/* @rel/@name, or @name in the root, into @buf of PATH_MAX bytes */
static int child_rel(char *buf, const char *rel, const char *name)
{
	int n = *rel ? snprintf(buf, PATH_MAX, "%s/%s", rel, name) :
		       snprintf(buf, PATH_MAX, "%s", name);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/* A name a lookup may create: one component, not a dot or dot-dot */
static bool name_ok(const char *name)
{
	return *name && strcmp(name, ".") && strcmp(name, "..") &&
	       !strchr(name, '/');
}

/*
 * Wait for the worker, if any, that is creating names in the parent of
 * the directory @fd: it may have made @fd and not set its XATTR_DIR yet.
 * Called with no inode lock held.
 */
static void wait_parent(int fd)
{
	int pfd = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	if (pfd < 0)
		return;
	if (!fstat(pfd, &st)) {
		pthread_mutex_lock(inode_lock(&st));
		pthread_mutex_unlock(inode_lock(&st));
	}
	close(pfd);
}

/*
 * Read the remote path of the directory @fd into @rel (PATH_MAX bytes).
 * Returns 1 for a directory of the remote tree, 0 for a local one, or a
 * negative errno.  Called with no inode lock held.
 */
static int load_dir(int fd, char *rel)
{
	ssize_t n = fgetxattr(fd, XATTR_DIR, rel, PATH_MAX - 1);

	if (n < 0 && errno == ENODATA) {
		wait_parent(fd);
		n = fgetxattr(fd, XATTR_DIR, rel, PATH_MAX - 1);
	}
	if (n < 0)
		return errno == ENODATA ? 0 : -errno;
	rel[n] = '\0';
	/* The root is "", any other directory a path below the roots */
	if (n && (strlen(rel) != (size_t)n || !rel_ok(rel))) {
		fprintf(stderr, "hsm: bad %s xattr\n", XATTR_DIR);
		rel[0] = '\0';
		return -EINVAL;
	}
	return 1;
}

/* Returns 1 if every remote entry of the directory @fd was created once */
static int is_populated(int fd)
{
	if (fgetxattr(fd, XATTR_POPULATED, NULL, 0) >= 0)
		return 1;
	return errno == ENODATA ? 0 : -errno;
}

/* Stubs of one listing, made durable together before they are named */
struct batch {
	int nr;
	int fd[BATCH_LEN];
	char name[BATCH_LEN][NAME_MAX + 1];
};

/* Name the durable stub @fd @name below @dfd, unless the name exists */
static int link_stub(int fd, int dfd, const char *name)
{
	if (linkat(fd, "", dfd, name, AT_EMPTY_PATH))
		return errno == EEXIST ? 0 : -errno;
	inc_stat(&entries_created);
	return 0;
}

/*
 * Make the stubs of @b durable and name them below @dfd, or only drop
 * them if @err is set already.  Returns @err or the first new error.
 */
static int flush_batch(struct batch *b, int dfd, int err)
{
	int i;

	if (!err && b->nr && syncfs(dfd))
		err = -errno;
	for (i = 0; i < b->nr; i++) {
		if (!err)
			err = link_stub(b->fd[i], dfd, b->name[i]);
		close(b->fd[i]);
	}
	b->nr = 0;
	return err;
}

/*
 * Create @name below @dfd as the remote entry @rel (@rst, which is @rname
 * below @rdfd): a directory, a stub, an empty local file or a symbolic
 * link; other types are not served, as at start.  A stub goes to @b if
 * given, else is named at once.  A name that exists by then counts as
 * done.  Returns 0 or a negative errno.
 */
static int new_entry(int dfd, const char *name, int rdfd, const char *rname,
		     const char *rel, const struct stat *rst, struct batch *b)
{
	mode_t mode = rst->st_mode & 07777;
	char target[PATH_MAX];
	int fd, err = 0;
	ssize_t n;

	switch (rst->st_mode & S_IFMT) {
	case S_IFDIR:
		if (mkdirat(dfd, name, mode))
			return errno == EEXIST ? 0 : -errno;
		/* Named before it is marked ours: see load_dir() */
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			    O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (fsetxattr(fd, XATTR_DIR, rel, strlen(rel), 0))
			err = -errno;
		close(fd);
		break;
	case S_IFLNK:
		n = readlinkat(rdfd, rname, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		if (symlinkat(target, dfd, name))
			return errno == EEXIST ? 0 : -errno;
		break;
	case S_IFREG:
		if (!rst->st_size) {
			/* Nothing to fetch: a local file from the start */
			fd = openat(dfd, name, O_CREAT | O_EXCL | O_WRONLY |
				    O_CLOEXEC, mode);
			if (fd < 0)
				return errno == EEXIST ? 0 : -errno;
			close(fd);
			break;
		}
		fd = stub_prepare(dfd, ".", rdfd, rname, rel, rst);
		if (fd == -EMFILE && b && b->nr) {
			/* Out of fds for the batch: name what it holds */
			err = flush_batch(b, dfd, 0);
			fd = err ? err : stub_prepare(dfd, ".", rdfd, rname,
						      rel, rst);
		}
		if (fd < 0)
			return fd;
		if (verbose)
			printf("hsm: stub for %s\n", rel);
		if (b) {
			b->fd[b->nr] = fd;
			snprintf(b->name[b->nr++], sizeof(b->name[0]), "%s",
				 name);
			return b->nr < BATCH_LEN ? 0 : flush_batch(b, dfd, 0);
		}
		err = fsync(fd) ? -errno : link_stub(fd, dfd, name);
		close(fd);
		return err;
	default:
		return 0;
	}
	if (err)
		return err;
	inc_stat(&entries_created);
	if (verbose)
		printf("hsm: made %s\n", rel);
	return 0;
}

/*
 * A lookup of @name in the directory @dfd, @rel in the remote: create the
 * name if the remote has it.  Returns 0 or a negative errno.
 */
static int lookup_name(int dfd, const char *rel, const char *name)
{
	char crel[PATH_MAX], rpath[PATH_MAX];
	struct stat st;

	if (!name_ok(name))
		return 0;	/* the lookup fails on its own */
	if (!fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return 0;	/* made by an earlier event, or local */
	if (errno != ENOENT)
		return -errno;
	if (child_rel(crel, rel, name) || join(rpath, remote_root, crel))
		return -ENAMETOOLONG;
	if (lstat(rpath, &st))
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	return new_entry(dfd, name, AT_FDCWD, rpath, crel, &st, NULL);
}

/*
 * A listing of the directory @dfd, @rel in the remote: create every remote
 * entry it lacks, then record that it is populated.  Names it has already
 * are kept as they are.  Returns 0 or a negative errno.
 */
static int populate(int dfd, const char *rel)
{
	char rpath[PATH_MAX], crel[PATH_MAX];
	struct batch b = { .nr = 0 };
	struct dirent *de;
	struct stat st;
	int rfd, err = 0;
	DIR *d;

	if (join(rpath, remote_root, rel))
		return -ENAMETOOLONG;
	rfd = open(rpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0 && errno != ENOENT && errno != ENOTDIR)
		return -errno;
	d = rfd < 0 ? NULL : fdopendir(rfd);
	if (rfd >= 0 && !d) {
		err = -errno;
		close(rfd);
		return err;
	}
	/* A directory gone from the remote has nothing more to create */
	while (d) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			err = -errno;
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (!fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;	/* there already, ours or local */
		if (errno != ENOENT) {
			err = -errno;
			break;
		}
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
			if (errno == ENOENT)
				continue;	/* gone from the remote since */
			err = -errno;
			break;
		}
		err = child_rel(crel, rel, de->d_name);
		if (!err)
			err = new_entry(dfd, de->d_name, dirfd(d), de->d_name,
					crel, &st, &b);
		if (err)
			break;
	}
	err = flush_batch(&b, dfd, err);
	if (d)
		closedir(d);
	if (!err && fsetxattr(dfd, XATTR_POPULATED, "", 0, 0))
		err = -errno;
	return err;
}

/* FAN_LOOKUP_PERM: a lookup of j->name in the directory j->fd, or a listing */
static void handle_dir(struct job *j)
{
	pthread_mutex_t *lock;
	char rel[PATH_MAX] = "";
	struct stat st;
	int ret, err;

	inc_stat(j->has_name ? &dir_lookups : &dir_listings);
	ret = load_dir(j->fd, rel);
	if (ret <= 0) {
		/* The HSM never populates a local directory */
		if (!ret)
			ignore_dir(j->fd);
		err = ret;
		goto answer;
	}
	if (fstat(j->fd, &st)) {
		err = -errno;
		goto answer;
	}
	lock = inode_lock(&st);
	pthread_mutex_lock(lock);
	ret = is_populated(j->fd);
	if (ret)
		err = ret < 0 ? ret : 0;
	else if (j->has_name)
		err = lookup_name(j->fd, rel, j->name);
	else
		err = populate(j->fd, rel);
	/* Populated, now or before: no more events for it */
	if (!err && (ret > 0 || !j->has_name))
		ignore_dir(j->fd);
	pthread_mutex_unlock(lock);
answer:
	if (err) {
		fprintf(stderr, "hsm: cannot %s %s%s%s: %s\n",
			j->has_name ? "look up" : "list", *rel ? rel : ".",
			j->has_name ? "/" : "", j->has_name ? j->name : "",
			strerror(-err));
		inc_stat(&events_denied);
	}
	respond(j->fd, err ? deny(err) : FAN_ALLOW);
	close(j->fd);
}

static void handle(struct job *j, char *buf)
{
	pthread_mutex_t *lock;
	struct stub s;
	struct stat st;
	int ret, err = 0;

	if (j->mask & FAN_LOOKUP_PERM) {
		handle_dir(j);
		return;
	}

	if (fstat(j->fd, &st) || !S_ISREG(st.st_mode))
		goto answer;	/* not ours */

	lock = inode_lock(&st);
	pthread_mutex_lock(lock);
	ret = load_stub(j->fd, &s);
	err = ret > 0 ? handle_stub(j, &s, buf) : ret;
	pthread_mutex_unlock(lock);
	free_stub(&s);
	if (err) {
		fprintf(stderr, "hsm: cannot fetch %s: %s\n",
			ret > 0 ? s.rel : "a stub", strerror(-err));
		pthread_mutex_lock(&stats_lock);
		events_denied++;
		pthread_mutex_unlock(&stats_lock);
	}
answer:
	respond(j->fd, err ? deny(err) : FAN_ALLOW);
	close(j->fd);
}

static void *worker(void *arg)
{
	char *buf = malloc(chunk_size);

	(void)arg;
	if (!buf) {
		fprintf(stderr, "hsm: out of memory for a thread\n");
		exit(1);
	}
	for (;;) {
		struct job j;

		pthread_mutex_lock(&q_lock);
		while (q_head == q_tail)
			pthread_cond_wait(&q_nonempty, &q_lock);
		j = queue[q_tail++ % QUEUE_LEN];
		pthread_cond_signal(&q_nonfull);
		pthread_mutex_unlock(&q_lock);
		handle(&j, buf);
	}
	return NULL;
}

static void enqueue(struct job *j)
{
	pthread_mutex_lock(&q_lock);
	while (q_head - q_tail == QUEUE_LEN)
		pthread_cond_wait(&q_nonfull, &q_lock);
	queue[q_head++ % QUEUE_LEN] = *j;
	pthread_cond_signal(&q_nonempty);
	pthread_mutex_unlock(&q_lock);
}

static void parse(struct fanotify_event_metadata *ev, struct job *j)
{
	char *p = (char *)ev + ev->metadata_len;
	char *end = (char *)ev + ev->event_len;

	memset(j, 0, sizeof(*j));
	j->fd = ev->fd;
	j->mask = ev->mask;
	while (p + sizeof(struct fanotify_event_info_header) <= end) {
		struct fanotify_event_info_header *hdr = (void *)p;

		if (hdr->len < sizeof(*hdr) || hdr->len > end - p)
			break;
		if (hdr->info_type == FAN_EVENT_INFO_TYPE_RANGE &&
		    hdr->len >= sizeof(struct fanotify_event_info_range)) {
			struct fanotify_event_info_range *r = (void *)p;

			j->has_range = true;
			j->offset = r->offset;
			j->count = r->count;
		} else if (hdr->info_type == FAN_EVENT_INFO_TYPE_NAME) {
			/* struct fanotify_event_info_name: the header, the name */
			const char *name = p + sizeof(*hdr);
			size_t len = strnlen(name, hdr->len - sizeof(*hdr));

			j->has_name = true;
			if (len < hdr->len - sizeof(*hdr) && len <= NAME_MAX)
				memcpy(j->name, name, len + 1);
		}
		p += hdr->len;
	}
}

/* Queue the events that can be read now.  Returns 0, or -1 if fatal. */
static int read_events(void)
{
	__u64 words[1024];
	struct fanotify_event_metadata *ev;
	ssize_t len;

	len = read(fan_fd, words, sizeof(words));
	if (len <= 0)
		return 0;
	for (ev = (void *)words; FAN_EVENT_OK(ev, len);
	     ev = FAN_EVENT_NEXT(ev, len)) {
		struct job j;

		if (ev->vers != FANOTIFY_METADATA_VERSION) {
			fprintf(stderr, "hsm: unknown event version\n");
			return -1;
		}
		if (ev->fd < 0)
			continue;
		pthread_mutex_lock(&stats_lock);
		events_seen++;
		pthread_mutex_unlock(&stats_lock);
		parse(ev, &j);
		enqueue(&j);
	}
	return 0;
}

static void print_stats(void)
{
	pthread_mutex_lock(&stats_lock);
	printf("hsm: fetched %llu bytes in %llu chunks for %llu events (%llu denied)\n",
	       bytes_fetched, chunks_fetched, events_seen, events_denied);
	if (on_demand)
		printf("hsm: namespace: %llu lookups, %llu listings, %llu entries created\n",
		       dir_lookups, dir_listings, entries_created);
	pthread_mutex_unlock(&stats_lock);
	fflush(stdout);
}

static int print_usage(const char *prog)
{
	fprintf(stderr, "Usage: %s [-c CHUNK_KIB] [-t THREADS] [-n] [-v] REMOTE CACHE\n",
		prog);
	return 2;
}

int main(int argc, char **argv)
{
	struct pollfd pfd[2] = { { .events = POLLIN }, { .events = POLLIN } };
	unsigned long chunk_kib;
	struct stat cst, pst, rst;
	unsigned int mark_type;
	struct rlimit rlim;
	__u64 mask;
	char parent[PATH_MAX];
	sigset_t sigs;
	int opt, i;

	while ((opt = getopt(argc, argv, "c:nt:v")) != -1) {
		switch (opt) {
		case 'c':
			chunk_kib = strtoul(optarg, NULL, 0);
			if (chunk_kib > MAX_CHUNK_KIB)
				return print_usage(argv[0]);
			chunk_size = chunk_kib * 1024;
			break;
		case 'n':
			on_demand = true;
			break;
		case 't':
			nr_threads = atoi(optarg);
			break;
		case 'v':
			verbose = true;
			break;
		default:
			return print_usage(argv[0]);
		}
	}
	if (argc - optind != 2 || !chunk_size || chunk_size % 4096 ||
	    nr_threads < 1 || nr_threads > QUEUE_LEN)
		return print_usage(argv[0]);
	remote_root = realpath(argv[optind], NULL);
	cache_root = realpath(argv[optind + 1], NULL);
	if (!remote_root || !cache_root) {
		fprintf(stderr, "hsm: REMOTE and CACHE must exist\n");
		return 1;
	}
	for (i = 0; i < NR_LOCKS; i++)
		pthread_mutex_init(&inode_locks[i], NULL);

	fan_fd = fanotify_init(FAN_CLASS_PRE_CONTENT | FAN_CLOEXEC |
			       FAN_UNLIMITED_QUEUE, O_RDWR | O_LARGEFILE);
	if (fan_fd < 0) {
		perror("hsm: fanotify_init");
		return 1;
	}

	if (on_demand) {
		/* The HSM would be asked about the remote's directories */
		if (stat(remote_root, &rst) || stat(cache_root, &cst) ||
		    rst.st_dev == cst.st_dev) {
			fprintf(stderr, "hsm: -n needs REMOTE on another filesystem than CACHE\n");
			return 1;
		}
		/* Nothing is made before it is looked up: CACHE is the root */
		if (setxattr(cache_root, XATTR_DIR, "", 0, 0)) {
			perror("hsm: cannot mark the cache root");
			return 1;
		}
		/* Each worker listing a directory holds a batch of stubs */
		if (!getrlimit(RLIMIT_NOFILE, &rlim) &&
		    rlim.rlim_cur < rlim.rlim_max) {
			rlim.rlim_cur = rlim.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rlim);
		}
	} else if (nftw(remote_root, walk_one, 64, FTW_PHYS)) {
		/*
		 * Make the stubs first: creating one would otherwise raise a
		 * pre-content event that only this thread could answer.  The
		 * cache must not be used before "ready" is printed.
		 */
		fprintf(stderr, "hsm: cannot make the stubs\n");
		return 1;
	}

	/* Watch the whole mount if CACHE is a mount point, else its fs */
	snprintf(parent, sizeof(parent), "%s/..", cache_root);
	if (stat(cache_root, &cst) || stat(parent, &pst))
		return 1;
	mark_type = cst.st_dev != pst.st_dev ? FAN_MARK_MOUNT :
					       FAN_MARK_FILESYSTEM;
	mask = FAN_PRE_ACCESS | FAN_PRE_MODIFY;
	if (on_demand)
		mask |= FAN_LOOKUP_PERM;
	if (fanotify_mark(fan_fd, FAN_MARK_ADD | mark_type, mask, AT_FDCWD,
			  cache_root)) {
		perror(on_demand ?
		       "hsm: fanotify_mark (does the kernel have FAN_LOOKUP_PERM?)" :
		       "hsm: fanotify_mark (does the cache filesystem allow pre-content events?)");
		return 1;
	}
	mark_set = true;

	/* Signals are read from a signalfd by this thread only */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	pfd[0].fd = fan_fd;
	pfd[1].fd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (pfd[1].fd < 0) {
		perror("hsm: signalfd");
		return 1;
	}

	for (i = 0; i < nr_threads; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, worker, NULL)) {
			perror("hsm: pthread_create");
			return 1;
		}
	}

	if (on_demand)
		printf("hsm: namespace on demand: no stubs at start\n");
	printf("hsm: ready: %zu stubs, %zu KiB chunks, %s mark on %s\n",
	       nr_stubs, chunk_size >> 10,
	       mark_type == FAN_MARK_MOUNT ? "mount" : "filesystem", cache_root);
	fflush(stdout);

	for (;;) {
		struct signalfd_siginfo si;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("hsm: poll");
			return 1;
		}
		if ((pfd[0].revents & POLLIN) && read_events())
			return 1;
		if (!(pfd[1].revents & POLLIN) ||
		    read(pfd[1].fd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo != SIGUSR1)
			break;
		print_stats();
	}
	/* Closing the group allows whatever is still pending */
	print_stats();
	return 0;
}
