"""Holdout check: predicted vs actual purchases in the weeks after the calibration cutoff."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from core.errors import OmnimixError

FREQUENCY_BUCKETS = [*(str(i) for i in range(7)), "7+"]
"""Rows of ``by_frequency``: repeat purchases in the calibration period 0..6 and 7 or more."""


def holdout_check(predicted_orders, p_alive, actual: pd.DataFrame, frequency) -> dict:
    """Compare a model's holdout predictions with what customers did.

    Parameters
    ----------
    predicted_orders : array-like of shape (n_customers,)
        Expected purchases in the holdout per customer.
    p_alive : array-like of shape (n_customers,)
        Probability still active at the cutoff.
    actual : DataFrame
        :func:`~core.clv.summary.holdout_actuals` in the same customer order (column ``orders``).
    frequency : array-like of shape (n_customers,)
        Repeat purchases in the calibration period.

    Returns
    -------
    dict
        ``mae`` (mean absolute error per customer), ``total_predicted``, ``total_actual``,
        ``total_error_pct`` ((predicted − actual) / actual × 100; NaN when nobody bought),
        ``auc`` (ROC AUC of ``p_alive`` for "bought again in the holdout"; NaN when everyone
        or no one did), ``by_frequency`` (DataFrame: ``frequency`` bucket, ``customers``,
        ``predicted`` and ``actual`` mean purchases).
    """
    pred = np.asarray(predicted_orders, dtype=float)
    alive = np.asarray(p_alive, dtype=float)
    freq = np.asarray(frequency, dtype=float)
    act = actual["orders"].to_numpy(dtype=float)
    if not (len(pred) == len(alive) == len(freq) == len(act)):
        raise OmnimixError("Predictions, probabilities, frequencies and actual purchases must cover the same customers.")
    bought = act > 0
    total_pred, total_act = float(pred.sum()), float(act.sum())
    auc = float(roc_auc_score(bought, alive)) if 0 < bought.sum() < len(bought) else float("nan")
    bucket = np.where(freq >= 7, "7+", np.minimum(freq, 6).astype(int).astype(str))
    frame = pd.DataFrame({"frequency": pd.Categorical(bucket, categories=FREQUENCY_BUCKETS, ordered=True),
                          "predicted": pred, "actual": act})
    by_freq = (frame.groupby("frequency", observed=False)
               .agg(customers=("predicted", "size"), predicted=("predicted", "mean"), actual=("actual", "mean"))
               .reset_index())
    by_freq["frequency"] = by_freq["frequency"].astype(str)
    return {
        "mae": float(np.mean(np.abs(pred - act))) if len(act) else float("nan"),
        "total_predicted": total_pred,
        "total_actual": total_act,
        "total_error_pct": (total_pred - total_act) / total_act * 100 if total_act > 0 else float("nan"),
        "auc": auc,
        "by_frequency": by_freq,
    }
