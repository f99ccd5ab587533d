"""The credit rule and the one query behind every campaign, theme and SEO figure.

Sessions and credited orders
----------------------------
A **session** is one row of ``touchpoints`` (a visit or a contact). Sessions count in the
period their ``touch_ts`` falls in; the sales-channel filter does not apply to them (a session
happens in a media channel, not in a shop).

An **order is credited** to the last session the same customer had in the
:data:`CREDIT_DAYS` days before it (``order_ts - 7 days <= touch_ts <= order_ts``), whatever
that session was: a campaign, an organic search visit or another touch. Orders without a
session in those 7 days are credited to nothing. Each order is credited once, so the campaign
and SEO figures add up without double counting; it is a last-touch rule — the Attribution
page shares credit between all touches instead. Credited orders count in the period of the
*order* (its ``order_ts``) and respect the sales-channel filter, like the Overview's orders.
Revenue of an order is the sum of quantity × unit price of its lines (EUR).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import duckdb
import pandas as pd

from core.errors import OmnimixError
from core.filters import Filters, data_start, previous_period_gap

CREDIT_DAYS = 7
"""An order is credited to the customer's last session at most this many days before it."""

CREDIT_RULE = (
    f"Each order is credited to the customer's last session in the {CREDIT_DAYS} days before it "
    "(a campaign visit, an organic search visit or another touch); orders without a session in those "
    f"{CREDIT_DAYS} days are credited to nothing. Each order counts once (last touch, not shared)."
)
"""The credit rule in one sentence, shown on the page and in the CLI."""

COUNTS = ("sessions", "engaged_sessions", "customers", "orders", "revenue")
"""Columns :func:`touch_metrics` returns per key and period."""

NO_DATA = ("The database has no {what}. Generate the sample with `omnimix generate` or load campaigns.csv and "
           "touchpoints.csv (GA4 or UTM exports) with `omnimix load` or on the Data page.")


@dataclass(frozen=True)
class Metric:
    """How a figure is labelled and explained wherever it is shown (page help, CLI, docs)."""

    label: str
    unit: str
    help: str


def missing_data(con: duckdb.DuckDBPyConnection) -> str | None:
    """Why the campaign figures cannot be shown, in one sentence; ``None`` when they can.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Open connection (read-only is enough).

    Returns
    -------
    str or None
        E.g. "The database has no touchpoints (sessions). Generate ..." for a database made
        before the tables existed or loaded without them.
    """
    present = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
    for table, what in (("campaigns", "campaigns"), ("touchpoints", "touchpoints (sessions)")):
        # Table names are our own constants, never user text.
        if table not in present or con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0:
            return NO_DATA.format(what=what)
    return None


def require_data(con: duckdb.DuckDBPyConnection) -> None:
    """Raise :class:`OmnimixError` with :func:`missing_data`'s sentence when there is nothing to show."""
    problem = missing_data(con)
    if problem is not None:
        raise OmnimixError(problem)


def comparison_period(con: duckdb.DuckDBPyConnection, filters: Filters) -> Filters | None:
    """The previous period of equal length, or ``None`` when it is not fully in the data (as the Overview)."""
    return filters.previous_period() if previous_period_gap(filters, data_start(con)) is None else None


def _midnight(day: dt.date | None, default: dt.date) -> dt.datetime:
    return dt.datetime.combine(day or default, dt.time.min)


