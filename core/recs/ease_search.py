"""EASE's parameters (λ, dropout, user exponent, popularity exponent, low-pass term) chosen on validation splits.

:func:`choose_ease` walks a small grid per parameter greedily (:func:`greedy_walk`: one
parameter at a time moves to a neighbouring grid value while that raises the validation
NDCG@10, rounds repeated while anything moved, at most :data:`PASSES`).  Two walks: first
plain EASE's λ alone, from the middle of its grid (exactly the search before the options),
then all parameters from that λ and the middle of the options (:data:`START`); the
second is kept only when strictly better on validation, so plain EASE stays where validation
finds nothing better.  (A single walk from plain EASE stopped at local peaks on MovieLens.)

Cost per point: a new λ or dropout is one inverse (the Gram is shared); a new user exponent is
a new Gram and an inverse; a new popularity exponent only re-ranks the scores of a fitted
model (:meth:`core.recs.ease.EASE.with_pop_exponent`); a new low-pass rank or weight mixes the
fitted weights with the split's low-pass basis, computed once per split at the largest rank
(:meth:`core.recs.ease.EASE.with_lowpass`).  Every point is scored on each
validation split given and the NDCGs averaged: averaging two random splits makes the choice
less dependent on one draw (see docs/recommendations.md).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from core.recs.blend_search import NDCG, K
from core.recs.ease import DEFAULT_L2, EASE, gram, lowpass_basis, most_bought
from core.recs.linalg import hide_bought
from core.recs.parallel import WORKERS, Memo

if TYPE_CHECKING:
    from core.recs.tuning import Validation

L2_GRID = (50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0)
"""Ridge values EASE tries (on the log1p matrix; λ ≈ 520 on a 0/1 matrix is 250 here)."""
DROPOUT_GRID = (0.0, 0.25, 0.5, 0.67, 0.75, 0.8)
"""EDLAE dropout probabilities tried (0: plain EASE)."""
USER_EXPONENT_GRID = (0.0, 0.25, 0.5, 0.75)
"""Exponents ``a`` of the customer weights ``degree^−a`` tried (0: plain EASE)."""
POP_EXPONENT_GRID = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25)
"""Popularity penalties ``b`` tried (0: none)."""
LOWPASS_RANK_GRID = (16.0, 24.0, 32.0, 48.0, 64.0)
"""Ranks of GF-CF's low-pass term tried (singular vectors of the normalised matrix; used only with a weight)."""
LOWPASS_WEIGHT_GRID = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4)
"""Weights of the low-pass term tried (0: none)."""
EASE_GRID: dict[str, tuple[float, ...]] = {"l2": L2_GRID, "dropout": DROPOUT_GRID,
                                           "user_exponent": USER_EXPONENT_GRID, "pop_exponent": POP_EXPONENT_GRID,
                                           "lowpass_rank": LOWPASS_RANK_GRID, "lowpass_weight": LOWPASS_WEIGHT_GRID}
"""The grid per parameter, in the order the search visits them."""
PASSES = 2
"""Rounds over the parameters at most."""
GRAM_BYTES = 400_000_000
"""Memory the search may keep Gram matrices in (one per user exponent and split), beyond the last two."""
PARALLEL_PRODUCTS = 5000
"""Largest catalogue whose points are scored two at a time: each point in flight holds its own
inverse (products² float32, 100 MB at 5,000 products), so above this the walk stays on one thread
and keeps the memory of one fit (:data:`core.recs.ease.MAX_PRODUCTS`' 0.8 GB)."""
PLAIN = {"dropout": 0.0, "user_exponent": 0.0, "pop_exponent": 0.0, "lowpass_rank": 0.0, "lowpass_weight": 0.0}
"""Plain EASE: the first walk (λ only) holds the options here (a rank not in the grid: its lowest)."""
START = {"dropout": 0.5, "user_exponent": 0.5, "pop_exponent": 0.1, "lowpass_rank": 32.0, "lowpass_weight": 0.0}
"""Where the second walk (every parameter) starts, besides the λ of the first."""


