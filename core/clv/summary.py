"""Per-customer purchase summary (frequency, recency, T, spend) from DuckDB, in one query per call.

Purchases are counted by *day*: several orders on one day are one purchase (the convention of
the BG/NBD literature and of ``lifetimes``).  Time is in weeks (days / 7).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd

from core.errors import OmnimixError
from core.filters import Filters, data_date_range
from core.store import derived

if TYPE_CHECKING:  # only for type hints: the models work without duckdb
    import duckdb

SUMMARY_COLUMNS = ["customer_id", "frequency", "recency", "T", "monetary_value", "first_purchase"]
"""Columns of :func:`rfm_summary`, in order."""

_DAYS = """
    f AS (SELECT o.order_id, o.customer_id, CAST(o.order_ts AS DATE) AS day FROM orders AS o
          WHERE {where} AND o.order_ts < $before),
    days AS (
        SELECT f.customer_id, f.day, {revenue}
        GROUP BY f.customer_id, f.day)"""
_REVENUE_FROM_LINES = ("coalesce(sum(i.quantity * i.unit_price), 0) AS revenue "
                       "FROM f LEFT JOIN order_items AS i ON i.order_id = f.order_id")
# Each order's revenue stored once (core.store.derived): joins 10M orders instead of 19M lines at 1M customers.
_REVENUE_FROM_ORDERS = ("coalesce(sum(r.revenue), 0) AS revenue "
                        f"FROM f LEFT JOIN {derived.ORDER_REVENUE} AS r ON r.order_id = f.order_id")


def _days(con: duckdb.DuckDBPyConnection, where: str) -> str:
    """The ``f`` and ``days`` CTEs: revenue per customer and day, from order_revenue when it is current."""
    current = derived.is_current(con, derived.ORDER_REVENUE)
    return _DAYS.format(where=where, revenue=_REVENUE_FROM_ORDERS if current else _REVENUE_FROM_LINES)


def data_end(con: duckdb.DuckDBPyConnection) -> dt.date:
    """The last order date in the database.

    Raises
    ------
    OmnimixError
        When there are no orders.
    """
    _, last = data_date_range(con)
    if last is None:
        raise OmnimixError("The database has no orders, so there is nothing to model.")
    return last


def check_cutoff(con: duckdb.DuckDBPyConnection, cutoff: dt.date | None) -> dt.date:
    """``cutoff`` (default: the last order date), or an error when it lies outside the orders' dates."""
    first, last = data_date_range(con)
    if last is None:
        raise OmnimixError("The database has no orders, so there is nothing to model.")
    if cutoff is None:
        return last
    if not first <= cutoff <= last:
        raise OmnimixError(f"The cutoff {cutoff} is outside the data, which runs from {first} to {last}.")
    return cutoff


def _aggregates(bound: str | None, prefix: str) -> str:
    """Per-customer aggregates of ``days`` up to the parameter ``$bound`` (inclusive; None: every day), columns
    named ``prefix…``."""
    upto = "" if bound is None else f"FILTER (WHERE day <= ${bound})"
    return (f"count(*) {upto} - 1 AS {prefix}frequency, min(day) {upto} AS {prefix}first_day, "
            f"max(day) {upto} AS {prefix}last_day, "
            f"sum(revenue) {upto} - arg_min(revenue, day) {upto} AS {prefix}repeat_revenue")


def _summary_select(bound: str, prefix: str) -> str:
    """The :data:`SUMMARY_COLUMNS` (less the id) from :func:`_aggregates`, named ``prefix…``."""
    return f"""CAST({prefix}frequency AS INTEGER) AS {prefix}frequency,
           date_diff('day', {prefix}first_day, {prefix}last_day) / 7.0 AS {prefix}recency,
           date_diff('day', {prefix}first_day, CAST(${bound} AS DATE)) / 7.0 AS "{prefix}T",
           CASE WHEN {prefix}frequency > 0 THEN {prefix}repeat_revenue / {prefix}frequency ELSE 0.0 END
               AS {prefix}monetary_value,
           {prefix}first_day AS {prefix}first_purchase"""


def _summary_frame(frame: pd.DataFrame, prefix: str = "") -> pd.DataFrame:
    out = frame[["customer_id", *(prefix + c for c in SUMMARY_COLUMNS[1:])]].copy()
    out.columns = SUMMARY_COLUMNS
    out["first_purchase"] = pd.to_datetime(out["first_purchase"]).dt.date
    return out.reset_index(drop=True)


