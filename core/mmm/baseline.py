"""What revenue does without media: intercept, trend, yearly seasonality, retail events, controls.

The columns are built from the week dates only, so the same design extends to future weeks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EVENTS: tuple[str, ...] = ("black_friday", "christmas", "january_sales")
"""Retail-calendar events added as 0/1 columns when ``events=True`` (European e-commerce)."""


def _black_friday_monday(year: int) -> pd.Timestamp:
    # Black Friday is the day after the fourth Thursday of November; its week starts on the Monday before.
    nov1 = pd.Timestamp(year=year, month=11, day=1)
    thursday = nov1 + pd.Timedelta(days=(3 - nov1.dayofweek) % 7 + 21)
    return thursday - pd.Timedelta(days=3)


def retail_events(weeks: pd.DatetimeIndex) -> np.ndarray:
    """0/1 indicators of shopping events per week, shape (n_weeks, len(EVENTS)).

    - ``black_friday``: the week of Black Friday and the Cyber Monday week after it;
    - ``christmas``: the later weeks that start on or before 24 December;
    - ``january_sales``: weeks starting in the first two weeks of January.
    """
    weeks = pd.DatetimeIndex(weeks).normalize()
    out = np.zeros((len(weeks), len(EVENTS)))
    bf_start = np.array([_black_friday_monday(y) for y in weeks.year], dtype="datetime64[ns]")
    delta = (weeks.to_numpy() - bf_start).astype("timedelta64[D]").astype(int)
    out[:, 0] = (delta >= -3) & (delta < 14)  # week starts up to 3 days before Friday count too
    after_cyber = delta >= 14
    out[:, 1] = after_cyber & (weeks.month == 12) & (weeks.day <= 24)
    out[:, 2] = (weeks.month == 1) & (weeks.day <= 14)
    return out


def baseline_design(
    weeks: pd.DatetimeIndex,
    *,
    origin: pd.Timestamp,
    fourier_order: int = 2,
    events: bool = True,
    growing_season: bool = False,
    controls: np.ndarray | None = None,
) -> tuple[np.ndarray, list[str]]:
    """Baseline columns for ``weeks``.

    Parameters
    ----------
    weeks : DatetimeIndex of shape (n_weeks,)
    origin : Timestamp
        First week of the training data: the trend is years since then.
    fourier_order : int, default=2
        Number of yearly sine/cosine pairs.
    events : bool, default=True
        Add the :data:`EVENTS` indicators.
    growing_season : bool, default=False
        Let seasonality and events scale with the trend (adds trend × each seasonal column).
    controls : ndarray of shape (n_weeks, n_controls), optional
        Already scaled control values.

    Returns
    -------
    design : ndarray of shape (n_weeks, n_columns)
        First column is the intercept (never penalised).
    names : list of str
    """
    weeks = pd.DatetimeIndex(weeks)
    years = (weeks - pd.Timestamp(origin)).days.to_numpy() / 365.25
    cols, names = [np.ones(len(weeks)), years], ["intercept", "trend"]
    doy = weeks.dayofyear.to_numpy() / 365.25
    for k in range(1, fourier_order + 1):
        cols += [np.sin(2 * np.pi * k * doy), np.cos(2 * np.pi * k * doy)]
        names += [f"sin_{k}", f"cos_{k}"]
    if events:
        cols += list(retail_events(weeks).T)
        names += list(EVENTS)
    if growing_season:
        # Seasonal swings and event peaks grow with the business (multiplicative seasonality,
        # as Prophet's option): (a + b t)(1 + s) = a + b t + a s + b t s, linear in t * s.
        seasonal = cols[2:]
        cols += [years * c for c in seasonal]
        names += [f"trend_x_{n}" for n in names[2:]]
    if controls is not None and controls.size:
        cols += list(np.asarray(controls, dtype=float).T)
    return np.column_stack(cols), names
