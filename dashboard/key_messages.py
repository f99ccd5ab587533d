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
from core.settings import currency as as_currency


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


# ---- Budget simulator: one message per section ------------------------------------------------
def budget_drivers(summary: pd.DataFrame, total_revenue: float, *, period: str, currency: object = None) -> str:
    """E.g. "Paid media drove 32% of revenue in 2024-01-01 – 2026-12-27; search drove the most: £199k at ROAS 2.68×."."""
    shown = _visible(summary, "contribution")
    if shown.empty or not total_revenue:
        return ""
    top = shown.sort_values("contribution", ascending=False).iloc[0]
    return (f"Paid media drove {shown['contribution'].sum() / total_revenue:.0%} of revenue in {period}; "
            f"{top['channel']} drove the most: {short_money(top['contribution'], currency)} at ROAS "
            f"{format_value(top['roas'], 'ratio')}.")


def budget_certainty(summary: pd.DataFrame) -> str:
    """E.g. "2 of 6 channels are well measured; read the others as ranges: email's ROAS lies between 0.62 and 7.06."."""
    if summary.empty or "well_measured" not in summary:
        return ""
    well = summary["well_measured"].astype(bool)
    if well.all():
        return f"All {len(summary)} channels are well measured: their ROAS bands are narrow enough to act on."
    widest = summary[~well].assign(width=lambda d: d["roas_high"] - d["roas_low"]).sort_values("width").iloc[-1]
    return (f"{int(well.sum())} of {len(summary)} channels are well measured; read the others as ranges: "
            f"{widest['channel']}'s ROAS lies between {widest['roas_low']:.2f} and {widest['roas_high']:.2f}.")


def budget_what_if(change: object, *, weeks: int, currency: object = None) -> str:
    """The what-if budget against today's, e.g. "With these budgets, revenue over 4 weeks is predicted at £80.1k, …"."""
    pred = change.budget
    amount = short_money(pred.revenue, currency)
    band = f"90% band {short_money(pred.low, currency)} – {short_money(pred.high, currency)}"
    if abs(change.spend_change) < 0.5 and abs(change.revenue_change) < 0.5:
        return f"At today's budgets, revenue over {weeks} weeks is predicted at {amount} ({band})."
    return (f"With these budgets, revenue over {weeks} weeks is predicted at {amount} ({band}), "
            f"{_signed(change.revenue_change, currency)} ({change.revenue_change_pct:+.1%}) on today's budget for "
            f"{_signed(change.spend_change, currency)} of spend.")


def budget_curves(summary: pd.DataFrame, *, currency: object = None) -> str:
    """Where one more unit of spend earns most and least, at today's spend (marginal ROAS)."""
    shown = _visible(summary, "mroas")
    if len(shown) < 2:
        return ""
    ranked = shown.sort_values("mroas", ascending=False)
    best, worst = ranked.iloc[0], ranked.iloc[-1]
    unit = _unit(currency)
    tail = ", less than it costs" if worst["mroas"] < 1 else ""
    return (f"At today's spend, one more {unit} a week earns most in {best['channel']} "
            f"({_money(best['mroas'], currency)} back) and least in {worst['channel']} "
            f"({_money(worst['mroas'], currency)}{tail}).")


def budget_plan(plan: object, *, weeks: int, currency: object = None) -> str:
    """The optimiser's proposal in one sentence: the gain and where the money moves."""
    table = plan.table(weeks=weeks)
    if not plan.improved:
        return f"No split within the allowed change is predicted to beat the {plan.current_label}: keep it."
    moved = table["proposed_spend"] - table["current_spend"]
    more = ", ".join(table.loc[moved > 0.5, "channel"].astype(str))
    less = ", ".join(table.loc[moved < -0.5, "channel"].astype(str))
    where = "; ".join(part for part in (more and f"more to {more}", less and f"less to {less}") if part)
    gain = plan.gain * weeks
    base = plan.current_revenue * weeks
    pct = f" ({gain / base:+.1%})" if base else ""
    return (f"Over {weeks} weeks the proposed split earns {short_money(gain, currency)}{pct} more than the "
            f"{plan.current_label}" + (f": {where}." if where else "."))


def budget_future(made: object, *, currency: object = None) -> str:
    """E.g. "Over the 13 weeks from 2026-12-28 the plan is predicted to bring £275k (90% band …); £9.8k … carry-over."."""
    plan, weeks = made.plan, made.weeks
    low, high = plan.proposed_band
    first = pd.Timestamp(made.forecast["week"].iloc[0])
    share = made.carryover / plan.proposed_revenue if plan.proposed_revenue else float("nan")
    carried = "" if pd.isna(share) else (f"; {short_money(made.carryover, currency)} of it ({share:.0%}) is already "
                                         "paid for by recent spend")
    return (f"Over the {weeks} weeks from {first:%Y-%m-%d} the plan is predicted to bring "
            f"{short_money(plan.proposed_revenue, currency)} (90% band {short_money(low, currency)} – "
            f"{short_money(high, currency)}){carried}.")


