"""Row-level checks for ``core.store.loader``: find the FIRST bad row with vectorised SQL, then say why.

Order of checks: cell checks (missing required value, wrong type, the table's CHECK rules) in
one aggregate pass, then duplicate keys within the file, then keys already in the database, then
foreign keys. Within a pass the earliest row wins, so users fix their file top to bottom.
Only the error path touches Python row by row: it re-reads the CSV up to the bad row to turn
the row number into the line number a text editor shows.
"""

from __future__ import annotations

import csv
import datetime as dt
import re

import duckdb

from core.errors import LoadError
from core.store.files import SourceFile
from core.store.schema import ForeignKey, Table

_TYPE_PROBLEM = {
    "INTEGER": "is not a whole number in range",
    "BIGINT": "is not a whole number in range",
    "DOUBLE": "is not a number (write it with '.' as decimal point, e.g. 1234.50 or 1,234.50)",
    "DATE": "is not a date (expected YYYY-MM-DD)",
    "TIMESTAMP": "is not a date/time (expected YYYY-MM-DD or YYYY-MM-DD HH:MM[:SS], optionally followed by a UTC "
    "offset such as +05:00 or Z)",
    "BOOLEAN": "is not a yes/no value (write yes/no, true/false or 1/0)",
}
# A well-formed date and time followed by something offset-like the loader refused (+5:00,
# +05:0, +25:00, UTC+5...), to name the offset rather than the whole value as the problem.
_BAD_OFFSET = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}(:\d{2}(\.\d{1,6})?)? ?([+-]\d.*|[A-Za-z]{1,5}[+-]?[\d:]*)"
)
_GOOD_OFFSET = re.compile(r"[+-](\d{2})(?::?(\d{2}))?")


def _offset_is_the_problem(raw: str) -> bool:
    """Whether a refused timestamp is a fine date and time with an offset the loader cannot read."""
    m = _BAD_OFFSET.fullmatch(raw)
    if m is None:
        return False
    good = _GOOD_OFFSET.fullmatch(m.group(3))
    return good is None or int(good[2] or 0) >= 60 or int(good[1]) * 60 + int(good[2] or 0) > 14 * 60


_NOUN = {
    "customers": "customer",
    "products": "product",
    "orders": "order",
    "channels": "channel",
    "campaigns": "campaign",
}


def validate(con: duckdb.DuckDBPyConnection, table: Table, src: SourceFile, rows: str) -> None:
    """Raise ``LoadError`` for the first problem in the temp table ``rows`` (built by the loader).

    Parameters
    ----------
    con : DuckDBPyConnection
        The loading connection, inside its transaction.
    table : Table
        Target table from ``core.store.schema``.
    src : SourceFile
        The file being loaded (for its name and, on error, its line numbers).
    rows : str
        Name of the loader's temp table: ``_row``, ``_raw_<col>`` (text) and ``<col>`` (typed).
    """
    _cell_checks(con, table, src, rows)
    if table.primary_key:
        _duplicate_checks(con, table, src, rows)
    for fk in table.foreign_keys:
        _reference_check(con, table, src, rows, fk)


