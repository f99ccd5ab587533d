"""What a fitted model says per week and per channel, and how sure it is of each channel."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.mmm.weekly import WEEK, WeeklyData

if TYPE_CHECKING:
    from core.mmm.model import MediaMixModel

BAND = (5.0, 95.0)
"""Percentiles of the posterior shown as the uncertainty band (a 90% interval)."""
WELL_MEASURED_WIDTH = 0.5
"""A channel is "well measured" when its 90% ROAS band spans at most this share of its ROAS
(about +-25%) and it was paused now and then; otherwise the page and CLI call it "not sure"."""
MIN_PAUSED_WEEKS = 4
"""A channel spending at least 10% of its mean every week but fewer than this many is "always
on": its total effect is an extrapolation of the curve down to zero spend, which the data
cannot check (measured on the independent simulator: such channels were off by 40-170% with
bands that missed), so it is never called well measured."""


def decompose(
    data: WeeklyData, base: np.ndarray, own: int, base_coef: np.ndarray, media: np.ndarray, fitted: np.ndarray
) -> pd.DataFrame:
    """Per week: revenue, predicted, baseline (the first ``own`` design columns), controls, one column per channel."""
    out = pd.DataFrame({WEEK: data.weeks, "revenue": data.revenue, "predicted": fitted})
    out["baseline"] = base[:, :own] @ base_coef[:own]
    out["controls"] = base[:, own:] @ base_coef[own:] if base.shape[1] > own else 0.0
    for j, c in enumerate(data.channels):
        out[c] = media[:, j]
    return out


def channel_summary(
    model: MediaMixModel, spend: np.ndarray, contrib: np.ndarray, without: np.ndarray | None
) -> pd.DataFrame:
    """Per channel: figures with their 90% bands and the verdicts (see ``MediaMixModel.channel_summary_``).

    ``contrib`` is each draw's total contribution per channel (n_draws, n_channels);
    ``without`` the ROAS draws of the fit without lift tests, if tests were used.
    """
    total_spend = spend.sum(axis=0)
    roas = contrib / np.where(total_spend > 0, total_spend, np.nan)
    mroas = model.draws_.marginal(model.current_spend_)
    lo, hi = BAND
    out = pd.DataFrame(
        {
            "channel": list(model.channels_),
            "spend": total_spend,
            "contribution": np.median(contrib, axis=0),
            "revenue_share": np.median(contrib, axis=0) / max(float(model.decomposition_["revenue"].sum()), 1e-9),
            "roas": np.median(roas, axis=0),
            "roas_low": np.percentile(roas, lo, axis=0),
            "roas_high": np.percentile(roas, hi, axis=0),
            "current_weekly_spend": model.current_spend_,
            "mroas": np.median(mroas, axis=0),
            "mroas_low": np.percentile(mroas, lo, axis=0),
            "mroas_high": np.percentile(mroas, hi, axis=0),
            "decay": model.decay_,
            "half_saturation": model.half_saturation_,
            "shape": model.shape_,
            "coef": model.coef_,
            "exp_share": model.draws_.family.mean(axis=0),
        }
    )
    width = (out["roas_high"] - out["roas_low"]) / out["roas"].where(out["roas"] > 0)
    out["band_width"] = width
    out["paused_weeks"] = (spend < 0.1 * spend.mean(axis=0)).sum(axis=0)
    out["always_on"] = out["paused_weeks"] < MIN_PAUSED_WEEKS
    out["well_measured"] = (width <= WELL_MEASURED_WIDTH).fillna(False) & ~out["always_on"]
    out["test_value"] = (out["roas_high"] - out["roas_low"]) * model.current_spend_ * 52
    if without is not None:
        out["roas_without_tests"] = np.median(without, axis=0)
        out["roas_low_without_tests"] = np.percentile(without, lo, axis=0)
        out["roas_high_without_tests"] = np.percentile(without, hi, axis=0)
    return out
