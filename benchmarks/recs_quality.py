"""Helpers of ``bench_recs.py`` for issue 16: accuracy per model (with history / new), EASE scaling, MovieLens-100k.

Kept apart so ``bench_recs.py`` stays readable; run through ``bench_recs.py --quality`` etc.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from core.recs.ease import ease_weights, gram
from core.recs.evaluate import evaluate
from core.recs.interactions import price_tiers

OLD_MODELS = ["popular", "popular_segment", "item_knn", "user_knn", "content", "hybrid"]
"""The models before issue 16; the hybrid then had fixed weights (``tune_params=False`` keeps them)."""


def quality(log: pd.DataFrame, products: pd.DataFrame, customers: pd.DataFrame, *, max_customers: int | None,
            seed: int = 0) -> dict:
    """NDCG@10 per model on the time split, all customers and those with a history, before and after issue 16."""
    t0 = time.perf_counter()
    before = evaluate(log, products, customers, k=10, models=OLD_MODELS, max_customers=max_customers,
                      random_state=seed, tune_params=False)
    t1 = time.perf_counter()
    after = evaluate(log, products, customers, k=10, max_customers=max_customers, random_state=seed)
    t2 = time.perf_counter()

    def table(ev) -> dict:  # noqa: ANN001
        warm = ev.by_history[ev.by_history["history"] == "with history"].set_index("model")["ndcg"]
        new = ev.by_history[ev.by_history["history"] == "new"].set_index("model")["ndcg"]
        return {m: {"ndcg": float(n), "ndcg_with_history": float(warm.get(m, np.nan)),
                    "ndcg_new": float(new.get(m, np.nan))}
                for m, n in ev.metrics.set_index("model")["ndcg"].items()}

    old, new = table(before), table(after)
    best_old = max(old, key=lambda m: old[m]["ndcg_with_history"])
    return {"customers": after.info["customers"], "customers_with_history": after.info["customers_with_history"],
            "new_customers": after.info["new_customers"], "before": old, "after": new,
            "best_before": best_old, "tuning": after.info["tuning"],
            "ratio_hybrid_vs_best_before": new["hybrid"]["ndcg_with_history"] / old[best_old]["ndcg_with_history"],
            "ratio_ease_vs_best_before": new["ease"]["ndcg_with_history"] / old[best_old]["ndcg_with_history"],
            "seconds_before": t1 - t0, "seconds_after": t2 - t1}


def ease_scaling(sizes: list[int], *, customers: int = 50_000, per_customer: int = 38, seed: int = 0) -> list[dict]:
    """EASE fit time and peak traced memory (numpy arrays) on synthetic matrices with ``sizes`` products."""
    rng = np.random.default_rng(seed)
    out = []
    for n in sizes:
        rows = np.repeat(np.arange(customers), per_customer)
        # Zipf-like popularity, as in a shop: a few products take most interactions.
        cols = np.minimum(rng.zipf(1.3, size=rows.size) - 1, n - 1)
        x = sp.csr_matrix((np.ones(rows.size, dtype=np.float32), (rows, cols)), shape=(customers, n))
        x.sum_duplicates()
        gc.collect()
        tracemalloc.start()
        t0 = time.perf_counter()
        g = gram(x)
        t1 = time.perf_counter()
        ease_weights(g, 500.0)
        t2 = time.perf_counter()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del g
        out.append({"products": n, "nnz": int(x.nnz), "gram_seconds": t1 - t0, "inverse_seconds": t2 - t1,
                    "peak_mb": peak / 1e6})
    return out


def movielens_100k(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """MovieLens-100k as (log, products, customers) from RecBole's wheel (``recbole/dataset_example/ml-100k``)
    or a folder holding ``ml-100k.inter`` and ``ml-100k.item``; every rating counts as one purchase."""
    def read(name: str) -> pd.DataFrame:
        if path.suffix == ".whl":
            with zipfile.ZipFile(path) as z:
                with z.open(f"recbole/dataset_example/ml-100k/{name}") as f:
                    return pd.read_csv(f, sep="\t")
        return pd.read_csv(path / name, sep="\t")

    inter, items = read("ml-100k.inter"), read("ml-100k.item")
    inter.columns = [c.split(":")[0] for c in inter.columns]
    items.columns = [c.split(":")[0] for c in items.columns]
    users = np.sort(inter["user_id"].unique())
    movies = np.sort(items["item_id"].unique())
    products = pd.DataFrame({"product_id": [f"M{m:05d}" for m in movies],
                             "name": items.set_index("item_id").loc[movies, "movie_title"].astype(str).to_numpy(),
                             "category": items.set_index("item_id").loc[movies, "class"].astype(str)
                             .str.split(" ").str[0].to_numpy(),
                             "brand": "(no brand)", "price": 1.0, "description": ""})
    products["price_tier"] = price_tiers(products)
    customers = pd.DataFrame({"customer_id": [f"U{u:05d}" for u in users], "signup_date": pd.NaT, "region": None,
                              "age_band": None, "acquisition_channel": None})
    log = pd.DataFrame({"customer_idx": np.searchsorted(users, inter["user_id"]).astype(np.int32),
                        "product_idx": np.searchsorted(movies, inter["item_id"]).astype(np.int32),
                        "ts": pd.to_datetime(inter["timestamp"], unit="s"), "kind": "purchase", "channel": "ml"})
    for col in ("kind", "channel"):
        log[col] = log[col].astype("category")
    return log, products, customers


def movielens_quality(path: Path, seeds: list[int]) -> dict:
    """Per-user random 75/25 split of MovieLens-100k: every model's NDCG@10 and precision@10, per seed."""
    log, products, customers = movielens_100k(path)
    out = {}
    for seed in seeds:
        t0 = time.perf_counter()
        ev = evaluate(log, products, customers, k=10, split="random", test_share=0.25, random_state=seed)
        m = ev.metrics.set_index("model")
        out[seed] = {"seconds": time.perf_counter() - t0, "customers": ev.info["customers"],
                     "l2": ev.info["tuning"].get("l2"), "hybrid_weights": ev.info["tuning"].get("hybrid_weights"),
                     "ndcg": m["ndcg"].to_dict(), "precision": m["precision"].to_dict()}
    return out


