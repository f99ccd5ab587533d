"""Derived tables kept next to the data: each order's revenue, and orders and touches in customer order.

They are not part of the schema users load (:mod:`core.store.schema`): the loader rebuilds
them in the same transaction as every load of ``orders``, ``order_items`` or ``touchpoints``
(so a failed load leaves them as they were), and the generator builds them at the end. They
exist to make the slow steps of attribution at a million customers cheap:

- ``order_revenue``: one row per order (order_id, customer key, order time, sales channel,
  revenue = sum of quantity x unit price of its lines, 0 without lines), stored in
  (customer key, order time) order. Summing 19M order lines per call was 8-9 s at 1M
  customers; the CLV summary reads revenue from here too.
- ``touch_sequence``: one row per touchpoint (customer key, touch time, channel) in (customer
  key, touch time) order, so that attribution reads the 41M touches of 1M customers in the
  order it needs them instead of sorting them on every call.

The customer key is DuckDB's 64-bit ``hash(customer_id)``: only grouping matters and both
tables are built together with the same function. Readers must treat the tables as a cache:
:func:`is_current` says whether they exist and were built from sources of today's row counts
(the loader only appends), and readers check the order they rely on. An older database without them works as before, only slower.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

ORDER_REVENUE = "order_revenue"
TOUCH_SEQUENCE = "touch_sequence"
SOURCES = frozenset({"orders", "order_items", "touchpoints"})
"""Tables whose load changes the derived tables."""

_ORDER_REVENUE_SQL = f"""
CREATE OR REPLACE TABLE {ORDER_REVENUE} AS
SELECT o.order_id, hash(o.customer_id) AS customer_key, o.order_ts, o.channel,
       coalesce(r.revenue, 0.0) AS revenue
FROM orders o
LEFT JOIN (SELECT order_id, sum(quantity * unit_price) AS revenue FROM order_items GROUP BY order_id) r
       USING (order_id)
ORDER BY customer_key, o.order_ts
"""
_TOUCH_SEQUENCE_SQL = f"""
CREATE OR REPLACE TABLE {TOUCH_SEQUENCE} AS
SELECT hash(customer_id) AS customer_key, touch_ts, channel FROM touchpoints
ORDER BY customer_key, touch_ts
"""


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'"
    ).fetchall()}


def _source_counts(con: duckdb.DuckDBPyConnection, name: str) -> str:
    # Table names are our own constants, never user input.
    return " ".join(f"{t}={con.execute(f'SELECT count(*) FROM {t}').fetchone()[0]}" for t in _NEEDS[name])


_NEEDS = {ORDER_REVENUE: ("orders", "order_items"), TOUCH_SEQUENCE: ("touchpoints",)}


def refresh(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)build ``order_revenue`` and ``touch_sequence`` from the current data.

    Runs in the caller's transaction when there is one. Each table's comment records the row
    counts of its sources (see :func:`is_current`). A derived table whose sources are missing
    (e.g. a database without touchpoints) is dropped rather than left stale.
    """
    present = _tables(con)
    for name, sql in ((ORDER_REVENUE, _ORDER_REVENUE_SQL), (TOUCH_SEQUENCE, _TOUCH_SEQUENCE_SQL)):
        if set(_NEEDS[name]) <= present:
            con.execute(sql)
            con.execute(f"COMMENT ON TABLE {name} IS '{_source_counts(con, name)}'")
        else:
            con.execute(f"DROP TABLE IF EXISTS {name}")


def is_current(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether derived table ``name`` exists and was built from sources with today's row counts.

    The loader only appends and rebuilds the tables with every load of their sources, so a
    table left behind by another writer (rows added or deleted outside the loader) shows up as
    a count that differs; rows changed in place would not, and nothing in Omnimix does that.
    """
    if name not in _tables(con) or not set(_NEEDS[name]) <= _tables(con):
        return False
    row = con.execute("SELECT comment FROM duckdb_tables() WHERE database_name = current_database() "
                      "AND schema_name = 'main' AND table_name = ?", [name]).fetchone()
    return row is not None and row[0] == _source_counts(con, name)
