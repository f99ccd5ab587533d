"""The report opened from disk in headless Chromium with the network blocked: every chart drawn, no error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_report import built, report_cache  # noqa: F401 - the shared, once-built report

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACT = Path(__file__).resolve().parent / "artifacts" / "report.png"

pytestmark = pytest.mark.browser


def test_report_opens_offline_with_every_chart_drawn(built):  # noqa: F811
    report, path = built
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing; 'make browser' installs Debian's chromium.")
    from playwright.sync_api import sync_playwright

    blocked, errors = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})

            def only_files(route) -> None:  # noqa: ANN001 - playwright Route
                if route.request.url.startswith("file://"):
                    route.continue_()
                else:
                    blocked.append(route.request.url)
                    route.abort()

            page.route("**/*", only_files)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(path.resolve().as_uri(), wait_until="load")
            page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot .main-svg').length >= {report.figures}",
                                   timeout=30_000)
            assert page.locator(".js-plotly-plot").count() == report.figures
            first = page.locator("body > *").first
            assert first.get_attribute("id") == "filters" and first.inner_text().startswith("Filters: ")
            ARTIFACT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACT), full_page=True)
        finally:
            browser.close()
    assert blocked == []
    assert errors == []
