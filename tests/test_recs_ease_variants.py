"""The MovieLens EASE-variant benchmark (benchmarks/recs_quality.py): plain point equals EASE, metrics by hand."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from recs_quality import _accuracy, _variant_scores  # noqa: E402

from core.recs.ease import ease_weights, gram  # noqa: E402

PLAIN = {"l2": 3.0, "dropout": 0.0, "user_exponent": 0.0, "pop_exponent": 0.0, "svd_rank": 2, "svd_weight": 0.0}


def _x() -> np.ndarray:
    return (np.random.default_rng(0).random((30, 6)) < 0.4).astype(float)


def test_plain_point_ranks_as_ease():
    x = _x()
    scores = _variant_scores(x, PLAIN, {})
    expected = x @ ease_weights(gram(sp.csr_matrix(x)), 3.0)
    m = np.abs(expected).max(axis=1, keepdims=True)
    assert np.allclose(scores, expected / np.where(m > 0, m, 1), atol=1e-5)


def test_dropout_adds_its_penalty_to_the_ridge():
    # EDLAE: p / (1 - p) * diag(G) added to λ, so p = .5 equals a ridge vector λ + diag(G).
    x = _x()
    g = x.T @ x
    got = _variant_scores(x, PLAIN | {"dropout": 0.5}, {})
    b = ease_weights(g, 3.0 + np.diag(g))
    ref = x @ b
    m = np.abs(ref).max(axis=1, keepdims=True)
    assert np.allclose(got, ref / np.where(m > 0, m, 1), atol=1e-5)
    assert not np.allclose(got, _variant_scores(x, PLAIN, {}))


def test_popularity_exponent_divides_by_popularity():
    x = _x()
    got = _variant_scores(x, PLAIN | {"pop_exponent": 0.5}, {})
    assert np.allclose(got, _variant_scores(x, PLAIN, {}) / np.sqrt(x.sum(axis=0) + 1))


def test_accuracy_by_hand():
    # User 0: truth {2, 3}, seen {0}; top-2 of the unseen is [3, 1] -> one hit at rank 1.
    x = np.array([[1.0, 0, 0, 0], [0, 0, 0, 0]])
    truth = np.array([[0, 0, 1.0, 1.0], [0, 0, 0, 0]])
    scores = np.array([[9.0, 2.0, 1.0, 3.0], [1.0, 1.0, 1.0, 1.0]])
    ndcg, precision = _accuracy(scores, x, truth, k=2)
    assert ndcg == pytest.approx(1 / (1 + 1 / np.log2(3)))
    assert precision == pytest.approx(0.5)  # user 1 has no truth and is left out
