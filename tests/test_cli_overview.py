"""`omnimix overview` text output: labels, units, the period and its comparison, never "nan"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.cli import main
from core.overview.queries import KPI_DEFINITIONS
from core.store.db import init_db


@pytest.fixture(scope="module")
def short_history_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 weeks of orders from 2023-01-02: a year before 2024-02-25 has no full previous year."""
    from core.generator import generate_database

    path = tmp_path_factory.mktemp("cli_overview") / "f60.duckdb"
    generate_database(path, n_customers=2000, seed=3, n_weeks=60)
    return path


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["overview", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_text_has_period_labels_units_and_changes(small_db, capsys):
    code, out, err = run(capsys, "--db", str(small_db), "--start", "2025-01-06", "--end", "2025-03-30",
                         "--channels", "web,app")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "Overview 2025-01-06 – 2025-03-30 (84 days, app, web); compared with 2024-10-14 – 2025-01-05."
    by_label = {line.split("  ")[1]: line for line in lines[1:8]}
    assert list(by_label) == [m.label for m in KPI_DEFINITIONS.values()]
    assert "€" in by_label["Revenue"] and "% vs previous period" in by_label["Revenue"]
    assert by_label["Conversion rate"].split()[2].endswith("%") and " pp vs previous period" in by_label["Conversion rate"]
    assert "×" in by_label["Blended ROAS"]
    assert ".00" not in by_label["Orders"]
    assert lines[8] == "Share of revenue by sales channel:"
    assert all("% " in line and "(€" in line for line in lines[9:])
    assert "nan" not in out.lower()


def test_previous_period_before_the_data_is_said_not_computed(short_history_db, capsys):
    code, out, err = run(capsys, "--db", str(short_history_db), "--start", "2023-02-28", "--end", "2024-02-25")
    assert code == 0, err
    assert out.splitlines()[0] == (
        "Overview 2023-02-28 – 2024-02-25 (363 days, all sales channels); no change shown: no full previous period "
        "in the data (2022-03-02 – 2023-02-27 starts before the first data on 2023-01-02).")
    assert "vs previous period" not in out
    code, out, _ = run(capsys, "--db", str(short_history_db), "--start", "2023-02-28", "--end", "2024-02-25", "--json")
    payload = json.loads(out)
    assert payload["previous_period_gap"].startswith("no full previous period in the data")
    assert all(k["previous"] is None and k["change_pct"] is None for k in payload["kpis"])


def test_json_keys_stay_stable(small_db, capsys):
    code, out, _ = run(capsys, "--db", str(small_db), "--start", "2025-01-06", "--end", "2025-03-30", "--json")
    assert code == 0
    payload = json.loads(out)
    assert {"db", "filters", "previous_period", "kpis", "channel_share", "buyers_by_channel_count",
            "channel_pairs"} <= set(payload)
    assert set(payload["kpis"][0]) == {"metric", "value", "previous", "change", "change_pct", "hidden"}
    assert payload["previous_period"] == {"start": "2024-10-14", "end": "2025-01-05"}


def test_empty_database_prints_dashes_not_nan(tmp_path, capsys):
    code, out, _ = run(capsys, "--db", str(init_db(tmp_path / "empty.duckdb")))
    assert code == 0
    assert out.splitlines()[0] == "Overview: the database has no orders yet."
    assert "nan" not in out.lower()
    assert "AOV" in out and "–" in out


@pytest.mark.parametrize("command", ["overview", "insight", "segments"])
def test_every_command_names_an_unknown_channel_and_the_known_ones(small_db, capsys, command):
    code = main([command, "--db", str(small_db), "--channels", "web,carrier-pigeon"])
    err = capsys.readouterr().err
    assert code == 2
    assert err == ("omnimix: Unknown sales channel(s) carrier-pigeon in --channels; "
                   "the data has app, marketplace, social, store, web.\n")


@pytest.mark.parametrize("command", ["overview", "insight", "segments"])
def test_every_command_words_a_bad_date_the_same(small_db, capsys, command):
    code = main([command, "--db", str(small_db), "--start", "2025-02-30"])
    assert code == 2
    assert capsys.readouterr().err == "omnimix: --start must be a date written YYYY-MM-DD (got '2025-02-30').\n"
