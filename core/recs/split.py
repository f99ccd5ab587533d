"""Splits for offline evaluation: by time (the last ``holdout_weeks`` weeks held out, the default) or per customer at random.

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


@dataclass(frozen=True)
class RandomSplit:
    """A per-customer random holdout: ``test_share`` of each customer's purchased products, drawn with ``seed``.

    Attributes
    ----------
    test_share : float
    seed : int
    train : DataFrame
        The log without any interaction (purchase, cart or view) with a held-out
        (customer, product) pair, so a held-out purchase cannot leak through a view of it.
    truth : DataFrame with ``customer_idx`` and ``product_idx``: the held-out pairs, sorted.
    """

    test_share: float
    seed: int
    train: pd.DataFrame
    truth: pd.DataFrame


def check_test_share(test_share: object) -> float:
    """``test_share`` as a float strictly between 0 and 1, else an error naming it."""
    if isinstance(test_share, bool) or not isinstance(test_share, (int, float, np.integer, np.floating)) or not (
            0 < float(test_share) < 1):
        raise OmnimixError(f"test_share must be a number between 0 and 1 (exclusive), got {test_share!r}.")
    return float(test_share)


def random_split(log: pd.DataFrame, *, test_share: float = 0.25, seed: int = 0) -> RandomSplit:
    """Hold out ``round(test_share × n)`` of each customer's ``n`` distinct purchased products (at most ``n − 1``).

    The usual split of published ratings benchmarks (e.g. MovieLens 75/25 per user), beside
    the default :func:`time_split`.  A customer with one purchased product keeps it in training.
    The same ``log`` and ``seed`` give the same split (pairs are drawn in sorted order).

    Raises
    ------
    OmnimixError
        When ``test_share`` is not between 0 and 1, or nothing can be held out.
    """
    test_share = check_test_share(test_share)
    buys = log.loc[is_kind(log, C.PURCHASE), [C.CUSTOMER_IDX, C.PRODUCT_IDX]]
    if buys.empty:
        raise OmnimixError("There are no purchases to evaluate recommendations on.")
    pairs = buys.drop_duplicates().sort_values([C.CUSTOMER_IDX, C.PRODUCT_IDX]).reset_index(drop=True)
    draw = np.random.default_rng(seed).random(len(pairs))
    order = np.lexsort((draw, pairs[C.CUSTOMER_IDX].to_numpy()))
    pairs = pairs.iloc[order].reset_index(drop=True)
    cust = pairs[C.CUSTOMER_IDX].to_numpy()
    sizes = pairs.groupby(C.CUSTOMER_IDX).size()
    n = sizes.reindex(cust).to_numpy()
    position = pairs.groupby(C.CUSTOMER_IDX).cumcount().to_numpy()
    n_test = np.minimum(np.floor(test_share * n + 0.5), n - 1)
    truth = pairs[position < n_test].sort_values([C.CUSTOMER_IDX, C.PRODUCT_IDX]).reset_index(drop=True)
    if truth.empty:
        raise OmnimixError(f"test_share={test_share} holds out nothing: every customer bought a single product.")
    n_products = int(max(log[C.PRODUCT_IDX].max(), truth[C.PRODUCT_IDX].max())) + 1
    key = log[C.CUSTOMER_IDX].to_numpy(np.int64) * n_products + log[C.PRODUCT_IDX].to_numpy(np.int64)
    held = truth[C.CUSTOMER_IDX].to_numpy(np.int64) * n_products + truth[C.PRODUCT_IDX].to_numpy(np.int64)
    return RandomSplit(test_share, seed, log[~np.isin(key, held)], truth)
