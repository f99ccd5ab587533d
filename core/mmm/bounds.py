"""Where each channel's spend may go: bounds from the CLI's text or the page's % range, checked
against the total, and the projection of a split onto them."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
from scipy.optimize import brentq

from core.errors import OmnimixError
from core.mmm.model import MAX_SPEND_MULTIPLE, MediaMixModel

Bounds = Mapping[str, tuple[float, float]]

MAX_CHANGE_PCT = round((MAX_SPEND_MULTIPLE - 1) * 100)
"""Largest allowed increase per channel on the page (% of current spend), where sliders and curves end."""

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)%?"  # 500, 1.5, .5, -20%, +30% (not 1.2.3)
_BOUND = re.compile(rf"^\s*([^=]+?)\s*=\s*({_NUMBER})\s*:\s*({_NUMBER})\s*$")


def parse_bounds(specs: Sequence[str], model: MediaMixModel) -> dict[str, tuple[float, float]]:
    """Parse ``channel=LO:HI`` texts into absolute weekly EUR bounds.

    ``LO``/``HI`` are EUR per week (``search=500:2000``) or a percentage change from the
    channel's current weekly spend (``search=-20%:+30%``).

    Examples
    --------
    ``["tv=0:5000", "search=-10%:+50%"]`` -> ``{"tv": (0, 5000), "search": (0.9 * cur, 1.5 * cur)}``
    """
    current = dict(zip(model.channels_, model.current_spend_, strict=True))
    out: dict[str, tuple[float, float]] = {}
    for spec in specs:
        match = _BOUND.match(spec)
        if not match:
            raise OmnimixError(f"Bound {spec!r} is not CHANNEL=LO:HI (e.g. search=500:2000 or search=-20%:+30%).")
        channel, lo, hi = match.groups()
        if channel not in current:
            raise OmnimixError(
                f"Bound {spec!r}: unknown channel {channel!r}; the channels are: {', '.join(model.channels_)}."
            )
        out[channel] = (_amount(lo, current[channel]), _amount(hi, current[channel]))
    return out


def _amount(text: str, current: float) -> float:
    return _changed(current, float(text[:-1])) if text.endswith("%") else float(text)


def _changed(current: float, pct: float) -> float:
    return max(0.0, current * (1 + pct / 100))


def bounds_from_change(current: Mapping[str, float], low_pct: float, high_pct: float) -> dict[str, tuple[float, float]]:
    """Weekly EUR bounds per channel from an allowed change in % of its current weekly spend.

    The same rule as ``channel=-20%:+30%`` in :func:`parse_bounds`, for every channel at once.

    Examples
    --------
    >>> bounds_from_change({"search": 1000.0, "tv": 0.0}, -50, 50)
    {'search': (500.0, 1500.0), 'tv': (0.0, 0.0)}
    """
    return {c: (_changed(v, low_pct), _changed(v, high_pct)) for c, v in current.items()}


def bounds_arrays(model: MediaMixModel, bounds: Bounds | None, total: float,
                  currency: str = "EUR") -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper weekly spend per channel (unbounded channels: 0 to ``total``); messages name ``currency``."""
    bounds = dict(bounds or {})
    unknown = sorted(set(bounds) - set(model.channels_))
    if unknown:
        raise OmnimixError(
            f"Bounds name unknown channel {unknown[0]!r}; the channels are: {', '.join(model.channels_)}."
        )
    lo = np.array([float(bounds.get(c, (0.0, total))[0]) for c in model.channels_])
    hi = np.array([float(bounds.get(c, (0.0, total))[1]) for c in model.channels_])
    for c, a, b in zip(model.channels_, lo, hi, strict=True):
        if a < 0 or not np.isfinite(a) or not np.isfinite(b):
            raise OmnimixError(f"Bounds of {c!r} must be finite amounts of at least 0 {currency} per week "
                               f"(got {a:g}:{b:g}).")
        if a > b:
            raise OmnimixError(f"The lower bound of {c!r} ({a:,.0f} {currency}) is above its upper bound "
                               f"({b:,.0f} {currency}).")
    return lo, hi


def check_feasible(lo: np.ndarray, hi: np.ndarray, total: float, currency: str = "EUR") -> None:
    """Raise a message naming the broken side when no split of ``total`` fits the bounds (amounts in ``currency``)."""
    if total < 0 or not np.isfinite(total):
        raise OmnimixError(f"The total budget must be a finite amount of at least 0 {currency} per week (got {total:g}).")
    if lo.sum() > total * (1 + 1e-9) + 1e-6:
        raise OmnimixError(
            f"Infeasible bounds: the lower bounds add up to {lo.sum():,.0f} {currency} per week, above the total of "
            f"{total:,.0f} {currency}. Lower some minimums or raise the total."
        )
    if hi.sum() < total * (1 - 1e-9) - 1e-6:
        raise OmnimixError(
            f"Infeasible bounds: the upper bounds add up to {hi.sum():,.0f} {currency} per week, below the total of "
            f"{total:,.0f} {currency}. Raise some maximums or lower the total."
        )


def project(shares: np.ndarray, lo: np.ndarray, hi: np.ndarray, total: float) -> np.ndarray:
    """The split ``clip(t * shares, lo, hi)`` that adds up to ``total``.

    The sum is continuous and non-decreasing in ``t``, so ``t`` is the root of
    ``sum - total`` on ``[0, b]`` (``b`` doubled until the sum reaches the total), found with
    :func:`scipy.optimize.brentq`.  When the lower bounds alone reach the total the split is
    the lower bounds; when the upper bounds cannot reach it, the upper bounds.
    """
    s = np.where(shares > 0, shares, 0.0)
    s = s / s.sum() if s.sum() > 0 else np.full(len(lo), 1 / len(lo))
    s = np.maximum(s, 1e-9)  # channels with no current share can still take up slack

    def excess(t: float) -> float:
        return float(np.clip(t * s, lo, hi).sum() - total)

    if excess(0.0) >= 0:
        return np.clip(0.0 * s, lo, hi)
    b = 1.0
    while excess(b) < 0 and b < 1e15:
        b *= 2
    if excess(b) < 0:
        return np.clip(b * s, lo, hi)
    return np.clip(brentq(excess, 0.0, b, xtol=1e-12, rtol=4 * np.finfo(float).eps) * s, lo, hi)
