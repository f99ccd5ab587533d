"""Argument checks shared by the recommenders, the metrics and the evaluation."""

from __future__ import annotations

import numpy as np

from core.errors import OmnimixError


def check_positive_int(value: object, what: str) -> int:
    """``value`` as a positive ``int``, else an :class:`OmnimixError` naming ``what``.

    Booleans are refused although they are ints: ``k=True`` is a mistake, not a list length.

    Parameters
    ----------
    value : object
    what : str
        The argument as the user knows it, e.g. ``"k"`` or ``"n (number of recommendations)"``.

    Returns
    -------
    int
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise OmnimixError(f"{what} must be a positive whole number, got {value!r}.")
    return int(value)
