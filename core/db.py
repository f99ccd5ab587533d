"""One place that opens DuckDB databases for Omnimix."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from core.schema import create_schema

DEFAULT_DB = Path(__file__).resolve().parent.parent / "sample_data" / "omnimix.duckdb"


class OmnimixError(Exception):
    """An error caused by the user's input; its message is shown as it is (CLI exit code 2)."""


def connect(path: str | Path, *, read_only: bool = False, create: bool = False) -> duckdb.DuckDBPyConnection:
    """Open ``path``. With ``create`` a missing file becomes an empty database with the schema."""
    path = Path(path)
    if not path.exists():
        if read_only or not create:
            raise OmnimixError(f"Database {path} does not exist; create it with 'omnimix init --db {path}' or 'omnimix generate --db {path}'.")
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise OmnimixError(f"Cannot open database {path}: {exc}") from exc
    con.execute("SET enable_progress_bar = false")
    if create:
        create_schema(con)
    return con


@contextmanager
def open_db(path: str | Path, *, read_only: bool = False, create: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(path, read_only=read_only, create=create)
    try:
        yield con
    finally:
        con.close()


def init_db(path: str | Path) -> Path:
    """Create an empty database with the schema and the standard channels (idempotent)."""
    with open_db(path, create=True):
        pass
    return Path(path)
