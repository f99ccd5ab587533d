"""``omnimix report``: JSON output, a database without marketing spend, no browser, PDF, one-sentence errors."""

from __future__ import annotations

import json

import pytest

from core import cli
from core.report import pdf as report_pdf
from tests.test_report import built, no_spend_db, report_cache  # noqa: F401 - shared fixtures, built once


def _run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = cli.main(["report", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _one_sentence(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    text = lines[0].removeprefix("omnimix: ")
    assert text.endswith(".") and ". " not in text.rstrip("."), text
    return text


def test_no_spend_and_no_browser_still_writes_the_html(no_spend_db, tmp_path, capsys, monkeypatch):  # noqa: F811
    monkeypatch.setattr(report_pdf, "find_browser", lambda: None)
    out, pdf = tmp_path / "report.html", tmp_path / "report.pdf"
    code, stdout, err = _run(capsys, "--db", str(no_spend_db), "--out", str(out), "--pdf", str(pdf),
                             "--channels", "web,app", "--json")
    assert code == 0, err
    payload = json.loads(stdout)
    assert payload["html"]["path"] == str(out) and payload["html"]["bytes"] == out.stat().st_size
    assert payload["html"]["seconds"] > 0 and payload["filters"]["channels"] == ["app", "web"]
    sections = {s["key"]: s for s in payload["sections"]}
    assert list(sections) == ["kpis", "channels", "segments", "recommendations", "budget", "weeks"]
    budget = sections["budget"]
    assert budget["included"] is False
    assert budget["reason"] == ("No budget proposal: The database has no marketing spend; load marketing_spend "
                                "before fitting the budget model.")
    assert all(s["included"] for k, s in sections.items() if k != "budget")
    assert payload["pdf"]["path"] is None and payload["pdf"]["problem"].startswith("No PDF: no Chromium browser")
    assert not pdf.exists()
    html = out.read_text()
    assert "sales channels app, web" in html and "no marketing spend" in html
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left


@pytest.mark.browser
def test_pdf_is_printed_from_the_same_html(built, tmp_path):  # noqa: F811
    from core.report.build import write_atomic

    browser = report_pdf.find_browser()
    if browser is None:
        pytest.skip("no Chromium here")
    _, html = built
    pdf = tmp_path / "report.pdf"
    size = write_atomic(pdf, lambda tmp: report_pdf.print_pdf(html, tmp, browser=browser))
    assert size > 10_000 and pdf.read_bytes().startswith(b"%PDF")
    assert [p.name for p in tmp_path.iterdir()] == ["report.pdf"]


@pytest.mark.parametrize(("args", "expected"), [
    (["--start", "2025-13-01"], "--start must be a date written YYYY-MM-DD (got '2025-13-01')."),
    (["--start", "2025-06-01", "--end", "2025-01-01"], "--start (2025-06-01) is after --end (2025-01-01)."),
    (["--channels", "teleshop"], "Unknown sales channel(s) teleshop in --channels"),
    (["--start", "2001-01-01", "--end", "2001-01-31"], "No orders in 01 Jan 2001 – 31 Jan 2001 (31 days) for all sales channels; the data has orders from "),
])
def test_bad_input_is_one_sentence_and_writes_nothing(small_db, tmp_path, capsys, args, expected):
    out = tmp_path / "report.html"
    code, _, err = _run(capsys, "--db", str(small_db), "--out", str(out), *args)
    assert code == 2
    assert _one_sentence(err).startswith(expected)
    assert list(tmp_path.iterdir()) == []


def test_unwritable_out_folder(small_db, tmp_path, capsys):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    for out, words in ((tmp_path / "missing" / "r.html", "does not exist"), (blocker / "r.html", "does not exist"),
                       (tmp_path, "is a folder")):
        code, _, err = _run(capsys, "--db", str(small_db), "--out", str(out))
        assert code == 2 and words in _one_sentence(err)
    assert [p.name for p in tmp_path.iterdir()] == ["file.txt"]


def test_missing_database(tmp_path, capsys):
    code, _, err = _run(capsys, "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "r.html"))
    assert code == 2 and _one_sentence(err) == f"Database {tmp_path / 'none.duckdb'} does not exist."


@pytest.fixture(scope="module", autouse=True)
def _cache_folder(tmp_path_factory: pytest.TempPathFactory):
    """One cache folder for these tests: the quick budget fit is made once, and not into the user's cache."""
    from core import cache

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(cache.ENV, str(tmp_path_factory.mktemp("cli_report_cache")))
        yield


def _media_channels(db) -> list[str]:  # noqa: ANN001
    from core.store.db import open_db

    with open_db(db, read_only=True) as con:
        return [r[0] for r in con.execute("SELECT DISTINCT channel FROM marketing_spend ORDER BY 1").fetchall()]


def test_pages_builds_only_their_sections(small_db, tmp_path, capsys):
    out = tmp_path / "report.html"
    code, stdout, err = _run(capsys, "--db", str(small_db), "--out", str(out), "--pages", "segments,overview",
                             "--json")
    assert code == 0, err
    assert [s["key"] for s in json.loads(stdout)["sections"]] == ["kpis", "channels", "segments"]
    html = out.read_text()
    for key in ("kpis", "channels", "segments"):
        assert f'<section id="{key}">' in html
    for key in ("recommendations", "budget", "weeks"):
        assert f'<section id="{key}">' not in html


@pytest.mark.parametrize(("args", "expected"), [
    (["--pages", "data"], "Page 'data' has no report sections; pages with some: overview, segments, "),
    (["--pages", "overview", "--budget", "current"], "--budget needs the budget section"),
    (["--budget", "nowhere.csv"], "Budget scenario 'nowhere.csv': no such file, and not a known name"),
])
def test_bad_pages_or_scenario_name_is_one_sentence(small_db, tmp_path, capsys, args, expected):
    out = tmp_path / "report.html"
    code, _, err = _run(capsys, "--db", str(small_db), "--out", str(out), *args)
    assert code == 2
    assert _one_sentence(err).startswith(expected)
    assert list(tmp_path.iterdir()) == []


def test_budget_scenario_file_is_shown_against_the_current_split(small_db, tmp_path, capsys):
    first, second, *_ = _media_channels(small_db)
    plan = tmp_path / "plan.csv"
    plan.write_text(f"channel,weekly_budget\n{first},0\n{second},4321\n")
    out = tmp_path / "report.html"
    code, stdout, err = _run(capsys, "--db", str(small_db), "--out", str(out), "--pages", "budget",
                             "--budget", str(plan), "--json")
    assert code == 0, err
    payload = json.loads(stdout)
    assert payload["budget_scenario"] == {"name": "plan", "weekly_budget": {first: 0.0, second: 4321.0}}
    assert [s["key"] for s in payload["sections"]] == ["budget"] and payload["sections"][0]["included"]
    html = out.read_text()
    assert "Scenario plan:" in html and "with the current split:" in html and "4,321" in html
    assert "Scenario plan (" in html  # its bars in the chart
    assert "they keep their current weekly spend" in html  # the channels the file leaves out


def test_budget_scenario_json_and_names(small_db, tmp_path, capsys):
    channels = _media_channels(small_db)
    plan = tmp_path / "even.json"
    plan.write_text(json.dumps({"weekly_budget": dict.fromkeys(channels, 1000)}))
    for scenario, shown in ((str(plan), "Scenario even:"), ("cautious", "Scenario cautious:")):
        out = tmp_path / "report.html"
        code, _, err = _run(capsys, "--db", str(small_db), "--out", str(out), "--pages", "budget", "--budget", scenario)
        assert code == 0, err
        html = out.read_text()
        assert shown in html and "they keep their current weekly spend" not in html


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("bad.csv", "channel,weekly_budget\n{0},100\n{1},-5\n", "Budget scenario {path}, row 3: weekly_budget must be"),
    ("bad.csv", "channel,weekly_budget\n{0},lots\n", "Budget scenario {path}, row 2: weekly_budget must be a number"),
    ("bad.csv", "channel,amount\n{0},100\n", "Budget scenario {path}: missing column 'weekly_budget'"),
    ("twice.csv", "channel,weekly_budget\n{0},1\n{0},2\n", "Budget scenario {path}, row 3: channel '{0}' appears twice"),
    ("bad.json", '{{"{0}": "many"}}', "Budget scenario {path}, field '{0}': weekly_budget must be a number"),
    ("bad.json", "[1, 2]", "Budget scenario {path}: expected an object of channel to weekly budget"),
    ("bad.json", "{{", "Budget scenario {path}: not valid JSON"),
    ("bad.txt", "x", "Budget scenario {path}: the file must end in .csv or .json"),
    ("unknown.json", '{{"teleshop": 100}}', "Budget scenario {path}: unknown media channel 'teleshop'; the budget "
                                            "model's channels are "),
])
def test_bad_scenario_names_the_row_or_field_and_writes_nothing(small_db, tmp_path, capsys, name, content, expected):
    channels = _media_channels(small_db)
    folder = tmp_path / "out"
    folder.mkdir()
    path = tmp_path / name
    path.write_text(content.format(*channels))
    code, _, err = _run(capsys, "--db", str(small_db), "--out", str(folder / "report.html"), "--pages", "budget",
                        "--budget", str(path))
    assert code == 2
    assert _one_sentence(err).startswith(expected.format(*channels, path=path))
    assert list(folder.iterdir()) == []
