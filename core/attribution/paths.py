"""Conversion and non-conversion paths, built in DuckDB and returned as flat numpy arrays.

A **converting path** is the touches of one order: the customer's touches in the
``lookback_days`` before the order (inclusive) and after the customer's previous order (any
order, whatever the filters: a touch that led to an earlier order is spent). Each touch is
matched to the first order at or after it (one sorted stream of touches and orders per
customer), so a touch counts for one order at most.

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

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from core.errors import OmnimixError
from core.filters import Filters
from core.store import derived

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

    @cached_property
    def touch_repeats(self) -> np.ndarray:
        """Touches of the same channel in the same path as each touch (1 when the channel is there once).

        Computed once per object: both data-driven models need it to share a channel's part
        of an order between its touches.
        """
        key = self.touch_path * len(self.channels) + self.touch_channel
        return np.bincount(key, minlength=(len(self.path_start) - 1) * len(self.channels))[key].astype(float)

    @cached_property
    def path_mask(self) -> np.ndarray:
        """Bit mask of the distinct channels of each path (bit j = channel j), int64.

        Shared by the Shapley model and the data-driven credit; needs at most 63 channels.
        """
        if len(self.touch_channel) == 0:
            return np.zeros(self.n_paths, dtype=np.int64)
        bits = np.left_shift(np.int64(1), self.touch_channel)
        return np.bitwise_or.reduceat(bits, self.path_start[:-1])

    @cached_property
    def touch_revenue(self) -> np.ndarray:
        """Revenue of each touch's order (0 on non-converting paths)."""
        return self.path_revenue[self.touch_path]

    def converting(self) -> Paths:
        """Only the converting paths (they come first, so this is a slice)."""
        n = self.n_conversions
        end = int(self.path_start[n])
        out = Paths(self.channels, self.touch_path[:end], self.touch_position[:end], self.touch_channel[:end],
                    self.touch_days_before[:end], self.path_start[: n + 1], self.path_converted[:n],
                    self.path_revenue[:n], self.path_customer[:n], self.orders_in_period, self.lookback_days)
        # Per-path and per-touch values already computed are the same on the prefix: share them.
        for name, stop in (("path_length", n), ("path_mask", n), ("touch_length", end), ("touch_revenue", end)):
            if name in self.__dict__:
                out.__dict__[name] = self.__dict__[name][:stop]
        return out


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


# Two sorted queries, touches and orders, each ordered by customer and time, merged in numpy:
# each touch's order is the customer's first order at or after it (orders sort after touches
# of the same millisecond: a touch at the order's time counts for it). The merge costs one
# binary search per order, not per touch, and neither the 40M touches of 1M customers nor
# their sort carries the orders' revenue. Customers are grouped by a 64-bit hash of their id
# (only grouping matters; a collision among 1M ids has odds of ~1e-8), paths and customers
# numbered in hash order. Rows that fail the filters stay with kept = false: an order outside
# the period still ends its touches' journey. With a period, rows that cannot reach it are not
# fetched (touches more than the lookback before it or after it, orders further than that; a
# day of margin each side). Every value is a named parameter; the filter fragments come from
# Filters.sql with column names of our own.
_TOUCH_SQL = """
SELECT hash(customer_id) AS customer, epoch_ms(touch_ts) AS ms,
       CAST(list_position($channel_list, channel) - 1 AS TINYINT) AS channel, ({touch_filter}) AS kept
FROM touchpoints
WHERE {touch_range}
ORDER BY customer, ms
"""
_ORDER_SQL = """
SELECT hash(o.customer_id) AS customer, epoch_ms(o.order_ts) AS ms, ({order_filter}) AS kept,
       coalesce(r.revenue, 0.0) AS revenue
FROM orders o
LEFT JOIN (SELECT order_id, sum(quantity * unit_price) AS revenue FROM order_items {items_where}
           GROUP BY order_id) r USING (order_id)
WHERE {order_range}
ORDER BY customer, ms
"""
# The same rows from the derived tables of core.store.derived, already stored in (customer key,
# time) order with each order's revenue: a scan instead of a 41M-row sort and a 19M-line sum.
_TOUCH_SEQUENCE_SQL = """
SELECT customer_key AS customer, epoch_ms(touch_ts) AS ms,
       CAST(list_position($channel_list, channel) - 1 AS TINYINT) AS channel, ({touch_filter}) AS kept
FROM touch_sequence
WHERE {touch_range}
"""
_ORDER_REVENUE_SQL = """
SELECT o.customer_key AS customer, epoch_ms(o.order_ts) AS ms, ({order_filter}) AS kept, o.revenue
FROM order_revenue o
WHERE {order_range}
"""
_DAY_MS = 86_400_000


