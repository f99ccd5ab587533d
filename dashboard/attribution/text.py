"""Words of the Attribution page: each model in plain language, what the truth is, how error is measured."""

from __future__ import annotations

INTRO = (
    "Before most orders a customer met the brand several times: an ad on TV, a social post, an email, a search. "
    "**Attribution** shares the credit for each order between those touches. Each model below is a different "
    "rule (or a different estimate) for that sharing, so each tells a different story about which channels work."
)

MODEL_WORDS: dict[str, str] = {
    "last_click": "All the credit goes to the last touch before the order. Simple, and what most ad tools report, "
                  "but it over-credits channels that catch buyers at the end (brand search, email) and ignores "
                  "what made them want to buy.",
    "last_non_direct": "Like last click, but a direct visit (typing the shop's address) does not take the credit "
                       "when another channel came before it. The generated data has no direct channel, so here it "
                       "equals last click.",
    "first_click": "All the credit goes to the first touch of the path: the channel that introduced the customer.",
    "linear": "Every touch in the path gets an equal share.",
    "time_decay": "Recent touches get more: a touch's share halves for every 7 days (the half-life) it happened "
                  "before the order.",
    "position_based": "40% to the first touch, 40% to the last, and the remaining 20% shared by the ones in "
                      "between (one touch gets 100%, two touches 50% each).",
    "markov": "Data-driven. Treats paths as moves from one channel to the next, ending in an order or in nothing, "
              "and learns how likely each move is from all paths — including those that led to no order. A "
              "channel's credit is its **removal effect**: how many fewer orders the model predicts if that "
              "channel were taken away. Each order is then shared among its path's channels in proportion.",
    "shapley": "Data-driven. Compares how often paths convert with and without each channel, over every "
               "combination of channels (the **Shapley value** from game theory: each channel's average extra "
               "orders when it joins the others). Exact when there are at most 12 channels.",
}

TRUTH = (
    "**What the truth is.** On generated data Omnimix knows why each order happened: the generator raises each "
    "customer's chance to buy by a known amount for every touch. For each channel it removes the channel's touches "
    "and recomputes the chance, which gives the orders the channel **really caused** (incremental orders). "
    "A model's **error** is the average gap, in percentage points, between its share of orders and the true share, "
    "over the channels with touches — lower is better. Loaded (real) data has no truth, so no error is shown."
)

LOOKBACK_HELP = ("How many days before an order a touch may be and still share its credit. Touches are counted "
                 "for one order at most: the next order after them.")

RECONCILE = (
    "The budget model (marketing-mix model) estimates what each paid channel adds from its weekly spend, without "
    "looking at individual paths. Here both views are shown as shares of revenue over the channels both know; "
    "large gaps mean the two disagree about a channel and are worth a lift test."
)


def model_list(labels: dict[str, str]) -> str:
    """The models as a markdown list: label in bold, then the plain words."""
    return "\n".join(f"- **{labels[k]}** — {v}" for k, v in MODEL_WORDS.items() if k in labels)


def reconcile_message(view, labels: dict[str, str]) -> str:  # noqa: ANN001 - a DataFrame of core.attribution.reconcile
    """The widest gap between a model's and the budget side's revenue share, e.g. "The widest gap: Last click gives
    email 31% of revenue, the budget side 9%; a lift test on email would settle it."."""
    gaps = [(abs(row[m] - row["budget_share"]), m, row) for _, row in view.iterrows() for m in labels if m in view]
    gaps = [g for g in gaps if g[0] == g[0]]  # not NaN
    if not gaps:
        return ""
    _, model, row = max(gaps, key=lambda g: g[0])
    return (f"The widest gap: {labels[model]} gives {row['channel']} {row[model]:.0%} of revenue, the budget side "
            f"{row['budget_share']:.0%}; a lift test on {row['channel']} would settle it.")
