"""The user's file before it meets the database: where it is, what kind, its header and encoding.

:mod:`core.store.loader` stages and checks the rows; this module finds the file (a path or an
upload), tells CSV from Parquet, reads the header and delimiter, proves the text is UTF-8 and
turns DuckDB's read errors into messages that name the file and line. The formats are
described in :mod:`core.store.loader`.
"""

from __future__ import annotations

import codecs
import csv
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import duckdb

from core.errors import LoadError, first_line

FileInput = str | os.PathLike | bytes | BinaryIO
"""A path, or an upload's bytes or binary file object."""
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass
class SourceFile:
    """A file ready to read: display name, local path, "csv" or "parquet", header, delimiter and
    (Parquet) each column's DuckDB type, e.g. "TIMESTAMP WITH TIME ZONE"."""

    name: str
    path: Path
    kind: str
    header: list[str]
    delim: str = ","
    types: list[str] | None = None


@contextmanager
def local_file(file: FileInput, name: str | None) -> Iterator[tuple[Path, str]]:
    """A readable path and display name; uploads are written to a temporary file first."""
    if isinstance(file, (str, os.PathLike)):
        path = Path(file)
        if not path.exists():
            raise LoadError(f"File {path} does not exist.", file=str(path))
        if not path.is_file():
            raise LoadError(f"{path} is not a file.", file=str(path))
        yield path, name or path.name
        return
    display = name or Path(str(getattr(file, "name", "") or "")).name
    if not display:
        raise LoadError("An uploaded file needs a name ending in .csv or .parquet.")
    data = bytes(file) if isinstance(file, (bytes, bytearray, memoryview)) else file.read()
    with tempfile.TemporaryDirectory(prefix="omnimix-load-") as tmp:
        path = Path(tmp) / f"upload{Path(display).suffix.lower()}"
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        yield path, display


def open_source(local: tuple[Path, str]) -> SourceFile:
    """The file's kind, header and (CSV) delimiter, or a LoadError saying why it cannot be read."""
    path, name = local
    suffix = Path(name).suffix.lower()
    try:
        if suffix in PARQUET_SUFFIXES:
            with duckdb.connect() as probe:
                cols = probe.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
            return SourceFile(name, path, "parquet", [c[0] for c in cols], types=[c[1] for c in cols])
        if suffix in CSV_SUFFIXES:
            return _csv_source(path, name, suffix)
    except duckdb.Error as exc:
        raise LoadError(f"{name} is not a readable Parquet file ({first_line(exc)}).", file=name) from exc
    except OSError as exc:
        raise LoadError(f"{name} cannot be read ({exc.strerror or exc}).", file=name) from exc
    raise LoadError(
        f"{name} has an unsupported file type; use {', '.join(CSV_SUFFIXES + PARQUET_SUFFIXES)}.", file=name
    )


def _csv_source(path: Path, name: str, suffix: str) -> SourceFile:
    _check_utf8(path, name)
    with open(path, encoding="utf-8-sig", newline="") as f:
        first = f.readline()
        if not first.strip():
            empty = f.read(1) == "" and first == ""
            raise LoadError(
                f"{name} is empty."
                if empty
                else f"{name}, line 1: the first line must hold the column headers but is blank.",
                file=name,
                line=1,
            )
        delim = "\t" if suffix == ".tsv" else max(",;\t|", key=lambda d: (first.count(d), d == ","))
        f.seek(0)
        header = next(csv.reader(f, delimiter=delim, quotechar='"'))
    header = [h.strip() or f"(column {i + 1})" for i, h in enumerate(header)]
    return SourceFile(name, path, "csv", header, delim)


def _check_utf8(path: Path, name: str) -> None:
    """Stream the file through a strict UTF-8 decoder: DuckDB does not check every byte."""
    decoder, newlines = codecs.getincrementaldecoder("utf-8")(), 0
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 24)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                # exc.object is the decoder's pending bytes + chunk; pending bytes hold no newline
                line = newlines + exc.object[: exc.start].count(b"\n") + 1
                raise LoadError(
                    f"{name}, line {line}: the text is not UTF-8 (save the file as 'CSV UTF-8').", file=name, line=line
                ) from exc
            if not chunk:
                return
            newlines += chunk.count(b"\n")


def read_error(src: SourceFile, exc: duckdb.Error) -> LoadError:
    """The LoadError for a file DuckDB could not read while staging, naming the CSV line when it can."""
    text = str(exc)
    if src.kind == "parquet":
        return LoadError(f"{src.name} is not a readable Parquet file ({first_line(exc)}).", file=src.name)
    line = int(m.group(1)) if (m := re.search(r"CSV Error on Line: (\d+)", text)) else None
    if m := re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text):
        reason = f"it has {m.group(2)} values but the header has {m.group(1)} columns (quote values that contain {src.delim!r})"
    elif "unterminated quote" in text:
        reason = "a quoted value is never closed"
    elif "unicode" in text.lower():
        reason = "the text is not UTF-8 (save the file as 'CSV UTF-8')"
    else:
        reason = f"it cannot be parsed as CSV ({first_line(exc)})"
    where = f"{src.name}, line {line}" if line else src.name
    return LoadError(f"{where}: {reason}.", file=src.name, line=line)