def stratified_split(log: pd.DataFrame, *, ratio: float = 0.75, seed: int = 42) -> tuple[pd.DataFrame, pd.DataFrame]:
    """microsoft/recommenders' ``python_stratified_split(data, ratio, seed)`` (recommenders/datasets/python_splitters.py).

    Same steps: ``np.random.seed(seed)``, one uniform draw per row in the file's order, rows
    sorted by (user, draw), ``rank = (position in user + 1) / user's count``, training = ``rank <= ratio``.
    A user with ``n`` ratings keeps ``floor(ratio × n)`` of them (ours, :func:`core.recs.split.random_split`,
    holds out ``round(0.25 × n)``).  Returns (train, test) rows of ``log``.
    """
    np.random.seed(seed)  # the published splitter seeds numpy's global generator; reproduced as is
    draw = np.random.rand(len(log))
    order = np.lexsort((draw, log["customer_idx"].to_numpy()))
    users = log["customer_idx"].to_numpy()[order]
    counts = np.bincount(users)[users]
    position = np.arange(len(order)) - np.searchsorted(users, users, side="left")
    keep = (position + 1) / counts <= ratio
    return log.iloc[order[keep]], log.iloc[order[~keep]]


def movielens_published(path: Path, seeds: list[int], *, l2: float = 500.0) -> dict:
    """MovieLens-100k on microsoft/recommenders' protocol: its stratified 75/25 split, every rating a 1.

    Per seed: EASE with ``l2`` on the binary user × item matrix (the published setting, nothing
    chosen), and our pipeline on the same split (EASE's parameters and the hybrid's weights
    chosen by :func:`core.recs.tuning.tune` on random validation shares of the training ratings,
    the log1p-weighted matrix).  Metrics from
    :mod:`core.recs.metrics` (binary NDCG@10, ideal over min(relevant, 10), trained items left
    out, averaged over the test users).
    """
    import dataclasses

    from core.recs import make_model
    from core.recs import metrics as M
    from core.recs.ease import EASE
    from core.recs.interactions import build_interactions
    from core.recs.tuning import tune, tuned_model

    log, products, customers = movielens_100k(path)
    out = {}
    for seed in seeds:
        t0 = time.perf_counter()
        train, test = stratified_split(log, seed=seed)
        inter = build_interactions(train, products, customers)
        truth = test[["customer_idx", "product_idx"]].drop_duplicates()
        users = np.sort(truth["customer_idx"].unique())
        binary = dataclasses.replace(inter, matrix=(inter.matrix > 0).astype(np.float32))
        t1 = time.perf_counter()
        tuning = tune(train, products, customers, split="random", random_state=seed)
        tuning_seconds = time.perf_counter() - t1
        models = {f"ease_binary_l2_{l2:g}": EASE(l2=l2).fit(binary), "popular": make_model("popular").fit(inter),
                  "user_knn": make_model("user_knn").fit(inter),
                  "ease": tuned_model("ease", inter, None, None, None, tuning=tuning),
                  "hybrid": tuned_model("hybrid", inter, None, None, None, tuning=tuning)}
        row = {"test_ratings": len(truth), "users": int(users.size), "l2": tuning.l2,
               "ease_params": tuning.params("ease"), "tuning_seconds": tuning_seconds,
               "hybrid_weights": tuning.weights, "ndcg": {}, "precision": {}}
        for name, model in models.items():
            items = model.top_items(users, 10, exclude_seen=True)[0]
            top = pd.DataFrame({"customer_idx": np.repeat(users, 10), "product_idx": items.ravel(),
                                "rank": np.tile(np.arange(1, 11), users.size)})
            per_user = M.per_user_accuracy(truth, top, k=10, col_user="customer_idx", col_item="product_idx")
            row["ndcg"][name] = float(per_user["ndcg"].reindex(users).fillna(0).mean())
            row["precision"][name] = float(per_user["precision"].reindex(users).fillna(0).mean())
        row["seconds"] = time.perf_counter() - t0
        out[seed] = row
    return out


