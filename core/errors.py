"""Errors Omnimix shows to users as they are: one sentence naming the file, row, column or field.

Every package raises these, so none of them needs the database layer (or duckdb) to say
what went wrong.
"""

from __future__ import annotations

import re
import threading


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


class InvalidParameterError(OmnimixError, ValueError):
    """An estimator parameter outside its allowed values (see :mod:`core.estimator`).

    The message names the parameter, the value given and what is allowed, e.g.
    "n_neighbours must be a whole number of at least 1; got 0."
    """


_NOT_FITTED_LOCK = threading.Lock()


def __getattr__(name: str) -> type:
    """``NotFittedError``, built on first use.

    It subclasses scikit-learn's ``NotFittedError`` (so ``except`` clauses written for
    scikit-learn catch it too), but importing scikit-learn takes about 1.5 s and every CLI
    command imports this module, most of them without fitting anything.
    """
    if name != "NotFittedError":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    with _NOT_FITTED_LOCK:
        if name not in globals():
            from sklearn.exceptions import NotFittedError as SklearnNotFittedError

            class NotFittedError(OmnimixError, SklearnNotFittedError):
                """An estimator used before ``fit``: the one error every Omnimix estimator raises for it.

                Raised by :func:`core.estimator.check_is_fitted`; an :class:`OmnimixError` and
                scikit-learn's ``NotFittedError`` (a ``ValueError`` and ``AttributeError``).
                """

            NotFittedError.__module__, NotFittedError.__qualname__ = __name__, name
            globals()[name] = NotFittedError
    return globals()[name]
