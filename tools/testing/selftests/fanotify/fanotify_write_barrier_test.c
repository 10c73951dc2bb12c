// SPDX-License-Identifier: GPL-2.0
/*
 * FAN_IOC_WRITE_BARRIER: wait until every modification that a listener
 * allowed in answer to a pre-modify event, before the call, is done,
 * without blocking a new one.
 *
 * A modification is held in a known state in two ways: its user buffer
 * is a userfaultfd page that is not there yet (the write is in the middle
 * of copying), or its filesystem is frozen after the answer (it waits for
 * write access, between the answer and the change).  The barrier must wait
 * in both, return once the write is let go, let a new write through while
 * it waits, and die with its caller when killed.  The operations covered
 * are write, pwrite, ftruncate, fallocate, copy_file_range, aio and
 * io_uring (the last two complete in another context than their event).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <linux/aio_abi.h>
#include <linux/fs.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#ifdef HAVE_LIBURING
#include <liburing.h>
#endif

#include "../kselftest_harness.h"
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

#define NO_BARRIER	"kernel has no FAN_IOC_WRITE_BARRIER (ioctl: ENOTTY)"
#define PAGE		4096

/* The test's ext4 filesystem, its pre-content group and two files. */
struct env {
	char dir[64];
	char mnt[96];
	char img[96];
	char path[128];
	char other[128];
	bool mounted;
	int fan_fd;
};

static void on_signal(int sig)
{
}

/* The barrier, called in a thread, and whether it has returned. */
struct barrier_call {
	pthread_t thread;
	int fan_fd;
	atomic_int done;	/* 0 waiting, 1 returned 0, -errno failed */
};

static void *barrier_thread(void *arg)
{
	struct barrier_call *b = arg;

	if (ioctl(b->fan_fd, FAN_IOC_WRITE_BARRIER, 0))
		atomic_store(&b->done, -errno);
	else
		atomic_store(&b->done, 1);
	return NULL;
}

static int barrier_start(struct barrier_call *b, int fan_fd)
{
	b->fan_fd = fan_fd;
	atomic_store(&b->done, 0);
	return pthread_create(&b->thread, NULL, barrier_thread, b);
}

/* Wait up to @ms for @flag to leave 0; returns its value (0 on timeout). */
static int wait_flag(atomic_int *flag, int ms)
{
	int waited, v;

	for (waited = 0; waited <= ms; waited += 5) {
		v = atomic_load(flag);
		if (v)
			return v;
		usleep(5000);
	}
	return 0;
}

/*
 * Join the barrier's thread if it returned within @ms; a barrier that
 * does not return is left behind (the test fails and its process ends).
 */
static int barrier_join(struct barrier_call *b, int ms)
{
	int v = wait_flag(&b->done, ms);

	if (v)
		pthread_join(b->thread, NULL);
	else
		pthread_detach(b->thread);
	return v;
}

/* Call the barrier, bounded: 1, -errno, or 0 when it did not return. */
static int barrier_bounded(int fan_fd, int ms)
{
	struct barrier_call b;

	if (barrier_start(&b, fan_fd))
		return -errno;
	return barrier_join(&b, ms);
}

/*
 * Mount ext4, create the files, and a pre-content group with a
 * FAN_PRE_MODIFY filesystem mark.  SKIPs where the kernel has no barrier.
 */
