"""Engine selection, the Parquet export and the DuckDB → Spark translation (no Spark needed)."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from core.cli import main
from core.engine import EngineConfig, engine_config
from core.engine.export import MANIFEST, export_parquet
from core.errors import OmnimixError


def test_engine_defaults_to_duckdb():
    assert engine_config({}) == EngineConfig("duckdb", "local[2]", None)
    assert engine_config({}).describe("x.duckdb") == "DuckDB on x.duckdb"


def test_spark_engine_needs_a_warehouse_and_a_known_name():
    config = engine_config({"OMNIMIX_ENGINE": "Spark", "OMNIMIX_SPARK": "sc://h:15002", "OMNIMIX_WAREHOUSE": "/lake"})
    assert (config.name, config.spark, config.warehouse) == ("spark", "sc://h:15002", Path("/lake"))
    assert config.describe("x.duckdb").startswith("Spark (sc://h:15002) reading /lake; writes")
    with pytest.raises(OmnimixError, match="OMNIMIX_WAREHOUSE"):
        engine_config({"OMNIMIX_ENGINE": "spark"})
    with pytest.raises(OmnimixError, match="OMNIMIX_ENGINE must be duckdb or spark"):
        engine_config({"OMNIMIX_ENGINE": "postgres"})


def test_export_writes_every_table_partitioning_orders_by_month(small_db, tmp_path):
    lake = tmp_path / "lake"
    summary = export_parquet(small_db, lake)
    manifest = json.loads((lake / MANIFEST).read_text())
    assert set(summary["partitioned"]) == {"orders", "events", "touchpoints"}
    assert manifest["tables"]["orders"]["partition_by"] == ["year", "month"]
    assert sorted(p.name for p in (lake / "orders").iterdir())[0].startswith("year=")
    with duckdb.connect(str(small_db), read_only=True) as con:
        for table in ("orders", "customers", "marketing_spend"):
            stored = con.execute(f"SELECT * FROM {table} ORDER BY ALL").df()
            columns = ", ".join(stored.columns)
            back = con.execute(f"SELECT {columns} FROM read_parquet('{lake / table}/**/*.parquet', hive_partitioning = true) "
                               "ORDER BY ALL").df()
            assert stored.equals(back), table
    assert summary["tables"]["orders"] == len(con_rows(small_db, "orders"))


def con_rows(db: Path, table: str) -> list:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(f"SELECT 1 FROM {table}").fetchall()


def test_export_is_atomic_and_refuses_to_overwrite(small_db, tmp_path, monkeypatch):
    lake = tmp_path / "lake"
    export_parquet(small_db, lake)
    before = sorted(p.name for p in lake.iterdir())
    with pytest.raises(OmnimixError, match="--force"):
        export_parquet(small_db, lake)

    def broken(db, out):
        (out / "orders").mkdir()
        raise RuntimeError("disk full")

    monkeypatch.setattr("core.engine.export._write_tables", broken)
    with pytest.raises(RuntimeError):
        export_parquet(small_db, lake, overwrite=True)
    assert sorted(p.name for p in lake.iterdir()) == before  # the previous export is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["lake"]  # and nothing half-written is left


def test_export_and_info_commands(small_db, tmp_path, capsys, monkeypatch):
    lake = tmp_path / "lake"
    assert main(["export", "--db", str(small_db), "--parquet", str(lake), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tables"]["orders"] > 0
    assert main(["export", "--db", str(small_db), "--parquet", str(lake)]) == 2
    assert "already exists" in capsys.readouterr().err
    # On Spark, info reads the lake: tests/test_engine_wiring.py (marker spark) checks that.
    monkeypatch.delenv("OMNIMIX_ENGINE", raising=False)
    assert main(["info", "--db", str(small_db), "--json"]) == 0
    engine = json.loads(capsys.readouterr().out)["engine"]
    assert (engine["engine"], engine["data"], engine["description"]) == ("duckdb", str(small_db), f"DuckDB on {small_db}")


def test_writes_name_the_duckdb_file_only_when_spark_is_configured():
    from core.engine import write_note

    assert write_note("x.duckdb", engine_config({})) is None
    spark = engine_config({"OMNIMIX_ENGINE": "spark", "OMNIMIX_WAREHOUSE": "/lake"})
    note = write_note("x.duckdb", spark)
    assert "goes to the DuckDB file x.duckdb, not to the lake /lake" in note
    assert "omnimix export --db x.duckdb --parquet /lake --force" in note


def test_translation_to_spark_keeps_parameters_and_rewrites_duckdb_only_syntax():
    to_spark = pytest.importorskip("core.engine.transpile").to_spark
    text, tables = to_spark("WITH m AS MATERIALIZED (SELECT * FROM orders WHERE list_contains($channels, channel)) "
                            "SELECT k.x, 7.0 FROM m JOIN range(0, $n + 1) AS k(x) ON TRUE "
                            "WHERE EXISTS (SELECT 1 FROM duckdb_tables() WHERE schema_name = current_schema())")
    assert "MATERIALIZED" not in text and ":channels" in text and "ARRAY_CONTAINS" in text
    assert "RANGE(0, :n + 1) AS k(x)" in text and "7.0D" in text
    assert "omnimix_catalog" in text and "'main'" in text and "orders" in tables
    text, tables = to_spark("SELECT CAST(list_position(?::VARCHAR[], kind) - 1 AS TINYINT), epoch_ms(touch_ts) "
                            "FROM touchpoints WHERE EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = ?)")
    # DuckDB's list_position is NULL when absent, Spark's array_position 0; epoch_ms of a timestamp is milliseconds.
    assert "NULLIF(ARRAY_POSITION(CAST(? AS ARRAY<STRING>), kind), 0)" in text and "UNIX_MILLIS(touch_ts)" in text
    assert "information_schema" not in text and "omnimix_catalog" in tables
    assert "omnimix_databases" in to_spark("SELECT path FROM duckdb_databases()")[0]
