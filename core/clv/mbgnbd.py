"""MBG/NBD: BG/NBD whose customers may also drop out right after their first purchase.

Batislam, Denizel and Filiztekin (2007), "Empirical validation and comparison of models for
customer base analysis"; the ``lifetimes`` package's ``ModifiedBetaGeoFitter``.  Unlike the
BG/NBD, a one-time buyer can be inactive, so their probability alive falls with time::

    log L = lnΓ(r+x) − lnΓ(r) + r ln α + lnΓ(a+b) + lnΓ(b+x+1) − lnΓ(b) − lnΓ(a+b+x+1)
            + ln[ (α+T)^−(r+x) + a/(b+x) · (α+t_x)^−(r+x) ]
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from scipy.special import gammaln, hyp2f1

from core.clv.base import check_rft, factorise
from core.clv.repeat import RepeatPurchaseModel


def mbgnbd_log_likelihood(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Per-customer MBG/NBD log-likelihood (see the module docstring) for ``params = (r, alpha, a, b)``."""
    return _factorised_log_likelihood(x, t_x, T)(params)


def _factorised_log_likelihood(x: np.ndarray, t_x: np.ndarray, T: np.ndarray):
    ux, ix = factorise(x)
    ut, it = factorise(t_x)
    uT, iT = factorise(T)

    def log_likelihood(params: np.ndarray) -> np.ndarray:
        r, alpha, a, b = params
        per_x = (gammaln(r + ux) - gammaln(r) + r * np.log(alpha)
                 + gammaln(a + b) + gammaln(b + ux + 1) - gammaln(b) - gammaln(a + b + ux + 1))
        rx = r + x
        alive = -rx * np.log(alpha + uT)[iT]
        dropped = (np.log(a) - np.log(b + ux))[ix] - rx * np.log(alpha + ut)[it]
        return per_x[ix] + np.logaddexp(alive, dropped)

    return log_likelihood


class ModifiedBetaGeoModel(RepeatPurchaseModel):
    """MBG/NBD repeat-purchase model fitted by maximum likelihood (same interface as :class:`~core.clv.bgnbd.BetaGeoModel`).

    Parameters
    ----------
    penalizer : float, default=0.0
        L2 penalty on the four parameters added to the mean negative log-likelihood.

    Attributes
    ----------
    params_ : dict
        ``{"r", "alpha", "a", "b"}``.
    log_likelihood_ : float
    n_customers_ : int
    """

    name: ClassVar[str] = "MBG/NBD"
    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")

    @staticmethod
    def _log_likelihood(params, x, t_x, T):
        return mbgnbd_log_likelihood(params, x, t_x, T)

    @staticmethod
    def _likelihood_function(x, t_x, T):
        return _factorised_log_likelihood(x, t_x, T)

    def _start(self, x, t_x, T, w):
        return np.array([1.0, max(float(np.average(T, weights=w)) / 4, 1.0), 1.0, 1.0])

    def probability_alive(self, frequency, recency, T) -> np.ndarray:
        """``1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x))``, in logs."""
        x, t_x, t = check_rft(frequency, recency, T)
        r, alpha, a, b = self._params()
        log_odds = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + t) - np.log(alpha + t_x))
        return np.exp(-np.logaddexp(0, log_odds))

    def predict_purchases(self, t, frequency, recency, T) -> np.ndarray:
        """Expected purchases in the next ``t`` weeks (Batislam et al. 2007).

        ``(a+b+x)/(a−1) · [1 − (1−z)^(a−1) · ₂F₁(a+b−r, a−1; a+b+x; z)] · P(alive)``,
        ``z = t/(α+T+t)``: their ``₂F₁(r+x, b+x+1; a+b+x; z)`` form after Euler's transformation.

        Parameters
        ----------
        t : float or ndarray
            Weeks ahead: a number, or an array of shape (n_times, 1) for one row per time.
        frequency, recency, T : array-like of shape (n_customers,)

        Returns
        -------
        ndarray of shape (n_customers,)
        """
        x, t_x, T_ = check_rft(frequency, recency, T)
        r, alpha, a, b = self._params()
        if abs(a - 1) < 1e-8:
            a = 1 + 1e-8
        t = np.asarray(t, dtype=float)
        z = t / (alpha + T_ + t)
        bracket = 1 - (1 - z) ** (a - 1) * hyp2f1(a + b - r, a - 1, a + b + x, z)
        return (a + b + x) / (a - 1) * bracket * self.probability_alive(x, t_x, T_)
