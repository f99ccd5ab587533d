"""The Omnimix channel data model: one place that names every table and column.

The DDL, the loader's type checks and the README's schema tables are all derived from
``TABLES`` so they cannot drift apart.  Foreign keys are declared here and checked by the
loader (with row numbers in the error) rather than by DuckDB, which would make bulk loads of
the generator slow and gives no row-level message.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    meaning: str
    nullable: bool = False


@dataclass(frozen=True)
class ForeignKey:
    column: str
    ref_table: str
    ref_column: str
    kinds: tuple[str, ...] = ()  # references to channels only: the channel kinds allowed (empty: any)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    meaning: str = ""
    truth: bool = False  # generator-only tables holding the known truth

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


# How each column type is named to users (the Data page), with the format the loader expects.
TYPE_WORDS: dict[str, str] = {
    "VARCHAR": "text",
    "DOUBLE": "number",
    "INTEGER": "whole number",
    "BIGINT": "whole number",
    "DATE": "date (YYYY-MM-DD)",
    "TIMESTAMP": "date and time (YYYY-MM-DD HH:MM)",
    "BOOLEAN": "yes/no (also true/false, 1/0)",
}

EVENT_TYPES = ("view", "cart", "purchase")
CHANNEL_KINDS = ("sales", "media", "sales+media", "organic")
"""``channels.kind``: where customers buy, where marketing money goes, both, or unpaid traffic
(organic search) that brings visits but no spend."""
SALES_KINDS = ("sales", "sales+media")
MEDIA_KINDS = ("media", "sales+media")
"""Kinds of channel marketing money goes to (spend, lift tests)."""

# Standard channel list: where customers buy (sales) and where marketing money goes (media).
STANDARD_CHANNELS: tuple[tuple[str, str], ...] = (
    ("web", "sales"),
    ("app", "sales"),
    ("store", "sales"),
    ("marketplace", "sales"),
    ("social", "sales+media"),
    ("email", "media"),
    ("search", "media"),
    ("display", "media"),
    ("affiliate", "media"),
    ("tv", "media"),
    ("organic_search", "organic"),
)

_CHANNEL_FK = ("channel", "channels", "channel")

OBJECTIVES = ("awareness", "consideration", "conversion", "retention")
"""``campaigns.objective`` values."""

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "channels",
            (
                Column("channel", "VARCHAR", "Channel name, e.g. web, app, store, search"),
                Column(
                    "kind", "VARCHAR", "sales (customers buy there), media (paid/owned marketing) or sales+media (both)"
                ),
            ),
            primary_key=("channel",),
            checks=("kind IN (" + ", ".join(f"'{k}'" for k in CHANNEL_KINDS) + ")",),
            meaning="The channels orders, events and spend may refer to.",
        ),
        Table(
            "customers",
            (
                Column("customer_id", "VARCHAR", "Customer id as the source system writes it (text)"),
                Column("signup_date", "DATE", "Date the customer first registered"),
                Column("region", "VARCHAR", "Sales region", nullable=True),
                Column("age_band", "VARCHAR", "Age band, e.g. 25-34", nullable=True),
                Column("acquisition_channel", "VARCHAR", "Channel that brought the customer in", nullable=True),
            ),
            primary_key=("customer_id",),
            foreign_keys=(ForeignKey("acquisition_channel", "channels", "channel"),),
            meaning="One row per customer.",
        ),
        Table(
            "products",
            (
                Column("product_id", "VARCHAR", "Product id (text)"),
                Column("name", "VARCHAR", "Product name"),
                Column("category", "VARCHAR", "Product category"),
                Column("brand", "VARCHAR", "Brand", nullable=True),
                Column("price", "DOUBLE", "List price in the data's currency (>= 0)"),
                Column("description", "VARCHAR", "Free-text description", nullable=True),
            ),
            primary_key=("product_id",),
            checks=("price >= 0",),
            meaning="Product catalogue.",
        ),
        Table(
            "orders",
            (
                Column("order_id", "VARCHAR", "Order id (text)"),
                Column("customer_id", "VARCHAR", "Customer who placed the order"),
                Column("order_ts", "TIMESTAMP", "When the order was placed"),
                Column("channel", "VARCHAR", "Channel the order was placed in"),
            ),
            primary_key=("order_id",),
            foreign_keys=(
                ForeignKey("customer_id", "customers", "customer_id"),
                ForeignKey(*_CHANNEL_FK),
            ),
            meaning="One row per order.",
        ),
        Table(
            "order_items",
            (
                Column("order_id", "VARCHAR", "Order the line belongs to"),
                Column("product_id", "VARCHAR", "Product bought"),
                Column("quantity", "INTEGER", "Units bought (> 0)"),
                Column("unit_price", "DOUBLE", "Price paid per unit in the data's currency, after discounts (>= 0)"),
            ),
            primary_key=("order_id", "product_id"),
            checks=("quantity > 0", "unit_price >= 0"),
            foreign_keys=(
                ForeignKey("order_id", "orders", "order_id"),
                ForeignKey("product_id", "products", "product_id"),
            ),
            meaning="Order lines; revenue = quantity x unit_price.",
        ),
        Table(
            "events",
            (
                Column("customer_id", "VARCHAR", "Customer who browsed"),
                Column("product_id", "VARCHAR", "Product viewed, carted or bought"),
                Column("channel", "VARCHAR", "Channel of the event"),
                Column("event_type", "VARCHAR", "view, cart or purchase"),
                Column("event_ts", "TIMESTAMP", "When it happened"),
            ),
            checks=("event_type IN ('view', 'cart', 'purchase')",),
            foreign_keys=(
                ForeignKey("customer_id", "customers", "customer_id"),
                ForeignKey("product_id", "products", "product_id"),
                ForeignKey(*_CHANNEL_FK),
            ),
            meaning="Browsing events (no key: the same event may legitimately repeat).",
        ),
        Table(
            "marketing_spend",
            (
                Column("week", "DATE", "Week start, always a Monday"),
                Column("channel", "VARCHAR", "Marketing channel"),
                Column("spend", "DOUBLE", "Spend in the data's currency in that week (>= 0)"),
                Column("impressions", "BIGINT", "Ad impressions (>= 0)", nullable=True),
                Column("clicks", "BIGINT", "Ad clicks (>= 0)", nullable=True),
            ),
            primary_key=("week", "channel"),
            checks=("spend >= 0", "isodow(week) = 1", "impressions >= 0", "clicks >= 0"),
            foreign_keys=(ForeignKey(*_CHANNEL_FK),),
            meaning="Weekly marketing spend per channel.",
        ),
        Table(
            "experiments",
            (
                Column("experiment_id", "VARCHAR", "Experiment id (text)"),
                Column("channel", "VARCHAR", "Media channel the test measured"),
                Column("start_week", "DATE", "First week of the test (its Monday)"),
                Column(
                    "end_week",
                    "DATE",
                    "Last week of the test (its Monday, not before start_week); "
                    "the test covers start_week to end_week inclusive",
                ),
                Column(
                    "incremental_revenue",
                    "DOUBLE",
                    "Revenue (data's currency) the channel drove over those weeks, as the test measured it (may be negative)",
                ),
                Column("standard_error", "DOUBLE", "Standard error of incremental_revenue, same currency (> 0)"),
                Column("method", "VARCHAR", "How it was measured, e.g. geo holdout, on/off", nullable=True),
                Column("notes", "VARCHAR", "Free-text notes", nullable=True),
            ),
            primary_key=("experiment_id",),
            checks=("isodow(start_week) = 1", "isodow(end_week) = 1", "end_week >= start_week", "standard_error > 0"),
            foreign_keys=(ForeignKey(*_CHANNEL_FK, kinds=MEDIA_KINDS),),
            meaning="Lift tests (geo or on/off experiments): incremental revenue a channel drove over a period, "
            "with its standard error; the budget model calibrates to them.",
        ),
        Table(
            "campaigns",
            (
                Column("campaign_id", "VARCHAR", "Campaign id (text)"),
                Column("channel", "VARCHAR", "Media channel the campaign runs in"),
                Column("name", "VARCHAR", "Campaign name as marketers know it (the utm_campaign value)"),
                Column("objective", "VARCHAR", "awareness, consideration, conversion or retention", nullable=True),
                Column("theme", "VARCHAR", "Content theme or creative, e.g. new arrivals, price offer", nullable=True),
                Column("start_date", "DATE", "First day the campaign runs"),
                Column("end_date", "DATE", "Last day it runs (not before start_date; empty: still running)",
                       nullable=True),
                Column("landing_page", "VARCHAR", "Page the campaign links to, e.g. /sale/shoes", nullable=True),
            ),
            primary_key=("campaign_id",),
            checks=("end_date IS NULL OR end_date >= start_date",
                    "objective IS NULL OR objective IN (" + ", ".join(f"'{o}'" for o in OBJECTIVES) + ")"),
            foreign_keys=(ForeignKey(*_CHANNEL_FK, kinds=MEDIA_KINDS),),
            meaning="Marketing campaigns: what ran where, for what, with which content.",
        ),
        Table(
            "campaign_spend",
            (
                Column("week", "DATE", "Week start, always a Monday"),
                Column("campaign_id", "VARCHAR", "Campaign"),
                Column("spend", "DOUBLE", "Spend in the data's currency in that week (>= 0)"),
                Column("impressions", "BIGINT", "Ad impressions (>= 0)", nullable=True),
                Column("clicks", "BIGINT", "Ad clicks (>= 0)", nullable=True),
            ),
            primary_key=("week", "campaign_id"),
            checks=("spend >= 0", "isodow(week) = 1", "impressions >= 0", "clicks >= 0"),
            foreign_keys=(ForeignKey("campaign_id", "campaigns", "campaign_id"),),
            meaning="Weekly spend per campaign; a channel's campaigns add up to its row in marketing_spend "
            "when both are loaded.",
        ),
        Table(
            "touchpoints",
            (
                Column("customer_id", "VARCHAR", "Customer touched (a visit or a contact)"),
                Column("touch_ts", "TIMESTAMP", "When it happened"),
                Column("channel", "VARCHAR", "Channel of the touch, e.g. email, search, organic_search"),
                Column("campaign_id", "VARCHAR", "Campaign behind the touch (empty: none, e.g. organic)",
                       nullable=True),
                Column("utm_source", "VARCHAR", "Source, e.g. google, newsletter", nullable=True),
                Column("utm_medium", "VARCHAR", "Medium, e.g. cpc, email, organic", nullable=True),
                Column("utm_campaign", "VARCHAR", "Campaign name as tagged", nullable=True),
                Column("utm_content", "VARCHAR", "Content or creative as tagged", nullable=True),
                Column("utm_term", "VARCHAR", "Search term or keyword as tagged", nullable=True),
                Column("landing_page", "VARCHAR", "First page of the visit", nullable=True),
                Column("keyword_group", "VARCHAR", "Keyword group of an organic search visit, e.g. brand",
                       nullable=True),
                Column("engaged", "BOOLEAN", "Whether the visit was engaged (e.g. over 10 s or 2+ pages)"),
            ),
            foreign_keys=(
                ForeignKey("customer_id", "customers", "customer_id"),
                ForeignKey(*_CHANNEL_FK),
                ForeignKey("campaign_id", "campaigns", "campaign_id"),
            ),
            meaning="Marketing touchpoints (sessions and contacts) before and between orders, UTM-tagged "
            "(no key: the same touch may legitimately repeat).",
        ),
        Table(
            "truth_personas",
            (
                Column("customer_id", "VARCHAR", "Customer id"),
                Column("persona", "VARCHAR", "Latent persona the generator drew the customer from"),
            ),
            primary_key=("customer_id",),
            truth=True,
            meaning="Generator truth: each sample customer's persona.",
        ),
        Table(
            "truth_customer_future",
            (
                Column("customer_id", "VARCHAR", "Customer id"),
                Column("active_at_end", "BOOLEAN", "Whether the customer's lifetime runs past the last week of data"),
                Column(
                    "future_orders",
                    "BIGINT",
                    "Purchase days in the 52 weeks after the data end (orders on one day count once)",
                ),
                Column("future_revenue", "DOUBLE", "Order revenue in EUR in the 52 weeks after the data end"),
            ),
            primary_key=("customer_id",),
            truth=True,
            meaning="Generator truth: each sample customer's next 52 weeks after the data end, simulated by the "
            "generator's own order process (what CLV forecasts are scored against).",
        ),
        Table(
            "truth_channel_incremental",
            (
                Column("channel", "VARCHAR", "Channel of the touches (media channels and organic_search)"),
                Column("touches", "BIGINT", "Touchpoints of the channel in the data"),
                Column(
                    "incremental_orders",
                    "DOUBLE",
                    "Expected orders in the data that would not have happened without the channel's touches "
                    "(the generator's own purchase-chance model, each touch removed and the order chance recomputed)",
                ),
                Column("incremental_share", "DOUBLE", "incremental_orders / the sum over channels (0-1)"),
            ),
            primary_key=("channel",),
            truth=True,
            meaning="Generator truth: orders each touchpoint channel really caused (what attribution models are "
            "scored against).",
        ),
        Table(
            "truth_theme_affinity",
            (
                Column("persona", "VARCHAR", "Latent persona (as in truth_personas)"),
                Column("theme", "VARCHAR", "Content theme (as in campaigns.theme)"),
                Column("lift", "DOUBLE", "Multiplier on a touch's purchase-chance raise for this persona and theme"),
            ),
            primary_key=("persona", "theme"),
            truth=True,
            meaning="Generator truth: which content themes each persona responds to.",
        ),
        Table(
            "truth_channel_response",
            (
                Column("channel", "VARCHAR", "Paid marketing channel"),
                Column("adstock_decay", "DOUBLE", "Geometric adstock carry-over per week (0-1)"),
                Column("half_saturation", "DOUBLE", "Adstocked weekly spend (EUR) at which the Hill curve is half-way"),
                Column("hill_shape", "DOUBLE", "Hill exponent (slope)"),
                Column("beta", "DOUBLE", "Weekly revenue (EUR) at full saturation"),
                Column("true_roas", "DOUBLE", "Incremental revenue over the period / spend over the period"),
            ),
            primary_key=("channel",),
            truth=True,
            meaning="Generator truth: the marketing-mix response of each paid channel.",
        ),
        Table(
            "truth_weekly_revenue",
            (
                Column("week", "DATE", "Week start (Monday)"),
                Column("component", "VARCHAR", "baseline, a paid channel name, or noise"),
                Column("revenue", "DOUBLE", "Expected revenue in EUR from that component in that week"),
            ),
            primary_key=("week", "component"),
            truth=True,
            meaning="Generator truth: weekly revenue split into baseline, channel effects and noise.",
        ),
    )
}

DATA_TABLES: tuple[str, ...] = tuple(n for n, t in TABLES.items() if not t.truth)
"""The tables users fill (every table but the generator's ``truth_`` tables), in schema order."""


def table_ddl(table: Table, *, with_keys: bool = True) -> str:
    """CREATE TABLE statement for ``table``; keys can be added later for fast bulk loads."""
    parts = [f"{c.name} {c.sql_type}{'' if c.nullable else ' NOT NULL'}" for c in table.columns]
    if with_keys and table.primary_key:
        parts.append(f"PRIMARY KEY ({', '.join(table.primary_key)})")
    parts.extend(f"CHECK ({c})" for c in table.checks)
    return f"CREATE TABLE IF NOT EXISTS {table.name} (\n  " + ",\n  ".join(parts) + "\n)"


def upgrade_channel_kinds(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild an older database's ``channels`` table whose kind check predates a kind in :data:`CHANNEL_KINDS`.

    DuckDB cannot alter a CHECK constraint, so the table is copied into a new one with the
    current check (channels are few; no other table declares a key on it).
    """
    sql = con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = 'channels' AND schema_name = 'main'"
                      ).fetchone()
    if sql is None or all(f"'{k}'" in sql[0] for k in CHANNEL_KINDS):
        return
    con.execute("BEGIN TRANSACTION")  # all or nothing: an interrupted upgrade leaves the old table
    try:
        con.execute("ALTER TABLE channels RENAME TO channels_before_upgrade")
        con.execute(table_ddl(TABLES["channels"]))
        con.execute("INSERT INTO channels SELECT * FROM channels_before_upgrade")
        con.execute("DROP TABLE channels_before_upgrade")
        con.execute("COMMIT")
    except duckdb.Error:
        con.execute("ROLLBACK")
        raise


def create_schema(con: duckdb.DuckDBPyConnection, *, with_keys: bool = True, truth: bool = True) -> None:
    """Create every table (idempotent, upgrading an older channel table) and insert the standard channel list."""
    upgrade_channel_kinds(con)
    for table in TABLES.values():
        if table.truth and not truth:
            continue
        con.execute(table_ddl(table, with_keys=with_keys))
    con.executemany(
        "INSERT INTO channels VALUES (?, ?) ON CONFLICT DO NOTHING"
        if with_keys
        else "INSERT INTO channels VALUES (?, ?)",
        [list(c) for c in STANDARD_CHANNELS],
    )


def add_primary_keys(con: duckdb.DuckDBPyConnection) -> None:
    """Add primary keys after a bulk load into tables created with ``with_keys=False``."""
    for table in TABLES.values():
        if table.primary_key and table.name != "channels":
            con.execute(f"ALTER TABLE {table.name} ADD PRIMARY KEY ({', '.join(table.primary_key)})")


def schema_markdown() -> str:
    """The schema as Markdown tables (used to write the README section)."""
    out = []
    for t in TABLES.values():
        out.append(f"### `{t.name}`\n\n{t.meaning}")
        keys = f"Primary key: ({', '.join(t.primary_key)})." if t.primary_key else "No primary key."
        fks = "; ".join(
            f"{fk.column} → {fk.ref_table}.{fk.ref_column}" + (f" (kind {' or '.join(fk.kinds)})" if fk.kinds else "")
            for fk in t.foreign_keys
        )
        out.append(keys + (f" References: {fks}." if fks else ""))
        out.append("\n| column | type | meaning |\n|---|---|---|")
        for c in t.columns:
            null = "" if c.nullable else ", required"
            out.append(f"| `{c.name}` | {c.sql_type}{null} | {c.meaning} |")
        out.append("")
    return "\n".join(out)
