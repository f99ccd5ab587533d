"""Budget simulator: the optimiser form and its proposed split (a settled week, scaled to N weeks).

The plan is kept in the session with the fingerprint of the model it was made with
(:func:`stored_plan`), so the what-if curves can mark it and a new model drops it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

import streamlit as st

from core.errors import OmnimixError, first_line
from core.mmm.bounds import MAX_CHANGE_PCT, bounds_from_change
from core.mmm.compare import versus_today
from core.mmm.model import MAX_SPEND_MULTIPLE, MediaMixModel
from core.mmm.optimizer import CURRENT_SPLIT, optimize_budget, target_roas_budget
from dashboard import components, key_messages, money
from dashboard.budget import charts as budget_charts
from dashboard.budget import controls as budget_controls
from dashboard.budget import trust as budget_trust

log = logging.getLogger("omnimix.dashboard")

PLAN, OPT_TOTAL, OPT_ERROR = "budget_plan", "budget_opt_total", "budget_opt_error"
CAUTIOUS = "budget_opt_cautious"
CAUTIOUS_HELP = (
    "Maximise a pessimistic revenue (about the 5th percentile) instead of the expected one: the split then "
    "prefers well-measured channels and does well even if the uncertain ones disappoint."
)
RANGE_HELP = f"Up to {MAX_SPEND_MULTIPLE:g}× the current weekly spend, as the what-if sliders."


def failure_text(exc: Exception, doing: str) -> str:
    """What a form callback shows when it fails: the message of an expected error, else its kind (logged)."""
    if isinstance(exc, OmnimixError):
        return str(exc)
    log.exception("Unexpected error while %s", doing)
    return f"Something went wrong while {doing} ({type(exc).__name__}: {first_line(exc)})."


def stored_plan(token: str) -> dict | None:
    """The optimiser's last plan, if it was made with the model of fingerprint ``token``."""
    stored = st.session_state.get(PLAN)
    return stored if stored and stored["model"] == token else None


DEFAULT_RANGE, DEFAULT_WEEKS = (-50, 50), 4
"""The form's defaults: allowed change per channel (% of current) and planning weeks."""


def default_plan(model: MediaMixModel, *, current: Mapping[str, float], token: str) -> dict:
    """The plan the form makes untouched (most revenue at today's total), kept as the last plan.

    Presentation mode draws no form: it shows this plan unless one was made before (a few
    milliseconds; stored so the response curves mark it and "Try this split" can use it).
    """
    if stored := stored_plan(token):
        return stored
    bounds = bounds_from_change(current, *DEFAULT_RANGE)
    plan = optimize_budget(model, float(round(sum(current.values()))), bounds=bounds, currency=money.code())
    st.session_state[PLAN] = {"plan": plan, "bounds": bounds, "weeks": DEFAULT_WEEKS, "model": token}
    return st.session_state[PLAN]


def section(
    model: MediaMixModel, *, current: Mapping[str, float], grid: budget_controls.SliderGrid, token: str
) -> None:
    """The optimiser form and, once run, its proposal (presentation mode: the proposal only)."""
    channels = list(model.channels_)

    def apply_plan() -> None:  # the split on the sliders, and the what-if section open to show them
        proposed = st.session_state[PLAN]["plan"].proposed
        budget_controls.set_channels(st.session_state, grid, dict(zip(channels, proposed, strict=True)))
        st.session_state[budget_controls.SECTION] = budget_controls.WHAT_IF

    if components.is_presenting():  # the settings are analysis plumbing; the proposal is the story
        st.caption("The split the model predicts earns most at today's total weekly budget, each channel within "
                   "±50% of its current spend (unless a plan was made before presenting).")
        stored = default_plan(model, current=current, token=token)
        components.key_message(key_messages.budget_plan(stored["plan"], weeks=stored["weeks"],
                                                        currency=money.currency()))
        with components.guard("the proposed split"):
            _proposal(model, stored, apply_plan)
        return

    def optimise() -> None:
        # Submit callback: it runs before the page is drawn, so the proposal shows in the same run.
        ss = st.session_state
        bounds = bounds_from_change(current, *ss["budget_opt_range"])
        try:
            if ss["budget_goal"].startswith("Most"):
                plan = optimize_budget(model, ss[OPT_TOTAL], bounds=bounds, cautious=ss[CAUTIOUS],
                                       currency=money.code())
            else:
                plan = target_roas_budget(model, ss["budget_opt_target"], bounds=bounds, currency=money.code())
        except Exception as exc:  # noqa: BLE001 - a message in the next run, never a traceback
            ss.pop(PLAN, None)
            ss[OPT_ERROR] = failure_text(exc, "optimising")
            return
        ss[PLAN] = {"plan": plan, "bounds": bounds, "weeks": int(ss["budget_opt_weeks"]), "model": token}

    st.caption("Finds the split the model predicts earns most; channels stay within the allowed change. Its "
               "proposal is marked on the what-if's response curves.")
    with st.form("budget_optimiser"):
        o1, o2, o3 = st.columns(3)
        o1.radio("Goal", ["Most revenue for a total", "Largest budget at a target ROAS"], key="budget_goal")
        o1.checkbox("Cautious", key=CAUTIOUS, help=f"{CAUTIOUS_HELP} Used by the first goal.")
        # Set through the session state, not value=: a keyed widget ignores a new value= once it
        # has one, and the total must follow the model (the page drops it for a new model).
        st.session_state.setdefault(OPT_TOTAL, float(round(sum(current.values()))))
        o2.number_input(f"Total weekly budget ({money.code()})", min_value=0.0, step=1000.0, key=OPT_TOTAL)
        o2.number_input(
            "Target ROAS",
            min_value=0.1,
            value=2.0,
            step=0.1,
            key="budget_opt_target",
            help=f"Media revenue per {money.code()} of spend to keep (used by the second goal).",
        )
        o3.slider(
            "Allowed change per channel (% of current)",
            -100,
            MAX_CHANGE_PCT,
            DEFAULT_RANGE,
            step=5,
            key="budget_opt_range",
            help=RANGE_HELP,
        )
        o3.number_input("Planning period (weeks)", 1, 52, DEFAULT_WEEKS, key="budget_opt_weeks")
        st.form_submit_button("Optimise", icon=":material/auto_graph:", type="primary", on_click=optimise)
    if error := st.session_state.pop(OPT_ERROR, None):  # shown once, in the run after the submit
        st.warning(error, icon=":material/block:")

    if stored := stored_plan(token):
        with components.guard("the proposed split"):
            _proposal(model, stored, apply_plan)


