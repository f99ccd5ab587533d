"""``omnimix budget fit | optimize | plan``: JSON output, CSV input, lift tests, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from core.cli import main
from core.mmm.weekly import from_db

CHANNELS = ["search", "social", "display", "email", "affiliate", "tv"]


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, dict | None, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 and "--json" in argv else None), err


@pytest.fixture(scope="module")
def weekly_csv(small_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small sample's weekly table as a user would export it (own column names)."""
    with duckdb.connect(str(small_db), read_only=True) as con:
        data = from_db(con)
    frame = data.frame.rename(columns={"week": "Week", "revenue": "Sales"})
    frame["promo"] = (np.arange(len(frame)) % 5 == 0).astype(int)
    path = tmp_path_factory.mktemp("csv") / "weekly.csv"
    frame.to_csv(path, index=False)
    return path


def test_fit_json_from_db(capsys, small_db: Path):
    code, payload, _ = run(capsys, "budget", "fit", "--db", str(small_db), "--seed", "1", "--json")
    assert code == 0
    assert payload["weeks"] == 156 and payload["first_week"] == "2023-01-02"
    assert {"r2", "mape", "nrmse", "weeks"} <= set(payload["metrics"]["holdout"])
    assert payload["metrics"]["holdout"]["weeks"] == 12
    rows = {r["channel"]: r for r in payload["channels"]}
    assert set(rows) == set(CHANNELS)
    for r in rows.values():
        assert r["roas"] >= 0 and r["mroas"] >= 0 and 0 <= r["decay"] < 1 and r["half_saturation"] > 0
        assert r["roas_low"] <= r["roas"] <= r["roas_high"]
        assert isinstance(r["well_measured"], bool) and r["test_value"] >= 0
    # the generated sample carries three lift tests (tv, display, social), all used
    assert payload["experiments_used"] == 3
    assert sorted(t["channel"] for t in payload["experiments"]) == ["display", "social", "tv"]
    assert all(rows[c]["roas_without_tests"] > 0 for c in ("tv", "display", "social"))


def test_no_experiments_fits_the_weekly_data_alone_and_tests_narrow_the_bands(capsys, small_db: Path):
    _, with_tests, _ = run(capsys, "budget", "fit", "--db", str(small_db), "--seed", "1", "--json")
    _, without, _ = run(capsys, "budget", "fit", "--db", str(small_db), "--seed", "1", "--no-experiments", "--json")
    assert without["experiments_used"] == 0 and "roas_without_tests" not in without["channels"][0]
    width = {
        p: {r["channel"]: r["roas_high"] - r["roas_low"] for r in d["channels"]}
        for p, d in (("with", with_tests), ("without", without))
    }
    narrower = sum(width["with"][c] < width["without"][c] for c in ("tv", "display", "social"))
    assert narrower >= 2


def test_lift_tests_from_a_csv_with_csv_weekly_data(capsys, weekly_csv: Path, tmp_path: Path, small_db: Path):
    with duckdb.connect(str(small_db), read_only=True) as con:
        tests = con.execute(
            "SELECT channel, start_week, end_week, incremental_revenue, standard_error "
            "FROM experiments WHERE channel = ?",
            ["tv"],
        ).df()
    tests_csv = tmp_path / "tests.csv"
    tests.to_csv(tests_csv, index=False)
    argv = [
        "budget",
        "fit",
        "--csv",
        str(weekly_csv),
        "--date",
        "Week",
        "--target",
        "Sales",
        "--channels",
        ",".join(CHANNELS),
        "--experiments",
        str(tests_csv),
        "--json",
    ]
    code, payload, _ = run(capsys, *argv)
    assert code == 0 and payload["experiments_used"] == 1
    tests.assign(standard_error=-1.0).to_csv(tests_csv, index=False)
    code, _, err = run(capsys, *argv)
    assert code == 2 and "tests.csv" in err and "standard_error must be above 0" in err
    # the page's reader: a value that does not parse is named by row and column
    tests.astype({"start_week": str}).assign(start_week=["soon"] * len(tests)).to_csv(tests_csv, index=False)
    code, _, err = run(capsys, *argv)
    assert code == 2 and f"{tests_csv}, row 1: start_week 'soon' is not a date (YYYY-MM-DD)." in err


