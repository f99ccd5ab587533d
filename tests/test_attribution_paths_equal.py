"""build_paths (two sorted queries merged in numpy) against a frozen copy of the single-stream algorithm it replaced.

Everything must be identical: every touch and path array, on the sample database without
filters and with a period, a sales channel, both, and another lookback. Touches of one
customer at the same millisecond are in no defined order in either (SQL sorts are not stable),
so their channels are compared as a multiset: sorted within (path, days before the order).
Likewise two orders of one customer at the same millisecond (none in this sample; 2 among the
10M orders of the 1M-customer benchmark) take the touches before them in either order.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pytest

from core.attribution.paths import Paths, build_paths
from core.filters import Filters

# Frozen copy of core/attribution/paths.py build_paths at commit 0816fcd (one UNION ALL stream).
_STREAM_SQL = """
SELECT hash(customer_id) AS customer, epoch_ms(touch_ts) AS ms, false AS is_order,
       CAST(list_position($channel_list, channel) - 1 AS TINYINT) AS channel, ({touch_filter}) AS kept,
       0.0 AS revenue
FROM touchpoints
UNION ALL
SELECT hash(o.customer_id), epoch_ms(o.order_ts), true, CAST(-1 AS TINYINT), ({order_filter}),
       coalesce(r.revenue, 0.0)
FROM orders o
LEFT JOIN (SELECT order_id, sum(quantity * unit_price) AS revenue FROM order_items GROUP BY order_id) r
       USING (order_id)
