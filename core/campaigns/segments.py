"""The customer segments the content heatmap is split by: the Segments page's default segmentation.

The same code path as the Segments page and ``omnimix segments`` at their defaults (K-means on
every feature group, k = 6, seed 0, over the customers who ordered in the period and sales
channels), so a segment's number and name here are the ones marketers see on that page.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from core.filters import Filters
from core.privacy import is_hidden
from core.segments.columns import CUSTOMERS, NAME, SEGMENT
from core.segments.export import public_profiles
from core.segments.features import FEATURE_GROUPS, customer_features
from core.segments.pipeline import Segmentation, segment

DEFAULT_K = 6
"""Segments, as the Segments page's and ``omnimix segments``' default."""
SEED = 0
"""K-means seed, as the Segments page's."""

NO_SEGMENTS = ("every customer segment of the period has fewer than 50 customers, so content is not shown per "
               "segment (privacy rule); widen the date range or the sales channels.")
"""Why the themes × segments view is empty when :func:`membership_from` keeps nobody."""


def membership_from(seg: Segmentation) -> pd.DataFrame:
    """``customer_id``, ``segment`` (1-based) and ``name`` of every customer of a shown segment.

    Customers of segments hidden by the privacy rule (fewer than 50 customers, or hidden to
    protect one, see :func:`core.segments.export.public_profiles`) are left out, so no figure
    describes them.
    """
    profiles = public_profiles(seg.profiles.summary, seg.profiles.means)
    shown = profiles[~is_hidden(profiles, CUSTOMERS)]
    names = dict(zip(shown[SEGMENT].astype(int), shown[NAME], strict=True))
    number = seg.labels + 1
    keep = np.isin(number, list(names))
    return pd.DataFrame({
        "customer_id": seg.features.table["customer_id"].to_numpy()[keep].astype(str),
        "segment": number[keep].astype("int64"),
        "name": [names[n] for n in number[keep]],
    })


def default_membership(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """:func:`membership_from` the default segmentation of the customers who ordered in ``filters``.

    Raises
    ------
    OmnimixError
        When no customer ordered in the period and channels, or too few to segment.
    """
    features = customer_features(con, filters)
    return membership_from(segment(features, k=DEFAULT_K, seed=SEED, groups=FEATURE_GROUPS))
