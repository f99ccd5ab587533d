"""Campaigns & content: which campaigns worked, which content each segment responds to, which search pages sell."""

from __future__ import annotations

import streamlit as st

from core.campaigns.base import CREDIT_RULE
from core.campaigns.segments import DEFAULT_K, NO_SEGMENTS
from core.campaigns.seo import DIMENSIONS, LOSING_MIN_DROP, LOSING_MIN_SESSIONS, LOSING_WEEKS
from core.campaigns.themes import LEAD_MIN_AFFINITY, LEAD_MIN_CUSTOMERS, lead_with
from core.errors import OmnimixError
from core.filters import previous_period_gap
from core.privacy import MIN_GROUP_SIZE, small_group_label
from dashboard import charts, components, data_access, key_messages, money, state
from dashboard.campaigns import charts as campaign_charts
from dashboard.campaigns import data as campaigns_data
from dashboard.campaigns import tables
from dashboard.formats import resolve

N = MIN_GROUP_SIZE
TREND_LINES = 8  # landing pages or keyword groups drawn in the trend, besides the total

st.title("Campaigns & content")
st.caption(
    "Which campaigns brought orders for their money, which content themes each customer segment engages with and "
    "buys after, and which organic search landing pages and keyword groups bring buyers. Change the period and "
    f"sales channels in the sidebar. Privacy: figures about fewer than {N} customers are hidden "
    f"(\"{small_group_label(N)}\")."
)

db, filters = state.ready()
currency = money.currency()
period = charts.format_period(filters.start, filters.end)
prev = filters.previous_period()
with components.guard("the campaign data"):
    problem = campaigns_data.missing(db)
    if problem is not None:
        st.info(problem, icon=":material/campaign:")
        st.stop()
if filters.channels == ():
    st.info("No sales channel is selected. Select at least one in the sidebar.", icon=":material/filter_alt_off:")
    st.stop()
with components.guard("the comparison period"):
    gap = previous_period_gap(filters, data_access.data_start(db))
    compared = (f"compared with **{charts.format_period(prev.start, prev.end)}**" if gap is None
                else f"no change shown: {gap}")
    st.caption(f"**{period}** ({filters.days} days, {state.channels_in_words(filters)}); {compared}.")
st.caption(f"**How orders are credited.** {CREDIT_RULE} The sales-channel filter applies to these orders; spend, "
           "impressions, clicks and sessions are not split by sales channel. The Attribution page shares each order "
           "between all the touches before it instead.")

# ---- Sections: only the open one runs ------------------------------------------------------------
campaigns_tab, content_tab, seo_tab = components.sections(
    ["Campaigns", "Content per customer profile", "Organic search (SEO)"], key="campaigns_section")


def campaigns_section() -> None:
    """Each campaign's spend, reach, credited orders and return."""
    st.caption("Spend, reach and sessions of each campaign that ran in the period, the orders credited to it and "
               "what they returned, against the previous period of the same length.")
    table = campaigns_data.campaigns(db, filters)
    if table.empty:
        st.info(f"No campaign had spend, sessions or credited orders in {period}. Widen the date range in the sidebar.")
        return
    components.key_message(key_messages.campaigns(table))
    st.altair_chart(campaign_charts.campaign_bars(table, period=period, currency=currency))
    components.table(table, "campaigns", labels=resolve(tables.CAMPAIGN_LABELS, currency),
                     formats=resolve(tables.CAMPAIGN_FORMATS, currency))
    st.caption(f"\"vs prev.\": change against the previous period in %; conversion in percentage points (pp). "
               f"Campaigns whose sessions came from fewer than {N} customers show their spend and reach only. "
               "ROAS here is last touch, not incremental: it includes orders that would have happened anyway.")
    with st.expander("What each figure means"):
        components.table(tables.definitions(currency.code), "campaign_definitions",
                         labels={"figure": "Figure", "unit": "Unit", "definition": "Definition"})


if campaigns_tab.open:
    with campaigns_tab, components.guard("the campaigns"):
        campaigns_section()

