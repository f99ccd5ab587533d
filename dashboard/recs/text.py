"""Texts of the Recommendations page: the lists as Markdown, the profile cards, labels and captions.

Strings in, strings out (no Streamlit calls), so the page stays a readable sequence of widgets.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from core.formatting import format_value
from core.privacy import MIN_GROUP_SIZE, small_group_label
from core.recs import MODELS
from core.recs.columns import NO_SEGMENT
from core.recs.explain import segment_label
from dashboard import money

MODEL_LABELS = {name: cls.label for name, cls in MODELS.items()}
"""Model name -> its label on the page ("Most popular", ...)."""
FAIRNESS_GROUPS = {"brand": "Brand", "price_tier": "Price tier"}
"""What the fairness view can group recommendation slots by, and its header."""
_MARKDOWN_SPECIAL = str.maketrans({c: f"\\{c}" for c in "$*_[]"})


def or_unknown(value: object) -> str:
    """A profile field as text; missing values (NULL in the customers table) read "unknown", not "None"."""
    return "unknown" if value is None or pd.isna(value) else str(value)


def recs_markdown(recs: pd.DataFrame) -> str:
    """A numbered list: product in bold, category and price, then the reason in grey."""

    def esc(text: object) -> str:
        return str(text).translate(_MARKDOWN_SPECIAL)

    return "\n".join(
        f"{r.rank}. **{esc(r.name)}** · {esc(r.category)} · {money.currency().amount(r.price)}  \n   :gray[{esc(r.explanation)}]"
        for r in recs.itertuples()
    )


def segment_option(segment: str, sizes: Mapping[str, int]) -> str:
    """A segment in the random-customer box, with its size unless the segment is too small to show."""
    n = int(sizes.get(segment, 0))
    if n >= MIN_GROUP_SIZE:
        return f"{segment_label(segment)} ({n:,} customers)"
    return f"{segment} ({small_group_label()})"


def profile_cards(profile: Mapping[str, object], segment: str) -> list[tuple[str, str, str]]:
    """The customer's metric cards: (label, value, help)."""
    last = profile["last_order"]
    return [
        (
            "Segment",
            segment,
            "Main sales channel: where most of their order lines were placed. Customers without orders get "
            f"their acquisition channel (when customers buy there), else '{NO_SEGMENT}'.",
        ),
        ("Orders", f"{int(profile['orders']):,}", "Orders placed, all channels, all dates."),
        ("Revenue", format_value(float(profile["revenue"]), "money", money.currency()), f"Sum of their order lines ({money.code()})."),
        ("Last order", "–" if pd.isna(last) else f"{last:%Y-%m-%d}", "Date of their most recent order."),
    ]


def profile_caption(profile: Mapping[str, object]) -> str:
    """Region, age band, sign-up date and acquisition channel in one line."""
    signup, channel = profile["signup_date"], profile["acquisition_channel"]
    signed_up = "on an unknown date" if pd.isna(signup) else f"{signup:%Y-%m-%d}"
    via = "an unknown channel" if pd.isna(channel) else channel
    return (
        f"Region {or_unknown(profile['region'])}, age band {or_unknown(profile['age_band'])}, "
        f"signed up {signed_up} via {via}."
    )


def evaluation_caption(info: Mapping[str, object], held_out_customers: int) -> str:
    """What the evaluation trained on and whom it scored."""
    customers = int(info["customers"])
    if held_out_customers > customers:
        scored = f"a seeded sample of {customers:,} of the {held_out_customers:,} customers"
    else:
        scored = f"all {customers:,} customers"
    return (
        f"Trained on {info['train_interactions']:,} customer × product interactions before "
        f"{info['cutoff']:%Y-%m-%d}; scored on {scored} who bought something new from {held_out(info)}."
    )


def held_out(info: Mapping[str, object]) -> str:
    """The held-out weeks in words: "2025-06-09 onwards (8 weeks)"."""
    return f"{info['cutoff']:%Y-%m-%d} onwards ({info['holdout_weeks']} weeks)"


def history_columns(by_history: pd.DataFrame, k: int) -> dict[str, tuple[str, str]]:
    """Extra metrics-table columns: NDCG@k of customers with a history and of new ones, headers with their counts.

    Returns column name → (``history`` group, header), e.g. ``"ndcg_with_history"`` →
    ``("with history", "NDCG@10, with history (1,234)")``; a group hidden as too small reads
    "fewer than 50" instead of a count.
    """
    out = {}
    for group in ("with history", "new"):
        rows = by_history[by_history["history"] == group]
        if rows.empty:
            continue
        n = rows["customers"].iloc[0]
        count = small_group_label() if pd.isna(n) else f"{int(n):,}"
        out[f"ndcg_{group.replace(' ', '_')}"] = (group, f"NDCG@{k}, {group} ({count})")
    return out


def history_caption(info: Mapping[str, object]) -> str:
    """How many scored customers had a history before the cutoff and how many were new."""
    with_history, new = int(info["customers_with_history"]), int(info["new_customers"])
    return (f"Of the {int(info['customers']):,} customers scored, {with_history:,} had bought, carted or viewed "
            f"something before {info['cutoff']:%Y-%m-%d} and {new:,} had not (new customers).")
