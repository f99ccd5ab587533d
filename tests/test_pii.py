"""Raw personal data never reaches the database: dropped, or stored as a salted pseudonym."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from core.errors import LoadError
from core.store.loader import LoadRequest, load_file, load_files
from core.store.pii import SECRETS_TABLE, database_salt, is_pii_column

RAW = ["alice.smith@example.com", "+44 7700 900123", "Alice Smith", "12 Baker Street", "NW1 6XE",
       "bob.jones@example.org", "+31 6 12345678", "Bob Jones", "Damrak 1, Amsterdam", "1012 LG"]

CUSTOMERS = (
    "customer_id,signup_date,region,email,Phone Number,Full Name,address,postcode\n"
    "c1,2024-01-05,north,alice.smith@example.com,+44 7700 900123,Alice Smith,12 Baker Street,NW1 6XE\n"
    "c2,2024-02-10,south,bob.jones@example.org,+31 6 12345678,Bob Jones,\"Damrak 1, Amsterdam\",1012 LG\n"
)


def all_text_values(path: Path) -> set[str]:
    """Every VARCHAR value in every table of the database (schema tables and any other)."""
    values: set[str] = set()
    with duckdb.connect(str(path), read_only=True) as con:
        cols = con.execute("SELECT table_name, column_name FROM duckdb_columns() WHERE data_type = 'VARCHAR' "
                           "AND NOT internal").fetchall()
        for table, col in cols:
            values |= {r[0] for r in con.execute(f'SELECT DISTINCT "{col}" FROM "{table}"').fetchall() if r[0]}
    return values


def file_bytes(path: Path) -> bytes:
    with duckdb.connect(str(path)) as con:
        con.execute("CHECKPOINT")
    return path.read_bytes() + (Path(f"{path}.wal").read_bytes() if Path(f"{path}.wal").exists() else b"")


@pytest.mark.parametrize(("header", "expected"), [
    ("email", True), ("E-Mail Address", True), ("Phone Number", True), ("first name", True), ("LastName", True),
    ("street", True), ("ZIP", True), ("ip_address", True), ("customer_id", False), ("region", False),
    ("signup_date", False), ("emailed", False),
])
def test_pii_column_names(header: str, expected: bool) -> None:
    assert is_pii_column(header) is expected


def test_rule_covers_person_tables_only(tmp_path: Path) -> None:
    assert [h for h in ["customer_id", "name", "email"] if is_pii_column(h)] == ["name", "email"]
    # ...but a product name is not personal data, even one that reads like a person's name or an e-mail
    db, src = tmp_path / "p.duckdb", tmp_path / "products.csv"
    src.write_text("product_id,name,category,price,description\n"
                   "P1,Alice Smith,books,12.5,alice.smith@example.com\n")
    load_file(db, "products", src)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT name, description FROM products").fetchone() == ("Alice Smith", "alice.smith@example.com")


def test_customer_file_with_pii_stores_none_of_it(tmp_path: Path) -> None:
    db, src = tmp_path / "p.duckdb", tmp_path / "customers.csv"
    src.write_text(CUSTOMERS)
    report = load_file(db, "customers", src)
    assert report.rows_loaded == 2
    assert set(report.columns_ignored) == {"email", "Phone Number", "Full Name", "address", "postcode"}
    values = all_text_values(db)
    assert {"c1", "c2", "north", "south"} <= values  # the real data arrived
    assert not values & set(RAW)
    blob = file_bytes(db)
    for raw in RAW:
        assert raw.encode() not in blob, raw


def test_mapped_email_is_pseudonymised_consistently(tmp_path: Path) -> None:
    db = tmp_path / "p.duckdb"
    customers = tmp_path / "customers.csv"
    customers.write_text("email,signup_date\nalice.smith@example.com,2024-01-05\nbob.jones@example.org,2024-02-10\n")
    # The orders file calls the column customer_id, but its values are e-mail addresses.
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,customer_id,order_ts,channel\n"
                      "o1,alice.smith@example.com,2024-03-01 10:00,web\no2,bob.jones@example.org,2024-03-02,app\n")
    load_files(db, [LoadRequest("customers", customers, {"email": "customer_id"}), LoadRequest("orders", orders)])
    with duckdb.connect(str(db), read_only=True) as con:
        ids = [r[0] for r in con.execute("SELECT customer_id FROM customers ORDER BY signup_date").fetchall()]
        salt = con.execute(f"SELECT value FROM {SECRETS_TABLE}").fetchone()[0]
        joined = con.execute("SELECT count(*) FROM orders JOIN customers USING (customer_id)").fetchone()[0]
    expected = "pii_" + hashlib.sha256((salt + "alice.smith@example.com").encode()).hexdigest()[:32]
    assert ids[0] == expected and ids[1].startswith("pii_") and len(ids[1]) == 36
    assert joined == 2  # orders still belong to their customers
    assert not all_text_values(db) & set(RAW)
    blob = file_bytes(db)
    assert b"alice.smith@example.com" not in blob and b"bob.jones@example.org" not in blob


def test_salt_is_per_database_and_stable(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "a.duckdb")) as a, duckdb.connect(str(tmp_path / "b.duckdb")) as b:
        first = database_salt(a)
        assert database_salt(a) == first
        assert database_salt(b) != first
        assert len(first) == 64


def test_pii_mapped_into_non_text_column_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "customers.csv"
    src.write_text("customer_id,date_of_birth\nc1,1980-04-01\n")
    with pytest.raises(LoadError, match="date_of_birth.*personal data.*signup_date"):
        load_file(tmp_path / "p.duckdb", "customers", src, {"date_of_birth": "signup_date"})


def test_cli_info_never_prints_the_salt(tmp_path: Path) -> None:
    db, src = tmp_path / "p.duckdb", tmp_path / "customers.csv"
    src.write_text("email,signup_date\nalice.smith@example.com,2024-01-05\n")
    load_file(db, "customers", src, {"email": "customer_id"})
    with duckdb.connect(str(db), read_only=True) as con:
        salt = con.execute(f"SELECT value FROM {SECRETS_TABLE}").fetchone()[0]
    out = subprocess.run([sys.executable, "-m", "core.cli", "info", "--db", str(db), "--json"],
                         capture_output=True, text=True, check=True).stdout
    assert salt not in out and SECRETS_TABLE not in out and "alice" not in out
