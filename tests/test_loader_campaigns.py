"""Loading campaigns, campaign_spend and touchpoints (issue 14): each bad input names the row and column,
changes nothing, and a GA4-style export loads through ``--map`` after the documented pre-step."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.cli import main
from core.store.db import init_db
from core.store.loader import LOAD_ORDER, load_file
from core.store.schema import TABLES
from tests.test_loader import EXAMPLES, HEADERS, expect_error, snapshot, write

ROOT = Path(__file__).resolve().parent.parent
NEW = ("campaigns", "campaign_spend", "touchpoints")
TP = "touchpoints.csv"
TP_ROW = "00123,2024-02-01 10:00,{channel},{campaign},google,cpc,x,,,/,,{engaged}\n"


def touch(channel: str = "search", campaign: str = "SR-BRAND", engaged: str = "yes") -> str:
    return TP_ROW.format(channel=channel, campaign=campaign, engaged=engaged)


@pytest.fixture
def db(writable_examples_db: Path) -> Path:
    return writable_examples_db


def test_new_tables_load_after_what_they_reference() -> None:
    order = LOAD_ORDER.index
    assert order("channels") < order("campaigns") < order("campaign_spend")
    assert order("customers") < order("touchpoints") and order("campaigns") < order("touchpoints")


def test_example_files_hold_what_the_issue_asks_for(examples_db: Path) -> None:
    with duckdb.connect(str(examples_db), read_only=True) as con:
        tp = con.execute("SELECT * FROM touchpoints").df()
        # the campaigns' spend adds up to the channel's weekly spend in marketing_spend
        mismatch = con.execute(
            "SELECT count(*) FROM (SELECT week, c.channel, sum(s.spend) AS spend, sum(s.impressions) AS imp "
            "FROM campaign_spend s JOIN campaigns c USING (campaign_id) GROUP BY ALL) x "
            "JOIN marketing_spend m USING (week, channel) "
            "WHERE abs(x.spend - m.spend) > 1e-9 OR x.imp IS DISTINCT FROM m.impressions"
        ).fetchone()[0]
        assert mismatch == 0
        assert con.execute("SELECT count(*) FROM campaign_spend").fetchone()[0] == 12
    assert tp["campaign_id"].isna().any() and tp["campaign_id"].notna().any()
    organic = tp[tp["channel"] == "organic_search"]
    assert len(organic) >= 2 and organic["landing_page"].notna().all() and organic["keyword_group"].notna().all()
    assert tp["engaged"].dtype == bool and tp["engaged"].any() and not tp["engaged"].all()


# --- touchpoints -----------------------------------------------------------------------------

def test_touchpoint_with_unknown_campaign_names_the_row(db: Path, tmp_path: Path) -> None:
    f = write(tmp_path, TP, HEADERS["touchpoints"] + "\n" + touch() + touch(campaign="NOPE"))
    error = expect_error(
        db, "touchpoints", f,
        "touchpoints.csv, row 2 (line 3), column campaign_id: campaign 'NOPE' is not in the campaigns table; "
        "load campaigns first.",
    )
    assert (error.row, error.column) == (2, "campaign_id")


def test_touchpoint_with_unknown_customer_names_the_row(db: Path, tmp_path: Path) -> None:
    f = write(tmp_path, TP, HEADERS["touchpoints"] + "\n" + touch() + touch().replace("00123", "C404", 1))
    expect_error(db, "touchpoints", f, "row 2 (line 3), column customer_id: customer 'C404' is not in the customers table")


def test_touchpoint_without_campaign_loads(db: Path, tmp_path: Path) -> None:
    f = write(tmp_path, TP, HEADERS["touchpoints"] + "\n" + touch("organic_search", ""))
    assert load_file(db, "touchpoints", f).rows_loaded == 1
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(
            "SELECT count(*) FROM touchpoints WHERE customer_id = '00123' AND touch_ts = '2024-02-01 10:00' "
            "AND campaign_id IS NULL"
        ).fetchone()[0] == 1


def test_touchpoint_in_unknown_channel_names_the_row(db: Path, tmp_path: Path) -> None:
    f = write(tmp_path, TP, HEADERS["touchpoints"] + "\n" + touch("fax", ""))
    expect_error(db, "touchpoints", f, "row 1 (line 2), column channel: 'fax' is not a known channel")


def test_engaged_accepts_yes_no_true_false_one_zero(db: Path, tmp_path: Path) -> None:
    words = ["yes", "NO", "True", "false", "1", "0", " Yes "]
    f = write(tmp_path, TP, HEADERS["touchpoints"] + "\n" + "".join(touch(engaged=w) for w in words))
    report = load_file(db, "touchpoints", f)
    assert report.preview["engaged"].tolist() == [True, False, True, False, True, False, True]


@pytest.mark.parametrize("value, fragment", [
    ("maybe", "row 2 (line 3), column engaged: 'maybe' is not a yes/no value (write yes/no, true/false or 1/0)."),
    ("y", "column engaged: 'y' is not a yes/no value"),
    ("2", "column engaged: '2' is not a yes/no value"),
    ("", "row 2 (line 3), column engaged: the value is empty but the column is required."),
])
def test_bad_engaged_value_names_the_row(db: Path, tmp_path: Path, value: str, fragment: str) -> None:
    f = write(tmp_path, TP, HEADERS["touchpoints"] + "\n" + touch() + touch(engaged=value))
    expect_error(db, "touchpoints", f, "touchpoints.csv", fragment)


def test_parquet_booleans_load(db: Path, tmp_path: Path) -> None:
    frame = pd.DataFrame({
        "customer_id": ["00123", "00124"], "touch_ts": pd.to_datetime(["2024-02-01 10:00", "2024-02-02 11:30"]),
        "channel": ["email", "organic_search"], "campaign_id": ["EM-2401", None], "engaged": [True, False],
    })
    frame.to_parquet(tmp_path / "tp.parquet")
    report = load_file(db, "touchpoints", tmp_path / "tp.parquet")
    assert report.preview["engaged"].tolist() == [True, False] and report.columns_missing[0] == "utm_source"
    frame.assign(campaign_id=["EM-2401", "X"]).to_parquet(tmp_path / "bad.parquet")
    expect_error(db, "touchpoints", tmp_path / "bad.parquet", "bad.parquet, row 2, column campaign_id: campaign 'X'")


def test_email_as_customer_id_is_pseudonymised_like_in_customers(db: Path, tmp_path: Path) -> None:
    load_file(db, "customers", write(tmp_path, "c.csv", HEADERS["customers"] + "\nann@example.com,2024-01-01,,,\n"))
    f = write(tmp_path, TP, HEADERS["touchpoints"] + "\n" + touch().replace("00123", "ann@example.com", 1))
    assert load_file(db, "touchpoints", f).rows_loaded == 1  # the pseudonym matches the customer's
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM touchpoints WHERE customer_id LIKE '%@%'").fetchone()[0] == 0


# --- campaigns and campaign_spend ------------------------------------------------------------

CAMPAIGN = "X1,email,x,{objective},,{start},{end},\n"


@pytest.mark.parametrize("row, fragment", [
    (CAMPAIGN.format(objective="sales", start="2024-01-01", end=""),
     "row 2 (line 3), column objective: 'sales' is not a valid objective "
     "(use one of: awareness, consideration, conversion, retention)."),
    (CAMPAIGN.format(objective="", start="2024-01-08", end="2024-01-07"),
     "row 2 (line 3), column end_date: end_date '2024-01-07' is before start_date '2024-01-08' but must be on or "
     "after it."),
    (CAMPAIGN.format(objective="", start="2024-01-08", end="31/01/2024"),
     "row 2 (line 3), column end_date: '31/01/2024' is not a date (expected YYYY-MM-DD)."),
    (CAMPAIGN.format(objective="", start="", end=""),
     "row 2 (line 3), column start_date: the value is empty but the column is required."),
    (CAMPAIGN.format(objective="", start="2024-01-01", end="").replace("email", "web"),
     "row 2 (line 3), column channel: 'web' is a sales channel but campaigns needs a channel of kind media or "
     "sales+media"),
    (CAMPAIGN.format(objective="", start="2024-01-01", end="").replace("X1", "EM-2401"),
     "row 2 (line 3), column campaign_id: 'EM-2401' is already in the campaigns table."),
])
def test_bad_campaign_names_the_row_and_column(db: Path, tmp_path: Path, row: str, fragment: str) -> None:
    good = "X0,search,ok,Conversion,,2024-01-01,2024-01-01,\n".replace("Conversion", "conversion")
    expect_error(db, "campaigns", write(tmp_path, "campaigns.csv", HEADERS["campaigns"] + "\n" + good + row),
                 "campaigns.csv, " + fragment)


def test_campaign_end_on_its_start_day_and_running_campaign_load(db: Path, tmp_path: Path) -> None:
    rows = "X0,search,ok,conversion,,2024-01-01,2024-01-01,\nX1,tv,spring,awareness,,2024-03-04,,\n"
    assert load_file(db, "campaigns", write(tmp_path, "campaigns.csv", HEADERS["campaigns"] + "\n" + rows)).rows_loaded == 2


@pytest.mark.parametrize("row, fragment", [
    ("2024-01-23,SR-BRAND,10,,\n",
     "row 2 (line 3), column week: '2024-01-23' is a Tuesday but week must be the Monday that starts the week "
     "(2024-01-22)."),
    ("2024-01-22,NOPE,10,,\n", "row 2 (line 3), column campaign_id: campaign 'NOPE' is not in the campaigns table"),
    ("2024-01-22,SR-BRAND,-1,,\n", "row 2 (line 3), column spend: '-1' is negative"),
    ("2024-01-01,SR-BRAND,1,,\n", "row 2 (line 3), columns week, campaign_id: ('2024-01-01', 'SR-BRAND') is already in"),
])
def test_bad_campaign_spend_names_the_row_and_column(db: Path, tmp_path: Path, row: str, fragment: str) -> None:
    good = "2024-01-22,SR-TRAIL,10,100,5\n"
    f = write(tmp_path, "campaign_spend.csv", HEADERS["campaign_spend"] + "\n" + good + row)
    expect_error(db, "campaign_spend", f, "campaign_spend.csv, " + fragment)


def test_campaigns_and_their_touchpoints_load_together_or_not_at_all(db: Path, tmp_path: Path) -> None:
    from core.store.loader import LoadRequest, load_files

    campaigns = write(tmp_path, "campaigns.csv", HEADERS["campaigns"] + "\nNEW,email,new,,,2024-02-01,,\n")
    good = write(tmp_path, TP, HEADERS["touchpoints"] + "\n" + touch("email", "NEW"))
    before = snapshot(db)
    bad = write(tmp_path, "bad.csv", HEADERS["touchpoints"] + "\n" + touch("email", "NEW") + touch(engaged="maybe"))
    with pytest.raises(Exception, match="bad.csv, row 2"):
        load_files(db, [LoadRequest("touchpoints", bad), LoadRequest("campaigns", campaigns)])
    assert snapshot(db) == before
    reports = load_files(db, [LoadRequest("touchpoints", good), LoadRequest("campaigns", campaigns)])
    assert [r.table for r in reports] == ["campaigns", "touchpoints"]


def test_database_older_than_the_tables_gets_them_on_first_load(tmp_path: Path) -> None:
    path = init_db(tmp_path / "old.duckdb")
    with duckdb.connect(str(path)) as con:
        for table in reversed(NEW):
            con.execute(f"DROP TABLE {table}")
        for table in ("channels", "customers"):
            load_file(con, table, EXAMPLES / f"{table}.csv")
    # a failed load leaves no table behind ...
    bad = write(tmp_path, TP, HEADERS["touchpoints"] + "\n" + touch("organic_search", "", "maybe"))
    expect_error(path, "touchpoints", bad, "column engaged")
    # ... a touchpoint naming a campaign needs the campaigns loaded first ...
    expect_error(path, "touchpoints", write(tmp_path, "t2.csv", HEADERS["touchpoints"] + "\n" + touch()),
                 "campaign 'SR-BRAND' is not in the campaigns table; load campaigns first")
    # ... and a good file creates touchpoints and the campaigns table it references, with their rules.
    assert load_file(path, "touchpoints", write(tmp_path, "t3.csv", HEADERS["touchpoints"] + "\n"
                                                + touch("organic_search", ""))).rows_loaded == 1
    with duckdb.connect(str(path), read_only=True) as con:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert {"touchpoints", "campaigns"} <= tables and "campaign_spend" not in tables
        assert con.execute("SELECT count(*) FROM campaigns").fetchone()[0] == 0


# --- GA4 / UTM exports through --map (docs/loading.md) ----------------------------------------

GA4 = """event_date,event_timestamp,user_pseudo_id,user_id,session_source,session_medium,session_campaign,session_campaign_id,session_content,session_term,page_location,session_engaged
20240201,1706781600000000,1234567.89,00123,google,cpc,brand_northpeak,SR-BRAND,,northpeak,https://shop.example/?gclid=abc,1
20240201,1706783400123456,1234567.89,00123,google,organic,(organic),,,,https://shop.example/shoes/trail?utm_x=1,1
20240202,1706862000000000,2222222.11,C10002,newsletter,email,january_newsletter,EM-2401,hero_banner,,https://shop.example/new,0
20240202,1706862600000000,3333333.22,,google,cpc,brand_northpeak,SR-BRAND,,northpeak,https://shop.example/,1
20240203,1706950000000000,4444444.33,C10003,(direct),(none),(direct),,,,https://shop.example/,0
"""


def doc_block(language: str) -> str:
    doc = (ROOT / "docs" / "loading.md").read_text()
    return re.findall(rf"```{language}\n(.*?)```", doc, re.S)[-1]


def test_ga4_export_loads_through_map_after_the_documented_prestep(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ga4_sessions.csv").write_text(GA4)
    # Without the pre-step GA4's microsecond timestamps are refused with a clear message.
    maps = re.findall(r"--map (\S+)", doc_block("bash"))
    assert "user_id=customer_id" in maps and "session_engaged=engaged" in maps
    args = ["load", "--db", str(db), "--table", "touchpoints"]
    raw_maps = [m for pair in (["--map", m] for m in maps + ["event_timestamp=touch_ts"]) for m in pair]
    assert main([*args, "ga4_sessions.csv", *raw_maps]) == 2
    assert "ga4_sessions.csv is missing required column(s) channel for table touchpoints" in capsys.readouterr().err
    duckdb.sql("COPY (SELECT *, 'search' AS channel FROM read_csv('ga4_sessions.csv', all_varchar = true)) "
               "TO 'with_channel.csv' (HEADER)")
    assert main([*args, "with_channel.csv", *raw_maps]) == 2
    assert "row 1 (line 2), column touch_ts: '1706781600000000' is not a date/time" in capsys.readouterr().err
    # The pre-step exactly as documented, then the load exactly as documented.
    duckdb.sql(doc_block("sql"))
    capsys.readouterr()
    assert main([*args, "ga4_touchpoints.csv", *[m for pair in (["--map", m] for m in maps) for m in pair],
                 "--json"]) == 0
    out = capsys.readouterr().out
    assert '"rows_loaded": 3' in out and "user_pseudo_id" in out  # direct and anonymous sessions left out
    with duckdb.connect(str(db), read_only=True) as con:
        got = con.execute(
            "SELECT customer_id, touch_ts::VARCHAR, channel, campaign_id, utm_medium, landing_page, engaged "
            "FROM touchpoints WHERE touch_ts >= '2024-02-01' ORDER BY touch_ts"
        ).fetchall()
    assert got == [
        ("00123", "2024-02-01 10:00:00", "search", "SR-BRAND", "cpc", "/", True),
        ("00123", "2024-02-01 10:30:00.123456", "organic_search", None, "organic", "/shoes/trail", True),
        ("C10002", "2024-02-02 08:20:00", "email", "EM-2401", "email", "/new", False),
    ]


def test_every_new_table_has_an_example_and_words_for_its_types() -> None:
    from core.store.schema import TYPE_WORDS

    for name in NEW:
        assert (EXAMPLES / f"{name}.csv").read_text().splitlines()[0] == HEADERS[name]
        assert all(c.sql_type in TYPE_WORDS for c in TABLES[name].columns)


# --- the Data page ---------------------------------------------------------------------------

def test_data_page_lists_and_loads_the_new_tables(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("OMNIMIX_DB", str(db))
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("../pages/data.py").run()
    assert not at.exception
    counts = at.dataframe[0].value
    rows = dict(zip(counts["table"], counts["rows"], strict=True))
    assert (rows["campaigns"], rows["campaign_spend"], rows["touchpoints"]) == (6, 12, 11)
    assert counts.set_index("table").loc["touchpoints", "meaning"] == TABLES["touchpoints"].meaning
    assert all(f"{t} — {TABLES[t].meaning}" in at.selectbox[0].options for t in NEW)
    at.selectbox[0].set_value("touchpoints").run()
    expected = at.dataframe[1].value.set_index("column")
    assert expected.loc["engaged", "type"] == "yes/no (also true/false, 1/0)"
    assert expected.loc["campaign_id", "required"] == "no"
    assert any(b.label == "Download example touchpoints.csv" for b in at.get("download_button"))
    bad = (HEADERS["touchpoints"] + "\n" + touch(campaign="NOPE")).encode()
    at.file_uploader[0].set_value(("tp.csv", bad, "text/csv"))
    next(b for b in at.button if b.label == "Load").click().run()
    message = "\n".join(str(e.value) for e in at.error)
    assert "tp.csv, row 1 (line 2), column campaign_id: campaign 'NOPE'" in message and "Nothing was loaded" in message
    at.file_uploader[0].set_value(("tp.csv", (HEADERS["touchpoints"] + "\n" + touch()).encode(), "text/csv"))
    next(b for b in at.button if b.label == "Load").click().run()
    assert not at.error and "Loaded 1 rows from tp.csv into touchpoints" in "\n".join(str(e.value) for e in at.success)
