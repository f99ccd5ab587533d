"""A customer's profile and purchase history, as the recommendations page shows them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from core.errors import OmnimixError

if TYPE_CHECKING:  # only for type hints: the numbers work without duckdb
    import duckdb


def customer_profile(con: duckdb.DuckDBPyConnection, customer_id: str) -> dict:
    """Sign-up, region, age band, acquisition channel, orders, revenue and last order date of one customer.

    Raises
    ------
    OmnimixError
        When ``customer_id`` is not in the customers table.
    """
    row = con.execute(
        """
        SELECT c.customer_id, c.signup_date, c.region, c.age_band, c.acquisition_channel,
               count(DISTINCT o.order_id) AS orders,
               coalesce(sum(i.quantity * i.unit_price), 0) AS revenue,
               max(o.order_ts)::DATE AS last_order
        FROM customers c
        LEFT JOIN orders o ON o.customer_id = c.customer_id
        LEFT JOIN order_items i ON i.order_id = o.order_id
        WHERE c.customer_id = ?
        GROUP BY ALL
        """,
        [customer_id],
    ).df()
    if row.empty:
        raise OmnimixError(f"Customer id '{customer_id}' is not in the customers table.")
    return row.iloc[0].to_dict()


def purchase_history(con: duckdb.DuckDBPyConnection, customer_id: str) -> pd.DataFrame:
    """Every order line of the customer, newest first: when, channel, what, quantity, EUR."""
    return con.execute(
        """
        SELECT o.order_ts, o.channel, i.product_id, p.name, p.category, p.brand,
               i.quantity, i.unit_price, i.quantity * i.unit_price AS revenue
        FROM orders o JOIN order_items i USING (order_id) JOIN products p USING (product_id)
        WHERE o.customer_id = ?
        ORDER BY o.order_ts DESC, p.name
        """,
        [customer_id],
    ).df()
