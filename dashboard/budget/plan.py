"""Budget simulator: plan the next N weeks (their season, trend, events and carry-over from past spend).

Unlike the what-if and the optimiser, which look at a typical settled week, this section
plans the real weeks right after the data with :class:`core.mmm.planning.FuturePeriod`.  The
plan is kept in the session with the fingerprint of the model it was made with.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from core.errors import OmnimixError
from core.mmm.bounds import MAX_CHANGE_PCT, bounds_from_change
from core.mmm.model import MediaMixModel
from core.mmm.optimizer import PeriodPlan, plan_period
from dashboard import components, key_messages, money
from dashboard.budget import charts as budget_charts
from dashboard.budget import trust as budget_trust
from dashboard.budget.optimiser import CAUTIOUS_HELP, DEFAULT_RANGE, RANGE_HELP, failure_text

FUTURE, FUTURE_ERROR = "budget_future", "budget_future_error"
WEEKS, TOTAL = "budget_future_weeks", "budget_future_total"
RANGE, CAUTIOUS = "budget_future_range", "budget_future_cautious"
DEFAULT_WEEKS = 13
HISTORY_WEEKS = 26
"""Weeks of actual revenue drawn before the plan, for context."""
CARRYOVER = "carry-over: ads keep working for a few weeks after they run"


def default_plan(model: MediaMixModel, *, current: Mapping[str, float], token: str) -> PeriodPlan:
    """The plan the form makes untouched (today's budget for the next 13 weeks), or the one made before.

    Presentation mode draws no form and shows this plan (about 0.1 s), kept like a submitted one.
    """
    stored = st.session_state.get(FUTURE)
    if stored and stored["model"] == token:
        return stored["made"]
    made = plan_period(model, DEFAULT_WEEKS, total=sum(current.values()) * DEFAULT_WEEKS,
                       bounds=bounds_from_change(current, *DEFAULT_RANGE), currency=money.code())
    st.session_state[FUTURE] = {"made": made, "model": token}
    return made


def section(model: MediaMixModel, *, current: Mapping[str, float], token: str) -> None:
    """The planning form and, once run, the plan: revenue with its band, carry-over, chart and split."""
    weekly = sum(current.values())
    first = pd.Timestamp(model.weeks_[-1]) + pd.Timedelta(days=7)
    if components.is_presenting():  # no form: the plan for the next weeks, as made before or by default
        made = default_plan(model, current=current, token=token)
        components.key_message(key_messages.budget_future(made, currency=money.currency()))
        st.caption(f"Today's budget ({weekly:,.0f} {money.code()} per week) split over the weeks right after the "
                   "data, allowing for their season, trend, events and carry-over (unless a plan was made before "
                   "presenting).")
        with components.guard("the plan for the next weeks"):
            _show(model, made)
        return

    def plan_weeks() -> None:
        ss = st.session_state
        weeks = int(ss[WEEKS])
        total = weekly * weeks if ss[TOTAL] is None else float(ss[TOTAL])
        try:
            bounds = bounds_from_change(current, *ss[RANGE])
            made = plan_period(model, weeks, total=total, bounds=bounds, cautious=ss[CAUTIOUS],
                               currency=money.code())
        except Exception as exc:  # noqa: BLE001 - a message in the next run, never a traceback
            ss.pop(FUTURE, None)
            spread = f" The period budget is spread evenly: {total:,.0f} {money.code()} over {weeks} weeks is {total / weeks:,.0f} {money.code()} per week."
            ss[FUTURE_ERROR] = failure_text(exc, "planning the next weeks") + (
                spread if isinstance(exc, OmnimixError) else ""
            )
            return
        ss[FUTURE] = {"made": made, "model": token}

    st.caption(
        "A plan for the real weeks after your data, not a typical week. "
        f"Splits a budget over the weeks starting {first:%Y-%m-%d}, right after the data, allowing for each week's "
        f"season, trend and retail events and for {CARRYOVER}, so part of the next weeks' revenue is already paid "
        "for by recent spend."
    )
    with st.form("budget_future_form"):
        f1, f2, f3 = st.columns(3)
        f1.number_input("Weeks to plan", 1, 52, DEFAULT_WEEKS, key=WEEKS, help=f"From the week of {first:%Y-%m-%d}.")
        f1.checkbox("Cautious", key=CAUTIOUS, help=CAUTIOUS_HELP)
        f2.number_input(
            f"Budget for the whole period ({money.code()})",
            min_value=0.0,
            value=None,
            step=1000.0,
            key=TOTAL,
            placeholder=f"today's {weekly:,.0f} {money.code()}/week × weeks",
            help=f"Total spend over all the weeks. Empty: today's budget, {weekly:,.0f} {money.code()} per week "
            f"(average of the last {model.current_weeks_} weeks) × the weeks.",
        )
        f3.slider(
            "Allowed change per channel (% of current)",
            -100,
            MAX_CHANGE_PCT,
            DEFAULT_RANGE,
            step=5,
            key=RANGE,
            help=RANGE_HELP,
        )
        st.form_submit_button("Plan these weeks", icon=":material/event_note:", type="primary", on_click=plan_weeks)
    if error := st.session_state.pop(FUTURE_ERROR, None):
        st.warning(error, icon=":material/block:")
    stored = st.session_state.get(FUTURE)
    if stored and stored["model"] == token:
        with components.guard("the plan for the next weeks"):
            _show(model, stored["made"])


def _show(model: MediaMixModel, made: PeriodPlan) -> None:
    plan, forecast, weeks = made.plan, made.forecast, made.weeks
    start = plan.current_label
    if not components.is_presenting():  # there the key message says it
        st.success(plan.message, icon=":material/lightbulb:")
    k1, k2, k3, k4 = st.columns(4)
    k1.metric(
        f"Predicted revenue, {weeks} weeks",
        components.format_value(plan.proposed_revenue, "money", money.currency()),
        delta=f"{plan.gain:+,.0f} {money.code()} vs {start}",
        border=True,
        help=f"Expected revenue over the {weeks} weeks; the {start} would earn {plan.current_revenue:,.0f} {money.code()}.",
    )
    low, high = plan.proposed_band
    budget_trust.band_metric(k2, revenue=plan.proposed_revenue, low=low, high=high, what=f"over the {weeks} weeks")
    carried = made.carryover
    k3.metric(
        "Already paid for (carry-over)",
        components.format_value(carried, "money", money.currency()),
        delta=f"{carried / plan.proposed_revenue:.1%} of the revenue",
        delta_color="off",
        delta_arrow="off",
        border=True,
        help=f"Revenue these weeks still get from ads that ran before them ({CARRYOVER}); it comes even if "
        "nothing more is spent.",
    )
    k4.metric(
        f"Spend, {weeks} weeks",
        components.format_value(plan.total * weeks, "money", money.currency()),
        delta=f"{plan.total:,.0f} {money.code()} per week",
        delta_color="off",
        delta_arrow="off",
        border=True,
    )
    history = model.decomposition_[["week", "revenue"]].tail(HISTORY_WEEKS)
    st.plotly_chart(budget_charts.future_revenue(forecast, history=history))
    st.caption(
        "Shaded: the 90% band of the predicted weekly revenue. Dotted: what the weeks would bring with no new "
        "spend at all (baseline plus carry-over); the gap to the blue line is what the plan's spend earns."
    )
    table = plan.table().assign(proposed_total=plan.table(weeks=weeks)["proposed_spend"])
    budget_trust.euro_table(
        table,
        "budget_future_split",
        {
            "channel": "Channel",
            "current_spend": f"{start.capitalize()} ({money.code()}/week)",
            "proposed_spend": f"Planned ({money.code()}/week)",
            "proposed_total": f"Planned, {weeks} weeks ({money.code()})",
            "proposed_revenue": f"Revenue driven, {weeks} weeks ({money.code()})",
            "revenue_gain": f"Gain, {weeks} weeks ({money.code()})",
        },
        euro=("current_spend", "proposed_spend", "proposed_total", "proposed_revenue", "revenue_gain"),
        helps={
            "revenue_gain": f"Revenue the channel drives with the plan minus with the {start}, over the {weeks} weeks."
        },
    )
    with st.expander(f"Week by week ({weeks} weeks)"):
        budget_trust.euro_table(
            forecast.assign(week=forecast["week"].dt.strftime("%Y-%m-%d")),
            "budget_future_weeks",
            {
                "week": "Week of",
                "revenue": f"Predicted revenue ({money.code()})",
                "low": f"90% band, low ({money.code()})",
                "high": f"90% band, high ({money.code()})",
                "baseline": f"Baseline, no media ({money.code()})",
                "media": f"Media-driven ({money.code()})",
                "carryover": f"Carry-over from past spend ({money.code()})",
            },
            euro=("revenue", "low", "high", "baseline", "media", "carryover"),
            helps={
                "carryover": f"Part of the media-driven revenue that comes from spend before the period ({CARRYOVER})."
            },
        )