@dataclass
class EaseChoice:
    """What :func:`choose_ease` chose.

    Attributes
    ----------
    params : dict of str to float
        ``l2``, ``dropout``, ``user_exponent``, ``pop_exponent``, ``lowpass_rank`` (an int, 0 without a
        low-pass weight), ``lowpass_weight``, and ``l2_interactions``: the mean stored interactions of the
        validation matrices (of the modelled products), so the refit on a larger matrix scales λ down.
    ndcg : float
        Mean validation NDCG@10 of ``params``.
    tried : dict of tuple to float
        Every point scored (``(l2, dropout, user_exponent, pop_exponent, lowpass_rank, lowpass_weight)``) and its
        mean NDCG@10, in order tried.
    model : EASE
        Fitted with ``params`` on the first validation split's interactions.
    """

    params: dict[str, float]
    ndcg: float
    tried: dict[tuple[float, ...], float] = field(default_factory=dict)
    model: EASE | None = None


def choose_ease(vals: list[Validation], grid: dict[str, tuple[float, ...]] | None = None, *,
                max_products: int | None = None, passes: int = PASSES, parallel: bool = True) -> EaseChoice:
    """EASE's parameters with the best mean validation NDCG@10 over ``vals``, searched greedily on ``grid``.

    Parameters
    ----------
    vals : list of Validation
        Validation splits (carved from training data only); the NDCG of a point is their mean.
    grid : dict of str to tuple of float, default :data:`EASE_GRID`
        Values per parameter; a parameter given one value is held there, one left out at plain EASE's
        value (0; λ :data:`core.recs.ease.DEFAULT_L2`).
    max_products : int, optional
        EASE's large-catalogue guard (default :data:`core.recs.ease.MAX_PRODUCTS`).
    passes : int, default :data:`PASSES`
    parallel : bool, default=True
        Score the two neighbours of a step on two threads (the same choice either way; twice the
        memory of one fit, so only up to :data:`PARALLEL_PRODUCTS` products).

    Returns
    -------
    EaseChoice
    """
    grid = dict(EASE_GRID if grid is None else grid)
    names = list(EASE_GRID)
    axes = {n: tuple(sorted(float(v) for v in grid.get(n, (PLAIN.get(n, DEFAULT_L2),)))) for n in names}
    extra = {} if max_products is None else {"max_products": max_products}
    limit = EASE(**extra).max_products
    kept = [most_bought(v.interactions, limit) for v in vals]
    # Memory: every user exponent's Gram per split while they fit in GRAM_BYTES (2,500 products: 25 MB
    # each), else the last two (10,000 products: 400 MB each).
    keep = max(2, GRAM_BYTES // (4 * max(int(k.size) for k in kept) ** 2))
    grams, bases, fits = Memo(keep * len(vals)), Memo(len(vals)), Memo(2 * len(vals) + 2)
    tried: dict[tuple[float, ...], float] = {}

    def gram_of(i: int, a: float) -> np.ndarray:
        m = vals[i].interactions.matrix
        return grams.get((i, a), lambda: gram(m[:, kept[i]] if kept[i].size < m.shape[1] else m, user_exponent=a))

    def fitted(i: int, l2: float, p: float, a: float) -> EASE:
        return fits.get((i, l2, p, a), lambda: EASE(l2=l2, dropout=p, user_exponent=a, **extra).fit(
            vals[i].interactions, gram_matrix=gram_of(i, a)))

    def basis_of(i: int) -> tuple[np.ndarray, np.ndarray]:
        m = vals[i].interactions.matrix
        return bases.get(i, lambda: lowpass_basis(m[:, kept[i]] if kept[i].size < m.shape[1] else m,
                                                  int(max(axes["lowpass_rank"]))))

    def model_at(i: int, point: tuple[float, ...]) -> EASE:
        l2, p, a, b, rank, w = point
        base = fitted(i, l2, p, a)
        if w and rank:
            base = base.with_lowpass(int(rank), w, basis_of(i))
        return base.with_pop_exponent(b) if b else base

    ndcgs = [NDCG(v.users, v.truth, v.interactions.n_products, min(K, v.interactions.n_products)) for v in vals]

    def score(point: tuple[float, ...]) -> float:
        return float(np.mean([ndcg.of_scores(unbought_scores(model_at(i, point))) for i, ndcg in enumerate(ndcgs)]))

    def quality(points: list[tuple[float, ...]]) -> list[float]:
        points = [canonical(p) for p in points]
        new = list(dict.fromkeys(p for p in points if p not in tried))
        # Neighbours on two threads (an inverse each); recorded in the order asked, so `tried` does not
        # depend on which finished first.
        for p, q in zip(new, pool.map(score, new) if pool is not None and len(new) > 1 else map(score, new),
                        strict=True):
            tried[p] = q
        return [tried[p] for p in points]

    # 1. Plain EASE's λ, walked uphill from the middle of its grid (the search before the options).
    plain = {n: axes[n].index(PLAIN[n]) if PLAIN[n] in axes[n] else 0 for n in names if n in PLAIN}
    lam_only = {n: axes[n] if n == "l2" else (axes[n][plain[n]],) for n in names}
    start = {n: axes[n].index(START[n]) if START[n] in axes[n] else plain[n] for n in names if n in START}
    second_walk = any(start[n] != plain[n] for n in START)
    two_at_once = parallel and WORKERS > 1 and max(int(k.size) for k in kept) <= PARALLEL_PRODUCTS
    pool = ThreadPoolExecutor(2, thread_name_prefix="omnimix-ease") if two_at_once else None
    ahead = ThreadPoolExecutor(1, thread_name_prefix="omnimix-ease-ahead") if pool is not None else None
    if ahead is not None and second_walk:
        # Made while the first walk runs, since the second always asks for them: its start's Gram and
        # (a low-pass weight above 0 is always tried from 0) the low-pass basis.
        for i in range(len(vals)):
            ahead.submit(gram_of, i, axes["user_exponent"][start["user_exponent"]])
            if len(axes["lowpass_weight"]) > 1:
                ahead.submit(basis_of, i)
    try:
        point, best = greedy_walk(lam_only, {n: (len(axes[n]) - 1) // 2 if n == "l2" else 0 for n in names},
                                  quality, passes=passes)
        # 2. Every parameter, walked from that λ and the middle of the options (:data:`START`): from plain
        #    EASE the walk stopped at local peaks (MovieLens, docs/recommendations.md).  Plain wins ties.
        if second_walk:
            other, other_best = greedy_walk(axes, start | {"l2": axes["l2"].index(point[0])}, quality, passes=passes)
            if other_best > best:
                point, best = other, other_best
    finally:
        for threads in (pool, ahead):
            if threads is not None:
                threads.shutdown()
    params = dict(zip(names, canonical(point), strict=True))
    params["lowpass_rank"] = int(params["lowpass_rank"])
    # λ was chosen for matrices of this size: a refit on more interactions scales it down (EASE.l2_interactions).
    params["l2_interactions"] = float(np.mean([v.interactions.matrix[:, k].nnz for v, k in zip(vals, kept, strict=True)]))
    return EaseChoice(params=params, ndcg=best, tried=tried, model=model_at(0, point))


def unbought_scores(model: EASE) -> Callable[[np.ndarray], np.ndarray]:
    """Scores of ``model`` for some rows as its :meth:`~core.recs.base.Recommender.top_items` ranks them (bought: ``-inf``)."""
    def scores_of(rows: np.ndarray) -> np.ndarray:
        return hide_bought(model.batch_scores(rows)[0], model.interactions_.bought[rows])
    return scores_of


def canonical(point: tuple[float, ...]) -> tuple[float, ...]:
    """``point`` (values in :data:`EASE_GRID`'s order) with the low-pass rank 0 when its weight is 0 (the same model)."""
    return point if point[5] else (*point[:4], 0.0, point[5])


def greedy_walk(axes: dict[str, tuple[float, ...]], start: dict[str, int],
                quality: Callable[[list[tuple[float, ...]]], list[float]], *, passes: int = PASSES
                ) -> tuple[tuple[float, ...], float]:
    """Coordinate ascent on a grid: the best point found and its quality.

    From ``start`` (an index per axis), each axis in turn moves to its better neighbour while
    that is strictly better (ties: the value reached first stays), for at most ``passes``
    rounds, stopping early when a round moved nothing.  ``quality`` takes a list of points (one
    value per axis, in ``axes``'s order; the two neighbours of a step are asked together, so it
    may score them at once) and returns their qualities; it should cache its results:
    neighbours are asked again.
    """
    names = list(axes)
    idx = dict(start)

    def point_of(ix: dict[str, int]) -> tuple[float, ...]:
        return tuple(axes[n][ix[n]] for n in names)

    best = quality([point_of(idx)])[0]
    for _ in range(passes):
        moved = False
        for name in names:
            while True:
                steps = [j for j in (idx[name] - 1, idx[name] + 1) if 0 <= j < len(axes[name])]
                trials = dict(zip(steps, quality([point_of(idx | {name: j}) for j in steps]), strict=True))
                j = max(trials, key=lambda j: trials[j], default=None)
                if j is None or trials[j] <= best:
                    break
                idx[name], best, moved = j, trials[j], True
        if not moved:
            break
    return point_of(idx), best
