"""Small pieces every insight query shares."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from core.filters import Filters
from core.privacy import suppress_nested_groups

COMPLEMENT_LABEL = "hidden (protects a smaller group)"
"""Shown instead of a count hidden only so that a smaller hidden group cannot be derived."""


def channel_clause(filters: Filters, column: str) -> str:
    """``TRUE`` or a test of ``column`` against the named parameter ``$channels``.

    The insight queries use named parameters (``$name``) because they reuse values several
    times; :meth:`Filters.sql` produces ``?`` placeholders, which DuckDB cannot mix with them.
    ``column`` comes from our own code, never from users.
    """
    return "TRUE" if filters.channels is None else f"list_contains($channels, {column})"


def filter_params(filters: Filters) -> dict:
    """Named parameters for :func:`channel_clause` (``$channels``, only when channels are chosen)."""
    params: dict = {}
    if filters.channels is not None:
        params["channels"] = list(filters.channels)
    return params


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` (timestamps are compared with ``>=`` / ``<``)."""
    return dt.datetime.combine(day, dt.time.min)


def protect_lone_hidden_group(hidden: pd.Series, sizes: pd.Series) -> pd.Series:
    """Groups to hide as well so that a lone hidden group cannot be worked out by subtraction.

    When the groups of a partition add up to a total shown elsewhere (all buyers, all new
    customers), one hidden group equals the total minus the visible ones. Hiding the smallest
    visible group too leaves only the sum of two groups (secondary suppression).

    Parameters
    ----------
    hidden : Series of bool, one per group
        Groups already hidden by the minimum group size.
    sizes : Series of int, same index
        Customers per group.

    Returns
    -------
    Series of bool: the extra group to hide (at most one).
    """
    extra = pd.Series(False, index=hidden.index)
    if int(hidden.sum()) == 1 and (~hidden).any():
        extra[sizes[~hidden].idxmin()] = True
    return extra


def hide_small_groups(df: pd.DataFrame, count_columns: list[str], *, min_size: int,
                      value_columns: list[str]) -> pd.DataFrame:
    """:func:`core.privacy.suppress_nested_groups`, except that a count of 0 stays visible.

    Zero customers describes nobody ("none of the cohort came back"), and hiding it would
    blank the most telling figures: a month without returning customers, a week without sales.
    """
    probe = df.assign(**{c: df[c].where(df[c] != 0, min_size) for c in count_columns})
    out = suppress_nested_groups(probe, count_columns, min_size=min_size, value_columns=value_columns)
    for c in count_columns:
        keep = (df[c] == 0) & out[c].map(lambda v: not isinstance(v, str))
        if keep.any():
            out[c] = out[c].astype(object).where(~keep, 0)
    return out
