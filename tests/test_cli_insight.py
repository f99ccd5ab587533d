"""``omnimix insight``: JSON shape, figures matching the library, small groups hidden, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_insight import build_fixture  # tests/ is on sys.path (pytest rootdir-less "prepend" import mode)

from core.cli import main

PERIOD_ARGS = ["--start", "2024-01-01", "--end", "2024-04-30"]
KEYS = {"db", "currency", "filters", "min_group_size", "cohort_by", "readings", "cohorts", "funnels", "journeys",
        "multichannel_value", "anomalies", "anomaly_method"}


@pytest.fixture(scope="module")
def tiny_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture(tmp_path_factory.mktemp("cli_insight") / "tiny.duckdb")


def run_json(capsys, *args: str) -> dict:
    code = main(["insight", *args, "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return json.loads(captured.out)


def test_json_has_every_section_with_the_library_figures(tiny_db, capsys):
    out = run_json(capsys, "--db", str(tiny_db), *PERIOD_ARGS, "--min-group", "1")
    assert set(out) == KEYS
    assert out["filters"] == {"start": "2024-01-01", "end": "2024-04-30", "channels": "all"}
    assert out["min_group_size"] == 1 and out["cohort_by"] == "month"
    assert set(out["readings"]) == {"cohort_retention", "cohort_revenue", "funnels", "journeys",
                                    "multichannel_value", "anomalies"}
    jan = [r for r in out["cohorts"] if r["cohort"] == "2024-01"]
    assert [r["retention"] for r in jan] == [1.0, 0.5, 0.5, 0.0]
    assert [r["cumulative_revenue_per_customer"] for r in jan] == [10.0, 20.0, 35.0, 35.0]
    web = {r["step"]: r for r in out["funnels"] if r["period"] == "selected" and r["channel"] == "web"}
    assert [web[s]["events"] for s in ("view", "cart", "purchase")] == [4, 2, 1]
    assert web["purchase"]["overall_conversion"] == 0.25 and web["view"]["drop_off"] is None
    assert {(r["first_channel"], r["later_channel"]): r["customers"] for r in out["journeys"]}[("web", "web")] == 2
    assert {r["group"]: r["customers"] for r in out["multichannel_value"]} == {"multi-channel": 2, "single-channel": 3}
    # a channel that sells nothing most weeks: its one store sale is the strongest departure
    top = out["anomalies"][0]
    assert (top["week"], top["channel"], top["revenue"], top["direction"]) == ("2024-02-19", "store", 10.0, "above")
    assert top["deviation"] is None  # nothing was expected, so no relative change
    assert out["anomaly_method"] == {"seasonal": False, "threshold": 3.5}
    assert out["readings"]["anomalies"].startswith("5 channel-weeks departed from the seasonal expectation; the "
                                                   "largest: store in the week of 19 Feb 2024, above an expected €0")


def test_default_minimum_shows_fewer_than_50_and_no_figure(tiny_db, capsys):
    out = run_json(capsys, "--db", str(tiny_db), *PERIOD_ARGS, "--cohort-by", "acquisition")
    assert out["min_group_size"] == 50
    # JSON keeps numbers numeric: a hidden count is null with its flag "small" beside it.
    assert {(r["cohort_size"], r["cohort_size_hidden"]) for r in out["cohorts"]} == {(None, "small")}
    assert all(r["retention"] is None and r["revenue"] is None for r in out["cohorts"])
    assert {(r["first_customers"], r["first_customers_hidden"]) for r in out["journeys"]} == {(None, "small")}
    assert {(r["customers"], r["customers_hidden"]) for r in out["multichannel_value"]} == {(None, "small")}
    assert "fewer than" not in json.dumps([out[k] for k in ("cohorts", "funnels", "journeys", "multichannel_value")])
    assert "fewer than 50" in out["readings"]["cohort_retention"]


def test_channel_filter_and_text_output(tiny_db, capsys):
    code = main(["insight", "--db", str(tiny_db), *PERIOD_ARGS, "--channels", "web", "--min-group", "1"])
    text = capsys.readouterr().out
    assert code == 0
    assert text.startswith("Insight 2024-01-01 – 2024-04-30 (web); groups under 1 customers hidden.")
    assert "Customers who first bought in" in text


@pytest.mark.parametrize("args, needle", [
    (["--start", "2024-13-01"], "--start must be a date written YYYY-MM-DD (got '2024-13-01')"),
    (["--start", "2024-05-01", "--end", "2024-01-01"], "--start (2024-05-01) is after --end (2024-01-01)"),
    (["--channels", "web,teleshop"], "Unknown sales channel(s) teleshop in --channels; the data has "),
    (["--min-group", "0"], "--min-group must be at least 1 (got 0)"),
    (["--months", "500"], "--months must be between 0 and 120 (got 500)"),
    (["--threshold", "-1"], "--threshold must be positive (got -1.0)"),
])
def test_bad_input_exits_2_with_one_sentence(tiny_db, capsys, args, needle):
    code = main(["insight", "--db", str(tiny_db), *args, "--json"])
    captured = capsys.readouterr()
    assert code == 2
    assert needle in captured.err and captured.out == ""
    assert "Traceback" not in captured.err and len(captured.err.strip().splitlines()) == 1


def test_missing_database_exits_2(tmp_path, capsys):
    code = main(["insight", "--db", str(tmp_path / "absent.duckdb")])
    assert code == 2 and "does not exist" in capsys.readouterr().err


def test_database_without_orders_exits_2(tmp_path, capsys):
    from core.store.db import init_db

    code = main(["insight", "--db", str(init_db(tmp_path / "empty.duckdb"))])
    assert code == 2 and "no orders" in capsys.readouterr().err
