"""Generated campaigns and touchpoints: spend adds up, touches are consistent, the truth is sane and biased as built."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from core.generator import generate_into
from core.generator.campaigns import THEMES
from core.generator.organic import PAGES
from core.generator.personas import PERSONAS
from core.generator.touchpoints import LOOKBACK_DAYS, TRUTH_CHANNELS
from core.store.schema import TABLES

NEW_TABLES = ("campaigns", "campaign_spend", "touchpoints", "truth_channel_incremental", "truth_theme_affinity")
# Each order's path: the customer's touches in the 30 days before it, after their previous order.
PATHS = f"""
    WITH o AS (SELECT order_id, customer_id, order_ts,
                      lag(order_ts) OVER (PARTITION BY customer_id ORDER BY order_ts) AS prev FROM orders)
    SELECT o.order_id, o.customer_id, t.channel, t.touch_ts,
           row_number() OVER (PARTITION BY o.order_id ORDER BY t.touch_ts DESC) AS from_end
    FROM o JOIN touchpoints t ON t.customer_id = o.customer_id AND t.touch_ts < o.order_ts
     AND t.touch_ts >= o.order_ts - INTERVAL {LOOKBACK_DAYS} DAY AND (o.prev IS NULL OR t.touch_ts > o.prev)"""


@pytest.fixture(scope="module")
def sample():
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    generate_into(con, n_customers=2000, seed=7)
    yield con
    con.close()


def fingerprint(con: duckdb.DuckDBPyConnection, table: str) -> tuple:
    cols = ", ".join(TABLES[table].column_names)
    return con.execute(f"SELECT count(*), sum(hash({cols})) FROM {table}").fetchone()


def small(seed: int) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    generate_into(con, n_customers=400, seed=seed, n_weeks=60)
    return con


def test_campaign_spend_adds_up_to_the_channel_spend_every_week(sample):
    df = sample.execute("""
        WITH c AS (SELECT s.week, k.channel, sum(s.spend) AS spend, sum(s.impressions) AS impressions,
                          sum(s.clicks) AS clicks, count(*) AS n
                   FROM campaign_spend s JOIN campaigns k USING (campaign_id) GROUP BY ALL)
        SELECT m.*, coalesce(c.spend, 0) AS c_spend, coalesce(c.impressions, 0) AS c_impressions,
               coalesce(c.clicks, 0) AS c_clicks, coalesce(c.n, 0) AS n
        FROM marketing_spend m FULL JOIN c USING (week, channel)""").df()
    assert df["spend"].notna().all(), "campaign spend in a week or channel marketing_spend does not have"
    assert (df["spend"] - df["c_spend"]).abs().max() < 1e-6
    assert (df["impressions"] == df["c_impressions"]).all() and (df["clicks"] == df["c_clicks"]).all()
    assert ((df["n"] > 0) == (df["spend"] > 0)).all()
    assert df.groupby("channel")["n"].max().min() >= 1
    assert df.loc[df["channel"] == "social", "n"].max() >= 2  # several creatives at once


def test_campaigns_spend_only_while_they_run_and_are_well_formed(sample):
    outside = sample.execute("""SELECT count(*) FROM campaign_spend s JOIN campaigns c USING (campaign_id)
                                WHERE s.week < c.start_date OR s.week + 6 > c.end_date""").fetchone()[0]
    assert outside == 0
    df = sample.execute("SELECT * FROM campaigns").df()
    assert df["name"].is_unique
    assert set(df["channel"]) == {"search", "social", "display", "email", "affiliate", "tv"}
    assert set(df["theme"].dropna()) == set(THEMES)
    assert (df.loc[df["channel"] != "tv", "landing_page"].notna()).all()
    brand = df["name"].str.startswith("Search | Brand")
    assert brand.any() and (df["channel"].eq("search") & ~brand).any()


def test_every_touchpoint_refers_to_known_customers_campaigns_and_channels(sample):
    checks = {
        "unknown customer": "SELECT count(*) FROM touchpoints t ANTI JOIN customers c USING (customer_id)",
        "unknown channel": "SELECT count(*) FROM touchpoints t ANTI JOIN channels c USING (channel)",
        "unknown campaign": "SELECT count(*) FROM touchpoints t ANTI JOIN campaigns c USING (campaign_id) "
                            "WHERE t.campaign_id IS NOT NULL",
        "campaign of another channel": "SELECT count(*) FROM touchpoints t JOIN campaigns c USING (campaign_id) "
                                       "WHERE c.channel <> t.channel",
        "touch outside its campaign's dates": "SELECT count(*) FROM touchpoints t JOIN campaigns c USING (campaign_id) "
                                              "WHERE t.touch_ts::DATE NOT BETWEEN c.start_date AND c.end_date",
        "touch in a week its campaign did not spend": """SELECT count(*) FROM touchpoints t ANTI JOIN campaign_spend s
            ON s.campaign_id = t.campaign_id AND s.week = date_trunc('week', t.touch_ts)::DATE
            WHERE t.campaign_id IS NOT NULL""",
        "organic with a campaign or without keyword group": """SELECT count(*) FROM touchpoints WHERE
            channel = 'organic_search' AND (campaign_id IS NOT NULL OR keyword_group IS NULL OR utm_medium <> 'organic')""",
        "paid without a campaign": "SELECT count(*) FROM touchpoints WHERE channel <> 'organic_search' "
                                   "AND (campaign_id IS NULL OR keyword_group IS NOT NULL OR utm_campaign IS NULL)",
        "engaged TV exposure": "SELECT count(*) FROM touchpoints WHERE channel = 'tv' AND (engaged OR landing_page IS NOT NULL)",
        "search without term": "SELECT count(*) FROM touchpoints WHERE channel = 'search' AND utm_term IS NULL",
        "touch outside the data": "SELECT count(*) FROM touchpoints WHERE touch_ts < (SELECT min(week) FROM marketing_spend)",
    }
    for name, sql in checks.items():
        assert sample.execute(sql).fetchone()[0] == 0, name


def test_truth_tables_are_sane(sample):
    truth = sample.execute("SELECT * FROM truth_channel_incremental").df().set_index("channel")
    assert list(truth.index) == list(TRUTH_CHANNELS)
    assert truth["incremental_share"].sum() == pytest.approx(1.0, abs=1e-12)
    assert (truth["incremental_orders"] > 0).all()
    n_orders = sample.execute("SELECT count(*) FROM orders").fetchone()[0]
    assert truth["incremental_orders"].sum() < n_orders
    touches = dict(sample.execute("SELECT channel, count(*) FROM touchpoints GROUP BY 1").fetchall())
    assert truth["touches"].to_dict() == touches
    affinity = sample.execute("SELECT * FROM truth_theme_affinity").df()
    assert len(affinity) == len(PERSONAS) * len(THEMES) and (affinity["lift"] > 0).all()
    assert set(affinity["persona"]) == set(sample.execute("SELECT persona FROM truth_personas").df()["persona"])


def test_paths_are_a_few_touches_and_some_orders_are_direct(sample):
    per_order = sample.execute(f"""SELECT count(p.channel) AS n FROM orders o LEFT JOIN ({PATHS}) p USING (order_id)
                                   GROUP BY o.order_id""").df()["n"]
    assert 2.0 <= per_order.mean() <= 4.0
    assert 0.1 < (per_order == 0).mean() < 0.4  # "direct" orders: no touch in the lookback window
    # Touches that lead to no order exist too, so channels convert at less than 100%.
    on_paths = sample.execute(f"SELECT count(*) FROM ({PATHS})").fetchone()[0]
    assert on_paths < 0.75 * sample.execute("SELECT count(*) FROM touchpoints").fetchone()[0]


def test_last_click_over_credits_brand_search_and_email_and_under_credits_tv_and_social(sample):
    last = dict(sample.execute(f"""SELECT channel, count(*) / sum(count(*)) OVER () FROM ({PATHS})
                                   WHERE from_end = 1 GROUP BY 1""").fetchall())
    truth = dict(sample.execute("SELECT channel, incremental_share FROM truth_channel_incremental").fetchall())
    assert last["search"] > truth["search"] + 0.05
    assert last["email"] > truth["email"] + 0.03
    assert last["tv"] < truth["tv"] - 0.03 and last["social"] < truth["social"] - 0.05


def test_themes_a_persona_likes_lead_to_orders_more_often(sample):
    # Share of a persona's email and social touches that lie on an order's path, per theme:
    # it follows truth_theme_affinity (every theme runs every week, so timing does not confound it).
    df = sample.execute(f"""
        WITH p AS (SELECT DISTINCT customer_id, touch_ts, channel FROM ({PATHS}))
        SELECT tp.persona, c.theme, avg((p.customer_id IS NOT NULL)::INT) AS on_path, any_value(a.lift) AS lift
        FROM touchpoints t JOIN campaigns c USING (campaign_id) JOIN truth_personas tp USING (customer_id)
        JOIN truth_theme_affinity a ON a.persona = tp.persona AND a.theme = c.theme
        LEFT JOIN p ON p.customer_id = t.customer_id AND p.touch_ts = t.touch_ts AND p.channel = t.channel
        WHERE t.channel IN ('email', 'social') GROUP BY 1, 2""").df()
    corr = np.array([np.corrcoef(g["lift"], g["on_path"])[0, 1] for _, g in df.groupby("persona")])
    assert len(corr) == len(PERSONAS)
    assert corr.min() > 0.3 and corr.mean() > 0.6, corr.round(2)


def test_some_organic_pages_lose_traffic(sample):
    df = sample.execute("""SELECT landing_page, count(*) FILTER (WHERE year(touch_ts) = 2023) AS first,
                                  count(*) FILTER (WHERE year(touch_ts) = 2025) AS last
                           FROM touchpoints WHERE channel = 'organic_search' GROUP BY 1""").df().set_index("landing_page")
    losing = [p for p, _, _, trend in PAGES if trend < 0]
    growing = [p for p, _, _, trend in PAGES if trend > 0]
    assert df.loc[losing, "last"].sum() < 0.7 * df.loc[losing, "first"].sum()
    assert df.loc[growing, "last"].sum() > df.loc[growing, "first"].sum()


def test_touchpoints_are_seeded_and_leave_every_other_table_unchanged(monkeypatch):
    first, again, other = small(5), small(5), small(6)
    for table in NEW_TABLES:
        assert fingerprint(first, table) == fingerprint(again, table), table
    assert fingerprint(first, "touchpoints") != fingerprint(other, "touchpoints")
    # Without the campaign and touchpoint step every other table is what it is with it: own stream.
    monkeypatch.setattr("core.generator.draw_campaigns", lambda weeks, spend, rng: None)
    monkeypatch.setattr("core.generator.draw_touchpoints", lambda *args: (None, None))
    monkeypatch.setattr("core.generator.write_touchpoints", lambda *args: None)
    without = small(5)
    assert without.execute("SELECT count(*) FROM touchpoints").fetchone()[0] == 0
    for table in TABLES:
        if table not in NEW_TABLES:
            assert fingerprint(first, table) == fingerprint(without, table), table
