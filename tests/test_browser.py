"""Every dashboard page in a real headless Chromium against a real ``streamlit run`` server.

AppTest does not render plotly charts or run JavaScript; this does.  The page list comes
from ``dashboard.navigation.PAGES`` so a new page is covered as soon as it is listed there.
Screenshots land in ``tests/artifacts/<page>.png`` for a human look.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.navigation import PAGES, ROOT, PageSpec

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
EXCEPTION = '[data-testid="stException"]'
RUNNING = '[data-testid="stStatusWidget"]'
TIMEOUT_MS = 45_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(proc: subprocess.Popen, url: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with code {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"streamlit did not become healthy within {timeout:.0f} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def server(small_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a dashboard server on a free port, reading its own copy of the small sample."""
    workdir = tmp_path_factory.mktemp("browser")
    db = workdir / "omnimix.duckdb"
    shutil.copy(small_db, db)  # the upload test writes to it
    port = _free_port()
    log = workdir / "streamlit.log"
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "dashboard/app.py",
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**os.environ, "OMNIMIX_DB": str(db)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(proc, url, log)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; 'make browser' installs Debian's chromium.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def _settle(page) -> None:
    """Wait until the script run has finished and the charts had a moment to draw."""
    page.wait_for_selector(RUNNING, state="detached", timeout=TIMEOUT_MS)
    page.wait_for_timeout(800)


def _screenshot(page, name: str) -> None:
    """Full-page PNG in tests/artifacts.

    Streamlit scrolls inside its main container, so ``full_page`` alone captures only the
    viewport; the viewport is first stretched to the content height.
    """
    height = page.evaluate(
        "Math.max(...[...document.querySelectorAll('[data-testid=stMain], [data-testid=stMainBlockContainer]')]"
        ".map(e => e.scrollHeight), window.innerHeight)"
    )
    page.set_viewport_size({"width": page.viewport_size["width"], "height": int(height) + 40})
    _settle(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _open(page, url: str, spec: PageSpec, query: str = "") -> None:
    page.goto(f"{url}/{'' if spec.default else spec.url_path}{query}")
    page.wait_for_selector(spec.main_selector, state="visible")
    _settle(page)


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_page_renders_without_exception(server: str, page, spec: PageSpec) -> None:
    _open(page, server, spec)
    assert page.locator(EXCEPTION).count() == 0, page.locator(EXCEPTION).first.inner_text()
    assert page.locator(spec.main_selector).count() >= 1
    assert page.get_by_role("heading", name=spec.title, exact=True).first.is_visible()
    _screenshot(page, spec.url_path)


def test_overview_draws_every_chart_and_follows_the_url(server: str, page) -> None:
    overview = next(p for p in PAGES if p.url_path == "overview")
    _open(page, server, overview, "?start=2025-01-06&end=2025-03-30&channels=web,app")
    assert page.locator(EXCEPTION).count() == 0
    assert page.locator(overview.main_selector).count() == 2  # the open section's two trends, nothing else yet
    assert page.get_by_text("2025-01-06 – 2025-03-30 (84 days, app, web)").is_visible()
    assert "start=2025-01-06" in page.url and "channels=app%2Cweb" in page.url.replace(",", "%2C")
    # a click on another section runs it: channel count and overlap, and the URL names the section
    page.get_by_role("tab", name="Cross-channel behaviour").click()
    page.get_by_text("A buyer 'in 2 channels' placed orders").wait_for(state="visible")
    page.wait_for_function("document.querySelectorAll('[data-testid=stPlotlyChart] .main-svg').length >= 6")
    _settle(page)
    assert page.locator(EXCEPTION).count() == 0
    assert page.locator(f"{overview.main_selector} >> visible=true").count() == 2
    assert "overview_section=Cross-channel" in page.url
    assert "start=2025-01-06" in page.url


def test_upload_on_data_page_loads_rows(server: str, page) -> None:
    data = next(p for p in PAGES if p.url_path == "data")
    _open(page, server, data)
    example = ROOT / "sample_data" / "examples" / "channels.csv"
    rows = len(example.read_text().strip().splitlines()) - 1
    page.locator(f"{data.main_selector} input[type=file]").set_input_files(str(example))
    page.get_by_role("button", name="Load", exact=True).click()
    page.get_by_text(f"Loaded {rows} rows from channels.csv into channels").wait_for()
    _settle(page)
    assert page.locator(EXCEPTION).count() == 0
    _screenshot(page, "data_after_load")


def test_budget_optimiser_and_plan_draw_their_results(server: str, page) -> None:
    budget = next(p for p in PAGES if p.url_path == "budget")
    _open(page, server, budget)
    assert page.locator(budget.main_selector).count() == 1  # a first visit: the what-if's response curves only
    page.get_by_role("tab", name="Optimiser").click()
    optimiser = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Optimise"))
    optimiser.get_by_text("Cautious", exact=True).click()
    optimiser.get_by_role("button", name="Optimise").click()
    page.get_by_role("button", name="Try this split in the sliders").wait_for()
    _settle(page)
    assert "budget_section=Optimiser" in page.url
    # The waterfall is the page's first plotly chart (the what-if draws Vega-Lite): plotly.js loads only now.
    page.locator(budget.main_selector).first.wait_for(timeout=TIMEOUT_MS)
    assert page.locator(budget.main_selector).count() == 1  # the proposal's waterfall
    page.get_by_role("tab", name="Plan the next weeks").click()
    page.get_by_role("button", name="Plan these weeks").click()
    page.get_by_text("Already paid for (carry-over)").wait_for()
    _settle(page)
    assert page.locator(EXCEPTION).count() == 0, page.locator(EXCEPTION).first.inner_text()
    assert page.locator(budget.main_selector).count() == 1  # the plan's weekly revenue
    _screenshot(page, "budget_after_plan")


def test_the_app_asks_no_other_host(server: str, page) -> None:
    """Nothing leaves 127.0.0.1 (demos run offline): e.g. a Material favicon comes from fonts.gstatic.com."""
    elsewhere: list[str] = []
    page.on("request", lambda r: elsewhere.append(r.url) if not r.url.startswith((server, "data:", "blob:")) else None)
    overview = next(p for p in PAGES if p.url_path == "overview")
    _open(page, server, overview)
    page.get_by_role("link", name="Segments").first.click()
    page.wait_for_selector(next(p for p in PAGES if p.url_path == "segments").main_selector, state="visible")
    _settle(page)
    assert elsewhere == []
