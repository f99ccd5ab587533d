"""One-sentence key messages for presentation mode, from figures a page already shows.

Each function takes what the page has computed (already privacy-suppressed) and returns one
plain sentence, or an empty string when there is nothing safe to say; pages pass it to
:func:`dashboard.components.key_message`, which draws it only in presentation mode. No
Streamlit calls and no queries here.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from core.formatting import format_value


def _visible(df: pd.DataFrame, column: str) -> pd.DataFrame:
    return df[df[column].notna()] if column in df else df.iloc[0:0]


def segments(profiles: pd.DataFrame) -> str:
    """E.g. "The largest segment, Loyal app shoppers, is 31% of customers and brings 45% of revenue."."""
    shown = _visible(profiles, "customer_share")
    if shown.empty:
        return ""
    top = shown.sort_values("customer_share", ascending=False).iloc[0]
    revenue = top.get("revenue_share")
    tail = "" if revenue is None or pd.isna(revenue) else f" and brings {revenue:.0%} of revenue"
    return f"The largest of {len(profiles)} segments, {top['name']}, is {top['customer_share']:.0%} of customers{tail}."


def customer_value(customers: pd.DataFrame, *, horizon_weeks: int, currency: object = None) -> str:
    """E.g. "62% of 1,980 customers are probably still active; together they are worth €310k over 52 weeks."."""
    if customers.empty:
        return ""
    active = (customers["p_alive"] >= 0.5).mean()
    total = format_value(customers["clv"].sum(), "money", currency)
    return (f"{active:.0%} of {len(customers):,} customers are probably still active; together all are expected "
            f"to be worth {total} over the next {horizon_weeks} weeks.")


def campaigns(table: pd.DataFrame) -> str:
    """E.g. "Spring sale returned the most per unit of spend: ROAS 4.20× on 1,234 orders."."""
    shown = table[table["roas"].notna() & (table["spend"] > 0)] if {"roas", "spend"} <= set(table) else table.iloc[0:0]
    if shown.empty:
        return ""
    best = shown.sort_values("roas", ascending=False).iloc[0]
    orders = "" if pd.isna(best.get("orders")) else f" on {best['orders']:,.0f} orders"
    return (f"{best['name']} returned the most per unit of spend: ROAS {format_value(best['roas'], 'ratio')}"
            f"{orders}, best of {len(shown)} campaigns with spend.")


def attribution(public: pd.DataFrame, model_label: str | None = None) -> str:
    """E.g. "Data-driven (Shapley): search earns the largest share of credited revenue, 38%."."""
    shown = _visible(public, "revenue_share")
    if shown.empty:
        return ""
    label = model_label if model_label in set(shown["model_label"]) else shown["model_label"].iloc[-1]
    rows = shown[shown["model_label"] == label]
    top = rows.sort_values("revenue_share", ascending=False).iloc[0]
    return f"{label}: {top['channel']} earns the largest share of credited revenue, {top['revenue_share']:.0%}."


def budget(metrics: Mapping[str, Mapping[str, float]]) -> str:
    """E.g. "On 8 weeks it did not see, the model's weekly revenue was off by 6.2% on average."."""
    hold = metrics.get("holdout", {})
    if "mape" not in hold or pd.isna(hold["mape"]):
        return ""
    weeks = int(hold.get("weeks", 0))
    seen = f"{weeks} weeks" if weeks else "weeks"
    return (f"On {seen} it did not see, the model's weekly revenue predictions were off by {hold['mape']:.1%} on "
            "average: read its budget split with that margin in mind.")


def recommendations(lists: list[pd.DataFrame]) -> str:
    """E.g. "For this customer, Hybrid puts Trail shoes first: bought with products they already own."."""
    for recs in lists:
        if not recs.empty and "name" in recs:
            top = recs.iloc[0]
            why = str(top.get("explanation") or "").rstrip(".")
            return f"{top['model']} recommends {top['name']} first" + (f": {why}." if why else ".")
    return ""
