"""CAC per channel and CLV:CAC against hand-computed figures (core.acquisition)."""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest

from core.acquisition import acquisition_channels, acquisition_cost, channel_value
from core.filters import Filters
from core.privacy import SMALL
from core.store.schema import create_schema

PERIOD = Filters(dt.date(2025, 1, 6), dt.date(2025, 2, 2), ("web",))  # channels never filter spend


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    create_schema(con, truth=False)
    # search: 60 new customers in the period, 2 before; tv: 3 new; web: 70 new, no spend
    rows = ([(f"S{i}", "2025-01-10", "search") for i in range(60)] + [("S_old1", "2024-06-01", "search"),
            ("S_old2", "2024-06-01", "search")] + [(f"T{i}", "2025-01-20", "tv") for i in range(3)]
            + [(f"W{i}", "2025-02-01", "web") for i in range(70)] + [("N1", "2025-01-07", None)])
    con.executemany("INSERT INTO customers (customer_id, signup_date, acquisition_channel) VALUES (?, ?, ?)", rows)
    spend = [("2025-01-06", "search", 1000.0), ("2025-01-27", "search", 200.0), ("2025-02-03", "search", 999.0),
             ("2025-01-13", "tv", 3000.0), ("2024-12-30", "tv", 500.0)]
    con.executemany("INSERT INTO marketing_spend (week, channel, spend) VALUES (?, ?, ?)", spend)
    yield con
    con.close()


def test_cac_is_period_spend_over_period_signups(con):
    cost = acquisition_cost(con, PERIOD).set_index("channel")
    assert cost.loc["search", "spend"] == 1200.0 and cost.loc["search", "new_customers"] == 60
    assert cost.loc["search", "cac"] == pytest.approx(20.0)
    assert cost.loc["tv", "cac"] == pytest.approx(1000.0)
    assert not cost.loc["web", "has_spend"] and np.isnan(cost.loc["web", "cac"])
    assert cost.loc["unknown", "new_customers"] == 1


def test_channel_value_hides_small_groups_and_divides(con):
    channels = acquisition_channels(con)
    clv = pd.DataFrame({"customer_id": channels["customer_id"], "clv": 10.0})
    clv.loc[clv["customer_id"].str.startswith("S"), "clv"] = 50.0
    value = channel_value(clv, channels, acquisition_cost(con, PERIOD)).set_index("channel")
    assert value.loc["search", "customers"] == 62 and value.loc["search", "mean_clv"] == pytest.approx(50.0)
    assert value.loc["search", "clv_to_cac"] == pytest.approx(50.0 / 20.0)
    # tv: 3 customers, both counts hidden; its CAC and ratio with them
    assert value.loc["tv", "customers_hidden"] == SMALL and value.loc["tv", "new_customers_hidden"] == SMALL
    assert np.isnan(value.loc["tv", "mean_clv"]) and np.isnan(value.loc["tv", "cac"])
    assert np.isnan(value.loc["tv", "clv_to_cac"]) and value.loc["tv", "spend"] == 3000.0
    assert np.isnan(value.loc["web", "cac"]) and value.loc["web", "mean_clv"] == pytest.approx(10.0)
