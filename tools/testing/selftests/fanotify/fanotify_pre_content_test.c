// SPDX-License-Identifier: GPL-2.0
/*
 * Pre-content events: FAN_PRE_ACCESS (mainline's uapi) and FAN_PRE_MODIFY
 * on every hook with the range info record, the deny errnos, the group and
 * mark rules, the open-time decision, and an HSM that fills stub files on
 * ext4 for concurrent readers, mmap and exec, and the lower file of an
 * overlayfs read, copied up and truncated through the overlay.
 *
 * What mainline has (FAN_PRE_ACCESS since 6.14) is tested on any kernel
 * that accepts a FAN_PRE_ACCESS mark.  What only this series adds
 * (FAN_PRE_MODIFY, the open(O_TRUNC) report, no events for accesses of
 * no bytes, the real range of a whole-file clone, the checked mmap range)
 * is tested where the kernel accepts a FAN_PRE_MODIFY mark, and skipped,
 * saying so, where it does not.
 *
 * A listener thread answers the events raised by the test's own I/O and
 * records them; each test then checks what was recorded.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#ifdef HAVE_LIBURING
#include <liburing.h>
#endif
#include <linux/aio_abi.h>
#include <pthread.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/uio.h>

#include "../kselftest_harness.h"
#include "fanotify_test.h"

#ifndef FAN_PRE_ACCESS
#define FAN_PRE_ACCESS		0x00100000
#endif
#ifndef FAN_PRE_MODIFY
#define FAN_PRE_MODIFY		0x00200000
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
#ifndef FAN_DENY_ERRNO
#define FAN_ERRNO_BITS	8
#define FAN_ERRNO_SHIFT	(32 - FAN_ERRNO_BITS)
#define FAN_ERRNO_MASK	((1 << FAN_ERRNO_BITS) - 1)
#define FAN_DENY_ERRNO(err) \
	(FAN_DENY | ((((__u32)(err)) & FAN_ERRNO_MASK) << FAN_ERRNO_SHIFT))
#endif

#define PRE_BOTH	(FAN_PRE_ACCESS | FAN_PRE_MODIFY)
#define PG		4096
#define FILE_SIZE	(64 * 1024)
#define MAX_EVENTS	64

/* What the listener saw of one event. */
struct ev_rec {
	__u64 mask;
	ino_t ino;		/* inode of event->fd */
	int has_range;
	__u64 offset;
	__u64 count;
	int nr_ranges;		/* range records in the event (must be <= 1) */
};

/* A listener thread: answers every event, optionally filling content. */
struct listener {
	int fan_fd;
	int stop[2];
	pthread_t thread;
	bool running;
	__u32 response;		/* answer to every event */
	int src_fd;		/* >= 0: fill the range from here first */
	int fill_fd;		/* > 0: fill through this fd, not the event's */
	size_t chunk;		/* fill granularity */
	pthread_mutex_t lock;
	int nr;
	struct ev_rec ev[MAX_EVENTS];
	long bytes_filled;
	unsigned char *have;	/* chunks filled so far */
	int errors;		/* bad events or failed fills */
};

static int parse_event(struct fanotify_event_metadata *ev, struct ev_rec *r)
{
	char *p = (char *)ev + ev->metadata_len;
	char *end = (char *)ev + ev->event_len;
	struct stat st;

	memset(r, 0, sizeof(*r));
	r->mask = ev->mask;
	if (ev->fd >= 0 && !fstat(ev->fd, &st))
		r->ino = st.st_ino;
	while (p + sizeof(struct fanotify_event_info_header) <= end) {
		struct fanotify_event_info_header *hdr = (void *)p;

		if (hdr->len < sizeof(*hdr) || p + hdr->len > end)
			return -1;
		if (hdr->info_type == FAN_EVENT_INFO_TYPE_RANGE) {
			struct fanotify_event_info_range *range = (void *)p;

			if (hdr->len != sizeof(*range) || range->pad)
				return -1;
			r->has_range = 1;
			r->nr_ranges++;
			r->offset = range->offset;
			r->count = range->count;
		}
		p += hdr->len;
	}
	return p == end ? 0 : -1;
}

/* Copy the chunks covering [off, off + count) from src_fd to fd. */
static int fill_range(struct listener *l, int fd, __u64 off, __u64 count)
{
	static char buf[1 << 20];
	__u64 c, first = off / l->chunk, last;

	if (!count)
		return 0;
	last = (off + count - 1) / l->chunk;
	for (c = first; c <= last; c++) {
		off_t pos = c * l->chunk;
		ssize_t n;

		if (l->have[c])
			continue;
		n = pread(l->src_fd, buf, l->chunk, pos);
		if (n < 0)
			return -1;
		if (n && pwrite(l->fill_fd > 0 ? l->fill_fd : fd, buf, n, pos) != n)
			return -1;
		l->have[c] = 1;
		l->bytes_filled += n;
	}
	return 0;
}

static void *listener_fn(void *arg)
{
	struct listener *l = arg;
	__u64 words[FAN_TEST_BUF_LEN / 8];
	char *buf = (char *)words;

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = l->fan_fd, .events = POLLIN },
			{ .fd = l->stop[0], .events = POLLIN },
		};
		struct fanotify_event_metadata *ev;
		ssize_t len;

		if (poll(pfd, 2, 1000) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		len = read(l->fan_fd, buf, sizeof(words));
		if (len <= 0)
			continue;
		for (ev = (void *)buf; FAN_EVENT_OK(ev, len);
		     ev = FAN_EVENT_NEXT(ev, len)) {
			struct ev_rec r;

			pthread_mutex_lock(&l->lock);
			if (parse_event(ev, &r) || ev->fd < 0)
				l->errors++;
			if (l->src_fd >= 0 && r.has_range &&
			    fill_range(l, ev->fd, r.offset, r.count))
				l->errors++;
			if (l->nr < MAX_EVENTS)
				l->ev[l->nr] = r;
			l->nr++;
			pthread_mutex_unlock(&l->lock);
			if (ev->fd >= 0) {
				if (fan_respond(l->fan_fd, ev->fd, l->response))
					l->errors++;
				close(ev->fd);
			}
		}
	}
	return NULL;
}

static int listener_start(struct listener *l, int fan_fd, __u32 response)
{
	l->fan_fd = fan_fd;
	l->response = response;
	if (!l->chunk)
		l->chunk = PG;
	if (!l->have)
		l->src_fd = -1;
	pthread_mutex_init(&l->lock, NULL);
	if (pipe2(l->stop, O_CLOEXEC))
		return -1;
	if (pthread_create(&l->thread, NULL, listener_fn, l))
		return -1;
	l->running = true;
	return 0;
}

/* Stop the thread; events raised after this are not answered by it. */
static void listener_stop(struct listener *l)
{
	if (!l->running)
		return;
	if (write(l->stop[1], "x", 1) != 1)
		return;
	pthread_join(l->thread, NULL);
	l->running = false;
	close(l->stop[0]);
	close(l->stop[1]);
}

/* Number of recorded events on inode @ino. */
static int events_on(struct listener *l, ino_t ino)
{
	int i, n = 0;

	for (i = 0; i < l->nr && i < MAX_EVENTS; i++)
		n += l->ev[i].ino == ino;
	return n;
}

static ino_t ino_of(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_ino;
}

static void fill_pattern(char *buf, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (char)((i * 131 + seed * 7 + (i >> 12)) & 0xff);
}

static int make_file(const char *path, size_t size, unsigned int seed)
{
	char *buf = malloc(size);
	int fd, ret = -1;

	if (!buf)
		return -1;
	fill_pattern(buf, size, seed);
	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd >= 0) {
		ret = write(fd, buf, size) == (ssize_t)size ? 0 : -1;
		fsync(fd);
		close(fd);
	}
	free(buf);
	return ret;
}

/* The test's ext4 filesystem and its group. */
struct ext4_env {
	char dir[64];
	char mnt[96];
	char img[96];
	bool mounted;
};

static int env_setup(struct ext4_env *env, const char *tag)
{
	if (!fan_mkdtemp(env->dir, sizeof(env->dir), tag))
		return -1;
	snprintf(env->mnt, sizeof(env->mnt), "%s/mnt", env->dir);
	snprintf(env->img, sizeof(env->img), "%s/ext4.img", env->dir);
	if (mkdir(env->mnt, 0755))
		return -1;
	if (fan_mount_ext4(env->img, env->mnt, "64M"))
		return -1;
	env->mounted = true;
	return 0;
}

static void env_teardown(struct ext4_env *env)
{
	char cmd[256];

	if (!env->dir[0])
		return;
	snprintf(cmd, sizeof(cmd), "umount %s 2>/dev/null; rm -rf %s",
		 env->mounted ? env->mnt : "/nonexistent", env->dir);
	if (system(cmd))
		fprintf(stderr, "# cleanup failed: %s\n", cmd);
}

/*
 * Create a pre-content group, or SKIP when the kernel has none: on a kernel
 * without pre-content events the first mark fails with EINVAL.
 */
#define PRE_CONTENT_GROUP(fd) do {					\
	fd = fanotify_init(FAN_CLASS_PRE_CONTENT | FAN_CLOEXEC,		\
			   O_RDWR | O_LARGEFILE);			\
	if (fd < 0 && errno == ENOSYS)					\
		SKIP(return, "no fanotify (CONFIG_FANOTIFY)");		\
	ASSERT_LE(0, fd) {						\
		TH_LOG("fanotify_init(FAN_CLASS_PRE_CONTENT): %s",	\
		       strerror(errno));				\
	}								\
} while (0)

#define NO_PRE_CONTENT	"kernel has no pre-content events (fanotify_mark: EINVAL)"
#define NO_PRE_MODIFY	"kernel has no FAN_PRE_MODIFY (fanotify_mark: EINVAL): " \
			"series-only behaviour"

#define MARK_OR_SKIP(fd, flags, mask, path) do {			\
	int __ret = fanotify_mark(fd, FAN_MARK_ADD | (flags), mask,	\
				  AT_FDCWD, path);			\
	if (__ret && errno == EINVAL && ((mask) & FAN_PRE_MODIFY))	\
		SKIP(return, NO_PRE_MODIFY);				\
	if (__ret && errno == EINVAL && ((mask) & FAN_PRE_ACCESS))	\
		SKIP(return, NO_PRE_CONTENT);				\
	ASSERT_EQ(0, __ret) {						\
		TH_LOG("fanotify_mark(%s): %s", path, strerror(errno));	\
	}								\
} while (0)

/*
 * Add FAN_PRE_MODIFY to the mark on @path: true when the kernel has it
 * (this series), false when it refuses the bit with EINVAL (mainline).
 */
static bool add_pre_modify(int fan_fd, const char *path)
{
	return !fanotify_mark(fan_fd, FAN_MARK_ADD, FAN_PRE_MODIFY,
			      AT_FDCWD, path);
}

/* The same question, asked with a group of its own. */
static bool kernel_has_pre_modify(const char *path)
{
	int fd = fanotify_init(FAN_CLASS_PRE_CONTENT, O_RDONLY);
	bool ret;

	if (fd < 0)
		return false;
	ret = add_pre_modify(fd, path);
	close(fd);
	return ret;
}

/* ---------------------------------------------------------------- */
/* Every hook: the event, its mask and its range.                   */

enum op {
	OP_READ, OP_PREAD, OP_READV, OP_PREADV, OP_WRITE, OP_PWRITE,
	OP_WRITEV, OP_PWRITEV, OP_SPLICE_READ, OP_SPLICE_WRITE, OP_SENDFILE,
	OP_COPY_RANGE, OP_AIO_READ, OP_AIO_WRITE, OP_URING_READ,
	OP_URING_WRITE, OP_FALLOCATE, OP_TRUNCATE, OP_FTRUNCATE,
	OP_MMAP_READ, OP_MMAP_PRIVATE_WRITE, OP_MMAP_SHARED_WRITE,
	OP_READ_EOF, OP_OPEN_TRUNC,
};

