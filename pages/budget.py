"""Budget simulator: how much revenue each channel drives, what-if budgets and an optimiser."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping

import pandas as pd
import streamlit as st

from core.db import OmnimixError
from core.mmm.model import MAX_SPEND_MULTIPLE, BudgetPrediction, MediaMixModel
from core.mmm.optimizer import CURRENT_SPLIT, optimize_budget, target_roas_budget
from dashboard import budget_charts, budget_controls, budget_data, charts, components, state

EUR, RATIO = "euro", "%.2f"
URL_SPEND, URL_WEEKS = "budget", "budget_weeks"  # this page's own query parameters
SCENARIOS, PLAN, URL_READ = "budget_scenarios", "budget_plan", "budget_url_read"
WEEKS, OPT_TOTAL = "budget_weeks_input", "budget_opt_total"
OPT_ERROR = "budget_opt_error"
SCENARIO_NAME, NEW_NAME = "budget_scenario_name", "budget_scenario_new_name"
MODEL = "budget_model"  # fingerprint of the model the budgets, plan and optimiser total were made for

st.title("Budget simulator")
st.caption(
    "A marketing-mix model estimates how much revenue each paid channel drives, allowing for "
    "carry-over (ads keep working for a few weeks) and diminishing returns. Move the sliders to "
    "see predicted revenue for another budget, or let the optimiser propose a better split."
)

# ---- Data ------------------------------------------------------------------------------------
source = st.segmented_control(
    "Data", ["This database", "My weekly CSV"], default="This database", key="budget_source", required=True,
    help="The model learns from weekly revenue and weekly spend per channel. Use the database, or upload your "
    "own table: one row per week with a date, revenue, one spend column per channel and optional controls.",
)  # fmt: skip
model: MediaMixModel | None = None
with components.guard("the budget model"):
    if source == "This database":
        ctx = state.current()
        if not ctx.db.exists():
            st.info(state.missing_db_message(ctx.db))
            st.stop()
        model = budget_data.model_for_db(ctx.db)
        source_text = "this database (revenue of all sales channels, spend per media channel)"
    else:
        upload = st.file_uploader(
            "Weekly CSV", type="csv", key="budget_upload",
            help="One row per week, weeks 7 days apart with no gaps; spend in EUR per week.",
        )  # fmt: skip
        if upload is None:
            st.info(
                "Upload a weekly CSV: a date column, a revenue column, one spend column per channel, optional controls."
            )
            st.stop()
        content = upload.getvalue()
        try:
            columns = [str(c) for c in pd.read_csv(io.BytesIO(content), nrows=5).columns]
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise OmnimixError(f"Cannot read {upload.name} as CSV: {exc}") from exc
        c1, c2 = st.columns(2)
        date_col = c1.selectbox("Week column", columns, key="budget_csv_date")
        target_col = c2.selectbox("Revenue column", columns, index=min(1, len(columns) - 1), key="budget_csv_target")
        rest = [c for c in columns if c not in (date_col, target_col)]
        spend_cols = c1.multiselect("Spend columns (EUR per week)", rest, key="budget_csv_channels")
        control_cols = c2.multiselect(
            "Controls (optional)", [c for c in rest if c not in spend_cols], key="budget_csv_controls"
        )
        if not spend_cols:
            st.info("Pick the spend columns, one per channel.")
            st.stop()
        model = budget_data.model_for_csv(
            content, date=date_col, target=target_col, channels=tuple(spend_cols), controls=tuple(control_cols)
        )
        source_text = f"{upload.name}"
if model is None:
    st.stop()

channels = list(model.channels_)
current = dict(zip(channels, model.current_spend_, strict=True))
first, last = model.weeks_[0].date(), model.weeks_[-1].date() + dt.timedelta(days=6)
period = charts.format_period(first, last)
summary = model.channel_summary_
recent_weeks = model.current_weeks_  # "current" spend is the mean of these last weeks (fewer on short data)

# ---- Model card ------------------------------------------------------------------------------
st.subheader(
    "How good is the model?",
    help="The last weeks are held out: the model is fitted without them and then asked to predict them.",
)
hold, train = model.metrics_["holdout"], model.metrics_["train"]
st.markdown(
    f"Fitted on **{len(model.weeks_)} weeks** ({period}) of {source_text}. On the last **{hold['weeks']} weeks**, "
    f"which the model did not see, its weekly revenue predictions were off by **{hold['mape']:.1%}** on average. "
    f"It explains **{train['r2']:.0%}** of the week-to-week ups and downs of revenue."
)
m1, m2, m3, m4 = st.columns(4)
m1.metric(
    "Error on held-out weeks",
    f"{hold['mape']:.1%}",
    help="MAPE: mean absolute percentage error of weekly revenue on the final weeks left out of fitting.",
    border=True,
)
m2.metric(
    "Explained variation",
    f"{train['r2']:.0%}",
    help="R²: share of the week-to-week variation in revenue the model reproduces (training weeks).",
    border=True,
)
m3.metric(
    "Error on training weeks", f"{train['mape']:.1%}", help="MAPE on the weeks the model was fitted on.", border=True
)
m4.metric(
    "NRMSE (held out)",
    f"{hold['nrmse']:.1%}",
    help="Root mean squared error divided by the range of weekly revenue (Robyn's measure).",
    border=True,
)
st.caption(
    "Bands are 90% ranges from a block bootstrap over weeks with the curves held fixed, so the real uncertainty is larger. "
    "Channels whose spend barely varies are hard to measure: read wide bands as 'not sure'."
)

st.subheader("What drives revenue")
st.plotly_chart(budget_charts.decomposition_area(model.decomposition_, model.channels_, period=period))
left, right = st.columns([2, 3])
left.plotly_chart(budget_charts.roas_bars(summary, period=period))
with right:
    components.table(
        summary.assign(roas_range=[f"{a:.2f} – {b:.2f}" for a, b in zip(summary["roas_low"], summary["roas_high"], strict=True)]),
        "budget_channel_roas",
        labels={
            "channel": "Channel",
            "spend": f"Spend, {len(model.weeks_)} weeks (EUR)",
            "contribution": f"Revenue driven, {len(model.weeks_)} weeks (EUR)",
            "roas": "ROAS",
            "roas_range": "90% range",
            "mroas": "Marginal ROAS",
            "current_weekly_spend": f"Current spend per week, last {recent_weeks} weeks' mean (EUR)",
        },
        formats={"spend": EUR, "contribution": EUR, "roas": RATIO, "current_weekly_spend": EUR, "mroas": RATIO},
    )  # fmt: skip
    st.caption(
        "**ROAS**: revenue the channel drove ÷ its spend over the period. **Marginal ROAS**: revenue of the next EUR "
        f"per week at the current weekly spend (average of the last {recent_weeks} weeks); below 1 the next EUR "
        f"loses money. Spend and revenue driven are totals over {period}."
    )


# ---- What-if ---------------------------------------------------------------------------------
_key, TOTAL = budget_controls.spend_key, budget_controls.TOTAL
# Sliders, curves and the optimiser's allowed change all stop at the same multiple of current spend.
grid = budget_controls.slider_grid(current, multiple=MAX_SPEND_MULTIPLE)
steps, slider_max = grid.steps, grid.maxima
# The what-if compares with the current budget as the sliders can show it, so an untouched
# slider reads "+0 EUR" rather than a rounding difference.
current_on_sliders = {c: float(v) for c, v in grid.snap_all(current).items()}
token = budget_controls.model_token(model)


def _short_eur(value: float) -> str:
    # Two amounts must fit one metric card: "€712k", "€1.4M".
    if abs(value) >= 1e6:
        return f"€{value / 1e6:,.2f}M"
    return f"€{value / 1e3:,.0f}k" if abs(value) >= 1e4 else f"€{value:,.0f}"


def _on_curve(spend: Mapping[str, float]) -> dict[str, tuple[float, float]]:
    """Per channel: weekly spend and the weekly revenue the model predicts for it (EUR)."""
    revenue = model.weekly_response(model.spend_vector(spend))
    return {c: (float(spend[c]), float(r)) for c, r in zip(channels, revenue, strict=True)}


def _sync_total() -> None:
    budget_controls.sync_total(st.session_state, channels)


def _scale_channels() -> None:
    budget_controls.scale_channels(st.session_state, grid)


def _stored_plan() -> dict | None:
    """The optimiser's last plan, if it was made with this model."""
    stored = st.session_state.get(PLAN)
    return stored if stored and stored["model"] == token else None


