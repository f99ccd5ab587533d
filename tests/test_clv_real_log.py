"""Issue 13, real data: the CDNOW sample log (not made by Omnimix), loaded with ``omnimix load``, passes the CLV holdout check.

``tests/data/CDNOW_sample.txt`` is the classic 1/10 CDNOW sample (2,357 customers who first
bought in Q1 1997, 6,919 transactions up to 1998-06-30). It is converted to the loader's CSV
files by ``tests/cdnow_log.py`` (shared with ``benchmarks/bench_clv_real.py``), loaded table by
table through the ``omnimix load`` command, and ``omnimix clv --holdout-weeks 39 --json`` is run
on it: the standard CDNOW split, 39 weeks of calibration (to 1997-09-30) and 39 of holdout.
The CLI runs in-process (``core.cli.main``, the same parser and handlers) to keep the test fast;
the bench runs it as a subprocess.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from cdnow_log import clv_holdout, load_log, read_log  # tests/ is on sys.path (pytest "prepend" import mode)

from core.clv.summary import rfm_summary

DATA = Path(__file__).resolve().parent / "data"
SAMPLE = DATA / "CDNOW_sample.txt"
CALIBRATION_END = dt.date(1997, 9, 30)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("cdnow")
    db = work / "cdnow.duckdb"
    conv, reports = load_log(SAMPLE, work / "files", db, in_process=True)
    return db, conv, reports


@pytest.fixture(scope="module")
def holdout39(loaded) -> dict:
    db, _, _ = loaded
    return clv_holdout(db, 39, in_process=True)


def test_the_log_loads_through_the_cli(loaded):
    db, conv, reports = loaded
    assert (conv.rows, conv.customers, conv.free_rows, conv.zero_cd_rows) == (6919, 2357, 8, 0)
    assert conv.first_day == dt.date(1997, 1, 1) and conv.last_day == dt.date(1998, 6, 30)
    assert {r["table"]: r["rows_loaded"] for r in reports} == {
        "customers": 2357, "products": 1, "orders": 6919, "order_items": 6919}
    assert reports[2]["columns_mapped"]["date"] == "order_ts"
    log_dollars = sum(r.dollars for r in read_log(SAMPLE))
    with duckdb.connect(str(db), read_only=True) as con:
        revenue = con.execute("SELECT sum(quantity * unit_price) FROM order_items").fetchone()[0]
        span = con.execute("SELECT min(order_ts)::DATE, max(order_ts)::DATE FROM orders").fetchone()
    assert revenue == pytest.approx(log_dollars, rel=1e-9)
    assert span == (conv.first_day, conv.last_day)


def test_calibration_summary_equals_the_published_one(loaded):
    """Omnimix's summary of the loaded orders at 1997-09-30 is lifetimes' published CDNOW calibration summary."""
    db, _, _ = loaded
    log = pd.read_csv(SAMPLE, sep=r"\s+", header=None, names=["id", "ID", "date", "cds", "dollars"],
                      dtype={"id": str})
    sample_id = log.drop_duplicates("id").set_index("id")["ID"]
    with duckdb.connect(str(db), read_only=True) as con:
        ours = rfm_summary(con, cutoff=CALIBRATION_END)
    ours["ID"] = ours["customer_id"].map(sample_id)
    published = pd.read_csv(DATA / "cdnow_customers_summary.csv")  # recency and T rounded to 0.01 week
    both = published.merge(ours, on="ID", suffixes=("_published", ""), validate="one_to_one")
    assert len(both) == len(published) == len(ours) == 2357
    assert (both["frequency"] == both["frequency_published"]).all()
    assert (both["recency"] - both["recency_published"]).abs().max() <= 0.005 + 1e-9
    assert (both["T"] - both["T_published"]).abs().max() <= 0.005 + 1e-9


def test_holdout_39_weeks_within_20_percent(holdout39):
    h = holdout39["holdout"]
    assert h["weeks"] == 39 and h["calibration_cutoff"] == CALIBRATION_END.isoformat()
    # Actual: purchase days (a customer's orders on one day count once) after the cutoff, from the raw log.
    actual = len({(r.customer_id, r.day) for r in read_log(SAMPLE) if r.day > CALIBRATION_END})
    assert h["total_actual"] == actual == 1882
    assert math.isfinite(h["total_predicted"]) and h["total_predicted"] > 0
    assert h["total_error_pct"] == pytest.approx((h["total_predicted"] - actual) / actual * 100)
    assert abs(h["total_error_pct"]) <= 20
    assert math.isfinite(h["mae"]) and 0 < h["mae"] < 2
    assert h["auc"] > 0.5
    assert holdout39["model"] in h["compared"]
    assert h["compared"][holdout39["model"]]["total_error_pct"] == pytest.approx(h["total_error_pct"])
    assert holdout39["totals"]["customers"] == 2357 and holdout39["totals"]["expected_orders"] > 0
