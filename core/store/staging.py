"""Staging a user's file: which file column feeds which table column, and the typed temp table.

The file lands in an all-text temp table with positional column names (users' header text
never becomes SQL), then every value is typed behind a regex gate; :mod:`core.store.checks`
finds the first bad cell in the result and :mod:`core.store.loader` inserts it.
"""

from __future__ import annotations

import duckdb

from core.errors import LoadError
from core.numbers import DECIMAL, SQL_PARAMS, WHOLE, number_text_sql
from core.store.files import SourceFile, read_error
from core.store.schema import Table

STAGE_TABLE, ROWS_TABLE = "_omnimix_load_stage", "_omnimix_load_rows"  # per-connection temp tables
# Regexes gate TRY_CAST because DuckDB's casts are lenient in ways that corrupt data silently:
# '2.5' -> INTEGER 3, '1_000' and 'nan' are numbers. A UTC offset after a time (Shopify and GA
# exports write '2024-01-01T10:00:00+05:00') is split off and applied by us, so the stored value
# is UTC whatever the session's TimeZone setting.
# Numbers are cleaned first by the rule of core.numbers (shared with the weekly CSV reader).
_NUMERIC = {"INTEGER", "BIGINT", "DOUBLE"}
_PATTERNS = {
    "INTEGER": WHOLE,
    "BIGINT": WHOLE,
    "DOUBLE": DECIMAL,
    "DATE": r"\d{4}-\d{1,2}-\d{1,2}([ T]00:00(:00(\.0+)?)?)?",
    "TIMESTAMP": r"\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d{1,6})?)?( ?(Z|z|[+-]\d{2}(:?\d{2})?))?)?",
}
# The offset at the end of a timestamp with a time: Z, +HH, +HHMM or +HH:MM (group 1).
UTC_OFFSET = r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)? ?(Z|z|[+-]\d{2}(?::?\d{2})?)$"
MAX_OFFSET_MINUTES = 14 * 60  # the widest offsets in use are -12:00 and +14:00
# Yes/no columns, case-insensitive (DuckDB's own cast also takes 't', 'f' and more, so it is not used).
BOOLEAN_WORDS = {True: ("true", "yes", "1"), False: ("false", "no", "0")}


def plan_columns(table: Table, src: SourceFile, mapping: dict[str, str]) -> tuple[dict[str, int], list[str], list[str]]:
    """Which file column feeds which table column; returns (positions, ignored, missing optional)."""
    header, cols, name = src.header, table.column_names, src.name
    pos: dict[str, int] = {}
    for source, dest in mapping.items():
        if dest not in cols:
            raise LoadError(
                f"Cannot map {source!r} to {dest!r}: table {table.name} has no such column (its columns are {', '.join(cols)}).",
                file=name,
            )
        hits = [i for i, h in enumerate(header) if h == source] or [
            i for i, h in enumerate(header) if h.lower() == source.lower()
        ]
        if not hits:
            raise LoadError(
                f"{name} has no column {source!r} to map to {dest} (found columns: {', '.join(header)}).",
                file=name,
                column=source,
            )
        if len(hits) > 1:
            raise LoadError(
                f"{name} has more than one column named {source!r}, so it cannot be mapped.", file=name, column=source
            )
        if dest in pos:
            raise LoadError(
                f"Two source columns are mapped to {table.name}.{dest}; map only one.", file=name, column=dest
            )
        pos[dest] = hits[0]
    mapped_positions = set(pos.values())
    ignored: list[str] = []
    for i, h in enumerate(header):
        if i in mapped_positions:
            continue
        dest = h.lower()
        if dest not in cols or dest in mapping.values():  # an explicit mapping beats a same-named column
            ignored.append(h)
        elif dest in pos:
            raise LoadError(
                f"{name} has two columns for {dest} ({header[pos[dest]]!r} and {h!r}).", file=name, column=dest
            )
        else:
            pos[dest] = i
    missing = [c.name for c in table.columns if c.name not in pos and not c.nullable]
    if missing:
        raise LoadError(
            f"{name} is missing required column(s) {', '.join(missing)} for table {table.name}; found columns: "
            f"{', '.join(header)} (map a differently named column with SOURCE=COLUMN).",
            file=name,
            column=missing[0],
        )
    return pos, ignored, [c for c in cols if c not in pos]