static void env_setup(struct __test_metadata *_metadata, struct env *env)
{
	char data[2 * PAGE];
	int fd, ret;

	env->fan_fd = -1;
	ASSERT_NE(NULL, fan_mkdtemp(env->dir, sizeof(env->dir), "barrier"));
	snprintf(env->mnt, sizeof(env->mnt), "%s/mnt", env->dir);
	snprintf(env->img, sizeof(env->img), "%s/ext4.img", env->dir);
	snprintf(env->path, sizeof(env->path), "%s/file", env->mnt);
	snprintf(env->other, sizeof(env->other), "%s/other", env->mnt);
	ASSERT_EQ(0, mkdir(env->mnt, 0755));
	if (fan_mount_ext4(env->img, env->mnt, "64M")) {
		if (errno == ENOENT)
			SKIP(return, "mkfs.ext4 not found (e2fsprogs)");
		ASSERT_TRUE(0) TH_LOG("mounting ext4: %s", strerror(errno));
	}
	env->mounted = true;
	memset(data, 'a', sizeof(data));
	fd = open(env->path, O_CREAT | O_WRONLY, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(sizeof(data), write(fd, data, sizeof(data)));
	close(fd);
	fd = open(env->other, O_CREAT | O_WRONLY, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(sizeof(data), write(fd, data, sizeof(data)));
	close(fd);

	env->fan_fd = fanotify_init(FAN_CLASS_PRE_CONTENT | FAN_CLOEXEC,
				    O_RDWR | O_LARGEFILE);
	ASSERT_LE(0, env->fan_fd);
	ret = barrier_bounded(env->fan_fd, FAN_TEST_EVENT_MS);
	if (ret == -ENOTTY)
		SKIP(return, NO_BARRIER);
	ASSERT_EQ(1, ret) TH_LOG("barrier with nothing in flight: %s",
				 ret ? strerror(-ret) : "did not return");
	ASSERT_EQ(0, fanotify_mark(env->fan_fd,
				   FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
				   FAN_PRE_MODIFY, AT_FDCWD, env->mnt))
		TH_LOG("FAN_PRE_MODIFY mark: %s", strerror(errno));
}

static void env_teardown(struct env *env)
{
	char cmd[512];

	if (env->fan_fd >= 0)
		close(env->fan_fd);
	if (!env->dir[0])
		return;
	/* A failed test may have left the filesystem frozen. */
	snprintf(cmd, sizeof(cmd),
		 "fsfreeze -u %s 2>/dev/null; umount %s 2>/dev/null; rm -rf %s",
		 env->mnt, env->mounted ? env->mnt : "/nonexistent", env->dir);
	if (system(cmd))
		fprintf(stderr, "# cleanup failed: %s\n", cmd);
}

FIXTURE(barrier) {
	struct env env;
};

FIXTURE_SETUP(barrier)
{
	env_setup(_metadata, &self->env);
}

FIXTURE_TEARDOWN(barrier)
{
	env_teardown(&self->env);
}

/*
 * Read events until a FAN_PRE_MODIFY of @path comes, answering FAN_ALLOW
 * to every other.  Returns the event's fd, still to be answered, or -1.
 */
static int next_pre_modify(int fan_fd, const char *path)
{
	char buf[FAN_TEST_BUF_LEN];
	struct fanotify_event_metadata *ev;
	int ref = open(path, O_RDONLY), fd = -1;

	if (ref < 0)
		return -1;
	while (fd < 0) {
		ev = fan_read_event(fan_fd, buf, sizeof(buf),
				    FAN_TEST_EVENT_MS);
		if (!ev)
			break;
		if ((ev->mask & FAN_PRE_MODIFY) && fan_same_file(ev->fd, ref)) {
			fd = ev->fd;
			continue;
		}
		fan_respond(fan_fd, ev->fd, FAN_ALLOW);
		close(ev->fd);
	}
	close(ref);
	return fd;
}

/* A listener thread that allows every event until told to stop. */
struct responder {
	pthread_t thread;
	int fan_fd;
	atomic_bool stop;
	atomic_int answered;
};

static void *responder_thread(void *arg)
{
	struct responder *r = arg;
	char buf[FAN_TEST_BUF_LEN];
	struct fanotify_event_metadata *ev;
	ssize_t len;

	while (!atomic_load(&r->stop)) {
		if (fan_wait_readable(r->fan_fd, 50) <= 0)
			continue;
		len = read(r->fan_fd, buf, sizeof(buf));
		if (len <= 0)
			break;
		for (ev = (void *)buf; FAN_EVENT_OK(ev, len);
		     ev = FAN_EVENT_NEXT(ev, len)) {
			if (ev->fd < 0)
				continue;
			atomic_fetch_add(&r->answered, 1);
			fan_respond(r->fan_fd, ev->fd, FAN_ALLOW);
			close(ev->fd);
		}
	}
	return NULL;
}

/* ---------------------------------------------------------------- */
/* The operations, each run in a thread of its own                     */

enum op { OP_WRITE, OP_PWRITE, OP_FTRUNCATE, OP_FALLOCATE, OP_COPY_RANGE,
	  OP_AIO, OP_IO_URING };

struct writer {
	pthread_t thread;
	enum op op;
	const char *path;
	const char *src;	/* copy_file_range's source */
	char *buf;		/* PAGE bytes to write */
	atomic_int done;	/* 0 running, 1 succeeded, -errno failed */
};

static int do_aio_write(int fd, char *buf)
{
	aio_context_t ctx = 0;
	struct iocb cb = {
		.aio_fildes = fd,
		.aio_lio_opcode = IOCB_CMD_PWRITE,
		.aio_buf = (unsigned long)buf,
		.aio_nbytes = PAGE,
	};
	struct iocb *cbs[1] = { &cb };
	struct io_event ev;
	struct timespec ts = { .tv_sec = 30 };
	int ret = -1;

	if (syscall(SYS_io_setup, 1, &ctx))
		return -1;
	if (syscall(SYS_io_submit, ctx, 1, cbs) == 1 &&
	    syscall(SYS_io_getevents, ctx, 1, 1, &ev, &ts) == 1) {
		if (ev.res == PAGE)
			ret = 0;
		else
			errno = ev.res < 0 ? -ev.res : EIO;
	} else if (!errno) {
		errno = ETIMEDOUT;
	}
	syscall(SYS_io_destroy, ctx);
	return ret;
}

static int do_io_uring_write(int fd, char *buf)
{
#ifdef HAVE_LIBURING
	struct io_uring ring;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct __kernel_timespec ts = { .tv_sec = 30 };
	int ret;

	ret = io_uring_queue_init(2, &ring, 0);
	if (ret) {
		errno = -ret;
		return -1;
	}
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_write(sqe, fd, buf, PAGE, 0);
	io_uring_submit(&ring);
	ret = io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
	if (!ret) {
		ret = cqe->res == PAGE ? 0 : (cqe->res < 0 ? cqe->res : -EIO);
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	if (ret) {
		errno = -ret;
		return -1;
	}
	return 0;
#else
	errno = EOPNOTSUPP;
	return -1;
#endif
}

static void *writer_thread(void *arg)
{
	struct writer *w = arg;
	int fd, src, ret = -1;
	loff_t off = 0;

	fd = open(w->path, O_RDWR);
	if (fd < 0) {
		atomic_store(&w->done, -errno);
		return NULL;
	}
	switch (w->op) {
	case OP_WRITE:
		ret = write(fd, w->buf, PAGE) == PAGE ? 0 : -1;
		break;
	case OP_PWRITE:
		ret = pwrite(fd, w->buf, PAGE, PAGE) == PAGE ? 0 : -1;
		break;
	case OP_FTRUNCATE:
		ret = ftruncate(fd, PAGE);
		break;
	case OP_FALLOCATE:
		ret = fallocate(fd, 0, 0, 4 * PAGE);
		break;
	case OP_COPY_RANGE:
		src = open(w->src, O_RDONLY);
		if (src < 0)
			break;
		ret = copy_file_range(src, &off, fd, &off, PAGE, 0) == PAGE ?
			0 : -1;
		close(src);
		break;
	case OP_AIO:
		ret = do_aio_write(fd, w->buf);
		break;
	case OP_IO_URING:
		ret = do_io_uring_write(fd, w->buf);
		break;
	}
	atomic_store(&w->done, ret ? -(errno ? errno : EIO) : 1);
	close(fd);
	return NULL;
}

static int writer_start(struct writer *w, enum op what, const char *path,
			const char *src, char *buf)
{
	w->op = what;
	w->path = path;
	w->src = src;
	w->buf = buf;
	atomic_store(&w->done, 0);
	return pthread_create(&w->thread, NULL, writer_thread, w);
}

/* As barrier_join(), for a writer: its result, or 0 when still running. */
static int writer_join(struct writer *w, int ms)
{
	int v = wait_flag(&w->done, ms);

	if (v)
		pthread_join(w->thread, NULL);
	else
		pthread_detach(w->thread);
	return v;
}

/* ---------------------------------------------------------------- */

/* Its errors, each leaving the group as it was. */
TEST_F(barrier, errors)
{
	struct env *env = &self->env;
	struct writer w;
	char buf[PAGE];
	int fd;

	EXPECT_EQ(-1, ioctl(env->fan_fd, FAN_IOC_WRITE_BARRIER, 1));
	EXPECT_EQ(EINVAL, errno);

	/* Only a pre-content group answers pre-modify events. */
	fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, FAN_IOC_WRITE_BARRIER, 0));
	EXPECT_EQ(EINVAL, errno);
	close(fd);
	fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, FAN_IOC_WRITE_BARRIER, 0));
	EXPECT_EQ(EINVAL, errno);
	close(fd);

	/* Not a fanotify fd. */
	fd = open(env->path, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(fd, FAN_IOC_WRITE_BARRIER, 0));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);

	/* The group still works: a write raises its event. */
	memset(buf, 'b', sizeof(buf));
	ASSERT_EQ(0, writer_start(&w, OP_PWRITE, env->path, NULL, buf));
	fd = next_pre_modify(env->fan_fd, env->path);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, fan_respond(env->fan_fd, fd, FAN_ALLOW));
	close(fd);
	EXPECT_EQ(1, writer_join(&w, FAN_TEST_EVENT_MS));
}

