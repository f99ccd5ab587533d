"""Cached access to the customer segmentation for the Segments page.

Diagnostics and small tables are data (``st.cache_data``); the feature table and the fitted
segmentation are resources (``st.cache_resource``, never copied, read-only).  Every key holds the database file's identity
(inode, mtime, size) and the sidebar filters, so a regenerated or reloaded database and a
new date range are recomputed, while moving the k slider back and forth reuses fits.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from core.errors import OmnimixError
from core.filters import Filters
from core.segments import details
from core.segments.clustering import diagnose, sample_rows, suggest_k
from core.segments.export import public_names, public_profiles
from core.segments.features import CustomerFeatures, customer_features
from core.segments.pipeline import Segmentation, segment
from core.segments.preprocess import Preprocessor, evidence_weights
from core.segments.rfm import rfm_groups as _group_rfm
from core.segments.rfm import rfm_table
from dashboard import data_access

Version = tuple[int, int, int]
SCATTER_SAMPLE = 2_000
"""Customers drawn (seeded) for the 2-D scatter: enough to see the shapes, light for the browser."""


def _version(db: Path) -> Version:
    version = data_access.file_version(db)
    if version is None:
        raise OmnimixError(f"Database {db} does not exist.")
    return version


# A resource, not data: every cached segmentation holds the table, and st.cache_data would hand
# each of them its own unpickled copy (about 0.2 GB per k at 1M customers).
@st.cache_resource(show_spinner="Computing customer features…", max_entries=8)
def _features(db: str, version: Version, filters: Filters) -> CustomerFeatures:
    return data_access.read(db, customer_features, filters)


def features(db: Path, filters: Filters) -> CustomerFeatures:
    """Customer features for the filters (shared between sessions; treat as read-only).

    See :func:`core.segments.features.customer_features`.
    """
    return _features(str(db), _version(db), filters)


@st.cache_resource(show_spinner="Finding the segments…", max_entries=32)
def _segmentation(db: str, version: Version, filters: Filters, groups: tuple[str, ...], k: int, seed: int) -> Segmentation:
    return segment(_features(db, version, filters), k=k, seed=seed, groups=groups)


def segmentation(db: Path, filters: Filters, groups: tuple[str, ...], k: int, seed: int) -> Segmentation:
    """The fitted segmentation (shared between sessions; treat it as read-only)."""
    return _segmentation(str(db), _version(db), filters, tuple(groups), int(k), int(seed))


@st.cache_data(show_spinner="Scoring k = 2 to 12…", max_entries=16)
def _diagnostics(db: str, version: Version, filters: Filters, groups: tuple[str, ...], seed: int
                 ) -> tuple[pd.DataFrame, int, str]:
    feats = _features(db, version, filters)
    X = Preprocessor(groups=groups).fit_transform(feats)
    diag = diagnose(X, random_state=seed, sample_weight=evidence_weights(feats.table))
    best, reason = suggest_k(diag)
    return diag, best, reason


def diagnostics(db: Path, filters: Filters, groups: tuple[str, ...], seed: int) -> tuple[pd.DataFrame, int, str]:
    """Quality per k, the suggested k and why, see :func:`core.segments.clustering.diagnose`."""
    return _diagnostics(str(db), _version(db), filters, tuple(groups), int(seed))


@st.cache_data(show_spinner=False, max_entries=32)
def _scatter(db: str, version: Version, filters: Filters, groups: tuple[str, ...], k: int, seed: int) -> pd.DataFrame:
    from sklearn.decomposition import PCA

    seg = _segmentation(db, version, filters, groups, k, seed)
    rows = sample_rows(seg.features.n_customers, SCATTER_SAMPLE, seed)
    X = seg.matrix(rows)
    pca = PCA(n_components=2, random_state=seed).fit(X)
    xy = pca.transform(X)
    names = public_names(public_profiles(seg.profiles.summary, seg.profiles.means))
    labels = seg.labels[rows] + 1
    out = pd.DataFrame({"pc1": xy[:, 0], "pc2": xy[:, 1], "segment": labels,
                        "name": [names[s] for s in labels]})
    out.attrs["explained"] = pca.explained_variance_ratio_.tolist()
    return out


def scatter(db: Path, filters: Filters, groups: tuple[str, ...], k: int, seed: int) -> pd.DataFrame:
    """A seeded sample of customers projected on the first two principal components."""
    return _scatter(str(db), _version(db), filters, tuple(groups), int(k), int(seed))


@st.cache_data(show_spinner=False, max_entries=8)
def _rfm_groups(db: str, version: Version, filters: Filters) -> pd.DataFrame:
    table = _features(db, version, filters).table
    return _group_rfm(rfm_table(table), table.set_index("customer_id")["monetary"])


def rfm_groups(db: Path, filters: Filters) -> pd.DataFrame:
    """Customers and revenue per named RFM group, small groups hidden, see :func:`core.segments.rfm.rfm_groups`."""
    return _rfm_groups(str(db), _version(db), filters)


@st.cache_data(show_spinner=False, max_entries=64)
def _segment_details(db: str, version: Version, filters: Filters, groups: tuple[str, ...], k: int, seed: int,
                     number: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    seg = _segmentation(db, version, filters, groups, k, seed)
    in_segment = seg.labels == number - 1
    members = seg.features.table["customer_id"].to_numpy()[in_segment]
    products = data_access.read(db, details.top_products, members, filters)
    return products, details.channel_mix(seg.features, in_segment)


def segment_details(db: Path, filters: Filters, groups: tuple[str, ...], k: int, seed: int,
                    number: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Top products and channel mix of segment ``number`` (1-based), small groups hidden."""
    return _segment_details(str(db), _version(db), filters, tuple(groups), int(k), int(seed), int(number))


def sample_customer(seg: Segmentation, number: int, seed: int) -> str:
    """A seeded random customer of segment ``number`` (1-based)."""
    ids = seg.features.table["customer_id"].to_numpy()[seg.labels == number - 1]
    if ids.size == 0:
        raise OmnimixError(f"Segment {number} has no customers.")
    return str(ids[np.random.default_rng(seed).integers(ids.size)])


@st.cache_data(show_spinner="Scoring customer value…", max_entries=32)
def _segment_value(db: str, version: Version, filters: Filters, groups: tuple[str, ...], k: int, seed: int
                   ) -> pd.DataFrame:
    from dashboard.clv import data as clv_data
    from dashboard.clv.tables import segment_value

    seg = _segmentation(db, version, filters, groups, k, seed)
    customers = clv_data.model(Path(db), filters, horizon_weeks=52, discount_monthly=0.01).customers
    return segment_value(customers, seg.features.table["customer_id"].to_numpy(), seg.labels + 1)


def segment_value(db: Path, filters: Filters, groups: tuple[str, ...], k: int, seed: int) -> pd.DataFrame:
    """Each segment's mean CLV, share probably active and expected revenue over the next 52 weeks.

    See :func:`dashboard.clv.tables.segment_value`; hide small segments with
    :func:`dashboard.clv.tables.with_segment_value`.
    """
    return _segment_value(str(db), _version(db), filters, tuple(groups), int(k), int(seed))
