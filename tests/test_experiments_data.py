"""Lift tests in the data layer: the ``experiments`` table's load checks and ``read_experiments``."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from test_loader import EXAMPLES, HEADERS, expect_error, write

from core.errors import LoadError
from core.store.db import init_db
from core.store.loader import load_file
from core.store.reads import EXPERIMENT_COLUMNS, read_experiments
from core.store.schema import create_schema

GOOD = "E1,search,2024-01-01,2024-01-22,5400,800,geo holdout,\n"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Standard channels plus the example ones (podcast is media, popup is sales)."""
    path = tmp_path / "omnimix.duckdb"
    load_file(path, "channels", EXAMPLES / "channels.csv")
    return path


def experiments_file(tmp_path: Path, rows: str, name: str = "experiments.csv") -> Path:
    return write(tmp_path, name, HEADERS["experiments"] + "\n" + rows)


def test_example_file_loads_with_its_values(db: Path) -> None:
    report = load_file(db, "experiments", EXAMPLES / "experiments.csv")
    assert report.rows_loaded == 5 and report.columns_missing == []
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("SELECT channel, start_week::VARCHAR, end_week::VARCHAR, incremental_revenue, standard_error, "
                          "method FROM experiments WHERE experiment_id = 'ONOFF-2024-03'").fetchone()
    assert row == ("podcast", "2024-02-05", "2024-02-26", -120.0, 400.0, "on/off")  # a negative lift is a valid result


def test_optional_columns_may_be_left_out(db: Path, tmp_path: Path) -> None:
    f = write(tmp_path, "lift.csv", "experiment_id,channel,start_week,end_week,incremental_revenue,standard_error\n"
                                    "E1,tiktok,2024-03-04,2024-03-04,10.5,0.5\n")
    assert load_file(db, "experiments", f).columns_missing == ["method", "notes"]


@pytest.mark.parametrize("rows, fragments", [
    (GOOD + "E2,search,2024-02-05,2024-01-29,1,1,,\n",
     ["experiments.csv, row 2 (line 3), column end_week: end_week '2024-01-29' is before start_week '2024-02-05' "
      "but must be on or after it"]),
    ("E1,search,2024-01-01,2024-01-22,5400,0,,\n",
     ["row 1 (line 2), column standard_error: standard_error must be greater than 0 (got '0')"]),
    ("E1,search,2024-01-01,2024-01-22,5400,-3.5,,\n", ["column standard_error: standard_error must be greater than 0 (got '-3.5')"]),
    ("E1,search,2024-01-01,2024-01-22,5400,,,\n", ["column standard_error: the value is empty but the column is required"]),
    ("E1,search,2024-01-03,2024-01-22,5400,800,,\n",
     ["column start_week: '2024-01-03' is a Wednesday but start_week must be the Monday that starts the week (2024-01-01)"]),
    ("E1,search,2024-01-01,2024-01-28,5400,800,,\n",
     ["column end_week: '2024-01-28' is a Sunday but end_week must be the Monday that starts the week (2024-01-22)"]),
    ("E1,search,2024-01-01,2024-01-22,inf,800,,\n", ["column incremental_revenue: 'inf' is not a number"]),
    (GOOD + "E2,fax,2024-01-01,2024-01-22,1,1,,\n",
     ["experiments.csv, row 2 (line 3), column channel: 'fax' is not a known channel"]),
    (GOOD + "E2,web,2024-01-01,2024-01-22,1,1,,\n",
     ["row 2 (line 3), column channel: 'web' is a sales channel but experiments needs a channel of kind media or "
      "sales+media (such as: affiliate, display, email, outdoor, podcast, radio, search, social, tiktok, tv)"]),
    (GOOD + "E1,tv,2024-01-01,2024-01-22,1,1,,\n",
     ["row 2 (line 3), column experiment_id: 'E1' appears more than once in the file (first on row 1, line 2)"]),
], ids=["end before start", "zero se", "negative se", "empty se", "start not monday", "end not monday", "inf revenue",
        "unknown channel", "sales channel", "duplicate id"])
def test_bad_rows_name_file_row_and_column(db: Path, tmp_path: Path, rows: str, fragments: list[str]) -> None:
    expect_error(db, "experiments", experiments_file(tmp_path, rows), *fragments)


