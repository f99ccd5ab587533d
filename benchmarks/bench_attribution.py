"""Attribution against the generator's truth, and the time of all models at larger sizes.

1. Accuracy: on generated samples (default seeds 1-3 at 20,000 customers and seed 1 at
   50,000) every model's mean absolute share error against ``truth_channel_incremental``
   (mean over the touch channels of |model's share of orders - true share of incremental
   orders|; 30-day lookback, no filters).
2. Speed: at ``--big-customers`` (default 1,000,000) the seconds to build the paths in DuckDB
   and of each model, best of ``--repeat``; goal: everything ≤ 30 s on 2 cores.

    .venv/bin/python benchmarks/bench_attribution.py [--seeds 1,2,3] [--customers 20000]
        [--extra 50000] [--big-customers 1000000] [--repeat 1] [--json]
    .venv/bin/python benchmarks/bench_attribution.py --speed-db /tmp/attrb_1m_s1.duckdb --repeat 3

Databases are generated on first use as ``/tmp/attrb_20k_s<seed>.duckdb``,
``/tmp/attrb_50k_s1.duckdb`` and ``/tmp/attrb_1m_s1.duckdb`` (named by size in thousands).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.attribution.compare import analyse  # noqa: E402
from core.attribution.models import MODEL_NAMES, run_models  # noqa: E402
from core.attribution.paths import build_paths  # noqa: E402
from core.store import derived  # noqa: E402
from core.store.db import open_db  # noqa: E402


def db_path(customers: int, seed: int) -> Path:
    size = f"{customers // 1_000_000}m" if customers % 1_000_000 == 0 else f"{customers // 1000}k"
    path = Path(f"/tmp/attrb_{size}_s{seed}.duckdb")
    if not path.exists():
        from core.generator import generate_database

        started = time.perf_counter()
        generate_database(path, n_customers=customers, seed=seed)
        print(f"generated {path} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return path


def accuracy(path: Path) -> dict:
    with open_db(path, read_only=True) as con:
        report = analyse(con)
    return {"db": str(path), "errors": report.errors, "orders_with_touches": report.summary["orders_with_touches"],
            "touches": report.summary["touches"]}


def _cpu() -> float:
    """CPU seconds of this process, all threads (DuckDB's included)."""
    return time.process_time()


def speed(path: Path, repeat: int) -> dict:
    """Wall seconds of the path build and of each model (best of ``repeat``), every run's wall and
    CPU total, whether the derived tables were there, and the load average before and after."""
    best: dict[str, float] = {}
    runs = []
    load_before = os.getloadavg()
    for _ in range(repeat):
        wall0, cpu0 = time.perf_counter(), _cpu()
        with open_db(path, read_only=True) as con:
            prepared = derived.is_current(con, derived.TOUCH_SEQUENCE) and derived.is_current(con, derived.ORDER_REVENUE)
            paths = build_paths(con)
        build, build_cpu = time.perf_counter() - wall0, _cpu() - cpu0
        result = run_models(paths, MODEL_NAMES)
        runs.append({"wall": time.perf_counter() - wall0, "cpu": _cpu() - cpu0, "paths_wall": build,
                     "paths_cpu": build_cpu})
        times = {"paths": build, **result.seconds}
        best = {k: min(v, best.get(k, v)) for k, v in times.items()}
        n_touches = len(paths.touch_path)
        del paths, result
    best["total"] = sum(best.values())
    return {"db": str(path), "touches": n_touches, "derived_tables": prepared, "seconds": best, "runs": runs,
            "load_before": load_before, "load_after": os.getloadavg()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--extra", type=int, default=50_000, help="one more accuracy run at this size, seed 1 (0: none)")
    parser.add_argument("--big-customers", type=int, default=1_000_000, help="speed run size (0: none)")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--speed-db", type=Path, help="only the speed run, on this existing database")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.speed_db:
        s = speed(args.speed_db, args.repeat)
        print(json.dumps(s, indent=2))
        return

    runs = [(args.customers, int(s)) for s in args.seeds.split(",") if s]
    if args.extra:
        runs.append((args.extra, 1))
    acc = [accuracy(db_path(n, s)) for n, s in runs]
    sizes = sorted({args.customers, *(s for s in (args.extra, args.big_customers) if s)})
    spd = [speed(db_path(n, 1), args.repeat) for n in sizes]
    if args.json:
        print(json.dumps({"accuracy": acc, "speed": spd}, indent=2))
        return
    models = list(MODEL_NAMES)
    print("Mean absolute share error vs truth (30-day lookback):")
    print(f"{'database':<34}" + "".join(f"{m[:14]:>15}" for m in models))
    for a in acc:
        print(f"{Path(a['db']).name:<34}" + "".join(f"{a['errors'].get(m, float('nan')):>15.4f}" for m in models))
    mean = {m: sum(a["errors"][m] for a in acc) / len(acc) for m in models}
    print(f"{'mean':<34}" + "".join(f"{mean[m]:>15.4f}" for m in models))
    print("\nSeconds (paths in DuckDB, then each model):")
    keys = ["paths", *models, "total"]
    print(f"{'database':<24}{'touches':>12}" + "".join(f"{k[:10]:>11}" for k in keys))
    for s in spd:
        print(f"{Path(s['db']).name:<24}{s['touches']:>12,}" + "".join(f"{s['seconds'].get(k, float('nan')):>11.2f}"
                                                                       for k in keys))
    for s in spd:
        print(f"{Path(s['db']).name}: derived tables {'yes' if s['derived_tables'] else 'no'}; runs (wall / CPU s): "
              + ", ".join(f"{r['wall']:.1f} / {r['cpu']:.1f} (paths {r['paths_wall']:.1f} / {r['paths_cpu']:.1f})"
                          for r in s["runs"])
              + f"; load average {s['load_before'][0]:.2f} before, {s['load_after'][0]:.2f} after (2 cores)")


if __name__ == "__main__":
    main()
