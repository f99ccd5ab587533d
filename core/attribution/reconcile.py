"""Attribution next to the budget model (marketing-mix model): two views of what channels earn.

Attribution shares the revenue of orders that had touches; the budget model estimates the
weekly revenue each paid channel adds from spend alone. They answer different questions, so
they are compared as **shares of revenue over the channels both know** (paid channels with
touches). Sources of the budget side:

- ``budget model``: ``contribution`` of :attr:`core.mmm.model.MediaMixModel.channel_summary_`
  (a fitted model, e.g. the Budget page's cached one, or ``omnimix attribution --budget-model``);
- ``generator truth``: the generator's own per-channel weekly revenue
  (``truth_weekly_revenue``), what a perfect budget model would find, always available on
  generated data and free to read — so the default view needs no model fit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import duckdb


def truth_contributions(con: duckdb.DuckDBPyConnection) -> pd.DataFrame | None:
    """Revenue per paid channel in the generator's truth (``truth_weekly_revenue``); None without it."""
    (n,) = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'truth_weekly_revenue'"
                       ).fetchone()
    if not n:
        return None
    df = con.execute(
        """SELECT component AS channel, sum(revenue) AS contribution FROM truth_weekly_revenue
           WHERE component IN (SELECT channel FROM channels) GROUP BY 1 ORDER BY 1""").df()
    return None if df.empty else df


def model_contributions(summary: pd.DataFrame) -> pd.DataFrame:
    """``channel, contribution`` from a fitted budget model's ``channel_summary_``."""
    return summary[["channel", "contribution"]].copy()


def reconcile(table: pd.DataFrame, contributions: pd.DataFrame, models: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Per channel known to both: each model's revenue share next to the budget side's share.

    Parameters
    ----------
    table : DataFrame
        :func:`core.attribution.compare.long_table` (model, channel, revenue, ...).
    contributions : DataFrame
        ``channel, contribution`` (EUR) of the budget side.
    models : tuple of str, optional
        Models to show (default: every model in ``table``).

    Returns
    -------
    DataFrame: channel, budget_share, then one ``<model>`` column of revenue shares per model,
    every share re-based on the common channels so each column adds up to 1.
    """
    common = sorted(set(table["channel"]) & set(contributions["channel"]))
    budget = contributions.set_index("channel")["contribution"].reindex(common).clip(lower=0)
    out = pd.DataFrame({"channel": common, "budget_contribution": budget.to_numpy(),
                        "budget_share": (budget / budget.sum()).to_numpy() if budget.sum() > 0 else 0.0})
    wanted = models or tuple(dict.fromkeys(table["model"]))
    for m in wanted:
        rev = table[table["model"] == m].set_index("channel")["revenue"].reindex(common).fillna(0.0)
        out[m] = (rev / rev.sum()).to_numpy() if rev.sum() > 0 else 0.0
    return out
