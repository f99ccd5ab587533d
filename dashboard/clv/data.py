"""Cached access to customer lifetime value for the Customer value page.

The fitted models are resources (``st.cache_resource``, shared and read-only: every result
holds one row per customer); the small tables built from them are data (``st.cache_data``).
Every key holds the database file's identity (inode, mtime, size, see
:func:`dashboard.data_access.existing_version`), the sidebar filters and the controls, so a
reloaded database or another period is refitted while moving a control back reuses a fit.
The fit uses every order up to the end of the selected period (the cutoff) in the selected
sales channels; the period's start only sets the window of acquisition costs.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from core import acquisition
from core.clv.model import ClvFit, ClvResult, fit_models, score
from core.clv.value import TIERS
from core.filters import Filters
from dashboard import data_access
from dashboard.clv import tables

Version = data_access.FileVersion


Channels = tuple[str, ...] | None


def _fit_models(con, cutoff: dt.date, channels: Channels, holdout_weeks: int | None) -> ClvFit:  # noqa: ANN001
    # A customer's whole history counts, so the period's start is not a filter here: the end of the
    # period is the cutoff, and the sales channels filter the orders.
    return fit_models(con, cutoff=cutoff, holdout_weeks=holdout_weeks, filters=Filters(None, None, channels))


# Keyed on the cutoff, channels and holdout only (not the period's start, the horizon or the discount
# rate), so the Segments and Recommendations pages share the Customer value page's fit whenever their
# data agree, and a new horizon rescores without refitting.
@st.cache_resource(show_spinner="Fitting and comparing the customer value models…", max_entries=16)
def _fitted(db: str, version: Version, cutoff: dt.date, channels: Channels, holdout_weeks: int | None) -> ClvFit:
    return data_access.read(db, _fit_models, cutoff, channels, holdout_weeks)


@st.cache_resource(show_spinner="Scoring every customer…", max_entries=16)
def _model(db: str, version: Version, cutoff: dt.date, channels: Channels, horizon_weeks: int,
           discount_monthly: float, holdout_weeks: int | None) -> ClvResult:
    fit = _fitted(db, version, cutoff, channels, holdout_weeks)
    return score(fit, horizon_weeks=horizon_weeks, discount_monthly=discount_monthly)


def _holdout_key(holdout_weeks: int | None) -> int | None:
    # None leaves the holdout to the core (26 weeks, shorter when the history is short), as the other pages do.
    return None if holdout_weeks is None else int(holdout_weeks)


def _fit(db: str, version: Version, filters: Filters, horizon_weeks: int, discount_monthly: float,
         holdout_weeks: int | None = None) -> ClvResult:
    return _model(db, version, filters.end, filters.channels, horizon_weeks, discount_monthly,
                  _holdout_key(holdout_weeks))


def model(db: Path, filters: Filters, *, horizon_weeks: int = 52, discount_monthly: float = 0.01,
          holdout_weeks: int | None = None) -> ClvResult:
    """Every customer's CLV over ``horizon_weeks``, models fitted up to the end of the period and chosen on the
    last ``holdout_weeks`` (default: :func:`core.clv.model.default_holdout_weeks`) — read-only."""
    return _fit(str(db), data_access.existing_version(db), filters, int(horizon_weeks), float(discount_monthly),
                holdout_weeks)


def tiers() -> tuple[str, ...]:
    """The churn-risk tiers, from most to least active."""
    return tuple(TIERS)


@st.cache_data(show_spinner=False, max_entries=16)
def _channel_value(db: str, version: Version, filters: Filters, horizon_weeks: int, discount_monthly: float,
                   holdout_weeks: int | None) -> pd.DataFrame:
    result = _fit(db, version, filters, horizon_weeks, discount_monthly, holdout_weeks)
    cost = data_access.read(db, acquisition.acquisition_cost, filters)
    channels = data_access.read(db, acquisition.acquisition_channels)
    return acquisition.channel_value(result.customers, channels, cost)


def channel_value(db: Path, filters: Filters, *, horizon_weeks: int = 52, discount_monthly: float = 0.01,
                  holdout_weeks: int | None = None) -> pd.DataFrame:
    """Mean CLV per acquisition channel against its CAC, see :func:`core.acquisition.channel_value`."""
    return _channel_value(str(db), data_access.existing_version(db), filters, int(horizon_weeks),
                          float(discount_monthly), _holdout_key(holdout_weeks))


@st.cache_data(show_spinner=False, max_entries=16)
def _views(db: str, version: Version, filters: Filters, horizon_weeks: int, discount_monthly: float,
           holdout_weeks: int | None) -> dict[str, pd.DataFrame]:
    customers = _fit(db, version, filters, horizon_weeks, discount_monthly, holdout_weeks).customers
    return {
        "histogram": tables.clv_histogram(customers, currency=data_access.settings(Path(db)).currency),
        "grid": tables.activity_grid(customers),
        "tiers": tables.tier_table(customers, tiers()),
        "at_risk": tables.valuable_at_risk(customers, tiers()),
    }


def views(db: Path, filters: Filters, *, horizon_weeks: int = 52, discount_monthly: float = 0.01,
          holdout_weeks: int | None = None) -> dict[str, pd.DataFrame]:
    """CLV histogram, activity grid, tier table and valuable customers at risk (:mod:`dashboard.clv.tables`)."""
    return _views(str(db), data_access.existing_version(db), filters, int(horizon_weeks), float(discount_monthly),
                  _holdout_key(holdout_weeks))


def holdout_table(check: ClvResult) -> pd.DataFrame:
    """Predicted vs actual holdout orders by repeat purchases, small groups hidden (see :func:`tables.holdout_by_frequency`)."""
    return tables.holdout_by_frequency(check.holdout["by_frequency"])


def customer_value(db: Path, customer_id: str) -> dict | None:
    """One customer's row of the model fitted on every order up to the last one (all channels); None without orders."""
    _, last = data_access.date_range(db)
    customers = model(db, Filters(None, last, None)).customers
    row = customers.loc[customers["customer_id"] == customer_id]
    return None if row.empty else row.iloc[0].to_dict()
