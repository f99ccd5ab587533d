"""Derived tables (core/store/derived.py): built by the generator and by every load of their sources in
the load's transaction, equal to what they derive from, and used by attribution only while current."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.attribution.paths import build_paths
from core.filters import Filters
from core.store import derived
from core.store.loader import load_file
from tests.test_attribution_paths_equal import _assert_same, _reference_paths
from tests.test_loader import HEADERS, write
from tests.test_loader_campaigns import TP, touch

_REVENUE_BY_JOIN = """
SELECT o.order_id, hash(o.customer_id) AS customer_key, o.order_ts, o.channel,
       coalesce(sum(i.quantity * i.unit_price), 0.0) AS revenue
FROM orders o LEFT JOIN order_items i USING (order_id) GROUP BY ALL ORDER BY order_id
"""


def _assert_derived_equal_sources(con: duckdb.DuckDBPyConnection) -> None:
    assert derived.is_current(con, derived.ORDER_REVENUE) and derived.is_current(con, derived.TOUCH_SEQUENCE)
    stored = con.execute(f"SELECT * FROM {derived.ORDER_REVENUE} ORDER BY order_id").df()
    joined = con.execute(_REVENUE_BY_JOIN).df()
    assert stored[["order_id", "customer_key", "order_ts", "channel"]].equals(
        joined[["order_id", "customer_key", "order_ts", "channel"]])
    assert ((stored["revenue"] - joined["revenue"]).abs() <= 1e-9 * joined["revenue"].abs().clip(lower=1)).all()
    assert (con.execute("SELECT hash(customer_id), touch_ts, channel FROM touchpoints ORDER BY ALL").fetchall()
            == con.execute(f"SELECT * FROM {derived.TOUCH_SEQUENCE} ORDER BY ALL").fetchall())


def _copy(small_db: Path, path: Path, *, with_derived: bool) -> Path:
    tables = ("touchpoints", "orders", "order_items") + ((derived.ORDER_REVENUE, derived.TOUCH_SEQUENCE)
                                                        if with_derived else ())
    with duckdb.connect(str(path)) as con:
        con.execute(f"ATTACH '{small_db}' AS s (READ_ONLY)")
        for table in tables:  # CREATE TABLE AS keeps the stored order of the copied table
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM s.{table}")
            comment = con.execute("SELECT comment FROM duckdb_tables() WHERE database_name = 's' AND table_name = ?",
                                  [table]).fetchone()[0]
            if comment:
                con.execute(f"COMMENT ON TABLE {table} IS '{comment}'")
    return path


def test_generator_builds_them_equal_to_their_sources(small_db: Path) -> None:
    with duckdb.connect(str(small_db), read_only=True) as con:
        _assert_derived_equal_sources(con)
        stored = con.execute(f"SELECT customer_key, order_ts FROM {derived.ORDER_REVENUE}").fetchall()
        assert stored == sorted(stored)  # the stored order is the point of the table


@pytest.mark.parametrize("filters", [Filters(), Filters(start=dt.date(2024, 3, 1), end=dt.date(2024, 8, 31),
                                                         channels=("web", "app"))])
def test_paths_from_derived_tables_equal_paths_without_them(small_db: Path, tmp_path: Path, filters: Filters) -> None:
    with duckdb.connect(str(small_db), read_only=True) as con:
        assert derived.is_current(con, derived.TOUCH_SEQUENCE)
        fast = build_paths(con, filters)
    with duckdb.connect(str(_copy(small_db, tmp_path / "plain.duckdb", with_derived=False)), read_only=True) as con:
        assert not derived.is_current(con, derived.TOUCH_SEQUENCE)
        _assert_same(fast, build_paths(con, filters))


def test_stale_or_unordered_derived_tables_are_not_used(small_db: Path, tmp_path: Path) -> None:
    path = _copy(small_db, tmp_path / "copy.duckdb", with_derived=True)
    with duckdb.connect(str(path)) as con:
        assert derived.is_current(con, derived.TOUCH_SEQUENCE) and derived.is_current(con, derived.ORDER_REVENUE)
        # A touch added outside the loader: touch_sequence no longer matches its source.
        con.execute("INSERT INTO touchpoints SELECT * FROM touchpoints LIMIT 1")
        assert not derived.is_current(con, derived.TOUCH_SEQUENCE)
        _assert_same(build_paths(con), _reference_paths(con, Filters(), 30))
        # Lines added to an order change its revenue, not the count of orders: still noticed.
        con.execute("INSERT INTO order_items SELECT * FROM order_items LIMIT 1")
        assert not derived.is_current(con, derived.ORDER_REVENUE)
        derived.refresh(con)
        _assert_derived_equal_sources(con)
        # Current by the counts but not in the stored order (rewritten shuffled): sorted as without them.
        comment = con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = ?",
                              [derived.TOUCH_SEQUENCE]).fetchone()[0]
        con.execute(f"CREATE OR REPLACE TABLE {derived.TOUCH_SEQUENCE} AS "
                    f"SELECT * FROM {derived.TOUCH_SEQUENCE} ORDER BY touch_ts DESC")
        con.execute(f"COMMENT ON TABLE {derived.TOUCH_SEQUENCE} IS '{comment}'")
        assert derived.is_current(con, derived.TOUCH_SEQUENCE)
        _assert_same(build_paths(con), _reference_paths(con, Filters(), 30))


def test_loads_rebuild_them_and_a_failed_load_leaves_them_untouched(writable_examples_db: Path, tmp_path: Path) -> None:
    db = writable_examples_db
    with duckdb.connect(str(db), read_only=True) as con:
        _assert_derived_equal_sources(con)
        before = con.execute(f"SELECT * FROM {derived.TOUCH_SEQUENCE} ORDER BY ALL").fetchall()
    assert load_file(db, "touchpoints", write(tmp_path, TP, HEADERS["touchpoints"] + "\n" + touch())).rows_loaded == 1
    items = write(tmp_path, "items.csv", HEADERS["order_items"] + "\n536365,P002,3,10.00\n")
    assert load_file(db, "order_items", items).rows_loaded == 1
    with duckdb.connect(str(db), read_only=True) as con:
        _assert_derived_equal_sources(con)
        after = con.execute(f"SELECT * FROM {derived.TOUCH_SEQUENCE} ORDER BY ALL").fetchall()
        assert len(after) == len(before) + 1
        snapshot = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
                    for t in (derived.TOUCH_SEQUENCE, derived.ORDER_REVENUE)}
    bad = write(tmp_path, "bad.csv", HEADERS["touchpoints"] + "\n" + touch() + touch().replace("00123", "C404", 1))
    with pytest.raises(Exception, match="C404"):
        load_file(db, "touchpoints", bad)
    with duckdb.connect(str(db), read_only=True) as con:
        assert {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in snapshot} == snapshot
        _assert_derived_equal_sources(con)


def test_clv_summary_reads_revenue_from_order_revenue_with_the_same_result(small_db: Path, tmp_path: Path) -> None:
    from core.clv.summary import holdout_actuals, rfm_summary, summaries_with_holdout

    plain = tmp_path / "plain.duckdb"
    plain.write_bytes(small_db.read_bytes())
    with duckdb.connect(str(plain)) as con:
        con.execute(f"DROP TABLE {derived.ORDER_REVENUE}")
    cutoff = dt.date(2025, 6, 30)
    results = []
    for db in (small_db, plain):
        with duckdb.connect(str(db), read_only=True) as con:
            results.append((rfm_summary(con, filters=Filters(channels=("web", "app"))),
                            *summaries_with_holdout(con, cutoff=cutoff, weeks=12),
                            holdout_actuals(con, cutoff=cutoff, weeks=12),
                            derived.is_current(con, derived.ORDER_REVENUE)))
    assert [r[-1] for r in results] == [True, False]
    for fast, slow in zip(results[0][:-1], results[1][:-1], strict=True):
        pd.testing.assert_frame_equal(fast, slow, rtol=1e-12)
