"""Parameters chosen on a validation split carved from the training weeks only.

The evaluation holds out the last weeks as the test; choosing EASE's λ or the hybrid's
weights on those weeks would flatter both.  Here the *training* log is split once more in
time: models learn from everything before a validation cutoff (``weeks`` weeks before the end
of the training log) and are scored by NDCG@10 on what customers with a history bought new in
those weeks.  Nothing on or after the test cutoff is read, because only the training log is passed in.
When the evaluation itself uses a per-customer random split, the validation is one too
(``split="random"``: a random share of each customer's *training* products), so the parameters
are chosen for the task they are scored on.

- EASE: λ, EDLAE dropout, the customer-degree exponent and the popularity exponent from
  :data:`core.recs.ease_search.EASE_GRID`, walking uphill one parameter at a time from plain
  EASE (:func:`core.recs.ease_search.choose_ease`).
- Brand affinity: the concentration γ of its shares from :data:`CONCENTRATION_GRID`, uphill from
  1 (the plain shares) on the component's own validation NDCG@10 (:func:`choose_concentration`).
- Hybrid: greedy coordinate search over its components' weights (:data:`WEIGHT_STEPS`),
  starting from the best single component, on the row-max-scaled scores the hybrid blends.
  Each blend tried is ranked on a few candidate products per customer (:class:`BlendSearch`),
  which gives the lists of the whole catalogue exactly (ties to the lower index) at a fraction
  of the cost; ``tests/test_tuning_fast.py`` checks the choice against the plain search.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.errors import OmnimixError
from core.recs import columns as C
from core.recs.affinity import BrandAffinity
from core.recs.base import Recommender
from core.recs.blend_search import NDCG, BlendSearch, K, _ranked
from core.recs.ease import EASE
from core.recs.ease_search import EASE_GRID, L2_GRID, choose_ease, greedy_walk
from core.recs.hybrid import COMPONENTS, Hybrid, row_max_scaled
from core.recs.interactions import Interactions, build_interactions, is_kind
from core.recs.parallel import WORKERS, alongside
from core.recs.split import holdout_truth, random_split, time_split
from core.recs.user_knn import UserKNN

VALIDATION_WEEKS = 4
"""Weeks at the end of the training log used as validation."""
VALIDATION_CUSTOMERS = 2000
"""Validation customers EASE's points are scored on (seeded sample): enough to rank λ values, few enough to
stay quick."""
WEIGHT_CUSTOMERS = 5000
"""Validation customers the hybrid's weights and brand affinity's γ are chosen on (seeded sample, the EASE
customers among them).  Blends differ by a few thousandths of NDCG@10: on 2,000 customers the choice
followed their noise (50k sample, three tuning seeds: .1849 / .1850 / .1810 on the test weeks), on
5,000 it held (.1841 / .1848 / .1838)."""
VALIDATION_SPLITS = {"time": 1, "random": 2}
"""Validation splits EASE's parameters are averaged over, per kind of split (random ones differ by seed)."""
WEIGHT_STEPS = (0.0, 0.1, 0.25, 0.5, 1.0)
"""Relative weights the hybrid search tries per component."""
SEARCH_PASSES = 2
CONCENTRATION_GRID = (1.0, 2.0, 3.0, 4.0, 6.0)
"""Concentrations γ of brand affinity's shares tried (1: the plain shares)."""


@dataclass(frozen=True)
class Validation:
    """A validation split of a training log.

    Attributes
    ----------
    cutoff : Timestamp
        Models learn from ``ts < cutoff``; the validation truth is bought on or after it.
    weeks : int
    interactions : Interactions
        Built from the log before ``cutoff``.
    users : ndarray of int
        Matrix rows scored: customers with a history before ``cutoff`` who bought a product new
        to them in the validation weeks (a seeded sample of at most ``max_customers``).
    truth : DataFrame with ``customer_idx`` and ``product_idx`` of those users.
    """

    cutoff: pd.Timestamp
    weeks: int
    interactions: Interactions
    users: np.ndarray
    truth: pd.DataFrame

    def sample(self, max_customers: int, random_state: int = 0) -> Validation:
        """The same split scored on a seeded sample of at most ``max_customers`` of its users."""
        if self.users.size <= max_customers:
            return self
        users = np.sort(np.random.default_rng(random_state).choice(self.users, size=max_customers, replace=False))
        return Validation(self.cutoff, self.weeks, self.interactions, users,
                          self.truth[self.truth[C.CUSTOMER_IDX].isin(users)])


