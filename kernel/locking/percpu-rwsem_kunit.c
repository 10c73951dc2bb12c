// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of percpu_down_write_timeout(): a writer that gives up on
 * timeout must leave the semaphore as if it had never come.  The fatal
 * signal case shares the back-out; it is tested from userspace (the
 * fanotify selftests kill a FIFREEZE), since a kthread that allows SIGKILL
 * has a handler for it and so never sees it as fatal.
 *
 * Readers run in kthreads that hold the read side until told to let go;
 * every wait on them is bounded, so a broken back-out fails a test
 * instead of hanging the boot.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/lockdep.h>
#include <linux/percpu-rwsem.h>
#include <linux/slab.h>

#define BOUND	(5 * HZ)	/* wait for a thread that must make progress */

struct holder {
	struct percpu_rw_semaphore *sem;
	bool write;			/* hold the write side instead */
	bool wait_for_block;		/* start only once a writer set block */
	unsigned int start_delay_ms;	/* or start after this */
	unsigned long release_delay_us;	/* let go by itself after this */
	struct completion acquired;
	struct completion release;
	struct completion done;
	unsigned long acquired_at;	/* jiffies */
	bool released;			/* set before letting go */
};

static int holder_fn(void *arg)
{
	struct holder *h = arg;
	unsigned long deadline = jiffies + BOUND;

	if (h->wait_for_block) {
		while (!atomic_read(&h->sem->block) && time_before(jiffies, deadline))
			usleep_range(100, 200);
	}
	if (h->start_delay_ms)
		msleep(h->start_delay_ms);
	if (h->write)
		percpu_down_write(h->sem);
	else
		percpu_down_read(h->sem);
	h->acquired_at = jiffies;
	complete(&h->acquired);

	if (h->release_delay_us)
		usleep_range(h->release_delay_us, h->release_delay_us + 50);
	else
		wait_for_completion_timeout(&h->release, BOUND);

	WRITE_ONCE(h->released, true);
	if (h->write)
		percpu_up_write(h->sem);
	else
		percpu_up_read(h->sem);
	complete(&h->done);
	return 0;
}

static struct holder *start_holder(struct kunit *test,
				   struct percpu_rw_semaphore *sem, bool write,
				   bool wait_for_block, unsigned int start_delay_ms,
				   unsigned long delay_us)
{
	struct holder *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	struct task_struct *t;

	KUNIT_ASSERT_NOT_NULL(test, h);
	h->sem = sem;
	h->write = write;
	h->wait_for_block = wait_for_block;
	h->start_delay_ms = start_delay_ms;
	h->release_delay_us = delay_us;
	init_completion(&h->acquired);
	init_completion(&h->release);
	init_completion(&h->done);
	t = kthread_run(holder_fn, h, "pcpu_rwsem_%s", write ? "w" : "r");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	return h;
}

static void stop_holder(struct kunit *test, struct holder *h)
{
	complete(&h->release);
	KUNIT_ASSERT_NE_MSG(test, 0UL, wait_for_completion_timeout(&h->done, BOUND),
			    "lock holder did not finish");
}

static struct percpu_rw_semaphore *new_sem(struct kunit *test)
{
	struct percpu_rw_semaphore *sem = kunit_kzalloc(test, sizeof(*sem), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, sem);
	KUNIT_ASSERT_EQ(test, 0, percpu_init_rwsem(sem));
	test->priv = sem;
	return sem;
}

static void free_sem(struct kunit *test)
{
	if (test->priv)
		percpu_free_rwsem(test->priv);
}

/* The semaphore is idle: no writer, readers take it at once. */
static void expect_idle(struct kunit *test, struct percpu_rw_semaphore *sem)
{
	KUNIT_EXPECT_EQ(test, 0, atomic_read(&sem->block));
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	KUNIT_EXPECT_FALSE(test, lock_is_held(&sem->dep_map));
#endif
	KUNIT_EXPECT_TRUE(test, percpu_down_read_trylock(sem));
	percpu_up_read(sem);
	KUNIT_EXPECT_EQ(test, 0, percpu_down_write_timeout(sem, BOUND));
	percpu_up_write(sem);
}

static void uncontended(struct kunit *test)
{
	struct percpu_rw_semaphore *sem = new_sem(test);

	KUNIT_EXPECT_EQ(test, 0, percpu_down_write_timeout(sem, 0));
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	KUNIT_EXPECT_TRUE(test, lock_is_held(&sem->dep_map));
#endif
	KUNIT_EXPECT_FALSE(test, percpu_down_read_trylock(sem));
	percpu_up_write(sem);
	expect_idle(test, sem);
}

/* A reader that never leaves: the writer gives up and leaves no trace. */
static void timeout_on_reader(struct kunit *test)
{
	struct percpu_rw_semaphore *sem = new_sem(test);
	struct holder *r = start_holder(test, sem, false, false, 0, 0);
	unsigned long t0;

	KUNIT_ASSERT_NE(test, 0UL, wait_for_completion_timeout(&r->acquired, BOUND));
	t0 = jiffies;
	KUNIT_EXPECT_EQ(test, -ETIMEDOUT,
			percpu_down_write_timeout(sem, msecs_to_jiffies(100)));
	KUNIT_EXPECT_TRUE(test, time_after_eq(jiffies, t0 + msecs_to_jiffies(100)));
	/* The reader still holds it; more readers are welcome. */
	KUNIT_EXPECT_TRUE(test, percpu_down_read_trylock(sem));
	percpu_up_read(sem);
	stop_holder(test, r);
	expect_idle(test, sem);
}