# ---- Content themes × segments ---------------------------------------------------------------
if content_tab.open:
    with content_tab:
        st.caption(f"Each segment is one of the Segments page's {DEFAULT_K} default segments (customers who ordered in "
                   "the period, grouped by how they shop). A cell: the sessions of campaigns with that content theme "
                   "by the segment's customers, and the orders credited to them per session.")
        with components.guard("the content themes per segment"):
            cells = None
            try:
                cells = campaigns_data.themes(db, filters)
                if cells is None:
                    st.info(NO_SEGMENTS[0].upper() + NO_SEGMENTS[1:])
                elif cells.empty:
                    st.info(f"No customer of a segment had a campaign session in {period}.")
            except OmnimixError:  # too few buyers to segment (the Segments page's k is not a control here)
                st.info(f"Too few customers ordered in {period} and the selected sales channels to form the Segments "
                        f"page's {DEFAULT_K} segments; widen the date range or the channels in the sidebar.")
            if cells is not None and not cells.empty:
                components.key_message(key_messages.content_leads(lead_with(cells)))
                measure = st.segmented_control(
                    "Colour by", ["conversion_rate", "engaged_rate"], default="conversion_rate", required=True,
                    format_func={"conversion_rate": "Conversion rate", "engaged_rate": "Engaged rate"}.get,
                    key="campaigns_theme_measure")
                st.plotly_chart(campaign_charts.theme_heatmap(cells, measure=measure, period=period))
                st.markdown("**Lead with** — the content strategy per segment")
                leads = lead_with(cells)
                components.table(leads, "content_lead_with", labels={"segment": "Segment", "name": "Name",
                                                                      "reason": "Recommendation"})
                st.caption("**Affinity**: how much better a segment converts on a theme, relative to its own average, than "
                           "customers in general do on that theme. A theme that converts well for everybody (because of its "
                           "channel or its timing) scores no affinity: affinity is what sets the segments apart. Lead with: "
                           f"the (at most) two themes with an affinity of {LEAD_MIN_AFFINITY:+.0%} or more and sessions from "
                           f"at least {LEAD_MIN_CUSTOMERS} of the segment's customers. It says what to show each profile "
                           "first, not what caused the orders.")
                with st.expander("All theme × segment figures"):
                    components.table(cells, "content_themes_by_segment", labels=resolve(tables.THEME_LABELS, currency),
                                     formats=resolve(tables.THEME_FORMATS, currency))

# ---- Organic search (SEO) --------------------------------------------------------------------
if seo_tab.open:
    with seo_tab:
        st.caption("Unpaid search visits (channel organic_search) by the page they landed on and by the keyword group "
                   "of the search, with the orders credited to them by the same rule as campaigns.")
        with components.guard("organic search"):
            by = st.segmented_control("Break down by", list(DIMENSIONS), default="landing_page", required=True,
                                      format_func=DIMENSIONS.get, key="campaigns_seo_by")
            seo_table = campaigns_data.seo_breakdown(db, filters, by)
            if seo_table.empty:
                st.info(f"No organic search sessions in {period}.")
            else:
                components.key_message(key_messages.seo(seo_table, by=by, by_label=DIMENSIONS[by]))
                # The busiest pages or groups only: more lines cannot be told apart.
                trend, grain = campaigns_data.seo_trend(db, filters, by, seo_table[by].head(TREND_LINES).tolist())
                st.plotly_chart(campaign_charts.seo_trend(trend, by=by, by_label=DIMENSIONS[by], grain=grain,
                                                          period=period))
                components.table(seo_table, f"organic_search_by_{by}",
                                 labels={by: DIMENSIONS[by], **resolve(tables.SEO_LABELS, currency)},
                                 formats=resolve(tables.SEO_FORMATS, currency))
                partial = (" The first and last months may be cut by the period, so they look lower." if grain == "month"
                           else "")
                st.caption(f"\"Sessions vs prev.\": change against the previous period. Rows whose sessions came from "
                           f"fewer than {N} visitors are hidden. Monthly points are used when most weeks have fewer than "
                           f"{N} visitors per line.{partial}")

        with components.guard("the pages losing traffic"):
            losing = campaigns_data.losing_pages(db, filters.end)
            recent, before = losing.attrs["recent"], losing.attrs["before"]
            st.markdown(f"**Landing pages losing organic traffic** — the last {LOSING_WEEKS} weeks "
                        f"({charts.format_period(*recent)}) against the {LOSING_WEEKS} weeks before "
                        f"({charts.format_period(*before)})")
            if losing.empty:
                st.success(f"No landing page with at least {LOSING_MIN_SESSIONS} sessions in the earlier weeks lost "
                           f"{-LOSING_MIN_DROP:.0f}% or more of its organic search sessions.", icon=":material/trending_flat:")
            else:
                shown = losing.copy()
                shown.attrs = {}  # the windows' dates are in the heading; Arrow cannot carry them
                components.table(shown, "landing_pages_losing_traffic", labels=tables.LOSING_LABELS,
                                 formats=tables.LOSING_FORMATS)
                st.caption(f"Pages with at least {LOSING_MIN_SESSIONS} sessions in the earlier {LOSING_WEEKS} weeks whose "
                           f"sessions fell by {-LOSING_MIN_DROP:.0f}% or more, largest drop first.")
