"""Per-database settings: defaults for older databases, validated transactional writes, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from core.cli import main
from core.errors import OmnimixError
from core.formatting import format_value, short_money
from core.settings import CURRENCIES, read_settings, settings_of, write_settings
from core.store.db import init_db, open_db


@pytest.fixture
def empty_db(tmp_path: Path) -> Path:
    return init_db(tmp_path / "s.duckdb")


def test_older_database_without_table_reads_defaults(empty_db: Path) -> None:
    with open_db(empty_db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'settings'").fetchone()[0] == 0
        s = read_settings(con)
    assert (s.currency.code, s.business_name, s.week_start) == ("EUR", "", "monday")


def test_write_creates_table_and_round_trips(empty_db: Path) -> None:
    with open_db(empty_db) as con:
        written = write_settings(con, currency="gbp", business_name="  Acme \n Retail ", week_start="Sunday")
    again = settings_of(empty_db)
    assert written == again
    assert (again.currency.code, again.business_name, again.week_start) == ("GBP", "Acme Retail", "sunday")
    with open_db(empty_db) as con:  # a partial change keeps the other settings
        write_settings(con, week_start="wednesday")
    assert (settings_of(empty_db).currency.code, settings_of(empty_db).week_start) == ("GBP", "wednesday")


@pytest.mark.parametrize(("changes", "field"), [
    ({"currency": "XYZ"}, "currency"),
    ({"week_start": "funday"}, "week_start"),
    ({"business_name": "x" * 81}, "business_name"),
])
def test_bad_value_names_field_and_writes_nothing(empty_db: Path, changes: dict, field: str) -> None:
    with open_db(empty_db) as con:
        valid = {"currency": "USD"} if field != "currency" else {"business_name": "Kept"}
        with pytest.raises(OmnimixError, match=field):
            write_settings(con, **valid, **changes)  # the valid change is not written either
        tables = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'settings'").fetchone()[0]
    assert tables == 0  # nothing half-written: not even the table


def test_unknown_currency_lists_supported_codes() -> None:
    from core.settings import currency

    with pytest.raises(OmnimixError) as err:
        currency("ABC")
    assert all(code in str(err.value) for code in ("EUR", "GBP", "USD", "CNY", "JPY", "CHF", "SEK", "NOK", "DKK"))


def test_symbols_placement_and_decimals() -> None:
    assert format_value(1234.5, "money", "GBP") == "£1,234.50"
    assert format_value(1234.5, "money") == "€1,234.50"  # default EUR
    assert format_value(12_345_678, "money", "USD") == "$12.35M"
    assert format_value(12.5, "money", "SEK") == "12.50 kr"
    assert format_value(-12.5, "money", "DKK") == "-12.50 kr"
    assert short_money(712_345, "NOK") == "712k kr"
    jpy = CURRENCIES["JPY"]
    assert jpy.amount(1234.56) == "¥1,235" and "." not in jpy.amount(99.99)
    assert jpy.printf() == "¥%,.0f" and CURRENCIES["GBP"].printf() == "£%,.2f"
    assert CURRENCIES["SEK"].printf(whole=True) == "%,.0f kr"


def test_cli_round_trip_and_errors(empty_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["settings", "--db", str(empty_db), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["currency"] == "EUR" and set(shown["defaults"]) == {"currency", "business_name", "week_start"}
    assert main(["settings", "--db", str(empty_db), "--currency", "JPY", "--name", "Tokyo Goods",
                 "--week-start", "sunday", "--json"]) == 0
    saved = json.loads(capsys.readouterr().out)
    assert (saved["currency"], saved["currency_symbol"], saved["business_name"], saved["week_start"]) == \
        ("JPY", "¥", "Tokyo Goods", "sunday")
    assert main(["settings", "--db", str(empty_db)]) == 0
    text = capsys.readouterr().out
    assert "JPY" in text and "¥1,234" in text and "Tokyo Goods" in text and "Sunday" in text
    assert main(["settings", "--db", str(empty_db), "--currency", "XYZ"]) == 2
    err = capsys.readouterr().err
    assert "currency" in err and "GBP" in err and "Traceback" not in err
    assert settings_of(empty_db).currency.code == "JPY"  # the refused change left the saved one


def test_week_start_sql_matches_pandas() -> None:
    import pandas as pd

    from core.settings.weeks import week_start_of, week_start_sql

    con = duckdb.connect()
    days = pd.date_range("2024-01-01", "2024-01-21", freq="D")
    for offset in range(7):
        got = [con.execute(f"SELECT {week_start_sql('?::TIMESTAMP', offset)}", [d.isoformat()]).fetchone()[0]
               for d in days]
        want = [week_start_of(d, offset) for d in days]
        assert [pd.Timestamp(g) for g in got] == want
        assert {w.weekday() for w in want} == {offset}


def test_week_start_moves_display_weeks_not_totals(small_db: Path, tmp_path: Path) -> None:
    """Weekly revenue (Overview), anomaly weeks (Market insight) and organic search weeks start on the set day."""
    import shutil

    import pandas as pd

    from core.campaigns.seo import seo_trend
    from core.filters import Filters
    from core.insight.anomalies import weekly_channel_revenue
    from core.overview.queries import channel_timeseries

    db = tmp_path / "weeks.duckdb"
    shutil.copy(small_db, db)
    filters = Filters(pd.Timestamp("2025-01-01").date(), pd.Timestamp("2025-06-30").date())
    with open_db(db, read_only=True) as con:
        monday = channel_timeseries(con, filters, grain="week")
    with open_db(db) as con:
        write_settings(con, week_start="sunday")
        sunday = channel_timeseries(con, filters, grain="week")
        anomalies = weekly_channel_revenue(con, filters)
        seo = seo_trend(con, filters, grain="week")
    assert set(pd.to_datetime(monday["period"]).dt.dayofweek) == {0}
    assert set(pd.to_datetime(sunday["period"]).dt.dayofweek) == {6}
    assert set(pd.to_datetime(anomalies["week"]).dt.dayofweek) == {6}
    assert seo.empty or set(seo["period"].dt.dayofweek) == {6}
    # the same orders, only bucketed differently
    assert sunday["revenue"].sum() == pytest.approx(monday["revenue"].sum())
    assert sunday["orders"].sum() == monday["orders"].sum()
    assert not sunday.set_index(["period", "channel"])["revenue"].equals(monday.set_index(["period", "channel"])["revenue"])


def test_generated_sample_is_in_euros(small_db: Path) -> None:
    """``omnimix generate`` writes no settings: the sample reads the default currency, EUR."""
    with open_db(small_db, read_only=True) as con:
        s = read_settings(con)
    assert s.currency.code == "EUR" and s.stored == ()


def test_reading_settings_leaves_no_open_result(empty_db: Path) -> None:
    """Callers register DataFrames right after (core.campaigns.themes): DuckDB refuses that over an unfinished result."""
    import pandas as pd

    with open_db(empty_db, read_only=True) as con:
        read_settings(con)  # no settings table: one query, then none
        con.register("frame", pd.DataFrame({"x": [1]}))
        assert con.execute("SELECT x FROM frame").fetchall() == [(1,)]


def test_budget_bound_messages_name_the_currency() -> None:
    import numpy as np

    from core.mmm.bounds import check_feasible

    with pytest.raises(OmnimixError, match="lower bounds add up to 300 GBP per week, above the total of 200 GBP"):
        check_feasible(np.array([100.0, 200.0]), np.array([500.0, 500.0]), 200.0, "GBP")
