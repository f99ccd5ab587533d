"""Anomaly weeks: weekly revenue per channel that departs from its seasonal expectation.

Method (numpy/pandas only; shown on the Insight page):

1. Weekly revenue per sales channel over the whole history (weeks start on the database's week start day, Monday by default; a last week
   the data does not fully cover is left out), on a log scale so a +40% week counts the same
   in a big and a small channel.
2. **Trend**: a centred rolling median over 53 weeks (a year, so the yearly pattern does not
   leak into it).
3. **Yearly pattern** (with at least two years of history): for each week of the year, the
   median over the years of revenue above/below trend in that week and its two neighbours.
   Black Friday and Christmas fall in the same weeks of the year every year, so they become
   part of the expectation, not anomalies; a peak lasting a single week would not.
   With less history the expectation is a 9-week rolling median instead.
4. **Robust z-score** of the residual (log revenue − expectation): (r − median r) ÷ (1.4826 ×
   median absolute deviation). A week is an anomaly when |z| > ``threshold`` (default 3.5).

Only weeks inside the selected period are returned; the expectation always uses all history.
A channel-week with fewer buyers than the minimum group size (but some) is hidden and never flagged.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

from core.filters import Filters
from core.insight.base import day_start
from core.privacy import MIN_GROUP_SIZE, hide_groups
from core.settings import read_settings
from core.settings.weeks import week_start_sql

WEEKLY_COLUMNS = ["week", "channel", "revenue", "buyers", "expected_revenue", "deviation", "z_score", "is_anomaly"]
DEFAULT_THRESHOLD = 3.5
_TREND_WEEKS, _SHORT_WEEKS, _SEASONAL_MIN_WEEKS = 53, 9, 104
_MAD_SCALE = 1.4826  # makes the MAD a consistent estimate of the standard deviation for normal noise
_MEAN_AD_SCALE = 1.2533  # same for the mean absolute deviation (sqrt(pi / 2))


def seasonal_expectation(revenue: np.ndarray, week_of_year: np.ndarray) -> tuple[np.ndarray, bool]:
    """Expected log1p revenue of each week from trend + yearly pattern.

    Parameters
    ----------
    revenue : ndarray of shape (n_weeks,)
        Consecutive weekly revenue (EUR, >= 0).
    week_of_year : ndarray of shape (n_weeks,)
        ISO week number of each week (53 is folded into 52).

    Returns
    -------
    expected : ndarray of shape (n_weeks,)
        Expectation on the log1p scale.
    seasonal : bool
        Whether a yearly pattern was used (needs at least 104 weeks).
    """
    z = pd.Series(np.log1p(revenue))
    if len(z) < _SEASONAL_MIN_WEEKS:
        return z.rolling(_SHORT_WEEKS, center=True, min_periods=1).median().to_numpy(), False
    trend = z.rolling(_TREND_WEEKS, center=True, min_periods=_TREND_WEEKS // 2).median()
    detrended = z - trend
    # Pool each week of the year with its neighbours (±1 week, wrapping around New Year): the
    # median of only 2-3 years would copy one year's value and shrink that year's residuals to 0
    # (measured: 41 flagged channel-weeks instead of 3 on the default sample). Holiday peaks span
    # two or more weeks, so pooling keeps them in the expectation.
    pooled = pd.concat([
        pd.DataFrame({"woy": (week_of_year - 1 + shift) % 52 + 1, "d": detrended.to_numpy()}) for shift in (-1, 0, 1)
    ])
    pattern = pooled.groupby("woy")["d"].median()
    pattern -= pattern.median()
    return (trend + pattern.reindex(week_of_year).to_numpy()).to_numpy(), True


def robust_z(residual: np.ndarray) -> np.ndarray:
    """(r − median) ÷ (1.4826 × MAD), NaN where ``residual`` is not finite.

    When more than half the residuals equal the median the MAD is 0; the scale then falls back
    to 1.2533 × the mean absolute deviation (Iglewicz & Hoaglin), so one spike in an otherwise
    flat series still stands out. Only a perfectly constant series gives zeros.
    """
    r = residual[np.isfinite(residual)]
    if r.size == 0:
        return np.full(residual.shape, np.nan)
    med = np.median(r)
    scale = _MAD_SCALE * np.median(np.abs(r - med))
    if scale == 0:
        scale = _MEAN_AD_SCALE * np.mean(np.abs(r - med))
    if scale == 0:
        return np.where(np.isfinite(residual), 0.0, np.nan)
    return (residual - med) / scale


def weekly_channel_revenue(con: duckdb.DuckDBPyConnection, filters: Filters, *, threshold: float = DEFAULT_THRESHOLD,
                           min_group: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """Weekly revenue per channel with its seasonal expectation and anomaly flag.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
    filters : Filters
        Channels to analyse; the period selects which weeks are returned (weeks starting in it).
    threshold : float, default=3.5
        |robust z| above which a week is an anomaly.
    min_group : int, default=MIN_GROUP_SIZE

    Returns
    -------
    DataFrame with :data:`WEEKLY_COLUMNS`; ``deviation`` = revenue ÷ expected − 1.
    ``attrs["seasonal"]`` is True when the yearly pattern was used for every channel.
    """
    # Revenue over all history (the expectation needs it) from the order lines, aggregated straight
    # to (week, channel); buyers only for the weeks returned, from the orders alone: counting
    # distinct buyers over all history, or over the joined lines, costs more than the rest.
    # The week of an order is worked out once per order, on a DATE, before the join to its
    # lines (after it, it would be once per line, on a timestamp).
    clause, params = filters.sql(None, "o.channel")
    params["from"] = day_start(filters.start or dt.date(1, 1, 1))
    week = week_start_sql("o.order_ts", read_settings(con).week_start_offset)  # the database's first day of a week
    weekly = con.execute(
        f"""
        SELECT week, channel, coalesce(r.revenue, 0) AS revenue, coalesce(n.buyers, 0) AS buyers
        FROM (SELECT o.week, o.channel, sum(i.quantity * i.unit_price) AS revenue
              FROM order_items AS i
              JOIN (SELECT o.order_id, {week} AS week, o.channel
                    FROM orders AS o WHERE {clause}) AS o ON o.order_id = i.order_id
              GROUP BY ALL) AS r
        FULL JOIN (SELECT {week} AS week, o.channel, count(DISTINCT o.customer_id) AS buyers
                   FROM orders AS o WHERE {clause} AND o.order_ts >= $from GROUP BY ALL) AS n USING (week, channel)""",
        params,
    ).df()
    last = con.execute("SELECT max(order_ts)::DATE FROM orders").fetchone()[0]
    if weekly.empty or last is None:
        return pd.DataFrame(columns=WEEKLY_COLUMNS).assign(is_anomaly=pd.Series(dtype=bool))
    weekly["week"] = pd.to_datetime(weekly["week"])
    complete_until = pd.Timestamp(last) - pd.Timedelta(days=6)  # a week is complete if its Sunday has data
    weeks = pd.date_range(weekly["week"].min(), min(weekly["week"].max(), complete_until), freq="7D")
    parts, all_seasonal = [], True
    for channel, part in weekly.groupby("channel", sort=True):
        s = part.set_index("week")[["revenue", "buyers"]].reindex(weeks, fill_value=0)  # weeks without orders: 0
        woy = np.minimum(weeks.isocalendar().week.to_numpy(dtype=int), 52)
        expected, seasonal = seasonal_expectation(s["revenue"].to_numpy(dtype=float), woy)
        all_seasonal &= seasonal
        z = robust_z(np.log1p(s["revenue"].to_numpy(dtype=float)) - expected)
        parts.append(pd.DataFrame({
            "week": weeks, "channel": channel, "revenue": s["revenue"].to_numpy(dtype=float),
            "buyers": s["buyers"].to_numpy(dtype="int64"), "expected_revenue": np.expm1(expected), "z_score": z,
        }))
    df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=WEEKLY_COLUMNS)
    with np.errstate(divide="ignore", invalid="ignore"):  # no relative deviation from an expected 0
        df["deviation"] = (df["revenue"] / df["expected_revenue"] - 1).where(df["expected_revenue"] > 0)
    # A week without any buyer describes nobody, so it may be flagged (a channel that stopped selling).
    df["is_anomaly"] = (df["z_score"].abs() > threshold) & ((df["buyers"] >= min_group) | (df["buyers"] == 0))
    if filters.start is not None:
        df = df[df["week"] >= pd.Timestamp(filters.start)]
    if filters.end is not None:
        df = df[df["week"] <= pd.Timestamp(filters.end)]
    df["week"] = df["week"].dt.date
    out = hide_groups(df[WEEKLY_COLUMNS].reset_index(drop=True), "buyers", min_size=min_group, keep_zero=True,
                      value_columns=["revenue", "expected_revenue", "deviation", "z_score"])
    out.attrs["seasonal"] = all_seasonal
    out.attrs["threshold"] = threshold
    return out


def anomaly_weeks(weekly: pd.DataFrame) -> pd.DataFrame:
    """The flagged weeks of :func:`weekly_channel_revenue`, largest |z| first."""
    flagged = weekly[weekly["is_anomaly"].astype(bool)]
    order = flagged["z_score"].abs().sort_values(ascending=False).index
    out = flagged.loc[order].reset_index(drop=True)
    out["direction"] = np.where(out["z_score"] > 0, "above", "below")
    return out