def _reference_check(con: duckdb.DuckDBPyConnection, table: Table, src: SourceFile, rows: str, fk: ForeignKey) -> None:
    """First row whose reference is missing, or (``fk.kinds``) points at a channel of another kind."""
    kind_rule = " AND list_contains(?, r.kind)" if fk.kinds else ""
    bad = con.execute(
        f"SELECT min(t._row) FROM {rows} t WHERE t.{fk.column} IS NOT NULL AND NOT EXISTS "
        f"(SELECT 1 FROM {fk.ref_table} r WHERE r.{fk.ref_column} = t.{fk.column}{kind_rule})",
        [list(fk.kinds)] if fk.kinds else [],
    ).fetchone()[0]
    if bad is None:
        return
    value = _raw(con, rows, bad, fk.column)
    if fk.ref_table == "channels":
        kind = con.execute("SELECT kind FROM channels WHERE channel = ?", [value]).fetchone()
        if kind is None:
            known = [r[0] for r in con.execute("SELECT channel FROM channels ORDER BY channel LIMIT 30").fetchall()]
            problem = (
                f"{value!r} is not a known channel (known: {', '.join(known)}); add it by loading a channels file first"
            )
        else:
            allowed = [
                r[0]
                for r in con.execute(
                    "SELECT channel FROM channels WHERE list_contains(?, kind) ORDER BY channel LIMIT 30",
                    [list(fk.kinds)],
                ).fetchall()
            ]
            problem = (
                f"{value!r} is a {kind[0]} channel but {table.name} needs a channel of kind "
                f"{' or '.join(fk.kinds)} (such as: {', '.join(allowed) or 'none yet'})"
            )
    else:
        noun = _NOUN.get(fk.ref_table, fk.ref_table)
        problem = f"{noun} {value!r} is not in the {fk.ref_table} table; load {fk.ref_table} first"
    _fail(src, bad, fk.column, problem)


def _cell_checks(con: duckdb.DuckDBPyConnection, table: Table, src: SourceFile, rows: str) -> None:
    probes: list[tuple[str, str, str]] = []  # (kind, column, rule), parallel to the SQL aggregates
    exprs: list[str] = []
    for c in table.columns:
        if not c.nullable:
            probes.append(("null", c.name, ""))
            exprs.append(f"min(_row) FILTER (WHERE _raw_{c.name} IS NULL)")
        if c.sql_type != "VARCHAR":
            probes.append(("type", c.name, c.sql_type))
            exprs.append(f"min(_row) FILTER (WHERE _raw_{c.name} IS NOT NULL AND {c.name} IS NULL)")
    for rule in table.checks:
        # CHECK rules come from core.store.schema, so pasting them is pasting our own code. A rule is
        # about the first column it names ("end_week >= start_week" is about end_week).
        column = min((m.start(), c) for c in table.column_names if (m := re.search(rf"\b{c}\b", rule)))[1]
        probes.append(("check", column, rule))
        exprs.append(f"min(_row) FILTER (WHERE NOT ({rule}))")
    firsts = con.execute(f"SELECT {', '.join(exprs)} FROM {rows}").fetchone()
    hits = [(row, i) for i, row in enumerate(firsts) if row is not None]
    if not hits:
        return
    row, i = min(hits)
    kind, column, rule = probes[i]
    raw, value = con.execute(f"SELECT _raw_{column}, {column} FROM {rows} WHERE _row = ?", [row]).fetchone()
    rule = rule.removeprefix(f"{column} IS NULL OR ")  # an optional column's rule is about its value
    if kind == "null":
        problem = "the value is empty but the column is required"
    elif kind == "type" and rule == "TIMESTAMP" and _offset_is_the_problem(raw):
        problem = (f"{raw!r} has a UTC offset that cannot be read (write it as Z, +HH:MM, +HHMM or +HH, "
                   "between -14:00 and +14:00)")
    elif kind == "type":
        problem = f"{raw!r} {_TYPE_PROBLEM.get(rule, f'is not a valid {rule}')}"
    elif (pair := re.fullmatch(rf"{column} >= (\w+)", rule)) and pair[1] in table.column_names:
        other = pair[1]
        word, rule_text = ("before", "on or after") if isinstance(value, dt.date) else ("less than", "at least")
        problem = f"{column} {raw!r} is {word} {other} {_raw(con, rows, row, other)!r} but must be {rule_text} it"
    else:
        problem = _check_problem(rule, column, raw, value)
    _fail(src, row, column, problem)


