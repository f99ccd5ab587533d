"""Time-based split for offline evaluation: the last ``holdout_weeks`` weeks are held out.

Training sees every purchase, cart and view *before* the cutoff; the truth is what each
customer bought *on or after* it.  Products the customer had already bought before the cutoff
are not counted as truth, because every recommender excludes already-bought products.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from core.errors import OmnimixError
from core.recs import columns as C
from core.recs.checks import check_positive_int
from core.recs.interactions import is_kind


@dataclass(frozen=True)
class TimeSplit:
    """A log split at ``cutoff``: ``train`` has ``ts < cutoff``, ``test`` has ``ts >= cutoff``."""

    cutoff: pd.Timestamp
    holdout_weeks: int
    train: pd.DataFrame
    test: pd.DataFrame


def time_split(log: pd.DataFrame, *, holdout_weeks: int = 8) -> TimeSplit:
    """Split ``log`` (see :func:`core.recs.interactions.load_log`) at midnight ``holdout_weeks`` weeks before its end.

    Raises
    ------
    OmnimixError
        When ``holdout_weeks`` is not a positive whole number, or either side has no purchases.
    """
    holdout_weeks = check_positive_int(holdout_weeks, "holdout_weeks")
    buys = is_kind(log, C.PURCHASE)
    if not buys.any():
        raise OmnimixError("There are no purchases to evaluate recommendations on.")
    end = pd.Timestamp(log.loc[buys, C.TS].max()).normalize() + pd.Timedelta(days=1)
    cutoff = end - pd.Timedelta(weeks=holdout_weeks)
    ts = log[C.TS]
    train, test = log[ts < cutoff], log[ts >= cutoff]
    first = pd.Timestamp(log.loc[buys, C.TS].min()).date()
    if not is_kind(train, C.PURCHASE).any():
        raise OmnimixError(
            f"holdout_weeks={holdout_weeks} holds out all purchases (they start on {first}); choose fewer weeks."
        )
    return TimeSplit(cutoff, holdout_weeks, train, test)


def holdout_truth(split: TimeSplit, bought_before: sp.spmatrix) -> pd.DataFrame:
    """Distinct (customer, product) purchases after the cutoff that were not bought before it.

    Parameters
    ----------
    split : TimeSplit
    bought_before : scipy.sparse matrix of shape (n_customers, n_products)
        Purchases in the training part (``Interactions.bought``).

    Returns
    -------
    DataFrame with ``customer_idx`` and ``product_idx``.
    """
    test = split.test[is_kind(split.test, C.PURCHASE)]
    pairs = test[[C.CUSTOMER_IDX, C.PRODUCT_IDX]].drop_duplicates()
    seen = np.asarray(bought_before[pairs[C.CUSTOMER_IDX].to_numpy(), pairs[C.PRODUCT_IDX].to_numpy()]).ravel() > 0
    return pairs[~seen].sort_values([C.CUSTOMER_IDX, C.PRODUCT_IDX]).reset_index(drop=True)
