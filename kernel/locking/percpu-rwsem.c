// SPDX-License-Identifier: GPL-2.0-only
#include <linux/atomic.h>
#include <linux/percpu.h>
#include <linux/wait.h>
#include <linux/lockdep.h>
#include <linux/percpu-rwsem.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/sched/debug.h>
#include <linux/errno.h>
#include <trace/events/lock.h>

/*
 * Readers count themselves in the per-CPU read_count; a writer sets
 * sem->block (writer-writer exclusion, new readers take the slow path and
 * queue on sem->waiters), then waits on sem->writer until the readers have
 * drained.  sem->waiters is FIFO for readers and writers alike and is only
 * touched under waiters.lock, where percpu_rwsem_wake_function() grants the
 * lock to the queued tasks.
 *
 * A writer that gives up (percpu_down_write_timeout(): timeout or fatal
 * signal) undoes exactly what it did: off the queue under waiters.lock if
 * it never got sem->block, otherwise sem->block released and the queue
 * woken as by percpu_up_write(); then rcu_sync_exit() and the lockdep
 * release.
 */

int __percpu_init_rwsem(struct percpu_rw_semaphore *sem,
			const char *name, struct lock_class_key *key)
{
	sem->read_count = alloc_percpu(int);
	if (unlikely(!sem->read_count))
		return -ENOMEM;

	rcu_sync_init(&sem->rss);
	rcuwait_init(&sem->writer);
	init_waitqueue_head(&sem->waiters);
	atomic_set(&sem->block, 0);
#ifdef CONFIG_DEBUG_LOCK_ALLOC
	debug_check_no_locks_freed((void *)sem, sizeof(*sem));
	lockdep_init_map(&sem->dep_map, name, key, 0);
#endif
	return 0;
}
EXPORT_SYMBOL_GPL(__percpu_init_rwsem);

void percpu_free_rwsem(struct percpu_rw_semaphore *sem)
{
	/*
	 * XXX: temporary kludge. The error path in alloc_super()
	 * assumes that percpu_free_rwsem() is safe after kzalloc().
	 */
	if (!sem->read_count)
		return;

	rcu_sync_dtor(&sem->rss);
	free_percpu(sem->read_count);
	sem->read_count = NULL; /* catch use after free bugs */
}
EXPORT_SYMBOL_GPL(percpu_free_rwsem);

static bool __percpu_down_read_trylock(struct percpu_rw_semaphore *sem)
{
	this_cpu_inc(*sem->read_count);

	/*
	 * Due to having preemption disabled the decrement happens on
	 * the same CPU as the increment, avoiding the
	 * increment-on-one-CPU-and-decrement-on-another problem.
	 *
	 * If the reader misses the writer's assignment of sem->block, then the
	 * writer is guaranteed to see the reader's increment.
	 *
	 * Conversely, any readers that increment their sem->read_count after
	 * the writer looks are guaranteed to see the sem->block value, which
	 * in turn means that they are guaranteed to immediately decrement
	 * their sem->read_count, so that it doesn't matter that the writer
	 * missed them.
	 */

	smp_mb(); /* A matches D */

	/*
	 * If !sem->block the critical section starts here, matched by the
	 * release in percpu_up_write().
	 */
	if (likely(!atomic_read_acquire(&sem->block)))
		return true;

	this_cpu_dec(*sem->read_count);

	/* Prod writer to re-evaluate readers_active_check() */
	rcuwait_wake_up(&sem->writer);

	return false;
}

static inline bool __percpu_down_write_trylock(struct percpu_rw_semaphore *sem)
{
	if (atomic_read(&sem->block))
		return false;

	return atomic_xchg(&sem->block, 1) == 0;
}

static bool __percpu_rwsem_trylock(struct percpu_rw_semaphore *sem, bool reader)
{
	if (reader) {
		bool ret;

		preempt_disable();
		ret = __percpu_down_read_trylock(sem);
		preempt_enable();

		return ret;
	}
	return __percpu_down_write_trylock(sem);
}

