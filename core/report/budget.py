"""Where to put the budget: the marketing-mix model's quality in words and its proposed split.

The model and the optimiser are those of ``omnimix budget fit`` / ``optimize`` and the Budget
page (same defaults and seed), and the verdict sentences come from :mod:`core.mmm.report`.
A database without marketing spend gives a section that says so instead of a failed report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pandas as pd

from core.errors import OmnimixError
from core.formatting import format_value
from core.report.base import Section, missing
from core.report.page import esc, figure_html, paragraphs, table_html
from core.report.scenario import BudgetScenario
from core.settings import DEFAULT_CURRENCY, Currency, read_settings

if TYPE_CHECKING:
    from core.mmm.model import MediaMixModel

FITS = ("auto", "full", "quick")
"""``full``: the sampler settings of ``omnimix budget`` and the Budget page (16 chains, tens of
seconds on a cold start). ``quick``: 4 chains and shorter runs (about a third of the time); its
held-out accuracy and bands are its own, so the section's words describe the model used.
``auto`` (default): the full fit when one is already on disk (after the Budget page or
``omnimix budget fit`` on the same database file), else the quick one. Both are kept on disk
(:mod:`core.mmm.cached`), so a second report does not fit again."""
SEED = 0
"""The Budget page's and ``omnimix budget``'s default seed."""
QUICK = {"n_chains": 4, "n_warmup": 200, "n_samples": 200, "thin": 4}
_FULL_WORDS = "the full sampler (16 chains, as the Budget page and omnimix budget)"
_QUICK_WORDS = "the quick sampler (4 chains of 200 draws, for a fast report)"
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


def fit_model(con: duckdb.DuckDBPyConnection, fit: str = "auto") -> tuple[MediaMixModel, str]:
    """The budget model on every week of the database, calibrated to its lift tests, and which sampler made it.

    Read from the on-disk cache when the same fit of the same database file was made before.

    Returns
    -------
    model : MediaMixModel
    sampler : {"full", "quick"}

    Raises
    ------
    OmnimixError
        No marketing spend, or too few weeks to fit (the message says which).
    """
    from core import cache
    from core.mmm.cached import cached_model, model_for_db_file
    from core.mmm.model import MediaMixModel
    from core.mmm.weekly import from_db
    from core.store.reads import read_experiments

    if fit not in FITS:
        raise OmnimixError(f"The budget fit must be one of {', '.join(FITS)} (got '{fit}').")
    path = cache.connection_file(con)
    if fit == "auto":
        full = cached_model(path, random_state=SEED) if path is not None else None
        if full is not None:
            return full, "full"
        fit = "quick"
    if path is None:  # an in-memory database: nothing to key a cache entry on
        data, tests = from_db(con), read_experiments(con)
        settings = QUICK if fit == "quick" else {}
        model = MediaMixModel(random_state=SEED, **settings).fit(data, experiments=tests if len(tests) else None)
        return model, fit
    return model_for_db_file(path, con=con, random_state=SEED, **(QUICK if fit == "quick" else {})), fit


def resolved_fit(con: duckdb.DuckDBPyConnection, fit: str) -> str:
    """``"full"`` or ``"quick"``: the sampler :func:`fit_model` will use (``auto``: full when one is on disk)."""
    from core import cache
    from core.mmm.cached import has_model

    if fit != "auto":
        return fit
    path = cache.connection_file(con)
    return "full" if path is not None and has_model(path, random_state=SEED) else "quick"


def budget_section(con: duckdb.DuckDBPyConnection, *, fit: str = "auto",
                   model: Callable[[], MediaMixModel] | None = None,
                   scenario: BudgetScenario | None = None) -> Section:
    """Model quality, current vs proposed weekly split, expected gain with its band, uncertain channels.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
    fit : {"auto", "full", "quick"}, default="auto"
        Sampler settings, see :data:`FITS`.
    model : callable, optional
        Returns an already fitted model (taken as a full fit); ``fit`` is then unused.
    scenario : BudgetScenario, optional
        A user's weekly split to show beside the current and the proposed one.

    Raises
    ------
    OmnimixError
        ``scenario`` names a channel the model does not know (the report is then not written).
    """
    import plotly.graph_objects as go

    from core.mmm.optimizer import optimize_budget
    from core.mmm.report import channel_verdicts

    currency = read_settings(con).currency
    try:
        fitted, sampler = (model(), "full") if model is not None else fit_model(con, fit)
    except OmnimixError as exc:
        extra = f" The budget scenario {scenario.name} cannot be shown without it." if scenario else ""
        return missing(KEY, TITLE, f"No budget proposal: {exc}{extra}")
    plan = optimize_budget(fitted, float(fitted.current_spend_.sum()), currency=currency.code)
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
        f"Expected revenue per week: {format_value(plan.current_revenue, 'money', currency)} with the current split, "
        f"{format_value(plan.proposed_revenue, 'money', currency)} with the proposed one (90% band "
        f"{format_value(low, 'money', currency)} – {format_value(high, 'money', currency)}); gain "
        f"{plan.gain:+,.0f} {currency.code} per week, about {plan.gain * 52:+,.0f} {currency.code} over 52 weeks.",
    ]
    table = plan.table()
    chosen = None if scenario is None else scenario_spend(fitted, scenario, plan.proposed)
    fig = go.Figure(go.Bar(x=table["channel"], y=table["current_spend"], name=f"Current ({currency.code} per week)"))
    fig.add_bar(x=table["channel"], y=table["proposed_spend"], name=f"Proposed ({currency.code} per week)")
    if chosen is not None:
        fig.add_bar(x=table["channel"], y=chosen, name=f"Scenario {scenario.name} ({currency.code} per week)")
        gain.extend(scenario_lines(fitted, scenario, chosen, currency))
    versus = "current and proposed split" + (f" and scenario {scenario.name}" if chosen is not None else "")
    fig.update_layout(title=f"Weekly budget by media channel: {versus}", barmode="group",
                      yaxis_title=f"Spend ({currency.code} per week)", xaxis_title="Media channel")
    summary = fitted.channel_summary_.set_index("channel")
    rows = [(r.channel, f"{r.current_spend:,.0f}", f"{r.proposed_spend:,.0f}", f"{r.spend_change:+,.0f}",
             *([] if chosen is None else [f"{chosen[i]:,.0f}"]),
             f"{summary.loc[r.channel, 'roas']:.2f} ({summary.loc[r.channel, 'roas_low']:.2f}–"
             f"{summary.loc[r.channel, 'roas_high']:.2f})",
             "well measured" if summary.loc[r.channel, "well_measured"] else "not sure")
            for i, r in enumerate(table.itertuples())]
    header = ["Media channel", f"Current {currency.code}/week", f"Proposed {currency.code}/week", f"Change {currency.code}/week"]
    header += [] if chosen is None else [f"Scenario {scenario.name} {currency.code}/week"]
    grid = table_html([*header, "ROAS (90% band)", "Measured"], rows, numeric=tuple(range(1, len(header) + 1)))
    lead = (f'<p class="lead">Marketing-mix model fitted with {_FULL_WORDS if sampler == "full" else _QUICK_WORDS} '
            f"on {len(weeks)} weeks of all sales channels ({esc(span)}); the current split is the mean weekly spend "
            f"of {esc(recent)}. The budget does not follow the report's filters: spend is not split by sales "
            "channel.</p>")
    body = (lead + paragraphs(quality) + paragraphs(gain)
            + figure_html(fig, caption=f"Spend in {currency.code} per week per media channel; current = mean of {recent} "
                                       f"(to {weeks[-1] + _SIX_DAYS:%d %b %Y}).", height=320)
            + grid + f'<p class="caption">ROAS: {currency.code} of revenue per {currency.code} of spend over the fitted weeks, '
            f"{esc(span)}.</p>"
            + "<h3>Channels to read with care</h3>" + paragraphs(channel_verdicts(fitted, currency)))
    return Section(KEY, TITLE, body, figures=1)


def scenario_spend(fitted: MediaMixModel, scenario: BudgetScenario, proposed: np.ndarray) -> np.ndarray:
    """Weekly spend per model channel of ``scenario`` (channels it leaves out keep their current spend)."""
    from core.mmm.optimizer import optimize_budget

    if scenario.builtin:
        if scenario.name == "current":
            return np.asarray(fitted.current_spend_, float)
        if scenario.name == "proposed":
            return np.asarray(proposed, float)
        return optimize_budget(fitted, float(fitted.current_spend_.sum()), cautious=True).proposed
    scenario.check_channels(list(fitted.channels_))
    return fitted.spend_vector(scenario.spend)


def scenario_lines(fitted: MediaMixModel, scenario: BudgetScenario, spend: np.ndarray,
                   currency: Currency = DEFAULT_CURRENCY) -> list[str]:
    """Expected weekly revenue of ``spend`` with its 90% band, against the current split's."""
    from core.mmm.planning import Outlook, SteadyState

    view = SteadyState(fitted)
    now, then = Outlook.of(view, fitted.current_spend_), Outlook.of(view, spend)
    lines = [f"Scenario {scenario.name}: {spend.sum():,.0f} {currency.code} per week in total "
             f"({fitted.current_spend_.sum():,.0f} now); expected revenue per week "
             f"{format_value(then.revenue, 'money', currency)} (90% band "
             f"{format_value(then.low, 'money', currency)} – {format_value(then.high, 'money', currency)}) against "
             f"{format_value(now.revenue, 'money', currency)} (90% band {format_value(now.low, 'money', currency)} – "
             f"{format_value(now.high, 'money', currency)}) with the current split: "
             f"{then.revenue - now.revenue:+,.0f} {currency.code} per week."]
    kept = [c for c in fitted.channels_ if not scenario.builtin and c not in scenario.spend]
    if kept:
        lines.append(f"The scenario leaves out {', '.join(kept)}: they keep their current weekly spend.")
    return lines
