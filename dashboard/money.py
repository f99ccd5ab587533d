"""The settings of the database this session shows: its currency and business name, once per run.

Read from the database's ``settings`` table through :func:`dashboard.data_access.settings`,
cached on the file's identity (path, inode, mtime, size), so a change saved on the Data page
(which rewrites the file) is seen by every page and session at once. There is no "current
currency" global: each call asks for the settings of the file the session reads, so sessions
on different databases cannot mix them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import duckdb

from core.errors import OmnimixError
from core.settings import Currency, Settings
from dashboard import data_access


@lru_cache(maxsize=64)
def _settings(db: str, version: data_access.FileVersion) -> Settings:
    # Keyed on the file's identity like every cached read; a page asks for the currency dozens of
    # times per run, and st.cache_data's hashing and copying cost milliseconds per call.
    return data_access.settings(Path(db))


def settings() -> Settings:
    """Settings of the dashboard's database; the defaults (EUR, Monday) when it is missing or unreadable."""
    db = data_access.db_path()
    version = data_access.file_version(db)
    if version is None:
        return Settings()
    try:
        return _settings(str(db), version)
    except (OmnimixError, duckdb.Error):  # the sidebar says why the database cannot be read
        return Settings()


def currency() -> Currency:
    """Currency of the amounts in the dashboard's database."""
    return settings().currency


def code() -> str:
    """ISO code of the database's currency, for headers and axis titles: ``"GBP"``."""
    return currency().code
