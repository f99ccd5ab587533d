"""Build time and file size of ``omnimix report`` on the 50k-customer sample (goal: <= 10 s, <= 10 MB).

Run: ``.venv/bin/python benchmarks/bench_report.py [--db /tmp/report_50k.duckdb] [--budget-fit auto] [--runs 2] [--pdf]
[--sections] [--after-generate] [--tune N]``.
The sample is generated into ``--db`` when missing (``generate_database(n_customers=50_000,
seed=42)``). Each build runs in a fresh interpreter through the CLI, as a user would run it,
so imports count; the per-section seconds come from its ``--json`` output.

Every ``--budget-fit`` is timed with a new, empty cache folder (``OMNIMIX_CACHE``): the first
build is **cold** (nothing cached: the budget model is fitted, the recommenders scored, the
segments clustered), the next ``--runs - 1`` builds are **warm** (those results read from the
cache, as after a first report or after the Budget page). The load average is printed with
each figure: on a shared machine the wall time also counts the time other jobs held the cores,
so judge by the CPU seconds.

``--after-generate`` also times the **first report after ``omnimix generate``**: a new empty cache
folder gets what the generator stores after writing a sample (``core.warmup.warm_caches``: the
evaluation the recommendation section shows, the page's tuning, the Attribution page's first
view), timed on its own, then one report is built with it.

``--sections`` also prints where a cold build's CPU goes: one more fresh interpreter builds the
report with the cache off and prints each section's CPU seconds (``Report.cpu_seconds``; every
thread of the process, the imports a section makes included) and the imports before the build.

``--tune N`` times, N times in one fresh interpreter with one BLAS thread, what dominates a cold
recommendation section: :func:`core.recs.tuning.tune` on the training part of the evaluation's
time split (``time_split(log, holdout_weeks=8).train``), CPU (``time.process_time``, every
thread) and wall seconds with the load average, and prints the λ and weights it chose.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/report_50k.duckdb"))
    parser.add_argument("--budget-fit", nargs="+", default=["auto"], choices=["auto", "full", "quick"])
    parser.add_argument("--runs", type=int, default=2, help="builds per fit: one cold, the rest warm (default 2)")
    parser.add_argument("--pdf", action="store_true", help="also time the PDF (headless Chromium)")
    parser.add_argument("--sections", action="store_true", help="also print a cold build's CPU seconds per section")
    parser.add_argument("--after-generate", action="store_true",
                        help="also time the first report after omnimix generate's warm-up")
    parser.add_argument("--tune", type=int, default=0, metavar="N",
                        help="also time core.recs.tuning.tune on the evaluation's training part N times")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if not args.db.exists():
        from core.generator import generate_database

        started = time.perf_counter()
        generate_database(args.db, n_customers=50_000, seed=42)
        print(f"generated {args.db} in {time.perf_counter() - started:.1f} s")
    if args.tune:
        _tune(args)
    with tempfile.TemporaryDirectory() as tmp:
        for fit in args.budget_fit:
            cache = Path(tmp) / f"cache_{fit}"  # empty: the first build is cold
            for run in range(args.runs):
                _build(args, fit, Path(tmp), cache, "cold" if run == 0 else "warm", run)
            if args.after_generate:
                warmed = Path(tmp) / f"cache_{fit}_generated"
                _warm_like_generate(args, warmed)
                if args.sections:  # a copy: the build below adds each section to its cache
                    shutil.copytree(warmed, Path(tmp) / "sections_generated")
                _build(args, fit, Path(tmp), warmed, "after generate", args.runs)
                if args.sections:
                    _section_cpu(args, fit, Path(tmp) / "sections_generated")
            if args.sections:
                _section_cpu(args, fit)


def _build(args: argparse.Namespace, fit: str, tmp: Path, cache: Path, label: str, run: int) -> None:
    out = tmp / f"report_{fit}_{run}.html"
    command = [sys.executable, "-m", "core.cli", "report", "--db", str(args.db), "--out", str(out),
               "--budget-fit", fit, "--json"]
    if args.pdf:
        command += ["--pdf", str(tmp / f"report_{fit}_{run}.pdf")]
    env = {**os.environ, "OMNIMIX_CACHE": str(cache)}
    started, cpu_before = time.perf_counter(), os.times()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True, env=env)
    wall, cpu_after = time.perf_counter() - started, os.times()
    # CPU time of the child (and its browser): the wall time also counts other jobs on the machine.
    cpu = (cpu_after.children_user - cpu_before.children_user
           + cpu_after.children_system - cpu_before.children_system)
    payload = json.loads(done.stdout)
    sections = ", ".join(f"{s['key']} {s['seconds']:.1f}" + (" (cached)" if s.get("cached") else "")
                         for s in payload["sections"])
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{label} (budget fit {fit}): {wall:.1f} s wall, {cpu:.1f} s CPU (build {payload['html']['seconds']:.1f} s "
          f"wall), {payload['html']['bytes'] / 1e6:.2f} MB, {payload['figures']} charts; sections (s): {sections}; "
          f"load average {load}")
    if payload["pdf"]:
        pdf = payload["pdf"]
        made = pdf["problem"] or f"{pdf['bytes'] / 1e6:.2f} MB in {pdf['seconds']:.1f} s"
        print(f"  PDF: {made}")


_SECTION_CPU = """
import json, sys, time
started = time.process_time()
from core.filters import Filters
from core.report.build import build_report
from core.store.db import open_db
imports = time.process_time() - started
with open_db(sys.argv[1], read_only=True) as con:
    report = build_report(con, Filters(), budget_fit=sys.argv[2])
