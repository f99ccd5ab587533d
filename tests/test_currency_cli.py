"""A database loaded with ``omnimix load --currency GBP``: the report and the money-bearing commands name GBP.

``--json`` outputs carry ``"currency": "GBP"``; their text writes £ (or the code) and never € or EUR.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from core.cli import main
from core.filters import Filters
from core.report.build import build_report
from core.settings import settings_of
from core.store.db import open_db
from dashboard.navigation import ROOT

EXAMPLES = ROOT / "sample_data" / "examples"
EUR_WORD = re.compile(r"\bEUR\b")


def test_load_stores_the_currency(gbp_db: Path) -> None:
    assert settings_of(gbp_db).currency.code == "GBP"


def test_load_refuses_unknown_currency_before_loading(writable_examples_db: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    before = duckdb.connect(str(writable_examples_db), read_only=True).execute(
        "SELECT count(*) FROM channels").fetchone()[0]
    assert main(["load", "--db", str(writable_examples_db), "--table", "channels",
                 str(EXAMPLES / "channels.csv"), "--currency", "ZZZ"]) == 2
    assert "supported: EUR, GBP" in capsys.readouterr().err
    with open_db(writable_examples_db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM channels").fetchone()[0] == before  # nothing loaded


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[dict, str]:
    assert main([*args, "--json"]) == 0, capsys.readouterr().err
    payload = json.loads(capsys.readouterr().out)
    assert main(args) == 0
    return payload, capsys.readouterr().out


@pytest.mark.parametrize("command", [
    ["overview"], ["campaigns"], ["clv"], ["insight"], ["segments", "--k", "4"], ["attribution"],
    ["recommend", "--customer", "C0000001"],
])
def test_money_commands_name_gbp(gbp_db: Path, command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    payload, text = _run([*command, "--db", str(gbp_db)], capsys)
    assert payload["currency"] == "GBP"
    assert "€" not in text and not EUR_WORD.search(text)
    assert "€" not in json.dumps(payload, ensure_ascii=False)
    if command[0] in ("overview", "campaigns", "clv", "recommend"):  # these write amounts in their text
        assert "£" in text


def test_budget_commands_name_gbp(gbp_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for command in (["budget", "fit"], ["budget", "optimize", "--weeks", "4"], ["budget", "plan", "--weeks", "8"]):
        payload, text = _run([*command, "--db", str(gbp_db)], capsys)
        assert payload["currency"] == "GBP"
        assert "GBP" in text and "€" not in text and not EUR_WORD.search(text), text


def test_report_html_names_gbp(gbp_db: Path) -> None:
    with open_db(gbp_db, read_only=True) as con:
        report = build_report(con, Filters(), budget_fit="quick")
    html = report.html
    start = html.index('<script type="text/javascript">/**')  # leave out the embedded plotly.js library
    body = html[:start] + html[html.index("</script>", start):]
    assert "£" in html and "GBP" in html
    assert "€" not in body and not EUR_WORD.search(body)
    assert all(s.missing is None for s in report.sections), [s.missing for s in report.sections]
    assert "Amounts in GBP" in body
    hovers = re.findall(r'"hovertemplate":"([^"]*)"', body)
    assert hovers and not [h for h in hovers if "GBP" in h]  # plotly express's default would be "Revenue (GBP)=…"
    assert any("\\u00a3%{y" in h or "£%{y" in h for h in hovers), hovers  # plotly.io escapes £ in the figure JSON


def test_report_command_json_names_gbp(gbp_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "overview.html"
    assert main(["report", "--db", str(gbp_db), "--out", str(out), "--pages", "overview", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["currency"] == "GBP"
    assert "£" in out.read_text(encoding="utf-8")
