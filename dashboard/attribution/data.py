"""Cached attribution for the Attribution page.

The paths and models run once per database version, filters, lookback and half-life
(``st.cache_data``); only the small per-channel tables are kept, not the per-touch arrays.
The budget model is the Budget page's own cached fit (:func:`dashboard.budget.data.model_for_db`),
fitted only when the user asks for it, so the page's default view stays fast.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from core.attribution.compare import analyse, public_table
from core.attribution.reconcile import model_contributions, reconcile, truth_contributions
from core.filters import Filters
from dashboard import data_access

Version = data_access.FileVersion


def _tables(con, filters: Filters, lookback_days: int, half_life_days: float) -> dict:  # noqa: ANN001
    report = analyse(con, filters, lookback_days=lookback_days, half_life_days=half_life_days)
    truth_budget = truth_contributions(con)
    return {
        "table": report.table,
        "public": public_table(report.table),
        "errors": report.errors,
        "summary": report.summary,
        "skipped": report.result.skipped,
        "has_truth": report.has_truth,
        "truth_scope": report.truth_scope,
        "truth_budget": None if truth_budget is None else reconcile(report.table, truth_budget),
    }


@st.cache_data(show_spinner="Building touch paths and running the attribution models…", max_entries=16)
def _attribution(db: str, version: Version, filters: Filters, lookback_days: int, half_life_days: float) -> dict:
    return data_access.read(db, _tables, filters, lookback_days, half_life_days)


def attribution(db: Path, filters: Filters, *, lookback_days: int = 30, half_life_days: float = 7.0) -> dict:
    """Every model's credit per channel (raw ``table`` and privacy-checked ``public``), errors, summary."""
    return _attribution(str(db), data_access.existing_version(db), filters, int(lookback_days), float(half_life_days))


def budget_reconciliation(db: Path, table: pd.DataFrame) -> pd.DataFrame:
    """Attribution revenue shares next to the fitted budget model's channel contributions."""
    from dashboard.budget.data import model_for_db

    model = model_for_db(db)
    return reconcile(table, model_contributions(model.channel_summary_))
