"""Segment membership for export, with small segments merged so nobody is singled out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from core.privacy import MIN_GROUP_SIZE, hide_groups, is_hidden
from core.segments.columns import CUSTOMER, CUSTOMERS, DESCRIPTION, NAME, OTHER, SEGMENT


def membership(customer_ids: Sequence[str] | pd.Series, labels: np.ndarray, names: Mapping[int, str], *,
               min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """One row per customer: ``customer_id``, ``segment``, ``name``.

    Parameters
    ----------
    customer_ids : sequence of str, length n_customers
    labels : ndarray of shape (n_customers,), int
        Segment of each customer, 0-based (as :attr:`Segmenter.labels_`); exported 1-based.
    names : mapping of int to str
        Segment number (1-based) -> name, as :meth:`SegmentProfiles.names`.
    min_size : int, default=MIN_GROUP_SIZE (50)
        Segments with fewer customers are exported as segment ``"Other"`` with name ``"Other"``.

    Returns
    -------
    pandas.DataFrame of shape (n_customers, 3); ``segment`` is text ("1", "2", ..., "Other").
    """
    if min_size < 1:
        raise ValueError(f"min_size must be at least 1, got {min_size}")
    labels = np.asarray(labels)
    if len(customer_ids) != labels.shape[0]:
        raise ValueError(f"{len(customer_ids)} customer ids but {labels.shape[0]} labels")
    seg = labels + 1
    counts = np.bincount(seg)
    small = counts[seg] < min_size
    segment = np.where(small, OTHER, seg.astype(str))
    lookup = np.array([names.get(i, OTHER) for i in range(counts.shape[0])], dtype=object)
    name = np.where(small, OTHER, lookup[seg])
    return pd.DataFrame({CUSTOMER: np.asarray(customer_ids, dtype=object), SEGMENT: segment, NAME: name})


def write_membership(df: pd.DataFrame, path: str) -> int:
    """Write :func:`membership`'s table as CSV (UTF-8, header); returns the rows written."""
    df.to_csv(path, index=False)
    return len(df)


def public_profiles(summary: pd.DataFrame, means: pd.DataFrame, *, min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """Profile table fit to show or export: summary plus feature means, small segments hidden.

    Parameters
    ----------
    summary : pandas.DataFrame
        :attr:`SegmentProfiles.summary`.
    means : pandas.DataFrame
        :attr:`SegmentProfiles.means` (index: segment).
    min_size : int, default=MIN_GROUP_SIZE

    Returns
    -------
    pandas.DataFrame, one row per segment; segments under ``min_size`` customers have a
    missing size flagged in ``customers_hidden`` (:mod:`core.privacy`) and no figures, description or name (a name such as
    "High-value social one-timers" is a figure in words). The segments add up to the
    customers segmented, which is shown, so a lone small segment hides the next smallest too
    (``partition`` of :func:`core.privacy.hide_groups`).
    """
    table = summary.merge(means, left_on=SEGMENT, right_index=True, how="left")
    values = [c for c in table.columns if c not in (SEGMENT, CUSTOMERS) and pd.api.types.is_numeric_dtype(table[c])]
    out = hide_groups(table, CUSTOMERS, min_size=min_size, value_columns=values, partition=True)
    hidden = is_hidden(out, CUSTOMERS)
    out[DESCRIPTION] = out[DESCRIPTION].where(~hidden, f"Figures hidden to protect groups of fewer than {min_size} customers.")
    out[NAME] = out[NAME].where(~hidden, HIDDEN_NAME)
    return out


HIDDEN_NAME = "Hidden segment"
"""Name shown for a segment whose figures are hidden by the minimum group size."""


def public_names(profiles: pd.DataFrame) -> dict[int, str]:
    """Segment number -> name as shown, from :func:`public_profiles`' table."""
    return dict(zip(profiles[SEGMENT].astype(int), profiles[NAME], strict=True))