@dataclass
class Tuning:
    """What :func:`tune` chose, with the validation figures behind it.

    Attributes
    ----------
    l2 : float
    weights : dict of str to float
        Hybrid weights (summing to 1, components with weight 0 left out).
    l2_ndcg : dict of float to float
        Best validation NDCG@10 of EASE per λ tried (over the other parameters tried with it).
    weights_ndcg : float
        Validation NDCG@10 of the chosen hybrid.
    component_ndcg : dict of str to float
        Validation NDCG@10 of each component alone.
    cutoff : Timestamp
    weeks : int
    customers : int
        Validation customers the hybrid's weights were chosen on (of the first validation split).
    ease_customers : int
        Validation customers EASE's points were scored on (per split).
    ease : dict of str to float
        EASE's other parameters (``dropout``, ``user_exponent``, ``pop_exponent``); empty: plain EASE.
    ease_ndcg : dict of str to float
        Mean validation NDCG@10 of every EASE point tried, keyed ``"l2/dropout/user_exponent/pop_exponent"``.
    validation_splits : int
        Validation splits EASE's parameters were averaged over.
    concentration : float
        Brand affinity's concentration γ (1: the plain shares).
    concentration_ndcg : dict of float to float
        Validation NDCG@10 of brand affinity alone per γ tried.
    """

    l2: float
    weights: dict[str, float]
    l2_ndcg: dict[float, float] = field(default_factory=dict)
    weights_ndcg: float = float("nan")
    component_ndcg: dict[str, float] = field(default_factory=dict)
    cutoff: pd.Timestamp | None = None
    weeks: int = VALIDATION_WEEKS
    customers: int = 0
    ease_customers: int = 0
    ease: dict[str, float] = field(default_factory=dict)
    ease_ndcg: dict[str, float] = field(default_factory=dict)
    validation_splits: int = 1
    concentration: float = 1.0
    concentration_ndcg: dict[float, float] = field(default_factory=dict)

    def params(self, name: str) -> dict:
        """Keyword parameters of model ``name`` as tuned here (``{}`` for models with nothing tuned)."""
        if name == EASE.name:
            return {"l2": self.l2, **self.ease}
        if name == Hybrid.name:
            return {"weights": dict(self.weights)}
        if name == BrandAffinity.name:
            return {"concentration": self.concentration}
        return {}

    def as_dict(self) -> dict:
        """Plain numbers for JSON output."""
        return {"l2": self.l2, "hybrid_weights": self.weights, "validation_cutoff": self.cutoff,
                "validation_weeks": self.weeks, "validation_customers": self.customers,
                "ease_validation_customers": self.ease_customers,
                "l2_ndcg": {f"{k:g}": v for k, v in self.l2_ndcg.items()}, "hybrid_ndcg": self.weights_ndcg,
                "component_ndcg": self.component_ndcg, "ease_params": self.params(EASE.name),
                "ease_ndcg": self.ease_ndcg, "validation_splits": self.validation_splits,
                "brand_affinity_params": self.params(BrandAffinity.name),
                "concentration_ndcg": {f"{k:g}": v for k, v in self.concentration_ndcg.items()}}


