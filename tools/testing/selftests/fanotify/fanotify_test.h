/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the fanotify selftests: bounded waits on a fanotify
 * group, reading one event, answering a permission event.  Every wait has
 * a bound and names what it was waiting for, so a hang in the kernel is
 * reported as a failure of a named step, never as a wedged run.
 */
#ifndef __FANOTIFY_TEST_H
#define __FANOTIFY_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sched.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

/* Milliseconds to wait for an event that must come. */
#define FAN_TEST_EVENT_MS	10000
/* Milliseconds to wait before deciding that an event did not come. */
#define FAN_TEST_QUIET_MS	300

#define FAN_TEST_BUF_LEN	4096

/*
 * Wait up to @ms for @fd to become readable.  Returns 1 if readable, 0 on
 * timeout, -1 on error (errno set).
 */
static inline int fan_wait_readable(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int ret;

	do {
		ret = poll(&pfd, 1, ms);
	} while (ret < 0 && errno == EINTR);
	if (ret > 0 && !(pfd.revents & POLLIN)) {
		errno = EIO;
		return -1;
	}
	return ret;
}

/*
 * Read exactly one event from @fan_fd into @buf, waiting at most @ms.
 * Returns the event, or NULL on timeout or error (errno is ETIMEDOUT on
 * timeout, EPROTO when more or less than one event was read).
 */
static inline struct fanotify_event_metadata *
fan_read_event(int fan_fd, void *buf, size_t len, int ms)
{
	struct fanotify_event_metadata *ev = buf;
	ssize_t n;
	int ret;

	ret = fan_wait_readable(fan_fd, ms);
	if (ret == 0)
		errno = ETIMEDOUT;
	if (ret <= 0)
		return NULL;
	n = read(fan_fd, buf, len);
	if (n < 0)
		return NULL;
	if (!FAN_EVENT_OK(ev, n) || ev->event_len != n ||
	    ev->vers != FANOTIFY_METADATA_VERSION) {
		errno = EPROTO;
		return NULL;
	}
	return ev;
}

/* Answer a permission event.  Returns 0 or -1 with errno set. */
static inline int fan_respond(int fan_fd, int event_fd, __u32 response)
{
	struct fanotify_response r = {
		.fd = event_fd,
		.response = response,
	};

	return write(fan_fd, &r, sizeof(r)) == sizeof(r) ? 0 : -1;
}

/* True when @a and @b are open on the same inode. */
static inline int fan_same_file(int a, int b)
{
	struct stat sa, sb;

	if (fstat(a, &sa) || fstat(b, &sb))
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * Wait up to @ms for child @pid to exit; SIGKILL and reap it on timeout.
 * Returns the wait status, or -1 (errno ETIMEDOUT) when it had to be
 * killed.
 */
static inline int fan_wait_child(pid_t pid, int ms)
{
	int status, waited;

	for (waited = 0; waited <= ms; waited += 10) {
		pid_t ret = waitpid(pid, &status, WNOHANG);

		if (ret == pid)
			return status;
		if (ret < 0)
			return -1;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	/* A child stuck in the kernel may not die: do not wait for it. */
	usleep(100000);
	waitpid(pid, &status, WNOHANG);
	errno = ETIMEDOUT;
	return -1;
}

/* Write the string @val to the file @path (a sysctl, say).  0 or -1. */
static inline int fan_write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

/*
 * The capability sets of this thread, through the raw syscalls: the tests
 * need no libcap.
 */
static inline int fan_capget(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};

	return syscall(SYS_capget, &hdr, data);
}

/* Drop CAP_SYS_ADMIN from the effective and permitted sets. */
static inline int fan_drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	__u32 bit = CAP_TO_MASK(CAP_SYS_ADMIN);
	int i = CAP_TO_INDEX(CAP_SYS_ADMIN);

	if (fan_capget(data))
		return -1;
	data[i].effective &= ~bit;
	data[i].permitted &= ~bit;
	data[i].inheritable &= ~bit;
	return syscall(SYS_capset, &hdr, data) ? -1 : 0;
}

static inline int fan_have_cap_sys_admin(void)
{
	struct __user_cap_data_struct data[2];

	if (fan_capget(data))
		return 0;
	return !!(data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &
		  CAP_TO_MASK(CAP_SYS_ADMIN));
}

/* Create a temporary directory under $TMPDIR (or /tmp) into @buf. */
static inline char *fan_mkdtemp(char *buf, size_t len, const char *tag)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(buf, len, "%s/fanotify-%s.XXXXXX", tmp ? tmp : "/tmp", tag);
	return mkdtemp(buf);
}

/*
 * Give the calling process a private mount namespace, once.  Mounts made
 * in it go away with the process: a SKIP or ASSERT in FIXTURE_SETUP ends
 * the test without FIXTURE_TEARDOWN, and must not leave a loop-mounted
 * filesystem behind.
 */
static inline int fan_private_mounts(void)
{
	static pid_t owner;

	if (owner == getpid())
		return 0;
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -1;
	owner = getpid();
	return 0;
}

/*
 * Make an ext4 filesystem of @size (e.g. "64M") in the image file @img and
 * loop mount it on the existing directory @dir, in the process's private
 * mount namespace (fan_private_mounts()).  Returns 0, -1 with errno
 * ENOENT when mkfs.ext4 is missing, or -1 with errno EIO when it failed.
 */
static inline int fan_mount_ext4(const char *img, const char *dir,
				 const char *size)
{
	char cmd[512];

	if (system("command -v mkfs.ext4 >/dev/null 2>&1")) {
		errno = ENOENT;
		return -1;
	}
	if (fan_private_mounts())
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "truncate -s %s %s && mkfs.ext4 -q -F %s && mount -o loop %s %s",
		 size, img, img, img, dir);
	if (system(cmd)) {
		errno = EIO;
		return -1;
	}
	/* The loop device holds the image until it is detached. */
	unlink(img);
	return 0;
}

#endif /* __FANOTIFY_TEST_H */
