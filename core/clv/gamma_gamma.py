"""Gamma-Gamma spend model: each customer's mean order value, shrunk toward the population's.

Fader, Hardie and Lee (2005), "RFM and CLV: using iso-value curves for customer base
analysis", and Fader and Hardie's note "The Gamma-Gamma model of monetary value" (eq. 4).
A repeat buyer with ``x`` repeat purchases of mean value ``m``::

    log L = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln v + (px−1) ln m + px ln x − (px+q) ln(v + x m)

The model assumes spend per order is independent of purchase frequency; fit it on repeat
buyers only (customers with ``frequency > 0`` and a positive ``monetary_value``).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from scipy.special import digamma, gammaln, polygamma

from core.clv.base import as_array, factorise, fit_warm, group_rows
from core.errors import OmnimixError
from core.estimator import Estimator, Interval, check_is_fitted


def gamma_gamma_log_likelihood(params: np.ndarray, x: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Per-customer Gamma-Gamma log-likelihood (see the module docstring) for ``params = (p, q, v)``."""
    p, q, v = params
    px = p * x
    return (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v) + (px - 1) * np.log(m)
            + px * np.log(x) - (px + q) * np.log(v + x * m))


def _check(frequency: object, monetary_value: object) -> tuple[np.ndarray, np.ndarray]:
    x, m = as_array(frequency, "frequency"), as_array(monetary_value, "monetary_value")
    if len(x) != len(m):
        raise OmnimixError("frequency and monetary_value must have one value per customer each.")
    return x, m


def _newton_polish(neg_ll, weights: np.ndarray, params: np.ndarray, penalizer: float) -> np.ndarray:
    """Newton steps on the penalised mean negative log-likelihood from the L-BFGS-B optimum.

    p, q and v are strongly correlated (the mean spend ``p·v/(q−1)`` is pinned down far more
    tightly than each), so L-BFGS-B's stopping rules leave the parameters ~1e-6 from the optimum
    and the result depends on the start (sampled warm start or not).  Newton's method with the
    analytic Hessian converges quadratically from there, to ~1e-12.  A step is kept only while it
    shrinks the gradient, so an odd Hessian cannot move the fit away from L-BFGS-B's optimum.
    """
    total = weights.sum()

    def grad_hess(theta):
        g = weights @ neg_ll.gradient(theta) / total + 2 * penalizer * theta
        h = np.einsum("i,ijk->jk", weights, neg_ll.hessian(theta)) / total + 2 * penalizer * np.eye(len(theta))
        return g, h

    g, h = grad_hess(params)
    for _ in range(8):
        try:
            step = np.linalg.solve(h, g)
        except np.linalg.LinAlgError:
            break
        candidate = params - step
        if not (np.all(np.isfinite(candidate)) and np.all(candidate > 0)):
            break
        g_new, h_new = grad_hess(candidate)
        if not (np.all(np.isfinite(g_new)) and np.linalg.norm(g_new * candidate) < np.linalg.norm(g * params)):
            break
        params, g, h = candidate, g_new, h_new
        if np.all(np.abs(step) <= 1e-14 * params):
            break
    return params