print(json.dumps({"imports": imports, "sections": report.cpu_seconds, "total": time.process_time() - started}))
"""


_TUNE = """
import json, os, sys, time
from threadpoolctl import threadpool_limits
from core.recs.evaluate import load_data
from core.recs.split import time_split
from core.recs.tuning import tune
from core.store.db import open_db
with open_db(sys.argv[1], read_only=True) as con:
    log, products, customers = load_data(con)
train = time_split(log, holdout_weeks=8).train
with threadpool_limits(limits=1, user_api="blas"):
    for _ in range(int(sys.argv[2])):
        load, cpu, wall = os.getloadavg()[0], time.process_time(), time.perf_counter()
        t = tune(train, products, customers)
        print(json.dumps({"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall,
                          "load": [load, os.getloadavg()[0]], "l2": t.l2, "weights": t.weights}), flush=True)
"""


def _tune(args: argparse.Namespace) -> None:
    done = subprocess.run([sys.executable, "-c", _TUNE, str(args.db), str(args.tune)], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    for line in done.stdout.strip().splitlines():
        run = json.loads(line)
        weights = ", ".join(f"{k} {v:.3f}" for k, v in run["weights"].items())
        print(f"tune (one BLAS thread): {run['cpu']:.2f} s CPU, {run['wall']:.2f} s wall; load average "
              f"{run['load'][0]:.1f} -> {run['load'][1]:.1f}; λ {run['l2']:g}, weights {weights}")


def _warm_like_generate(args: argparse.Namespace, cache: Path) -> None:
    """What ``omnimix generate`` stores after writing the sample, into ``cache`` (a fresh interpreter)."""
    env = {**os.environ, "OMNIMIX_CACHE": str(cache)}
    code = ("import sys; from core.warmup import warm_caches; done = warm_caches(sys.argv[1]); print(done.summary()); "
            "[print(note, file=sys.stderr) for note in done.notes]; sys.exit(1 if done.notes else 0)")
    started, before = time.perf_counter(), os.times()
    subprocess.run([sys.executable, "-c", code, str(args.db)], cwd=ROOT, check=True, env=env)  # a failed step fails
    after = os.times()
    cpu = after.children_user - before.children_user + after.children_system - before.children_system
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"generate's warm-up (core.warmup.warm_caches): {time.perf_counter() - started:.1f} s wall, "
          f"{cpu:.1f} s CPU; load average {load}")


def _section_cpu(args: argparse.Namespace, fit: str, cache: Path | None = None) -> None:
    # No cache: nothing read back, every section computed; else what generate's warm-up stored.
    env = {**os.environ, "OMNIMIX_CACHE": "off" if cache is None else str(cache)}
    done = subprocess.run([sys.executable, "-c", _SECTION_CPU, str(args.db), fit], cwd=ROOT, capture_output=True,
                          text=True, check=True, env=env)
    payload = json.loads(done.stdout.strip().splitlines()[-1])
    sections = ", ".join(f"{key} {cpu:.1f}" for key, cpu in payload["sections"].items())
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    when = "cold CPU by section (budget fit {fit}, cache off)" if cache is None else \
        "after generate, CPU by section (budget fit {fit})"
    print(f"{when.format(fit=fit)}: {payload['total']:.1f} s in the process; imports "
          f"{payload['imports']:.1f}, {sections}; load average {load}")


if __name__ == "__main__":
    main()
