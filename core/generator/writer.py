"""Write generated arrays into DuckDB: ids and labels are formatted by DuckDB in parallel."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from core.generator.campaigns import TYPE_CHANNEL, CampaignDraw, theme_affinity_frame
from core.generator.catalogue import ProductSampler  # noqa: F401  (re-exported for type readers)
from core.generator.customers import CustomerDraw
from core.generator.events import EVENT_TYPE_NAMES, EventDraw
from core.generator.orders import OrderDraw
from core.generator.organic import KEYWORD_GROUPS, PAGE_GROUP, PAGE_NAMES
from core.generator.personas import AGE_BANDS, PERSONAS, REGIONS, SALES_CHANNELS
from core.generator.touchpoints import MEDIUM, TouchDraw

CUSTOMER_ID = "'C' || lpad(CAST({col} + 1 AS VARCHAR), 7, '0')"
PRODUCT_ID = "'P' || lpad(CAST({col} + 1 AS VARCHAR), 5, '0')"
ORDER_ID = "'O' || lpad(CAST({col} + 1 AS VARCHAR), 9, '0')"
CAMPAIGN_ID = "'CMP' || lpad(CAST({col} + 1 AS VARCHAR), 4, '0')"


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


def write_touchpoints(con: duckdb.DuckDBPyConnection, start: dt.date, campaigns: CampaignDraw, touches: TouchDraw,
                      incremental: pd.DataFrame) -> None:
    """Write campaigns, campaign_spend, touchpoints and their truth tables; labels come from small lists."""
    frame = pa.Table.from_pandas(campaigns.frame, preserve_index=False)
    _insert(con, "campaigns", frame, f"SELECT {CAMPAIGN_ID.format(col='i')}, channel, name, objective, theme, "
            "start_date, end_date, landing_page FROM {src}")
    _insert(con, "campaign_spend", pa.Table.from_pandas(campaigns.spend_rows, preserve_index=False),
            f"SELECT week, {CAMPAIGN_ID.format(col='i')}, spend, impressions, clicks FROM {{src}}")
    organic = TYPE_CHANNEL.index("organic_search") + 1
    _insert(con, "touchpoints", pa.table({
        "c": touches.customer, "ts": _timestamps(start, touches.ts), "t": touches.touch_type.astype(np.int32) + 1,
        "k": touches.campaign.astype(np.int32) + 1, "pg": touches.page.astype(np.int32) + 1,
        "tm": touches.term.astype(np.int32), "e": touches.engaged,
    }), f"""SELECT {CUSTOMER_ID.format(col='c')}, ts, list_extract($1, t),
            CASE WHEN k > 0 THEN {CAMPAIGN_ID.format(col='k - 1')} END,
            CASE WHEN t = {organic} THEN 'google' ELSE list_extract($2, k) END,
            list_extract($3, t),
            CASE WHEN k > 0 THEN list_extract($4, k) END,
            CASE WHEN k > 0 THEN list_extract($5, k) END,
            CASE WHEN tm >= 0 THEN list_extract($6, (k - 1) * 3 + tm + 1) END,
            CASE WHEN t = {organic} THEN list_extract($7, pg) ELSE list_extract($8, k) END,
            CASE WHEN t = {organic} THEN list_extract($9, pg) END,
            e FROM {{src}}""",
        [list(TYPE_CHANNEL), campaigns.source, list(MEDIUM), campaigns.frame["name"].tolist(), campaigns.content,
         [term for terms in campaigns.terms for term in terms], list(PAGE_NAMES),
         [None if pd.isna(p) else p for p in campaigns.frame["landing_page"]], [KEYWORD_GROUPS[g] for g in PAGE_GROUP]])
    for name, df in (("truth_channel_incremental", incremental), ("truth_theme_affinity", theme_affinity_frame())):
        _insert(con, name, pa.Table.from_pandas(df, preserve_index=False), "SELECT * FROM {src}")
