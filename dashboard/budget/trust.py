"""Budget simulator: how good the model is, what drives revenue and how sure each channel is.

The page calls :func:`model_card`, :func:`drivers` and :func:`how_sure`, each in its own section (tab).  Every
figure comes from the fitted :class:`~core.mmm.model.MediaMixModel` and the sentences from
:mod:`core.mmm.report`, so the page and ``omnimix budget fit`` say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from core.formatting import short_money
from core.mmm import report
from core.mmm.model import MediaMixModel
from core.mmm.summary import WELL_MEASURED_WIDTH
from dashboard import components, key_messages, money
from dashboard.budget import charts as budget_charts

RHAT_LIMIT = 1.1
"""Split R-hat above this: the sampler's chains disagree, so that channel's figures are unsettled."""
HALF_BAND = round(WELL_MEASURED_WIDTH * 50)
"""A well-measured channel's 90% band lies within about ± this many % of its ROAS."""

TERMS = (
    "**ROAS** (return on ad spend): revenue a channel drove ÷ its spend. "
    "**Marginal ROAS**: revenue of one more unit of currency spent per week at the current spend; below 1 that unit "
    "loses money. "
    "**90% band**: the range the model is 90% sure the value lies in. "
    "**Lift test**: an experiment (e.g. ads paused in some regions) that measured a channel's extra revenue "
    "over a few weeks."
)


def unsettled(rhat: Mapping[str, float], limit: float = RHAT_LIMIT) -> list[str]:
    """Channels whose split R-hat is above ``limit`` (their chains did not agree)."""
    return [c for c, r in rhat.items() if r > limit]


def tests_used(model: MediaMixModel) -> pd.DataFrame:
    """The lift tests the model used (empty when none were given or all were left out)."""
    tests = model.experiments_
    return tests[tests["used"].astype(bool)] if len(tests) else tests


def model_card(model: MediaMixModel, *, source_text: str, period: str) -> None:
    """Accuracy on held-out weeks, explained variation, and what the bands mean."""
    components.key_message(key_messages.budget(model.metrics_))
    if bad := unsettled(model.convergence_["rhat"]):
        st.warning(
            f"The sampler did not settle for {', '.join(bad)}: its runs disagree (R-hat above {RHAT_LIMIT}), so "
            "these channels' figures may move on another fit. Read them with extra care; more weeks of data help.",
            icon=":material/warning:",
        )
    hold, train = model.metrics_["holdout"], model.metrics_["train"]
    st.markdown(
        "**How good is the model?** The last weeks are held out: the model is fitted without them and then asked "
        f"to predict them. Fitted on **{len(model.weeks_)} weeks** ({period}) of {source_text}. On the last **{hold['weeks']} weeks**, "
        f"which the model did not see, its weekly revenue predictions were off by **{hold['mape']:.1%}** on "
        f"average. It explains **{train['r2']:.0%}** of the week-to-week ups and downs of revenue."
    )
    cards = (
        (
            "Error on held-out weeks",
            f"{hold['mape']:.1%}",
            "MAPE: mean absolute percentage error of weekly revenue on the final weeks left out of fitting.",
        ),
        (
            "Explained variation",
            f"{train['r2']:.0%}",
            "R²: share of the week-to-week variation in revenue the model reproduces (training weeks).",
        ),
        ("Error on training weeks", f"{train['mape']:.1%}", "MAPE on the weeks the model was fitted on."),
        (
            "NRMSE (held out)",
            f"{hold['nrmse']:.1%}",
            "Root mean squared error divided by the range of weekly revenue (Robyn's measure).",
        ),
    )
    for col, (label, value, help_text) in zip(st.columns(4), cards, strict=True):
        col.metric(label, value, help=help_text, border=True)
    st.caption(
        "Every range on this page is a **90% band**: the model is Bayesian, so instead of one best fit it keeps "
        "thousands of fits that all agree with the data, and a band runs from the 5th to the 95th percentile of "
        "their answers. It includes the uncertainty of the curves (carry-over and saturation), of the baseline and "
        "of each channel's effect; it leaves out week-to-week noise and anything the model does not know about "
        "(a competitor's campaign, a stock-out)."
    )


def measured_help(summary: pd.DataFrame) -> str:
    """What "well" and "not sure" mean in the channel table's Measured column."""
    paused = " and its spend was paused now and then" if "always_on" in summary else ""
    return (
        f"well: the 90% band of the ROAS lies within about ±{HALF_BAND}% of it{paused}. not sure: otherwise; the "
        "data fit a range of ROAS, so read it as a range and consider a lift test."
    )


