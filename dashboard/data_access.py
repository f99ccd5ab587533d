"""Cached access to the Omnimix database for the dashboard pages.

Connection design (measured with duckdb 2.0): within one process DuckDB refuses to open a
file read-write while a read-only connection to it is open, and vice versa ("different
configuration").  Reading is what the dashboard does almost all the time, and read-only
connections also let the CLI read the same file from another process.  So:

- one read-only connection per database file is cached with ``st.cache_resource``; every
  query runs on its own cursor because a DuckDB connection is not safe to share between
  the threads of concurrent sessions;
- a write (loading a file, creating an empty database) first releases that connection,
  opens the file read-write for the duration of the write only, then clears the data
  caches; the next read reopens read-only;
- cached query results are keyed on the file's identity (inode, mtime, size) as well as the
  path and filters, and the cached connection is dropped when the file changed on disk
  (``omnimix generate --force`` replaces it), so nobody sees stale data.

With ``OMNIMIX_ENGINE=spark`` (see :mod:`core.engine`) the cached connection is the Spark
engine's over the lake and the "file version" is the lake's (its export manifest); writes still
go to the DuckDB file.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import streamlit as st

from core.errors import OmnimixError
from core.filters import data_date_range, data_start
from core.overview import queries
from core.settings import Settings, read_settings
from core.store import reads
from core.store.db import DEFAULT_DB, connect, init_db, open_db

DB_ENV = "OMNIMIX_DB"

FileVersion = tuple[int, int, int]

# Loads are rare and short; one at a time per process keeps the close/reopen dance simple.
_WRITE_LOCK = threading.Lock()


def db_path() -> Path:
    """The database the dashboard shows: ``$OMNIMIX_DB`` if set, else the sample database."""
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB)


def file_version(db: Path) -> FileVersion | None:
    """Identity of the file on disk (inode, mtime in ns, size); ``None`` when it is missing.

    On the Spark engine: the identity of the lake's export, which the pages read instead.
    """
    from core.engine import engine_config, lake_version

    config = engine_config()
    if config.name == "spark":
        return lake_version(config)
    try:
        st_ = os.stat(db)
    except FileNotFoundError:
        return None
    return st_.st_ino, st_.st_mtime_ns, st_.st_size


def existing_version(db: Path) -> FileVersion:
    """:func:`file_version` of a database that must exist (cache key of the pages' wrappers)."""
    version = file_version(db)
    if version is None:
        from core.engine import engine_config

        config = engine_config()
        if config.name == "spark":
            raise OmnimixError(f"{config.warehouse} holds no Omnimix export for the Spark engine; write one with "
                               f"'omnimix export --db {db} --parquet {config.warehouse}'.")
        raise OmnimixError(f"Database {db} does not exist.")
    return version


@dataclass
class _Handle:
    con: duckdb.DuckDBPyConnection
    db: str
    version: FileVersion | None


def _is_current(handle: _Handle) -> bool:
    if file_version(Path(handle.db)) == handle.version:
        return True
    # Close before the cache drops the entry so reopening gets a fresh DuckDB instance
    # instead of the old one DuckDB keeps per path while any connection to it is open.
    handle.con.close()
    return False


def _close(handle: _Handle) -> None:
    handle.con.close()


@st.cache_resource(show_spinner=False, validate=_is_current, on_release=_close)
def _handle(db: str) -> _Handle:
    from core.engine import read_engine

    version = file_version(Path(db))
    if (spark := read_engine(db)) is not None:
        return _Handle(spark, db, version)
    try:
        con = connect(db, read_only=True)
    except OmnimixError as exc:
        if "different configuration" in str(exc):
            raise OmnimixError("The database is being updated; reload the page in a moment.") from exc
        raise
    return _Handle(con, db, version)


def release(db: Path) -> None:
    """Close the cached read-only connection to ``db`` (it reopens on the next read)."""
    _handle.clear(str(db))


@contextmanager
def _cursor(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    cur = _handle(str(db)).con.cursor()
    try:
        yield cur
    finally:
        cur.close()


# Every cached query goes through this table so the cache key is just (name, db, version, args).
_QUERIES: dict[str, Callable[..., Any]] = {
    "summary": reads.database_summary,
    "date_range": data_date_range,
    "sales_channels": reads.sales_channels,
    "idle_sales_channels": reads.sales_channels_without_orders,
    "data_start": data_start,
    "kpis": queries.kpis,
    "timeseries": queries.channel_timeseries,
    "share": queries.channel_share,
    "channel_count": queries.customers_by_channel_count,
    "pairs": queries.channel_pair_overlap,
    "settings": read_settings,
}


def read(db: Path | str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(con, *args, **kwargs)`` on the shared read-only connection to ``db``.

    Every page module reads through here: a second connection to the file would clash, and a
    load in another session that closes the connection mid-query becomes a plain message.
    """
    from core.engine import EngineQueryError

    try:
        with _cursor(Path(db)) as cur:
            return fn(cur, *args, **kwargs)
    except EngineQueryError as exc:
        what = getattr(fn, "__name__", "query").strip("_").replace("_", " ")
        raise OmnimixError(f"This page's {what} cannot run on the {exc.engine} engine: {exc.detail}; "
                           f"show it with OMNIMIX_ENGINE=duckdb.") from exc
    except duckdb.ConnectionException as exc:
        release(Path(db))
        raise OmnimixError("The database was being updated; reload the page to see the new data.") from exc


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(name: str, db: str, version: FileVersion | None, args: tuple, kwargs: tuple) -> Any:
    return read(db, _QUERIES[name], *args, **dict(kwargs))


def _query(name: str, db: Path, *args: Any, **kwargs: Any) -> Any:
    return _cached(name, str(db), existing_version(db), args, tuple(sorted(kwargs.items())))


def database_summary(db: Path) -> dict[str, Any]:
    """Row counts and order date range, see :func:`core.reads.database_summary`."""
    return _query("summary", db)


def date_range(db: Path) -> tuple[dt.date | None, dt.date | None]:
    """First and last order date (``(None, None)`` without orders)."""
    return _query("date_range", db)


def sales_channels(db: Path) -> list[str]:
    """Channels customers buy in, for the channel filter."""
    return _query("sales_channels", db)


def sales_channels_without_orders(db: Path) -> list[str]:
    """Declared sales channels with no order, which the channel filter leaves out."""
    return _query("idle_sales_channels", db)


def data_start(db: Path) -> dt.date | None:
    """First day with any order, event or spend, see :func:`core.filters.data_start`."""
    return _query("data_start", db)


def settings(db: Path) -> Settings:
    """The database's settings (currency, business name, week start), see :mod:`core.settings`."""
    return _query("settings", db)


@contextmanager
def writable(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-write connection to an existing ``db``; caches are refreshed after.

    Raises
    ------
    OmnimixError
        When another load is running or the file cannot be opened for writing (e.g. the
        CLI holds it).
    """
    from core.engine import write_note

    if not _WRITE_LOCK.acquire(timeout=30):
        raise OmnimixError("Another load into the database is still running; try again when it has finished.")
    if note := write_note(db):
        st.warning(note)  # the pages read the lake: this load shows up there after an export
    try:
        release(db)
        with open_db(db) as con:
            yield con
    finally:
        _cached.clear()
        _WRITE_LOCK.release()


def create_empty_database(db: Path) -> None:
    """Create ``db`` with the schema and standard channels (no rows), then refresh caches."""
    with _WRITE_LOCK:
        release(db)
        init_db(db)
        _cached.clear()


def refresh() -> None:
    """Forget cached results and connections, e.g. after the file was changed outside the app."""
    _cached.clear()
    _handle.clear()
