"""Segments command: K-means customer segments with names, profiles and membership export."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.commands.options import add_filter_args, filters_from_args, seed_arg
from core.commands.output import add_json_flag, emit
from core.settings import read_settings
from core.store.db import DEFAULT_DB, open_db


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("segments", help="K-means customer segments: sizes, names, profiles, membership CSV")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.add_argument("--k", type=int, default=6, help="number of segments, 2-12 (default 6)")
    p.add_argument("--seed", type=seed_arg, default=0, help="random seed (same seed, same segments; default 0)")
    p.add_argument("--features", default="rfm,channel,category",
                   help="feature groups to cluster on, comma-separated: rfm, channel, category (default all)")
    p.add_argument("--out", type=Path, help="write membership (customer_id, segment, name) to this CSV file")
    add_filter_args(p)
    p.add_argument("--diagnose", action="store_true", help="also score k = 2..12 and suggest a k")
    add_json_flag(p)
    p.set_defaults(handler=_segments)


def _segments(args: argparse.Namespace) -> int:
    from core.privacy import MIN_GROUP_SIZE, SMALL, cell_text, flag_column
    from core.segments.clustering import diagnose, suggest_k, validate_k
    from core.segments.columns import CUSTOMER, CUSTOMERS, NAME, RFM_GROUP, SEGMENT
    from core.segments.export import membership, public_profiles, write_membership
    from core.segments.features import MONETARY, customer_features, validate_groups
    from core.segments.pipeline import segment
    from core.segments.rfm import rfm_groups, rfm_table

    # Check the cheap inputs before reading the data.
    validate_k(args.k)
    groups = validate_groups(args.features)
    with open_db(args.db, read_only=True) as con:
        currency = read_settings(con).currency
        features = customer_features(con, filters_from_args(args, con))
    seg = segment(features, k=args.k, seed=args.seed, groups=groups)
    profiles = public_profiles(seg.profiles.summary, seg.profiles.means)
    rfm = rfm_groups(rfm_table(features.table), features.table.set_index(CUSTOMER)[MONETARY])
    hidden = SMALL if features.n_customers < MIN_GROUP_SIZE else None
    customers = None if hidden else features.n_customers
    payload = {
        "db": str(args.db), "currency": currency.code, "k": seg.k, "seed": seg.seed, "features": list(groups),
        "customers": customers, "customers_hidden": hidden, "reference_date": features.reference_date,
        "algorithm": seg.model.algorithm_, "silhouette": seg.silhouette,
        "segments": profiles, "rfm_groups": rfm,
    }
    lines = [f"{cell_text(customers, hidden)} customers, k = {seg.k}, features {', '.join(groups)}, "
             f"silhouette {seg.silhouette:.3f} (seed {seg.seed}):"]
    lines += [f"{r[SEGMENT]:>3}. {r[NAME]} - {cell_text(r[CUSTOMERS], r[flag_column(CUSTOMERS)])} customers"
              for r in profiles.to_dict("records")]
    lines += ["", "RFM groups:"] + [f"  {r[RFM_GROUP]} - {cell_text(r['customers'], r['customers_hidden'])} customers"
                                    for r in rfm.to_dict("records")]
    if args.diagnose:
        from core.segments.preprocess import evidence_weights

        diag = diagnose(seg.matrix(), random_state=args.seed, sample_weight=evidence_weights(features.table))
        best, reason = suggest_k(diag)
        payload["diagnostics"], payload["suggested_k"], payload["suggested_k_reason"] = diag, best, reason
        lines += ["", diag.to_string(index=False, float_format=lambda v: f"{v:.3f}"), f"Suggested: {reason}"]
    if args.out is not None:
        rows = write_membership(membership(features.table["customer_id"], seg.labels, seg.profiles.names()), args.out)
        payload["out"], payload["rows_written"] = str(args.out), rows
        lines.append(f"Wrote {rows:,} rows to {args.out} (segments under 50 customers exported as 'Other').")
    return emit(args, payload, "\n".join(lines))
