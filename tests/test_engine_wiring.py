"""OMNIMIX_ENGINE=spark reaches the commands and the pages: same numbers as DuckDB, writes stay on DuckDB.

The commands and the Overview page run unchanged; only the environment differs between the two
runs. They share the one local Spark session of tests/test_engine_parity.py (``getOrCreate``) and
its export of the 2,000-customer test database.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys

import pytest

from tests.test_engine_parity import duck_con, lake, spark_con  # noqa: F401 - shared session fixtures

pytestmark = pytest.mark.spark


@pytest.fixture
def on_spark(lake, spark_con, monkeypatch):  # noqa: F811 - the fixtures imported above
    """The environment of a Spark user: engine, master and the lake of the test database."""
    monkeypatch.setenv("OMNIMIX_ENGINE", "spark")
    monkeypatch.setenv("OMNIMIX_SPARK", "local[2]")
    monkeypatch.setenv("OMNIMIX_WAREHOUSE", str(lake))
    return monkeypatch


def run_json(argv: list[str], capsys) -> dict:
    from core.cli import main

    assert main([*argv, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def assert_same_json(duck, spark, where: str = "") -> None:
    """Equal structure and values; numbers within 1e-9 relative; timings (``seconds``) not compared."""
    if isinstance(duck, dict):
        assert duck.keys() == spark.keys(), where
        for key in duck:
            if key != "seconds":
                assert_same_json(duck[key], spark[key], f"{where}.{key}")
    elif isinstance(duck, list):
        assert len(duck) == len(spark), where
        for i, (a, b) in enumerate(zip(duck, spark, strict=True)):
            assert_same_json(a, b, f"{where}[{i}]")
    elif isinstance(duck, float) or isinstance(spark, float):
        assert math.isclose(duck, spark, rel_tol=1e-9, abs_tol=1e-9) or (math.isnan(duck) and math.isnan(spark)), where
    else:
        assert duck == spark, where


@pytest.mark.parametrize("argv", [
    ["overview"],
    ["overview", "--start", "2025-01-06", "--end", "2025-06-29", "--channels", "app,web"],
    ["segments"],
    ["attribution", "--start", "2025-01-06", "--end", "2025-06-29"],
], ids=["overview", "overview-filtered", "segments", "attribution"])
def test_commands_give_the_same_numbers_on_spark(small_db, on_spark, capsys, argv):
    on_spark.setenv("OMNIMIX_ENGINE", "duckdb")
    duck = run_json([*argv, "--db", str(small_db)], capsys)
    on_spark.setenv("OMNIMIX_ENGINE", "spark")
    spark = run_json([*argv, "--db", str(small_db)], capsys)
    assert_same_json(duck, spark)


def test_recommendations_and_budget_data_read_the_lake(small_db, on_spark, capsys):
    from core.cli import build_parser
    from core.commands.budget import _load

    customer = "C0000042"
    argv = ["recommend", "--customer", customer, "--model", "popular", "--n", "5", "--db", str(small_db)]
    budget_args = build_parser().parse_args(["budget", "fit", "--db", str(small_db)])
    spark_recs, (spark_weekly, spark_tests) = run_json(argv, capsys), _load(budget_args)
    on_spark.setenv("OMNIMIX_ENGINE", "duckdb")
    duck_recs, (duck_weekly, duck_tests) = run_json(argv, capsys), _load(budget_args)
    assert len(duck_recs["recommendations"]) == 5
    assert_same_json(duck_recs, spark_recs)
    assert duck_weekly.channels == spark_weekly.channels and len(duck_weekly.frame) > 100
    assert_same_json(duck_weekly.frame.to_dict("list"), spark_weekly.frame.to_dict("list"))
    assert (duck_tests is None) == (spark_tests is None)


def test_info_names_spark_and_counts_the_lake(small_db, on_spark, capsys):
    info = run_json(["info", "--db", str(small_db)], capsys)
    assert info["engine"]["engine"] == "spark"
    assert info["engine"]["description"].startswith("Spark (local[2]) reading ")
    on_spark.setenv("OMNIMIX_ENGINE", "duckdb")
    duck = run_json(["info", "--db", str(small_db)], capsys)
    assert duck["rows"] == info["rows"] and duck["rows"]["orders"] > 10_000


def test_a_query_spark_cannot_run_is_one_sentence_naming_the_command(small_db, on_spark, capsys, monkeypatch):
    from core.cli import main

    # The campaigns' credit query uses DuckDB's ASOF join, which Spark SQL does not have.
    monkeypatch.setattr(sys, "argv", ["omnimix", "campaigns"])
    assert main(["campaigns", "--db", str(small_db)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("omnimix: 'omnimix campaigns' cannot run on the Spark (local[2]) engine: ")
    assert err.endswith("run it with OMNIMIX_ENGINE=duckdb.")
    assert "\n" not in err and "Traceback" not in err


def test_writes_go_to_duckdb_and_say_so(small_db, lake, on_spark, tmp_path, capsys):  # noqa: F811
    from core.cli import main

    db = tmp_path / "copy.duckdb"
    shutil.copy(small_db, db)
    manifest = (lake / "_omnimix.json").read_bytes()
    assert main(["settings", "--db", str(db), "--name", "Spark Shop", "--json"]) == 0
    err = capsys.readouterr().err
    assert f"this write goes to the DuckDB file {db}, not to the lake {lake}" in err
    assert "omnimix export" in err
    on_spark.setenv("OMNIMIX_ENGINE", "duckdb")
    assert run_json(["settings", "--db", str(db)], capsys)["business_name"] == "Spark Shop"
    assert (lake / "_omnimix.json").read_bytes() == manifest


def test_overview_page_renders_on_spark_and_the_sidebar_says_so(small_db, on_spark):
    from tests.apptest_pages import open_app_page

    on_spark.setenv("OMNIMIX_DB", str(small_db))
    query = {"start": "2025-01-06", "end": "2025-06-29"}
    spark = open_app_page("pages/overview.py", query)
    assert not spark.exception and not spark.error
    captions = " ".join(c.value for c in spark.sidebar.caption)
    assert "Engine: Spark (local[2]) reading " in captions
    on_spark.setenv("OMNIMIX_ENGINE", "duckdb")
    duck = open_app_page("pages/overview.py", query)
    assert not duck.exception and "Spark" not in " ".join(c.value for c in duck.sidebar.caption)
    assert len(duck.metric) >= 6
    assert [(m.label, m.value, m.delta) for m in duck.metric] == [(m.label, m.value, m.delta) for m in spark.metric]


@pytest.mark.skipif(not os.environ.get("OMNIMIX_TEST_SPARK_CONNECT"),
                    reason="needs a Spark Connect server: set OMNIMIX_TEST_SPARK_CONNECT=sc://host:15002 (docs/scale.md)")
def test_overview_over_spark_connect(small_db, lake, capsys):  # noqa: F811
    # A separate process: a Spark Connect client only (no local JVM), as a Spark user runs Omnimix.
    # The server must see the lake at the same path (same machine or a shared folder).
    argv = [sys.executable, "-m", "core.cli", "overview", "--start", "2025-01-06", "--end", "2025-06-29", "--json",
            "--db", str(small_db)]
    env = {**os.environ, "OMNIMIX_ENGINE": "spark", "OMNIMIX_SPARK": os.environ["OMNIMIX_TEST_SPARK_CONNECT"],
           "OMNIMIX_WAREHOUSE": str(lake)}
    spark = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert spark.returncode == 0, spark.stderr
    assert_same_json(run_json(argv[3:-3] + ["--db", str(small_db)], capsys), json.loads(spark.stdout))
