"""Ranking metrics at k with one signature, after microsoft/recommenders' python_evaluation.

Accuracy metrics take ``(truth, predictions, *, k, col_user, col_item, col_rank)``: ``truth``
holds the relevant (user, item) pairs, ``predictions`` the recommended ones with their rank
(1 = best).  They average over the users present in both frames.  Beyond-accuracy metrics
take a reference frame (the catalogue or the training interactions) in place of ``truth``.

Definitions (``hit_i`` = the item at rank ``i`` is relevant, ``R`` = number of relevant items):

- precision@k = Σ hit_i / k;  recall@k = Σ hit_i / R;  hit rate@k = 1 if any hit
- NDCG@k = Σ hit_i / log2(i + 1) ÷ Σ_{i ≤ min(R, k)} 1 / log2(i + 1)
- MAP@k = Σ hit_i · precision@i ÷ min(R, k)
- catalogue coverage = distinct recommended items ÷ catalogue size
- novelty = mean over recommended slots of −log2(share of training users who bought the item);
  an item nobody bought counts as bought by one user
- intra-list diversity = mean over users of the share of pairs of recommended items in
  different categories
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.errors import OmnimixError
from core.recs import columns as C
from core.recs.checks import check_positive_int

ACCURACY = ("precision", "recall", "ndcg", "map", "hit_rate")


def _check(frame: pd.DataFrame, what: str, cols: list[str]) -> None:
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise OmnimixError(f"The {what} frame has no column '{missing[0]}' (it has {', '.join(map(str, frame.columns))}).")


def per_user_accuracy(truth: pd.DataFrame, predictions: pd.DataFrame, *, k: int = 10, col_user: str = C.CUSTOMER,
                      col_item: str = C.PRODUCT, col_rank: str = C.RANK) -> pd.DataFrame:
    """Every accuracy metric per user (users in both frames), indexed by user."""
    k = check_positive_int(k, "k")
    _check(truth, "truth", [col_user, col_item])
    _check(predictions, "predictions", [col_user, col_item, col_rank])
    truth = truth[[col_user, col_item]].drop_duplicates()
    n_rel = truth.groupby(col_user).size().rename("n_relevant")
    top = predictions.loc[predictions[col_rank] <= k, [col_user, col_item, col_rank]]
    top = top[top[col_user].isin(n_rel.index)]
    users = pd.Index(top[col_user].unique(), name=col_user)
    hits = top.merge(truth.assign(_hit=1), on=[col_user, col_item], how="left").fillna({"_hit": 0})
    rank = hits[col_rank].to_numpy(dtype=float)
    hit = hits["_hit"].to_numpy(dtype=float)
    hits = hits.assign(_dcg=hit / np.log2(rank + 1))
    hits = hits.sort_values([col_user, col_rank])
    hits["_cum"] = hits.groupby(col_user)["_hit"].cumsum()
    hits["_prec_i"] = hits["_hit"] * hits["_cum"] / hits[col_rank]
    agg = hits.groupby(col_user).agg(hits=("_hit", "sum"), dcg=("_dcg", "sum"), ap=("_prec_i", "sum")).reindex(users)
    r = n_rel.reindex(users).to_numpy(dtype=float)
    discounts = np.concatenate([[0.0], np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))])
    ideal = discounts[np.minimum(r, k).astype(int)]
    return pd.DataFrame({
        "precision": agg["hits"].to_numpy() / k,
        "recall": agg["hits"].to_numpy() / r,
        "ndcg": agg["dcg"].to_numpy() / ideal,
        "map": agg["ap"].to_numpy() / np.minimum(r, k),
        "hit_rate": (agg["hits"].to_numpy() > 0).astype(float),
    }, index=users)


def _mean(truth: pd.DataFrame, predictions: pd.DataFrame, metric: str, **kw: object) -> float:
    per_user = per_user_accuracy(truth, predictions, **kw)
    return float(per_user[metric].mean()) if len(per_user) else 0.0


def precision_at_k(truth: pd.DataFrame, predictions: pd.DataFrame, *, k: int = 10, col_user: str = C.CUSTOMER,
                   col_item: str = C.PRODUCT, col_rank: str = C.RANK) -> float:
    """Share of the top-k slots that are relevant, averaged over users."""
    return _mean(truth, predictions, "precision", k=k, col_user=col_user, col_item=col_item, col_rank=col_rank)


def recall_at_k(truth: pd.DataFrame, predictions: pd.DataFrame, *, k: int = 10, col_user: str = C.CUSTOMER,
                col_item: str = C.PRODUCT, col_rank: str = C.RANK) -> float:
    """Share of each user's relevant items found in the top k, averaged over users."""
    return _mean(truth, predictions, "recall", k=k, col_user=col_user, col_item=col_item, col_rank=col_rank)


