"""Timestamps with a UTC offset (as Shopify and GA export them) load, stored in UTC, and the report says so."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.cli import main
from core.errors import LoadError
from core.store.loader import load_file

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "sample_data" / "examples"
# (table, timestamp column, the other columns of one row: customer 00123 on the web)
TABLES = {
    "orders": ("order_ts", {"order_id": None, "customer_id": "00123", "channel": "web"}),
    "events": ("event_ts", {"customer_id": "00123", "product_id": "P001", "channel": "web", "event_type": "view"}),
    "touchpoints": ("touch_ts", {"customer_id": "00123", "channel": "search", "engaged": "yes"}),
}
VALUES = ["2024-03-01T10:00:00+05:00", "2024-03-01 10:00:00Z", "2024-03-01T10:00-0330", "2024-03-01 23:30:00.25 -01"]
UTC = [dt.datetime(2024, 3, 1, 5, 0), dt.datetime(2024, 3, 1, 10, 0), dt.datetime(2024, 3, 1, 13, 30),
       dt.datetime(2024, 3, 2, 0, 30, 0, 250000)]


@pytest.fixture
def db(writable_examples_db: Path) -> Path:
    return writable_examples_db


def _frame(table: str, stamps: list) -> pd.DataFrame:
    column, others = TABLES[table]
    rows = []
    for i, stamp in enumerate(stamps):
        row = {k: (f"TZ{i}" if v is None else v) for k, v in others.items()}
        rows.append({**row, column: stamp})
    return pd.DataFrame(rows)


def _stored(db: Path, table: str) -> list[dt.datetime]:
    column = TABLES[table][0]
    with duckdb.connect(str(db), read_only=True) as con:
        # the example rows are from January; ours are the only ones in March
        return [r[0] for r in con.execute(
            f"SELECT {column} FROM {table} WHERE {column} >= '2024-03-01' ORDER BY {column}").fetchall()]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("table", list(TABLES))
def test_csv_offsets_are_stored_in_utc_and_reported(db: Path, tmp_path: Path, table: str) -> None:
    f = tmp_path / f"{table}.csv"
    _frame(table, VALUES).to_csv(f, index=False)
    report = load_file(db, table, f)
    assert _stored(db, table) == UTC
    column = TABLES[table][0]
    assert report.utc_offsets == {column: {"converted": 4, "without_offset": 0}}
    assert report.notes == [f"{column}: 4 values carried a UTC offset or time zone and were converted to UTC."]


@pytest.mark.parametrize("table", list(TABLES))
def test_parquet_time_zone_aware_column_is_stored_in_utc(db: Path, tmp_path: Path, table: str) -> None:
    f = tmp_path / f"{table}.parquet"
    karachi = pd.to_datetime(["2024-03-01 10:00", "2024-03-01 15:00"]).tz_localize("Asia/Karachi")  # UTC+5
    _frame(table, list(karachi)).to_parquet(f, index=False)
    assert str(pd.read_parquet(f)[TABLES[table][0]].dtype).startswith("datetime64")
    report = load_file(db, table, f)
    assert _stored(db, table) == [dt.datetime(2024, 3, 1, 5, 0), dt.datetime(2024, 3, 1, 10, 0)]
    assert report.utc_offsets[TABLES[table][0]]["converted"] == 2


def test_parquet_text_column_with_offsets_is_read_like_csv(db: Path, tmp_path: Path) -> None:
    f = tmp_path / "orders.parquet"
    _frame("orders", VALUES).to_parquet(f, index=False)
    load_file(db, "orders", f)
    assert _stored(db, "orders") == UTC


def test_mixed_column_loads_naive_values_as_written_and_says_so(db: Path, tmp_path: Path) -> None:
    f = tmp_path / "orders.csv"
    _frame("orders", ["2024-03-01T10:00:00+05:00", "2024-03-01 11:00", "2024-03-01"]).to_csv(f, index=False)
    report = load_file(db, "orders", f)
    assert _stored(db, "orders") == [dt.datetime(2024, 3, 1, 0, 0), dt.datetime(2024, 3, 1, 5, 0),
                                     dt.datetime(2024, 3, 1, 11, 0)]
    assert report.notes == ["order_ts: 1 value carried a UTC offset or time zone and was converted to UTC. "
                            "The other 2 had no offset and were stored as written, taken as UTC."]


def test_cli_report_has_the_sentence_in_text_and_json(db: Path, tmp_path: Path, capsys) -> None:
    f = tmp_path / "orders.csv"
    _frame("orders", VALUES[:2]).to_csv(f, index=False)
    capsys.readouterr()
    assert main(["load", "--db", str(db), "--table", "orders", str(f)]) == 0
    assert "order_ts: 2 values carried a UTC offset or time zone and were converted to UTC." in capsys.readouterr().out
    g = tmp_path / "more.csv"
    _frame("orders", ["2024-03-05T10:00:00Z"]).assign(order_id="J1").to_csv(g, index=False)
    assert main(["load", "--db", str(db), "--table", "orders", str(g), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["utc_offsets"] == {"order_ts": {"converted": 1, "without_offset": 0}}
    assert payload["notes"] == ["order_ts: 1 value carried a UTC offset or time zone and was converted to UTC."]


def test_a_file_without_offsets_has_no_note(db: Path, tmp_path: Path) -> None:
    f = tmp_path / "orders.csv"
    _frame("orders", ["2024-03-01 10:00"]).to_csv(f, index=False)
    report = load_file(db, "orders", f)
    assert report.utc_offsets == {} and report.notes == []


@pytest.mark.parametrize("bad", ["2024-03-01T10:00:00+5:00", "2024-03-01T10:00:00+25:00", "2024-03-01T10:00:00+05:60",
                                 "2024-03-01T10:00:00 CET"])
@pytest.mark.parametrize("table", list(TABLES))
def test_a_malformed_offset_names_row_and_column_and_changes_nothing(db: Path, tmp_path: Path, table: str,
                                                                     bad: str) -> None:
    f = tmp_path / f"{table}.csv"
    _frame(table, ["2024-03-01T09:00:00+01:00", bad]).to_csv(f, index=False)
    before = _digest(db)
    column = TABLES[table][0]
    with pytest.raises(LoadError) as err:
        load_file(db, table, f)
    assert str(err.value) == (f"{table}.csv, row 2 (line 3), column {column}: {bad!r} has a UTC offset that cannot be "
                              "read (write it as Z, +HH:MM, +HHMM or +HH, between -14:00 and +14:00).")
    assert _digest(db) == before and _stored(db, table) == []


def test_a_bad_date_with_a_good_offset_blames_the_date(db: Path, tmp_path: Path) -> None:
    f = tmp_path / "orders.csv"
    _frame("orders", ["2024-13-01T10:00:00+05:00"]).to_csv(f, index=False)
    with pytest.raises(LoadError, match=r"row 1 \(line 2\), column order_ts: '2024-13-01T10:00:00\+05:00' is not a "
                                        r"date/time \(expected .* optionally followed by a UTC offset"):
        load_file(db, "orders", f)


def test_cli_malformed_offset_exit_2_one_line(db: Path, tmp_path: Path, capsys) -> None:
    f = tmp_path / "orders.csv"
    _frame("orders", ["2024-03-01T10:00:00+5"]).to_csv(f, index=False)
    before = _digest(db)
    capsys.readouterr()
    assert main(["load", "--db", str(db), "--table", "orders", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("omnimix: orders.csv, row 1 (line 2), column order_ts: '2024-03-01T10:00:00+5' has a UTC "
                          "offset that cannot be read") and "Traceback" not in err
    assert _digest(db) == before