def _proposal(model: MediaMixModel, stored: dict, apply_plan: Callable[[], None]) -> None:
    plan, w = stored["plan"], stored["weeks"]
    if not components.is_presenting():  # there the key message says it
        st.success(plan.message, icon=":material/lightbulb:")
    # plan.current is today's split only at today's total; otherwise today's shares scaled
    # to the plan's total, and every label below says which.
    start = plan.current_label
    p1, p2, p3, p4 = st.columns(4)
    p1.metric(
        f"Predicted revenue, {w} weeks",
        components.format_value(plan.proposed_revenue * w, "money", money.currency()),
        delta=f"{plan.gain * w:+,.0f} {money.code()} vs {start}",
        border=True,
        help=f"Against the {start}: {plan.current_revenue * w:,.0f} {money.code()} over {w} weeks. Expected (mean) revenue.",
    )
    low, high = plan.proposed_band
    budget_trust.band_metric(p2, revenue=plan.proposed_revenue * w, low=low * w, high=high * w, what=f"over {w} weeks")
    p3.metric(f"Spend, {w} weeks", components.format_value(plan.total * w, "money", money.currency()), border=True)
    p4.metric("Media ROAS", f"{plan.roas:.2f}×", border=True, help="Revenue the channels drive ÷ spend.")
    if plan.cautious:
        st.caption(f"Cautious plan: {CAUTIOUS_HELP[0].lower()}{CAUTIOUS_HELP[1:]}")
    if start != CURRENT_SPLIT:
        today = versus_today(model, plan, weeks=w)
        st.markdown(
            f"Against **today's budget** ({today.weekly_spend:,.0f} {money.code()} per week): over {w} weeks the proposal spends "
            f"**{today.spend_change:+,.0f} {money.code()}** and is predicted to earn **{today.revenue_change:+,.0f} {money.code()}** "
            f"({today.revenue:,.0f} → {today.plan_revenue:,.0f} {money.code()})."
        )
    scaled = plan.table(weeks=w)
    left, right = st.columns(2)
    left.plotly_chart(
        budget_charts.gain_waterfall(
            scaled, current_revenue=plan.current_revenue * w, weeks=w, start_label=start.capitalize()
        )
    )
    with right:
        budget_trust.euro_table(
            scaled,
            "budget_proposed_split",
            {
                "channel": "Channel",
                "current_spend": f"{start.capitalize()}, {w} wk ({money.code()})",
                "proposed_spend": f"Proposed, {w} wk ({money.code()})",
                "revenue_gain": f"Gain, {w} wk ({money.code()})",
            },
            euro=("current_spend", "proposed_spend", "revenue_gain"),
            helps={
                "revenue_gain": f"Revenue the channel drives with the proposal minus with the {start}, over {w} weeks."
            },
        )
        st.button("Try this split in the sliders", on_click=apply_plan, icon=":material/tune:")
