"""The Overview's figures, cached per database file version and filters (see :mod:`core.overview.queries`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core.filters import Filters
from dashboard.data_access import _query


def kpis(db: Path, filters: Filters) -> pd.DataFrame:
    """Headline KPIs with previous period, see :func:`core.overview.queries.kpis`."""
    return _query("kpis", db, filters)


def channel_timeseries(db: Path, filters: Filters, *, grain: str = "week") -> pd.DataFrame:
    """Revenue and orders per channel and period, see :func:`core.overview.queries.channel_timeseries`."""
    return _query("timeseries", db, filters, grain=grain)


def channel_share(db: Path, filters: Filters) -> pd.DataFrame:
    """Revenue and order share per channel, see :func:`core.overview.queries.channel_share`."""
    return _query("share", db, filters)


def customers_by_channel_count(db: Path, filters: Filters) -> pd.DataFrame:
    """Buyers in 1, 2, 3+ channels, see :func:`core.overview.queries.customers_by_channel_count`."""
    return _query("channel_count", db, filters)


def channel_pair_overlap(db: Path, filters: Filters, *, top: int | None = None) -> pd.DataFrame:
    """Shared buyers per channel pair, see :func:`core.overview.queries.channel_pair_overlap`."""
    return _query("pairs", db, filters, top=top)
