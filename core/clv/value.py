"""Per-customer value: probability still active, expected orders, expected order value, CLV, churn-risk tier.

CLV over a horizon of ``H`` weeks, discounted weekly::

    CLV = E[order value] · Σ_{k=1..H} (E[Y(k)] − E[Y(k−1)]) / (1 + d_w)^k,
    d_w = (1 + d_monthly)^(12/52) − 1

where ``E[Y(k)]`` is the repeat model's expected purchases in the next ``k`` weeks, so each
week's expected orders are discounted at the weekly rate equivalent to the monthly one (1% a
month is about 0.23% a week, 12.7% a year).  Customers with the same (frequency, recency, T)
are evaluated once.

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


WEEK_BLOCK_CELLS = 4_000_000
"""Weeks × distinct customers evaluated at once by :func:`discounted_orders` (32 MB of float64)."""


def weekly_discount(discount_monthly: float) -> float:
    """The weekly rate equivalent to ``discount_monthly``: ``(1 + d)^(12/52) − 1``."""
    return (1 + discount_monthly) ** (12 / 52) - 1


def risk_tier(p_alive: np.ndarray, weeks_since_last: np.ndarray) -> np.ndarray:
    """Tier name per customer (see the module docstring), ndarray of str."""
    by_p = (np.asarray(p_alive, dtype=float)[:, None] < np.asarray(P_ALIVE_THRESHOLDS)).sum(axis=1)
    by_gap = (np.asarray(weeks_since_last, dtype=float)[:, None] > np.asarray(GAP_WEEKS_THRESHOLDS)).sum(axis=1)
    return np.asarray(TIERS, dtype=object)[np.maximum(by_p, by_gap)]


def discounted_orders(repeat_model, horizon_weeks: int, weekly_rate: float, x, t_x, T) -> np.ndarray:
    """``Σ_k (E[Y(k)] − E[Y(k−1)]) / (1 + d_w)^k`` for k = 1..horizon per customer."""
    (gx, gt_x, gT), _, inverse = distinct_rows(x, t_x, T)
    total = np.zeros(len(gx))
    previous = np.zeros(len(gx))
    weeks = np.arange(1, horizon_weeks + 1, dtype=float)
    step = max(1, WEEK_BLOCK_CELLS // max(len(gx), 1))
    for lo in range(0, horizon_weeks, step):
        block = weeks[lo:lo + step]
        cumulative = np.atleast_2d(repeat_model.predict_purchases(block[:, None], gx, gt_x, gT))
        increments = np.diff(np.vstack([previous, cumulative]), axis=0)
        total += (1 + weekly_rate) ** -block @ increments
        previous = cumulative[-1]
    return total[inverse]


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
        Monthly discount rate, applied in weekly steps (module docstring).

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
    out = summary[["customer_id", "frequency", "recency", "T", "monetary_value"]].reset_index(drop=True).copy()
    out["p_alive"] = repeat_model.probability_alive(x, t_x, T)
    out["expected_orders"] = repeat_model.predict_purchases(float(horizon_weeks), x, t_x, T)
    out["expected_order_value"] = spend_model.expected_order_value(x, m)
    out["clv"] = out["expected_order_value"] * discounted_orders(
        repeat_model, int(horizon_weeks), weekly_discount(discount_monthly), x, t_x, T)
    out["tier"] = pd.Categorical(risk_tier(out["p_alive"].to_numpy(), T - t_x), categories=list(TIERS), ordered=True)
    return out[VALUE_COLUMNS]
