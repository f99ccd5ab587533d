"""Recommendation commands: recommend (one customer) and evaluate-recs (all models, time or random split)."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.commands.output import add_json_flag, emit
from core.settings import read_settings
from core.store.db import DEFAULT_DB, open_db

MODEL_NAMES = ("popular", "popular_segment", "item_knn", "user_knn", "content", "ease", "hybrid")
"""The recommenders' names (``core.recs.MODELS``), listed here so ``omnimix --help`` does not import
scikit-learn; a test keeps the two equal."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("recommend", help="top-N products for one customer, with the reason for each")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.add_argument("--customer", required=True, help="customer id as in the customers table")
    p.add_argument("--model", default="hybrid", help=f"one of: {', '.join(MODEL_NAMES)} (default hybrid)")
    p.add_argument("--n", type=int, default=10, help="number of products (default 10)")
    p.add_argument("--include-bought", action="store_true", help="also recommend products the customer already bought")
    add_json_flag(p)
    p.set_defaults(handler=_recommend)

    p = sub.add_parser("evaluate-recs", help="offline evaluation of every recommender on a time (or random) split")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.add_argument("--k", type=int, default=10, help="list length the metrics look at (default 10)")
    p.add_argument("--holdout-weeks", type=int, default=8, help="last N weeks held out as truth (default 8)")
    p.add_argument("--max-customers", type=int, default=None, help="evaluate a seeded sample of held-out customers")
    p.add_argument("--split", choices=("time", "random"), default="time",
                   help="time: the last weeks are the truth (default); random: a share of each customer's products")
    p.add_argument("--test-share", type=float, default=0.25, help="random split: share held out per customer (0.25)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random split and of the customer sample (0)")
    add_json_flag(p)
    p.set_defaults(handler=_evaluate)


def _recommend(args: argparse.Namespace) -> int:
    from core.recs import EASE, Hybrid, build_interactions, make_model
    from core.recs.base import check_n
    from core.recs.evaluate import load_data
    from core.recs.stored import tuning_for_db_file
    from core.recs.tuning import tuned_model

    check_n(args.n)
    make_model(args.model)  # unknown model fails before the data is read
    with open_db(args.db, read_only=True) as con:
        currency = read_settings(con).currency
        log, products, customers = load_data(con)
        # EASE's λ and the hybrid's weights, chosen on the last weeks once per database file.
        tuning = tuning_for_db_file(args.db, con=con) if args.model in (EASE.name, Hybrid.name) else None
    inter = build_interactions(log, products, customers)
    model = tuned_model(args.model, inter, log, products, customers, tuning=tuning)
    recs = model.recommend([args.customer], args.n, exclude_seen=not args.include_bought)
    lines = [f"Top {len(recs)} for customer {args.customer} ({model.label}):"]
    lines += [f"{r.rank:>3}. {r.name} ({r.category}, {currency.amount(r.price)}) - {r.explanation}" for r in recs.itertuples()]
    payload = {"currency": currency.code, "customer_id": args.customer, "model": args.model, "n": args.n,
               "exclude_bought": not args.include_bought, "recommendations": recs.drop(columns=["customer_id"])}
    return emit(args, payload, "\n".join(lines))


def _evaluate(args: argparse.Namespace) -> int:
    from core.recs.evaluation_cache import evaluate_db  # the λ and weights chosen on the training weeks, cached
    from core.recs.segment_privacy import private_segment_views

    with open_db(args.db, read_only=True) as con:
        currency = read_settings(con).currency
        ev = evaluate_db(con, k=args.k, holdout_weeks=args.holdout_weeks, max_customers=args.max_customers,
                         split=args.split, test_share=args.test_share, random_state=args.seed)
    info = ev.info
    if info["split"] == "time":
        head = (f"Time split at {info['cutoff']:%Y-%m-%d} (last {info['holdout_weeks']} weeks held out), "
                f"{info['customers']:,} customers, k={info['k']}")
    else:
        head = (f"Random split: {info['test_share']:.0%} of each customer's products held out (seed {args.seed}), "
                f"{info['customers']:,} customers, k={info['k']}")
    head += (f"; {info['customers_with_history']:,} with a history before it, {info['new_customers']:,} new.\n"
             "All customers:")
    cols = ["model", "precision", "recall", "ndcg", "map", "hit_rate", "coverage", "novelty", "diversity"]
    fmt = {"index": False, "float_format": lambda v: f"{v:.4f}"}
    text = head + "\n" + ev.metrics[cols].to_string(**fmt)
    for group, part in ev.by_history.groupby("history", sort=False):
        text += (f"\n\nCustomers {group} ({int(part['customers'].iloc[0]):,}):\n"
                 + part.drop(columns="history").to_string(**fmt))
    tuning = info.get("tuning") or {}
    if tuning.get("validation_customers"):
        where = (f"the {tuning['validation_weeks']} weeks before {tuning['validation_cutoff']:%Y-%m-%d}"
                 if tuning["validation_cutoff"] is not None else "a random share of each customer's training products")
        ease = ", ".join(f"{k.replace('_', ' ')} {v:g}" for k, v in tuning["ease_params"].items() if k != "l2")
        gamma = tuning.get("brand_affinity_params", {}).get("concentration")
        text += (f"\n\nChosen on {where} (training data only): EASE λ = {tuning['l2']:g}"
                 + (f" ({ease})" if ease else "")
                 + (f"; brand affinity concentration {gamma:g}" if gamma is not None else "")
                 + "; hybrid weights " + ", ".join(f"{k} {w:.2f}" for k, w in tuning["hybrid_weights"].items()) + ".")
    payload = {**info, "currency": currency.code, "metrics": ev.metrics, "by_history": ev.by_history,
               "fairness": ev.fairness}
    payload["by_segment"], payload["by_segment_history"] = private_segment_views(ev.by_segment, ev.by_segment_history)
    return emit(args, payload, text)
