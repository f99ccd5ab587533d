"""Overview queries: KPIs, channel trends, channel share and cross-channel behaviour.

Every function takes an open DuckDB connection and a :class:`~core.filters.Filters` and
returns a small DataFrame: the aggregation happens in DuckDB so the same code stays fast on
tens of millions of orders.  Values always travel as SQL parameters.

How the filters apply
---------------------
- Orders (revenue, orders, customers, channel views) are filtered by ``order_ts`` and by
  the *sales* channel the order was placed in.
- Events (conversion rate) are filtered by ``event_ts`` and the event's channel.
- Marketing spend is recorded per *media* channel and week.  It cannot be split by sales
  channel, so the channel filter does **not** apply to spend, and ROAS is always the
  blended figure for the whole business: revenue of all sales channels ÷ all spend.
  Weeks that straddle the date range count pro rata (spend ÷ 7 per day inside the range).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from core.filters import Filters, data_start, previous_period_gap
from core.settings import read_settings
from core.settings.weeks import week_frequency, week_start_of, week_start_sql

GRAINS: dict[str, str] = {"day": "D", "week": "W-MON", "month": "MS"}
"""Time granularities accepted by :func:`channel_timeseries`, with their pandas frequency."""

CHANNEL_COUNT_GROUPS: tuple[str, ...] = ("1", "2", "3+")


@dataclass(frozen=True)
class Metric:
    """How a KPI is labelled and explained wherever it is shown (UI help, CLI)."""

    label: str
    unit: str
    help: str


KPI_DEFINITIONS: dict[str, Metric] = {
    "revenue": Metric(
        "Revenue", "EUR", "Sum of quantity × unit price over the lines of orders placed in the period and channels."
    ),
    "orders": Metric("Orders", "orders", "Number of orders placed in the period and channels."),
    "customers": Metric("Customers", "customers", "Distinct customers who placed at least one order."),
    "aov": Metric("AOV", "EUR", "Average order value: revenue ÷ orders."),
    "conversion_rate": Metric(
        "Conversion rate",
        "share",
        "Purchases per product view: purchase events ÷ view events in the period and channels "
        "(browsing events; store visits are not tracked).",
    ),
    "spend": Metric(
        "Marketing spend",
        "EUR",
        "Spend of all media channels in the period (weeks cut by the range count pro rata). "
        "Not affected by the channel filter: spend is not split by sales channel.",
    ),
    "roas": Metric(
        "Blended ROAS",
        "ratio",
        "Return on ad spend: revenue of all sales channels ÷ all marketing spend. Blended, not "
        "incremental: it credits every sale to marketing, including sales that would have "
        "happened anyway. Not affected by the channel filter.",
    ),
}


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any]) -> pd.DataFrame:
    return con.execute(sql, dict(params)).df()


def _sales_sql(
    filters: Filters, keys: dict[str, str], key_params: Mapping[str, Any] | None = None, *, extra: str = ""
) -> tuple[str, dict[str, Any]]:
    """SQL giving revenue, orders and buyers per key for the filtered orders.

    Revenue comes from joining order lines and orders/buyers from the orders alone, each
    aggregated straight to ``keys``: grouping the join per order first costs a 10M-group
    aggregation on 10M orders.  Keys without any order line get revenue 0.

    Parameters
    ----------
    filters : Filters
        Which orders count.
    keys : dict of str to str
        Output column -> SQL expression over ``orders AS o`` (our code, never user text).
    key_params : mapping, optional
        Named parameters (``$name``) of the key expressions; :meth:`Filters.sql` adds its own.
    extra : str, default=""
        More aggregates over ``o`` for the orders part, e.g. ``"count(DISTINCT o.channel) AS n"``.
    """
    where, params = filters.sql("o.order_ts", "o.channel")
    select = ", ".join(f"{expr} AS {name}" for name, expr in keys.items())
    names = ", ".join(keys)
    sql = f"""
        SELECT n.*, coalesce(r.revenue, 0) AS revenue
        FROM (SELECT {select}, count(*) AS orders, count(DISTINCT o.customer_id) AS customers{", " + extra if extra else ""}
              FROM orders AS o WHERE {where} GROUP BY ALL) AS n
        LEFT JOIN (SELECT {select}, sum(i.quantity * i.unit_price) AS revenue
                   FROM orders AS o JOIN order_items AS i ON i.order_id = o.order_id
                   WHERE {where} GROUP BY ALL) AS r USING ({names})"""
    return sql, {**(key_params or {}), **params}


def _sales_by_period(
    con: duckdb.DuckDBPyConnection, filters: Filters, prev: Filters | None
) -> dict[bool, dict[str, float]]:
    """Revenue, orders and buyers of the current (``True``) and previous (``False``) period.

    Both periods come from one scan of the window that spans them.
    """
    window = replace(filters, start=prev.start) if prev else filters
    current_from = dt.datetime.combine(filters.start or dt.date.min, dt.time.min)
    sql, params = _sales_sql(window, {"is_current": "o.order_ts >= $current_from"}, {"current_from": current_from})
    found = {
        r[0]: dict(zip(("orders", "customers", "revenue"), map(float, r[1:]), strict=True))
        for r in con.execute(sql, params).fetchall()
    }
    empty = {"orders": 0.0, "customers": 0.0, "revenue": 0.0}
    return {flag: found.get(flag, empty) for flag in (True, False)}


def _conversion(con: duckdb.DuckDBPyConnection, filters: Filters) -> float:
    # Event-based rather than "share of viewers who bought": over a year almost every
    # viewer buys something, which makes the customer-based share flat and uninformative.
    where, params = filters.sql("event_ts", "channel")
    views, purchases = con.execute(
        f"""SELECT count(*) FILTER (WHERE event_type = 'view'), count(*) FILTER (WHERE event_type = 'purchase')
            FROM events WHERE {where}""",
        params,
    ).fetchone()
    return purchases / views if views else np.nan


def _spend(con: duckdb.DuckDBPyConnection, start: dt.date | None, end: dt.date | None) -> float:
    # A week row covers week .. week + 6; only the days inside [start, end] count.
    lo = start or dt.date.min
    hi = end or dt.date.max
    (total,) = con.execute(
        # date_diff rather than subtracting dates: the same days on DuckDB, and portable to Spark.
        """SELECT coalesce(sum(spend * (date_diff('day', greatest(week, $lo::DATE), least(week + 6, $hi::DATE)) + 1)
                                / 7.0), 0)
           FROM marketing_spend WHERE week <= $hi::DATE AND week + 6 >= $lo::DATE""",
        {"hi": hi, "lo": lo},
    ).fetchone()
    return float(total)


def _kpi_values(sales: dict[str, float], all_revenue: float, conversion: float, spend: float) -> dict[str, float]:
    return {
        **sales,
        "aov": sales["revenue"] / sales["orders"] if sales["orders"] else np.nan,
        "conversion_rate": conversion,
        "spend": spend,
        "roas": all_revenue / spend if spend else np.nan,
    }


def kpis(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Headline KPIs for the filters and for the previous period of equal length.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Open connection.
    filters : Filters
        Date range and sales channels; see the module docstring for how each KPI uses them.
        Without both dates, or when the previous period starts before the data (see
        :func:`previous_period_gap`), there is no previous period and its columns are NaN.

    Returns
    -------
    pandas.DataFrame
        One row per KPI in the order of :data:`KPI_DEFINITIONS`, columns ``metric``,
        ``value``, ``previous``, ``change`` (value - previous) and ``change_pct``
        (relative change in %, NaN when the previous value is 0 or missing).
        Ratios with a zero denominator (AOV without orders, ROAS without spend) are NaN.
    """
    prev = filters.previous_period() if previous_period_gap(filters, data_start(con)) is None else None
    sales = _sales_by_period(con, filters, prev)
    # ROAS is blended over the whole business, so its revenue ignores the channel filter.
    everything = sales if filters.channels is None else _sales_by_period(con, replace(filters, channels=None), prev)
    current = _kpi_values(
        sales[True], everything[True]["revenue"], _conversion(con, filters), _spend(con, filters.start, filters.end)
    )
    if prev is None:
        previous = dict.fromkeys(current, np.nan)
    else:
        previous = _kpi_values(
            sales[False], everything[False]["revenue"], _conversion(con, prev), _spend(con, prev.start, prev.end)
        )
    out = pd.DataFrame(
        {
            "metric": list(KPI_DEFINITIONS),
            "value": [current[m] for m in KPI_DEFINITIONS],
            "previous": [previous[m] for m in KPI_DEFINITIONS],
        }
    )
    out["change"] = out["value"] - out["previous"]
    prev = out["previous"].where(out["previous"] != 0)
    out["change_pct"] = out["change"] / prev * 100
    return out


