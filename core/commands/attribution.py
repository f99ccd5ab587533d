"""Attribution command: every model's credit per channel and, on generated data, its error against the truth."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.commands.options import add_filter_args, filters_from_args
from core.commands.output import add_json_flag, emit
from core.errors import OmnimixError
from core.settings import read_settings
from core.store.db import DEFAULT_DB, open_db

DEFAULT_MODELS_HELP = "last_click, last_non_direct, first_click, linear, time_decay, position_based, markov, shapley"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("attribution", help="multi-touch attribution: credit per channel by rule-based and "
                                           "data-driven models, error against the truth on generated data")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.add_argument("--models", help=f"comma-separated models (default: all of {DEFAULT_MODELS_HELP})")
    p.add_argument("--lookback-days", type=int, default=30,
                   help="days before an order a touch may be and still count for it (default 30)")
    p.add_argument("--half-life-days", type=float, default=7.0,
                   help="time decay: a touch this many days older gets half the credit (default 7)")
    p.add_argument("--budget-model", action="store_true",
                   help="also fit the budget model (marketing-mix model) and compare its channel contributions")
    add_filter_args(p)
    add_json_flag(p)
    p.set_defaults(handler=_attribution)


def check_options(lookback_days: int, half_life_days: float, models: str | None) -> tuple[str, ...] | None:
    """Refuse impossible options before any data is read; returns the model names (None: all).

    Raises
    ------
    OmnimixError
        One sentence naming the option.
    """
    from core.attribution.models import MODEL_NAMES

    if lookback_days <= 0:
        raise OmnimixError(f"--lookback-days must be a positive number of days (got {lookback_days}).")
    if not half_life_days > 0:
        raise OmnimixError(f"--half-life-days must be a positive number of days (got {half_life_days}).")
    if models is None:
        return None
    names = tuple(dict.fromkeys(m.strip() for m in models.split(",") if m.strip()))
    unknown = [m for m in names if m not in MODEL_NAMES]
    if unknown or not names:
        raise OmnimixError(f"--models names unknown model(s) {', '.join(unknown) or '(none)'}; "
                           f"choose from {', '.join(MODEL_NAMES)}.")
    return names


def _budget_contributions(db: Path):  # noqa: ANN202 - DataFrame, imported lazily for a fast start
    from core.attribution.reconcile import model_contributions
    from core.mmm.model import MediaMixModel
    from core.mmm.weekly import from_db
    from core.store.reads import read_experiments

    with open_db(db, read_only=True) as con:
        data, tests = from_db(con), read_experiments(con)
    model = MediaMixModel(random_state=0).fit(data, experiments=None if tests.empty else tests)
    return model_contributions(model.channel_summary_)


def _attribution(args: argparse.Namespace) -> int:
    from core.attribution.compare import analyse, public_table
    from core.attribution.reconcile import reconcile, truth_contributions
    from core.privacy import cell_text

    models = check_options(args.lookback_days, args.half_life_days, args.models)
    with open_db(args.db, read_only=True) as con:
        currency = read_settings(con).currency
        filters = filters_from_args(args, con)
        report = analyse(con, filters, models=models, lookback_days=args.lookback_days,
                         half_life_days=args.half_life_days)
        truth_budget = truth_contributions(con)
    shown = public_table(report.table)
    per_model = {}
    for name, rows in shown.groupby("model", sort=False):
        per_model[name] = {
            "label": rows["model_label"].iloc[0],
            "error": report.errors.get(name),
            "seconds": round(report.result.seconds.get(name, 0.0), 4),
            "channels": rows.drop(columns=["model", "model_label"]),
        }
    payload = {
        "db": str(args.db), "currency": currency.code, "lookback_days": report.lookback_days, "half_life_days": report.half_life_days,
        **report.summary, "has_truth": report.has_truth, "truth_scope": report.truth_scope,
        "error_measure": "mean absolute difference between a model's share of orders and the true share of "
                         "incremental orders, over the touch channels",
        "models": per_model, "skipped": report.result.skipped, "errors": report.errors,
    }
    reconciliations = {}
    if truth_budget is not None:
        reconciliations["generator_truth"] = reconcile(report.table, truth_budget)
    if args.budget_model:
        reconciliations["budget_model"] = reconcile(report.table, _budget_contributions(args.db))
    payload["reconciliation"] = reconciliations

    s = report.summary
    lines = [f"{s['orders_with_touches']:,} of {s['orders_in_period']:,} orders had touches in the "
             f"{report.lookback_days} days before them; {s['paths_without_order']:,} touch paths led to no order."]
    channels = list(report.paths.channels)
    lines.append(f"{'model':<28}" + "".join(f"{c[:12]:>13}" for c in channels) + ("      error" if report.has_truth else ""))
    for m in per_model.values():
        df = m["channels"].set_index("channel")
        cells = "".join(f"{cell_text(df.at[c, 'order_share'] * 100, df.at[c, 'customers_hidden'], '{:.1f}%'):>13}"
                        for c in channels)
        err = f"{m['error']:>11.3f}" if m["error"] is not None else ""
        lines.append(f"{m['label'][:27]:<28}{cells}{err}")
    if report.has_truth:
        truth = report.table.groupby("channel")["truth_share"].first()
        lines.append(f"{'truth (incremental orders)':<28}" + "".join(f"{truth[c] * 100:>12.1f}%" for c in channels))
        lines.append("Error: mean absolute difference between the model's and the true share of orders "
                     f"(truth scope: {report.truth_scope}).")
    lines += [f"Skipped {k}: {v}" for k, v in report.result.skipped.items()]
    return emit(args, payload, "\n".join(lines))
