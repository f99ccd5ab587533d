"""Load users' CSV and Parquet files into the Omnimix tables: checked first, then all or nothing.

Conventions (shown to users in error messages, so keep them stable):

* **Row numbers.** "row N" is the N-th *data* row, counting from 1; the header is not a row.
  For CSV files the message adds "(line M)": the physical line in the file where that row
  starts, counting the header as line 1 (so usually M = N + 1, more when values span lines or
  blank lines are skipped). Parquet files have no lines, only rows.
* **Formats.** CSV is read as UTF-8 (a BOM is fine), ``"`` quotes values; the delimiter is a
  tab for ``.tsv`` and otherwise whichever of ``, ; TAB |`` the header line uses most.
  Values are trimmed of spaces and an empty value is NULL. Ids stay text exactly as written
  ("00123" stays "00123"). Numbers follow :mod:`core.numbers` (``.`` as decimal point;
  spaces, currency signs and full-form comma thousands separators such as ``1,234.50`` are
  dropped; decimal commas, NaN and inf are refused); whole-number columns also accept ``3.0``. Dates are ISO ``YYYY-MM-DD`` (a midnight
  time is allowed); timestamps are ``YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]`` with a space or ``T``,
  optionally followed by a UTC offset (``Z``, ``+05:00``, ``+0500`` or ``+05``): such values are
  converted to UTC and the report says how many were; values without one are stored as written
  (taken as UTC), also in a column that mixes both. A time-zone-aware Parquet timestamp
  counts as carrying an offset. Day/month orders like 03/04/2024 are refused because they are ambiguous.
  Yes/no columns take ``yes``/``no``, ``true``/``false`` or ``1``/``0`` in any case.
* **Columns.** Headers match table columns case-insensitively; ``mapping`` renames
  SOURCE -> COLUMN. Extra columns are ignored and reported; missing nullable columns load NULL.
* **Personal data.** E-mails, phones, names, addresses... are dropped or stored as salted
  pseudonyms, never raw; the rule is in :mod:`core.store.pii`.

Everything is vectorised SQL: the file lands in a temporary all-text table, one aggregate query
finds the first bad cell, anti-joins find missing references, and the insert happens in the
same transaction, so a failed load leaves the database exactly as it was.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from core.errors import LoadError, first_line
from core.store import derived
from core.store.checks import validate
from core.store.db import init_db, open_db
from core.store.files import FileInput, SourceFile, local_file, open_source
from core.store.pii import protect_staged
from core.store.schema import DATA_TABLES, TABLES, Table, table_ddl
from core.store.staging import ROWS_TABLE, plan_columns, stage

PREVIEWROWS_TABLE = 20


@dataclass(frozen=True)
class LoadRequest:
    """One file to load: ``file`` is a path, bytes or a binary file object (then ``name`` or
    ``file.name`` supplies the display name and extension)."""

    table: str
    file: FileInput
    mapping: Mapping[str, str] | None = None
    name: str | None = None


@dataclass
class LoadReport:
    """What a load did; ``preview`` holds the first loaded rows as typed values."""

    table: str
    file: str
    rows_loaded: int
    columns_mapped: dict[str, str]
    columns_ignored: list[str]
    columns_missing: list[str]
    preview: pd.DataFrame = field(repr=False)
    seconds: float = 0.0
    utc_offsets: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per timestamp column with any offset: ``{"converted": n, "without_offset": m}``."""

    @property
    def notes(self) -> list[str]:
        """Sentences for the user about values the load changed (time zones converted to UTC)."""
        notes = []
        for column, n in self.utc_offsets.items():
            one = n["converted"] == 1
            text = (f"{column}: {n['converted']:,} value{'' if one else 's'} carried a UTC offset or time zone "
                    f"and {'was' if one else 'were'} converted to UTC.")
            if n["without_offset"]:
                text += (f" The other {n['without_offset']:,} had no offset and were stored as written, "
                         "taken as UTC.")
            notes.append(text)
        return notes

    def to_dict(self) -> dict:
        """Plain values for ``--json`` (the preview as a list of records)."""
        return {
            "table": self.table,
            "file": self.file,
            "rows_loaded": self.rows_loaded,
            "columns_mapped": self.columns_mapped,
            "columns_ignored": self.columns_ignored,
            "columns_missing": self.columns_missing,
            "seconds": round(self.seconds, 3),
            "utc_offsets": self.utc_offsets,
            "notes": self.notes,
            "preview": self.preview,
        }


