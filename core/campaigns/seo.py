"""Organic search (SEO): sessions, engagement and credited orders per landing page and keyword group.

An organic search session is a touchpoint of the channel ``organic_search`` (unpaid search
results, no campaign). Its orders follow the credit rule of :mod:`core.campaigns.base`: an order
counts for the landing page and keyword group of the customer's last session in the 7 days
before it when that session was an organic search visit.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from core.campaigns.base import comparison_period, rates, relative_change, split_periods, touch_metrics, whole_counts
from core.filters import Filters
from core.privacy import MIN_GROUP_SIZE, hide_groups
from core.settings import read_settings
from core.settings.weeks import week_start_sql

ORGANIC = "organic_search"
"""The channel of organic search sessions."""
ORGANIC_WHERE = "t.channel = $organic"
UNKNOWN = "(not set)"
"""Shown for sessions without a landing page or keyword group."""

DIMENSIONS = {"landing_page": "Landing page", "keyword_group": "Keyword group"}
"""What organic search is broken down by, and its label."""

LOSING_WEEKS = 8
"""Pages losing traffic: the last 8 weeks of the period against the 8 weeks before."""
LOSING_MIN_SESSIONS = 100
"""...among pages with at least this many sessions in the earlier 8 weeks (smaller pages swing by chance)."""
LOSING_MIN_DROP = -20.0
"""...whose sessions fell by at least 20%."""


def organic_key(by: str) -> str:
    """SQL of the ``by`` column of an organic search session ``t`` (``"(not set)"`` when missing)."""
    return f"coalesce(t.{by}, '{UNKNOWN}')"


def _check(by: str) -> None:
    if by not in DIMENSIONS:
        raise ValueError(f"by must be one of {', '.join(DIMENSIONS)} (got {by!r})")


def seo_breakdown(con: duckdb.DuckDBPyConnection, filters: Filters, by: str = "landing_page", *,
                  min_size: int = MIN_GROUP_SIZE, metrics: pd.DataFrame | None = None) -> pd.DataFrame:
    """Organic search per landing page or keyword group, with sessions against the previous period.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Open connection with touchpoints.
    filters : Filters
        Period and sales channels (the channels filter the credited orders only).
    by : {"landing_page", "keyword_group"}, default="landing_page"
    min_size : int, default=MIN_GROUP_SIZE
        Rows whose sessions came from fewer customers are hidden (in each period on its own).
    metrics : pandas.DataFrame, optional
        :func:`~core.campaigns.base.touch_metrics` of organic sessions per ``by`` for ``filters``
        and its comparison period, when already computed (:func:`core.campaigns.report.campaign_report`).

    Returns
    -------
    pandas.DataFrame
        One row per page or group with a session or credited order in the period, most
        sessions first: ``<by>`` (``"(not set)"`` when missing), ``customers`` (flag
        ``customers_hidden``), ``sessions``, ``engaged_sessions``, ``engaged_rate``, ``orders``,
        ``conversion_rate`` (credited orders ÷ sessions), ``revenue`` (EUR),
        ``sessions_previous`` (flag via ``customers_previous_hidden``; NaN without a full
        previous period) and ``sessions_change`` (%).
    """
    _check(by)
    prev = comparison_period(con, filters)
    if metrics is None:
        metrics = touch_metrics(con, filters, prev, {by: organic_key(by)}, where=ORGANIC_WHERE,
                                params={"organic": ORGANIC})
    df = split_periods(metrics, [by])
    df = df[(df["sessions"] > 0) | (df["orders"] > 0)].copy()
    rates(df)
    keep = [by, "customers", "sessions", "engaged_sessions", "engaged_rate", "orders", "conversion_rate", "revenue",
            "customers_previous", "sessions_previous"]
    df = df[keep]
    if prev is None:
        df[["customers_previous", "sessions_previous"]] = float("nan")
    df = hide_groups(df, "customers", min_size=min_size, keep_zero=True,
                     value_columns=["sessions", "engaged_sessions", "engaged_rate", "orders", "conversion_rate",
                                    "revenue"])
    df = hide_groups(df, "customers_previous", min_size=min_size, keep_zero=True, value_columns=["sessions_previous"])
    df["sessions_change"] = relative_change(df["sessions"], df["sessions_previous"])
    df = df.sort_values(["sessions", by], ascending=[False, True], na_position="last").reset_index(drop=True)
    return whole_counts(df)


GRAINS = ("week", "month")
"""Trend periods: weeks (starting on the database's week start day) or months."""
ALL_ORGANIC = "All organic search"
"""The trend's line of every organic search session together."""


def seo_trend(con: duckdb.DuckDBPyConnection, filters: Filters, by: str = "keyword_group", *, grain: str = "week",
              min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """Organic search sessions per week or month, per keyword group or landing page and in total.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
    filters : Filters
        The period (sessions by ``touch_ts``); the sales channels do not apply to sessions.
    by : {"landing_page", "keyword_group"}, default="keyword_group"
    grain : {"week", "month"}, default="week"
    min_size : int, default=MIN_GROUP_SIZE

    Returns
    -------
    pandas.DataFrame
        ``period`` (start of the week or month, datetime64), ``<by>`` (:data:`ALL_ORGANIC` on
        the total's rows), ``sessions``, ``customers`` (flag ``customers_hidden``): periods in
        which a group's sessions came from fewer than ``min_size`` visitors have their sessions
        hidden (a gap in the line). Empty without organic sessions in the period.
    """
    _check(by)
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)} (got {grain!r})")
    where, params = filters.sql("touch_ts", None)
    period = (week_start_sql("touch_ts", read_settings(con).week_start_offset) if grain == "week"
              else "date_trunc($grain, touch_ts)::DATE")  # weeks start on the database's week start day
    df = con.execute(
        f"""SELECT period, coalesce(key, $all) AS {by}, sessions, customers FROM (
                SELECT {period} AS period, {organic_key(by)} AS key,
                       count(*) AS sessions, count(DISTINCT hash(customer_id)) AS customers
                FROM touchpoints AS t WHERE channel = $organic AND {where}
                GROUP BY GROUPING SETS ((period, key), (period)))
            ORDER BY ALL""",
        {**params, "organic": ORGANIC, "all": ALL_ORGANIC, **({} if grain == "week" else {"grain": grain})}).df()
    df["period"] = pd.to_datetime(df["period"])
    return whole_counts(hide_groups(df, "customers", min_size=min_size, value_columns=["sessions"]))


