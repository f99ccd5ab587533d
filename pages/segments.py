"""Segments: K-means customer segments with names, profiles, details, diagnostics and the RFM lens.

The segments come first and the k = 2 to 12 diagnostics last: scoring every k is the slowest
step of a first visit, and nobody should wait for it to see the segments of the chosen k. Each
section is a tab that runs only when open, so a first visit draws two charts, not four.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.errors import OmnimixError
from core.privacy import MIN_GROUP_SIZE, is_hidden, small_group_label
from core.segments import columns as C
from core.segments.clustering import K_MAX, K_MIN
from core.segments.export import membership, public_names, public_profiles
from core.segments.features import FEATURE_GROUPS, GROUP_LABELS
from dashboard import charts, components, key_messages, state
from dashboard.clv import tables as clv_tables
from dashboard.formats import COUNT, PCT, money
from dashboard.money import currency as db_currency
from dashboard.navigation import PAGES
from dashboard.presentation import download_note
from dashboard.segments import charts as segments_charts
from dashboard.segments import data as segments_data

K_KEY, GROUPS_KEY = "segments_k", "segments_features"  # session keys, also the URL keys
DETAIL_KEY = "segments_detail"
DEFAULT_K, SEED = 6, 0
RECS_PAGE = next((p for p in PAGES if p.file == "pages/recommendations.py"), None)

st.title("Segments")
st.caption(
    "Groups of customers who shop alike, found by K-means clustering on how often, how much, where and what "
    "they bought in the selected period and sales channels. Pick the number of segments and what they are "
    "based on; names and descriptions come from each segment's strongest traits."
)

db, filters = state.ready()
currency = db_currency()  # of the amounts in this database (its settings)
period = charts.format_period(filters.start, filters.end)

try:
    feats = segments_data.features(db, filters)
except OmnimixError as exc:
    st.info(str(exc), icon=":material/filter_alt_off:")
    st.stop()
if feats.n_customers < MIN_GROUP_SIZE:
    st.info(f"{small_group_label().capitalize()} customers bought in {period} and the selected channels. Segments "
            "of so few people would describe individuals, so they are not shown (privacy rule); widen the date "
            "range or the channels in the sidebar.", icon=":material/filter_alt_off:")
    st.stop()

# The first run of a session takes k and the feature groups from the link, if valid.
if K_KEY not in st.session_state:
    url_k = st.query_params.get(K_KEY, "")
    st.session_state[K_KEY] = int(url_k) if url_k.isdigit() and K_MIN <= int(url_k) <= K_MAX else DEFAULT_K
if GROUPS_KEY not in st.session_state:
    url_groups = [g for g in st.query_params.get(GROUPS_KEY, "").split(",") if g in FEATURE_GROUPS]
    st.session_state[GROUPS_KEY] = url_groups or list(FEATURE_GROUPS)


def _use_k(k: int) -> None:
    st.session_state[K_KEY] = k


@st.fragment
def explorer() -> None:
    """Everything that depends on k and the feature groups: reruns alone when they change."""
    left, right = st.columns([1, 2])
    k = left.slider("Number of segments (k)", K_MIN, K_MAX, key=K_KEY,
                    help="How many groups K-means splits the customers into. The chart below shows which k fits best.")
    chosen = right.multiselect(
        "Based on", list(FEATURE_GROUPS), key=GROUPS_KEY, format_func=GROUP_LABELS.get,
        help="RFM & behaviour: recency, order value, basket size, shopping pace, browsing intensity, "
             "browse-to-buy conversion, discount habit. "
             "Channel mix: share of orders per sales channel. Category mix: share of revenue per product category.")
    if not chosen:
        st.info("Choose at least one feature group to base the segments on.")
        return
    groups = tuple(g for g in FEATURE_GROUPS if g in chosen)
    st.query_params[K_KEY] = str(k)
    st.query_params[GROUPS_KEY] = ",".join(groups)
    if feats.n_customers < k:
        st.warning(f"Only {feats.n_customers:,} customers bought in the selected period and channels, fewer than "
                   f"k = {k}. Choose a smaller k or widen the filters in the sidebar.")
        return

    with components.guard("the segments"):
        seg = segments_data.segmentation(db, filters, groups, k, SEED)
        profiles = public_profiles(seg.profiles.summary, seg.profiles.means)
        visible = ~is_hidden(profiles, C.CUSTOMERS)
        largest = profiles[C.CUSTOMER_SHARE].iloc[0]
        components.key_message(key_messages.segments(profiles))

        a, b, c, d = st.columns(4)
        a.metric("Customers segmented", f"{feats.n_customers:,}", border=True,
                 help=f"Customers with at least one order in {period} and the selected channels.")
        b.metric("Silhouette", f"{seg.silhouette:.2f}", border=True,
                 help="How much closer customers are to their own segment than to the next one, from -1 to 1 "
                      "(seeded sample of 1,500 customers). Real customer bases rarely exceed 0.3. The Choosing k "
                      "tab scores every k on a quicker fit to a sample of customers, so its value at this k can differ "
                      "slightly.")
        # Filled at the end of the run: scoring k = 2 to 12 is the slowest step of a first visit,
        # so the segments are drawn first and the suggestion follows.
        suggested_slot = c.empty()
        d.metric("Largest segment", "hidden" if pd.isna(largest) else f"{largest:.0%}", border=True,
                 help="Share of customers in segment 1; segments are numbered by size.")

        labels = ["The segments", "Profiles", "Inside one segment", "RFM lens"]
        if not components.is_presenting():  # the k = 2 to 12 diagnostics are for the analyst, not the audience
            labels.append("Choosing k")
        tabs = dict(zip(labels, components.sections(labels, key="segments_section"), strict=True))
        if tabs["The segments"].open:
            with tabs["The segments"]:
                _segments_tab(seg, profiles, groups, k)
        if tabs["Profiles"].open:
            with tabs["Profiles"]:
                _profiles_tab(seg, profiles, visible)
        if tabs["Inside one segment"].open:
            with tabs["Inside one segment"]:
                _segment_details(seg, profiles, groups, k)
        if tabs["RFM lens"].open:
            with tabs["RFM lens"]:
                _rfm_lens()
        if components.is_presenting():
            suggested_slot.metric("Segments", k, border=True, help="The number of segments (k) chosen.")
        else:
            # Last: scoring k = 2 to 12 is the slowest step of a first visit; its chart waits in its tab.
            diag, suggested, reason = segments_data.diagnostics(db, filters, groups, SEED)
            suggested_slot.metric("Suggested k", suggested, border=True, help=reason)
            if tabs["Choosing k"].open:
                with tabs["Choosing k"]:
                    _choosing_k(diag, suggested, reason, k)


def _segments_tab(seg, profiles: pd.DataFrame, groups: tuple[str, ...], k: int) -> None:  # noqa: ANN001
    """Sizes and revenue, the customers' map and the table with each segment's value."""
    left, right = st.columns([2, 3])
    left.altair_chart(segments_charts.size_revenue_bars(profiles, period=period))
    points = segments_data.scatter(db, filters, groups, k, SEED)
    right.altair_chart(segments_charts.pca_scatter(points, period=period))
    right.caption("Principal component analysis squeezes the clustering features into the two directions in "
                  "which customers differ most; overlap here does not mean the segments overlap in all features.")
    summary = _with_value(profiles, groups, k)  # fits the Customer value model on a first visit
    components.table(summary, "segments", labels={
        C.SEGMENT: "#", C.NAME: "Segment", C.CUSTOMERS: "Customers", C.REVENUE: "Revenue",
        "mean_clv": "Mean CLV, next 52 weeks", "share_active": "Probably active",
        "expected_revenue": "Expected revenue, next 52 weeks", C.DESCRIPTION: "What sets them apart"},
        formats={C.CUSTOMERS: COUNT, C.REVENUE: money(currency), "mean_clv": money(currency), "share_active": PCT,
                 "expected_revenue": money(currency)})
    # Built on click only: the CSV of every customer is the slowest part of a k change.
    if not components.is_presenting():  # no downloads in presentation mode
        st.download_button(
            "Download membership CSV",
            lambda: membership(feats.table[C.CUSTOMER], seg.labels, seg.profiles.names()).to_csv(index=False).encode(),
            file_name=f"segment_membership_k{k}.csv", mime="text/csv", key="download_segment_membership",
            on_click="ignore", icon=":material/download:")
    st.caption(download_note(f"Membership lists customer_id, segment and name; segments under {MIN_GROUP_SIZE} "
                             "customers are exported as 'Other'. The segments table download adds every "
                             "feature's mean. ") + "Mean CLV, probably active "
               "(probability of still buying ≥ 50%) and expected revenue come from the Customer value page's model "
               "(next 52 weeks, CLV discounted 1% a month).")


def _profiles_tab(seg, profiles: pd.DataFrame, visible: pd.Series) -> None:  # noqa: ANN001
    """How each visible segment differs from the average customer, feature by feature."""
    shown_index = seg.profiles.index.loc[profiles.loc[visible, C.SEGMENT]]
    if shown_index.empty:
        st.info("Every segment's figures are hidden (privacy rule), so no profile is shown.")
        return
    st.plotly_chart(segments_charts.profile_heatmap(shown_index, public_names(profiles), feats.labels, period=period))
    st.caption("Blue: above the average customer, red: below (index 200 = twice the average, 50 = half). "
               "Shares are per customer: 'Share of orders: store' 300 means three times the average store "
               "share. Hidden segments are left out (privacy rule).")


def _choosing_k(diag: pd.DataFrame, suggested: int, reason: str, k: int) -> None:
    """Scores of k = 2 to 12 and the suggested k (also shown in the metric at the top)."""
    st.caption("Inertia: average squared distance of customers to their segment's centre. "
               "Silhouette, Calinski-Harabasz and Davies-Bouldin score how well separated the segments are.")
    st.plotly_chart(segments_charts.diagnostics_chart(diag, chosen=k, suggested=suggested, period=period))
    st.caption(f"Suggested: {reason}")
    if suggested != k:
        st.button(f"Use k = {suggested}", on_click=_use_k, args=(suggested,), icon=":material/auto_fix_high:")
    with st.expander("Scores for every k"):
        components.table(diag, "segment_diagnostics", labels={
            "k": "k", "inertia": "Inertia per customer", "silhouette": "Silhouette (higher is better)",
            "calinski_harabasz": "Calinski-Harabasz (higher is better)",
            "davies_bouldin": "Davies-Bouldin (lower is better)"},
            formats={"inertia": "%.3f", "silhouette": "%.3f", "calinski_harabasz": "%.0f", "davies_bouldin": "%.3f"})


def _with_value(summary: pd.DataFrame, groups: tuple[str, ...], k: int) -> pd.DataFrame:
    """The segments table with each segment's customer value (Customer value page's model), if it can be fitted."""
    try:
        value = segments_data.segment_value(db, filters, groups, k, SEED)
    except OmnimixError as exc:
        st.caption(f"Customer value per segment is not available: {exc}")
        return summary
    return clv_tables.with_segment_value(summary, value)


def _segment_details(seg, summary: pd.DataFrame, groups: tuple[str, ...], k: int) -> None:  # noqa: ANN001
    names = public_names(summary)
    visible = ~is_hidden(summary, C.CUSTOMERS)
    numbers = [int(n) for n in summary.loc[visible, C.SEGMENT]]
    if not numbers:
        st.info("Every segment's figures are hidden (privacy rule), so none is shown in detail.")
        return
    if st.session_state.get(DETAIL_KEY) not in numbers:
        st.session_state[DETAIL_KEY] = numbers[0]
    number = st.selectbox("Segment", numbers, key=DETAIL_KEY, format_func=lambda s: f"{s}. {names[s]}")
    if len(numbers) < len(summary):
        st.caption("Hidden segments are not listed (privacy rule).")
    description = summary.set_index(C.SEGMENT).loc[number, C.DESCRIPTION]
    if components.is_presenting():
        components.key_message(f"{names[number]}: {description.split('. ')[0].rstrip('.')}.")  # its first sentence
    else:
        st.caption(description)
    products, channel_mix = segments_data.segment_details(db, filters, groups, k, SEED, number)
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**Most bought products**")
        components.table(products, f"segment_{number}_top_products", labels={
            "name": "Product", "category": "Category", "buyers": "Buyers", "revenue": "Revenue",
            "revenue_share": "% of segment revenue"}, formats={"buyers": COUNT, "revenue": money(currency), "revenue_share": PCT})
    with right:
        st.markdown("**Sales channels**")
        components.table(channel_mix, f"segment_{number}_channels", labels={
            "channel": "Channel", "buyers": "Buyers", "orders": "Orders", "orders_share": "% of orders"},
            formats={"buyers": COUNT, "orders": COUNT, "orders_share": PCT})
    if RECS_PAGE is not None:
        customer = segments_data.sample_customer(seg, number, seed=number)
        st.page_link(RECS_PAGE.path, label=f"Recommendations for a sample customer of this segment ({customer})",
                     icon=":material/recommend:", query_params={"customer": customer})


def _rfm_lens() -> None:
    """Classic recency-frequency-monetary groups of the period's customers (independent of k)."""
    st.caption("Classic recency-frequency-monetary scoring: each customer gets 1-5 per letter by quintile "
               "(5 = most recent, most orders, most revenue) and a named group from the scores.")
    with components.guard("the RFM groups"):
        rfm = segments_data.rfm_groups(db, filters)
        components.key_message(key_messages.rfm(rfm))
        components.table(rfm, "rfm_groups", labels={
            C.RFM_GROUP: "RFM group", "meaning": "Meaning", "customers": "Customers",
            "customer_share": "% of customers", "revenue_share": "% of revenue"},
            formats={"customers": COUNT, "customer_share": PCT, "revenue_share": PCT})
        st.caption(f"Scores are relative to the customers in {period}"
                   + download_note(f"; the download adds revenue in {currency.code}") + ".")


explorer()
