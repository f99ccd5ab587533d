"""What a constant weekly spend earns, per posterior draw: the curves behind sliders and optimiser.

A spend ``x`` held every week settles at an adstock of ``x / (1 - decay)``; the channel then
earns ``coef * hill(x / (1 - decay); K, s)`` per week.  Every function takes the posterior
draws as arrays of shape (n_draws, n_channels) and broadcasts over leading spend axes, so one
call answers for all draws at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.mmm.saturation import hill


def hill_slope(x: np.ndarray, half_saturation: np.ndarray, shape: np.ndarray) -> np.ndarray:
    """Derivative of :func:`~core.mmm.saturation.hill` with respect to ``x`` (0 far beyond saturation)."""
    u = np.maximum(np.asarray(x, dtype=float) / half_saturation, 1e-12)
    with np.errstate(over="ignore", invalid="ignore"):
        r = np.power(u, shape)
        d = shape * r / (u * (1 + r) ** 2) / half_saturation
    return np.where(np.isfinite(d), d, 0.0)


@dataclass(frozen=True)
class CurveDraws:
    """Posterior draws of each channel's curve, all arrays of shape (n_draws, n_channels).

    ``coef`` is the weekly revenue at full saturation (EUR), ``half_saturation`` is in
    adstocked EUR per week.
    """

    coef: np.ndarray
    decay: np.ndarray
    half_saturation: np.ndarray
    shape: np.ndarray

    def __len__(self) -> int:
        return self.coef.shape[0]

    def take(self, index: np.ndarray) -> CurveDraws:
        """The draws at ``index`` (e.g. an evenly spaced subset for a faster search)."""
        return CurveDraws(self.coef[index], self.decay[index], self.half_saturation[index], self.shape[index])

    def settled(self, spend: np.ndarray) -> np.ndarray:
        """Revenue per week per draw and channel at a constant weekly ``spend`` (..., n_channels).

        Returns shape (..., n_draws, n_channels).
        """
        x = np.asarray(spend, dtype=float)[..., None, :]
        return self.coef * hill(x / (1 - self.decay), self.half_saturation, self.shape)

    def marginal(self, spend: np.ndarray) -> np.ndarray:
        """Derivative of :meth:`settled` with respect to the weekly spend, same shape."""
        x = np.asarray(spend, dtype=float)[..., None, :]
        return self.coef * hill_slope(x / (1 - self.decay), self.half_saturation, self.shape) / (1 - self.decay)
