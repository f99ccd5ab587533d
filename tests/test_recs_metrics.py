"""Ranking metrics against hand-computed values."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from core.errors import OmnimixError
from core.recs import metrics as M

TRUTH = pd.DataFrame({"customer_id": ["u1", "u1", "u2"], "product_id": ["a", "b", "c"]})
PREDS = pd.DataFrame({
    "customer_id": ["u1"] * 3 + ["u2"] * 3,
    "product_id": ["a", "x", "b", "x", "y", "z"],
    "rank": [1, 2, 3, 1, 2, 3],
})
CATALOGUE = pd.DataFrame({"product_id": list("abcxyzw"), "category": list("ABCABBC")})

# u1: hits at ranks 1 and 3 of 2 relevant; u2: no hit.
NDCG_U1 = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))


@pytest.mark.parametrize(("fn", "k", "expected"), [
    (M.precision_at_k, 3, (2 / 3 + 0) / 2),
    (M.recall_at_k, 3, (1 + 0) / 2),
    (M.ndcg_at_k, 3, NDCG_U1 / 2),
    (M.map_at_k, 3, ((1 / 1 + 2 / 3) / 2) / 2),
    (M.hit_rate_at_k, 3, 0.5),
    (M.precision_at_k, 1, 0.5),
    (M.recall_at_k, 1, 0.25),
    (M.ndcg_at_k, 1, 0.5),
    (M.map_at_k, 1, 0.5),  # u1: precision@1 = 1 over min(2, 1) = 1
])
def test_accuracy_metrics(fn, k, expected):
    assert fn(TRUTH, PREDS, k=k) == pytest.approx(expected)


def test_perfect_ranking_scores_one():
    perfect = pd.DataFrame({"customer_id": ["u1", "u1", "u2"], "product_id": ["a", "b", "c"], "rank": [1, 2, 1]})
    for fn in (M.precision_at_k, M.recall_at_k, M.ndcg_at_k, M.map_at_k, M.hit_rate_at_k):
        assert fn(TRUTH, perfect, k=1 if fn is M.precision_at_k else 2) == pytest.approx(1.0)


def test_beyond_accuracy_metrics():
    assert M.catalogue_coverage(CATALOGUE, PREDS, k=3) == pytest.approx(5 / 7)
    # Four training buyers: a bought by two (1 bit), x by one (2 bits); top-1 lists are [a] and [x].
    train = pd.DataFrame({"customer_id": ["t1", "t2", "t3", "t4", "t1"], "product_id": ["a", "a", "x", "q", "a"]})
    assert M.novelty(train, PREDS, k=1) == pytest.approx((1 + 2) / 2)
    # u1 [a:A, x:A, b:B] and u2 [x:A, y:B, z:B]: 2 of 3 pairs differ in category for both.
    assert M.intra_list_diversity(CATALOGUE, PREDS, k=3) == pytest.approx(2 / 3)


def test_custom_column_names_and_missing_column():
    truth = TRUTH.rename(columns={"customer_id": "u", "product_id": "i"})
    preds = PREDS.rename(columns={"customer_id": "u", "product_id": "i", "rank": "r"})
    assert M.recall_at_k(truth, preds, k=3, col_user="u", col_item="i", col_rank="r") == pytest.approx(0.5)
    with pytest.raises(OmnimixError, match="predictions frame has no column 'rank'"):
        M.precision_at_k(TRUTH, PREDS.drop(columns="rank"))
    with pytest.raises(OmnimixError, match="k must be a positive whole number"):
        M.ndcg_at_k(TRUTH, PREDS, k=0)
