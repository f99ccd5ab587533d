"""One place that opens DuckDB databases for Omnimix."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from core.errors import OmnimixError, first_line
from core.store.schema import create_schema

DEFAULT_DB = Path(__file__).resolve().parents[2] / "sample_data" / "omnimix.duckdb"


def open_error(path: Path, exc: duckdb.Error, *, read_only: bool) -> OmnimixError:
    """One sentence for a failed ``duckdb.connect``, instead of DuckDB's multi-sentence text.

    Parameters
    ----------
    path : Path
        The database file.
    exc : duckdb.Error
        What DuckDB raised.
    read_only : bool
        Whether the failed open was read-only: then the program holding the lock is writing.

    Returns
    -------
    OmnimixError
        The error to raise.
    """
    text = str(exc)
    if "Could not set lock on file" in text:
        pid = m.group(1) if (m := re.search(r"\(PID (\d+)\)", text)) else None
        who = f"another program (PID {pid})" if pid else "another program"
        if read_only:
            # Read-only opens only conflict with a writer, e.g. `omnimix load` or `generate`.
            return OmnimixError(f"Database {path} is being changed by {who}; try again when it has finished.")
        return OmnimixError(
            f"Database {path} is open in {who}, e.g. the dashboard; stop it or load through the Data page."
        )
    if "not a valid DuckDB database file" in text:
        return OmnimixError(f"{path} is not a DuckDB database file.")
    return OmnimixError(f"Cannot open database {path}: {first_line(exc)}.")


def connect(path: str | Path, *, read_only: bool = False, create: bool = False) -> duckdb.DuckDBPyConnection:
    """Open ``path``. With ``create`` a missing file becomes an empty database with the schema.

    Parameters
    ----------
    path : str or Path
        The database file.
    read_only : bool, default=False
        Open read-only (other processes may read at the same time).
    create : bool, default=False
        Create a missing file (and its folder) and make sure the schema's data tables (not
        the generator's ``truth_`` tables) exist.

    Returns
    -------
    duckdb.DuckDBPyConnection

    Raises
    ------
    OmnimixError
        The file is missing (without ``create``), locked by another program or not a
        DuckDB database; one sentence each.
    """
    path = Path(path)
    if not path.exists():
        if read_only or not create:
            raise OmnimixError(
                f"Database {path} does not exist; create it with 'omnimix init --db {path}' or 'omnimix generate --db {path}'."
            )
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise open_error(path, exc, read_only=read_only) from exc
    con.execute("SET enable_progress_bar = false")
    if create:
        # truth_ tables describe how the generator drew a sample; a user's database has no truth.
        create_schema(con, truth=False)
    return con


@contextmanager
def open_db(path: str | Path, *, read_only: bool = False, create: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """:func:`connect` for the length of a ``with`` block; reads follow the configured engine.

    With ``read_only`` and ``OMNIMIX_ENGINE=spark`` (see :mod:`core.engine`) the block gets the
    Spark connection over the lake instead of the file, so every command's queries run there
    unchanged; a query Spark cannot run fails with one sentence naming the command. Writes
    always open the DuckDB file, with a note on stderr that the lake needs a new export.
    """
    from core.engine import read_engine, write_note

    spark = read_engine(path) if read_only else None
    if spark is not None:
        from core.engine import EngineQueryError

        try:
            yield spark
        except EngineQueryError as exc:
            raise OmnimixError(f"'{_command()}' cannot run on the {exc.engine} engine: {exc.detail}; "
                               f"run it with OMNIMIX_ENGINE=duckdb.") from exc
        return
    if not read_only and (note := write_note(path)):
        print(f"omnimix: {note}", file=sys.stderr)  # the CLI's stderr, or the dashboard server's log
    con = connect(path, read_only=read_only, create=create)
    try:
        yield con
    finally:
        con.close()


def _command() -> str:
    """The ``omnimix`` command being run, for messages (``omnimix segments``); generic elsewhere."""
    argv = sys.argv
    if argv and Path(argv[0]).name in {"omnimix", "cli.py"} and len(argv) > 1:
        return f"omnimix {argv[1]}"
    return "this command"


def init_db(path: str | Path) -> Path:
    """Create an empty database with the data tables and the standard channels (idempotent)."""
    with open_db(path, create=True):
        pass
    return Path(path)
