"""The Market insight page through AppTest on the small generated sample (charts are not rendered here)."""

from __future__ import annotations

import datetime as dt

import duckdb
from apptest_pages import open_app_page
from chart_specs import charts, titles, vega_data
from streamlit.testing.v1 import AppTest

from core.filters import Filters
from core.insight import cohort_table, readings

PAGE = "pages/insight.py"
BULB = ":material/lightbulb: "
DEFAULT = Filters(dt.date(2024, 12, 30), dt.date(2025, 12, 28), None)  # last 52 weeks of the sample



def open_page(query: dict[str, str] | None = None) -> AppTest:
    at = open_app_page(PAGE, query)
    return at


SECTIONS = ["Cohort retention", "Funnels per channel", "Channel journeys", "Unusual weeks"]
OPEN_FIGURES = {"insight_cohort_details": True, "insight_funnel_details": True, "insight_journey_details": True}
"""The expanders with each section's figures, opened (they run only once opened)."""


def every_section(query: dict[str, str] | None = None) -> list[AppTest]:
    """The page opened once per section tab (only the open section runs), figures open, in reading order."""
    return [open_app_page(PAGE, {**(query or {}), "insight_section": section}, state=OPEN_FIGURES)
            for section in SECTIONS]


def page_readings(at: AppTest | list[AppTest]) -> list[str]:
    runs = at if isinstance(at, list) else [at]
    return [m.value.removeprefix(BULB) for run in runs for m in run.markdown if m.value.startswith(BULB)]


def test_page_runs_and_shows_a_reading_under_every_chart(sample_env):
    at = open_page()
    assert not at.exception and not at.error
    assert at.title[0].value == "Market insight"
    assert [t.label for t in at.tabs] == SECTIONS
    assert len(page_readings(at)) == 2 and not at.dataframe  # the cohorts only, their figures closed
    runs = every_section()
    assert not any(r.exception or r.error for r in runs)
    said = page_readings(runs)
    assert len(said) == 6
    with duckdb.connect(str(sample_env), read_only=True) as con:
        expected = readings.cohort_retention_reading(cohort_table(con, DEFAULT))
    assert said[0] == expected
    assert said[2].startswith("app turns") and "of product views into purchases" in said[2]
    assert "fewer than 50" in at.caption[0].value
    assert [len(r.dataframe) for r in runs] == [1, 1, 2, 1]
    assert [len(r.get("download_button")) for r in runs] == [1, 1, 2, 1]


def test_cohort_switch_to_acquisition_channel(sample_env):
    at = open_app_page(PAGE, state=OPEN_FIGURES)
    control = at.button_group(key="insight_cohort_by")
    assert control.value == "month"
    control.set_value("acquisition").run()
    assert not at.exception and not at.error
    assert at.query_params["cohort"] == "acquisition"
    with duckdb.connect(str(sample_env), read_only=True) as con:
        expected = cohort_table(con, DEFAULT, by="acquisition")
    assert page_readings(at)[0] == readings.cohort_retention_reading(expected, by="acquisition")
    shown = at.dataframe[0].value
    assert list(shown["cohort"]) == list(expected["cohort"])
    assert not expected.empty and not any(c[:2] == "20" for c in shown["cohort"])  # channels, not months
    # the link reproduces the choice
    again = open_page({"cohort": "acquisition"})
    assert again.button_group(key="insight_cohort_by").value == "acquisition"


def table_with(at: AppTest | list[AppTest], column: str):
    runs = at if isinstance(at, list) else [at]
    return next(df.value for run in runs for df in run.dataframe if column in df.value.columns)


def test_small_groups_read_fewer_than_50(sample_env):
    # four weeks of one small channel: every group is below the minimum
    at = every_section({"start": "2025-12-01", "end": "2025-12-28", "channels": "marketplace"})
    assert not any(r.exception or r.error for r in at)
    assert set(table_with(at, "step")["events"]) == {"fewer than 50 shoppers"}
    assert table_with(at, "step")["overall_conversion"].isna().all()
    assert set(table_with(at, "first_customers")["first_customers"]) == {"fewer than 50"}
    value = table_with(at, "revenue_per_customer")
    assert set(value["customers"]) == {"fewer than 50"} and value["revenue_per_customer"].isna().all()
    said = page_readings(at)
    assert len(said) == 4 and all("fewer than 50" in s or "at least 50" in s for s in said)  # every reading says why
    assert "a calendar month that has fully passed" in at[0].info[0].value  # no cohort month complete yet


def test_no_channel_selected_is_a_message_not_an_error(sample_env):
    at = open_page({"channels": ""})
    assert not at.exception and not at.error
    assert "No sales channel is selected" in at.info[0].value


def test_tables_mixing_figures_and_hidden_groups_are_sent_as_text(sample_env, monkeypatch):
    # Streamlit repairs a column it cannot turn into Arrow (figures next to "fewer than 50") and logs
    # an ArrowTypeError traceback in the server log; the page must hand such columns over as text.
    import streamlit.dataframe_util as dataframe_util

    repaired: list[list[str]] = []
    repair = dataframe_util.fix_arrow_incompatible_column_types
    monkeypatch.setattr(dataframe_util, "fix_arrow_incompatible_column_types",
                        lambda df, *a, **k: repaired.append(list(df.columns)) or repair(df, *a, **k))
    at = every_section()
    assert not any(r.exception or r.error for r in at)
    sizes = table_with(at, "cohort_size")["cohort_size"]
    assert "fewer than 50" in set(sizes) and sizes.str.fullmatch(r"[\d,]+").any()  # both kinds in one column
    assert repaired == []


def test_cohort_heatmaps_are_vega_lite_with_values_in_the_cells_and_small_groups_grey(sample_env):
    at = open_page()
    drawn = charts(at)
    assert [kind for kind, _, _ in drawn] == ["vega", "vega"]  # the section the page opens on draws no plotly
    assert [t.split("<br>")[0] for t in titles(at)] == ["Retention: share of the cohort ordering (%)",
                                                         "Revenue per customer to date (EUR)"]
    with duckdb.connect(str(sample_env), read_only=True) as con:
        expected = cohort_table(con, DEFAULT)
    small = set(expected.loc[expected["cohort_size_hidden"].notna(), "cohort"])
    assert small  # the sample has a cohort under 50 customers
    for (_, spec, proto), percent in zip(drawn, (True, False), strict=True):
        assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rect", "rect", "text"]
        cells = vega_data(proto)
        shown = [c for c in cells if not c["hidden"]]
        assert shown and all(c["cell"] and c["value"] is not None for c in shown)
        assert all(c["cell"].endswith("%") == percent for c in shown)
        grey = [c for c in cells if c["hidden"]]
        assert grey and all(c["value"] is None and c["cell"] == "" for c in grey)  # no figure about a small group
        assert {c["hover"] for c in grey} <= {"hidden (fewer than 50 customers)", "hidden (protects a smaller group)"}
        assert {c["row"] for c in grey} >= {f"{s} (fewer than 50)" for s in small}
    retention = expected.set_index(["cohort", "months_since"])["retention"]
    for cell in (c for c in vega_data(drawn[0][2]) if not c["hidden"]):  # the tooltip and the cell say the figure
        value = retention[(cell["row"].split(" ")[0], int(cell["month"]))] * 100
        assert (cell["hover"], cell["cell"]) == (f"month {cell['month']}: {value:.1f}% ordered", f"{value:.0f}%")
    assert all("€" in c["hover"] for c in vega_data(drawn[1][2]) if not c["hidden"])
