"""Run every benchmark script (``benchmarks/bench_*.py``) with its default sizes, one after another.

    .venv/bin/python benchmarks/run_all.py [--only generate,recs] [--timeout 3600]

Each script prints its own figures; this prints them as they come and a last line per
script with its exit code and wall time.  Benchmarks are not tests: nothing here fails a
build, the figures are for people (and the issue notes) to read.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated names, e.g. generate,recs (default: all)")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds allowed per script (default 3600)")
    args = parser.parse_args()
    scripts = sorted(HERE.glob("bench_*.py"))
    if args.only:
        wanted = {f"bench_{name.strip()}.py" for name in args.only.split(",")}
        scripts = [s for s in scripts if s.name in wanted]
    summary = []
    for script in scripts:
        print(f"\n=== {script.name} ===", flush=True)
        started = time.perf_counter()
        try:
            code = subprocess.run([sys.executable, str(script)], cwd=HERE.parent, timeout=args.timeout).returncode
        except subprocess.TimeoutExpired:
            code = "timeout"
        summary.append((script.name, code, time.perf_counter() - started))
    print("\n=== summary ===")
    for name, code, seconds in summary:
        print(f"{name:<24} exit {code!s:<8} {seconds:8.1f} s")
    return 0 if all(code == 0 for _, code, _ in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
