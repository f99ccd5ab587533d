"""BG/NBD: Poisson purchases at a gamma-distributed rate, a beta-distributed chance of dropping out after each purchase.

Fader, Hardie and Lee (2005), "Counting your customers the easy way", equations 6, 9, 10.
For a customer with ``x`` repeat purchases, the last at ``t_x``, observed for ``T`` weeks::

    log L = lnΓ(r+x) − lnΓ(r) + r ln α + lnΓ(a+b) + lnΓ(b+x) − lnΓ(b) − lnΓ(a+b+x)
            + ln[ (α+T)^−(r+x) + 1{x>0} · a/(b+x−1) · (α+t_x)^−(r+x) ]

the last term by ``logaddexp`` so large ``x`` never overflows.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from scipy.special import digamma, gammaln, hyp2f1

from core.clv.base import check_rft, distinct_rows, factorise
from core.clv.repeat import RepeatPurchaseModel


def bgnbd_log_likelihood(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood (see the module docstring) for ``params = (r, alpha, a, b)``."""
    return _factorised_log_likelihood(x, t_x, T)(params)


def _factorised_log_likelihood(x: np.ndarray, t_x: np.ndarray, T: np.ndarray):
    """The log-likelihood as a function of the parameters, with every term that depends on one
    column (gamma functions of x, logs of α + t_x and α + T) computed once per distinct value."""
    ux, ix = factorise(x)
    ut, it = factorise(t_x)
    uT, iT = factorise(T)
    repeat = x > 0

    def log_likelihood(params: np.ndarray) -> np.ndarray:
        r, alpha, a, b = params
        per_x = (gammaln(r + ux) - gammaln(r) + r * np.log(alpha)
                 + gammaln(a + b) + gammaln(b + ux) - gammaln(b) - gammaln(a + b + ux))
        with np.errstate(divide="ignore", invalid="ignore"):
            odds_x = np.log(a) - np.log(np.maximum(b + ux - 1, 1e-300))
        rx = r + x
        a3 = -rx * np.log(alpha + uT)[iT]
        a4 = np.where(repeat, odds_x[ix] - rx * np.log(alpha + ut)[it], -np.inf)
        return per_x[ix] + np.logaddexp(a3, a4)

    def gradient(params: np.ndarray) -> np.ndarray:
        """Per-row derivatives of the log-likelihood by (r, alpha, a, b), shape (n_rows, 4)."""
        r, alpha, a, b = params
        rx = r + x
        log_at, log_aT = np.log(alpha + ut)[it], np.log(alpha + uT)[iT]
        with np.errstate(divide="ignore", invalid="ignore"):
            odds_x = np.log(a) - np.log(np.maximum(b + ux - 1, 1e-300))
        a3 = -rx * log_aT
        a4 = np.where(repeat, odds_x[ix] - rx * log_at, -np.inf)
        w4 = np.exp(a4 - np.logaddexp(a3, a4))  # share of the "dropped out at t_x" term
        w3 = 1 - w4
        psi_ab, psi_abx = digamma(a + b), digamma(a + b + ux)
        d_r = (digamma(r + ux) - digamma(r) + np.log(alpha))[ix] - w3 * log_aT - w4 * log_at
        d_alpha = r / alpha - rx * (w3 / (alpha + uT)[iT] + w4 / (alpha + ut)[it])
        d_a = (psi_ab - psi_abx)[ix] + w4 / a
        with np.errstate(divide="ignore", invalid="ignore"):
            inv_bx = np.where(ux > 0, 1 / np.maximum(b + ux - 1, 1e-300), 0.0)
        d_b = (psi_ab + digamma(b + ux) - digamma(b) - psi_abx)[ix] - w4 * inv_bx[ix]
        return np.column_stack([d_r, d_alpha, d_a, d_b])

    log_likelihood.gradient = gradient
    return log_likelihood


class BetaGeoModel(RepeatPurchaseModel):
    """BG/NBD repeat-purchase model fitted by maximum likelihood.

    Parameters
    ----------
    penalizer : float, default=0.0
        L2 penalty on the four parameters added to the mean negative log-likelihood.

    Attributes
    ----------
    params_ : dict
        ``{"r", "alpha", "a", "b"}``; ``r/alpha`` is the mean purchase rate per week of an
        active customer, ``a/(a+b)`` the mean chance of dropping out after a purchase.
    log_likelihood_ : float
        Total log-likelihood at ``params_``.
    n_customers_ : int

    Examples
    --------
    >>> m = BetaGeoModel().fit([2, 1, 0, 0, 3] * 10, [30.4, 1.7, 0, 0, 20.0] * 10, [38.9] * 50)
    >>> sorted(m.params_)
    ['a', 'alpha', 'b', 'r']
    """

    name: ClassVar[str] = "BG/NBD"
    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")

    @staticmethod
    def _log_likelihood(params, x, t_x, T):
        return bgnbd_log_likelihood(params, x, t_x, T)

    @staticmethod
    def _likelihood_function(x, t_x, T):
        """The per-row log-likelihood as a function of the parameters (precomputing what it can)."""
        return _factorised_log_likelihood(x, t_x, T)

    def _start(self, x: np.ndarray, t_x: np.ndarray, T: np.ndarray, w: np.ndarray) -> np.ndarray:
        return np.array([1.0, max(float(np.average(T, weights=w)) / 4, 1.0), 1.0, 1.0])

    def probability_alive(self, frequency, recency, T) -> np.ndarray:
        """Probability that each customer is still active at T (FHL 2005, eq. 12).

        ``1 / (1 + 1{x>0} · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))``; customers who never bought
        again get 1 (the BG/NBD assumes nobody drops out before a repeat purchase).
        """
        x, t_x, t = check_rft(frequency, recency, T)
        r, alpha, a, b = self._params()
        with np.errstate(divide="ignore", invalid="ignore"):
            log_odds = np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + (r + x) * (np.log(alpha + t) - np.log(alpha + t_x))
        return np.where(x > 0, np.exp(-np.logaddexp(0, log_odds)), 1.0)

    def predict_purchases(self, t, frequency, recency, T) -> np.ndarray:
        """Expected purchases in the next ``t`` weeks for each customer (FHL 2005, eq. 10).

        ``(a+b+x−1)/(a−1) · [1 − (1−z)^(a−1) · ₂F₁(a+b−1−r, a−1; a+b+x−1; z)] · P(alive)``
        with ``z = t/(α+T+t)``: eq. 10 after Euler's transformation of its ₂F₁, which keeps the
        hypergeometric term bounded for customers with many purchases.

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
        if abs(a - 1) < 1e-8:  # the limit a → 1 of the formula
            a = 1 + 1e-8
        t = np.asarray(t, dtype=float)
        # The ₂F₁ depends on (x, T) only: evaluated once per distinct pair.
        (ux, uT), _, pair = distinct_rows(x, T_)
        z = t / (alpha + uT + t)
        bracket = 1 - (1 - z) ** (a - 1) * hyp2f1(a + b - 1 - r, a - 1, a + b + ux - 1, z)
        return (a + b + x - 1) / (a - 1) * bracket[..., pair] * self.probability_alive(x, t_x, T_)
