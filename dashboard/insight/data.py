"""Cached access to the market-insight queries for the Market insight page.

Results are cached with ``st.cache_data`` keyed on the database file's identity (inode, mtime,
size, see :func:`dashboard.data_access.file_version`), the filters and the options, so a
regenerated or reloaded database is re-read. Queries run on a cursor of the shared read-only
connection of :mod:`dashboard.data_access` (a second connection to the file would clash).
Every result has already passed the minimum-group-size rule of :mod:`core.privacy`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from core import insight
from core.errors import OmnimixError
from core.filters import Filters
from core.privacy import MIN_GROUP_SIZE
from dashboard import data_access

_QUERIES: dict[str, Callable[..., pd.DataFrame]] = {
    "cohorts": insight.cohort_table,
    "funnels": insight.funnel_comparison,
    "journeys": insight.channel_journeys,
    "value": insight.multichannel_value,
    "weekly": insight.weekly_channel_revenue,
}


@st.cache_data(show_spinner=False, max_entries=256)
def _cached(name: str, db: str, version: data_access.FileVersion, filters: Filters, kwargs: tuple) -> pd.DataFrame:
    return data_access.read(db, _QUERIES[name], filters, **dict(kwargs))


def _query(name: str, db: Path, filters: Filters, **kwargs: Any) -> pd.DataFrame:
    version = data_access.file_version(db)
    if version is None:
        raise OmnimixError(f"Database {db} does not exist.")
    return _cached(name, str(db), version, filters, tuple(sorted(kwargs.items())))


def cohorts(db: Path, filters: Filters, *, by: str = "month", min_group: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """Cohort retention and revenue per customer, see :func:`core.insight.cohort_table`."""
    return _query("cohorts", db, filters, by=by, min_group=min_group)


def funnels(db: Path, filters: Filters, *, min_group: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """Funnels of the period and the previous one, see :func:`core.insight.funnel_comparison`."""
    return _query("funnels", db, filters, min_group=min_group)


def journeys(db: Path, filters: Filters, *, min_group: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """First-purchase channel → later channels, see :func:`core.insight.channel_journeys`."""
    return _query("journeys", db, filters, min_group=min_group)


def multichannel_value(db: Path, filters: Filters, *, min_group: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """Multi- vs single-channel customers, see :func:`core.insight.multichannel_value`."""
    return _query("value", db, filters, min_group=min_group)


def weekly_revenue(db: Path, filters: Filters, *, min_group: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """Weekly revenue per channel with anomaly flags, see :func:`core.insight.weekly_channel_revenue`."""
    return _query("weekly", db, filters, min_group=min_group)
