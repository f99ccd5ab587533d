"""Privacy rules shared by every page, export and CLI output that describes groups of customers."""

from __future__ import annotations

import pandas as pd

MIN_GROUP_SIZE = 50  # groups with fewer customers are hidden ("fewer than 50")


def small_group_label(min_size: int = MIN_GROUP_SIZE) -> str:
    return f"fewer than {min_size}"


def suppress_small_groups(df: pd.DataFrame, count_column: str, *, min_size: int = MIN_GROUP_SIZE,
                          value_columns: list[str] | None = None) -> pd.DataFrame:
    """Blank out rows describing fewer than ``min_size`` customers.

    Parameters
    ----------
    df : DataFrame
        One row per group.
    count_column : str
        Column holding the number of customers in the group.
    min_size : int, default=MIN_GROUP_SIZE
    value_columns : list of str, optional
        Columns derived from the group's customers that are blanked too; default: every
        numeric column.

    Returns
    -------
    A copy where small groups show ``"fewer than N"`` in ``count_column`` and missing values in
    the value columns, so no figure about a handful of people is shown.
    """
    if min_size < 1:
        raise ValueError(f"min_size must be at least 1, got {min_size}")
    out = df.copy()
    small = out[count_column] < min_size
    if not small.any():
        return out
    cols = value_columns if value_columns is not None else [
        c for c in out.columns if c != count_column and pd.api.types.is_numeric_dtype(out[c])]
    for c in cols:
        out[c] = out[c].astype("float64").where(~small)
    out[count_column] = out[count_column].astype(object).where(~small, small_group_label(min_size))
    return out