def test_plan_next_quarter_json(capsys, small_db: Path):
    code, payload, _ = run(
        capsys, "budget", "plan", "--db", str(small_db), "--weeks", "13", "--total", "260000", "--json"
    )
    assert code == 0
    assert payload["weeks"] == 13 and payload["first_week"] == "2025-12-29" and len(payload["weekly"]) == 13
    assert payload["total_spend"] == pytest.approx(260000, rel=1e-6)
    assert sum(r["proposed_spend"] for r in payload["channels"]) == pytest.approx(260000, rel=1e-6)
    prop = payload["proposed"]
    assert prop["revenue_low"] < prop["revenue"] < prop["revenue_high"]
    assert prop["revenue"] >= payload["current"]["revenue"] - 1e-6
    weekly = pd.DataFrame(payload["weekly"])
    assert weekly["revenue"].sum() == pytest.approx(prop["revenue"], rel=1e-9)
    assert 0 < payload["carryover"] < prop["revenue"]
    code, _, err = run(capsys, "budget", "plan", "--db", str(small_db), "--weeks", "0")
    assert code == 2 and "1 to 104 weeks" in err


def test_cautious_optimize_reports_its_band(capsys, small_db: Path):
    code, payload, _ = run(capsys, "budget", "optimize", "--db", str(small_db), "--cautious", "--json")
    assert code == 0 and payload["cautious"] is True
    prop = payload["proposed"]
    assert prop["revenue_low"] < prop["revenue"] < prop["revenue_high"]


def test_fit_from_csv_with_controls_and_text_output(capsys, weekly_csv: Path):
    code, _, _ = run(
        capsys,
        "budget",
        "fit",
        "--csv",
        str(weekly_csv),
        "--date",
        "Week",
        "--target",
        "Sales",
        "--channels",
        ",".join(CHANNELS),
        "--controls",
        "promo",
    )
    assert code == 0
    out = main(
        [
            "budget",
            "fit",
            "--csv",
            str(weekly_csv),
            "--date",
            "Week",
            "--target",
            "Sales",
            "--channels",
            "search,tv",
            "--json",
        ]
    )
    payload = json.loads(capsys.readouterr().out)
    assert out == 0 and payload["source"] == "weekly.csv"
    assert [r["channel"] for r in payload["channels"]] == ["search", "tv"]


def test_optimize_json_respects_total_and_bounds(capsys, small_db: Path):
    code, payload, _ = run(
        capsys,
        "budget",
        "optimize",
        "--db",
        str(small_db),
        "--total",
        "3000",
        "--bounds",
        "tv=0:500",
        "search=-10%:+10%",
        "--weeks",
        "4",
        "--json",
    )
    assert code == 0
    rows = {r["channel"]: r for r in payload["channels"]}
    assert sum(r["proposed_spend"] for r in rows.values()) == pytest.approx(4 * 3000)
    assert rows["tv"]["proposed_spend"] <= 4 * 500 + 1e-6
    assert payload["proposed"]["revenue"] >= payload["current"]["revenue"] - 1e-6
    assert payload["gain"] == pytest.approx(payload["proposed"]["revenue"] - payload["current"]["revenue"])


