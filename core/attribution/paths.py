"""Conversion and non-conversion paths, built in DuckDB and returned as flat numpy arrays.

A **converting path** is the touches of one order: the customer's touches in the
``lookback_days`` before the order (inclusive) and after the customer's previous order (any
order, whatever the filters: a touch that led to an earlier order is spent). Each touch is
matched to the first order at or after it (a DuckDB ``ASOF`` join), so a touch counts for one
order at most.

A **non-converting path** is the touches no order followed within the lookback, per customer,
cut into calendar windows of ``lookback_days`` (so a customer touched for three years without
buying makes many short paths, as the converting ones are short). The data-driven models need
them: how often touches lead nowhere is half of what they measure.

Filters (:class:`core.filters.Filters`, sidebar and CLI): a converting path is kept when its
order is in the period and in a selected sales channel; a path of an order in another sales
channel is neither a conversion nor a non-conversion and is left out. A non-converting touch is
kept when it happened in the period (it has no sales channel).

The result is one row per touch in path order (path, position), as arrays — never one Python
object per touch — plus one row per path.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from core.errors import OmnimixError
from core.filters import Filters

if TYPE_CHECKING:
    import duckdb

DEFAULT_LOOKBACK_DAYS = 30


@dataclass(frozen=True)
class Paths:
    """Touches in path order and one row per path.

    Attributes
    ----------
    channels : tuple of str
        Channel names; ``touch_channel`` holds indices into it.
    touch_path : ndarray of int64, (n_touches,)
        Path of each touch; paths are numbered 0.. with converting paths first.
    touch_position : ndarray of int64
        0 for a path's first touch.
    touch_channel : ndarray of int64
    touch_days_before : ndarray of float64
        Days from the touch to the order (converting paths) or to the path's last touch.
    path_start : ndarray of int64, (n_paths + 1,)
        Offsets: path ``p`` is touches ``path_start[p]:path_start[p + 1]``.
    path_converted : ndarray of bool, (n_paths,)
    path_revenue : ndarray of float64
        Revenue of the order (0 for non-converting paths).
    path_customer : ndarray of int64
        Customer index of each path (for the privacy rule: customers per channel); the paths of
        one customer are contiguous among the converting paths.
    orders_in_period : int
        Orders that pass the filters, with or without touches (converting paths are a subset).
    lookback_days : int
    """

    channels: tuple[str, ...]
    touch_path: np.ndarray
    touch_position: np.ndarray
    touch_channel: np.ndarray
    touch_days_before: np.ndarray
    path_start: np.ndarray
    path_converted: np.ndarray
    path_revenue: np.ndarray
    path_customer: np.ndarray
    orders_in_period: int
    lookback_days: int

    @property
    def n_paths(self) -> int:
        return len(self.path_converted)

    @property
    def n_conversions(self) -> int:
        return int(self.path_converted.sum())

    @cached_property
    def path_length(self) -> np.ndarray:
        return np.diff(self.path_start)

    @cached_property
    def touch_length(self) -> np.ndarray:
        """Length of each touch's path."""
        return self.path_length[self.touch_path]

    @cached_property
    def touch_converted(self) -> np.ndarray:
        return self.path_converted[self.touch_path]

    def converting(self) -> Paths:
        """Only the converting paths (they come first, so this is a slice)."""
        n = self.n_conversions
        end = int(self.path_start[n])
        return Paths(self.channels, self.touch_path[:end], self.touch_position[:end], self.touch_channel[:end],
                     self.touch_days_before[:end], self.path_start[: n + 1], self.path_converted[:n],
                     self.path_revenue[:n], self.path_customer[:n], self.orders_in_period, self.lookback_days)


def check_lookback(lookback_days: int) -> int:
    """``lookback_days`` as an int, refused when not a positive whole number of days."""
    if isinstance(lookback_days, bool) or int(lookback_days) != lookback_days or lookback_days <= 0:
        raise OmnimixError(f"lookback_days must be a positive whole number of days (got {lookback_days}).")
    return int(lookback_days)