def channel_timeseries(con: duckdb.DuckDBPyConnection, filters: Filters, *, grain: str = "week") -> pd.DataFrame:
    """Revenue and orders per sales channel and period.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Open connection.
    filters : Filters
        Date range and sales channels.
    grain : {"week", "day", "month"}, default="week"
        Period length; weeks start on the database's week start day (:mod:`core.settings`, Monday
        by default).

    Returns
    -------
    pandas.DataFrame
        Columns ``period`` (period start, datetime64), ``channel``, ``revenue`` (EUR) and
        ``orders``; every period of the range appears for every channel that has orders or
        was selected, with zeros where nothing was sold (so lines do not skip gaps).
        Empty when no order matches.
    """
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)} (got {grain!r})")
    offset = read_settings(con).week_start_offset if grain == "week" else 0
    period = week_start_sql("o.order_ts", offset) if grain == "week" else "date_trunc($grain, o.order_ts)::DATE"
    sql, params = _sales_sql(filters, {"period": period, "channel": "o.channel"},
                             {} if grain == "week" else {"grain": grain})
    df = _fetch(con, f"SELECT period, channel, revenue, orders FROM ({sql}) ORDER BY period, channel", params)
    if df.empty:
        return df
    return _fill_periods(df, filters, grain, offset)