static int do_aio(int fd, int write, void *buf, size_t len, off_t off)
{
	aio_context_t ctx = 0;
	struct iocb cb = { 0 }, *cbs[1] = { &cb };
	struct io_event ev;
	struct timespec ts = { .tv_sec = 10 };
	int ret = -1;

	if (syscall(__NR_io_setup, 1, &ctx))
		return -1;
	cb.aio_fildes = fd;
	cb.aio_lio_opcode = write ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
	cb.aio_buf = (unsigned long)buf;
	cb.aio_nbytes = len;
	cb.aio_offset = off;
	if (syscall(__NR_io_submit, ctx, 1, cbs) != 1)
		goto out;
	if (syscall(__NR_io_getevents, ctx, 1, 1, &ev, &ts) != 1) {
		errno = ETIMEDOUT;
		goto out;
	}
	if (ev.res < 0) {
		errno = -ev.res;
		goto out;
	}
	ret = ev.res;
out:
	syscall(__NR_io_destroy, ctx);
	return ret;
}

#ifdef HAVE_LIBURING
static int do_uring(int fd, int write, void *buf, size_t len, off_t off)
{
	struct __kernel_timespec ts = { .tv_sec = 10 };
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	int ret;

	ret = io_uring_queue_init(4, &ring, 0);
	if (ret) {
		errno = -ret;
		return -2;
	}
	sqe = io_uring_get_sqe(&ring);
	if (write)
		io_uring_prep_write(sqe, fd, buf, len, off);
	else
		io_uring_prep_read(sqe, fd, buf, len, off);
	ret = io_uring_submit(&ring);
	if (ret == 1)
		ret = io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
	else if (ret >= 0)
		ret = -EIO;
	if (!ret) {
		ret = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

/* IORING_OP_FTRUNCATE (liburing 2.3 has no helper for it) */
#define FAN_TEST_IORING_OP_FTRUNCATE	55

static int uring_ftruncate(int fd, __s64 len)
{
	struct __kernel_timespec ts = { .tv_sec = 10 };
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	int ret;

	ret = io_uring_queue_init(4, &ring, 0);
	if (ret)
		return ret;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_rw(FAN_TEST_IORING_OP_FTRUNCATE, sqe, fd, NULL, 0, len);
	ret = io_uring_submit(&ring);
	if (ret == 1)
		ret = io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
	else if (ret >= 0)
		ret = -EIO;
	if (!ret) {
		ret = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	return ret;
}
#else
static int do_uring(int fd, int write, void *buf, size_t len, off_t off)
{
	errno = ENOSYS;		/* built without liburing */
	return -2;
}

static int uring_ftruncate(int fd, __s64 len)
{
	return -ENOSYS;
}
#endif

/*
 * Do @op on @path (and @path2 for copy_file_range) at @off for @len.
 * Returns >= 0 on success, -1 with errno on failure, -2 when the
 * facility is missing (errno set).
 */
static long do_op(enum op op, const char *path, const char *path2,
		  off_t off, size_t len)
{
	static char buf[2 * FILE_SIZE];
	int rw = O_RDWR, fd, fd2 = -1, pfd[2] = { -1, -1 };
	struct iovec iov[2] = {
		{ buf, len / 2 }, { buf + len / 2, len - len / 2 },
	};
	loff_t o1 = off, o2 = off;
	long ret = -1;
	char *map;

	memset(buf, 'w', sizeof(buf));
	if (op == OP_TRUNCATE)
		return truncate(path, off);
	if (op == OP_OPEN_TRUNC) {
		fd = open(path, O_WRONLY | O_TRUNC);
		if (fd >= 0)
			close(fd);
		return fd < 0 ? -1 : 0;
	}
	if (op == OP_READ || op == OP_PREAD || op == OP_READV ||
	    op == OP_PREADV || op == OP_SPLICE_READ || op == OP_SENDFILE ||
	    op == OP_AIO_READ || op == OP_URING_READ || op == OP_MMAP_READ ||
	    op == OP_MMAP_PRIVATE_WRITE || op == OP_READ_EOF ||
	    op == OP_COPY_RANGE)
		rw = O_RDONLY;
	fd = open(path, rw);
	if (fd < 0)
		return -1;

	switch (op) {
	case OP_READ:
	case OP_WRITE:
	case OP_READV:
	case OP_WRITEV:
		if (lseek(fd, off, SEEK_SET) != off)
			break;
		if (op == OP_READ)
			ret = read(fd, buf, len);
		else if (op == OP_WRITE)
			ret = write(fd, buf, len);
		else if (op == OP_READV)
			ret = readv(fd, iov, 2);
		else
			ret = writev(fd, iov, 2);
		break;
	case OP_PREAD:
	case OP_READ_EOF:
		ret = pread(fd, buf, len, off);
		break;
	case OP_PWRITE:
		ret = pwrite(fd, buf, len, off);
		break;
	case OP_PREADV:
		ret = preadv(fd, iov, 2, off);
		break;
	case OP_PWRITEV:
		ret = pwritev(fd, iov, 2, off);
		break;
	case OP_SPLICE_READ:
	case OP_SPLICE_WRITE:
	case OP_SENDFILE:
		if (pipe(pfd))
			break;
		if (op == OP_SPLICE_READ) {
			ret = splice(fd, &o1, pfd[1], NULL, len, 0);
		} else if (op == OP_SENDFILE) {
			ret = sendfile(pfd[1], fd, &o1, len);
		} else {
			if (write(pfd[1], buf, len) != (ssize_t)len)
				break;
			ret = splice(pfd[0], NULL, fd, &o1, len, 0);
		}
		break;
	case OP_COPY_RANGE:
		fd2 = open(path2, O_WRONLY);
		if (fd2 < 0)
			break;
		ret = copy_file_range(fd, &o1, fd2, &o2, len, 0);
		break;
	case OP_AIO_READ:
	case OP_AIO_WRITE:
		ret = do_aio(fd, op == OP_AIO_WRITE, buf, len, off);
		break;
	case OP_URING_READ:
	case OP_URING_WRITE:
		ret = do_uring(fd, op == OP_URING_WRITE, buf, len, off);
		break;
	case OP_FALLOCATE:
		ret = fallocate(fd, 0, off, len);
		break;
	case OP_FTRUNCATE:
		ret = ftruncate(fd, off);
		break;
	case OP_MMAP_READ:
	case OP_MMAP_PRIVATE_WRITE:
	case OP_MMAP_SHARED_WRITE:
		map = mmap(NULL, len,
			   op == OP_MMAP_READ ? PROT_READ : PROT_READ | PROT_WRITE,
			   op == OP_MMAP_SHARED_WRITE ? MAP_SHARED : MAP_PRIVATE,
			   fd, off);
		if (map == MAP_FAILED)
			break;
		ret = map[0];
		munmap(map, len);
		ret = 0;
		break;
	default:
		errno = EINVAL;
		break;
	}
	if (ret < 0) {
		int err = errno;

		close(fd);
		errno = err;
	} else {
		close(fd);
	}
	if (fd2 >= 0)
		close(fd2);
	if (pfd[0] >= 0) {
		close(pfd[0]);
		close(pfd[1]);
	}
	return ret;
}

struct exp_ev {
	int on_second;		/* event on path2 instead of path */
	__u64 mask;
	__u64 offset, count;
};

FIXTURE(hook) {
	struct ext4_env env;
	char path[128];
	char path2[128];
	int fan_fd;
	bool pre_modify;	/* the kernel has FAN_PRE_MODIFY */
	struct listener l;
};

FIXTURE_VARIANT(hook) {
	enum op op;
	off_t off;
	size_t len;
	struct exp_ev exp[2];
	int nr_exp;
	bool may_repeat;	/* io_uring may retry from a worker */
	bool series;		/* behaviour of this series, not mainline's */
};

/* 4000 + 200 crosses the first page boundary: the range is two pages. */
#define ACC(o, c)	{ .mask = FAN_PRE_ACCESS, .offset = o, .count = c }
#define MOD(o, c)	{ .mask = PRE_BOTH, .offset = o, .count = c }

FIXTURE_VARIANT_ADD(hook, read) {
	.op = OP_READ, .off = 4000, .len = 200, .exp = { ACC(0, 8192) }, .nr_exp = 1,
};

FIXTURE_VARIANT_ADD(hook, pread) {
	.op = OP_PREAD, .off = 4000, .len = 200, .exp = { ACC(0, 8192) }, .nr_exp = 1,
};

FIXTURE_VARIANT_ADD(hook, readv) {
	.op = OP_READV, .off = 4000, .len = 200, .exp = { ACC(0, 8192) }, .nr_exp = 1,
};

FIXTURE_VARIANT_ADD(hook, preadv) {
	.op = OP_PREADV, .off = 4000, .len = 200, .exp = { ACC(0, 8192) }, .nr_exp = 1,
};

FIXTURE_VARIANT_ADD(hook, write) {
	.op = OP_WRITE, .off = 4000, .len = 200, .exp = { MOD(0, 8192) }, .nr_exp = 1,
};

FIXTURE_VARIANT_ADD(hook, pwrite) {
	.op = OP_PWRITE, .off = 4000, .len = 200, .exp = { MOD(0, 8192) }, .nr_exp = 1,
};

FIXTURE_VARIANT_ADD(hook, writev) {
	.op = OP_WRITEV, .off = 4000, .len = 200, .exp = { MOD(0, 8192) }, .nr_exp = 1,
};

FIXTURE_VARIANT_ADD(hook, pwritev) {
	.op = OP_PWRITEV, .off = 4000, .len = 200, .exp = { MOD(0, 8192) }, .nr_exp = 1,
};

FIXTURE_VARIANT_ADD(hook, splice_read) {
	.op = OP_SPLICE_READ, .off = 4000, .len = 200, .exp = { ACC(0, 8192) }, .nr_exp = 1,
};

FIXTURE_VARIANT_ADD(hook, splice_write) {
	.op = OP_SPLICE_WRITE, .off = 4000, .len = 200, .exp = { MOD(0, 8192) }, .nr_exp = 1,
};

FIXTURE_VARIANT_ADD(hook, sendfile) {
	.op = OP_SENDFILE, .off = 4000, .len = 200, .exp = { ACC(0, 8192) }, .nr_exp = 1,
};

FIXTURE_VARIANT_ADD(hook, copy_file_range) {
	.op = OP_COPY_RANGE, .off = 4000, .len = 200,
	.exp = { ACC(0, 8192), { .on_second = 1, .mask = PRE_BOTH, .offset = 0, .count = 8192 } },
	.nr_exp = 2,
};

FIXTURE_VARIANT_ADD(hook, aio_read) {
	.op = OP_AIO_READ, .off = 4000, .len = 200, .exp = { ACC(0, 8192) }, .nr_exp = 1,
};

FIXTURE_VARIANT_ADD(hook, aio_write) {
	.op = OP_AIO_WRITE, .off = 4000, .len = 200, .exp = { MOD(0, 8192) }, .nr_exp = 1,
};

FIXTURE_VARIANT_ADD(hook, io_uring_read) {
	.op = OP_URING_READ, .off = 4000, .len = 200, .exp = { ACC(0, 8192) }, .nr_exp = 1,
	.may_repeat = true,
};

FIXTURE_VARIANT_ADD(hook, io_uring_write) {
	.op = OP_URING_WRITE, .off = 4000, .len = 200, .exp = { MOD(0, 8192) }, .nr_exp = 1,
	.may_repeat = true,
};

FIXTURE_VARIANT_ADD(hook, fallocate) {
	.op = OP_FALLOCATE, .off = 4000, .len = 200, .exp = { MOD(0, 8192) }, .nr_exp = 1,
};

/* Accesses of no bytes raise nothing: an empty range means truncate */
FIXTURE_VARIANT_ADD(hook, pread_empty) {
	.op = OP_PREAD, .off = 4096, .len = 0, .nr_exp = 0, .series = true,
};

FIXTURE_VARIANT_ADD(hook, pwrite_empty) {
	.op = OP_PWRITE, .off = 0, .len = 0, .nr_exp = 0, .series = true,
};

/* truncate reports the page around the new size */
FIXTURE_VARIANT_ADD(hook, truncate_unaligned) {
	.op = OP_TRUNCATE, .off = 10000, .exp = { MOD(8192, 4096) }, .nr_exp = 1,
};

FIXTURE_VARIANT_ADD(hook, ftruncate_unaligned) {
	.op = OP_FTRUNCATE, .off = 10000, .exp = { MOD(8192, 4096) }, .nr_exp = 1,
};

FIXTURE_VARIANT_ADD(hook, ftruncate_aligned) {
	.op = OP_FTRUNCATE, .off = 12288, .exp = { MOD(12288, 0) }, .nr_exp = 1,
};

FIXTURE_VARIANT_ADD(hook, truncate_grow) {
	.op = OP_TRUNCATE, .off = FILE_SIZE + 100,
	.exp = { MOD(FILE_SIZE, 4096) }, .nr_exp = 1,
};

/* open(O_TRUNC) reports what truncate to size 0 would */
FIXTURE_VARIANT_ADD(hook, open_trunc) {
	.op = OP_OPEN_TRUNC, .exp = { MOD(0, 0) }, .nr_exp = 1, .series = true,
};

/* mmap reports the whole mapping at its byte offset */
FIXTURE_VARIANT_ADD(hook, mmap_read) {
	.op = OP_MMAP_READ, .off = 8192, .len = 5000, .exp = { ACC(8192, 8192) }, .nr_exp = 1,
};

FIXTURE_VARIANT_ADD(hook, mmap_private_write) {
	.op = OP_MMAP_PRIVATE_WRITE, .off = 8192, .len = 5000,
	.exp = { ACC(8192, 8192) }, .nr_exp = 1,
};

FIXTURE_VARIANT_ADD(hook, mmap_shared_write) {
	.op = OP_MMAP_SHARED_WRITE, .off = 40960, .len = 4096,
	.exp = { MOD(40960, 4096) }, .nr_exp = 1,
};

/* Reads at and past EOF are reported: the HSM knows the real size */
FIXTURE_VARIANT_ADD(hook, read_past_eof) {
	.op = OP_READ_EOF, .off = FILE_SIZE + 10, .len = 100,
	.exp = { ACC(FILE_SIZE, 4096) }, .nr_exp = 1,
};

FIXTURE_VARIANT_ADD(hook, read_across_eof) {
	.op = OP_READ_EOF, .off = FILE_SIZE - 10, .len = 100,
	.exp = { ACC(FILE_SIZE - 4096, 8192) }, .nr_exp = 1,
};

FIXTURE_SETUP(hook)
{
	memset(&self->l, 0, sizeof(self->l));
	self->fan_fd = -1;
	if (env_setup(&self->env, "hook"))
		SKIP(return, "no ext4 on a loop device: %s", strerror(errno));
	snprintf(self->path, sizeof(self->path), "%s/file", self->env.mnt);
	snprintf(self->path2, sizeof(self->path2), "%s/file2", self->env.mnt);
	ASSERT_EQ(0, make_file(self->path, FILE_SIZE, 1));
	ASSERT_EQ(0, make_file(self->path2, FILE_SIZE, 2));
	PRE_CONTENT_GROUP(self->fan_fd);
	MARK_OR_SKIP(self->fan_fd, 0, FAN_PRE_ACCESS, self->path);
	MARK_OR_SKIP(self->fan_fd, 0, FAN_PRE_ACCESS, self->path2);
	/* Without FAN_PRE_MODIFY, modifications report FAN_PRE_ACCESS */
	self->pre_modify = add_pre_modify(self->fan_fd, self->path) &&
			   add_pre_modify(self->fan_fd, self->path2);
	if (variant->series && !self->pre_modify)
		SKIP(return, NO_PRE_MODIFY);
	ASSERT_EQ(0, listener_start(&self->l, self->fan_fd, FAN_ALLOW));
}

FIXTURE_TEARDOWN(hook)
{
	listener_stop(&self->l);
	if (self->fan_fd >= 0)
		close(self->fan_fd);
	env_teardown(&self->env);
}

TEST_F(hook, event)
{
	ino_t ino[2] = { ino_of(self->path), ino_of(self->path2) };
	int i, j, matched[2] = { 0 };
	long ret;

	ret = do_op(variant->op, self->path, self->path2, variant->off,
		    variant->len);
	if (ret == -2)
		SKIP(return, "io_uring unavailable: %s", strerror(errno));
	ASSERT_LE(0, ret) {
		TH_LOG("operation failed: %s", strerror(errno));
	}
	listener_stop(&self->l);

	ASSERT_EQ(0, self->l.errors);
	ASSERT_LE(variant->nr_exp, self->l.nr) {
		TH_LOG("%d events, want %d", self->l.nr, variant->nr_exp);
	}
	if (!variant->may_repeat)
		ASSERT_EQ(variant->nr_exp, self->l.nr);
	/* Every event must be one of the expected ones, each seen once. */
	for (i = 0; i < self->l.nr && i < MAX_EVENTS; i++) {
		struct ev_rec *r = &self->l.ev[i];
		bool ok = false;

		for (j = 0; j < variant->nr_exp; j++) {
			const struct exp_ev *e = &variant->exp[j];
			__u64 mask = e->mask;

			if (!self->pre_modify)
				mask &= ~FAN_PRE_MODIFY;
			if (r->ino != ino[e->on_second] || r->mask != mask)
				continue;
			EXPECT_EQ(1, r->nr_ranges);
			EXPECT_EQ(e->offset, r->offset);
			EXPECT_EQ(e->count, r->count);
			matched[j]++;
			ok = true;
		}
		EXPECT_TRUE(ok) {
			TH_LOG("unexpected event mask 0x%llx on ino %lu",
			       (unsigned long long)r->mask, (unsigned long)r->ino);
		}
	}
	for (j = 0; j < variant->nr_exp; j++) {
		EXPECT_LE(1, matched[j]);
		if (!variant->may_repeat)
			EXPECT_EQ(1, matched[j]);
	}
}

/* ---------------------------------------------------------------- */
/* Clone and dedupe, on xfs (ext4 cannot remap)                      */

FIXTURE(remap) {
	char dir[64];
	char mnt[96];
	char img[96];
	char src[128];
	char dst[128];
	bool mounted;
	int fan_fd;
	bool pre_modify;
	struct listener l;
};

FIXTURE_VARIANT(remap) {
	bool dedupe;
	bool whole;		/* FICLONE: length 0 means up to EOF */
};

FIXTURE_VARIANT_ADD(remap, clone) { .dedupe = false };

FIXTURE_VARIANT_ADD(remap, dedupe) { .dedupe = true };

/*
 * A whole-file clone reports the range it really clones, not an empty
 * one: mainline checks the length before extending it to EOF.
 */
FIXTURE_VARIANT_ADD(remap, clone_whole) { .whole = true };

FIXTURE_SETUP(remap)
{
	char cmd[512];

	memset(&self->l, 0, sizeof(self->l));
	self->fan_fd = -1;
	ASSERT_NE(NULL, fan_mkdtemp(self->dir, sizeof(self->dir), "remap"));
	snprintf(self->mnt, sizeof(self->mnt), "%s/mnt", self->dir);
	snprintf(self->img, sizeof(self->img), "%s/xfs.img", self->dir);
	ASSERT_EQ(0, mkdir(self->mnt, 0755));
	if (system("command -v mkfs.xfs >/dev/null 2>&1"))
		SKIP(return, "mkfs.xfs not found (xfsprogs)");
	/* The loop mount goes away with this process, even on SKIP */
	ASSERT_EQ(0, fan_private_mounts());
	snprintf(cmd, sizeof(cmd),
		 "truncate -s 320M %s && mkfs.xfs -q -f -m reflink=1 %s && mount -o loop %s %s",
		 self->img, self->img, self->img, self->mnt);
	if (system(cmd))
		SKIP(return, "cannot make xfs with reflink (CONFIG_XFS_FS?)");
	self->mounted = true;
	snprintf(self->src, sizeof(self->src), "%s/src", self->mnt);
	snprintf(self->dst, sizeof(self->dst), "%s/dst", self->mnt);
	/* Same content, so that dedupe shares the blocks */
	ASSERT_EQ(0, make_file(self->src, FILE_SIZE, 3));
	ASSERT_EQ(0, make_file(self->dst, FILE_SIZE, 3));
	PRE_CONTENT_GROUP(self->fan_fd);
	MARK_OR_SKIP(self->fan_fd, 0, FAN_PRE_ACCESS, self->src);
	MARK_OR_SKIP(self->fan_fd, 0, FAN_PRE_ACCESS, self->dst);
	self->pre_modify = add_pre_modify(self->fan_fd, self->src) &&
			   add_pre_modify(self->fan_fd, self->dst);
	if (variant->whole && !self->pre_modify)
		SKIP(return, NO_PRE_MODIFY);
	ASSERT_EQ(0, listener_start(&self->l, self->fan_fd, FAN_ALLOW));
}

FIXTURE_TEARDOWN(remap)
{
	char cmd[256];

	listener_stop(&self->l);
	if (self->fan_fd >= 0)
		close(self->fan_fd);
	snprintf(cmd, sizeof(cmd), "umount %s 2>/dev/null; rm -rf %s",
		 self->mounted ? self->mnt : "/nonexistent", self->dir);
	if (self->dir[0] && system(cmd))
		fprintf(stderr, "# cleanup failed: %s\n", cmd);
}

/*
 * The source reports FAN_PRE_ACCESS, the target FAN_PRE_MODIFY too.
 * Dedupe checks the source once for the call and once per target.
 */
TEST_F(remap, events)
{
	ino_t src_ino = ino_of(self->src), dst_ino = ino_of(self->dst);
	int sfd, dfd, i, seen_src = 0, seen_dst = 0;
	int nr_src = variant->dedupe ? 2 : 1;
	__u64 off = variant->whole ? 0 : 4096;
	__u64 count = variant->whole ? FILE_SIZE : 8192;

	sfd = open(self->src, O_RDONLY);
	dfd = open(self->dst, O_RDWR);
	ASSERT_LE(0, sfd);
	ASSERT_LE(0, dfd);
	if (variant->dedupe) {
		struct file_dedupe_range *r;

		r = calloc(1, sizeof(*r) + sizeof(r->info[0]));
		ASSERT_NE(NULL, r);
		r->src_offset = 4096;
		r->src_length = 8192;
		r->dest_count = 1;
		r->info[0].dest_fd = dfd;
		r->info[0].dest_offset = 4096;
		ASSERT_EQ(0, ioctl(sfd, FIDEDUPERANGE, r)) {
			TH_LOG("FIDEDUPERANGE: %s", strerror(errno));
		}
		EXPECT_EQ(0, r->info[0].status);
		EXPECT_EQ(8192, r->info[0].bytes_deduped);
		free(r);
	} else if (variant->whole) {
		ASSERT_EQ(0, ioctl(dfd, FICLONE, sfd)) {
			TH_LOG("FICLONE: %s", strerror(errno));
		}
	} else {
		struct file_clone_range r = {
			.src_fd = sfd, .src_offset = 4096, .src_length = 8192,
			.dest_offset = 4096,
		};

		ASSERT_EQ(0, ioctl(dfd, FICLONERANGE, &r)) {
			TH_LOG("FICLONERANGE: %s", strerror(errno));
		}
	}
	close(sfd);
	close(dfd);
	listener_stop(&self->l);
	ASSERT_EQ(0, self->l.errors);
	ASSERT_EQ(nr_src + 1, self->l.nr);
	for (i = 0; i < self->l.nr; i++) {
		struct ev_rec *r = &self->l.ev[i];

		EXPECT_EQ(1, r->nr_ranges);
		EXPECT_EQ(off, r->offset);
		EXPECT_EQ(count, r->count);
		if (r->ino == src_ino) {
			seen_src++;
			EXPECT_EQ(FAN_PRE_ACCESS, r->mask);
		} else if (r->ino == dst_ino) {
			seen_dst++;
			EXPECT_EQ(self->pre_modify ? PRE_BOTH : FAN_PRE_ACCESS,
				  r->mask);
		}
	}
	EXPECT_EQ(nr_src, seen_src);
	EXPECT_EQ(1, seen_dst);
}

/* ---------------------------------------------------------------- */
/* No event for an operation the caller is not allowed to do          */

enum refused_op {
	REF_TRUNCATE_NOBODY, REF_TRUNCATE_APPEND, REF_TRUNCATE_RO_BIND,
	REF_FTRUNCATE_APPEND,
	REF_FTRUNCATE_RDONLY, REF_URING_FTRUNCATE_NEG, REF_MMAP_SHARED_RDONLY,
	REF_MMAP_ZERO_LEN, REF_MMAP_OVERFLOW, REF_MMAP_UNKNOWN_FLAG,
	REF_MMAP_GROWSDOWN, REF_MMAP_EXEC_NOEXEC,
};

/* Not in every libc's headers: a bit no mapping flag uses */
#define MAP_UNKNOWN_FLAG	0x200000

FIXTURE(refused) {
	struct ext4_env env;
	char path[128];
	int fan_fd;
	struct listener l;
};

FIXTURE_VARIANT(refused) {
	enum refused_op op;
	int err;		/* what the operation must fail with */
};

/* truncate(2) by a user who may not write the file */
FIXTURE_VARIANT_ADD(refused, truncate_nobody) {
	.op = REF_TRUNCATE_NOBODY, .err = EACCES,
};

FIXTURE_VARIANT_ADD(refused, truncate_append_only) {
	.op = REF_TRUNCATE_APPEND, .err = EPERM,
};

/* A read-only bind mount of the (writable) filesystem */
FIXTURE_VARIANT_ADD(refused, truncate_read_only_bind_mount) {
	.op = REF_TRUNCATE_RO_BIND, .err = EROFS,
};

FIXTURE_VARIANT_ADD(refused, ftruncate_append_only) {
	.op = REF_FTRUNCATE_APPEND, .err = EPERM,
};

FIXTURE_VARIANT_ADD(refused, ftruncate_read_only_fd) {
	.op = REF_FTRUNCATE_RDONLY, .err = EINVAL,
};

/* IORING_OP_FTRUNCATE does not check the sign of the length itself */
FIXTURE_VARIANT_ADD(refused, io_uring_ftruncate_negative) {
	.op = REF_URING_FTRUNCATE_NEG, .err = EINVAL,
};

/* A shared writable mapping of a read-only fd */
FIXTURE_VARIANT_ADD(refused, mmap_shared_write_read_only_fd) {
	.op = REF_MMAP_SHARED_RDONLY, .err = EACCES,
};

FIXTURE_VARIANT_ADD(refused, mmap_zero_length) {
	.op = REF_MMAP_ZERO_LEN, .err = EINVAL,
};

/* offset + length past the largest file offset must not wrap */
FIXTURE_VARIANT_ADD(refused, mmap_offset_overflow) {
	.op = REF_MMAP_OVERFLOW, .err = EOVERFLOW,
};

/* MAP_SHARED_VALIDATE with a flag no mapping knows */
FIXTURE_VARIANT_ADD(refused, mmap_validate_unknown_flag) {
	.op = REF_MMAP_UNKNOWN_FLAG, .err = EOPNOTSUPP,
};

/* A file mapping that grows down like a stack */
FIXTURE_VARIANT_ADD(refused, mmap_growsdown) {
	.op = REF_MMAP_GROWSDOWN, .err = EINVAL,
};

/* An executable mapping through a noexec bind mount */
FIXTURE_VARIANT_ADD(refused, mmap_exec_noexec_mount) {
	.op = REF_MMAP_EXEC_NOEXEC, .err = EPERM,
};

FIXTURE_SETUP(refused)
{
	memset(&self->l, 0, sizeof(self->l));
	self->fan_fd = -1;
	if (env_setup(&self->env, "refused"))
		SKIP(return, "no ext4 on a loop device: %s", strerror(errno));
	snprintf(self->path, sizeof(self->path), "%s/file", self->env.mnt);
	ASSERT_EQ(0, make_file(self->path, FILE_SIZE, 1));
	/* Let user nobody reach the file: only the write must be refused */
	ASSERT_EQ(0, chmod(self->path, 0644));
	ASSERT_EQ(0, chmod(self->env.mnt, 0755));
	ASSERT_EQ(0, chmod(self->env.dir, 0755));
	PRE_CONTENT_GROUP(self->fan_fd);
	MARK_OR_SKIP(self->fan_fd, 0, FAN_PRE_ACCESS, self->path);
	add_pre_modify(self->fan_fd, self->path);
	ASSERT_EQ(0, listener_start(&self->l, self->fan_fd, FAN_ALLOW));
}

FIXTURE_TEARDOWN(refused)
{
	int fd, flags = 0;

	listener_stop(&self->l);
	if (self->fan_fd >= 0)
		close(self->fan_fd);
	/* An append-only file cannot be removed: clear the flag first */
	fd = open(self->path, O_RDONLY);
	if (fd >= 0) {
		ioctl(fd, FS_IOC_SETFLAGS, &flags);
		close(fd);
	}
	env_teardown(&self->env);
}

static int set_append_only(const char *path)
{
	int fd = open(path, O_RDONLY), flags, ret = -1;

	if (fd < 0)
		return -1;
	if (!ioctl(fd, FS_IOC_GETFLAGS, &flags)) {
		flags |= FS_APPEND_FL;
		ret = ioctl(fd, FS_IOC_SETFLAGS, &flags);
	}
	close(fd);
	return ret;
}

/* truncate(@path) as user nobody, in a child: 0 or the errno */
static int truncate_as_nobody(const char *path)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(255);
		_exit(truncate(path, 0) ? errno : 0);
	}
	status = fan_wait_child(pid, FAN_TEST_EVENT_MS);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(refused, no_event)
{
	int fd = -1, ret, err = 0;
	void *p;

	switch (variant->op) {
	case REF_TRUNCATE_NOBODY:
		err = truncate_as_nobody(self->path);
		break;
	case REF_TRUNCATE_APPEND:
	case REF_FTRUNCATE_APPEND:
		if (set_append_only(self->path))
			SKIP(return, "cannot set FS_APPEND_FL: %s",
			     strerror(errno));
		if (variant->op == REF_TRUNCATE_APPEND) {
			ret = truncate(self->path, 0);
		} else {
			fd = open(self->path, O_WRONLY | O_APPEND);
			ASSERT_LE(0, fd);
			ret = ftruncate(fd, 0);
		}
		err = ret ? errno : 0;
		break;
	case REF_TRUNCATE_RO_BIND: {
		char ro[160], file[192];

		snprintf(ro, sizeof(ro), "%s/ro", self->env.dir);
		snprintf(file, sizeof(file), "%s/file", ro);
		ASSERT_EQ(0, mkdir(ro, 0755));
		ASSERT_EQ(0, mount(self->env.mnt, ro, NULL, MS_BIND, NULL));
		ASSERT_EQ(0, mount(NULL, ro, NULL,
				   MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
		err = truncate(file, 0) ? errno : 0;
		umount(ro);
		break;
	}
	case REF_FTRUNCATE_RDONLY:
		fd = open(self->path, O_RDONLY);
		ASSERT_LE(0, fd);
		err = ftruncate(fd, 0) ? errno : 0;
		break;
	case REF_URING_FTRUNCATE_NEG:
		fd = open(self->path, O_RDWR);
		ASSERT_LE(0, fd);
		ret = uring_ftruncate(fd, -4096);
		if (ret == -ENOSYS || ret == -EOPNOTSUPP)
			SKIP(return, "no io_uring or IORING_OP_FTRUNCATE: %s",
			     strerror(-ret));
		err = ret < 0 ? -ret : 0;
		break;
	case REF_MMAP_SHARED_RDONLY:
	case REF_MMAP_ZERO_LEN:
	case REF_MMAP_OVERFLOW:
	case REF_MMAP_UNKNOWN_FLAG:
	case REF_MMAP_GROWSDOWN:
		fd = open(self->path, O_RDONLY);
		ASSERT_LE(0, fd);
		if (variant->op == REF_MMAP_SHARED_RDONLY)
			p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED,
				 fd, 0);
		else if (variant->op == REF_MMAP_ZERO_LEN)
			p = mmap(NULL, 0, PROT_READ, MAP_SHARED, fd, 0);
		else if (variant->op == REF_MMAP_UNKNOWN_FLAG)
			p = mmap(NULL, PG, PROT_READ,
				 MAP_SHARED_VALIDATE | MAP_UNKNOWN_FLAG, fd, 0);
		else if (variant->op == REF_MMAP_GROWSDOWN)
			p = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_GROWSDOWN,
				 fd, 0);
		else
			p = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd,
				 0x7ffffffffffff000LL);
		if (p != MAP_FAILED)
			munmap(p, PG);
		err = p == MAP_FAILED ? errno : 0;
		break;
	case REF_MMAP_EXEC_NOEXEC: {
		char nx[160], file[192];

		snprintf(nx, sizeof(nx), "%s/noexec", self->env.dir);
		snprintf(file, sizeof(file), "%s/file", nx);
		ASSERT_EQ(0, mkdir(nx, 0755));
		ASSERT_EQ(0, mount(self->env.mnt, nx, NULL, MS_BIND, NULL));
		ASSERT_EQ(0, mount(NULL, nx, NULL,
				   MS_REMOUNT | MS_BIND | MS_NOEXEC, NULL));
		fd = open(file, O_RDONLY);
		ASSERT_LE(0, fd);
		p = mmap(NULL, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
		if (p != MAP_FAILED)
			munmap(p, PG);
		err = p == MAP_FAILED ? errno : 0;
		close(fd);
		fd = -1;
		umount(nx);
		break;
	}
	}
	if (fd >= 0)
		close(fd);
	EXPECT_EQ(variant->err, err) {
		TH_LOG("the operation returned %s", strerror(err));
	}
	usleep(FAN_TEST_QUIET_MS * 1000);
	listener_stop(&self->l);
	EXPECT_EQ(0, self->l.errors);
	EXPECT_EQ(0, self->l.nr) {
		TH_LOG("event 0x%llx %llu+%llu for a failing operation",
		       (unsigned long long)self->l.ev[0].mask,
		       (unsigned long long)self->l.ev[0].offset,
		       (unsigned long long)self->l.ev[0].count);
	}
}

/* ---------------------------------------------------------------- */
/* Which group gets which event: PRE_ACCESS-only groups see writes.  */

FIXTURE(modify) {
	struct ext4_env env;
	char path[128];
	int fan_fd;
	struct listener l;
};

FIXTURE_VARIANT(modify) {
	__u64 mark_mask;
	enum op op;
	int nr;			/* events expected */
	__u64 mask;		/* their mask */
	bool series;		/* behaviour of this series, not mainline's */
};

FIXTURE_VARIANT_ADD(modify, access_only_read) {
	.mark_mask = FAN_PRE_ACCESS, .op = OP_PREAD, .nr = 1, .mask = FAN_PRE_ACCESS,
};

FIXTURE_VARIANT_ADD(modify, access_only_write) {
	.mark_mask = FAN_PRE_ACCESS, .op = OP_PWRITE, .nr = 1, .mask = FAN_PRE_ACCESS,
};

FIXTURE_VARIANT_ADD(modify, access_only_ftruncate) {
	.mark_mask = FAN_PRE_ACCESS, .op = OP_FTRUNCATE, .nr = 1, .mask = FAN_PRE_ACCESS,
};

FIXTURE_VARIANT_ADD(modify, access_only_open_trunc) {
	.mark_mask = FAN_PRE_ACCESS, .op = OP_OPEN_TRUNC, .nr = 1, .mask = FAN_PRE_ACCESS,
	.series = true,
};

FIXTURE_VARIANT_ADD(modify, modify_only_read) {
	.mark_mask = FAN_PRE_MODIFY, .op = OP_PREAD, .nr = 0,
};

FIXTURE_VARIANT_ADD(modify, modify_only_mmap_read) {
	.mark_mask = FAN_PRE_MODIFY, .op = OP_MMAP_READ, .nr = 0,
};

FIXTURE_VARIANT_ADD(modify, modify_only_write) {
	.mark_mask = FAN_PRE_MODIFY, .op = OP_PWRITE, .nr = 1, .mask = FAN_PRE_MODIFY,
};

FIXTURE_VARIANT_ADD(modify, modify_only_fallocate) {
	.mark_mask = FAN_PRE_MODIFY, .op = OP_FALLOCATE, .nr = 1, .mask = FAN_PRE_MODIFY,
};

FIXTURE_VARIANT_ADD(modify, modify_only_truncate) {
	.mark_mask = FAN_PRE_MODIFY, .op = OP_TRUNCATE, .nr = 1, .mask = FAN_PRE_MODIFY,
};

FIXTURE_VARIANT_ADD(modify, modify_only_shared_mmap) {
	.mark_mask = FAN_PRE_MODIFY, .op = OP_MMAP_SHARED_WRITE, .nr = 1,
	.mask = FAN_PRE_MODIFY,
};

FIXTURE_VARIANT_ADD(modify, both_read) {
	.mark_mask = PRE_BOTH, .op = OP_READ, .nr = 1, .mask = FAN_PRE_ACCESS,
};

FIXTURE_SETUP(modify)
{
	memset(&self->l, 0, sizeof(self->l));
	self->fan_fd = -1;
	if (env_setup(&self->env, "modify"))
		SKIP(return, "no ext4 on a loop device: %s", strerror(errno));
	snprintf(self->path, sizeof(self->path), "%s/file", self->env.mnt);
	ASSERT_EQ(0, make_file(self->path, FILE_SIZE, 1));
	PRE_CONTENT_GROUP(self->fan_fd);
	MARK_OR_SKIP(self->fan_fd, 0, variant->mark_mask, self->path);
	if (variant->series && !kernel_has_pre_modify(self->path))
		SKIP(return, NO_PRE_MODIFY);
	ASSERT_EQ(0, listener_start(&self->l, self->fan_fd, FAN_ALLOW));
}

FIXTURE_TEARDOWN(modify)
{
	listener_stop(&self->l);
	if (self->fan_fd >= 0)
		close(self->fan_fd);
	env_teardown(&self->env);
}

TEST_F(modify, mask)
{
	ASSERT_LE(0, do_op(variant->op, self->path, NULL, 4096, 4096));
	/* Give a wrongly raised event time to arrive. */
	usleep(FAN_TEST_QUIET_MS * 1000);
	listener_stop(&self->l);
	ASSERT_EQ(0, self->l.errors);
	ASSERT_EQ(variant->nr, self->l.nr);
	if (variant->nr)
		EXPECT_EQ(variant->mask, self->l.ev[0].mask);
}

/* ---------------------------------------------------------------- */
/* Mark types                                                        */

FIXTURE(marks) {
	struct ext4_env env;
	char sub[128];
	char path[160];		/* mnt/sub/file */
	char other[160];	/* mnt/other: outside sub */
	int fan_fd;
	struct listener l;
};

FIXTURE_VARIANT(marks) {
	unsigned int flags;
	int target;		/* 0: the file, 1: sub, 2: the mount point */
	__u64 mask;
	int nr_file;		/* events expected on mnt/sub/file */
	int nr_other;		/* and on mnt/other */
};

FIXTURE_VARIANT_ADD(marks, inode_file) {
	.flags = FAN_MARK_INODE, .target = 0, .mask = FAN_PRE_ACCESS,
	.nr_file = 1, .nr_other = 0,
};

FIXTURE_VARIANT_ADD(marks, dir_children) {
	.flags = FAN_MARK_INODE, .target = 1,
	.mask = FAN_PRE_ACCESS | FAN_EVENT_ON_CHILD, .nr_file = 1, .nr_other = 0,
};

FIXTURE_VARIANT_ADD(marks, dir_without_on_child) {
	.flags = FAN_MARK_INODE, .target = 1, .mask = FAN_PRE_ACCESS,
	.nr_file = 0, .nr_other = 0,
};

FIXTURE_VARIANT_ADD(marks, mount) {
	.flags = FAN_MARK_MOUNT, .target = 2, .mask = FAN_PRE_ACCESS,
	.nr_file = 1, .nr_other = 1,
};

FIXTURE_VARIANT_ADD(marks, filesystem) {
	.flags = FAN_MARK_FILESYSTEM, .target = 1, .mask = FAN_PRE_ACCESS,
	.nr_file = 1, .nr_other = 1,
};

FIXTURE_SETUP(marks)
{
	const char *target;

	memset(&self->l, 0, sizeof(self->l));
	self->fan_fd = -1;
	if (env_setup(&self->env, "marks"))
		SKIP(return, "no ext4 on a loop device: %s", strerror(errno));
	snprintf(self->sub, sizeof(self->sub), "%s/sub", self->env.mnt);
	snprintf(self->path, sizeof(self->path), "%s/file", self->sub);
	snprintf(self->other, sizeof(self->other), "%s/other", self->env.mnt);
	ASSERT_EQ(0, mkdir(self->sub, 0755));
	ASSERT_EQ(0, make_file(self->path, FILE_SIZE, 1));
	ASSERT_EQ(0, make_file(self->other, FILE_SIZE, 2));
	PRE_CONTENT_GROUP(self->fan_fd);
	target = variant->target == 0 ? self->path :
		 variant->target == 1 ? self->sub : self->env.mnt;
	MARK_OR_SKIP(self->fan_fd, variant->flags, variant->mask, target);
	ASSERT_EQ(0, listener_start(&self->l, self->fan_fd, FAN_ALLOW));
}

FIXTURE_TEARDOWN(marks)
{
	listener_stop(&self->l);
	if (self->fan_fd >= 0)
		close(self->fan_fd);
	env_teardown(&self->env);
}

TEST_F(marks, reach)
{
	ASSERT_LE(0, do_op(OP_PREAD, self->path, NULL, 0, 100));
	ASSERT_LE(0, do_op(OP_PREAD, self->other, NULL, 0, 100));
	usleep(FAN_TEST_QUIET_MS * 1000);
	listener_stop(&self->l);
	ASSERT_EQ(0, self->l.errors);
	EXPECT_EQ(variant->nr_file, events_on(&self->l, ino_of(self->path)));
	EXPECT_EQ(variant->nr_other, events_on(&self->l, ino_of(self->other)));
	EXPECT_EQ(variant->nr_file + variant->nr_other, self->l.nr);
}

/* ---------------------------------------------------------------- */
/* Deny errnos reach the accessing task                              */

FIXTURE(deny) {
	struct ext4_env env;
	char path[128];
	int fan_fd;
	bool pre_modify;
	struct listener l;
};

FIXTURE_VARIANT(deny) {
	__u32 response;
	int err;
};

FIXTURE_VARIANT_ADD(deny, plain) { .response = FAN_DENY, .err = EPERM };

FIXTURE_VARIANT_ADD(deny, eio) { .response = FAN_DENY_ERRNO(EIO), .err = EIO };

FIXTURE_VARIANT_ADD(deny, eperm) { .response = FAN_DENY_ERRNO(EPERM), .err = EPERM };

FIXTURE_VARIANT_ADD(deny, ebusy) { .response = FAN_DENY_ERRNO(EBUSY), .err = EBUSY };

FIXTURE_VARIANT_ADD(deny, etxtbsy) { .response = FAN_DENY_ERRNO(ETXTBSY), .err = ETXTBSY };

FIXTURE_VARIANT_ADD(deny, eagain) { .response = FAN_DENY_ERRNO(EAGAIN), .err = EAGAIN };

FIXTURE_VARIANT_ADD(deny, enospc) { .response = FAN_DENY_ERRNO(ENOSPC), .err = ENOSPC };

FIXTURE_VARIANT_ADD(deny, edquot) { .response = FAN_DENY_ERRNO(EDQUOT), .err = EDQUOT };

FIXTURE_SETUP(deny)
{
	memset(&self->l, 0, sizeof(self->l));
	self->fan_fd = -1;
	if (env_setup(&self->env, "deny"))
		SKIP(return, "no ext4 on a loop device: %s", strerror(errno));
	snprintf(self->path, sizeof(self->path), "%s/file", self->env.mnt);
	ASSERT_EQ(0, make_file(self->path, FILE_SIZE, 1));
	PRE_CONTENT_GROUP(self->fan_fd);
	MARK_OR_SKIP(self->fan_fd, 0, FAN_PRE_ACCESS, self->path);
	self->pre_modify = add_pre_modify(self->fan_fd, self->path);
	ASSERT_EQ(0, listener_start(&self->l, self->fan_fd, variant->response));
}

FIXTURE_TEARDOWN(deny)
{
	listener_stop(&self->l);
	if (self->fan_fd >= 0)
		close(self->fan_fd);
	env_teardown(&self->env);
}

TEST_F(deny, reaches_reader)
{
	static const enum op ops[] = {
		OP_PREAD, OP_PWRITE, OP_URING_READ, OP_MMAP_READ, OP_TRUNCATE,
		OP_OPEN_TRUNC,
	};
	struct stat st;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		long ret;

		/* Mainline raises no pre-content event on open(O_TRUNC) */
		if (ops[i] == OP_OPEN_TRUNC && !self->pre_modify)
			continue;
		ret = do_op(ops[i], self->path, NULL, 0, 4096);
		if (ret == -2)
			continue;
		EXPECT_EQ(-1, ret) {
			TH_LOG("op %d was not denied", ops[i]);
		}
		EXPECT_EQ(variant->err, errno) {
			TH_LOG("op %d: %s", ops[i], strerror(errno));
		}
	}
	listener_stop(&self->l);
	EXPECT_EQ(0, self->l.errors);
	/* Denied truncates, open(O_TRUNC) included, changed nothing */
	EXPECT_EQ(0, stat(self->path, &st));
	EXPECT_EQ(FILE_SIZE, st.st_size);
}

/* A child that preads @path; its errno (0: success) comes back on a pipe. */
static pid_t spawn_pread(const char *path, int *rfd)
{
	int pfd[2];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		char buf[16];
		int fd = open(path, O_RDONLY), err = 0;

		if (fd < 0 || pread(fd, buf, sizeof(buf), 0) < 0)
			err = errno;
		_exit(write(pfd[1], &err, sizeof(err)) == sizeof(err) ? 0 : 1);
	}
	close(pfd[1]);
	*rfd = pfd[0];
	return pid;
}

