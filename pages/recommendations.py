"""Recommendations: one customer's history and what each recommender suggests, and an offline evaluation."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.privacy import MIN_GROUP_SIZE, small_group_label
from core.recs import BASELINE, MODELS, make_model
from core.recs.columns import NO_SEGMENT
from core.recs.evaluate import METRIC_HELP, METRIC_LABELS, metric_label, private_by_segment
from core.recs.explain import segment_label
from core.recs.metrics import ACCURACY
from dashboard import components, state
from dashboard.recs import charts as recs_charts
from dashboard.recs import data as recs_data

EUR, PCT, COUNT = "euro", "percent", "localized"
CUSTOMER_KEY = "recs_customer"  # the id text box
URL_SEEN = "recs_url_customer"  # last ?customer= value taken from the URL
DRAWS = "recs_draws"  # how many random customers were drawn: the seed of the next draw
DEFAULT_MODELS = ["item_knn", "hybrid", BASELINE]
LABELS = {name: cls.label for name, cls in MODELS.items()}


def _or_unknown(value: object) -> str:
    """A profile field as text; missing values (NULL in the customers table) read "unknown", not "None"."""
    return "unknown" if value is None or pd.isna(value) else str(value)


def recs_markdown(recs: pd.DataFrame) -> str:
    """A numbered list: product in bold, category and price, then the reason in grey."""
    def esc(text: object) -> str:
        return str(text).replace("$", "\\$").replace("*", "\\*").replace("_", "\\_").replace("[", "\\[").replace("]", "\\]")

    return "\n".join(
        f"{r.rank}. **{esc(r.name)}** · {esc(r.category)} · €{r.price:,.2f}  \n   :gray[{esc(r.explanation)}]"
        for r in recs.itertuples()
    )


st.title("Recommendations")
st.caption(
    "What Omnimix would recommend to one customer and why, and how well each recommender predicted "
    "what customers really bought next. Recommendations learn from all data in the database; the "
    "sidebar's date and channel filters do not apply here."
)

db, _ = state.ready()  # recommendations learn from all data: the filters do not apply

preview, evaluation = st.tabs(
    ["Customer preview", "Evaluation"], key="recs_view", on_change="rerun", bind="query-params"
)


# ---- Customer preview -----------------------------------------------------------------------
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

        def _draw(segment: str) -> None:
            draws = st.session_state.get(DRAWS, 0)
            st.session_state[CUSTOMER_KEY] = recs_data.random_customer(db, segment, seed=draws)
            st.session_state[DRAWS] = draws + 1

        left, mid, right = st.columns([2, 2, 1], vertical_alignment="bottom")
        left.text_input(
            "Customer id", key=CUSTOMER_KEY, placeholder="e.g. C0000042",
            help="The id as in the customers table. The id is kept in the link (?customer=...), so the view can be shared.",
        )

        def _segment_label(segment: str) -> str:
            n = int(sizes.get(segment, 0))
            return f"{segment_label(segment)} ({n:,} customers)" if n >= MIN_GROUP_SIZE else f"{segment} ({small_group_label()})"

        segment = mid.selectbox(
            "Segment for a random customer", list(sizes.index), format_func=_segment_label, key="recs_segment",
            help="Segment = the sales channel where the customer placed most order lines; customers without "
            "orders take their acquisition channel.",
        )
        right.button("Random customer", icon=":material/casino:", on_click=_draw, args=(segment,),
                     disabled=segment is None, width="stretch")

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
            segment_name = recs_data.segment_of(db, customer_id)
            st.subheader(f"Customer {customer_id}")
            cards = [
                ("Segment", segment_name, "Main sales channel: where most of their order lines were placed. "
                 "Customers without orders get their acquisition channel (when customers buy there), "
                 f"else '{NO_SEGMENT}'."),
                ("Orders", f"{int(profile['orders']):,}", "Orders placed, all channels, all dates."),
                ("Revenue", components.format_value(float(profile["revenue"]), "EUR"), "Sum of their order lines (EUR)."),
                ("Last order", "–" if pd.isna(profile["last_order"]) else f"{profile['last_order']:%Y-%m-%d}",
                 "Date of their most recent order."),
            ]
            for col, (label, value, text) in zip(st.columns(len(cards)), cards, strict=True):
                col.metric(label, value, help=text, border=True)
            signup, channel = profile["signup_date"], profile["acquisition_channel"]
            st.caption(f"Region {_or_unknown(profile['region'])}, age band {_or_unknown(profile['age_band'])}, "
                       f"signed up {'on an unknown date' if pd.isna(signup) else f'{signup:%Y-%m-%d}'} "
                       f"via {'an unknown channel' if pd.isna(channel) else channel}.")
            if cold:
                st.info("No purchases yet and nothing viewed or carted: every model falls back to popular "
                        "products, and each list says so.", icon=":material/new_releases:")
            elif history.empty:
                st.info("No purchases yet, but they viewed or carted products: the models recommend from those, "
                        "and popular products fill any remaining slots.", icon=":material/new_releases:")
            else:
                st.plotly_chart(recs_charts.purchase_timeline(history, customer_id=customer_id))
                with st.expander(f"Purchase history ({len(history):,} order lines)", expanded=False):
                    components.table(
                        history, f"purchase_history_{customer_id}",
                        labels={"order_ts": "Ordered at", "channel": "Channel", "name": "Product", "category": "Category",
                                "brand": "Brand", "quantity": "Qty", "unit_price": "Unit price", "revenue": "Line total"},
                        formats={"unit_price": EUR, "revenue": EUR, "quantity": COUNT}, height=300,
                    )

        # ---- Recommendations -------------------------------------------------------------
        @st.fragment
        def recommendations(customer_id: str, cold: bool) -> None:
            st.subheader("Recommendations")
            c1, c2, c3 = st.columns([5, 2, 3], vertical_alignment="bottom")
            chosen = c1.multiselect(
                "Models", list(MODELS), default=DEFAULT_MODELS, format_func=LABELS.get, max_selections=3,
                key="recs_models", help="Up to three recommenders side by side. 'Most popular' is the baseline.",
            )
            n = c2.number_input("Products per model", min_value=1, max_value=30, value=10, step=1, key="recs_n")
            exclude = c3.toggle("Exclude already bought", value=True, key="recs_exclude",
                                help="Leave out products this customer has already bought.")
            if not chosen:
                st.info("Pick at least one model.")
                return
            lists = []
            for col, name in zip(st.columns(len(chosen)), chosen, strict=True):
                with col.container(border=True), components.guard(f"the {LABELS[name]} recommendations"):
                    st.markdown(f"**{LABELS[name]}**")
                    st.caption(make_model(name).summary)  # the same default parameters recs_data fits
                    recs = recs_data.recommend(db, name, customer_id, int(n), exclude_seen=exclude)
                    if recs.empty:
                        st.info("Nothing left to recommend: the customer has bought every product.")
                        continue
                    if cold:
                        st.caption(f":material/info: Cold start: no history, so {recs['explanation'].iloc[0]}.")
                    st.markdown(recs_markdown(recs))
                    lists.append(recs.assign(model=LABELS[name]))
            if lists:
                st.caption("Each line: product, category, price, then why it is recommended: the customer's own "
                           "products that contributed most, or the popularity list that filled the slot.")
                with st.expander("The lists as one table (with brand, price tier, score and source)"):
                    components.table(
                        pd.concat(lists, ignore_index=True), f"recommendations_{customer_id}",
                        labels={"model": "Model", "rank": "#", "name": "Product", "category": "Category",
                                "brand": "Brand", "price": "Price", "explanation": "Why", "source": "Source"},
                        formats={"price": EUR},
                    )

        recommendations(customer_id, cold)

# ---- Evaluation -----------------------------------------------------------------------------
if evaluation.open:
    with evaluation:
        st.caption(
            "Honest offline test: every model learns only from what happened before a cutoff and "
            "recommends k products per customer; we then check what those customers really bought "
            "in the held-out weeks (products new to them). The 'Most popular' baseline is always included."
        )
        c1, c2, _ = st.columns([1, 2, 2])
        k = c1.selectbox("k (list length)", recs_data.EVAL_KS, index=recs_data.EVAL_KS.index(10), key="recs_k",
                         help="How many recommended products per customer the metrics look at.")
        weeks = c2.slider("Held-out weeks", min_value=2, max_value=26, value=8, key="recs_weeks",
                          help="The last N weeks of purchases are hidden from the models and used as the truth.")
        with components.guard("the evaluation"):
            ev = recs_data.evaluation(db, k=k, holdout_weeks=weeks)
            info = ev.info
            held_out = f"{info['cutoff']:%Y-%m-%d} onwards ({info['holdout_weeks']} weeks)"
            scored = (f"a seeded sample of {info['customers']:,} of the {ev.held_out_customers:,} customers"
                      if ev.held_out_customers > info["customers"] else f"all {info['customers']:,} customers")
            st.caption(f"Trained on {info['train_interactions']:,} customer × product interactions before "
                       f"{info['cutoff']:%Y-%m-%d}; scored on {scored} who bought something new from {held_out}.")
            metrics = ev.metrics.assign(label=ev.metrics["model"].map(LABELS))

            st.subheader("Accuracy per model", help="Higher is better for every metric here.")
            st.plotly_chart(recs_charts.metric_bars(
                metrics, columns=list(ACCURACY), labels={c: metric_label(c, k) for c in ACCURACY},
                model_labels=LABELS, baseline=BASELINE,
                title=f"Accuracy at k={k} per model, purchases {held_out}"))
            st.subheader("Coverage and diversity",
                         help="Beyond accuracy: does the model use the catalogue and vary the lists?")
            left, right = st.columns(2)
            left.plotly_chart(recs_charts.metric_bars(
                metrics, columns=["coverage", "diversity"], labels=METRIC_LABELS, model_labels=LABELS,
                baseline=BASELINE, title=f"Catalogue coverage and category diversity, top {k}", legend_below=True))
            right.plotly_chart(recs_charts.metric_bars(
                metrics, columns=["novelty"], labels=METRIC_LABELS, model_labels=LABELS, baseline=BASELINE,
                percent=False, title=f"Novelty of the top {k} (bits, higher = less obvious)", legend_below=True))
            components.table(
                metrics, f"recommender_metrics_k{k}_{weeks}w",
                labels={"label": "Model", **{c: metric_label(c, k) for c in METRIC_HELP},
                        "fit_seconds": "Fit (s)"},
                formats={**{c: PCT for c in [*ACCURACY, "coverage", "diversity"]}, "novelty": "%.2f",
                         "fit_seconds": "%.2f"},
            )
            with st.expander("What the metrics mean", expanded=True):
                st.markdown("\n".join(f"- **{METRIC_LABELS[c]}**: {text}" for c, text in METRIC_HELP.items()))

            st.subheader("Per segment", help="Segment = the customer's main sales channel before the cutoff.")
            metric = st.columns([1, 2])[0].selectbox("Metric", ACCURACY, index=2, format_func=lambda c: METRIC_LABELS[c],
                                  key="recs_seg_metric", help="The accuracy metric compared across segments.")
            st.caption(f"{METRIC_LABELS[metric]}: {METRIC_HELP[metric]}")
            # Counts stay numbers ("fewer than 50" where hidden): components.table shows the mix as
            # text with separators, and the CSV keeps plain numbers.
            by_segment = private_by_segment(ev.by_segment).assign(label=lambda d: d["model"].map(LABELS))
            st.plotly_chart(recs_charts.segment_bars(
                by_segment, metric=metric, metric_label=metric_label(metric, k), model_labels=LABELS, baseline=BASELINE,
                title=f"{metric_label(metric, k)} per segment, purchases {held_out}"))
            components.table(
                by_segment, f"recommender_metrics_by_segment_k{k}_{weeks}w",
                labels={"label": "Model", "segment": "Segment", "customers": "Customers",
                        **{c: metric_label(c, k) for c in ACCURACY}},
                formats={"customers": COUNT, **{c: PCT for c in ACCURACY}},
            )
            st.caption(f"Segments with {small_group_label()} evaluated customers are hidden.")

            st.subheader("Fairness: who gets the recommendation slots",
                         help="Compares each group's share of all recommended slots with its share of the "
                         "catalogue and of past sales. A model that over-serves a few brands shows long blue bars.")
            c1, c2 = st.columns(2)
            fair_model = c1.selectbox("Model", info["models"], index=info["models"].index("hybrid")
                                      if "hybrid" in info["models"] else 0, format_func=LABELS.get, key="recs_fair_model")
            dimension = c2.segmented_control("Group by", ["brand", "price_tier"], default="price_tier", required=True,
                                             format_func={"brand": "Brand", "price_tier": "Price tier"}.get,
                                             key="recs_fair_dim",
                                             help="Price tier = budget, mid or premium third of prices within the category.")
            fair = ev.fairness[(ev.fairness["model"] == fair_model) & (ev.fairness["dimension"] == dimension)]
            group_label = {"brand": "Brand", "price_tier": "Price tier"}[dimension]
            st.plotly_chart(recs_charts.fairness_bars(
                fair, group_label=group_label,
                title=f"{LABELS[fair_model]}: share of top-{k} slots per {group_label.lower()} vs catalogue and "
                      f"sales (sales before {info['cutoff']:%Y-%m-%d})"))
            components.table(
                fair.sort_values("rec_share", ascending=False), f"recommendation_fairness_{fair_model}_{dimension}",
                labels={"group": group_label, "rec_share": "% of recommendation slots", "catalogue_share": "% of catalogue",
                        "sales_share": "% of sales (order lines)"},
                formats={"rec_share": PCT, "catalogue_share": PCT, "sales_share": PCT},
            )