def ndcg_at_k(truth: pd.DataFrame, predictions: pd.DataFrame, *, k: int = 10, col_user: str = C.CUSTOMER,
              col_item: str = C.PRODUCT, col_rank: str = C.RANK) -> float:
    """Normalised discounted cumulative gain (binary relevance), averaged over users."""
    return _mean(truth, predictions, "ndcg", k=k, col_user=col_user, col_item=col_item, col_rank=col_rank)


def map_at_k(truth: pd.DataFrame, predictions: pd.DataFrame, *, k: int = 10, col_user: str = C.CUSTOMER,
             col_item: str = C.PRODUCT, col_rank: str = C.RANK) -> float:
    """Mean average precision at k (divided by min(relevant, k))."""
    return _mean(truth, predictions, "map", k=k, col_user=col_user, col_item=col_item, col_rank=col_rank)


def hit_rate_at_k(truth: pd.DataFrame, predictions: pd.DataFrame, *, k: int = 10, col_user: str = C.CUSTOMER,
                  col_item: str = C.PRODUCT, col_rank: str = C.RANK) -> float:
    """Share of users with at least one relevant item in their top k."""
    return _mean(truth, predictions, "hit_rate", k=k, col_user=col_user, col_item=col_item, col_rank=col_rank)


def catalogue_coverage(catalogue: pd.DataFrame, predictions: pd.DataFrame, *, k: int = 10,
                       col_item: str = C.PRODUCT, col_rank: str = C.RANK) -> float:
    """Distinct items in anyone's top k ÷ items in the catalogue."""
    k = check_positive_int(k, "k")
    _check(catalogue, "catalogue", [col_item])
    _check(predictions, "predictions", [col_item, col_rank])
    n = catalogue[col_item].nunique()
    return float(predictions.loc[predictions[col_rank] <= k, col_item].nunique() / n) if n else 0.0


def novelty(train: pd.DataFrame, predictions: pd.DataFrame, *, k: int = 10, col_user: str = C.CUSTOMER,
            col_item: str = C.PRODUCT, col_rank: str = C.RANK) -> float:
    """Mean self-information (bits) of recommended items; higher = less obvious items."""
    k = check_positive_int(k, "k")
    _check(train, "train", [col_user, col_item])
    _check(predictions, "predictions", [col_user, col_item, col_rank])
    n_users = train[col_user].nunique()
    if n_users == 0:
        return 0.0
    buyers = train.drop_duplicates([col_user, col_item]).groupby(col_item).size()
    items = predictions.loc[predictions[col_rank] <= k, col_item]
    counts = buyers.reindex(items).fillna(0).clip(lower=1).to_numpy()
    return float(np.mean(-np.log2(counts / n_users))) if len(counts) else 0.0


def intra_list_diversity(catalogue: pd.DataFrame, predictions: pd.DataFrame, *, k: int = 10,
                         col_user: str = C.CUSTOMER, col_item: str = C.PRODUCT, col_rank: str = C.RANK,
                         col_category: str = C.CATEGORY) -> float:
    """Share of item pairs in a user's top k from different categories, averaged over users."""
    k = check_positive_int(k, "k")
    _check(catalogue, "catalogue", [col_item, col_category])
    _check(predictions, "predictions", [col_user, col_item, col_rank])
    top = predictions.loc[predictions[col_rank] <= k, [col_user, col_item]]
    top = top.merge(catalogue[[col_item, col_category]].drop_duplicates(col_item), on=col_item, how="left")
    sizes = top.groupby(col_user).size()
    same = top.groupby([col_user, col_category]).size()
    same_pairs = (same * (same - 1) / 2).groupby(level=0).sum()
    pairs = sizes * (sizes - 1) / 2
    ok = pairs > 0
    if not ok.any():
        return 0.0
    return float((1 - same_pairs[ok] / pairs[ok]).mean())
