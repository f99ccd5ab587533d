"""The settings of the database this session shows: its currency and business name, once per run.

Read from the database's ``settings`` table through :func:`dashboard.data_access.settings`,
cached on the file's identity, so a change saved on the Data page (which rewrites the file)
is seen by every page and session at once. Nothing is kept in a module global: each call
asks for the current file's settings, so sessions on different databases cannot mix them.
"""

from __future__ import annotations

import duckdb

from core.errors import OmnimixError
from core.settings import Currency, Settings
from dashboard import data_access


def settings() -> Settings:
    """Settings of the dashboard's database; the defaults (EUR, Monday) when it is missing or unreadable."""
    db = data_access.db_path()
    if not db.exists():
        return Settings()
    try:
        return data_access.settings(db)
    except (OmnimixError, duckdb.Error):  # the sidebar says why the database cannot be read
        return Settings()


def currency() -> Currency:
    """Currency of the amounts in the dashboard's database."""
    return settings().currency


def code() -> str:
    """ISO code of the database's currency, for headers and axis titles: ``"GBP"``."""
    return currency().code
