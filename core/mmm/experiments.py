"""Lift tests (geo or on/off experiments) as calibration for the marketing-mix model.

A lift test measures the revenue a channel drove over a period, with a standard error.  The
model reads it as one more observation: the channel's summed contribution over the test's
weeks equals the measured revenue, with the test's error.  A precise test on a channel the
weekly data barely identify narrows that channel's band and moves its ROAS towards what the
test saw; a test that agrees with the data changes little.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.errors import OmnimixError
from core.mmm.posterior import Calibration

COLUMNS = ("experiment_id", "channel", "start_week", "end_week", "incremental_revenue", "standard_error")
"""Columns a lift-test table needs (``experiment_id`` optional: rows are numbered otherwise)."""


def check_experiments(experiments: pd.DataFrame | None) -> pd.DataFrame:
    """A clean copy of the lift tests, or an error naming the row and field at fault."""
    if experiments is None or len(experiments) == 0:
        return pd.DataFrame(columns=list(COLUMNS))
    df = experiments.copy()
    if "experiment_id" not in df:
        df["experiment_id"] = [f"test {i + 1}" for i in range(len(df))]
    missing = [c for c in COLUMNS if c not in df]
    if missing:
        raise OmnimixError(f"Lift tests need the column(s) {', '.join(missing)}.")
    df["start_week"] = pd.to_datetime(df["start_week"])
    df["end_week"] = pd.to_datetime(df["end_week"])
    for i, row in enumerate(df.itertuples(index=False), start=1):
        name = f"Lift test {row.experiment_id!s} (row {i})"
        if not np.isfinite(row.incremental_revenue):
            raise OmnimixError(f"{name}: incremental_revenue must be a number.")
        if not (np.isfinite(row.standard_error) and row.standard_error > 0):
            raise OmnimixError(f"{name}: standard_error must be above 0 (got {row.standard_error}).")
        if row.end_week < row.start_week:
            raise OmnimixError(f"{name}: end_week {row.end_week:%Y-%m-%d} is before start_week {row.start_week:%Y-%m-%d}.")
    return df[list(COLUMNS) + [c for c in df.columns if c not in COLUMNS]].reset_index(drop=True)


def calibration(
    experiments: pd.DataFrame,
    *,
    weeks: pd.DatetimeIndex,
    channels: tuple[str, ...],
    y_scale: float,
    noise_sd: float,
) -> tuple[Calibration, pd.DataFrame]:
    """Lift tests the model can use, as :class:`~core.mmm.posterior.Calibration`, and a table of all.

    Parameters
    ----------
    experiments : DataFrame
        Checked by :func:`check_experiments`.
    weeks : DatetimeIndex
        Week starts the model learns from.
    channels : tuple of str
        The model's channels, in column order.
    y_scale : float
        Revenue scale of the model (EUR): targets and errors are divided by it.
    noise_sd : float
        Weekly noise sd of the scaled revenue; an observation's weight is ``noise_sd / se``.

    Returns
    -------
    Calibration
    table : DataFrame
        Every lift test with ``used`` (bool) and ``reason`` (why a test was left out).
    """
    df = check_experiments(experiments)
    weeks = pd.DatetimeIndex(weeks)
    used, reasons, rows = [], [], []
    for row in df.itertuples(index=False):
        mask = (weeks >= row.start_week) & (weeks <= row.end_week)
        if row.channel not in channels:
            reasons.append(f"no spend on {row.channel!r} in the data")
        elif row.start_week < weeks[0] or row.end_week > weeks[-1] + pd.Timedelta(days=6):
            reasons.append("its weeks are not all inside the weeks the model learns from")
        elif not mask.any():
            reasons.append("no week of the data falls inside it")
        else:
            reasons.append("")
            rows.append((channels.index(row.channel), mask, row.incremental_revenue, row.standard_error))
        used.append(reasons[-1] == "")
    table = df.assign(used=used, reason=reasons)
    if not rows:
        return Calibration.empty(len(weeks)), table
    channel, mask, value, se = zip(*rows, strict=True)
    se_scaled = np.array(se, float) / y_scale
    return (
        Calibration(
            channel=np.array(channel, int),
            weeks=np.array(mask, bool),
            target=np.array(value, float) / y_scale,
            weight=noise_sd / se_scaled,
        ),
        table,
    )
