"""The budget model's CSV inputs beside the weekly table: a file's header, and a lift-test file.

The page (uploaded bytes) and ``omnimix budget`` (a path's bytes) read them with the same
functions, so both accept the same files and name the same row and column when one is wrong.
"""

from __future__ import annotations

import io

import pandas as pd

from core.errors import OmnimixError
from core.mmm.experiments import check_experiments

LIFT_TEST_COLUMNS = ("channel", "start_week", "end_week", "incremental_revenue", "standard_error")
"""Columns a lift-test CSV needs (``experiment_id`` optional)."""

_UNREADABLE = (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError)


def _read(content: bytes, name: str, **kwargs) -> pd.DataFrame:  # noqa: ANN003 - pandas.read_csv options
    try:
        return pd.read_csv(io.BytesIO(content), **kwargs)
    except _UNREADABLE as exc:
        raise OmnimixError(f"Cannot read {name} as CSV: {exc}") from exc


def csv_columns(content: bytes, name: str) -> list[str]:
    """The column names of a CSV file, as text (the first rows are read to find them).

    Raises
    ------
    OmnimixError
        The file is not a readable CSV; the message names ``name``.
    """
    return [str(c) for c in _read(content, name, nrows=5).columns]


def read_lift_tests(content: bytes, name: str, currency: str = "EUR") -> pd.DataFrame:
    """Lift tests from a CSV file, checked; an error names the file, row and column at fault.

    Parameters
    ----------
    content : bytes
        The file: one row per test with :data:`LIFT_TEST_COLUMNS` (weeks as YYYY-MM-DD,
        revenue and standard error in the data's currency over the whole test).
    name : str
        File name, for the messages.
    currency : str, default="EUR"
        ISO code of the amounts (the database's setting, or ``--currency`` with ``--csv``), named
        when an amount does not parse.

    Returns
    -------
    pandas.DataFrame
        :func:`core.mmm.experiments.check_experiments` of the rows (tests numbered
        ``"test 1"``, ... when the file has no ``experiment_id``).

    Raises
    ------
    OmnimixError
        Unreadable file, no rows, a missing column, a date or amount that does not parse, or
        a row :func:`core.mmm.experiments.check_experiments` refuses.
    """
    df = _read(content, name)
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in LIFT_TEST_COLUMNS if c not in df]
    if missing:
        raise OmnimixError(
            f"{name} has no column {', '.join(missing)}; a lift-test file needs the columns "
            f"{', '.join(LIFT_TEST_COLUMNS)} (experiment_id optional)."
        )
    if df.empty:
        raise OmnimixError(f"{name} has a header but no lift tests.")
    df["channel"] = df["channel"].astype(str).str.strip()
    for col in LIFT_TEST_COLUMNS[1:]:
        if col.endswith("_week"):
            parsed, kind = pd.to_datetime(df[col], errors="coerce", format="ISO8601"), "a date (YYYY-MM-DD)"
        else:
            parsed, kind = pd.to_numeric(df[col], errors="coerce"), f"an amount in {currency}"
        bad = parsed.isna()
        if bad.any():
            row = int(bad.to_numpy().argmax())
            raise OmnimixError(f"{name}, row {row + 1}: {col} {df[col].iloc[row]!r} is not {kind}.")
        df[col] = parsed
    try:
        return check_experiments(df)
    except OmnimixError as exc:
        raise OmnimixError(f"{name}: {exc}") from exc
