"""From per-touch weights (or per-channel scores) to orders, revenue and customers per channel."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.attribution.paths import Paths


def spread_scores(paths: Paths, scores: np.ndarray) -> np.ndarray:
    """Per-touch weights sharing each path's order among its channels in proportion to ``scores``.

    Each distinct channel of a path gets ``score / sum of the path's channel scores`` (negative
    scores count as 0), split equally between that channel's touches in the path; a path whose
    channels all score 0 is shared equally between its touches (linear), so no order is lost.
    This is how the data-driven models credit orders and revenue path by path.
    """
    raw = np.clip(scores, 0.0, None)[paths.touch_channel] / paths.touch_repeats
    total = np.bincount(paths.touch_path, weights=raw, minlength=len(paths.path_start) - 1)[paths.touch_path]
    return np.where(total > 0, raw / np.where(total > 0, total, 1.0), 1.0 / paths.touch_length)


def channel_customers(paths: Paths) -> np.ndarray:
    """Distinct customers with at least one touch of each channel in ``paths``.

    A customer's paths are contiguous (:class:`Paths`), so one bit mask of channels per
    customer (OR over the customer's touches) counts them without sorting.
    """
    c = len(paths.channels)
    if len(paths.touch_channel) == 0:
        return np.zeros(c, dtype=np.int64)
    customer = paths.path_customer[paths.touch_path]
    firsts = np.flatnonzero(np.r_[True, customer[1:] != customer[:-1]])
    masks = np.bitwise_or.reduceat(np.left_shift(np.int64(1), paths.touch_channel), firsts)
    return np.array([int(((masks >> j) & 1).sum()) for j in range(c)], dtype=np.int64)


def credit_table(paths: Paths, weights: np.ndarray, customers: np.ndarray | None = None) -> pd.DataFrame:
    """Orders and revenue per channel from per-touch ``weights`` of the converting ``paths``.

    ``customers`` (:func:`channel_customers`) can be passed in when several models share the paths.

    Returns
    -------
    DataFrame with channel, orders, revenue, order_share, revenue_share, customers (distinct
    customers on the converting paths touching the channel, for the privacy rule).
    """
    c = len(paths.channels)
    orders = np.bincount(paths.touch_channel, weights=weights, minlength=c)
    revenue = np.bincount(paths.touch_channel, weights=weights * paths.touch_revenue, minlength=c)
    total_orders, total_revenue = orders.sum(), revenue.sum()
    return pd.DataFrame({
        "channel": list(paths.channels),
        "orders": orders,
        "revenue": revenue,
        "order_share": orders / total_orders if total_orders > 0 else np.zeros(c),
        "revenue_share": revenue / total_revenue if total_revenue > 0 else np.zeros(c),
        "customers": channel_customers(paths) if customers is None else customers,
    })
