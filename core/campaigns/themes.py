"""Content themes × customer segments: which content each customer profile engages with and buys after.

A cell is one content theme (``campaigns.theme``) and one segment: the sessions of campaigns with
that theme by the segment's customers in the period, their engaged rate, and the orders credited
to them (:mod:`core.campaigns.base`) per session.

- **Lift** compares a cell's conversion with its segment's average over all themes: +30% means
  the segment's customers ordered 30% more often per session after this theme than after the
  average campaign session.
- **Affinity** divides that by the same ratio for all customers: how much more this segment
  responds to the theme than customers in general do. A theme that converts well for everybody
  (because of its channel, its timing late in a journey or whom it is sent to) has a high lift
  in every segment but no affinity; affinity is what tells the segments apart. On the generated
  50k sample the theme with the highest affinity is the persona's truly best one
  (``truth_theme_affinity``) in every segment (5 of 6 clear it by the minimum below); the highest
  lift is in two of six.

The themes to **lead with** for a segment are those with the highest positive affinity among
cells with enough customers.
"""

from __future__ import annotations

import itertools

import duckdb
import pandas as pd

from core.campaigns.base import rates, ratio, touch_metrics, whole_counts
from core.filters import Filters
from core.privacy import MIN_GROUP_SIZE, hide_groups, is_hidden

NO_THEME = "(no theme)"
"""Theme shown for campaigns without one."""

LEAD_MIN_CUSTOMERS = 100
"""Fewest customers behind a cell for it to be recommended: stricter than the privacy minimum, so a
recommendation does not rest on a handful of orders."""

LEAD_MIN_AFFINITY = 0.03
"""A theme is worth leading with when the segment responds to it at least 3% more than customers in general
(about the noise of a cell of a few thousand sessions)."""

LEAD_TOP = 2
"""Themes named per segment."""


