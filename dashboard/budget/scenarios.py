"""Budget simulator: saving the what-if budget under a name, and the saved scenarios side by side.

Scenarios are kept in the session (this browser tab) as one column each: spend per channel,
total spend, predicted revenue with its band, and the weeks they cover.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.mmm.model import BudgetPrediction
from dashboard import components, key_messages, money
from dashboard.budget import controls as budget_controls
from dashboard.formats import WHOLE

SCENARIOS = "budget_scenarios"
"""Session-state key of the saved scenarios: name -> measure -> value."""
SCENARIO_NAME, NEW_NAME = "budget_scenario_name", "budget_scenario_new_name"


def scenario(pred: BudgetPrediction) -> dict[str, float]:
    """One saved scenario: spend per channel, total spend, revenue with its band (EUR over its weeks)."""
    return {
        **{f"{c} ({money.code()})": v for c, v in pred.spend.items()},
        f"Total spend ({money.code()})": sum(pred.spend.values()),
        f"Predicted revenue ({money.code()})": pred.revenue,
        f"Low ({money.code()})": pred.low,
        f"High ({money.code()})": pred.high,
        "Weeks": pred.weeks,
    }


def save_form(pred: BudgetPrediction) -> None:
    """Name field and save button for the what-if budget ``pred`` (inside the what-if fragment)."""
    if components.is_presenting():  # saving is for the analyst; saved scenarios still show below
        return
    saved = st.session_state.setdefault(SCENARIOS, {})
    # The name field has a key, so its value= would only be used once: a fresh default is set
    # through the session state after each save or clear (and after a visit to another page).
    if st.session_state.pop(NEW_NAME, False) or SCENARIO_NAME not in st.session_state:
        st.session_state[SCENARIO_NAME] = budget_controls.next_scenario_name(saved)
    name_col, save_col = st.columns([3, 1])
    name = name_col.text_input("Scenario name", key=SCENARIO_NAME).strip()
    if not save_col.button("Save scenario", icon=":material/bookmark_add:"):
        return
    if not name:
        st.warning("Scenario name: type a name to save this budget under.", icon=":material/edit:")
        return
    if name in saved:
        st.warning(
            f"Scenario name: {name!r} is already saved; choose another name (or clear the saved scenarios).",
            icon=":material/edit:",
        )
        return
    saved[name] = scenario(pred)
    st.session_state[NEW_NAME] = True
    st.rerun()  # the comparison table is outside the fragment


def section() -> None:
    """The saved scenarios as one table, a column each, with a button to clear them."""
    scenarios = st.session_state.get(SCENARIOS, {})
    presenting = components.is_presenting()
    if presenting and not scenarios:  # nothing to show the audience
        return
    st.subheader("Saved scenarios", help="Kept for this browser session; save one from the what-if section.")
    code = money.code()
    components.key_message(key_messages.budget_scenarios(
        {n: s[f"Predicted revenue ({code})"] for n, s in scenarios.items()},
        {n: s[f"Total spend ({code})"] for n, s in scenarios.items()}, currency=money.currency()))
    if not scenarios:
        st.info(
            "No scenario saved yet: set the sliders above and press **Save scenario** to compare budgets side by side."
        )
        return
    compare = pd.DataFrame(scenarios).reset_index(names="measure")
    labels = {"measure": "Measure", **{n: n for n in scenarios}}
    components.table(compare, "budget_scenarios", labels=labels, formats=dict.fromkeys(scenarios, WHOLE))
    if not presenting and st.button("Clear scenarios", icon=":material/delete:"):
        st.session_state[SCENARIOS] = {}
        st.session_state[NEW_NAME] = True
        st.rerun()
