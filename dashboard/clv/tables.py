"""The Customer value page's group tables, built from the scored customers of :mod:`core.clv`.

Pure pandas (no Streamlit, no queries). Every figure about a group of customers goes through
:func:`core.privacy.hide_groups`: a group of fewer than 50 is a missing value flagged in
``<count>_hidden``, and the charts and tables say "fewer than 50" instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.privacy import MIN_GROUP_SIZE, hide_groups, is_hidden
from core.settings import DEFAULT_CURRENCY, Currency

RISK_TIERS = ("at risk", "cooling")
"""Tiers of customers who are slipping away (matched case-insensitively against the model's tiers)."""
VALUABLE_QUANTILE = 0.8
"""A customer is valuable when their CLV is in the top 20% of the scored customers."""

FREQUENCY_BINS = (0, 1, 2, 5, 10, np.inf)
FREQUENCY_LABELS = ("0", "1", "2–4", "5–9", "10+")
WEEKS_SINCE_BINS = (0, 13, 26, 52, 104, np.inf)
WEEKS_SINCE_LABELS = ("< 3 months", "3–6 months", "6–12 months", "1–2 years", "2+ years")


def weeks_since_last(customers: pd.DataFrame) -> pd.Series:
    """Weeks from each customer's last order to the cutoff (T − recency, both in weeks)."""
    return (customers["T"] - customers["recency"]).clip(lower=0)


def activity_grid(customers: pd.DataFrame, *, min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """Mean probability "still active" per cell of repeat purchases × time since the last order.

    Returns
    -------
    DataFrame, one row per non-empty cell: ``frequency_band``, ``recency_band`` (ordered
    categoricals), ``customers`` and ``p_alive`` (mean), cells under ``min_size`` hidden.
    """
    cells = pd.DataFrame({
        "frequency_band": pd.cut(customers["frequency"], FREQUENCY_BINS, right=False, labels=FREQUENCY_LABELS),
        "recency_band": pd.cut(weeks_since_last(customers), WEEKS_SINCE_BINS, right=False, labels=WEEKS_SINCE_LABELS),
        "p_alive": customers["p_alive"],
    })
    grid = (cells.groupby(["frequency_band", "recency_band"], observed=True)["p_alive"]
            .agg(customers="size", p_alive="mean").reset_index())
    return hide_groups(grid, "customers", min_size=min_size, value_columns=["p_alive"])


def clv_histogram(customers: pd.DataFrame, *, bins: int = 12, min_size: int = MIN_GROUP_SIZE,
                  currency: Currency = DEFAULT_CURRENCY) -> pd.DataFrame:
    """Customers per CLV band (labels in ``currency``), the top 5% of values in one open-ended last band.

    Returns
    -------
    DataFrame: ``low``, ``high`` (EUR; ``high`` is inf for the last band), ``label``,
    ``customers`` (bands under ``min_size`` hidden).
    """
    clv = customers["clv"].astype(float).clip(lower=0)
    top = float(clv.quantile(0.95)) if len(clv) else 0.0
    if top <= 0:
        top = float(clv.max()) or 1.0
    edges = np.unique(np.round(np.linspace(0, top, bins + 1), 2))
    edges = np.append(edges, np.inf)
    counts = pd.cut(clv, edges, right=False, include_lowest=True).value_counts(sort=False).to_numpy()
    low, high = edges[:-1], edges[1:]
    labels = [f"{currency.whole(a)}+" if np.isinf(b) else f"{currency.whole(a)}–{currency.whole(b)}"
              for a, b in zip(low, high, strict=True)]
    out = pd.DataFrame({"low": low, "high": high, "label": labels, "customers": counts.astype("int64")})
    out = out[out["customers"] > 0].reset_index(drop=True)
    return hide_groups(out, "customers", min_size=min_size, value_columns=[])


def tier_table(customers: pd.DataFrame, tiers: tuple[str, ...], *, min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """Customers, share, mean probability active and CLV per tier, in the order of ``tiers``.

    Tiers partition the scored customers (whose total is shown), so when one tier is hidden
    the next smallest is too (:func:`core.privacy.with_complement`).
    """
    per = customers.groupby("tier", observed=True).agg(
        customers=("customer_id", "size"), p_alive=("p_alive", "mean"), mean_clv=("clv", "mean"),
        total_clv=("clv", "sum"), expected_orders=("expected_orders", "sum"))
    per = per.reindex([t for t in tiers if t in per.index]).reset_index()
    per["customer_share"] = per["customers"] / per["customers"].sum()
    per["customers"] = per["customers"].astype("int64")
    return hide_groups(per, "customers", min_size=min_size, partition=True)


def risk_tiers(tiers: tuple[str, ...]) -> tuple[str, ...]:
    """The model's tier names that mean "slipping away" (:data:`RISK_TIERS`)."""
    return tuple(t for t in tiers if t.lower().replace("_", " ") in RISK_TIERS)


def valuable_at_risk(customers: pd.DataFrame, tiers: tuple[str, ...]) -> pd.DataFrame:
    """Customers in the top 20% by CLV whose tier is "at risk" or "cooling", most valuable first.

    Returns
    -------
    DataFrame: ``customer_id``, ``clv``, ``p_alive``, ``tier``, ``orders`` (frequency + 1),
    ``weeks_since_last``, ``expected_orders``; ``attrs["threshold"]`` is the CLV (EUR) of the top 20%.
    """
    threshold = float(customers["clv"].quantile(VALUABLE_QUANTILE)) if len(customers) else 0.0
    chosen = customers[(customers["clv"] >= threshold) & (customers["clv"] > 0)
                       & customers["tier"].isin(risk_tiers(tiers))]
    out = pd.DataFrame({
        "customer_id": chosen["customer_id"].astype(str),
        "clv": chosen["clv"],
        "p_alive": chosen["p_alive"],
        "tier": chosen["tier"].astype(str),
        "orders": (chosen["frequency"] + 1).astype("int64"),
        "weeks_since_last": weeks_since_last(chosen).round(1),
        "expected_orders": chosen["expected_orders"],
    }).sort_values(["clv", "customer_id"], ascending=[False, True]).reset_index(drop=True)
    out.attrs["threshold"] = threshold
    return out


def holdout_by_frequency(by_frequency: pd.DataFrame, *, min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """Predicted and actual holdout orders for each number of repeat purchases before the holdout.

    Parameters
    ----------
    by_frequency : DataFrame
        ``holdout["by_frequency"]`` of :func:`core.clv.model.fit_clv`: ``frequency`` (bucket,
        ``"0"`` … ``"7+"``), ``customers``, ``predicted`` and ``actual`` (mean orders per customer).

    Returns
    -------
    ``frequency``, ``customers``, ``predicted_per_customer``, ``actual_per_customer`` and the
    group totals ``predicted``, ``actual``; groups under ``min_size`` hidden, empty buckets dropped.
    """
    out = by_frequency[by_frequency["customers"] > 0].reset_index(drop=True)
    out = pd.DataFrame({
        "frequency": out["frequency"].astype(str),
        "customers": out["customers"].astype("int64"),
        "predicted_per_customer": out["predicted"].astype(float),
        "actual_per_customer": out["actual"].astype(float),
        "predicted": out["predicted"] * out["customers"],
        "actual": out["actual"] * out["customers"],
    })
    return hide_groups(out, "customers", min_size=min_size,
                       value_columns=["predicted", "actual", "predicted_per_customer", "actual_per_customer"])



SEGMENT_VALUE_COLUMNS = ("mean_clv", "share_active", "expected_revenue")
"""Columns :func:`with_segment_value` adds to the Segments page's table."""


def segment_value(customers: pd.DataFrame, ids: np.ndarray, segments: np.ndarray) -> pd.DataFrame:
    """Mean CLV, share probably active (≥ 50%) and expected revenue (EUR, horizon of the fit) per segment.

    Parameters
    ----------
    customers : DataFrame
        ``ClvResult.customers`` (``customer_id``, ``clv``, ``p_alive``, ``expected_orders``,
        ``expected_order_value``).
    ids, segments : ndarray of shape (n_segmented,)
        Each segmented customer's id and segment number.

    Returns
    -------
    DataFrame: ``segment``, ``mean_clv``, ``share_active``, ``expected_revenue`` (segmented
    customers without a score count as 0 revenue and inactive). Not privacy-checked: see
    :func:`with_segment_value`.
    """
    scored = customers.set_index("customer_id")
    frame = pd.DataFrame({"segment": segments}, index=pd.Index(ids, name="customer_id"))
    frame["clv"] = scored["clv"].reindex(frame.index).fillna(0.0).to_numpy()
    frame["active"] = (scored["p_alive"].reindex(frame.index).fillna(0.0) >= 0.5).to_numpy()
    frame["revenue"] = (scored["expected_orders"] * scored["expected_order_value"]).reindex(frame.index).fillna(0.0)
    return (frame.groupby("segment").agg(mean_clv=("clv", "mean"), share_active=("active", "mean"),
                                         expected_revenue=("revenue", "sum")).reset_index())


def with_segment_value(summary: pd.DataFrame, value: pd.DataFrame, *, segment: str = "segment",
                       customers: str = "customers") -> pd.DataFrame:
    """``summary`` (the Segments page's table) with :func:`segment_value`'s columns; hidden segments stay blank."""
    out = summary.merge(value, left_on=segment, right_on="segment", how="left")
    hidden = is_hidden(out, customers)
    for col in SEGMENT_VALUE_COLUMNS:
        out[col] = out[col].astype(float).where(~hidden)
    return out
