"""Where to put the budget: the marketing-mix model's quality in words and its proposed split.

The model and the optimiser are those of ``omnimix budget fit`` / ``optimize`` and the Budget
page (same defaults and seed), and the verdict sentences come from :mod:`core.mmm.report`.
A database without marketing spend gives a section that says so instead of a failed report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from core.errors import OmnimixError
from core.formatting import format_value
from core.report.base import Section, missing
from core.report.page import esc, figure_html, paragraphs, table_html

if TYPE_CHECKING:
    from core.mmm.model import MediaMixModel

FITS = ("full", "quick")
"""``full``: the sampler settings of ``omnimix budget`` and the Budget page (tens of seconds).
``quick``: a quarter of the chains and shorter runs (about a quarter of the time); the channel
figures move a little from fit to fit, the verdicts rarely."""
QUICK = {"n_chains": 4, "n_warmup": 200, "n_samples": 200, "thin": 4}
KEY, TITLE = "budget", "Where to put the budget"
_SIX_DAYS = pd.Timedelta(days=6)
"""A model week is labelled by its Monday; its last day is six days later."""


def quality_words(mape: float) -> str:
    """The model's accuracy on held-out weeks, in a word a board can read."""
    if mape <= 0.10:
        return "good"
    if mape <= 0.20:
        return "fair"
    return "rough: read its proposals as a direction, not as figures"


def fit_model(con: duckdb.DuckDBPyConnection, fit: str = "full") -> MediaMixModel:
    """The budget model on every week of the database, calibrated to its lift tests when it has some.

    Raises
    ------
    OmnimixError
        No marketing spend, or too few weeks to fit (the message says which).
    """
    from core.mmm.model import MediaMixModel
    from core.mmm.weekly import from_db
    from core.store.reads import read_experiments

    if fit not in FITS:
        raise OmnimixError(f"The budget fit must be one of {', '.join(FITS)} (got '{fit}').")
    data, tests = from_db(con), read_experiments(con)
    settings = QUICK if fit == "quick" else {}
    return MediaMixModel(random_state=0, **settings).fit(data, experiments=tests if len(tests) else None)


def budget_section(con: duckdb.DuckDBPyConnection, *, fit: str = "full",
                   model: Callable[[], MediaMixModel] | None = None) -> Section:
    """Model quality, current vs proposed weekly split, expected gain with its band, uncertain channels.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
    fit : {"full", "quick"}, default="full"
        Sampler settings, see :data:`FITS`.
    model : callable, optional
        Returns an already fitted model (the dashboard passes its cached one); ``fit`` is then unused.
    """
    import plotly.graph_objects as go

    from core.mmm.optimizer import optimize_budget
    from core.mmm.report import channel_verdicts

    try:
        fitted = model() if model is not None else fit_model(con, fit)
    except OmnimixError as exc:
        return missing(KEY, TITLE, f"No budget proposal: {exc}")
    plan = optimize_budget(fitted, float(fitted.current_spend_.sum()))
    weeks = fitted.weeks_
    span = f"{weeks[0]:%d %b %Y} – {weeks[-1] + _SIX_DAYS:%d %b %Y}"
    recent = f"the last {fitted.current_weeks_} weeks of data"
    hold, train = fitted.metrics_["holdout"], fitted.metrics_["train"]
    quality = [
        f"Model quality is {quality_words(hold['mape'])}: on the last {hold['weeks']} weeks, which it did not see, "
        f"its weekly revenue predictions were off by {hold['mape']:.1%} on average; it explains {train['r2']:.0%} "
        "of the week-to-week ups and downs of revenue.",
    ]
    low, high = plan.proposed_band
    gain = [
        plan.message,
        f"Expected revenue per week: {format_value(plan.current_revenue, 'EUR')} with the current split, "
        f"{format_value(plan.proposed_revenue, 'EUR')} with the proposed one (90% band "
        f"{format_value(low, 'EUR')} – {format_value(high, 'EUR')}); gain {plan.gain:+,.0f} EUR per week, "
        f"about {plan.gain * 52:+,.0f} EUR over 52 weeks.",
    ]
    table = plan.table()
    fig = go.Figure(go.Bar(x=table["channel"], y=table["current_spend"], name="Current (EUR per week)"))
    fig.add_bar(x=table["channel"], y=table["proposed_spend"], name="Proposed (EUR per week)")
    fig.update_layout(title="Weekly budget by media channel: current and proposed split", barmode="group",
                      yaxis_title="Spend (EUR per week)", xaxis_title="Media channel")
    summary = fitted.channel_summary_.set_index("channel")
    rows = [(r.channel, f"{r.current_spend:,.0f}", f"{r.proposed_spend:,.0f}", f"{r.spend_change:+,.0f}",
             f"{summary.loc[r.channel, 'roas']:.2f} ({summary.loc[r.channel, 'roas_low']:.2f}–"
             f"{summary.loc[r.channel, 'roas_high']:.2f})",
             "well measured" if summary.loc[r.channel, "well_measured"] else "not sure")
            for r in table.itertuples()]
    grid = table_html(["Media channel", "Current EUR/week", "Proposed EUR/week", "Change EUR/week",
                       "ROAS (90% band)", "Measured"], rows, numeric=(1, 2, 3, 4))
    lead = (f'<p class="lead">Marketing-mix model fitted on {len(weeks)} weeks of all sales channels '
            f"({esc(span)}); the current split is the mean weekly spend of {esc(recent)}. The budget does not "
            "follow the report's filters: spend is not split by sales channel.</p>")
    body = (lead + paragraphs(quality) + paragraphs(gain)
            + figure_html(fig, caption=f"Spend in EUR per week per media channel; current = mean of {recent} "
                                       f"(to {weeks[-1] + _SIX_DAYS:%d %b %Y}).", height=320)
            + grid + '<p class="caption">ROAS: EUR of revenue per EUR of spend over the fitted weeks, '
            f"{esc(span)}.</p>"
            + "<h3>Channels to read with care</h3>" + paragraphs(channel_verdicts(fitted)))
    return Section(KEY, TITLE, body, figures=1)
