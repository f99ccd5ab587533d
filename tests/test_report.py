"""The stakeholder report (core.report): sections, one plotly.js, no remote references, privacy, atomic writes."""

from __future__ import annotations

import datetime as dt
import pickle
import re
import shutil
from pathlib import Path

import pytest

from core.errors import OmnimixError
from core.filters import Filters
from core.report.build import SECTION_TITLES, build_report, resolve_filters, write_atomic
from core.report.page import esc
from core.store.db import open_db

PLOTLY_BANNER = re.compile(r"\* plotly\.js v\d")
# Anything the browser would fetch: src=/href= attributes, CSS url(...) and @import.
REMOTE = re.compile(r"""(?:\bsrc\s*=\s*["']?|\bhref\s*=\s*["']?|url\(\s*["']?|@import\s+["']?)\s*(?:https?:)?//""",
                    re.IGNORECASE)


@pytest.fixture(scope="session", autouse=True)
def report_cache(tmp_path_factory: pytest.TempPathFactory):
    """The report's on-disk cache (core.cache) in the run's temporary folder, not the user's ~/.cache."""
    from core import cache

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(cache.ENV, str(tmp_path_factory.getbasetemp() / "omnimix_cache"))
        yield


@pytest.fixture(scope="session")
def built(small_db: Path, tmp_path_factory: pytest.TempPathFactory, report_cache: None):
    """The report of the default period (quick budget fit to keep the suite short), and its file.

    Built once per run: the other report test files import this fixture, which makes it a fixture
    of theirs too, so the result is kept in the run's temporary folder for them.
    """
    folder = tmp_path_factory.getbasetemp() / "shared_report"
    path, saved = folder / "report.html", folder / "report.pickle"
    if saved.exists():
        return pickle.loads(saved.read_bytes()), path
    with open_db(small_db, read_only=True) as con:
        report = build_report(con, Filters(), budget_fit="quick")
    folder.mkdir(exist_ok=True)
    write_atomic(path, report.html)
    saved.write_bytes(pickle.dumps(report))
    return report, path


def _without_plotly(html: str) -> str:
    """The page without the embedded plotly.js bundle (a vetted library; the browser test checks it fetches nothing)."""
    start = html.index("<script type=\"text/javascript\">/**")
    return html[:start] + html[html.index("</script>", start):]


def test_every_section_heading_in_story_order(built):
    report, _ = built
    positions = [report.html.index(f"<h2>{esc(title)}</h2>") for title in SECTION_TITLES.values()]
    assert positions == sorted(positions)
    assert [s.key for s in report.sections] == list(SECTION_TITLES)
    assert all(s.missing is None for s in report.sections), [s.missing for s in report.sections]


def test_plotly_embedded_exactly_once_and_every_figure_without_its_own_copy(built):
    report, _ = built
    assert len(PLOTLY_BANNER.findall(report.html)) == 1
    assert report.html.count("Plotly.newPlot(") == report.figures == 6


def test_no_reference_to_any_host(built):
    report, _ = built
    page = _without_plotly(report.html)
    assert REMOTE.findall(page) == []
    assert "http://" not in page and "https://" not in page  # not even in a link


def test_first_line_is_the_filters_and_period(built):
    report, _ = built
    f = report.filters
    assert f.end - f.start == dt.timedelta(days=363)  # the dashboard's default: the last 52 weeks
    body = report.html.split("<body>", 1)[1]
    first = re.match(r'<p class="filters" id="filters">([^<]*)</p>', body)
    assert first is not None
    assert f"{f.start:%d %b %Y} – {f.end:%d %b %Y} (364 days)" in first.group(1)
    assert "all sales channels" in first.group(1)


def test_every_figure_names_unit_and_period(built):
    report, _ = built
    captions = re.findall(r'<div class="figure">.*?<p class="caption">([^<]*)</p>', report.html, flags=re.S)
    assert len(captions) == report.figures
    for caption in captions:
        assert re.search(r"EUR|%", caption), caption
        assert re.search(r"\d{4}", caption), caption  # a period names its dates


def test_print_stylesheet_a4_and_no_split_charts(built):
    report, _ = built
    assert "@page { size: A4" in report.html
    assert re.search(r"@media print \{[^@]*\.figure[^}]*break-inside: avoid", report.html)


def _no_budget():
    raise OmnimixError("The database has no marketing spend; load marketing_spend before fitting the budget model.")


