"""The Campaigns & content page's figures, cached per database file version and filters.

Keys hold the database file's identity (inode, mtime, size; :func:`dashboard.data_access.existing_version`)
and the sidebar filters, so a reloaded database or another period is recomputed. The customer
segments come from the Segments page's own cache (:func:`dashboard.segments.data.segmentation`
at its defaults), so visiting both pages fits K-means once.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from core.campaigns import seo
from core.campaigns.base import missing_data
from core.campaigns.segments import DEFAULT_K, SEED, membership_from
from core.campaigns.table import campaign_table
from core.campaigns.themes import theme_segments
from core.filters import Filters
from core.segments.features import FEATURE_GROUPS
from dashboard import data_access
from dashboard.segments import data as segments_data

Version = data_access.FileVersion


@st.cache_data(show_spinner=False, max_entries=16)
def _missing(db: str, version: Version) -> str | None:
    return data_access.read(db, missing_data)


def missing(db: Path) -> str | None:
    """Why the database has nothing to show here (no campaigns or touchpoints), or ``None``."""
    return _missing(str(db), data_access.existing_version(db))


# The campaign table and each SEO breakdown are separate queries (not core.campaigns.report's one
# pass): the first chart then waits for the campaign table only (about 1.2 s of CPU at 50k customers
# against 2.9 s for all three), and the keyword groups are computed only when asked for.
@st.cache_data(show_spinner="Crediting orders to campaigns…", max_entries=32)
def _campaigns(db: str, version: Version, filters: Filters) -> pd.DataFrame:
    return data_access.read(db, campaign_table, filters)


def campaigns(db: Path, filters: Filters) -> pd.DataFrame:
    """The campaign table with the previous period, see :func:`core.campaigns.table.campaign_table`."""
    return _campaigns(str(db), data_access.existing_version(db), filters)


@st.cache_data(show_spinner="Crediting orders to organic search…", max_entries=32)
def _seo(db: str, version: Version, filters: Filters, by: str) -> pd.DataFrame:
    return data_access.read(db, seo.seo_breakdown, filters, by)


def seo_breakdown(db: Path, filters: Filters, by: str) -> pd.DataFrame:
    """Organic search per landing page or keyword group, see :func:`core.campaigns.seo.seo_breakdown`."""
    return _seo(str(db), data_access.existing_version(db), filters, by)


@st.cache_data(show_spinner=False, max_entries=32)
def _trend(db: str, version: Version, filters: Filters, by: str, grain: str) -> pd.DataFrame:
    return data_access.read(db, seo.seo_trend, filters, by, grain=grain)


def seo_trend(db: Path, filters: Filters, by: str, groups: list[str]) -> tuple[pd.DataFrame, str]:
    """Organic search sessions of ``groups`` and in total over time, weekly when readable, else monthly.

    Weeks are the first choice; when fewer than half of the weekly points of ``groups`` can be
    shown (most weeks have fewer than 50 visitors per group, as on a small shop), months are used.

    Returns
    -------
    (pandas.DataFrame, str)
        :func:`core.campaigns.seo.seo_trend` rows of ``groups`` and the total, and the grain used.
    """
    version = data_access.existing_version(db)
    for grain in seo.GRAINS:
        trend = _trend(str(db), version, filters, by, grain)
        trend = trend[trend[by].isin([*groups, seo.ALL_ORGANIC])]
        if trend.empty or trend["customers_hidden"].isna().mean() >= 0.5:
            break
    return trend, grain


@st.cache_data(show_spinner=False, max_entries=32)
def _losing(db: str, version: Version, end: dt.date) -> pd.DataFrame:
    return data_access.read(db, seo.losing_pages, end)


def losing_pages(db: Path, end: dt.date) -> pd.DataFrame:
    """Landing pages losing organic traffic up to ``end``, see :func:`core.campaigns.seo.losing_pages`."""
    return _losing(str(db), data_access.existing_version(db), end)


@st.cache_data(show_spinner="Finding the segments and their content themes…", max_entries=16)
def _themes(db: str, version: Version, filters: Filters) -> pd.DataFrame | None:
    seg = segments_data.segmentation(Path(db), filters, FEATURE_GROUPS, DEFAULT_K, SEED)
    members = membership_from(seg)
    if members.empty:
        return None
    return data_access.read(db, theme_segments, filters, members)


def themes(db: Path, filters: Filters) -> pd.DataFrame | None:
    """Content theme × segment cells, see :func:`core.campaigns.themes.theme_segments`; ``None`` when
    every segment is hidden (privacy rule), empty when no segment's customer had a campaign session.

    Raises
    ------
    OmnimixError
        When too few customers ordered in the period to segment them.
    """
    return _themes(str(db), data_access.existing_version(db), filters)
