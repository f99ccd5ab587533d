"""Customer value: who will buy again, what each customer is worth, who is slipping away, CLV vs CAC."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from core.clv.value import GAP_WEEKS_THRESHOLDS, P_ALIVE_THRESHOLDS
from core.privacy import MIN_GROUP_SIZE, small_group_label
from dashboard import charts, components, data_access, key_messages, state
from dashboard.clv import charts as clv_charts
from dashboard.clv import controls, text
from dashboard.clv import data as clv_data
from dashboard.formats import COUNT, PCT, RATIO, money
from dashboard.money import currency as db_currency
from dashboard.presentation import download_note

HORIZON_KEY, DISCOUNT_KEY, HOLDOUT_KEY = "clv_horizon", "clv_discount", "clv_holdout"
SECTION = "clv_section"  # session and URL key of the open section (tab)
SECTIONS = ("Risk tiers", "Valuable at risk", "Value vs cost", "Model check")
N = MIN_GROUP_SIZE

st.title("Customer value")
st.caption(
    "Which customers are probably still active, how many orders and how much revenue each will bring over the next "
    "months (customer lifetime value, CLV), which valuable ones are slipping away, and what each acquisition "
    f"channel's customers are worth against what they cost to acquire. Privacy: groups of fewer than {N} customers "
    f"are hidden and shown as \"{small_group_label(N)}\"."
)

db, filters = state.ready()
currency = db_currency()  # of the amounts in this database (its settings)
period = charts.format_period(filters.start, filters.end)
channel_text = state.channels_in_words(filters)
cutoff = filters.end.isoformat()
st.caption(f"Every order up to **{cutoff}** (the end of the selected dates) in {channel_text}; the selected "
           f"dates ({period}) are also the period of acquisition costs.")
if filters.channels == ():
    st.info("No sales channel is selected. Select at least one in the sidebar.", icon=":material/filter_alt_off:")
    st.stop()
first_day, _ = data_access.date_range(db)
holdouts = controls.holdout_choices((filters.end - first_day).days if first_day else 0)
controls.init(HORIZON_KEY, 52, allowed=controls.HORIZONS)
controls.init(DISCOUNT_KEY, 1.0, bounds=controls.DISCOUNT_RANGE)
if holdouts:
    controls.init(HOLDOUT_KEY, 26 if 26 in holdouts else holdouts[-1], allowed=holdouts)


@st.fragment
def value_section() -> None:
    """Everything on the page depends on these three controls: the fragment reruns alone when they change."""
    left, middle, right, _ = st.columns([2, 2, 2, 1])
    horizon = left.select_slider("Horizon (weeks)", controls.HORIZONS, key=HORIZON_KEY, help=text.HORIZON_HELP)
    discount = middle.number_input("Discount rate (% per month)", *controls.DISCOUNT_RANGE, step=0.5, format="%.1f",
                                   key=DISCOUNT_KEY, help=text.DISCOUNT_HELP) / 100
    weeks = None  # a short history: the core shortens the holdout or goes without
    if holdouts:
        weeks = right.segmented_control("Model chosen on the last … weeks", holdouts, key=HOLDOUT_KEY, required=True,
                                        help=text.HOLDOUT_HELP)
    for key, default in ((HORIZON_KEY, 52), (DISCOUNT_KEY, 1.0), (HOLDOUT_KEY, 26)):
        controls.mirror(key, default)
    result = None
    with components.guard("the customer value model"):
        result = clv_data.model(db, filters, horizon_weeks=horizon, discount_monthly=discount, holdout_weeks=weeks)
        customers = result.customers
        if len(customers) < N:
            st.info(f"{small_group_label().capitalize()} customers bought up to {cutoff} in the selected channels; "
                    "figures about so few people are not shown (privacy rule). Widen the filters in the sidebar.")
            return
        active = int((customers["p_alive"] >= 0.5).sum())
        a, b, c, d = st.columns(4)
        a.metric("Customers scored", f"{len(customers):,}", border=True,
                 help=f"Customers with at least one order up to {cutoff} in the selected channels.")
        b.metric("Probably active", f"{active / len(customers):.0%}", border=True,
                 help="Share of customers whose probability of still being active is 50% or more.")
        c.metric(f"Expected orders ({horizon} wk)", f"{customers['expected_orders'].sum():,.0f}", border=True,
                 help=f"Orders the model expects all scored customers to place in the next {horizon} weeks.")
        d.metric(f"Total CLV ({horizon} wk)", components.format_value(customers["clv"].sum(), "money", currency),
                 border=True, help=f"Sum of every customer's CLV over the next {horizon} weeks: expected orders × expected "
                 "order value, discounted.")
        with st.expander("How these figures are made (model card)", expanded=False, icon=":material/info:"):
            st.markdown(text.model_card(
                model_name=result.model_name, choice=result.choice, params=result.params, spend_params=result.spend_params, cutoff=cutoff,
                horizon_weeks=horizon, discount_monthly=discount, channels=channel_text, customers=len(customers)))

    if result is None:  # the guard said why
        return
    # Sections: only the open one runs (tabs inside the fragment: a click reruns the fragment alone).
    tiers_tab, at_risk_tab, cost_tab, check_tab = components.sections(SECTIONS, key=SECTION)
    if tiers_tab.open:
        with tiers_tab, components.guard("the churn-risk tiers"):
            tiers_section(result, horizon, discount, weeks)
    if at_risk_tab.open:
        with at_risk_tab, components.guard("the valuable customers at risk"):
            views = clv_data.views(db, filters, horizon_weeks=horizon, discount_monthly=discount, holdout_weeks=weeks)
            at_risk_section(views["at_risk"], horizon)
    if cost_tab.open:
        with cost_tab, components.guard("the CLV against the cost to acquire"):
            channel_section(horizon, discount, weeks)
    if check_tab.open:
        with check_tab, components.guard("the holdout check"):
            holdout_section(result)


def tiers_section(result, horizon: int, discount: float, weeks: int | None) -> None:  # noqa: ANN001
    """The spread of CLV, activity by frequency and recency, then customers per churn-risk tier."""
    customers = result.customers
    views = clv_data.views(db, filters, horizon_weeks=horizon, discount_monthly=discount, holdout_weeks=weeks)
    components.key_message(key_messages.customer_value(customers, horizon_weeks=horizon, currency=currency))
    # Charts before the table: a table loads its own script in a fresh browser and would delay them.
    left, right = st.columns(2)
    left.altair_chart(clv_charts.clv_distribution(views["histogram"], horizon_weeks=horizon, cutoff=cutoff))
    right.altair_chart(clv_charts.activity_heatmap(views["grid"], cutoff=cutoff))
    right.caption(text.heatmap_reading(result.model_name))

    st.caption("**Churn-risk tiers.** " + text.tier_help(clv_data.tiers(), P_ALIVE_THRESHOLDS, GAP_WEEKS_THRESHOLDS))
    components.table(views["tiers"], "clv_tiers", labels={
        "tier": "Tier", "customers": "Customers", "customer_share": "% of customers",
        "p_alive": "Probably active (mean)", "mean_clv": "Mean CLV", "total_clv": "Total CLV",
        "expected_orders": f"Expected orders, next {horizon} weeks"},
        formats={"customers": COUNT, "customer_share": PCT, "p_alive": PCT, "mean_clv": money(currency), "total_clv": money(currency),
                 "expected_orders": "%,.0f"})


def at_risk_section(at_risk, horizon: int) -> None:  # noqa: ANN001
    st.caption("Customers in the top 20% by CLV whose tier says they are cooling or at risk: worth a win-back offer "
               "before they are gone.")
    threshold = at_risk.attrs.get("threshold", 0.0)
    if at_risk.empty:
        st.info("No customer in the top 20% by CLV is cooling or at risk.")
        return
    components.reading(f"{len(at_risk):,} customers with a CLV of at least {components.format_value(threshold, 'money', currency)} "
               f"(top 20%) in a cooling or at-risk tier, most valuable first.")
    st.dataframe(at_risk, hide_index=True, height=300, column_config={
        "customer_id": "Customer", "clv": st.column_config.NumberColumn(f"CLV, next {horizon} weeks", format=money(currency)),
        "p_alive": st.column_config.NumberColumn("Probably active", format=PCT), "tier": "Tier",
        "orders": st.column_config.NumberColumn("Orders so far", format=COUNT),
        "weeks_since_last": st.column_config.NumberColumn("Weeks since last order", format="%.1f"),
        "expected_orders": st.column_config.NumberColumn("Expected orders", format="%.2f")})
    components.download_csv(at_risk[["customer_id"]], "valuable_customers_at_risk")
    if note := download_note("The download lists the customer ids only, as every export of individual customers."):
        st.caption(note)


def channel_section(horizon: int, discount: float, holdout_weeks: int | None) -> None:
    st.caption("**CLV against the cost to acquire a customer (CAC).** CAC = a channel's marketing spend in the "
               "period ÷ the customers who signed up through it in the period. Mean CLV: the scored customers the "
               "channel brought in, over the horizon. A CLV:CAC of 3 or more is a common rule of thumb for a healthy "
               "channel.")
    value = clv_data.channel_value(db, filters, horizon_weeks=horizon, discount_monthly=discount,
                                   holdout_weeks=holdout_weeks)
    components.key_message(key_messages.clv_cac(value))
    st.plotly_chart(clv_charts.clv_vs_cac(value, horizon_weeks=horizon, period=period))
    components.table(value, "clv_by_acquisition_channel", labels={
        "channel": "Acquisition channel", "customers": "Customers scored", "mean_clv": f"Mean CLV, next {horizon} weeks",
        "new_customers": "New customers in period", "spend": "Marketing spend in period", "cac": "CAC",
        "clv_to_cac": "CLV:CAC"},
        formats={"customers": COUNT, "mean_clv": money(currency), "new_customers": COUNT, "spend": money(currency), "cac": money(currency),
                 "clv_to_cac": RATIO})
    no_spend = value.loc[~value["has_spend"], "channel"].tolist()
    if no_spend:
        st.caption(f"No marketing spend in {period} for {', '.join(no_spend)}: these channels have no CAC (customers "
                   "who find the shop themselves, or spend not loaded). Hidden cells: groups of fewer than "
                   f"{N} customers.")


def holdout_section(check) -> None:  # noqa: ANN001
    st.caption(f"**Does the model predict well?** {text.HOLDOUT_HELP}")
    holdout = check.holdout
    if holdout is None:
        st.info(f"The history is too short to hold out weeks for a check. {check.choice}")
        return
    weeks = int(holdout["weeks"])
    components.key_message(key_messages.clv_holdout(holdout, holdout_weeks=weeks))
    a, b, c = st.columns(3)
    a.metric("Mean absolute error", f"{holdout['mae']:.2f} orders", border=True,
             help="Average gap per customer between predicted and actual orders in the holdout.")
    error = holdout["total_error_pct"]
    b.metric("Total error", "–" if error != error else f"{error:+.1f}%", border=True,
             help="Predicted minus actual orders of all customers in the holdout, in % of actual.")
    auc = holdout.get("auc")
    c.metric("AUC of 'probably active'", "–" if auc is None or auc != auc else f"{auc:.2f}", border=True,
             help="How well the probability of being active separates customers who bought again from those "
                  "who did not (0.5 = coin toss, 1 = perfect).")
    st.markdown(text.holdout_words(holdout, holdout_weeks=weeks))
    table = clv_data.holdout_table(check)
    fit_end = holdout["calibration_cutoff"]
    holdout_end = fit_end + dt.timedelta(weeks=weeks)
    st.plotly_chart(clv_charts.holdout_chart(table, holdout_weeks=weeks,
                                             period=f"fitted up to {fit_end}, holdout {fit_end} – {holdout_end}"))
    st.caption(text.comparison_words(holdout.get("compared", {}), chosen=check.model_name))
    components.table(table, "clv_holdout_by_frequency", labels={
        "frequency": "Repeat purchases before", "customers": "Customers", "predicted": "Predicted orders",
        "actual": "Actual orders", "predicted_per_customer": "Predicted per customer",
        "actual_per_customer": "Actual per customer"},
        formats={"customers": COUNT, "predicted": "%,.0f", "actual": "%,.0f", "predicted_per_customer": "%.2f",
                 "actual_per_customer": "%.2f"})


value_section()
