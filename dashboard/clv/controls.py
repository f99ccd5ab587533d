"""The Customer value page's controls kept in the URL, so a shared link opens the same horizon, discount and holdout."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

HORIZONS = (13, 26, 52, 104)
"""Horizon choices, weeks."""

HOLDOUTS = (12, 26, 52)
"""Holdout choices, weeks."""

DISCOUNT_RANGE = (0.0, 5.0)
"""Monthly discount rate range of the control, %."""

URL_PARAMS = {"clv_horizon": "clv_h", "clv_discount": "clv_disc", "clv_holdout": "clv_hold"}
"""Session-state key → query parameter."""


def _from_url(param: str, allowed: Sequence[float] | None, bounds: tuple[float, float] | None) -> float | None:
    raw = st.query_params.get(param)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    if allowed is not None and value not in allowed:
        return None
    if bounds is not None and not bounds[0] <= value <= bounds[1]:
        return None
    return value


def init(key: str, default: float, *, allowed: Sequence[float] | None = None,
         bounds: tuple[float, float] | None = None) -> None:
    """Set ``key`` once per session: from the URL when it holds a valid value, else ``default``."""
    if key in st.session_state:
        if allowed is not None and st.session_state[key] not in allowed:
            st.session_state[key] = default
        return
    value = _from_url(URL_PARAMS[key], allowed, bounds)
    st.session_state[key] = default if value is None else type(default)(value)


def mirror(key: str, default: float) -> None:
    """Write ``key``'s value to the URL (removed when it is the default, so plain links stay short)."""
    param, value = URL_PARAMS[key], st.session_state.get(key, default)
    if value == default:
        st.query_params.pop(param, None)
    elif st.query_params.get(param) != str(value):
        st.query_params[param] = str(value)


def holdout_choices(history_days: int) -> tuple[int, ...]:
    """The holdouts that leave at least twice their length of history before them (none for a short history:
    the core then picks a shorter holdout or none)."""
    return tuple(w for w in HOLDOUTS if 3 * 7 * w <= history_days)
