"""`omnimix campaigns`: JSON equal to core.campaigns on the hand-made database, and one-sentence errors (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_campaigns_tinydb import END, START, build_tiny_db

from core.cli import main


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_db(tmp_path_factory.mktemp("cli_campaigns") / "tiny.duckdb")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["campaigns", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_has_the_hand_checked_figures(tiny: Path, capsys):
    code, out, err = run(capsys, "--db", str(tiny), "--start", str(START), "--end", str(END), "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["filters"] == {"start": "2025-03-03", "end": "2025-03-30", "channels": None}
    assert payload["previous_period"] == {"start": "2025-02-03", "end": "2025-03-02"}
    assert "7 days" in payload["credit_rule"] and payload["campaigns_total"] == 3
    campaigns = {c["campaign_id"]: c for c in payload["campaigns"]}
    e1 = campaigns["E1"]
    assert (e1["sessions"], e1["orders"], e1["revenue"], e1["spend"]) == (60, 13, 270, 400)
    assert e1["revenue_change"] == pytest.approx(170.0) and e1["roas"] == pytest.approx(0.675)
    x1 = campaigns["X1"]  # 10 customers: hidden, spend shown
    assert x1["customers"] is None and x1["customers_hidden"] == "small" and x1["orders"] is None
    assert x1["spend"] == 70
    # 65 buyers in six segments: every segment is under 50, so the themes section says why it is empty.
    assert "fewer than 50" in payload["themes"]["problem"] and payload["themes"]["cells"] == []
    seo = payload["seo"]
    pages = {p["landing_page"]: p for p in seo["landing_pages"]}
    assert (pages["/brand"]["sessions"], pages["/brand"]["orders"], pages["/brand"]["revenue"]) == (55, 10, 400)
    assert pages["/about"]["sessions"] is None
    assert [p["landing_page"] for p in seo["losing_pages"]] == ["/blog/shoes"]
    assert seo["losing_windows"]["recent"] == ["2025-02-03", "2025-03-30"]


def test_top_and_channels(tiny: Path, capsys):
    code, out, err = run(capsys, "--db", str(tiny), "--start", str(START), "--end", str(END), "--channels", "app",
                         "--top", "1", "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert [c["campaign_id"] for c in payload["campaigns"]] == ["S1"] and payload["campaigns_total"] == 3
    assert payload["campaigns"][0]["orders"] == 20


def test_default_period_is_the_last_52_weeks(tiny: Path, capsys):
    code, out, _ = run(capsys, "--db", str(tiny), "--json")
    assert code == 0
    filters = json.loads(out)["filters"]
    # Less than 52 weeks of orders: from the first order to the last.
    assert filters == {"start": "2025-02-03", "end": "2025-03-27", "channels": None}


def test_text_report(tiny: Path, capsys):
    code, out, _ = run(capsys, "--db", str(tiny), "--start", str(START), "--end", str(END))
    assert code == 0
    assert "compared with 2025-02-03 – 2025-03-02" in out and "Credit rule:" in out
    assert "Spring sale [email, price offer]" in out and "(+170% vs previous)" in out
    assert "fewer than 50 sessions" in out and "/blog/shoes: 120 -> 60 sessions (-50%)" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["--top", "0"], "--top must be 1 or more"),
    (["--start", "2025-13-01"], "--start must be a date written YYYY-MM-DD"),
    (["--channels", "teleshop"], "Unknown sales channel(s) teleshop"),
])
def test_bad_options_are_one_sentence(tiny: Path, capsys, argv, message):
    code, out, err = run(capsys, "--db", str(tiny), *argv)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_database_without_campaigns_says_how_to_load_them(tmp_path: Path, capsys):
    db = build_tiny_db(tmp_path / "none.duckdb", with_campaigns=False)
    code, _, err = run(capsys, "--db", str(db), "--json")
    assert code == 2
    assert "no campaigns" in err and "omnimix load" in err and len(err.strip().splitlines()) == 1


def test_missing_database(tmp_path: Path, capsys):
    code, _, err = run(capsys, "--db", str(tmp_path / "nope.duckdb"))
    assert code == 2 and "Traceback" not in err


def test_generated_sample_has_every_section(small_db: Path, capsys):
    code, out, err = run(capsys, "--db", str(small_db), "--top", "5", "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["previous_period"] is not None and len(payload["campaigns"]) == 5
    assert payload["campaigns_total"] > 5
    themes = payload["themes"]
    assert themes["problem"] is None and themes["k"] == 6
    assert {c["segment"] for c in themes["cells"]} == {lead["segment"] for lead in themes["lead_with"]}
    assert any(lead["lead_with"] for lead in themes["lead_with"])
    # Every shown cell: at least 50 customers; hidden ones carry the flag and no figures.
    for cell in themes["cells"]:
        assert (cell["customers"] is None) == (cell["customers_hidden"] == "small")
        assert cell["customers"] in (None, 0) or cell["customers"] >= 50  # 0: nobody, shown
    assert payload["seo"]["landing_pages"] and payload["seo"]["keyword_groups"]
