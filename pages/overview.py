"""Overview: headline KPIs, sales by channel over time, channel share and cross-channel buyers."""

from __future__ import annotations

import streamlit as st

from core.filters import previous_period_gap
from core.formatting import format_delta, format_value
from core.overview import privacy as overview_privacy
from core.overview.queries import KPI_DEFINITIONS
from core.privacy import MIN_GROUP_SIZE, small_group_label
from dashboard import charts, components, data_access, key_messages, state
from dashboard.formats import COUNT, PCT, money
from dashboard.money import currency as db_currency
from dashboard.overview import charts as overview_charts
from dashboard.overview import data as overview_data
from dashboard.presentation import download_note

st.title("Overview")
st.caption(
    "How the sales channels performed in the selected period compared with the period before, "
    "and how customers combine channels. Change the period and channels in the sidebar."
)

db, filters = state.ready()
currency = db_currency()  # of the amounts in this database (its settings)
period = charts.format_period(filters.start, filters.end)
prev = filters.previous_period()
prev_period = charts.format_period(prev.start, prev.end)
channel_text = state.channels_in_words(filters)
gap = None
with components.guard("the comparison period"):
    gap = previous_period_gap(filters, data_access.data_start(db))
    compared = f"compared with **{prev_period}**" if gap is None else f"no change shown: {gap}"
    st.caption(f"**{period}** ({filters.days} days, {channel_text}); {compared}.")

# ---- Headline KPIs ---------------------------------------------------------------------------
with components.guard("the KPIs"):
    kpis = overview_privacy.private_kpis(overview_data.kpis(db, filters))
    if kpis.set_index("metric").loc["orders", "value"] == 0:
        st.info(
            "No orders match these filters. Widen the date range or select more sales channels in the sidebar.",
            icon=":material/filter_alt_off:",
        )
        st.stop()
    components.kpi_cards(kpis, previous_period=prev_period if gap is None else f"{prev_period}, not fully in the data",
                         currency=currency)
    if filters.channels is not None:
        st.caption("Marketing spend and ROAS cover all channels: spend is recorded per media channel, not per sales channel.")
    kpi_details = components.details("KPI values and definitions", key="overview_kpi_details")
    if kpi_details.open:
        with kpi_details:
            # Text columns written exactly like the cards: units, percentage points for the conversion rate.
            text: dict[str, list[str]] = {"label": [], "value_text": [], "previous_text": [], "change_text": [], "definition": []}
            for row in kpis.to_dict("records"):
                metric = KPI_DEFINITIONS[row["metric"]]
                text["label"].append(metric.label)
                for column, source in (("value_text", "value"), ("previous_text", "previous")):
                    text[column].append(small_group_label() if row["hidden"] else format_value(row[source], metric.unit, currency))
                text["change_text"].append(format_delta(row, metric.unit) or "–")
                text["definition"].append(metric.help)
            labelled = kpis.assign(**text)
            components.table(
                labelled,
                "kpis",
                labels={
                    "label": "KPI",
                    "value_text": "This period",
                    "previous_text": "Previous period",
                    "change_text": "Change",
                    "definition": "Definition",
                },
            )
            st.caption("Change: relative change in %; for the conversion rate, the difference in percentage points (pp).")

# ---- Sections: only the open one is computed and drawn ------------------------------------------
trend_tab, share_tab, cross_tab = components.sections(
    ["Sales over time", "Channel share", "Cross-channel behaviour"], key="overview_section")

