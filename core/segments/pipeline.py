"""Features → preprocessing → K-means → profiles, in one call shared by the CLI and the page."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.metrics import silhouette_score

from core.segments.clustering import SILHOUETTE_SAMPLE, Segmenter, sample_rows, validate_k
from core.segments.features import FEATURE_GROUPS, CustomerFeatures, validate_groups
from core.segments.preprocess import Preprocessor, evidence_weights
from core.segments.profiles import SegmentProfiles, build_profiles


@dataclass(frozen=True)
class Segmentation:
    """A fitted segmentation and everything derived from it.

    Attributes
    ----------
    features : CustomerFeatures
    groups : tuple of str
        Feature groups clustered on.
    k, seed : int
    preprocessor : Preprocessor
    model : Segmenter
    labels : ndarray of shape (n_customers,), int
        0-based segment of each row of ``features.table`` (segment number = label + 1).
    profiles : SegmentProfiles
    silhouette : float
        Silhouette of the segments on a seeded sample (-1..1; above ~0.25 is clear structure).
    """

    features: CustomerFeatures
    groups: tuple[str, ...]
    k: int
    seed: int
    preprocessor: Preprocessor
    model: Segmenter
    labels: np.ndarray
    profiles: SegmentProfiles
    silhouette: float

    def matrix(self, rows: np.ndarray | None = None) -> np.ndarray:
        """The clustering matrix (n_rows, n_columns) of ``rows`` (all customers by default)."""
        table = self.features.table if rows is None else self.features.table.iloc[rows]
        return self.preprocessor.transform(table)


def segment(features: CustomerFeatures, *, k: int, seed: int = 0,
            groups: tuple[str, ...] | list[str] | str = FEATURE_GROUPS, **segmenter_params: object) -> Segmentation:
    """Segment the customers of ``features`` into ``k`` segments.

    Parameters
    ----------
    features : CustomerFeatures
    k : int
        Number of segments, 2-12 and at most the number of customers.
    seed : int, default=0
        Seed of K-means and of the silhouette sample.
    groups : tuple of str or "rfm,channel", default=all groups
    **segmenter_params
        Passed to :class:`Segmenter` (e.g. ``minibatch_threshold``).

    Raises
    ------
    OmnimixError
        Invalid k, too few customers, unknown feature group.
    """
    groups = validate_groups(groups)
    k = validate_k(k, features.n_customers)
    pre = Preprocessor(groups=groups).fit(features)
    X = pre.transform(features.table)
    model = Segmenter(n_clusters=k, random_state=seed, **segmenter_params).fit(
        X, sample_weight=evidence_weights(features.table))
    rows = sample_rows(X.shape[0], SILHOUETTE_SAMPLE, seed)
    sil_labels = model.labels_[rows]
    sil = float(silhouette_score(X[rows], sil_labels)) if 1 < np.unique(sil_labels).size < rows.size else float("nan")
    return Segmentation(features, groups, k, seed, pre, model, model.labels_, build_profiles(features, model.labels_), sil)