/*
 * Readers that queued behind the pending writer must be let in when it
 * gives up: this is what breaks the read -> write -> read chain.
 */
static void timeout_wakes_queued_readers(struct kunit *test)
{
	struct percpu_rw_semaphore *sem = new_sem(test);
	struct holder *r1 = start_holder(test, sem, false, false, 0, 0);
	struct holder *r2, *r3;
	unsigned long t0, timeout = msecs_to_jiffies(300);

	KUNIT_ASSERT_NE(test, 0UL, wait_for_completion_timeout(&r1->acquired, BOUND));
	r2 = start_holder(test, sem, false, true, 0, 0);
	r3 = start_holder(test, sem, false, true, 0, 0);
	t0 = jiffies;
	KUNIT_EXPECT_EQ(test, -ETIMEDOUT, percpu_down_write_timeout(sem, timeout));

	KUNIT_ASSERT_NE_MSG(test, 0UL, wait_for_completion_timeout(&r2->acquired, BOUND),
			    "reader queued behind the writer was not woken");
	KUNIT_ASSERT_NE_MSG(test, 0UL, wait_for_completion_timeout(&r3->acquired, BOUND),
			    "second queued reader was not woken");
	/* They did wait for the writer: they came while it was pending. */
	KUNIT_EXPECT_TRUE(test, time_after_eq(r2->acquired_at, t0 + timeout));
	KUNIT_EXPECT_TRUE(test, time_after_eq(r3->acquired_at, t0 + timeout));

	stop_holder(test, r1);
	stop_holder(test, r2);
	stop_holder(test, r3);
	expect_idle(test, sem);
}

/*
 * Time out while queued behind another writer: leave the queue so that
 * the reader queued behind us is woken when the other writer is done.
 */
static void timeout_in_writer_queue(struct kunit *test)
{
	struct percpu_rw_semaphore *sem = new_sem(test);
	struct holder *w = start_holder(test, sem, true, false, 0, 0);
	struct holder *r;

	KUNIT_ASSERT_NE(test, 0UL, wait_for_completion_timeout(&w->acquired, BOUND));
	/* We queue behind w, r queues behind us; we give up first. */
	r = start_holder(test, sem, false, false, 30, 0);
	KUNIT_EXPECT_EQ(test, -ETIMEDOUT,
			percpu_down_write_timeout(sem, msecs_to_jiffies(100)));
	KUNIT_EXPECT_EQ(test, 0UL, wait_for_completion_timeout(&r->acquired, 1));

	stop_holder(test, w);
	KUNIT_ASSERT_NE_MSG(test, 0UL, wait_for_completion_timeout(&r->acquired, BOUND),
			    "reader queued with a timed-out writer was not woken");
	stop_holder(test, r);
	expect_idle(test, sem);
}

/*
 * The last reader leaves around the moment the writer times out.  Either
 * outcome is fine; each must leave a consistent semaphore.
 */
static void timeout_races_last_reader(struct kunit *test)
{
	struct percpu_rw_semaphore *sem = new_sem(test);
	unsigned long timeout = 2, timeout_us = 2 * USEC_PER_SEC / HZ;
	int i, got = 0, timedout = 0;

	for (i = 0; i < 100; i++) {
		/* Spread the reader's exit over [0.25, 3] x the timeout. */
		unsigned long d = timeout_us * (1 + i % 12) / 4;
		struct holder *r = start_holder(test, sem, false, false, 0, d);
		int ret;

		KUNIT_ASSERT_NE(test, 0UL, wait_for_completion_timeout(&r->acquired, BOUND));
		ret = percpu_down_write_timeout(sem, timeout);
		if (ret == 0) {
			got++;
			KUNIT_EXPECT_TRUE(test, READ_ONCE(r->released));
			percpu_up_write(sem);
		} else {
			timedout++;
			KUNIT_EXPECT_EQ(test, -ETIMEDOUT, ret);
		}
		KUNIT_ASSERT_NE(test, 0UL, wait_for_completion_timeout(&r->done, BOUND));
		expect_idle(test, sem);
	}
	kunit_info(test, "writer got the lock %d times, timed out %d times\n",
		   got, timedout);
}

static struct kunit_case percpu_rwsem_cases[] = {
	KUNIT_CASE(uncontended),
	KUNIT_CASE(timeout_on_reader),
	KUNIT_CASE(timeout_wakes_queued_readers),
	KUNIT_CASE(timeout_in_writer_queue),
	KUNIT_CASE_SLOW(timeout_races_last_reader),
	{}
};

static struct kunit_suite percpu_rwsem_suite = {
	.name = "percpu_rwsem",
	.exit = free_sem,
	.test_cases = percpu_rwsem_cases,
};

kunit_test_suite(percpu_rwsem_suite);

MODULE_DESCRIPTION("KUnit tests for percpu_down_write_timeout()");
MODULE_LICENSE("GPL");