/* A caller without CAP_SYS_ADMIN is refused, even with a group's fd. */
TEST_F(barrier, unprivileged)
{
	struct env *env = &self->env;
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (!pid) {
		if (fan_drop_cap_sys_admin() || fan_have_cap_sys_admin())
			_exit(2);
		if (!ioctl(env->fan_fd, FAN_IOC_WRITE_BARRIER, 0))
			_exit(3);
		_exit(errno == EPERM ? 0 : 4);
	}
	status = fan_wait_child(pid, FAN_TEST_EVENT_MS);
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/*
 * A write whose user buffer is a userfaultfd page not yet there is held
 * in the middle of the copy, after its event was allowed.  The barrier
 * waits for it, lets a new write through meanwhile, and returns once the
 * page is supplied.
 */
static void held_in_copy(struct __test_metadata *_metadata,
			 struct env *env, enum op op)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_copy copy = { .len = PAGE };
	struct uffd_msg msg;
	struct responder r = { .fan_fd = env->fan_fd };
	struct barrier_call b;
	struct writer w, w2;
	char *area, *src, buf2[PAGE];
	int uffd;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0 && (errno == ENOSYS || errno == EPERM))
		SKIP(return, "no userfaultfd (CONFIG_USERFAULTFD): %s",
		     strerror(errno));
	ASSERT_LE(0, uffd);
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	area = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, area);
	reg.range.start = (unsigned long)area;
	reg.range.len = PAGE;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));
	src = aligned_alloc(PAGE, PAGE);
	ASSERT_NE(NULL, src);
	memset(src, 'c', PAGE);
	memset(buf2, 'd', sizeof(buf2));

	ASSERT_EQ(0, pthread_create(&r.thread, NULL, responder_thread, &r));
	ASSERT_EQ(0, writer_start(&w, op, env->path, NULL, area));

	/* The write is allowed, and stops in the copy from its buffer. */
	ASSERT_EQ(1, fan_wait_readable(uffd, FAN_TEST_EVENT_MS))
		TH_LOG("no fault from the write's buffer");
	ASSERT_EQ(sizeof(msg), read(uffd, &msg, sizeof(msg)));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);
	EXPECT_LE(1, atomic_load(&r.answered));
	EXPECT_EQ(0, atomic_load(&w.done));

	ASSERT_EQ(0, barrier_start(&b, env->fan_fd));
	EXPECT_EQ(0, wait_flag(&b.done, FAN_TEST_QUIET_MS))
		TH_LOG("the barrier did not wait for the write in flight");

	/* A new write is not held up by the barrier. */
	ASSERT_EQ(0, writer_start(&w2, OP_PWRITE, env->other, NULL, buf2));
	EXPECT_EQ(1, writer_join(&w2, FAN_TEST_EVENT_MS))
		TH_LOG("a new write waited for the barrier");
	EXPECT_EQ(0, atomic_load(&b.done));

	/* Let the write go: the barrier returns. */
	copy.dst = (unsigned long)area;
	copy.src = (unsigned long)src;
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_COPY, &copy));
	EXPECT_EQ(1, writer_join(&w, FAN_TEST_EVENT_MS));
	EXPECT_EQ(1, barrier_join(&b, FAN_TEST_EVENT_MS))
		TH_LOG("the barrier did not return after the write");
	atomic_store(&r.stop, true);
	pthread_join(r.thread, NULL);
	close(uffd);
	munmap(area, PAGE);
	free(src);
}