if st.session_state.get(MODEL) != token:
    # New data (a regenerated database, another CSV or columns): budgets, the optimiser's
    # total and its plan were made for the old model and would mislead, so start afresh.
    budget_controls.forget_budgets(st.session_state)
    for stale in (PLAN, OPT_TOTAL):
        st.session_state.pop(stale, None)
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
    spread = (pred.high - pred.low) / 2 / pred.revenue if pred.revenue else float("nan")
    k2.metric("Uncertainty (90% range)", f"±{spread:.1%}", delta=f"{_short_eur(pred.low)} – {_short_eur(pred.high)}",
              delta_color="off", delta_arrow="off", border=True,
              help=f"{pred.low:,.0f} to {pred.high:,.0f} EUR, from the bootstrap refits of the model.")  # fmt: skip
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
    plan = _stored_plan()
    markers = {"current": _on_curve(current), "what-if": _on_curve(spend)}
    if plan:
        markers["optimised"] = _on_curve(dict(zip(channels, plan["plan"].proposed, strict=True)))
    curves = budget_charts.response_curves(
        model.response_curves(max_spend=slider_max), markers=markers, allowed=plan["bounds"] if plan else None
    )
    st.plotly_chart(curves)
    st.caption(
        "Black circle: current weekly spend. Orange diamond: the budget on the sliders. After running the optimiser: "
        "green star = its proposal, shaded = the range it was allowed."
    )

    _save_scenario(pred)


with components.guard("the what-if simulator"):
    what_if()