def test_optimize_target_roas(capsys, small_db: Path):
    code, payload, _ = run(capsys, "budget", "optimize", "--db", str(small_db), "--target-roas", "1.5", "--json")
    if code == 0:
        assert payload["proposed"]["roas"] >= 1.5 - 1e-6
    else:  # the fitted channels cannot return 1.5 per EUR: still a clear sentence, not a traceback
        assert code == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--channels", "search,radio"], "Column 'radio' is not in the weekly.csv"),
        (["--channels", "search", "--date", None], "--csv needs --date"),
        (["--channels", "search", "--target", "promo_missing"], "Column 'promo_missing'"),
    ],
    ids=["missing-channel", "missing-date-flag", "missing-target"],
)
def test_bad_csv_input_exits_2_with_one_sentence(capsys, weekly_csv: Path, argv, message):
    args = {"--csv": str(weekly_csv), "--date": "Week", "--target": "Sales"}
    for flag, value in zip(argv[::2], argv[1::2], strict=True):
        args[flag] = value
    flat = [x for k, v in args.items() if v is not None for x in (k, v)]
    code, _, err = run(capsys, "budget", "fit", *flat, "--json")
    assert code == 2
    assert message in err and "Traceback" not in err
    assert err.count("\n") == 1


def test_gap_in_weeks_and_infeasible_bounds_exit_2(capsys, weekly_csv: Path, tmp_path: Path, small_db: Path):
    gappy = tmp_path / "gappy.csv"
    pd.read_csv(weekly_csv).drop(index=20).to_csv(gappy, index=False)
    code, _, err = run(
        capsys, "budget", "fit", "--csv", str(gappy), "--date", "Week", "--target", "Sales", "--channels", "search"
    )
    assert code == 2 and "is followed by" in err and "(row 21), 14 days later" in err
    code, _, err = run(capsys, "budget", "optimize", "--db", str(small_db), "--total", "100", "--bounds", "tv=500:900")
    assert code == 2 and "lower bounds add up to 500 EUR per week, above the total of 100 EUR" in err


def test_target_roas_with_minimums_above_the_total_exits_2(capsys, small_db: Path):
    code, _, err = run(
        capsys,
        "budget",
        "optimize",
        "--db",
        str(small_db),
        "--target-roas",
        "2",
        "--total",
        "1000",
        "--bounds",
        "search=5000:6000",
    )
    assert code == 2 and "lower bounds add up to 5,000 EUR per week, above the total of 1,000 EUR" in err


def test_malformed_bound_names_the_bound(capsys, small_db: Path):
    code, _, err = run(capsys, "budget", "optimize", "--db", str(small_db), "--bounds", "search=1.2.3:5")
    assert code == 2 and "Bound 'search=1.2.3:5' is not CHANNEL=LO:HI" in err and "unexpected" not in err


def test_target_roas_compares_with_todays_budget_as_well(capsys, small_db: Path):
    code, payload, _ = run(
        capsys, "budget", "optimize", "--db", str(small_db), "--target-roas", "3", "--weeks", "4", "--json"
    )
    assert code == 0
    # the starting split is today's mix scaled to the new total, and says so
    assert payload["current"]["label"] == "current mix at this budget"
    assert payload["current"]["spend"] == pytest.approx(payload["proposed"]["spend"])
    assert payload["today"]["spend"] != pytest.approx(payload["proposed"]["spend"])
    assert payload["gain_vs_today"] == pytest.approx(payload["proposed"]["revenue"] - payload["today"]["revenue"])
    assert main(["budget", "optimize", "--db", str(small_db), "--target-roas", "3"]) == 0
    out = capsys.readouterr().out
    assert "predicted revenue: current mix at this budget" in out and "Against today's budget" in out


def test_fixed_total_at_todays_budget_is_labelled_current_split(capsys, small_db: Path):
    code, payload, _ = run(capsys, "budget", "optimize", "--db", str(small_db), "--json")
    assert code == 0 and payload["current"]["label"] == "current split"
    assert payload["today"]["revenue"] == pytest.approx(payload["current"]["revenue"], rel=1e-9)


def test_negative_seed_is_an_argument_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["budget", "fit", "--seed", "-1"])
    assert exc.value.code == 2
    assert "argument --seed: must be a whole number" in capsys.readouterr().err
