"""What each segment looks like: size, revenue share, feature index vs the base, a name.

The index of a feature for a segment is 100 × (segment mean ÷ mean over all customers):
100 = like the average customer, 200 = twice the average, 50 = half.  Names are built from
the strongest traits in a fixed order of precedence (value, lifecycle, main sales channel,
discount habit), so the same segments always get the same names; a name that two segments
would share gets the next distinguishing trait (e.g. the favourite category) appended.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.segments.columns import (
    CUSTOMER_SHARE,
    CUSTOMERS,
    DESCRIPTION,
    NAME,
    REVENUE,
    REVENUE_SHARE,
    SEGMENT,
)
from core.segments.features import (
    AOV,
    BASKET,
    DISCOUNT,
    FREQUENCY,
    MONETARY,
    RECENCY,
    CustomerFeatures,
)

HIGH = 140.0
"""Index from which a trait counts as high."""
VERY_LOW = 50.0
"""Revenue index up to which a segment is called low-value (revenue is skewed: most segments sit below 100)."""
ONE_TIMER_ORDERS = 2.5
"""Average orders below which a segment is called one-timers."""
MAIN_CHANNEL_SHARE = 0.5
"""A segment with at least this share of orders in one channel is named after it."""
LOYALIST_SHARE = 0.7
"""...and called its loyalists from this share on."""
LAPSED_DAYS = 180
"""Average days since the last order from which a segment is called lapsed."""


@dataclass(frozen=True)
class SegmentProfiles:
    """Profiles of ``k`` segments.

    Attributes
    ----------
    summary : pandas.DataFrame of shape (k, 7)
        ``segment`` (1-based), ``name``, ``customers``, ``customer_share``, ``revenue`` (EUR),
        ``revenue_share``, ``description``; largest segment first.
    means : pandas.DataFrame of shape (k, n_features)
        Mean of every feature per segment (index: segment number).
    index : pandas.DataFrame of shape (k, n_features)
        100 × segment mean ÷ base mean (NaN where the base mean is 0).
    base : pandas.Series of shape (n_features,)
        Mean of every feature over all customers.
    """

    summary: pd.DataFrame
    means: pd.DataFrame
    index: pd.DataFrame
    base: pd.Series

    def names(self) -> dict[int, str]:
        return dict(zip(self.summary[SEGMENT], self.summary[NAME], strict=True))


def build_profiles(features: CustomerFeatures, labels: np.ndarray) -> SegmentProfiles:
    """Profile the segments ``labels`` (0-based, one per row of ``features.table``).

    Parameters
    ----------
    features : CustomerFeatures
    labels : ndarray of shape (n_customers,), int
        Segment of each customer, 0 .. k-1 (as :attr:`Segmenter.labels_`).

    Returns
    -------
    SegmentProfiles, segments numbered 1 .. k.
    """
    labels = np.asarray(labels)
    if labels.shape[0] != features.n_customers:
        raise ValueError(f"labels has {labels.shape[0]} rows, the features {features.n_customers}")
    cols = features.feature_columns
    table = features.table[cols]
    seg = pd.Series(labels + 1, name=SEGMENT)
    means = table.groupby(seg.to_numpy()).mean()
    means.index.name = SEGMENT
    base = table.mean()
    index = 100.0 * means / base.where(base != 0)
    sizes = seg.value_counts().reindex(means.index)
    revenue = table[MONETARY].groupby(seg.to_numpy()).sum().reindex(means.index)
    summary = pd.DataFrame({
        SEGMENT: means.index.to_numpy(),
        CUSTOMERS: sizes.to_numpy(),
        CUSTOMER_SHARE: (sizes / sizes.sum()).to_numpy(),
        REVENUE: revenue.to_numpy(),
        REVENUE_SHARE: (revenue / revenue.sum()).to_numpy() if revenue.sum() > 0 else 0.0,
    })
    names = name_segments(means, index, features)
    summary.insert(1, NAME, [names[s] for s in summary[SEGMENT]])
    summary[DESCRIPTION] = [describe(row, means.loc[row[SEGMENT]], base, features)
                            for row in summary.to_dict("records")]
    return SegmentProfiles(summary, means, index, base)


def _channel_word(means: pd.Series, features: CustomerFeatures) -> tuple[str, str | None, float]:
    """(noun phrase, main channel or None, its share) from the channel mix."""
    shares = {c: float(means[col]) for c, col in zip(features.channels, features.groups["channel"], strict=True)}
    if not shares:
        return "customers", None, 0.0
    main = max(sorted(shares), key=shares.get)
    if shares[main] >= MAIN_CHANNEL_SHARE:
        return main, main, shares[main]
    return "omnichannel", None, shares[main]


def _traits(means: pd.Series, index: pd.Series, features: CustomerFeatures) -> tuple[list[str], str, list[str]]:
    """(adjectives, noun, extra qualifiers) describing one segment, strongest first."""
    # Precedence, not strength, orders the adjectives: lapsing is the most actionable fact,
    # then value, then habit.
    adjectives: list[str] = []
    value = index.get(MONETARY, 100.0)
    if means.get(RECENCY, 0.0) >= LAPSED_DAYS and index.get(RECENCY, 100.0) >= HIGH:
        adjectives.append("Lapsed")
    if value >= HIGH:
        adjectives.append("High-value")
    if index.get(FREQUENCY, 100.0) >= HIGH:
        adjectives.append("Frequent")
    if value <= VERY_LOW:
        adjectives.append("Low-value")
    channel, main, share = _channel_word(means, features)
    if means.get(FREQUENCY, 3.0) < ONE_TIMER_ORDERS:
        noun = "one-timers"
    elif index.get(DISCOUNT, 100.0) >= HIGH:
        noun = "bargain hunters"
    elif main is not None and share >= LOYALIST_SHARE:
        noun = "loyalists"
    else:
        noun = "shoppers"
    words = adjectives[:1] + [channel if channel != "customers" else "", noun]
    qualifiers = []
    cats = {c: index.get(col, np.nan) for c, col in zip(features.categories, features.groups["category"], strict=True)}
    cats = {c: v for c, v in cats.items() if np.isfinite(v)}
    if cats:
        fav = max(sorted(cats), key=cats.get)
        qualifiers.append(f"{fav} fans")
    if index.get(AOV, 100.0) >= HIGH:
        qualifiers.append("big baskets" if index.get(BASKET, 100.0) >= HIGH else "big spenders per order")
    qualifiers.extend(adjectives[1:])
    return [w for w in words if w], noun, qualifiers


def _sentence_case(words: list[str]) -> str:
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def name_segments(means: pd.DataFrame, index: pd.DataFrame, features: CustomerFeatures) -> dict[int, str]:
    """A readable, unique name per segment (index of ``means``), e.g. "High-value store loyalists"."""
    candidates: dict[int, list[str]] = {}
    for seg in means.index:
        words, _, qualifiers = _traits(means.loc[seg], index.loc[seg], features)
        base = _sentence_case(words)
        candidates[seg] = [base] + [f"{base} · {q}" for q in qualifiers]
    chosen = {seg: c[0] for seg, c in candidates.items()}
    level = dict.fromkeys(chosen, 0)
    for _ in range(10):
        counts = pd.Series(chosen).value_counts()
        clashes = [seg for seg, name in chosen.items() if counts[name] > 1]
        if not clashes:
            break
        for seg in clashes:
            level[seg] += 1
            opts = candidates[seg]
            chosen[seg] = opts[level[seg]] if level[seg] < len(opts) else f"{opts[0]} ({seg})"
    # Last resort: the segment number always tells identical profiles apart.
    counts = pd.Series(chosen).value_counts()
    return {seg: (f"{name} ({seg})" if counts[name] > 1 else name) for seg, name in chosen.items()}


def describe(summary_row: dict, means: pd.Series, base: pd.Series, features: CustomerFeatures) -> str:
    """One or two plain sentences about a segment, with its figures next to the base's (amounts in the data's currency)."""
    money = features.currency.whole
    parts = [f"{summary_row[CUSTOMERS]:,} customers ({summary_row[CUSTOMER_SHARE]:.0%} of buyers) "
             f"bringing {summary_row[REVENUE_SHARE]:.0%} of revenue."]
    _, main, share = _channel_word(means, features)
    if main is not None:
        col = features.groups["channel"][features.channels.index(main)]
        parts.append(f"{share:.0%} of their orders are placed in {main} (all customers: {base[col]:.0%}).")
    elif features.channels:
        top = sorted(zip(features.channels, features.groups["channel"], strict=True), key=lambda t: -means[t[1]])[:3]
        parts.append("They spread their orders over " + ", ".join(f"{c} {means[col]:.0%}" for c, col in top) + ".")
    parts.append(
        f"On average {means[FREQUENCY]:.1f} orders of {money(means[AOV])} (all: {base[FREQUENCY]:.1f} of "
        f"{money(base[AOV])}), "
        f"last order {means[RECENCY]:,.0f} days before the period end (all: {base[RECENCY]:,.0f}); "
        f"{means[DISCOUNT]:.0%} of lines bought on discount (all: {base[DISCOUNT]:.0%}).")
    return " ".join(parts)