def test_channel_filter_small_groups_hidden_and_missing_budget(small_db: Path):
    """Four weeks of two channels: segments and buyers drop under 50 and are hidden as on screen."""
    with open_db(small_db, read_only=True) as con:
        last = con.execute("SELECT max(order_ts)::DATE FROM orders").fetchone()[0]
        filters = Filters(last - dt.timedelta(days=27), last, ("app", "web"))
        report = build_report(con, filters, budget_model=_no_budget)
    html = report.html
    assert "sales channels app, web" in html.split("<h1>")[0]
    assert "fewer than 50" in html
    segments = html[html.index('<section id="segments">'):html.index('<section id="recommendations">')]
    assert "Hidden segment" in segments
    # A hidden segment's row shows no count: every customer cell is "fewer than 50", a protecting
    # "hidden (...)" or a number of at least 50.
    for cell in re.findall(r'<tr><td class="num">\d+</td><td>[^<]*</td><td class="num">([^<]*)</td>', segments):
        assert cell.startswith(("fewer than", "hidden")) or int(cell.replace(",", "")) >= 50, cell
    section = {s.key: s for s in report.sections}["budget"]
    assert section.figures == 0
    assert section.missing == ("No budget proposal: The database has no marketing spend; load marketing_spend "
                               "before fitting the budget model.")
    assert f'<p class="missing">{esc(section.missing)}</p>' in html


@pytest.fixture(scope="session")
def no_spend_db(small_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``small_db`` without marketing spend (a shop that never loaded it)."""
    path = tmp_path_factory.mktemp("nospend") / "nospend.duckdb"
    shutil.copy(small_db, path)
    with open_db(path) as con:
        con.execute("DELETE FROM marketing_spend")
    return path


def test_sidebar_builds_the_report_on_click_then_offers_it(no_spend_db: Path, monkeypatch: pytest.MonkeyPatch):
    from tests.apptest_pages import open_app_page

    monkeypatch.setenv("OMNIMIX_DB", str(no_spend_db))
    at = open_app_page("pages/overview.py")
    assert not at.exception
    labels = [b.label for b in at.sidebar.get("download_button")]
    assert labels == []  # nothing is built on a page run
    build = [b for b in at.sidebar.button if b.label == "Build report"]
    assert len(build) == 1
    build[0].click().run()
    assert not at.exception
    assert [b.proto.label for b in at.sidebar.get("download_button")] == ["Download report"]
    at.run()  # the next page run offers the cached report without the build button
    assert [b.proto.label for b in at.sidebar.get("download_button")] == ["Download report"]
    assert "Build report" not in [b.label for b in at.sidebar.button]


def test_empty_period_is_one_sentence(small_db: Path):
    with open_db(small_db, read_only=True) as con, pytest.raises(OmnimixError) as err:
        resolve_filters(con, Filters(dt.date(2001, 1, 1), dt.date(2001, 1, 31)))
    message = str(err.value)
    assert message.startswith("No orders in 01 Jan 2001 – 31 Jan 2001") and ". " not in message


def test_atomic_write_leaves_nothing_on_failure(tmp_path: Path):
    out = tmp_path / "report.html"

    def fail_midway(path: Path) -> None:
        path.write_text("<html>half a rep")
        raise OSError(28, "No space left on device")

    with pytest.raises(OmnimixError, match="No space left on device"):
        write_atomic(out, fail_midway)
    assert list(tmp_path.iterdir()) == []
    # An existing report survives a failed rewrite untouched.
    out.write_text("old")
    with pytest.raises(OmnimixError):
        write_atomic(out, fail_midway)
    assert out.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_atomic_write_refuses_missing_folder(tmp_path: Path):
    with pytest.raises(OmnimixError, match=r"the folder .* does not exist\.$"):
        write_atomic(tmp_path / "nowhere" / "report.html", "x")


def test_lines_keep_their_colours_when_streamlit_is_imported(small_db: Path):
    """Importing Streamlit (the dashboard builds reports too) makes its colourless template the default."""
    import plotly.io as pio
    import streamlit  # noqa: F401 - registers and selects the "streamlit" template

    from core.report.business import channel_section

    assert pio.templates.default == "streamlit"
    with open_db(small_db, read_only=True) as con:
        last = con.execute("SELECT max(order_ts)::DATE FROM orders").fetchone()[0]
        section = channel_section(con, Filters(last - dt.timedelta(days=83), last))
    colours = re.findall(r'"line":\{"color":"(#[0-9A-Fa-f]{6})"', section.body)
    assert len(set(colours)) >= 5  # one per sales channel
