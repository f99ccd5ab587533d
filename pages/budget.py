"""Budget simulator: how much revenue each channel drives and how sure that is, what-if budgets, an optimiser
and a plan for the next weeks.

The page draws the what-if; each other section lives in a ``dashboard/budget/*`` module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd
import streamlit as st

from core.mmm.model import MAX_SPEND_MULTIPLE, BudgetPrediction
from dashboard import charts, components
from dashboard.budget import charts as budget_charts
from dashboard.budget import controls as budget_controls
from dashboard.budget import optimiser as budget_optimiser
from dashboard.budget import plan as budget_plan
from dashboard.budget import source as budget_source
from dashboard.budget import trust as budget_trust

URL_SPEND, URL_WEEKS = "budget", "budget_weeks"  # this page's own query parameters
SCENARIOS, URL_READ = "budget_scenarios", "budget_url_read"
WEEKS = "budget_weeks_input"
SCENARIO_NAME, NEW_NAME = "budget_scenario_name", "budget_scenario_new_name"
MODEL = "budget_model"  # fingerprint of the model the plans were made with
DATA = "budget_data"  # fingerprint of the data the budgets and the optimiser's total were made for

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

# ---- Model card ------------------------------------------------------------------------------
with components.guard("the model card"):
    budget_trust.model_card(model, source_text=source.text, period=period)
with components.guard("the revenue drivers"):
    budget_trust.drivers(model, period=period)
with components.guard("how sure the model is"):
    budget_trust.how_sure(model, period=period, tests_switched_off=source.tests_switched_off)


# ---- What-if ---------------------------------------------------------------------------------
_key, TOTAL = budget_controls.spend_key, budget_controls.TOTAL
# Sliders, curves and the optimiser's allowed change all stop at the same multiple of current spend.
grid = budget_controls.slider_grid(current, multiple=MAX_SPEND_MULTIPLE)
steps, slider_max = grid.steps, grid.maxima
# The what-if compares with the current budget as the sliders can show it, so an untouched
# slider reads "+0 EUR" rather than a rounding difference.
current_on_sliders = {c: float(v) for c, v in grid.snap_all(current).items()}
token = budget_controls.model_token(model)


def _on_curve(spend: Mapping[str, float]) -> dict[str, tuple[float, float]]:
    """Per channel: weekly spend and the weekly revenue the model predicts for it (EUR)."""
    revenue = model.weekly_response(model.spend_vector(spend))
    return {c: (float(spend[c]), float(r)) for c, r in zip(channels, revenue, strict=True)}


def _sync_total() -> None:
    budget_controls.sync_total(st.session_state, channels)


def _scale_channels() -> None:
    budget_controls.scale_channels(st.session_state, grid)


if st.session_state.get(MODEL) != token:
    # Plans made with another model would mislead. New data (a regenerated database, another
    # CSV or columns) also resets the budgets and the optimiser's total; switching the lift
    # tests on or off keeps them (same weeks and current spend).
    for stale in (budget_optimiser.PLAN, budget_plan.FUTURE):
        st.session_state.pop(stale, None)
    if st.session_state.get(DATA) != (data := budget_controls.data_token(model)):
        budget_controls.forget_budgets(st.session_state)
        st.session_state.pop(budget_optimiser.OPT_TOTAL, None)
        st.session_state[DATA] = data
    st.session_state[MODEL] = token
if not st.session_state.get(URL_READ) or any(_key(c) not in st.session_state for c in channels):
    # The link is read once per session; a hand-edited one may hold anything (parse_shared
    # keeps finite amounts of at least 0 only).
    link = st.query_params.get(URL_SPEND, "") if not st.session_state.get(URL_READ) else ""
    shared = budget_controls.parse_shared(link, channels)
    budget_controls.set_channels(st.session_state, grid, {c: shared.get(c, current[c]) for c in channels})
    st.session_state[WEEKS] = budget_controls.parse_weeks(st.query_params.get(URL_WEEKS, ""))
    st.session_state[URL_READ] = True
# Widget values are dropped when the user visits another page; the total follows the channels.
_sync_total()


def _save_scenario(pred: BudgetPrediction) -> None:
    """Name field and save button for the what-if budget (inside the what-if fragment)."""
    saved = st.session_state.setdefault(SCENARIOS, {})
    # The name field has a key, so its value= would only be used once: a fresh default is set
    # through the session state after each save or clear (and after a visit to another page).
    if st.session_state.pop(NEW_NAME, False) or SCENARIO_NAME not in st.session_state:
        st.session_state[SCENARIO_NAME] = budget_controls.next_scenario_name(saved)
    name_col, save_col = st.columns([3, 1])
    name = name_col.text_input("Scenario name", key=SCENARIO_NAME).strip()
    if not save_col.button("Save scenario", icon=":material/bookmark_add:"):
        return
    if not name:
        st.warning("Scenario name: type a name to save this budget under.", icon=":material/edit:")
        return
    if name in saved:
        st.warning(
            f"Scenario name: {name!r} is already saved; choose another name (or clear the saved scenarios).",
            icon=":material/edit:",
        )
        return
    saved[name] = {
        **{f"{c} (EUR)": pred.spend[c] for c in channels},
        "Total spend (EUR)": sum(pred.spend.values()),
        "Predicted revenue (EUR)": pred.revenue,
        "Low (EUR)": pred.low,
        "High (EUR)": pred.high,
        "Weeks": pred.weeks,
    }
    st.session_state[NEW_NAME] = True
    st.rerun()  # the comparison table below is outside this fragment


@st.fragment
def what_if() -> None:
    st.subheader("What if? Move the weekly budgets")
    top = st.columns([2, 1])
    top[0].slider(
        "Total weekly budget (EUR per week)", 0, int(sum(slider_max.values())), key=TOTAL, step=max(steps.values()),
        on_change=_scale_channels, help="Scales every channel by the same factor.",
    )  # fmt: skip
    weeks = top[1].number_input(
        "Planning period (weeks)", 1, 52, key=WEEKS, help="Revenue and spend are totals over this many weeks."
    )
    cols = st.columns(3)
    for i, c in enumerate(channels):
        cols[i % 3].slider(
            f"{c} (EUR per week)", 0, slider_max[c], key=_key(c), step=steps[c], on_change=_sync_total,
            help=f"Current: {current[c]:,.0f} EUR per week (average of the last {recent_weeks} weeks).",
        )  # fmt: skip
    spend = {c: float(st.session_state[_key(c)]) for c in channels}
    pred = model.predict_budget(spend, weeks=int(weeks))
    base = model.predict_budget(current_on_sliders, weeks=int(weeks))
    change = pred.revenue - base.revenue
    k1, k2, k3, k4 = st.columns(4)
    k1.metric(f"Predicted revenue, {weeks} weeks", components.format_value(pred.revenue, "EUR"),
              delta=f"{change:+,.0f} EUR ({change / base.revenue:+.1%})", border=True,
              help="Change against the current budget (rounded to the slider steps). Steady state: the budget has run long enough for carry-over to settle; baseline of a typical recent week.")  # fmt: skip
    budget_trust.band_metric(k2, revenue=pred.revenue, low=pred.low, high=pred.high, what=f"over {weeks} weeks")
    k3.metric(f"Spend, {weeks} weeks", components.format_value(sum(pred.spend.values()), "EUR"),
              delta=f"{sum(pred.spend.values()) - sum(base.spend.values()):+,.0f} EUR", delta_color="off", border=True)  # fmt: skip
    has_spend = sum(pred.spend.values()) > 0
    k4.metric("Media ROAS", f"{pred.roas:.2f}×" if has_spend else "–",
              delta=f"{pred.roas - base.roas:+.2f} vs current" if has_spend else None, border=True,
              help="Revenue the channels drive ÷ spend.")  # fmt: skip
    shared = ",".join(f"{c}:{spend[c]:.0f}" for c in channels)
    if st.query_params.get(URL_SPEND) != shared:
        st.query_params[URL_SPEND] = shared
    if st.query_params.get(URL_WEEKS) != str(weeks):
        st.query_params[URL_WEEKS] = str(weeks)
    st.caption("Copy the page address to share this scenario: the budgets are in the link.")
    plan = budget_optimiser.stored_plan(token)
    markers = {"current": _on_curve(current), "what-if": _on_curve(spend)}
    if plan:
        markers["optimised"] = _on_curve(dict(zip(channels, plan["plan"].proposed, strict=True)))
    curves = budget_charts.response_curves(
        model.response_curves(max_spend=slider_max), markers=markers, allowed=plan["bounds"] if plan else None
    )
    st.plotly_chart(curves)
    st.caption(
        "Black circle: current weekly spend. Orange diamond: the budget on the sliders. Light band around each "
        "curve: its 90% band. After running the optimiser: green star = its proposal, green shading = the range it "
        "was allowed."
    )

    _save_scenario(pred)


with components.guard("the what-if simulator"):
    what_if()


# ---- Optimiser and plan for the next weeks ----------------------------------------------------
with components.guard("the optimiser"):
    budget_optimiser.section(model, current=current, grid=grid, token=token)
with components.guard("the plan for the next weeks"):
    budget_plan.section(model, current=current, token=token)

# ---- Scenarios -------------------------------------------------------------------------------
st.subheader("Saved scenarios", help="Kept for this browser session; save one from the what-if section.")
scenarios = st.session_state.get(SCENARIOS, {})
if not scenarios:
    st.info("No scenario saved yet: set the sliders above and press **Save scenario** to compare budgets side by side.")
else:
    compare = pd.DataFrame(scenarios).reset_index(names="measure")
    components.table(compare, "budget_scenarios", labels={"measure": "Measure", **{n: n for n in scenarios}},
                     formats=dict.fromkeys(scenarios, "%,.0f"))  # fmt: skip
    if st.button("Clear scenarios", icon=":material/delete:"):
        st.session_state[SCENARIOS] = {}
        st.session_state[NEW_NAME] = True
        st.rerun()
