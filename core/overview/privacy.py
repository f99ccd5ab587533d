"""The Overview's figures as shown to people: groups of fewer than ``MIN_GROUP_SIZE`` customers hidden.

:mod:`core.overview.queries` returns exact figures (tests and other code rely on them); every page,
download and CLI output that describes groups of customers passes them through here first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.privacy import COMPLEMENT_LABEL, MIN_GROUP_SIZE, small_group_label, with_complement


def private_channel_counts(groups: pd.DataFrame, *, min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """:func:`customers_by_channel_count` as shown to people: groups under ``min_size`` hidden.

    A hidden group keeps its row, with ``"fewer than N"`` in ``customers`` and missing
    ``orders``, ``revenue``, ``revenue_per_customer`` and ``customer_share``.  An empty
    group describes nobody and stays visible as 0.  So that no hidden count can be worked
    out from the total, a lone hidden group takes the next smallest with it (shown as
    :data:`~core.privacy.COMPLEMENT_LABEL`), and the shares
    of buyers are dropped from every row whenever a group is hidden.
    """
    counts = groups["customers"]
    small = (counts > 0) & (counts < min_size)
    hidden = with_complement(counts, small)
    out = groups.copy()
    for col in ("orders", "revenue", "revenue_per_customer", "customer_share"):
        out[col] = out[col].astype("float64").where(~hidden)
    if hidden.any():
        out["customer_share"] = np.nan
    out["customers"] = (
        counts.astype(object).where(~small, small_group_label(min_size)).where(~hidden | small, COMPLEMENT_LABEL)
    )
    return out


def private_pair_overlap(pairs: pd.DataFrame, *, min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """:func:`channel_pair_overlap` as shown to people: groups of 1 to ``min_size - 1`` buyers hidden.

    Shared buyers and each channel's buyers are hidden when small (a pair with no shared
    buyer describes nobody and stays 0); the ratios of a row with a hidden count are missing.
    """
    out = pairs.copy()
    any_small = pd.Series(False, index=pairs.index)
    for col in ("customers_both", "customers_a", "customers_b"):
        small = (pairs[col] > 0) & (pairs[col] < min_size)
        any_small |= small
        out[col] = pairs[col].astype(object).where(~small, small_group_label(min_size))
    for col in ("jaccard", "share_of_a", "share_of_b"):
        if col in out:
            out[col] = out[col].astype("float64").where(~any_small)
    return out


def private_channel_share(share: pd.DataFrame, *, min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """:func:`channel_share` as shown to people: a channel's buyer count hidden when under ``min_size``.

    Revenue and orders per channel describe sales, not a group of people, and stay visible.
    """
    out = share.copy()
    small = (share["customers"] > 0) & (share["customers"] < min_size)
    out["customers"] = share["customers"].astype(object).where(~small, small_group_label(min_size))
    return out


def private_kpis(kpis: pd.DataFrame, *, min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """:func:`kpis` as shown to people: the buyer count hidden when under ``min_size`` in either period.

    Adds a boolean column ``hidden``; a hidden KPI has missing value, previous and changes.
    """
    out = kpis.copy()
    row = out["metric"] == "customers"
    values = out.loc[row, ["value", "previous"]].to_numpy(dtype=float)
    small = ((values > 0) & (values < min_size)).any()
    out["hidden"] = row & small
    out.loc[out["hidden"], ["value", "previous", "change", "change_pct"]] = np.nan
    return out
