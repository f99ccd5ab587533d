"""The Recommendations page through AppTest on the small sample: URL customer, errors, controls, evaluation."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from apptest_pages import open_app_page
from chart_specs import charts, title, vega_data
from streamlit.testing.v1 import AppTest

from core.recs.metric_labels import METRIC_HELP

PAGE = "pages/recommendations.py"


@pytest.fixture
def db(small_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OMNIMIX_DB", str(small_db))
    return small_db


@pytest.fixture(scope="module")
def buyer(small_db: Path) -> tuple[str, int, set[str]]:
    """A customer with several orders: id, number of orders, products bought."""
    con = duckdb.connect(str(small_db), read_only=True)
    cid, orders = con.execute(
        "SELECT customer_id, count(*) FROM orders GROUP BY 1 HAVING count(*) BETWEEN 5 AND 20 ORDER BY 1 LIMIT 1"
    ).fetchone()
    bought = {r[0] for r in con.execute(
        "SELECT DISTINCT product_id FROM orders JOIN order_items USING (order_id) WHERE customer_id = ?", [cid]
    ).fetchall()}
    con.close()
    return cid, orders, bought


OPEN_TABLES = {"recs_lists_details": True, "recs_history_details": True}
"""The expanders with the lists as a table and the purchase history, opened (they run only once opened)."""


def run_page(query: dict[str, str] | None = None) -> AppTest:
    at = open_app_page(PAGE, query, state=OPEN_TABLES)
    return at


def rec_tables(at: AppTest) -> list[pd.DataFrame]:
    """Each model's list, from the page's combined table (model order as on screen)."""
    tables = [d.value for d in at.dataframe if "explanation" in d.value.columns]
    if not tables:
        return []
    (table,) = tables
    return [part for _, part in table.groupby("model", sort=False)]


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_customer_from_url(db, buyer):
    cid, orders, bought = buyer
    at = run_page({"customer": cid})
    assert_clean(at)
    assert at.title[0].value == "Recommendations"
    assert f"Customer {cid}" in [s.value for s in at.subheader]
    assert at.text_input(key="recs_customer").value == cid
    cards = {m.label: m.value for m in at.metric}
    assert cards["Orders"] == f"{orders:,}"
    assert at.query_params["customer"] == cid  # AppTest keeps a single value as a str
    tables = rec_tables(at)
    assert len(tables) == 3  # item-kNN, hybrid and the popularity baseline by default
    for recs in tables:
        assert len(recs) == 10 and recs["rank"].tolist() == list(range(1, 11))
        assert recs["explanation"].str.len().gt(0).all() and recs["customer_id"].eq(cid).all()
        assert not set(recs["product_id"]) & bought  # "exclude already bought" is on by default
    # On screen each list is a numbered list whose second line is the reason.
    shown = "\n".join(m.value for m in at.markdown)
    first = tables[0].iloc[0]
    assert f"1. **{first['name']}**" in shown and first["explanation"] in shown
    history = next(d.value for d in at.dataframe if "order_ts" in d.value.columns)
    assert set(history["product_id"]) == bought


def test_unknown_customer_is_a_friendly_message(db):
    at = run_page({"customer": "NOPE-123"})
    assert_clean(at)
    assert "There is no customer with id 'NOPE-123'" in at.warning[0].value
    assert not rec_tables(at)


def test_switching_models_and_toggle(db, buyer):
    cid, _, bought = buyer
    at = run_page({"customer": cid})
    at.multiselect(key="recs_models").set_value(["popular"]).run()
    assert_clean(at)
    (recs,) = rec_tables(at)
    assert set(recs["explanation"]) == {"popular with all customers"}
    assert not set(recs["product_id"]) & bought
    at.number_input(key="recs_n").set_value(30).run()
    at.toggle(key="recs_exclude").set_value(False).run()
    assert_clean(at)
    (recs,) = rec_tables(at)
    # With bought products allowed, the top 30 of the overall ranking includes some of theirs.
    assert len(recs) == 30 and set(recs["product_id"]) & bought


def test_typing_an_id_updates_the_url(db, buyer):
    cid, _, _ = buyer
    at = run_page()
    at.text_input(key="recs_customer").input(cid).run()
    assert_clean(at)
    assert f"Customer {cid}" in [s.value for s in at.subheader]
    assert cid in str(at.query_params["customer"])


def test_random_customer_comes_from_the_chosen_segment(db):
    at = run_page()
    segment = at.selectbox(key="recs_segment").options[0]
    at.button[0].click().run()
    assert_clean(at)
    drawn = at.text_input(key="recs_customer").value
    assert {m.label: m.value for m in at.metric}["Segment"] == segment.split(" ")[0]
    assert drawn in str(at.query_params["customer"])


def test_cold_start_customer_is_labelled(db, small_db):
    con = duckdb.connect(str(small_db), read_only=True)
    cid = con.execute(
        "SELECT customer_id FROM customers WHERE customer_id NOT IN (SELECT customer_id FROM orders) "
        "AND customer_id NOT IN (SELECT customer_id FROM events) ORDER BY 1 LIMIT 1").fetchone()[0]
    con.close()
    at = run_page({"customer": cid})
    assert_clean(at)
    assert "No purchases yet" in at.info[0].value
    for recs in rec_tables(at):
        assert set(recs["source"]) <= {"segment popularity", "overall popularity"}
        assert recs["explanation"].str.startswith("popular").all()


def test_evaluation_tab_shows_metrics(db):
    at = run_page({"recs_section": "Evaluation"})
    assert_clean(at)
    heads = [s.value for s in at.subheader]
    assert heads[:2] == ["Accuracy per model", "Coverage and diversity"] and "Per segment" in heads
    metrics = next(d.value for d in at.dataframe if "ndcg" in d.value.columns and "coverage" in d.value.columns)
    assert metrics["model"].iloc[0] == "popular" and len(metrics) == 7 and "ease" in set(metrics["model"])
    assert metrics[["precision", "recall", "ndcg", "map", "hit_rate", "coverage"]].apply(lambda c: c.between(0, 1)).all().all()
    text = "\n".join(m.value for m in at.markdown)
    assert all(line in text for line in METRIC_HELP.values())
    fairness = next(d.value for d in at.dataframe if "rec_share" in d.value.columns)
    assert fairness["rec_share"].sum() == pytest.approx(1.0)
    # metrics, by history, per segment, fairness
    assert len(at.dataframe) == 4 and len(at.get("download_button")) == 4


def test_evaluation_separates_customers_with_history_from_new_ones(db):
    at = run_page({"recs_section": "Evaluation"})
    assert_clean(at)
    assert "Customers with a history vs new customers" in [s.value for s in at.subheader]
    by_history = next(d.value for d in at.dataframe if "history" in d.value.columns)
    counts = by_history.drop_duplicates("history").set_index("history")["customers"]
    caption = next(c.value for c in at.caption if c.value.startswith("Of the "))
    total = int(caption.split("Of the ")[1].split(" ")[0].replace(",", ""))
    shown = {h: int(str(n).replace(",", "")) for h, n in counts.items() if str(n).replace(",", "").isdigit()}
    assert shown and f"{shown['with history']:,} had bought" in caption
    if len(shown) == 2:
        assert sum(shown.values()) == total
    # The metrics table carries both groups' NDCG, the headers name the counts.
    metrics = next(d.value for d in at.dataframe if "ndcg" in d.value.columns and "coverage" in d.value.columns)
    assert {"ndcg_with_history", "ndcg_new"} <= set(metrics.columns)
    warm = metrics.set_index("model")["ndcg_with_history"]
    assert warm["hybrid"] > warm["popular"]


def test_changing_k_reuses_the_ranked_lists(db, monkeypatch):
    import streamlit as st

    from dashboard.recs import data as recs_data

    calls = []
    real = recs_data.predict_holdout_db

    def counting(con, **kwargs):  # noqa: ANN001, ANN003, ANN202
        calls.append(kwargs)
        return real(con, **kwargs)

    monkeypatch.setattr(recs_data, "predict_holdout_db", counting)
    st.cache_resource.clear()
    st.cache_data.clear()
    at = run_page({"recs_section": "Evaluation"})
    shown = {}
    for k in (5, 20, 10):
        at.selectbox(key="recs_k").set_value(k).run()
        assert_clean(at)
        metrics = next(d.value for d in at.dataframe if "ndcg" in d.value.columns and "coverage" in d.value.columns)
        shown[k] = metrics.set_index("model")["recall"]
    # The models fit and rank once, at the longest k; each k then only cuts the lists.
    assert [c["max_k"] for c in calls] == [20]
    # Longer lists find at least as many of the products bought later.
    assert (shown[5] <= shown[10]).all() and (shown[10] <= shown[20]).all() and (shown[5] < shown[20]).any()


def test_customer_who_only_viewed_is_not_called_cold_start(small_db, tmp_path, monkeypatch):
    # The generator gives every browsing customer orders too; real data has window shoppers.
    copy = tmp_path / "viewer.duckdb"
    shutil.copy(small_db, copy)
    con = duckdb.connect(str(copy))
    cid = con.execute(
        "SELECT customer_id FROM events WHERE event_type = 'view' GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    ).fetchone()[0]
    con.execute("DELETE FROM order_items WHERE order_id IN (SELECT order_id FROM orders WHERE customer_id = ?)", [cid])
    con.execute("DELETE FROM orders WHERE customer_id = ?", [cid])
    con.execute("DELETE FROM events WHERE customer_id = ? AND event_type = 'purchase'", [cid])
    con.close()
    monkeypatch.setenv("OMNIMIX_DB", str(copy))
    at = run_page({"customer": cid})
    assert_clean(at)
    assert {m.label: m.value for m in at.metric}["Orders"] == "0"
    (info,) = [i.value for i in at.info]
    assert "viewed or carted" in info and "falls back" not in info
    assert "Cold start" not in "\n".join(c.value for c in at.caption)
    # EASE (shown by default) recommends from the products they looked at, as the models see a history.
    recs = next(t for t in rec_tables(at) if t["model"].iloc[0] == "EASE")
    assert (recs["source"] == "model").any() and recs["explanation"].str.startswith("similar to items you").any()


def test_per_segment_counts_download_as_numbers(db, monkeypatch):
    from dashboard import components

    downloads = {}
    monkeypatch.setattr(components, "download_csv", lambda df, name, **kw: downloads.setdefault(name, df.copy()))
    at = run_page({"recs_section": "Evaluation"})
    assert_clean(at)
    (name,) = [n for n in downloads if n.startswith("recommender_metrics_by_segment")]
    counts = downloads[name]["customers"]
    hidden = downloads[name]["customers_hidden"].notna()  # core.privacy: a missing value plus a flag
    assert counts[hidden].isna().all()
    assert (~hidden).any() and counts[~hidden].map(lambda v: float(v).is_integer()).all()
    # On screen the counts are still readable: whole numbers (with separators once in the thousands).
    shown = next(d.value for d in at.dataframe if "segment" in d.value.columns and "customers" in d.value.columns)
    assert shown["customers"].astype(str).str.fullmatch(r"[\d,]+|fewer than 50").all()


def test_per_segment_view_shows_customers_with_history_and_new_ones_apart(db):
    at = run_page({"recs_section": "Evaluation"})
    assert_clean(at)

    def segment_table(at):
        return next(d.value for d in at.dataframe if "segment" in d.value.columns and "customers" in d.value.columns)

    by_history = next(d.value for d in at.dataframe if "history" in d.value.columns and "segment" not in d.value.columns)
    totals = by_history.drop_duplicates("history").set_index("history")["customers"]
    warm = segment_table(at)
    assert set(warm["history"]) == {"with history"}  # the default: customers with a history
    shown = pd.to_numeric(warm["customers"].astype(str).str.replace(",", ""), errors="coerce")
    assert shown.notna().any()  # customers with a history stay visible where only the few new ones are hidden
    assert shown.groupby(warm["model"]).sum().le(totals["with history"]).all()
    at.segmented_control(key="recs_seg_history").set_value("new").run()
    assert_clean(at)
    new = segment_table(at)
    assert set(new["history"]) == {"new"}
    shown_new = pd.to_numeric(new["customers"].astype(str).str.replace(",", ""), errors="coerce")
    assert shown_new.groupby(new["model"]).sum().le(totals["new"]).all()
    at.segmented_control(key="recs_seg_history").set_value("all").run()
    assert_clean(at)
    assert "history" not in segment_table(at).columns


def test_segment_choices_and_evaluation_sample_are_worded_truthfully(db):
    at = run_page()
    options = at.selectbox(key="recs_segment").options
    assert not [o for o in options if "no purchases yet shoppers" in o]
    assert [o for o in options if o.startswith("no purchases yet (")] and [o for o in options if " shoppers (" in o]
    at = run_page({"recs_section": "Evaluation"})
    assert_clean(at)
    captions = "\n".join(c.value for c in at.caption)
    # The small sample has fewer held-out customers than the page's sample size: all of them are scored.
    assert "scored on all " in captions and "sample of 2,000" not in captions


def test_missing_profile_fields_read_unknown(small_db, tmp_path, monkeypatch, buyer):
    cid = buyer[0]
    copy = tmp_path / "nulls.duckdb"
    shutil.copy(small_db, copy)
    con = duckdb.connect(str(copy))
    con.execute("UPDATE customers SET region = NULL, age_band = NULL, acquisition_channel = NULL WHERE customer_id = ?",
                [cid])
    con.close()
    monkeypatch.setenv("OMNIMIX_DB", str(copy))
    at = run_page({"customer": cid})
    assert_clean(at)
    (profile,) = [c.value for c in at.caption if c.value.startswith("Region ")]
    assert profile.startswith("Region unknown, age band unknown, signed up ") and "via an unknown channel." in profile
    assert "None" not in profile and "nan" not in profile


def test_page_uses_no_deprecated_streamlit_arguments():
    # Streamlit 1.67 converts use_container_width silently (documented as deprecated, no
    # runtime warning to catch), so the check reads the source.
    root = Path(__file__).resolve().parent.parent
    sources = [root / PAGE, *sorted((root / "dashboard").glob("recs_*.py"))]
    assert not [p.name for p in sources if "use_container_width" in p.read_text(encoding="utf-8")]


def test_customer_card_shows_their_clv_probability_active_and_tier(db, buyer):
    from core.clv.model import fit_clv

    cid = buyer[0]
    at = run_page({"customer": cid})
    assert_clean(at)
    with duckdb.connect(str(db), read_only=True) as con:
        customers = fit_clv(con).customers  # all channels, every order up to the last
    row = customers.set_index("customer_id").loc[cid]
    cards = {m.label: m.value for m in at.metric}
    assert cards["CLV, next 52 weeks"] == f"€{row['clv']:,.2f}"
    assert cards["Probably active"] == f"{row['p_alive']:.0%}"
    assert cards["Churn-risk tier"] == str(row["tier"])


def test_first_view_mounts_no_table_until_asked(sample_env):
    at = open_app_page(PAGE)
    assert not at.exception and not at.error
    timeline = [(spec, proto) for kind, spec, proto in charts(at) if "spend per month" in title(kind, spec)]
    assert len(timeline) == 1 and "bar" in str(timeline[0][0]["mark"]), "the purchase timeline is drawn"
    months = vega_data(timeline[0][1])
    assert months and all(row["revenue_text"].startswith("€") for row in months)
    assert not at.dataframe  # the lists as a table and the purchase history wait behind their expanders
    opened = open_app_page(PAGE, state={"recs_history_details": True})
    assert [d.value for d in opened.dataframe if "order_ts" in d.value.columns]
