"""K-means segmentation with a validated k, and diagnostics that suggest a k.

:class:`Segmenter` wraps scikit-learn's ``KMeans`` (``MiniBatchKMeans`` automatically above
``minibatch_threshold`` customers, where full Lloyd passes over every customer dominate the
run time) and numbers the segments by size, largest first, so segment 1 means the same
thing on every run with the same seed.

:func:`diagnose` fits every k of a range on a seeded sample and reports inertia (elbow),
silhouette, Calinski-Harabasz and Davies-Bouldin; :func:`suggest_k` turns them into one k and
a sentence saying why.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score
from sklearn.metrics.pairwise import euclidean_distances, pairwise_distances_argmin
from threadpoolctl import threadpool_limits

from core.errors import OmnimixError
from core.estimator import Estimator, Interval, check_is_fitted

K_MIN, K_MAX = 2, 12
"""Allowed numbers of segments."""

MINIBATCH_THRESHOLD = 200_000
"""Customers above which :class:`Segmenter` switches to MiniBatchKMeans."""

INIT_SAMPLE = 5_000
"""Customers the K-means restarts run on before the final pass over everybody."""

DIAGNOSTIC_FIT_SAMPLE = 8_000
SILHOUETTE_SAMPLE = 1_500


def validate_k(k: int, n_customers: int | None = None) -> int:
    """Check ``k`` is an integer in [2, 12] and not more than the customers; returns it as int."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not K_MIN <= int(k) <= K_MAX:
        raise OmnimixError(f"k (number of segments) must be a whole number from {K_MIN} to {K_MAX}; got {k!r}.")
    if n_customers is not None and n_customers < int(k):
        raise OmnimixError(
            f"Only {n_customers:,} customer(s) match the filters, fewer than k = {k} segments; "
            "choose a smaller k or widen the filters.")
    return int(k)