ORDER BY customer, ms, is_order
"""
_DAY_MS = 86_400_000


def _cut(keys: list[np.ndarray]) -> np.ndarray:
    n = len(keys[0])
    new = np.zeros(n, dtype=bool)
    if n:
        new[0] = True
        for k in keys:
            new[1:] |= k[1:] != k[:-1]
    return np.flatnonzero(new)


def _reference_paths(con: duckdb.DuckDBPyConnection, filters: Filters, lookback_days: int) -> Paths:
    channels = tuple(r[0] for r in con.execute("SELECT DISTINCT channel FROM touchpoints ORDER BY 1").fetchall())
    order_where, order_params = filters.sql("o.order_ts", "o.channel")
    touch_where, touch_params = filters.sql("touch_ts", None)
    # Both fragments name their dates $start / $after_end with the same values, so one dict serves both.
    params = {**touch_params, **order_params, "channel_list": list(channels)}
    rows = con.execute(_STREAM_SQL.format(order_filter=order_where, touch_filter=touch_where), params).fetchnumpy()
    customer, ms = np.asarray(rows["customer"]), np.asarray(rows["ms"], dtype=np.int64)
    is_order, kept = np.asarray(rows["is_order"], dtype=bool), np.asarray(rows["kept"], dtype=bool)
    n = len(ms)
    # Next order row at or after each row (n when none), then checked to be the same customer's.
    nxt = np.minimum.accumulate(np.where(is_order, np.arange(n), n)[::-1])[::-1] if n else np.zeros(0, np.int64)
    has_next = nxt < n
    safe = np.where(has_next, nxt, 0)
    has_next &= customer[safe] == customer
    converts = ~is_order & has_next & (ms[safe] - ms <= lookback_days * _DAY_MS)
    conv = np.flatnonzero(converts & kept[safe])  # its order passes the filters
    non = np.flatnonzero(~is_order & ~converts & kept)  # the touch passes the period
    window = ms[non] // (lookback_days * _DAY_MS)
    conv_starts = _cut([nxt[conv]])
    non_starts = _cut([customer[non], np.where(has_next[non], nxt[non], -1), window])
    order = np.r_[conv, non]
    starts = np.r_[conv_starts, len(conv) + non_starts].astype(np.int64)
    path_start = np.r_[starts, len(order)].astype(np.int64)
    lengths = np.diff(path_start)
    touch_path = np.repeat(np.arange(len(starts), dtype=np.int64), lengths)
    position = np.arange(len(order), dtype=np.int64) - np.repeat(starts, lengths)
    touch_ms = ms[order]
    end_ms = np.r_[ms[safe[conv]], touch_ms[len(conv):][np.repeat(path_start[len(conv_starts) + 1:] - 1 - len(conv),
                                                                   lengths[len(conv_starts):])]]
    path_converted = np.r_[np.ones(len(conv_starts), bool), np.zeros(len(non_starts), bool)]
    path_revenue = np.r_[np.asarray(rows["revenue"], dtype=np.float64)[nxt[conv][conv_starts]],
                         np.zeros(len(non_starts))]
    path_cust = customer[order][starts] if len(order) else customer[:0]
    new_customer = np.ones(len(starts), dtype=bool)
    new_customer[1:] = path_cust[1:] != path_cust[:-1]
    return Paths(
        channels=channels,
        touch_path=touch_path,
        touch_position=position,
        touch_channel=np.asarray(rows["channel"], dtype=np.int64)[order],
        touch_days_before=(end_ms - touch_ms) / _DAY_MS,
        path_start=path_start,
        path_converted=path_converted,
        path_revenue=path_revenue,
        path_customer=np.cumsum(new_customer) - 1,
        orders_in_period=int((is_order & kept).sum()),
        lookback_days=lookback_days,
    )


def _assert_same(new: Paths, ref: Paths) -> None:
    assert new.channels == ref.channels
    assert new.orders_in_period == ref.orders_in_period
    assert new.lookback_days == ref.lookback_days
    for name in ("touch_path", "touch_position", "touch_days_before", "path_start", "path_converted",
                 "path_revenue", "path_customer"):
        a, b = getattr(new, name), getattr(ref, name)
        assert a.dtype == b.dtype, name
        if name == "path_revenue":  # same SQL sum; DuckDB may add an order's items in another order
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=0, err_msg=name)
        else:
            np.testing.assert_array_equal(a, b, err_msg=name)
    canon_new = np.lexsort((new.touch_channel, new.touch_days_before, new.touch_path))
    canon_ref = np.lexsort((ref.touch_channel, ref.touch_days_before, ref.touch_path))
    assert new.touch_channel.dtype == ref.touch_channel.dtype
    np.testing.assert_array_equal(new.touch_channel[canon_new], ref.touch_channel[canon_ref])


CASES = [
    (Filters(), 30),
    (Filters(), 7),
    (Filters(start=dt.date(2024, 3, 1), end=dt.date(2024, 8, 31)), 30),
    (Filters(start=dt.date(2025, 1, 1)), 14),
    (Filters(end=dt.date(2023, 9, 30)), 30),
    (Filters(channels=("web", "app")), 30),
    (Filters(start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31), channels=("store",)), 60),
    (Filters(start=dt.date(2030, 1, 1), end=dt.date(2030, 12, 31)), 30),
]


@pytest.mark.parametrize(("filters", "lookback"), CASES)
def test_paths_equal_frozen_algorithm(small_db: Path, filters: Filters, lookback: int) -> None:
    with duckdb.connect(str(small_db), read_only=True) as con:
        _assert_same(build_paths(con, filters, lookback_days=lookback), _reference_paths(con, filters, lookback))


def test_paths_equal_without_orders(small_db: Path, tmp_path: Path) -> None:
    """Touches but no orders at all: every touch is a non-converting one."""
    with duckdb.connect(str(tmp_path / "t.duckdb")) as con:
        con.execute(f"ATTACH '{small_db}' AS s (READ_ONLY)")
        for table in ("touchpoints", "orders", "order_items"):
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM s.{table}")
        con.execute("DETACH s")
        con.execute("DELETE FROM order_items")
        con.execute("DELETE FROM orders")
        for filters in (Filters(), Filters(start=dt.date(2024, 1, 1), end=dt.date(2024, 6, 30))):
            _assert_same(build_paths(con, filters), _reference_paths(con, filters, 30))
