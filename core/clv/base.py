"""What the repeat-purchase models share: input checks, one likelihood term per distinct customer, the optimiser.

Customers with the same (frequency, recency, T) have the same likelihood, so a model's
negative log-likelihood is evaluated once per distinct triple and weighted by how many
customers share it (:func:`group_rows`).  With recency and T measured in whole days, a
million customers reduce to a few hundred thousand distinct triples at most.

Parameters are fitted on their logarithms (all are positive) by L-BFGS-B; the objective is
the mean negative log-likelihood plus ``penalizer × Σ params²`` (the ``lifetimes`` package's
convention, so its penalised fits are comparable).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from core.errors import OmnimixError


def as_array(values: object, name: str) -> np.ndarray:
    """``values`` as a 1-D float array, or an error naming ``name`` when it is not finite and non-negative."""
    arr = np.asarray(values, dtype=float).reshape(-1)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise OmnimixError(f"{name} must be finite and not negative for every customer.")
    return arr


def check_rft(frequency: object, recency: object, T: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated ``(frequency, recency, T)`` arrays of equal length with ``recency <= T``.

    Raises
    ------
    OmnimixError
        When lengths differ, a value is negative or not finite, or a recency exceeds T.
    """
    x, t_x, T = as_array(frequency, "frequency"), as_array(recency, "recency"), as_array(T, "T")
    if not (len(x) == len(t_x) == len(T)):
        raise OmnimixError("frequency, recency and T must have one value per customer each.")
    if np.any(t_x > T + 1e-9):
        raise OmnimixError("recency cannot exceed T (weeks since the first purchase) for any customer.")
    if np.any((x == 0) & (t_x > 0)):
        raise OmnimixError("recency must be 0 for customers who never bought again (frequency 0).")
    return x, t_x, T


def group_rows(*columns: np.ndarray) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """The distinct rows of ``columns`` and how many customers share each.

    Returns
    -------
    (tuple of ndarray, ndarray)
        The distinct values per column and the weight (count) of each distinct row.
    """
    unique, counts, _ = distinct_rows(*columns)
    return unique, counts.astype(float)


def distinct_rows(*columns: np.ndarray) -> tuple[tuple[np.ndarray, ...], np.ndarray, np.ndarray]:
    """Distinct rows of ``columns`` (sorted), their counts and each input row's index into them.

    Hash-based: each column is factorised with sorted codes and the codes are folded into one
    dense integer key column by column (so the key never exceeds rows²), whose sorted
    factorisation orders the rows lexicographically.  About 3× faster than a ``lexsort`` on a
    million rows, with the same result.
    """
    n = len(columns[0])
    if n == 0:
        return tuple(np.asarray(c)[:0] for c in columns), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    key = np.zeros(n, dtype=np.int64)
    for i, column in enumerate(columns):
        codes, uniques = pd.factorize(np.asarray(column), sort=True)
        key = key * len(uniques) + codes
        if i < len(columns) - 1:
            key = pd.factorize(key, sort=True)[0].astype(np.int64)
    inverse, keys = pd.factorize(key, sort=True)
    representative = np.empty(len(keys), dtype=np.int64)
    representative[inverse] = np.arange(n)  # any row of a group stands for it: they are equal
    counts = np.bincount(inverse, minlength=len(keys))
    return tuple(np.asarray(c)[representative] for c in columns), counts, inverse.astype(np.int64)


def fit_log_params(
    neg_ll: Callable[[np.ndarray], np.ndarray], weights: np.ndarray, start: np.ndarray, penalizer: float
) -> tuple[np.ndarray, float]:
    """Minimise the weighted mean negative log-likelihood over log-parameters.

    Parameters
    ----------
    neg_ll : callable
        Maps a parameter vector (natural scale) to the per-row negative log-likelihood.  When
        it has an attribute ``gradient`` (parameters → per-row derivatives of the negative
        log-likelihood, shape (n_rows, n_params)), the optimiser uses it instead of finite
        differences.
    weights : ndarray of shape (n_rows,)
        Customers per row.
    start : ndarray
        Starting parameters (natural scale, positive).
    penalizer : float
        L2 penalty on the parameters.

    Returns
    -------
    (ndarray, float)
        Fitted parameters and the total (unpenalised) log-likelihood.
    """
    best = _minimise(neg_ll, weights, np.log(start), penalizer)
    if best.fun >= 1e99:
        raise OmnimixError("The model could not be fitted to these customers; their purchase history is too irregular.")
    params = np.exp(best.x)
    return params, float(-(weights @ neg_ll(params)))


def _minimise(neg_ll, weights: np.ndarray, log_start: np.ndarray, penalizer: float):
    total = weights.sum()
    gradient = getattr(neg_ll, "gradient", None)  # per-row d(−log L)/d(params), shape (n_rows, n_params)

    def objective(log_params: np.ndarray) -> float:
        params = np.exp(log_params)
        value = float(weights @ neg_ll(params)) / total + penalizer * float(params @ params)
        return value if np.isfinite(value) else 1e100

    def jacobian(log_params: np.ndarray) -> np.ndarray:
        params = np.exp(log_params)
        grad = (weights @ gradient(params)) / total * params + 2 * penalizer * params**2
        return grad if np.all(np.isfinite(grad)) else np.zeros_like(grad)

    best = None
    for shift in (0.0, np.log(0.1), np.log(10.0)):  # other starts only when the likelihood was never finite
        res = minimize(objective, log_start + shift, method="L-BFGS-B", jac=jacobian if gradient else None,
                       options={"maxiter": 2000, "ftol": 1e-12, "gtol": 1e-6})
        if best is None or res.fun < best.fun:
            best = res
        if res.fun < 1e99:  # a finite optimum (L-BFGS-B may report a line-search stop near it): done
            break
    return best


WARM_START_ROWS = 20_000
"""Above this many distinct rows, :func:`fit_warm` first fits a random sample of this size."""


def fit_warm(make_neg_ll: Callable[[np.ndarray], Callable[[np.ndarray], np.ndarray]], weights: np.ndarray,
             start: np.ndarray, penalizer: float) -> tuple[np.ndarray, float]:
    """:func:`fit_log_params`, started from a fit on a random sample of rows when there are many.

    Parameters
    ----------
    make_neg_ll : callable
        Maps an index array of rows to the per-row negative log-likelihood of those rows
        (a function of the parameters).
    weights, start, penalizer
        As for :func:`fit_log_params`.

    Notes
    -----
    The sample's optimum is within sampling error of the full one, so the full fit needs only
    a few iterations from there; the result is the full data's optimum either way.  The
    sample is drawn with a fixed seed, so fits are deterministic.
    """
    n = len(weights)
    if n > WARM_START_ROWS:
        rows = np.sort(np.random.default_rng(0).choice(n, WARM_START_ROWS, replace=False))
        warm = _minimise(make_neg_ll(rows), weights[rows], np.log(start), penalizer)
        if warm.fun < 1e99:
            start = np.exp(warm.x)
    return fit_log_params(make_neg_ll(np.arange(n)), weights, start, penalizer)


def factorise(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct ``values`` and each value's index into them (terms that depend on one column are computed per distinct value)."""
    unique, inverse = np.unique(values, return_inverse=True)
    return unique, inverse.reshape(-1)
