// SPDX-License-Identifier: GPL-2.0
/*
 * journal-load: the change journal (samples/fanotify/fanotify-journal.c)
 * under load, with rotations and restarts, checked against what the
 * writers did.
 *
 *   journal-load [-u] [-r ROTATIONS] [-R RESTARTS] JOURNAL-BIN JOURNAL FS
 *
 * FS is an empty directory on a filesystem that allows pre-content events,
 * JOURNAL an empty directory on another one.  Eight writers own four files
 * each and modify them in turn by write(), pwrite(), io_uring, stores
 * through a shared mapping and ftruncate().  Each modification gives the
 * file a new version: a write or the stores cover the file's first MiB,
 * the version in its last 8 bytes, copied last; ftruncate() writes it as
 * the file's size (2 MiB + version).  A MiB takes long enough to copy that,
 * without the barrier, a write allowed just before a rotation often lands
 * after the checkpoint was closed and read.  A writer logs
 * each version with the CLOCK_MONOTONIC times before and after the call.
 *
 * Meanwhile this program rotates checkpoints ("fanotify-journal rotate"),
 * restarts the daemon by starting a new one that takes over, and, like a
 * backup tool, reads the version of every file each closed checkpoint
 * lists, right after the close.  A modification is lost when the first
 * checkpoint whose read saw it (or a later version) opened after the
 * modification had returned, or no read saw it: no checkpoint that was
 * open while it happened listed it with it landed.  A listing that shows no
 * new version is counted as a duplicate.
 *
 * With -u the daemon rotates without FAN_MARK_SYNC and barrier (what a
 * kernel without them allows): the lost count shows the race; -e makes
 * a lost count of 0 a failure (the check did not see the race).  Without
 * -u, lost must be 0, every checkpoint vouched for; then the daemon is
 * killed and restarted, and "changes" must answer "rescan needed" for the
 * checkpoint it left open and not for the one after.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#define WRITERS		8
#define FILES		4		/* per writer */
#define WSIZE		(1 << 20)	/* each write: long enough to race */
#define VOFF		(WSIZE - 8)	/* the version: copied last */
#define BASE_SIZE	(2 * WSIZE)
#define MAX_CP		4096

static const char *bin, *jdir, *fsdir;
static bool unsafe, no_barrier, expect_losses;
static atomic_bool stop;

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("journal-load: FAIL: ");
	vprintf(fmt, ap);
	va_end(ap);
	if (errno)
		printf(" (%s)", strerror(errno));
	printf("\n");
	fflush(stdout);
	exit(1);
}

struct mod {
	unsigned long long v, ts, te;
};

struct writer {
	int id;
	pthread_t thread;
	int fd[FILES];
	unsigned long long version[FILES];
	struct mod *log[FILES];
	size_t count[FILES], cap[FILES];
	struct io_uring ring;
	int error;
};

static struct writer writers[WRITERS];

static int modify(struct writer *w, int f, int how, unsigned long long v)
{
	static __thread char *buf;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int fd = w->fd[f], ret;
	char *map;

	if (!buf)
		buf = malloc(WSIZE);
	if (!buf)
		return -1;
	memset(buf, (int)v, WSIZE);
	memcpy(buf + VOFF, &v, sizeof(v));
	switch (how) {
	case 0:
		if (lseek(fd, 0, SEEK_SET))
			return -1;
		return write(fd, buf, WSIZE) == WSIZE ? 0 : -1;
	case 1:
		return pwrite(fd, buf, WSIZE, 0) == WSIZE ? 0 : -1;
	case 2:
		sqe = io_uring_get_sqe(&w->ring);
		io_uring_prep_write(sqe, fd, buf, WSIZE, 0);
		ret = io_uring_submit_and_wait(&w->ring, 1);
		if (ret < 0) {
			errno = -ret;
			return -1;
		}
		if (io_uring_wait_cqe(&w->ring, &cqe))
			return -1;
		ret = cqe->res;
		io_uring_cqe_seen(&w->ring, cqe);
		if (ret != WSIZE) {
			errno = ret < 0 ? -ret : EIO;
			return -1;
		}
		return 0;
	case 3:
		map = mmap(NULL, BASE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			   fd, 0);
		if (map == MAP_FAILED)
			return -1;
		memcpy(map, buf, VOFF);
		memcpy(map + VOFF, &v, sizeof(v));
		return munmap(map, BASE_SIZE);
	default:
		return ftruncate(fd, BASE_SIZE + v);
	}
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	unsigned long n;

	for (n = 0; !atomic_load(&stop); n++) {
		int f = n % FILES, how = (n / FILES + w->id) % 5;
		unsigned long long v = ++w->version[f];
		struct mod m = { .v = v, .ts = now_ns() };

		if (modify(w, f, how, v)) {
			w->error = errno;
			fprintf(stderr, "writer %d: op %d: %s\n", w->id, how,
				strerror(errno));
			return NULL;
		}
		m.te = now_ns();
		if (w->count[f] == w->cap[f]) {
			w->cap[f] = w->cap[f] ? 2 * w->cap[f] : 1024;
			w->log[f] = realloc(w->log[f],
					    w->cap[f] * sizeof(struct mod));
			if (!w->log[f])
				abort();
		}
		w->log[f][w->count[f]++] = m;
	}
	return NULL;
}

