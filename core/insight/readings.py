"""One plain-language sentence per insight chart, computed from the (already suppressed) data.

Readings only use figures that are visible on the page, so they never reveal a hidden group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.privacy import COMPLEMENT, MIN_GROUP_SIZE, hidden_reason
from core.settings import Currency
from core.settings import currency as as_currency

_NONE = "Every group here has fewer than {n} customers, so nothing is shown (privacy rule)."


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


def _money(x: float, currency: Currency | str | None) -> str:
    return as_currency(currency).whole(x)


def _cohort_name(cohort: str, by: str) -> str:
    if by == "month":
        return f"Customers who first bought in {pd.Timestamp(cohort + '-01'):%B %Y}"
    return f"Customers acquired through {cohort}"


def _pick_month(df: pd.DataFrame, column: str, preferred: int) -> tuple[pd.DataFrame, int] | None:
    """Rows at the month-since closest to ``preferred`` (>0) where at least two cohorts are visible."""
    visible = df[df[column].notna() & (df["months_since"] > 0)]
    counts = visible.groupby("months_since")["cohort"].nunique()
    months = counts[counts >= 2].index
    if len(months) == 0:
        months = counts.index
    if len(months) == 0:
        return None
    k = int(min(months, key=lambda m: (abs(m - preferred), m)))
    return visible[visible["months_since"] == k], k


def _no_cohort_month(df: pd.DataFrame, what: str, min_group: int) -> str:
    if df.empty:
        return "No customers made a first order in this period."
    if not (df["months_since"] > 0).any():
        return "No cohort has a full month after its first one yet; choose a longer period."
    return f"{what} after the first month is hidden: every cohort-month has fewer than {min_group} customers (privacy rule)."


def cohort_retention_reading(df: pd.DataFrame, *, by: str = "month", months: int = 3,
                             min_group: int = MIN_GROUP_SIZE) -> str:
    """E.g. "Customers acquired through app kept 34% after 3 months, best of 8 cohorts (median 28%)."."""
    picked = _pick_month(df, "retention", months) if not df.empty else None
    if picked is None:
        return _no_cohort_month(df, "Retention", min_group)
    at_k, k = picked
    best = at_k.loc[at_k["retention"].idxmax()]
    span = f"{k} month{'s' if k != 1 else ''}"
    if len(at_k) == 1:
        return f"{_cohort_name(best['cohort'], by)} kept {_pct(best['retention'])} after {span}."
    return (f"{_cohort_name(best['cohort'], by)} kept {_pct(best['retention'])} after {span}, the best of "
            f"{len(at_k)} cohorts (median {_pct(at_k['retention'].median())}).")


def cohort_revenue_reading(df: pd.DataFrame, *, by: str = "month", min_group: int = MIN_GROUP_SIZE,
        currency: Currency | str | None = None) -> str:
    """Which cohort spent most per customer over the longest span most cohorts reached."""
    picked = _pick_month(df, "cumulative_revenue_per_customer", 6) if not df.empty else None
    if picked is None:
        return _no_cohort_month(df, "Revenue per customer", min_group)
    at_k, k = picked
    best = at_k.loc[at_k["cumulative_revenue_per_customer"].idxmax()]
    text = (f"{_cohort_name(best['cohort'], by)} spent {_money(best['cumulative_revenue_per_customer'], currency)} each "
            f"from their first month to month {k}")
    if len(at_k) > 1:
        text += f", the most of {len(at_k)} cohorts (median {_money(at_k['cumulative_revenue_per_customer'].median(), currency)})"
    return text + "."


def funnel_reading(df: pd.DataFrame, *, min_group: int = MIN_GROUP_SIZE) -> str:
    """Best view-to-purchase channel, the biggest leak, and the change vs the previous period."""
    sel = df[(df["period"] == "selected") & (df["step"] == "purchase")].dropna(subset=["overall_conversion"])
    if sel.empty:
        return ("No browsing events match these filters." if df.empty else _NONE.format(n=min_group).replace(
            "customers", "shoppers"))
    best = sel.loc[sel["overall_conversion"].idxmax()]
    text = f"{best['channel']} turns {_pct(best['overall_conversion'])} of product views into purchases"
    text += f", the best of {len(sel)} channels" if len(sel) > 1 else ""
    prev = df[(df["period"] == "previous") & (df["step"] == "purchase") & (df["channel"] == best["channel"])]
    prev = prev["overall_conversion"].dropna()
    if len(prev):
        change = (best["overall_conversion"] - prev.iloc[0]) * 100
        text += (f" ({change:+.1f} percentage points vs the previous period)" if abs(change) >= 0.05
                 else " (unchanged vs the previous period)")
    drops = df[(df["period"] == "selected") & df["drop_off"].notna()]
    if not drops.empty:
        worst = drops.loc[drops["drop_off"].idxmax()]
        before = "view" if worst["step"] == "cart" else "cart"
        text += f"; {worst['channel']} loses most between {before} and {worst['step']} ({_pct(worst['drop_off'])} drop off)"
    return text + "."


def journey_reading(df: pd.DataFrame, *, min_group: int = MIN_GROUP_SIZE) -> str:
    """Where customers of the biggest first channel came back through."""
    from core.insight.journeys import NO_REPEAT

    sizes = (df.drop_duplicates("first_channel").set_index("first_channel")["first_customers"].astype(float).dropna()
             if not df.empty else pd.Series(dtype=float))
    if sizes.empty:
        if df.empty:
            return "No customers made a first order in this period."
        if (hidden_reason(df, "first_customers") == COMPLEMENT).any():
            return (f"Every first channel here is hidden: one has fewer than {min_group} customers, and the others "
                    "are hidden with it so that it cannot be worked out from the total (privacy rule).")
        return _NONE.format(n=min_group)
    first = sizes.idxmax()
    rows = df[(df["first_channel"] == first)]
    back = rows[(rows["later_channel"] != NO_REPEAT) & rows["share_of_first"].notna()]
    gone = rows[rows["later_channel"] == NO_REPEAT]
    text = f"Of the {int(sizes[first]):,} customers whose first purchase was in {first}"
    if gone.empty:  # no row: every one of them came back
        text += ", all bought again"
    elif pd.notna(gone["share_of_first"].iloc[0]):
        text += f", {_pct(1 - gone['share_of_first'].iloc[0])} bought again"
    others = back[back["later_channel"] != first]
    same = back[back["later_channel"] == first]
    hidden = rows[(rows["later_channel"] != NO_REPEAT) & rows["share_of_first"].isna()]
    if not others.empty:
        top = others.loc[others["share_of_first"].idxmax()]
        text += f"; the most common other channel was {top['later_channel']} ({_pct(top['share_of_first'])} of them)"
    elif not same.empty:
        text += f"; {_pct(same['share_of_first'].iloc[0])} bought in {first} again"
    if others.empty and not hidden.empty:
        text += f" (other channels each had fewer than {min_group} of them, so they are hidden)"
    return text + "."


def value_reading(df: pd.DataFrame, *, min_group: int = MIN_GROUP_SIZE,
        currency: Currency | str | None = None) -> str:
    """Multi- vs single-channel revenue per customer."""
    v = df.set_index("group")["revenue_per_customer"].dropna() if not df.empty else pd.Series(dtype=float)
    if {"multi-channel", "single-channel"} - set(v.index):
        return ("Comparing multi- and single-channel customers needs both groups to have at least "
                f"{min_group} customers.") if not df.empty else "No orders match these filters."
    multi, single = v["multi-channel"], v["single-channel"]
    ratio = multi / single if single > 0 else np.inf
    return (f"Multi-channel customers spent {_money(multi, currency)} each in the period, {ratio:.1f}× as much as "
            f"single-channel customers ({_money(single, currency)}).")


def anomaly_reading(weekly: pd.DataFrame, *, min_group: int = MIN_GROUP_SIZE,
        currency: Currency | str | None = None) -> str:
    """How many weeks departed from expectation, and the largest one."""
    if weekly.empty:
        return "No orders match these filters."
    flagged = weekly[weekly["is_anomaly"].astype(bool)]
    n_weeks = weekly["week"].nunique()
    hidden = int(weekly["revenue"].isna().sum())
    if flagged.empty and hidden:
        return (f"None of the {len(weekly) - hidden} channel-weeks shown departed from its seasonal expectation; "
                f"{hidden} channel-weeks with fewer than {min_group} buyers are hidden.")
    if flagged.empty:
        return f"No channel's weekly revenue departed from its seasonal expectation in these {n_weeks} weeks."
    top = flagged.loc[flagged["z_score"].abs().idxmax()]
    direction = "above" if top["z_score"] > 0 else "below"
    plural = "s" if len(flagged) != 1 else ""
    figures = f"{_money(top['revenue'], currency)} vs {_money(top['expected_revenue'], currency)}"
    change = (f"{_pct(abs(top['deviation']))} {direction} expected ({figures})" if np.isfinite(top["deviation"])
              else f"{direction} an expected {_money(top['expected_revenue'], currency)} ({_money(top['revenue'], currency)})")
    return (f"{len(flagged)} channel-week{plural} departed from the seasonal expectation; the largest: "
            f"{top['channel']} in the week of {pd.Timestamp(top['week']):%d %b %Y}, {change}.")
