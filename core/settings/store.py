"""Reading and writing a database's ``settings`` table (one row per setting, values as text).

The table belongs to the data, not to a user: it says what the amounts in this database are
(currency), whose business it is, and how weeks are counted for display.  Databases made
before it existed have no such table; they read the defaults, and the first write creates it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb

from core.errors import OmnimixError
from core.settings.currency import DEFAULT_CURRENCY, Currency, currency
from core.store.schema import Column, Table, table_ddl

SETTINGS_TABLE = Table(
    "settings",
    (
        Column("key", "VARCHAR", "Setting name: currency, business_name or week_start"),
        Column("value", "VARCHAR", "The setting's value as text"),
    ),
    primary_key=("key",),
    meaning="Per-database settings: currency of the amounts, business name, first day of the week.",
)
"""Not in :data:`core.store.schema.TABLES`: it is written by ``omnimix settings``, not loaded from files."""

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_NAME_LENGTH = 80


@dataclass(frozen=True)
class Settings:
    """What a database says about itself.

    Parameters
    ----------
    currency : Currency
        Currency of every amount in the data (default EUR).
    business_name : str
        Shown in the dashboard's sidebar and the report title; empty when not set.
    week_start : str
        First day of a displayed week, ``"monday"`` .. ``"sunday"`` (default Monday).
    """

    currency: Currency = DEFAULT_CURRENCY
    business_name: str = ""
    week_start: str = "monday"
    stored: tuple[str, ...] = field(default=(), compare=False)  # keys the table holds (the rest are defaults)

    @property
    def week_start_offset(self) -> int:
        """Days from Monday to the first day of the week (0 for Monday, 6 for Sunday)."""
        return WEEKDAYS.index(self.week_start)

    def to_dict(self) -> dict[str, object]:
        """Plain values for ``--json``: currency code and symbol, business name, week start."""
        return {"currency": self.currency.code, "currency_symbol": self.currency.symbol,
                "business_name": self.business_name, "week_start": self.week_start,
                "defaults": [k for k in ("currency", "business_name", "week_start") if k not in self.stored]}


def _check_week_start(value: str) -> str:
    day = str(value).strip().lower()
    if day not in WEEKDAYS:
        raise OmnimixError(f"Setting week_start must be a day of the week ({', '.join(WEEKDAYS)}); got '{value}'.")
    return day


def _check_name(value: str) -> str:
    name = " ".join(str(value).split())  # one line: it is a title
    if len(name) > MAX_NAME_LENGTH:
        raise OmnimixError(f"Setting business_name must be at most {MAX_NAME_LENGTH} characters (got {len(name)}).")
    return name


def _check_currency(value: str) -> Currency:
    try:
        return currency(value)
    except OmnimixError as exc:
        raise OmnimixError(f"Setting currency: {exc}") from None


def has_settings_table(con: duckdb.DuckDBPyConnection) -> bool:
    # fetchall, not fetchone: a result left unfinished makes DuckDB refuse the caller's next con.register
    return con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'settings' AND schema_name = 'main'"
                       ).fetchall()[0][0] > 0


def read_settings(con: duckdb.DuckDBPyConnection) -> Settings:
    """The database's settings; defaults for what is not stored (or without a ``settings`` table).

    Raises
    ------
    OmnimixError
        A stored value that is not valid (e.g. a currency written by hand), naming the setting.
    """
    if not has_settings_table(con):
        return Settings()
    stored = dict(con.execute("SELECT key, value FROM settings").fetchall())
    out = Settings(stored=tuple(stored))
    if "currency" in stored:
        out = replace(out, currency=_check_currency(stored["currency"]))
    if "business_name" in stored:
        out = replace(out, business_name=_check_name(stored["business_name"]))
    if "week_start" in stored:
        out = replace(out, week_start=_check_week_start(stored["week_start"]))
    return out


def validate_changes(*, currency: str | None = None, business_name: str | None = None,
                     week_start: str | None = None) -> dict[str, str]:
    """The changes as stored text, each checked; ``None`` means leave that setting as it is.

    Raises
    ------
    OmnimixError
        An unknown currency (listing the supported codes), a week start that is not a day, or a
        business name over 80 characters; the message names the setting.
    """
    changes: dict[str, str] = {}
    if currency is not None:
        changes["currency"] = _check_currency(currency).code
    if business_name is not None:
        changes["business_name"] = _check_name(business_name)
    if week_start is not None:
        changes["week_start"] = _check_week_start(week_start)
    return changes


def write_settings(con: duckdb.DuckDBPyConnection, **changes: str | None) -> Settings:
    """Store ``changes`` (``currency``, ``business_name``, ``week_start``) in one transaction.

    Every value is checked before anything is written, and the table is created when missing,
    inside the same transaction: a failure leaves the database as it was.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A read-write connection.
    **changes : str or None
        New values; ``None`` leaves a setting unchanged. Other names are refused.

    Returns
    -------
    Settings
        The settings after the write.
    """
    unknown = sorted(set(changes) - {"currency", "business_name", "week_start"})
    if unknown:
        raise OmnimixError(f"Unknown setting(s) {', '.join(unknown)}; settings are currency, business_name, week_start.")
    values = validate_changes(**changes)
    if values:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(table_ddl(SETTINGS_TABLE))
            con.executemany("INSERT OR REPLACE INTO settings VALUES (?, ?)", list(values.items()))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return read_settings(con)


def settings_of(path: str | Path) -> Settings:
    """The settings of the database file at ``path`` (opened read-only)."""
    from core.store.db import open_db

    with open_db(path, read_only=True) as con:
        return read_settings(con)