def rfm_summary(con: duckdb.DuckDBPyConnection, *, cutoff: dt.date | None = None,
                filters: Filters | None = None) -> pd.DataFrame:
    """Frequency, recency, age and mean repeat spend per customer from orders up to ``cutoff``.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
    cutoff : datetime.date, optional
        Last day counted (inclusive); default the last order date.  Orders after it never
        change the result.
    filters : Filters, optional
        Channels (and dates) of the orders counted, as on every page.

    Returns
    -------
    DataFrame
        One row per customer with an order up to ``cutoff``, sorted by ``customer_id``:
        ``frequency`` (purchase days − 1), ``recency`` (weeks from the first to the last
        purchase day), ``T`` (weeks from the first purchase day to ``cutoff``),
        ``monetary_value`` (mean revenue per repeat purchase day, the first day excluded; 0
        when ``frequency`` is 0), ``first_purchase`` (date).

    Raises
    ------
    OmnimixError
        When ``cutoff`` lies outside the orders' dates or there are no orders.
    """
    cutoff = check_cutoff(con, cutoff)
    where, params = (filters or Filters()).sql("o.order_ts", "o.channel")
    sql = f"""
    WITH {_days(con, where)},
    per AS (SELECT customer_id, {_aggregates(None, "")} FROM days GROUP BY customer_id)
    SELECT customer_id, {_summary_select("cutoff", "")} FROM per ORDER BY customer_id"""
    # Orders after the cutoff are dropped before the join with order_items (the costly step).
    frame = con.execute(sql, {**params, "cutoff": cutoff, "before": cutoff + dt.timedelta(days=1)}).df()
    return _summary_frame(frame)


def summaries_with_holdout(con: duckdb.DuckDBPyConnection, *, cutoff: dt.date, weeks: int,
                           filters: Filters | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """``rfm_summary`` at ``cutoff`` and at ``cutoff − weeks``, and ``holdout_actuals`` between, in one scan.

    The orders are joined with their lines once (the costly step) instead of three times.

    Returns
    -------
    (DataFrame, DataFrame, DataFrame)
        ``rfm_summary(cutoff=cutoff)``, ``rfm_summary(cutoff=cutoff − weeks)`` and
        ``holdout_actuals(cutoff=cutoff − weeks, weeks=weeks)``, equal to those calls' results.
    """
    if isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 1:
        raise OmnimixError(f"The holdout must be a whole number of weeks of at least 1; got {weeks!r}.")
    where, params = (filters or Filters()).sql("o.order_ts", "o.channel")
    sql = f"""
    WITH {_days(con, where)},
    per AS (SELECT customer_id, {_aggregates(None, "")}, {_aggregates("calibration", "c_")},
                   count(*) FILTER (WHERE day > $calibration) AS h_orders,
                   coalesce(sum(revenue) FILTER (WHERE day > $calibration), 0.0) AS h_revenue
            FROM days GROUP BY customer_id)
    SELECT customer_id, {_summary_select("cutoff", "")}, {_summary_select("calibration", "c_")},
           CAST(h_orders AS INTEGER) AS orders, h_revenue AS revenue
    FROM per ORDER BY customer_id"""
    calibration = cutoff - dt.timedelta(weeks=weeks)
    frame = con.execute(sql, {**params, "cutoff": cutoff, "calibration": calibration,
                              "before": cutoff + dt.timedelta(days=1)}).df()
    earlier = frame[frame["c_first_purchase"].notna()]
    actuals = earlier[["customer_id", "orders", "revenue"]].reset_index(drop=True)
    return _summary_frame(frame), _summary_frame(earlier, "c_"), actuals


def holdout_actuals(con: duckdb.DuckDBPyConnection, *, cutoff: dt.date, weeks: int,
                    filters: Filters | None = None) -> pd.DataFrame:
    """What each customer of ``rfm_summary(cutoff=cutoff)`` bought in the ``weeks`` after ``cutoff``.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
    cutoff : datetime.date
        Last day of the calibration period; the holdout is ``(cutoff, cutoff + 7·weeks]``.
    weeks : int
        Holdout length in weeks, at least 1.
    filters : Filters, optional

    Returns
    -------
    DataFrame
        ``customer_id, orders`` (purchase days in the holdout), ``revenue``; every customer
        with a purchase up to ``cutoff``, sorted by ``customer_id`` (zeros for those who did
        not buy).
    """
    if isinstance(weeks, bool) or not isinstance(weeks, int) or weeks < 1:
        raise OmnimixError(f"The holdout must be a whole number of weeks of at least 1; got {weeks!r}.")
    where, params = (filters or Filters()).sql("o.order_ts", "o.channel")
    sql = f"""
    WITH {_days(con, where)},
    base AS (SELECT DISTINCT customer_id FROM days WHERE day <= $cutoff),
    later AS (SELECT customer_id, count(*) AS orders, sum(revenue) AS revenue FROM days
              WHERE day > $cutoff AND day <= $holdout_end GROUP BY customer_id)
    SELECT base.customer_id, CAST(coalesce(later.orders, 0) AS INTEGER) AS orders,
           coalesce(later.revenue, 0.0) AS revenue
    FROM base LEFT JOIN later ON later.customer_id = base.customer_id ORDER BY base.customer_id"""
    holdout_end = cutoff + dt.timedelta(weeks=weeks)
    return con.execute(sql, {**params, "cutoff": cutoff, "holdout_end": holdout_end,
                             "before": holdout_end + dt.timedelta(days=1)}).df()