static int child_errno(int rfd)
{
	int err;

	if (fan_wait_readable(rfd, FAN_TEST_EVENT_MS) != 1)
		return -1;
	return read(rfd, &err, sizeof(err)) == sizeof(err) ? err : -1;
}

FIXTURE(response) {
	struct ext4_env env;
	char path[128];
	int fan_fd;
};

FIXTURE_VARIANT(response) {
	unsigned int class;
	__u64 mask;
	__u32 bad;		/* rejected with EINVAL, event stays pending */
	__u32 good;		/* then this answer is accepted */
	int err;		/* what the reader sees */
};

FIXTURE_VARIANT_ADD(response, errno_not_allowed) {
	.class = FAN_CLASS_PRE_CONTENT, .mask = FAN_PRE_ACCESS,
	.bad = FAN_DENY_ERRNO(ENOENT), .good = FAN_DENY_ERRNO(EIO), .err = EIO,
};

FIXTURE_VARIANT_ADD(response, errno_with_allow) {
	.class = FAN_CLASS_PRE_CONTENT, .mask = FAN_PRE_ACCESS,
	.bad = FAN_ALLOW | (EIO << 24), .good = FAN_ALLOW, .err = 0,
};

FIXTURE_VARIANT_ADD(response, errno_from_content_class) {
	.class = FAN_CLASS_CONTENT, .mask = FAN_ACCESS_PERM,
	.bad = FAN_DENY_ERRNO(EIO), .good = FAN_DENY, .err = EPERM,
};