def _load_order() -> tuple[str, ...]:
    """Loadable tables with every referenced table before the tables that reference it."""
    order: list[str] = []
    while len(order) < len(DATA_TABLES):
        for name in DATA_TABLES:
            refs = {fk.ref_table for fk in TABLES[name].foreign_keys} - {name}
            if name not in order and refs <= set(order):
                order.append(name)
    return tuple(order)


LOAD_ORDER: tuple[str, ...] = _load_order()


def parse_mapping(pairs: Sequence[str]) -> dict[str, str]:
    """Turn ``["SRC=DEST", ...]`` into a mapping dict.

    Parameters
    ----------
    pairs : sequence of str
        Each item ``SOURCE=COLUMN``; spaces around either side are ignored.

    Returns
    -------
    dict of str to str
        Source header -> table column.
    """
    mapping: dict[str, str] = {}
    for pair in pairs:
        src, sep, dest = pair.partition("=")
        src, dest = src.strip(), dest.strip()
        if not sep or not src or not dest:
            raise LoadError(f"Column mapping {pair!r} is not of the form SOURCE=COLUMN (e.g. when=order_ts).")
        if src in mapping:
            raise LoadError(f"Column mapping names source column {src!r} twice.")
        mapping[src] = dest
    return mapping


def load_file(
    db: duckdb.DuckDBPyConnection | str | Path,
    table: str,
    file: FileInput,
    mapping: Mapping[str, str] | None = None,
    *,
    name: str | None = None,
) -> LoadReport:
    """Check ``file`` and append its rows to ``table``, all or nothing.

    Parameters
    ----------
    db : DuckDBPyConnection or path
        An open (writable) connection, or a database path; a missing path is created with
        the schema first and removed again if the load fails.
    table : str
        One of ``LOAD_ORDER``.
    file : path, bytes or binary file object
        A ``.csv``/``.tsv``/``.txt`` or ``.parquet`` file (an upload needs ``name``).
    mapping : mapping of str to str, optional
        Source column -> table column, for headers that differ from the schema.
    name : str, optional
        Display name (and extension) for bytes or file objects.

    Returns
    -------
    LoadReport

    Raises
    ------
    LoadError
        The first problem found; the database is unchanged.
    """
    return load_files(db, [LoadRequest(table, file, mapping, name)])[0]


def load_files(db: duckdb.DuckDBPyConnection | str | Path, requests: Sequence[LoadRequest]) -> list[LoadReport]:
    """Load several files in ONE transaction, in foreign-key order (see ``load_file``).

    Rows loaded by an earlier file satisfy the references of a later one, so customers and
    their orders can arrive together. Reports come back in load order.
    """
    for req in requests:
        if req.table not in LOAD_ORDER:
            raise LoadError(f"Unknown table {req.table!r}; the loadable tables are {', '.join(LOAD_ORDER)}.")
    reqs = sorted(requests, key=lambda r: LOAD_ORDER.index(r.table))
    with ExitStack() as stack:
        sources = [open_source(stack.enter_context(local_file(r.file, r.name))) for r in reqs]
        if isinstance(db, duckdb.DuckDBPyConnection):
            return _run(db, reqs, sources)
        path, created = Path(db), not Path(db).exists()
        new_folders = _missing_folders(path) if created else []
        try:
            if created:
                init_db(path)
            with open_db(path) as con:
                return _run(con, reqs, sources)
        except BaseException:
            if created:  # the database did not exist before, so "unchanged" means gone again
                for leftover in (path, Path(f"{path}.wal")):
                    leftover.unlink(missing_ok=True)
                for folder in new_folders:  # deepest first; rmdir keeps a folder something else wrote to
                    try:
                        folder.rmdir()
                    except OSError:
                        break
            raise


