"""Lift tests (the ``experiments`` table) measured with noise from the generator's truth.

What a generated lift test means (the budget model calibrates to exactly this):

* channel ``c``, weeks ``W`` = ``start_week`` .. ``end_week`` inclusive, 4 to 8 weeks long,
  inside the last 104 weeks of data, in weeks the channel was spending;
* true incremental revenue = the sum over ``W`` of ``truth_weekly_revenue`` rows with
  ``component = c``, i.e. of ``beta_c × hill(geometric_adstock(spend_c))``. It includes the
  carry-over of spend made before ``W`` and leaves out the carry-over after ``end_week``;
* ``standard_error`` = 12% of that truth (a realistic geo test), rounded to cents;
  ``incremental_revenue`` = truth + Normal(0, standard_error), rounded to cents.

One test each for tv, display and social: the channels whose ROAS is hardest to tell from
weekly data alone. The draws use their own generator, ``default_rng([seed, EXPERIMENT_STREAM])``,
so adding them changed no other generated table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EXPERIMENT_CHANNELS: tuple[str, ...] = ("tv", "display", "social")
EXPERIMENT_STREAM = 11
"""Second word of the experiments' seed sequence: ``np.random.default_rng([seed, EXPERIMENT_STREAM])``."""
RELATIVE_SE = 0.12
MIN_WEEKS, MAX_WEEKS = 4, 8
RECENT_WEEKS = 104
METHOD = "geo holdout"


def draw_experiments(weekly: pd.DataFrame, spend: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One lift test per channel of ``EXPERIMENT_CHANNELS``, measured from the truth with noise.

    Parameters
    ----------
    weekly : DataFrame
        ``truth_weekly_revenue`` rows (week, component, revenue) from ``build_truth``.
    spend : DataFrame
        ``marketing_spend`` rows (week, channel, spend, ...) from ``build_truth``.
    rng : numpy.random.Generator
        The experiments' own generator (see the module docstring).

    Returns
    -------
    DataFrame
        Rows in the shape of the ``experiments`` table, columns in schema order.
    """
    contribution = weekly.pivot(index="week", columns="component", values="revenue").sort_index()
    spending = spend.pivot(index="week", columns="channel", values="spend").sort_index() > 0
    weeks = contribution.index
    n = len(weeks)
    rows = []
    for channel in EXPERIMENT_CHANNELS:
        length = min(int(rng.integers(MIN_WEEKS, MAX_WEEKS + 1)), n)
        starts = np.arange(max(0, n - RECENT_WEEKS), n - length + 1)
        on = spending[channel].to_numpy()
        live = np.array([on[s:s + length].all() for s in starts])
        first = int(rng.choice(starts[live] if live.any() else starts))
        truth = float(contribution[channel].iloc[first:first + length].sum())
        se = max(round(RELATIVE_SE * truth, 2), 0.01)
        rows.append({
            "experiment_id": f"{channel}-geo-{weeks[first]:%Y-%m-%d}",
            "channel": channel,
            "start_week": weeks[first],
            "end_week": weeks[first + length - 1],
            "incremental_revenue": round(truth + float(rng.normal(0.0, se)), 2),
            "standard_error": se,
            "method": METHOD,
            "notes": f"{length}-week {METHOD} (generated sample)",
        })
    return pd.DataFrame(rows)
