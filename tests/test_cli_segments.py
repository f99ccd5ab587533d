"""`omnimix segments`: JSON output, membership CSV and bad input (exit code 2, one sentence)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["segments", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_output_and_membership_csv(small_db: Path, tmp_path: Path, capsys):
    out_csv = tmp_path / "members.csv"
    code, out, err = run(capsys, "--db", str(small_db), "--k", "4", "--seed", "3", "--features", "rfm,channel",
                         "--out", str(out_csv), "--json")
    assert code == 0, err
    payload = json.loads(out)
    with duckdb.connect(str(small_db), read_only=True) as con:
        buyers = con.execute("SELECT count(DISTINCT customer_id) FROM orders").fetchone()[0]
    assert payload["k"] == 4 and payload["seed"] == 3 and payload["features"] == ["rfm", "channel"]
    assert payload["customers"] == buyers
    assert -1 <= payload["silhouette"] <= 1
    segments = payload["segments"]
    assert [s["segment"] for s in segments] == [1, 2, 3, 4]
    assert sum(s["customers"] for s in segments) == buyers  # all segments are well above 50 here
    assert sum(g["customers"] for g in payload["rfm_groups"]) == buyers
    assert sum(g["revenue_share"] for g in payload["rfm_groups"]) == pytest.approx(1.0)
    assert len({s["name"] for s in segments}) == 4
    assert sum(s["revenue_share"] for s in segments) == pytest.approx(1.0)
    assert {"description", "frequency", "ch_store", "cat_fashion"} <= set(segments[0])
    members = pd.read_csv(out_csv, dtype=str)
    assert list(members.columns) == ["customer_id", "segment", "name"] and len(members) == buyers
    sizes = members["segment"].value_counts().sort_index()
    assert sizes.to_dict() == {str(s["segment"]): s["customers"] for s in segments}
    assert payload["rows_written"] == buyers


def test_same_seed_same_output(small_db: Path, capsys):
    args = ("--db", str(small_db), "--k", "3", "--seed", "5", "--json")
    first, second = json.loads(run(capsys, *args)[1]), json.loads(run(capsys, *args)[1])
    assert first["segments"] == second["segments"]


def test_diagnose_and_filters(small_db: Path, capsys):
    code, out, err = run(capsys, "--db", str(small_db), "--k", "3", "--start", "2025-01-01", "--end", "2025-12-28",
                         "--channels", "web,app", "--diagnose", "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["reference_date"] == "2025-12-28"
    assert [d["k"] for d in payload["diagnostics"]] == list(range(2, 13))
    assert 2 <= payload["suggested_k"] <= 12 and payload["suggested_k_reason"].startswith(f"k = {payload['suggested_k']}")
    # channel shares exist only for the selected channels
    assert {k for k in payload["segments"][0] if k.startswith("ch_")} == {"ch_app", "ch_web"}


def test_text_output(small_db: Path, capsys):
    code, out, _ = run(capsys, "--db", str(small_db), "--k", "2")
    assert code == 0
    assert out.splitlines()[0].endswith("(seed 0):") and out.splitlines()[1].lstrip().startswith("1. ")


@pytest.mark.parametrize("k", ["1", "13"])
def test_k_outside_range_exits_2(small_db: Path, capsys, k):
    code, out, err = run(capsys, "--db", str(small_db), "--k", k)
    assert code == 2 and out == ""
    assert err.strip() == f"omnimix: k (number of segments) must be a whole number from 2 to 12; got {k}."


def test_fewer_customers_than_k_exits_2(small_db: Path, capsys):
    day = "2025-12-28"
    with duckdb.connect(str(small_db), read_only=True) as con:
        channel, n = con.execute(
            "SELECT channel, count(DISTINCT customer_id) AS n FROM orders WHERE order_ts::DATE = ? "
            "GROUP BY channel ORDER BY n, channel LIMIT 1", [day]).fetchone()
    assert 1 <= n < 12, "pick a day and channel with a handful of buyers"
    code, _, err = run(capsys, "--db", str(small_db), "--k", str(n + 1), "--start", day, "--end", day, "--channels", channel)
    assert code == 2
    assert f"Only {n} customer(s) match the filters, fewer than k = {n + 1}" in err


@pytest.mark.parametrize("extra", [["--channels", "carrier-pigeon"], ["--start", "2030-01-01", "--end", "2030-02-01"]])
def test_empty_filter_result_exits_2(small_db: Path, capsys, extra):
    code, _, err = run(capsys, "--db", str(small_db), *extra)
    assert code == 2
    if "--channels" in extra:  # the shared channel check names the typo before any clustering
        assert "Unknown sales channel(s) carrier-pigeon in --channels; the data has app, marketplace, social, store, web." in err
    else:
        assert "No customer placed an order in the selected period and channels" in err
    assert "Traceback" not in err


def test_other_bad_input_exits_2(small_db: Path, tmp_path: Path, capsys):
    code, _, err = run(capsys, "--db", str(small_db), "--features", "rfm,colour")
    assert code == 2 and "Unknown feature group 'colour'" in err
    code, _, err = run(capsys, "--db", str(small_db), "--start", "2025-02-01", "--end", "2025-01-01")
    assert code == 2 and "is after --end" in err
    code, _, err = run(capsys, "--db", str(tmp_path / "missing.duckdb"))
    assert code == 2 and "does not exist" in err


def test_negative_seed_exits_2(small_db: Path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["segments", "--db", str(small_db), "--seed", "-1"])
    err = capsys.readouterr().err
    assert exc.value.code == 2
    assert "argument --seed: must be a whole number" in err and "Traceback" not in err
