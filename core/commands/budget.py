"""Budget commands: fit the marketing-mix model and optimise the weekly budget split."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from core.commands.options import seed_arg
from core.commands.output import add_json_flag, emit
from core.errors import OmnimixError
from core.store.db import DEFAULT_DB, open_db


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("budget", help="marketing-mix model: fit, ROAS per channel, budget optimiser")
    budget = p.add_subparsers(dest="budget_command", required=True, metavar="ACTION")

    fit = budget.add_parser("fit", help="fit the model; print fit metrics, ROAS / marginal ROAS and hyper-parameters")
    _source_args(fit)
    fit.set_defaults(handler=_fit)

    opt = budget.add_parser(
        "optimize", help="best split of a weekly budget (or the largest budget meeting a target ROAS)"
    )
    _source_args(opt)
    opt.add_argument(
        "--total",
        type=float,
        help="weekly budget to split, in the data's currency (default: current weekly spend); with --target-roas the largest budget tried",
    )
    _bounds_arg(opt)
    opt.add_argument(
        "--target-roas", type=float, help="find the largest weekly budget whose ROAS stays at or above this"
    )
    opt.add_argument("--weeks", type=int, default=1, help="planning period in weeks for the revenue totals (default 1)")
    _cautious_arg(opt)
    opt.set_defaults(handler=_optimize)

    plan = budget.add_parser(
        "plan", help="plan the next N weeks: their own season, trend and carry-over; best split of a period budget"
    )
    _source_args(plan)
    plan.add_argument("--weeks", type=int, default=13, help="weeks to plan after the data (default 13, a quarter)")
    plan.add_argument(
        "--total", type=float, help="budget for the whole period, in the data's currency (default: current weekly spend x weeks)"
    )
    _bounds_arg(plan)
    _cautious_arg(plan)
    plan.set_defaults(handler=_plan)


def _source_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, help=f"Omnimix database (default {DEFAULT_DB})")
    p.add_argument("--csv", type=Path, help="your own weekly table instead: one row per week")
    p.add_argument("--date", help="CSV column with the week")
    p.add_argument("--target", help="CSV column with revenue")
    p.add_argument("--channels", help="CSV spend columns, comma-separated (spend per week)")
    p.add_argument("--currency", metavar="CODE", help="with --csv: ISO code of its amounts (default EUR)")
    p.add_argument("--controls", default="", help="CSV control columns, comma-separated (optional)")
    p.add_argument(
        "--experiments",
        type=Path,
        help="with --csv: lift tests CSV (channel, start_week, end_week, "
        "incremental_revenue, standard_error); with --db the database's experiments table is used",
    )
    p.add_argument("--no-experiments", action="store_true", help="fit without the lift tests")
    p.add_argument("--seed", type=seed_arg, default=0, help="seed of the posterior sampler (default 0)")
    p.add_argument(
        "--holdout-weeks", type=int, default=12, help="final weeks held out to measure accuracy (default 12)"
    )
    add_json_flag(p)


def _bounds_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--bounds",
        nargs="+",
        default=[],
        metavar="CHANNEL=LO:HI",
        help="weekly spend per channel (search=500:2000) or change from current (search=-20%%:+30%%)",
    )


def _cautious_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--cautious",
        action="store_true",
        help="maximise a pessimistic revenue (about the 5th percentile) instead of the expected one",
    )


def _load(args: argparse.Namespace):  # noqa: ANN202 - (WeeklyData, lift tests), imported lazily for a fast start
    import pandas as pd

    from core.mmm.weekly import from_db, read_csv
    from core.store.reads import read_experiments

    if args.csv is not None:
        if args.db is not None:
            raise OmnimixError("Give either --db or --csv, not both.")
        missing = [f"--{n}" for n in ("date", "target", "channels") if not getattr(args, n)]
        if missing:
            raise OmnimixError(
                f"--csv needs {', '.join(missing)} (e.g. --date week --target revenue --channels search,tv)."
            )
        controls = args.controls.split(",") if args.controls else ()
        data = read_csv(
            args.csv, date=args.date, target=args.target, channels=args.channels.split(","), controls=controls
        )
        tests = _read_tests_csv(args.experiments, _currency(args).code) if args.experiments else None
        return data, (None if args.no_experiments else tests)
    if args.experiments is not None:
        raise OmnimixError("--experiments goes with --csv; with --db the database's experiments table is used.")
    with open_db(args.db or DEFAULT_DB, read_only=True) as con:
        data, tests = from_db(con), read_experiments(con)
    return data, (None if args.no_experiments or tests.empty else pd.DataFrame(tests))


def _currency(args: argparse.Namespace):  # noqa: ANN202 - core.settings.Currency
    """Currency of the amounts: the database's setting, or ``--currency`` (default EUR) for a CSV."""
    from core.settings import currency, settings_of

    if args.csv is not None:
        return currency(args.currency)
    if args.currency is not None:
        raise OmnimixError("--currency goes with --csv; a database's currency is its setting ('omnimix settings').")
    return settings_of(args.db or DEFAULT_DB).currency


