"""Rule-based attribution: fixed rules that share each order among the touches of its path.

Every model has one signature, ``model(paths, **params) -> weights``: ``paths`` are the
converting paths (:meth:`core.attribution.paths.Paths.converting`) and ``weights`` one number
per touch, each path's weights adding up to 1. :func:`core.attribution.credit.credit` turns
weights into orders and revenue per channel. All rules are vectorised over touches.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from core.attribution.paths import Paths

DIRECT_CHANNELS = frozenset({"direct", "(direct)"})
"""Channel names meaning "came to the shop directly" (typed the address, bookmark). The standard
Omnimix channel list has none — every touch has a source — so on such data last non-direct
click is last click; it differs on loaded GA4 exports that have a ``direct`` channel."""

DEFAULT_HALF_LIFE_DAYS = 7.0
POSITION_ENDS = 0.4
"""Position-based: share of the first and of the last touch each (40/20/40)."""


def _is_last(paths: Paths) -> np.ndarray:
    return paths.touch_position == paths.touch_length - 1


def last_click(paths: Paths) -> np.ndarray:
    """All credit to the last touch before the order."""
    return _is_last(paths).astype(float)


def first_click(paths: Paths) -> np.ndarray:
    """All credit to the first touch of the path."""
    return (paths.touch_position == 0).astype(float)


def linear(paths: Paths) -> np.ndarray:
    """Equal credit to every touch of the path."""
    return 1.0 / paths.touch_length


def last_non_direct(paths: Paths, direct: frozenset[str] = DIRECT_CHANNELS) -> np.ndarray:
    """All credit to the last touch that is not a direct visit; the last touch when all are direct."""
    is_direct = np.isin(paths.touch_channel, [i for i, c in enumerate(paths.channels) if c.lower() in direct])
    if len(is_direct) == 0:
        return np.zeros(0)
    # Position of the last non-direct touch per path (-1 if none), by a maximum over the path.
    candidate = np.where(is_direct, -1, paths.touch_position)
    best = np.maximum.reduceat(candidate, paths.path_start[:-1])
    best = np.where(best < 0, paths.path_length - 1, best)
    return (paths.touch_position == best[paths.touch_path]).astype(float)


def time_decay(paths: Paths, half_life_days: float = DEFAULT_HALF_LIFE_DAYS) -> np.ndarray:
    """Credit halving for every ``half_life_days`` a touch is before the order, normalised per path."""
    if not half_life_days > 0:
        raise ValueError(f"half_life_days must be positive, got {half_life_days}")
    raw = np.exp2(-paths.touch_days_before / half_life_days)
    total = np.bincount(paths.touch_path, weights=raw, minlength=len(paths.path_start) - 1)
    return raw / total[paths.touch_path]


def position_based(paths: Paths, ends: float = POSITION_ENDS) -> np.ndarray:
    """40% to the first touch, 40% to the last, 20% shared by the ones between.

    A one-touch path gives it 100%, a two-touch path 50/50 (nothing lies between).
    """
    # Per path, then spread: one gather over touches and two writes per path, not several
    # full passes over the touches.
    n = paths.path_length
    weights = ((1.0 - 2 * ends) / np.maximum(n - 2, 1))[paths.touch_path]
    end = np.where(n == 1, 1.0, np.where(n == 2, 0.5, ends))
    full = n > 0
    weights[paths.path_start[:-1][full]] = end[full]
    weights[paths.path_start[1:][full] - 1] = end[full]
    return weights


RULE_MODELS: dict[str, Callable[..., np.ndarray]] = {
    "last_click": last_click,
    "last_non_direct": last_non_direct,
    "first_click": first_click,
    "linear": linear,
    "time_decay": time_decay,
    "position_based": position_based,
}
"""Model name -> rule, in the order shown."""
