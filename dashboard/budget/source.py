"""Budget simulator: the data the model learns from (this database or a weekly CSV) and its lift tests.

:func:`choose` draws the data section and returns the fitted model, or stops the page with a
hint when something is still missing (no database, no file, no spend column).  Failures
raise :class:`~core.errors.OmnimixError`; the page wraps the call in ``components.guard``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from core.mmm.csvfiles import csv_columns, read_lift_tests
from core.mmm.model import MediaMixModel
from dashboard import components, money, state
from dashboard.budget import data as budget_data

USE_TESTS = "budget_use_tests"
"""Session-state key of the "Use lift tests" toggle."""
USE_TESTS_KEPT = "budget_use_tests_kept"
"""The toggle's last value, kept while presentation mode does not draw it (Streamlit drops an undrawn widget's state)."""
LIFT_TEST = "a lift test is an experiment that measured a channel's extra revenue directly"
LIFT_TEST_HELP = (
    "A lift test is an experiment (e.g. ads paused in some regions) that measured how much extra revenue a "
    "channel brought over a few weeks. The model takes each test as one more measurement of that channel, which "
    "narrows its band; switch them off to see what the weekly data alone say."
)
LIFT_CSV_HELP = (
    "Optional. One row per test: channel (a spend column's name), start_week and end_week (YYYY-MM-DD, the "
    "Mondays of the first and last week), incremental_revenue and standard_error (in the database's currency, over "
    "the whole test); "
    "experiment_id optional."
)


@dataclass(frozen=True)
class Source:
    """The fitted model and where its data came from.

    Attributes
    ----------
    model : MediaMixModel
    text : str
        The data in words, for "Fitted on N weeks of ...".
    tests_switched_off : bool
        Lift tests exist but the user switched them off.
    """

    model: MediaMixModel
    text: str
    tests_switched_off: bool


def choose() -> Source:
    """Draw the data section and fit (or fetch the cached) model.

    In presentation mode the model always comes from this database and no data controls are drawn.
    """
    if components.is_presenting():
        return _from_db()
    source = st.segmented_control(
        "Data",
        ["This database", "My weekly CSV"],
        default="This database",
        key="budget_source",
        required=True,
        help="The model learns from weekly revenue and weekly spend per channel. Use the database, or upload your "
        "own table: one row per week with a date, revenue, one spend column per channel and optional controls.",
    )
    return _from_db() if source == "This database" else _from_csv()


def _use_tests(tests: pd.DataFrame, where: str) -> bool:
    """The "Use lift tests" toggle (on by default) when there are tests; a hint when there are none."""
    if not len(tests):
        if not components.is_presenting():
            st.caption(f"No lift tests {where} ({LIFT_TEST}): the model learns from the weekly data alone.")
        return False
    if components.is_presenting():  # analysis plumbing: the model card says whether the tests are used
        return bool(st.session_state.get(USE_TESTS_KEPT, True))
    channels = ", ".join(sorted(set(tests["channel"])))
    use = st.toggle(f"Use lift tests ({len(tests)}: {channels})", value=st.session_state.get(USE_TESTS_KEPT, True),
                    key=USE_TESTS, help=LIFT_TEST_HELP)
    st.session_state[USE_TESTS_KEPT] = use
    return use


def _with_tests(text: str, n_tests: int, use: bool) -> str:
    if not n_tests:
        return f"{text}, without lift tests"
    tests = f"{n_tests} lift test{'s' if n_tests > 1 else ''}"
    return f"{text}, calibrated to {tests}" if use else f"{text}, with its {tests} switched off"


def _from_db() -> Source:
    ctx = state.current()
    if not ctx.db.exists():
        st.info(state.missing_db_message(ctx.db))
        st.stop()
    tests = budget_data.experiments_from_db(ctx.db)
    use = _use_tests(tests, "in this database (Data page, experiments table)")
    model = budget_data.model_for_db(ctx.db, use_tests=use)
    text = "this database (revenue of all sales channels, spend per media channel)"
    return Source(model, _with_tests(text, len(tests), use), bool(len(tests)) and not use)


def _from_csv() -> Source:
    upload = st.file_uploader(
        "Weekly CSV",
        type="csv",
        key="budget_upload",
        help=f"One row per week, weeks 7 days apart with no gaps; spend in {money.code()} per week.",
    )
    if upload is None:
        st.info(
            "Upload a weekly CSV: a date column, a revenue column, one spend column per channel, optional controls."
        )
        st.stop()
    content = upload.getvalue()
    columns = csv_columns(content, upload.name)
    c1, c2 = st.columns(2)
    date_col = c1.selectbox("Week column", columns, key="budget_csv_date")
    target_col = c2.selectbox("Revenue column", columns, index=min(1, len(columns) - 1), key="budget_csv_target")
    rest = [c for c in columns if c not in (date_col, target_col)]
    spend_cols = c1.multiselect(f"Spend columns ({money.code()} per week)", rest, key="budget_csv_channels")
    control_cols = c2.multiselect(
        "Controls (optional)", [c for c in rest if c not in spend_cols], key="budget_csv_controls"
    )
    tests_upload = st.file_uploader(
        "Lift tests (optional CSV)", type="csv", key="budget_tests_upload", help=LIFT_CSV_HELP
    )
    tests = pd.DataFrame()
    if tests_upload is not None:
        with components.guard("the lift tests"):
            tests = read_lift_tests(tests_upload.getvalue(), tests_upload.name, money.code())
        if not len(tests):
            st.caption("The model is fitted without lift tests until the file is fixed.")
    use = _use_tests(tests, "uploaded") if tests_upload is None or len(tests) else False
    if not spend_cols:
        st.info("Pick the spend columns, one per channel.")
        st.stop()
    model = budget_data.model_for_csv(
        content,
        date=date_col,
        target=target_col,
        channels=tuple(spend_cols),
        controls=tuple(control_cols),
        lift_tests=tests if use else None,
    )
    return Source(model, _with_tests(upload.name, len(tests), use), bool(len(tests)) and not use)
