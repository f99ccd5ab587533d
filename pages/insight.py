"""Market insight: cohort retention, funnels per channel, channel journeys and unusual weeks.

Each is a section tab that runs only when open, so a first visit draws the two cohort charts, not seven.
"""

from __future__ import annotations

import streamlit as st

from core.insight import anomaly_weeks, readings
from core.insight.anomalies import DEFAULT_THRESHOLD
from core.insight.cohorts import COHORT_BY
from core.privacy import MIN_GROUP_SIZE, small_group_label
from dashboard import charts, components, state
from dashboard.formats import COUNT, PCT, money
from dashboard.insight import charts as insight_charts
from dashboard.insight import data as insight_data
from dashboard.money import currency as db_currency

N = MIN_GROUP_SIZE
COHORT_PARAM = "cohort"  # our own query-parameter key: ?cohort=acquisition


def reading(text: str, *, lead: bool = True) -> None:
    """The plain-language reading under a chart; in presentation mode the section's lead one is its key message."""
    if lead and components.is_presenting():
        components.key_message(text)
    else:
        st.markdown(f":material/lightbulb: {text}")


st.title("Market insight")
st.caption(
    "Who comes back, where shoppers drop out, which channels customers move between, and which weeks "
    f"were unusual. Privacy: any group of fewer than {N} customers is hidden and shown as "
    f"\"{small_group_label(N)}\"; no figure describes a handful of people."
)

db, filters = state.ready()
currency = db_currency()  # of the amounts in this database (its settings)
period = charts.format_period(filters.start, filters.end)
channel_text = state.channels_in_words(filters)
st.caption(f"**{period}** ({filters.days} days, {channel_text}).")
if filters.channels == ():
    st.info("No sales channel is selected. Select at least one in the sidebar.", icon=":material/filter_alt_off:")
    st.stop()


# ---- Cohort retention ----------------------------------------------------------------------------
@st.fragment
def cohort_section() -> None:
    st.caption("A cohort is the customers whose first order falls in the period, grouped by the month of that "
               "order or by the channel that brought them in. Month 0 is the month of the first order; month k "
               "counts only once it has fully passed. Only orders in the selected sales channels count.")
    if st.query_params.get(COHORT_PARAM) not in COHORT_BY:
        st.query_params.pop(COHORT_PARAM, None)
    by = st.segmented_control(
        "Group cohorts by", list(COHORT_BY), format_func=COHORT_BY.get, required=True,
        default=st.query_params.get(COHORT_PARAM, "month"), key="insight_cohort_by",
    )
    if by == "month":
        st.query_params.pop(COHORT_PARAM, None)
    else:
        st.query_params[COHORT_PARAM] = by
    with components.guard("the cohorts"):
        cohorts = insight_data.cohorts(db, filters, by=by)
        if cohorts.empty:
            st.info("No cohort to show: it takes customers whose first order falls in the period and a calendar "
                    "month that has fully passed by the period end. Choose a longer period in the sidebar.")
            return
        left, right = st.columns(2)
        with left:
            st.altair_chart(insight_charts.cohort_heatmap(cohorts, measure="retention", cohort_title=COHORT_BY[by],
                                                          period=period))
            reading(readings.cohort_retention_reading(cohorts, by=by))
        with right:
            st.altair_chart(insight_charts.cohort_heatmap(cohorts, measure="cumulative_revenue_per_customer",
                                                          cohort_title=COHORT_BY[by], period=period))
            reading(readings.cohort_revenue_reading(cohorts, by=by, currency=currency), lead=False)
        st.caption("Retention = cohort customers who ordered in that month ÷ cohort customers for whom the month "
                   f"has passed. Revenue per customer adds up months 0 to k ({currency.code}, after discounts); it stops at the "
                   "first hidden month so a hidden figure cannot be worked out.")
        figures = components.details("Cohort figures", key="insight_cohort_details")
        if figures.open:
            with figures:
                components.table(
                    cohorts,
                    f"cohorts_by_{by}",
                    labels={"cohort": COHORT_BY[by], "months_since": "Months since first order",
                            "cohort_size": "Cohort customers", "active_customers": "Customers ordering",
                            "retention": "Retention", "revenue_per_customer": "Revenue per customer (month)",
                            "cumulative_revenue_per_customer": "Revenue per customer (to date)"},
                    formats={"cohort_size": COUNT, "customers_observed": COUNT, "active_customers": COUNT,
                             "retention": PCT, "revenue_per_customer": money(currency), "cumulative_revenue_per_customer": money(currency)},
                )


# ---- Sections: only the open one is computed and drawn ------------------------------------------
cohort_tab, funnel_tab, journey_tab, weeks_tab = components.sections(
    ["Cohort retention", "Funnels per channel", "Channel journeys", "Unusual weeks"], key="insight_section")

if cohort_tab.open:
    with cohort_tab:
        cohort_section()