FIXTURE_VARIANT_ADD(response, errno_on_open_perm) {
	.class = FAN_CLASS_PRE_CONTENT, .mask = FAN_OPEN_PERM,
	.bad = FAN_DENY_ERRNO(EINVAL), .good = FAN_DENY_ERRNO(EBUSY), .err = EBUSY,
};

FIXTURE_SETUP(response)
{
	self->fan_fd = -1;
	if (env_setup(&self->env, "resp"))
		SKIP(return, "no ext4 on a loop device: %s", strerror(errno));
	snprintf(self->path, sizeof(self->path), "%s/file", self->env.mnt);
	ASSERT_EQ(0, make_file(self->path, FILE_SIZE, 1));
	self->fan_fd = fanotify_init(variant->class | FAN_CLOEXEC, O_RDONLY);
	ASSERT_LE(0, self->fan_fd);
	MARK_OR_SKIP(self->fan_fd, 0, variant->mask, self->path);
}

FIXTURE_TEARDOWN(response)
{
	if (self->fan_fd >= 0)
		close(self->fan_fd);
	env_teardown(&self->env);
}

TEST_F(response, validated)
{
	__u64 buf[FAN_TEST_BUF_LEN / 8];
	struct fanotify_event_metadata *ev;
	int rfd, status;
	pid_t pid;

	pid = spawn_pread(self->path, &rfd);
	ASSERT_LT(0, pid);
	ev = fan_read_event(self->fan_fd, buf, sizeof(buf), FAN_TEST_EVENT_MS);
	ASSERT_NE(NULL, ev) {
		kill(pid, SIGKILL);
		TH_LOG("no event: %s", strerror(errno));
	}
	ASSERT_EQ(variant->mask, ev->mask);
	EXPECT_EQ(-1, fan_respond(self->fan_fd, ev->fd, variant->bad));
	EXPECT_EQ(EINVAL, errno);
	/* The reader still waits for an answer. */
	EXPECT_EQ(0, fan_wait_readable(rfd, FAN_TEST_QUIET_MS));
	ASSERT_EQ(0, fan_respond(self->fan_fd, ev->fd, variant->good));
	close(ev->fd);
	EXPECT_EQ(variant->err, child_errno(rfd));
	close(rfd);
	status = fan_wait_child(pid, FAN_TEST_EVENT_MS);
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
}