# ---- Optimiser -------------------------------------------------------------------------------
def _optimise() -> None:
    """Submit callback: it runs before the page is drawn, so the curves above show the new plan at once."""
    state = st.session_state
    lo_pct, hi_pct = state["budget_opt_range"]
    bounds = {c: (current[c] * (1 + lo_pct / 100), current[c] * (1 + hi_pct / 100)) for c in channels}
    try:
        if state["budget_goal"].startswith("Most"):
            plan = optimize_budget(model, state[OPT_TOTAL], bounds=bounds)
        else:
            plan = target_roas_budget(model, state["budget_opt_target"], bounds=bounds)
    except OmnimixError as exc:
        state.pop(PLAN, None)
        state[OPT_ERROR] = str(exc)
        return
    state[PLAN] = {"plan": plan, "bounds": bounds, "weeks": int(state["budget_opt_weeks"]), "model": token}


st.subheader(
    "Optimiser", help="Finds the split the model predicts earns most; channels stay within the allowed change."
)
with st.form("budget_optimiser"):
    o1, o2, o3 = st.columns(3)
    o1.radio("Goal", ["Most revenue for a total", "Largest budget at a target ROAS"], key="budget_goal")
    # Set through the session state, not value=: a keyed widget ignores a new value= once it
    # has one, and the total must follow the model (see MODEL above).
    st.session_state.setdefault(OPT_TOTAL, float(round(sum(current.values()))))
    o2.number_input("Total weekly budget (EUR)", min_value=0.0, step=1000.0, key=OPT_TOTAL)
    o2.number_input("Target ROAS", min_value=0.1, value=2.0, step=0.1, key="budget_opt_target",
                    help="Media revenue per EUR of spend to keep (used by the second goal).")  # fmt: skip
    o3.slider(
        "Allowed change per channel (% of current)", -100, round((MAX_SPEND_MULTIPLE - 1) * 100), (-50, 50), step=5,
        key="budget_opt_range", help=f"Up to {MAX_SPEND_MULTIPLE:g}× the current weekly spend, as the sliders above.",
    )  # fmt: skip
    o3.number_input("Planning period (weeks)", 1, 52, 4, key="budget_opt_weeks")
    st.form_submit_button("Optimise", icon=":material/auto_graph:", type="primary", on_click=_optimise)
if error := st.session_state.pop(OPT_ERROR, None):  # shown once, in the run after the submit
    st.warning(error, icon=":material/block:")


def _apply_plan() -> None:
    proposed = st.session_state[PLAN]["plan"].proposed
    budget_controls.set_channels(st.session_state, grid, dict(zip(channels, proposed, strict=True)))


stored = _stored_plan()
if stored:
    with components.guard("the proposed split"):
        plan, w = stored["plan"], stored["weeks"]
        st.success(plan.message, icon=":material/lightbulb:")
        # plan.current is today's split only at today's total; otherwise today's shares scaled
        # to the plan's total, and every label below says which.
        start = plan.current_label
        p1, p2, p3 = st.columns(3)
        p1.metric(f"Predicted revenue, {w} weeks", components.format_value(plan.proposed_revenue * w, "EUR"),
                  delta=f"{plan.gain * w:+,.0f} EUR vs {start}", border=True,
                  help=f"Against the {start}: {plan.current_revenue * w:,.0f} EUR over {w} weeks.")  # fmt: skip
        p2.metric(f"Spend, {w} weeks", components.format_value(plan.total * w, "EUR"), border=True)
        p3.metric("Media ROAS", f"{plan.roas:.2f}×", border=True)
        if start != CURRENT_SPLIT:
            today = model.predict_budget(model.current_spend_, weeks=w)
            today_spend = sum(today.spend.values())
            st.markdown(
                f"Against **today's budget** ({today_spend / w:,.0f} EUR per week): over {w} weeks the proposal spends "
                f"**{plan.total * w - today_spend:+,.0f} EUR** and is predicted to earn "
                f"**{plan.proposed_revenue * w - today.revenue:+,.0f} EUR** ({today.revenue:,.0f} → "
                f"{plan.proposed_revenue * w:,.0f} EUR)."
            )
        table = plan.table()
        scaled = table.assign(**{c: table[c] * w for c in table.columns if c != "channel"})
        left, right = st.columns([3, 2])
        left.plotly_chart(
            budget_charts.gain_waterfall(
                scaled, current_revenue=plan.current_revenue * w, weeks=w, start_label=start.capitalize()
            )
        )
        with right:
            components.table(
                scaled, "budget_proposed_split",
                labels={"channel": "Channel", "current_spend": f"{start.capitalize()}, {w} wk (EUR)",
                        "proposed_spend": f"Proposed spend, {w} wk (EUR)",
                        "revenue_gain": f"Revenue gain vs {start}, {w} wk (EUR)"},
                formats={"current_spend": EUR, "proposed_spend": EUR, "revenue_gain": EUR},
            )  # fmt: skip
            st.button("Try this split in the sliders", on_click=_apply_plan, icon=":material/tune:")

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