def _read_tests_csv(path: Path, currency: str):  # noqa: ANN202 - DataFrame
    from core.mmm.csvfiles import read_lift_tests

    if not path.is_file():
        raise OmnimixError(f"Lift-test file {path} does not exist.")
    return read_lift_tests(path.read_bytes(), str(path), currency)


def _fit_model(args: argparse.Namespace):  # noqa: ANN202
    from core.mmm.model import MediaMixModel

    data, tests = _load(args)
    started = time.perf_counter()
    if args.csv is None:  # a database file: reuse (and keep) the fit on disk, shared with the page and the report
        from core.mmm.cached import model_for_db_file

        model = model_for_db_file(args.db or DEFAULT_DB, use_tests=not args.no_experiments, random_state=args.seed,
                                  holdout_weeks=args.holdout_weeks)
        return data, model, time.perf_counter() - started
    model = MediaMixModel(random_state=args.seed, holdout_weeks=args.holdout_weeks).fit(data, experiments=tests)
    return data, model, time.perf_counter() - started


def _fit(args: argparse.Namespace) -> int:
    from core.mmm.report import channel_verdicts

    data, model, seconds = _fit_model(args)
    currency = _currency(args)
    code = currency.code
    summary = model.channel_summary_
    tests = model.experiments_
    payload = {
        "source": data.source,
        "currency": code,
        "weeks": len(data),
        "first_week": data.weeks[0].date(),
        "last_week": data.weeks[-1].date(),
        "seed": args.seed,
        "seconds": round(seconds, 3),
        "metrics": model.metrics_,
        "channels": summary,
        "baseline_weekly": model.base_level_,
        "experiments": tests,
        "experiments_used": int(tests["used"].sum()) if len(tests) else 0,
        "convergence": model.convergence_,
        "noise_autocorrelation": model.noise_rho_,
    }
    hold = model.metrics_["holdout"]
    lines = [
        f"Fitted {len(data)} weeks × {len(model.channels_)} channels in {seconds:.1f} s.",
        f"Holdout (last {hold.get('weeks', 0)} weeks): MAPE {hold.get('mape', float('nan')):.1%}, R² {hold.get('r2', float('nan')):.2f}; "
        f"training: MAPE {model.metrics_['train']['mape']:.1%}, R² {model.metrics_['train']['r2']:.2f}.",
        f"{'channel':<12}{'spend ' + code:>14}{'ROAS':>7}{'90% band':>14}{'mROAS':>7}  {'measured':<14}",
    ]
    for r in summary.itertuples():
        band = f"{r.roas_low:.2f}-{r.roas_high:.2f}"
        verdict = "well" if r.well_measured else "not sure"
        lines.append(f"{r.channel:<12}{r.spend:>14,.0f}{r.roas:>7.2f}{band:>14}{r.mroas:>7.2f}  {verdict:<14}")
    lines += channel_verdicts(model, currency)
    return emit(args, payload, "\n".join(lines))