/* ---------------------------------------------------------------- */
/* Group and mark rules                                               */

FIXTURE(rules) {
	struct ext4_env env;
	char path[128];
	char fifo[128];
	char link[128];
	char tmpfs[128];
	bool tmpfs_mounted;
};

FIXTURE_SETUP(rules)
{
	if (env_setup(&self->env, "rules"))
		SKIP(return, "no ext4 on a loop device: %s", strerror(errno));
	snprintf(self->path, sizeof(self->path), "%s/file", self->env.mnt);
	snprintf(self->fifo, sizeof(self->fifo), "%s/fifo", self->env.mnt);
	snprintf(self->link, sizeof(self->link), "%s/link", self->env.mnt);
	snprintf(self->tmpfs, sizeof(self->tmpfs), "%s/tmpfs", self->env.dir);
	ASSERT_EQ(0, make_file(self->path, FILE_SIZE, 1));
	ASSERT_EQ(0, mkfifo(self->fifo, 0644));
	ASSERT_EQ(0, symlink("file", self->link));
	ASSERT_EQ(0, mkdir(self->tmpfs, 0755));
	ASSERT_EQ(0, mount("tmpfs", self->tmpfs, "tmpfs", 0, NULL));
	self->tmpfs_mounted = true;
}

FIXTURE_TEARDOWN(rules)
{
	if (self->tmpfs_mounted)
		umount(self->tmpfs);
	env_teardown(&self->env);
}

