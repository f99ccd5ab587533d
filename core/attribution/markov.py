"""Data-driven attribution by a first-order Markov chain and each channel's removal effect.

The chain's states are *start*, one per channel, *conversion* and *null* (the path ended without
an order). Transition counts come from every path — converting and not — in one
``scipy.sparse`` matrix. The probability of reaching *conversion* from *start* is the absorbing
chain's solution of ``(I - Q) x = r`` (``Q``: transitions between start and channel states,
``r``: into conversion). A channel's **removal effect** is the share of that probability lost
when the channel is removed (every visit to it ends the path, as a move to *null*): solved
exactly, no simulation. ChannelAttribution (GPL-3) is not used.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from core.attribution.paths import Paths


@dataclass(frozen=True)
class MarkovChain:
    """Transition counts and probabilities; state 0 = start, 1..C = channels, C+1 = conversion, C+2 = null."""

    counts: sp.csr_matrix
    channels: tuple[str, ...]

    @property
    def n_channels(self) -> int:
        return len(self.channels)

    def probabilities(self) -> sp.csr_matrix:
        """Row-normalised transitions (rows without any transition stay zero)."""
        out = np.asarray(self.counts.sum(axis=1)).ravel()
        scale = np.divide(1.0, out, out=np.zeros_like(out, dtype=float), where=out > 0)
        return sp.diags(scale) @ self.counts


def transition_counts(paths: Paths) -> MarkovChain:
    """Count start -> first channel, channel -> next channel and last channel -> conversion/null moves."""
    c = len(paths.channels)
    n = c + 3
    state = paths.touch_channel + 1
    # Each touch is the target of one move (from start or from the touch before) and, when it
    # is its path's last, the source of the move to conversion or null.
    source = np.empty_like(state)
    if len(state):
        source[0] = 0
        source[1:] = state[:-1]
    # First and last touches from the path offsets (one per path, not a test per touch).
    full = paths.path_length > 0
    source[paths.path_start[:-1][full]] = 0
    last = paths.path_start[1:][full] - 1
    ends = np.where(paths.path_converted[full], c + 1, c + 2)
    # bincount of the flat (from, to) index: faster than letting COO sum millions of duplicates
    source *= n
    source += state
    flat = (np.bincount(source, minlength=n * n)
            + np.bincount(state[last] * n + ends, minlength=n * n))
    counts = sp.csr_matrix(flat.reshape(n, n).astype(float))
    return MarkovChain(counts, paths.channels)


def conversion_probability(chain: MarkovChain, removed: int | None = None) -> float:
    """P(reach conversion from start), optionally with channel index ``removed`` taken out.

    The transient states are start and the channels; removing a channel drops its row and
    column, so the probability flowing into it is lost (it goes to null).
    """
    c = chain.n_channels
    p = chain.probabilities().toarray()  # (C + 3)^2 numbers: dense is the fast way for ~10 channels
    keep = np.array([i for i in range(c + 1) if removed is None or i != removed + 1])
    q = p[np.ix_(keep, keep)]
    r = p[keep, c + 1]
    x = np.linalg.solve(np.eye(len(keep)) - q, r)
    return float(x[0])


def removal_effects(chain: MarkovChain) -> np.ndarray:
    """Per channel: 1 - P(conversion without it) / P(conversion) (0 when nothing converts)."""
    base = conversion_probability(chain)
    if base <= 0:
        return np.zeros(chain.n_channels)
    without = np.array([conversion_probability(chain, j) for j in range(chain.n_channels)])  # loop over channels
    return np.clip(1.0 - without / base, 0.0, None)


def markov_scores(paths: Paths) -> np.ndarray:
    """Removal effect of each channel of ``paths`` (all paths, converting and not)."""
    if paths.n_paths == 0:
        return np.zeros(len(paths.channels))
    return removal_effects(transition_counts(paths))
