"""The schema: tables, types, keys and checks are what core.store.schema declares."""

import duckdb
import pytest

from core.errors import OmnimixError
from core.store.db import connect, init_db
from core.store.schema import STANDARD_CHANNELS, TABLES, create_schema, schema_markdown


@pytest.fixture()
def con():
    c = duckdb.connect()
    create_schema(c)
    yield c
    c.close()


def test_every_declared_column_exists_with_its_type(con):
    got = con.execute("SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns").fetchall()
    by_table = {}
    for table, column, dtype, nullable in got:
        by_table.setdefault(table, {})[column] = (dtype, nullable == "YES")
    assert set(by_table) == set(TABLES)
    for table in TABLES.values():
        assert list(by_table[table.name]) == table.column_names
        for col in table.columns:
            assert by_table[table.name][col.name] == (col.sql_type, col.nullable), (table.name, col.name)


def test_standard_channels_include_the_required_ones(con):
    names = {r[0] for r in con.execute("SELECT channel FROM channels").fetchall()}
    assert {"web", "app", "store", "marketplace", "social", "email", "search"} <= names
    assert len(names) == len(STANDARD_CHANNELS)


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("INSERT INTO customers VALUES ('C1', DATE '2024-01-01', NULL, NULL, NULL), ('C1', DATE '2024-01-02', NULL, NULL, NULL)", "(?i)duplicate key"),
        ("INSERT INTO marketing_spend VALUES (DATE '2024-01-02', 'search', 10, 1, 1)", "CHECK"),
        ("INSERT INTO marketing_spend VALUES (DATE '2024-01-01', 'search', -1, 1, 1)", "CHECK"),
        ("INSERT INTO order_items VALUES ('O1', 'P1', 0, 1.0)", "CHECK"),
        ("INSERT INTO products VALUES ('P1', 'x', 'c', 'b', -2, NULL)", "CHECK"),
        ("INSERT INTO events VALUES ('C1', 'P1', 'web', 'click', TIMESTAMP '2024-01-01 10:00')", "CHECK"),
        ("INSERT INTO orders VALUES ('O1', NULL, TIMESTAMP '2024-01-01', 'web')", "NOT NULL"),
        ("INSERT INTO channels VALUES ('popup', 'retail')", "CHECK"),
    ],
)
def test_constraints_are_enforced(con, sql, message):
    with pytest.raises(duckdb.Error, match=message):
        con.execute(sql)


def test_ids_are_text_and_keep_leading_zeros(con):
    con.execute("INSERT INTO customers VALUES ('00123', DATE '2024-01-01', NULL, NULL, NULL)")
    assert con.execute("SELECT customer_id FROM customers").fetchone()[0] == "00123"


def test_init_creates_file_and_is_idempotent(tmp_path):
    db = tmp_path / "new" / "x.duckdb"
    init_db(db)
    init_db(db)
    con = connect(db, read_only=True)
    assert con.execute("SELECT count(*) FROM channels").fetchone()[0] == len(STANDARD_CHANNELS)
    con.close()


def test_opening_a_missing_database_read_only_names_the_path(tmp_path):
    with pytest.raises(OmnimixError, match="does not exist"):
        connect(tmp_path / "missing.duckdb", read_only=True)


def test_schema_markdown_documents_every_column():
    md = schema_markdown()
    for table in TABLES.values():
        assert f"### `{table.name}`" in md
        for col in table.columns:
            assert f"| `{col.name}` |" in md


def test_readme_schema_section_matches_the_code():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("<!-- schema:start -->\n", 1)[1].split("\n<!-- schema:end -->", 1)[0]
    assert section == schema_markdown()


def _hold_open(db, *, read_only: bool):
    """A separate process holding ``db`` open (like the running dashboard), until its stdin closes."""
    import subprocess
    import sys

    code = ("import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == 'ro'); "
            "print('open', flush=True); sys.stdin.read()")
    proc = subprocess.Popen([sys.executable, "-c", code, str(db), "ro" if read_only else "rw"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "open"
    return proc


def test_database_locked_by_another_process_is_one_sentence(tmp_path):
    db = init_db(tmp_path / "x.duckdb")
    holder = _hold_open(db, read_only=True)
    try:
        with pytest.raises(OmnimixError) as err:
            connect(db)
    finally:
        holder.communicate("", timeout=60)
    message = str(err.value)
    assert message == (f"Database {db} is open in another program (PID {holder.pid}), e.g. the dashboard; "
                       "stop it or load through the Data page.")


def test_reading_a_database_another_process_writes_is_one_sentence(tmp_path):
    db = init_db(tmp_path / "x.duckdb")
    holder = _hold_open(db, read_only=False)
    try:
        with pytest.raises(OmnimixError) as err:
            connect(db, read_only=True)
    finally:
        holder.communicate("", timeout=60)
    assert str(err.value) == f"Database {db} is being changed by another program (PID {holder.pid}); try again when it has finished."


def test_a_file_that_is_not_duckdb_is_one_sentence(tmp_path):
    path = tmp_path / "notes.duckdb"
    path.write_text("hello\n")
    for read_only in (True, False):
        with pytest.raises(OmnimixError) as err:
            connect(path, read_only=read_only)
        assert str(err.value) == f"{path} is not a DuckDB database file."


def test_an_older_channel_table_is_upgraded_to_the_current_kinds():
    con = duckdb.connect()
    # The channels table as databases made before the "organic" kind have it.
    con.execute("CREATE TABLE channels (channel VARCHAR NOT NULL, kind VARCHAR NOT NULL, PRIMARY KEY (channel), "
                "CHECK (kind IN ('sales', 'media', 'sales+media')))")
    con.execute("INSERT INTO channels VALUES ('web', 'sales'), ('podcast', 'media')")
    create_schema(con)
    rows = dict(con.execute("SELECT channel, kind FROM channels").fetchall())
    assert rows["podcast"] == "media" and rows["organic_search"] == "organic" and rows["web"] == "sales"
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO channels VALUES ('x', 'nonsense')")
    create_schema(con)  # idempotent
    assert con.execute("SELECT count(*) FROM channels").fetchone()[0] == len(rows)