def _check_problem(rule: str, column: str, raw: str, value: object) -> str:
    """Plain words for the schema's CHECK rules (falls back to quoting the rule)."""
    if re.fullmatch(rf"{column} >= 0", rule):
        return f"{raw!r} is negative but {column} cannot be negative"
    if re.fullmatch(rf"{column} > 0", rule):
        return f"{column} must be greater than 0 (got {raw!r})"
    if rule.startswith("isodow(") and isinstance(value, dt.date):
        monday = value - dt.timedelta(days=value.weekday())
        return f"{raw!r} is a {value:%A} but {column} must be the Monday that starts the week ({monday.isoformat()})"
    if " IN (" in rule:
        allowed = ", ".join(re.findall(r"'([^']*)'", rule))
        return f"{raw!r} is not a valid {column} (use one of: {allowed})"
    return f"{raw!r} breaks the rule {rule}"


def _duplicate_checks(con: duckdb.DuckDBPyConnection, table: Table, src: SourceFile, rows: str) -> None:
    keys = table.primary_key
    on = " AND ".join(f"t.{k} = d.{k}" for k in keys)
    dup = con.execute(
        f"SELECT t._row, d.first_row FROM {rows} t JOIN (SELECT {', '.join(keys)}, min(_row) AS first_row FROM {rows} "
        f"GROUP BY ALL HAVING count(*) > 1) d ON {on} WHERE t._row > d.first_row ORDER BY t._row LIMIT 1"
    ).fetchone()
    if dup is not None:
        lines = _lines(src, {dup[1]})
        first = f"row {dup[1]}" + (f", line {lines[dup[1]]}" if dup[1] in lines else "")
        _fail(
            src,
            dup[0],
            ", ".join(keys),
            f"{_key_text(con, rows, dup[0], keys)} appears more than once in the file (first on {first})",
        )
    existing = con.execute(
        f"SELECT min(t._row) FROM {rows} t WHERE EXISTS (SELECT 1 FROM {table.name} d WHERE {on})"
    ).fetchone()[0]
    if existing is not None:
        hint = (
            " (every database starts with the standard channels; list only new ones)"
            if table.name == "channels"
            else ""
        )
        _fail(
            src,
            existing,
            ", ".join(keys),
            f"{_key_text(con, rows, existing, keys)} is already in the {table.name} table{hint}",
        )


def _key_text(con: duckdb.DuckDBPyConnection, rows: str, row: int, keys: tuple[str, ...]) -> str:
    values = [_raw(con, rows, row, k) for k in keys]
    return repr(values[0]) if len(values) == 1 else "(" + ", ".join(map(repr, values)) + ")"


def _raw(con: duckdb.DuckDBPyConnection, rows: str, row: int, column: str) -> str:
    return con.execute(f"SELECT _raw_{column} FROM {rows} WHERE _row = ?", [row]).fetchone()[0]


def _fail(src: SourceFile, row: int, column: str, problem: str) -> None:
    line = _lines(src, {row}).get(row)
    where = f"row {row}" + (f" (line {line})" if line else "")
    label = "columns" if ", " in column else "column"
    raise LoadError(
        f"{src.name}, {where}, {label} {column}: {problem}.", file=src.name, row=row, line=line, column=column
    )


def _lines(src: SourceFile, rows: set[int]) -> dict[int, int]:
    """Physical start line (header = line 1) of each data row; empty for Parquet.

    Reads with the same quoting as DuckDB, and skips blank lines as DuckDB does.
    """
    found: dict[int, int] = {}
    if src.kind != "csv" or not rows:
        return found
    try:
        with open(src.path, encoding="utf-8-sig", newline="") as f:
            reader, previous, data_row = csv.reader(f, delimiter=src.delim, quotechar='"'), 0, -1
            for record in reader:
                start, previous = previous + 1, reader.line_num
                if not record:
                    continue
                data_row += 1  # the header is data row 0
                if data_row in rows:
                    found[data_row] = start
                if data_row >= max(rows):
                    break
    except (csv.Error, OSError):
        pass  # a line number is a courtesy; the row number is still exact
    return found