if trend_tab.open:
    with trend_tab:
        grain = st.segmented_control(
            "Granularity", list(charts.GRAIN_WORDS), default="week", format_func=str.title, key="overview_grain", required=True
        )
        with components.guard("sales over time"):
            trend = overview_data.channel_timeseries(db, filters, grain=grain)
            components.key_message(key_messages.overview_trend(trend, grain=grain, currency=currency))
            left, right = st.columns(2)
            left.altair_chart(overview_charts.channel_trend(trend, measure="revenue", grain=grain, period=period))
            right.altair_chart(overview_charts.channel_trend(trend, measure="orders", grain=grain, period=period))
            figures = components.details(f"{charts.GRAIN_WORDS[grain]} figures", key="overview_trend_details")
            if figures.open:
                with figures:
                    components.table(
                        trend,
                        f"{charts.GRAIN_WORDS[grain].lower()}_sales_by_channel",
                        labels={"period": f"{grain.title()} starting", "channel": "Channel", "revenue": f"Revenue ({currency.code})", "orders": "Orders"},
                        formats={"revenue": money(currency), "orders": COUNT},
                    )

if share_tab.open:
    with share_tab:
        with components.guard("the channel share"):
            share = overview_privacy.private_channel_share(overview_data.channel_share(db, filters))
            components.key_message(key_messages.overview_share(share))
            left, right = st.columns(2)
            left.plotly_chart(overview_charts.channel_share_bars(share, period=period))
            with right:
                components.table(
                    share,
                    "channel_share",
                    labels={
                        "channel": "Channel",
                        "revenue": "Revenue",
                        "orders": "Orders",
                        "customers": "Buyers",
                        "revenue_share": "% of revenue",
                        "orders_share": "% of orders",
                    },
                    formats={"revenue": money(currency), "orders": COUNT, "customers": COUNT, "revenue_share": PCT, "orders_share": PCT},
                )

if cross_tab.open:
    with cross_tab:
        st.caption("Only orders in the selected period and channels count. A buyer 'in 2 channels' placed "
                   "orders in two different sales channels.")
        with components.guard("the cross-channel behaviour"):
            # Groups of fewer than MIN_GROUP_SIZE buyers are hidden, in the chart, the table and the download.
            groups = overview_privacy.private_channel_counts(overview_data.customers_by_channel_count(db, filters))
            components.key_message(key_messages.overview_channels(groups, currency=currency))
            left, right = st.columns([3, 2])
            left.plotly_chart(overview_charts.channel_count_bars(groups, period=period))
            with right:
                components.table(
                    groups,
                    "buyers_by_channel_count",
                    labels={
                        "channels_used": "Channels",
                        "customers": "Buyers",
                        "customer_share": "% of buyers",
                        "revenue_per_customer": "Revenue per buyer",
                    },
                    formats={"customers": "localized", "customer_share": "percent", "revenue_per_customer": money(currency)},
                )
                st.caption(
                    download_note("The download also has each group's orders and revenue. ")
                    + f"Groups of fewer than {MIN_GROUP_SIZE} buyers "
                    "are not shown, so no figure describes a handful of people."
                )

        with components.guard("the channel overlap"):
            pairs = overview_privacy.private_pair_overlap(overview_data.channel_pair_overlap(db, filters))
            if pairs.empty:
                st.info("Channel overlap needs buyers in at least two channels; select more channels in the sidebar.")
            elif pairs["jaccard"].isna().all():
                st.info(
                    f"Every pair of the selected channels shares fewer than {MIN_GROUP_SIZE} buyers in this period, "
                    "so the overlap is not shown (privacy rule). Widen the date range to see it."
                )
            else:
                left, right = st.columns([3, 2])
                left.plotly_chart(overview_charts.overlap_heatmap(pairs, period=period))
                with right:
                    st.markdown("**Top channel pairs by shared buyers**")
                    top = pairs.head(10).assign(
                        pair=lambda d: d["channel_a"] + " & " + d["channel_b"],
                    )
                    components.table(
                        top,
                        "channel_pairs",
                        labels={"pair": "Channels", "customers_both": "Buyers in both", "jaccard": "Overlap (Jaccard)"},
                        formats={"customers_both": "localized", "jaccard": "percent"},
                    )
                    st.caption(
                        "Overlap = buyers in both ÷ buyers in either. "
                        + download_note("The download adds each channel's buyers and shares. ")
                        + f"Pairs sharing fewer than {MIN_GROUP_SIZE} buyers are not shown (privacy rule)."
                    )