/*
 * A task that waits for a listener is not in flight: with two groups, the
 * write allowed by the first waits for the second's answer, and the first
 * group's barrier returns meanwhile.  Were the write counted while it
 * waits, the barrier would wait for an answer its caller gives only after
 * it returns.
 */
TEST_F(barrier, not_for_a_waiting_task)
{
	struct env *env = &self->env;
	struct pollfd pfd[2];
	struct barrier_call b;
	struct writer w;
	char buf[PAGE];
	int fan2, first, second, ev_fd, ev2_fd;

	fan2 = fanotify_init(FAN_CLASS_PRE_CONTENT | FAN_CLOEXEC,
			     O_RDWR | O_LARGEFILE);
	ASSERT_LE(0, fan2);
	ASSERT_EQ(0, fanotify_mark(fan2, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
				   FAN_PRE_MODIFY, AT_FDCWD, env->mnt));
	memset(buf, 'f', sizeof(buf));
	ASSERT_EQ(0, writer_start(&w, OP_PWRITE, env->path, NULL, buf));

	/* The groups are asked one after the other: answer the first. */
	pfd[0] = (struct pollfd){ .fd = env->fan_fd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = fan2, .events = POLLIN };
	ASSERT_EQ(1, poll(pfd, 2, FAN_TEST_EVENT_MS));
	first = pfd[0].revents & POLLIN ? env->fan_fd : fan2;
	second = first == fan2 ? env->fan_fd : fan2;
	ev_fd = next_pre_modify(first, env->path);
	ASSERT_LE(0, ev_fd);
	ASSERT_EQ(0, fan_respond(first, ev_fd, FAN_ALLOW));
	close(ev_fd);
	ev2_fd = next_pre_modify(second, env->path);
	ASSERT_LE(0, ev2_fd) TH_LOG("no event for the second group");

	ASSERT_EQ(0, barrier_start(&b, first));
	EXPECT_EQ(1, wait_flag(&b.done, FAN_TEST_EVENT_MS))
		TH_LOG("the barrier waited for a write that waits for a listener");
	EXPECT_EQ(0, atomic_load(&w.done));

	/* The second answer lets the write go. */
	ASSERT_EQ(0, fan_respond(second, ev2_fd, FAN_ALLOW));
	close(ev2_fd);
	EXPECT_EQ(1, writer_join(&w, FAN_TEST_EVENT_MS));
	EXPECT_EQ(1, barrier_join(&b, FAN_TEST_EVENT_MS));
	close(fan2);
}

