"""Recommendations page, Evaluation tab: every model scored on a time split, per segment, and its fairness.

The page calls :func:`section` inside the tab; the figures come from :func:`dashboard.recs.data.evaluation`.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from core.privacy import small_group_label
from core.recs import BASELINE
from core.recs.evaluate import private_by_segment
from core.recs.metric_labels import METRIC_HELP, METRIC_LABELS, metric_label
from core.recs.metrics import ACCURACY
from core.recs.segment_privacy import private_segment_views
from dashboard import components, key_messages
from dashboard.formats import COUNT, PCT, RATIO
from dashboard.recs import charts as recs_charts
from dashboard.recs import data as recs_data
from dashboard.recs import text as recs_text
from dashboard.recs.text import FAIRNESS_GROUPS, MODEL_LABELS

SEGMENT_GROUPS = {"with history": "With a history", "new": "New customers", "all": "All customers"}
"""Choices of the per-segment view (keys: ``Evaluation.by_segment_history``'s ``history``, or all)."""


def section(db: Path) -> None:
    """The k and held-out-weeks choice, then accuracy, coverage, per-segment and fairness views."""
    st.caption(
        "Honest offline test: every model learns only from what happened before a cutoff and "
        "recommends k products per customer; we then check what those customers really bought "
        "in the held-out weeks (products new to them). The 'Most popular' baseline is always included."
    )
    presenting = components.is_presenting()  # the evaluation's settings are analysis plumbing: defaults there
    c1, c2, _ = st.columns([1, 2, 2]) if not presenting else (None, None, None)
    k = 10 if presenting else c1.selectbox(
        "k (list length)",
        recs_data.EVAL_KS,
        index=recs_data.EVAL_KS.index(10),
        key="recs_k",
        help="How many recommended products per customer the metrics look at.",
    )
    weeks = 8 if presenting else c2.slider(
        "Held-out weeks",
        min_value=2,
        max_value=26,
        value=8,
        key="recs_weeks",
        help="The last N weeks of purchases are hidden from the models and used as the truth.",
    )
    with components.guard("the evaluation"):
        ev = recs_data.evaluation(db, k=k, holdout_weeks=weeks)
        info, held_out = ev.info, recs_text.held_out(ev.info)
        st.caption(recs_text.evaluation_caption(info, ev.held_out_customers))
        by_history = private_by_segment(ev.by_history).assign(label=lambda d: d["model"].map(MODEL_LABELS))
        metrics = ev.metrics.assign(label=ev.metrics["model"].map(MODEL_LABELS))
        history_columns = recs_text.history_columns(by_history, k)
        for column, (group, _) in history_columns.items():
            metrics[column] = metrics["model"].map(by_history[by_history["history"] == group].set_index("model")["ndcg"])
        bars = {"model_labels": MODEL_LABELS, "baseline": BASELINE}

        st.subheader("Accuracy per model", help="Higher is better for every metric here.")
        accuracy_labels = {c: metric_label(c, k) for c in ACCURACY}
        components.key_message(key_messages.recs_accuracy(metrics, k=k, labels=MODEL_LABELS, baseline=BASELINE))
        title = f"Accuracy at k={k} per model, purchases {held_out}"
        st.plotly_chart(
            recs_charts.metric_bars(metrics, columns=list(ACCURACY), labels=accuracy_labels, title=title, **bars)
        )
        st.subheader(
            "Coverage and diversity", help="Beyond accuracy: does the model use the catalogue and vary the lists?"
        )
        components.key_message(key_messages.recs_coverage(metrics, k=k, labels=MODEL_LABELS))
        left, right = st.columns(2)
        title = f"Catalogue coverage and category diversity, top {k}"
        left.plotly_chart(
            recs_charts.metric_bars(
                metrics,
                columns=["coverage", "diversity"],
                labels=METRIC_LABELS,
                title=title,
                legend_below=True,
                **bars,
            )
        )
        title = f"Novelty of the top {k} (bits, higher = less obvious)"
        right.plotly_chart(
            recs_charts.metric_bars(
                metrics,
                columns=["novelty"],
                labels=METRIC_LABELS,
                percent=False,
                title=title,
                legend_below=True,
                **bars,
            )
        )
        components.table(
            metrics,
            f"recommender_metrics_k{k}_{weeks}w",
            labels={"label": "Model", **{c: metric_label(c, k) for c in METRIC_HELP},
                    **{c: text for c, (_, text) in history_columns.items()}, "fit_seconds": "Fit (CPU s)"},
            formats={
                **dict.fromkeys([*ACCURACY, "coverage", "diversity", *history_columns], PCT),
                "novelty": RATIO,
                "fit_seconds": RATIO,
            },
        )
        with st.expander("What the metrics mean", expanded=True):
            st.markdown("\n".join(f"- **{METRIC_LABELS[c]}**: {text}" for c, text in METRIC_HELP.items()))

        st.subheader(
            "Customers with a history vs new customers",
            help="History = any purchase, cart or view before the cutoff. A new customer gets the popular "
            "products of their segment from every model, so the models differ only on customers with a history.",
        )
        components.key_message(key_messages.recs_history(by_history, metric_label=metric_label("ndcg", k),
                                                         labels=MODEL_LABELS))
        st.caption(recs_text.history_caption(info))
        title = f"{metric_label('ndcg', k)} by customer history, purchases {held_out}"
        st.plotly_chart(
            recs_charts.history_bars(by_history, metric="ndcg", metric_label=metric_label("ndcg", k), title=title, **bars)
        )
        components.table(
            by_history,
            f"recommender_metrics_by_history_k{k}_{weeks}w",
            labels={"label": "Model", "history": "Customers", "customers": "Customers scored", **accuracy_labels},
            formats={"customers": COUNT, **dict.fromkeys(ACCURACY, PCT)},
        )

        st.subheader("Per segment", help="Segment = the customer's main sales channel before the cutoff.")
        metric = ACCURACY[2] if presenting else st.columns([1, 2])[0].selectbox(
            "Metric",
            ACCURACY,
            index=2,
            format_func=METRIC_LABELS.get,
            key="recs_seg_metric",
            help="The accuracy metric compared across segments.",
        )
        group = "with history" if presenting else st.segmented_control(
            "Customers",
            list(SEGMENT_GROUPS),
            default="with history",
            format_func=SEGMENT_GROUPS.get,
            key="recs_seg_history",
            help="Customers with a history before the cutoff and new ones apart: every model gives a new "
            "customer the same popular list, so mixing them in hides the differences between models.",
        ) or "with history"
        # Counts stay numbers ("fewer than 50" where hidden): components.table shows the mix as
        # text with separators, and the CSV keeps plain numbers.
        all_segments, by_segment = private_segment_views(ev.by_segment, ev.by_segment_history)
        by_segment = all_segments if group == "all" else by_segment[by_segment["history"] == group]
        by_segment = by_segment.assign(label=lambda d: d["model"].map(MODEL_LABELS))
        components.key_message(key_messages.recs_segments(
            by_segment, metric=metric, metric_label=metric_label(metric, k), labels=MODEL_LABELS,
            model="hybrid" if "hybrid" in set(by_segment["model"]) else str(by_segment["model"].iloc[0])))
        st.caption(f"{METRIC_LABELS[metric]}: {METRIC_HELP[metric]}")
        title = f"{metric_label(metric, k)} per segment, {SEGMENT_GROUPS[group].lower()}, purchases {held_out}"
        st.plotly_chart(
            recs_charts.segment_bars(
                by_segment, metric=metric, metric_label=metric_label(metric, k), title=title, **bars
            )
        )
        components.table(
            by_segment,
            f"recommender_metrics_by_segment_{group.replace(' ', '_')}_k{k}_{weeks}w",
            labels={"label": "Model", "segment": "Segment", "history": "Customers", "customers": "Customers scored",
                    **accuracy_labels},
            formats={"customers": COUNT, **dict.fromkeys(ACCURACY, PCT)},
        )
        st.caption(f"Groups with {small_group_label()} evaluated customers are hidden, and so is any figure "
                   "that would give one away by subtraction (marked as protecting a smaller group).")

        st.subheader(
            "Fairness: who gets the recommendation slots",
            help="Compares each group's share of all recommended slots with its share of the "
            "catalogue and of past sales. A model that over-serves a few brands shows long blue bars.",
        )
        c1, c2 = st.columns(2) if not presenting else (None, None)
        models = info["models"]
        fair_model = (models[models.index("hybrid") if "hybrid" in models else 0]) if presenting else c1.selectbox(
            "Model",
            models,
            index=models.index("hybrid") if "hybrid" in models else 0,
            format_func=MODEL_LABELS.get,
            key="recs_fair_model",
        )
        dimension = "price_tier" if presenting else c2.segmented_control(
            "Group by",
            list(FAIRNESS_GROUPS),
            default="price_tier",
            required=True,
            format_func=FAIRNESS_GROUPS.get,
            key="recs_fair_dim",
            help="Price tier = budget, mid or premium third of prices within the category.",
        )
        fair = ev.fairness[(ev.fairness["model"] == fair_model) & (ev.fairness["dimension"] == dimension)]
        group_label = FAIRNESS_GROUPS[dimension]
        components.key_message(key_messages.recs_fairness(fair, model_label=MODEL_LABELS[fair_model],
                                                          group_label=group_label))
        title = (
            f"{MODEL_LABELS[fair_model]}: share of top-{k} slots per {group_label.lower()} vs catalogue and "
            f"sales (sales before {info['cutoff']:%Y-%m-%d})"
        )
        st.plotly_chart(recs_charts.fairness_bars(fair, group_label=group_label, title=title))
        components.table(
            fair.sort_values("rec_share", ascending=False),
            f"recommendation_fairness_{fair_model}_{dimension}",
            labels={
                "group": group_label,
                "rec_share": "% of recommendation slots",
                "catalogue_share": "% of catalogue",
                "sales_share": "% of sales (order lines)",
            },
            formats=dict.fromkeys(["rec_share", "catalogue_share", "sales_share"], PCT),
        )
