"""The recommenders' tuning kept on disk per database file (core.recs.stored)."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from core import cache
from core.recs import stored
from core.recs.tuning import Tuning


@pytest.fixture
def own_db(small_db, tmp_path, monkeypatch):
    monkeypatch.setenv(cache.ENV, str(tmp_path / "cache"))
    db = tmp_path / "omnimix.duckdb"
    shutil.copy(small_db, db)
    return db


@pytest.fixture
def counted_tune(monkeypatch):
    calls: list[int] = []
    real = stored.tune

    def tune(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(stored, "tune", tune)
    return calls


def test_tuning_is_chosen_once_per_file_version(own_db, counted_tune):
    first = stored.tuning_for_db_file(own_db)
    again = stored.tuning_for_db_file(own_db)
    assert isinstance(first, Tuning) and counted_tune == [1]
    assert (again.l2, again.weights) == (first.l2, first.weights)
    assert sum(first.weights.values()) == pytest.approx(1.0)


def test_a_changed_database_is_tuned_again(own_db, counted_tune):
    stored.tuning_for_db_file(own_db)
    with duckdb.connect(str(own_db)) as con:  # any write changes the file's identity
        con.execute("DELETE FROM events WHERE event_ts < (SELECT min(event_ts) + INTERVAL 7 DAY FROM events)")
    stored.tuning_for_db_file(own_db)
    assert counted_tune == [1, 1]


def test_cache_off_tunes_every_time(own_db, counted_tune, monkeypatch):
    monkeypatch.setenv(cache.ENV, "off")
    stored.tuning_for_db_file(own_db)
    stored.tuning_for_db_file(own_db)
    assert counted_tune == [1, 1]


def test_generate_stores_the_tuning_of_the_sample(tmp_path, monkeypatch):
    from core.generator import generate_database

    monkeypatch.setenv(cache.ENV, str(tmp_path / "cache"))
    db = tmp_path / "sample.duckdb"
    generate_database(db, n_customers=300, seed=3, n_weeks=60)
    assert cache.exists(stored.KIND, stored.tuning_key(db))
    monkeypatch.setattr(stored, "tune", lambda *a, **k: pytest.fail("tuned again after generate"))
    assert isinstance(stored.tuning_for_db_file(db), Tuning)


def test_a_new_hybrid_component_is_tuned_again(own_db, counted_tune, monkeypatch):
    from core.recs.hybrid import COMPONENTS

    stored.tuning_for_db_file(own_db)
    stored.tuning_for_db_file(own_db)
    assert len(counted_tune) == 1
    monkeypatch.setitem(COMPONENTS, "another", COMPONENTS["popular_segment"])
    stored.tuning_for_db_file(own_db)
    assert len(counted_tune) == 2
