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
 * Usage: fanotify-hsm [-c CHUNK_KIB] [-t THREADS] [-v] REMOTE CACHE
 *
 * The HSM prints "ready" once its mark is in place, and the number of bytes
 * it fetched on SIGUSR1 and at exit (SIGINT, SIGTERM).
 */
#define _GNU_SOURCE
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
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <linux/types.h>

#if !defined(FAN_PRE_ACCESS) || !defined(FAN_PRE_MODIFY)
#error "needs the uapi headers of a kernel with pre-content events"
#endif

#define XATTR_STUB	"trusted.hsm.stub"
#define XATTR_CHUNKS	"trusted.hsm.chunks"
#define NR_LOCKS	64
#define QUEUE_LEN	256
#define MAX_CHUNK_KIB	1048576UL	/* 1 GiB */

static const char *remote_root, *cache_root;
static size_t chunk_size = 1 << 20;
static int nr_threads = 4;
static bool verbose;
static int fan_fd;
static size_t nr_stubs;

static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long bytes_fetched, chunks_fetched, events_seen;
static unsigned long long events_denied;

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

/* Create the stub of one remote file, or take over what CACHE has */
static int make_stub(const char *rel, const struct stat *rst)
{
	char path[PATH_MAX], dir[PATH_MAX], id[PATH_MAX + 32], *slash;
	mode_t mode = rst->st_mode & 07777;
	int fd, rfd, err;
	struct stat st;
	char last;

	if (join(path, cache_root, rel) || join(dir, remote_root, rel)) {
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

	/* Every stub holds the last byte of its remote file (see the top) */
	rfd = open(dir, O_RDONLY | O_CLOEXEC);
	if (rfd < 0) {
		fprintf(stderr, "hsm: cannot open %s: %m\n", dir);
		return -1;
	}
	err = pread_full(rfd, &last, 1, rst->st_size - 1);
	close(rfd);
	if (!err)
		err = format_id(id, sizeof(id), rst->st_size, rel);
	if (err < 0) {
		fprintf(stderr, "hsm: cannot read %s: %s\n", dir,
			strerror(-err));
		return -1;
	}

	/* Name the stub only once its identity and last byte are durable */
	memcpy(dir, path, sizeof(dir));
	slash = strrchr(dir, '/');
	*slash = '\0';
	fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode);
	if (fd < 0) {
		fprintf(stderr, "hsm: O_TMPFILE in %s: %m\n", dir);
		return -1;
	}
	err = pwrite_full(fd, &last, 1, rst->st_size - 1);
	if (!err && fsetxattr(fd, XATTR_STUB, id, strlen(id), 0))
		err = -errno;
	if (!err && fsync(fd))
		err = -errno;
	if (!err && linkat(fd, "", AT_FDCWD, path, AT_EMPTY_PATH))
		err = -errno;
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

static void handle(struct job *j, char *buf)
{
	pthread_mutex_t *lock;
	struct stub s;
	struct stat st;
	int ret, err = 0;

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
	pthread_mutex_unlock(&stats_lock);
	fflush(stdout);
}

static int print_usage(const char *prog)
{
	fprintf(stderr, "Usage: %s [-c CHUNK_KIB] [-t THREADS] [-v] REMOTE CACHE\n",
		prog);
	return 2;
}

int main(int argc, char **argv)
{
	struct pollfd pfd[2] = { { .events = POLLIN }, { .events = POLLIN } };
	unsigned long chunk_kib;
	struct stat cst, pst;
	unsigned int mark_type;
	char parent[PATH_MAX];
	sigset_t sigs;
	int opt, i;

	while ((opt = getopt(argc, argv, "c:t:v")) != -1) {
		switch (opt) {
		case 'c':
			chunk_kib = strtoul(optarg, NULL, 0);
			if (chunk_kib > MAX_CHUNK_KIB)
				return print_usage(argv[0]);
			chunk_size = chunk_kib * 1024;
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

	/*
	 * Make the stubs first: creating one would otherwise raise a
	 * pre-content event that only this thread could answer.  The cache
	 * must not be used before "ready" is printed.
	 */
	if (nftw(remote_root, walk_one, 64, FTW_PHYS)) {
		fprintf(stderr, "hsm: cannot make the stubs\n");
		return 1;
	}

	/* Watch the whole mount if CACHE is a mount point, else its fs */
	snprintf(parent, sizeof(parent), "%s/..", cache_root);
	if (stat(cache_root, &cst) || stat(parent, &pst))
		return 1;
	mark_type = cst.st_dev != pst.st_dev ? FAN_MARK_MOUNT :
					       FAN_MARK_FILESYSTEM;
	if (fanotify_mark(fan_fd, FAN_MARK_ADD | mark_type,
			  FAN_PRE_ACCESS | FAN_PRE_MODIFY, AT_FDCWD,
			  cache_root)) {
		perror("hsm: fanotify_mark (does the cache filesystem allow pre-content events?)");
		return 1;
	}

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
