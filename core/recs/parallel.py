"""Running work beside the longest job, on the two cores of a small server.

Choosing EASE's parameters (one inverse and one scoring per point tried) is the longest part of
the recommender evaluation, and independent of the other models' fits.  :func:`alongside` runs
those fits on a second thread while the caller walks EASE's grid.  Threads, not processes: the
data stay shared, and the heavy steps (LAPACK, scipy.sparse products, numpy sorts) release the GIL.

The second thread runs at a lower priority (:data:`BACKGROUND_NICE`, Linux only): it fills the
time the longest job leaves a core idle instead of slowing it down, since the evaluation waits
for that job whatever else is done.  (Measured on the 50k sample: at equal priority the EASE walk
took 18 s instead of 13 s beside the other fits.)

While both threads run, BLAS keeps one thread each: OpenBLAS's own threads would compete for
the same two cores (see :data:`core.recs.ease.BLAS_THREADS`).  The results do not depend on the
threads: each job works on its own objects and is deterministic.
"""

from __future__ import annotations

import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from threadpoolctl import threadpool_limits

T = TypeVar("T")

WORKERS = max(1, min(2, os.cpu_count() or 1))
"""Threads the recommenders use at most for one task: the two cores of the machine it is sized for."""
BACKGROUND_NICE = 10
"""Niceness added by default to the thread of :func:`alongside`'s job (and the threads it starts)."""
LOWEST_PRIORITY = 19
"""A ``nice`` for :func:`alongside` below any default job (Linux's largest niceness)."""


@contextmanager
def alongside(job: Callable[[], T], *, parallel: bool = True, nice: int = BACKGROUND_NICE) -> Iterator[Future[T]]:
    """Run ``job`` on a second thread, at a lower priority, while the ``with`` block runs; the future holds its result.

    Give the block the work everything waits for, and ``job`` the work that can wait; ``nice``
    is added to the job thread's niceness (Linux; capped at 19): a job that can wait longer than
    another one running beside it gets a larger value.

    With ``parallel`` False (or one core), ``job`` runs first, in the calling thread, and the
    block after it: the same results, one core.  Leaving the block waits for ``job``; its
    exception is raised by ``future.result()``.

    Examples
    --------
    >>> with alongside(lambda: sum(range(10))) as total:
    ...     other = max(range(10))
    >>> total.result() + other
    54
    """
    if not parallel or WORKERS < 2:
        done: Future[T] = Future()
        try:
            done.set_result(job())
        except Exception as error:  # noqa: BLE001 - handed to the caller through result(), as a thread would
            done.set_exception(error)
        yield done
        return
    with threadpool_limits(limits=1, user_api="blas"), ThreadPoolExecutor(1, thread_name_prefix="omnimix") as pool:
        future = pool.submit(_in_background, job, nice)
        try:
            yield future
        finally:
            future.exception()  # wait inside the BLAS limit: the job's inverses stay at one thread


def _in_background(job: Callable[[], T], nice: int) -> T:
    """``job()`` with this thread's priority lowered first (a pool thread used once: nothing to restore)."""
    if sys.platform == "linux":
        try:  # a thread's niceness is its own on Linux; threads it starts inherit it
            tid = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))
        except OSError:  # not allowed here: the same work at the same priority
            pass
    return job()


class Memo:
    """The last ``size`` values made by :meth:`get`, shared between threads; each key is made once.

    A thread asking for a key another thread is making waits for that result instead of making it
    again (an inverse or a Gram matrix: a quarter to a whole second each on the 50k sample).
    """

    def __init__(self, size: int):
        self.size, self._values, self._lock = max(1, int(size)), OrderedDict(), threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value kept for ``key``, made by ``make()`` (outside the lock) when missing."""
        with self._lock:
            future = self._values.get(key)
            mine = future is None
            if mine:
                future = self._values[key] = Future()
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)
        if mine:
            try:
                future.set_result(make())
            except BaseException as error:
                with self._lock:  # not kept: the next ask tries again
                    if self._values.get(key) is future:
                        del self._values[key]
                future.set_exception(error)
        return future.result()
