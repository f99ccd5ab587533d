"""Running one long job beside other work, on the two cores of a small server.

Choosing EASE's parameters (one inverse and one scoring per point tried) is the longest part of
the recommender evaluation, and independent of the other models' fits.  :func:`alongside` runs
it on a second thread while the caller fits those.  Threads, not processes: the data stay
shared, and the heavy steps (LAPACK, scipy.sparse products, numpy sorts) release the GIL.

While both threads run, BLAS keeps one thread each: OpenBLAS's own threads would compete for
the same two cores (see :data:`core.recs.ease.BLAS_THREADS`).  The results do not depend on the
threads: each job works on its own objects and is deterministic.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from threadpoolctl import threadpool_limits

T = TypeVar("T")

WORKERS = max(1, min(2, os.cpu_count() or 1))
"""Threads the recommenders use at most for one task: the two cores of the machine it is sized for."""


@contextmanager
def alongside(job: Callable[[], T], *, parallel: bool = True) -> Iterator[Future[T]]:
    """Run ``job`` on a second thread while the ``with`` block runs; the future holds its result.

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
        future = pool.submit(job)
        try:
            yield future
        finally:
            future.exception()  # wait inside the BLAS limit: the job's inverses stay at one thread
