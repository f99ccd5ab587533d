"""From the feature table to the matrix K-means clusters on.

Steps, each for a reason:

1. Keep the clustering columns of the chosen feature groups
   (:meth:`CustomerFeatures.cluster_columns`).
2. ``log1p`` the skewed amounts (revenue-like and count-like features with a long right tail)
   so a few big spenders do not become clusters of their own.
3. Square-root the shares (channel and category mix).  Euclidean distance between square-rooted
   compositions is the Hellinger distance, which weighs a move from 0 % to 10 % more than one
   from 60 % to 70 %: "never buys in store" versus "sometimes does" is the signal.
4. Standardise every column (mean 0, standard deviation 1).
5. Balance the groups: every column of a group is divided by the square root of the group's
   column count, so each chosen group carries the same total variance and the eight category
   shares do not outvote the handful of behaviour features.

:func:`evidence_weights` gives each customer a K-means sample weight growing with their
number of orders (capped): a customer with one order has a one-hot channel mix that says
little, so centroids are shaped mostly by customers with enough history to be typical.
Every customer still gets a segment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.estimator import Estimator, check_is_fitted
from core.segments.features import BASE_FEATURES, FEATURE_GROUPS, FREQUENCY, CustomerFeatures, validate_groups

EVIDENCE_CAP = 10
"""Orders beyond which a customer's sample weight stops growing."""


class Preprocessor(Estimator):
    """Log, square-root, standardise and balance the features of the chosen groups.

    Parameters
    ----------
    groups : tuple or list of str, or str such as "rfm,channel", default=("rfm", "channel", "category")
        Feature groups to cluster on, see :data:`core.segments.features.FEATURE_GROUPS`.

    Attributes
    ----------
    columns_ : list of str
        Feature columns used, in matrix order.
    mean_, scale_ : ndarray of shape (n_columns,)
        Mean and standard deviation of each transformed column (scale 1 for constant columns).
    weights_ : ndarray of shape (n_columns,)
        Group-balancing factor of each column (1 / sqrt(columns in its group)).
    """

    _parameter_constraints = {"groups": [tuple, list, str]}

    def __init__(self, *, groups: tuple[str, ...] | list[str] | str = FEATURE_GROUPS) -> None:
        self.groups = groups

    def fit(self, features: CustomerFeatures) -> Preprocessor:
        """Learn the columns, means and scales from ``features``; returns self."""
        self._validate_params()
        groups = validate_groups(self.groups)
        self.columns_ = features.cluster_columns(groups)
        self._log = np.array([c in BASE_FEATURES and BASE_FEATURES[c].skewed for c in self.columns_])
        self._sqrt = np.array([features.units.get(c) == "share" and c not in BASE_FEATURES for c in self.columns_])
        raw = self._shape(features.table)
        self.mean_ = raw.mean(axis=0)
        std = raw.std(axis=0)
        self.scale_ = np.where(std > 1e-12, std, 1.0)
        group_of = {c: g for g in groups for c in features.groups[g] if c in self.columns_}
        size = pd.Series(group_of).value_counts()
        self.weights_ = np.array([1.0 / np.sqrt(size[group_of[c]]) for c in self.columns_])
        return self

    def transform(self, table: pd.DataFrame) -> np.ndarray:
        """The clustering matrix.

        Parameters
        ----------
        table : pandas.DataFrame of shape (n_customers, ...)
            Holds at least :attr:`columns_`.

        Returns
        -------
        ndarray of shape (n_customers, n_columns), float64
        """
        check_is_fitted(self, "columns_")
        return (self._shape(table) - self.mean_) / self.scale_ * self.weights_

    def fit_transform(self, features: CustomerFeatures) -> np.ndarray:
        return self.fit(features).transform(features.table)

    def _shape(self, table: pd.DataFrame) -> np.ndarray:
        x = table[self.columns_].to_numpy(dtype=np.float64, copy=True)
        # Features are non-negative by definition; clip guards log/sqrt against rounding below 0.
        np.clip(x, 0.0, None, out=x)
        x[:, self._log] = np.log1p(x[:, self._log])
        x[:, self._sqrt] = np.sqrt(x[:, self._sqrt])
        return x


def evidence_weights(table: pd.DataFrame, *, cap: int = EVIDENCE_CAP) -> np.ndarray:
    """K-means sample weight per customer: number of orders, capped at ``cap``.

    Parameters
    ----------
    table : pandas.DataFrame
        Feature table with the ``frequency`` column.
    cap : int, default=EVIDENCE_CAP

    Returns
    -------
    ndarray of shape (n_customers,), float64, between 1 and ``cap``.
    """
    return np.clip(table[FREQUENCY].to_numpy(dtype=np.float64), 1.0, float(cap))
