// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of fsnotify_sync_marks(), the wait behind FAN_MARK_SYNC: it
 * must not return while an event that started before it still walks the
 * mark lists, and must return once none does.
 *
 * An event in its walk is stood in for by a kthread that holds the read
 * side of fsnotify_mark_srcu, as fsnotify() does, until told to let go.
 * Every wait is bounded, so a broken sync fails a test instead of hanging
 * the boot.  The threads' state is allocated with kzalloc() and freed only
 * when both threads are known to be done: a test that gives up on a
 * thread leaks it rather than free what the thread still writes.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/slab.h>

#include "fsnotify.h"

#define BOUND	(5 * HZ)	/* wait for a thread that must make progress */

struct walker {
	struct completion in_walk;
	struct completion release;
	struct completion done;
	bool released;		/* set before leaving the read side */
};

static int walker_fn(void *arg)
{
	struct walker *w = arg;
	int idx;

	idx = srcu_read_lock(&fsnotify_mark_srcu);
	complete(&w->in_walk);
	wait_for_completion_timeout(&w->release, BOUND);
	WRITE_ONCE(w->released, true);
	srcu_read_unlock(&fsnotify_mark_srcu, idx);
	complete(&w->done);
	return 0;
}

struct syncer {
	struct completion done;
	bool walker_released;	/* what the walker said when sync returned */
	struct walker *w;
};

static int syncer_fn(void *arg)
{
	struct syncer *s = arg;

	fsnotify_sync_marks();
	if (s->w)
		s->walker_released = READ_ONCE(s->w->released);
	complete(&s->done);
	return 0;
}

/* With no event in its walk, the sync returns. */
static void sync_idle(struct kunit *test)
{
	struct syncer *s = kzalloc(sizeof(*s), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, s);
	init_completion(&s->done);
	if (IS_ERR(kthread_run(syncer_fn, s, "fsn_sync"))) {
		kfree(s);
		KUNIT_FAIL(test, "kthread_run failed");
		return;
	}
	if (!wait_for_completion_timeout(&s->done, BOUND)) {
		KUNIT_FAIL(test, "the sync did not return with no event walking");
		return;		/* leak s: the syncer may still write it */
	}
	kfree(s);
}

/*
 * An event that began its walk before the sync holds it back until the
 * event is done, and no longer.
 */
static void sync_waits_for_walk(struct kunit *test)
{
	struct walker *w = kzalloc(sizeof(*w), GFP_KERNEL);
	struct syncer *s = kzalloc(sizeof(*s), GFP_KERNEL);
	unsigned long early;

	if (!w || !s) {
		kfree(w);
		kfree(s);
		KUNIT_FAIL(test, "out of memory");
		return;
	}
	init_completion(&w->in_walk);
	init_completion(&w->release);
	init_completion(&w->done);
	init_completion(&s->done);
	s->w = w;

	if (IS_ERR(kthread_run(walker_fn, w, "fsn_walker"))) {
		kfree(w);
		kfree(s);
		KUNIT_FAIL(test, "kthread_run failed");
		return;
	}
	if (!wait_for_completion_timeout(&w->in_walk, BOUND)) {
		KUNIT_FAIL(test, "the walker did not start");
		return;		/* leak: the walker may still run */
	}
	if (IS_ERR(kthread_run(syncer_fn, s, "fsn_sync"))) {
		complete(&w->release);
		wait_for_completion_timeout(&w->done, BOUND);
		KUNIT_FAIL(test, "kthread_run failed");
		return;		/* leak s and w: keep it simple */
	}

	/* A grace period is milliseconds; the walker holds it for 500. */
	early = wait_for_completion_timeout(&s->done, msecs_to_jiffies(500));
	KUNIT_EXPECT_EQ_MSG(test, 0UL, early,
			    "the sync returned while an event was in its walk");
	complete(&w->release);
	if (!wait_for_completion_timeout(&w->done, BOUND) ||
	    (!early && !wait_for_completion_timeout(&s->done, BOUND))) {
		KUNIT_FAIL(test, "the walker or the sync did not finish");
		return;		/* leak: a thread may still run */
	}
	KUNIT_EXPECT_TRUE(test, s->walker_released);
	kfree(w);
	kfree(s);
}

static struct kunit_case fsnotify_mark_cases[] = {
	KUNIT_CASE(sync_idle),
	KUNIT_CASE(sync_waits_for_walk),
	{}
};

static struct kunit_suite fsnotify_mark_suite = {
	.name = "fsnotify_mark_sync",
	.test_cases = fsnotify_mark_cases,
};

kunit_test_suite(fsnotify_mark_suite);
