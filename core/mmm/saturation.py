"""Hill saturation: diminishing returns of (adstocked) spend."""

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