def _period_start(day: pd.Timestamp, grain: str, offset: int = 0) -> pd.Timestamp:
    """The start of the period holding ``day``, as the SQL computes it (weeks from ``offset`` days after Monday)."""
    day = day.normalize()
    if grain == "week":
        return week_start_of(day, offset)
    if grain == "month":
        return day.replace(day=1)
    return day


def _fill_periods(df: pd.DataFrame, filters: Filters, grain: str, offset: int = 0) -> pd.DataFrame:
    first = df["period"].min() if filters.start is None else pd.Timestamp(filters.start)
    last = df["period"].max() if filters.end is None else pd.Timestamp(filters.end)
    freq = week_frequency(offset) if grain == "week" else GRAINS[grain]
    periods = pd.date_range(_period_start(first, grain, offset), last, freq=freq)
    channels = sorted(set(df["channel"]) | set(filters.channels or ()))
    index = pd.MultiIndex.from_product([periods.astype(df["period"].dtype), channels], names=["period", "channel"])
    full = df.set_index(["period", "channel"]).reindex(index, fill_value=0).reset_index()
    full["orders"] = full["orders"].astype("int64")
    return full


def channel_share(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Revenue, orders and buyers per sales channel with each channel's share.

    Returns
    -------
    pandas.DataFrame
        Columns ``channel``, ``revenue`` (EUR), ``orders``, ``customers`` (distinct buyers in
        that channel), ``revenue_share`` and ``orders_share`` (fractions summing to 1),
        sorted by revenue, largest first.  Empty when no order matches.
    """
    sql, params = _sales_sql(filters, {"channel": "o.channel"})
    return _fetch(
        con,
        f"""SELECT channel, revenue, orders, customers,
                   revenue / nullif(sum(revenue) OVER (), 0) AS revenue_share,
                   orders / sum(orders) OVER () AS orders_share
            FROM ({sql}) ORDER BY revenue DESC, channel""",
        params,
    )


def customers_by_channel_count(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Customers grouped by how many distinct sales channels they bought in.

    Only orders matching the filters count, so with a channel filter the groups describe
    behaviour across the selected channels.

    Returns
    -------
    pandas.DataFrame
        Three rows ``channels_used`` = "1", "2", "3+" (always present, zeros when empty) with
        ``customers``, ``orders``, ``revenue`` (EUR), ``revenue_per_customer`` (EUR, NaN for
        an empty group) and ``customer_share`` (fraction of buyers, NaN without buyers).
    """
    sql, params = _sales_sql(filters, {"customer_id": "o.customer_id"}, extra="count(DISTINCT o.channel) AS n")
    df = _fetch(
        con,
        f"""SELECT CASE WHEN n >= 3 THEN '3+' ELSE n::VARCHAR END AS channels_used,
                   count(*) AS customers, sum(orders) AS orders, sum(revenue) AS revenue
            FROM ({sql}) GROUP BY 1""",
        params,
    )
    df = df.set_index("channels_used").reindex(list(CHANNEL_COUNT_GROUPS), fill_value=0).reset_index()
    df = df.astype({"customers": "int64", "orders": "int64", "revenue": "float64"})
    df["revenue_per_customer"] = df["revenue"] / df["customers"].where(df["customers"] > 0)
    total = df["customers"].sum()
    df["customer_share"] = df["customers"] / total if total else np.nan
    return df


def channel_pair_overlap(con: duckdb.DuckDBPyConnection, filters: Filters, *, top: int | None = None) -> pd.DataFrame:
    """How many customers bought in both channels of each pair of sales channels.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Open connection.
    filters : Filters
        Date range and sales channels; only matching orders count.
    top : int or None, default=None
        Keep only the ``top`` pairs with the most shared customers.

    Returns
    -------
    pandas.DataFrame
        One row per unordered pair of channels that have buyers (``channel_a`` <
        ``channel_b``), with ``customers_both``, ``customers_a``, ``customers_b``,
        ``jaccard`` (both ÷ customers of either channel) and ``share_of_a`` /
        ``share_of_b`` (both ÷ buyers of that channel).  Pairs without shared customers are
        kept with zeros.  Sorted by ``customers_both`` then ``jaccard``, largest first.
    """
    where, params = filters.sql("order_ts", "channel")
    sql = f"""
        WITH cc AS (SELECT DISTINCT customer_id, channel FROM orders WHERE {where}),
             n AS (SELECT channel, count(*) AS customers FROM cc GROUP BY channel),
             both_ AS (SELECT a.channel AS channel_a, b.channel AS channel_b, count(*) AS customers_both
                       FROM cc AS a JOIN cc AS b ON a.customer_id = b.customer_id AND a.channel < b.channel
                       GROUP BY ALL)
        SELECT na.channel AS channel_a, nb.channel AS channel_b,
               coalesce(p.customers_both, 0) AS customers_both,
               na.customers AS customers_a, nb.customers AS customers_b,
               coalesce(p.customers_both, 0) / (na.customers + nb.customers - coalesce(p.customers_both, 0)) AS jaccard,
               coalesce(p.customers_both, 0) / na.customers AS share_of_a,
               coalesce(p.customers_both, 0) / nb.customers AS share_of_b
        FROM n AS na JOIN n AS nb ON na.channel < nb.channel
        LEFT JOIN both_ AS p ON p.channel_a = na.channel AND p.channel_b = nb.channel
        ORDER BY customers_both DESC, jaccard DESC, channel_a, channel_b"""
    if top is not None:
        sql += "\nLIMIT $top"
        params["top"] = int(top)
    return _fetch(con, sql, params)
