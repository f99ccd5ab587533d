"""Offline evaluation: every model on one split, overall, per segment, by history, and for fairness.

The popularity baseline (``popular``) is always evaluated, whatever models are asked for.
All models see the same training interactions and are scored on the same customers: those
who bought at least one product after the cutoff that they had not bought before it
(optionally a seeded random sample of them).  With ``split="random"`` the truth is instead a
seeded share of each customer's purchased products (:func:`core.recs.split.random_split`).

EASE's λ and the hybrid's weights are chosen on a validation split of the *training* part
(:func:`core.recs.tuning.tune`), never on the held-out truth.  Customers with a history before
the cutoff (any purchase, cart or view: the models' own cold-start test) and new customers
are also reported apart (``Evaluation.by_history``): every model hands a new customer the same
popularity list, so mixing them in hides the differences between models.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from core.errors import OmnimixError
from core.privacy import MIN_GROUP_SIZE, hide_groups
from core.recs import BASELINE, MODELS, Hybrid, Recommender, make_model
from core.recs import columns as C
from core.recs import metrics as M
from core.recs.checks import check_positive_int
from core.recs.hybrid import COMPONENTS
from core.recs.interactions import Interactions, build_interactions, load_catalogue, load_customers, load_log
from core.recs.parallel import LOWEST_PRIORITY, alongside
from core.recs.split import check_test_share, holdout_truth, random_split, time_split
from core.recs.tuning import Tuning, tune

if TYPE_CHECKING:  # only for type hints: the numbers work without duckdb
    import duckdb

SPLITS = ("time", "random")
TUNED = ("ease", Hybrid.name)
"""Models whose parameters are chosen on validation (:func:`core.recs.tuning.tune`); the others keep their defaults."""
HISTORY_GROUPS = {True: "with history", False: "new"}
"""``by_history`` group names: a history before the cutoff, or none (cold start)."""
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
    info : dict with ``split``, ``cutoff`` and ``holdout_weeks`` (None for a random split),
        ``test_share``, ``k``, ``customers``, ``customers_with_history``, ``new_customers``,
        ``train_interactions``, ``models`` and ``tuning`` (what the validation split chose).
    held_out_customers : int
        Customers who bought something new after the cutoff, before any sampling
        (``info["customers"]`` of them were scored).
    by_history : DataFrame, one row per (model, ``history``) with ``history`` "with history" or
        "new", ``customers`` and the accuracy metrics; per model the counts add up to ``info["customers"]``.
    by_segment_history : DataFrame, one row per (model, segment, ``history``) with ``customers`` and the
        accuracy metrics: the per-segment view with customers with a history and new ones apart
        (per model and segment the two counts add up to ``by_segment``'s).
    """

    metrics: pd.DataFrame
    by_segment: pd.DataFrame
    fairness: pd.DataFrame
    info: dict = field(default_factory=dict)
    held_out_customers: int = 0
    by_history: pd.DataFrame = field(default_factory=pd.DataFrame)
    by_segment_history: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(frozen=True)
class HoldoutPredictions:
    """Every model's top-``max_k`` list for the held-out customers of one time split.

    The expensive part of an evaluation (reading, fitting, ranking); :func:`score` turns it
    into the metrics at any ``k <= max_k`` in a fraction of a second, because a top-k list is
    the first k entries of the top-``max_k`` one (ties go to the lower product index).

    Attributes
    ----------
    max_k : int
    cutoff : Timestamp
    holdout_weeks : int
    users : ndarray of int, shape (n_users,)
        Matrix rows of the scored customers, sorted.
    held_out_customers : int
        Customers who bought something new after the cutoff, before sampling.
    truth : DataFrame with ``customer_idx`` and ``product_idx`` of the scored customers.
    segments : Series of str indexed by ``customer_idx`` (segment before the cutoff).
    catalogue : DataFrame, the products with ``product_idx`` (and ``brand``, ``price_tier``).
    train_buys : DataFrame, distinct (``customer_idx``, ``product_idx``) bought before the cutoff.
    sales : ndarray of shape (n_products,), order lines per product before the cutoff.
    items : dict of str to ndarray of shape (n_users, min(max_k, n_products)), per model.
    fit_seconds, recommend_seconds : dict of str to float, per model.
        CPU seconds of the fit (of the thread fitting it), wall-clock seconds of the ranking.
    train_interactions : int
    history : ndarray of bool, shape (n_users,)
        Whether each scored customer had any interaction in training.
    split : {"time", "random"}
    test_share : float or None
        Share held out per customer (random split only).
    tuning : dict
        :meth:`core.recs.tuning.Tuning.as_dict` (empty when nothing was tuned).
    tuning_seconds : float
        Time spent choosing the parameters on validation (not in any model's ``fit_seconds``).
    """

    max_k: int
    cutoff: pd.Timestamp
    holdout_weeks: int
    users: np.ndarray
    held_out_customers: int
    truth: pd.DataFrame
    segments: pd.Series
    catalogue: pd.DataFrame
    train_buys: pd.DataFrame
    sales: np.ndarray
    items: dict[str, np.ndarray]
    fit_seconds: dict[str, float]
    recommend_seconds: dict[str, float]
    train_interactions: int
    history: np.ndarray | None = None
    split: str = "time"
    test_share: float | None = None
    tuning: dict = field(default_factory=dict)
    tuning_seconds: float = 0.0