if funnel_tab.open:
    with funnel_tab:
        st.caption("From browsing events: product views, add-to-cart and purchases in each channel. Drop-off = share of "
                   "the previous step's events that did not lead to this step. Store visits are not tracked, so the store "
                   f"has no funnel. A step with fewer than {N} distinct shoppers is hidden.")
        with components.guard("the funnels"):
            funnels = insight_data.funnels(db, filters)
            if funnels.empty:
                st.info("No browsing events match these filters.")
            else:
                prev = filters.previous_period()
                periods = {"selected": period, "previous": charts.format_period(prev.start, prev.end) if prev else ""}
                left, right = st.columns([3, 2])
                left.plotly_chart(insight_charts.funnel_bars(funnels[funnels["period"] == "selected"], period=period))
                right.plotly_chart(insight_charts.funnel_period_bars(funnels, periods=periods))
                reading(readings.funnel_reading(funnels))
                figures = components.details("Funnel figures, both periods", key="insight_funnel_details")
                if figures.open:
                    with figures:
                        components.table(
                            funnels,
                            "funnels",
                            labels={"period": "Period", "channel": "Channel", "step": "Step", "events": "Events",
                                    "step_conversion": "From previous step", "drop_off": "Drop-off",
                                    "overall_conversion": "Of views"},
                            formats={"events": COUNT, "step_conversion": PCT, "drop_off": PCT, "overall_conversion": PCT},
                            hidden_units={"events": "shoppers"},  # a step is hidden by its shoppers, not its events
                        )

if journey_tab.open:
    with journey_tab:
        st.caption("Customers whose first purchase (in the selected channels) falls in the period, by the channel of "
                   "that purchase, and the channels of their later purchases up to the period end. A customer who came "
                   "back through two channels counts in both. Multi-channel customers bought in two or more channels in "
                   "the period.")
        with components.guard("the channel journeys"):
            journeys = insight_data.journeys(db, filters)
            value = insight_data.multichannel_value(db, filters)
            left, right = st.columns([3, 2])
            with left:
                if journeys.empty:
                    st.info("No customer placed a first order in this period and these channels.")
                else:
                    st.plotly_chart(insight_charts.journey_sankey(journeys, period=period))
                    reading(readings.journey_reading(journeys))
            with right:
                if value.empty:
                    st.info("No orders match these filters.")
                else:
                    st.plotly_chart(insight_charts.value_bars(value, period=period))
                    reading(readings.value_reading(value, currency=currency), lead=False)
            figures = components.details("Journey and value figures", key="insight_journey_details")
            if figures.open:
                with figures:
                    components.table(
                        journeys,
                        "channel_journeys",
                        labels={"first_channel": "First purchase in", "later_channel": "Later purchase in",
                                "first_customers": "First-channel customers", "customers": "Customers",
                                "share_of_first": "Share of first-channel customers"},
                        formats={"first_customers": COUNT, "customers": COUNT, "share_of_first": PCT},
                    )
                    components.table(
                        value,
                        "multichannel_value",
                        labels={"group": "Customers", "customers": "Count", "customer_share": "% of buyers",
                                "revenue_per_customer": "Revenue per customer", "orders_per_customer": "Orders per customer",
                                "average_order_value": "Average order value", "revenue_share": "% of revenue"},
                        formats={"customers": COUNT, "customer_share": PCT, "revenue_per_customer": money(currency), "orders_per_customer": "%.2f",
                                 "average_order_value": money(currency), "revenue_share": PCT},
                    )

if weeks_tab.open:
    with weeks_tab:
        st.caption("Each channel's weekly revenue is compared with what its trend and yearly pattern (learned from all "
                   "history) lead one to expect. The robust z-score measures the gap in typical deviations (median-based, "
                   f"so one odd week does not distort it); weeks beyond {DEFAULT_THRESHOLD:g} are marked.")
        with components.guard("the unusual weeks"):
            weekly = insight_data.weekly_revenue(db, filters)
            if weekly.empty:
                st.info("No complete week of orders matches these filters.")
            else:
                st.plotly_chart(insight_charts.weekly_anomaly_lines(weekly, period=period, threshold=DEFAULT_THRESHOLD))
                reading(readings.anomaly_reading(weekly, min_group=N, currency=currency))
                flagged = anomaly_weeks(weekly)
                hidden_weeks = int(weekly["revenue"].isna().sum())
                if hidden_weeks:
                    st.caption(f"{hidden_weeks} channel-weeks with fewer than {N} buyers are left out of the chart "
                               "(privacy rule).")
                if not weekly.attrs.get("seasonal", True):
                    st.caption("Less than two years of history: the expectation is a 9-week running median, without a "
                               "yearly pattern.")
                with st.expander(f"Unusual weeks ({len(flagged)})", expanded=not flagged.empty):
                    components.table(
                        flagged,
                        "unusual_weeks",
                        labels={"week": "Week starting", "channel": "Channel", "revenue": "Revenue",
                                "expected_revenue": "Expected", "deviation": "Difference", "z_score": "Robust z",
                                "buyers": "Buyers"},
                        formats={"buyers": COUNT, "revenue": money(currency), "expected_revenue": money(currency), "deviation": PCT, "z_score": "%+.1f"},
                    )