def losing_pages(con: duckdb.DuckDBPyConnection, end: dt.date, *, weeks: int = LOSING_WEEKS,
                 min_sessions: int = LOSING_MIN_SESSIONS, min_drop: float = LOSING_MIN_DROP,
                 min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """Landing pages whose organic search sessions fell: the last ``weeks`` weeks up to ``end`` vs the ``weeks`` before.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
    end : datetime.date
        Last day of the recent window (the end of the selected period).
    weeks : int, default=LOSING_WEEKS
    min_sessions : int, default=LOSING_MIN_SESSIONS
        Pages with fewer sessions in the earlier window are left out.
    min_drop : float, default=LOSING_MIN_DROP
        Only pages whose sessions changed by this many % or less (e.g. -20) are listed.
    min_size : int, default=MIN_GROUP_SIZE
        Each window's figures are hidden when its sessions came from fewer customers; a page
        whose recent visitors fell under it is still listed, its recent sessions "fewer than 50".

    Returns
    -------
    pandas.DataFrame
        Largest drop first: ``landing_page``, ``customers_before``, ``sessions_before``,
        ``customers_recent``, ``sessions_recent``, ``change`` (% of the earlier sessions; NaN when
        the recent window is hidden). The windows' dates are in ``attrs["recent"]`` and ``attrs["before"]``.
    """
    days = 7 * weeks
    after_end = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min)
    recent_from = after_end - dt.timedelta(days=days)
    before_from = recent_from - dt.timedelta(days=days)
    df = con.execute(
        f"""SELECT coalesce(landing_page, '{UNKNOWN}') AS landing_page,
                   count(DISTINCT customer_id) FILTER (WHERE touch_ts < $recent_from) AS customers_before,
                   count(*) FILTER (WHERE touch_ts < $recent_from) AS sessions_before,
                   count(DISTINCT customer_id) FILTER (WHERE touch_ts >= $recent_from) AS customers_recent,
                   count(*) FILTER (WHERE touch_ts >= $recent_from) AS sessions_recent
            FROM touchpoints
            WHERE channel = $organic AND touch_ts >= $before_from AND touch_ts < $after_end
            GROUP BY ALL""",
        {"organic": ORGANIC, "recent_from": recent_from, "before_from": before_from, "after_end": after_end}).df()
    df["change"] = relative_change(df["sessions_recent"].astype(float), df["sessions_before"].astype(float))
    # Filter on the true figures before hiding: the rule, not the hidden cell, decides what is listed.
    # Select and order on the true figures before hiding: the rule, not a hidden cell, decides what is listed.
    df = df[(df["sessions_before"] >= min_sessions) & (df["change"] <= min_drop)]
    df = df.sort_values(["change", "landing_page"]).reset_index(drop=True)
    df = hide_groups(df, "customers_before", min_size=min_size, value_columns=["sessions_before", "change"])
    out = hide_groups(df, "customers_recent", min_size=min_size, value_columns=["sessions_recent", "change"],
                      keep_zero=True)
    out = whole_counts(out)
    out.attrs["recent"] = (recent_from.date(), end)
    out.attrs["before"] = (before_from.date(), (recent_from - dt.timedelta(days=1)).date())
    return out