/* What the backup read: checkpoint id's listings */
struct listing {
	int file;			/* writer * FILES + file */
	unsigned long long seen;	/* version read after the close */
};

static struct checkpoint {
	bool read, unvouched, gap;
	unsigned long long opened, closed;
	struct listing *list;
	size_t count;
} cps[MAX_CP];

static unsigned long first_cp, next_cp = 1;

/*
 * The backup's reads go through files opened before the journal started,
 * which raise no pre-content events: on a kernel without FAN_PRE_MODIFY
 * the journal records FAN_PRE_ACCESS, and would list every file the
 * backup reads in the next checkpoint, hiding what it lost.
 */
static int backup_fd[WRITERS * FILES];

static unsigned long long version_of(int file)
{
	unsigned long long hdr = 0;
	struct stat st;

	if (pread(backup_fd[file], &hdr, sizeof(hdr), VOFF) != sizeof(hdr) ||
	    fstat(backup_fd[file], &st))
		fail("reading w%d/f%d", file / FILES, file % FILES);
	return (unsigned long long)st.st_size - BASE_SIZE > hdr ?
	       (unsigned long long)st.st_size - BASE_SIZE : hdr;
}

/* Reads every closed checkpoint not read yet; returns how many */
static int read_closed(void)
{
	char path[512], line[4096];
	int n = 0;

	for (;;) {
		struct checkpoint *cp = &cps[next_cp];
		FILE *f;

		if (next_cp >= MAX_CP)
			fail("too many checkpoints");
		snprintf(path, sizeof(path), "%s/cp-%lu", jdir, next_cp);
		f = fopen(path, "re");
		if (!f)
			return n;
		while (fgets(line, sizeof(line), f)) {
			int w, i;
			char *p;

			line[strcspn(line, "\n")] = 0;
			if (sscanf(line, "opened %llu", &cp->opened) == 1 ||
			    sscanf(line, "closed %llu", &cp->closed) == 1)
				continue;
			if (!strncmp(line, "unvouched ", 10))
				cp->unvouched = true;
			if (!strncmp(line, "gap-before ", 11))
				cp->gap = true;
			if (strncmp(line, "M ", 2))
				continue;
			p = strrchr(line, '/');
			if (!p || p - line < 3 || sscanf(p - 2, "w%d/f%d", &w, &i) != 2)
				continue;	/* not a writer's file */
			p = strrchr(line, ' ');
			if (!p || strncmp(p + 1, fsdir, strlen(fsdir)))
				continue;
			cp->list = realloc(cp->list, (cp->count + 1) *
					   sizeof(*cp->list));
			cp->list[cp->count].file = w * FILES + i;
			cp->list[cp->count].seen = version_of(w * FILES + i);
			cp->count++;
		}
		fclose(f);
		cp->read = true;
		next_cp++;
		n++;
	}
}

static pid_t start_daemon(void)
{
	pid_t pid = fork();

	if (pid < 0)
		fail("fork");
	if (!pid) {
		if (unsafe || no_barrier)
			execl(bin, bin, unsafe ? "-u" : "-B", "run", jdir, fsdir,
			      NULL);
		else
			execl(bin, bin, "run", jdir, fsdir, NULL);
		_exit(127);
	}
	return pid;
}

/* Sends cmd to the daemon, retrying while none listens; its reply */
static unsigned long ctl(const char *cmd)
{
	unsigned long long deadline = now_ns() + 120000000000ULL;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	unsigned long closed;
	char msg[128];

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/ctl", jdir);
	while (now_ns() < deadline) {
		int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
		    send(fd, cmd, strlen(cmd), MSG_NOSIGNAL) < 0) {
			close(fd);
			usleep(20000);
			continue;
		}
		if (poll(&pfd, 1, 120000) != 1)
			fail("no answer to %s", cmd);
		n = recv(fd, msg, sizeof(msg) - 1, 0);
		close(fd);
		if (n <= 0) {
			usleep(20000);
			continue;	/* handed over meanwhile */
		}
		msg[n] = 0;
		if (sscanf(msg, "closed %lu", &closed) != 1)
			fail("%s: %s", cmd, msg);
		return closed;
	}
	fail("no daemon answers %s", cmd);
	return 0;
}

