"""Budget simulator page through AppTest: renders, sliders change the prediction, URL round-trip,
how sure each channel is, lift tests on and off, the cautious optimiser and the plan for the next weeks.

The page's sections are tabs of which only the open one runs; a test opens another with
``?budget_section=<label>`` (:func:`open_page`'s ``section``) or by setting the tab's session key.

Expected figures come from the model the page shows: ``budget_data.model_for_db`` returns the
same cached fit (same data, same seed), so the tests check the page's wiring, not the model.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import chart_specs
import duckdb
import numpy as np
import pandas as pd
import pytest
from apptest_pages import open_app_page
from streamlit.testing.v1 import AppTest

from core.errors import OmnimixError
from core.formatting import format_value
from core.mmm import report
from core.mmm.bounds import bounds_from_change
from core.mmm.csvfiles import read_lift_tests
from core.mmm.optimizer import optimize_budget, plan_period
from core.mmm.weekly import from_db
from core.store.reads import read_experiments
from dashboard.budget import data as budget_data
from dashboard.budget import plan as budget_plan
from dashboard.budget.controls import (
    SECTION,
    SECTIONS,
    TOTAL,
    data_token,
    model_token,
    next_scenario_name,
    parse_shared,
    parse_weeks,
    scale_channels,
    slider_grid,
    spend_key,
)
from dashboard.budget.trust import unsettled

PAGE = "pages/budget.py"
CHANNELS = ["search", "social", "display", "email", "affiliate", "tv"]
CHANNELS_SORTED = sorted(CHANNELS)  # the model's order


def open_page(query: dict[str, str] | None = None, *, section: str | None = None) -> AppTest:
    """The page, with ``section`` (a tab label) open instead of the what-if."""
    at = open_app_page(PAGE, {**(query or {}), **({SECTION: section} if section else {})})
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def predicted(at: AppTest) -> str:
    return next(m.value for m in at.metric if m.label.startswith("Predicted revenue"))


OPTIMISE = "FormSubmitter:budget_optimiser-Optimise"
PLAN_WEEKS = "FormSubmitter:budget_future_form-Plan these weeks"


def shown_model(db: Path, *, use_tests: bool = True):
    """The fitted model the page shows for ``db`` (the same cached fit)."""
    return budget_data.model_for_db(db, use_tests=use_tests)


def current_spend(model) -> dict[str, float]:  # noqa: ANN001
    """The model's current weekly spend per channel: what the page's allowed changes are relative to."""
    return dict(zip(model.channels_, model.current_spend_, strict=True))


def table(at: AppTest, column: str):
    """The displayed DataFrame that has ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


SAMPLER = "The sampler did not settle for "


def warnings(at: AppTest) -> list[str]:
    """Warnings other than the model card's note on the sampler (which depends on the fit, not the inputs)."""
    return [w.value for w in at.warning if not w.value.startswith(SAMPLER)]


def band_text(revenue: float, low: float, high: float) -> str:
    """The value of an "Uncertainty (90% band)" card."""
    return f"±{(high - low) / 2 / revenue:.1%}"


def test_first_visit_runs_only_the_what_if(sample_env):
    at = open_page()
    assert at.title[0].value == "Budget simulator"
    assert [t.label for t in at.tabs] == list(SECTIONS)
    assert [len(t.children) > 0 for t in at.tabs] == [True] + [False] * 5  # the other sections did not run
    assert any(m.label.startswith("Predicted revenue") for m in at.metric)
    shown = chart_specs.titles(at)
    assert len(shown) == 1 and shown[0].startswith("Response curves")
    # no channel or lift-test table yet: only this budget per channel, with its download
    assert [list(d.value.columns) for d in at.dataframe] == [["channel", "current", "what_if", "revenue", "change"]]
    assert len(at.get("download_button")) == 1
    shown = table(at, "what_if").set_index("channel")["what_if"]
    assert shown.to_dict() == {c: at.slider(key=spend_key(c)).value for c in CHANNELS_SORTED}
    assert [s.value for s in at.subheader] == ["Saved scenarios"]
    assert not any("did not see" in m.value for m in at.markdown)  # the model card waits for its tab
    assert not {OPTIMISE, PLAN_WEEKS} & {b.key for b in at.button}  # nor the optimiser and plan forms


