"""Budget simulator page through AppTest: renders, sliders change the prediction, URL round-trip."""

from __future__ import annotations

import base64
import json
import os
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest
from apptest_pages import open_app_page
from streamlit.testing.v1 import AppTest

from core.mmm.weekly import from_db
from dashboard.budget_controls import (
    TOTAL,
    next_scenario_name,
    parse_shared,
    parse_weeks,
    scale_channels,
    slider_grid,
    spend_key,
)

PAGE = "pages/budget.py"
CHANNELS = ["search", "social", "display", "email", "affiliate", "tv"]
CHANNELS_SORTED = sorted(CHANNELS)  # the model's order


def open_page(query: dict[str, str] | None = None) -> AppTest:
    at = open_app_page(PAGE, query)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def predicted(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label.startswith("Predicted revenue"))


def test_page_renders_model_card_and_tables(sample_env):
    at = open_page()
    assert at.title[0].value == "Budget simulator"
    assert any("did not see" in m.value for m in at.markdown)
    assert len(at.get("download_button")) >= len(at.dataframe) > 0


def test_moving_a_slider_changes_the_predicted_revenue(sample_env):
    at = open_page()
    before = predicted(at)
    slider = at.slider(key="budget_spend_search")
    slider.set_value(slider.max).run()
    assert not at.exception
    after = predicted(at)
    assert after != before
    assert at.query_params["budget"].count(":") == 6
    assert f"search:{int(slider.max)}" in at.query_params["budget"]


def test_budget_in_the_link_sets_the_sliders(sample_env):
    at = open_page({"budget": "tv:0,search:2000", "budget_weeks": "8"})
    assert at.slider(key="budget_spend_tv").value == 0
    assert at.number_input(key="budget_weeks_input").value == 8


def test_optimiser_and_saved_scenarios(sample_env):
    at = open_page()
    at.button(key="FormSubmitter:budget_optimiser-Optimise").click().run()
    assert not at.exception
    assert any("earns" in s.value or "No split" in s.value for s in at.success)
    at.button[[b.label for b in at.button].index("Save scenario")].click().run()
    assert not at.exception
    labels = [d.label for d in at.get("download_button")]
    assert len(labels) >= 3  # channel table, proposed split, scenarios


def test_total_slider_scales_every_channel(sample_env):
    at = open_page({"budget": "search:400,tv:800,social:0"})
    keys = [s.key for s in at.slider if s.key and s.key.startswith("budget_spend_")]
    before = {k: at.slider(key=k).value for k in keys}
    total = at.slider(key="budget_total")
    assert total.value == sum(before.values())
    total.set_value(total.value * 2).run()
    after = {k: at.slider(key=k).value for k in keys}
    assert after["budget_spend_social"] == 0
    for k in keys:  # each channel doubles, up to its slider step and maximum
        step, top = at.slider(key=k).step, at.slider(key=k).max
        assert abs(after[k] - min(2 * before[k], top)) <= step


@pytest.mark.parametrize("link", ["search:nan", "search:inf,tv:-inf", "search:-5", "search:1e999"])
def test_a_bad_amount_in_the_link_keeps_the_current_spend(sample_env, link):
    at = open_page({"budget": f"{link},social:0"})
    default = open_page()
    assert at.slider(key="budget_spend_search").value == default.slider(key="budget_spend_search").value
    assert at.slider(key="budget_spend_social").value == 0  # the good part of the link is still used


def test_link_parsing_and_snapping_helpers():
    assert parse_shared("search:2000, tv:nan,radio:5,social:-1,email:x,display:inf", CHANNELS) == {"search": 2000.0}
    grid = slider_grid({"search": 1000.0, "tv": 0.0}, multiple=3.0)
    assert grid.maxima == {"search": 3000, "tv": 100} and grid.steps == {"search": 20, "tv": 1}
    assert grid.snap_all({"search": 1011.0, "tv": 1e9}) == {"search": 1020, "tv": 100}
    assert grid.snap("search", -3.0) == 0
    assert [parse_weeks(t) for t in ("8", "400", "0", "nan", "")] == [8, 52, 1, 4, 4]
    assert next_scenario_name({"Scenario 1": {}, "Scenario 2": {}}) == "Scenario 3"
    assert next_scenario_name({"Scenario 2": {}}) == "Scenario 3"


def _regenerate_with_double_spend(source: Path, db: Path) -> None:
    """Replace ``db`` by a copy of ``source`` whose marketing spend is doubled (a new file, like --force)."""
    fresh = db.with_name("fresh.duckdb")
    shutil.copy(source, fresh)
    with duckdb.connect(str(fresh)) as con:
        con.execute("UPDATE marketing_spend SET spend = spend * 2")
    os.replace(fresh, db)


def test_new_data_resets_budgets_optimiser_total_and_plan(small_db, tmp_path, monkeypatch):
    db = tmp_path / "omnimix.duckdb"
    shutil.copy(small_db, db)
    monkeypatch.setenv("OMNIMIX_DB", str(db))
    at = open_page()
    old_total = at.number_input(key="budget_opt_total").value
    old_search = at.slider(key="budget_spend_search").value
    at.button(key="FormSubmitter:budget_optimiser-Optimise").click().run()
    assert at.success
    _regenerate_with_double_spend(small_db, db)
    at.run()
    assert not at.exception, at.exception
    # current weekly spend doubled: the optimiser's total and the sliders follow, the old plan is gone
    assert abs(at.number_input(key="budget_opt_total").value - 2 * old_total) <= 1
    search = at.slider(key="budget_spend_search")
    assert abs(search.value - 2 * old_search) <= search.step
    assert not at.success
    at.button(key="FormSubmitter:budget_optimiser-Optimise").click().run()
    assert not at.warning, [w.value for w in at.warning]
    assert at.success