def stage(con: duckdb.DuckDBPyConnection, table: Table, src: SourceFile, pos: dict[str, int]) -> int:
    """Copy the file into an all-text temp table, then add typed columns; returns the row count.

    File columns get positional names (c0, c1, ...) so users' header text never becomes SQL.
    """
    used = sorted(set(pos.values()))
    if src.kind == "csv":
        # No sniffing: on a ragged file the sniffer silently skips rows instead of failing.
        read = (
            "read_csv(?, auto_detect=false, header=true, skip=0, columns=?, delim=?, quote='\"', escape='\"', "
            "comment='', strict_mode=true, null_padding=false)"
        )
        params: list = [str(src.path), {f"c{i}": "VARCHAR" for i in range(len(src.header))}, src.delim]
        select = ", ".join(f"c{i}" for i in used)
    else:
        read, params = "read_parquet(?)", [str(src.path)]
        select = ", ".join(_parquet_text(i, src.types[i] if src.types else "") for i in used)
    try:
        # Insertion order is preserved, so ordering by rowid is file order; rowids inside a
        # transaction start at a huge offset, hence row_number() rather than rowid + 1.
        con.execute(f"CREATE OR REPLACE TEMP TABLE {STAGE_TABLE} AS SELECT {select} FROM {read}", params)
    except duckdb.Error as exc:
        raise read_error(src, exc) from exc
    raws, offsets, typed, named = [], [], [], {}
    for c in table.columns:
        raws.append(
            f"NULLIF(trim(c{pos[c.name]}), '') AS _raw_{c.name}" if c.name in pos else f"NULL::VARCHAR AS _raw_{c.name}"
        )
        raw = text = f"_raw_{c.name}"
        if c.sql_type == "TIMESTAMP":
            named.update(utc_offset=UTC_OFFSET, max_offset=MAX_OFFSET_MINUTES, pat_timestamp=_PATTERNS[c.sql_type])
            offsets.append(f"regexp_extract({raw}, $utc_offset, 1) AS _offset_{c.name}")
            typed.append(_timestamp_sql(c.name))
            continue
        if c.sql_type == "VARCHAR":
            typed.append(f"{raw} AS {c.name}")
            continue
        if c.sql_type == "BOOLEAN":
            named.update(bool_true=list(BOOLEAN_WORDS[True]), bool_false=list(BOOLEAN_WORDS[False]))
            typed.append(
                f"CASE WHEN list_contains($bool_true, lower({raw})) THEN true "
                f"WHEN list_contains($bool_false, lower({raw})) THEN false END AS {c.name}"
            )
            continue
        if c.sql_type in _NUMERIC:
            text = number_text_sql(raw)
            named.update(SQL_PARAMS)
        named[f"pat_{c.sql_type.lower()}"] = _PATTERNS[c.sql_type]
        value = f"TRY_CAST({text} AS {c.sql_type})"
        finite = f" AND isfinite({value})" if c.sql_type == "DOUBLE" else ""
        typed.append(
            f"CASE WHEN regexp_full_match({text}, $pat_{c.sql_type.lower()}){finite} THEN {value} END AS {c.name}"
        )
    # Three levels: raw text, then the UTC offset split off each timestamp (``_offset_<col>``,
    # '' when there is none, kept for the load report), then the typed values.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {ROWS_TABLE} AS SELECT *, {', '.join(typed)} FROM "
        f"(SELECT *{''.join(', ' + o for o in offsets)} FROM "
        f"(SELECT row_number() OVER (ORDER BY rowid) AS _row, {', '.join(raws)} FROM {STAGE_TABLE}))",
        named,
    )
    con.execute(f"DROP TABLE {STAGE_TABLE}")
    return con.execute(f"SELECT count(*) FROM {ROWS_TABLE}").fetchone()[0]


def _parquet_text(i: int, parquet_type: str) -> str:
    """Column ``i`` of a Parquet file as text, the way a CSV would write it.

    A time-zone-aware timestamp (``TIMESTAMP WITH TIME ZONE``, as pandas writes a tz-aware
    column) is written as its UTC time with a ``Z``: DuckDB's own text form follows the
    session's TimeZone setting, which may print odd historical offsets such as +00:53:28.
    """
    if parquet_type.upper().startswith("TIMESTAMP WITH TIME ZONE"):
        return f"CAST(make_timestamp(epoch_us(#{i + 1})) AS VARCHAR) || 'Z' AS c{i}"
    return f"CAST(#{i + 1} AS VARCHAR) AS c{i}"


def _timestamp_sql(column: str) -> str:
    """Typed UTC value of a timestamp column: the text before the offset, minus the offset.

    A value without an offset is stored as written. An offset beyond 14 hours or with
    minutes of 60 or more gives NULL, which the checks report as a bad value.
    """
    raw, off = f"_raw_{column}", f"_offset_{column}"
    body = f"CASE WHEN {off} = '' THEN {raw} ELSE rtrim(left({raw}, length({raw}) - length({off}))) END"
    digits = f"replace({off}, ':', '')"
    hours = f"TRY_CAST(substr({digits}, 2, 2) AS INTEGER)"
    minutes = f"CASE WHEN length({digits}) = 5 THEN TRY_CAST(substr({digits}, 4, 2) AS INTEGER) ELSE 0 END"
    shift = (
        f"CASE WHEN {off} = '' OR upper({off}) = 'Z' THEN 0 "
        f"WHEN {minutes} < 60 AND {hours} * 60 + {minutes} <= $max_offset "
        f"THEN (CASE WHEN left({off}, 1) = '-' THEN -1 ELSE 1 END) * ({hours} * 60 + {minutes}) END"
    )
    value = f"TRY_CAST({body} AS TIMESTAMP) - to_minutes({shift})"
    return f"CASE WHEN regexp_full_match({raw}, $pat_timestamp) THEN {value} END AS {column}"