def drivers(model: MediaMixModel, *, period: str) -> None:
    """Weekly revenue by driver and the channel table (ROAS with its band, how well measured)."""
    summary, n_weeks, recent = model.channel_summary_, len(model.weeks_), model.current_weeks_
    components.key_message(key_messages.budget_drivers(summary, float(model.decomposition_["revenue"].sum()),
                                                       period=period, currency=money.currency()))
    st.plotly_chart(budget_charts.decomposition_area(model.decomposition_, model.channels_, period=period))
    shown = summary.assign(
        roas_range=[f"{a:.2f} – {b:.2f}" for a, b in zip(summary["roas_low"], summary["roas_high"], strict=True)],
        measured=summary["well_measured"].map({True: "well", False: "not sure"}),
    )
    euro_table(
        shown,
        "budget_channel_roas",
        {
            "channel": "Channel",
            "spend": f"Spend, {n_weeks} weeks ({money.code()})",
            "contribution": f"Revenue driven, {n_weeks} weeks ({money.code()})",
            "roas": "ROAS",
            "roas_range": "ROAS 90% band",
            "measured": "Measured",
            "mroas": "Marginal ROAS",
            "current_weekly_spend": f"Current spend ({money.code()}/week)",
        },
        euro=("spend", "contribution", "current_weekly_spend"),
        ratio=("roas", "mroas"),
        helps={
            "measured": measured_help(summary),
            "roas_range": "The model is 90% sure the ROAS lies in this range.",
            "mroas": f"Revenue of the next {money.code()} per week at the current weekly spend.",
            "current_weekly_spend": f"Average weekly spend over the last {recent} weeks.",
        },
        download=summary,
    )
    st.caption(
        f"{TERMS} Spend and revenue driven are totals over {period}; marginal ROAS is at the current weekly spend "
        f"(average of the last {recent} weeks). **Measured**: {measured_help(summary)}"
    )


def how_sure(model: MediaMixModel, *, period: str, tests_switched_off: bool = False) -> None:
    """Plain verdicts per channel, ROAS with its band; with lift tests, how each moved the ROAS and which were used."""
    components.key_message(key_messages.budget_certainty(model.channel_summary_))
    st.caption(f"How sure is each channel? A channel is well measured when its 90% ROAS band lies within about "
               f"±{HALF_BAND}% of its ROAS.")
    st.markdown("\n".join(f"- {line}" for line in report.channel_verdicts(model, money.currency())))
    if tests_switched_off:
        st.caption("Lift tests are switched off above: these figures come from the weekly data alone.")
    tests, used, shifts = model.experiments_, tests_used(model), report.test_shifts(model)
    left, right = st.columns(2)
    left.plotly_chart(budget_charts.roas_bars(model.channel_summary_, period=period))
    if len(shifts):
        right.plotly_chart(budget_charts.roas_shift_bars(shifts, tested=set(used["channel"]), period=period))
    else:
        right.caption(
            "A **lift test** measures one channel's extra revenue directly (e.g. by pausing its ads in some regions "
            "for a few weeks). The model takes it as one more measurement next to the weekly data, which narrows "
            "that channel's band. Add tests on the Data page (experiments table), or upload them with a weekly CSV."
        )
    if not len(tests):
        return
    shown = tests.assign(
        start=tests["start_week"].dt.strftime("%Y-%m-%d"),
        end=tests["end_week"].dt.strftime("%Y-%m-%d"),
        used_text=tests["used"].map({True: "yes", False: "no"}),
    )
    euro_table(
        shown,
        "budget_lift_tests",
        {
            "experiment_id": "Lift test",
            "channel": "Channel",
            "start": "First week",
            "end": "Last week",
            "incremental_revenue": f"Measured extra revenue, whole test ({money.code()})",
            "standard_error": f"Standard error ({money.code()})",
            "used_text": "Used",
            "reason": "Why not used",
        },
        euro=("incremental_revenue", "standard_error"),
        helps={
            "start": "Monday of the test's first week.",
            "end": "Monday of the test's last week (the test includes it).",
            "standard_error": "How far the test's own measurement may be off (one standard deviation).",
        },
        download=tests,
    )
    st.caption(
        f"{len(used)} of {len(tests)} lift tests used. The model treats each as one more measurement of the "
        "channel's revenue over the test's weeks, trusted according to its standard error."
    )


def band_metric(box: DeltaGenerator, *, revenue: float, low: float, high: float, what: str) -> None:
    """A metric card with the 90% band of ``revenue`` as ±% and its ends (EUR over ``what``)."""
    spread = (high - low) / 2 / revenue if revenue else float("nan")
    box.metric(
        "Uncertainty (90% band)",
        f"±{spread:.1%}",
        delta=f"{short_money(low, money.currency())} – {short_money(high, money.currency())}",
        delta_color="off",
        delta_arrow="off",
        border=True,
        help=f"Revenue {what}: {low:,.0f} to {high:,.0f} {money.code()}, the 5th to 95th percentile of the model's fits. "
        "It covers the uncertainty of the curves, baseline and channel effects, not week-to-week noise.",
    )


def euro_table(
    df: pd.DataFrame,
    name: str,
    labels: Mapping[str, str],
    *,
    euro: Sequence[str] = (),
    ratio: Sequence[str] = (),
    helps: Mapping[str, str] | None = None,
    download: pd.DataFrame | None = None,
) -> None:
    """A table of whole amounts (the database's currency) and two-decimal ratios with header help, then its CSV download.

    Like :func:`dashboard.components.table`, but amounts show without cents (so wide tables fit the
    page) and headers may carry a help text.  ``download`` (default ``df``) is what the CSV holds.
    """
    helps = dict(helps or {})
    config = {}
    for col, label in labels.items():
        if col in euro or col in ratio:
            number = {"format": money.currency().printf(whole=True), "step": 1} if col in euro else {"format": "%.2f"}
            config[col] = st.column_config.NumberColumn(label, help=helps.get(col), **number)
        else:
            config[col] = st.column_config.Column(label, help=helps.get(col))
    # Rounded here: the display would cut the cents off (789.96 -> 789), not round them.
    shown = df.assign(**{c: df[c].round(0) for c in euro if c in df})
    st.dataframe(shown, column_order=list(labels), column_config=config, hide_index=True, placeholder="–")
    components.download_csv(df if download is None else download, name)
