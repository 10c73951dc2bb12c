// SPDX-License-Identifier: GPL-2.0
/*
 * Permission events that mainline already has: FAN_OPEN_PERM and
 * FAN_ACCESS_PERM round trips, no events for I/O through event->fd,
 * the CAP_SYS_ADMIN requirement of the permission classes, and the
 * validation of fanotify_mark() flags.
 */
#include "../kselftest_harness.h"
#include "fanotify_test.h"

static const char test_data[] = "fanotify permission test data\n";

/* What a child that opens and reads the file saw. */
struct io_result {
	int open_errno;		/* 0: open succeeded */
	int read_errno;		/* 0: read returned test_data */
};

/*
 * Fork a child that opens @path and reads it; its result comes back on a
 * pipe.  Returns the pid; *@rfd is the read end of the pipe.
 */
static pid_t spawn_reader(const char *path, int *rfd)
{
	int pfd[2];
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct io_result res = { 0 };
		char buf[sizeof(test_data)] = { 0 };
		ssize_t n;
		int fd;

		close(pfd[0]);
		fd = open(path, O_RDONLY);
		if (fd < 0) {
			res.open_errno = errno;
		} else {
			n = read(fd, buf, sizeof(buf));
			if (n < 0)
				res.read_errno = errno;
			else if (n != sizeof(test_data) - 1 ||
				 memcmp(buf, test_data, n))
				res.read_errno = EBADMSG;
			close(fd);
		}
		_exit(write(pfd[1], &res, sizeof(res)) == sizeof(res) ? 0 : 1);
	}
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return -1;
	}
	*rfd = pfd[0];
	return pid;
}

/* Read the reader's result, waiting at most FAN_TEST_EVENT_MS. */
static int reader_result(int rfd, struct io_result *res)
{
	if (fan_wait_readable(rfd, FAN_TEST_EVENT_MS) != 1)
		return -1;
	return read(rfd, res, sizeof(*res)) == sizeof(*res) ? 0 : -1;
}

FIXTURE(perm) {
	char dir[64];
	char path[96];
	int fan_fd;
};

FIXTURE_VARIANT(perm) {
	__u64 mask;		/* the one permission event to watch */
	__u32 response;		/* what the listener answers */
	int open_errno;		/* what the reader's open() sees */
	int read_errno;		/* what the reader's read() sees */
};

FIXTURE_VARIANT_ADD(perm, open_allow) {
	.mask = FAN_OPEN_PERM, .response = FAN_ALLOW,
};

FIXTURE_VARIANT_ADD(perm, open_deny) {
	.mask = FAN_OPEN_PERM, .response = FAN_DENY, .open_errno = EPERM,
};

FIXTURE_VARIANT_ADD(perm, access_allow) {
	.mask = FAN_ACCESS_PERM, .response = FAN_ALLOW,
};

FIXTURE_VARIANT_ADD(perm, access_deny) {
	.mask = FAN_ACCESS_PERM, .response = FAN_DENY, .read_errno = EPERM,
};

FIXTURE_SETUP(perm)
{
	int fd;

	ASSERT_NE(NULL, fan_mkdtemp(self->dir, sizeof(self->dir), "perm"));
	snprintf(self->path, sizeof(self->path), "%s/file", self->dir);
	fd = open(self->path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(sizeof(test_data) - 1,
		  write(fd, test_data, sizeof(test_data) - 1));
	close(fd);

	self->fan_fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY);
	if (self->fan_fd < 0 && errno == ENOSYS)
		SKIP(return, "fanotify not configured (CONFIG_FANOTIFY)");
	ASSERT_LE(0, self->fan_fd) {
		TH_LOG("fanotify_init(FAN_CLASS_CONTENT): %s", strerror(errno));
	}
}

FIXTURE_TEARDOWN(perm)
{
	if (self->fan_fd >= 0)
		close(self->fan_fd);
	unlink(self->path);
	rmdir(self->dir);
}

