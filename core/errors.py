"""Errors Omnimix shows to users as they are: one sentence naming the file, row, column or field.

Every package raises these, so none of them needs the database layer (or duckdb) to say
what went wrong.
"""

from __future__ import annotations

import re


class OmnimixError(Exception):
    """An error caused by the user's input; its message is shown as it is (CLI exit code 2)."""


class LoadError(OmnimixError):
    """A file that cannot be loaded; the message is one sentence naming file, row and column.

    The parts are also attributes so the Data page can point at the cell.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        super().__init__(message)
        self.file, self.row, self.line, self.column = file, row, line, column


def first_line(exc: BaseException) -> str:
    """The first line of an error's text without DuckDB's "X Error: " prefix or a final period.

    DuckDB messages run over several lines of hints meant for its own CLI; the first line is
    the part a user can act on. An error without text gives its type name.
    """
    text = str(exc).strip()
    if not text:
        return type(exc).__name__
    return re.sub(r"^[A-Za-z ]*Error: ", "", text.splitlines()[0]).rstrip(".")