def theme_segments(con: duckdb.DuckDBPyConnection, filters: Filters, membership: pd.DataFrame, *,
                   min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """Engagement and conversion per content theme and segment in the period.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        Open connection with campaigns and touchpoints.
    filters : Filters
        Period (sessions by ``touch_ts``, credited orders by ``order_ts``) and sales channels
        (credited orders only).
    membership : pandas.DataFrame
        ``customer_id``, ``segment`` (int) and ``name`` of each segmented customer
        (:func:`core.campaigns.segments.default_membership`); sessions of other customers are left out.
    min_size : int, default=MIN_GROUP_SIZE
        Cells whose sessions came from fewer customers are hidden.

    Returns
    -------
    pandas.DataFrame
        One row per theme × segment that had a session or a credited order, every theme of the
        period for every segment (zeros where a segment had no session of it): ``theme``,
        ``segment``, ``name``, ``customers`` (flag ``customers_hidden``), ``sessions``,
        ``engaged_sessions``, ``engaged_rate``, ``orders``, ``revenue`` (EUR),
        ``conversion_rate`` (credited orders ÷ sessions), ``segment_conversion`` (the segment's
        average over the content themes; campaigns without a theme, :data:`NO_THEME`, left out),
        ``lift`` (conversion ÷ the segment's average − 1),
        ``theme_conversion`` (the theme's conversion over every segment) and ``affinity``
        (lift + 1 divided by the theme's conversion ÷ the overall conversion, − 1).
    """
    seg = membership[["customer_id", "segment"]].astype({"customer_id": str, "segment": "int64"})
    name = f"campaign_membership_{id(seg)}"  # per call: concurrent sessions share the connection's catalog
    con.register(name, seg)
    try:
        metrics = touch_metrics(
            con, filters, None, {"theme": f"coalesce(c.theme, '{NO_THEME}')", "segment": "m.segment"},
            joins=f"JOIN campaigns AS c ON c.campaign_id = t.campaign_id JOIN {name} AS m ON m.customer_id = t.customer_id",
            where="t.campaign_id IS NOT NULL")
    finally:
        con.unregister(name)
    df = metrics.drop(columns="is_current")
    names = membership.drop_duplicates("segment").set_index("segment")["name"]
    grid = pd.DataFrame(list(itertools.product(sorted(df["theme"].unique()), sorted(names.index))),
                        columns=["theme", "segment"])
    df = grid.merge(df, on=["theme", "segment"], how="left").fillna(
        {"sessions": 0, "engaged_sessions": 0, "customers": 0, "orders": 0, "revenue": 0.0})
    df.insert(2, "name", df["segment"].map(names))
    rates(df)
    # Averages over the content themes only: campaigns without a theme (search, TV, retargeting)
    # are no content choice, and their very different conversion would tilt every average.
    themed = df[["orders", "sessions"]].where(df["theme"] != NO_THEME, 0)
    totals = themed.groupby(df["segment"]).transform("sum")
    df["segment_conversion"] = ratio(totals["orders"], totals["sessions"])
    df["lift"] = ratio(df["conversion_rate"], df["segment_conversion"]) - 1
    themes = df.groupby("theme")[["orders", "sessions"]].transform("sum")
    df["theme_conversion"] = ratio(themes["orders"], themes["sessions"])
    overall = ratio(pd.Series([themed["orders"].sum()]), pd.Series([themed["sessions"].sum()])).iloc[0]
    df["affinity"] = (df["lift"] + 1) / (df["theme_conversion"] / overall) - 1
    # The segment's average describes the segment's customers who had a campaign session; their
    # number is at least the largest cell's (a customer may be in several cells), so a segment
    # whose largest cell is under the minimum has its average (and every lift) hidden too.
    small_segment = df.groupby("segment")["customers"].transform("max") < min_size
    df["segment_conversion"] = df["segment_conversion"].where(~small_segment)
    df["lift"] = df["lift"].where(~small_segment)
    df["affinity"] = df["affinity"].where(~small_segment)
    values = ["sessions", "engaged_sessions", "engaged_rate", "orders", "revenue", "conversion_rate", "lift", "affinity"]
    out = hide_groups(df, "customers", min_size=min_size, value_columns=values, keep_zero=True)
    return whole_counts(out.sort_values(["segment", "theme"], kind="stable").reset_index(drop=True))


def lead_with(cells: pd.DataFrame, *, min_customers: int = LEAD_MIN_CUSTOMERS,
              min_affinity: float = LEAD_MIN_AFFINITY, top: int = LEAD_TOP) -> pd.DataFrame:
    """Per segment, the themes to lead with: the highest affinities among cells with enough customers.

    Campaigns without a theme (:data:`NO_THEME`) are never recommended: they are no content choice.

    Parameters
    ----------
    cells : pandas.DataFrame
        :func:`theme_segments`' table.
    min_customers : int, default=LEAD_MIN_CUSTOMERS
        Cells with fewer customers (or hidden ones) are never recommended.
    min_affinity : float, default=LEAD_MIN_AFFINITY
        Smallest affinity, e.g. 0.03 for "responds 3% more than customers in general".
    top : int, default=LEAD_TOP
        Themes named per segment at most.

    Returns
    -------
    pandas.DataFrame
        One row per segment (in segment order): ``segment``, ``name``, ``lead_with`` (themes,
        best first, joined by ", "; empty when none qualifies), ``affinities`` (theirs, same
        order), ``segment_conversion`` and ``reason`` (the recommendation, or why there is
        none, in words).
    """
    rows = []
    for segment, group in cells.groupby("segment", sort=True):
        shown = group[~is_hidden(group, "customers") & (group["theme"] != NO_THEME)]
        eligible = shown[(shown["customers"] >= min_customers) & (shown["affinity"] >= min_affinity)]
        best = eligible.sort_values(["affinity", "theme"], ascending=[False, True]).head(top)
        name = group["name"].iloc[0]
        if best.empty:
            large = (shown["customers"] >= min_customers).sum()
            reason = (f"No theme reached {min_customers} customers of this segment in the period." if large == 0 else
                      f"No theme stands out: none converts {min_affinity:.0%} or more better for this segment, "
                      "relative to its average, than for customers in general.")
        else:
            reason = "Lead with " + ", ".join(
                f"{t} (affinity {a:+.0%}; its conversion {c:.1%}, the segment's average {sc:.1%})"
                for t, a, c, sc in zip(best["theme"], best["affinity"], best["conversion_rate"],
                                       best["segment_conversion"], strict=True)) + "."
        rows.append({"segment": segment, "name": name, "lead_with": ", ".join(best["theme"]),
                     "affinities": best["affinity"].tolist(), "segment_conversion": group["segment_conversion"].iloc[0],
                     "reason": reason})
    return pd.DataFrame(rows, columns=["segment", "name", "lead_with", "affinities", "segment_conversion", "reason"])
