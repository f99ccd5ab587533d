"""The budget model of a database file, fitted once and kept on disk (see :mod:`core.cache`).

``omnimix budget``, the Budget page and ``omnimix report`` all fit the same model on the
same database; through :func:`model_for_db_file` the second of them reads the first one's
fit instead of sampling again. The key is the file's identity and every option that changes
the fit (seed, sampler settings, held-out weeks, whether the lift tests were used), so a
changed database or another setting is a fresh fit.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from core import cache

if TYPE_CHECKING:  # the model (and scikit-learn) are imported only to fit or load one
    import duckdb

    from core.mmm.model import MediaMixModel
    from core.mmm.weekly import WeeklyData

KIND = "mmm"


DEFAULTS = {"fourier_order": 2, "events": True, "growing_season": False, "holdout_weeks": 12, "current_weeks": 52,
            "n_chains": 16, "n_warmup": 300, "n_samples": 400, "thin": 8, "random_state": 0}
"""``MediaMixModel()``'s parameters but the prior (a test checks they agree): keys are made without
importing the model, so a report whose sections are all cached loads no model code."""


def cache_key(db: Path | str, *, use_tests: bool = True, **params: object) -> tuple:
    """Database identity, whether lift tests are used and the model's parameters (defaults filled in)."""
    unknown = sorted(set(params) - set(DEFAULTS) - {"prior"})
    if unknown:
        raise TypeError(f"Unknown MediaMixModel parameter {unknown[0]!r}.")
    settings = {**DEFAULTS, **{k: v for k, v in params.items() if k != "prior"}}
    return cache.file_identity(db), bool(use_tests), tuple(sorted(settings.items()))


def has_model(db: Path | str, *, use_tests: bool = True, **params: object) -> bool:
    """Whether a fit for these options is on disk (without loading it)."""
    return cache.exists(KIND, cache_key(db, use_tests=use_tests, **params))


def cached_model(db: Path | str, *, use_tests: bool = True, **params: object) -> MediaMixModel | None:
    """The stored fit for these options, or None (no fit yet, or the database changed since)."""
    from core.mmm.model import MediaMixModel

    return cache.load(KIND, cache_key(db, use_tests=use_tests, **params), MediaMixModel)


def model_for_db_file(db: Path | str, *, con: duckdb.DuckDBPyConnection | None = None, use_tests: bool = True,
                      **params: object) -> MediaMixModel:
    """The model fitted on every week of ``db`` (with its lift tests unless ``use_tests`` is off), cached.

    Parameters
    ----------
    db : path
        Omnimix database file.
    con : duckdb.DuckDBPyConnection, optional
        An open connection to ``db`` to read from (default: the file is opened read-only).
    use_tests : bool, default=True
        Calibrate to the database's ``experiments`` table when it has rows.
    **params
        :class:`MediaMixModel` parameters (``random_state``, ``n_chains``, ...); a custom ``prior`` is
        fitted every time.

    Raises
    ------
    OmnimixError
        No marketing spend or too few weeks (from the fit; nothing is cached then).
    """
    from core.mmm.model import MediaMixModel
    from core.mmm.weekly import from_db
    from core.store.reads import read_experiments

    def fit() -> MediaMixModel:
        if con is not None:
            data, tests = from_db(con), read_experiments(con)
        else:
            from core.store.db import open_db  # the numeric package imports without DuckDB

            with open_db(Path(db), read_only=True) as own:
                data, tests = from_db(own), read_experiments(own)
        tests = tests if use_tests and len(tests) else None
        return MediaMixModel(**params).fit(data, experiments=tests)  # type: ignore[arg-type]

    key = None if params.get("prior") is not None else cache_key(db, use_tests=use_tests, **params)
    return cache.cached(KIND, key, MediaMixModel, fit)


def fit_for_db_file(db: Path | str, data: WeeklyData, tests: pd.DataFrame | None, *, use_tests: bool = True,
                    **params: object) -> MediaMixModel:
    """:func:`model_for_db_file` with ``db``'s weekly table and lift tests already read (by the dashboard).

    ``tests`` are the lift tests to calibrate to (None or empty: none); ``use_tests`` is part of
    the key, as in :func:`model_for_db_file`.
    """
    from core.mmm.model import MediaMixModel

    tests = tests if tests is not None and len(tests) else None
    key = None if params.get("prior") is not None else cache_key(db, use_tests=use_tests, **params)
    return cache.cached(KIND, key, MediaMixModel,
                        lambda: MediaMixModel(**params).fit(data, experiments=tests))  # type: ignore[arg-type]
