"""The interface and fitting the repeat-purchase models share (BG/NBD, Pareto/NBD)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from core.clv.base import check_rft, fit_log_params, fit_warm, group_rows
from core.estimator import Estimator, Interval, check_is_fitted


class RepeatPurchaseModel(Estimator):
    """Base class of the repeat-purchase models: ``fit(frequency, recency, T)``, ``params_``,
    ``log_likelihood_``, ``probability_alive`` and ``predict_purchases``.

    A subclass sets ``name`` and ``param_names`` and implements ``_log_likelihood(params, x,
    t_x, T)``, ``_likelihood_function(x, t_x, T)`` (the per-row log-likelihood as a function of
    the parameters, optionally with a ``gradient`` attribute), ``_start``,
    ``probability_alive`` and ``predict_purchases``.

    Parameters
    ----------
    penalizer : float, default=0.0
        L2 penalty on the parameters added to the mean negative log-likelihood.
    """

    name: ClassVar[str] = ""
    param_names: ClassVar[tuple[str, ...]] = ()
    warm_start: ClassVar[bool] = True
    """Start from a fit on a sample of rows (:func:`~core.clv.base.fit_warm`) when there are many."""
    _parameter_constraints: ClassVar[dict] = {"penalizer": [Interval(float, 0, None)]}

    def __init__(self, penalizer: float = 0.0):
        self.penalizer = penalizer

    def fit(self, frequency, recency, T) -> RepeatPurchaseModel:
        """Fit the model to one row per customer.

        Parameters
        ----------
        frequency : array-like of shape (n_customers,)
            Repeat purchases (purchase days − 1).
        recency : array-like of shape (n_customers,)
            Weeks from the first to the last purchase.
        T : array-like of shape (n_customers,)
            Weeks from the first purchase to the end of the observation.

        Returns
        -------
        self
        """
        self._validate_params()
        x, t_x, t = check_rft(frequency, recency, T)
        (gx, gt_x, gT), w = group_rows(x, t_x, t)

        def make_neg_ll(rows):
            log_likelihood = self._likelihood_function(gx[rows], gt_x[rows], gT[rows])

            def neg_ll(p):
                return -log_likelihood(p)

            if hasattr(log_likelihood, "gradient"):
                neg_ll.gradient = lambda p: -log_likelihood.gradient(p)
            return neg_ll

        start, penalizer = self._start(gx, gt_x, gT, w), float(self.penalizer)
        if self.warm_start:
            params, ll = fit_warm(make_neg_ll, w, start, penalizer)
        else:
            params, ll = fit_log_params(make_neg_ll(np.arange(len(w))), w, start, penalizer)
        self.params_ = dict(zip(self.param_names, (float(v) for v in params), strict=True))
        self.log_likelihood_ = ll
        self.n_customers_ = len(x)
        return self

    def _params(self) -> tuple[float, ...]:
        check_is_fitted(self, "params_")
        return tuple(self.params_[k] for k in self.param_names)

    def log_likelihood(self, frequency, recency, T) -> np.ndarray:
        """Per-customer log-likelihood at the fitted parameters, ndarray of shape (n_customers,)."""
        x, t_x, t = check_rft(frequency, recency, T)
        return self._log_likelihood(np.array(self._params()), x, t_x, t)

    def probability_alive(self, frequency, recency, T) -> np.ndarray:
        """Probability that each customer is still active at T, ndarray of shape (n_customers,)."""
        raise NotImplementedError

    def predict_purchases(self, t, frequency, recency, T) -> np.ndarray:
        """Expected purchases in the next ``t`` weeks, ndarray of shape (n_customers,)."""
        raise NotImplementedError