TEST_F(perm, round_trip)
{
	char buf[FAN_TEST_BUF_LEN];
	struct fanotify_event_metadata *ev;
	struct io_result res;
	int ret, fd, rfd, status;
	pid_t pid;

	ret = fanotify_mark(self->fan_fd, FAN_MARK_ADD, variant->mask,
			    AT_FDCWD, self->path);
	if (ret && errno == EINVAL)
		SKIP(return, "no permission events (CONFIG_FANOTIFY_ACCESS_PERMISSIONS)");
	ASSERT_EQ(0, ret);

	pid = spawn_reader(self->path, &rfd);
	ASSERT_LT(0, pid);

	ev = fan_read_event(self->fan_fd, buf, sizeof(buf), FAN_TEST_EVENT_MS);
	ASSERT_NE(NULL, ev) {
		TH_LOG("waiting for the permission event: %s", strerror(errno));
	}
	EXPECT_EQ(variant->mask, ev->mask);
	EXPECT_EQ(pid, ev->pid);
	ASSERT_LE(0, ev->fd);
	fd = open(self->path, O_PATH | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_TRUE(fan_same_file(ev->fd, fd)) {
		TH_LOG("event->fd is not open on the watched file");
	}
	close(fd);

	/* Until it is answered, the reader stays blocked in the kernel. */
	EXPECT_EQ(0, fan_wait_readable(rfd, FAN_TEST_QUIET_MS)) {
		TH_LOG("the reader did not wait for the permission answer");
	}

	ASSERT_EQ(0, fan_respond(self->fan_fd, ev->fd, variant->response));
	close(ev->fd);

	ASSERT_EQ(0, reader_result(rfd, &res)) {
		TH_LOG("no result from the reader after the answer");
	}
	close(rfd);
	EXPECT_EQ(variant->open_errno, res.open_errno);
	EXPECT_EQ(variant->read_errno, res.read_errno);

	status = fan_wait_child(pid, FAN_TEST_EVENT_MS);
	ASSERT_TRUE(status >= 0 && WIFEXITED(status) && !WEXITSTATUS(status));

	/* One access, one event: nothing else may be queued. */
	EXPECT_EQ(0, fan_wait_readable(self->fan_fd, FAN_TEST_QUIET_MS));
}

/*
 * I/O through event->fd is how a listener inspects (or, for an HSM,
 * fills) the file: it must raise no event, neither a permission event,
 * which would make the listener wait for itself, nor a notification.
 */
FIXTURE(event_fd) {
	char dir[64];
	char path[96];
	int fan_fd;
};

FIXTURE_SETUP(event_fd)
{
	int fd;

	ASSERT_NE(NULL, fan_mkdtemp(self->dir, sizeof(self->dir), "evfd"));
	snprintf(self->path, sizeof(self->path), "%s/file", self->dir);
	fd = open(self->path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	ASSERT_LE(0, fd);
	ASSERT_EQ(sizeof(test_data) - 1,
		  write(fd, test_data, sizeof(test_data) - 1));
	close(fd);
	self->fan_fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC, O_RDONLY);
	ASSERT_LE(0, self->fan_fd);
}

FIXTURE_TEARDOWN(event_fd)
{
	close(self->fan_fd);
	unlink(self->path);
	rmdir(self->dir);
}

TEST_F(event_fd, raises_no_event)
{
	char buf[FAN_TEST_BUF_LEN], data[sizeof(test_data)];
	struct fanotify_event_metadata *ev;
	struct io_result res;
	int notif_fd, rfd, status;
	pid_t pid, helper;

	ASSERT_EQ(0, fanotify_mark(self->fan_fd, FAN_MARK_ADD,
				   FAN_OPEN_PERM | FAN_ACCESS_PERM,
				   AT_FDCWD, self->path));
	notif_fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK,
				 O_RDONLY);
	ASSERT_LE(0, notif_fd);
	ASSERT_EQ(0, fanotify_mark(notif_fd, FAN_MARK_ADD,
				   FAN_OPEN | FAN_ACCESS | FAN_MODIFY,
				   AT_FDCWD, self->path));

	pid = spawn_reader(self->path, &rfd);
	ASSERT_LT(0, pid);
	ev = fan_read_event(self->fan_fd, buf, sizeof(buf), FAN_TEST_EVENT_MS);
	ASSERT_NE(NULL, ev);
	ASSERT_EQ(FAN_OPEN_PERM, ev->mask);

	/*
	 * Read through event->fd in a helper: if the read raised a
	 * permission event, the helper would block on us, not we on
	 * ourselves.
	 */
	helper = fork();
	ASSERT_LE(0, helper);
	if (helper == 0) {
		ssize_t n = pread(ev->fd, data, sizeof(data), 0);

		_exit(n == sizeof(test_data) - 1 &&
		      !memcmp(data, test_data, n) ? 0 : 1);
	}
	EXPECT_EQ(0, fan_wait_readable(self->fan_fd, FAN_TEST_QUIET_MS)) {
		TH_LOG("read through event->fd raised a permission event");
	}
	status = fan_wait_child(helper, FAN_TEST_EVENT_MS);
	EXPECT_TRUE(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		TH_LOG("read through event->fd failed or hung");
	}
	EXPECT_EQ(0, fan_wait_readable(notif_fd, FAN_TEST_QUIET_MS)) {
		TH_LOG("read through event->fd raised a notification");
	}

	/* Let the reader go; its own read must raise FAN_ACCESS_PERM. */
	ASSERT_EQ(0, fan_respond(self->fan_fd, ev->fd, FAN_ALLOW));
	close(ev->fd);
	ev = fan_read_event(self->fan_fd, buf, sizeof(buf), FAN_TEST_EVENT_MS);
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(FAN_ACCESS_PERM, ev->mask);
	EXPECT_EQ(pid, ev->pid);
	ASSERT_EQ(0, fan_respond(self->fan_fd, ev->fd, FAN_ALLOW));
	close(ev->fd);

	ASSERT_EQ(0, reader_result(rfd, &res));
	EXPECT_EQ(0, res.open_errno);
	EXPECT_EQ(0, res.read_errno);
	close(rfd);
	fan_wait_child(pid, FAN_TEST_EVENT_MS);

	/* The reader's own open and read are seen by the notification group. */
	ev = fan_read_event(notif_fd, buf, sizeof(buf), FAN_TEST_EVENT_MS);
	ASSERT_NE(NULL, ev);
	EXPECT_EQ(pid, ev->pid);
	EXPECT_TRUE(ev->mask & (FAN_OPEN | FAN_ACCESS));
	if (ev->fd >= 0)
		close(ev->fd);
	close(notif_fd);
}

