"""Pareto/NBD: Poisson purchases at a gamma-distributed rate, exponential lifetimes at a gamma-distributed dropout rate.

This is the process the Omnimix generator uses (personas with an order rate and a yearly
churn).  Likelihood from Fader and Hardie (2005), "A note on deriving the Pareto/NBD model
and related expressions", eq. 22, in logs::

    log L = lnΓ(r+x) − lnΓ(r) + r ln α + s ln β
            + ln[ (α+T)^−(r+x) (β+T)^−s + s/(r+s+x) · A₀ ]

    A₀ = F(t_x) − F(T),   F(y) = ₂F₁(r+s+x, c; r+s+x+1; |α−β|/(m+y)) / (m+y)^(r+s+x)

with ``m = max(α, β)`` and ``c = s+1`` when α ≥ β, ``c = r+x`` otherwise.  The ₂F₁ is taken
after Euler's transformation, ``₂F₁(r+s+x, c; r+s+x+1; z) = (1−z)^(1−c) ·
₂F₁(1, r+s+x+1−c; r+s+x+1; z)``, whose series has terms at most ``z^k`` (so it stays
between 1 and 1/(1−z) and never overflows); ``A₀`` is formed in logs (``log F(t_x) +
log1p(−exp(log F(T) − log F(t_x)))``) and added by ``logaddexp``.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from scipy.special import gammaln, hyp2f1

from core.clv.base import check_rft, distinct_rows, factorise
from core.clv.repeat import RepeatPurchaseModel


def _log_f(params: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``log F(y)`` of the module docstring for customers with ``x`` repeat purchases."""
    r, alpha, s, beta = params
    rsx = r + s + x
    if alpha >= beta:
        m, c = alpha, s + 1 + 0 * x
    else:
        m, c = beta, r + x
    z = abs(alpha - beta) / (m + y)
    return (1 - c) * np.log1p(-z) + np.log(hyp2f1(1.0, rsx + 1 - c, rsx + 1, z)) - rsx * np.log(m + y)


def _log_a0_from(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``log A₀ = log(F(t_x) − F(T))`` from ``log F(t_x)`` and ``log F(T)`` (−inf when t_x = T)."""
    # invalid: at extreme trial parameters both logs overflow to the same infinity; the NaN makes
    # the objective infinite and the optimiser steps back (core.clv.base), which is the handling.
    with np.errstate(divide="ignore", invalid="ignore"):
        return lo + np.log1p(-np.minimum(np.exp(hi - lo), 1.0))


def _log_a0(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    return _log_a0_from(_log_f(params, x, t_x), _log_f(params, x, T))


def paretonbd_log_likelihood(params: np.ndarray, x: np.ndarray, t_x: np.ndarray, T: np.ndarray) -> np.ndarray:
    """Per-customer Pareto/NBD log-likelihood (see the module docstring) for ``params = (r, alpha, s, beta)``."""
    return _factorised_log_likelihood(x, t_x, T)(params)


def _factorised_log_likelihood(x: np.ndarray, t_x: np.ndarray, T: np.ndarray):
    """The log-likelihood as a function of the parameters; each ₂F₁ is evaluated once per distinct
    (x, t_x) and (x, T) pair, the gamma functions once per distinct x."""
    (px_lo, py_lo), _, i_lo = distinct_rows(x, t_x)
    (px_hi, py_hi), _, i_hi = distinct_rows(x, T)
    ux, ix = factorise(x)

    def log_likelihood(params: np.ndarray) -> np.ndarray:
        r, alpha, s, beta = params
        a1 = (gammaln(r + ux) - gammaln(r) - np.log(r + s + ux))[ix] + r * np.log(alpha) + s * np.log(beta)
        alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        log_a0 = _log_a0_from(_log_f(params, px_lo, py_lo)[i_lo], _log_f(params, px_hi, py_hi)[i_hi])
        died = np.log(s) + log_a0
        with np.errstate(invalid="ignore"):  # NaN from _log_a0_from's overflow, handled as above
            return a1 + np.logaddexp(alive + np.log(r + s + x), died)

    return log_likelihood


class ParetoNBDModel(RepeatPurchaseModel):
    """Pareto/NBD repeat-purchase model fitted by maximum likelihood (same interface as :class:`~core.clv.bgnbd.BetaGeoModel`).

    Parameters
    ----------
    penalizer : float, default=0.0
        L2 penalty on the four parameters added to the mean negative log-likelihood.

    Attributes
    ----------
    params_ : dict
        ``{"r", "alpha", "s", "beta"}``; ``r/alpha`` is the mean purchase rate per week of an
        active customer, ``s/beta`` the mean dropout rate per week.
    log_likelihood_ : float
    n_customers_ : int
    """

    name: ClassVar[str] = "Pareto/NBD"
    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "s", "beta")
    warm_start: ClassVar[bool] = False  # its fits take as many full-data iterations from a sample's optimum

    @staticmethod
    def _log_likelihood(params, x, t_x, T):
        return paretonbd_log_likelihood(params, x, t_x, T)

    @staticmethod
    def _likelihood_function(x, t_x, T):
        return _factorised_log_likelihood(x, t_x, T)

    def _start(self, x, t_x, T, w):
        mean_t = max(float(np.average(T, weights=w)), 1.0)
        return np.array([1.0, mean_t / 4, 1.0, mean_t])

    def _log_odds_dead(self, x, t_x, T):
        r, alpha, s, beta = self._params()
        params = np.array([r, alpha, s, beta])
        return (np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + T) + s * np.log(beta + T)
                + _log_a0(params, x, t_x, T))

    def probability_alive(self, frequency, recency, T) -> np.ndarray:
        """Probability that each customer is still active at T (Fader and Hardie 2005, eq. 18).

        ``1 / (1 + s/(r+s+x) · (α+T)^(r+x) (β+T)^s · A₀)``, computed in logs.
        """
        x, t_x, t = check_rft(frequency, recency, T)
        return np.exp(-np.logaddexp(0, self._log_odds_dead(x, t_x, t)))

    def predict_purchases(self, t, frequency, recency, T) -> np.ndarray:
        """Expected purchases in the next ``t`` weeks (Schmittlein, Morrison and Colombo 1987, eq. 22).

        ``P(alive) · (r+x)(β+T) / ((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)]``; the last two
        factors as ``−expm1((s−1)·ln u)/(s−1)`` (``ln(1/u)`` at ``s = 1``) so ``s`` near 1 is
        exact.

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
        r, alpha, s, beta = self._params()
        t = np.asarray(t, dtype=float)
        log_u = np.log(beta + T_) - np.log(beta + T_ + t)
        growth = -log_u if abs(s - 1) < 1e-10 else -np.expm1((s - 1) * log_u) / (s - 1)
        return self.probability_alive(x, t_x, T_) * (r + x) * (beta + T_) / (alpha + T_) * growth
