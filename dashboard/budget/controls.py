"""State of the Budget simulator's what-if sliders: steps, snapping and the shared link.

No widgets here: the page draws them.  Keeping the arithmetic in one place means the
link, the optimiser's "try this split" and the total slider all round a budget the same way.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.mmm.model import MediaMixModel

SPEND_PREFIX = "budget_spend_"
"""Session-state key prefix of the per-channel weekly spend sliders."""
TOTAL = "budget_total"
"""Session-state key of the total weekly budget slider."""
WEEKS = "budget_weeks_input"
"""Session-state key of the what-if's planning period (weeks)."""
MODEL = "budget_model"
"""Session-state key: fingerprint of the model the plans were made with."""
DATA = "budget_data"
"""Session-state key: fingerprint of the data the budgets and the optimiser's total were made for."""
LINK_READ = "budget_url_read"
"""Session-state key: the link's budgets were read (once per session)."""
KEPT = "budget_what_if_kept"
"""Session-state key: the what-if's budgets and weeks as last drawn. Streamlit drops the state of widgets it
does not draw, so while another section is open the sliders are put back from here."""
SECTION = "budget_section"
"""Session and URL key of the open section (tab) of the page."""
SECTIONS = ("What if", "Model quality", "What drives revenue", "How sure", "Optimiser", "Plan the next weeks")
"""The page's sections (tabs), in order; only the open one runs. The first, the what-if, opens on a first visit."""
WHAT_IF = SECTIONS[0]
SLIDER_FLOOR = 100.0
"""Smallest slider maximum (EUR per week), so a channel with no current spend can still be tried."""


def slider_step(top: float) -> int:
    """A round slider step (1, 2 or 5 × a power of ten) giving about 200 positions up to ``top``."""
    raw = max(top / 200, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    return int(next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw))


@dataclass(frozen=True)
class SliderGrid:
    """Step and maximum of every channel's weekly-spend slider (EUR per week).

    Attributes
    ----------
    steps, maxima : dict of str to int
        Per channel; each maximum is a whole number of steps.
    """

    steps: dict[str, int]
    maxima: dict[str, int]

    def snap(self, channel: str, value: float) -> int:
        """``value`` (EUR per week, finite) rounded to the channel's step and kept on the slider."""
        step = self.steps[channel]
        return int(min(max(round(value / step) * step, 0), self.maxima[channel]))

    def snap_all(self, values: Mapping[str, float]) -> dict[str, int]:
        """:meth:`snap` for every channel in ``values``."""
        return {c: self.snap(c, v) for c, v in values.items()}


def slider_grid(current: Mapping[str, float], *, multiple: float) -> SliderGrid:
    """Sliders from 0 to ``multiple`` × current weekly spend (at least :data:`SLIDER_FLOOR`).

    Parameters
    ----------
    current : mapping of str to float
        Current weekly spend per channel (EUR).
    multiple : float
        Slider maximum as a multiple of the current spend, rounded up to a whole step.
    """
    tops = {c: max(multiple * v, SLIDER_FLOOR) for c, v in current.items()}
    steps = {c: slider_step(t) for c, t in tops.items()}
    return SliderGrid(steps, {c: int(math.ceil(tops[c] / steps[c]) * steps[c]) for c in tops})


def parse_shared(text: str, channels: Iterable[str]) -> dict[str, float]:
    """Weekly budgets from a link's ``channel:EUR,channel:EUR`` text.

    Unknown channels and amounts that are not finite numbers of at least 0 are left out
    (that channel keeps its current spend): a hand-edited link must never break the page.

    Examples
    --------
    >>> parse_shared("search:2000,tv:nan,radio:5,social:-1,email:x", ["search", "tv", "social", "email"])
    {'search': 2000.0}
    """
    known = set(channels)
    wanted: dict[str, float] = {}
    for part in text.split(","):
        name, _, value = part.partition(":")
        name = name.strip()
        try:
            amount = float(value)
        except ValueError:
            continue
        if name in known and math.isfinite(amount) and amount >= 0:
            wanted[name] = amount
    return wanted


def parse_weeks(text: str, *, default: int = 4, longest: int = 52) -> int:
    """The planning period from a link: a whole number of weeks kept within 1..``longest``.

    Examples
    --------
    >>> parse_weeks("8"), parse_weeks("400"), parse_weeks("soon")
    (8, 52, 4)
    """
    try:
        return min(max(int(text), 1), longest)
    except ValueError:
        return default


def next_scenario_name(saved: Mapping[str, object]) -> str:
    """``"Scenario N"`` for the next scenario, skipping names already saved (the user may have typed one)."""
    n = len(saved) + 1
    while f"Scenario {n}" in saved:
        n += 1
    return f"Scenario {n}"


def spend_key(channel: str) -> str:
    """Session-state key of ``channel``'s weekly spend slider."""
    return f"{SPEND_PREFIX}{channel}"


