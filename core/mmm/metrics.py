"""Fit-quality measures marketing-mix users expect (Meridian, Robyn): R², MAPE, NRMSE."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import r2_score


def r2(y: np.ndarray, pred: np.ndarray) -> float:
    """Share of the week-to-week variation the model explains (1 is perfect), scikit-learn's ``r2_score``.

    NaN when ``y`` does not vary (fewer than two weeks, or all equal): scikit-learn would
    report 1 or 0 there, which reads as a real score.
    """
    y, pred = np.asarray(y, float), np.asarray(pred, float)
    return float(r2_score(y, pred)) if y.size > 1 and np.ptp(y) > 0 else float("nan")


def mape(y: np.ndarray, pred: np.ndarray) -> float:
    """Mean absolute percentage error as a fraction (0.05 = off by 5% on an average week); weeks without revenue are skipped."""
    y, pred = np.asarray(y, float), np.asarray(pred, float)
    keep = y != 0
    return float(np.mean(np.abs((y[keep] - pred[keep]) / y[keep]))) if keep.any() else float("nan")


def nrmse(y: np.ndarray, pred: np.ndarray) -> float:
    """Root mean squared error divided by the range of ``y`` (Robyn's definition)."""
    y, pred = np.asarray(y, float), np.asarray(pred, float)
    spread = np.ptp(y)
    return float(np.sqrt(np.mean((y - pred) ** 2)) / spread) if spread > 0 else float("nan")


def fit_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """``{"r2", "mape", "nrmse", "weeks"}`` of one period."""
    return {"r2": r2(y, pred), "mape": mape(y, pred), "nrmse": nrmse(y, pred), "weeks": int(np.size(y))}