def test_scaling_the_total_leaves_total_and_channels_in_agreement():
    grid = slider_grid({"search": 1000.0, "tv": 10.0}, multiple=3.0)
    state = {spend_key("search"): 1000, spend_key("tv"): 10, TOTAL: 5000}  # more than the sliders allow
    scale_channels(state, grid)
    assert state[spend_key("search")] == 3000 and state[spend_key("tv")] == 50
    assert state[TOTAL] == 3050  # what the channels add up to, not the 5000 asked for


def figure(at: AppTest, title: str) -> dict:
    """The plotly figure whose title starts with ``title`` (AppTest keeps charts as JSON specs)."""
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return next(s for s in specs if s["layout"]["title"]["text"].startswith(title))


def test_new_plan_is_on_the_response_curves_in_the_same_run(sample_env):
    at = open_page()
    at.button(key="FormSubmitter:budget_optimiser-Optimise").click().run()
    names = {t["name"] for t in figure(at, "Response curves")["data"] if t.get("mode") == "markers"}
    assert names == {"current", "what-if", "optimised"}


def test_infeasible_optimiser_input_is_a_warning_naming_the_bound(sample_env):
    at = open_page()
    at.number_input(key="budget_opt_total").set_value(1e9)
    at.button(key="FormSubmitter:budget_optimiser-Optimise").click().run()
    assert not at.exception
    assert any("upper bounds add up to" in w.value for w in at.warning)
    assert not at.success
    at.run()  # the message belongs to that submit only
    assert not at.warning


def test_each_save_keeps_earlier_scenarios_and_a_taken_name_is_refused(sample_env):
    at = open_page()
    save = [b.label for b in at.button].index("Save scenario")
    at.button[save].click().run()
    assert at.text_input(key="budget_scenario_name").value == "Scenario 2"
    at.slider(key="budget_spend_search").set_value(0).run()
    at.button[save].click().run()
    assert list(at.session_state["budget_scenarios"]) == ["Scenario 1", "Scenario 2"]
    at.text_input(key="budget_scenario_name").set_value("Scenario 1").run()
    at.button[save].click().run()
    assert any("Scenario name: 'Scenario 1' is already saved" in w.value for w in at.warning)
    assert list(at.session_state["budget_scenarios"]) == ["Scenario 1", "Scenario 2"]
    assert not at.exception


def values(array: list | dict) -> np.ndarray:
    """A plotly JSON array, plain or typed (``{"dtype": "f8", "bdata": base64}``)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    return np.asarray(array, dtype=float)


def test_curves_reach_the_slider_maximum_and_markers_sit_on_them(sample_env):
    at = open_page()
    search = at.slider(key="budget_spend_search")
    search.set_value(search.max).run()
    data = figure(at, "Response curves")["data"]
    line = next(t for t in data if t["mode"] == "lines" and t["name"] == "search")
    mark = next(t for t in data if t["name"] == "what-if" and t["xaxis"] == line["xaxis"])
    x, y = values(line["x"]), values(line["y"])
    assert x.max() == pytest.approx(search.max)  # the curve ends where the slider does
    assert mark["x"][0] == pytest.approx(search.max) and mark["y"][0] == pytest.approx(y[-1], rel=1e-9)


def test_optimiser_range_ends_at_the_slider_maximum_so_its_split_fits_the_sliders(sample_env):
    at = open_page()
    allowed = at.slider(key="budget_opt_range")
    allowed.set_value((-100, allowed.max))
    at.radio(key="budget_goal").set_value("Largest budget at a target ROAS")
    at.number_input(key="budget_opt_target").set_value(0.1)
    at.button(key="FormSubmitter:budget_optimiser-Optimise").click().run()
    assert not at.warning, [w.value for w in at.warning]
    proposed = dict(zip(CHANNELS_SORTED, at.session_state["budget_plan"]["plan"].proposed, strict=True))
    at.button[[b.label for b in at.button].index("Try this split in the sliders")].click().run()
    for c, x in proposed.items():  # each channel where the plan put it, up to the slider step, never cut off
        slider = at.slider(key=f"budget_spend_{c}")
        assert abs(slider.value - x) <= slider.step / 2 + 1e-6, (c, slider.value, x, slider.max)


def test_target_roas_plan_is_labelled_and_compared_with_todays_budget(sample_env):
    at = open_page()
    at.radio(key="budget_goal").set_value("Largest budget at a target ROAS")
    at.number_input(key="budget_opt_target").set_value(3.0)
    at.button(key="FormSubmitter:budget_optimiser-Optimise").click().run()
    assert not at.exception and at.success
    revenue = next(m for m in at.metric if m.label.startswith("Predicted revenue") and "vs" in str(m.delta))
    assert "vs current mix at this budget" in revenue.delta
    assert any("Against **today's budget**" in m.value for m in at.markdown)


def test_current_spend_period_is_the_weeks_the_model_averaged(sample_env, small_db):
    """On a history shorter than 52 weeks the texts give the real number of weeks, not "52"."""
    with duckdb.connect(str(small_db), read_only=True) as con:
        frame = from_db(con).frame[["week", "revenue", "search"]].tail(40)
    at = open_page()
    at.segmented_control(key="budget_source").set_value("My weekly CSV").run()
    at.file_uploader(key="budget_upload").set_value(("short.csv", frame.to_csv(index=False).encode(), "text/csv")).run()
    at.multiselect(key="budget_csv_channels").set_value(["search"]).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert "average of the last 40 weeks" in at.slider(key="budget_spend_search").help
    assert any("average of the last 40 weeks" in c.value for c in at.caption)
    assert not any("52 weeks" in c.value for c in at.caption)
