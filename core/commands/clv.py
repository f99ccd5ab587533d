"""CLV command: repeat-purchase and spend models, per-customer value and churn-risk tiers, holdout check."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path

from core.commands.options import add_filter_args, filters_from_args
from core.commands.output import add_json_flag, emit
from core.errors import OmnimixError
from core.settings import read_settings
from core.store.db import DEFAULT_DB, open_db

MODEL_NAMES = {"auto": "auto", "bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD", "paretonbd": "Pareto/NBD"}
"""``--model`` values and the model names of :mod:`core.clv.model`."""

EXPORT_COLUMNS = ["customer_id", "frequency", "recency", "T", "monetary_value", "p_alive", "expected_orders",
                  "expected_order_value", "clv", "tier"]
"""Columns of the ``--out`` file: ids and figures only, no personal data."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("clv", help="customer lifetime value: probability active, expected orders, CLV, churn-risk tiers")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.add_argument("--horizon-weeks", type=int, default=52, help="weeks ahead to value (default 52)")
    p.add_argument("--discount", type=float, default=0.01, help="monthly discount rate, e.g. 0.01 for 1%% (default 0.01)")
    p.add_argument("--model", choices=sorted(MODEL_NAMES), default="auto",
                   help="repeat-purchase model; auto (default) compares them on the last weeks of the data and uses "
                        "the one that predicted them best")
    p.add_argument("--holdout-weeks", type=int,
                   help="fit on the data before the last N weeks and compare predictions with those weeks "
                        "(auto: default 26 weeks, at most a third of the history)")
    p.add_argument("--cutoff", help="fit on orders up to this date, YYYY-MM-DD (default: the end of the data)")
    add_filter_args(p)
    p.add_argument("--out", type=Path, help="write one row per customer (ids and figures) to this CSV file")
    add_json_flag(p)
    p.set_defaults(handler=_clv)


def check_options(horizon_weeks: int, discount: float, holdout_weeks: int | None, cutoff: str | None) -> dt.date | None:
    """Refuse impossible options before any data is read; returns the cutoff as a date.

    Raises
    ------
    OmnimixError
        One sentence naming the option.
    """
    if horizon_weeks <= 0:
        raise OmnimixError(f"--horizon-weeks must be a positive number of weeks (got {horizon_weeks}).")
    if not discount >= 0:  # also refuses NaN
        raise OmnimixError(f"--discount must be a monthly rate of 0 or more, e.g. 0.01 (got {discount}).")
    if holdout_weeks is not None and holdout_weeks <= 0:
        raise OmnimixError(f"--holdout-weeks must be a positive number of weeks (got {holdout_weeks}).")
    if cutoff is None:
        return None
    try:
        return dt.date.fromisoformat(cutoff)
    except ValueError:
        raise OmnimixError(f"--cutoff must be a date written YYYY-MM-DD (got '{cutoff}').") from None


def write_customers(customers, path: Path) -> int:
    """Write the per-customer table as CSV through a temporary file, so a reader never sees half of it."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        customers[EXPORT_COLUMNS].to_csv(tmp, index=False)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return len(customers)


def public_tiers(tier_counts) -> object:
    """Tier sizes as a DataFrame (tier, customers); tiers under 50 customers hidden (:mod:`core.privacy`)."""
    import pandas as pd

    from core.privacy import hide_groups

    counts = tier_counts if isinstance(tier_counts, pd.Series) else pd.Series(tier_counts)
    df = pd.DataFrame({"tier": [str(t) for t in counts.index], "customers": counts.to_numpy(dtype=float)})
    return hide_groups(df, "customers", partition=True)


def public_by_frequency(by_frequency) -> object:
    """The holdout's predicted vs actual by number of past purchases; groups under 50 customers hidden."""
    from core.privacy import hide_groups

    count = next((c for c in ("customers", "n_customers", "count") if c in by_frequency.columns), None)
    if count is None:
        return by_frequency
    return hide_groups(by_frequency, count, partition=True)


def _clv(args: argparse.Namespace) -> int:
    from core.clv.model import fit_clv
    from core.formatting import format_value
    from core.privacy import MIN_GROUP_SIZE, SMALL, cell_text

    cutoff = check_options(args.horizon_weeks, args.discount, args.holdout_weeks, args.cutoff)
    with open_db(args.db, read_only=True) as con:
        currency = read_settings(con).currency
        filters = filters_from_args(args, con)
        result = fit_clv(con, cutoff=cutoff, horizon_weeks=args.horizon_weeks, discount_monthly=args.discount,
                         model=MODEL_NAMES[args.model], holdout_weeks=args.holdout_weeks, filters=filters)
    customers = result.customers
    n = len(customers)
    hidden = SMALL if n < MIN_GROUP_SIZE else None
    totals = {
        "customers": None if hidden else n, "customers_hidden": hidden,
        "expected_orders": None if hidden else float(customers["expected_orders"].sum()),
        "expected_revenue": None if hidden else float((customers["expected_orders"]
                                                        * customers["expected_order_value"]).sum()),
        "clv": None if hidden else float(customers["clv"].sum()),
    }
    tiers = public_tiers(result.tier_counts)
    payload = {
        "db": str(args.db), "currency": currency.code, "model": result.model_name, "model_choice": result.choice, "params": result.params, "spend_params": result.spend_params,
        "cutoff": result.cutoff, "horizon_weeks": result.horizon_weeks, "discount_monthly": args.discount,
        "totals": totals, "tiers": tiers,
    }
    eur = lambda v: format_value(v, "money", currency)  # noqa: E731
    lines = [
        f"{result.model_name} + Gamma-Gamma fitted on orders up to {result.cutoff}; "
        f"value over the next {result.horizon_weeks} weeks at {args.discount:.1%} discount a month.",
        f"  model: {result.choice}",
        f"  {cell_text(totals['customers'], hidden)} customers: expected "
        f"{cell_text(totals['expected_orders'], hidden)} orders, {eur(totals['expected_revenue'])} revenue, "
        f"CLV sum {eur(totals['clv'])}.",
        "  purchase model: " + ", ".join(f"{k} = {v:.4g}" for k, v in result.params.items())
        + " (time in weeks)",
        "  spend model: " + ", ".join(f"{k} = {v:.4g}" for k, v in result.spend_params.items()) + f" ({currency.code})",
        "Churn-risk tiers:",
    ]
    lines += [f"  {r['tier']:<14} {cell_text(r['customers'], r['customers_hidden'])} customers"
              for r in tiers.to_dict("records")]
    if result.holdout is not None:
        h = dict(result.holdout)
        h["by_frequency"] = public_by_frequency(h["by_frequency"])
        payload["holdout"] = h
        on = f"a random sample of {h['customers']:,} customers" if h["sampled"] else f"{h['customers']:,} customers"
        lines += [
            f"Holdout ({h['weeks']} weeks after {h['calibration_cutoff']}, {on}): predicted {h['total_predicted']:,.0f} "
            f"purchases vs {h['total_actual']:,.0f} actual ({h['total_error_pct']:+.1f}%), "
            f"MAE {h['mae']:.3f} purchases per customer, ROC AUC of 'probably active' {h['auc']:.3f}.",
        ]
        lines += [f"  {name:<11} total error {c['total_error_pct']:+.1f}%, MAE {c['mae']:.3f}, AUC {c['auc']:.3f}"
                  for name, c in h["compared"].items()]
    if args.out is not None:
        rows = write_customers(customers, args.out)
        payload["out"], payload["rows_written"] = str(args.out), rows
        lines.append(f"Wrote {rows:,} rows to {args.out}.")
    return emit(args, payload, "\n".join(lines))