def test_an_id_already_loaded_is_refused(db: Path, tmp_path: Path) -> None:
    load_file(db, "experiments", experiments_file(tmp_path, GOOD))
    expect_error(db, "experiments", experiments_file(tmp_path, GOOD.replace("search", "tv"), "again.csv"),
                 "again.csv, row 1 (line 2), column experiment_id: 'E1' is already in the experiments table")


def test_parquet_dates_load_and_errors_name_the_row(db: Path, tmp_path: Path) -> None:
    frame = pd.DataFrame({"experiment_id": ["P1", "P2"], "channel": ["tv", "social"],
                          "start_week": pd.to_datetime(["2024-01-01", "2024-03-04"]).date,
                          "end_week": pd.to_datetime(["2024-01-29", "2024-03-25"]).date,
                          "incremental_revenue": [1200.0, 300.0], "standard_error": [150.0, 90.0]})
    frame.to_parquet(tmp_path / "lift.parquet")
    assert load_file(db, "experiments", tmp_path / "lift.parquet").rows_loaded == 2
    frame.assign(experiment_id=["P3", "P4"], standard_error=[150.0, 0.0]).to_parquet(tmp_path / "bad.parquet")
    error = expect_error(db, "experiments", tmp_path / "bad.parquet", "bad.parquet, row 2, column standard_error")
    assert (error.row, error.column, error.line) == (2, "standard_error", None)


@pytest.fixture
def old_db(tmp_path: Path) -> Path:
    """A database made before the experiments table existed."""
    path = init_db(tmp_path / "old.duckdb")
    with duckdb.connect(str(path)) as con:
        con.execute("DROP TABLE experiments")
    return path


def test_a_database_older_than_the_table_gets_it_on_first_load(old_db: Path, tmp_path: Path) -> None:
    # A failed load leaves no table behind ...
    bad = experiments_file(tmp_path, GOOD + "E2,search,2024-02-05,2024-01-29,1,1,,\n")
    expect_error(old_db, "experiments", bad, "row 2 (line 3), column end_week")
    with duckdb.connect(str(old_db), read_only=True) as con:
        assert read_experiments(con).empty  # ... and reading a database without it does not crash
    # ... a good one creates the table with every rule of the schema.
    assert load_file(old_db, "experiments", experiments_file(tmp_path, GOOD)).rows_loaded == 1
    with duckdb.connect(str(old_db)) as con:
        with pytest.raises(duckdb.ConstraintException):
            con.execute("INSERT INTO experiments VALUES ('E9', 'tv', DATE '2024-01-08', DATE '2024-01-01', 1, 1, NULL, NULL)")
        assert con.execute("SELECT count(*) FROM experiments").fetchone()[0] == 1


def test_a_database_without_the_referenced_table_is_still_refused(tmp_path: Path) -> None:
    con = duckdb.connect(":memory:")
    before = con.execute("SELECT count(*) FROM duckdb_tables()").fetchone()[0]
    with pytest.raises(LoadError, match="has no channels, experiments table; create it with 'omnimix init'"):
        load_file(con, "experiments", experiments_file(tmp_path, GOOD))
    assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchone()[0] == before


# --- read_experiments ------------------------------------------------------------------------

@pytest.mark.parametrize("schema", [False, True], ids=["missing table", "empty table"])
def test_read_experiments_is_an_empty_frame_without_tests(schema: bool) -> None:
    con = duckdb.connect(":memory:")
    if schema:
        create_schema(con)
    df = read_experiments(con)
    assert df.empty and tuple(df.columns) == EXPERIMENT_COLUMNS
    assert df["start_week"].dtype == "datetime64[ns]" and df["standard_error"].dtype == float


def test_read_experiments_returns_typed_sorted_rows(db: Path) -> None:
    load_file(db, "experiments", EXAMPLES / "experiments.csv")
    with duckdb.connect(str(db), read_only=True) as con:
        df = read_experiments(con)
    assert tuple(df.columns) == EXPERIMENT_COLUMNS and "notes" not in df
    assert df["channel"].tolist() == ["display", "podcast", "search", "social", "tv"]
    tv = df.iloc[-1]
    assert df["start_week"].dtype == "datetime64[ns]"
    assert tv["start_week"] == pd.Timestamp("2024-03-04") and tv["end_week"] == pd.Timestamp("2024-04-22")
    assert (tv["incremental_revenue"], tv["standard_error"], tv["method"]) == (18200.0, 2600.0, "geo holdout")
    assert pd.isna(df.loc[df["channel"] == "display", "method"].iloc[0])