def tuning_cost(log: pd.DataFrame, products: pd.DataFrame, customers: pd.DataFrame) -> dict:
    """Wall and CPU seconds of ``tune`` on all data (what the page's warm-up runs): plain EASE's λ grid vs every option."""
    from core.recs.ease_search import L2_GRID
    from core.recs.tuning import tune

    out = {}
    for label, grid in (("plain_l2", {"l2": L2_GRID}), ("all_options", None)):
        c0, t0 = time.process_time(), time.perf_counter()
        t = tune(log, products, customers, ease_grid=grid)
        out[label] = {"seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - c0,
                      "ease": t.params("ease"), "points": len(t.ease_ndcg), "hybrid_validation_ndcg": t.weights_ndcg}
    return out


def tune_all(log: pd.DataFrame, products: pd.DataFrame, customers: pd.DataFrame):  # noqa: ANN201
    """EASE's λ and the hybrid's weights on the last weeks of all data, as the page and ``omnimix recommend``."""
    from core.recs.tuning import tune

    return tune(log, products, customers)


def tuned(name: str, inter, tuning):  # noqa: ANN001, ANN201
    """Model ``name`` fitted on ``inter`` with ``tuning``'s parameters (defaults when ``tuning`` is None)."""
    from core.recs import make_model
    from core.recs.tuning import tuned_model

    if tuning is None:
        return make_model(name).fit(inter)
    return tuned_model(name, inter, None, None, None, tuning=tuning)


