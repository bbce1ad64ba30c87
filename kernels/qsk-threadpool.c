/* qsk-threadpool.c: a tiny pthread pool for kernel parallel_for */
#include "qsk-threadpool.h"
#include "qsk-cpu.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

/* Back-to-back kernel calls (a network's layers) are microseconds apart: a worker
 * that just finished polls for the next job for a few tens of microseconds
 * before it sleeps on the condition variable, and the caller spins as long for the
 * last task before it sleeps; a futex wake-up costs more than a small kernel. */
#define SPIN_POLLS 1000      /* x ~140 cycles per pause: ~50 us */

static inline void
cpu_relax (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause ();
#endif
}

struct _QskThreadPool
{
  int n_threads;
  pthread_t *threads;
  pthread_mutex_t call_lock;  /* serializes parallel_for callers */
  pthread_mutex_t lock;
  pthread_cond_t wake;        /* a new job or shutdown */
  pthread_cond_t done;        /* the last task of a job finished */
  /* the current job, written under lock; generation and n_finished are also polled
   * without it while spinning */
  atomic_ulong generation;
  QskTaskFn fn;
  void *ctx;
  size_t n_tasks;
  size_t next_task;
  atomic_size_t n_finished;
  atomic_bool quit;
};

/* Claim and run tasks until none are left; called with lock held. */
static void
run_tasks_locked (QskThreadPool *pool)
{
  while (pool->next_task < pool->n_tasks)
    {
      size_t t = pool->next_task++;

      pthread_mutex_unlock (&pool->lock);
      pool->fn (pool->ctx, t);
      pthread_mutex_lock (&pool->lock);
      if (atomic_fetch_add (&pool->n_finished, 1) + 1 == pool->n_tasks)
        pthread_cond_broadcast (&pool->done);
    }
}

static void *
worker_main (void *data)
{
  QskThreadPool *pool = data;
  unsigned long seen = 0;

  for (;;)
    {
      for (int i = 0; i < SPIN_POLLS && !atomic_load (&pool->quit)
                      && atomic_load_explicit (&pool->generation, memory_order_acquire) == seen;
           i++)
        cpu_relax ();
      pthread_mutex_lock (&pool->lock);
      while (!pool->quit && pool->generation == seen)
        pthread_cond_wait (&pool->wake, &pool->lock);
      if (pool->quit)
        {
          pthread_mutex_unlock (&pool->lock);
          break;
        }
      seen = pool->generation;
      run_tasks_locked (pool);
      pthread_mutex_unlock (&pool->lock);
    }
  return NULL;
}

QskThreadPool *
qsk_thread_pool_new (int n_threads)
{
  QskThreadPool *pool = calloc (1, sizeof *pool);

  if (pool == NULL)
    return NULL;
  pool->n_threads = n_threads > 0 ? n_threads : qsk_cpu_count ();
  pthread_mutex_init (&pool->call_lock, NULL);
  pthread_mutex_init (&pool->lock, NULL);
  pthread_cond_init (&pool->wake, NULL);
  pthread_cond_init (&pool->done, NULL);
  if (pool->n_threads > 1)
    {
      pool->threads = calloc ((size_t) pool->n_threads - 1, sizeof *pool->threads);
      if (pool->threads == NULL)
        {
          pool->n_threads = 1;
          qsk_thread_pool_free (pool);
          return NULL;
        }
      for (int i = 0; i < pool->n_threads - 1; i++)
        if (pthread_create (&pool->threads[i], NULL, worker_main, pool) != 0)
          {
            pool->n_threads = i + 1;
            qsk_thread_pool_free (pool);
            return NULL;
          }
    }
  return pool;
}

void
qsk_thread_pool_free (QskThreadPool *pool)
{
  if (pool == NULL)
    return;
  pthread_mutex_lock (&pool->lock);
  pool->quit = true;
  pthread_cond_broadcast (&pool->wake);
  pthread_mutex_unlock (&pool->lock);
  for (int i = 0; i < pool->n_threads - 1; i++)
    pthread_join (pool->threads[i], NULL);
  free (pool->threads);
  pthread_cond_destroy (&pool->done);
  pthread_cond_destroy (&pool->wake);
  pthread_mutex_destroy (&pool->lock);
  pthread_mutex_destroy (&pool->call_lock);
  free (pool);
}

int
qsk_thread_pool_n_threads (const QskThreadPool *pool)
{
  return pool != NULL ? pool->n_threads : 1;
}

void
qsk_thread_pool_parallel_for (QskThreadPool *pool, size_t n_tasks, QskTaskFn fn, void *ctx)
{
  if (n_tasks == 0)
    return;
  if (pool == NULL || pool->n_threads == 1 || n_tasks == 1)
    {
      for (size_t t = 0; t < n_tasks; t++)
        fn (ctx, t);
      return;
    }
  pthread_mutex_lock (&pool->call_lock);
  pthread_mutex_lock (&pool->lock);
  pool->fn = fn;
  pool->ctx = ctx;
  pool->n_tasks = n_tasks;
  pool->next_task = 0;
  atomic_store (&pool->n_finished, 0);
  atomic_fetch_add_explicit (&pool->generation, 1, memory_order_release);
  pthread_cond_broadcast (&pool->wake);
  run_tasks_locked (pool);
  if (atomic_load (&pool->n_finished) < pool->n_tasks)
    {
      pthread_mutex_unlock (&pool->lock);
      for (int i = 0; i < SPIN_POLLS && atomic_load (&pool->n_finished) < n_tasks; i++)
        cpu_relax ();
      pthread_mutex_lock (&pool->lock);
    }
  while (atomic_load (&pool->n_finished) < pool->n_tasks)
    pthread_cond_wait (&pool->done, &pool->lock);
  pthread_mutex_unlock (&pool->lock);
  pthread_mutex_unlock (&pool->call_lock);
}
