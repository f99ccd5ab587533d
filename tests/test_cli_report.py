"""``omnimix report``: JSON output, a database without marketing spend, no browser, PDF, one-sentence errors."""

from __future__ import annotations

import json

import pytest

from core import cli
from core.report import pdf as report_pdf
from tests.test_report import built, no_spend_db  # noqa: F401 - shared fixtures, built once


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