/* The permission classes are for CAP_SYS_ADMIN only. */
TEST(perm_classes_need_cap_sys_admin)
{
	int fd;

	if (!fan_have_cap_sys_admin())
		SKIP(return, "needs CAP_SYS_ADMIN to start with");

	/* With the capability, both classes work. */
	fd = fanotify_init(FAN_CLASS_PRE_CONTENT, O_RDONLY);
	ASSERT_LE(0, fd);
	close(fd);
	fd = fanotify_init(FAN_CLASS_CONTENT, O_RDONLY);
	ASSERT_LE(0, fd);
	close(fd);

	ASSERT_EQ(0, fan_drop_cap_sys_admin());
	ASSERT_FALSE(fan_have_cap_sys_admin());

	fd = fanotify_init(FAN_CLASS_PRE_CONTENT, O_RDONLY);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EPERM, errno);
	fd = fanotify_init(FAN_CLASS_CONTENT, O_RDONLY);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EPERM, errno);
	if (fd >= 0)
		close(fd);
}

enum mark_target {
	TARGET_FILE,
	TARGET_DIR,
	TARGET_BAD_FD,
};

FIXTURE(mark_flags) {
	char dir[64];
	char file[96];
	int fan_fd;
};

FIXTURE_VARIANT(mark_flags) {
	bool notif_class;	/* FAN_CLASS_NOTIF rather than CONTENT */
	unsigned int flags;
	__u64 mask;
	enum mark_target target;
	int expected_errno;	/* 0: the mark must be added */
};

/* Positive controls: the setup itself is sound. */
FIXTURE_VARIANT_ADD(mark_flags, inode_ok) {
	.flags = FAN_MARK_ADD, .mask = FAN_OPEN_PERM, .target = TARGET_FILE,
};

FIXTURE_VARIANT_ADD(mark_flags, filesystem_ok) {
	.flags = FAN_MARK_ADD | FAN_MARK_FILESYSTEM, .mask = FAN_ACCESS_PERM,
	.target = TARGET_DIR,
};

/* A mark flag no kernel defines. */
FIXTURE_VARIANT_ADD(mark_flags, unknown_flag) {
	.flags = FAN_MARK_ADD | 0x40000000, .mask = FAN_OPEN,
	.target = TARGET_FILE, .expected_errno = EINVAL,
};

/* Exactly one of ADD, REMOVE, FLUSH. */
FIXTURE_VARIANT_ADD(mark_flags, add_and_remove) {
	.flags = FAN_MARK_ADD | FAN_MARK_REMOVE, .mask = FAN_OPEN,
	.target = TARGET_FILE, .expected_errno = EINVAL,
};

