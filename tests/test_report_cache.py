"""The report's on-disk cache (core.cache, core.mmm.cached): reuse, invalidation, cold = warm, atomic entries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core import cache
from core.filters import Filters
from core.mmm import cached as mmm_cached
from core.mmm.model import MediaMixModel
from core.report import budget as report_budget
from core.report.build import build_report
from core.store.db import open_db

WHEN = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)
"""A fixed build time: with it two builds of the same data must give the same page byte for byte."""


def _build(db: Path, **kwargs: object) -> str:
    with open_db(db, read_only=True) as con:
        return build_report(con, Filters(), built_at=WHEN, **kwargs).html


def _count_fits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count budget-model fits from now on."""
    calls: list[int] = []
    fit = MediaMixModel.fit

    def counting(self: MediaMixModel, *args: object, **kwargs: object) -> MediaMixModel:
        calls.append(1)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(MediaMixModel, "fit", counting)
    return calls


def test_warm_build_reuses_the_cache_and_gives_the_same_page(own_db, cache_dir, monkeypatch):
    fits = _count_fits(monkeypatch)
    cold = _build(own_db)
    assert len(fits) == 1
    kinds = sorted(p.name.split("-")[0] for p in cache_dir.iterdir())
    assert set(kinds) == {"mmm", "recs", "segments", "section"}  # the slow results, and each section
    assert not [p for p in cache_dir.iterdir() if p.name.startswith(".")]  # no temporary file left

    from core.recs import evaluate as recs_evaluate

    def no_evaluation(*args: object, **kwargs: object) -> None:
        raise AssertionError("the recommendation evaluation ran again on a warm build")

    monkeypatch.setattr(recs_evaluate, "evaluate_db", no_evaluation)
    warm = _build(own_db)
    assert len(fits) == 1  # no second fit
    assert warm == cold
    assert "the quick sampler" in warm  # auto without a full fit on disk: the quick one, and it says so


def test_a_changed_database_is_fitted_again(own_db, cache_dir, monkeypatch):
    fits = _count_fits(monkeypatch)
    before = _build(own_db, sections=["budget"])
    with open_db(own_db) as con:
        con.execute("UPDATE marketing_spend SET spend = spend * 2 WHERE channel = (SELECT min(channel) "
                    "FROM marketing_spend)")
    after = _build(own_db, sections=["budget"])
    assert len(fits) == 2
    assert after != before
    assert len([p for p in cache_dir.iterdir() if p.name.startswith("mmm-")]) == 2  # one per version of the file


def test_auto_takes_a_full_fit_from_disk_and_says_so(own_db, cache_dir):
    with open_db(own_db, read_only=True) as con:
        model, sampler = report_budget.fit_model(con, "quick")
    assert sampler == "quick"
    # Stand the model in for the Budget page's full fit (same key as model_for_db_file(db, random_state=0)).
    cache.store(mmm_cached.KIND, mmm_cached.cache_key(own_db, random_state=0), model)
    assert mmm_cached.cached_model(own_db, random_state=0) is not None
    html = _build(own_db, sections=["budget"])
    assert "the full sampler (16 chains" in html and "quick sampler" not in html


def test_cache_off_writes_nothing(own_db, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # where the default folder would be
    monkeypatch.setenv(cache.ENV, "off")
    assert cache.cache_dir() is None
    _build(own_db, sections=["segments"])
    cache.store("segments", ("x",), [1])
    assert cache.load("segments", ("x",), list) is None
    assert not (tmp_path / ".cache").exists()
    monkeypatch.delenv(cache.ENV)
    assert cache.cache_dir() == tmp_path / ".cache" / "omnimix"


def test_unreadable_or_foreign_entries_are_misses(cache_dir):
    cache.store("segments", ("a",), [1, 2])
    assert cache.load("segments", ("a",), list) == [1, 2]
    assert cache.load("segments", ("a",), dict) is None  # not the expected type
    assert cache.load("segments", ("b",), list) is None  # another key
    (entry,) = cache_dir.iterdir()
    entry.write_bytes(b"not a pickle")
    assert cache.load("segments", ("a",), list) is None
    assert cache.cached("segments", ("a",), list, lambda: [3]) == [3]  # recomputed and replaced
    assert cache.load("segments", ("a",), list) == [3]


def test_file_identity_follows_writes(own_db):
    before = cache.file_identity(own_db)
    with open_db(own_db) as con:
        con.execute("CREATE TABLE scratch AS SELECT 1 AS x")
    assert cache.file_identity(own_db) != before


def test_model_cache_defaults_are_the_models():
    """Cache keys are made without importing the model; its defaults must be the model's own."""
    params = MediaMixModel().get_params()
    params.pop("prior")
    assert params == mmm_cached.DEFAULTS
    assert mmm_cached.cache_key("x.duckdb") == mmm_cached.cache_key("x.duckdb", random_state=0, n_chains=16)
    assert mmm_cached.cache_key("x.duckdb") != mmm_cached.cache_key("x.duckdb", **report_budget.QUICK)
    with pytest.raises(TypeError, match="n_chain"):
        mmm_cached.cache_key("x.duckdb", n_chain=4)


def test_report_says_which_sections_came_from_the_cache(own_db, cache_dir):
    def build():  # noqa: ANN202
        with open_db(own_db, read_only=True) as con:
            return build_report(con, Filters(), sections=["kpis", "weeks"], built_at=WHEN)

    first, second = build(), build()
    assert first.cached == () and second.cached == ("kpis", "weeks")
    assert second.html == first.html