def evaluate(log: pd.DataFrame, products: pd.DataFrame, customers: pd.DataFrame, *, k: int = 10,
             holdout_weeks: int = 8, models: list[str] | None = None, max_customers: int | None = None,
             random_state: int = 0, split: str = "time", test_share: float = 0.25, tune_params: bool = True,
             tuner: Callable[..., Tuning] | None = None, parallel: bool = True) -> Evaluation:
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
        Seed of that sample and of the random split.
    split : {"time", "random"}, default="time"
        Hold out the last ``holdout_weeks`` weeks, or ``test_share`` of each customer's products.
    test_share : float, default=0.25
        Random split only.
    tune_params : bool, default=True
        Choose EASE's λ and the hybrid's weights on a validation split of the training part
        (:func:`core.recs.tuning.tune`); ``False`` keeps the models' defaults.
    tuner : callable, optional
        Called instead of :func:`~core.recs.tuning.tune`, with the same arguments (the training
        part only, and ``parallel``): :func:`core.recs.evaluation_cache.cached_tuner` reads the
        choice back from disk.
    parallel : bool, default=True
        Fit and rank the models with nothing to tune on a second thread, at a lower priority, while
        the parameters are chosen (:func:`core.recs.parallel.alongside`; the tuning itself runs the
        other components beside EASE's search).  The same lists either way.  ``fit_seconds`` are
        CPU seconds of the fitting thread; ``recommend_seconds`` (wall clock) of the models ranked
        beside the tuning include the time they waited for a core.

    See Also
    --------
    predict_holdout, score : the two steps, for metrics at several k from one ranking.
    """
    k = check_positive_int(k, "k")
    preds = predict_holdout(log, products, customers, max_k=k, holdout_weeks=holdout_weeks, models=models,
                            max_customers=max_customers, random_state=random_state, split=split,
                            test_share=test_share, tune_params=tune_params, tuner=tuner, parallel=parallel)
    return score(preds, k=k)


def predict_holdout(log: pd.DataFrame, products: pd.DataFrame, customers: pd.DataFrame, *, max_k: int = 10,
                    holdout_weeks: int = 8, models: list[str] | None = None, max_customers: int | None = None,
                    random_state: int = 0, split: str = "time", test_share: float = 0.25,
                    tune_params: bool = True, tuner: Callable[..., Tuning] | None = None,
                    parallel: bool = True) -> HoldoutPredictions:
    """Fit every model on the data before the cutoff and rank its top-``max_k`` for the held-out customers.

    Parameters are those of :func:`evaluate`, with ``max_k`` the longest list :func:`score`
    will be asked about.
    """
    max_k = check_positive_int(max_k, "k")
    if max_customers is not None:
        max_customers = check_positive_int(max_customers, "max_customers")
    names = list(MODELS) if models is None else list(dict.fromkeys([BASELINE, *models]))
    for name in names:
        make_model(name)  # unknown names fail before any work
    if split not in SPLITS:
        raise OmnimixError(f"Unknown split '{split}'; choose from {', '.join(SPLITS)}.")
    if split == "time":
        parts = time_split(log, holdout_weeks=holdout_weeks)
        inter = build_interactions(parts.train, products, customers)
        truth = holdout_truth(parts, inter.bought)
        cutoff, weeks, share = parts.cutoff, parts.holdout_weeks, None
    else:
        parts = random_split(log, test_share=check_test_share(test_share), seed=random_state)
        inter = build_interactions(parts.train, products, customers)
        truth, cutoff, weeks, share = parts.truth, None, None, parts.test_share
    users = truth[C.CUSTOMER_IDX].unique()
    if users.size == 0:
        raise OmnimixError(f"Nobody bought a new product in the last {holdout_weeks} weeks; choose more holdout weeks.")
    held_out = int(users.size)
    if max_customers is not None and users.size > max_customers:
        users = np.sort(np.random.default_rng(random_state).choice(users, size=max_customers, replace=False))
        truth = truth[truth[C.CUSTOMER_IDX].isin(users)]

    fitted: dict[str, Recommender] = {}
    own_fit_seconds: dict[str, float] = {}
    fit_seconds: dict[str, float] = {}
    recommend_seconds: dict[str, float] = {}
    items: dict[str, np.ndarray] = {}

    def fit_and_rank(name: str, tuning: Tuning | None) -> None:
        # The fit's CPU seconds (one thread fits): a model fitted beside the tuning shares the cores,
        # so its wall-clock time would count the waiting.
        c0 = time.thread_time()
        model = _fit(name, inter, fitted, tuning)
        t1 = time.perf_counter()
        own_fit_seconds[name] = time.thread_time() - c0
        fit_seconds[name] = _fit_time(model, own_fit_seconds)  # now: only components fitted so far count
        fitted[name] = model
        items[name] = model.top_items(users, max_k, exclude_seen=True)[0]
        recommend_seconds[name] = time.perf_counter() - t1

    tuned = [name for name in names if name in TUNED]
    wants_tuning = tune_params and bool(tuned)

    def choose() -> tuple[Tuning | None, float]:
        t0 = time.perf_counter()
        if not wants_tuning:
            return None, 0.0
        tuning = (tuner or tune)(parts.train, products, customers, hybrid=Hybrid.name in names,
                                 random_state=random_state, split=split, test_share=test_share, parallel=parallel)
        return tuning, time.perf_counter() - t0

    def untuned() -> None:
        for name in names:
            if name not in tuned:
                fit_and_rank(name, None)

    # The models with nothing to tune are fitted and ranked while the parameters are chosen (the
    # longest step, so in this thread, ahead of them, and ahead of the tuning's own background work:
    # the lowest priority); the hybrid reuses their fits, so it comes last.
    with alongside(untuned, parallel=parallel and wants_tuning, nice=LOWEST_PRIORITY) as untuned_job:
        tuning, tuning_seconds = choose()
        if "ease" in tuned:
            fit_and_rank("ease", tuning)
    untuned_job.result()
    if Hybrid.name in tuned:
        fit_and_rank(Hybrid.name, tuning)
    items = {name: items[name] for name in names}
    return HoldoutPredictions(
        max_k=max_k, cutoff=cutoff, holdout_weeks=weeks, users=users, held_out_customers=held_out,
        truth=truth, segments=pd.Series(inter.segments[users], index=pd.Index(users, name=C.CUSTOMER_IDX), name=C.SEGMENT),
        catalogue=inter.products.assign(**{C.PRODUCT_IDX: np.arange(inter.n_products)}),
        train_buys=_bought_pairs(inter), sales=np.asarray(inter.bought.sum(axis=0)).ravel(), items=items,
        fit_seconds=fit_seconds,
        recommend_seconds=recommend_seconds, train_interactions=int(inter.matrix.nnz),
        history=inter.has_history(users), split=split, test_share=share,
        tuning=tuning.as_dict() if tuning is not None else {},
        tuning_seconds=tuning_seconds,
    )


def score(preds: HoldoutPredictions, *, k: int) -> Evaluation:
    """The metrics of every model's top-``k`` (the first ``k`` of its top-``max_k``).

    Raises
    ------
    OmnimixError
        When ``k`` is not a positive whole number or exceeds ``preds.max_k``.
    """
    k = check_positive_int(k, "k")
    if k > preds.max_k:
        raise OmnimixError(f"k={k} is longer than the ranked lists (top {preds.max_k}); predict again with max_k >= {k}.")
    users, cols = preds.users, dict(k=k, col_user=C.CUSTOMER_IDX, col_item=C.PRODUCT_IDX)
    rows, seg_rows, fair_rows, hist_rows, seg_hist_rows = [], [], [], [], []
    history = pd.Series(preds.history if preds.history is not None else np.ones(users.size, dtype=bool),
                        index=pd.Index(users, name=C.CUSTOMER_IDX)).map(HISTORY_GROUPS).rename("history")
    for name, ranked in preds.items.items():
        items = ranked[:, :k]
        top = pd.DataFrame({C.CUSTOMER_IDX: np.repeat(users, items.shape[1]), C.PRODUCT_IDX: items.ravel(),
                            C.RANK: np.tile(np.arange(1, items.shape[1] + 1), users.size)})
        per_user = M.per_user_accuracy(preds.truth, top, **cols).reindex(users).fillna(0.0)
        rows.append({C.MODEL: name, **per_user.mean().to_dict(),
                     "coverage": M.catalogue_coverage(preds.catalogue, top, k=k, col_item=C.PRODUCT_IDX),
                     "novelty": M.novelty(preds.train_buys, top, **cols),
                     "diversity": M.intra_list_diversity(preds.catalogue, top, **cols),
                     "fit_seconds": preds.fit_seconds[name], "recommend_seconds": preds.recommend_seconds[name]})
        by_seg = per_user.join(preds.segments).groupby(C.SEGMENT)
        seg_rows.append(by_seg.mean().assign(customers=by_seg.size(), **{C.MODEL: name}).reset_index())
        by_seg_hist = per_user.join(preds.segments).join(history).groupby([C.SEGMENT, "history"])
        seg_hist_rows.append(by_seg_hist.mean().assign(customers=by_seg_hist.size(), **{C.MODEL: name}).reset_index())
        by_hist = per_user.join(history).groupby("history")
        hist_rows.append(by_hist.mean().assign(customers=by_hist.size(), **{C.MODEL: name})
                         .reindex(list(HISTORY_GROUPS.values())).dropna(subset=[C.MODEL]).reset_index())
        fair_rows.append(_fairness(name, items.ravel(), preds.catalogue, preds.sales))
    metrics = pd.DataFrame(rows)
    by_segment = pd.concat(seg_rows, ignore_index=True)[[C.MODEL, C.SEGMENT, "customers", *M.ACCURACY]]
    by_history = pd.concat(hist_rows, ignore_index=True)[[C.MODEL, "history", "customers", *M.ACCURACY]]
    by_history["customers"] = by_history["customers"].astype(int)
    by_segment_history = pd.concat(seg_hist_rows, ignore_index=True)[
        [C.MODEL, C.SEGMENT, "history", "customers", *M.ACCURACY]]
    counts = history.value_counts()
    info = {"split": preds.split, "cutoff": preds.cutoff, "holdout_weeks": preds.holdout_weeks,
            "test_share": preds.test_share, "k": k, "customers": int(users.size),
            "customers_with_history": int(counts.get(HISTORY_GROUPS[True], 0)),
            "new_customers": int(counts.get(HISTORY_GROUPS[False], 0)),
            "train_interactions": preds.train_interactions, "models": list(preds.items), "tuning": preds.tuning}
    return Evaluation(metrics, by_segment, pd.concat(fair_rows, ignore_index=True), info, preds.held_out_customers,
                      by_history, by_segment_history)


def evaluate_db(con: duckdb.DuckDBPyConnection, **kwargs: object) -> Evaluation:
    """:func:`evaluate` on a database (same keyword arguments)."""
    return evaluate(*load_data(con), **kwargs)


def predict_holdout_db(con: duckdb.DuckDBPyConnection, **kwargs: object) -> HoldoutPredictions:
    """:func:`predict_holdout` on a database (same keyword arguments)."""
    return predict_holdout(*load_data(con), **kwargs)


def load_data(con: duckdb.DuckDBPyConnection) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Log, catalogue and customers of the database; an empty catalogue is a clear error before the log is read."""
    products = load_catalogue(con)
    if products.empty:
        raise OmnimixError("The product catalogue is empty: load products before evaluating recommendations.")
    return load_log(con), products, load_customers(con)


def private_by_segment(by_segment: pd.DataFrame, *, min_size: int = MIN_GROUP_SIZE) -> pd.DataFrame:
    """``by_segment`` with segments of fewer than ``min_size`` evaluated customers blanked out.

    Shown and exported per-segment figures go through this: metrics of a handful of
    customers would describe individuals (see :mod:`core.privacy`).
    """
    return hide_groups(by_segment, "customers", min_size=min_size, value_columns=list(M.ACCURACY))


def _fit(name: str, inter: Interactions, fitted: dict[str, Recommender], tuning: Tuning | None) -> Recommender:
    """Fit ``name`` with its tuned parameters; a hybrid reuses components already fitted and fits the others."""
    params = tuning.params(name) if tuning is not None else {}
    if name == Hybrid.name:
        wanted = Hybrid(**params)._weights()
        parts = {c: fitted[c] if c in fitted else COMPONENTS[c](**(tuning.params(c) if tuning else {})).fit(inter)
                 for c in wanted}
        return Hybrid.from_fitted(parts, **params)
    return make_model(name, **params).fit(inter)


def _fit_time(model: Recommender, seconds: dict[str, float]) -> float:
    """Fit seconds of ``model``, a reusing hybrid counting its components' fits."""
    if isinstance(model, Hybrid):
        return seconds[model.name] + sum(seconds.get(c, 0.0) for c in model.components_)
    return seconds[model.name]


def _bought_pairs(inter: Interactions) -> pd.DataFrame:
    b = inter.bought.tocoo()
    return pd.DataFrame({C.CUSTOMER_IDX: b.row, C.PRODUCT_IDX: b.col})


def _fairness(name: str, items: np.ndarray, products: pd.DataFrame, sales: np.ndarray) -> pd.DataFrame:
    """Share of recommendation slots per brand and price tier vs share of catalogue and of sales.

    ``sales`` holds the order lines per product in training.
    """
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