def test_the_link_opens_another_section(sample_env):
    at = open_page(section="Optimiser")
    assert [len(t.children) > 0 for t in at.tabs] == [label == "Optimiser" for label in SECTIONS]
    assert not any(m.label.startswith("Predicted revenue") for m in at.metric)  # no what-if, no run plan
    assert not chart_specs.charts(at)
    assert at.button(key=OPTIMISE)


def test_page_renders_model_card_and_tables(sample_env):
    at = open_page(section="Model quality")
    assert any("did not see" in m.value for m in at.markdown)
    assert any("calibrated to 3 lift tests" in m.value for m in at.markdown)
    assert not at.subheader
    assert not any("bootstrap" in c.value for c in at.caption)
    tables = {label: open_page(section=label) for label in ("What drives revenue", "How sure")}
    assert [len(at.dataframe) for at in tables.values()] == [1, 1]  # channels; lift tests
    assert [len(at.get("download_button")) for at in tables.values()] == [1, 1]
    assert [len(at.get("plotly_chart")) for at in tables.values()] == [1, 2]  # revenue by driver; ROAS, test shifts
    unsettled_channels = unsettled(shown_model(sample_env).convergence_["rhat"])
    sampler = [w.value.split(": its runs disagree")[0] for w in at.warning if w.value.startswith(SAMPLER)]
    assert sampler == ([f"{SAMPLER}{', '.join(unsettled_channels)}"] if unsettled_channels else [])


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


def open_section(at: AppTest, label: str) -> AppTest:
    """Open the section ``label`` (a tab) as a click on it does (the tab's state and the URL), and run."""
    at.session_state[SECTION] = label
    at.query_params[SECTION] = label
    at.run()
    assert not at.exception, at.exception
    return at


def test_optimiser_and_saved_scenarios(sample_env):
    at = open_page(section="Optimiser")
    at.button(key=OPTIMISE).click().run()
    assert not at.exception
    model = shown_model(sample_env)
    total = at.number_input(key="budget_opt_total").value
    bounds = {c: (v * 0.5, v * 1.5) for c, v in zip(model.channels_, model.current_spend_, strict=True)}
    assert [s.value for s in at.success] == [optimize_budget(model, total, bounds=bounds).message]
    assert len(at.get("download_button")) == 1  # the proposed split
    open_section(at, "What if")
    at.button[[b.label for b in at.button].index("Save scenario")].click().run()
    assert not at.exception
    assert len(at.get("download_button")) == 2  # this budget per channel, the scenarios
    assert "Scenario 1" in table(at, "measure").columns


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
    old_search = at.slider(key="budget_spend_search").value
    open_section(at, "Optimiser")
    old_total = at.number_input(key="budget_opt_total").value
    at.button(key="FormSubmitter:budget_optimiser-Optimise").click().run()
    assert at.success
    _regenerate_with_double_spend(small_db, db)
    at.run()
    assert not at.exception, at.exception
    # current weekly spend doubled: the optimiser's total and the sliders follow, the old plan is gone
    assert abs(at.number_input(key="budget_opt_total").value - 2 * old_total) <= 1
    assert not at.success
    at.button(key="FormSubmitter:budget_optimiser-Optimise").click().run()
    assert not warnings(at)
    assert at.success
    open_section(at, "What if")
    search = at.slider(key="budget_spend_search")
    assert abs(search.value - 2 * old_search) <= search.step


def test_scaling_the_total_leaves_total_and_channels_in_agreement():
    grid = slider_grid({"search": 1000.0, "tv": 10.0}, multiple=3.0)
    state = {spend_key("search"): 1000, spend_key("tv"): 10, TOTAL: 5000}  # more than the sliders allow
    scale_channels(state, grid)
    assert state[spend_key("search")] == 3000 and state[spend_key("tv")] == 50
    assert state[TOTAL] == 3050  # what the channels add up to, not the 5000 asked for


def curve_rows(at: AppTest) -> pd.DataFrame:
    """Every row the response-curve panels draw (``channel``, ``layer``, ``label``, ``spend``, ``revenue``, ...)."""
    proto = next(proto for kind, spec, proto in chart_specs.charts(at)
                 if chart_specs.title(kind, spec).startswith("Response curves"))
    return pd.DataFrame(chart_specs.vega_data(proto))