/*
 * A denied modification, one whose task was killed before the answer, and
 * one allowed because its group was closed: none is waited for after it
 * is over, and none leaves a span behind (the next barrier returns).
 */
TEST_F(barrier, denied_killed_closed)
{
	struct env *env = &self->env;
	struct writer w;
	char buf[PAGE];
	int ev_fd, fan2, status;
	pid_t pid;

	memset(buf, 'g', sizeof(buf));

	/* Denied: the write fails, the barrier does not wait. */
	ASSERT_EQ(0, writer_start(&w, OP_PWRITE, env->path, NULL, buf));
	ev_fd = next_pre_modify(env->fan_fd, env->path);
	ASSERT_LE(0, ev_fd);
	ASSERT_EQ(0, fan_respond(env->fan_fd, ev_fd, FAN_DENY));
	close(ev_fd);
	EXPECT_EQ(-EPERM, writer_join(&w, FAN_TEST_EVENT_MS));
	EXPECT_EQ(1, barrier_bounded(env->fan_fd, FAN_TEST_EVENT_MS))
		TH_LOG("the barrier waited after a denied write");

	/* Killed while it waits, then allowed: the answer starts nothing. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd = open(env->path, O_WRONLY);

		_exit(fd >= 0 && pwrite(fd, buf, PAGE, 0) == PAGE ? 0 : 1);
	}
	ev_fd = next_pre_modify(env->fan_fd, env->path);
	ASSERT_LE(0, ev_fd);
	ASSERT_EQ(0, kill(pid, SIGKILL));
	status = fan_wait_child(pid, FAN_TEST_EVENT_MS);
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(0, fan_respond(env->fan_fd, ev_fd, FAN_ALLOW));
	close(ev_fd);
	EXPECT_EQ(1, barrier_bounded(env->fan_fd, FAN_TEST_EVENT_MS))
		TH_LOG("an answer for a killed task left a span behind");

	/* Allowed by the close of its group: over when the write returns. */
	fan2 = fanotify_init(FAN_CLASS_PRE_CONTENT | FAN_CLOEXEC,
			     O_RDWR | O_LARGEFILE);
	ASSERT_LE(0, fan2);
	ASSERT_EQ(0, writer_start(&w, OP_PWRITE, env->path, NULL, buf));
	ev_fd = next_pre_modify(env->fan_fd, env->path);
	ASSERT_LE(0, ev_fd);
	close(ev_fd);
	close(env->fan_fd);
	env->fan_fd = -1;
	EXPECT_EQ(1, writer_join(&w, FAN_TEST_EVENT_MS));
	EXPECT_EQ(1, barrier_bounded(fan2, FAN_TEST_EVENT_MS))
		TH_LOG("a write allowed by a closing group left a span behind");
	close(fan2);
}

