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


def suppress_nested_groups(df: pd.DataFrame, count_columns: list[str], *, min_size: int = MIN_GROUP_SIZE,
                           value_columns: list[str] | None = None) -> pd.DataFrame:
    """Like :func:`suppress_small_groups` for rows that describe nested groups of customers.

    Parameters
    ----------
    df : DataFrame
        One row per group.
    count_columns : list of str
        Customer counts from the outermost group to the innermost, e.g.
        ``["cohort_size", "active_customers"]``. A group inside a small group is small too, so a
        count is hidden when it or any count before it is below ``min_size``.
    min_size : int, default=MIN_GROUP_SIZE
    value_columns : list of str, optional
        Columns blanked when any count of the row is small; default: every other numeric column.

    Returns
    -------
    A copy with hidden counts shown as ``"fewer than N"`` and hidden values missing.

    Examples
    --------
    >>> df = pd.DataFrame({"size": [80, 20], "active": [10, 5], "share": [0.125, 0.25]})
    >>> suppress_nested_groups(df, ["size", "active"], min_size=50)["active"].tolist()
    ['fewer than 50', 'fewer than 50']
    """
    if min_size < 1:
        raise ValueError(f"min_size must be at least 1, got {min_size}")
    out = df.copy()
    cols = value_columns if value_columns is not None else [
        c for c in out.columns if c not in count_columns and pd.api.types.is_numeric_dtype(out[c])]
    small = pd.Series(False, index=out.index)
    masks = {}
    for c in count_columns:
        small = small | (pd.to_numeric(out[c], errors="coerce").fillna(0) < min_size)
        masks[c] = small.copy()
    for c in cols:
        out[c] = out[c].astype("float64").where(~small)
    for c, mask in masks.items():
        if mask.any():
            out[c] = out[c].astype(object).where(~mask, small_group_label(min_size))
    return out



COMPLEMENT_LABEL = "hidden (protects a smaller group)"
"""Shown instead of a count hidden only so that a smaller hidden group cannot be worked out."""


def with_complement(counts: pd.Series, hidden: pd.Series) -> pd.Series:
    """``hidden`` plus the groups to hide so that no hidden group follows by subtraction.

    When groups partition a total shown elsewhere (all buyers, all new customers, all
    segmented customers), one hidden group equals the total minus the visible ones. Hiding the
    next smallest group too leaves only the sum of two (secondary suppression). Groups of 0
    describe nobody and are never hidden.

    Parameters
    ----------
    counts : Series of int
        Customers per group.
    hidden : Series of bool, same index
        Groups already hidden by the minimum group size.

    Returns
    -------
    Series of bool, same index: every group to hide.
    """
    if int(hidden.sum()) != 1:
        return hidden
    visible = counts.where(~hidden & (counts > 0))
    if visible.notna().sum() < 2:  # the one visible group is the total minus the hidden one
        return hidden | visible.notna()
    return hidden | pd.Series(counts.index == visible.idxmin(), index=counts.index)


def suppress_partition(df: pd.DataFrame, count_column: str, *, min_size: int = MIN_GROUP_SIZE,
                       value_columns: list[str] | None = None) -> pd.DataFrame:
    """:func:`suppress_small_groups` for groups that add up to a total shown elsewhere.

    A lone small group takes the next smallest with it (:func:`with_complement`); that one's
    count reads :data:`COMPLEMENT_LABEL` and its values are blanked like a small group's.

    Parameters
    ----------
    df : DataFrame
        One row per group; the groups partition the customers.
    count_column : str
        Column holding the number of customers in the group.
    min_size : int, default=MIN_GROUP_SIZE
    value_columns : list of str, optional
        Columns blanked for hidden groups; default: every other numeric column.

    Returns
    -------
    A copy with small groups as ``"fewer than N"`` and their complement as :data:`COMPLEMENT_LABEL`.
    """
    out = suppress_small_groups(df, count_column, min_size=min_size, value_columns=value_columns)
    counts = df[count_column]
    small = counts < min_size
    extra = with_complement(counts, small) & ~small
    if extra.any():
        cols = value_columns if value_columns is not None else [
            c for c in out.columns if c != count_column and pd.api.types.is_numeric_dtype(df[c])]
        for c in cols:
            out[c] = out[c].astype("float64").where(~extra)
        out[count_column] = out[count_column].astype(object).where(~extra, COMPLEMENT_LABEL)
    return out