def test_new_plan_is_on_the_response_curves(sample_env):
    at = open_page(section="Optimiser")
    at.button(key="FormSubmitter:budget_optimiser-Optimise").click().run()
    open_section(at, "What if")
    rows = curve_rows(at)
    markers = rows[rows["layer"] == "marker"]
    assert set(markers["label"]) == {"current", "what-if", "optimised"}
    assert (markers.groupby("label")["channel"].nunique() == rows["channel"].nunique()).all()  # on every panel


def test_infeasible_optimiser_input_is_a_warning_naming_the_bound(sample_env):
    at = open_page(section="Optimiser")
    at.number_input(key="budget_opt_total").set_value(1e9)
    at.button(key="FormSubmitter:budget_optimiser-Optimise").click().run()
    assert not at.exception
    model = shown_model(sample_env)
    with pytest.raises(OmnimixError, match="upper bounds add up to") as err:
        optimize_budget(model, 1e9, bounds=bounds_from_change(current_spend(model), -50, 50))
    assert warnings(at) == [str(err.value)]
    assert not at.success
    at.run()  # the message belongs to that submit only
    assert not warnings(at)


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


def test_curves_reach_the_slider_maximum_and_markers_sit_on_them(sample_env):
    at = open_page()
    search = at.slider(key="budget_spend_search")
    search.set_value(search.max).run()
    rows = curve_rows(at)
    line = rows[(rows["channel"] == "search") & (rows["layer"] == "curve")].sort_values("spend")
    mark = rows[(rows["channel"] == "search") & (rows["label"] == "what-if")].iloc[0]
    assert line["spend"].max() == pytest.approx(search.max)  # the curve ends where the slider does
    assert mark["spend"] == pytest.approx(search.max) and mark["revenue"] == pytest.approx(line["revenue"].iloc[-1], rel=1e-9)
    assert mark["revenue_text"] == f"€{mark['revenue']:,.0f}"  # the tooltip writes the amount in the data's currency


def test_optimiser_range_ends_at_the_slider_maximum_so_its_split_fits_the_sliders(sample_env):
    at = open_page(section="Optimiser")
    allowed = at.slider(key="budget_opt_range")
    allowed.set_value((-100, allowed.max))
    at.radio(key="budget_goal").set_value("Largest budget at a target ROAS")
    at.number_input(key="budget_opt_target").set_value(0.1)
    at.button(key="FormSubmitter:budget_optimiser-Optimise").click().run()
    assert not warnings(at)
    proposed = dict(zip(CHANNELS_SORTED, at.session_state["budget_plan"]["plan"].proposed, strict=True))
    at.button[[b.label for b in at.button].index("Try this split in the sliders")].click().run()
    assert [len(t.children) > 0 for t in at.tabs][0], "the button opens the what-if"
    for c, x in proposed.items():  # each channel where the plan put it, up to the slider step, never cut off
        slider = at.slider(key=f"budget_spend_{c}")
        assert abs(slider.value - x) <= slider.step / 2 + 1e-6, (c, slider.value, x, slider.max)


def test_target_roas_plan_is_labelled_and_compared_with_todays_budget(sample_env):
    summary = shown_model(sample_env).channel_summary_
    todays_roas = (summary["roas"] * summary["spend"]).sum() / summary["spend"].sum()
    at = open_page(section="Optimiser")
    at.radio(key="budget_goal").set_value("Largest budget at a target ROAS")
    # Just under today's blended ROAS, so some budget in the allowed range reaches it.
    at.number_input(key="budget_opt_target").set_value(round(0.9 * todays_roas, 1))
    at.button(key="FormSubmitter:budget_optimiser-Optimise").click().run()
    assert not at.exception and at.success, [w.value for w in at.warning]
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
    open_section(at, "What drives revenue")
    assert any("average of the last 40 weeks" in c.value for c in at.caption)
    assert not any("52 weeks" in c.value for c in at.caption)