def _in_order(customer: np.ndarray, ms: np.ndarray) -> bool:
    """Whether rows are sorted by (customer, ms): what a stored order must be to be trusted."""
    if len(ms) < 2:
        return True
    ok = ms[1:] >= ms[:-1]
    ok |= customer[1:] > customer[:-1]  # a new customer may start at any time
    ok &= customer[1:] >= customer[:-1]
    return bool(ok.all())


def _cut(keys: list[np.ndarray]) -> np.ndarray:
    """Start offsets of the runs of equal consecutive ``keys`` (rows already in path order)."""
    n = len(keys[0])
    new = np.zeros(n, dtype=bool)
    if n:
        new[0] = True
        for k in keys:
            new[1:] |= k[1:] != k[:-1]
    return np.flatnonzero(new)


def _runs(sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start offsets and lengths of the runs of equal values in ``sorted_keys``."""
    starts = _cut([sorted_keys])
    return starts, np.diff(np.r_[starts, len(sorted_keys)])


def _next_order(t_rank: np.ndarray, t_ms: np.ndarray, o_rank: np.ndarray, o_ms: np.ndarray) -> np.ndarray:
    """Per touch, the index of the first order with (rank, ms) >= the touch's (len(o_ms) when none).

    Both sides are sorted by (rank, ms). Packed into one int64 key when it fits (it does for
    2M customers over 60 years); each order then finds how many touches sort at or before it,
    and a touch's next order is the count of orders whose count is at most its index.
    """
    n_t, n_o = len(t_ms), len(o_ms)
    if n_t == 0 or n_o == 0:
        return np.full(n_t, n_o, dtype=np.int64)
    base = min(int(t_ms.min()), int(o_ms.min()))
    span = max(int(t_ms.max()), int(o_ms.max())) - base + 1
    shift = span.bit_length()
    if shift + max(int(t_rank[-1]), int(o_rank[-1]), 1).bit_length() <= 62:
        t_key = np.left_shift(t_rank, shift, dtype=np.int64)
        t_key += t_ms
        t_key -= base
        o_key = np.left_shift(o_rank, shift, dtype=np.int64) + (o_ms - base)
        before = np.searchsorted(t_key, o_key, side="right")  # touches at or before each order
    else:  # rare: too many customers or too long a history to pack; a lexicographic sort instead
        merged = np.lexsort((np.r_[np.zeros(n_t, bool), np.ones(n_o, bool)], np.r_[t_ms, o_ms],
                            np.r_[t_rank, o_rank]))
        before = np.flatnonzero(merged >= n_t) - np.arange(n_o)
    counts = np.bincount(before, minlength=n_t + 1)
    return np.cumsum(counts, out=counts)[:n_t]


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
    order_where, order_params = filters.sql("o.order_ts", "o.channel")
    touch_where, touch_params = filters.sql("touch_ts", None)
    # Both fragments name their dates $start / $after_end with the same values, so one dict serves both.
    params = {**touch_params, **order_params}
    touch_range, order_range, items_where = "TRUE", "TRUE", ""
    margin = dt.timedelta(days=lookback_days + 1)
    if filters.start is not None:
        params["reach_from"] = params["start"] - margin
        touch_range = order_range = "{ts} >= $reach_from"
    if filters.end is not None:
        params["touch_to"] = params["after_end"] + dt.timedelta(days=1)
        params["order_to"] = params["after_end"] + margin + dt.timedelta(days=1)
        touch_range += " AND {ts} < $touch_to"
        order_range += " AND {ts} < $order_to"
    if order_where != "TRUE":  # revenue only of the orders that can be kept
        items_where = f"WHERE order_id IN (SELECT o.order_id FROM orders o WHERE {order_where})"
    order_keys = [k for k in ("start", "after_end", "channels", "reach_from", "order_to") if k in params]
    touch_keys = [k for k in ("start", "after_end", "reach_from", "touch_to") if k in params]
    touch_params = {**{k: params[k] for k in touch_keys}, "channel_list": list(channels)}
    order_params = {k: params[k] for k in order_keys}
    touch_fmt = {"touch_filter": touch_where, "touch_range": touch_range.format(ts="touch_ts")}
    order_fmt = {"order_filter": order_where, "order_range": order_range.format(ts="o.order_ts")}
    touches = orders = None
    # Both derived tables or neither: their customer keys were hashed by the same build.
    if derived.is_current(con, derived.TOUCH_SEQUENCE) and derived.is_current(con, derived.ORDER_REVENUE):
        touches = con.execute(_TOUCH_SEQUENCE_SQL.format(**touch_fmt), touch_params).fetchnumpy()
        orders = con.execute(_ORDER_REVENUE_SQL.format(**order_fmt), order_params).fetchnumpy()
        if not all(_in_order(np.asarray(t["customer"]), np.asarray(t["ms"])) for t in (touches, orders)):
            touches = orders = None  # not in the stored order after all: sort as without them
    if touches is None:
        touches = con.execute(_TOUCH_SQL.format(**touch_fmt), touch_params).fetchnumpy()
        orders = con.execute(_ORDER_SQL.format(items_where=items_where, **order_fmt), order_params).fetchnumpy()
    t_cust, ms = np.asarray(touches["customer"]), np.asarray(touches["ms"], dtype=np.int64)
    kept = np.asarray(touches["kept"], dtype=bool)
    o_cust, o_ms = np.asarray(orders["customer"]), np.asarray(orders["ms"], dtype=np.int64)
    o_kept = np.asarray(orders["kept"], dtype=bool)
    # Customers as dense ranks in hash order, shared by both sides (from the runs, not per row).
    t_starts, t_len = _runs(t_cust)
    o_starts, o_len = _runs(o_cust)
    hashes = np.r_[t_cust[t_starts], o_cust[o_starts]]
    hashes.sort(kind="stable")  # two sorted runs: one merge
    hashes = hashes[_cut([hashes])]
    customer = np.repeat(np.searchsorted(hashes, t_cust[t_starts]), t_len)
    o_rank = np.repeat(np.searchsorted(hashes, o_cust[o_starts]), o_len)
    n_o = len(o_ms)
    nxt = _next_order(customer, ms, o_rank, o_ms)
    has_next = nxt < n_o
    safe = np.where(has_next, nxt, 0)
    if n_o:
        has_next &= o_rank[safe] == customer
    else:
        o_ms, o_kept = np.zeros(1, np.int64), np.zeros(1, bool)
    converts = has_next & (o_ms[safe] - ms <= lookback_days * _DAY_MS)
    conv = np.flatnonzero(converts & o_kept[safe])  # its order passes the filters
    non = np.flatnonzero(~converts & kept)  # the touch passes the period
    window = ms[non] // (lookback_days * _DAY_MS)
    conv_order = nxt[conv]
    conv_starts = _cut([conv_order])
    non_starts = _cut([customer[non], np.where(has_next[non], nxt[non], -1), window])
    order = np.r_[conv, non]
    starts = np.r_[conv_starts, len(conv) + non_starts].astype(np.int64)
    path_start = np.r_[starts, len(order)].astype(np.int64)
    # Path of each touch by a running count of path starts, and each path's last touch by a
    # gather: np.repeat over millions of short paths costs several times more.
    touch_path = np.zeros(len(order), dtype=np.int64)
    touch_path[starts[1:]] = 1
    np.cumsum(touch_path, out=touch_path)
    position = np.arange(len(order), dtype=np.int64) - starts[touch_path]
    touch_ms = ms[order]
    n_conv = len(conv)
    end_ms = np.empty_like(touch_ms)
    end_ms[:n_conv] = o_ms[conv_order]
    end_ms[n_conv:] = touch_ms[path_start[touch_path[n_conv:] + 1] - 1]
    path_converted = np.r_[np.ones(len(conv_starts), bool), np.zeros(len(non_starts), bool)]
    path_revenue = np.r_[np.asarray(orders["revenue"], dtype=np.float64)[conv_order[conv_starts]],
                         np.zeros(len(non_starts))]
    path_cust = customer[order[starts]]
    new_customer = np.ones(len(starts), dtype=bool)
    new_customer[1:] = path_cust[1:] != path_cust[:-1]
    return Paths(
        channels=channels,
        touch_path=touch_path,
        touch_position=position,
        touch_channel=np.asarray(touches["channel"])[order].astype(np.int64),
        touch_days_before=np.divide(np.subtract(end_ms, touch_ms, out=end_ms), _DAY_MS, dtype=np.float64),
        path_start=path_start,
        path_converted=path_converted,
        path_revenue=path_revenue,
        path_customer=np.cumsum(new_customer) - 1,
        orders_in_period=int(np.asarray(orders["kept"], dtype=bool).sum()),
        lookback_days=lookback_days,
    )
