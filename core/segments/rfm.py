"""The classic RFM lens: recency, frequency and monetary quintile scores and named groups.

Each score is 1-5 by quintile of the customers in the filter (5 = most recent, most orders,
most revenue).  Ties share a score: the score comes from the customer's average percentile
rank, so the many customers with exactly one order all get the same frequency score.  The
named groups follow the usual marketing convention, first matching rule wins:

=====================  ==========================================================
Champions              R ≥ 4, F ≥ 4, M ≥ 4: bought recently, often and a lot.
Loyal                  R ≥ 3, F ≥ 4: buy often.
New                    R ≥ 4, F = 1: first purchase recently.
Potential loyalists    R ≥ 4: recent, not yet frequent.
At risk                R ≤ 2, F ≥ 3: used to buy often, not lately.
Lapsed                 R ≤ 2: neither recent nor frequent.
Needs attention        everyone else (middling recency).
=====================  ==========================================================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.privacy import MIN_GROUP_SIZE, hide_groups
from core.segments.columns import CUSTOMER, F_SCORE, M_SCORE, R_SCORE, RFM_GROUP, RFM_SCORE
from core.segments.features import FREQUENCY, MONETARY, RECENCY

RFM_GROUPS: dict[str, str] = {
    "Champions": "Bought recently, often and a lot.",
    "Loyal": "Buy often; not necessarily the biggest baskets.",
    "New": "First purchase recently.",
    "Potential loyalists": "Recent buyers who have not yet bought often.",
    "At risk": "Used to buy often, but not for a while.",
    "Lapsed": "Neither recent nor frequent buyers.",
    "Needs attention": "Middling recency; nudge them before they drift away.",
}
"""Named RFM groups, in rule order, with their meaning."""


def quintile_score(values: pd.Series | np.ndarray, *, higher_is_better: bool = True) -> np.ndarray:
    """Score 1-5 by quintile of the average percentile rank (ties share a score).

    Examples
    --------
    >>> quintile_score(np.array([1, 1, 1, 2, 3, 4, 5, 6, 7, 8])).tolist()
    [1, 1, 1, 2, 3, 3, 4, 4, 5, 5]
    """
    x = np.asarray(values, dtype=np.float64)
    ranks = pd.Series(x if higher_is_better else -x).rank(method="average", pct=True).to_numpy()
    return np.clip(np.ceil(ranks * 5 - 1e-9), 1, 5).astype(np.int64)


def _group(r: np.ndarray, f: np.ndarray, m: np.ndarray) -> np.ndarray:
    conditions = [
        (r >= 4) & (f >= 4) & (m >= 4),
        (r >= 3) & (f >= 4),
        (r >= 4) & (f == 1),
        r >= 4,
        (r <= 2) & (f >= 3),
        r <= 2,
    ]
    names = list(RFM_GROUPS)
    return np.select(conditions, names[: len(conditions)], default=names[len(conditions)])


def rfm_table(table: pd.DataFrame) -> pd.DataFrame:
    """RFM scores and group per customer.

    Parameters
    ----------
    table : pandas.DataFrame
        Feature table with ``customer_id``, ``recency_days``, ``frequency``, ``monetary``.

    Returns
    -------
    pandas.DataFrame with ``customer_id``, ``r_score``, ``f_score``, ``m_score`` (1-5),
    ``rfm_score`` (e.g. "545") and ``rfm_group``, one row per customer in input order.
    """
    r = quintile_score(table[RECENCY], higher_is_better=False)
    f = quintile_score(table[FREQUENCY])
    m = quintile_score(table[MONETARY])
    return pd.DataFrame({
        CUSTOMER: table[CUSTOMER].to_numpy(),
        R_SCORE: r, F_SCORE: f, M_SCORE: m,
        RFM_SCORE: [f"{a}{b}{c}" for a, b, c in zip(r, f, m, strict=True)],
        RFM_GROUP: _group(r, f, m),
    })


def rfm_groups(rfm: pd.DataFrame, revenue: pd.Series, *, min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """Customers and revenue per named RFM group, as shown to people.

    Parameters
    ----------
    rfm : pandas.DataFrame
        :func:`rfm_table` output.
    revenue : pandas.Series
        Revenue (EUR) per customer, indexed by ``customer_id``.
    min_size : int, default=MIN_GROUP_SIZE

    Returns
    -------
    pandas.DataFrame with ``rfm_group``, ``meaning``, ``customers``, ``revenue``,
    ``customer_share`` and ``revenue_share``, one row per group with customers, in
    :data:`RFM_GROUPS` order. The groups add up to the customers segmented, so small groups
    and, when one is alone, the next smallest are hidden (:func:`core.privacy.hide_groups` with ``partition=True``).
    """
    table = (rfm.assign(revenue=revenue.reindex(rfm[CUSTOMER]).to_numpy())
             .groupby(RFM_GROUP).agg(customers=(CUSTOMER, "size"), revenue=("revenue", "sum"))
             .reindex(list(RFM_GROUPS)).dropna(subset=["customers"]).reset_index())
    table["customers"] = table["customers"].astype("int64")
    table["customer_share"] = table["customers"] / table["customers"].sum()
    table["revenue_share"] = table["revenue"] / table["revenue"].sum()
    table.insert(1, "meaning", table[RFM_GROUP].map(RFM_GROUPS))
    return hide_groups(table, "customers", min_size=min_size, partition=True,
                       value_columns=["revenue", "customer_share", "revenue_share"])