def test_verdicts_and_measured_column_follow_the_model(sample_env):
    at = open_page(section="How sure")
    model = shown_model(sample_env)
    bullets = "\n".join(f"- {line}" for line in report.channel_verdicts(model))
    assert bullets in [m.value for m in at.markdown]
    open_section(at, "What drives revenue")
    channels = table(at, "measured")
    expected = ["well" if w else "not sure" for w in model.channel_summary_["well_measured"]]
    assert list(channels["measured"]) == expected
    assert "not sure" in expected  # the sample has channels its weekly data cannot pin down
    assert any(line.startswith("A lift test would help most on ") for line in report.channel_verdicts(model))


def test_experiments_table_lists_the_used_lift_tests(sample_env):
    at = open_page(section="How sure")
    with duckdb.connect(str(sample_env), read_only=True) as con:
        stored = read_experiments(con)
    tests = table(at, "experiment_id")
    assert list(tests["experiment_id"]) == list(stored["experiment_id"])
    assert sorted(tests["channel"]) == ["display", "social", "tv"]
    assert list(tests["used_text"]) == ["yes"] * 3
    assert "3 of 3 lift tests used." in [c.value.split(" The model")[0] for c in at.caption]
    for row in stored.itertuples():  # each test's sentence says how its channel's ROAS moved
        assert any(f"Lift test {row.experiment_id} ({row.channel}," in m.value for m in at.markdown)


def test_switching_lift_tests_off_shows_the_roas_of_the_weekly_data_alone(sample_env):
    at = open_page()
    at.slider(key="budget_spend_search").set_value(0).run()
    open_section(at, "What drives revenue")
    with_tests = shown_model(sample_env)
    tv = with_tests.channel_summary_.set_index("channel").loc["tv"]
    assert table(at, "measured").set_index("channel").loc["tv", "roas"] == pytest.approx(tv["roas"])

    at.toggle(key="budget_use_tests").set_value(False).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    shown = table(at, "measured").set_index("channel").loc["tv", "roas"]
    assert shown != pytest.approx(tv["roas"], rel=0.01)
    assert shown == pytest.approx(
        shown_model(sample_env, use_tests=False).channel_summary_.set_index("channel").loc["tv", "roas"]
    )
    open_section(at, "Model quality")
    assert any("with its 3 lift tests switched off" in m.value for m in at.markdown)
    open_section(at, "How sure")
    assert any("Lift tests are switched off above" in c.value for c in at.caption)
    assert not any("experiment_id" in d.value.columns for d in at.dataframe)
    open_section(at, "What if")
    # same data: the budgets on the sliders stay, though other sections were open in between
    assert at.slider(key="budget_spend_search").value == 0


def test_cautious_optimiser_shows_the_band_of_its_proposal(sample_env):
    at = open_page(section="Optimiser")
    at.number_input(key="budget_opt_weeks").set_value(8)
    at.checkbox(key="budget_opt_cautious").check()
    at.button(key=OPTIMISE).click().run()
    assert not at.exception and not warnings(at)
    model = shown_model(sample_env)
    total = at.number_input(key="budget_opt_total").value
    bounds = {c: (v * 0.5, v * 1.5) for c, v in zip(model.channels_, model.current_spend_, strict=True)}
    plan = optimize_budget(model, total, bounds=bounds, cautious=True)
    stored = at.session_state["budget_plan"]["plan"]
    assert stored.cautious and np.allclose(stored.proposed, plan.proposed)
    assert [s.value for s in at.success] == [plan.message]
    low, high = plan.proposed_band
    bands = [m for m in at.metric if m.label == "Uncertainty (90% band)"]  # the optimiser's only
    assert len(bands) == 1
    assert bands[0].value == band_text(plan.proposed_revenue * 8, low * 8, high * 8)
    assert f"{low * 8:,.0f} to {high * 8:,.0f} EUR" in bands[0].help
    assert any(c.value.startswith("Cautious plan: maximise a pessimistic revenue") for c in at.caption)


