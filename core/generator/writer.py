"""Write generated arrays into DuckDB: ids and labels are formatted by DuckDB in parallel."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from core.generator.catalogue import ProductSampler  # noqa: F401  (re-exported for type readers)
from core.generator.customers import CustomerDraw
from core.generator.events import EVENT_TYPE_NAMES, EventDraw
from core.generator.orders import OrderDraw
from core.generator.personas import AGE_BANDS, PERSONAS, REGIONS, SALES_CHANNELS

CUSTOMER_ID = "'C' || lpad(CAST({col} + 1 AS VARCHAR), 7, '0')"
PRODUCT_ID = "'P' || lpad(CAST({col} + 1 AS VARCHAR), 5, '0')"
ORDER_ID = "'O' || lpad(CAST({col} + 1 AS VARCHAR), 9, '0')"


def _timestamps(start: dt.date, seconds: np.ndarray) -> pa.Array:
    base = np.datetime64(start, "s")
    return pa.array(base + seconds.astype("timedelta64[s]"))


def _insert(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table, select_sql: str, params: list | None = None) -> None:
    con.register(f"_src_{name}", table)
    try:
        con.execute(f"INSERT INTO {name} {select_sql.format(src=f'_src_{name}')}", params or [])
    finally:
        con.unregister(f"_src_{name}")


def write_all(con: duckdb.DuckDBPyConnection, start: dt.date, catalogue: pd.DataFrame, customers: CustomerDraw,
              orders: OrderDraw, events: EventDraw, spend: pd.DataFrame, truth: pd.DataFrame, weekly: pd.DataFrame,
              experiments: pd.DataFrame, future: dict[str, np.ndarray]) -> None:
    n_cust = customers.persona.shape[0]
    signup = pa.array(np.datetime64(start, "D") + customers.signup_day.astype("timedelta64[D]"))
    _insert(con, "customers", pa.table({
        "i": pa.array(np.arange(n_cust, dtype=np.int32)), "signup": signup,
        "region": customers.region, "age": customers.age_band, "acq": pa.array(customers.acquisition.astype(str)),
    }), f"SELECT {CUSTOMER_ID.format(col='i')}, signup, list_extract(?, region + 1), list_extract(?, age + 1), acq FROM {{src}}",
        [list(REGIONS), list(AGE_BANDS)])
    _insert(con, "truth_personas", pa.table({"i": pa.array(np.arange(n_cust, dtype=np.int32)), "p": customers.persona}),
            f"SELECT {CUSTOMER_ID.format(col='i')}, list_extract(?, p + 1) FROM {{src}}", [[p.name for p in PERSONAS]])

    _insert(con, "truth_customer_future", pa.table({"i": pa.array(np.arange(n_cust, dtype=np.int32)), **future}),
            f"SELECT {CUSTOMER_ID.format(col='i')}, active_at_end, future_orders, future_revenue FROM {{src}}")

    products = pa.Table.from_pandas(catalogue[["product_idx", "name", "category", "brand", "price", "description"]],
                                    preserve_index=False)
    _insert(con, "products", products,
            f"SELECT {PRODUCT_ID.format(col='product_idx')}, name, category, brand, price, description FROM {{src}}")

    n_orders = orders.customer.shape[0]
    _insert(con, "orders", pa.table({
        "i": pa.array(np.arange(n_orders, dtype=np.int32)), "c": orders.customer,
        "ts": _timestamps(start, orders.ts), "ch": orders.channel,
    }), f"SELECT {ORDER_ID.format(col='i')}, {CUSTOMER_ID.format(col='c')}, ts, list_extract(?, ch + 1) FROM {{src}}",
        [list(SALES_CHANNELS)])
    _insert(con, "order_items", pa.table({
        "o": orders.item_order, "p": orders.item_product, "q": orders.item_quantity, "u": orders.item_unit_price,
    }), f"SELECT {ORDER_ID.format(col='o')}, {PRODUCT_ID.format(col='p')}, q, u FROM {{src}}")
    _insert(con, "events", pa.table({
        "c": events.customer, "p": events.product, "ch": events.channel, "t": events.event_type,
        "ts": _timestamps(start, events.ts),
    }), f"SELECT {CUSTOMER_ID.format(col='c')}, {PRODUCT_ID.format(col='p')}, list_extract(?, ch + 1), "
        f"list_extract(?, t + 1), ts FROM {{src}}", [list(SALES_CHANNELS), list(EVENT_TYPE_NAMES)])

    for name, df in (("marketing_spend", spend), ("experiments", experiments), ("truth_channel_response", truth),
                     ("truth_weekly_revenue", weekly)):
        _insert(con, name, pa.Table.from_pandas(df, preserve_index=False), "SELECT * FROM {src}")
