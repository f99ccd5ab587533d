"""One-sentence key messages for presentation mode, from figures a page already shows.

Each function takes what the page has computed (already privacy-suppressed) and returns one
plain sentence, or an empty string when there is nothing safe to say; pages pass it to
:func:`dashboard.components.key_message`, which draws it only in presentation mode. No
Streamlit calls and no queries here.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from core.formatting import format_value, short_money


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
    total = short_money(customers["clv"].sum(), currency)
    return (f"{active:.0%} of {len(customers):,} customers are probably still active; together all are expected "
            f"to be worth {total} over the next {horizon_weeks} weeks.")


def campaigns(table: pd.DataFrame) -> str:
    """E.g. "Of the 38 campaigns with the larger budgets, Spring sale returned the most: ROAS 4.20× on 1,234 orders."

    Only the half of the campaigns with the most spend compete: a tiny test campaign with a
    handful of orders would otherwise lead the story on a ratio nobody can scale.
    """
    shown = table[table["roas"].notna() & (table["spend"] > 0)] if {"roas", "spend"} <= set(table) else table.iloc[0:0]
    shown = shown[shown["spend"] >= shown["spend"].median()]
    if shown.empty:
        return ""
    best = shown.sort_values("roas", ascending=False).iloc[0]
    orders = "" if pd.isna(best.get("orders")) else f" on {best['orders']:,.0f} orders"
    return (f"Of the {len(shown)} campaigns with the larger budgets, {best['name']} returned the most per unit of "
            f"spend: ROAS {format_value(best['roas'], 'ratio')}{orders}.")


def attribution(public: pd.DataFrame, model_label: str | None = None) -> str:
    """E.g. "The largest share of credited revenue, 38%, goes to search (Data-driven: Shapley value)."."""
    shown = _visible(public, "revenue_share")
    if shown.empty:
        return ""
    label = model_label if model_label in set(shown["model_label"]) else shown["model_label"].iloc[-1]
    rows = shown[shown["model_label"] == label]
    top = rows.sort_values("revenue_share", ascending=False).iloc[0]
    return f"The largest share of credited revenue, {top['revenue_share']:.0%}, goes to {top['channel']} ({label})."


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
    """E.g. "Item-kNN recommends Trail shoes first, because you bought Socks and Tent."."""
    for recs in lists:
        if not recs.empty and "name" in recs:
            top = recs.iloc[0]
            why = str(top.get("explanation") or "").rstrip(".")
            return f"{top['model']} recommends {top['name']} first" + (f", {why}." if why else ".")
    return ""


def overview_trend(trend: pd.DataFrame, *, grain: str, currency: object = None) -> str:
    """E.g. "Revenue peaked in the week starting 2025-06-02: €13.2k across the channels shown."."""
    if trend.empty or trend["revenue"].isna().all():
        return ""
    totals = trend.groupby("period")["revenue"].sum(min_count=1).dropna()
    if totals.empty:
        return ""
    best = totals.idxmax()
    when = pd.Timestamp(best).date().isoformat() if not isinstance(best, str) else best
    return (f"Revenue peaked in the {grain} starting {when}: {short_money(totals.max(), currency)} "
            "across the channels shown.")


def overview_share(share: pd.DataFrame) -> str:
    """E.g. "web brings 52% of revenue from 43% of orders."."""
    shown = _visible(share, "revenue_share")
    if shown.empty:
        return ""
    top = shown.sort_values("revenue_share", ascending=False).iloc[0]
    orders = top.get("orders_share")
    tail = "" if orders is None or pd.isna(orders) else f" from {orders:.0%} of orders"
    return f"{top['channel']} brings the most revenue: {top['revenue_share']:.0%}{tail}."


def overview_channels(groups: pd.DataFrame, *, currency: object = None) -> str:
    """E.g. "32% of buyers bought in more than one channel and spent €610 each, against €215 for the others."."""
    shown = _visible(groups, "customer_share").set_index("channels_used")
    if "1" not in shown.index:
        return ""
    multi = shown.drop(index="1")
    multi = multi[multi["customers"] > 0]
    if multi.empty:
        return "Every buyer shown bought in one sales channel only."
    share = multi["customer_share"].sum()
    spend = (multi["revenue_per_customer"] * multi["customers"]).sum() / multi["customers"].sum()
    single = shown.loc["1", "revenue_per_customer"]
    if pd.isna(spend) or pd.isna(single):
        return f"{share:.0%} of buyers bought in more than one sales channel."
    return (f"{share:.0%} of buyers bought in more than one sales channel and spent "
            f"{short_money(spend, currency)} each, against {short_money(single, currency)} "
            "for single-channel buyers.")


def rfm(groups: pd.DataFrame) -> str:
    """E.g. "Champions are 18% of customers and bring 46% of revenue, the most of any RFM group."."""
    shown = _visible(groups, "revenue_share")
    if shown.empty or "rfm_group" not in shown:
        return ""
    top = shown.sort_values("revenue_share", ascending=False).iloc[0]
    customers = top.get("customer_share")
    who = "" if customers is None or pd.isna(customers) else f" are {customers:.0%} of customers and"
    return f"{top['rfm_group']}{who} bring {top['revenue_share']:.0%} of revenue, the most of any RFM group."


def clv_cac(value: pd.DataFrame) -> str:
    """E.g. "Customers from email are worth 5.2× what they cost to acquire, the best CLV:CAC of 4 channels with spend."."""
    shown = _visible(value, "clv_to_cac")
    if shown.empty:
        return ""
    best = shown.sort_values("clv_to_cac", ascending=False).iloc[0]
    among = ("the only channel with spend to compare" if len(shown) == 1
             else f"the best CLV:CAC of {len(shown)} channels with spend")
    return (f"Customers from {best['channel']} are worth {format_value(best['clv_to_cac'], 'ratio')} what they cost "
            f"to acquire, {among}.")


def clv_holdout(holdout: Mapping[str, object], *, holdout_weeks: int) -> str:
    """E.g. "On 26 weeks it did not see, the model predicted 3,388 orders against 2,782 placed (+21.8%)."."""
    try:
        predicted, actual = float(holdout["total_predicted"]), float(holdout["total_actual"])
        error = float(holdout["total_error_pct"])
    except (KeyError, TypeError, ValueError):
        return ""
    if pd.isna(error):
        return ""
    return (f"On {holdout_weeks} weeks it did not see, the model predicted {predicted:,.0f} orders against "
            f"{actual:,.0f} placed ({error:+.1f}%).")


def content_leads(leads: pd.DataFrame) -> str:
    """The first segment with a theme to lead with, e.g. "Web one-timers: lead with price offer, seasonal."."""
    if leads.empty or "lead_with" not in leads:
        return ""
    named = leads[leads["lead_with"].fillna("") != ""]
    if named.empty:
        return "No segment stands out on a content theme: the same content can lead for every profile."
    top = named.iloc[0]
    others = len(named) - 1
    more = f" ({others} more segment{'s' if others != 1 else ''} with a theme of their own below)" if others else ""
    return f"{top['name']}: lead with {top['lead_with']}{more}."


def seo(table: pd.DataFrame, *, by: str, by_label: str) -> str:
    """E.g. "/sale brings the most organic search sessions: 1,234, +12% on the previous period."."""
    shown = _visible(table, "sessions")
    if shown.empty:
        return ""
    top = shown.iloc[0]  # sorted by sessions, most first
    change = top.get("sessions_change")
    tail = "" if change is None or pd.isna(change) else f", {change:+.0f}% on the previous period"
    return f"{by_label} “{top[by]}” brings the most organic search sessions: {top['sessions']:,.0f}{tail}."


def attribution_truth(errors: Mapping[str, float], labels: Mapping[str, str]) -> str:
    """E.g. "Closest to the true incremental orders: Data-driven: Shapley value, 2.1 points off per channel."."""
    scored = {k: v for k, v in errors.items() if k in labels and not pd.isna(v)}
    if not scored:
        return ""
    best = min(scored, key=scored.get)
    return (f"Closest to the true incremental orders: {labels[best]}, {scored[best] * 100:.1f} percentage points "
            "off per channel on average.")
