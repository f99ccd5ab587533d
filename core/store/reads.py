"""Small reads of the stored tables that every area needs: row counts, sales channels, lift tests."""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from core.filters import data_date_range
from core.store.schema import SALES_KINDS, TABLES


def database_summary(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Row counts of every schema table present and the first and last order date.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Open connection (read-only is enough).

    Returns
    -------
    dict
        ``{"rows": {table: count}, "first_order": date | None, "last_order": date | None}``;
        tables of the schema missing from the database (e.g. truth tables) are left out.
    """
    present = {
        r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()
    }
    # Table names come from our own schema, never from users, so they may be formatted in.
    rows = {name: con.execute(f"SELECT count(*) FROM {name}").fetchone()[0] for name in TABLES if name in present}
    first, last = data_date_range(con) if "orders" in present else (None, None)
    return {"rows": rows, "first_order": first, "last_order": last}


def sales_channels(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Sales channels that have orders: the choices of the channel filter and of ``--channels``.

    Declared sales channels without a single order are left out: every database starts with
    the standard channels, so a web-only shop would otherwise be offered app, marketplace,
    social and store, each of which only ever shows "no data" (see
    :func:`sales_channels_without_orders`).

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Open connection (read-only is enough).

    Returns
    -------
    list of str
        Channel names, sorted.
    """
    return [r[0] for r in con.execute("SELECT DISTINCT channel FROM orders ORDER BY 1").fetchall()]


def sales_channels_without_orders(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Channels declared as sales channels in ``channels`` that have no order, sorted.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Open connection (read-only is enough).

    Returns
    -------
    list of str
        E.g. ``["app", "marketplace", "social", "store"]`` for a web-only shop.
    """
    rows = con.execute(
        "SELECT channel FROM channels WHERE list_contains(?, kind) "
        "AND channel NOT IN (SELECT DISTINCT channel FROM orders) ORDER BY 1",
        [list(SALES_KINDS)],
    ).fetchall()
    return [r[0] for r in rows]


_EXPERIMENT_DTYPES = {
    "experiment_id": object,
    "channel": object,
    "start_week": "datetime64[ns]",
    "end_week": "datetime64[ns]",
    "incremental_revenue": float,
    "standard_error": float,
    "method": object,
}
EXPERIMENT_COLUMNS: tuple[str, ...] = tuple(_EXPERIMENT_DTYPES)


def read_experiments(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The lift tests of the ``experiments`` table, for the budget model to calibrate to.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Open connection (read-only is enough).

    Returns
    -------
    pandas.DataFrame
        One row per test with ``EXPERIMENT_COLUMNS``: ``start_week`` and ``end_week`` as
        Timestamps (Mondays; the test covers both weeks and those between), revenue and
        standard error in EUR, sorted by channel, start_week and experiment_id. Empty, with
        the same columns, when the table is empty or missing (databases made before it existed).
    """
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
        "AND schema_name = current_schema() AND table_name = ?",
        ["experiments"],
    ).fetchone()[0]
    if not exists:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _EXPERIMENT_DTYPES.items()})
    sql = f"SELECT {', '.join(EXPERIMENT_COLUMNS)} FROM experiments ORDER BY channel, start_week, experiment_id"
    return con.execute(sql).df().astype(_EXPERIMENT_DTYPES)