/* Number of marks of the group behind @fan_fd, from fdinfo. */
static int count_marks(int fan_fd)
{
	char path[64], line[512];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fan_fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	/* One line per mark: "fanotify ino:", "fanotify mnt_id:", "fanotify sdev:" */
	while (fgets(line, sizeof(line), f))
		n += !strncmp(line, "fanotify ino:", 13) ||
		     !strncmp(line, "fanotify mnt_id:", 16) ||
		     !strncmp(line, "fanotify sdev:", 14);
	fclose(f);
	return n;
}

static int try_mark(int fd, unsigned int flags, __u64 mask, const char *path)
{
	return fanotify_mark(fd, FAN_MARK_ADD | flags, mask, AT_FDCWD, path) ?
		errno : 0;
}

TEST_F(rules, group_class)
{
	int notif, content, pre;

	notif = fanotify_init(FAN_CLASS_NOTIF, O_RDONLY);
	content = fanotify_init(FAN_CLASS_CONTENT, O_RDONLY);
	pre = fanotify_init(FAN_CLASS_PRE_CONTENT, O_RDONLY);
	ASSERT_LE(0, notif);
	ASSERT_LE(0, content);
	ASSERT_LE(0, pre);
	if (try_mark(pre, 0, FAN_PRE_ACCESS, self->path) == EINVAL)
		SKIP(return, "kernel has no pre-content events");
	EXPECT_EQ(EINVAL, try_mark(notif, 0, FAN_PRE_ACCESS, self->path));
	EXPECT_EQ(EINVAL, try_mark(content, 0, FAN_PRE_ACCESS, self->path));
	/* No partial state from the refused marks */
	EXPECT_EQ(0, count_marks(notif));
	EXPECT_EQ(0, count_marks(content));
	EXPECT_EQ(1, count_marks(pre));
	/* Permission classes cannot report fids, so events carry an fd */
	EXPECT_EQ(-1, fanotify_init(FAN_CLASS_PRE_CONTENT | FAN_REPORT_FID,
				    O_RDONLY));
	EXPECT_EQ(EINVAL, errno);
	close(notif);
	close(content);
	close(pre);
}

/* FAN_PRE_MODIFY has the group rules of FAN_PRE_ACCESS */
TEST_F(rules, pre_modify_class)
{
	int notif, content, pre;

	notif = fanotify_init(FAN_CLASS_NOTIF, O_RDONLY);
	content = fanotify_init(FAN_CLASS_CONTENT, O_RDONLY);
	pre = fanotify_init(FAN_CLASS_PRE_CONTENT, O_RDONLY);
	ASSERT_LE(0, notif);
	ASSERT_LE(0, content);
	ASSERT_LE(0, pre);
	if (try_mark(pre, 0, FAN_PRE_MODIFY, self->path) == EINVAL)
		SKIP(return, NO_PRE_MODIFY);
	EXPECT_EQ(EINVAL, try_mark(notif, 0, FAN_PRE_MODIFY, self->path));
	EXPECT_EQ(EINVAL, try_mark(content, 0, FAN_PRE_MODIFY, self->path));
	EXPECT_EQ(EINVAL, try_mark(content, 0, FAN_PRE_ACCESS | FAN_PRE_MODIFY,
				   self->path));
	EXPECT_EQ(0, count_marks(notif));
	EXPECT_EQ(0, count_marks(content));
	EXPECT_EQ(1, count_marks(pre));
	close(notif);
	close(content);
	close(pre);
}

TEST_F(rules, targets)
{
	int pre = fanotify_init(FAN_CLASS_PRE_CONTENT, O_RDONLY);

	ASSERT_LE(0, pre);
	if (try_mark(pre, 0, FAN_PRE_ACCESS, self->path) == EINVAL)
		SKIP(return, "kernel has no pre-content events");
	/* A filesystem that has not opted in */
	EXPECT_EQ(EOPNOTSUPP, try_mark(pre, 0, FAN_PRE_ACCESS, self->tmpfs));
	EXPECT_EQ(EOPNOTSUPP, try_mark(pre, FAN_MARK_FILESYSTEM,
				       FAN_PRE_ACCESS, self->tmpfs));
	/* ... but other permission events are fine there */
	EXPECT_EQ(0, try_mark(pre, 0, FAN_OPEN_PERM, self->tmpfs));
	/* Neither a regular file nor a directory */
	EXPECT_EQ(EINVAL, try_mark(pre, 0, FAN_PRE_ACCESS, self->fifo));
	EXPECT_EQ(EINVAL, try_mark(pre, FAN_MARK_DONT_FOLLOW, FAN_PRE_ACCESS,
				   self->link));
	/* A symlink that is followed marks its regular file target */
	EXPECT_EQ(0, try_mark(pre, 0, FAN_PRE_ACCESS, self->link));
	/* No pre-content events on directories */
	EXPECT_EQ(EINVAL, try_mark(pre, 0, FAN_PRE_ACCESS | FAN_ONDIR,
				   self->env.mnt));
	EXPECT_EQ(EINVAL, try_mark(pre, FAN_MARK_MOUNT,
				   FAN_PRE_ACCESS | FAN_ONDIR, self->env.mnt));
	EXPECT_EQ(0, try_mark(pre, 0, FAN_OPEN_PERM | FAN_ONDIR,
			      self->env.mnt));
	EXPECT_EQ(EEXIST, try_mark(pre, 0, FAN_PRE_ACCESS, self->env.mnt));
	/* The file (twice through the link), the tmpfs and the ext4 root */
	EXPECT_EQ(3, count_marks(pre));
	close(pre);
}

TEST_F(rules, merge_ondir)
{
	int pre = fanotify_init(FAN_CLASS_PRE_CONTENT, O_RDONLY);

	ASSERT_LE(0, pre);
	if (try_mark(pre, 0, FAN_PRE_ACCESS, self->env.mnt) == EINVAL)
		SKIP(return, "kernel has no pre-content events");
	EXPECT_EQ(EEXIST, try_mark(pre, 0, FAN_OPEN_PERM | FAN_ONDIR,
				   self->env.mnt));
	close(pre);
}

