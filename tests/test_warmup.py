"""The warm-up after a database is written (core.warmup): isolated steps, after generate and after load."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from core import warmup
from core.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "sample_data" / "examples"


def _boom(db: Path) -> bool:
    raise RuntimeError("disk on fire")


@pytest.fixture
def steps(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Replace the warm-ups by a failing recommendations step and a recording one (no slow work)."""
    ran: list[str] = []

    def record(db: Path) -> bool:
        ran.append(str(db))
        return True

    tuning = next(s for s in warmup.STEPS if s.name == "recs_tuning")
    monkeypatch.setattr(warmup, "STEPS", (
        warmup.Step(tuning.name, tuning.label, tuning.slower, _boom),
        warmup.Step("other", "other result", "something else will be slower", record)))
    return ran


def test_failing_step_is_reported_and_the_others_run(tmp_path: Path, steps: list[str]) -> None:
    done = warmup.warm_caches(tmp_path / "x.duckdb")
    assert [s.status for s in done.steps] == ["failed", "done"] and steps
    assert done.notes == ["Could not precompute the Recommendations page's parameters (disk on fire): "
                          "the Recommendations page will choose its parameters on first visit."]


def test_generate_succeeds_when_a_warm_up_fails(tmp_path: Path, steps: list[str],
                                                capsys: pytest.CaptureFixture) -> None:
    db = tmp_path / "g.duckdb"
    assert main(["generate", "--db", str(db), "--customers", "200", "--seed", "3", "--weeks", "30"]) == 0
    out, err = capsys.readouterr()
    assert "the Recommendations page will choose its parameters on first visit" in err
    assert "Warmed the caches in" in out and "(failed)" in out
    assert steps == [str(db)]  # the step after the failing one still ran
    with duckdb.connect(str(db), read_only=True) as con:  # the data is kept
        assert con.execute("SELECT count(*) FROM customers").fetchone()[0] == 200


def test_load_succeeds_when_a_warm_up_fails(writable_examples_db: Path, steps: list[str],
                                            tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    csv = tmp_path / "channels.csv"
    csv.write_text("channel,kind\nnewsletter,media\n")
    assert main(["load", "--db", str(writable_examples_db), "--table", "channels", str(csv)]) == 0
    out, err = capsys.readouterr()
    assert "Loaded 1 rows into channels" in out
    assert "the Recommendations page will choose its parameters on first visit" in err
    with duckdb.connect(str(writable_examples_db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM channels WHERE channel = 'newsletter'").fetchone()[0] == 1


@pytest.mark.parametrize("command", ["load", "generate"])
def test_no_warm_skips(command: str, writable_examples_db: Path, steps: list[str], tmp_path: Path,
                       capsys: pytest.CaptureFixture) -> None:
    if command == "load":
        csv = tmp_path / "channels.csv"
        csv.write_text("channel,kind\nnewsletter,media\n")
        argv = ["load", "--db", str(writable_examples_db), "--table", "channels", str(csv), "--no-warm"]
    else:
        argv = ["generate", "--db", str(tmp_path / "g.duckdb"), "--customers", "200", "--weeks", "30", "--no-warm"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert steps == [] and "Caches not warmed (--no-warm)" in out and err == ""


def test_warm_up_after_load_fills_the_cache(small_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """After ``omnimix load`` the report's recommendation section and the page's tuning are read from the cache."""
    from core import cache
    from core.recs import stored
    from core.report import customers as section

    db = tmp_path / "own.duckdb"
    shutil.copy(small_db, db)
    assert main(["load", "--db", str(db), "--table", "channels", str(EXAMPLES / "channels.csv"), "--json"]) == 0
    out = capsys.readouterr().out
    assert '"warm_up"' in out and '"failed"' not in out
    assert cache.exists(stored.KIND, stored.tuning_key(db))
    with duckdb.connect(str(db), read_only=True) as con:
        key = section._cache_key(con, *section.RECS_OPTIONS)
        assert cache.exists("recs-eval", key)

        def not_again(con: duckdb.DuckDBPyConnection) -> None:
            raise AssertionError("the recommendation section computed its evaluation again")

        monkeypatch.setattr(section, "_recs_quality", not_again)
        assert section.recs_quality(con).held_out_customers > 0


def test_first_tables_skip_the_recommenders(tmp_path: Path, capsys: pytest.CaptureFixture,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Without products and purchases the recommendation steps have nothing to do and are not even started."""
    from core.recs import stored
    from core.report import customers

    monkeypatch.setattr(stored, "warm_tuning", _boom)
    monkeypatch.setattr(customers, "warm_recs_quality", _boom)
    db = tmp_path / "new.duckdb"
    assert main(["load", "--db", str(db), "--table", "channels", str(EXAMPLES / "channels.csv")]) == 0
    out, err = capsys.readouterr()
    assert "Recommendations page's parameters" in out and "(failed)" not in out and err == ""
    assert out.count("(nothing to do)") == 3
