"""Geometric adstock: this week's effective spend carries a share of past weeks' spend."""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter


def geometric_adstock(spend: np.ndarray, decay: float | np.ndarray, *, normalize: bool = False) -> np.ndarray:
    """Carry-over of spend: ``a[t] = x[t] + decay * a[t-1]`` along axis 0.

    Parameters
    ----------
    spend : ndarray of shape (n_weeks,) or (n_weeks, n_channels)
        Spend per week (and channel), oldest first.
    decay : float or ndarray of shape (n_channels,)
        Share of last week's adstock that carries into this week, in [0, 1).
    normalize : bool, default=False
        Multiply by ``1 - decay`` so a constant spend ``x`` settles at ``x`` rather than
        ``x / (1 - decay)``.

    Returns
    -------
    ndarray of the same shape as ``spend``.

    Examples
    --------
    >>> geometric_adstock(np.array([100.0, 0.0, 0.0]), 0.5)
    array([100.,  50.,  25.])
    """
    x = np.asarray(spend, dtype=float)
    decays = np.atleast_1d(np.asarray(decay, dtype=float))
    if np.any((decays < 0) | (decays >= 1)):
        raise ValueError(f"adstock decay must be in [0, 1), got {decay}")
    if x.ndim == 1:
        out = lfilter([1.0], [1.0, -float(decays[0])], x)
        return out * (1 - decays[0]) if normalize else out
    if decays.size == 1:
        decays = np.repeat(decays, x.shape[1])
    out = np.empty_like(x)
    for j, d in enumerate(decays):  # a handful of channels: an IIR filter per column is C-speed
        out[:, j] = lfilter([1.0], [1.0, -d], x[:, j])
    return out * (1 - decays) if normalize else out