def touch_metrics(con: duckdb.DuckDBPyConnection, filters: Filters, prev: Filters | None, keys: Mapping[str, str], *,
                  where: str = "TRUE", joins: str = "", params: Mapping[str, Any] | None = None,
                  sets: Sequence[Sequence[str]] | None = None) -> pd.DataFrame:
    """Sessions, engaged sessions, customers, credited orders and revenue per key, for both periods.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Open connection.
    filters : Filters
        The selected period (sessions by ``touch_ts``, orders by ``order_ts``) and sales channels
        (orders only).
    prev : Filters or None
        The comparison period (:func:`comparison_period`); ``None`` for the selected period only.
    keys : mapping of str to str
        Output column -> SQL expression over the session ``t`` (columns of ``touchpoints``) and
        whatever ``joins`` adds, e.g. ``{"campaign_id": "t.campaign_id"}``. Our code, never user text.
    where : str, default="TRUE"
        Which sessions count, e.g. ``"t.channel = 'organic_search'"``; credited orders count
        when the session they are credited to passes it.
    joins : str, default=""
        Joins on ``t``, e.g. ``"JOIN campaigns AS c ON c.campaign_id = t.campaign_id"``.
    params : mapping, optional
        Named parameters used by ``keys``, ``where`` or ``joins``.
    sets : sequence of sequences of str, optional
        Several breakdowns from one pass over the data (SQL grouping sets), e.g.
        ``[["campaign_id"], ["landing_page"]]``: the credit join, the costly part, runs once.
        Default: one breakdown by all ``keys``.

    Notes
    -----
    Customers are matched and counted by a 64-bit hash of ``customer_id`` (joins and distinct
    counts on integers are about twice as fast as on text); two of a million ids share a hash
    with a chance of about 3e-8.

    Returns
    -------
    pandas.DataFrame
        One row per key and period: the key columns, ``is_current`` (bool) and :data:`COUNTS`
        (zeros where a key had sessions but no credited order or the other way round);
        ``customers`` are the distinct customers with a session of the key in that period.
        With ``sets``, a column ``set`` (its position in ``sets``) says which breakdown a row
        belongs to; the keys outside that set are missing.
    """
    window = replace(filters, start=prev.start) if prev is not None and filters.start is not None else filters
    order_where, order_params = window.sql("o.order_ts", "o.channel")
    touch_clauses, touch_params = [], {}
    if window.start is not None:
        # Orders on the first day may be credited to sessions up to CREDIT_DAYS before it.
        touch_clauses.append("touch_ts >= $touch_from")
        touch_params["touch_from"] = _midnight(window.start, dt.date.min) - dt.timedelta(days=CREDIT_DAYS)
    if window.end is not None:
        touch_clauses.append("touch_ts < $after_end")
    touch_where = " AND ".join(touch_clauses) or "TRUE"
    session_from = "touch_ts >= $start" if window.start is not None else "TRUE"
    names = list(keys)
    groups = [list(g) for g in sets] if sets is not None else [names]
    select = ", ".join(f"{expr} AS {name}" for name, expr in keys.items())
    grouping = ", ".join("(" + ", ".join([*g, "is_current"]) + ")" for g in groups)
    # Sessions and credited orders travel in one stream, so one aggregation (with its grouping
    # sets) counts both, instead of one aggregation each joined afterwards.
    sql = f"""
        WITH touches AS MATERIALIZED (
            SELECT hash(customer_id) AS k, touch_ts, channel, campaign_id, landing_page, keyword_group, engaged,
                   customer_id
            FROM touchpoints WHERE {touch_where}),
        credited AS MATERIALIZED (  -- each order with the last session of its customer at or before it (ASOF join)
            SELECT o.order_id, o.order_ts, s.*
            FROM (SELECT order_id, hash(customer_id) AS k, order_ts FROM orders AS o WHERE {order_where}) AS o
            ASOF JOIN touches AS s ON o.k = s.k AND o.order_ts >= s.touch_ts
            WHERE s.touch_ts >= o.order_ts - INTERVAL {CREDIT_DAYS} DAY),
        stream AS (
            SELECT * EXCLUDE (touch_ts), touch_ts AS ts, TRUE AS is_session, 0.0 AS revenue
            FROM touches WHERE {session_from}
            UNION ALL BY NAME
            SELECT c.* EXCLUDE (touch_ts, order_id, order_ts), c.order_ts AS ts, FALSE AS is_session,
                   coalesce(r.revenue, 0.0) AS revenue
            FROM credited AS c LEFT JOIN (
                SELECT order_id, sum(quantity * unit_price) AS revenue FROM order_items
                WHERE order_id IN (SELECT order_id FROM credited) GROUP BY order_id) AS r USING (order_id))
        SELECT {", ".join(names)}, is_current, grouping({", ".join(names)}) AS gid,
               count(*) FILTER (WHERE is_session) AS sessions,
               count(*) FILTER (WHERE is_session AND engaged) AS engaged_sessions,
               count(DISTINCT k) FILTER (WHERE is_session) AS customers,
               count(*) FILTER (WHERE NOT is_session) AS orders,
               coalesce(sum(revenue) FILTER (WHERE NOT is_session), 0.0) AS revenue
        FROM (  -- keys first, so grouping by a key's name never means a touchpoints column of that name
            SELECT {select}, t.ts >= $current_from AS is_current, t.is_session, t.engaged, t.k, t.revenue
            FROM stream AS t {joins} WHERE {where})
        GROUP BY GROUPING SETS ({grouping})
        ORDER BY ALL"""
    all_params = {**(params or {}), **order_params, **touch_params,
                  "current_from": _midnight(filters.start, dt.date.min)}
    out = con.execute(sql, all_params).df()
    for c in ("sessions", "engaged_sessions", "customers", "orders"):
        out[c] = out[c].astype("int64")
    out["revenue"] = out["revenue"].astype("float64")
    # grouping() sets a bit, first key highest, for each key outside the row's grouping set.
    masks = {sum(1 << (len(names) - 1 - names.index(n)) for n in names if n not in g): i for i, g in enumerate(groups)}
    out.insert(0, "set", out.pop("gid").map(masks))
    if sets is None:
        out = out.drop(columns="set")
    return out.reset_index(drop=True)


