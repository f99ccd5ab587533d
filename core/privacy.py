"""Privacy rules shared by every page, export and CLI output that describes groups of customers.

How a hidden figure is represented
----------------------------------
A figure about fewer than :data:`MIN_GROUP_SIZE` customers is a **missing value plus a flag**:
the count column holds NaN (it stays a number column) and a companion column
``<count>_hidden`` (:func:`flag_column`) holds why it is hidden — :data:`SMALL` (the group is
too small) or :data:`COMPLEMENT` (hidden so that a smaller hidden group cannot be worked out by
subtraction) — or ``None`` when the count is shown. Figures derived from a hidden group (its
revenue, rates, shares) are NaN without a flag of their own.

The words ("fewer than 50", :data:`COMPLEMENT_LABEL`) are written only where the figures are
shown or exported: :func:`hidden_label` and :func:`labelled_counts` for tables and text,
:func:`for_export` for CSV files (numbers stay numeric, hidden cells are empty, a ``privacy_note``
column says what is hidden and why).

One family does the hiding: :func:`hide_groups` (every variant: one count or nested counts,
zeros kept visible or not, groups that add up to a published total, shares of that total) on
top of :func:`mark_hidden`, the step that blanks one count column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

MIN_GROUP_SIZE = 50  # groups with fewer customers are hidden ("fewer than 50")

SMALL = "small"
"""Flag of a count hidden because the group has fewer than the minimum number of customers."""
COMPLEMENT = "complement"
"""Flag of a count hidden only so that a smaller hidden group cannot be worked out from a total."""
COMPLEMENT_LABEL = "hidden (protects a smaller group)"
"""Shown instead of a count flagged :data:`COMPLEMENT`."""
HIDDEN_SUFFIX = "_hidden"
NOTE_COLUMN = "privacy_note"
"""Column :func:`for_export` adds: which counts of the row are hidden and why."""


def small_group_label(min_size: int = MIN_GROUP_SIZE) -> str:
    return f"fewer than {min_size}"


def flag_column(column: str) -> str:
    """Name of the column flagging hidden cells of the count column ``column``."""
    return f"{column}{HIDDEN_SUFFIX}"


def hidden_label(reason: object, min_size: int = MIN_GROUP_SIZE) -> str:
    """The words shown for a hidden count: ``"fewer than 50"``, :data:`COMPLEMENT_LABEL`, or ``""`` if shown."""
    if reason == SMALL:
        return small_group_label(min_size)
    if reason == COMPLEMENT:
        return COMPLEMENT_LABEL
    return ""


def cell_text(value: object, reason: object = None, fmt: str = "{:,.0f}", *, min_size: int = MIN_GROUP_SIZE,
              missing: str = "–") -> str:
    """One count as shown: ``"1,234"``, the words of its flag (``"fewer than 50"``), or ``missing``."""
    if reason is not None and reason == reason:  # NaN is not a reason
        return hidden_label(reason, min_size)
    return missing if pd.isna(value) else fmt.format(value)


def is_hidden(df: pd.DataFrame, column: str) -> pd.Series:
    """Boolean Series: which cells of ``column`` are hidden (all False when it has no flag column)."""
    flag = flag_column(column)
    if flag not in df:
        return pd.Series(False, index=df.index)
    return df[flag].notna()


def hidden_reason(df: pd.DataFrame, column: str) -> pd.Series:
    """The flag of each cell of ``column`` (:data:`SMALL`, :data:`COMPLEMENT` or None)."""
    flag = flag_column(column)
    return df[flag] if flag in df else pd.Series([None] * len(df), index=df.index, dtype=object)


def count_columns(df: pd.DataFrame) -> list[str]:
    """The columns of ``df`` that have a hidden-cell flag."""
    return [c for c in df.columns if flag_column(c) in df.columns]


def mark_hidden(df: pd.DataFrame, column: str, mask: pd.Series | np.ndarray, reason: str = SMALL) -> None:
    """Hide the cells of count ``column`` where ``mask`` is True, in place.

    The cells become NaN (the column becomes float64) and the flag column gets ``reason``
    there; cells already flagged are overwritten (the newest reason wins). The flag column is
    created, all None, even when nothing is hidden, so a table always has the same columns.
    """
    if reason not in (SMALL, COMPLEMENT):
        raise ValueError(f"reason must be {SMALL!r} or {COMPLEMENT!r}, got {reason!r}")
    mask = np.asarray(mask, dtype=bool)
    flag = flag_column(column)
    if flag not in df:
        df[flag] = pd.Series([None] * len(df), index=df.index, dtype=object)
    if mask.any():
        df[column] = pd.to_numeric(df[column], errors="coerce").astype("float64").where(~mask)
        flags = df[flag].to_numpy(dtype=object).copy()
        flags[mask] = reason
        df[flag] = pd.Series(flags, index=df.index, dtype=object)


def hide_groups(df: pd.DataFrame, counts: str | Sequence[str], *, min_size: int = MIN_GROUP_SIZE,
                value_columns: Sequence[str] | None = None, keep_zero: bool = False, nested: bool = True,
                partition: bool = False, group_key: str | None = None,
                shares: Sequence[str] = ()) -> pd.DataFrame:
    """Hide the figures of groups of fewer than ``min_size`` customers.

    Parameters
    ----------
    df : DataFrame
        One row per group (or per cell of a group, see ``group_key``).
    counts : str or sequence of str
        Customer counts. With ``nested=True`` they go from the outermost group to the innermost
        (e.g. ``["cohort_size", "active_customers"]``): a group inside a small group is small
        too. With ``nested=False`` each count is hidden on its own.
    min_size : int, default=MIN_GROUP_SIZE
    value_columns : sequence of str, optional
        Figures derived from the row's customers, blanked (NaN) when any count of the row is
        hidden; default: every other numeric column.
    keep_zero : bool, default=False
        A count of 0 describes nobody ("none of the cohort came back"); True keeps it visible.
    nested : bool, default=True
    partition : bool, default=False
        The groups of the first count add up to a total shown elsewhere: when exactly one is
        hidden, the next smallest is hidden too (:func:`with_complement`), flagged
        :data:`COMPLEMENT` in every count column of its rows.
    group_key : str, optional
        With ``partition``: the column naming the group when several rows describe one group
        (a cohort's months); default: each row is a group.
    shares : sequence of str, default=()
        Shares of that total, blanked on every row as soon as any group is hidden (the total
        minus the visible groups would give the hidden one away).

    Returns
    -------
    A copy where hidden counts are NaN, flagged in ``<count>_hidden``, and their row's
    value columns are NaN.

    Examples
    --------
    >>> df = pd.DataFrame({"size": [80, 20], "active": [10, 0], "share": [0.125, 0.0]})
    >>> out = hide_groups(df, ["size", "active"], min_size=50, keep_zero=True)
    >>> out["active"].tolist(), out["active_hidden"].tolist()
    ([nan, nan], ['small', 'small'])
    """
    if min_size < 1:
        raise ValueError(f"min_size must be at least 1, got {min_size}")
    counts = [counts] if isinstance(counts, str) else list(counts)
    out = df.copy()
    cols = list(value_columns) if value_columns is not None else [
        c for c in out.columns if c not in counts and pd.api.types.is_numeric_dtype(out[c])]
    any_small = pd.Series(False, index=out.index)
    masks = {}
    for c in counts:
        values = pd.to_numeric(df[c], errors="coerce").fillna(0)
        small = values < min_size
        if keep_zero:
            small &= values != 0
        masks[c] = (any_small | small) if nested else small
        any_small = any_small | small
    for c in counts:
        mark_hidden(out, c, masks[c].to_numpy(), SMALL)
    extra = pd.Series(False, index=out.index)
    if partition:
        first = counts[0]
        if group_key is None:
            sizes, small = df[first], masks[first]
            extra = with_complement(sizes, small) & ~small
        else:
            sizes = df.groupby(group_key)[first].first()
            small = masks[first].groupby(df[group_key]).first()
            groups = with_complement(sizes, small) & ~small
            extra = df[group_key].isin(groups[groups].index)
        for c in counts:
            mark_hidden(out, c, extra.to_numpy(), COMPLEMENT)
    blank = any_small | extra
    for c in cols:
        out[c] = out[c].astype("float64").where(~blank)
    if shares and (any_small | extra).any():
        for c in shares:
            out[c] = np.nan
    return out


def with_complement(counts: pd.Series, hidden: pd.Series) -> pd.Series:
    """``hidden`` plus the groups to hide so that no hidden group follows by subtraction.

    When groups partition a total shown elsewhere (all buyers, all new customers, all
    segmented customers), one hidden group equals the total minus the visible ones. Hiding the
    next smallest group too leaves only the sum of two (secondary suppression). Groups of 0
    describe nobody and are never hidden with it.

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


def labelled_counts(df: pd.DataFrame, formats: Mapping[str, str] | None = None, *,
                    min_size: int = MIN_GROUP_SIZE, missing: str = "–",
                    units: Mapping[str, str] | None = None) -> pd.DataFrame:
    """``df`` for display: each flagged count column as text, hidden cells in words.

    Parameters
    ----------
    df : DataFrame
        A table with ``<count>_hidden`` flag columns (:func:`hide_groups`).
    formats : dict of str to str, optional
        Count column -> ``str.format`` pattern of its shown figures; default ``"{:,.0f}"``.
    min_size : int, default=MIN_GROUP_SIZE
    missing : str, default="–"
        Shown for a missing figure that is not hidden.
    units : mapping of str to str, optional
        Count column -> what its groups count when the figure shown counts something else,
        e.g. ``{"events": "shoppers"}`` (a funnel step is hidden by its shoppers): "fewer than 50 shoppers".

    Returns
    -------
    A copy where the count columns that have a hidden cell are text (``"1,234"``,
    ``"fewer than 50"``); columns without a hidden cell stay numbers. Flag columns stay.
    """
    formats, units = formats or {}, units or {}
    out = df.copy()
    for c in count_columns(df):
        reasons = df[flag_column(c)]
        if not reasons.notna().any():
            continue
        fmt = formats.get(c, "{:,.0f}")
        unit = f" {units[c]}" if c in units else ""
        out[c] = [cell_text(v, r, fmt, min_size=min_size, missing=missing) + (unit if pd.notna(r) else "")
                  for v, r in zip(df[c], reasons, strict=True)]
    return out


def integer_counts(df: pd.DataFrame) -> pd.DataFrame:
    """A copy where flagged count columns holding whole numbers are nullable integers (``Int64``).

    Hiding turns a count column into floats (NaN needs them); for JSON and CSV, where ``12.0``
    would read oddly, the counts go back to integers with missing cells.
    """
    out = df.copy()
    for c in count_columns(df):
        values = pd.to_numeric(out[c], errors="coerce")
        shown = values.dropna()
        if pd.api.types.is_numeric_dtype(values) and (shown == shown.round()).all():
            out[c] = values.round().astype("Int64")
    return out


def for_export(df: pd.DataFrame, *, min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """``df`` as written to a CSV download: numbers numeric, hidden cells empty, one note column.

    The flag columns are replaced by :data:`NOTE_COLUMN`, e.g. ``"customers: fewer than 50"``
    (``""`` on rows where nothing is hidden); a table without flags is returned unchanged.
    """
    flagged = count_columns(df)
    if not flagged:
        return df
    out = integer_counts(df)
    notes = [
        "; ".join(f"{c}: {hidden_label(r, min_size)}" for c, r in zip(flagged, row, strict=True)
                  if r is not None and r == r)
        for row in df[[flag_column(c) for c in flagged]].itertuples(index=False)
    ]
    return out.drop(columns=[flag_column(c) for c in flagged]).assign(**{NOTE_COLUMN: notes})
