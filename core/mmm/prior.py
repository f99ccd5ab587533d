"""The prior over each channel's media curve (decay, half-saturation, shape) and its ROAS."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit, logit


@dataclass(frozen=True)
class CurvePrior:
    """Prior beliefs about each channel's curves before seeing any data.

    Parameters
    ----------
    decay_max : float, default=0.9
        Largest adstock decay (share of last week's effect carried into this week).
    decay_beta : (float, float), default=(2, 3)
        Beta prior on ``decay / decay_max``: mean 0.36, most mass between 0.05 and 0.75.
    saturation_sd : float, default=1.0
        Normal prior sd of log(half-saturation / mean adstocked spend): the bend of the curve
        is believed to sit within about 0.14-7x the spend actually seen.  A tighter 0.5 was
        measured to cost accuracy on strongly saturated channels (issue 11 benchmark).
    shape_median, shape_sd : float, default=1.2, 0.4
        Log-normal prior on the Hill shape (1 = concave, above 1 = S-shaped).
    coef_sd : float, default=30
        Prior sd of the coefficients in units of the noise sd: weak on purpose, so the data
        and lift tests, not the prior, set the size of each channel's effect.
    roas_median, roas_sd : float, default=2.0, 1.0
        Log-normal prior on each channel's ROAS over the data (as Meridian's ROI prior): 90%
        between about 0.4 and 10 EUR per EUR.  It only matters where the data say little — a
        channel with a few hundred euros a week in a noisy 2,000-customer sample otherwise
        came out at a ROAS of 33 (truth 6.5).  It enters the curves' target at the ROAS the
        curves imply with their conditional-mean coefficients (:meth:`LinearPart.log_evidence`):
        curves that only fit the data with an implausible ROAS are a priori less likely.
    """

    decay_max: float = 0.9
    decay_beta: tuple[float, float] = (2.0, 3.0)
    saturation_sd: float = 1.0
    shape_median: float = 1.2
    shape_sd: float = 0.4
    coef_sd: float = 30.0
    roas_median: float = 2.0
    roas_sd: float = 1.0

    def roas_log_density(self, roas: np.ndarray) -> np.ndarray:
        """Log-normal log density of ROAS (..., n_channels), summed over channels."""
        r = np.maximum(roas, 1e-6)
        z = (np.log(r) - np.log(self.roas_median)) / self.roas_sd
        return np.sum(-0.5 * z**2 - np.log(r), axis=-1)

    def log_density(self, theta: np.ndarray) -> np.ndarray:
        """Log prior of unconstrained curves ``theta`` (..., 3), summed over the last axes but one."""
        u = expit(theta[..., 0])
        a, b = self.decay_beta
        lp = a * np.log(u) + b * np.log1p(-u)  # Beta on u, Jacobian of the logit included
        lp = lp - 0.5 * (theta[..., 1] / self.saturation_sd) ** 2
        lp = lp - 0.5 * ((theta[..., 2] - np.log(self.shape_median)) / self.shape_sd) ** 2
        return lp.sum(axis=-1)

    def draw(self, rng: np.random.Generator, size: tuple[int, ...], spread: float = 0.5) -> np.ndarray:
        """Starting points near the prior's centre, ``spread`` times its width."""
        a, b = self.decay_beta
        return np.stack(
            [
                rng.normal(logit(a / (a + b)), spread, size),
                rng.normal(0.0, spread * self.saturation_sd, size),
                rng.normal(np.log(self.shape_median), spread * self.shape_sd, size),
            ],
            axis=-1,
        )

    def to_curves(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(decay, half-saturation ratio, shape) from unconstrained ``theta`` (..., 3)."""
        return self.decay_max * expit(theta[..., 0]), np.exp(theta[..., 1]), np.exp(theta[..., 2])