class GammaGammaModel(Estimator):
    """Gamma-Gamma model of the value of a customer's orders, fitted by maximum likelihood.

    Parameters
    ----------
    penalizer : float, default=0.0
        L2 penalty on the three parameters added to the mean negative log-likelihood.

    Attributes
    ----------
    params_ : dict
        ``{"p", "q", "v"}``; the population's mean order value is ``p·v/(q−1)`` when q > 1.
    log_likelihood_ : float
    n_customers_ : int
        Repeat buyers the model was fitted on.
    """

    param_names: ClassVar[tuple[str, ...]] = ("p", "q", "v")
    _parameter_constraints: ClassVar[dict] = {"penalizer": [Interval(float, 0, None)]}

    def __init__(self, penalizer: float = 0.0):
        self.penalizer = penalizer

    def fit(self, frequency, monetary_value) -> GammaGammaModel:
        """Fit on repeat buyers.

        Parameters
        ----------
        frequency : array-like of shape (n_customers,)
            Repeat purchases, all at least 1.
        monetary_value : array-like of shape (n_customers,)
            Mean value of the repeat purchases, all positive.

        Returns
        -------
        self
        """
        self._validate_params()
        x, m = _check(frequency, monetary_value)
        if np.any(x < 1) or np.any(m <= 0):
            raise OmnimixError("The spend model is fitted on repeat buyers only: every frequency must be at least 1 "
                               "and every monetary_value positive.")
        if len(x) < 2:
            raise OmnimixError("The spend model needs at least two repeat buyers.")
        (gx, gm), w = group_rows(x, m)
        start = np.array([1.0, 1.0, max(float(np.average(gm, weights=w)), 1e-3)])

        def make_neg_ll(rows):
            x_rows, m_rows = gx[rows], gm[rows]
            ux, ix = factorise(x_rows)
            log_m, log_x = np.log(m_rows), np.log(x_rows)

            def neg_ll(params):  # gamma_gamma_log_likelihood with the gamma functions once per distinct x
                p, q, v = params
                per_x = gammaln(p * ux + q) - gammaln(p * ux) - gammaln(q)
                px = p * x_rows
                return -(per_x[ix] + q * np.log(v) + (px - 1) * log_m + px * log_x - (px + q) * np.log(v + x_rows * m_rows))

            def gradient(params):  # d(−log L)/d(p, q, v) per row
                p, q, v = params
                psi_pxq = digamma(p * ux + q)
                spend = v + x_rows * m_rows
                log_spend = np.log(spend)
                d_p = x_rows * ((psi_pxq - digamma(p * ux))[ix] + log_m + log_x - log_spend)
                d_q = (psi_pxq - digamma(q))[ix] + np.log(v) - log_spend
                d_v = q / v - (p * x_rows + q) / spend
                return -np.column_stack([d_p, d_q, d_v])

            def hessian(params):  # d²(−log L)/d(p, q, v)² per row, shape (n_rows, 3, 3)
                p, q, v = params
                tri_pxq = polygamma(1, p * ux + q)[ix]
                spend = v + x_rows * m_rows
                h = np.empty((len(x_rows), 3, 3))
                h[:, 0, 0] = x_rows**2 * (tri_pxq - polygamma(1, p * ux)[ix])
                h[:, 0, 1] = h[:, 1, 0] = x_rows * tri_pxq
                h[:, 0, 2] = h[:, 2, 0] = -x_rows / spend
                h[:, 1, 1] = tri_pxq - polygamma(1, q)
                h[:, 1, 2] = h[:, 2, 1] = 1 / v - 1 / spend
                h[:, 2, 2] = -q / v**2 + (p * x_rows + q) / spend**2
                return -h

            neg_ll.gradient = gradient
            neg_ll.hessian = hessian
            return neg_ll

        penalizer = float(self.penalizer)
        params, _ = fit_warm(make_neg_ll, w, start, penalizer)
        neg_ll = make_neg_ll(np.arange(len(w)))
        params = _newton_polish(neg_ll, w, params, penalizer)
        ll = float(-(w @ neg_ll(params)))
        self.params_ = dict(zip(self.param_names, (float(v) for v in params), strict=True))
        self.log_likelihood_ = ll
        self.n_customers_ = len(x)
        return self

    def expected_order_value(self, frequency, monetary_value) -> np.ndarray:
        """Expected value of a customer's future orders: ``p(v + x·m) / (p·x + q − 1)``.

        A weighted mean of the population mean ``p·v/(q−1)`` and the customer's own mean
        ``m``, the weight on ``m`` growing with ``x``; customers with ``x = 0`` get the
        population mean.

        Parameters
        ----------
        frequency, monetary_value : array-like of shape (n_customers,)

        Returns
        -------
        ndarray of shape (n_customers,)
        """
        check_is_fitted(self, "params_")
        x, m = _check(frequency, monetary_value)
        p, q, v = (self.params_[k] for k in self.param_names)
        m = np.where(x > 0, m, 0.0)
        return p * (v + x * m) / (p * x + q - 1)
