"""``truth_customer_future``: each customer's 52 weeks after the data end, from its own random stream."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from core.generator import generate_into
from core.generator.future import FUTURE_WEEKS
from core.generator.personas import PERSONAS

N_CUSTOMERS = 6000

# md5 of every row of these tables (seed 5, 3000 customers), measured on the commit before
# truth_customer_future existed: adding it must not move a single draw of the other tables.
BEFORE_FUTURE_MD5 = {
    "customers": "91b22b31074a1e0407e62cf9df58e3b1",
    "orders": "064dd32fb86a0d8592d2e9d7a9749100",
    "order_items": "2ef59f066efa9baf8dd5acb617bad8d9",
    "events": "1f499dce0fdc0b8a4e75b7e144748597",
    "experiments": "748c501a592cca128849f16e57ba2e66",
    "marketing_spend": "151eb760119c6a357f2b8298f53b9f59",
}


def _generate(n_customers: int, seed: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    generate_into(con, n_customers=n_customers, seed=seed)
    return con


def _md5(con: duckdb.DuckDBPyConnection, table: str) -> str:
    return con.execute(f"SELECT md5(string_agg(CAST(s AS VARCHAR), '|' ORDER BY CAST(s AS VARCHAR))) "
                       f"FROM (SELECT * FROM {table}) s").fetchone()[0]


def _future(con: duckdb.DuckDBPyConnection):
    return con.execute("""
        SELECT f.*, p.persona FROM truth_customer_future f JOIN truth_personas p USING (customer_id)
        ORDER BY customer_id""").df()


@pytest.fixture(scope="module")
def sample():
    con = _generate(N_CUSTOMERS, seed=11)
    yield con
    con.close()


def test_one_row_per_customer(sample):
    n, ids = sample.execute("SELECT count(*), count(DISTINCT customer_id) FROM truth_customer_future").fetchone()
    assert n == ids == N_CUSTOMERS
    missing = sample.execute("SELECT count(*) FROM customers ANTI JOIN truth_customer_future USING (customer_id)")
    assert missing.fetchone()[0] == 0


def test_other_tables_are_byte_identical_to_before_the_future_existed():
    con = _generate(3000, seed=5)
    try:
        assert {t: _md5(con, t) for t in BEFORE_FUTURE_MD5} == BEFORE_FUTURE_MD5
    finally:
        con.close()


def test_deterministic_per_seed(sample):
    again = _generate(N_CUSTOMERS, seed=11)
    other = _generate(N_CUSTOMERS, seed=12)
    try:
        assert _future(again).equals(_future(sample))
        assert not _future(other)[["active_at_end", "future_orders"]].equals(_future(sample)[["active_at_end", "future_orders"]])
    finally:
        again.close()
        other.close()


def test_churned_customers_have_no_future(sample):
    f = _future(sample)
    gone = f[~f["active_at_end"]]
    assert len(gone) > 0
    assert (gone["future_orders"] == 0).all() and (gone["future_revenue"] == 0).all()
    assert (f["future_orders"] >= 0).all() and (f["future_revenue"] >= 0).all()
    # Revenue needs orders and orders carry revenue.
    assert ((f["future_orders"] > 0) == (f["future_revenue"] > 0)).all()


def test_customers_who_ordered_lately_are_mostly_active(sample):
    f = _future(sample).set_index("customer_id")
    last = sample.execute("SELECT customer_id, max(order_ts) AS last FROM orders GROUP BY 1").df().set_index("customer_id")
    end = sample.execute("SELECT max(order_ts) FROM orders").fetchone()[0]
    recent = last.index[last["last"] >= end - np.timedelta64(28, "D")]
    old = last.index[last["last"] < end - np.timedelta64(365, "D")]
    assert f.loc[recent, "active_at_end"].mean() > 0.8
    assert f.loc[old, "active_at_end"].mean() < f.loc[recent, "active_at_end"].mean() - 0.4


@pytest.mark.parametrize("persona", [p.name for p in PERSONAS if p.share >= 0.12])
def test_future_order_rate_matches_the_persona(sample, persona):
    """Active customers: E[orders] = orders/year × E[min(remaining life, 52 weeks)] / 52.

    The remaining lifetime of a customer alive at the end is exponential again (memoryless)
    with mean 52 / churn weeks, so E[min(L, 52)] / 52 = (1 - exp(-churn)) / churn; the
    personal rate multiplier has mean one and is independent of survival.
    """
    spec = next(p for p in PERSONAS if p.name == persona)
    f = _future(sample)
    active = f[(f["persona"] == persona) & f["active_at_end"]]
    assert len(active) > 100
    churn = spec.churn_per_year
    expected = spec.orders_per_year * (1 - np.exp(-churn)) / churn
    se = np.sqrt(active["future_orders"].var() / len(active))
    assert abs(active["future_orders"].mean() - expected) < max(4 * se, 0.05 * expected)


def test_future_is_a_year(sample):
    assert FUTURE_WEEKS == 52
    f = _future(sample)
    # Nobody can buy on more than 364 days; the most frequent personas stay far below.
    assert f["future_orders"].max() < 7 * FUTURE_WEEKS
    value = f.loc[f["future_orders"] > 0, "future_revenue"].sum() / f["future_orders"].sum()
    past = sample.execute("SELECT sum(quantity * unit_price) / count(DISTINCT order_id) FROM order_items").fetchone()[0]
    assert value == pytest.approx(past, rel=0.25)
