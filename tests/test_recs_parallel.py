"""Work run on two threads (core.recs.parallel) gives exactly what one thread gives, and errors reach the caller."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

from core.recs import parallel
from core.recs.parallel import Memo
from tests.test_recs_ease import recs_sample  # noqa: F401 - the shared 2,000-customer sample as a fixture


def test_alongside_runs_the_job_on_another_thread_and_returns_its_result():
    seen = {}

    def job():
        seen["thread"] = threading.current_thread().name
        return 41

    with parallel.alongside(job) as future:
        here = threading.current_thread().name
    assert future.result() == 41
    if parallel.WORKERS > 1:
        assert seen["thread"] != here
    with parallel.alongside(job, parallel=False) as future:
        pass
    assert future.result() == 41 and seen["thread"] == threading.current_thread().name


@pytest.mark.parametrize("on", [True, False])
def test_alongside_hands_the_jobs_error_to_the_caller(on):
    def job():
        raise ValueError("bad job")

    with parallel.alongside(job, parallel=on) as future:
        block_ran = True
    assert block_ran
    with pytest.raises(ValueError, match="bad job"):
        future.result()


def test_memo_keeps_the_last_values_and_makes_each_once_per_key():
    made = []
    memo = Memo(2)

    def make(key):
        made.append(key)
        return key * 10

    assert [memo.get(k, lambda k=k: make(k)) for k in (1, 2, 1, 3, 1, 2)] == [10, 20, 10, 30, 10, 20]
    assert made == [1, 2, 3, 2]  # 2 was dropped when 3 came (1 had been used since): made again


@pytest.mark.skipif(not hasattr(os, "getpriority") or parallel.WORKERS < 2, reason="thread niceness: Linux, two cores")
def test_the_job_runs_at_a_lower_priority_and_the_caller_keeps_its_own():
    def niceness():
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    before = niceness()
    with parallel.alongside(niceness, nice=3) as job:
        during = niceness()
    assert job.result() == min(19, before + 3)
    assert during == before == niceness()


def test_memo_makes_a_key_once_when_two_threads_ask_at_the_same_time():
    memo, made, started = Memo(4), [], threading.Event()

    def slow():
        made.append(1)
        started.set()
        time.sleep(0.2)
        return "value"

    with parallel.alongside(lambda: memo.get("k", slow)) as other:
        started.wait(5)
        mine = memo.get("k", slow)
    assert mine == other.result() == "value" and made == [1]


def test_memo_forgets_a_failed_make():
    memo = Memo(2)
    with pytest.raises(ZeroDivisionError):
        memo.get("k", lambda: 1 / 0)
    assert memo.get("k", lambda: 5) == 5


def test_tuning_on_two_threads_equals_one_thread(recs_sample):  # noqa: F811
    from core.recs.split import time_split
    from core.recs.tuning import tune

    log, products, customers = recs_sample
    train = time_split(log, holdout_weeks=8).train
    one = tune(train, products, customers, parallel=False).as_dict()
    two = tune(train, products, customers, parallel=True).as_dict()
    assert two == one
    assert list(two["ease_ndcg"]) == list(one["ease_ndcg"])  # the points in the order tried, too
    assert len(one["ease_ndcg"]) > 5 and one["hybrid_weights"]


def test_evaluation_on_two_threads_ranks_the_same_lists(recs_sample):  # noqa: F811
    from core.recs.evaluate import predict_holdout

    log, products, customers = recs_sample
    args = dict(max_k=10, holdout_weeks=8, max_customers=400)
    one = predict_holdout(log, products, customers, parallel=False, **args)
    two = predict_holdout(log, products, customers, parallel=True, **args)
    assert list(two.items) == list(one.items)  # the models in the same order
    for name in one.items:
        np.testing.assert_array_equal(two.items[name], one.items[name], err_msg=name)
    assert two.tuning == one.tuning and one.tuning["hybrid_weights"]


def test_a_large_catalogue_walks_on_one_thread(recs_sample, monkeypatch):  # noqa: F811
    """Above PARALLEL_PRODUCTS each point in flight would hold its own inverse: no second thread then."""
    from core.recs import ease_search
    from core.recs.split import time_split
    from core.recs.tuning import validation_split

    log, products, customers = recs_sample
    val = validation_split(time_split(log, holdout_weeks=8).train, products, customers, max_customers=300)
    threads: list[str] = []
    real = ease_search.ThreadPoolExecutor

    def recording(*args, **kwargs):
        threads.append(kwargs.get("thread_name_prefix", ""))
        return real(*args, **kwargs)

    monkeypatch.setattr(ease_search, "ThreadPoolExecutor", recording)
    grid = {"l2": (100.0, 250.0, 500.0), "dropout": (0.0, 0.5)}
    wide = ease_search.choose_ease([val], grid)
    assert threads or parallel.WORKERS < 2
    threads.clear()
    monkeypatch.setattr(ease_search, "PARALLEL_PRODUCTS", val.interactions.n_products - 1)
    narrow = ease_search.choose_ease([val], grid)
    assert threads == [] and narrow.tried == wide.tried and narrow.params == wide.params
