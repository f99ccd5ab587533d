"""The user-data loader: every bad input names file/row/column and leaves the database unchanged."""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from core.errors import LoadError
from core.store.loader import LOAD_ORDER, LoadRequest, load_file, load_files, parse_mapping
from core.store.schema import STANDARD_CHANNELS, TABLES, create_schema

EXAMPLES = Path(__file__).resolve().parent.parent / "sample_data" / "examples"
HEADERS = {name: ",".join(t.column_names) for name, t in TABLES.items()}


@pytest.fixture
def db(writable_examples_db: Path) -> Path:
    return writable_examples_db


def snapshot(path: Path) -> tuple[str, dict]:
    """File hash plus (row count, order-independent row checksum) of every table in the file."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with duckdb.connect(str(path), read_only=True) as con:
        # Every table present, not just the schema's: a failed load must not leave any table behind.
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        rows = {t: con.execute(f'SELECT count(*), coalesce(sum(hash(x)::HUGEINT), 0) FROM "{t}" x').fetchone() for t in tables}
    return digest, rows


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def expect_error(db: Path, table: str, file: Path, *fragments: str, mapping: dict | None = None) -> LoadError:
    """Load must fail with one sentence holding every fragment, and change nothing."""
    before = snapshot(db)
    with pytest.raises(LoadError) as info:
        load_file(db, table, file, mapping)
    assert snapshot(db) == before
    message = str(info.value)
    assert "\n" not in message and message.endswith("."), message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return info.value


def test_examples_load_into_fresh_db_in_fk_order(tmp_path: Path) -> None:
    path = tmp_path / "fresh.duckdb"
    reports = [load_file(path, t, EXAMPLES / f"{t}.csv") for t in LOAD_ORDER]
    assert LOAD_ORDER[0] == "channels" and all(5 <= r.rows_loaded <= 20 for r in reports)
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM channels").fetchone()[0] == len(STANDARD_CHANNELS) + 5
        assert con.execute("SELECT count(*) FROM marketing_spend WHERE isodow(week) <> 1").fetchone()[0] == 0
        assert con.execute("SELECT customer_id FROM customers ORDER BY customer_id LIMIT 1").fetchone()[0] == "00123"


def test_report_and_preview(db: Path, tmp_path: Path) -> None:
    rows = "\n".join(f"X{i},00123,2024-02-01 10:{i % 60:02d},web" for i in range(30))
    report = load_file(db, "orders", write(tmp_path, "orders.csv", HEADERS["orders"] + "\n" + rows + "\n"))
    assert (report.table, report.file, report.rows_loaded) == ("orders", "orders.csv", 30)
    assert report.columns_ignored == [] and report.columns_missing == []
    assert list(report.preview.columns) == TABLES["orders"].column_names and len(report.preview) == 20
    assert report.preview["order_id"].tolist()[:2] == ["X0", "X1"]


# --- structure of the file -------------------------------------------------------------------

def test_missing_required_column(db: Path, tmp_path: Path) -> None:
    f = write(tmp_path, "orders.csv", "order_id,customer_id,channel\nX1,00123,web\n")
    expect_error(db, "orders", f, "orders.csv", "missing required column(s) order_ts", "found columns: order_id, customer_id, channel")


def test_unknown_table(db: Path, tmp_path: Path) -> None:
    f = write(tmp_path, "x.csv", "a\n1\n")
    expect_error(db, "truth_personas", f, "Unknown table 'truth_personas'", ", ".join(LOAD_ORDER))


@pytest.mark.parametrize("content, fragment", [
    ("", "orders.csv is empty"),
    (HEADERS["orders"] + "\n", "orders.csv has no data rows"),
])
def test_empty_file(db: Path, tmp_path: Path, content: str, fragment: str) -> None:
    expect_error(db, "orders", write(tmp_path, "orders.csv", content), fragment)


def test_non_utf8_names_the_line(db: Path, tmp_path: Path) -> None:
    content = (HEADERS["customers"] + "\nC900,2024-01-01,North,,\nC901,2024-01-01,M\xfcnster,,\n").encode("latin-1")
    expect_error(db, "customers", write(tmp_path, "customers.csv", content), "customers.csv, line 3", "not UTF-8")


@pytest.mark.parametrize("name, content, fragments", [
    ("orders.csv", HEADERS["orders"] + "\nX1,00123,2024-01-01,web\nX2,00123,2024-01-01,web,extra\n",
     ["orders.csv, line 3", "5 values but the header has 4 columns"]),
    ("orders.csv", HEADERS["orders"] + '\nX1,00123,2024-01-01,"web\nX2,00123,2024-01-01,web\n',
     ["orders.csv, line 2", "quoted value is never closed"]),
    ("orders.parquet", b"PAR1 this is not parquet at all", ["orders.parquet is not a readable Parquet file"]),
    ("orders.xlsx", b"PK\x03\x04", ["orders.xlsx has an unsupported file type", ".csv"]),
])
def test_unreadable_or_corrupt_file(db: Path, tmp_path: Path, name: str, content: str | bytes, fragments: list[str]) -> None:
    expect_error(db, "orders", write(tmp_path, name, content), *fragments)


def test_missing_file_and_folder(db: Path, tmp_path: Path) -> None:
    expect_error(db, "orders", tmp_path / "nope.csv", "nope.csv does not exist")
    expect_error(db, "orders", tmp_path, "is not a file")


# --- cell values -----------------------------------------------------------------------------

@pytest.mark.parametrize("table, rows, fragments", [
    ("products", "P100,A,B,,9.5,\nP101,A,B,,abc,\n", ["products.csv, row 2 (line 3), column price: 'abc' is not a number"]),
    ("products", 'P100,A,B,,"9,5",\n', ["row 1 (line 2), column price: '9,5' is not a number"]),
    ("products", "P100,A,B,,nan,\n", ["column price: 'nan' is not a number"]),
    ("order_items", "536366,P001,2.5,10\n", ["row 1 (line 2), column quantity: '2.5' is not a whole number"]),
    ("customers", "C900,03/01/2024,,,\n", ["customers.csv, row 1 (line 2), column signup_date: '03/01/2024' is not a date"]),
    ("customers", "C900,2024-01-05 10:00,,,\n", ["column signup_date: '2024-01-05 10:00' is not a date"]),
    ("orders", "X1,00123,2024-01-01,web\nX2,00123,2024-01-02,web\nX3,00123,yesterday,web\n",
     ["orders.csv, row 3 (line 4), column order_ts: 'yesterday' is not a date/time"]),
    # a UTC offset is read (tests/test_loader_timezones.py), an unreadable one is refused
    ("orders", "X1,00123,2024-01-01T10:00:00+5:00,web\n",
     ["column order_ts: '2024-01-01T10:00:00+5:00' has a UTC offset that cannot be read"]),
    ("orders", "X1,,2024-01-01,web\n", ["orders.csv, row 1 (line 2), column customer_id: the value is empty but the column is required"]),
])
def test_bad_values(db: Path, tmp_path: Path, table: str, rows: str, fragments: list[str]) -> None:
    expect_error(db, table, write(tmp_path, f"{table}.csv", HEADERS[table] + "\n" + rows), *fragments)


@pytest.mark.parametrize("text, number", [
    ("1234.50", 1234.5), ("1,234.50", 1234.5), ("€ 1,234,567.5", 1234567.5), (" $12 ", 12.0), ("+.5e1", 5.0),
    ("9,5", None), ("1234,50", None), ("12,34,567", None), ("1.234,50", None), ("nan", None), ("inf", None),
    ("1_000", None), ("0x10", None), ("12 EUR", None),
])
def test_loader_and_weekly_reader_read_numbers_alike(db: Path, tmp_path: Path, text: str, number: float | None) -> None:
    # One rule (core.numbers): '.' decimal point; spaces, currency signs and thousands commas dropped.
    from core.numbers import parse_numbers

    weekly = parse_numbers(pd.Series([text], dtype=object)).iloc[0]
    file = write(tmp_path, "products.csv", f'{HEADERS["products"]}\nP100,A,B,,"{text}",\n')
    if number is None:
        assert np.isnan(weekly)
        expect_error(db, "products", file, f"column price: {text!r} is not a number")
    else:
        assert weekly == number
        load_file(db, "products", file)
        with duckdb.connect(str(db), read_only=True) as con:
            assert con.execute("SELECT price FROM products WHERE product_id = 'P100'").fetchone()[0] == number


@pytest.mark.parametrize("table, rows, fragments", [
    ("order_items", "536366,P001,1,10\n536366,P003,-1,10\n", ["order_items.csv, row 2 (line 3), column quantity: quantity must be greater than 0 (got '-1')"]),
    ("order_items", "536366,P001,0,10\n", ["row 1 (line 2), column quantity: quantity must be greater than 0 (got '0')"]),
    ("order_items", "536366,P001,1,-1.5\n", ["column unit_price: '-1.5' is negative"]),
    ("products", "P100,A,B,,-3,\n", ["products.csv, row 1 (line 2), column price: '-3' is negative"]),
    ("marketing_spend", "2024-02-05,search,-10,,\n", ["marketing_spend.csv, row 1 (line 2), column spend: '-10' is negative"]),
    ("marketing_spend", "2024-02-05,search,10,-5,\n", ["column impressions: '-5' is negative"]),
    ("marketing_spend", "2024-02-05,search,10,,\n2024-01-03,social,10,,\n",
     ["row 2 (line 3), column week: '2024-01-03' is a Wednesday but week must be the Monday that starts the week (2024-01-01)"]),
    ("events", "00123,P001,web,view,2024-01-01 10:00\n00123,P001,web,click,2024-01-01 10:01\n",
     ["events.csv, row 2 (line 3), column event_type: 'click' is not a valid event_type (use one of: view, cart, purchase)"]),
    ("channels", "kiosk,sales\npopup,retail\n",
     ["channels.csv, row 2 (line 3), column kind: 'retail' is not a valid kind (use one of: sales, media, sales+media, organic)"]),
])
def test_rule_violations(db: Path, tmp_path: Path, table: str, rows: str, fragments: list[str]) -> None:
    expect_error(db, table, write(tmp_path, f"{table}.csv", HEADERS[table] + "\n" + rows), *fragments)


def test_first_bad_row_wins_across_columns(db: Path, tmp_path: Path) -> None:
    rows = "536366,P001,1,oops\n536366,P003,0,10\n"
    f = write(tmp_path, "order_items.csv", HEADERS["order_items"] + "\n" + rows)
    expect_error(db, "order_items", f, "row 1 (line 2), column unit_price")


def test_line_numbers_follow_multiline_values_and_blank_lines(db: Path, tmp_path: Path) -> None:
    rows = 'P100,A,B,,1,"two\nlines"\n\nP101,A,B,,-1,\n'
    f = write(tmp_path, "products.csv", HEADERS["products"] + "\n" + rows)
    expect_error(db, "products", f, "products.csv, row 2 (line 5), column price")


# --- keys ------------------------------------------------------------------------------------

@pytest.mark.parametrize("table, rows, fragments", [
    ("customers", "C900,2024-01-01,,,\nC901,2024-01-01,,,\nC900,2024-01-02,,,\n",
     ["customers.csv, row 3 (line 4), column customer_id: 'C900' appears more than once in the file (first on row 1, line 2)"]),
    ("marketing_spend", "2024-02-05,search,1,,\n2024-2-5,search,2,,\n",
     ["row 2 (line 3), columns week, channel: ('2024-2-5', 'search') appears more than once in the file (first on row 1"]),
    ("orders", "X1,00123,2024-01-01,web\n536365,00123,2024-01-01,web\n",
     ["orders.csv, row 2 (line 3), column order_id: '536365' is already in the orders table"]),
    ("marketing_spend", "2024-01-01,search,1,,\n", ["columns week, channel: ('2024-01-01', 'search') is already in the marketing_spend table"]),
    ("channels", "podcast2,media\nweb,sales\n", ["channels.csv, row 2 (line 3), column channel: 'web' is already in the channels table"]),
])
def test_duplicate_keys(db: Path, tmp_path: Path, table: str, rows: str, fragments: list[str]) -> None:
    expect_error(db, table, write(tmp_path, f"{table}.csv", HEADERS[table] + "\n" + rows), *fragments)


@pytest.mark.parametrize("table, rows, fragments", [
    ("orders", "X1,00123,2024-01-01,web\nX2,C404,2024-01-01,web\n",
     ["orders.csv, row 2 (line 3), column customer_id: customer 'C404' is not in the customers table; load customers first"]),
    ("orders", "X1,00123,2024-01-01,fax\n", ["row 1 (line 2), column channel: 'fax' is not a known channel (known: affiliate, app"]),
    ("order_items", "999999,P001,1,1\n", ["column order_id: order '999999' is not in the orders table"]),
    ("order_items", "536365,P404,1,1\n", ["column product_id: product 'P404' is not in the products table"]),
    ("events", "C404,P001,web,view,2024-01-01\n", ["events.csv, row 1 (line 2), column customer_id: customer 'C404'"]),
    ("events", "00123,P404,web,view,2024-01-01\n", ["column product_id: product 'P404'"]),
    ("events", "00123,P001,fax,view,2024-01-01\n", ["column channel: 'fax' is not a known channel"]),
    ("customers", "C900,2024-01-01,,,fax\n", ["customers.csv, row 1 (line 2), column acquisition_channel: 'fax' is not a known channel"]),
    ("marketing_spend", "2024-02-05,fax,1,,\n", ["column channel: 'fax' is not a known channel"]),
])
def test_foreign_keys(db: Path, tmp_path: Path, table: str, rows: str, fragments: list[str]) -> None:
    expect_error(db, table, write(tmp_path, f"{table}.csv", HEADERS[table] + "\n" + rows), *fragments)


def test_new_channel_then_orders_in_it(db: Path, tmp_path: Path) -> None:
    load_file(db, "channels", write(tmp_path, "channels.csv", "channel,kind\nfax,sales\n"))
    report = load_file(db, "orders", write(tmp_path, "orders.csv", HEADERS["orders"] + "\nX1,00123,2024-01-01,fax\n"))
    assert report.rows_loaded == 1


# --- mapping, formats, inputs ----------------------------------------------------------------

def test_mapping_and_ignored_columns(db: Path, tmp_path: Path) -> None:
    f = write(tmp_path, "shop.csv", "Order_ID,cust,when,channel,notes\nX1,00123,2024-01-01 10:00,web,hi\n")
    report = load_file(db, "orders", f, parse_mapping(["cust=customer_id", " when = order_ts"]))
    assert report.columns_mapped == {"Order_ID": "order_id", "cust": "customer_id", "when": "order_ts", "channel": "channel"}
    assert report.columns_ignored == ["notes"]


@pytest.mark.parametrize("mapping, fragments", [
    ({"cust": "customer_id", "ts": "order_ts"}, ["shop.csv has no column 'ts' to map to order_ts", "found columns: order_id, cust, when"]),
    ({"cust": "customer_id", "when": "order_time"}, ["Cannot map 'when' to 'order_time'", "order_ts"]),
    ({"cust": "customer_id", "when": "customer_id"}, ["Two source columns are mapped to orders.customer_id"]),
])
def test_bad_mapping(db: Path, tmp_path: Path, mapping: dict, fragments: list[str]) -> None:
    f = write(tmp_path, "shop.csv", "order_id,cust,when,channel\nX1,00123,2024-01-01,web\n")
    expect_error(db, "orders", f, *fragments, mapping=mapping)


@pytest.mark.parametrize("pair", ["when", "=order_ts", "when="])
def test_parse_mapping_rejects_bad_syntax(pair: str) -> None:
    with pytest.raises(LoadError, match="SOURCE=COLUMN"):
        parse_mapping([pair])


def test_leading_zero_ids_stay_text(db: Path, tmp_path: Path) -> None:
    load_file(db, "customers", write(tmp_path, "customers.csv", HEADERS["customers"] + "\n00999,2024-01-01,,,\n"))
    load_file(db, "orders", write(tmp_path, "orders.csv", HEADERS["orders"] + "\n000042,00999,2024-01-01,web\n"))
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT order_id, customer_id FROM orders WHERE customer_id = '00999'").fetchall() == [("000042", "00999")]


def test_accepted_formats(db: Path, tmp_path: Path) -> None:
    f = write(tmp_path, "orders.txt", "order_id;customer_id;order_ts;channel\r\n X1 ;00123;2024-01-05T08:30;web\r\nX2;00124; 2024-1-6 ;app\r\n")
    load_file(db, "orders", f)
    load_file(db, "order_items", write(tmp_path, "items.tsv", "order_id\tproduct_id\tquantity\tunit_price\nX1\tP001\t3.0\t1e2\n"))
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT order_id, order_ts::VARCHAR FROM orders WHERE order_id LIKE 'X%' ORDER BY 1").fetchall() == [
            ("X1", "2024-01-05 08:30:00"), ("X2", "2024-01-06 00:00:00")]
        assert con.execute("SELECT quantity, unit_price FROM order_items WHERE order_id = 'X1'").fetchone() == (3, 100.0)


def test_parquet_load_and_error(db: Path, tmp_path: Path) -> None:
    frame = pd.DataFrame({"order_id": ["P1", "P2", "P3"], "customer_id": ["00123", "00124", "C10001"],
                          "order_ts": pd.to_datetime(["2024-03-01 10:00", "2024-03-02 11:30", "2024-03-03 12:00"]),
                          "channel": ["web", "app", "store"]})
    frame.to_parquet(tmp_path / "orders.parquet")
    report = load_file(db, "orders", tmp_path / "orders.parquet")
    assert report.rows_loaded == 3 and report.preview["order_ts"].iloc[1] == pd.Timestamp("2024-03-02 11:30")
    frame.assign(order_id=["Q1", "Q2", "Q3"], channel=["web", "app", "fax"]).to_parquet(tmp_path / "bad.parquet")
    error = expect_error(db, "orders", tmp_path / "bad.parquet", "bad.parquet, row 3, column channel: 'fax'")
    assert error.line is None and (error.row, error.column) == (3, "channel")


def test_upload_bytes_and_file_object(db: Path) -> None:
    data = (HEADERS["customers"] + "\nU1,2024-01-01,,,\n").encode()
    assert load_file(db, "customers", data, name="upload.csv").file == "upload.csv"
    buffer = io.BytesIO(data.replace(b"U1", b"U2"))
    buffer.name = "from_browser.csv"
    assert load_file(db, "customers", buffer).rows_loaded == 1
    before = snapshot(db)
    with pytest.raises(LoadError, match="needs a name"):
        load_file(db, "customers", data)
    with pytest.raises(LoadError, match=r"upload\.csv, row 1 \(line 2\), column customer_id: 'U1' is already"):
        load_file(db, "customers", data, name="upload.csv")
    assert snapshot(db) == before


def test_load_into_missing_database_creates_it(tmp_path: Path) -> None:
    path = tmp_path / "new" / "omnimix.duckdb"
    report = load_file(path, "channels", write(tmp_path, "channels.csv", "channel,kind\npodcast,media\n"))
    assert report.rows_loaded == 1
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM channels").fetchone()[0] == len(STANDARD_CHANNELS) + 1
    bad = tmp_path / "bad.duckdb"
    with pytest.raises(LoadError, match="not in the customers table"):
        load_file(bad, "orders", write(tmp_path, "orders.csv", HEADERS["orders"] + "\nX1,C1,2024-01-01,web\n"))
    assert not bad.exists()


def test_failed_load_into_a_new_folder_removes_the_folders_it_made(tmp_path: Path) -> None:
    bad = write(tmp_path, "orders.csv", HEADERS["orders"] + "\nX1,C1,2024-01-01,web\n")
    target = tmp_path / "new" / "deeper" / "x.duckdb"
    with pytest.raises(LoadError, match="not in the customers table"):
        load_file(target, "orders", bad)
    assert not (tmp_path / "new").exists()
    (tmp_path / "kept").mkdir()
    with pytest.raises(LoadError):
        load_file(tmp_path / "kept" / "sub" / "x.duckdb", "orders", bad)
    assert (tmp_path / "kept").is_dir() and not (tmp_path / "kept" / "sub").exists()  # only what the load made goes


def test_load_files_is_one_transaction_in_fk_order(db: Path, tmp_path: Path) -> None:
    customers = write(tmp_path, "customers.csv", HEADERS["customers"] + "\nN1,2024-01-01,,,\n")
    good = write(tmp_path, "orders.csv", HEADERS["orders"] + "\nN-O1,N1,2024-01-02,web\n")
    reports = load_files(db, [LoadRequest("orders", good), LoadRequest("customers", customers)])
    assert [r.table for r in reports] == ["customers", "orders"]
    customers = write(tmp_path, "customers.csv", HEADERS["customers"] + "\nN2,2024-01-01,,,\n")
    bad = write(tmp_path, "orders.csv", HEADERS["orders"] + "\nN-O2,N2,2024-01-02,fax\n")
    before = snapshot(db)
    with pytest.raises(LoadError, match="'fax' is not a known channel"):
        load_files(db, [LoadRequest("customers", customers), LoadRequest("orders", bad)])
    assert snapshot(db) == before  # the customers file was rolled back too


def test_open_connection_is_rolled_back(examples_db: Path, tmp_path: Path) -> None:
    shutil.copy(examples_db, tmp_path / "c.duckdb")
    with duckdb.connect(str(tmp_path / "c.duckdb")) as con:
        with pytest.raises(LoadError):
            load_file(con, "orders", write(tmp_path, "orders.csv", HEADERS["orders"] + "\nY1,00123,2024-01-01,web\nY2,00123,bad,web\n"))
        assert con.execute("SELECT count(*) FROM orders WHERE order_id LIKE 'Y%'").fetchone()[0] == 0
        assert load_file(con, "orders", write(tmp_path, "ok.csv", HEADERS["orders"] + "\nY1,00123,2024-01-01,web\n")).rows_loaded == 1


def test_large_file_is_vectorised_and_row_numbers_exact(db: Path, tmp_path: Path) -> None:
    n = 200_000
    body = "00123,P001,web,view,2024-01-01 10:00\n" * (n - 1) + "00123,P001,web,clicked,2024-01-01 10:00\n"
    expect_error(db, "events", write(tmp_path, "events.csv", HEADERS["events"] + "\n" + body), f"row {n} (line {n + 1}), column event_type")
    assert load_file(db, "events", write(tmp_path, "ok.csv", HEADERS["events"] + "\n" + body.replace("clicked", "cart"))).rows_loaded == n


def test_database_refusal_is_one_sentence_without_duckdb_prefix(tmp_path: Path) -> None:
    # A rule the database has but the loader does not know: DuckDB itself refuses the insert.
    con = duckdb.connect(":memory:")
    create_schema(con, truth=False)
    con.execute("DROP TABLE channels")
    con.execute("CREATE TABLE channels (channel VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, CHECK (length(channel) < 5))")
    with pytest.raises(LoadError) as info:
        load_file(con, "channels", write(tmp_path, "channels.csv", "channel,kind\npodcast,media\n"))
    message = str(info.value)
    assert message.startswith("The load was rolled back because the database refused it: CHECK constraint failed")
    assert "Constraint Error" not in message and "\n" not in message and not message.endswith("..")
    assert con.execute("SELECT count(*) FROM channels").fetchone()[0] == 0
    con.close()
