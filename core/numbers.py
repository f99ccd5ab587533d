"""Reading numbers that people typed: one rule for the loader and the weekly CSV reader.

The rule: ``'.'`` is the decimal point; spaces and currency signs (``€ $ £``) are dropped; a
comma is accepted only as a thousands separator in its full form (``1,234,567.89``) and dropped
there. Anything else, such as a decimal comma (``1234,50``, which dropping the comma would read
as 123450), ``nan``, ``inf`` or ``1_000``, is not a number and is reported, never guessed.

The loader types values inside DuckDB (:func:`number_text_sql`); the weekly reader in pandas
(:func:`parse_numbers`). Both use the patterns below, so they accept and refuse the same text.
"""

from __future__ import annotations

import pandas as pd

IGNORED = r"[\s€$£]"
"""Characters dropped anywhere in a number: spaces and currency signs."""
THOUSANDS = r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?"
"""A number with comma thousands separators, the only form in which a comma is dropped."""
DECIMAL = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"
"""A number once cleaned: optional sign, digits with an optional ``'.'`` point, optional exponent."""
WHOLE = r"[+-]?\d+(\.0*)?"
"""A whole number once cleaned (``2.0`` is whole, ``2.5`` is not)."""

SQL_PARAMS = {"num_ignored": IGNORED, "num_thousands": THOUSANDS}
"""Named parameters :func:`number_text_sql` refers to; add them to the query's parameters."""


def number_text_sql(raw: str) -> str:
    """SQL for the text of a number column ``raw`` cleaned by the rule (not yet typed).

    Parameters
    ----------
    raw : str
        A VARCHAR expression from our own code (a column name), never user text.

    Returns
    -------
    str
        An expression using the named parameters of :data:`SQL_PARAMS`; its result is checked
        with :data:`DECIMAL` or :data:`WHOLE` before it is cast.
    """
    cleaned = f"regexp_replace({raw}, $num_ignored, '', 'g')"
    return f"(CASE WHEN regexp_full_match({cleaned}, $num_thousands) THEN replace({cleaned}, ',', '') ELSE {cleaned} END)"


def parse_numbers(values: pd.Series) -> pd.Series:
    """Numbers of a column by the rule; NaN where a cell is empty or not a number.

    Parameters
    ----------
    values : Series
        Numbers already (returned as float) or text as read from a file.

    Returns
    -------
    Series of float64, same index.

    Examples
    --------
    >>> parse_numbers(pd.Series(["€ 1,234.50", "1234,50", "12"])).tolist()
    [1234.5, nan, 12.0]
    """
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64")
    text = values.astype("string").str.replace(IGNORED, "", regex=True)
    text = text.where(~text.str.fullmatch(THOUSANDS).fillna(False).astype(bool), text.str.replace(",", "", regex=False))
    ok = text.str.fullmatch(DECIMAL).fillna(False).astype(bool)
    return pd.to_numeric(text.where(ok).astype(object), errors="coerce").astype("float64")
