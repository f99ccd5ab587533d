"""Seconds from opening a dashboard page to its first drawn chart, in a real headless Chromium.

Starts ``streamlit run dashboard/app.py`` on the 50,000-customer sample (generated with seed
42 into ``/tmp/omnimix_bench_50k.duckdb`` on first use), then opens each page ``--runs`` times,
every time in a fresh browser context (no cache, no session: what a first-time visitor waits),
and prints the median and all runs. Each page is opened once before timing so that the
server's first-ever imports and cached queries do not land on whichever page comes first: the
figure is what a new visitor waits on a running server. Charts are plotly
charts that have drawn their SVG or Vega-Lite charts that have drawn their marks.

The machine may be shared, so the 1-minute load average is printed before and after.

    .venv/bin/python benchmarks/bench_pages.py [--pages segments,insight] [--runs 3] [--root DIR] [--json]
        [--db /tmp/attrb_1m_s1.duckdb] [--cache-dir DIR]

``--db`` times another (existing) database, e.g. the 1M-customer one; ``--cache-dir`` points the
server at another on-disk attribution cache (an empty directory: nothing precomputed, the
page's first visit runs the models).

``--root`` runs another checkout (e.g. an exported older commit) with this venv, to compare
before and after under the same conditions.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dashboard.navigation import PAGES  # noqa: E402

DEFAULT_DB = DB = Path("/tmp/omnimix_bench_50k.duckdb")
CHROMIUM = "/usr/bin/chromium"
CACHE_DIR: Path | None = None
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
# A chart counts as drawn once plotly has put its SVG in place (or Vega its marks canvas), not
# when the empty element appears.
DRAWN = '[data-testid="stPlotlyChart"] .js-plotly-plot .main-svg, [data-testid="stVegaLiteChart"] .marks'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ensure_db() -> None:
    if DB.exists():
        return
    if DB != DEFAULT_DB:
        raise SystemExit(f"{DB} does not exist")
    from core.generator import generate_database

    print(f"generating {DB} (50,000 customers, seed 42)...", file=sys.stderr)
    generate_database(DB, n_customers=50_000, seed=42)


def _start_server(root: Path, port: int, log: Path) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    env = {**os.environ, "OMNIMIX_DB": str(DB), "PYTHONPATH": str(root)}
    if CACHE_DIR is not None:  # the on-disk attribution cache the server reads (an empty one: nothing precomputed)
        env["OMNIMIX_CACHE"] = str(CACHE_DIR)
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"streamlit exited with code {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.read().decode().strip() == "ok":
                    return proc
        except OSError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit(f"streamlit did not become healthy:\n{log.read_text()}")


def _address(spec) -> str:  # noqa: ANN001
    # The landing page lives at "/": its name in the address would open a "Page not found" dialog.
    return "" if spec.default else spec.url_path


def _time_to_chart(browser, url: str, timeout_s: float = 120) -> float:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        started = time.perf_counter()
        page.goto(url)
        page.wait_for_selector(DRAWN, state="attached", timeout=timeout_s * 1000)
        return time.perf_counter() - started
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", help="comma-separated page names (file stems); default: all with a chart")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout to run (default: this one)")
    parser.add_argument("--db", type=Path, help=f"an existing database instead of {DEFAULT_DB}")
    parser.add_argument("--cache-dir", type=Path, help="OMNIMIX_CACHE for the server (default: the user's)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    global DB, CACHE_DIR
    DB, CACHE_DIR = args.db or DEFAULT_DB, args.cache_dir

    specs = [p for p in PAGES if "Chart" in p.main_selector]
    if args.pages:
        wanted = args.pages.split(",")
        specs = [p for p in specs if p.url_path in wanted]
    _ensure_db()
    from playwright.sync_api import sync_playwright

    port = _free_port()
    log = Path(f"/tmp/omnimix_bench_pages_{port}.log")
    load_before = os.getloadavg()
    proc = _start_server(args.root.resolve(), port, log)
    results: dict[str, dict] = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            base = f"http://127.0.0.1:{port}"
            # Warm the server (imports, query caches) as a running server would be; these first
            # visits are printed too ("cold"), but their order decides who pays for the imports.
            cold = {spec.url_path: _time_to_chart(browser, f"{base}/{_address(spec)}") for spec in specs}
            for spec in specs:
                runs = [_time_to_chart(browser, f"{base}/{_address(spec)}") for _ in range(args.runs)]
                results[spec.url_path] = {"median_s": round(statistics.median(runs), 2),
                                          "runs_s": [round(r, 2) for r in runs],
                                          "cold_s": round(cold[spec.url_path], 2)}
                if not args.json:
                    print(f"{spec.title:<22} median {statistics.median(runs):5.2f} s   runs "
                          + " ".join(f"{r:.2f}" for r in runs) + f"   (cold server: {cold[spec.url_path]:.2f} s)",
                          flush=True)
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    load_after = os.getloadavg()
    if args.json:
        print(json.dumps({"root": str(args.root), "load_before": load_before, "load_after": load_after,
                          "pages": results}, indent=2))
    else:
        print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
              f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} (2 cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