def has_touchpoints(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the database has a ``touchpoints`` table with at least one row."""
    (exists,) = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'touchpoints'").fetchone()
    return bool(exists) and con.execute("SELECT EXISTS (SELECT 1 FROM touchpoints)").fetchone()[0]


# One statement: touches matched to the first order at or after them (ASOF), classified,
# filtered and sorted into path order. Every value comes in as a named parameter; the filter
# fragments are built by Filters.sql from column names of our own. Paths are cut in numpy from
# the sorted keys (cheaper than window functions): converting paths first, then by customer
# (hashed: only grouping matters), order time and, for non-converting touches, the window.
_PATHS_SQL = """
WITH ord AS (
    SELECT o.order_id, o.customer_id, o.order_ts, o.channel, coalesce(r.revenue, 0.0) AS revenue
    FROM orders o
    LEFT JOIN (SELECT order_id, sum(quantity * unit_price) AS revenue FROM order_items GROUP BY order_id) r
           USING (order_id)
), matched AS (
    SELECT t.touch_ts, t.channel, hash(t.customer_id) AS customer,
           o.order_ts, o.channel AS order_channel, o.revenue,
           o.order_ts IS NOT NULL AND o.order_ts <= t.touch_ts + to_days($lookback) AS converts
    FROM touchpoints t
    ASOF LEFT JOIN ord o ON t.customer_id = o.customer_id AND o.order_ts >= t.touch_ts
)
SELECT converts, customer,
       CASE WHEN converts THEN epoch_ms(order_ts)
            ELSE coalesce(epoch_ms(order_ts), 9999999999999) * 100000
                 + CAST(floor(epoch(touch_ts) / ($lookback * 86400)) AS BIGINT) END AS path_key,
       list_position($channel_list, channel) - 1 AS channel,
       epoch(CASE WHEN converts THEN order_ts ELSE touch_ts END) - epoch(touch_ts) AS seconds_before,
       epoch(touch_ts) AS touch_s,
       CASE WHEN converts THEN revenue ELSE 0.0 END AS revenue
FROM matched
WHERE (converts AND {order_filter}) OR (NOT converts AND {touch_filter})
ORDER BY NOT converts, customer, path_key, touch_ts, channel
"""


def build_paths(con: duckdb.DuckDBPyConnection, filters: Filters | None = None, *,
                lookback_days: int = DEFAULT_LOOKBACK_DAYS) -> Paths:
    """Converting and non-converting touch paths of the database, as arrays.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Open connection with ``touchpoints``, ``orders`` and ``order_items``.
    filters : Filters, optional
        Period (order dates; touch dates for non-converting paths) and sales channels.
    lookback_days : int, default=30
        How many days before an order a touch may be and still count for it.

    Returns
    -------
    Paths

    Raises
    ------
    OmnimixError
        No touchpoints in the database, or ``lookback_days`` not a positive whole number.
    """
    lookback_days = check_lookback(lookback_days)
    filters = filters or Filters()
    if not has_touchpoints(con):
        raise OmnimixError("The database has no touchpoints (table touchpoints is empty); load marketing "
                           "touchpoints with `omnimix load` or generate a sample before running attribution.")
    channels = tuple(r[0] for r in con.execute("SELECT DISTINCT channel FROM touchpoints ORDER BY 1").fetchall())
    order_where, order_params = filters.sql("order_ts", "order_channel")
    touch_where, touch_params = filters.sql("touch_ts", None)
    # Both fragments name their dates $start / $after_end with the same values, so one dict serves both.
    params = {**touch_params, **order_params, "channel_list": list(channels), "lookback": lookback_days}
    sql = _PATHS_SQL.format(order_filter=order_where, touch_filter=touch_where)
    cols = con.execute(sql, params).fetchnumpy()
    all_where, all_params = filters.sql("order_ts", "channel")
    (orders,) = con.execute(f"SELECT count(*) FROM orders WHERE {all_where}", all_params).fetchone()

    converts = np.asarray(cols["converts"], dtype=bool)
    customer = np.asarray(cols["customer"])
    key = np.asarray(cols["path_key"], dtype=np.int64)
    n_touches = len(converts)
    new_path = np.ones(n_touches, dtype=bool)
    new_path[1:] = (converts[1:] != converts[:-1]) | (customer[1:] != customer[:-1]) | (key[1:] != key[:-1])
    starts = np.flatnonzero(new_path)
    path_start = np.r_[starts, n_touches].astype(np.int64)
    lengths = np.diff(path_start)
    touch_path = np.repeat(np.arange(len(starts), dtype=np.int64), lengths)
    position = np.arange(n_touches, dtype=np.int64) - np.repeat(starts, lengths)
    seconds = np.asarray(cols["seconds_before"], dtype=np.float64)
    if n_touches:
        # A non-converting touch is timed from its path's last touch (times ascend within a path).
        touch_s = np.asarray(cols["touch_s"], dtype=np.float64)
        last_s = touch_s[path_start[1:] - 1][touch_path]
        seconds = np.where(converts, seconds, last_s - touch_s)
    # Customer index, consistent within the converting paths (rows sorted by customer there).
    new_customer = np.ones(len(starts), dtype=bool)
    path_cust = customer[starts]
    new_customer[1:] = path_cust[1:] != path_cust[:-1]
    return Paths(
        channels=channels,
        touch_path=touch_path,
        touch_position=position,
        touch_channel=np.asarray(cols["channel"], dtype=np.int64),
        touch_days_before=seconds / 86400.0,
        path_start=path_start,
        path_converted=converts[starts],
        path_revenue=np.asarray(cols["revenue"], dtype=np.float64)[starts],
        path_customer=np.cumsum(new_customer) - 1,
        orders_in_period=int(orders),
        lookback_days=lookback_days,
    )
