"""Saturation curves: diminishing returns of (adstocked) spend (Hill, and exponential/logistic)."""

from __future__ import annotations

import numpy as np


def hill(x: np.ndarray, half_saturation: float | np.ndarray, shape: float | np.ndarray) -> np.ndarray:
    """Hill curve ``x**s / (x**s + K**s)``, 0 at no spend, 0.5 at ``K``, towards 1 at high spend.

    Parameters
    ----------
    x : ndarray of shape (n_weeks,) or (n_weeks, n_channels)
        Adstocked spend, >= 0.
    half_saturation : float or ndarray of shape (n_channels,)
        ``K``: the spend at which half the maximum effect is reached (> 0).
    shape : float or ndarray of shape (n_channels,)
        ``s``: slope; above 1 the curve is S-shaped, at or below 1 it is concave.

    Examples
    --------
    >>> float(hill(np.array(2.0), 2.0, 1.0))
    0.5
    """
    x = np.clip(np.asarray(x, dtype=float), 0.0, None)
    k = np.asarray(half_saturation, dtype=float)
    s = np.asarray(shape, dtype=float)
    # (x/K)^s / (1 + (x/K)^s) is the same curve; r can still overflow to inf for absurd
    # spend, where the curve is 1 (inf / inf would be NaN).
    with np.errstate(over="ignore", invalid="ignore"):
        r = np.power(x / k, s)
        return np.where(np.isinf(r), 1.0, r / (1.0 + r))


def exp_saturation(x: np.ndarray, half_saturation: float | np.ndarray, shape: float | np.ndarray) -> np.ndarray:
    """``tanh((x/K)**s)``: at ``s = 1`` the logistic saturation other MMM tools use, linear near 0
    and saturating exponentially fast (Hill saturates slowly, like ``1 - K/x``)."""
    x = np.clip(np.asarray(x, dtype=float), 0.0, None)
    with np.errstate(over="ignore", invalid="ignore"):
        r = np.power(x / np.asarray(half_saturation, dtype=float), np.asarray(shape, dtype=float))
        return np.where(np.isinf(r), 1.0, np.tanh(r))


def saturate(x: np.ndarray, half_saturation: np.ndarray, shape: np.ndarray, family: np.ndarray) -> np.ndarray:
    """Hill where ``family`` is 0, :func:`exp_saturation` where it is 1 (arrays broadcast)."""
    family = np.asarray(family)
    if not family.any():
        return hill(x, half_saturation, shape)
    # Both families are functions of r = (x/K)^s: one power for both (it is the costly step
    # in the sampler's inner loop).
    x = np.clip(np.asarray(x, dtype=float), 0.0, None)
    with np.errstate(over="ignore", invalid="ignore"):
        r = np.power(x / np.asarray(half_saturation, dtype=float), np.asarray(shape, dtype=float))
        curve = np.where(family == 1, np.tanh(r), r / (1.0 + r))
    return np.where(np.isinf(r), 1.0, curve)


def saturate_slope(x: np.ndarray, half_saturation: np.ndarray, shape: np.ndarray, family: np.ndarray) -> np.ndarray:
    """Derivative of :func:`saturate` with respect to ``x`` (0 far beyond saturation)."""
    u = np.maximum(np.asarray(x, dtype=float) / half_saturation, 1e-12)
    with np.errstate(over="ignore", invalid="ignore"):
        r = np.power(u, shape)
        dr = shape * r / u / half_saturation
        hill_d = dr / (1 + r) ** 2
        exp_d = dr / np.cosh(np.minimum(r, 350.0)) ** 2
    d = np.where(np.asarray(family) == 1, exp_d, hill_d)
    return np.where(np.isfinite(d), d, 0.0)