TEST(unprivileged)
{
	int fd, status;
	pid_t pid;

	fd = fanotify_init(FAN_CLASS_PRE_CONTENT, O_RDONLY);
	if (fd < 0)
		SKIP(return, "not privileged to begin with: %s", strerror(errno));
	close(fd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (fan_drop_cap_sys_admin())
			_exit(2);
		fd = fanotify_init(FAN_CLASS_PRE_CONTENT, O_RDONLY);
		_exit(fd < 0 && errno == EPERM ? 0 : 1);
	}
	status = fan_wait_child(pid, FAN_TEST_EVENT_MS);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* ---------------------------------------------------------------- */
/* The open-time decision                                             */

FIXTURE(opentime) {
	struct ext4_env env;
	char path[128];
	char other[128];
	int fan_fd;
	struct listener l;
};

FIXTURE_SETUP(opentime)
{
	memset(&self->l, 0, sizeof(self->l));
	self->fan_fd = -1;
	if (env_setup(&self->env, "open"))
		SKIP(return, "no ext4 on a loop device: %s", strerror(errno));
	snprintf(self->path, sizeof(self->path), "%s/file", self->env.mnt);
	snprintf(self->other, sizeof(self->other), "%s/other", self->env.mnt);
	ASSERT_EQ(0, make_file(self->path, FILE_SIZE, 1));
	ASSERT_EQ(0, make_file(self->other, FILE_SIZE, 2));
	PRE_CONTENT_GROUP(self->fan_fd);
	ASSERT_EQ(0, listener_start(&self->l, self->fan_fd, FAN_ALLOW));
}

FIXTURE_TEARDOWN(opentime)
{
	listener_stop(&self->l);
	if (self->fan_fd >= 0)
		close(self->fan_fd);
	env_teardown(&self->env);
}

/* A file opened before the mark was added raises no pre-content events. */
TEST_F(opentime, opened_before_mark)
{
	char buf[16];
	int early, late;

	early = open(self->path, O_RDONLY);
	ASSERT_LE(0, early);
	MARK_OR_SKIP(self->fan_fd, FAN_MARK_MOUNT, FAN_PRE_ACCESS, self->env.mnt);
	late = open(self->path, O_RDONLY);
	ASSERT_LE(0, late);
	ASSERT_EQ(sizeof(buf), pread(early, buf, sizeof(buf), 0));
	usleep(FAN_TEST_QUIET_MS * 1000);
	EXPECT_EQ(0, self->l.nr);
	ASSERT_EQ(sizeof(buf), pread(late, buf, sizeof(buf), 0));
	listener_stop(&self->l);
	EXPECT_EQ(1, self->l.nr);
	close(early);
	close(late);
}

/*
 * An HSM that filled a file puts an ignore mark on it: later opens raise
 * no events, other files still do, and files open already keep raising.
 */
TEST_F(opentime, ignore_mark)
{
	char buf[16];
	int early, late;

	MARK_OR_SKIP(self->fan_fd, FAN_MARK_MOUNT, FAN_PRE_ACCESS, self->env.mnt);
	early = open(self->path, O_RDONLY);
	ASSERT_LE(0, early);
	MARK_OR_SKIP(self->fan_fd, FAN_MARK_IGNORE_SURV, FAN_PRE_ACCESS,
		     self->path);
	late = open(self->path, O_RDWR);
	ASSERT_LE(0, late);
	ASSERT_EQ(sizeof(buf), pread(late, buf, sizeof(buf), 0));
	ASSERT_EQ(sizeof(buf), pwrite(late, buf, sizeof(buf), 0));
	usleep(FAN_TEST_QUIET_MS * 1000);
	EXPECT_EQ(0, self->l.nr);
	ASSERT_LE(0, do_op(OP_PREAD, self->other, NULL, 0, 16));
	usleep(FAN_TEST_QUIET_MS * 1000);
	EXPECT_EQ(1, self->l.nr);
	EXPECT_EQ(ino_of(self->other), self->l.ev[0].ino);
	/*
	 * The early fd was opened with events on and keeps them: the event
	 * is raised and then ignored for this file.
	 */
	ASSERT_EQ(sizeof(buf), pread(early, buf, sizeof(buf), 0));
	listener_stop(&self->l);
	EXPECT_EQ(1, self->l.nr);
	close(early);
	close(late);
}

/*
 * Eviction: when the HSM removes the ignore mark of a file it had filled
 * (and punches its content out), every fd of the file raises events
 * again, those opened while the file was ignored included.
 */
TEST_F(opentime, eviction)
{
	char buf[16];
	int fd;

	MARK_OR_SKIP(self->fan_fd, FAN_MARK_MOUNT, FAN_PRE_ACCESS, self->env.mnt);
	MARK_OR_SKIP(self->fan_fd, FAN_MARK_IGNORE_SURV, FAN_PRE_ACCESS,
		     self->path);
	fd = open(self->path, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(sizeof(buf), pread(fd, buf, sizeof(buf), 0));
	usleep(FAN_TEST_QUIET_MS * 1000);
	EXPECT_EQ(0, self->l.nr);
	ASSERT_EQ(0, fanotify_mark(self->fan_fd,
				   FAN_MARK_REMOVE | FAN_MARK_IGNORE,
				   FAN_PRE_ACCESS, AT_FDCWD, self->path));
	ASSERT_EQ(sizeof(buf), pread(fd, buf, sizeof(buf), 8192));
	listener_stop(&self->l);
	ASSERT_EQ(1, self->l.nr) {
		TH_LOG("fd opened while ignored: silent after eviction");
	}
	EXPECT_EQ(ino_of(self->path), self->l.ev[0].ino);
	EXPECT_EQ(FAN_PRE_ACCESS, self->l.ev[0].mask);
	EXPECT_EQ(8192, self->l.ev[0].offset);
	EXPECT_EQ(PG, self->l.ev[0].count);
	close(fd);
}

/* The HSM's own reads and writes through event->fd raise no events. */
TEST_F(opentime, event_fd_is_silent)
{
	__u64 buf[FAN_TEST_BUF_LEN / 8];
	struct fanotify_event_metadata *ev;
	char data[64];
	int rfd, status;
	pid_t pid;

	listener_stop(&self->l);
	MARK_OR_SKIP(self->fan_fd, 0, FAN_PRE_ACCESS, self->path);
	pid = spawn_pread(self->path, &rfd);
	ASSERT_LT(0, pid);
	ev = fan_read_event(self->fan_fd, buf, sizeof(buf), FAN_TEST_EVENT_MS);
	ASSERT_NE(NULL, ev);
	ASSERT_EQ(sizeof(data), pread(ev->fd, data, sizeof(data), 0));
	ASSERT_EQ(sizeof(data), pwrite(ev->fd, data, sizeof(data), 0));
	ASSERT_EQ(0, ftruncate(ev->fd, FILE_SIZE));
	EXPECT_EQ(NULL, fan_read_event(self->fan_fd, buf + 128, 1024,
				       FAN_TEST_QUIET_MS));
	ASSERT_EQ(0, fan_respond(self->fan_fd, ev->fd, FAN_ALLOW));
	close(ev->fd);
	EXPECT_EQ(0, child_errno(rfd));
	close(rfd);
	status = fan_wait_child(pid, FAN_TEST_EVENT_MS);
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
}

/* ---------------------------------------------------------------- */
/* An HSM filling stubs                                               */

#define STUB_SIZE	(2 << 20)
#define STUB_CHUNK	(256 << 10)

FIXTURE(hsm) {
	struct ext4_env env;
	char remote[128];
	char stub[128];
	int fan_fd;
	struct listener l;
	unsigned char have[STUB_SIZE / PG + 1];
};

static int make_stub(const char *remote, const char *stub, mode_t mode)
{
	struct stat st;
	int fd;

	if (stat(remote, &st))
		return -1;
	fd = open(stub, O_CREAT | O_WRONLY | O_TRUNC, mode);
	if (fd < 0)
		return -1;
	if (ftruncate(fd, st.st_size)) {
		close(fd);
		return -1;
	}
	return close(fd);
}

FIXTURE_SETUP(hsm)
{
	memset(&self->l, 0, sizeof(self->l));
	self->fan_fd = -1;
	if (env_setup(&self->env, "hsm"))
		SKIP(return, "no ext4 on a loop device: %s", strerror(errno));
	snprintf(self->remote, sizeof(self->remote), "%s/remote", self->env.dir);
	snprintf(self->stub, sizeof(self->stub), "%s/stub", self->env.mnt);
	self->l.src_fd = -1;
	PRE_CONTENT_GROUP(self->fan_fd);
	self->l.have = self->have;
	self->l.chunk = STUB_CHUNK;
}

FIXTURE_TEARDOWN(hsm)
{
	listener_stop(&self->l);
	if (self->l.src_fd >= 0)
		close(self->l.src_fd);
	if (self->fan_fd >= 0)
		close(self->fan_fd);
	env_teardown(&self->env);
}

/*
 * Make the stub of the remote and start filling it.  Returns 0, 1 when the
 * kernel has no pre-content events, or -1 with errno set.
 */
static int start_hsm(struct listener *l, int fan_fd, const char *remote,
		     const char *stub, mode_t mode)
{
	if (make_stub(remote, stub, mode))
		return -1;
	l->src_fd = open(remote, O_RDONLY);
	if (l->src_fd < 0)
		return -1;
	/* Without FAN_PRE_MODIFY (mainline) writes report FAN_PRE_ACCESS */
	if (fanotify_mark(fan_fd, FAN_MARK_ADD, PRE_BOTH, AT_FDCWD, stub) &&
	    fanotify_mark(fan_fd, FAN_MARK_ADD, FAN_PRE_ACCESS, AT_FDCWD, stub))
		return errno == EINVAL ? 1 : -1;
	return listener_start(l, fan_fd, FAN_ALLOW);
}

#define START_HSM(mode) do {						\
	int __ret = start_hsm(&self->l, self->fan_fd, self->remote,	\
			      self->stub, mode);			\
	if (__ret == 1)							\
		SKIP(return, "kernel has no pre-content events");	\
	ASSERT_EQ(0, __ret) {						\
		TH_LOG("cannot start the HSM: %s", strerror(errno));	\
	}								\
} while (0)

/* Several readers in different orders must all read the remote's bytes. */
TEST_F_TIMEOUT(hsm, concurrent_readers, 120)
{
	pid_t pids[4];
	int i, status;

	ASSERT_EQ(0, make_file(self->remote, STUB_SIZE, 7));
	START_HSM(0644);

	for (i = 0; i < 4; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			static char a[65536], b[65536];
			int fd = open(self->stub, O_RDONLY);
			int src = open(self->remote, O_RDONLY);
			unsigned int seed = i + 1;
			int n;

			if (fd < 0 || src < 0)
				_exit(2);
			for (n = 0; n < 64; n++) {
				size_t len = 1 + rand_r(&seed) % sizeof(a);
				off_t off = rand_r(&seed) % STUB_SIZE;
				ssize_t got = pread(fd, a, len, off);

				if (got < 0 || pread(src, b, len, off) != got ||
				    memcmp(a, b, got))
					_exit(1);
			}
			_exit(0);
		}
	}
	for (i = 0; i < 4; i++) {
		status = fan_wait_child(pids[i], 30000);
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status)) {
			TH_LOG("reader %d saw wrong content (status 0x%x)", i,
			       status);
		}
	}
	listener_stop(&self->l);
	EXPECT_EQ(0, self->l.errors);
	EXPECT_LT(0, self->l.nr);
	/* Each chunk that was needed was fetched exactly once */
	for (i = 0, status = 0; i < STUB_SIZE / STUB_CHUNK; i++)
		status += self->have[i];
	EXPECT_LT(0, status);
	EXPECT_EQ((long)status * STUB_CHUNK, self->l.bytes_filled);
}

/* A mapping of the stub reads the remote's content. */
TEST_F(hsm, mmap_content)
{
	char *map, *src;
	int fd, sfd;

	ASSERT_EQ(0, make_file(self->remote, STUB_SIZE, 9));
	START_HSM(0644);
	fd = open(self->stub, O_RDONLY);
	sfd = open(self->remote, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, sfd);
	map = mmap(NULL, STUB_SIZE - STUB_CHUNK, PROT_READ, MAP_SHARED, fd,
		   STUB_CHUNK);
	ASSERT_NE(MAP_FAILED, map);
	src = mmap(NULL, STUB_SIZE - STUB_CHUNK, PROT_READ, MAP_SHARED, sfd,
		   STUB_CHUNK);
	ASSERT_NE(MAP_FAILED, src);
	EXPECT_EQ(0, memcmp(map, src, STUB_SIZE - STUB_CHUNK));
	munmap(map, STUB_SIZE - STUB_CHUNK);
	munmap(src, STUB_SIZE - STUB_CHUNK);
	close(fd);
	close(sfd);
	listener_stop(&self->l);
	EXPECT_EQ(0, self->l.errors);
	ASSERT_LE(1, self->l.nr);
	/* The mapping at offset STUB_CHUNK did not need the first chunk */
	EXPECT_EQ(0, self->have[0]);
	EXPECT_EQ(STUB_SIZE - STUB_CHUNK, self->l.bytes_filled);
}

