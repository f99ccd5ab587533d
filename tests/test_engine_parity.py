"""Parity: every ported heavy query gives the same result on DuckDB and on local-mode Spark.

The 2,000-customer test database is exported to Parquet (``omnimix export``), read back by one
local Spark session for the whole test run (``local[2]``, 4 shuffle partitions, no UI) and each
query function runs unchanged on both connections. Results are compared as DataFrames sorted by
their key columns, numbers with a relative tolerance of 1e-9 (sums are added up in another order).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyspark")
pytest.importorskip("sqlglot")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("local Spark needs Java 17+ (java on PATH or JAVA_HOME)", allow_module_level=True)

from core.engine.export import export_parquet  # noqa: E402
from core.filters import Filters  # noqa: E402
from core.store.db import connect  # noqa: E402

pytestmark = pytest.mark.spark

# A period with a full previous period in the 156-week sample, and a subset of channels.
PERIOD = Filters(dt.date(2025, 1, 6), dt.date(2025, 6, 29))
PERIOD_CHANNELS = Filters(dt.date(2025, 1, 6), dt.date(2025, 6, 29), ("app", "web"))


@pytest.fixture(scope="session")
def lake(small_db, tmp_path_factory):
    path = tmp_path_factory.mktemp("lake") / "lake"
    export_parquet(small_db, path)
    return path


@pytest.fixture(scope="session")
def spark_con(lake):
    from core.engine.spark import SparkConnection, spark_session

    warnings.filterwarnings("ignore", message=".*pandas >= 3.0.0.*")
    # C1-only JIT and the serial collector: a test JVM lives a few minutes on small data,
    # where startup time matters more than peak speed.
    session = spark_session("local[2]", conf={"spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
                                              "spark.driver.memory": "1g"})
    yield SparkConnection(session, lake)
    session.stop()


@pytest.fixture(scope="session")
def duck_con(small_db):
    con = connect(small_db, read_only=True)
    yield con
    con.close()


def assert_same_frame(duck: pd.DataFrame, spark: pd.DataFrame, *, keys: list[str] | None = None) -> None:
    """Same columns, same rows (sorted by ``keys``, default every non-float column), values within 1e-9."""
    assert list(duck.columns) == list(spark.columns)
    assert len(duck) == len(spark), f"{len(duck)} rows on DuckDB, {len(spark)} on Spark"
    if keys is None:
        keys = [c for c in duck.columns if not pd.api.types.is_float_dtype(duck[c])]
    if keys:
        duck = duck.sort_values(keys, kind="stable").reset_index(drop=True)
        spark = spark.sort_values(keys, kind="stable").reset_index(drop=True)
    for c in duck.columns:
        a, b = duck[c], spark[c]
        if pd.api.types.is_numeric_dtype(a) and not pd.api.types.is_bool_dtype(a):
            np.testing.assert_allclose(a.to_numpy(dtype=float), b.to_numpy(dtype=float), rtol=1e-9, atol=1e-9,
                                       equal_nan=True, err_msg=f"column {c}")
        elif pd.api.types.is_datetime64_any_dtype(a):
            assert (pd.to_datetime(a).to_numpy() == pd.to_datetime(b).to_numpy()).all(), f"column {c}"
        else:
            assert a.astype(str).tolist() == b.astype(str).tolist(), f"column {c}"


def test_transpiled_sql_keeps_parameters_out_of_the_text(spark_con):
    text = spark_con.sql_text("SELECT count(*) FROM orders WHERE list_contains($channels, channel) AND order_ts >= $start")
    assert ":channels" in text and ":start" in text and "ARRAY_CONTAINS" in text.upper()


def test_every_table_reads_back_identically(duck_con, spark_con):
    for table in ("orders", "events", "marketing_spend", "customers"):
        duck = duck_con.execute(f"SELECT * FROM {table}").df()
        spark = spark_con.execute(f"SELECT * FROM {table}").df()
        assert_same_frame(duck, spark, keys=list(duck.columns))


@pytest.mark.parametrize("filters", [Filters(), PERIOD_CHANNELS], ids=["all", "period-channels"])
def test_overview(duck_con, spark_con, filters):
    from core.overview import queries as q

    assert_same_frame(q.kpis(duck_con, filters), q.kpis(spark_con, filters))
    assert_same_frame(q.channel_share(duck_con, filters), q.channel_share(spark_con, filters))
    assert_same_frame(q.customers_by_channel_count(duck_con, filters), q.customers_by_channel_count(spark_con, filters))
    assert_same_frame(q.channel_pair_overlap(duck_con, filters), q.channel_pair_overlap(spark_con, filters))


def test_overview_trends(duck_con, spark_con):
    from core.overview.queries import channel_timeseries

    for grain in ("week", "month"):
        assert_same_frame(channel_timeseries(duck_con, PERIOD, grain=grain),
                          channel_timeseries(spark_con, PERIOD, grain=grain))


def test_customer_features(duck_con, spark_con):
    from core.segments.features import customer_features

    duck, spark = customer_features(duck_con, PERIOD), customer_features(spark_con, PERIOD)
    assert (duck.channels, duck.categories, duck.reference_date) == (spark.channels, spark.categories,
                                                                     spark.reference_date)
    assert duck.n_customers > 500
    assert_same_frame(duck.table, spark.table, keys=["customer_id"])


def test_rfm_summaries(duck_con, spark_con):
    from core.clv.summary import rfm_summary, summaries_with_holdout

    assert_same_frame(rfm_summary(duck_con), rfm_summary(spark_con), keys=["customer_id"])
    cutoff = dt.date(2025, 6, 30)
    for duck, spark in zip(summaries_with_holdout(duck_con, cutoff=cutoff, weeks=12),
                           summaries_with_holdout(spark_con, cutoff=cutoff, weeks=12), strict=True):
        assert_same_frame(duck, spark, keys=["customer_id"])


@pytest.mark.parametrize("by", ["month", "acquisition"])
def test_cohorts(duck_con, spark_con, by):
    from core.insight.cohorts import cohort_table

    duck = cohort_table(duck_con, PERIOD, by=by, min_group=1)
    assert len(duck) >= 10
    assert_same_frame(duck, cohort_table(spark_con, PERIOD, by=by, min_group=1), keys=["cohort", "months_since"])


def test_funnels(duck_con, spark_con):
    from core.insight.funnels import funnel_comparison

    # A minimum group that leaves some steps unsure after the estimate: the exact count runs too.
    duck = funnel_comparison(duck_con, PERIOD, min_group=300)
    assert_same_frame(duck, funnel_comparison(spark_con, PERIOD, min_group=300), keys=["period", "channel", "step"])


def test_journeys(duck_con, spark_con):
    from core.insight.journeys import channel_journeys, multichannel_value

    assert_same_frame(channel_journeys(duck_con, PERIOD, min_group=1), channel_journeys(spark_con, PERIOD, min_group=1),
                      keys=["first_channel", "later_channel"])
    assert_same_frame(multichannel_value(duck_con, PERIOD, min_group=1), multichannel_value(spark_con, PERIOD, min_group=1),
                      keys=["group"])


def test_weekly_revenue_and_spend(duck_con, spark_con):
    from core.mmm.weekly import from_db

    duck, spark = from_db(duck_con), from_db(spark_con)
    assert duck.channels == spark.channels
    assert_same_frame(duck.frame, spark.frame, keys=["week"])


def test_recommender_interactions(duck_con, spark_con):
    from core.recs.interactions import from_db

    before = dt.datetime(2025, 7, 1)
    duck, spark = from_db(duck_con, before=before), from_db(spark_con, before=before)
    assert duck.matrix.shape == spark.matrix.shape
    assert abs(duck.matrix - spark.matrix).max() < 1e-9


def test_attribution(duck_con, spark_con):
    from core.attribution.compare import analyse

    # Customers are keyed by hash(customer_id), which differs between the engines: only the key
    # changes, so every model's credit per channel and its error against the truth must agree.
    duck, spark = analyse(duck_con, PERIOD), analyse(spark_con, PERIOD)
    assert duck.summary == spark.summary and duck.summary["touches"] > 1000
    assert duck.has_truth and spark.has_truth
    assert_same_frame(duck.table.drop(columns=[c for c in duck.table if "seconds" in c]),
                      spark.table.drop(columns=[c for c in spark.table if "seconds" in c]), keys=["model", "channel"])
    assert duck.errors.keys() == spark.errors.keys()
    np.testing.assert_allclose(list(duck.errors.values()), list(spark.errors.values()), rtol=1e-9)


def test_campaign_queries_that_port(duck_con, spark_con):
    from core.campaigns.base import missing_data
    from core.campaigns.seo import losing_pages, seo_trend

    assert missing_data(duck_con) is None and missing_data(spark_con) is None
    duck = seo_trend(duck_con, PERIOD)
    assert len(duck) > 20
    assert_same_frame(duck, seo_trend(spark_con, PERIOD))
    end = dt.date(2025, 12, 28)
    # Every page with a session, whatever its change: the whole aggregation is compared.
    duck = losing_pages(duck_con, end, min_sessions=1, min_drop=np.inf, min_size=1)
    assert len(duck) >= 3
    assert_same_frame(duck, losing_pages(spark_con, end, min_sessions=1, min_drop=np.inf, min_size=1))


def test_campaign_credit_query_fails_in_one_sentence(spark_con):
    from core.campaigns.base import touch_metrics
    from core.engine import EngineQueryError

    # Its ASOF join (each order's last session before it) has no Spark SQL form.
    with pytest.raises(EngineQueryError, match=r"^The Spark engine cannot run this query: .*") as info:
        touch_metrics(spark_con, PERIOD, None, {"campaign_id": "t.campaign_id"})
    assert "\n" not in str(info.value)
