"""The campaign table: spend, reach, sessions, credited orders and returns per campaign, vs the previous period.

Spend, impressions and clicks come from ``campaign_spend`` (weekly rows); a week that straddles
the period counts pro rata, one seventh per day inside it, as the Overview's spend. They are not
about customers and not affected by the sales-channel filter. Sessions and credited orders
follow :mod:`core.campaigns.base`.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from core.campaigns.base import (
    Metric,
    comparison_period,
    rates,
    ratio,
    relative_change,
    split_periods,
    touch_metrics,
    whole_counts,
)
from core.filters import Filters
from core.privacy import MIN_GROUP_SIZE, hide_groups

METRICS: dict[str, Metric] = {
    "spend": Metric("Spend", "EUR", "Campaign spend in the period (weeks cut by the period count pro rata)."),
    "impressions": Metric("Impressions", "impressions", "Times the campaign's ads or messages were shown."),
    "clicks": Metric("Clicks", "clicks", "Clicks on the campaign's ads or messages."),
    "ctr": Metric("CTR", "share", "Click-through rate: clicks ÷ impressions."),
    "sessions": Metric("Sessions", "sessions", "Visits and contacts tagged with the campaign in the period."),
    "engaged_rate": Metric("Engaged rate", "share",
                           "Share of the campaign's sessions that were engaged (e.g. over 10 s or 2+ pages)."),
    "orders": Metric("Orders", "orders", "Orders in the period and sales channels credited to the campaign "
                     "(the customer's last session in the 7 days before the order was one of the campaign's)."),
    "conversion_rate": Metric("Conversion rate", "share", "Credited orders ÷ sessions."),
    "revenue": Metric("Revenue", "EUR", "Revenue of the credited orders (quantity × unit price)."),
    "cpa": Metric("CPA", "EUR", "Cost per acquisition: spend ÷ credited orders."),
    "roas": Metric("ROAS", "ratio", "Return on ad spend: revenue of the credited orders ÷ spend. Last touch, not "
                   "incremental: it includes orders that would have happened anyway."),
}
"""The campaign table's figures, in the order shown."""

RATE_METRICS = ("ctr", "engaged_rate", "conversion_rate")
"""Figures whose change is a difference in percentage points, not a relative change."""

CUSTOMER_FIGURES = ("sessions", "engaged_sessions", "engaged_rate", "orders", "conversion_rate", "revenue", "cpa",
                    "roas")
"""Figures about the campaign's customers, hidden with a group of fewer than 50 (spend and reach are not)."""

INFO = ("campaign_id", "name", "channel", "objective", "theme", "landing_page")


def _spend(con: duckdb.DuckDBPyConnection, start: dt.date | None, end: dt.date | None) -> pd.DataFrame:
    # A week row covers week .. week + 6; only the days inside [start, end] count.
    lo, hi = start or dt.date.min, end or dt.date.max
    return con.execute(
        """SELECT campaign_id,
                  sum(spend * share) AS spend, sum(impressions * share) AS impressions, sum(clicks * share) AS clicks
           FROM (SELECT *, (least(week + 6, $hi::DATE) - greatest(week, $lo::DATE) + 1) / 7.0 AS share
                 FROM campaign_spend WHERE week <= $hi::DATE AND week + 6 >= $lo::DATE)
           GROUP BY campaign_id""",
        {"hi": hi, "lo": lo},
    ).df()


def _period_spend(con: duckdb.DuckDBPyConnection, filters: Filters, prev: Filters | None) -> pd.DataFrame:
    cur = _spend(con, filters.start, filters.end)
    if prev is None:
        return cur
    return cur.merge(_spend(con, prev.start, prev.end), on="campaign_id", how="outer", suffixes=("", "_previous"))


def campaign_table(con: duckdb.DuckDBPyConnection, filters: Filters, *, min_size: int = MIN_GROUP_SIZE,
                   metrics: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per campaign active in the period, with the previous period and the change.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Open connection to a database with campaigns and touchpoints
        (:func:`core.campaigns.base.require_data`).
    filters : Filters
        Period and sales channels (the channels filter the credited orders only).
    min_size : int, default=MIN_GROUP_SIZE
        Campaigns whose sessions came from fewer customers have their customer figures hidden
        (:data:`CUSTOMER_FIGURES`; spend, impressions and clicks stay).
    metrics : pandas.DataFrame, optional
        :func:`~core.campaigns.base.touch_metrics` per ``campaign_id`` for ``filters`` and its
        comparison period, when already computed (:func:`core.campaigns.report.campaign_report`).

    Returns
    -------
    pandas.DataFrame
        Sorted by revenue, then spend (largest first). Columns: the campaign's details
        (:data:`INFO`), ``customers`` (distinct customers with a session; its flag
        ``customers_hidden``), every key of :data:`METRICS` plus ``engaged_sessions``; the
        same with ``_previous`` (NaN without a full previous period, see
        :func:`core.campaigns.base.comparison_period`); ``<figure>_change`` — the relative change
        in % for amounts and counts, the difference in percentage points for
        :data:`RATE_METRICS`. A campaign is listed when it had spend, a session or a credited
        order in the period. Ratios over zero (CTR without impressions, CPA without orders) are NaN.
    """
    prev = comparison_period(con, filters)
    if metrics is None:
        metrics = touch_metrics(con, filters, prev, {"campaign_id": "t.campaign_id"}, where="t.campaign_id IS NOT NULL")
    df = split_periods(metrics, ["campaign_id"])
    spend = _period_spend(con, filters, prev)
    df = df.merge(spend, on="campaign_id", how="outer")
    suffixes = ("", "_previous")
    for s in suffixes:
        for c in ("sessions", "engaged_sessions", "customers", "orders", "revenue", "spend", "impressions", "clicks"):
            if f"{c}{s}" not in df:
                df[f"{c}{s}"] = 0.0
            if c not in ("impressions", "clicks"):  # reach may be unknown (NULL) and stays missing
                df[f"{c}{s}"] = df[f"{c}{s}"].fillna(0)
    active = (df["spend"] > 0) | (df["sessions"] > 0) | (df["orders"] > 0)
    df = df[active].copy()
    for s in suffixes:
        rates(df, s)
        df[f"ctr{s}"] = ratio(df[f"clicks{s}"], df[f"impressions{s}"])
        df[f"cpa{s}"] = ratio(df[f"spend{s}"], df[f"orders{s}"])
        df[f"roas{s}"] = ratio(df[f"revenue{s}"], df[f"spend{s}"])
    info = con.execute(f"SELECT {', '.join(INFO)} FROM campaigns").df()
    df = info.merge(df, on="campaign_id", how="inner")
    # Hide each period's customer figures on its own: a campaign can be large now and small before.
    current_cols = list(CUSTOMER_FIGURES)
    df = hide_groups(df, "customers", min_size=min_size, value_columns=current_cols, keep_zero=True)
    df = hide_groups(df, "customers_previous", min_size=min_size, value_columns=[f"{c}_previous" for c in current_cols],
                     keep_zero=True)
    if prev is None:  # no full previous period: nothing to compare with, rather than zeros
        df[[c for c in df.columns if c.endswith("_previous")]] = float("nan")
    for m in METRICS:
        if m in RATE_METRICS:
            df[f"{m}_change"] = (df[m] - df[f"{m}_previous"]) * 100
        else:
            df[f"{m}_change"] = relative_change(df[m], df[f"{m}_previous"])
    df = df.sort_values(["revenue", "spend"], ascending=False, na_position="last", kind="stable")
    return whole_counts(df.reset_index(drop=True))