class Segmenter(Estimator):
    """K-means customer segments with stable numbering.

    Parameters
    ----------
    n_clusters : int, default=6
        Number of segments, 2 to 12.
    random_state : int or None, default=0
        Seed of the centroid initialisation (same seed and data → same segments), 0 to 2**32 - 1.
    n_init : int, default=10
        K-means restarts; the best (lowest inertia) run is kept.
    init_sample : int, default=INIT_SAMPLE
        With more customers than this, the restarts run on a seeded sample of this size and the
        best start is refined on all customers; at least 12 (the largest k).
    minibatch_threshold : int, default=MINIBATCH_THRESHOLD
        Above this many customers, MiniBatchKMeans is used instead of KMeans.
    batch_size : int, default=8192
        Mini-batch size of MiniBatchKMeans.
    n_threads : int or None, default=1
        OpenMP threads for the fit (None: scikit-learn's default, all cores).  One thread is the
        default because the dashboard serves sessions in parallel threads and OpenMP threads
        that wait for busy cores spin: on a loaded 2-core machine a 50,000-customer fit took
        4.7 s with all cores and 0.4 s with one.

    Attributes
    ----------
    labels_ : ndarray of shape (n_customers,), int
        Segment of each customer, 0 = largest segment.
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        Segment centroids in the clustering space, in segment order.
    sizes_ : ndarray of shape (n_clusters,), int
        Customers per segment.
    inertia_ : float
        Weighted sum of squared distances to the nearest centroid.
    algorithm_ : str
        ``"kmeans"`` or ``"minibatch"``.

    Examples
    --------
    >>> X = np.array([[0.0], [0.1], [0.2], [5.0], [5.1]])
    >>> Segmenter(n_clusters=2, random_state=0).fit(X).labels_.tolist()
    [0, 0, 0, 1, 1]
    """

    _parameter_constraints = {
        "n_clusters": [Interval(int, K_MIN, K_MAX)],
        "random_state": [Interval(int, 0, 2**32 - 1), None],
        "n_init": [Interval(int, 1, None)],
        "init_sample": [Interval(int, K_MAX, None)],
        "minibatch_threshold": [Interval(int, 1, None)],
        "batch_size": [Interval(int, 1, None)],
        "n_threads": [Interval(int, 1, None), None],
    }

    def __init__(self, *, n_clusters: int = 6, random_state: int | None = 0, n_init: int = 10, init_sample: int = INIT_SAMPLE,
                 minibatch_threshold: int = MINIBATCH_THRESHOLD, batch_size: int = 8192,
                 n_threads: int | None = 1) -> None:
        self.n_clusters = n_clusters
        self.random_state = random_state
        self.n_init = n_init
        self.init_sample = init_sample
        self.minibatch_threshold = minibatch_threshold
        self.batch_size = batch_size
        self.n_threads = n_threads

    def fit(self, X: np.ndarray, y: None = None, *, sample_weight: np.ndarray | None = None) -> Segmenter:
        """Cluster the rows of ``X`` (n_customers, n_features); returns self.

        ``sample_weight`` (n_customers,) weighs customers in the centroids, see
        :func:`core.segments.preprocess.evidence_weights`.
        """
        self._validate_params()
        X = np.asarray(X, dtype=np.float64)
        k = validate_k(self.n_clusters, X.shape[0])
        with threadpool_limits(limits=self.n_threads):
            model = self._fit_model(X, k, sample_weight)
        labels = model.labels_
        sizes = np.bincount(labels, minlength=k)
        # Largest segment first; ties broken by centroid so the order never depends on chance.
        order = np.lexsort((*model.cluster_centers_.T[::-1], -sizes))
        rank = np.empty(k, dtype=np.int64)
        rank[order] = np.arange(k)
        self.labels_ = rank[labels]
        self.cluster_centers_ = model.cluster_centers_[order]
        self.sizes_ = sizes[order]
        self.inertia_ = float(model.inertia_)
        self.n_features_in_ = X.shape[1]
        return self

    def _fit_model(self, X: np.ndarray, k: int, sample_weight: np.ndarray | None) -> KMeans | MiniBatchKMeans:
        init, n_init = "k-means++", self.n_init
        if X.shape[0] > self.init_sample:
            # The restarts run on a seeded sample (cheap), then one pass over everybody refines
            # the best start: as robust against poor local optima as n_init full fits, at the
            # cost of about one.
            rows = sample_rows(X.shape[0], self.init_sample, np.random.default_rng(self.random_state))
            w = None if sample_weight is None else np.asarray(sample_weight)[rows]
            init = KMeans(n_clusters=k, random_state=self.random_state, n_init=self.n_init).fit(
                X[rows], sample_weight=w).cluster_centers_
            n_init = 1
        if X.shape[0] > self.minibatch_threshold:
            model = MiniBatchKMeans(n_clusters=k, init=init, random_state=self.random_state, n_init=n_init,
                                    batch_size=self.batch_size, max_no_improvement=10)
            self.algorithm_ = "minibatch"
        else:
            model = KMeans(n_clusters=k, init=init, random_state=self.random_state, n_init=n_init)
            self.algorithm_ = "kmeans"
        return model.fit(X, sample_weight=sample_weight)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Segment of each row of ``X`` (n_samples, n_features): the nearest centroid."""
        check_is_fitted(self, "cluster_centers_")
        return pairwise_distances_argmin(np.asarray(X, dtype=np.float64), self.cluster_centers_)

    def fit_predict(self, X: np.ndarray, y: None = None, *, sample_weight: np.ndarray | None = None) -> np.ndarray:
        return self.fit(X, sample_weight=sample_weight).labels_


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def sample_rows(n: int, size: int, seed: int | np.random.Generator) -> np.ndarray:
    """A sorted, seeded sample of ``size`` row numbers out of ``n`` (all rows when fewer).

    ``seed`` may be a Generator, so several samples can share one random stream.
    """
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


def diagnose(X: np.ndarray, *, k_values: Iterable[int] = range(K_MIN, K_MAX + 1), random_state: int = 0,
             sample_weight: np.ndarray | None = None, fit_sample: int = DIAGNOSTIC_FIT_SAMPLE,
             silhouette_sample: int = SILHOUETTE_SAMPLE, n_init: int = 10, n_threads: int | None = 1) -> pd.DataFrame:
    """Quality of the segmentation for each k, on a seeded sample.

    Parameters
    ----------
    X : ndarray of shape (n_customers, n_features)
        Clustering matrix.
    k_values : iterable of int, default=range(2, 13)
        Values of k to try (each validated); values above the customer count are skipped.
    random_state : int, default=0
        Seed of the samples and of K-means.
    sample_weight : ndarray of shape (n_customers,), optional
    fit_sample : int, default=DIAGNOSTIC_FIT_SAMPLE
        Customers the k-range fits use (all when fewer).
    silhouette_sample : int, default=SILHOUETTE_SAMPLE
        Customers the silhouette is computed on (its cost grows with the square of n).
    n_init : int, default=10
        Restarts per k, as in :class:`Segmenter` (which the k-range fits use).
    n_threads : int or None, default=1
        OpenMP threads, see :class:`Segmenter`.

    Returns
    -------
    pandas.DataFrame with one row per k: ``k``, ``inertia`` (per customer), ``silhouette``
    (-1..1, higher is better), ``calinski_harabasz`` (higher is better), ``davies_bouldin``
    (lower is better).
    """
    X = np.asarray(X, dtype=np.float64)
    rng = np.random.default_rng(random_state)
    fit_rows = sample_rows(X.shape[0], fit_sample, rng)
    Xs = X[fit_rows]
    ws = None if sample_weight is None else np.asarray(sample_weight)[fit_rows]
    sil_rows = sample_rows(Xs.shape[0], silhouette_sample, rng)
    with threadpool_limits(limits=n_threads):
        rows = _score_k_range(Xs, ws, sil_rows, sorted({validate_k(k) for k in k_values}), random_state, n_init,
                              n_threads)
    if not rows:
        raise OmnimixError("Too few customers to compare numbers of segments.")
    return pd.DataFrame(rows)


def _score_k_range(Xs: np.ndarray, ws: np.ndarray | None, sil_rows: np.ndarray, k_values: list[int],
                   random_state: int, n_init: int, n_threads: int | None) -> list[dict]:
    # One distance matrix for every k: the silhouette would otherwise recompute it per k.
    distances = euclidean_distances(Xs[sil_rows])
    rows = []
    for k in k_values:
        if k >= Xs.shape[0]:
            continue
        # The same estimator as the final fit, so the scores describe the segments the page shows.
        km = Segmenter(n_clusters=k, random_state=random_state, n_init=n_init, n_threads=n_threads).fit(
            Xs, sample_weight=ws)
        labels = km.labels_
        sil_labels = labels[sil_rows]
        distinct = np.unique(labels).size
        rows.append({
            "k": k,
            "inertia": km.inertia_ / (Xs.shape[0] if ws is None else ws.sum()),
            "silhouette": silhouette_score(distances, sil_labels, metric="precomputed") if 1 < np.unique(sil_labels).size < len(sil_rows) else np.nan,
            "calinski_harabasz": calinski_harabasz_score(Xs, labels) if distinct > 1 else np.nan,
            "davies_bouldin": davies_bouldin_score(Xs, labels) if distinct > 1 else np.nan,
        })
    return rows


def suggest_k(diagnostics: pd.DataFrame) -> tuple[int, str]:
    """One k from :func:`diagnose`'s table, and the reason in plain words.

    The three quality scores are ranked over the k range (silhouette and Calinski-Harabasz
    high is good, Davies-Bouldin low is good) and the k with the best average rank wins; ties
    go to the smaller k, which is easier to act on.  Inertia always falls as k grows, so it
    only informs the reason ("adding one more segment would cut the spread by only 4 %").

    Returns
    -------
    (k, reason)
    """
    d = diagnostics.dropna(subset=["silhouette", "calinski_harabasz", "davies_bouldin"]).reset_index(drop=True)
    if d.empty:
        raise OmnimixError("No k could be scored; there are too few customers.")
    score = (d["silhouette"].rank(ascending=False) + d["calinski_harabasz"].rank(ascending=False)
             + d["davies_bouldin"].rank(ascending=True)) / 3
    best = int(d.loc[score.idxmin(), "k"])
    row = d.set_index("k").loc[best]
    best_in = [name for name, col, asc in (("silhouette", "silhouette", False), ("Calinski-Harabasz", "calinski_harabasz", False),
                                          ("Davies-Bouldin", "davies_bouldin", True))
               if int(d.sort_values(col, ascending=asc).iloc[0]["k"]) == best]
    parts = [f"k = {best} has the best balance of the three separation scores "
             f"(silhouette {row['silhouette']:.2f}, Davies-Bouldin {row['davies_bouldin']:.2f})"]
    if best_in:
        listed = best_in[0] if len(best_in) == 1 else ", ".join(best_in[:-1]) + " and " + best_in[-1]
        parts.append(f"and the best {listed} of k {int(d['k'].min())}–{int(d['k'].max())}")
    nxt = diagnostics.set_index("k")["inertia"]
    if best + 1 in nxt.index and nxt[best] > 0:
        drop = (nxt[best] - nxt[best + 1]) / nxt[best]
        parts.append(f"; a {_ordinal(best + 1)} segment would cut the within-segment spread by a further {drop:.0%}")
    return best, " ".join(parts[:2]) + "".join(parts[2:]) + "."