/*
 * The answer to any later event restarts the span.  Two groups are
 * walked in a fixed order: the first asks for FAN_PRE_MODIFY, the second
 * only for FAN_PRE_ACCESS, which a write also raises.  The write waits for
 * the second's answer without a span; the second allows it with the
 * filesystem frozen, and the first group's barrier must wait for it.
 */
TEST_F(barrier, any_answer_restarts)
{
	struct env *env = &self->env;
	struct barrier_call b;
	struct pollfd pfd[2];
	struct writer w;
	char buf[PAGE];
	int g[2], first, second, ev_fd, mnt_fd, i;

	memset(buf, 'h', sizeof(buf));
	/* The fixture's group is not needed: its mark would come first. */
	close(env->fan_fd);
	env->fan_fd = -1;
	for (i = 0; i < 2; i++) {
		g[i] = fanotify_init(FAN_CLASS_PRE_CONTENT | FAN_CLOEXEC,
				     O_RDWR | O_LARGEFILE);
		ASSERT_LE(0, g[i]);
		ASSERT_EQ(0, fanotify_mark(g[i], FAN_MARK_ADD |
					   FAN_MARK_FILESYSTEM,
					   FAN_PRE_MODIFY, AT_FDCWD, env->mnt));
	}
	/* Which group does the walk ask first? */
	ASSERT_EQ(0, writer_start(&w, OP_PWRITE, env->path, NULL, buf));
	pfd[0] = (struct pollfd){ .fd = g[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = g[1], .events = POLLIN };
	ASSERT_EQ(1, poll(pfd, 2, FAN_TEST_EVENT_MS));
	first = pfd[0].revents & POLLIN ? g[0] : g[1];
	second = first == g[0] ? g[1] : g[0];
	for (i = 0; i < 2; i++) {
		int fd = i ? second : first;

		ev_fd = next_pre_modify(fd, env->path);
		ASSERT_LE(0, ev_fd);
		ASSERT_EQ(0, fan_respond(fd, ev_fd, FAN_ALLOW));
		close(ev_fd);
	}
	EXPECT_EQ(1, writer_join(&w, FAN_TEST_EVENT_MS));
	/* The second group now asks for FAN_PRE_ACCESS only. */
	ASSERT_EQ(0, fanotify_mark(second, FAN_MARK_REMOVE |
				   FAN_MARK_FILESYSTEM,
				   FAN_PRE_MODIFY, AT_FDCWD, env->mnt));
	ASSERT_EQ(0, fanotify_mark(second, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
				   FAN_PRE_ACCESS, AT_FDCWD, env->mnt));

	mnt_fd = open(env->mnt, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, mnt_fd);
	ASSERT_EQ(0, writer_start(&w, OP_PWRITE, env->path, NULL, buf));
	ev_fd = next_pre_modify(first, env->path);
	ASSERT_LE(0, ev_fd);
	ASSERT_EQ(0, fan_respond(first, ev_fd, FAN_ALLOW));
	close(ev_fd);
	ASSERT_EQ(1, fan_wait_readable(second, FAN_TEST_EVENT_MS))
		TH_LOG("no FAN_PRE_ACCESS for the second group");
	{
		char ebuf[FAN_TEST_BUF_LEN];
		struct fanotify_event_metadata *ev;

		ev = fan_read_event(second, ebuf, sizeof(ebuf), 0);
		ASSERT_NE(NULL, ev);
		ASSERT_TRUE(ev->mask & FAN_PRE_ACCESS);
		ASSERT_EQ(0, ioctl(mnt_fd, FIFREEZE, 0));
		ASSERT_EQ(0, fan_respond(second, ev->fd, FAN_ALLOW));
		close(ev->fd);
	}
	EXPECT_EQ(0, wait_flag(&w.done, FAN_TEST_QUIET_MS));
	ASSERT_EQ(0, barrier_start(&b, first));
	EXPECT_EQ(0, wait_flag(&b.done, FAN_TEST_QUIET_MS))
		TH_LOG("the answer to FAN_PRE_ACCESS started no span");
	ASSERT_EQ(0, ioctl(mnt_fd, FITHAW, 0));
	EXPECT_EQ(1, writer_join(&w, FAN_TEST_EVENT_MS));
	EXPECT_EQ(1, barrier_join(&b, FAN_TEST_EVENT_MS));
	close(mnt_fd);
	close(g[0]);
	close(g[1]);
}

TEST_F(barrier, held_in_copy_write)
{
	held_in_copy(_metadata, &self->env, OP_WRITE);
}

TEST_F(barrier, held_in_copy_aio)
{
	held_in_copy(_metadata, &self->env, OP_AIO);
}

TEST_F(barrier, held_in_copy_io_uring)
{
#ifndef HAVE_LIBURING
	SKIP(return, "built without liburing (liburing-dev)");
#endif
	held_in_copy(_metadata, &self->env, OP_IO_URING);
}

/*
 * The gap between the answer and the change: the filesystem is frozen
 * after the event came and before it is allowed, so the operation waits
 * for write access.  The barrier waits for it and returns after the thaw;
 * killed meanwhile, it dies.  Nothing deadlocks with the freeze.
 */
FIXTURE(frozen) {
	struct env env;
};

FIXTURE_VARIANT(frozen) {
	enum op op;
};

FIXTURE_VARIANT_ADD(frozen, write) { .op = OP_WRITE };
FIXTURE_VARIANT_ADD(frozen, pwrite) { .op = OP_PWRITE };
FIXTURE_VARIANT_ADD(frozen, ftruncate) { .op = OP_FTRUNCATE };
FIXTURE_VARIANT_ADD(frozen, fallocate) { .op = OP_FALLOCATE };
FIXTURE_VARIANT_ADD(frozen, copy_file_range) { .op = OP_COPY_RANGE };
FIXTURE_VARIANT_ADD(frozen, aio) { .op = OP_AIO };
FIXTURE_VARIANT_ADD(frozen, io_uring) { .op = OP_IO_URING };

FIXTURE_SETUP(frozen)
{
	env_setup(_metadata, &self->env);
}

FIXTURE_TEARDOWN(frozen)
{
	env_teardown(&self->env);
}

TEST_F(frozen, barrier_waits)
{
	struct env *env = &self->env;
	struct responder r = { .fan_fd = env->fan_fd };
	struct barrier_call b;
	struct writer w;
	char buf[PAGE];
	int mnt_fd, ev_fd, status;
	pid_t pid;

#ifndef HAVE_LIBURING
	if (variant->op == OP_IO_URING)
		SKIP(return, "built without liburing (liburing-dev)");
#endif
	memset(buf, 'e', sizeof(buf));
	mnt_fd = open(env->mnt, O_RDONLY | O_DIRECTORY);
	ASSERT_LE(0, mnt_fd);
	ASSERT_EQ(0, writer_start(&w, variant->op, env->path, env->other,
				  buf));
	ev_fd = next_pre_modify(env->fan_fd, env->path);
	ASSERT_LE(0, ev_fd) TH_LOG("no FAN_PRE_MODIFY event");

	/* No freeze protection is held while the event waits. */
	ASSERT_EQ(0, ioctl(mnt_fd, FIFREEZE, 0))
		TH_LOG("FIFREEZE: %s", strerror(errno));
	ASSERT_EQ(0, fan_respond(env->fan_fd, ev_fd, FAN_ALLOW));
	close(ev_fd);
	/* Any later event of the operation is allowed as well. */
	ASSERT_EQ(0, pthread_create(&r.thread, NULL, responder_thread, &r));
	EXPECT_EQ(0, wait_flag(&w.done, FAN_TEST_QUIET_MS))
		TH_LOG("the operation did not wait for the thaw");

	ASSERT_EQ(0, barrier_start(&b, env->fan_fd));
	EXPECT_EQ(0, wait_flag(&b.done, FAN_TEST_QUIET_MS))
		TH_LOG("the barrier did not wait for the allowed operation");

	/*
	 * A barrier waiting for the thaw is still waiting after a while, and
	 * a signal ends its wait with EINTR.
	 */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct sigaction sa = { .sa_handler = on_signal };

		sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART */
		if (!ioctl(env->fan_fd, FAN_IOC_WRITE_BARRIER, 0))
			_exit(2);
		_exit(errno == EINTR ? 0 : 3);
	}
	usleep(FAN_TEST_QUIET_MS * 1000);
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG))
		TH_LOG("the second barrier did not wait");
	ASSERT_EQ(0, kill(pid, SIGUSR1));
	status = fan_wait_child(pid, FAN_TEST_EVENT_MS);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("a signal did not end the barrier's wait with EINTR");

	ASSERT_EQ(0, ioctl(mnt_fd, FITHAW, 0));
	EXPECT_EQ(1, writer_join(&w, FAN_TEST_EVENT_MS))
		TH_LOG("operation: %s", strerror(-atomic_load(&w.done)));
	EXPECT_EQ(1, barrier_join(&b, FAN_TEST_EVENT_MS))
		TH_LOG("the barrier did not return after the thaw");
	atomic_store(&r.stop, true);
	pthread_join(r.thread, NULL);
	close(mnt_fd);
}

TEST_HARNESS_MAIN
