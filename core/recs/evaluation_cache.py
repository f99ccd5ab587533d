"""The offline evaluation's parameter choice, kept on disk per database file.

An evaluation chooses EASE's λ and the hybrid's weights on a validation split of its own
training weeks (:func:`core.recs.tuning.tune`), never on the held-out ones: about 10 s of CPU
on the 50k-customer sample, two thirds of the report's recommendation section. That choice
depends only on the database file, the split and the seed, so the report, ``omnimix
evaluate-recs`` and the Recommendations page's Evaluation tab share one copy in the project's
cache (:mod:`core.cache`): :func:`cached_tuner` is a drop-in for ``tune`` that reads it back.

This is not the page's own tuning (:mod:`core.recs.stored`, chosen on *all* weeks for the
models the page fits): reusing that one here would let the held-out weeks choose the
parameters they are scored on.

The key holds the database file's identity (a load, new settings or a regenerated sample
make a new one), the code's digest (:func:`core.cache.code_version`: another model or
another grid is a miss), what identifies the training part handed to ``tune`` (its rows and
time span: a time split's training part is every row before its cutoff, so its length names
it; a random split's is fixed by its seed and share), and ``tune``'s options.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from core import cache
from core.recs import columns as C
from core.recs.tuning import L2_GRID, VALIDATION_CUSTOMERS, VALIDATION_WEEKS, WEIGHT_STEPS, Tuning, tune

if TYPE_CHECKING:
    import duckdb

    from core.recs.evaluate import Evaluation, HoldoutPredictions

KIND = "recs-eval-tuning"


def tuning_key(db: Path | str, train_log: pd.DataFrame, *, hybrid: bool = True, random_state: int = 0,
               split: str = "time", test_share: float = 0.25) -> tuple:
    """Cache key of the evaluation's tuning on ``train_log``, the training part of ``db``'s whole log."""
    ts = train_log[C.TS]
    span = (len(train_log), None, None) if train_log.empty else (len(train_log), str(ts.min()), str(ts.max()))
    return (cache.file_identity(db), split, span, int(random_state), float(test_share) if split == "random" else None,
            bool(hybrid), VALIDATION_WEEKS, VALIDATION_CUSTOMERS, tuple(L2_GRID), tuple(WEIGHT_STEPS))


def cached_tuner(db: Path | str) -> Callable[..., Tuning]:
    """:func:`~core.recs.tuning.tune` for training parts of ``db``'s whole log, read from / kept in the cache.

    Pass it as ``tuner`` to :func:`core.recs.evaluate.evaluate` or
    :func:`~core.recs.evaluate.predict_holdout` with the log of :func:`core.recs.evaluate.load_data`
    of that file (not a filtered log: the key names the training part by its size and span).
    """

    def tuner(train_log: pd.DataFrame, products: pd.DataFrame, customers: pd.DataFrame, *, hybrid: bool = True,
              random_state: int = 0, split: str = "time", test_share: float = 0.25, parallel: bool = True) -> Tuning:
        options = {"hybrid": hybrid, "random_state": random_state, "split": split, "test_share": test_share}
        return cache.cached(KIND, tuning_key(db, train_log, **options), Tuning,
                            lambda: tune(train_log, products, customers, **options, parallel=parallel))

    return tuner


def _tuner_for(con: duckdb.DuckDBPyConnection) -> Callable[..., Tuning] | None:
    path = cache.connection_file(con)
    return None if path is None else cached_tuner(path)


def evaluate_db(con: duckdb.DuckDBPyConnection, **kwargs: object) -> Evaluation:
    """:func:`core.recs.evaluate.evaluate_db` with the tuning read from the cache (an in-memory database: none)."""
    from core.recs.evaluate import evaluate_db as evaluate_fresh

    return evaluate_fresh(con, tuner=_tuner_for(con), **kwargs)


def predict_holdout_db(con: duckdb.DuckDBPyConnection, **kwargs: object) -> HoldoutPredictions:
    """:func:`core.recs.evaluate.predict_holdout_db` with the tuning read from the cache."""
    from core.recs.evaluate import predict_holdout_db as predict_fresh

    return predict_fresh(con, tuner=_tuner_for(con), **kwargs)
