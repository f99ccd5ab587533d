"""Cached attribution for the Attribution page.

The paths and models run once per database version, filters, lookback and half-life: in this
process by ``st.cache_data``, across processes by the on-disk cache of
:mod:`core.attribution.cache` (which ``omnimix generate`` fills with the default view). Only the
small per-channel tables are kept, not the per-touch arrays.
The budget model is the Budget page's own cached fit (:func:`dashboard.budget.data.model_for_db`),
fitted only when the user asks for it, so the page's default view stays fast.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from core.attribution import cache
from core.attribution.compare import public_table
from core.attribution.reconcile import model_contributions, reconcile, truth_contributions
from core.filters import Filters
from dashboard import data_access

Version = data_access.FileVersion


def _tables(con, filters: Filters, lookback_days: int, half_life_days: float, key: str | None) -> dict:  # noqa: ANN001
    view = cache.load_view(key)
    if view is None:
        view = cache.compute_view(con, filters, lookback_days, half_life_days)
        cache.save_view(key, view)
    truth_budget = truth_contributions(con)
    return {
        **view,
        "public": public_table(view["table"]),
        "truth_budget": None if truth_budget is None else reconcile(view["table"], truth_budget),
    }


@st.cache_data(show_spinner="Building touch paths and running the attribution models…", max_entries=16)
def _attribution(db: str, version: Version, filters: Filters, lookback_days: int, half_life_days: float) -> dict:
    # Keyed before computing: if the file changes meanwhile, the result is stored under the old key, never read.
    key = cache.view_key(db, filters, lookback_days, half_life_days)
    return data_access.read(db, _tables, filters, lookback_days, half_life_days, key)


def attribution(db: Path, filters: Filters, *, lookback_days: int = 30, half_life_days: float = 7.0) -> dict:
    """Every model's credit per channel (raw ``table`` and privacy-checked ``public``), errors, summary."""
    return _attribution(str(db), data_access.existing_version(db), filters, int(lookback_days), float(half_life_days))


def budget_reconciliation(db: Path, table: pd.DataFrame) -> pd.DataFrame:
    """Attribution revenue shares next to the fitted budget model's channel contributions."""
    from dashboard.budget.data import model_for_db

    model = model_for_db(db)
    return reconcile(table, model_contributions(model.channel_summary_))