def _missing_folders(path: Path) -> list[Path]:
    """The folders above ``path`` that do not exist yet, deepest first."""
    missing = []
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    return missing


def _run(con: duckdb.DuckDBPyConnection, reqs: list[LoadRequest], sources: list[SourceFile]) -> list[LoadReport]:
    con.execute("BEGIN TRANSACTION")
    try:
        reports = [
            _load_one(con, TABLES[r.table], s, dict(r.mapping or {})) for r, s in zip(reqs, sources, strict=True)
        ]
        if derived.SOURCES & {r.table for r in reqs}:  # in the same transaction: never stale, never half-built
            derived.refresh(con)
        con.execute("COMMIT")
        return reports
    except BaseException as exc:
        try:
            con.execute("ROLLBACK")
        except duckdb.Error:
            pass  # a failed COMMIT has already rolled back
        if isinstance(exc, duckdb.Error):
            raise LoadError(f"The load was rolled back because the database refused it: {first_line(exc)}.") from exc
        raise


def _load_one(con: duckdb.DuckDBPyConnection, table: Table, src: SourceFile, mapping: dict[str, str]) -> LoadReport:
    started = time.perf_counter()
    needed = {table.name} | {fk.ref_table for fk in table.foreign_keys}
    present = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE list_contains(?, table_name)", [sorted(needed | {"channels"})]
        ).fetchall()
    }
    missing = needed - present
    if missing and "channels" in present and table.name in missing:
        # An Omnimix database (it has channels) made before this table joined the schema (e.g.
        # experiments, or touchpoints and the campaigns they reference): the first load creates
        # them, inside the transaction, so a failed load leaves no table behind.
        for name in LOAD_ORDER:
            if name in missing:
                con.execute(table_ddl(TABLES[name]))
    elif missing:
        raise LoadError(f"The database has no {', '.join(sorted(missing))} table; create it with 'omnimix init'.")
    pos, ignored, missing = plan_columns(table, src, mapping)
    if stage(con, table, src, pos) == 0:
        raise LoadError(
            f"{src.name} has no data rows" + (" (only a header line)." if src.kind == "csv" else "."), file=src.name
        )
    protect_staged(con, table, src.header, pos, ROWS_TABLE)  # raw personal data never gets past staging
    validate(con, table, src, ROWS_TABLE)
    cols = ", ".join(table.column_names)
    con.execute(f"INSERT INTO {table.name} ({cols}) SELECT {cols} FROM {ROWS_TABLE} ORDER BY _row")
    rows = con.execute(f"SELECT count(*) FROM {ROWS_TABLE}").fetchone()[0]
    preview = con.execute(f"SELECT {cols} FROM {ROWS_TABLE} ORDER BY _row LIMIT {PREVIEWROWS_TABLE}").df()
    for c in table.columns:
        if c.sql_type == "DATE":  # pandas turns DATE into midnight timestamps; a date stays a date
            preview[c.name] = pd.to_datetime(preview[c.name]).dt.date
    offsets = _utc_offsets(con, table)
    con.execute(f"DROP TABLE {ROWS_TABLE}")
    mapped = {src.header[i]: dest for dest, i in sorted(pos.items(), key=lambda kv: kv[1])}
    return LoadReport(table.name, src.name, rows, mapped, ignored, missing, preview, time.perf_counter() - started,
                      offsets)


def _utc_offsets(con: duckdb.DuckDBPyConnection, table: Table) -> dict[str, dict[str, int]]:
    """How many values of each timestamp column carried a UTC offset (see :mod:`core.store.staging`)."""
    found = {}
    for c in table.columns:
        if c.sql_type != "TIMESTAMP":
            continue
        converted, plain = con.execute(
            f"SELECT count(*) FILTER (WHERE _offset_{c.name} <> ''), count(*) FILTER (WHERE _offset_{c.name} = '') "
            f"FROM {ROWS_TABLE}"
        ).fetchone()
        if converted:
            found[c.name] = {"converted": converted, "without_offset": plain}
    return found