def factor_models(log: pd.DataFrame, products: pd.DataFrame, customers: pd.DataFrame, *, split: str) -> dict:
    """Validation NDCG@10 of ``implicit``'s ALS (a small grid) and BPR against EASE, on the training-only validation split.

    ``log`` is the training part; ``split`` the validation kind ("time" or "random").  Needs
    ``pip install -e '.[bench]'`` (implicit 0.7).  Single-threaded, as on a shared server.
    """
    from implicit.als import AlternatingLeastSquares
    from implicit.bpr import BayesianPersonalizedRanking

    from core.recs.blend_search import _ranked, ndcg_at_k
    from core.recs.tuning import validation_split

    val = validation_split(log, products, customers, split=split)
    inter, users = val.interactions, val.users
    x = inter.matrix.tocsr()

    def quality(scores: np.ndarray) -> float:
        return ndcg_at_k(_ranked(scores, users, inter, 10), users, val.truth, inter.n_products)

    out = {"ease_l2_250": quality(np.asarray(x[users] @ ease_weights(gram(x), 250.0)))}
    for factors in (64, 128):
        for reg in (0.01, 0.1):
            for alpha in (1.0, 10.0):
                model = AlternatingLeastSquares(factors=factors, regularization=reg, alpha=alpha, iterations=15,
                                                random_state=0, num_threads=1)
                t0 = time.perf_counter()
                model.fit(x, show_progress=False)
                out[f"als_f{factors}_reg{reg}_alpha{alpha}"] = quality(model.user_factors[users] @ model.item_factors.T)
                out[f"als_f{factors}_reg{reg}_alpha{alpha}_fit_seconds"] = time.perf_counter() - t0
    bpr = BayesianPersonalizedRanking(factors=64, iterations=100, random_state=0, num_threads=1)
    bpr.fit(x, show_progress=False)
    out["bpr_f64"] = quality(bpr.user_factors[users] @ bpr.item_factors.T)
    return out


VARIANT_GRID = {"l2": (500.0, 700.0, 1000.0, 1500.0), "dropout": (0.0, 0.33, 0.5, 0.67, 0.75), "user_exponent": (0.0, 0.5),
                "pop_exponent": (0.0, 0.1, 0.15, 0.2), "svd_rank": (10, 20), "svd_weight": (0.0, 0.25, 0.5, 1.0)}
"""Grid of :func:`movielens_variants`; every value is chosen on validation, per variant and seed."""
VARIANTS = {"ease": ("dropout", "user_exponent", "pop_exponent", "svd_weight"),
            "ease_pop": ("dropout", "user_exponent", "svd_weight"),
            "edlae_userdeg_pop": ("svd_weight",),
            "ease_svd_pop": ("dropout", "user_exponent"),
            "edlae_userdeg_svd_pop": ()}
"""Variant name: the parameters it holds at 0 (the others are searched on :data:`VARIANT_GRID`)."""


def _variant_scores(x: np.ndarray, p: dict, cache: dict) -> np.ndarray:
    """Scores of one variant on the dense 0/1 matrix ``x`` (rows: users); inverses and SVDs cached in ``cache``.

    EASE on ``Xᵀ D X`` (``D``: user degree ^ −user_exponent, λ rescaled by the mean of that Gram
    over the plain one) with EDLAE's dropout penalty ``p / (1 − p) · diag(G)`` added to λ;
    plus ``svd_weight`` × the rank-``svd_rank`` PureSVD scores ``X V Vᵀ`` (both row-max scaled);
    divided by (item popularity + 1) ^ pop_exponent.
    """
    key = (p["l2"], p["dropout"], p["user_exponent"])
    if key not in cache:
        deg = x.sum(axis=1)
        g = x.T @ (x * (np.where(deg > 0, deg, 1.0) ** -p["user_exponent"])[:, None])
        scale = g.mean() / cache.setdefault("plain_mean", (x.T @ x).mean())
        a = g.copy()
        a[np.diag_indices_from(a)] += p["l2"] * scale + p["dropout"] / (1 - p["dropout"]) * np.diag(g)
        inv = np.linalg.inv(a)
        b = -inv / np.diag(inv)[None, :]
        np.fill_diagonal(b, 0.0)
        cache[key] = _row_max(x @ b)
    scores = cache[key]
    if p["svd_weight"] > 0:
        skey = ("svd", p["svd_rank"])
        if skey not in cache:
            v = np.linalg.svd(x, full_matrices=False)[2][: p["svd_rank"]].T
            cache[skey] = _row_max(x @ v @ v.T)
        scores = scores + p["svd_weight"] * cache[skey]
    if p["pop_exponent"] > 0:
        scores = scores / (x.sum(axis=0) + 1.0) ** p["pop_exponent"]
    return scores


