"""Recommendations: one customer's history and what each recommender suggests, and an offline evaluation."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from core.recs import BASELINE, MODELS
from dashboard import components, key_messages, state
from dashboard.clv import data as clv_data
from dashboard.clv import text as clv_text
from dashboard.formats import COUNT, labels, money
from dashboard.money import currency as db_currency
from dashboard.recs import charts as recs_charts
from dashboard.recs import data as recs_data
from dashboard.recs import evaluation as recs_evaluation
from dashboard.recs import text as recs_text
from dashboard.recs.text import MODEL_LABELS

CUSTOMER_KEY = "recs_customer"  # the id text box
URL_SEEN = "recs_url_customer"  # last ?customer= value taken from the URL
DRAWS = "recs_draws"  # how many random customers were drawn: the seed of the next draw
# Comments, not docstrings: Streamlit's magic would draw a bare string on the page.
# The hybrid (weights chosen on validation, EASE among its parts) measured best; see docs/recommendations.md.
DEFAULT_MODELS = ["hybrid", "ease", BASELINE]
# Products per model in presentation mode (no model controls there): short lists read from a distance.
PRESENTED_N = 5

st.title("Recommendations")
st.caption(
    "What Omnimix would recommend to one customer and why, and how well each recommender predicted "
    "what customers really bought next. Recommendations learn from all data in the database; the "
    "sidebar's date and channel filters do not apply here."
)

db, _ = state.ready()  # recommendations learn from all data: the filters do not apply
currency = db_currency()  # of the amounts in this database (its settings)

preview, evaluation = components.sections(["Customer preview", "Evaluation"], key="recs_section")


# ---- Customer preview -----------------------------------------------------------------------
def _draw(segment: str) -> None:
    draws = st.session_state.get(DRAWS, 0)
    st.session_state[CUSTOMER_KEY] = recs_data.random_customer(db, segment, seed=draws)
    st.session_state[DRAWS] = draws + 1


@st.fragment
def recommendations(customer_id: str, cold: bool) -> None:
    st.subheader("Recommendations")
    lead = st.container()  # the key message reads the lists below, but leads the section
    if components.is_presenting():  # which models and how many products is the analyst's choice
        _lists(customer_id, cold, DEFAULT_MODELS, PRESENTED_N, exclude=True, lead=lead)
        return
    c1, c2, c3 = st.columns([5, 2, 3], vertical_alignment="bottom")
    chosen = c1.multiselect(
        "Models",
        list(MODELS),
        default=DEFAULT_MODELS,
        format_func=MODEL_LABELS.get,
        max_selections=3,
        key="recs_models",
        help="Up to three recommenders side by side. 'Most popular' is the baseline.",
    )
    n = c2.number_input("Products per model", min_value=1, max_value=30, value=10, step=1, key="recs_n")
    exclude = c3.toggle(
        "Exclude already bought",
        value=True,
        key="recs_exclude",
        help="Leave out products this customer has already bought.",
    )
    if not chosen:
        st.info("Pick at least one model.")
        return
    _lists(customer_id, cold, chosen, int(n), exclude=exclude, lead=lead)


def _lists(customer_id: str, cold: bool, chosen: list[str], n: int, *, exclude: bool, lead: DeltaGenerator) -> None:
    lists = []
    for col, name in zip(st.columns(len(chosen)), chosen, strict=True):
        with col.container(border=True), components.guard(f"the {MODEL_LABELS[name]} recommendations"):
            st.markdown(f"**{MODEL_LABELS[name]}**")
            st.caption(recs_data.model(db, name).summary)  # the fitted model: tuned λ and weights
            recs = recs_data.recommend(db, name, customer_id, int(n), exclude_seen=exclude)
            if recs.empty:
                st.info("Nothing left to recommend: the customer has bought every product.")
                continue
            if cold:
                st.caption(f":material/info: Cold start: no history, so {recs['explanation'].iloc[0]}.")
            st.markdown(recs_text.recs_markdown(recs))
            lists.append(recs.assign(model=MODEL_LABELS[name]))
    if lists:
        with lead:
            components.key_message(key_messages.recommendations(lists))
        st.caption(
            "Each line: product, category, price, then why it is recommended: the customer's own "
            "products that contributed most, or the popularity list that filled the slot."
        )
        as_table = components.details("The lists as one table (with brand, price tier, score and source)",
                                      key="recs_lists_details")
        if as_table.open:
            with as_table:
                components.table(
                    pd.concat(lists, ignore_index=True),
                    f"recommendations_{customer_id}",
                    labels={
                        "model": "Model",
                        "rank": "#",
                        **labels("name", "category", "brand"),
                        "price": "Price",
                        "explanation": "Why",
                        "source": "Source",
                    },
                    formats={"price": money(currency)},
                )


if preview.open:
    with preview:
        with components.guard("the customer choice"):
            sizes = recs_data.segment_sizes(db)
        # A new ?customer= in the URL (a shared link, or the Segments page) wins over the box.
        url_id = st.query_params.get("customer")
        if url_id is not None and url_id != st.session_state.get(URL_SEEN):
            st.session_state[CUSTOMER_KEY] = url_id
        if not st.session_state.get(CUSTOMER_KEY):
            with components.guard("the example customer"):
                st.session_state[CUSTOMER_KEY] = recs_data.example_customer(db)

        left, mid, right = st.columns([2, 2, 1], vertical_alignment="bottom")
        left.text_input(
            "Customer id",
            key=CUSTOMER_KEY,
            placeholder="e.g. C0000042",
            help="The id as in the customers table. The id is kept in the link (?customer=...), so the view can be "
            "shared.",
        )
        segment = mid.selectbox(
            "Segment for a random customer",
            list(sizes.index),
            format_func=lambda s: recs_text.segment_option(s, sizes),
            key="recs_segment",
            help="Segment = the sales channel where the customer placed most order lines; customers without "
            "orders take their acquisition channel.",
        )
        right.button(
            "Random customer",
            icon=":material/casino:",
            on_click=_draw,
            args=(segment,),
            disabled=segment is None,
            width="stretch",
        )

        customer_id = st.session_state[CUSTOMER_KEY].strip()
        st.query_params["customer"] = customer_id
        st.session_state[URL_SEEN] = customer_id

        if not recs_data.is_customer(db, customer_id):
            st.warning(
                f"There is no customer with id '{customer_id}'. Check the id (for example C0000042) "
                "or draw a random customer from a segment.",
                icon=":material/person_search:",
            )
            st.stop()

        # ---- Profile and history --------------------------------------------------------
        # The models' own cold-start test (any purchase, cart or view), not "has order lines".
        cold = not recs_data.has_history(db, customer_id)
        with components.guard("the customer's profile"):
            profile, history = recs_data.profile(db, customer_id)
            st.subheader(f"Customer {customer_id}")
            segment_name = recs_data.segment_of(db, customer_id)
            components.key_message(key_messages.recs_customer(customer_id, profile, segment_name, currency=currency))
            cards = recs_text.profile_cards(profile, segment_name)
            for col, (label, value, text) in zip(st.columns(len(cards)), cards, strict=True):
                col.metric(label, value, help=text, border=True)
            st.caption(recs_text.profile_caption(profile))
            with components.guard("the customer's value"):  # a failing CLV fit leaves the rest of the profile
                value = clv_data.customer_value(db, customer_id)
                if value is None:
                    st.caption("No orders yet, so no customer value (CLV) is predicted.")
                else:
                    for col, (label, shown, text) in zip(st.columns(4), clv_text.customer_cards(value), strict=True):
                        col.metric(label, shown, help=text, border=True)
            if cold:
                st.info(
                    "No purchases yet and nothing viewed or carted: every model falls back to popular "
                    "products, and each list says so.",
                    icon=":material/new_releases:",
                )
            elif history.empty:
                st.info(
                    "No purchases yet, but they viewed or carted products: the models recommend from those, "
                    "and popular products fill any remaining slots.",
                    icon=":material/new_releases:",
                )
            else:
                st.altair_chart(recs_charts.purchase_timeline(history, customer_id=customer_id))
                purchases = components.details(f"Purchase history ({len(history):,} order lines)",
                                               key="recs_history_details")
                if purchases.open:
                    with purchases:
                        components.table(
                            history,
                            f"purchase_history_{customer_id}",
                            labels={
                                "order_ts": "Ordered at",
                                **labels("channel", "name", "category", "brand"),
                                "quantity": "Qty",
                                "unit_price": "Unit price",
                                "revenue": "Line total",
                            },
                            formats={"unit_price": money(currency), "revenue": money(currency), "quantity": COUNT},
                            height=300,
                        )

        recommendations(customer_id, cold)

# ---- Evaluation -----------------------------------------------------------------------------
if evaluation.open:
    with evaluation:
        recs_evaluation.section(db)