/*
 * The return value of wait_queue_entry::func means:
 *
 *  <0 - error, wakeup is terminated and the error is returned
 *   0 - no wakeup, a next waiter is tried
 *  >0 - woken, if EXCLUSIVE, counted towards @nr_exclusive.
 *
 * We use EXCLUSIVE for both readers and writers to preserve FIFO order,
 * and play games with the return value to allow waking multiple readers.
 *
 * Specifically, we wake readers until we've woken a single writer, or until a
 * trylock fails.
 */
static int percpu_rwsem_wake_function(struct wait_queue_entry *wq_entry,
				      unsigned int mode, int wake_flags,
				      void *key)
{
	bool reader = wq_entry->flags & WQ_FLAG_CUSTOM;
	struct percpu_rw_semaphore *sem = key;
	struct task_struct *p;

	/* concurrent against percpu_down_write(), can get stolen */
	if (!__percpu_rwsem_trylock(sem, reader))
		return 1;

	p = get_task_struct(wq_entry->private);
	list_del_init(&wq_entry->entry);
	smp_store_release(&wq_entry->private, NULL);

	wake_up_process(p);
	put_task_struct(p);

	return !reader; /* wake (readers until) 1 writer */
}

/*
 * Wait in FIFO order, sleeping in @state, until percpu_rwsem_wake_function()
 * hands us the lock, for at most *@timeout jiffies (MAX_SCHEDULE_TIMEOUT: no
 * bound).  The time left is stored back in *@timeout.  A signal ends the
 * wait only if @state lets it (TASK_KILLABLE: a fatal signal).
 *
 * Return: 0 when the lock was granted.  On timeout (-ETIMEDOUT) or signal
 * (-EINTR) the waiter leaves the queue, unless the wakeup granted the lock
 * before we took waiters.lock: a grant is never refused, so the wakeup that
 * stopped at us (it wakes one writer, or readers until a writer) is never
 * lost, and 0 is returned.
 */
static int percpu_rwsem_wait(struct percpu_rw_semaphore *sem, bool reader,
			     unsigned int state, long *timeout)
{
	DEFINE_WAIT_FUNC(wq_entry, percpu_rwsem_wake_function);
	int ret = 0;
	bool wait;

	spin_lock_irq(&sem->waiters.lock);
	/*
	 * Serialize against the wakeup in percpu_up_write(), if we fail
	 * the trylock, the wakeup must see us on the list.
	 */
	wait = !__percpu_rwsem_trylock(sem, reader);
	if (wait) {
		wq_entry.flags |= WQ_FLAG_EXCLUSIVE | reader * WQ_FLAG_CUSTOM;
		__add_wait_queue_entry_tail(&sem->waiters, &wq_entry);
	}
	spin_unlock_irq(&sem->waiters.lock);

	while (wait) {
		set_current_state(state);
		if (!smp_load_acquire(&wq_entry.private))
			break;
		if (signal_pending_state(state, current))
			ret = -EINTR;
		else if (!*timeout)
			ret = -ETIMEDOUT;
		if (ret) {
			/*
			 * The wake function runs under waiters.lock: with it
			 * held, either it granted us the lock (and took us
			 * off the list) or it never will.
			 */
			spin_lock_irq(&sem->waiters.lock);
			if (wq_entry.private)
				list_del_init(&wq_entry.entry);
			else
				ret = 0;
			spin_unlock_irq(&sem->waiters.lock);
			break;
		}
		*timeout = schedule_timeout(*timeout);
	}
	__set_current_state(TASK_RUNNING);
	return ret;
}

bool __sched __percpu_down_read(struct percpu_rw_semaphore *sem, bool try,
				bool freeze)
{
	long timeout = MAX_SCHEDULE_TIMEOUT;

	if (__percpu_down_read_trylock(sem))
		return true;

	if (try)
		return false;

	trace_contention_begin(sem, LCB_F_PERCPU | LCB_F_READ);
	preempt_enable();
	percpu_rwsem_wait(sem, /* .reader = */ true,
			  TASK_UNINTERRUPTIBLE | (freeze ? TASK_FREEZABLE : 0),
			  &timeout);
	preempt_disable();
	trace_contention_end(sem, 0);

	return true;
}
EXPORT_SYMBOL_GPL(__percpu_down_read);

