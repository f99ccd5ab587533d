"""The omnimix CLI for init, generate and info: JSON output, exit codes, no tracebacks."""

import json
import subprocess
import sys

import duckdb
import pytest

from core.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_init_creates_schema_and_reports_json(tmp_path, capsys):
    db = tmp_path / "x.duckdb"
    code, out, _ = run(capsys, "init", "--db", str(db), "--json")
    assert code == 0
    assert "orders" in json.loads(out)["tables"]
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM channels").fetchone()[0] >= 7
    con.close()


def test_generate_then_info_agree_on_row_counts(tmp_path, capsys):
    db = tmp_path / "s.duckdb"
    code, out, _ = run(capsys, "generate", "--db", str(db), "--customers", "200", "--seed", "5", "--json")
    assert code == 0
    generated = json.loads(out)
    assert generated["rows"]["customers"] == 200 and generated["seed"] == 5
    code, out, _ = run(capsys, "info", "--db", str(db), "--json")
    info = json.loads(out)
    assert code == 0
    for table in ("customers", "orders", "order_items", "events", "marketing_spend", "experiments"):
        assert info["rows"][table] == generated["rows"][table]
    assert info["rows"]["experiments"] == 3  # the generator's lift tests
    assert info["first_order"] >= "2023-01-02"


def test_generate_refuses_existing_file_with_exit_2(tmp_path, capsys):
    db = tmp_path / "s.duckdb"
    assert run(capsys, "generate", "--db", str(db), "--customers", "100")[0] == 0
    code, _, err = run(capsys, "generate", "--db", str(db), "--customers", "100")
    assert code == 2 and "already exists" in err and "--force" in err


def test_bad_arguments_give_one_sentence_and_exit_2(tmp_path, capsys):
    code, _, err = run(capsys, "generate", "--db", str(tmp_path / "a.duckdb"), "--customers", "3")
    assert code == 2 and err.startswith("omnimix: --customers must be at least 10")
    code, _, err = run(capsys, "info", "--db", str(tmp_path / "missing.duckdb"))
    assert code == 2 and "does not exist" in err and "Traceback" not in err


def test_console_script_runs_as_a_process(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "core.cli", "info", "--db", str(tmp_path / "nope.duckdb")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_init_creates_the_data_tables_but_no_truth_tables(tmp_path, capsys):
    # README: tables starting with truth_ exist only in generated samples.
    db = tmp_path / "x.duckdb"
    code, out, _ = run(capsys, "init", "--db", str(db), "--json")
    assert code == 0
    assert not any(t.startswith("truth_") for t in json.loads(out)["tables"])
    with duckdb.connect(str(db), read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert tables == {"channels", "customers", "products", "orders", "order_items", "events", "marketing_spend", "experiments",
                      "campaigns", "campaign_spend", "touchpoints"}
    code, out, _ = run(capsys, "info", "--db", str(db), "--json")
    assert code == 0 and set(json.loads(out)["rows"]) == tables


def test_seed_outside_range_is_an_argument_error_with_exit_2(tmp_path, capsys):
    for seed in ("-1", str(2**32), "x"):
        with pytest.raises(SystemExit) as exc:
            main(["generate", "--db", str(tmp_path / "s.duckdb"), "--customers", "100", "--seed", seed])
        err = capsys.readouterr().err
        assert exc.value.code == 2
        assert "argument --seed: must be a whole number from 0 to 4294967295" in err and "Traceback" not in err
    assert not (tmp_path / "s.duckdb").exists()


def test_a_reader_that_stops_early_gets_no_error(small_db):
    # `omnimix info --json | head -1`: the pipe closes before the output is written.
    proc = subprocess.Popen([sys.executable, "-m", "core.cli", "info", "--db", str(small_db), "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0
    assert err == "", err
