"""Customer features for segmentation, computed in DuckDB: every feature is defined here.

One row per customer who placed at least one order in the selected period and sales
channels (customers without orders in the period have no behaviour to segment on).

How the filters apply (the same rules as :mod:`core.overview.queries`)
-------------------------------------------------------------
- Orders and their lines count when ``order_ts`` is in the date range and the order's sales
  channel is selected.
- Browsing events count when ``event_ts`` is in the range and the event's channel is selected.
- The reference date ("today" for recency and tenure) is the end of the range, or the last
  order date in the data when the range is open.
- The period start (for the shopping pace) is the start of the range, or the first order date
  in the selected channels when the range is open.

Feature groups (the user chooses which ones the clustering uses)
-----------------------------------------------------------------
``rfm``
    recency_days, frequency, orders_per_year, monetary, aov, basket_size, tenure_days, days_between_orders,
    conversion, views_per_line, discount_share, discount_depth (see :data:`BASE_FEATURES` for
    exact definitions).  Orders, tenure, days between orders and revenue are descriptive only
    (``cluster=False``): the order count mixes how often someone buys with how long they have
    been a customer in the period, so the clustering uses the shopping pace (orders per active
    year) and recency instead; tenure says when someone signed up rather than how they shop,
    the gap is close to 1 / pace, and revenue = orders × average order value.
``channel``
    ``ch_<channel>``: share of the customer's orders placed in each sales channel.
``category``
    ``cat_<category>``: share of the customer's revenue in each product category.

Channel and category columns depend on the data (one per channel/category present), so their
names are derived by :func:`channel_column` / :func:`category_column`; values always reach
SQL as parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.errors import OmnimixError
from core.filters import Filters
from core.formatting import slug
from core.settings import DEFAULT_CURRENCY, Currency

if TYPE_CHECKING:  # only for type hints: the numbers work without duckdb
    import duckdb

CUSTOMER = "customer_id"
RECENCY = "recency_days"
FREQUENCY = "frequency"
PACE = "orders_per_year"
MONETARY = "monetary"
AOV = "aov"
BASKET = "basket_size"
TENURE = "tenure_days"
DAYS_BETWEEN = "days_between_orders"
CONVERSION = "conversion"
VIEWS_PER_LINE = "views_per_line"
DISCOUNT = "discount_share"
DISCOUNT_DEPTH = "discount_depth"

RFM, CHANNEL, CATEGORY = "rfm", "channel", "category"
FEATURE_GROUPS: tuple[str, ...] = (RFM, CHANNEL, CATEGORY)
"""Valid feature-group names, in the order the UI lists them."""

GROUP_LABELS: dict[str, str] = {RFM: "RFM & behaviour", CHANNEL: "Channel mix", CATEGORY: "Category mix"}


MIN_PACE_DAYS = 30
"""Shortest active span the shopping pace divides by, so a first order right after sign-up
does not read as hundreds of orders a year."""


@dataclass(frozen=True)
class FeatureSpec:
    """How one fixed feature is labelled, measured and pre-processed."""

    label: str
    unit: str  # "days", "orders", "EUR" (the database's currency: its code in CustomerFeatures.units), "products", "share"
    meaning: str
    skewed: bool  # log1p before scaling (long right tail)
    cluster: bool = True  # used by the clustering (False: shown in profiles only)


BASE_FEATURES: dict[str, FeatureSpec] = {
    RECENCY: FeatureSpec("Recency", "days", "Days from the customer's last order to the reference date.", True),
    FREQUENCY: FeatureSpec("Orders", "orders", "Number of orders in the period and channels.", True, cluster=False),
    PACE: FeatureSpec(
        "Shopping pace", "orders/year",
        "Orders ÷ years from the later of sign-up and the period start to the last order (at least "
        f"{MIN_PACE_DAYS} days): how often the customer buys while active, whatever their sign-up date.", True),
    MONETARY: FeatureSpec("Revenue", "EUR", "Sum of quantity × unit price over the customer's order lines.", True,
                          cluster=False),
    AOV: FeatureSpec("Average order value", "EUR", "Revenue ÷ orders.", True),
    BASKET: FeatureSpec("Basket size", "products", "Order lines (distinct products) ÷ orders.", True),
    TENURE: FeatureSpec("Tenure", "days", "Days from sign-up to the reference date.", True, cluster=False),
    DAYS_BETWEEN: FeatureSpec(
        "Days between orders", "days",
        "(Last order − first order) ÷ (orders − 1); for one-order customers the days from that order to the "
        "reference date (a lower bound on their next gap).", True, cluster=False),
    CONVERSION: FeatureSpec(
        "Browse-to-buy conversion", "share",
        "Purchase events ÷ product views in the period and channels; 0 without tracked views "
        "(store-only buyers: store visits are not tracked).", False),
    VIEWS_PER_LINE: FeatureSpec(
        "Browsing intensity", "views",
        "Product views in the period and channels ÷ order lines: how much the customer looks before buying "
        "(0 without tracked views).", True),
    DISCOUNT: FeatureSpec("Discounted lines", "share", "Share of order lines bought below the product's list price.", False),
    DISCOUNT_DEPTH: FeatureSpec(
        "Average discount", "share",
        "Average % off the product's list price over the customer's order lines (0 = always paid full price).", False),
}
"""The fixed features (group ``rfm``), in column order."""


def channel_column(channel: str) -> str:
    """Column holding the share of orders in ``channel``, e.g. ``ch_web``."""
    return f"ch_{slug(channel)}"


def category_column(category: str) -> str:
    """Column holding the share of revenue in ``category``, e.g. ``cat_home_kitchen``."""
    return f"cat_{slug(category)}"


@dataclass(frozen=True)
class CustomerFeatures:
    """The feature table and what each column means.

    Attributes
    ----------
    table : pandas.DataFrame of shape (n_customers, 1 + n_features)
        ``customer_id`` then every feature column; sorted by customer_id; no missing values.
    groups : dict of str to tuple of str
        Feature group -> its columns.
    labels : dict of str to str
        Column -> readable label, e.g. ``"Share of orders: store"``.
    units : dict of str to str
        Column -> unit ("days", "orders", "EUR", "products", "share").
    reference_date : datetime.date
        "Today" for recency and tenure.
    """

    table: pd.DataFrame
    groups: dict[str, tuple[str, ...]]
    labels: dict[str, str]
    units: dict[str, str]
    reference_date: dt.date
    channels: tuple[str, ...] = field(default=())
    categories: tuple[str, ...] = field(default=())
    currency: Currency = DEFAULT_CURRENCY  # of the amounts (the database's settings), for descriptions

    @property
    def n_customers(self) -> int:
        return len(self.table)

    def columns(self, groups: tuple[str, ...] | list[str] = FEATURE_GROUPS) -> list[str]:
        """Feature columns of ``groups`` in table order; raises on an unknown group name."""
        groups = validate_groups(groups)
        return [c for g in FEATURE_GROUPS if g in groups for c in self.groups[g]]

    def cluster_columns(self, groups: tuple[str, ...] | list[str] = FEATURE_GROUPS) -> list[str]:
        """Columns of ``groups`` the clustering uses (descriptive-only features left out)."""
        return [c for c in self.columns(groups) if c not in BASE_FEATURES or BASE_FEATURES[c].cluster]

    @property
    def feature_columns(self) -> list[str]:
        return self.columns(FEATURE_GROUPS)


def validate_groups(groups: tuple[str, ...] | list[str] | str) -> tuple[str, ...]:
    """Normalise a group choice (list or ``"rfm,channel"``) and check every name."""
    if isinstance(groups, str):
        groups = [g.strip() for g in groups.split(",") if g.strip()]
    unknown = [g for g in groups if g not in FEATURE_GROUPS]
    if unknown:
        raise OmnimixError(f"Unknown feature group {', '.join(map(repr, unknown))}; choose from {', '.join(FEATURE_GROUPS)}.")
    if not groups:
        raise OmnimixError(f"Choose at least one feature group ({', '.join(FEATURE_GROUPS)}).")
    return tuple(g for g in FEATURE_GROUPS if g in groups)


def _reference_date(con: duckdb.DuckDBPyConnection, filters: Filters) -> dt.date | None:
    if filters.end is not None:
        return filters.end
    where, params = filters.sql("order_ts", "channel")
    return con.execute(f"SELECT max(order_ts)::DATE FROM orders WHERE {where}", params).fetchone()[0]


def _distinct(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> tuple[str, ...]:
    return tuple(r[0] for r in con.execute(sql, params).fetchall())


def _check_unique_columns(values: tuple[str, ...], column: Callable[[str], str], what: str) -> None:
    # "Home & Kitchen" and "home-kitchen" would share a column and silently overwrite each other.
    seen: dict[str, str] = {}
    for v in values:
        col = column(v)
        if col in seen:
            raise OmnimixError(f"The {what} {seen[col]!r} and {v!r} differ only in punctuation or case; "
                               "rename one so each gets its own feature column.")
        seen[col] = v


def feature_sql(filters: Filters, channels: tuple[str, ...], categories: tuple[str, ...],
                reference: dt.date) -> tuple[str, dict]:
    """The feature query and its named parameters (used as-is by the benchmark's baseline).

    Parameters
    ----------
    filters : Filters
    channels, categories : tuple of str
        Values that get a share column each, in column order.
    reference : datetime.date
        Reference date for recency, tenure and one-order gaps.
    """
    o_where, o_params = filters.sql("o.order_ts", "o.channel")
    e_where, e_params = filters.sql("e.event_ts", "e.channel")
    # The o and e filters share their values ($start, $after_end, $channels): one set of parameters.
    ch_cols = ", ".join(f"count(*) FILTER (WHERE channel = $ch{i}) / count(*) AS {channel_column(c)}"
                        for i, c in enumerate(channels))
    cat_cols = ", ".join(
        f"coalesce(sum(revenue) FILTER (WHERE category = $cat{i}) / nullif(sum(revenue), 0), 0) AS {category_column(c)}"
        for i, c in enumerate(categories))
    ref = "r.d"
    sql = f"""
    WITH r AS (SELECT CAST($reference AS DATE) AS d),
    o AS (SELECT o.order_id, o.customer_id, o.order_ts, o.channel FROM orders AS o WHERE {o_where}),
    -- Period start: the range's start, or the first order in the data when the range is open.
    s AS (SELECT coalesce(CAST($period_start AS DATE), CAST(min(order_ts) AS DATE)) AS d FROM o),
    per_order AS (
        SELECT customer_id, count(*) AS frequency, min(order_ts) AS first_ts, max(order_ts) AS last_ts
               {', ' + ch_cols if ch_cols else ''}
        FROM o GROUP BY customer_id),
    lines AS (
        SELECT o.customer_id, i.quantity * i.unit_price AS revenue, p.category,
               CAST(i.unit_price < p.price - 0.005 AS DOUBLE) AS discounted,
               greatest(1 - i.unit_price / nullif(p.price, 0), 0) AS depth
        FROM o JOIN order_items AS i ON i.order_id = o.order_id
        LEFT JOIN products AS p ON p.product_id = i.product_id),
    per_line AS (
        SELECT customer_id, sum(revenue) AS monetary, count(*) AS n_lines, avg(discounted) AS discount_share,
               avg(depth) AS discount_depth
               {', ' + cat_cols if cat_cols else ''}
        FROM lines GROUP BY customer_id),
    per_event AS (
        SELECT customer_id, count(*) FILTER (WHERE event_type = 'view') AS views,
               count(*) FILTER (WHERE event_type = 'purchase') AS purchases
        FROM events AS e WHERE {e_where} GROUP BY customer_id)
    SELECT f.customer_id,
           CAST(date_diff('day', CAST(f.last_ts AS DATE), {ref}) AS DOUBLE) AS {RECENCY},
           CAST(f.frequency AS DOUBLE) AS {FREQUENCY},
           f.frequency * 365.25 / greatest(
               date_diff('day', greatest(c.signup_date, s.d), CAST(f.last_ts AS DATE)), {MIN_PACE_DAYS}) AS {PACE},
           coalesce(l.monetary, 0) AS {MONETARY},
           coalesce(l.monetary, 0) / f.frequency AS {AOV},
           coalesce(l.n_lines, 0) / f.frequency AS {BASKET},
           CAST(greatest(date_diff('day', c.signup_date, {ref}), 0) AS DOUBLE) AS {TENURE},
           CASE WHEN f.frequency > 1
                THEN date_diff('second', f.first_ts, f.last_ts) / 86400.0 / (f.frequency - 1)
                ELSE CAST(date_diff('day', CAST(f.last_ts AS DATE), {ref}) AS DOUBLE) END AS {DAYS_BETWEEN},
           -- least() skips NULLs, so customers without views need the explicit CASE.
           CASE WHEN e.views > 0 THEN least(e.purchases / e.views, 1.0) ELSE 0.0 END AS {CONVERSION},
           CASE WHEN l.n_lines > 0 THEN coalesce(e.views, 0) / l.n_lines ELSE 0.0 END AS {VIEWS_PER_LINE},
           coalesce(l.discount_share, 0) AS {DISCOUNT},
           coalesce(l.discount_depth, 0) AS {DISCOUNT_DEPTH}
           {''.join(f', f.{channel_column(c)}' for c in channels)}
           {''.join(f', coalesce(l.{category_column(c)}, 0) AS {category_column(c)}' for c in categories)}
    FROM per_order AS f CROSS JOIN r CROSS JOIN s
    JOIN customers AS c ON c.customer_id = f.customer_id
    LEFT JOIN per_line AS l ON l.customer_id = f.customer_id
    LEFT JOIN per_event AS e ON e.customer_id = f.customer_id
    ORDER BY f.customer_id"""
    params = {**o_params, **e_params, "reference": reference, "period_start": filters.start,
              **{f"ch{i}": c for i, c in enumerate(channels)}, **{f"cat{i}": c for i, c in enumerate(categories)}}
    return sql, params


def customer_features(con: duckdb.DuckDBPyConnection, filters: Filters | None = None) -> CustomerFeatures:
    """Compute every customer's features for ``filters`` in one DuckDB query.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Open connection (read-only is enough).
    filters : Filters, optional
        Date range and sales channels; default: all data.

    Returns
    -------
    CustomerFeatures

    Raises
    ------
    OmnimixError
        When no customer placed an order in the period and channels.
    """
    filters = filters or Filters()
    reference = _reference_date(con, filters)
    empty = OmnimixError(
        "No customer placed an order in the selected period and channels; widen the date range or select more channels.")
    if reference is None:
        raise empty
    where, params = filters.sql("order_ts", "channel")
    channels = _distinct(con, f"SELECT DISTINCT channel FROM orders WHERE {where} ORDER BY 1", params)
    categories = _distinct(con, "SELECT DISTINCT category FROM products WHERE category IS NOT NULL ORDER BY 1", {})
    _check_unique_columns(channels, channel_column, "sales channels")
    _check_unique_columns(categories, category_column, "product categories")
    sql, params = feature_sql(filters, channels, categories, reference)
    table = con.execute(sql, params).df()
    if table.empty:
        raise empty
    numeric = [c for c in table.columns if c != CUSTOMER]
    table[numeric] = table[numeric].astype(np.float64)
    groups = {
        RFM: tuple(BASE_FEATURES),
        CHANNEL: tuple(channel_column(c) for c in channels),
        CATEGORY: tuple(category_column(c) for c in categories),
    }
    labels = {c: s.label for c, s in BASE_FEATURES.items()}
    labels.update({channel_column(c): f"Share of orders: {c}" for c in channels})
    labels.update({category_column(c): f"Share of revenue: {c}" for c in categories})
    from core.settings.store import read_settings  # needs DuckDB, like the query above

    currency = read_settings(con).currency
    units = {c: currency.code if s.unit == "EUR" else s.unit for c, s in BASE_FEATURES.items()}
    units.update(dict.fromkeys(groups[CHANNEL] + groups[CATEGORY], "share"))
    return CustomerFeatures(table, groups, labels, units, reference, channels, categories, currency)