FIXTURE_VARIANT_ADD(mark_flags, no_command) {
	.flags = 0, .mask = FAN_OPEN, .target = TARGET_FILE,
	.expected_errno = EINVAL,
};

/* FAN_MARK_MOUNT | FAN_MARK_FILESYSTEM is not a mark type. */
FIXTURE_VARIANT_ADD(mark_flags, bad_mark_type) {
	.flags = FAN_MARK_ADD | FAN_MARK_MOUNT | FAN_MARK_FILESYSTEM,
	.mask = FAN_OPEN, .target = TARGET_FILE, .expected_errno = EINVAL,
};

FIXTURE_VARIANT_ADD(mark_flags, add_empty_mask) {
	.flags = FAN_MARK_ADD, .mask = 0, .target = TARGET_FILE,
	.expected_errno = EINVAL,
};

FIXTURE_VARIANT_ADD(mark_flags, flush_with_onlydir) {
	.flags = FAN_MARK_FLUSH | FAN_MARK_ONLYDIR, .mask = 0,
	.target = TARGET_DIR, .expected_errno = EINVAL,
};

/* The two ways of asking for an ignore mask do not combine. */
FIXTURE_VARIANT_ADD(mark_flags, ignore_and_ignored_mask) {
	.flags = FAN_MARK_ADD | FAN_MARK_IGNORE | FAN_MARK_IGNORED_MASK,
	.mask = FAN_OPEN, .target = TARGET_FILE, .expected_errno = EINVAL,
};

/* 0x00080000 was FAN_DIR_MODIFY and stays reserved. */
FIXTURE_VARIANT_ADD(mark_flags, reserved_event_bit) {
	.flags = FAN_MARK_ADD, .mask = 0x00080000, .target = TARGET_FILE,
	.expected_errno = EINVAL,
};

FIXTURE_VARIANT_ADD(mark_flags, upper_mask_bits) {
	.flags = FAN_MARK_ADD, .mask = 1ULL << 32 | FAN_OPEN,
	.target = TARGET_FILE, .expected_errno = EINVAL,
};

/* Permission events need a permission class. */
FIXTURE_VARIANT_ADD(mark_flags, perm_event_notif_group) {
	.notif_class = true, .flags = FAN_MARK_ADD,
	.mask = FAN_OPEN_PERM, .target = TARGET_FILE, .expected_errno = EINVAL,
};

FIXTURE_VARIANT_ADD(mark_flags, onlydir_on_file) {
	.flags = FAN_MARK_ADD | FAN_MARK_ONLYDIR, .mask = FAN_OPEN,
	.target = TARGET_FILE, .expected_errno = ENOTDIR,
};

FIXTURE_VARIANT_ADD(mark_flags, bad_dirfd) {
	.flags = FAN_MARK_ADD, .mask = FAN_OPEN, .target = TARGET_BAD_FD,
	.expected_errno = EBADF,
};

FIXTURE_SETUP(mark_flags)
{
	unsigned int class = variant->notif_class ? FAN_CLASS_NOTIF :
						    FAN_CLASS_CONTENT;
	int fd;

	ASSERT_NE(NULL, fan_mkdtemp(self->dir, sizeof(self->dir), "mark"));
	snprintf(self->file, sizeof(self->file), "%s/file", self->dir);
	fd = open(self->file, O_CREAT | O_WRONLY, 0644);
	ASSERT_LE(0, fd);
	close(fd);

	self->fan_fd = fanotify_init(class | FAN_CLOEXEC, O_RDONLY);
	ASSERT_LE(0, self->fan_fd);
}

FIXTURE_TEARDOWN(mark_flags)
{
	close(self->fan_fd);
	unlink(self->file);
	rmdir(self->dir);
}

TEST_F(mark_flags, mark)
{
	int dirfd = AT_FDCWD;
	const char *path = NULL;
	int ret;

	switch (variant->target) {
	case TARGET_FILE:
		path = self->file;
		break;
	case TARGET_DIR:
		path = self->dir;
		break;
	case TARGET_BAD_FD:
		dirfd = 1000000;
		path = NULL;
		break;
	}

	ret = fanotify_mark(self->fan_fd, variant->flags, variant->mask,
			    dirfd, path);
	if (variant->expected_errno) {
		ASSERT_EQ(-1, ret);
		ASSERT_EQ(variant->expected_errno, errno);
	} else {
		ASSERT_EQ(0, ret) {
			TH_LOG("fanotify_mark: %s", strerror(errno));
		}
	}
}

TEST_HARNESS_MAIN