def _optimize(args: argparse.Namespace) -> int:
    from core.mmm.bounds import parse_bounds
    from core.mmm.compare import versus_today
    from core.mmm.optimizer import CURRENT_SPLIT, optimize_budget, target_roas_budget

    if args.weeks < 1:
        raise OmnimixError(f"--weeks must be at least 1 (got {args.weeks}).")
    _, model, _ = _fit_model(args)
    code = _currency(args).code
    bounds = parse_bounds(args.bounds, model)
    started = time.perf_counter()
    if args.target_roas is not None:
        plan = target_roas_budget(model, args.target_roas, bounds=bounds, max_total=args.total, currency=code)
    else:
        total = float(model.current_spend_.sum()) if args.total is None else args.total
        plan = optimize_budget(model, total, bounds=bounds, cautious=args.cautious, currency=code)
    seconds = time.perf_counter() - started
    w = args.weeks
    # "current" is the plan's starting split: today's split at today's total, otherwise
    # today's shares scaled to the plan's total ("label" says which); "today" is always the
    # budget actually spent now, so a target-ROAS budget can be compared with it.
    today = versus_today(model, plan, weeks=w)
    low, high = plan.proposed_band[0] * w, plan.proposed_band[1] * w
    payload = {
        "currency": code,
        "weeks": w,
        "total_spend": plan.total * w,
        "current": {
            "spend": float(plan.current.sum()) * w,
            "revenue": plan.current_revenue * w,
            "label": plan.current_label,
        },
        "proposed": {
            "spend": plan.total * w,
            "revenue": plan.proposed_revenue * w,
            "roas": plan.roas,
            "revenue_low": low,
            "revenue_high": high,
        },
        "cautious": plan.cautious,
        "gain": plan.gain * w,
        "today": {"spend": today.spend, "revenue": today.revenue},
        "gain_vs_today": today.revenue_change,
        "improved": plan.improved,
        "message": plan.message,
        "seconds": round(seconds, 3),
        "channels": plan.table(weeks=w),
    }
    lines = [
        plan.message,
        f"Over {w} week(s), predicted revenue: {plan.current_label} {plan.current_revenue * w:,.0f} {code}, proposed "
        f"{plan.proposed_revenue * w:,.0f} {code} (gain {plan.gain * w:+,.0f} {code}); 90% band of the proposal "
        f"{low:,.0f}-{high:,.0f} {code}.",
    ]
    if plan.current_label != CURRENT_SPLIT:
        lines.append(
            f"Against today's budget ({today.weekly_spend:,.0f} {code} per week): spend {today.spend_change:+,.0f} {code}, "
            f"revenue {today.revenue_change:+,.0f} {code} ({today.revenue:,.0f} -> {today.plan_revenue:,.0f} {code})."
        )
    current_header = f"current {code}" if plan.current_label == CURRENT_SPLIT else f"current mix {code}"
    lines.append(f"{'channel':<12}{current_header:>16}{'proposed ' + code:>14}")
    rows = payload["channels"].itertuples()
    lines += [f"{r.channel:<12}{r.current_spend:>16,.0f}{r.proposed_spend:>14,.0f}" for r in rows]
    return emit(args, payload, "\n".join(lines))


def _plan(args: argparse.Namespace) -> int:
    from core.mmm.bounds import parse_bounds
    from core.mmm.optimizer import plan_period

    if args.total is not None and args.total < 0:
        raise OmnimixError(f"--total must be at least 0 (got {args.total:g}).")
    _, model, _ = _fit_model(args)
    code = _currency(args).code
    bounds = parse_bounds(args.bounds, model)
    started = time.perf_counter()
    made = plan_period(model, args.weeks, total=args.total, bounds=bounds, cautious=args.cautious, currency=code)
    seconds = time.perf_counter() - started
    plan, weeks = made.plan, made.forecast
    first, last = weeks["week"].iloc[0], weeks["week"].iloc[-1]
    payload = {
        "currency": code,
        "weeks": args.weeks,
        "first_week": first.date(),
        "last_week": last.date(),
        "total_spend": plan.total * args.weeks,
        "current": {
            "revenue": plan.current_revenue,
            "revenue_low": plan.current_band[0],
            "revenue_high": plan.current_band[1],
            "label": plan.current_label,
        },
        "proposed": {
            "revenue": plan.proposed_revenue,
            "revenue_low": plan.proposed_band[0],
            "revenue_high": plan.proposed_band[1],
        },
        "gain": plan.gain,
        "carryover": made.carryover,
        "cautious": plan.cautious,
        "improved": plan.improved,
        "message": plan.message,
        "seconds": round(seconds, 3),
        "channels": plan.table(weeks=args.weeks),  # amounts over the period, spend like revenue
        "weekly": weeks,
    }
    lines = [
        f"Plan for {args.weeks} weeks, {first:%Y-%m-%d} to {last:%Y-%m-%d}, "
        f"budget {plan.total * args.weeks:,.0f} {code} ({plan.total:,.0f} {code} per week).",
        plan.message,
        f"Predicted revenue over the period: {plan.current_label} {plan.current_revenue:,.0f} {code}, proposed "
        f"{plan.proposed_revenue:,.0f} {code} (90% band {plan.proposed_band[0]:,.0f}-{plan.proposed_band[1]:,.0f} {code}).",
        f"Of it, {made.carryover:,.0f} {code} still comes from spend before the period (carry-over).",
        f"{'channel':<12}{'current ' + code:>14}{'proposed ' + code:>14}",
    ]
    rows = payload["channels"].itertuples()
    lines += [f"{r.channel:<12}{r.current_spend:>14,.0f}{r.proposed_spend:>14,.0f}" for r in rows]
    return emit(args, payload, "\n".join(lines))