def split_periods(metrics: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """:func:`touch_metrics`' rows side by side: the current figures, then ``<figure>_previous``.

    Keys seen in only one period get zeros in the other.
    """
    cur = metrics[metrics["is_current"]].drop(columns="is_current")
    prev = metrics[~metrics["is_current"]].drop(columns="is_current")
    out = cur.merge(prev, on=keys, how="outer", suffixes=("", "_previous"))
    counts = [c for c in out.columns if c not in keys]
    out[counts] = out[counts].fillna(0)
    return out


def ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """``numerator / denominator`` with NaN (not inf) where the denominator is 0 or missing."""
    den = pd.to_numeric(denominator, errors="coerce").astype("float64")
    return pd.to_numeric(numerator, errors="coerce").astype("float64") / den.where(den != 0)


def relative_change(value: pd.Series, previous: pd.Series) -> pd.Series:
    """Change in % of the previous value (NaN when the previous value is 0 or missing)."""
    return (value - previous) / previous.where(previous != 0) * 100


def rates(df: pd.DataFrame, suffix: str = "") -> pd.DataFrame:
    """Add ``engaged_rate`` and ``conversion_rate`` (credited orders per session) for one period's columns."""
    df[f"engaged_rate{suffix}"] = ratio(df[f"engaged_sessions{suffix}"], df[f"sessions{suffix}"])
    df[f"conversion_rate{suffix}"] = ratio(df[f"orders{suffix}"], df[f"sessions{suffix}"])
    return df


def whole_counts(df: pd.DataFrame) -> pd.DataFrame:
    """Session and order counts back to (nullable) integers after hiding turned them into floats.

    JSON and tables then show ``12``, not ``12.0``; hidden cells stay missing.
    """
    for c in df.columns:
        base = c.removesuffix("_previous")
        if base in ("sessions", "engaged_sessions", "orders") or c.startswith("sessions_"):
            values = pd.to_numeric(df[c], errors="coerce")
            shown = values.dropna()
            if not c.endswith("_change") and (shown == shown.round()).all():
                df[c] = values.round().astype("Int64")
    return df
