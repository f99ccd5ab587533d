"""The Overview's figures as shown to people: groups of fewer than ``MIN_GROUP_SIZE`` customers hidden.

:mod:`core.overview.queries` returns exact figures (tests and other code rely on them); every page,
download and CLI output that describes groups of customers passes them through here first.
Hidden counts are missing values with a ``<count>_hidden`` flag (:mod:`core.privacy`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.privacy import MIN_GROUP_SIZE, hide_groups


def private_channel_counts(groups: pd.DataFrame, *, min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """:func:`customers_by_channel_count` as shown to people: groups under ``min_size`` hidden.

    A hidden group keeps its row, with a missing ``customers`` flagged in ``customers_hidden``
    and missing ``orders``, ``revenue``, ``revenue_per_customer`` and ``customer_share``.  An
    empty group describes nobody and stays visible as 0.  So that no hidden count can be worked
    out from the total, a lone hidden group takes the next smallest with it (flagged
    :data:`~core.privacy.COMPLEMENT`), and the shares of buyers are dropped from every row
    whenever a group is hidden.
    """
    return hide_groups(groups, "customers", min_size=min_size, keep_zero=True, partition=True,
                       value_columns=["orders", "revenue", "revenue_per_customer", "customer_share"],
                       shares=["customer_share"])


def private_pair_overlap(pairs: pd.DataFrame, *, min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """:func:`channel_pair_overlap` as shown to people: groups of 1 to ``min_size - 1`` buyers hidden.

    Shared buyers and each channel's buyers are hidden when small (a pair with no shared
    buyer describes nobody and stays 0); the ratios of a row with a hidden count are missing.
    """
    ratios = [c for c in ("jaccard", "share_of_a", "share_of_b") if c in pairs]
    return hide_groups(pairs, ["customers_both", "customers_a", "customers_b"], min_size=min_size,
                       keep_zero=True, nested=False, value_columns=ratios)


def private_channel_share(share: pd.DataFrame, *, min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """:func:`channel_share` as shown to people: a channel's buyer count hidden when under ``min_size``.

    Revenue and orders per channel describe sales, not a group of people, and stay visible.
    """
    return hide_groups(share, "customers", min_size=min_size, keep_zero=True, value_columns=[])


def private_kpis(kpis: pd.DataFrame, *, min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """:func:`kpis` as shown to people: the buyer count hidden when under ``min_size`` in either period.

    Adds a boolean column ``hidden``; a hidden KPI has missing value, previous and changes
    (the KPI table is long, one row per metric, so the flag is per row).
    """
    out = kpis.copy()
    row = out["metric"] == "customers"
    values = out.loc[row, ["value", "previous"]].to_numpy(dtype=float)
    small = ((values > 0) & (values < min_size)).any()
    out["hidden"] = row & small
    out.loc[out["hidden"], ["value", "previous", "change", "change_pct"]] = np.nan
    return out
