"""Cohort retention: customers grouped by first-order month (or acquisition channel) × months since.

Definitions (shown on the Insight page):

* A customer's **first order** is their earliest order in the selected sales channels, over the
  whole history, so a customer who bought before the selected period is not "new" in it.
* A **cohort** is the customers whose first order falls in the selected period, grouped by the
  calendar month of that order (``by="month"``; a month that starts before the period is left
  out, so every cohort is a whole month) or by ``customers.acquisition_channel``
  (``by="acquisition"``, missing values as ``"unknown"``).
* **Month k** is the k-th calendar month after the first-order month (month 0 is that month).
  It is observed only when it has fully elapsed by the period end (or the last order date),
  so a half-finished month never looks like churn.
* **Retention** in month k = customers of the cohort with an order in month k ÷ cohort
  customers for whom month k is observed. **Revenue per customer** divides that month's
  revenue (EUR, quantity × unit price) by the same base; the cumulative column adds months 0..k.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from core.errors import OmnimixError
from core.filters import Filters
from core.insight.base import order_lines_clause
from core.privacy import MIN_GROUP_SIZE, hide_groups

COHORT_BY = {"month": "First-order month", "acquisition": "Acquisition channel"}
COHORT_COLUMNS = ["cohort", "months_since", "cohort_size", "customers_observed", "active_customers",
                  "retention", "revenue", "revenue_per_customer", "cumulative_revenue_per_customer"]
_VALUE_COLUMNS = ["retention", "revenue", "revenue_per_customer", "cumulative_revenue_per_customer"]


def cohort_table(con: duckdb.DuckDBPyConnection, filters: Filters, *, by: str = "month", max_months: int = 12,
                 min_group: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """Retention share and revenue per customer of each cohort, month by month.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
    filters : Filters
        The period selects the cohorts (first order inside it) and ends the observation;
        the channels select which orders count.
    by : {"month", "acquisition"}, default="month"
    max_months : int, default=12
        Last month-since shown.
    min_group : int, default=MIN_GROUP_SIZE
        Cohorts and monthly active groups with fewer customers are hidden: missing counts flagged
        in ``<count>_hidden`` (:mod:`core.privacy`), missing figures. When exactly one cohort is
        hidden, the smallest other cohort is hidden too (flagged :data:`~core.privacy.COMPLEMENT`)
        so it cannot be derived from the total.

    Returns
    -------
    DataFrame with :data:`COHORT_COLUMNS` and the flags ``cohort_size_hidden``,
    ``customers_observed_hidden``, ``active_customers_hidden``, one row per (cohort, months_since) observed,
    sorted by cohort then month. ``cohort`` is ``"YYYY-MM"`` or a channel name.
    """
    if by not in COHORT_BY:
        raise OmnimixError(f"Cohorts can be grouped by {' or '.join(COHORT_BY)}, not {by!r}.")
    if not 0 <= max_months <= 120:
        raise OmnimixError(f"max_months must be between 0 and 120 (got {max_months}).")
    end = _observation_end(con, filters)
    if end is None:
        return pd.DataFrame(columns=COHORT_COLUMNS)
    start = filters.start or dt.date(1900, 1, 1)
    if by == "month" and start.day != 1:
        # Only whole months: a cohort of the last days of a month would be small and not comparable.
        start = (start.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    # The cohort is a DATE (first of the month) while the query runs and becomes "YYYY-MM" only
    # on the few output rows: dates hash and compare faster than strings over millions of rows.
    key = "date_trunc('month', f.first_ts::DATE)" if by == "month" else "coalesce(c.acquisition_channel, 'unknown')"
    label = "strftime(ob.cohort, '%Y-%m')" if by == "month" else "ob.cohort"
    join = "" if by == "month" else "LEFT JOIN customers AS c ON c.customer_id = f.customer_id"
    channels, channel_params = filters.sql(None, "o.channel")
    where = f"{channels} AND o.order_ts < $after_end"
    # Months are counted as integers (year × 12 + month): month k of a customer is their
    # first-order month index + k. Month k is observed when the month after it starts on or
    # before the day after `end`, i.e. k <= $last_month - first month index.
    after_end = end + dt.timedelta(days=1)
    params = {"after_end": dt.datetime.combine(after_end, dt.time.min), "last_month": after_end.year * 12 + after_end.month - 1,
              "start": dt.datetime.combine(start, dt.time.min), "max_k": max_months}
    params.update(channel_params)
    lines = order_lines_clause(con, params["start"], params["after_end"], params)
    sql = f"""
        WITH firsts AS (
            SELECT customer_id, min(order_ts) AS first_ts FROM orders AS o
            WHERE {where} GROUP BY customer_id),
        members AS MATERIALIZED (
            SELECT f.customer_id, {key} AS cohort, year(f.first_ts) * 12 + month(f.first_ts) AS first_month,
                   least($last_month - (year(f.first_ts) * 12 + month(f.first_ts)), $max_k) AS last_k
            FROM firsts AS f {join} WHERE f.first_ts >= $start),
        sizes AS (SELECT cohort, count(*) AS cohort_size FROM members GROUP BY cohort),
        observed AS (
            SELECT m.cohort, k.months_since, count(*) AS customers_observed
            FROM members AS m JOIN range(0, $max_k + 1) AS k(months_since) ON k.months_since <= m.last_k
            GROUP BY ALL),
        member_orders AS MATERIALIZED (
            -- members' orders all start at the period start; saying so lets DuckDB skip older
            -- orders before the join. Only the columns the two uses below need.
            SELECT m.cohort, year(o.order_ts) * 12 + month(o.order_ts) - m.first_month AS months_since,
                   o.order_id, o.customer_id
            FROM orders AS o JOIN members AS m ON m.customer_id = o.customer_id
            WHERE {where} AND o.order_ts >= $start
              AND year(o.order_ts) * 12 + month(o.order_ts) - m.first_month <= m.last_k),
        -- Active customers from the orders alone (distinct (cohort, month, customer) rows grouped
        -- again: cheaper than count(DISTINCT) here), revenue by joining the order lines straight to
        -- the member orders (one hash table of member orders; no pre-aggregation per order).
        active AS (
            SELECT cohort, months_since, count(*) AS active_customers
            FROM (SELECT DISTINCT cohort, months_since, customer_id FROM member_orders) GROUP BY ALL),
        spent AS (
            SELECT mo.cohort, mo.months_since, sum(i.quantity * i.unit_price) AS revenue
            FROM order_items AS i JOIN member_orders AS mo ON mo.order_id = i.order_id
            WHERE TRUE{lines} GROUP BY ALL)
        SELECT {label} AS cohort, ob.months_since, s.cohort_size, ob.customers_observed,
               coalesce(a.active_customers, 0) AS active_customers, coalesce(r.revenue, 0) AS revenue
        FROM observed AS ob JOIN sizes AS s USING (cohort)
             LEFT JOIN active AS a USING (cohort, months_since)
             LEFT JOIN spent AS r USING (cohort, months_since)
        ORDER BY ob.cohort, ob.months_since"""
    df = con.execute(sql, params).df()
    if df.empty:
        return pd.DataFrame(columns=COHORT_COLUMNS)
    for c in ("cohort_size", "customers_observed", "active_customers", "months_since"):
        df[c] = df[c].astype("int64")
    df["retention"] = df["active_customers"] / df["customers_observed"]
    df["revenue_per_customer"] = df["revenue"] / df["customers_observed"]
    df["cumulative_revenue_per_customer"] = df.groupby("cohort")["revenue_per_customer"].cumsum()
    df = df[COHORT_COLUMNS]
    # The observed base is a group too (it can be a small tail of a cohort); a month with no
    # active customer stays visible (0 describes nobody). The cohorts add up to all new
    # customers of the period, a figure the other grouping shows: a single hidden cohort would
    # be that total minus the visible ones, so it takes the next smallest with it.
    out = hide_groups(df, ["cohort_size", "customers_observed", "active_customers"], min_size=min_group,
                      keep_zero=True, partition=True, group_key="cohort", value_columns=_VALUE_COLUMNS)
    # A running total past a hidden month would give the hidden month away by subtraction.
    after_hidden = out["revenue_per_customer"].isna().astype(int).groupby(out["cohort"]).cummax().astype(bool)
    out["cumulative_revenue_per_customer"] = out["cumulative_revenue_per_customer"].where(~after_hidden)
    return out


def _observation_end(con: duckdb.DuckDBPyConnection, filters: Filters) -> dt.date | None:
    last = con.execute("SELECT max(order_ts)::DATE FROM orders").fetchone()[0]
    if last is None:
        return None
    return min(last, filters.end) if filters.end is not None else last
