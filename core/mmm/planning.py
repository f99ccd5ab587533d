"""What a budget earns, per posterior draw: in a typical settled week, or over the next N weeks.

Two views answer the same two questions for the optimiser and the page — media revenue per
draw and channel for a weekly spend, and its slope:

- :class:`SteadyState`: a budget held long enough for carry-over to settle, in a typical
  recent week (the existing weekly what-if);
- :class:`FuturePeriod`: the next ``weeks`` weeks after the data, with their own trend,
  seasonality and retail events, and the carry-over still coming from the spend already made
  (what a plan for next quarter needs).  Adstock from a constant weekly spend ``x`` after the
  last data week is ``d^k a_T + x (1 - d^k) / (1 - d)`` in week ``k``: closed form, so the
  whole period is one vectorised call.

Bands are percentiles over the posterior draws: they cover the model's uncertainty about
expected revenue, not week-to-week noise around it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.errors import OmnimixError
from core.mmm.model import MediaMixModel
from core.mmm.summary import BAND

CAUTIOUS_Z = 1.645
"""Cautious plans maximise mean - 1.645 sd of revenue over the draws: about its 5th percentile."""


SEARCH_DRAWS = 200
"""Draws the optimiser searches with (evenly spaced); results are reported with all draws."""


class SteadyState:
    """A weekly budget held until carry-over settles, in a typical recent week (EUR per week)."""

    weeks = 1

    def __init__(self, model: MediaMixModel, index: np.ndarray | None = None) -> None:
        index = np.arange(len(model.draws_)) if index is None else index
        self.model, self.index = model, index
        self.draws = model.draws_.take(index)
        self.baseline = model.base_level_draws_[index]

    def subset(self, n: int = SEARCH_DRAWS) -> SteadyState:
        return SteadyState(self.model, _spaced(len(self.model.draws_), n))

    def media(self, spend: np.ndarray) -> np.ndarray:
        """Media revenue per draw and channel, shape (n_draws, n_channels)."""
        return self.draws.settled(spend)

    def slope(self, spend: np.ndarray) -> np.ndarray:
        """Its derivative with respect to each channel's weekly spend, same shape."""
        return self.draws.marginal(spend)


class FuturePeriod:
    """The ``weeks`` weeks after the data, spending ``spend`` EUR every week (totals in EUR).

    Parameters
    ----------
    model : MediaMixModel
        Fitted model.
    weeks : int
        Length of the period (1-104).
    index : ndarray of int, optional
        Posterior draws to use (default all).
    """

    def __init__(self, model: MediaMixModel, weeks: int, index: np.ndarray | None = None) -> None:
        if not 1 <= int(weeks) <= 104:
            raise OmnimixError(f"The planning period must be 1 to 104 weeks (got {weeks}).")
        index = np.arange(len(model.draws_)) if index is None else index
        self.model, self.weeks, self.index = model, int(weeks), index
        self.draws = model.draws_.take(index)
        last = pd.Timestamp(model.weeks_[-1])
        self.dates = pd.date_range(last + pd.Timedelta(days=7), periods=self.weeks, freq="7D")
        controls = np.tile(model.recent_controls_, (self.weeks, 1))  # future controls: their recent average
        base, _ = model._design(self.dates, controls)
        self.baseline_weekly = base @ model.base_coef_draws_[index].T  # (weeks, draws)
        self.baseline = self.baseline_weekly.sum(axis=0)
        d = self.draws.decay  # (draws, channels)
        k = np.arange(1, self.weeks + 1)[:, None, None]
        self._build = (1 - d**k) / (1 - d)  # adstock a spend of 1 EUR a week has built by week k
        self._carried = d**k * model.last_adstock_[index]  # adstock left from spend before the period

    def subset(self, n: int = SEARCH_DRAWS) -> FuturePeriod:
        return FuturePeriod(self.model, self.weeks, _spaced(len(self.model.draws_), n))

    def _adstock(self, spend: np.ndarray) -> np.ndarray:
        return self._carried + self._build * np.asarray(spend, float)

    def weekly_media(self, spend: np.ndarray) -> np.ndarray:
        """Media revenue per week, draw and channel, shape (weeks, n_draws, n_channels)."""
        return self.draws.curve(self._adstock(spend))

    def media(self, spend: np.ndarray) -> np.ndarray:
        """Media revenue over the period per draw and channel, shape (n_draws, n_channels)."""
        return self.weekly_media(spend).sum(axis=0)

    def slope(self, spend: np.ndarray) -> np.ndarray:
        """Its derivative with respect to each channel's weekly spend, same shape."""
        return (self.draws.slope(self._adstock(spend)) * self._build).sum(axis=0)


def _spaced(n: int, k: int) -> np.ndarray:
    return np.unique(np.linspace(0, n - 1, min(n, k)).astype(int))


View = SteadyState | FuturePeriod


def objective(view: View, cautious: bool = False):  # noqa: ANN201 - returns (value, gradient) callable
    """``f(spend) -> (value, gradient)``: mean media revenue, or mean - z sd when ``cautious``."""

    def f(spend: np.ndarray) -> tuple[float, np.ndarray]:
        media, slope = view.media(spend), view.slope(spend)
        total = media.sum(axis=1)
        if not cautious:
            return float(total.mean()), slope.mean(axis=0)
        sd = float(total.std())
        if sd <= 0:
            return float(total.mean()), slope.mean(axis=0)
        cov = ((total - total.mean())[:, None] * (slope - slope.mean(axis=0))).mean(axis=0)
        return float(total.mean() - CAUTIOUS_Z * sd), slope.mean(axis=0) - CAUTIOUS_Z * cov / sd

    return f


@dataclass(frozen=True)
class Outlook:
    """Predicted revenue of a spend plan with its 90% band (EUR over the view's weeks)."""

    revenue: float
    low: float
    high: float
    baseline: float
    media: np.ndarray  # (n_channels,) posterior mean

    @classmethod
    def of(cls, view: View, spend: np.ndarray) -> Outlook:
        media = view.media(spend)
        total = view.baseline + media.sum(axis=1)
        lo, hi = np.percentile(total, BAND)
        return cls(float(total.mean()), float(lo), float(hi), float(view.baseline.mean()), media.mean(axis=0))


def forecast_table(period: FuturePeriod, spend: np.ndarray) -> pd.DataFrame:
    """Per future week: week, revenue (mean), low, high, baseline, media, carry-over (EUR).

    ``carryover`` is the media revenue the weeks would still get from past spend if nothing
    more were spent: the part of the plan's revenue already paid for.
    """
    media = period.weekly_media(spend).sum(axis=2)  # (weeks, draws)
    past = period.weekly_media(np.zeros_like(np.asarray(spend, float))).sum(axis=2)
    total = period.baseline_weekly + media
    lo, hi = np.percentile(total, BAND, axis=1)
    return pd.DataFrame(
        {
            "week": period.dates,
            "revenue": total.mean(axis=1),
            "low": lo,
            "high": hi,
            "baseline": period.baseline_weekly.mean(axis=1),
            "media": media.mean(axis=1),
            "carryover": past.mean(axis=1),
        }
    )