def validation_split(train_log: pd.DataFrame, products: pd.DataFrame, customers: pd.DataFrame, *,
                     weeks: int = VALIDATION_WEEKS, max_customers: int = VALIDATION_CUSTOMERS,
                     random_state: int = 0, split: str = "time", test_share: float = 0.25) -> Validation:
    """The last ``weeks`` weeks of ``train_log`` as validation (see the module docstring).

    With ``split="random"``, ``test_share`` of each customer's products in ``train_log`` instead
    (``cutoff`` is then None).

    Raises
    ------
    OmnimixError
        When no customer with a history bought something new in the validation weeks.
    """
    if split == "random":
        parts = random_split(train_log, test_share=test_share, seed=random_state)
        inter = build_interactions(parts.train, products, customers)
        truth, cutoff = parts.truth, None
    else:
        parts = time_split(train_log, holdout_weeks=weeks)
        inter = build_interactions(parts.train, products, customers)
        truth, cutoff = holdout_truth(parts, inter.bought), parts.cutoff
    users = truth[C.CUSTOMER_IDX].unique()
    users = np.sort(users[inter.has_history(users)])
    if users.size == 0:
        raise OmnimixError(f"No customer with a history bought something new in the {weeks} validation weeks "
                           "before the holdout; the parameters cannot be chosen on this data.")
    return Validation(cutoff, weeks, inter, users, truth[truth[C.CUSTOMER_IDX].isin(users)]).sample(
        max_customers, random_state)


def choose_l2(val: Validation, grid: tuple[float, ...] = L2_GRID, *, max_products: int | None = None
              ) -> tuple[float, dict[float, float], EASE]:
    """Plain EASE's λ of ``grid`` with the best validation NDCG@10, the NDCG of every λ tried, and that fitted model.

    :func:`core.recs.ease_search.choose_ease` with the other parameters held at 0: one Gram
    matrix, one inverse per λ, walking the sorted grid uphill from its middle.
    """
    choice = choose_ease([val], {"l2": grid}, max_products=max_products)
    return choice.params["l2"], {point[0]: q for point, q in sorted(choice.tried.items())}, choice.model


def choose_concentration(val: Validation, grid: tuple[float, ...] = CONCENTRATION_GRID
                         ) -> tuple[float, dict[float, float], BrandAffinity]:
    """Brand affinity's γ of ``grid`` with the best validation NDCG@10 alone, the NDCG of every γ tried, and that model.

    Walks ``grid`` (sorted) uphill from its first value; γ changes only the scores, so the
    component is fitted once.
    """
    model = BrandAffinity().fit(val.interactions)
    score = NDCG(val.users, val.truth, val.interactions.n_products, min(K, val.interactions.n_products))
    tried: dict[float, float] = {}

    def quality(points: list[tuple[float, ...]]) -> list[float]:
        for (gamma,) in points:
            if gamma not in tried:
                model.set_params(concentration=gamma)
                tried[gamma] = score(_ranked(model._scores(val.users), val.users, val.interactions, score.k))
        return [tried[gamma] for (gamma,) in points]

    (gamma,), _ = greedy_walk({"concentration": tuple(sorted(grid))}, {"concentration": 0}, quality)
    model.set_params(concentration=gamma)
    return gamma, dict(sorted(tried.items())), model


def choose_weights(val: Validation, models: dict[str, Recommender]) -> tuple[dict[str, float], float, dict[str, float]]:
    """Hybrid weights over ``models`` (fitted on ``val.interactions``) by greedy search on validation NDCG@10.

    Returns
    -------
    weights : dict of str to float, summing to 1 (components at 0 left out)
    ndcg : float, validation NDCG@10 of those weights
    alone : dict of str to float, each component's own validation NDCG@10
    """
    return search_weights(val, component_scores(val, models))


def component_scores(val: Validation, models: dict[str, Recommender]) -> dict[str, np.ndarray]:
    """Each model's scores of ``val.users`` as the hybrid blends them (row-max scaled, float32, users × products)."""
    return {name: row_max_scaled(np.asarray(m._scores(val.users), dtype=np.float64)).astype(np.float32)
            for name, m in models.items()}


def search_weights(val: Validation, scaled: dict[str, np.ndarray]) -> tuple[dict[str, float], float, dict[str, float]]:
    """:func:`choose_weights` on scores already computed (:func:`component_scores`), components in ``scaled``'s order."""
    n = val.interactions.n_products
    k = min(K, n)
    search, score = BlendSearch(scaled, val.users, val.interactions, k), NDCG(val.users, val.truth, n, k)

    return greedy_weights(list(scaled), lambda weights: score(search.top(weights)))


