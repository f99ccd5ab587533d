"""The evaluation's tuning on disk (core.recs.evaluation_cache): same result as fresh, new key per file version,
shared by the report and ``omnimix evaluate-recs``, warmed by ``omnimix generate``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from core.cli import main
from core.recs import evaluate as recs_evaluate
from core.recs import evaluation_cache
from core.recs.evaluate import load_data
from core.recs.split import time_split
from core.report import customers as report_customers
from core.store.db import open_db

TIMINGS = ["fit_seconds", "recommend_seconds"]


def _count_tunes(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Record every tuning the cache wrapper actually computes."""
    calls: list[dict] = []
    real = evaluation_cache.tune

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(evaluation_cache, "tune", counting)
    return calls


def _tuning_entries(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(evaluation_cache.KIND + "-")] if folder.exists() else []


def test_cached_evaluation_equals_a_fresh_one(own_db, cache_dir, monkeypatch):
    tunes = _count_tunes(monkeypatch)
    options = {"k": 10, "max_customers": 500, "models": ["hybrid", "ease", "popular"], "random_state": 0}
    with open_db(own_db, read_only=True) as con:
        fresh = recs_evaluate.evaluate_db(con, **options)  # no cache involved
        first = evaluation_cache.evaluate_db(con, **options)  # computes and stores the tuning
        second = evaluation_cache.evaluate_db(con, **options)  # reads it back
    assert len(tunes) == 1
    assert len(_tuning_entries(cache_dir)) == 1
    assert fresh.info["tuning"]["validation_customers"] > 0  # something was really tuned
    for ev in (first, second):
        assert ev.info == fresh.info
        pd.testing.assert_frame_equal(ev.metrics.drop(columns=TIMINGS), fresh.metrics.drop(columns=TIMINGS))
        pd.testing.assert_frame_equal(ev.by_segment, fresh.by_segment)


def test_the_key_names_the_training_part_and_the_options(own_db, cache_dir):
    with open_db(own_db, read_only=True) as con:
        log = load_data(con)[0]
    eight, four = time_split(log, holdout_weeks=8).train, time_split(log, holdout_weeks=4).train
    key = evaluation_cache.tuning_key(own_db, eight)
    assert key == evaluation_cache.tuning_key(own_db, eight.copy())
    assert key != evaluation_cache.tuning_key(own_db, four)
    assert key != evaluation_cache.tuning_key(own_db, eight, random_state=1)
    assert key != evaluation_cache.tuning_key(own_db, eight, hybrid=False)
    assert key != evaluation_cache.tuning_key(own_db, eight, split="random")


def test_a_write_to_the_database_makes_a_new_key_and_a_new_tuning(own_db, cache_dir, monkeypatch):
    tunes = _count_tunes(monkeypatch)
    with open_db(own_db, read_only=True) as con:
        train = time_split(load_data(con)[0]).train
        evaluation_cache.evaluate_db(con, k=10, max_customers=200, models=["ease"])
    before = evaluation_cache.tuning_key(own_db, train)
    # A write through the CLI, as a user would make one (a load or new settings change the file).
    assert main(["settings", "--db", str(own_db), "--name", "Changed shop"]) == 0
    assert evaluation_cache.tuning_key(own_db, train) != before
    with open_db(own_db, read_only=True) as con:
        evaluation_cache.evaluate_db(con, k=10, max_customers=200, models=["ease"])
    assert len(tunes) == 2
    assert len(_tuning_entries(cache_dir)) == 2  # one per version of the file


def test_report_and_evaluate_recs_share_the_tuning(own_db, cache_dir, monkeypatch, capsys):
    tunes = _count_tunes(monkeypatch)
    with open_db(own_db, read_only=True) as con:
        quality = report_customers.recs_quality(con)
    assert len(tunes) == 1
    assert main(["evaluate-recs", "--db", str(own_db), "--max-customers", "300", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert len(tunes) == 1  # the default evaluate-recs read the report's choice back
    assert shown["tuning"]["l2"] == quality.info["tuning"]["l2"]
    assert shown["tuning"]["hybrid_weights"] == quality.info["tuning"]["hybrid_weights"]
    assert main(["evaluate-recs", "--db", str(own_db), "--max-customers", "300", "--holdout-weeks", "4",
                 "--json"]) == 0
    capsys.readouterr()
    assert len(tunes) == 2  # other training weeks: chosen again, never taken from the 8-week split


def test_generate_warms_the_report_evaluation(tmp_path, cache_dir, monkeypatch):
    from core.generator import generate_database

    db = tmp_path / "fresh.duckdb"
    generate_database(db, n_customers=2000, seed=11)
    assert _tuning_entries(cache_dir)

    def no_evaluation(*args: object, **kwargs: object) -> None:
        raise AssertionError("the report evaluated the recommenders again after omnimix generate")

    monkeypatch.setattr(report_customers, "_recs_quality", no_evaluation)
    with open_db(db, read_only=True) as con:
        section = report_customers.recs_section(con)
    assert section.figures == 1 and "Recommend with" in section.html()


def test_load_log_codes_give_the_same_frame_as_strings(small_db):
    """load_log reads kind and channel as small codes; the frame is the one the plain query gives."""
    import datetime as dt

    from core.recs import interactions

    window = (dt.datetime(1900, 1, 1), dt.datetime(2999, 1, 1))
    key = ["customer_idx", "product_idx", "ts", "kind", "channel"]
    with open_db(small_db, read_only=True) as con:
        fast = interactions.load_log(con)
        plain = con.execute(interactions._LOG_SQL, list(window)).df()
    for col in ("kind", "channel"):
        plain[col] = plain[col].astype("category")
    assert len(fast) > 1000

    def ordered(frame: pd.DataFrame) -> pd.DataFrame:  # the query has no ORDER BY: compare as sets of rows
        return frame.sort_values(key, kind="stable").reset_index(drop=True)

    pd.testing.assert_frame_equal(ordered(fast), ordered(plain), check_categorical=False)
    for col in ("kind", "channel"):
        assert list(fast[col].cat.categories) == list(plain[col].cat.categories)
