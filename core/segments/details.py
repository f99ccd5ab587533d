"""What one segment buys and where: top products (DuckDB) and channel mix (from the features)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.filters import Filters
from core.privacy import MIN_GROUP_SIZE, hide_groups
from core.segments.features import FREQUENCY, CustomerFeatures

if TYPE_CHECKING:  # only for type hints: the numbers work without duckdb
    import duckdb

_MEMBERS = "omnimix_segment_members"  # temporary view name, fixed (not user input)


def _with_members(con: duckdb.DuckDBPyConnection, customer_ids: Sequence[str], sql: str, params: dict) -> pd.DataFrame:
    # The ids travel as a registered DataFrame (a join), not as thousands of SQL parameters;
    # a cursor of its own keeps the view private and is free of the caller's pending results.
    cur = con.cursor()
    try:
        cur.register(_MEMBERS, pd.DataFrame({"customer_id": np.asarray(customer_ids, dtype=object)}))
        return cur.execute(sql, params).df()
    finally:
        cur.close()


def top_products(con: duckdb.DuckDBPyConnection, customer_ids: Sequence[str], filters: Filters, *, n: int = 10,
                 min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """The products most of the segment's customers bought in the period and channels.

    Ranked by buyers (then revenue): the products that describe the segment, and the rows most
    likely to clear the minimum group size.

    Returns
    -------
    pandas.DataFrame with ``product_id``, ``name``, ``category``, ``buyers`` (segment customers who
    bought it), ``revenue`` (EUR) and ``revenue_share`` (of the segment's revenue), at most ``n``
    rows; products bought by fewer than ``min_size`` of them have missing figures and ``buyers``
    flagged in ``buyers_hidden`` (:mod:`core.privacy`).
    """
    where, params = filters.sql("o.order_ts", "o.channel")
    sql = f"""
        WITH lines AS (
            SELECT o.customer_id, i.product_id, i.quantity * i.unit_price AS revenue
            FROM orders AS o JOIN {_MEMBERS} AS m ON m.customer_id = o.customer_id
            JOIN order_items AS i ON i.order_id = o.order_id
            WHERE {where})
        SELECT l.product_id, p.name, p.category, count(DISTINCT l.customer_id) AS buyers,
               sum(l.revenue) AS revenue, sum(l.revenue) / sum(sum(l.revenue)) OVER () AS revenue_share
        FROM lines AS l LEFT JOIN products AS p ON p.product_id = l.product_id
        GROUP BY ALL ORDER BY buyers DESC, revenue DESC, l.product_id LIMIT $n"""
    out = _with_members(con, customer_ids, sql, {**params, "n": int(n)})
    return hide_groups(out, "buyers", min_size=min_size, value_columns=["revenue", "revenue_share"])


def channel_mix(features: CustomerFeatures, members: np.ndarray, *, min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """Buyers and orders of a group of customers per sales channel, from the feature table.

    Orders per channel are exact: the channel share is orders in the channel ÷ orders, so
    share × orders gives them back without another query.

    Parameters
    ----------
    features : CustomerFeatures
    members : ndarray of shape (n_customers,), bool
        Which rows of ``features.table`` belong to the group.
    min_size : int, default=MIN_GROUP_SIZE

    Returns
    -------
    pandas.DataFrame with ``channel``, ``buyers`` (members with an order there), ``orders`` and
    ``orders_share``, most orders first; channels with fewer than ``min_size`` buyers have missing
    figures and ``buyers`` flagged in ``buyers_hidden`` (:mod:`core.privacy`).
    """
    part = features.table.loc[np.asarray(members, dtype=bool)]
    cols = list(features.groups["channel"])
    per_customer = part[cols].to_numpy() * part[FREQUENCY].to_numpy()[:, None]
    orders = np.rint(per_customer.sum(axis=0)).astype(np.int64)
    out = pd.DataFrame({"channel": list(features.channels), "buyers": (per_customer > 0.5).sum(axis=0),
                        "orders": orders, "orders_share": orders / max(orders.sum(), 1)})
    out = out.sort_values(["orders", "channel"], ascending=[False, True]).reset_index(drop=True)
    return hide_groups(out, "buyers", min_size=min_size, value_columns=["orders", "orders_share"])
