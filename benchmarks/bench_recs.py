"""Recommender speed: our item-kNN fit vs ``implicit``'s, one customer's top-10, a 10k evaluation.

1. Fit: ``ItemKNN`` (scipy.sparse cosine, top-100 neighbours per product) against
   ``implicit.nearest_neighbours.CosineRecommender(K=100)`` on the same customer × product
   matrix of about a million order lines (goal: ours within 2x of implicit's time).
   Skipped with a message when ``implicit`` is not installed (``pip install -e .[bench]``).
2. Latency: ``recommend(customer, 10)`` with explanations, per model, on random buyers
   (goal: under 20 ms).
3. Evaluation: every model on the time split, 10,000 held-out customers (goal: under 30 s).

    .venv/bin/python benchmarks/bench_recs.py [--db sample_data/omnimix.duckdb] [--json]

Without ``--db`` it uses ``sample_data/omnimix.duckdb``; build it with
``omnimix generate --db sample_data/omnimix.duckdb --customers 50000 --seed 42``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from core.recs import MODELS, make_model  # noqa: E402
from core.recs import columns as C  # noqa: E402
from core.recs.evaluate import evaluate  # noqa: E402
from core.recs.interactions import build_interactions, is_kind, load_catalogue, load_customers, load_log  # noqa: E402
from core.store.db import open_db  # noqa: E402

DEFAULT_DB = Path(__file__).resolve().parent.parent / "sample_data" / "omnimix.duckdb"
NEIGHBOURS = 100


def _best_of(fn, repeats: int) -> tuple[float, list[float]]:  # noqa: ANN001
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), times


def bench_fit(purchases, repeats: int) -> dict:  # noqa: ANN001
    """Best-of-``repeats`` fit times of ours and implicit's on the same matrix."""
    ours, ours_all = _best_of(lambda: make_model("item_knn", n_neighbours=NEIGHBOURS).fit(purchases), repeats)
    out = {"interactions": int(purchases.matrix.nnz), "shape": list(purchases.matrix.shape),
           "ours_seconds": ours, "ours_runs": ours_all, "implicit_seconds": None, "ratio": None}
    try:
        from implicit.nearest_neighbours import CosineRecommender
    except ImportError:
        out["implicit_note"] = "implicit is not installed (pip install -e '.[bench]'): comparison skipped."
        return out
    matrix = purchases.matrix.tocsr()
    # implicit converts its input internally and warns about it; the conversion is inside its timing.
    warnings.filterwarnings("ignore", message="Method expects CSR input")
    # Same neighbour count; implicit uses every core by default (this machine has os.cpu_count()).
    theirs, theirs_all = _best_of(
        lambda: CosineRecommender(K=NEIGHBOURS).fit(matrix, show_progress=False), repeats)
    out.update(implicit_seconds=theirs, implicit_runs=theirs_all, ratio=ours / theirs)
    single, _ = _best_of(lambda: CosineRecommender(K=NEIGHBOURS, num_threads=1).fit(matrix, show_progress=False),
                         repeats)
    out.update(implicit_1thread_seconds=single, ratio_vs_1thread=ours / single)
    return out


def bench_latency(inter, models: list[str], n_customers: int, seed: int) -> dict:  # noqa: ANN001
    """Median and 95th percentile of one customer's top-10 (with explanations), per model, in ms."""
    rng = np.random.default_rng(seed)
    buyers = np.flatnonzero(np.diff(inter.bought.indptr) > 0)
    ids = inter.customers[C.CUSTOMER].to_numpy()[rng.choice(buyers, size=n_customers, replace=False)]
    out = {}
    for name in models:
        t0 = time.perf_counter()
        model = make_model(name).fit(inter)
        fit = time.perf_counter() - t0
        model.recommend(str(ids[0]), 10)  # warm-up
        times = []
        for cid in ids:
            t0 = time.perf_counter()
            model.recommend(str(cid), 10)
            times.append((time.perf_counter() - t0) * 1000)
        out[name] = {"fit_seconds": fit, "median_ms": statistics.median(times),
                     "p95_ms": float(np.percentile(times, 95))}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--eval-customers", type=int, default=10_000)
    parser.add_argument("--latency-customers", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not args.db.exists():
        sys.exit(f"No database at {args.db}; run: omnimix generate --db {args.db} --customers 50000 --seed 42")

    t0 = time.perf_counter()
    with open_db(args.db, read_only=True) as con:
        log, products, customers = load_log(con), load_catalogue(con), load_customers(con)
    load_seconds = time.perf_counter() - t0
    buys = log[is_kind(log, C.PURCHASE)]
    t0 = time.perf_counter()
    purchases = build_interactions(buys, products, customers)
    inter = build_interactions(log, products, customers)
    build_seconds = time.perf_counter() - t0

    fit = bench_fit(purchases, args.repeats)
    latency = bench_latency(inter, list(MODELS), args.latency_customers, seed=0)
    t0 = time.perf_counter()
    ev = evaluate(log, products, customers, k=10, holdout_weeks=8, max_customers=args.eval_customers)
    eval_seconds = time.perf_counter() - t0

    result = {
        "db": str(args.db), "cpu_count": os.cpu_count(), "log_rows": len(log), "order_lines": len(buys),
        "load_seconds": load_seconds, "build_seconds": build_seconds, "fit": fit, "latency": latency,
        "evaluation": {"customers": ev.info["customers"], "seconds": eval_seconds,
                       "per_model": ev.metrics.set_index("model")[["fit_seconds", "recommend_seconds"]].to_dict("index")},
    }
    if args.json:
        print(json.dumps(result, indent=2, default=str))
        return
    print(f"Database {args.db}: {len(log):,} interactions ({len(buys):,} order lines), "
          f"{len(customers):,} customers × {len(products):,} products; {os.cpu_count()} CPU cores.")
    print(f"Read {load_seconds:.1f} s, built both matrices {build_seconds:.1f} s.\n")
    print(f"1. Item-item cosine fit on {fit['interactions']:,} non-zero customer × product cells "
          f"(order lines), top-{NEIGHBOURS} neighbours, best of {args.repeats}:")
    print(f"   ours (scipy.sparse)           {fit['ours_seconds']:7.3f} s")
    if fit["implicit_seconds"] is None:
        print(f"   implicit                      skipped - {fit['implicit_note']}")
    else:
        print(f"   implicit CosineRecommender    {fit['implicit_seconds']:7.3f} s (all cores)  "
              f"ratio ours/implicit {fit['ratio']:.2f}x (goal <= 2x)")
        print(f"   implicit, num_threads=1       {fit['implicit_1thread_seconds']:7.3f} s  "
              f"ratio {fit['ratio_vs_1thread']:.2f}x")
    print(f"\n2. One customer's top-10 with explanations ({args.latency_customers} random buyers; goal < 20 ms), "
          f"models fit on all {inter.matrix.nnz:,} interactions:")
    for name, r in latency.items():
        print(f"   {name:<16} median {r['median_ms']:6.1f} ms  p95 {r['p95_ms']:6.1f} ms  (fit {r['fit_seconds']:.1f} s)")
    print(f"\n3. Evaluation of {len(ev.metrics)} models on {ev.info['customers']:,} held-out customers "
          f"(last 8 weeks, k=10): {eval_seconds:.1f} s (goal < 30 s)")
    for name, r in result["evaluation"]["per_model"].items():
        print(f"   {name:<16} fit {r['fit_seconds']:5.1f} s  top-10 for all {r['recommend_seconds']:5.1f} s")


if __name__ == "__main__":
    main()