#define per_cpu_sum(var)						\
({									\
	TYPEOF_UNQUAL(var) __sum = 0;					\
	int cpu;							\
	compiletime_assert_atomic_type(__sum);				\
	for_each_possible_cpu(cpu)					\
		__sum += per_cpu(var, cpu);				\
	__sum;								\
})

bool percpu_is_read_locked(struct percpu_rw_semaphore *sem)
{
	return per_cpu_sum(*sem->read_count) != 0 && !atomic_read(&sem->block);
}
EXPORT_SYMBOL_GPL(percpu_is_read_locked);

/*
 * Return true if the modular sum of the sem->read_count per-CPU variable is
 * zero.  If this sum is zero, then it is stable due to the fact that if any
 * newly arriving readers increment a given counter, they will immediately
 * decrement that same counter.
 *
 * Assumes sem->block is set.
 */
static bool readers_active_check(struct percpu_rw_semaphore *sem)
{
	if (data_race(per_cpu_sum(*sem->read_count)) != 0)
		return false;

	/*
	 * If we observed the decrement; ensure we see the entire critical
	 * section.
	 */

	smp_mb(); /* C matches B */

	return true;
}

/*
 * Let the next reader or writer in.  Used by percpu_up_write() and by a
 * writer that gives up after it set sem->block; lockdep and the
 * contended_release tracepoint are left to the caller.
 */
static void __percpu_up_write(struct percpu_rw_semaphore *sem)
{
	/*
	 * Signal the writer is done, no fast path yet.
	 *
	 * One reason that we cannot just immediately flip to readers_fast is
	 * that new readers might fail to see the results of this writer's
	 * critical section.
	 *
	 * Therefore we force it through the slow path which guarantees an
	 * acquire and thereby guarantees the critical section's consistency.
	 * The release pairs with the acquire of sem->block in
	 * __percpu_down_read_trylock().
	 */
	atomic_set_release(&sem->block, 0);

	/*
	 * Prod any pending reader/writer to make progress.  A waiter that
	 * failed its trylock did so under waiters.lock, which __wake_up()
	 * takes, so it is on the list by now and is woken.
	 */
	__wake_up(&sem->waiters, TASK_NORMAL, 1, sem);

	/*
	 * Once this completes (at least one RCU-sched grace period hence) the
	 * reader fast path will be available again. Safe to use outside the
	 * exclusive write lock because its counting.
	 */
	rcu_sync_exit(&sem->rss);
}

/*
 * percpu_down_write() and percpu_down_write_timeout(): sleep in @state for
 * at most @timeout jiffies in all, with the lockdep caller @ip.
 */
static int __sched __percpu_down_write(struct percpu_rw_semaphore *sem,
				       unsigned int state, long timeout,
				       unsigned long ip)
{
	bool contended = false;
	long left;
	int ret;

	might_sleep();
	rwsem_acquire(&sem->dep_map, 0, 0, ip);

	/* Notify readers to take the slow path. */
	rcu_sync_enter(&sem->rss);

	/*
	 * Try set sem->block; this provides writer-writer exclusion.
	 * Having sem->block set makes new readers block.
	 */
	if (!__percpu_down_write_trylock(sem)) {
		trace_contention_begin(sem, LCB_F_PERCPU | LCB_F_WRITE);
		contended = true;
		ret = percpu_rwsem_wait(sem, /* .reader = */ false, state,
					&timeout);
		if (ret) {
			/*
			 * We never set sem->block and we are off the queue:
			 * nobody waits on us, no wakeup was meant for us.
			 */
			rcu_sync_exit(&sem->rss);
			rwsem_release(&sem->dep_map, ip);
			trace_contention_end(sem, ret);
			return ret;
		}
	}

	/* smp_mb() implied by __percpu_down_write_trylock() on success -- D matches A */

	/*
	 * If they don't see our store of sem->block, then we are guaranteed to
	 * see their sem->read_count increment, and therefore will wait for
	 * them.
	 */

	/*
	 * Wait for all active readers to complete.  The condition is checked
	 * before the time left and the signal: a writer that saw the readers
	 * gone keeps the lock.
	 */
	left = rcuwait_wait_event_timeout(&sem->writer, readers_active_check(sem),
					  state, timeout);
	if (left <= 0) {
		ret = left ? left : -ETIMEDOUT;
		/*
		 * Back out as percpu_up_write() does, without its
		 * contended_release event: we never held the lock.  The
		 * readers that queued behind us are woken as by a writer
		 * that ran.
		 */
		rwsem_release(&sem->dep_map, ip);
		__percpu_up_write(sem);
		if (contended)
			trace_contention_end(sem, ret);
		return ret;
	}
	if (contended)
		trace_contention_end(sem, 0);
	return 0;
}

