"""Texts of the Customer value page: the model card and the holdout reading, in plain words.

Values in, Markdown out (no Streamlit calls), so the page stays a readable sequence of widgets.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from dashboard import money

MODEL_WORDS = {
    "bgnbd": "BG/NBD (beta-geometric / negative binomial)",
    "bg/nbd": "BG/NBD (beta-geometric / negative binomial)",
    "paretonbd": "Pareto/NBD",
    "pareto/nbd": "Pareto/NBD",
    "mbgnbd": "MBG/NBD (modified BG/NBD)",
    "mbg/nbd": "MBG/NBD (modified BG/NBD)",
}

HORIZON_HELP = ("How far ahead CLV and expected orders look. A year (52 weeks) is the usual choice; longer horizons "
                "lean more on the model's assumption that today's habits continue.")
DISCOUNT_HELP = ("How much less money earned next month is worth than one today, per month. 1% a month (about 12.7% "
                 "a year) is a common default; 0 counts all future revenue in full.")
HOLDOUT_HELP = ("Three repeat-purchase models are fitted again on the data up to this many weeks before the end of "
                "the period, then asked how many orders each customer would place in those weeks; the one that came "
                "closest is used for every figure on this page. The chart compares its forecast with what customers "
                "really did.")


def model_words(name: str) -> str:
    """The model's full name from its short name (unknown names as they are)."""
    return MODEL_WORDS.get(str(name).lower().replace("-", "").replace(" ", ""), str(name))


def _params(params: Mapping[str, float]) -> str:
    return ", ".join(f"{k} = {float(v):.3g}" for k, v in params.items())


def model_card(*, model_name: str, choice: str, params: Mapping[str, float], spend_params: Mapping[str, float],
               cutoff: str, horizon_weeks: int, discount_monthly: float, channels: str, customers: int) -> str:
    """The model card: which models and why, fitted up to when, on whom, and what the figures mean."""
    yearly = (1 + discount_monthly) ** 12 - 1
    return (
        f"**Repeat purchases**: {model_words(model_name)}, fitted on the order history of {customers:,} customers "
        f"up to **{cutoff}** ({channels}). It learns how often customers buy while they are active and how likely "
        f"they are to stop for good. Parameters: {_params(params)}.  \n"
        f"**Why this model**: {choice} (see the holdout check below).\n\n"
        f"**Spend per order**: Gamma-Gamma, fitted on the customers who bought more than once (their average order "
        f"value is pulled towards the average of everyone, more so when they have few orders). Parameters: "
        f"{_params(spend_params)}.\n\n"
        "**Probably active**: the model's probability that a customer has not stopped buying for good, given how "
        "many orders they placed and how long ago the last one was. A frequent buyer who has been quiet for a long "
        "time gets a low value; a one-off buyer fades slowly.\n\n"
        f"**CLV (customer lifetime value)**: expected orders in the next **{horizon_weeks} weeks** × expected order "
        f"value, discounted by **{discount_monthly:.1%} a month** ({yearly:.1%} a year). It is revenue, not margin, "
        "and counts only future orders, not what the customer already spent.\n\n"
        "**Tiers** group customers by their probability of being active (see the tier table)."
    )


def holdout_words(holdout: Mapping[str, object], *, holdout_weeks: int) -> str:
    """MAE, total error and AUC of the holdout check in plain words."""
    mae = float(holdout["mae"])
    total_pred, total_actual = float(holdout["total_predicted"]), float(holdout["total_actual"])
    error = float(holdout["total_error_pct"])
    auc = holdout.get("auc")
    text = (
        f"**Per customer**: predictions miss by {mae:.2f} orders on average (mean absolute error, MAE).  \n"
        f"**In total**: {total_pred:,.0f} orders predicted for the {holdout_weeks} weeks against {total_actual:,.0f} "
        f"placed, {error:+.1f}% ({'over' if error > 0 else 'under'}-forecast).  \n"
    )
    if auc is None or not np.isfinite(float(auc)):
        return text + "**Separation**: not available (everyone or no one bought in the holdout)."
    return text + (
        f"**Separation (AUC {float(auc):.2f})**: pick a customer who bought again in the holdout and one who did not; "
        f"{float(auc):.0%} of the time the buyer had the higher probability of being active (0.5 is a coin toss, "
        "1 is perfect)."
    )


def comparison_words(compared: Mapping[str, Mapping[str, float]], *, chosen: str) -> str:
    """How each repeat-purchase model did on the holdout and which one the page uses."""
    if not compared:
        return ""
    parts = [f"{name}: total error {float(c['total_error_pct']):+.1f}%, MAE {float(c['mae']):.2f}, "
             f"AUC {float(c['auc']):.2f}" for name, c in compared.items()]
    return (f"All {len(compared)} repeat-purchase models were fitted on the same history and scored on the holdout "
            f"({'; '.join(parts)}). A model whose AUC is more than 0.1 below the best one's is left out (it would put "
            f"the wrong customers in the tiers); of the rest, the smallest total error wins, the MAE deciding when "
            f"they are within 2 points. {chosen} was chosen and is used for every figure on this page.")


def heatmap_reading(model_name: str) -> str:
    """How to read the "probably active" heatmap, with the chosen model's blind spot."""
    text = ("Read across a row: the longer since the last order, the less likely a customer is still active, and the "
            "more orders they used to place, the faster that probability falls.")
    if model_name == "BG/NBD":
        text += (" BG/NBD treats customers who never bought again as active (they can only drop out after a repeat "
                 "purchase), so the tiers also count the time since the last order.")
    return text


def tier_help(tiers: tuple[str, ...], p_alive: tuple[float, ...], gap_weeks: tuple[float, ...]) -> str:
    """How a customer's tier is chosen, with the model's thresholds."""
    by_p = ", ".join(f"{t} from {p:.0%}" for t, p in zip(tiers, p_alive, strict=False))
    by_gap = ", ".join(f"{t} after {w:.0f} weeks" for t, w in zip(tiers[1:], gap_weeks, strict=False))
    return (f"By probability of being active: {by_p}, {tiers[-1]} below. By time since the last order, at best: "
            f"{by_gap}. A customer gets the worse of the two readings.")


def customer_cards(value: Mapping[str, object], *, horizon_weeks: int = 52) -> list[tuple[str, str, str]]:
    """A customer's value cards for the Recommendations page: (label, value, help)."""
    return [
        (f"CLV, next {horizon_weeks} weeks", money.currency().amount(float(value['clv'])),
         "Expected orders × expected order value over the horizon, discounted 1% a month (Customer value page)."),
        ("Probably active", f"{float(value['p_alive']):.0%}",
         "The model's probability that this customer has not stopped buying for good."),
        ("Churn-risk tier", str(value["tier"]),
         "From the probability of being active and the time since the last order (Customer value page)."),
        (f"Expected orders ({horizon_weeks} wk)", f"{float(value['expected_orders']):.1f}",
         f"Orders the model expects this customer to place in the next {horizon_weeks} weeks."),
    ]