def test_plan_for_the_next_13_weeks_shows_revenue_band_and_carry_over(sample_env):
    at = open_page(section="Plan the next weeks")
    assert at.number_input(key="budget_future_weeks").value == 13
    at.button(key=PLAN_WEEKS).click().run()
    assert not at.exception and not warnings(at)
    model = shown_model(sample_env)
    current = dict(zip(model.channels_, model.current_spend_, strict=True))
    made = plan_period(
        model, 13, total=sum(current.values()) * 13, bounds={c: (v * 0.5, v * 1.5) for c, v in current.items()}
    )
    plan, forecast = made.plan, made.forecast
    assert plan.weeks == 13 and len(forecast) == 13
    cards = {m.label: m for m in at.metric}
    revenue = cards["Predicted revenue, 13 weeks"]
    assert revenue.value == format_value(plan.proposed_revenue, "EUR")
    assert revenue.delta == f"{plan.gain:+,.0f} EUR vs current split"
    assert [m.value for m in at.metric if m.label == "Uncertainty (90% band)"] == [band_text(
        plan.proposed_revenue, *plan.proposed_band
    )]
    carried = forecast["carryover"].sum()
    assert cards["Already paid for (carry-over)"].value == format_value(carried, "EUR")
    assert 0 < carried < plan.proposed_revenue
    assert cards["Spend, 13 weeks"].value == format_value(sum(current.values()) * 13, "EUR")
    assert plan.message in [s.value for s in at.success]
    split = table(at, "proposed_total")
    assert list(split["channel"]) == CHANNELS_SORTED
    assert split["proposed_total"].sum() == pytest.approx(sum(current.values()) * 13, abs=len(CHANNELS))  # whole EUR
    weeks = table(at, "carryover")
    assert list(weeks["week"]) == [f"{w:%Y-%m-%d}" for w in forecast["week"]]
    assert weeks["week"].iloc[0] == f"{model.weeks_[-1] + pd.Timedelta(days=7):%Y-%m-%d}"


def test_plan_with_a_budget_the_bounds_cannot_take_is_a_warning(sample_env):
    at = open_page(section="Plan the next weeks")
    at.number_input(key="budget_future_weeks").set_value(4)
    at.number_input(key="budget_future_total").set_value(1e9)
    at.button(key=PLAN_WEEKS).click().run()
    assert not at.exception
    model = shown_model(sample_env)
    bounds = bounds_from_change(current_spend(model), -50, 50)
    with pytest.raises(OmnimixError, match="upper bounds add up to") as err:
        plan_period(model, 4, total=1e9, bounds=bounds)
    spread = " The period budget is spread evenly: 1,000,000,000 EUR over 4 weeks is 250,000,000 EUR per week."
    assert warnings(at) == [str(err.value) + spread]
    assert "budget_future" not in at.session_state


def _weekly_and_tests_csv(db: Path) -> tuple[bytes, pd.DataFrame]:
    with duckdb.connect(str(db), read_only=True) as con:
        weekly, tests = from_db(con).frame, read_experiments(con)
    return weekly.to_csv(index=False).encode(), tests


def _upload_weekly(at: AppTest, content: bytes) -> None:
    at.segmented_control(key="budget_source").set_value("My weekly CSV").run()
    at.file_uploader(key="budget_upload").set_value(("weekly.csv", content, "text/csv")).run()
    at.multiselect(key="budget_csv_channels").set_value(CHANNELS_SORTED).run()


def test_uploaded_lift_tests_calibrate_a_csv_model(sample_env):
    weekly, tests = _weekly_and_tests_csv(sample_env)
    at = open_page(section="Model quality")
    _upload_weekly(at, weekly)
    assert any("weekly.csv, without lift tests" in m.value for m in at.markdown)
    lift = tests.assign(start_week=tests["start_week"].dt.date, end_week=tests["end_week"].dt.date)
    at.file_uploader(key="budget_tests_upload").set_value(
        ("tests.csv", lift.to_csv(index=False).encode(), "text/csv")
    ).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.toggle(key="budget_use_tests").value
    assert any("weekly.csv, calibrated to 3 lift tests" in m.value for m in at.markdown)
    open_section(at, "How sure")
    assert list(table(at, "experiment_id")["used_text"]) == ["yes"] * 3