def budget_scenarios(revenue: Mapping[str, float], spend: Mapping[str, float], *, currency: object = None) -> str:
    """The saved scenario with the most predicted revenue (name → revenue, name → spend, over their own weeks)."""
    if not revenue:
        return ""
    best = max(revenue, key=revenue.get)
    if len(revenue) == 1:
        return (f"Scenario “{best}” is predicted to bring {short_money(revenue[best], currency)} for "
                f"{short_money(spend[best], currency)} of spend.")
    return (f"Of {len(revenue)} saved scenarios, “{best}” is predicted to bring the most: "
            f"{short_money(revenue[best], currency)} for {short_money(spend[best], currency)} of spend.")


def _money(value: float, currency: object) -> str:
    return as_currency(currency).amount(value)


def _unit(currency: object) -> str:
    return as_currency(currency).whole(1)


def _signed(value: float, currency: object) -> str:
    return ("+" if value >= 0 else "-") + short_money(abs(value), currency)


# ---- Recommendations: the customer and each evaluation view ---------------------------------
def recs_customer(customer_id: str, profile: Mapping[str, object], segment: str, *, currency: object = None) -> str:
    """E.g. "Customer C0000042, a web shopper, has placed 12 orders worth £1,234, the last on 2025-06-01."."""
    orders = int(profile.get("orders") or 0)
    if not orders:
        return f"Customer {customer_id} has not ordered yet: the lists below show what to offer a first order."
    last = profile.get("last_order")
    when = "" if last is None or pd.isna(last) else f", the last on {pd.Timestamp(last):%Y-%m-%d}"
    return (f"Customer {customer_id} ({segment}) has placed {orders:,} order{'s' if orders != 1 else ''} worth "
            f"{as_currency(currency).amount(float(profile['revenue']))}{when}.")


def recs_accuracy(metrics: pd.DataFrame, *, k: int, labels: Mapping[str, str], baseline: str) -> str:
    """The model with the best hit rate against the popularity baseline, e.g. "Hybrid's top 10 holds …"."""
    shown = _visible(metrics, "hit_rate")
    if shown.empty:
        return ""
    best = shown.sort_values("hit_rate", ascending=False).iloc[0]
    base = shown[shown["model"] == baseline]
    against = "" if base.empty or best["model"] == baseline else (
        f", against {base['hit_rate'].iloc[0]:.0%} for {labels.get(baseline, baseline)}")
    return (f"{labels.get(best['model'], best['model'])} does best: its top {k} holds a product the customer really "
            f"bought next for {best['hit_rate']:.0%} of customers{against}.")


def recs_coverage(metrics: pd.DataFrame, *, k: int, labels: Mapping[str, str]) -> str:
    """The model that uses most of the catalogue in its top-k lists."""
    shown = _visible(metrics, "coverage")
    if shown.empty:
        return ""
    ranked = shown.sort_values("coverage", ascending=False)
    best, least = ranked.iloc[0], ranked.iloc[-1]
    return (f"{labels.get(best['model'], best['model'])} spreads its top {k} over {best['coverage']:.0%} of the "
            f"catalogue; {labels.get(least['model'], least['model'])} uses only {least['coverage']:.0%}.")


def recs_history(by_history: pd.DataFrame, *, metric_label: str, labels: Mapping[str, str]) -> str:
    """How much better the models do for customers with a history than for new ones."""
    shown = _visible(by_history, "ndcg")
    known, new = shown[shown["history"] == "with history"], shown[shown["history"] == "new"]
    if known.empty:
        return ""
    best = known.sort_values("ndcg", ascending=False).iloc[0]
    tail = "" if new.empty else f"; new customers get popular products from every model ({new['ndcg'].max():.1%} at best)"
    return (f"For customers with a history, {labels.get(best['model'], best['model'])} scores {metric_label} "
            f"{best['ndcg']:.1%}{tail}.")


def recs_segments(by_segment: pd.DataFrame, *, metric: str, metric_label: str, model: str,
                  labels: Mapping[str, str]) -> str:
    """The segments where ``model`` does best and least well (segments hidden as too small are left out)."""
    shown = _visible(by_segment, metric)
    shown = shown[(shown["model"] == model) & shown["customers"].notna()] if "customers" in shown else shown.iloc[0:0]
    if len(shown) < 2:
        return ""
    ranked = shown.sort_values(metric, ascending=False)
    best, worst = ranked.iloc[0], ranked.iloc[-1]
    return (f"{labels.get(model, model)} does best for {best['segment']} customers ({metric_label} "
            f"{best[metric]:.1%}) and least well for {worst['segment']} ({worst[metric]:.1%}).")


def recs_fairness(fair: pd.DataFrame, *, model_label: str, group_label: str) -> str:
    """The group whose share of recommendation slots is furthest above its share of the catalogue."""
    shown = _visible(fair, "rec_share")
    if shown.empty or "catalogue_share" not in shown:
        return ""
    top = shown.assign(gap=shown["rec_share"] - shown["catalogue_share"]).sort_values("gap").iloc[-1]
    sales = "" if pd.isna(top.get("sales_share")) else f" and {top['sales_share']:.0%} of sales"
    return (f"{model_label} gives {top['group']} ({group_label.lower()}) {top['rec_share']:.0%} of its recommendation "
            f"slots, against {top['catalogue_share']:.0%} of the catalogue{sales}.")
