"""Every dashboard page through Streamlit's AppTest, against the small generated sample.

AppTest runs the scripts in-process (no browser): it checks what each page writes, that
filters round-trip through the URL and that failures become messages, not tracebacks.
Plotly charts are not rendered here; tests/test_browser.py covers them.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from core.filters import Filters
from core.formatting import format_value
from core.overview import queries
from core.store.schema import STANDARD_CHANNELS
from dashboard.navigation import PAGES, ROOT, PageSpec

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
EXAMPLES = ROOT / "sample_data" / "examples"
KPI_LABELS = [m.label for m in queries.KPI_DEFINITIONS.values()]
KPI_DETAILS = "overview_kpi_details"  # the expander with the KPI table: it runs only once opened


def page_key(spec: PageSpec) -> str:
    # AppTest resolves page paths against the main script's folder (dashboard/).
    return f"../{spec.file}"


def run_app(page: str | None = None, query: dict[str, str] | None = None, state: dict | None = None) -> AppTest:
    """The app on its default page; ``state``: session values before the first run (e.g. an open expander)."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params.update(query or {})
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    if page is not None:
        at.switch_page(f"../{page}").run()
    return at


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)



@pytest.fixture(scope="module")
def short_history_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 weeks of data: the default 52-week period has no full previous period."""
    from core.generator import generate_database

    path = tmp_path_factory.mktemp("short") / "f60.duckdb"
    generate_database(path, n_customers=2000, seed=3, n_weeks=60)
    return path


@pytest.fixture
def writable_copy(small_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "copy.duckdb"
    shutil.copy(small_db, db)
    monkeypatch.setenv("OMNIMIX_DB", str(db))
    return db


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_every_page_runs_cleanly(sample_env, spec: PageSpec):
    at = run_app()
    at.switch_page(page_key(spec)).run()
    assert not at.exception
    assert not at.error, texts(at.error)
    assert at.title[0].value == spec.title
    # every table on every page comes with its CSV download ("Download CSV"); other downloads have their own label.
    # Tables behind a closed components.details expander (keys "*_details") run only once it is opened.
    closed = {k: True for k in at.session_state.keys() if k.endswith("_details") and not at.session_state[k]}
    if closed:
        for key, value in closed.items():
            at.session_state[key] = value
        at.run()
        assert not at.exception and not at.error, texts(at.error)
    tables = len(at.dataframe)
    assert tables > 0
    assert [b.proto.label for b in at.get("download_button")].count("Download CSV") == tables


def test_overview_shows_all_kpis_for_the_default_period(sample_env):
    at = run_app()
    assert [m.label for m in at.metric] == KPI_LABELS
    # default: the last 52 weeks of data, mirrored to the URL
    first, last = dt.date(2023, 1, 2), dt.date(2025, 12, 28)
    start = last - dt.timedelta(days=363)
    assert at.query_params == {"start": start.isoformat(), "end": last.isoformat()}
    assert at.date_input(key="filter_dates").value == (start, last)
    assert first < start
    assert all(m.delta for m in at.metric), "a full previous period exists, so every card has a delta"
    assert all(m.help for m in at.metric)


def test_query_params_reproduce_the_filters(sample_env):
    query = {"start": "2025-01-06", "end": "2025-03-30", "channels": "web,app"}
    at = run_app(query=query)
    assert not at.exception
    assert at.date_input(key="filter_dates").value == (dt.date(2025, 1, 6), dt.date(2025, 3, 30))
    assert at.multiselect(key="filter_channels").value == ["app", "web"]
    assert at.query_params == {"start": "2025-01-06", "end": "2025-03-30", "channels": "app,web"}
    with duckdb.connect(str(sample_env), read_only=True) as con:
        expected = queries.kpis(con, Filters(dt.date(2025, 1, 6), dt.date(2025, 3, 30), ("app", "web")))
    revenue = expected.set_index("metric").loc["revenue", "value"]
    assert at.metric[0].value == format_value(revenue, "EUR")


def test_filters_survive_a_page_without_them(sample_env):
    at = run_app(query={"start": "2025-02-03", "end": "2025-02-16", "channels": "store"})
    at.switch_page("../pages/data.py").run()
    assert not at.date_input  # the Data page does not filter
    assert at.query_params["start"] == "2025-02-03"
    at.switch_page("../pages/overview.py").run()
    assert at.date_input(key="filter_dates").value == (dt.date(2025, 2, 3), dt.date(2025, 2, 16))
    assert at.multiselect(key="filter_channels").value == ["store"]


def test_changing_the_widgets_updates_the_url(sample_env):
    at = run_app()
    at.date_input(key="filter_dates").set_value((dt.date(2024, 6, 3), dt.date(2024, 6, 30))).run()
    at.multiselect(key="filter_channels").set_value(["store", "web"]).run()
    assert not at.exception
    assert at.query_params == {"start": "2024-06-03", "end": "2024-06-30", "channels": "store,web"}
    reset = next(b for b in at.button if b.label == "Reset filters")
    reset.click().run()
    assert "channels" not in at.query_params
    assert at.query_params["end"] == "2025-12-28"


def test_no_channel_selected_gives_a_friendly_message(sample_env):
    at = run_app(query={"channels": ""})
    assert not at.exception and not at.error
    assert "No orders match" in texts(at.info)
    assert not at.metric


@pytest.mark.parametrize(
    "query",
    [{"start": "not-a-date"}, {"start": "1990-01-01", "end": "2099-01-01"}, {"channels": "nonsense"}, {"end": "2023-01-01", "start": "2025-01-01"}],
)
def test_odd_query_params_fall_back_without_error(sample_env, query):
    at = run_app(query=query)
    assert not at.exception and not at.error
    assert [m.label for m in at.metric] == KPI_LABELS
    start, end = at.date_input(key="filter_dates").value
    assert dt.date(2023, 1, 2) <= start <= end <= dt.date(2025, 12, 28)


def test_granularity_switch(sample_env):
    at = run_app()
    control = at.get("button_group")[0]
    control.set_value("month").run()
    assert not at.exception
    assert any("Monthly figures" in e.label for e in at.expander)


def test_data_page_lists_tables_and_expected_columns(sample_env):
    at = run_app("pages/data.py")
    counts = at.dataframe[0].value
    assert dict(zip(counts["table"], counts["rows"], strict=True))["customers"] == 2000
    assert len(at.file_uploader) == 1
    at.selectbox[0].set_value("orders").run()
    expected = at.dataframe[1].value
    assert list(expected["column"]) == ["order_id", "customer_id", "order_ts", "channel"]
    # words people use, not DuckDB's type names
    assert list(expected["type"]) == ["text", "text", "date and time (YYYY-MM-DD HH:MM)", "text"]
    assert any(b.label == "Download example orders.csv" for b in at.get("download_button"))


def test_data_page_loads_a_file_and_refreshes(writable_copy):
    at = run_app("pages/data.py")
    at.selectbox[0].set_value("channels").run()
    at.file_uploader[0].set_value(("channels.csv", (EXAMPLES / "channels.csv").read_bytes(), "text/csv"))
    next(b for b in at.button if b.label == "Load").click().run()
    assert not at.exception and not at.error, texts(at.error)
    assert "Loaded 5 rows from channels.csv into channels" in texts(at.success)
    counts = at.dataframe[0].value
    assert dict(zip(counts["table"], counts["rows"], strict=True))["channels"] == len(STANDARD_CHANNELS) + 5
    # the new sales channel reaches the sidebar, named as one without orders until it has some
    at.switch_page("../pages/overview.py").run()
    assert "popup" not in at.multiselect(key="filter_channels").options
    assert any("Not listed (no orders):" in c.value and "popup" in c.value for c in at.sidebar.caption)


def test_data_page_prepares_the_slow_pages_after_a_load(writable_copy, monkeypatch):
    import core.warmup as warmup

    ran: list[Path] = []

    def fails(db: Path) -> bool:
        raise RuntimeError("no room left")

    monkeypatch.setattr(warmup, "STEPS", (
        warmup.Step("first", "first view", "the first page will be slower", lambda db: ran.append(db) or True),
        warmup.Step("second", "second view", "the second page will compute on first visit", fails),
    ))
    at = run_app("pages/data.py")
    at.selectbox[0].set_value("channels").run()
    at.file_uploader[0].set_value(("channels.csv", (EXAMPLES / "channels.csv").read_bytes(), "text/csv"))
    next(b for b in at.button if b.label == "Load").click().run()
    next(b for b in at.button if b.label == "Prepare the slow pages now").click().run()
    assert not at.exception and not at.error, texts(at.error)
    assert ran == [writable_copy]
    assert "Warmed the caches in" in texts(at.success) and "second view" in texts(at.success)
    assert "Could not precompute the second view (no room left): the second page will compute on first visit." \
        in texts(at.warning)


def test_data_page_reports_a_bad_file_and_changes_nothing(writable_copy):
    at = run_app("pages/data.py")
    at.selectbox[0].set_value("orders").run()
    bad = b"order_id,customer_id,order_ts,channel\nX1,nobody,2024-01-02 10:00,web\n"
    at.file_uploader[0].set_value(("orders.csv", bad, "text/csv"))
    next(b for b in at.button if b.label == "Load").click().run()
    assert not at.exception
    message = texts(at.error)
    assert "row 1" in message and "nobody" in message and "Nothing was loaded" in message
    with duckdb.connect(str(writable_copy), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM orders WHERE order_id = 'X1'").fetchone()[0] == 0


def test_data_page_lists_and_loads_lift_tests(writable_copy):
    at = run_app("pages/data.py")
    counts = at.dataframe[0].value
    assert dict(zip(counts["table"], counts["rows"], strict=True))["experiments"] == 3  # the sample's lift tests
    at.selectbox[0].set_value("experiments").run()
    assert list(at.dataframe[1].value["column"]) == [
        "experiment_id", "channel", "start_week", "end_week", "incremental_revenue", "standard_error", "method", "notes"]
    assert any(b.label == "Download example experiments.csv" for b in at.get("download_button"))
    lift = b"id,channel,start_week,end_week,incremental_revenue,se\nX1,search,2025-01-06,2025-02-03,4200.5,600\n"
    at.file_uploader[0].set_value(("lift.csv", lift, "text/csv"))
    at.text_area[0].set_value("id=experiment_id\nse=standard_error")
    next(b for b in at.button if b.label == "Load").click().run()
    assert not at.exception and not at.error, texts(at.error)
    assert "Loaded 1 rows from lift.csv into experiments" in texts(at.success)
    assert dict(zip(at.dataframe[0].value["table"], at.dataframe[0].value["rows"], strict=True))["experiments"] == 4
    at.file_uploader[0].set_value(("lift.csv", lift.replace(b"X1,search", b"X2,web"), "text/csv"))
    at.text_area[0].set_value("id=experiment_id\nse=standard_error")
    next(b for b in at.button if b.label == "Load").click().run()
    message = texts(at.error)
    assert "lift.csv, row 1 (line 2), column channel: 'web' is a sales channel" in message and "Nothing was loaded" in message


def test_mapping_with_a_typo_is_an_error_not_a_crash(writable_copy):
    at = run_app("pages/data.py")
    at.selectbox[0].set_value("channels").run()
    at.file_uploader[0].set_value(("channels.csv", b"name,kind\npodcast2,media\n", "text/csv"))
    at.text_area[0].set_value("name->channel")
    next(b for b in at.button if b.label == "Load").click().run()
    assert not at.exception
    assert "SOURCE=COLUMN" in texts(at.error)


def test_missing_database_explains_how_to_create_it(tmp_path, monkeypatch):
    db = tmp_path / "absent.duckdb"
    monkeypatch.setenv("OMNIMIX_DB", str(db))
    at = run_app()
    assert not at.exception
    assert "omnimix generate" in texts(at.info) and "make run" in texts(at.info)
    at.switch_page("../pages/data.py").run()
    create = next(b for b in at.button if b.label.startswith("Create an empty database"))
    create.click().run()
    assert not at.exception and db.exists()
    at.switch_page("../pages/overview.py").run()
    assert "no orders yet" in texts(at.info)


def test_overview_runs_only_the_open_section(sample_env):
    at = run_app()
    assert [t.label for t in at.tabs] == ["Sales over time", "Channel share", "Cross-channel behaviour"]
    assert not at.dataframe, "tables in closed expanders ran"
    at = run_app(state={KPI_DETAILS: True, "overview_trend_details": True})
    columns = [set(d.value.columns) for d in at.dataframe]
    assert any("period" in c for c in columns), "the sales-over-time figures are there"
    assert any("change_text" in c for c in columns), "the KPI table is there"
    assert not any("channels_used" in c or "revenue_share" in c for c in columns), "hidden sections ran"
    at.query_params["overview_section"] = "Channel share"
    at.switch_page("../pages/overview.py").run()
    columns = [set(d.value.columns) for d in at.dataframe]
    assert any("revenue_share" in c for c in columns) and not any("period" in c for c in columns)


def test_overview_hides_small_groups_of_buyers(sample_env):
    at = run_app(query={"start": "2025-10-06", "end": "2025-12-28", "channels": "marketplace,social",
                        "overview_section": "Cross-channel behaviour"})
    assert not at.exception and not at.error
    groups = next(d.value for d in at.dataframe if "channels_used" in d.value.columns)
    assert "fewer than 50" in groups["customers"].tolist()
    # the only pair (marketplace & social) shares fewer than 50 buyers: no heatmap, a message instead
    assert "shares fewer than 50 buyers" in texts(at.info)
    assert "Groups of fewer than 50 buyers are not shown" in texts(at.caption)


def test_customer_card_hides_a_handful_of_buyers(sample_env):
    at = run_app(query={"start": "2025-12-01", "end": "2025-12-14", "channels": "marketplace"})
    assert not at.exception and not at.error
    card = next(m for m in at.metric if m.label == "Customers")
    assert card.value == "fewer than 50" and not card.delta


def test_overview_shows_no_change_against_a_previous_period_before_the_data(short_history_db, monkeypatch):
    monkeypatch.setenv("OMNIMIX_DB", str(short_history_db))
    at = run_app(state={KPI_DETAILS: True})
    assert not at.exception and not at.error, texts(at.error)
    assert [m.label for m in at.metric] == KPI_LABELS
    assert not any(m.delta for m in at.metric), "no +500% against a mostly empty previous period"
    assert "no change shown: no full previous period in the data" in texts(at.caption)
    assert all("not fully in the data" in m.help for m in at.metric)
    kpi_table = next(d.value for d in at.dataframe if "change_text" in d.value.columns)
    assert set(kpi_table["change_text"]) == {"–"} and set(kpi_table["previous_text"]) == {"–"}


def test_kpi_table_is_written_like_the_cards(sample_env):
    at = run_app(state={KPI_DETAILS: True})
    kpi_table = next(d.value for d in at.dataframe if "change_text" in d.value.columns).set_index("metric")
    cards = {m.label: m for m in at.metric}
    for metric, definition in queries.KPI_DEFINITIONS.items():
        card = cards[definition.label]
        assert kpi_table.loc[metric, "value_text"] == card.value, metric
        assert kpi_table.loc[metric, "change_text"] == card.delta, metric
    assert kpi_table.loc["conversion_rate", "value_text"].endswith("%")
    assert kpi_table.loc["conversion_rate", "change_text"].endswith(" pp")
    assert kpi_table.loc["roas", "value_text"].endswith("×")
    assert "." not in kpi_table.loc["orders", "value_text"]  # a count, not 1,717.00