/*
 * Faults raise no events: mmap filled the mapping up front.  A write()
 * whose buffer maps the stub faults it in with the freeze protection of
 * the target filesystem held (chain 2 of the freeze deadlocks): no event,
 * and so no HSM, may be involved there.
 */
TEST_F(hsm, no_events_from_faults)
{
	char out[160], *map, *src;
	int fd, sfd, ofd, before;

	ASSERT_EQ(0, make_file(self->remote, STUB_SIZE, 11));
	START_HSM(0644);
	fd = open(self->stub, O_RDONLY);
	sfd = open(self->remote, O_RDONLY);
	snprintf(out, sizeof(out), "%s/out", self->env.mnt);
	ofd = open(out, O_CREAT | O_RDWR | O_TRUNC, 0644);
	ASSERT_LE(0, fd);
	ASSERT_LE(0, sfd);
	ASSERT_LE(0, ofd);
	/* The first mapping fills the stub, then its page cache is dropped */
	map = mmap(NULL, STUB_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	munmap(map, STUB_SIZE);
	sync();
	if (fan_write_file("/proc/sys/vm/drop_caches", "1"))
		TH_LOG("cannot drop caches: the faults may hit the page cache");
	/* The second one is already complete; the write faults it in */
	map = mmap(NULL, STUB_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	pthread_mutex_lock(&self->l.lock);
	before = self->l.nr;
	pthread_mutex_unlock(&self->l.lock);
	EXPECT_EQ(2, before);
	EXPECT_EQ(STUB_SIZE, self->l.bytes_filled);
	ASSERT_EQ(STUB_SIZE, write(ofd, map, STUB_SIZE));
	pthread_mutex_lock(&self->l.lock);
	EXPECT_EQ(before, self->l.nr);
	pthread_mutex_unlock(&self->l.lock);
	src = mmap(NULL, STUB_SIZE, PROT_READ, MAP_SHARED, sfd, 0);
	ASSERT_NE(MAP_FAILED, src);
	munmap(map, STUB_SIZE);
	map = mmap(NULL, STUB_SIZE, PROT_READ, MAP_SHARED, ofd, 0);
	ASSERT_NE(MAP_FAILED, map);
	EXPECT_EQ(0, memcmp(map, src, STUB_SIZE));
	munmap(map, STUB_SIZE);
	munmap(src, STUB_SIZE);
	close(ofd);
	close(sfd);
	close(fd);
	listener_stop(&self->l);
	EXPECT_EQ(0, self->l.errors);
}

static int run_exec(const char *path)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execl(path, path, (char *)NULL);
		_exit(100 + errno);
	}
	status = fan_wait_child(pid, 30000);
	return status < 0 ? -1 : status;
}

/*
 * Exec of a stub binary: the loader's reads and mmaps fill it in.  The
 * HSM may hold the stub open for write meanwhile; exec must not fail with
 * ETXTBSY for a file with a pre-content watch, while it still does for an
 * unwatched file.
 */
TEST_F_TIMEOUT(hsm, exec_stub, 90)
{
	char cmd[512], copy[160];
	int wfd, cfd, status;

	if (access("/usr/bin/true", X_OK))
		SKIP(return, "no /usr/bin/true to serve as the remote binary");
	snprintf(cmd, sizeof(cmd), "cp /usr/bin/true %s", self->remote);
	ASSERT_EQ(0, system(cmd));
	START_HSM(0755);

	wfd = open(self->stub, O_RDWR);
	ASSERT_LE(0, wfd);
	status = run_exec(self->stub);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("exec of the stub: status 0x%x (100 + errno %d)", status,
		       WIFEXITED(status) ? WEXITSTATUS(status) - 100 : -1);
	}
	close(wfd);

	/* Negative control: an unwatched binary open for write */
	snprintf(copy, sizeof(copy), "%s/copy", self->env.dir);
	snprintf(cmd, sizeof(cmd), "cp %s %s", self->remote, copy);
	ASSERT_EQ(0, system(cmd));
	cfd = open(copy, O_RDWR);
	ASSERT_LE(0, cfd);
	status = run_exec(copy);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 100 + ETXTBSY);
	close(cfd);

	listener_stop(&self->l);
	EXPECT_EQ(0, self->l.errors);
	EXPECT_LE(1, self->l.nr);
}

/*
 * An HSM's stub as the lower file of an overlay on the same ext4.  Reads
 * through the overlay read the lower file, and copy-up (open for write,
 * truncate) reads it before it writes the upper file: all of them must see
 * the remote's bytes.  truncate(2) copies up with write access to the
 * overlay held, which a freeze cannot wait for (an overlay cannot be
 * frozen): a lockdep kernel must not warn about it.
 *
 * The events are raised on overlayfs's private read-only clone of the lower
 * mount, where the group cannot open its event fds for writing: the group
 * opens them O_RDONLY and the HSM fills through an fd of its own, opened
 * before the mark and so without pre-content events.
 */
#define OVL_SIZE	(256 << 10)
#define OVL_CHUNK	(64 << 10)

FIXTURE(overlay) {
	struct ext4_env env;
	char remote[128];
	char stub[160];		/* lower/file */
	char upper[160];	/* upper/file */
	char merged[160];	/* the overlay's mount point */
	char file[192];		/* merged/file */
	int fan_fd;
	bool mounted;
	struct listener l;
	unsigned char have[OVL_SIZE / OVL_CHUNK + 1];
};

FIXTURE_SETUP(overlay)
{
	char dir[160], opts[512];
	const char *const dirs[] = { "lower", "upper", "work", "merged" };
	unsigned int i;

	memset(&self->l, 0, sizeof(self->l));
	self->l.src_fd = -1;
	self->fan_fd = -1;
	if (env_setup(&self->env, "overlay"))
		SKIP(return, "no ext4 on a loop device: %s", strerror(errno));
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		snprintf(dir, sizeof(dir), "%s/%s", self->env.mnt, dirs[i]);
		ASSERT_EQ(0, mkdir(dir, 0755));
	}
	snprintf(self->remote, sizeof(self->remote), "%s/remote", self->env.dir);
	snprintf(self->stub, sizeof(self->stub), "%s/lower/file", self->env.mnt);
	snprintf(self->upper, sizeof(self->upper), "%s/upper/file", self->env.mnt);
	snprintf(self->merged, sizeof(self->merged), "%s/merged", self->env.mnt);
	snprintf(self->file, sizeof(self->file), "%s/file", self->merged);
	ASSERT_EQ(0, make_file(self->remote, OVL_SIZE, 13));
	ASSERT_EQ(0, make_stub(self->remote, self->stub, 0644));

	snprintf(opts, sizeof(opts),
		 "lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/work",
		 self->env.mnt, self->env.mnt, self->env.mnt);
	if (mount("overlay", self->merged, "overlay", 0, opts)) {
		if (errno == ENODEV)
			SKIP(return, "no overlayfs (mount: ENODEV, CONFIG_OVERLAY_FS)");
		ASSERT_EQ(0, errno) {
			TH_LOG("mount -t overlay -o %s: %s", opts, strerror(errno));
		}
	}
	self->mounted = true;

	/* Skips without fanotify; then the group that opens fds O_RDONLY */
	PRE_CONTENT_GROUP(self->fan_fd);
	close(self->fan_fd);
	self->fan_fd = fanotify_init(FAN_CLASS_PRE_CONTENT | FAN_CLOEXEC,
				     O_RDONLY | O_LARGEFILE);
	ASSERT_LE(0, self->fan_fd);
	self->l.src_fd = open(self->remote, O_RDONLY);
	ASSERT_LE(0, self->l.src_fd);
	self->l.fill_fd = open(self->stub, O_WRONLY);
	ASSERT_LT(0, self->l.fill_fd);
	self->l.have = self->have;
	self->l.chunk = OVL_CHUNK;
	MARK_OR_SKIP(self->fan_fd, 0, FAN_PRE_ACCESS, self->stub);
	/* Without FAN_PRE_MODIFY (mainline) nothing modifies the stub */
	add_pre_modify(self->fan_fd, self->stub);
	ASSERT_EQ(0, listener_start(&self->l, self->fan_fd, FAN_ALLOW));
}

FIXTURE_TEARDOWN(overlay)
{
	listener_stop(&self->l);
	if (self->l.src_fd >= 0)
		close(self->l.src_fd);
	if (self->l.fill_fd > 0)
		close(self->l.fill_fd);
	if (self->fan_fd >= 0)
		close(self->fan_fd);
	if (self->mounted && umount2(self->merged, MNT_DETACH))
		TH_LOG("umount %s: %s", self->merged, strerror(errno));
	env_teardown(&self->env);
}

/* The first @len bytes of @path are those of the remote; returns 0 if so. */
static int same_as_remote(const char *path, size_t len)
{
	static char a[OVL_SIZE], b[OVL_SIZE];
	struct stat st;
	int ret = -1;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	fill_pattern(b, OVL_SIZE, 13);
	if (!fstat(fd, &st) && st.st_size == (off_t)len &&
	    pread(fd, a, len, 0) == (ssize_t)len && !memcmp(a, b, len))
		ret = 0;
	close(fd);
	return ret;
}

/* A read through the overlay reads the lower file, filled on access. */
TEST_F(overlay, read)
{
	ASSERT_EQ(0, same_as_remote(self->file, OVL_SIZE));
	listener_stop(&self->l);
	EXPECT_EQ(0, self->l.errors);
	EXPECT_LT(0, events_on(&self->l, ino_of(self->stub)));
	EXPECT_EQ(OVL_SIZE, self->l.bytes_filled);
	/* Nothing was copied up */
	EXPECT_EQ(-1, access(self->upper, F_OK));
}

/* open(O_WRONLY) copies up the whole lower file: the remote's bytes. */
TEST_F(overlay, copy_up_open)
{
	int fd;

	fd = open(self->file, O_WRONLY);
	ASSERT_LE(0, fd) {
		TH_LOG("open(O_WRONLY) through the overlay: %s", strerror(errno));
	}
	close(fd);
	EXPECT_EQ(0, same_as_remote(self->upper, OVL_SIZE));
	/* The lower file was filled, not changed (its reads raise events) */
	EXPECT_EQ(0, same_as_remote(self->stub, OVL_SIZE));
	listener_stop(&self->l);
	EXPECT_EQ(0, self->l.errors);
	EXPECT_LT(0, events_on(&self->l, ino_of(self->stub)));
}

/*
 * truncate(2) to a smaller, unaligned size copies up under the overlay's
 * write access and keeps the remote's bytes below the new size.
 */
TEST_F(overlay, copy_up_truncate)
{
	const off_t size = OVL_SIZE / 2 + 123;

	ASSERT_EQ(0, truncate(self->file, size)) {
		TH_LOG("truncate through the overlay: %s", strerror(errno));
	}
	listener_stop(&self->l);
	EXPECT_EQ(0, self->l.errors);
	EXPECT_LT(0, events_on(&self->l, ino_of(self->stub)));
	EXPECT_EQ(0, same_as_remote(self->upper, size));
	EXPECT_EQ(0, same_as_remote(self->file, size));
}

TEST_HARNESS_MAIN
