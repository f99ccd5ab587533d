"""Channel journeys: where customers first bought and where they bought afterwards.

Definitions (shown on the Insight page):

* A customer's **first-purchase channel** is the channel of their earliest order in the
  selected sales channels over the whole history; only customers whose first order falls in
  the selected period are followed, up to the period end.
* **Later channel**: the channel of any later order in that window. A customer who came back
  through two channels counts once in each; ``"no repeat purchase"`` collects those who never
  came back. Each cell counts customers, so small cells are hidden.
* **Multi-channel** customers bought in two or more sales channels in the selected period;
  their value (revenue in EUR, orders) is compared with single-channel customers.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from core.filters import Filters
from core.insight.base import day_start, order_lines_clause
from core.privacy import MIN_GROUP_SIZE, hide_groups

NO_REPEAT = "no repeat purchase"
JOURNEY_COLUMNS = ["first_channel", "later_channel", "first_customers", "customers", "share_of_first", "orders"]
VALUE_COLUMNS = ["group", "customers", "customer_share", "orders_per_customer", "revenue_per_customer",
                 "average_order_value", "revenue_share"]


def _window(filters: Filters) -> tuple[str, dict]:
    channels, params = filters.sql(None, "o.channel")
    clauses = [channels]
    if filters.end is not None:
        clauses.append("o.order_ts < $after_end")
        params["after_end"] = day_start(filters.end) + pd.Timedelta(days=1)
    return " AND ".join(clauses), params


def channel_journeys(con: duckdb.DuckDBPyConnection, filters: Filters, *,
                     min_group: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """First-purchase channel → later purchase channel, as a long matrix (Sankey links).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
    filters : Filters
    min_group : int, default=MIN_GROUP_SIZE
        Cells (and first channels) with fewer customers are hidden: missing counts flagged in
        ``first_customers_hidden`` / ``customers_hidden`` (:mod:`core.privacy`).

    Returns
    -------
    DataFrame with :data:`JOURNEY_COLUMNS`: one row per (first_channel, later_channel) with at
    least one customer, including ``later_channel == NO_REPEAT``; ``share_of_first`` =
    customers ÷ first_customers (shares of one first channel can add up to more than 1 because
    a customer may come back through several channels).
    """
    where, params = _window(filters)
    start, later_start = "TRUE", "TRUE"
    if filters.start is not None:
        start, later_start = "first_ts >= $start", "o.order_ts >= $start"
        params["start"] = day_start(filters.start)
    # Orders are read twice rather than materialised once for both uses (measured cheaper);
    # later orders all fall after the period start, which lets the second read skip the rest.
    df = con.execute(
        f"""
        WITH firsts AS (
            SELECT o.customer_id, arg_min(o.channel, o.order_ts) AS first_channel, min(o.order_ts) AS first_ts
            FROM orders AS o WHERE {where} GROUP BY o.customer_id),
        f AS MATERIALIZED (SELECT * FROM firsts WHERE {start}),
        sizes AS (SELECT first_channel, count(*) AS first_customers FROM f GROUP BY ALL),
        later AS MATERIALIZED (
            SELECT f.first_channel, o.channel AS later_channel, o.customer_id, count(*) AS orders
            FROM orders AS o JOIN f ON f.customer_id = o.customer_id AND o.order_ts > f.first_ts
            WHERE {where} AND {later_start}
            GROUP BY ALL),
        cells AS (
            SELECT first_channel, later_channel, count(*) AS customers, sum(orders) AS orders FROM later GROUP BY ALL
            UNION ALL
            SELECT f.first_channel, $no_repeat, count(*), 0 FROM f ANTI JOIN later USING (customer_id)
            GROUP BY f.first_channel)
        SELECT c.first_channel, c.later_channel, s.first_customers, c.customers, c.orders
        FROM cells AS c JOIN sizes AS s USING (first_channel)
        ORDER BY c.first_channel, c.later_channel = $no_repeat, c.later_channel""",
        {**params, "no_repeat": NO_REPEAT},
    ).df()
    if df.empty:
        return pd.DataFrame(columns=JOURNEY_COLUMNS)
    for c in ("first_customers", "customers", "orders"):
        df[c] = df[c].astype("int64")
    df["share_of_first"] = df["customers"] / df["first_customers"]
    # The first channels add up to all new customers of the period, which the cohorts show:
    # a lone hidden first channel would be that total minus the visible ones.
    return hide_groups(df[JOURNEY_COLUMNS], ["first_customers", "customers"], min_size=min_group,
                       partition=True, group_key="first_channel", value_columns=["share_of_first", "orders"])


def multichannel_value(con: duckdb.DuckDBPyConnection, filters: Filters, *,
                       min_group: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """Value of single- vs multi-channel customers in the selected period.

    Returns
    -------
    DataFrame with :data:`VALUE_COLUMNS`, rows ``"single-channel"`` and ``"multi-channel"``
    (a group without customers is left out). Revenue is quantity × unit price in EUR.
    When one group has fewer than ``min_group`` customers, the other group's count and
    figures are hidden too (flagged :data:`~core.privacy.COMPLEMENT`), and so are
    both shares: the total number of buyers is public, so either would reveal the small group.
    """
    where, params = _window(filters)
    if filters.start is not None:
        where += " AND o.order_ts >= $start"
        params["start"] = day_start(filters.start)
    lines = order_lines_clause(con, params.get("start"), params.get("after_end"), params)
    # Orders and channels per customer from the orders alone (multi-channel when the smallest and
    # largest channel name differ, cheaper than counting distinct channels), revenue per customer
    # from the order lines; grouping the joined lines per order first costs a 10M-group aggregation.
    df = con.execute(
        f"""
        WITH per_customer AS (
            SELECT o.customer_id, count(*) AS orders, min(o.channel) <> max(o.channel) AS multi
            FROM orders AS o WHERE {where} GROUP BY o.customer_id),
        revenue AS (
            SELECT o.customer_id, sum(i.quantity * i.unit_price) AS revenue
            FROM orders AS o JOIN order_items AS i ON i.order_id = o.order_id
            WHERE {where}{lines} GROUP BY o.customer_id)
        SELECT CASE WHEN multi THEN 'multi-channel' ELSE 'single-channel' END AS "group",
               count(*) AS customers, sum(orders) AS orders, coalesce(sum(r.revenue), 0) AS revenue
        FROM per_customer LEFT JOIN revenue AS r USING (customer_id) GROUP BY ALL ORDER BY 1 DESC""",
        params,
    ).df()
    if df.empty:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    df["customers"] = df["customers"].astype("int64")
    df["customer_share"] = df["customers"] / df["customers"].sum()
    df["orders_per_customer"] = df["orders"] / df["customers"]
    df["revenue_per_customer"] = df["revenue"] / df["customers"]
    df["average_order_value"] = df["revenue"] / df["orders"]
    df["revenue_share"] = df["revenue"] / df["revenue"].sum()
    # A share of the total, or the other group's count next to the total buyers shown on the
    # Overview, would give the hidden group away: hide the shares and the other group too.
    return hide_groups(df[VALUE_COLUMNS], "customers", min_size=min_group, partition=True,
                       shares=["customer_share", "revenue_share"])
