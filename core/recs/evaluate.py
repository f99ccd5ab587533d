"""Offline evaluation: every model on one time split, overall, per segment, and for fairness.

The popularity baseline (``popular``) is always evaluated, whatever models are asked for.
All models see the same training interactions and are scored on the same customers: those
who bought at least one product after the cutoff that they had not bought before it
(optionally a seeded random sample of them).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import duckdb
import numpy as np
import pandas as pd

from core.db import OmnimixError
from core.privacy import MIN_GROUP_SIZE, suppress_small_groups
from core.recs import BASELINE, MODELS, Hybrid, Recommender, make_model
from core.recs import columns as C
from core.recs import metrics as M
from core.recs.checks import check_positive_int
from core.recs.interactions import Interactions, build_interactions, load_catalogue, load_customers, load_log
from core.recs.split import holdout_truth, time_split

METRIC_LABELS: dict[str, str] = {
    "precision": "Precision@k", "recall": "Recall@k", "ndcg": "NDCG@k", "map": "MAP@k", "hit_rate": "Hit rate@k",
    "coverage": "Catalogue coverage", "novelty": "Novelty (bits)", "diversity": "Category diversity",
}
METRIC_HELP: dict[str, str] = {
    "precision": "Share of the k recommended products the customer then bought.",
    "recall": "Share of the products the customer then bought that were among the k recommended.",
    "ndcg": "Like recall, but a hit near the top of the list counts more (1 = every purchase ranked first).",
    "map": "Mean average precision: rewards lists whose hits come early (1 = all hits at the top).",
    "hit_rate": "Share of customers with at least one recommended product bought in the held-out weeks.",
    "coverage": "Share of the whole catalogue that appears in at least one customer's list.",
    "novelty": "How unusual the recommended products are: bits of surprise, higher = fewer people bought them.",
    "diversity": "Share of pairs of products in a list from different categories (0 = all one category).",
}
"""One plain line per metric, shown on the page next to the figures."""


@dataclass
class Evaluation:
    """Results of :func:`evaluate`.

    Attributes
    ----------
    metrics : DataFrame, one row per model: the accuracy metrics, coverage, novelty,
        diversity, ``fit_seconds`` and ``recommend_seconds``.
    by_segment : DataFrame, one row per (model, segment) with ``customers`` and accuracy metrics
        (all segments; pass it through :func:`private_by_segment` before showing it).
    fairness : DataFrame, one row per (model, dimension, group): ``rec_share``,
        ``catalogue_share`` and ``sales_share`` (dimension ``brand`` or ``price_tier``).
    info : dict with ``cutoff``, ``holdout_weeks``, ``k``, ``customers`` and ``train_interactions``.
    """

    metrics: pd.DataFrame
    by_segment: pd.DataFrame
    fairness: pd.DataFrame
    info: dict = field(default_factory=dict)


def evaluate(log: pd.DataFrame, products: pd.DataFrame, customers: pd.DataFrame, *, k: int = 10,
             holdout_weeks: int = 8, models: list[str] | None = None, max_customers: int | None = None,
             random_state: int = 0) -> Evaluation:
    """Fit every model on the data before the cutoff and score its top-``k`` on what came after.

    Parameters
    ----------
    log : DataFrame from :func:`core.recs.interactions.load_log`.
    products, customers : DataFrames from ``load_catalogue`` / ``load_customers``.
    k : int, default=10
    holdout_weeks : int, default=8
    models : list of str, optional
        Names from :data:`core.recs.MODELS` (default: all); ``popular`` is always added.
    max_customers : int, optional
        Evaluate a seeded random sample of this many held-out customers.
    random_state : int, default=0
    """
    k = check_positive_int(k, "k")
    if max_customers is not None:
        max_customers = check_positive_int(max_customers, "max_customers")
    names = list(MODELS) if models is None else list(dict.fromkeys([BASELINE, *models]))
    for name in names:
        make_model(name)  # unknown names fail before any work
    split = time_split(log, holdout_weeks=holdout_weeks)
    inter = build_interactions(split.train, products, customers)
    truth = holdout_truth(split, inter.bought)
    users = truth[C.CUSTOMER_IDX].unique()
    if users.size == 0:
        raise OmnimixError(f"Nobody bought a new product in the last {holdout_weeks} weeks; choose more holdout weeks.")
    if max_customers is not None and users.size > max_customers:
        users = np.sort(np.random.default_rng(random_state).choice(users, size=max_customers, replace=False))
        truth = truth[truth[C.CUSTOMER_IDX].isin(users)]
    segments = pd.Series(inter.segments[users], index=pd.Index(users, name=C.CUSTOMER_IDX), name=C.SEGMENT)

    rows, seg_rows, fair_rows = [], [], []
    train_buys = _bought_pairs(inter)
    fitted: dict[str, Recommender] = {}
    fit_seconds: dict[str, float] = {}
    for name in names:
        t0 = time.perf_counter()
        model = _fit(name, inter, fitted)
        t1 = time.perf_counter()
        fit_seconds[name] = t1 - t0
        fitted[name] = model
        items, _, _ = model.top_items(users, k, exclude_seen=True)
        t2 = time.perf_counter()
        preds = pd.DataFrame({C.CUSTOMER_IDX: np.repeat(users, items.shape[1]), C.PRODUCT_IDX: items.ravel(),
                              C.RANK: np.tile(np.arange(1, items.shape[1] + 1), users.size)})
        cols = dict(k=k, col_user=C.CUSTOMER_IDX, col_item=C.PRODUCT_IDX)
        per_user = M.per_user_accuracy(truth, preds, **cols).reindex(users).fillna(0.0)
        catalogue = products.assign(**{C.PRODUCT_IDX: np.arange(len(products))})
        rows.append({C.MODEL: name, **per_user.mean().to_dict(),
                     "coverage": M.catalogue_coverage(catalogue, preds, k=k, col_item=C.PRODUCT_IDX),
                     "novelty": M.novelty(train_buys, preds, **cols),
                     "diversity": M.intra_list_diversity(catalogue, preds, **cols),
                     "fit_seconds": _fit_time(model, fit_seconds), "recommend_seconds": t2 - t1})
        by_seg = per_user.join(segments).groupby(C.SEGMENT)
        seg_rows.append(by_seg.mean().assign(customers=by_seg.size(), **{C.MODEL: name}).reset_index())
        fair_rows.append(_fairness(name, items.ravel(), inter))
    metrics = pd.DataFrame(rows)
    by_segment = pd.concat(seg_rows, ignore_index=True)[[C.MODEL, C.SEGMENT, "customers", *M.ACCURACY]]
    info = {"cutoff": split.cutoff, "holdout_weeks": split.holdout_weeks, "k": k, "customers": int(users.size),
            "train_interactions": int(inter.matrix.nnz), "models": names}
    return Evaluation(metrics, by_segment, pd.concat(fair_rows, ignore_index=True), info)


def evaluate_db(con: duckdb.DuckDBPyConnection, **kwargs: object) -> Evaluation:
    """:func:`evaluate` on a database (same keyword arguments)."""
    products = load_catalogue(con)
    if products.empty:
        raise OmnimixError("The product catalogue is empty: load products before evaluating recommendations.")
    return evaluate(load_log(con), products, load_customers(con), **kwargs)


def private_by_segment(by_segment: pd.DataFrame, *, min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """``by_segment`` with segments of fewer than ``min_size`` evaluated customers blanked out.

    Shown and exported per-segment figures go through this: metrics of a handful of
    customers would describe individuals (see :mod:`core.privacy`).
    """
    return suppress_small_groups(by_segment, "customers", min_size=min_size, value_columns=list(M.ACCURACY))


def _fit(name: str, inter: Interactions, fitted: dict[str, Recommender]) -> Recommender:
    """Fit ``name``; a hybrid whose components are already fitted reuses them."""
    if name == Hybrid.name:
        wanted = Hybrid()._weights()
        if all(component in fitted for component in wanted):
            return Hybrid.from_fitted(fitted)
    return make_model(name).fit(inter)


def _fit_time(model: Recommender, seconds: dict[str, float]) -> float:
    """Fit seconds of ``model``, a reusing hybrid counting its components' fits."""
    if isinstance(model, Hybrid):
        return seconds[model.name] + sum(seconds.get(c, 0.0) for c in model.components_)
    return seconds[model.name]


def _bought_pairs(inter: Interactions) -> pd.DataFrame:
    b = inter.bought.tocoo()
    return pd.DataFrame({C.CUSTOMER_IDX: b.row, C.PRODUCT_IDX: b.col})


def _fairness(name: str, items: np.ndarray, inter: Interactions) -> pd.DataFrame:
    """Share of recommendation slots per brand and price tier vs share of catalogue and of sales."""
    products = inter.products
    sales = np.asarray(inter.bought.sum(axis=0)).ravel()  # order lines per product in training
    slots = np.bincount(items, minlength=len(products))
    out = []
    for dim in (C.BRAND, C.PRICE_TIER):
        g = pd.DataFrame({"group": products[dim].to_numpy(), "slots": slots, "sales": sales, "products": 1})
        agg = g.groupby("group").sum()
        out.append(pd.DataFrame({
            C.MODEL: name, "dimension": dim, "group": agg.index,
            "rec_share": agg["slots"].to_numpy() / max(agg["slots"].sum(), 1),
            "catalogue_share": agg["products"].to_numpy() / agg["products"].sum(),
            "sales_share": agg["sales"].to_numpy() / max(agg["sales"].sum(), 1),
        }))
    return pd.concat(out, ignore_index=True)
