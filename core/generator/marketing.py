"""Weekly marketing spend and the known marketing-mix truth the revenue follows.

Weekly revenue = baseline (trend + yearly seasonality + holiday peaks)
               + sum over paid channels of beta × Hill(geometric adstock(spend))
               + noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.mmm.adstock import geometric_adstock
from core.mmm.saturation import hill


@dataclass(frozen=True)
class ChannelTruth:
    channel: str
    adstock_decay: float
    saturation_ratio: float  # half-saturation as a multiple of mean adstocked spend
    hill_shape: float
    revenue_share: float  # of total revenue this channel drives
    target_roas: float  # revenue it drives / its spend
    cpm: float  # EUR per 1000 impressions
    ctr: float


PAID_CHANNELS: tuple[ChannelTruth, ...] = (
    ChannelTruth("search", 0.15, 0.9, 1.2, 0.09, 3.2, 9.0, 0.045),
    ChannelTruth("social", 0.35, 0.8, 1.4, 0.07, 1.9, 6.5, 0.012),
    ChannelTruth("display", 0.30, 0.7, 1.1, 0.05, 0.9, 3.0, 0.004),
    ChannelTruth("email", 0.10, 1.2, 1.0, 0.06, 6.5, 0.8, 0.030),
    ChannelTruth("affiliate", 0.20, 1.0, 1.3, 0.05, 2.6, 5.0, 0.020),
    ChannelTruth("tv", 0.60, 0.8, 2.0, 0.06, 1.4, 12.0, 0.0),
)
NOISE_SD = 0.03  # relative to baseline
PULSE_SD = 0.8  # week-to-week log-spread of each channel's spend
DARK_FLIGHTS_PER_YEAR = 8  # planned pauses of 2-3 weeks per non-TV channel (on/off tests)


def week_starts(start: pd.Timestamp, n_weeks: int) -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n_weeks, freq="7D")


def baseline_shape(weeks: pd.DatetimeIndex) -> np.ndarray:
    """Mean-one baseline: +8%/year trend, yearly waves, summer dip, Black Friday and Christmas peaks."""
    t = np.arange(len(weeks)) / 52.0
    doy = weeks.dayofyear.to_numpy() / 365.25
    season = 0.06 * np.sin(2 * np.pi * doy) + 0.05 * np.cos(4 * np.pi * doy)
    month, day = weeks.month.to_numpy(), weeks.day.to_numpy()
    black_friday = ((month == 11) & (day >= 20)) | ((month == 12) & (day <= 2))
    christmas = (month == 12) & (day >= 5) & (day <= 24)
    january_sales = (month == 1) & (day <= 14)
    summer = (month == 8)
    shape = (1 + 0.08 * t) * (1 + season + 0.45 * black_friday + 0.30 * christmas + 0.12 * january_sales - 0.06 * summer)
    return shape / shape.mean()


def spend_patterns(weeks: pd.DatetimeIndex, rng: np.random.Generator) -> np.ndarray:
    """Mean-one weekly spend pattern per paid channel: flighting, holiday pushes, planned pauses.

    The plan varies each channel independently and pauses it now and then, the way teams run
    on/off tests. A sample whose channels all move together with the holiday peaks would be
    realistic too, but no model could then tell the channels' effects apart; with these
    variations the truth is recoverable from the data (issue 6 measures it).
    """
    n = len(weeks)
    month = weeks.month.to_numpy()
    out = np.empty((n, len(PAID_CHANNELS)))
    for j, ch in enumerate(PAID_CHANNELS):
        level = np.exp(np.cumsum(rng.normal(0, 0.06, n)))  # slow drift of the plan
        level /= level.mean()
        pulses = rng.lognormal(0.0, PULSE_SD, n)
        holiday = 1 + 0.3 * np.isin(month, [11, 12])
        x = level * pulses * holiday
        if ch.channel == "tv":  # TV runs in bursts of a few weeks
            on = (np.arange(n) // 4) % 3 != 2
            x = x * on * 1.5
        else:
            dark = np.zeros(n, dtype=bool)
            for first in rng.choice(n - 3, size=max(1, n * DARK_FLIGHTS_PER_YEAR // 52), replace=False):
                dark[first:first + rng.integers(2, 4)] = True
            x = x * ~dark
        out[:, j] = x / x.mean()
    return out


def build_truth(weeks: pd.DatetimeIndex, total_revenue: float, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Spend, per-channel truth and the weekly revenue curve summing to ``total_revenue``.

    Returns
    -------
    spend : DataFrame (week, channel, spend, impressions, clicks)
    truth : DataFrame in the shape of ``truth_channel_response``
    weekly : DataFrame (week, component, revenue) in the shape of ``truth_weekly_revenue``
    target : ndarray of shape (n_weeks,) the weekly revenue orders must realise
    """
    n = len(weeks)
    x = spend_patterns(weeks, rng)
    decay = np.array([c.adstock_decay for c in PAID_CHANNELS])
    shape = np.array([c.hill_shape for c in PAID_CHANNELS])
    adstocked = geometric_adstock(x, decay)
    k_units = np.array([c.saturation_ratio for c in PAID_CHANNELS]) * adstocked.mean(axis=0)
    response = hill(adstocked, k_units, shape)  # (n, channels) in [0, 1)

    shares = np.array([c.revenue_share for c in PAID_CHANNELS])
    beta = shares * total_revenue / response.sum(axis=0)
    contribution = response * beta
    base = baseline_shape(weeks) * (1 - shares.sum()) * total_revenue / n
    noise = rng.normal(0.0, NOISE_SD, n) * base
    noise -= noise.mean()  # the curve still sums to the revenue the orders carry
    target = base + contribution.sum(axis=1) + noise

    # Scale each channel's spend so its ROAS over the period is the intended one.
    spend_scale = contribution.sum(axis=0) / np.array([c.target_roas for c in PAID_CHANNELS]) / x.sum(axis=0)
    spend = np.round(x * spend_scale, 2)
    total_spend = spend.sum(axis=0)
    true_roas = np.divide(contribution.sum(axis=0), total_spend, out=np.zeros_like(total_spend), where=total_spend > 0)
    cpm = np.array([c.cpm for c in PAID_CHANNELS])
    ctr = np.array([c.ctr for c in PAID_CHANNELS])
    impressions = np.round(spend / cpm * 1000 * rng.lognormal(0, 0.1, spend.shape)).astype(np.int64)
    clicks = np.round(impressions * ctr * rng.lognormal(0, 0.15, spend.shape)).astype(np.int64)

    names = [c.channel for c in PAID_CHANNELS]
    week_col = np.repeat(weeks.date, len(names))
    spend_df = pd.DataFrame({"week": week_col, "channel": np.tile(names, n), "spend": spend.ravel(),
                             "impressions": impressions.ravel(), "clicks": clicks.ravel()})
    truth = pd.DataFrame({"channel": names, "adstock_decay": decay, "half_saturation": k_units * spend_scale,
                          "hill_shape": shape, "beta": beta, "true_roas": true_roas})
    components = np.column_stack([base, contribution, noise])
    weekly = pd.DataFrame({"week": np.repeat(weeks.date, components.shape[1]),
                           "component": np.tile(["baseline", *names, "noise"], n),
                           "revenue": components.ravel()})
    return spend_df, truth, weekly, target
