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
 * the access.  Readers cannot tell a stub from the real file.
 *
 * Which chunks a stub holds is kept in the "user.hsm.chunks" xattr of the
 * stub, so a restarted HSM fetches nothing twice.  A complete stub gets an
 * fanotify ignore mark: files opened after that read at full speed.
 * A stub that is about to be modified (FAN_PRE_MODIFY) is fetched whole,
 * since its local copy becomes the only one, unless it is about to be
 * truncated to size 0 (an empty range at offset 0, open(O_TRUNC) included):
 * then nothing is fetched.  When the remote cannot be
 * read the access fails with EIO (FAN_DENY_ERRNO).
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
#include <sys/stat.h>
#include <sys/xattr.h>
#include <linux/types.h>

#ifndef FAN_PRE_ACCESS
#error "needs the uapi headers of a kernel with pre-content events"
#endif

#define XATTR_CHUNKS	"user.hsm.chunks"
#define MAX_FILES	65536
#define QUEUE_LEN	256

static const char *remote_root, *cache_root;
static size_t chunk_size = 1 << 20;
static int nr_threads = 4;
static bool verbose;
static int fan_fd;

static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long bytes_fetched, chunks_fetched, events_seen;
static unsigned long long events_denied;
static volatile sig_atomic_t want_stats, want_exit;

/* One stub, found by the inode number of the stub. */
struct stub {
	ino_t ino;
	char *rel;			/* path relative to the roots */
	off_t size;
	size_t nr_chunks;
	unsigned char *have;		/* bitmap of chunks present */
	bool complete;
	pthread_mutex_t lock;		/* serializes fetches of this stub */
};

static struct stub *stubs[MAX_FILES];
static size_t nr_stubs;

static struct stub *find_stub(ino_t ino)
{
	size_t i, h = ino % MAX_FILES;

	for (i = 0; i < MAX_FILES; i++) {
		struct stub *s = stubs[(h + i) % MAX_FILES];

		if (!s)
			return NULL;
		if (s->ino == ino)
			return s;
	}
	return NULL;
}

static int add_stub(struct stub *s)
{
	size_t i, h = s->ino % MAX_FILES;

	if (nr_stubs >= MAX_FILES / 2)
		return -1;
	for (i = 0; stubs[(h + i) % MAX_FILES]; i++)
		;
	stubs[(h + i) % MAX_FILES] = s;
	nr_stubs++;
	return 0;
}

static bool have_chunk(struct stub *s, size_t c)
{
	return s->have[c / 8] & (1 << (c % 8));
}

static bool all_chunks(struct stub *s)
{
	size_t c;

	for (c = 0; c < s->nr_chunks; c++)
		if (!have_chunk(s, c))
			return false;
	return true;
}

/* Stop pre-content events for a complete stub (and its later opens). */
static void ignore_stub(struct stub *s, int fd)
{
	if (fanotify_mark(fan_fd, FAN_MARK_ADD | FAN_MARK_IGNORE_SURV,
			  FAN_PRE_ACCESS | FAN_PRE_MODIFY, fd, NULL))
		fprintf(stderr, "hsm: ignore mark on %s: %m\n", s->rel);
	s->complete = true;
	if (verbose)
		printf("hsm: %s is complete\n", s->rel);
}

/* Create (or take over) the stub of one remote file. */
static int make_stub(const char *rel, const struct stat *rst)
{
	char path[PATH_MAX];
	struct stub *s;
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", cache_root, rel);
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		fd = open(path, O_CREAT | O_EXCL | O_WRONLY, rst->st_mode & 07777);
		if (fd < 0 || ftruncate(fd, rst->st_size)) {
			fprintf(stderr, "hsm: cannot create stub %s: %m\n", path);
			return -1;
		}
	}
	if (fstat(fd, &st))
		goto fail;

	s = calloc(1, sizeof(*s));
	if (!s)
		goto fail;
	s->ino = st.st_ino;
	s->rel = strdup(rel);
	s->size = rst->st_size;
	s->nr_chunks = (rst->st_size + chunk_size - 1) / chunk_size;
	s->have = calloc(1, s->nr_chunks / 8 + 1);
	pthread_mutex_init(&s->lock, NULL);
	/* What an earlier run already fetched */
	n = fgetxattr(fd, XATTR_CHUNKS, s->have, s->nr_chunks / 8 + 1);
	if (n >= 0 && n != (ssize_t)(s->nr_chunks / 8 + 1))
		memset(s->have, 0, s->nr_chunks / 8 + 1);
	if (add_stub(s))
		goto fail;
	if (all_chunks(s))
		ignore_stub(s, fd);
	close(fd);
	return 0;
