"""Plain-language readings of a fitted model: how sure it is, and what the lift tests changed.

The page and ``omnimix budget fit`` print the same sentences, so a manager reads the same
verdict wherever they look.
"""

from __future__ import annotations

import pandas as pd

from core.mmm.model import MediaMixModel
from core.mmm.summary import WELL_MEASURED_WIDTH
from core.settings import Currency
from core.settings import currency as as_currency


def channel_verdicts(model: MediaMixModel, currency: Currency | str | None = None) -> list[str]:
    """Sentences: well-measured channels, "not sure" ones, the best next lift test, tests used (amounts in ``currency``)."""
    currency = as_currency(currency)
    summary = model.channel_summary_
    well = summary.loc[summary["well_measured"], "channel"].tolist()
    unsure = summary.loc[~summary["well_measured"], "channel"].tolist()
    half = round(WELL_MEASURED_WIDTH * 50)
    lines = []
    if well:
        lines.append(f"Well measured (90% band within about ±{half}% of the ROAS): {', '.join(well)}.")
    always = summary.loc[summary["always_on"], "channel"].tolist()
    wide = [c for c in unsure if c not in always]
    if wide:
        lines.append(
            f"Not sure (wide band: the data fit a range of ROAS): {', '.join(wide)}. "
            "Treat their ROAS as a range, not a number."
        )
    if always:
        lines.append(
            f"Not sure (never paused): {', '.join(always)}. Spend never dropped near zero, so what these channels "
            "earn in total is an extrapolation of their curve; a pause or a lift test would measure it."
        )
    if unsure:
        best = summary.loc[~summary["well_measured"]].sort_values("test_value", ascending=False).iloc[0]
        lines.append(
            f"A lift test would help most on {best.channel}: its ROAS band spans about "
            f"{currency.whole(best.test_value)} of revenue a year at current spend."
        )
    lines += experiment_lines(model, currency)
    return lines


def experiment_lines(model: MediaMixModel, currency: Currency | str | None = None) -> list[str]:
    """One sentence per lift test: used or why not, and how its channel's ROAS moved (amounts in ``currency``)."""
    money = as_currency(currency)
    tests = model.experiments_
    if tests.empty:
        return ["No lift tests: estimates come from the weekly data alone."]
    summary = model.channel_summary_.set_index("channel")
    lines = []
    for t in tests.itertuples(index=False):
        when = f"{pd.Timestamp(t.start_week):%Y-%m-%d} to {pd.Timestamp(t.end_week):%Y-%m-%d}"
        if not t.used:
            lines.append(f"Lift test {t.experiment_id} ({t.channel}, {when}) not used: {t.reason}.")
            continue
        row = summary.loc[t.channel]
        lines.append(
            f"Lift test {t.experiment_id} ({t.channel}, {when}: {money.whole(t.incremental_revenue)} ± "
            f"{money.whole(t.standard_error)}) used: ROAS {row.roas_without_tests:.2f} "
            f"({row.roas_low_without_tests:.2f}-{row.roas_high_without_tests:.2f}) without tests, "
            f"{row.roas:.2f} ({row.roas_low:.2f}-{row.roas_high:.2f}) with."
        )
    return lines


def test_shifts(model: MediaMixModel) -> pd.DataFrame:
    """Per channel: ROAS and band without and with the lift tests (empty without tests)."""
    summary = model.channel_summary_
    if "roas_without_tests" not in summary:
        return pd.DataFrame()
    without = ["roas_without_tests", "roas_low_without_tests", "roas_high_without_tests"]
    return summary[["channel", *without, "roas", "roas_low", "roas_high"]].copy()
