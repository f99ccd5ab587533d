"""``omnimix load``: text and JSON output, exit code 2 with one stderr line for bad input."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from core.cli import main
from core.store.loader import LOAD_ORDER

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "sample_data" / "examples"
ORDERS_HEADER = "order_id,customer_id,order_ts,channel\n"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A fresh database holding every example file, loaded through the CLI in FK order."""
    path = tmp_path / "omnimix.duckdb"
    for table in LOAD_ORDER:
        assert main(["load", "--db", str(path), "--table", table, str(EXAMPLES / f"{table}.csv")]) == 0
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_text_output_reports_mapping_and_ignored(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    capsys.readouterr()
    f = tmp_path / "shop.csv"
    f.write_text("order_id,cust,order_ts,channel,notes\nX1,00123,2024-02-01 10:00,web,gift\n")
    assert main(["load", "--db", str(db), "--table", "orders", str(f), "--map", "cust=customer_id"]) == 0
    out = capsys.readouterr().out
    assert "Loaded 1 rows into orders from shop.csv" in out
    assert "cust -> customer_id" in out and "Ignored columns (not in orders): notes" in out


def test_json_output(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    capsys.readouterr()
    f = tmp_path / "orders.csv"
    f.write_text(ORDERS_HEADER + "X1,00123,2024-02-01,web\nX2,00124,2024-02-02,app\n")
    assert main(["load", "--db", str(db), "--table", "orders", str(f), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["rows_loaded"] == 2 and payload["table"] == "orders" and payload["file"] == "orders.csv"
    assert payload["preview"][1] == {"order_id": "X2", "customer_id": "00124", "order_ts": "2024-02-02T00:00:00", "channel": "app"}


def test_json_preview_keeps_dates_as_dates(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    capsys.readouterr()
    f = tmp_path / "customers.csv"
    f.write_text("customer_id,signup_date\nN1,2024-01-01\n")
    assert main(["load", "--db", str(db), "--table", "customers", str(f), "--json"]) == 0
    preview = json.loads(capsys.readouterr().out)["preview"]
    assert preview == [{"customer_id": "N1", "signup_date": "2024-01-01", "region": None, "age_band": None,
                        "acquisition_channel": None}]


@pytest.mark.parametrize("extra, content, fragment", [
    ([], ORDERS_HEADER + "X1,00123,2024-02-01,web\nX2,00123,someday,web\n", "orders.csv, row 2 (line 3), column order_ts"),
    (["--map", "when"], ORDERS_HEADER + "X1,00123,2024-02-01,web\n", "'when' is not of the form SOURCE=COLUMN"),
    (["--map", "ts=order_ts"], ORDERS_HEADER + "X1,00123,2024-02-01,web\n", "orders.csv has no column 'ts'"),
    ([], "", "orders.csv is empty"),
])
def test_bad_input_exits_2_with_one_line(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                                         extra: list[str], content: str, fragment: str) -> None:
    f = tmp_path / "orders.csv"
    f.write_text(content)
    before = digest(db)
    capsys.readouterr()
    assert main(["load", "--db", str(db), "--table", "orders", str(f), *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("omnimix: ") and fragment in err and "Traceback" not in err
    assert digest(db) == before


def test_unknown_table_lists_loadable_ones(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    f = tmp_path / "x.csv"
    f.write_text("a\n1\n")
    capsys.readouterr()
    assert main(["load", "--db", str(db), "--table", "sales", str(f)]) == 2
    assert "Unknown table 'sales'; the loadable tables are channels, customers" in capsys.readouterr().err


def test_subprocess_bad_row_no_traceback(db: Path, tmp_path: Path) -> None:
    f = tmp_path / "orders.csv"
    f.write_text(ORDERS_HEADER + "X1,C404,2024-02-01,web\n")
    proc = subprocess.run([sys.executable, "-m", "core.cli", "load", "--db", str(db), "--table", "orders", str(f)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr
    assert "orders.csv, row 1 (line 2), column customer_id: customer 'C404' is not in the customers table" in proc.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM orders WHERE order_id = 'X1'").fetchone()[0] == 0
