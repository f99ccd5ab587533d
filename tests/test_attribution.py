"""Attribution core on hand-made data: every model's credits checked by hand, the path boundaries, filters.

The hand-checked path set used by the rule-based tests (channels numbered alphabetically:
email, search, social, tv; days = days before the order):

====  =======================================================  =======
path  touches (channel@days)                                   revenue
====  =======================================================  =======
P1    tv@20 -> social@10 -> email@10 -> search@0               100
P2    search@5                                                 50
P3    email@10 -> search@0                                     30
====  =======================================================  =======
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest

from core.attribution import rules
from core.attribution.compare import analyse, public_table, share_errors
from core.attribution.credit import credit_table, spread_scores
from core.attribution.markov import markov_scores, removal_effects, transition_counts
from core.attribution.models import run_models
from core.attribution.paths import Paths, build_paths
from core.attribution.shapley import ShapleySkipped, shapley_scores
from core.errors import OmnimixError
from core.filters import Filters
from core.store.schema import create_schema

CHANNELS = ("email", "search", "social", "tv")


def make_paths(paths: list[list[tuple[str, float]]], revenue: list[float] | None = None,
               converted: list[bool] | None = None, channels: tuple[str, ...] = CHANNELS) -> Paths:
    """Paths from lists of (channel, days before order); converting paths must come first."""
    converted = converted or [True] * len(paths)
    revenue = revenue or [0.0] * len(paths)
    lengths = [len(p) for p in paths]
    flat = [t for p in paths for t in p]
    return Paths(
        channels=channels,
        touch_path=np.repeat(np.arange(len(paths)), lengths),
        touch_position=np.concatenate([np.arange(n) for n in lengths]),
        touch_channel=np.array([channels.index(c) for c, _ in flat]),
        touch_days_before=np.array([d for _, d in flat], dtype=float),
        path_start=np.r_[0, np.cumsum(lengths)],
        path_converted=np.array(converted),
        path_revenue=np.array(revenue, dtype=float),
        path_customer=np.arange(len(paths)),
        orders_in_period=sum(converted),
        lookback_days=30,
    )


HAND = make_paths([[("tv", 20), ("social", 10), ("email", 10), ("search", 0)], [("search", 5)],
                   [("email", 10), ("search", 0)]], revenue=[100, 50, 30])


def credits(weights: np.ndarray) -> tuple[dict, dict]:
    table = credit_table(HAND, weights).set_index("channel")
    return table["orders"].to_dict(), table["revenue"].to_dict()


def assert_credit(weights, orders: dict, revenue: dict) -> None:
    got_orders, got_revenue = credits(weights)
    for c in CHANNELS:
        assert got_orders[c] == pytest.approx(orders.get(c, 0.0)), c
        assert got_revenue[c] == pytest.approx(revenue.get(c, 0.0)), c


def test_last_click():
    """Every path ends with search: search 3 orders, 100 + 50 + 30 = 180 EUR."""
    assert_credit(rules.last_click(HAND), {"search": 3}, {"search": 180})


def test_last_non_direct_is_last_click_without_a_direct_channel():
    assert_credit(rules.last_non_direct(HAND), {"search": 3}, {"search": 180})


def test_last_non_direct_skips_direct_touches():
    """direct@0 ends P1 (credit to search before it); P2 is all direct (credit stays on direct)."""
    ch = ("direct", "search", "tv")
    p = make_paths([[("tv", 5), ("search", 2), ("direct", 0)], [("direct", 1)]], revenue=[10, 20], channels=ch)
    table = credit_table(p, rules.last_non_direct(p)).set_index("channel")
    assert table["orders"].to_dict() == {"direct": 1.0, "search": 1.0, "tv": 0.0}


def test_first_click():
    """First touches: tv (P1, 100), search (P2, 50), email (P3, 30)."""
    assert_credit(rules.first_click(HAND), {"tv": 1, "search": 1, "email": 1}, {"tv": 100, "search": 50, "email": 30})


def test_linear():
    """P1 a quarter each, P2 all to search, P3 half each.

    Orders: email 1/4 + 1/2 = 0.75, search 1/4 + 1 + 1/2 = 1.75, social 0.25, tv 0.25.
    Revenue: email 25 + 15 = 40, search 25 + 50 + 15 = 90, social 25, tv 25.
    """
    assert_credit(rules.linear(HAND), {"email": .75, "search": 1.75, "social": .25, "tv": .25},
                  {"email": 40, "search": 90, "social": 25, "tv": 25})


def test_time_decay_half_life_10_days():
    """Weights 2^(-days/10): P1 0.25, 0.5, 0.5, 1 (sum 2.25) -> tv 1/9, social 2/9, email 2/9, search 4/9;
    P3 0.5, 1 -> email 1/3, search 2/3. Orders: email 5/9, search 4/9 + 1 + 2/3 = 19/9, social 2/9, tv 1/9.
    Revenue: email 200/9 + 10, search 400/9 + 50 + 20, social 200/9, tv 100/9.
    """
    assert_credit(rules.time_decay(HAND, half_life_days=10),
                  {"email": 5 / 9, "search": 19 / 9, "social": 2 / 9, "tv": 1 / 9},
                  {"email": 200 / 9 + 10, "search": 400 / 9 + 70, "social": 200 / 9, "tv": 100 / 9})


def test_time_decay_default_half_life_is_7_days():
    w = rules.time_decay(HAND)
    assert w[4] == 1.0  # P2: one touch gets everything
    assert w[5] / w[6] == pytest.approx(2 ** (-10 / 7))  # P3: email 10 days before, search at the order


def test_position_based():
    """P1: 40% tv, 10% social, 10% email, 40% search; P2 100% search; P3 50/50.

    Orders: email 0.1 + 0.5 = 0.6, search 0.4 + 1 + 0.5 = 1.9, social 0.1, tv 0.4.
    Revenue: email 10 + 15 = 25, search 40 + 50 + 15 = 105, social 10, tv 40.
    """
    assert_credit(rules.position_based(HAND), {"email": .6, "search": 1.9, "social": .1, "tv": .4},
                  {"email": 25, "search": 105, "social": 10, "tv": 40})


def test_every_rule_gives_each_path_one_order():
    for name, rule in rules.RULE_MODELS.items():
        total = np.bincount(HAND.touch_path, weights=rule(HAND))
        np.testing.assert_allclose(total, 1.0, err_msg=name)


# Known chain: A tv -> search -> conversion, B search -> conversion, C tv -> null, D search -> null.
# start -> tv 1/2, start -> search 1/2; tv -> search 1/2, tv -> null 1/2; search -> conv 2/3, -> null 1/3.
# P(conv) = 1/2 * 1/2 * 2/3 + 1/2 * 2/3 = 1/2. Without tv: 1/2 * 2/3 = 1/3 -> removal effect 1 - (1/3)/(1/2) = 1/3.
# Without search: 0 -> removal effect 1.
CHAIN = make_paths([[("tv", 1), ("search", 0)], [("search", 0)], [("tv", 0)], [("search", 0)]],
                   revenue=[10, 20, 0, 0], converted=[True, True, False, False], channels=("search", "tv"))


def test_markov_transition_counts():
    counts = transition_counts(CHAIN).counts.toarray()
    # states: 0 start, 1 search, 2 tv, 3 conversion, 4 null
    assert counts[0].tolist() == [0, 2, 2, 0, 0]
    assert counts[1].tolist() == [0, 0, 0, 2, 1]
    assert counts[2].tolist() == [0, 1, 0, 0, 1]


def test_markov_removal_effects_on_a_known_chain():
    np.testing.assert_allclose(removal_effects(transition_counts(CHAIN)), [1.0, 1 / 3])


def test_markov_credit_shares_each_path_by_removal_effect():
    """Path A: tv (1/3) / (1/3 + 1) = 1/4, search 3/4; path B all search -> search 1.75, tv 0.25 orders;
    revenue: tv 10/4 = 2.5, search 7.5 + 20 = 27.5."""
    conv = CHAIN.converting()
    table = credit_table(conv, spread_scores(conv, markov_scores(CHAIN))).set_index("channel")
    assert table["orders"].to_dict() == pytest.approx({"search": 1.75, "tv": 0.25})
    assert table["revenue"].to_dict() == pytest.approx({"search": 27.5, "tv": 2.5})


def test_shapley_on_a_tiny_case():
    """Rates by exact channel set: {tv, search} 1/1, {search} 1/2, {tv} 0/1.

    v({search}) = 1 x r{search} + 2 x r{search} + 1 x r{} = 1.5, v({tv}) = 0, v(both) = 2 (the orders seen).
    phi_tv = 1/2 (v{tv} - 0) + 1/2 (v(both) - v{search}) = 0.25; phi_search = 1/2 x 1.5 + 1/2 x 2 = 1.75.
    """
    np.testing.assert_allclose(shapley_scores(CHAIN, min_paths=1), [1.75, 0.25])


def test_shapley_is_skipped_above_the_channel_limit():
    with pytest.raises(ShapleySkipped, match="2 touch channels is more than 1"):
        shapley_scores(CHAIN, max_channels=1)


def test_spread_scores_falls_back_to_linear_when_all_scores_are_zero():
    w = spread_scores(HAND, np.zeros(4))
    np.testing.assert_allclose(w, rules.linear(HAND))


# ---- paths from a database ----

def make_db(touches: list[tuple[str, str, str]], orders: list[tuple[str, str, str, str, float]],
            path=None) -> duckdb.DuckDBPyConnection:
    """A database with the given touches (customer, ts, channel) and orders (id, customer, ts, channel, revenue)."""
    con = duckdb.connect(str(path) if path else ":memory:")
    create_schema(con)
    customers = sorted({t[0] for t in touches} | {o[1] for o in orders})
    con.executemany("INSERT INTO customers VALUES (?, DATE '2024-01-01', NULL, NULL, NULL)", [[c] for c in customers])
    con.execute("INSERT INTO products VALUES ('p1', 'Product', 'cat', NULL, 10, NULL)")
    if orders:
        con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", [list(o[:4]) for o in orders])
        con.executemany("INSERT INTO order_items VALUES (?, 'p1', 1, ?)", [[o[0], o[4]] for o in orders])
    if touches:
        con.executemany("INSERT INTO touchpoints (customer_id, touch_ts, channel, engaged) VALUES (?, ?, ?, true)",
                        [list(t) for t in touches])
    return con


def path_lists(paths: Paths) -> list[tuple[bool, list[str]]]:
    return [(bool(paths.path_converted[p]),
             [paths.channels[c] for c in paths.touch_channel[paths.path_start[p]:paths.path_start[p + 1]]])
            for p in range(paths.n_paths)]


BOUNDARY = make_db(
    touches=[
        ("c1", "2024-01-20 12:00:00", "tv"),      # 50 days before o1: no order within 30 days -> non-converting
        ("c1", "2024-02-09 12:00:00", "social"),  # exactly 30 days before o1: counts (inclusive)
        ("c1", "2024-02-09 11:59:59", "display"),  # one second more than 30 days: does not
        ("c1", "2024-03-10 12:00:00", "email"),   # at o1's time: counts for o1
        ("c1", "2024-03-10 12:00:01", "search"),  # after o1: counts for o2, not again for o1
        ("c2", "2024-03-20 00:00:00", "search"),  # c2 never orders -> non-converting
    ],
    orders=[("o1", "c1", "2024-03-10 12:00:00", "web", 100.0), ("o2", "c1", "2024-03-20 12:00:00", "app", 40.0)],
)


def test_lookback_and_previous_order_boundaries():
    paths = build_paths(BOUNDARY, lookback_days=30)
    lists = path_lists(paths)
    assert lists[:2] == [
        (True, ["social", "email"]),  # o1: from exactly 30 days before to the order's own second
        (True, ["search"]),           # o2: only the touch after o1
    ]
    assert sorted(lists[2:]) == [
        (False, ["search"]),          # c2
        (False, ["tv", "display"]),   # c1's older touches, in one calendar window of 30 days
    ]
    assert paths.path_revenue[:2].tolist() == [100.0, 40.0]
    assert paths.orders_in_period == 2
    assert paths.touch_days_before[:3].tolist() == pytest.approx([30.0, 0.0, 10 - 1 / 86400])


def test_longer_lookback_reaches_older_touches():
    paths = build_paths(BOUNDARY, lookback_days=60)
    assert path_lists(paths)[0] == (True, ["tv", "display", "social", "email"])
    assert paths.n_conversions == 2 and paths.n_paths == 3


def test_filters_keep_orders_of_the_period_and_sales_channels():
    by_channel = build_paths(BOUNDARY, Filters(channels=("web",)))
    assert [p for p in path_lists(by_channel) if p[0]] == [(True, ["social", "email"])]
    assert by_channel.orders_in_period == 1
    by_date = build_paths(BOUNDARY, Filters(start=dt.date(2024, 3, 15), end=dt.date(2024, 3, 31)))
    # o2 only; of the non-converting touches only c2's (20 March) falls in the period
    assert path_lists(by_date) == [(True, ["search"]), (False, ["search"])]
    assert by_date.orders_in_period == 1


def test_bad_input_is_one_sentence():
    with pytest.raises(OmnimixError, match="lookback_days must be a positive"):
        build_paths(BOUNDARY, lookback_days=0)
    empty = make_db([], [("o1", "c1", "2024-03-10 12:00:00", "web", 1.0)])
    with pytest.raises(OmnimixError, match="no touchpoints"):
        build_paths(empty)
    with pytest.raises(OmnimixError, match="Unknown attribution model nope"):
        run_models(build_paths(BOUNDARY), ("last_click", "nope"))


def test_analyse_with_truth_table_measures_share_error():
    con = make_db([("c1", "2024-03-01", "tv"), ("c1", "2024-03-09", "search"), ("c2", "2024-03-09", "search")],
                  [("o1", "c1", "2024-03-10", "web", 10.0), ("o2", "c2", "2024-03-10", "web", 10.0)])
    con.execute("INSERT INTO truth_channel_incremental VALUES ('tv', 1, 1.5, 0.5), ('search', 2, 0.5, 0.5), "
                "('email', 0, 2.0, 0.5)")  # email has no touches: shares re-based on tv and search
    report = analyse(con, models=("last_click", "first_click"))
    truth = report.table.groupby("channel")["truth_share"].first()
    assert truth.to_dict() == pytest.approx({"search": 0.25, "tv": 0.75})
    # last click: search 100%, tv 0% -> |1 - .25| and |0 - .75| -> mean .75; first click: 50/50 -> .25
    assert report.errors == pytest.approx({"last_click": 0.75, "first_click": 0.25})
    assert report.truth_scope == "full"
    assert share_errors(report.table.assign(truth_share=np.nan)) == {}


def test_public_table_hides_channels_under_50_customers():
    report = analyse(BOUNDARY, models=("linear",))
    shown = public_table(report.table)
    assert shown["orders"].isna().all() and set(shown["customers_hidden"]) == {"small"}
    assert isinstance(shown, pd.DataFrame)
