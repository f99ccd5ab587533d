"""Data-driven attribution by Shapley values over channel sets (coalitions), exact up to 12 channels.

The value of a coalition ``S`` of channels is the orders expected if only the channels in ``S``
had touched: every path keeps its channels that are in ``S`` and converts at the rate observed
for paths with exactly that channel set (so ``v(all channels)`` is the orders observed and
``v(no channel) = 0``). A channel's Shapley value is its mean marginal gain ``v(S + j) - v(S)``
over all orders of joining; the values add up to the orders observed. A channel set seen on
fewer than :data:`MIN_PATHS` paths borrows the pooled rate of the paths whose sets lie inside
it, so rare sets do not swing the result.

Exact computation visits all ``2**C`` coalitions; above :data:`MAX_CHANNELS` channels it is
skipped (:class:`ShapleySkipped` with the reason), it is not approximated.
"""

from __future__ import annotations

import math

import numpy as np

from core.attribution.paths import Paths

MAX_CHANNELS = 12
"""2**12 = 4,096 coalitions: exact values stay well under a second."""
MIN_PATHS = 30
"""A channel set needs this many paths for its own conversion rate."""


class ShapleySkipped(ValueError):
    """Too many channels for exact Shapley values; the message says how many."""


def path_sets(paths: Paths) -> np.ndarray:
    """Bit mask of the distinct channels of each path (bit j = channel j)."""
    return paths.path_mask


def subset_sums(values: np.ndarray, n_channels: int) -> np.ndarray:
    """For every mask U, the sum of ``values[T]`` over the masks T inside U (zeta transform)."""
    out = values.astype(float).copy()
    masks = np.arange(len(out))
    for b in range(n_channels):  # a loop over channels, each step vectorised over masks
        has = (masks >> b) & 1 == 1
        out[has] += out[masks[has] ^ (1 << b)]
    return out


def coalition_values(paths: Paths, min_paths: int = MIN_PATHS) -> np.ndarray:
    """v(S) for every coalition mask S (see the module docstring)."""
    c = len(paths.channels)
    size = 1 << c
    sets = path_sets(paths)
    n = np.bincount(sets, minlength=size).astype(float)
    conv = np.bincount(sets, weights=paths.path_converted.astype(float), minlength=size)
    pooled_n, pooled_conv = subset_sums(n, c), subset_sums(conv, c)
    pooled = np.divide(pooled_conv, pooled_n, out=np.zeros(size), where=pooled_n > 0)
    exact = np.divide(conv, n, out=np.zeros(size), where=n > 0)
    rate = np.where(n >= min_paths, exact, pooled)
    rate[0] = 0.0  # no channel, no touch: the paths only exist because of touches
    observed = np.flatnonzero(n)
    values = np.empty(size)
    masks = np.arange(size)
    for lo in range(0, size, 512):  # chunks keep the (sets x coalitions) table small
        s = masks[lo:lo + 512]
        values[lo:lo + 512] = (n[observed, None] * rate[observed[:, None] & s[None, :]]).sum(axis=0)
    return values


def shapley_scores(paths: Paths, max_channels: int = MAX_CHANNELS, min_paths: int = MIN_PATHS) -> np.ndarray:
    """Shapley value (orders) of each channel of ``paths``.

    Raises
    ------
    ShapleySkipped
        More than ``max_channels`` channels.
    """
    c = len(paths.channels)
    if c > max_channels:
        raise ShapleySkipped(f"Shapley values were skipped: {c} touch channels is more than {max_channels}, "
                             f"and exact values need all 2^{c} channel sets.")
    v = coalition_values(paths, min_paths)
    masks = np.arange(1 << c)
    size = np.array([bin(m).count("1") for m in range(1 << c)])  # channels in each coalition
    weight = np.array([math.factorial(k) * math.factorial(c - k - 1) / math.factorial(c) for k in range(c)])
    phi = np.empty(c)
    for j in range(c):  # a loop over channels
        without = masks[(masks >> j) & 1 == 0]
        phi[j] = (weight[size[without]] * (v[without | (1 << j)] - v[without])).sum()
    return phi
