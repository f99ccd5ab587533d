"""What a constant weekly spend earns, per posterior draw: the curves behind sliders and optimiser.

A spend ``x`` held every week settles at an adstock of ``x / (1 - decay)``; the channel then
earns ``coef * saturation(x / (1 - decay); K, s)`` per week.  Every function takes the posterior
draws as arrays of shape (n_draws, n_channels) and broadcasts over leading spend axes, so one
call answers for all draws at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.mmm.saturation import saturate, saturate_slope


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
    family: np.ndarray | None = None  # 0 = Hill (default), 1 = exponential (core.mmm.saturation.saturate)

    def __post_init__(self) -> None:
        if self.family is None:
            object.__setattr__(self, "family", np.zeros(np.shape(self.coef), dtype=int))

    def __len__(self) -> int:
        return self.coef.shape[0]

    def take(self, index: np.ndarray) -> CurveDraws:
        """The draws at ``index`` (e.g. an evenly spaced subset for a faster search)."""
        return CurveDraws(
            self.coef[index], self.decay[index], self.half_saturation[index], self.shape[index], self.family[index]
        )

    def curve(self, adstocked: np.ndarray) -> np.ndarray:
        """Revenue per week at an adstock of ``adstocked`` (..., n_draws, n_channels)."""
        return self.coef * saturate(adstocked, self.half_saturation, self.shape, self.family)

    def slope(self, adstocked: np.ndarray) -> np.ndarray:
        """Derivative of :meth:`curve` with respect to the adstock."""
        return self.coef * saturate_slope(adstocked, self.half_saturation, self.shape, self.family)

    def settled(self, spend: np.ndarray) -> np.ndarray:
        """Revenue per week per draw and channel at a constant weekly ``spend`` (..., n_channels).

        Returns shape (..., n_draws, n_channels).
        """
        x = np.asarray(spend, dtype=float)[..., None, :]
        return self.curve(x / (1 - self.decay))

    def marginal(self, spend: np.ndarray) -> np.ndarray:
        """Derivative of :meth:`settled` with respect to the weekly spend, same shape."""
        x = np.asarray(spend, dtype=float)[..., None, :]
        return self.slope(x / (1 - self.decay)) / (1 - self.decay)