fail:
	close(fd);
	return -1;
}

static int walk_one(const char *path, const struct stat *st, int type,
		    struct FTW *ftw)
{
	const char *rel = path + strlen(remote_root);
	char cpath[PATH_MAX];

	while (*rel == '/')
		rel++;
	if (!*rel)
		return 0;
	snprintf(cpath, sizeof(cpath), "%s/%s", cache_root, rel);
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

/* Fetch chunk @c of @s from the remote into the stub open at @fd. */
static int fetch_chunk(struct stub *s, int fd, size_t c, char *buf)
{
	char path[PATH_MAX];
	off_t off = (off_t)c * chunk_size;
	size_t len = chunk_size, done = 0;
	int rfd;

	if (off + (off_t)len > s->size)
		len = s->size - off;
	snprintf(path, sizeof(path), "%s/%s", remote_root, s->rel);
	rfd = open(path, O_RDONLY);
	if (rfd < 0)
		return -1;
	while (done < len) {
		ssize_t n = pread(rfd, buf + done, len - done, off + done);

		if (n <= 0) {
			close(rfd);
			errno = n ? errno : EIO;
			return -1;
		}
		done += n;
	}
	close(rfd);
	for (done = 0; done < len; ) {
		ssize_t n = pwrite(fd, buf + done, len - done, off + done);

		if (n <= 0)
			return -1;
		done += n;
	}
	s->have[c / 8] |= 1 << (c % 8);
	if (fsetxattr(fd, XATTR_CHUNKS, s->have, s->nr_chunks / 8 + 1, 0))
		fprintf(stderr, "hsm: cannot record chunks of %s: %m\n", s->rel);
	pthread_mutex_lock(&stats_lock);
	bytes_fetched += len;
	chunks_fetched++;
	pthread_mutex_unlock(&stats_lock);
	return 0;
}

/* Make [off, off + count) of the stub present.  Returns 0 or an errno. */
static int fill(struct stub *s, int fd, __u64 off, __u64 count,
		char *buf)
{
	size_t c, first, last;
	int err = 0;

	if (!s->nr_chunks || !count || off >= (__u64)s->size)
		return 0;
	if (off + count > (__u64)s->size)
		count = s->size - off;
	first = off / chunk_size;
	last = (off + count - 1) / chunk_size;

	pthread_mutex_lock(&s->lock);
	for (c = first; c <= last && !err; c++) {
		if (have_chunk(s, c))
			continue;
		if (fetch_chunk(s, fd, c, buf))
			err = errno ? errno : EIO;
		else if (verbose)
			printf("hsm: fetched chunk %zu of %s\n", c, s->rel);
	}
	if (!err && !s->complete && all_chunks(s))
		ignore_stub(s, fd);
	pthread_mutex_unlock(&s->lock);
	return err;
}

/*
 * The stub is about to be truncated to size 0 (truncate(2), or open(2) with
 * O_TRUNC): its remote content will never be needed, so fetch nothing and
 * treat it as local from now on.
 */
static void make_local(struct stub *s, int fd)
{
	pthread_mutex_lock(&s->lock);
	memset(s->have, 0xff, s->nr_chunks / 8 + 1);
	if (fsetxattr(fd, XATTR_CHUNKS, s->have, s->nr_chunks / 8 + 1, 0))
		fprintf(stderr, "hsm: cannot record chunks of %s: %m\n", s->rel);
	if (!s->complete)
		ignore_stub(s, fd);
	pthread_mutex_unlock(&s->lock);
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

static void respond(int fd, uint32_t response)
{
	struct fanotify_response r = { .fd = fd, .response = response };

	if (write(fan_fd, &r, sizeof(r)) != sizeof(r))
		fprintf(stderr, "hsm: cannot answer event: %m\n");
}

static void handle(struct job *j, char *buf)
{
	struct stub *s;
	struct stat st;
	int err = 0;

	if (fstat(j->fd, &st))
		goto answer;
	s = find_stub(st.st_ino);
	if (!s || s->complete)
		goto answer;	/* not ours, or nothing to do */

	if ((j->mask & FAN_PRE_MODIFY) && j->has_range && !j->offset &&
	    !j->count)
		make_local(s, j->fd);			/* truncate to 0 */
	else if (j->mask & FAN_PRE_MODIFY)
		err = fill(s, j->fd, 0, s->size, buf);	/* becomes local */
	else if (j->has_range)
		err = fill(s, j->fd, j->offset, j->count, buf);
	else
		err = fill(s, j->fd, 0, s->size, buf);
	if (err) {
		fprintf(stderr, "hsm: cannot fetch %s: %s\n", s->rel,
			strerror(err));
		pthread_mutex_lock(&stats_lock);
		events_denied++;
		pthread_mutex_unlock(&stats_lock);
	}
answer:
	respond(j->fd, err ? FAN_DENY_ERRNO(EIO) : FAN_ALLOW);
	close(j->fd);
}

static void *worker(void *arg)
{
	char *buf = malloc(chunk_size);

	if (!buf)
		return NULL;
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

		if (hdr->len < sizeof(*hdr))
			break;
		if (hdr->info_type == FAN_EVENT_INFO_TYPE_RANGE) {
			struct fanotify_event_info_range *r = (void *)p;

			j->has_range = true;
			j->offset = r->offset;
			j->count = r->count;
		}
		p += hdr->len;
	}
}

static void print_stats(void)
{
	pthread_mutex_lock(&stats_lock);
	printf("hsm: fetched %llu bytes in %llu chunks for %llu events (%llu denied)\n",
	       bytes_fetched, chunks_fetched, events_seen, events_denied);
	pthread_mutex_unlock(&stats_lock);
	fflush(stdout);
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		want_stats = 1;
	else
		want_exit = 1;
}

static int print_usage(const char *prog)
{
	fprintf(stderr, "Usage: %s [-c CHUNK_KIB] [-t THREADS] [-v] REMOTE CACHE\n",
		prog);
	return 2;
}

int main(int argc, char **argv)
{
	__u64 words[1024];
	char *buf = (char *)words;
	struct sigaction sa = { .sa_handler = on_signal };
	struct stat cst, pst;
	unsigned int mark_type;
	char parent[PATH_MAX];
	int opt, i;

	while ((opt = getopt(argc, argv, "c:t:v")) != -1) {
		switch (opt) {
		case 'c':
			chunk_size = strtoul(optarg, NULL, 0) * 1024;
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
	    nr_threads < 1)
		return print_usage(argv[0]);
	remote_root = realpath(argv[optind], NULL);
	cache_root = realpath(argv[optind + 1], NULL);
	if (!remote_root || !cache_root) {
		fprintf(stderr, "hsm: REMOTE and CACHE must exist\n");
		return 1;
	}

	fan_fd = fanotify_init(FAN_CLASS_PRE_CONTENT | FAN_CLOEXEC |
			       FAN_UNLIMITED_QUEUE, O_RDWR | O_LARGEFILE);
	if (fan_fd < 0) {
		perror("hsm: fanotify_init");
		return 1;
	}

	/*
	 * Make the stubs first: creating one (ftruncate to its size) would
	 * otherwise raise a pre-content event that only this thread could
	 * answer.  The cache must not be used before "ready" is printed.
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

	for (i = 0; i < nr_threads; i++) {
		pthread_t t;

		if (pthread_create(&t, NULL, worker, NULL)) {
			perror("hsm: pthread_create");
			return 1;
		}
	}

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	printf("hsm: ready: %zu stubs, %zu KiB chunks, %s mark on %s\n",
	       nr_stubs, chunk_size >> 10,
	       mark_type == FAN_MARK_MOUNT ? "mount" : "filesystem", cache_root);
	fflush(stdout);

	while (!want_exit) {
		struct pollfd pfd = { .fd = fan_fd, .events = POLLIN };
		struct fanotify_event_metadata *ev;
		ssize_t len;

		if (want_stats) {
			want_stats = 0;
			print_stats();
		}
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		len = read(fan_fd, buf, sizeof(words));
		if (len <= 0)
			continue;
		for (ev = (void *)buf; FAN_EVENT_OK(ev, len);
		     ev = FAN_EVENT_NEXT(ev, len)) {
			struct job j;

			if (ev->vers != FANOTIFY_METADATA_VERSION) {
				fprintf(stderr, "hsm: unknown event version\n");
				return 1;
			}
			if (ev->fd < 0)
				continue;
			pthread_mutex_lock(&stats_lock);
			events_seen++;
			pthread_mutex_unlock(&stats_lock);
			parse(ev, &j);
			enqueue(&j);
		}
	}
	/* Closing the group allows whatever is still pending */
	print_stats();
	return 0;
}
