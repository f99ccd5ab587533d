"""The sample generator: deterministic, realistic, and faithful to the truth it writes down."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

from core.errors import OmnimixError
from core.generator import generate_database, generate_into
from core.generator.experiments import EXPERIMENT_CHANNELS, MAX_WEEKS, MIN_WEEKS, RELATIVE_SE, draw_experiments
from core.generator.personas import PERSONAS
from core.mmm.adstock import geometric_adstock
from core.mmm.saturation import hill
from core.store.schema import DATA_TABLES, TABLES

N_CUSTOMERS = 6000


@pytest.fixture(scope="module")
def sample():
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    generate_into(con, n_customers=N_CUSTOMERS, seed=11)
    yield con
    con.close()


def table_fingerprint(con: duckdb.DuckDBPyConnection, table: str) -> tuple:
    cols = ", ".join(TABLES[table].column_names)
    return con.execute(f"SELECT count(*), sum(hash({cols})) FROM {table}").fetchone()


def weekly_revenue(con) -> pd.DataFrame:
    return con.execute("""
        WITH realised AS (
            SELECT date_trunc('week', o.order_ts)::DATE AS week, sum(i.quantity * i.unit_price) AS revenue,
                   sum(i.quantity * i.unit_price) FILTER (WHERE TRUE) AS r
            FROM orders o JOIN order_items i USING (order_id) GROUP BY 1),
        order_values AS (
            SELECT date_trunc('week', o.order_ts)::DATE AS week, sum(i.quantity * i.unit_price) AS v
            FROM orders o JOIN order_items i USING (order_id) GROUP BY o.order_id, 1),
        spread AS (SELECT week, sqrt(sum(v * v)) AS sampling_sd FROM order_values GROUP BY week),
        truth AS (
            SELECT week, sum(revenue) AS truth,
                   sum(revenue) FILTER (WHERE component = 'baseline') AS baseline,
                   sum(revenue) FILTER (WHERE component NOT IN ('baseline', 'noise')) AS media
            FROM truth_weekly_revenue GROUP BY week)
        SELECT * FROM truth JOIN realised USING (week) JOIN spread USING (week) ORDER BY week""").df()


def test_same_seed_gives_identical_tables(sample):
    again = duckdb.connect()
    generate_into(again, n_customers=N_CUSTOMERS, seed=11)
    for table in TABLES:
        assert table_fingerprint(sample, table) == table_fingerprint(again, table), table


def test_different_seed_gives_different_data(sample):
    other = duckdb.connect()
    generate_into(other, n_customers=N_CUSTOMERS, seed=12)
    assert table_fingerprint(sample, "orders") != table_fingerprint(other, "orders")


def test_persona_mix_follows_declared_shares(sample):
    got = sample.execute("SELECT persona, count(*) / ? FROM truth_personas GROUP BY 1", [N_CUSTOMERS]).fetchall()
    shares = dict(got)
    declared = {p.name: p.share / sum(q.share for q in PERSONAS) for p in PERSONAS}
    assert set(shares) == set(declared)
    for name, share in declared.items():
        assert abs(shares[name] - share) < 0.025, name


def test_personas_shop_differently(sample):
    df = sample.execute("""
        SELECT p.persona,
               avg(CASE WHEN o.channel = 'store' THEN 1 ELSE 0 END) AS store_share,
               avg(CASE WHEN o.channel = 'app' THEN 1 ELSE 0 END) AS app_share,
               avg(CASE WHEN o.channel = 'marketplace' THEN 1 ELSE 0 END) AS marketplace_share,
               count(*) / count(DISTINCT o.customer_id) AS orders_per_buyer,
               sum(v.value) / count(*) AS aov
        FROM orders o JOIN truth_personas p USING (customer_id)
        JOIN (SELECT order_id, sum(quantity * unit_price) AS value FROM order_items GROUP BY 1) v USING (order_id)
        GROUP BY 1""").df().set_index("persona")
    assert df.loc["High-value store loyalists", "store_share"] > 0.6
    assert df.loc["Bargain app shoppers", "app_share"] > 0.6
    assert df.loc["Marketplace one-timers", "marketplace_share"] > 0.7
    assert df.loc["Marketplace one-timers", "orders_per_buyer"] < df["orders_per_buyer"].drop("Marketplace one-timers").min()
    assert df.loc["High-value store loyalists", "aov"] > 1.5 * df.loc["Bargain app shoppers", "aov"]


def test_weekly_order_revenue_realises_the_truth_curve_within_sampling_noise(sample):
    df = weekly_revenue(sample)
    assert len(df) == 156
    rel_error = (df["revenue"] - df["truth"]).abs() / df["truth"]
    expected_noise = (df["sampling_sd"] / df["truth"]).mean()
    # Mean absolute deviation of a normal is 0.8 sd; allow generous headroom, but not a different curve.
    assert rel_error.mean() < 1.5 * expected_noise
    assert np.corrcoef(df["revenue"], df["truth"])[0, 1] > 0.7
    assert df["revenue"].sum() == pytest.approx(df["truth"].sum(), rel=1e-6)


def test_media_effect_is_visible_in_order_revenue(sample):
    df = weekly_revenue(sample)
    residual = df["revenue"] - df["baseline"]
    assert np.corrcoef(residual, df["media"])[0, 1] > 0.3


def test_truth_curve_is_beta_times_hill_of_adstocked_spend(sample):
    truth = sample.execute("SELECT * FROM truth_channel_response").df().set_index("channel")
    spend = sample.execute("SELECT week, channel, spend FROM marketing_spend").df().pivot(index="week", columns="channel", values="spend")
    contrib = sample.execute("SELECT week, component, revenue FROM truth_weekly_revenue").df().pivot(index="week", columns="component", values="revenue")
    assert len(truth) >= 4
    for ch, row in truth.iterrows():
        # spend is stored rounded to cents, so allow a tiny relative slack
        expected = row["beta"] * hill(geometric_adstock(spend[ch].to_numpy(), row["adstock_decay"]), row["half_saturation"], row["hill_shape"])
        np.testing.assert_allclose(contrib[ch].to_numpy(), expected, rtol=1e-3, atol=1.0)
        assert row["true_roas"] == pytest.approx(contrib[ch].sum() / spend[ch].sum(), rel=1e-9)
    assert truth["true_roas"].max() > 2 * truth["true_roas"].min()  # channels differ


def test_lift_tests_measure_the_truth_within_four_standard_errors(sample):
    # The truth recomputed in SQL: the channel's truth_weekly_revenue over start_week..end_week inclusive.
    df = sample.execute("""
        SELECT e.*, (e.end_week - e.start_week) // 7 + 1 AS n_weeks,
               (SELECT sum(t.revenue) FROM truth_weekly_revenue t
                WHERE t.component = e.channel AND t.week BETWEEN e.start_week AND e.end_week) AS truth,
               (SELECT min(s.spend) FROM marketing_spend s
                WHERE s.channel = e.channel AND s.week BETWEEN e.start_week AND e.end_week) AS min_spend,
               (SELECT max(week) FROM marketing_spend) AS last_week
        FROM experiments e""").df()
    assert sorted(df["channel"]) == sorted(EXPERIMENT_CHANNELS) and (df["method"] == "geo holdout").all()
    assert df["n_weeks"].between(MIN_WEEKS, MAX_WEEKS).all()
    assert (df["start_week"] > df["last_week"] - pd.Timedelta(weeks=104)).all()  # in the last two years
    assert (df["min_spend"] > 0).all()  # run while the channel spends
    np.testing.assert_allclose(df["standard_error"], (RELATIVE_SE * df["truth"]).round(2), atol=0.005)
    z = (df["incremental_revenue"] - df["truth"]) / df["standard_error"]
    assert (z.abs() < 4).all(), z.tolist()
    assert (z != 0).all()  # measured with noise, not the truth itself


def test_lift_tests_are_seeded_and_leave_every_other_table_unchanged(monkeypatch):
    def generate(seed: int) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect()
        generate_into(con, n_customers=400, seed=seed, n_weeks=60)
        return con

    first, again, other = generate(5), generate(5), generate(6)
    assert table_fingerprint(first, "experiments") == table_fingerprint(again, "experiments")
    assert table_fingerprint(first, "experiments") != table_fingerprint(other, "experiments")
    # Without the lift tests every other table is what it is with them: their draws use their own stream.
    monkeypatch.setattr("core.generator.draw_experiments",
                        lambda w, s, rng: draw_experiments(w, s, np.random.default_rng(0)).iloc[:0])
    without = generate(5)
    assert without.execute("SELECT count(*) FROM experiments").fetchone()[0] == 0
    for table in TABLES:
        if table != "experiments":
            assert table_fingerprint(first, table) == table_fingerprint(without, table), table


def test_referential_integrity_and_time_order(sample):
    checks = {
        "orders without customer": "SELECT count(*) FROM orders LEFT JOIN customers USING (customer_id) WHERE customers.customer_id IS NULL",
        "items without order": "SELECT count(*) FROM order_items LEFT JOIN orders USING (order_id) WHERE orders.order_id IS NULL",
        "items without product": "SELECT count(*) FROM order_items LEFT JOIN products USING (product_id) WHERE products.product_id IS NULL",
        "unknown channels": "SELECT count(*) FROM (SELECT channel FROM orders UNION ALL SELECT channel FROM events UNION ALL SELECT channel FROM marketing_spend) x WHERE channel NOT IN (SELECT channel FROM channels)",
        "orders before signup": "SELECT count(*) FROM orders JOIN customers USING (customer_id) WHERE order_ts::DATE < signup_date",
        "orders without lines": "SELECT count(*) FROM orders WHERE order_id NOT IN (SELECT order_id FROM order_items)",
        "online lines without purchase event": """SELECT count(*) FROM order_items i JOIN orders o USING (order_id)
            WHERE o.channel <> 'store' AND NOT EXISTS (SELECT 1 FROM events e WHERE e.customer_id = o.customer_id
              AND e.product_id = i.product_id AND e.event_type = 'purchase' AND e.event_ts = o.order_ts)""",
    }
    for name, sql in checks.items():
        assert sample.execute(sql).fetchone()[0] == 0, name


def test_conversion_rates_differ_by_channel(sample):
    df = sample.execute("""SELECT channel, count(*) FILTER (WHERE event_type = 'purchase') / count(*) FILTER (WHERE event_type = 'view') AS conv
                           FROM events WHERE channel <> 'store' GROUP BY 1""").df().set_index("channel")["conv"]
    assert 0 < df.min() < df.max() < 1
    assert df["app"] > df["social"]


def test_seasonality_peaks_around_black_friday_and_christmas(sample):
    df = weekly_revenue(sample)
    month = pd.to_datetime(df["week"]).dt.month
    peak, spring = month.isin([11, 12]), month.isin([2, 3, 4])
    # The baseline carries the holiday peaks; media spend moves independently (planned pauses),
    # so realised revenue shows the peak less sharply than the baseline does.
    assert df.loc[peak, "baseline"].mean() > 1.15 * df.loc[spring, "baseline"].mean()
    assert df.loc[peak, "revenue"].mean() > 1.05 * df.loc[spring, "revenue"].mean()


def test_weekend_share_differs_between_store_and_online(sample):
    df = sample.execute("SELECT channel = 'store' AS store, avg(CASE WHEN isodow(order_ts) = 6 THEN 1 ELSE 0 END) AS sat FROM orders GROUP BY 1").df().set_index("store")["sat"]
    assert df[True] > df[False] + 0.05


def test_generate_database_writes_file_atomically_and_refuses_to_overwrite(tmp_path):
    db = tmp_path / "s.duckdb"
    summary = generate_database(db, n_customers=300, seed=3)
    assert db.exists() and not list(tmp_path.glob(".*tmp*"))
    assert summary["rows"]["customers"] == 300 and summary["rows"]["orders"] > 300
    with pytest.raises(OmnimixError, match="already exists"):
        generate_database(db, n_customers=300, seed=3)
    generate_database(db, n_customers=400, seed=3, overwrite=True)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM customers").fetchone()[0] == 400
    con.close()
    con = duckdb.connect(str(db))
    for table in DATA_TABLES:  # primary keys are in place after the bulk load
        keys = TABLES[table].primary_key
        if keys and table != "channels":
            with pytest.raises(duckdb.ConstraintException):
                con.execute(f"INSERT INTO {table} SELECT * FROM {table} LIMIT 1")
    con.close()


def _incident_weeks(con) -> list[tuple[object, pd.Timestamp]]:
    from core.generator.incidents import INCIDENTS, incident_week

    first = con.execute("SELECT min(week) FROM marketing_spend").fetchone()[0]
    n_weeks = con.execute("SELECT count(DISTINCT week) FROM marketing_spend").fetchone()[0]
    return [(i, pd.Timestamp(first) + pd.Timedelta(weeks=incident_week(i, n_weeks))) for i in INCIDENTS]


def test_planted_channel_incidents_move_revenue_between_channels(sample):
    weekly = sample.execute("""
        SELECT date_trunc('week', o.order_ts)::DATE AS week, o.channel, sum(i.quantity * i.unit_price) AS revenue
        FROM orders o JOIN order_items i USING (order_id) GROUP BY ALL""").df()
    weekly["week"] = pd.to_datetime(weekly["week"])
    for incident, week in _incident_weeks(sample):
        series = weekly[weekly["channel"] == incident.channel].set_index("week")["revenue"].sort_index()
        around = series[(series.index >= week - pd.Timedelta(weeks=4)) & (series.index <= week + pd.Timedelta(weeks=4))]
        ratio = series[week] / around.drop(week).median()
        expected_up = incident.channel in incident.targets
        assert (ratio > 1.4) if expected_up else (ratio < 0.7), (incident.channel, ratio)


def test_planted_incidents_are_the_weeks_the_insight_page_flags():
    from core.filters import Filters
    from core.insight import anomaly_weeks, weekly_channel_revenue

    con = duckdb.connect()
    generate_into(con, n_customers=30_000, seed=3)
    # min_group=1: at this size the marketplace has fewer than 50 buyers in its outage week.
    flagged = anomaly_weeks(weekly_channel_revenue(con, Filters(None, None, None), min_group=1))
    flagged_weeks = set(zip(flagged["channel"], pd.to_datetime(flagged["week"]), strict=True))
    for incident, week in _incident_weeks(con):
        assert (incident.channel, week) in flagged_weeks, f"{incident.channel} incident in week {week.date()} not flagged"
    assert len(flagged) <= 6, "a handful of unusual weeks, not noise everywhere"
