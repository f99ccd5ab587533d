"""Attribution: how each model shares the credit for orders between channels, and how far each is from the truth."""

from __future__ import annotations

import streamlit as st

from core.attribution.models import MODEL_LABELS
from core.privacy import MIN_GROUP_SIZE, small_group_label
from dashboard import components, key_messages, state
from dashboard.attribution import charts as attr_charts
from dashboard.attribution import controls, text
from dashboard.attribution import data as attr_data
from dashboard.formats import PCT, money
from dashboard.money import currency as db_currency

N = MIN_GROUP_SIZE
SECTION = "attr_section"  # session and URL key of the open section (tab)
SECTIONS = ("Credit by channel", "Truth check", "Next to the budget model")

st.title("Attribution")
st.caption(text.INTRO + f" Privacy: channels whose credited orders come from fewer than {N} customers are hidden "
           f"and shown as \"{small_group_label(N)}\".")

db, filters = state.ready()
currency = db_currency()  # of the amounts in this database (its settings)
if filters.channels == ():
    st.info("No sales channel is selected. Select at least one in the sidebar.", icon=":material/filter_alt_off:")
    st.stop()
controls.init()


@st.fragment
def attribution_section() -> None:
    """The lookback drives everything below it: the fragment reruns alone when it changes."""
    lookback = st.select_slider("Lookback (days before the order)", controls.LOOKBACKS, key=controls.KEY,
                                help=text.LOOKBACK_HELP)
    controls.mirror()
    with components.guard("the attribution models"):
        data = attr_data.attribution(db, filters, lookback_days=lookback)
        s = data["summary"]
        a, b, c = st.columns(3)
        a.metric("Orders with touches", f"{s['orders_with_touches']:,}", border=True,
                 help=f"Orders in the selected dates and sales channels with at least one touch in the {lookback} "
                      "days before them; only these are attributed.")
        b.metric("Orders in the period", f"{s['orders_in_period']:,}", border=True)
        c.metric("Touch paths without an order", f"{s['paths_without_order']:,}", border=True,
                 help="Sequences of touches no order followed; the data-driven models learn from them too.")
        labels = {k: v for k, v in MODEL_LABELS.items() if k in set(data["public"]["model"])}
        # Sections: only the open one runs (tabs inside the fragment: a click reruns the fragment alone).
        shares_tab, truth_tab, reconcile_tab = components.sections(SECTIONS, key=SECTION)
        if shares_tab.open:
            with shares_tab:
                shares_section(data, labels, lookback)
        if truth_tab.open:
            with truth_tab:
                truth_section(data, labels)
        if reconcile_tab.open:
            with reconcile_tab:
                reconcile_section(data)


def shares_section(data: dict, labels: dict[str, str], lookback: int) -> None:
    public = data["public"]
    components.key_message(key_messages.attribution(public))
    st.altair_chart(attr_charts.shares_by_channel(public, lookback_days=lookback))
    components.table(public, "attribution_by_model_and_channel", labels={
        "model_label": "Model", "channel": "Channel", "orders": "Orders credited", "revenue": "Revenue credited",
        "order_share": "% of orders", "revenue_share": "% of revenue", "customers": "Customers touched",
        "truth_share": "True % of incremental orders"},
        formats={"orders": "%,.1f", "revenue": money(currency), "order_share": PCT, "revenue_share": PCT,
                 "truth_share": PCT})
    for name, why in data["skipped"].items():
        st.info(f"{MODEL_LABELS[name]}: {why}")
    with st.expander("What each model does", icon=":material/info:"):
        st.markdown(text.model_list(labels))


def truth_section(data: dict, labels: dict[str, str]) -> None:
    st.markdown(text.TRUTH)
    if not data["has_truth"]:
        st.info("This database has no truth table (it was loaded, not generated), so the models cannot be scored.")
        return
    if data["truth_scope"] != "full":
        st.caption(f"Note: {data['truth_scope']}.")
    components.key_message(key_messages.attribution_truth(data["errors"], labels))
    st.plotly_chart(attr_charts.errors_chart(data["errors"], labels))


def reconcile_section(data: dict) -> None:
    lead = st.container()  # the key message reads the view chosen below, but leads the section
    st.markdown(text.RECONCILE)
    view = data["truth_budget"]
    source = "the generator's true revenue per paid channel (what a perfect budget model would find)"
    if st.toggle("Use the fitted budget model instead (takes a while the first time)", key="attr_budget_model"):
        view = attr_data.budget_reconciliation(db, data["table"])
        source = "the budget model's channel contributions (the Budget page's fit)"
    if view is None:
        st.info("No budget-side figures yet: switch on the fitted budget model above.")
        return
    with lead:
        components.key_message(text.reconcile_message(view, {m: MODEL_LABELS[m] for m in MODEL_LABELS
                                                               if m in view.columns}))
    st.caption(f"Budget side: {source}. Shares of revenue over the channels both know.")
    labels = {"channel": "Channel", "budget_share": "Budget side % of revenue",
              **{m: MODEL_LABELS[m] for m in MODEL_LABELS if m in view.columns}}
    components.table(view, "attribution_vs_budget_model", labels=labels,
                     formats={c: PCT for c in labels if c != "channel"})


attribution_section()
