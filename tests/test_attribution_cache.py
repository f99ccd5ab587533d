"""On-disk cache of attribution views (core/attribution/cache.py): same results, new key whenever the
database file changes, filled with the page's default view by the generator, read by the page."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.attribution import cache
from core.filters import Filters, data_date_range


@pytest.fixture
def cache_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(cache.CACHE_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache" / "attribution"


def test_stored_view_reads_back_equal(small_db: Path, cache_root: Path) -> None:
    filters = Filters(start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    key = cache.view_key(small_db, filters, 14, 7.0)
    assert cache.load_view(key) is None
    with duckdb.connect(str(small_db), read_only=True) as con:
        view = cache.compute_view(con, filters, 14, 7.0)
    cache.save_view(key, view)
    back = cache.load_view(key)
    pd.testing.assert_frame_equal(back["table"], view["table"])
    assert {k: back[k] for k in back if k != "table"} == {k: view[k] for k in view if k != "table"}
    assert [p.name for p in cache_root.iterdir()] == [key]  # nothing half-written left beside it


def test_key_changes_with_the_file_and_the_view(small_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.duckdb"
    db.write_bytes(small_db.read_bytes())
    key = cache.view_key(db, Filters(), 30, 7.0)
    assert key == cache.view_key(db, Filters(), 30, 7.0)
    assert len({key, cache.view_key(db, Filters(), 14, 7.0), cache.view_key(db, Filters(), 30, 3.0),
                cache.view_key(db, Filters(channels=("web",)), 30, 7.0),
                cache.view_key(db, Filters(start=dt.date(2024, 1, 1)), 30, 7.0)}) == 5
    with duckdb.connect(str(db)) as con:  # a load (any write) changes the file: a new key, the old never read
        con.execute("INSERT INTO touchpoints SELECT * FROM touchpoints LIMIT 1")
    os.utime(db, ns=(os.stat(db).st_atime_ns, os.stat(db).st_mtime_ns + 1))  # coarse clocks: mtime surely moved
    assert cache.view_key(db, Filters(), 30, 7.0) != key
    assert cache.view_key(tmp_path / "missing.duckdb", Filters(), 30, 7.0) is None


def test_generator_stores_the_default_view(tmp_path: Path, cache_root: Path) -> None:
    from core.generator import generate_database
    from dashboard.state import default_filters

    db = tmp_path / "g.duckdb"
    generate_database(db, n_customers=300, seed=5)
    with duckdb.connect(str(db), read_only=True) as con:
        first, last = data_date_range(con)
        filters = default_filters(first, last)  # the dashboard's own default
        assert cache.default_filters(first, last) == filters
        fresh = cache.compute_view(con, filters)
    stored = cache.load_view(cache.view_key(db, filters, 30, 7.0))
    assert stored is not None
    pd.testing.assert_frame_equal(stored["table"], fresh["table"])


def test_unwritable_cache_only_costs_speed(small_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(cache.CACHE_ENV, str(blocker))
    key = cache.view_key(small_db, Filters(), 30, 7.0)
    with duckdb.connect(str(small_db), read_only=True) as con:
        cache.save_view(key, cache.compute_view(con, Filters(start=dt.date(2025, 1, 1))))
    assert cache.load_view(key) is None


def test_page_reads_and_writes_the_disk_cache(small_db: Path, cache_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from apptest_pages import open_app_page

    from dashboard.state import default_filters

    with duckdb.connect(str(small_db), read_only=True) as con:
        filters = default_filters(*data_date_range(con))
        view = cache.compute_view(con, filters)
    key = cache.view_key(small_db, filters, 30, 7.0)
    monkeypatch.setenv("OMNIMIX_DB", str(small_db))
    from dashboard.attribution.data import _attribution

    _attribution.clear()  # an earlier page test in this process may hold the view in memory
    at = open_app_page("pages/attribution.py")  # nothing stored: computes, then stores
    assert not at.exception, at.exception
    stored = cache.load_view(key)
    pd.testing.assert_frame_equal(stored["table"], view["table"])
    # A stored view is what a new process shows (marked here so it can be told from a fresh computation).
    meta = cache_root / key / "meta.json"
    marked = meta.read_text().replace(f'"orders_with_touches": {view["summary"]["orders_with_touches"]}',
                                      '"orders_with_touches": 424242')
    assert "424242" in marked
    meta.write_text(marked)
    _attribution.clear()  # this process's memory cache: as in a new server process
    at = open_app_page("pages/attribution.py")
    assert not at.exception, at.exception
    assert next(m.value for m in at.metric if m.label == "Orders with touches") == "424,242"