void __sched percpu_down_write(struct percpu_rw_semaphore *sem)
{
	__percpu_down_write(sem, TASK_UNINTERRUPTIBLE, MAX_SCHEDULE_TIMEOUT,
			    _RET_IP_);
}
EXPORT_SYMBOL_GPL(percpu_down_write);

/**
 * percpu_down_write_timeout - acquire for write, killable, for a bounded time
 * @sem: the semaphore
 * @timeout: how long to wait in all, in jiffies; MAX_SCHEDULE_TIMEOUT
 *	waits as long as it takes
 *
 * A writer waits twice: for sem->block (other writers), then for the
 * active readers to drain.  Meanwhile new readers queue behind it.  When
 * a reader the writer waits for is itself waiting for one of the readers
 * queued behind the writer (a read -> write -> read chain through
 * userspace, as with freeze_super() and a FUSE daemon), the wait never
 * ends; a bounded wait lets the caller back out and break the chain.
 *
 * Both waits are TASK_KILLABLE: a fatal signal ends them at once.
 *
 * On timeout or fatal signal, @sem is left as if this writer had never
 * come: sem->block is released (if we had set it), the readers (and the
 * next writer) that queued behind us are woken exactly as percpu_up_write()
 * wakes them, and lockdep no longer sees us holding @sem.  If the last
 * reader leaves just as the time runs out or the signal comes, the final
 * readers_active_check() decides: the lock is taken if it saw the reader
 * gone.
 *
 * Return: 0 with @sem held for write, -ETIMEDOUT, or -EINTR on a fatal
 * signal.
 */
int __sched percpu_down_write_timeout(struct percpu_rw_semaphore *sem,
				      long timeout)
{
	return __percpu_down_write(sem, TASK_KILLABLE, timeout, _RET_IP_);
}
EXPORT_SYMBOL_GPL(percpu_down_write_timeout);

void percpu_up_write(struct percpu_rw_semaphore *sem)
{
	rwsem_release(&sem->dep_map, _RET_IP_);

	if (trace_contended_release_enabled() && wq_has_sleeper(&sem->waiters))
		trace_call__contended_release(sem);

	__percpu_up_write(sem);
}
EXPORT_SYMBOL_GPL(percpu_up_write);

void __percpu_up_read(struct percpu_rw_semaphore *sem)
{
	lockdep_assert_preemption_disabled();
	/*
	 * After percpu_up_write() completes, rcu_sync_is_idle() can still
	 * return false during the grace period, forcing readers into this
	 * slowpath. Only trace when a writer is actually waiting for
	 * readers to drain.
	 */
	if (trace_contended_release_enabled() && rcuwait_active(&sem->writer))
		trace_call__contended_release(sem);
	/*
	 * slowpath; reader will only ever wake a single blocked
	 * writer.
	 */
	smp_mb(); /* B matches C */
	/*
	 * In other words, if they see our decrement (presumably to
	 * aggregate zero, as that is the only time it matters) they
	 * will also see our critical section.
	 */
	this_cpu_dec(*sem->read_count);
	rcuwait_wake_up(&sem->writer);
}
EXPORT_SYMBOL_GPL(__percpu_up_read);