def set_channels(state: MutableMapping[str, Any], grid: SliderGrid, values: Mapping[str, float]) -> None:
    """Put ``values`` (EUR per week) on the channel sliders, snapped, and the total with them."""
    for c, v in values.items():
        state[spend_key(c)] = grid.snap(c, v)
    sync_total(state, grid.steps)


def sync_total(state: MutableMapping[str, Any], channels: Iterable[str]) -> None:
    """Set the total slider to the sum of the channel sliders."""
    state[TOTAL] = int(sum(state[spend_key(c)] for c in channels))


def scale_channels(state: MutableMapping[str, Any], grid: SliderGrid) -> None:
    """Scale every channel to the total slider's new value, keeping their shares.

    The channels are snapped to their steps and maxima, so the total is then set to what
    they add up to: the two sliders never disagree.
    """
    channels = list(grid.steps)
    old = sum(state[spend_key(c)] for c in channels)
    new = state[TOTAL]
    shares = {c: state[spend_key(c)] / old if old > 0 else 1 / len(channels) for c in channels}
    set_channels(state, grid, {c: shares[c] * new for c in channels})


def forget_budgets(state: MutableMapping[str, Any]) -> None:
    """Drop every channel slider's value (they are re-initialised from the current spend)."""
    for key in [k for k in state if str(k).startswith(SPEND_PREFIX)]:
        del state[key]
    state.pop(TOTAL, None)
    state.pop(KEPT, None)


def keep(state: MutableMapping[str, Any], channels: Iterable[str]) -> None:
    """Remember the sliders' budgets and weeks (:data:`KEPT`), so another section's visit does not reset them."""
    state[KEPT] = {"spend": {c: state[spend_key(c)] for c in channels}, "weeks": state[WEEKS]}


def model_token(model: MediaMixModel) -> str:
    """A fingerprint of a fitted model: equal tokens mean the same channels, weeks and curves.

    The page keeps it in the session: when the data behind the model change (a regenerated
    database, another CSV), budgets and plans made for the old model are dropped.
    """
    digest = hashlib.sha256(repr((tuple(model.channels_), str(model.weeks_[0]), str(model.weeks_[-1]))).encode())
    for values in (model.current_spend_, model.coef_, model.decay_, model.half_saturation_, model.shape_):
        digest.update(np.ascontiguousarray(values, dtype=float).tobytes())
    digest.update(repr(float(model.base_level_)).encode())
    return digest.hexdigest()[:16]


def data_token(model: MediaMixModel) -> str:
    """A fingerprint of the data behind a model: channels, weeks and current weekly spend.

    Unlike :func:`model_token` it stays the same when only the lift tests change, so budgets
    typed in the sliders survive switching the tests on or off.
    """
    digest = hashlib.sha256(repr((tuple(model.channels_), str(model.weeks_[0]), str(model.weeks_[-1]))).encode())
    digest.update(np.ascontiguousarray(model.current_spend_, dtype=float).tobytes())
    return digest.hexdigest()[:16]


def follow_model(
    state: MutableMapping[str, Any], model: MediaMixModel, token: str, *, plans: Iterable[str], totals: Iterable[str]
) -> None:
    """Forget what was made for another model: the ``plans`` keys, and for new data the budgets and ``totals``.

    New data (a regenerated database, another CSV or columns) resets the sliders and totals;
    switching the lift tests on or off keeps them (same weeks and current spend), so only the
    plans go.  ``token`` is :func:`model_token` of ``model``.
    """
    if state.get(MODEL) == token:
        return
    for stale in plans:
        state.pop(stale, None)
    if state.get(DATA) != (data := data_token(model)):
        forget_budgets(state)
        for key in totals:
            state.pop(key, None)
        state[DATA] = data
    state[MODEL] = token


def read_link(
    state: MutableMapping[str, Any],
    query: Mapping[str, str],
    grid: SliderGrid,
    current: Mapping[str, float],
    *,
    spend_param: str,
    weeks_param: str,
) -> None:
    """Set the sliders from the link (``query``: ``st.query_params``) once per session; later, put back dropped ones.

    A hand-edited link may hold anything: :func:`parse_shared` keeps finite amounts of at
    least 0 only, and a channel it leaves out keeps its current spend.  Sliders Streamlit
    dropped (not drawn while another section or page was open) come back as last drawn
    (:func:`keep`), else at the current spend.
    """
    if not state.get(LINK_READ):
        shared = parse_shared(query.get(spend_param, ""), current)
        set_channels(state, grid, {c: shared.get(c, v) for c, v in current.items()})
        state[WEEKS] = parse_weeks(query.get(weeks_param, ""))
        state[LINK_READ] = True
        return
    kept = state.get(KEPT) or {}
    if not all(spend_key(c) in state for c in current):
        spend = kept.get("spend", {})
        set_channels(state, grid, {c: spend.get(c, v) for c, v in current.items()})
    if WEEKS not in state:
        state[WEEKS] = kept.get("weeks") or parse_weeks(query.get(weeks_param, ""))
