"""Report buttons in the app (AppTest): the page's own report, none on pages without report content or
when presenting, and the Budget page's what-if split as the report's budget scenario."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core import cache
from core.filters import Filters
from core.report import build as report_build
from core.report.build import PAGE_SECTIONS, SECTION_TITLES
from core.store.db import open_db
from dashboard import report_button
from tests.apptest_pages import open_app_page


@pytest.fixture(scope="module", autouse=True)
def _cache_folder(tmp_path_factory: pytest.TempPathFactory):
    """One cache folder for the module: the budget model is fitted once, and not into the user's cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(cache.ENV, str(tmp_path_factory.mktemp("report_pages_cache")))
        yield


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """The keyword arguments of every report the buttons build (the real report is still built)."""
    calls: list[dict] = []
    real = report_build.build_report

    def recording(con, filters, **kwargs):  # noqa: ANN001, ANN202
        calls.append(kwargs)
        return real(con, filters, **kwargs)

    monkeypatch.setattr(report_button, "build_report", recording)
    report_button._report_html.clear()
    return calls


def _labels(widgets) -> list[str]:  # noqa: ANN001
    return [w.label for w in widgets]


def _main_buttons(at) -> list[str]:  # noqa: ANN001
    return [b.label for b in at.main.button]


def test_page_button_builds_only_that_pages_sections(sample_env, recorded):
    at = open_app_page("pages/overview.py")
    assert not at.exception, at.exception
    assert "Build page report" in _main_buttons(at) and "Build page report" not in _labels(at.sidebar.button)
    assert "Download report" not in [b.proto.label for b in at.main.get("download_button")]  # nothing built yet
    assert recorded == []
    next(b for b in at.main.button if b.label == "Build page report").click().run()
    assert not at.exception, at.exception
    assert [kw["sections"] for kw in recorded] == [("kpis", "channels")]
    assert "Download report" in [b.proto.label for b in at.main.get("download_button")]
    assert "Download report" not in [b.proto.label for b in at.sidebar.get("download_button")]  # the sidebar's waits


@pytest.mark.parametrize("page", ["pages/data.py", "pages/campaigns.py"])
def test_pages_without_report_content_have_no_page_button(sample_env, page):
    at = open_app_page(page)
    assert not at.exception, at.exception
    assert "Build page report" not in _main_buttons(at)


def test_presentation_mode_hides_both_report_buttons(sample_env):
    at = open_app_page("pages/overview.py", {"present": "1"})
    assert not at.exception, at.exception
    assert "Build page report" not in _main_buttons(at)
    assert "Build report" not in _labels(at.sidebar.button)
    assert "Download report" not in [b.proto.label for b in at.get("download_button")]


def test_budget_page_report_uses_the_what_if_split(sample_env, recorded):
    at = open_app_page("pages/budget.py")
    assert not at.exception, at.exception
    slider = at.slider(key="budget_spend_search")
    slider.set_value(slider.min).run()  # no search spend in the what-if
    next(b for b in at.main.button if b.label == "Build page report").click().run()
    assert not at.exception, at.exception
    (kwargs,) = recorded
    assert kwargs["sections"] == ("budget",)
    scenario = kwargs["budget_scenario"]
    assert scenario is not None and scenario.name == report_button.SCENARIO_NAME
    assert scenario.spend["search"] == slider.min
    assert set(scenario.spend) == {"search", "social", "display", "email", "affiliate", "tv"}


def test_page_sections_map_to_report_sections():
    assert {s for sections in PAGE_SECTIONS.values() for s in sections} == set(SECTION_TITLES)
    assert report_build.sections_for(["insight", "overview"]) == ("kpis", "channels", "weeks")
    assert report_build.sections_for(["all"]) == tuple(SECTION_TITLES)


def test_a_page_report_holds_only_its_sections(small_db: Path):
    with open_db(small_db, read_only=True) as con:
        last = con.execute("SELECT max(order_ts)::DATE FROM orders").fetchone()[0]
        report = report_build.build_report(con, Filters(last - dt.timedelta(days=90), last),
                                           sections=PAGE_SECTIONS["insight"])
    assert [s.key for s in report.sections] == ["weeks"]
    assert '<section id="weeks">' in report.html
    for key in SECTION_TITLES:
        if key != "weeks":
            assert f'<section id="{key}">' not in report.html
