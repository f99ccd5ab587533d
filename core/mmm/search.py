"""Seeded search of the adstock and saturation hyper-parameters on time-ordered validation.

Coordinate descent over channels, coarse to fine: for one channel at a time, a seeded random
batch of (decay, half-saturation, shape) candidates is transformed in one go and each is
scored by a closed-form non-negative ridge fit on the earlier weeks and its error on the
later weeks (never a random split: the future must not leak into the past).  Later rounds
sample a shrinking box around the best point so far.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.mmm.adstock import geometric_adstock
from core.mmm.ridge import BaseProjector, solve_media
from core.mmm.saturation import hill


@dataclass(frozen=True)
class SearchSpace:
    """Allowed hyper-parameter ranges.

    ``saturation`` is the half-saturation point as a multiple of the channel's mean adstocked
    spend, so one range fits channels of any size.  The defaults keep the bend of the curve
    inside the spend actually observed (0.5-2 x the mean): outside it the data cannot tell
    the curves apart, and wider ranges were measured to make ROAS swing more, not less.
    """

    decay: tuple[float, float] = (0.0, 0.8)
    saturation: tuple[float, float] = (0.5, 2.0)
    shape: tuple[float, float] = (0.8, 2.0)


def media_feature(spend: np.ndarray, decay: float, ratio: float, shape: float) -> tuple[np.ndarray, float]:
    """Hill(adstock(spend)) of one channel and its half-saturation in adstocked EUR."""
    ad = geometric_adstock(spend, decay)
    k = ratio * max(float(ad.mean()), 1e-9)
    return hill(ad, k, shape), k


@dataclass
class _Fold:
    train: np.ndarray
    val: np.ndarray
    proj: BaseProjector


def time_folds(n_train: int, n_folds: int, val_weeks: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Forward-chaining splits: each fold trains on everything before its validation block."""
    folds = []
    for f in range(n_folds, 0, -1):
        end = n_train - (f - 1) * val_weeks
        start = end - val_weeks
        if start >= val_weeks * 2:
            folds.append((np.arange(start), np.arange(start, end)))
    return folds or [(np.arange(n_train - val_weeks), np.arange(n_train - val_weeks, n_train))]


def blocked_folds(n_train: int, n_folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Contiguous time blocks, each validated by a fit on the other weeks (blocked CV).

    Every training week is validated once, so the score rests on ``n_train`` weeks instead
    of the last few: with 3 hyper-parameters per channel, a short final block is overfitted
    (measured: the search then beats the true hyper-parameters on validation error).  Blocks
    stay in time order and are never shuffled, so autocorrelated weeks are not split apart.
    """
    edges = np.linspace(0, n_train, n_folds + 1).astype(int)
    weeks = np.arange(n_train)
    return [(np.setdiff1d(weeks, np.arange(a, b)), np.arange(a, b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


class _Scorer:
    def __init__(self, base: np.ndarray, y: np.ndarray, folds: Sequence[tuple[np.ndarray, np.ndarray]], alpha: float):
        self.base, self.y, self.alpha = base, y, alpha
        self.folds = [_Fold(tr, va, BaseProjector(base[tr], alpha)) for tr, va in folds]

    def score(self, media: np.ndarray, j: int, candidates: np.ndarray) -> np.ndarray:
        """Mean validation MSE when column ``j`` of ``media`` is replaced by each candidate column."""
        total = np.zeros(candidates.shape[1])
        for fold in self.folds:
            tr, va = fold.train, fold.val
            y_tr = self.y[tr]
            m_tr, c_tr = media[tr], candidates[tr]
            res_m, res_c = fold.proj.residualize(m_tr), fold.proj.residualize(c_tr)
            hy, hm, hc = fold.proj.h @ y_tr, fold.proj.h @ m_tr, fold.proj.h @ c_tr
            for i in range(candidates.shape[1]):
                m_tr[:, j], res_m[:, j], hm[:, j] = c_tr[:, i], res_c[:, i], hc[:, i]
                coef = solve_media(m_tr, res_m, y_tr, self.alpha)
                b = hy - hm @ coef
                pred = (
                    self.base[va] @ b
                    + np.column_stack([media[va][:, :j], candidates[va, i], media[va][:, j + 1 :]]) @ coef
                )
                total[i] += np.mean((self.y[va] - pred) ** 2)
        return total / len(self.folds)


def search_hyperparameters(
    spend: np.ndarray,
    y: np.ndarray,
    base: np.ndarray,
    folds: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    alpha: float,
    space: SearchSpace = SearchSpace(),
    rounds: int = 3,
    candidates: int = 40,
    rng: np.random.Generator,
) -> tuple[np.ndarray, float]:
    """Best (decay, saturation ratio, shape) per channel and its validation MSE.

    Parameters
    ----------
    spend : ndarray of shape (n_weeks, n_channels)
    y : ndarray of shape (n_weeks,)
        Target, scaled to mean about one.
    base : ndarray of shape (n_weeks, n_base)
        Baseline design (intercept first).
    folds : sequence of (train_index, validation_index)
        Time-ordered splits (see :func:`blocked_folds` and :func:`time_folds`).
    alpha : float
        Ridge penalty.
    rounds : int, default=3
        Coarse-to-fine rounds; each halves the box sampled around the best point.
    candidates : int, default=40
        Candidates per channel and round.
    rng : numpy.random.Generator
        Source of the candidates (same seed, same result).

    Returns
    -------
    params : ndarray of shape (n_channels, 3)
        Columns decay, saturation ratio, shape.
    score : float
        Mean validation MSE of the returned parameters.
    """
    n_channels = spend.shape[1]
    lo = np.array([space.decay[0], np.log(space.saturation[0]), space.shape[0]])
    hi = np.array([space.decay[1], np.log(space.saturation[1]), space.shape[1]])
    point = np.tile([0.3, 0.0, 1.5], (n_channels, 1))  # log-ratio 0: half-saturation at mean spend
    media = np.column_stack([media_feature(spend[:, j], p[0], np.exp(p[1]), p[2])[0] for j, p in enumerate(point)])
    scorer = _Scorer(base, y, folds, alpha)
    best = np.inf
    for r in range(rounds):
        width = (hi - lo) / (2.0**r)
        for j in range(n_channels):
            centre = point[j]
            draws = centre + (rng.random((candidates, 3)) - 0.5) * width
            draws = np.vstack([centre, np.clip(draws, lo, hi)])
            cols = np.column_stack([media_feature(spend[:, j], d[0], np.exp(d[1]), d[2])[0] for d in draws])
            scores = scorer.score(media, j, cols)
            i = int(np.argmin(scores))
            point[j], media[:, j], best = draws[i], cols[:, i], float(scores[i])
    out = point.copy()
    out[:, 1] = np.exp(point[:, 1])
    return out, best
