/* qsk-threadpool.h: a tiny pthread pool for kernel parallel_for (libc + pthreads)
 *
 * Create the pool once (it owns n_threads - 1 worker threads; the caller's thread is
 * the n-th) and hand it to any kernel; a NULL pool or a 1-thread pool runs inline.
 * One parallel_for at a time per pool: calls from several threads serialize on an
 * internal lock.  Kernels split work into tasks that never share outputs, so results
 * do not depend on the number of threads.
 */
#pragma once

#include <stddef.h>

typedef struct _QskThreadPool QskThreadPool;

typedef void (*QskTaskFn) (void *ctx, size_t task);

/* n_threads <= 0 means one per online CPU.  Returns NULL only if out of memory or
 * threads cannot be created (callers may then pass NULL: everything runs inline). */
QskThreadPool *qsk_thread_pool_new          (int n_threads);
void           qsk_thread_pool_free         (QskThreadPool *pool);
/* Threads taking part in a parallel_for, including the caller; 1 for NULL. */
int            qsk_thread_pool_n_threads    (const QskThreadPool *pool);
/* Run fn (ctx, t) for every t in [0, n_tasks) and return when all are done. */
void           qsk_thread_pool_parallel_for (QskThreadPool *pool, size_t n_tasks,
                                             QskTaskFn fn, void *ctx);