/* Waits up to seconds for pid to exit; its status, or -1 */
static int wait_exit(pid_t pid, int seconds)
{
	int i, status;

	for (i = 0; i < seconds * 50; i++) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		usleep(20000);
	}
	return -1;
}

static int run_changes(unsigned long n, char *out, size_t len)
{
	char cmd[1024];
	FILE *p;
	size_t got;

	snprintf(cmd, sizeof(cmd), "'%s' changes '%s' %lu", bin, jdir, n);
	p = popen(cmd, "r");
	if (!p)
		fail("popen");
	got = fread(out, 1, len - 1, p);
	out[got] = 0;
	return WEXITSTATUS(pclose(p));
}

int main(int argc, char *argv[])
{
	int rotations = 100, restarts = 5, opt, w, f, i;
	unsigned long long mods = 0, lost = 0, dups = 0, listings = 0;
	unsigned long cp_unvouched = 0, cp_gap = 0, done = 0, last;
	char out[65536], pre_path[512];
	pid_t daemon;
	int fd, pre;

	while ((opt = getopt(argc, argv, "uBer:R:")) != -1) {
		switch (opt) {
		case 'B':
			no_barrier = true;
			break;
		case 'u':
			unsafe = true;
			break;
		case 'e':
			expect_losses = true;
			break;
		case 'r':
			rotations = atoi(optarg);
			break;
		case 'R':
			restarts = atoi(optarg);
			break;
		default:
			fail("usage");
		}
	}
	if (argc - optind != 3)
		fail("usage: journal-load [-u [-e]] [-r N] [-R N] JOURNAL-BIN JOURNAL FS");
	bin = argv[optind];
	jdir = argv[optind + 1];
	fsdir = argv[optind + 2];
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (w = 0; w < WRITERS; w++) {
		char path[512];

		writers[w].id = w;
		snprintf(path, sizeof(path), "%s/w%d", fsdir, w);
		if (mkdir(path, 0755))
			fail("mkdir %s", path);
		for (f = 0; f < FILES; f++) {
			snprintf(path, sizeof(path), "%s/w%d/f%d", fsdir, w, f);
			fd = open(path, O_RDWR | O_CREAT, 0644);
			if (fd < 0 || ftruncate(fd, BASE_SIZE))
				fail("creating %s", path);
			close(fd);
			backup_fd[w * FILES + f] = open(path, O_RDONLY | O_CLOEXEC);
			if (backup_fd[w * FILES + f] < 0)
				fail("opening %s", path);
		}
		if (io_uring_queue_init(4, &writers[w].ring, 0))
			fail("io_uring_queue_init");
	}
	/* Open before the journal: raises no events */
	snprintf(pre_path, sizeof(pre_path), "%s/pre", fsdir);
	pre = open(pre_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (pre < 0)
		fail("creating %s", pre_path);

	daemon = start_daemon();
	/* The first checkpoint is open once the daemon answers */
	first_cp = ctl("rotate");
	read_closed();
	first_cp++;
	for (w = 0; w < WRITERS; w++) {
		for (f = 0; f < FILES; f++) {
			char path[512];

			snprintf(path, sizeof(path), "%s/w%d/f%d", fsdir, w, f);
			writers[w].fd[f] = open(path, O_RDWR | O_CLOEXEC);
			if (writers[w].fd[f] < 0)
				fail("opening %s", path);
		}
	}
	for (w = 0; w < WRITERS; w++)
		if (pthread_create(&writers[w].thread, NULL, writer_main,
				   &writers[w]))
			fail("pthread_create");

	for (i = 1; i <= rotations; i++) {
		usleep(10000);
		ctl("rotate");
		done++;
		/* Read as soon as closed, as a backup would */
		read_closed();
		if (restarts && i % (rotations / restarts) == 0 &&
		    i / (rotations / restarts) <= restarts) {
			pid_t next = start_daemon();
			int j;

			/* The checkpoint the old daemon hands over */
			for (j = 0; j < 60000 && !read_closed(); j++)
				usleep(2000);
			if (wait_exit(daemon, 150) < 0)
				fail("the old daemon did not exit after a handover");
			daemon = next;
			printf("# restart %d after rotation %d\n",
			       i / (rotations / restarts), i);
		}
		read_closed();
		for (w = 0; w < WRITERS; w++)
			if (writers[w].error)
				fail("writer %d failed", w);
	}
	atomic_store(&stop, true);
	for (w = 0; w < WRITERS; w++)
		pthread_join(writers[w].thread, NULL);
	last = ctl("rotate");
	read_closed();
	if (next_cp <= last)
		fail("checkpoint %lu was not found after its close", last);

	/* Every modification, against the first read that saw it */
	for (w = 0; w < WRITERS; w++) {
		for (f = 0; f < FILES; f++) {
			int file = w * FILES + f;
			unsigned long long prev = 0;
			unsigned long k;
			size_t m;

			for (k = first_cp; k < next_cp; k++)
				for (m = 0; m < cps[k].count; m++) {
					if (cps[k].list[m].file != file)
						continue;
					listings++;
					if (cps[k].list[m].seen == prev)
						dups++;
					prev = cps[k].list[m].seen;
				}
			for (m = 0; m < writers[w].count[f]; m++) {
				struct mod *mod = &writers[w].log[f][m];
				bool found = false;
				size_t j;

				mods++;
				for (k = first_cp; k < next_cp && !found; k++)
					for (j = 0; j < cps[k].count; j++) {
						if (cps[k].list[j].file != file ||
						    cps[k].list[j].seen < mod->v)
							continue;
						found = cps[k].opened <= mod->te;
						if (!found && lost < 10)
							printf("# lost: w%d/f%d version %llu (%llu-%llu), first seen in checkpoint %lu opened at %llu\n",
							       w, f, mod->v, mod->ts, mod->te, k, cps[k].opened);
						k = next_cp;
						break;
					}
				if (!found)
					lost++;
			}
		}
	}
	for (i = first_cp; i < (int)next_cp; i++) {
		cp_unvouched += cps[i].unvouched;
		cp_gap += cps[i].gap;
	}
	printf("mode %s\n", unsafe ? "without FAN_MARK_SYNC and barrier" :
	       no_barrier ? "FAN_MARK_SYNC alone" :
	       "FAN_MARK_SYNC and barrier");
	printf("writers %d\n", WRITERS);
	printf("modifications %llu\n", mods);
	printf("checkpoints %lu (%lu rotations, %d restarts)\n",
	       next_cp - first_cp, done + 1, restarts);
	printf("listings %llu\n", listings);
	printf("duplicates %llu\n", dups);
	printf("unvouched %lu\n", cp_unvouched);
	printf("gaps %lu\n", cp_gap);
	printf("lost %llu\n", lost);

	if (unsafe || no_barrier) {
		ctl("stop");
		wait_exit(daemon, 60);
		/* The check must see the race where it is not closed */
		if (expect_losses && !lost)
			fail("no change lost without %s",
			     unsafe ? "FAN_MARK_SYNC and barrier" :
			     "the barrier");
		return 0;
	}
	if (lost || cp_unvouched || cp_gap)
		fail("lost %llu, unvouched %lu, gaps %lu", lost, cp_unvouched,
		     cp_gap);
	if (run_changes(first_cp, out, sizeof(out)))
		fail("changes %lu: %s", first_cp, out);

	/*
	 * A file open for writing since before the journal started raises
	 * no events: it is listed while it stays open, and not after.
	 */
	if (pwrite(pre, "x", 1, 0) != 1)
		fail("writing %s", pre_path);
	last = ctl("rotate");
	if (run_changes(last, out, sizeof(out)) || !strstr(out, pre_path))
		fail("%s not listed while open: %s", pre_path, out);
	close(pre);
	ctl("rotate");
	last = ctl("rotate");
	if (run_changes(last, out, sizeof(out)) || strstr(out, pre_path))
		fail("%s listed after its close: %s", pre_path, out);
	printf("# a file open before the journal: listed until closed\n");

	/* A crash: the open checkpoint cannot be vouched for */
	kill(daemon, SIGKILL);
	wait_exit(daemon, 30);
	daemon = start_daemon();
	/* Closes the checkpoint open at the crash, then the one after */
	ctl("rotate");
	last = ctl("rotate");
	for (i = 0; i < 2; i++) {
		if (run_changes(last - 2 + i, out, sizeof(out)) != 2 ||
		    !strstr(out, "rescan needed"))
			fail("changes %lu after a crash: %s", last - 2 + i, out);
		printf("# after the crash, changes %lu: %s", last - 2 + i,
		       strstr(out, "rescan needed"));
	}
	if (run_changes(last, out, sizeof(out)))
		fail("changes %lu after the crash: %s", last, out);
	printf("# after the crash, changes %lu: vouched for\n", last);
	ctl("stop");
	if (wait_exit(daemon, 60))
		fail("the daemon did not stop cleanly");
	printf("journal-load: PASS\n");
	return 0;
}