def greedy_weights(names: list[str], quality: Callable[[dict[str, float]], float],
                   ) -> tuple[dict[str, float], float, dict[str, float]]:
    """Coordinate search over :data:`WEIGHT_STEPS` per component, from the best single component.

    ``quality`` scores a weight per name (validation NDCG@10); returns the weights normalised to
    sum to 1 (zeros left out), their quality, and each component's quality alone.
    """
    alone = {name: quality({name: 1.0}) for name in names}
    start = max(alone, key=lambda name: (alone[name], -names.index(name)))
    weights = dict.fromkeys(names, 0.0) | {start: 1.0}
    best = alone[start]
    for _ in range(SEARCH_PASSES):
        improved = False
        for name in names:
            for step in WEIGHT_STEPS:
                trial = weights | {name: step}
                if step == weights[name] or not any(w > 0 for w in trial.values()):
                    continue
                q = quality(trial)
                if q > best + 1e-12:
                    weights, best, improved = trial, q, True
        if not improved:
            break
    total = sum(weights.values())
    return {name: w / total for name, w in weights.items() if w > 0}, best, alone


def tune(train_log: pd.DataFrame, products: pd.DataFrame, customers: pd.DataFrame, *,
         weeks: int = VALIDATION_WEEKS, l2_grid: tuple[float, ...] | None = None,
         ease_grid: dict[str, tuple[float, ...]] | None = None, max_customers: int = VALIDATION_CUSTOMERS,
         weight_customers: int = WEIGHT_CUSTOMERS,
         hybrid: bool = True, random_state: int = 0, split: str = "time", test_share: float = 0.25,
         validation_splits: int | None = None, parallel: bool = True) -> Tuning:
    """Choose EASE's parameters and (with ``hybrid``) the hybrid's weights on validation carved from ``train_log``.

    ``train_log`` must be the training part only (e.g. ``time_split(log).train``); the test
    weeks are never passed here.  A log too short for a validation split keeps the defaults
    (:data:`core.recs.ease.DEFAULT_L2`, plain EASE, :data:`core.recs.hybrid.DEFAULT_WEIGHTS`)
    and says so in ``Tuning.customers`` (0).

    Parameters
    ----------
    train_log, products, customers : DataFrame
    weeks : int, default :data:`VALIDATION_WEEKS`
        Validation weeks of the time split.
    l2_grid : tuple of float, optional
        Replaces the λ values of ``ease_grid``.
    ease_grid : dict of str to tuple of float, default :data:`core.recs.ease_search.EASE_GRID`
        Values tried per EASE parameter; ``{"l2": L2_GRID}`` searches plain EASE's λ only.
    max_customers : int, default :data:`VALIDATION_CUSTOMERS`
        Validation customers each EASE point is scored on.
    weight_customers : int, default :data:`WEIGHT_CUSTOMERS`
        Validation customers the hybrid's weights and brand affinity's γ are chosen on (at least
        ``max_customers``; the customers EASE's points are scored on are a sample of them).
    hybrid : bool, default=True
        Also choose the hybrid's weights (on the first validation split).
    random_state : int, default=0
        Seed of the validation sample (and of the random split; the ``i``-th extra random
        validation split uses ``random_state + i``).
    split : {"time", "random"}, default="time"
    test_share : float, default=0.25
        Share of each customer's products in a random validation split.
    validation_splits : int, optional
        Validation splits EASE's parameters are averaged over (default :data:`VALIDATION_SPLITS`
        of ``split``).  A time split has one validation period, so more splits draw other
        customer samples of it.
    parallel : bool, default=True
        Fit and score the hybrid's other components on a second thread while EASE's parameters are
        searched (:func:`core.recs.parallel.alongside`); the same choice either way.
    """
    if not is_kind(train_log, C.PURCHASE).any():
        raise OmnimixError("There are no purchases to choose recommender parameters on.")
    n_splits = VALIDATION_SPLITS.get(split, 1) if validation_splits is None else int(validation_splits)
    sampled = max(max_customers, weight_customers) if hybrid else max_customers
    try:
        vals = [validation_split(train_log, products, customers, weeks=weeks, max_customers=sampled,
                                 random_state=random_state + i, split=split, test_share=test_share)
                for i in range(max(n_splits, 1))]
    except OmnimixError:
        return Tuning(l2=EASE().l2, weights=dict(Hybrid()._weights()))
    val = vals[0]
    grid = dict(EASE_GRID if ease_grid is None else ease_grid)
    if l2_grid is not None:
        grid["l2"] = tuple(l2_grid)
    ease_vals = [v.sample(max_customers, random_state + i) for i, v in enumerate(vals)]

    def other_components() -> tuple[float, dict[float, float], dict[str, np.ndarray]]:
        # Two at a time, the longest first (γ's search, then user-kNN): once EASE's walk is done, the
        # tuning waits for these alone.  Brand affinity is scored last, with the γ chosen by then.
        with ThreadPoolExecutor(WORKERS if parallel else 1, thread_name_prefix="omnimix-components") as pool:
            # γ on the weights' sample: on EASE's 2,000 its choice wavered between 2 and 3 (50k, tuning seed 1).
            gamma_job = pool.submit(choose_concentration, val)

            def scores_of(name: str) -> np.ndarray:
                model = gamma_job.result()[2] if name == BrandAffinity.name else COMPONENTS[name]().fit(val.interactions)
                return component_scores(val, {name: model})[name]

            names = sorted((name for name in COMPONENTS if name != EASE.name),
                           key=lambda name: (name != UserKNN.name, name == BrandAffinity.name))
            scaled = dict(zip(names, pool.map(scores_of, names), strict=True))
        gamma, gamma_ndcg, _ = gamma_job.result()
        return gamma, gamma_ndcg, {name: scaled[name] for name in COMPONENTS if name in scaled}

    # EASE's walk is the longest step and needs nothing else: the other components are fitted and
    # scored beside it (parallel.alongside), and blended with it once it is done.
    with alongside(other_components if hybrid else dict, parallel=parallel and hybrid) as others_job:
        choice = choose_ease(ease_vals, grid, parallel=parallel)
    ease = choice.model
    l2_ndcg: dict[float, float] = {}
    for point, q in choice.tried.items():
        l2_ndcg[point[0]] = max(q, l2_ndcg.get(point[0], -1.0))
    out = Tuning(l2=choice.params["l2"], weights=dict(Hybrid()._weights()), l2_ndcg=dict(sorted(l2_ndcg.items())),
                 cutoff=val.cutoff, weeks=weeks, customers=int(val.users.size),
                 ease_customers=int(ease_vals[0].users.size),
                 ease={k: v for k, v in choice.params.items() if k != "l2" and v},
                 ease_ndcg={"/".join(f"{v:g}" for v in point): q for point, q in choice.tried.items()},
                 validation_splits=len(vals))
    if hybrid:
        out.concentration, out.concentration_ndcg, scaled = others_job.result()
        scaled |= component_scores(val, {EASE.name: ease})
        out.weights, out.weights_ndcg, out.component_ndcg = search_weights(val, {name: scaled[name] for name in COMPONENTS})
    return out


def tuned_model(name: str, interactions: Interactions, log: pd.DataFrame, products: pd.DataFrame,
                customers: pd.DataFrame, *, tuning: Tuning | None = None) -> Recommender:
    """Model ``name`` fitted on ``interactions`` (built from ``log``), EASE and the hybrid with tuned parameters.

    The parameters are chosen on the last weeks of ``log`` itself (:func:`tune`), as the
    evaluation does on its training part; pass ``tuning`` to reuse a choice already made.
    Other models are fitted with their defaults.
    """
    from core.recs import make_model  # the registry imports the models; this module is not part of it

    if name not in (EASE.name, Hybrid.name):
        return make_model(name).fit(interactions)
    if tuning is None:
        tuning = tune(log, products, customers, hybrid=name == Hybrid.name)
    if name == EASE.name:
        return EASE(**tuning.params(EASE.name)).fit(interactions)
    parts = {c: COMPONENTS[c](**tuning.params(c)).fit(interactions) for c in tuning.weights}
    return Hybrid.from_fitted(parts, weights=tuning.weights)
