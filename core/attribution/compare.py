"""All attribution models side by side, their error against the generator's truth, and the
reconciliation with the budget model's channel contributions.

The truth (``truth_channel_incremental``, written only by the generator) holds the orders each
touch channel really caused. Its shares are taken over the channels that have touches on the
compared paths, and a model's **error** is the mean absolute difference between its share of
orders and the true share, over those channels (0 = perfect; 0.05 = five points off on
average). The truth covers the whole generated history and every sales channel, so with
filters the comparison is indicative only (``truth_scope`` says so).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.attribution.models import MODEL_LABELS, Attribution, run_models
from core.attribution.paths import DEFAULT_LOOKBACK_DAYS, Paths, build_paths
from core.attribution.rules import DEFAULT_HALF_LIFE_DAYS
from core.filters import Filters
from core.privacy import hide_groups

if TYPE_CHECKING:
    import duckdb


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    (n,) = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]).fetchone()
    return bool(n)


def truth_shares(con: duckdb.DuckDBPyConnection, channels: tuple[str, ...]) -> pd.Series | None:
    """True share of incremental orders per channel, over ``channels``; None without a truth table."""
    if not _has_table(con, "truth_channel_incremental"):
        return None
    truth = con.execute("SELECT channel, incremental_orders FROM truth_channel_incremental").df()
    if truth.empty:
        return None
    orders = truth.set_index("channel")["incremental_orders"].reindex(list(channels)).fillna(0.0).clip(lower=0)
    total = orders.sum()
    return orders / total if total > 0 else None


def long_table(result: Attribution, truth: pd.Series | None = None) -> pd.DataFrame:
    """One row per model and channel: orders, revenue, shares, customers and the true share."""
    frames = [df.assign(model=name, model_label=MODEL_LABELS[name]) for name, df in result.credit.items()]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["channel", "orders", "revenue", "order_share", "revenue_share", "customers", "model", "model_label"])
    out["truth_share"] = out["channel"].map(truth) if truth is not None else np.nan
    return out[["model", "model_label", "channel", "orders", "revenue", "order_share", "revenue_share",
                "customers", "truth_share"]]


def share_errors(table: pd.DataFrame) -> dict[str, float]:
    """Mean absolute share error per model: mean over channels of |order share - true share|."""
    if table["truth_share"].isna().all():
        return {}
    diff = (table["order_share"] - table["truth_share"]).abs()
    return {m: float(v) for m, v in diff.groupby(table["model"], sort=False).mean().items()}


def public_table(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with channels of fewer than 50 customers hidden, model by model (:mod:`core.privacy`).

    The channels of one model add up to the attributed orders shown elsewhere, so a single small
    channel takes the next smallest with it (``partition``); the true share is not about
    customers of the data and stays.
    """
    if table.empty:
        return hide_groups(table, "customers")
    parts = [hide_groups(g, "customers", value_columns=["orders", "revenue", "order_share", "revenue_share"],
                         partition=True) for _, g in table.groupby("model", sort=False)]
    return pd.concat(parts, ignore_index=True)


def wide_shares(table: pd.DataFrame, column: str = "order_share") -> pd.DataFrame:
    """Channels x models of ``column`` (plus the truth when known), for side-by-side reading."""
    wide = table.pivot(index="channel", columns="model", values=column)[list(dict.fromkeys(table["model"]))]
    if table["truth_share"].notna().any():
        wide["truth"] = table.groupby("channel")["truth_share"].first()
    return wide.reset_index()


@dataclass
class AttributionReport:
    """Everything the CLI and the page show."""

    paths: Paths
    result: Attribution
    table: pd.DataFrame
    errors: dict[str, float]
    has_truth: bool
    truth_scope: str
    lookback_days: int
    half_life_days: float

    @property
    def summary(self) -> dict:
        p = self.paths
        return {"orders_in_period": p.orders_in_period, "orders_with_touches": p.n_conversions,
                "paths_without_order": p.n_paths - p.n_conversions, "touches": len(p.touch_path),
                "channels": list(p.channels)}


def analyse(con: duckdb.DuckDBPyConnection, filters: Filters | None = None, *, models: tuple[str, ...] | None = None,
            lookback_days: int = DEFAULT_LOOKBACK_DAYS,
            half_life_days: float = DEFAULT_HALF_LIFE_DAYS) -> AttributionReport:
    """Build the paths, run ``models`` (default all) and compare them with the truth when it exists.

    Raises
    ------
    OmnimixError
        No touchpoints, an unknown model or a lookback that is not a positive whole number of days.
    """
    filters = filters or Filters()
    from core.attribution.models import check_models

    models = check_models(models)
    paths = build_paths(con, filters, lookback_days=lookback_days)
    result = run_models(paths, models, half_life_days=half_life_days)
    truth = truth_shares(con, paths.channels)
    table = long_table(result, truth)
    filtered = filters.start is not None or filters.end is not None or filters.channels is not None
    scope = ("none" if truth is None else
             "indicative: the truth covers the whole history and every sales channel, the models only the filters"
             if filtered else "full")
    return AttributionReport(paths, result, table, share_errors(table), truth is not None, scope, paths.lookback_days,
                             half_life_days)
