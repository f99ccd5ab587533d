"""Faster forms of the attribution credit give the figures of the plain per-touch definitions."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from core.attribution import rules
from core.attribution.credit import channel_customers, credit_table, score_credit_table, spread_scores
from core.attribution.paths import Paths, build_paths


@pytest.fixture(scope="module")
def converting(small_db: Path) -> Paths:
    with duckdb.connect(str(small_db), read_only=True) as con:
        return build_paths(con, lookback_days=14).converting()


def _position_based_per_touch(paths: Paths, ends: float = rules.POSITION_ENDS) -> np.ndarray:
    """The 40/20/40 rule written touch by touch (the form before the per-path one)."""
    n, pos = paths.touch_length, paths.touch_position
    middle = (1.0 - 2 * ends) / np.maximum(n - 2, 1)
    end = np.where(n == 1, 1.0, np.where(n == 2, 0.5, ends))
    return np.where((pos == 0) | (pos == n - 1), end, middle)


def test_position_based_equals_the_per_touch_rule(converting: Paths) -> None:
    assert set(np.unique(converting.path_length)) >= {1, 2, 3}  # all three cases are exercised
    np.testing.assert_array_equal(rules.position_based(converting), _position_based_per_touch(converting))


@pytest.mark.parametrize("zeroed", [(), (0, 1, 2, 3, 4)])
def test_score_credit_equals_touch_by_touch_spreading(converting: Paths, zeroed: tuple[int, ...]) -> None:
    scores = np.random.default_rng(3).uniform(0.01, 1.0, len(converting.channels))
    scores[list(zeroed)] = 0.0  # with most channels at 0 some paths score 0 in total: the linear fallback
    if zeroed:
        mask_score = np.array([scores[[j for j in range(len(scores)) if m >> j & 1]].sum()
                               for m in converting.path_mask[:2000]])
        assert (mask_score == 0).any()
    customers = channel_customers(converting)
    fast = score_credit_table(converting, scores, customers)
    plain = credit_table(converting, spread_scores(converting, scores), customers)
    pd.testing.assert_frame_equal(fast, plain, rtol=1e-10)
    assert fast["orders"].sum() == pytest.approx(converting.n_paths)