def _row_max(s: np.ndarray) -> np.ndarray:
    m = np.abs(s).max(axis=1, keepdims=True)
    return s / np.where(m > 0, m, 1.0)


def _accuracy(scores: np.ndarray, x: np.ndarray, truth: np.ndarray, k: int = 10) -> tuple[float, float]:
    """Mean NDCG@k and precision@k over the users with a truth (seen items left out), as :mod:`core.recs.metrics`."""
    users = np.flatnonzero(truth.sum(axis=1) > 0)
    s = np.where(x[users] > 0, -np.inf, scores[users])
    part = np.argpartition(-s, k - 1, axis=1)[:, :k]
    top = np.take_along_axis(part, np.argsort(-np.take_along_axis(s, part, 1), axis=1, kind="stable"), 1)
    hit = np.take_along_axis(truth[users], top, 1)
    disc = 1 / np.log2(np.arange(2, k + 2))
    ideal = np.concatenate([[0.0], np.cumsum(disc)])[np.minimum(truth[users].sum(axis=1), k).astype(int)]
    return float(np.mean((hit * disc).sum(axis=1) / ideal)), float(hit.sum(axis=1).mean() / k)


def movielens_variants(path: Path, seeds: list[int]) -> dict:
    """EASE variants on microsoft/recommenders' split (:func:`stratified_split`), every parameter chosen on validation.

    Per seed, the validation is a random quarter of each user's *training* ratings
    (:func:`core.recs.split.random_split`, as ``tune(split="random")``); every point of
    :data:`VARIANT_GRID` is scored there once, each variant of :data:`VARIANTS` takes its best
    point (ties: first in grid order), is refitted on all training ratings and scored once on the
    test share.  Dense users × items arrays: a benchmark on 943 × 1,682, not product code.
    """
    import itertools

    from core.recs.split import random_split

    log, _, _ = movielens_100k(path)
    shape = (int(log["customer_idx"].max()) + 1, int(log["product_idx"].max()) + 1)

    def dense(pairs: pd.DataFrame) -> np.ndarray:
        out = np.zeros(shape)
        out[pairs["customer_idx"].to_numpy(), pairs["product_idx"].to_numpy()] = 1.0
        return out

    points = [dict(zip(VARIANT_GRID, values, strict=True)) for values in itertools.product(*VARIANT_GRID.values())]
    points = [p for p in points if p["svd_weight"] > 0 or p["svd_rank"] == VARIANT_GRID["svd_rank"][0]]
    out = {}
    for seed in seeds:
        t0 = time.perf_counter()
        train, test = stratified_split(log, seed=seed)
        val = random_split(train, test_share=0.25, seed=seed)
        xv, tv = dense(val.train), dense(val.truth)
        cache: dict = {}
        val_ndcg = [_accuracy(_variant_scores(xv, p, cache), xv, tv)[0] for p in points]
        x, truth = dense(train), dense(test)
        cache = {}
        row = {}
        for name, zero in VARIANTS.items():
            allowed = [i for i, p in enumerate(points) if all(p[z] == 0 for z in zero)]
            best = max(allowed, key=lambda i: (val_ndcg[i], -i))
            ndcg, precision = _accuracy(_variant_scores(x, points[best], cache), x, truth)
            params = {k: v for k, v in points[best].items() if k not in zero}
            if not params.get("svd_weight"):
                params.pop("svd_rank")
            row[name] = {"params": params, "validation_ndcg": val_ndcg[best], "ndcg": ndcg, "precision": precision}
        out[seed] = {"variants": row, "points": len(points), "seconds": time.perf_counter() - t0}
    return out