def test_a_broken_lift_test_file_is_a_message_and_the_model_still_fits(sample_env):
    weekly, _ = _weekly_and_tests_csv(sample_env)
    at = open_page(section="Model quality")
    _upload_weekly(at, weekly)
    bad = b"channel,start_week,end_week,incremental_revenue\ntv,2024-05-20,2024-07-08,11500\n"
    at.file_uploader(key="budget_tests_upload").set_value(("bad.csv", bad, "text/csv")).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "bad.csv has no column standard_error; a lift-test file needs the columns channel, start_week, end_week, "
        "incremental_revenue, standard_error (experiment_id optional)."
    ]
    assert any("weekly.csv, without lift tests" in m.value for m in at.markdown)
    open_section(at, "What if")
    assert any(m.label.startswith("Predicted revenue") for m in at.metric)


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        (b"channel,start_week\n", "t.csv has no column end_week, incremental_revenue, standard_error;"),
        (b"channel,start_week,end_week,incremental_revenue,standard_error\n", "t.csv has a header but no lift tests."),
        (
            b"channel,start_week,end_week,incremental_revenue,standard_error\ntv,2024-05-20,2024-07-08,100,10\n"
            b"tv,soon,2024-07-08,100,10\n",
            "t.csv, row 2: start_week 'soon' is not a date (YYYY-MM-DD).",
        ),
        (
            b"channel,start_week,end_week,incremental_revenue,standard_error\ntv,2024-05-20,2024-07-08,lots,10\n",
            "t.csv, row 1: incremental_revenue 'lots' is not an amount in EUR.",
        ),
        (
            b"channel,start_week,end_week,incremental_revenue,standard_error\ntv,2024-05-20,2024-07-08,100,0\n",
            "standard_error must be above 0",
        ),
        (b"\xff\xfe\x00", "Cannot read t.csv as CSV"),
    ],
)
def test_lift_test_csv_errors_name_the_row_and_column(csv, message):
    with pytest.raises(OmnimixError) as err:
        read_lift_tests(csv, "t.csv")
    assert message in str(err.value)


def test_lift_test_csv_is_read_with_dates_and_numbered_ids():
    csv = b"channel,start_week,end_week,incremental_revenue,standard_error\n tv ,2024-05-20,2024-07-08,11500,1300\n"
    tests = read_lift_tests(csv, "t.csv")
    assert tests.loc[0, "experiment_id"] == "test 1" and tests.loc[0, "channel"] == "tv"
    assert tests.loc[0, "start_week"] == pd.Timestamp("2024-05-20")
    assert tests.loc[0, "incremental_revenue"] == 11500.0


def test_unsettled_channels_are_those_above_the_rhat_limit():
    assert unsettled({"tv": 1.02, "email": 1.31, "search": 1.1}) == ["email"]


def test_switching_lift_tests_changes_the_model_token_but_not_the_data_token(sample_env):
    with_tests, without = shown_model(sample_env), shown_model(sample_env, use_tests=False)
    assert model_token(with_tests) != model_token(without)
    assert data_token(with_tests) == data_token(without)


def test_without_lift_tests_the_page_says_which_channel_a_test_would_help_most(small_db, tmp_path, monkeypatch):
    db = tmp_path / "omnimix.duckdb"
    shutil.copy(small_db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("DELETE FROM experiments")
    monkeypatch.setenv("OMNIMIX_DB", str(db))
    at = open_page(section="How sure")
    assert not [t for t in at.toggle if t.key == "budget_use_tests"]  # no lift tests to switch on or off
    assert [t.label for t in at.toggle] == ["Presentation mode"]  # the sidebar's own toggle stays
    assert any(c.value.startswith("No lift tests in this database") for c in at.caption)
    model = shown_model(db)
    assert model.experiments_.empty
    verdicts = report.channel_verdicts(model)
    assert "No lift tests: estimates come from the weekly data alone." in verdicts
    unsure = model.channel_summary_[~model.channel_summary_["well_measured"]]
    best = unsure.sort_values("test_value").iloc[-1]["channel"]
    assert f"A lift test would help most on {best}:" in next(m.value for m in at.markdown if "Not sure" in m.value)
    assert not at.dataframe  # no lift-test table


def test_an_unexpected_failure_while_planning_is_a_message_not_a_traceback(sample_env, monkeypatch):
    def boom(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(budget_plan, "plan_period", boom)
    at = open_page(section="Plan the next weeks")
    at.button(key=PLAN_WEEKS).click().run()
    assert not at.exception
    assert warnings(at) == ["Something went wrong while planning the next weeks (ValueError: boom)."]
