"""``omnimix report``: the whole story in one self-contained HTML file, and a PDF where a browser is present."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from core.commands.options import add_filter_args, filters_from_args
from core.commands.output import add_json_flag, emit
from core.errors import OmnimixError
from core.settings import read_settings
from core.store.db import DEFAULT_DB, open_db


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="stakeholder report: one HTML file that opens offline (and a PDF)",
                       description="KPIs, channels, segments, recommendations, budget and notable weeks in one "
                                   "self-contained HTML file; groups under 50 customers hidden.")
    p.add_argument("--db", type=Path, default=DEFAULT_DB)
    p.add_argument("--out", type=Path, required=True, help="HTML file to write, e.g. report.html")
    add_filter_args(p, default_start="52 weeks before --end")
    p.add_argument("--pdf", type=Path, help="also print the report to this PDF (needs Chromium)")
    p.add_argument("--pages", default="all",
                   help="only these dashboard pages' sections, comma-separated: overview, segments, "
                        "recommendations, budget, insight (default all)")
    p.add_argument("--budget", metavar="SCENARIO",
                   help="budget scenario to compare with the current split: a .csv (channel,weekly_budget) or "
                        ".json ({channel: weekly budget in the data's currency}) file, or current, proposed or cautious")
    p.add_argument("--budget-fit", choices=["auto", "full", "quick"], default="auto",
                   help="budget model sampler: full (as `omnimix budget`), quick, or auto: the full fit when "
                        "one is cached for this database, else quick (default auto; cache: $OMNIMIX_CACHE or "
                        "~/.cache/omnimix, OMNIMIX_CACHE=off to disable)")
    add_json_flag(p)
    p.set_defaults(handler=_report)


def _report(args: argparse.Namespace) -> int:
    from core.report.build import build_report, check_out_dir, sections_for, write_atomic
    from core.report.pdf import find_browser, print_pdf
    from core.report.scenario import read_scenario

    started = time.perf_counter()
    # Cheap checks first: a bad folder should not cost a model fit.
    check_out_dir(args.out)
    if args.pdf is not None:
        check_out_dir(args.pdf, "--pdf")
    if not Path(args.db).is_file():
        raise OmnimixError(f"Database {args.db} does not exist.")
    sections = sections_for([p.strip() for p in args.pages.split(",") if p.strip()])
    scenario = read_scenario(args.budget) if args.budget else None
    if scenario is not None and "budget" not in sections:
        raise OmnimixError("--budget needs the budget section: add budget to --pages (or leave --pages out).")
    with open_db(args.db, read_only=True) as con:
        currency = read_settings(con).currency.code
        report = build_report(con, filters_from_args(args, con), budget_fit=args.budget_fit, sections=sections,
                              budget_scenario=scenario)
    html_bytes = write_atomic(args.out, report.html)
    built = time.perf_counter() - started
    pdf: dict | None = None
    if args.pdf is not None:
        browser = find_browser()
        if browser is None:
            pdf = {"path": None, "bytes": None, "seconds": None,
                   "problem": "No PDF: no Chromium browser was found (install chromium); the HTML report was written."}
        else:
            t = time.perf_counter()
            size = write_atomic(args.pdf, lambda tmp: print_pdf(args.out, tmp, browser=browser))
            pdf = {"path": str(args.pdf), "bytes": size, "seconds": round(time.perf_counter() - t, 3), "problem": None}
    f = report.filters
    payload = {
        "db": str(args.db),
        "currency": currency,
        "filters": {"start": f.start, "end": f.end, "channels": list(f.channels) if f.channels else "all"},
        "html": {"path": str(args.out), "bytes": html_bytes, "seconds": round(built, 3)},
        "pdf": pdf,
        "figures": report.figures,
        "budget_scenario": None if scenario is None else {"name": scenario.name, "weekly_budget": scenario.spend},
        "sections": [{"key": s.key, "title": s.title, "included": s.missing is None, "reason": s.missing,
                      "figures": s.figures, "seconds": report.seconds.get(s.key),
                      "cached": s.key in report.cached} for s in report.sections],
        "seconds": round(time.perf_counter() - started, 3),
    }
    lines = [f"Wrote {args.out} ({html_bytes / 1e6:.1f} MB, {report.figures} charts) in {built:.1f} s "
             f"for {f.start} – {f.end}."]
    lines += [f"  Section '{s.title}' missing: {s.missing}" for s in report.sections if s.missing]
    if pdf is not None:
        lines.append(pdf["problem"] or f"Wrote {pdf['path']} ({pdf['bytes'] / 1e6:.1f} MB) in {pdf['seconds']:.1f} s.")
    return emit(args, payload, "\n".join(lines))
