"""Budget simulator: how much revenue each channel drives and how sure that is, what-if budgets, an optimiser
and a plan for the next weeks.

The page draws the what-if; each other section lives in a ``dashboard/budget/*`` module.  Sections are
tabs of which only the open one runs (``components.sections``), the what-if first: a first visit draws
one chart, the response curves.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from core.formatting import format_value
from core.mmm.compare import on_curves, what_if
from core.mmm.model import MAX_SPEND_MULTIPLE
from dashboard import charts, components, key_messages
from dashboard.budget import controls as budget_controls
from dashboard.budget import curves as budget_curves
from dashboard.budget import optimiser as budget_optimiser
from dashboard.budget import plan as budget_plan
from dashboard.budget import scenarios as budget_scenarios
from dashboard.budget import source as budget_source
from dashboard.budget import trust as budget_trust
from dashboard.money import currency as db_currency

URL_SPEND, URL_WEEKS = "budget", "budget_weeks"  # this page's own query parameters
WEEKS = budget_controls.WEEKS

st.title("Budget simulator")
st.caption(
    "A marketing-mix model estimates how much revenue each paid channel drives, allowing for "
    "carry-over (ads keep working for a few weeks) and diminishing returns. Move the sliders to "
    "see predicted revenue for another budget, let the optimiser propose a better split, or plan the next weeks."
)

# ---- Data ------------------------------------------------------------------------------------
source: budget_source.Source | None = None
with components.guard("the budget model"):
    source = budget_source.choose()
if source is None:
    st.stop()
model = source.model

channels = list(model.channels_)
current = dict(zip(channels, model.current_spend_, strict=True))
first, last = model.weeks_[0].date(), model.weeks_[-1].date() + dt.timedelta(days=6)
period = charts.format_period(first, last)
recent_weeks = model.current_weeks_  # "current" spend is the mean of these last weeks (fewer on short data)

# ---- What-if (the first section) -------------------------------------------------------------
_key, TOTAL = budget_controls.spend_key, budget_controls.TOTAL
# Sliders, curves and the optimiser's allowed change all stop at the same multiple of current spend.
grid = budget_controls.slider_grid(current, multiple=MAX_SPEND_MULTIPLE)
steps, slider_max = grid.steps, grid.maxima
# The what-if compares with the current budget as the sliders can show it, so an untouched
# slider reads "+0" rather than a rounding difference.
current_on_sliders = {c: float(v) for c, v in grid.snap_all(current).items()}
token = budget_controls.model_token(model)


def _sync_total() -> None:
    budget_controls.sync_total(st.session_state, channels)


def _scale_channels() -> None:
    budget_controls.scale_channels(st.session_state, grid)


# Plans made with another model would mislead; new data also resets the budgets and the optimiser's total.
budget_controls.follow_model(
    st.session_state,
    model,
    token,
    plans=(budget_optimiser.PLAN, budget_plan.FUTURE),
    totals=(budget_optimiser.OPT_TOTAL,),
)
budget_controls.read_link(
    st.session_state, st.query_params, grid, current, spend_param=URL_SPEND, weeks_param=URL_WEEKS
)
# Streamlit drops the values of widgets it does not draw (another section or page was open): read_link
# put them back as last drawn; the total follows the channels.
_sync_total()
if components.is_presenting():  # no optimiser form: its default proposal, marked on the curves from the start
    budget_optimiser.default_plan(model, current=current, token=token)


@st.fragment
def what_if_section() -> None:
    currency = db_currency()  # of the amounts in this database (its settings)
    code = currency.code
    lead = st.container()  # the key message reads the sliders below, but leads the section
    top = st.columns([2, 1])
    top[0].slider(
        f"Total weekly budget ({code} per week)",
        0,
        int(sum(slider_max.values())),
        key=TOTAL,
        step=max(steps.values()),
        on_change=_scale_channels,
        help="Scales every channel by the same factor.",
    )
    weeks = top[1].number_input(
        "Planning period (weeks)", 1, 52, key=WEEKS, help="Revenue and spend are totals over this many weeks."
    )
    cols = st.columns(3)
    for i, c in enumerate(channels):
        cols[i % 3].slider(
            f"{c} ({code} per week)",
            0,
            slider_max[c],
            key=_key(c),
            step=steps[c],
            on_change=_sync_total,
            help=f"Current: {currency.whole(current[c])} per week (average of the last {recent_weeks} weeks).",
        )
    spend = {c: float(st.session_state[_key(c)]) for c in channels}
    budget_controls.keep(st.session_state, channels)  # for when another section was open
    change = what_if(model, spend, reference=current_on_sliders, weeks=int(weeks))
    pred = change.budget
    k1, k2, k3, k4 = st.columns(4)
    k1.metric(
        f"Predicted revenue, {weeks} weeks",
        format_value(pred.revenue, "money", currency),
        delta=f"{change.revenue_change:+,.0f} {code} ({change.revenue_change_pct:+.1%})",
        border=True,
        help="Change against the current budget (rounded to the slider steps). Steady state: the budget has run "
        "long enough for carry-over to settle; baseline of a typical recent week.",
    )
    budget_trust.band_metric(k2, revenue=pred.revenue, low=pred.low, high=pred.high, what=f"over {weeks} weeks")
    k3.metric(
        f"Spend, {weeks} weeks",
        format_value(change.spend, "money", currency),
        delta=f"{change.spend_change:+,.0f} {code}",
        delta_color="off",
        border=True,
    )
    has_spend = change.spend > 0
    k4.metric(
        "Media ROAS",
        f"{pred.roas:.2f}×" if has_spend else "–",
        delta=f"{change.roas_change:+.2f} vs current" if has_spend else None,
        border=True,
        help="Revenue the channels drive ÷ spend.",
    )
    with lead:
        components.key_message(key_messages.budget_what_if(change, weeks=int(weeks), currency=currency))
    shared = ",".join(f"{c}:{spend[c]:.0f}" for c in channels)
    if st.query_params.get(URL_SPEND) != shared:
        st.query_params[URL_SPEND] = shared
    if st.query_params.get(URL_WEEKS) != str(weeks):
        st.query_params[URL_WEEKS] = str(weeks)
    if not components.is_presenting():
        st.caption("Copy the page address to share this scenario: the budgets are in the link.")
    plan = budget_optimiser.stored_plan(token)
    markers = {"current": on_curves(model, current), "what-if": on_curves(model, spend)}
    if plan:
        markers["optimised"] = on_curves(model, dict(zip(channels, plan["plan"].proposed, strict=True)))
    curves = budget_curves.response_curves(
        model.response_curves(max_spend=slider_max), markers=markers, allowed=plan["bounds"] if plan else None
    )
    components.key_message(key_messages.budget_curves(model.channel_summary_, currency=currency))
    st.vega_lite_chart(spec=curves, width="content")
    st.caption(
        "Black circle: current weekly spend. Orange diamond: the budget on the sliders. Light band around each "
        "curve: its 90% band. After running the optimiser: green star = its proposal, green shading = the range it "
        "was allowed."
    )
    with st.expander(f"This budget per channel ({weeks} weeks)"):
        reference = change.reference
        budget_trust.euro_table(
            pd.DataFrame({
                "channel": channels,
                "current": [current_on_sliders[c] for c in channels],
                "what_if": [spend[c] for c in channels],
                "revenue": [pred.media.get(c, float("nan")) for c in channels],
                "change": [pred.media.get(c, float("nan")) - reference.media.get(c, float("nan")) for c in channels],
            }),
            "budget_what_if",
            {"channel": "Channel", "current": f"Current ({code}/week)", "what_if": f"What-if ({code}/week)",
             "revenue": f"Revenue driven, {weeks} weeks ({code})", "change": f"Change vs current ({code})"},
            euro=("current", "what_if", "revenue", "change"),
        )
    budget_scenarios.save_form(pred)


# ---- Sections: only the open one runs --------------------------------------------------------
what_if_tab, card_tab, drivers_tab, sure_tab, optimiser_tab, plan_tab = components.sections(
    budget_controls.SECTIONS, key=budget_controls.SECTION)

if what_if_tab.open:
    with what_if_tab:
        st.caption("Move the weekly budgets: predicted revenue follows. The response curves below show where the "
                   "next unit of budget earns most.")
        with components.guard("the what-if simulator"):
            what_if_section()
        budget_scenarios.section()
if card_tab.open:
    with card_tab, components.guard("the model card"):
        budget_trust.model_card(model, source_text=source.text, period=period)
if drivers_tab.open:
    with drivers_tab, components.guard("the revenue drivers"):
        budget_trust.drivers(model, period=period)
if sure_tab.open:
    with sure_tab, components.guard("how sure the model is"):
        budget_trust.how_sure(model, period=period, tests_switched_off=source.tests_switched_off)
if optimiser_tab.open:
    with optimiser_tab, components.guard("the optimiser"):
        budget_optimiser.section(model, current=current, grid=grid, token=token)
if plan_tab.open:
    with plan_tab, components.guard("the plan for the next weeks"):
        budget_plan.section(model, current=current, token=token)
