"""Per-customer value: probability still active, expected orders, expected order value, CLV, churn-risk tier.

CLV over a horizon of ``H`` weeks, every expected purchase discounted to the cutoff at the
moment it is expected (continuous discounting, as in Fader, Hardie and Lee's "discounted
expected residual transactions")::

    CLV = E[order value] · ∫_0^H e^(−δt) dE[Y(t)]
        = E[order value] · ( e^(−δH) E[Y(H)] + δ ∫_0^H e^(−δt) E[Y(t)] dt ),
    δ = ln(1 + d_monthly) · 12/52 per week

where ``E[Y(t)]`` is the repeat model's expected purchases in the next ``t`` weeks, so a month's
purchases are worth ``1/(1 + d_monthly)`` of the month before's (1% a month is about 0.23% a
week, 12.7% a year).  ``E[Y(t)]`` is smooth in ``t``, so the integral is computed by
:data:`QUADRATURE_NODES`-point Gauss-Legendre quadrature (exact to about 1e-10 relative
against a fine sum; a weekly sum would need ``H`` evaluations of the model per customer).
Customers with the same (frequency, recency, T) are evaluated once.

Churn-risk tiers (:data:`TIERS`) come from the probability of being active and the weeks since
the last purchase: a customer's tier is the worse of the two readings in
:data:`P_ALIVE_THRESHOLDS` and :data:`GAP_WEEKS_THRESHOLDS`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.clv.base import check_rft, distinct_rows
from core.errors import OmnimixError

TIERS = ("active", "cooling", "at risk", "likely lost")
"""Churn-risk tiers, best first."""

P_ALIVE_THRESHOLDS = (0.8, 0.5, 0.2)
"""Lowest probability alive of "active", "cooling", "at risk"; below the last: "likely lost"."""

GAP_WEEKS_THRESHOLDS = (13.0, 26.0, 52.0)
"""Weeks since the last purchase beyond which a customer is at best "cooling", "at risk",
"likely lost" (the BG/NBD calls every one-time buyer certainly active; this keeps a customer
unseen for a year out of the "active" tier whatever the model says)."""

VALUE_COLUMNS = ["customer_id", "frequency", "recency", "T", "monetary_value", "p_alive", "expected_orders",
                 "expected_order_value", "clv", "tier"]
"""Columns of :func:`customer_value`, in order."""


QUADRATURE_NODES = 16
"""Gauss-Legendre nodes of the discounted-purchases integral (module docstring)."""

NODE_BLOCK_CELLS = 4_000_000
"""Nodes × distinct customers evaluated at once by :func:`discounted_orders` (32 MB of float64)."""


def discount_force(discount_monthly: float) -> float:
    """The continuous weekly discount rate δ equivalent to ``discount_monthly``: ``ln(1 + d) · 12/52``."""
    return float(np.log1p(discount_monthly)) * 12 / 52


def risk_tier(p_alive: np.ndarray, weeks_since_last: np.ndarray) -> np.ndarray:
    """Tier name per customer (see the module docstring), ndarray of str."""
    by_p = (np.asarray(p_alive, dtype=float)[:, None] < np.asarray(P_ALIVE_THRESHOLDS)).sum(axis=1)
    by_gap = (np.asarray(weeks_since_last, dtype=float)[:, None] > np.asarray(GAP_WEEKS_THRESHOLDS)).sum(axis=1)
    return np.asarray(TIERS, dtype=object)[np.maximum(by_p, by_gap)]


def discounted_orders(repeat_model, horizon_weeks: float, force: float, x, t_x, T, *,
                      at_horizon: np.ndarray | None = None) -> np.ndarray:
    """``∫_0^H e^(−δt) dE[Y(t)]`` per customer (module docstring), ndarray of shape (n_customers,).

    Parameters
    ----------
    repeat_model : RepeatPurchaseModel
        Fitted.
    horizon_weeks : float
        ``H``.
    force : float
        ``δ`` per week (:func:`discount_force`); 0 gives ``E[Y(H)]``.
    x, t_x, T : ndarray of shape (n_customers,)
        Best passed distinct (see :func:`customer_value`): each row costs
        :data:`QUADRATURE_NODES` model evaluations.
    at_horizon : ndarray of shape (n_customers,), optional
        ``E[Y(H)]`` when already computed.
    """
    if at_horizon is None:
        at_horizon = repeat_model.predict_purchases(float(horizon_weeks), x, t_x, T)
    total = np.exp(-force * horizon_weeks) * at_horizon
    if force == 0 or len(x) == 0:
        return total
    unit_nodes, unit_weights = np.polynomial.legendre.leggauss(QUADRATURE_NODES)
    nodes = (unit_nodes + 1) * horizon_weeks / 2
    weights = unit_weights * horizon_weeks / 2 * force * np.exp(-force * nodes)
    step = max(1, NODE_BLOCK_CELLS // len(x))
    for lo in range(0, QUADRATURE_NODES, step):
        block = slice(lo, lo + step)
        total = total + weights[block] @ np.atleast_2d(repeat_model.predict_purchases(nodes[block, None], x, t_x, T))
    return total


def customer_value(summary: pd.DataFrame, repeat_model, spend_model, *, horizon_weeks: int = 52,
                   discount_monthly: float = 0.01) -> pd.DataFrame:
    """Score every customer of ``summary`` with fitted models.

    Parameters
    ----------
    summary : DataFrame
        :func:`~core.clv.summary.rfm_summary` output (``customer_id, frequency, recency, T,
        monetary_value``).
    repeat_model : RepeatPurchaseModel
        Fitted repeat-purchase model.
    spend_model : GammaGammaModel
        Fitted spend model.
    horizon_weeks : int, default=52
    discount_monthly : float, default=0.01
        Monthly discount rate, applied continuously (module docstring).

    Returns
    -------
    DataFrame
        :data:`VALUE_COLUMNS`, one row per customer in ``summary`` order.
    """
    if isinstance(horizon_weeks, bool) or not isinstance(horizon_weeks, (int, np.integer)) or horizon_weeks <= 0:
        raise OmnimixError(f"The horizon must be a whole number of weeks of at least 1; got {horizon_weeks!r}.")
    if not np.isfinite(discount_monthly) or not 0 <= discount_monthly < 1:
        raise OmnimixError(f"The monthly discount rate must be from 0 to below 1 (0.01 is 1%); got {discount_monthly!r}.")
    x, t_x, T = check_rft(summary["frequency"], summary["recency"], summary["T"])
    m = summary["monetary_value"].to_numpy(dtype=float)
    (gx, gt_x, gT), _, inverse = distinct_rows(x, t_x, T)
    at_horizon = repeat_model.predict_purchases(float(horizon_weeks), gx, gt_x, gT)
    discounted = discounted_orders(repeat_model, float(horizon_weeks), discount_force(discount_monthly), gx, gt_x, gT,
                                   at_horizon=at_horizon)
    out = summary[["customer_id", "frequency", "recency", "T", "monetary_value"]].reset_index(drop=True).copy()
    out["p_alive"] = repeat_model.probability_alive(gx, gt_x, gT)[inverse]
    out["expected_orders"] = at_horizon[inverse]
    out["expected_order_value"] = spend_model.expected_order_value(x, m)
    out["clv"] = out["expected_order_value"] * discounted[inverse]
    out["tier"] = pd.Categorical(risk_tier(out["p_alive"].to_numpy(), T - t_x), categories=list(TIERS), ordered=True)
    return out[VALUE_COLUMNS]
