"""Marketing touchpoints before orders, drawn from a purchase-chance model whose truth is known.

The model
---------
A *journey* is a customer's window of at most ``LOOKBACK_DAYS`` (30) days before a moment
the customer may order. Its touch set ``S`` (visits and contacts, each with a channel,
campaign and time) raises the chance the journey ends in an order by noisy-OR:

    P(order | S) = 1 - (1 - p0[persona]) × Π_{t in S} (1 - lift_t)

with ``lift_t = TYPE_LIFT[type]`` for paid touches, × ``THEME_AFFINITY[persona, theme]`` when
the campaign has a content theme (email, social, display prospecting), and
``GROUP_LIFT[keyword group]`` for organic search visits.

Prior of ``S`` (``P(S)``, what marketing exposes a customer to): per touch type a Poisson
count with rate ``TYPE_RATE × PERSONA_RATE[persona] × min(spend in the week the journey ends / mean spend, 2.5)
× window days / 30`` (organic: the pages' total traffic weight instead of spend). Brand search
and email come second: a journey with a TV exposure or a social touch has ``MOVED_BOOST`` (5×
brand search, 2.5× email) their rate -- customers TV and social moved search for the brand and
open emails. Touch times are uniform in the window, except brand search (``end - len·u⁴``)
and email (``end - len·u³``), which come late, so last click over-credits them. A touch that
falls in a week its channel does not spend is dropped (no campaign runs). TV has no clicks:
its rows are *exposures* (a viewing panel matched to customers), with ``utm_medium = 'tv'``,
no landing page and ``engaged = false``.

Orders are fixed (drawn by the persona process), so each order gets a converting journey
ending at the order (starting 30 days earlier, or just after the customer's previous order
if later) with ``S`` drawn from ``P(S | order) ∝ P(S) P(order | S)`` -- exactly, by rejection:
draw ``S`` from the prior and keep it with probability ``P(order | S)``. Non-converting
journeys (ending in no order) are drawn from ``P(S | no order)`` the same way (keep with
``1 - P(order | S)``); each customer has Poisson(``r × expected orders``) of them, with
``r = (1 - π)/π`` and ``π`` the persona's mean ``P(order | S)`` under the prior (measured on
the first rejection round), placed where no order falls within 30 days either side, so a
30-day lookback path from any order holds exactly that order's converting journey.

The truth (``truth_channel_incremental``): for each order and channel ``c``, the chance the
order would not have happened without ``c``'s touches (others held fixed) is
``[P(order|S) - P(order|S without c)] / P(order|S)``; summed over orders it is the channel's
``incremental_orders``. Orders whose ``S`` is empty ("direct": no touchpoint in the 30 days
before, after the previous order) count for no channel; the baseline ``p0`` carries them.
TV- or social-induced brand searches keep their own (small) lift in the truth: the truth is
each channel's direct effect, not the effect it mediates through other channels.

Draws use the caller's generator (``default_rng([seed, 14])``), never the main one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.generator.campaigns import (
    BRAND,
    GENERIC,
    ORGANIC,
    SOCIAL,
    THEME_AFFINITY,
    TOUCH_TYPES,
    TV,
    TYPE_CHANNEL,
    CampaignDraw,
)
from core.generator.customers import CustomerDraw
from core.generator.orders import OrderDraw
from core.generator.organic import GROUP_ENGAGED, GROUP_LIFT, PAGE_GROUP, page_weights

TOUCH_STREAM = 14
"""Second word of the campaigns' and touchpoints' seed sequence: ``default_rng([seed, TOUCH_STREAM])``."""
LOOKBACK_DAYS = 30
DAY, WEEK = 86_400, 7 * 86_400
TRUTH_CHANNELS: tuple[str, ...] = ("tv", "social", "display", "affiliate", "email", "search", "organic_search")
# Per touch type (TOUCH_TYPES order: tv, social, display, affiliate, email, search_generic, search_brand, organic).
TYPE_RATE = np.array([0.80, 0.60, 0.50, 0.20, 0.55, 0.40, 0.30, 0.80])  # per 30 days at average spend
TYPE_LIFT = np.array([0.07, 0.08, 0.03, 0.09, 0.05, 0.12, 0.02, np.nan])  # organic: GROUP_LIFT
TYPE_ENGAGED = np.array([0.0, 0.45, 0.35, 0.60, 0.65, 0.60, 0.75, np.nan])  # organic: GROUP_ENGAGED
TIME_POWER = np.array([1, 1, 1, 1, 3, 1, 4, 1])  # touch at end - len·u^k: k > 1 comes late in the window
MOVED_BOOST = np.array([1, 1, 1, 1, 2.5, 1, 5, 1])  # rate multiplier when TV or social touched the journey
SPEND_CAP = 2.5  # touches saturate with spend: at most 2.5× the average rate
P0 = np.array([0.30, 0.40, 0.20, 0.35, 0.25, 0.28])  # order chance without any touch, per persona
# Rate multiplier per persona (rows, PERSONAS order) and touch type (columns).
PERSONA_RATE = np.array([
    [0.8, 0.9, 1.0, 2.0, 1.3, 0.8, 1.0, 0.8],  # Bargain app shoppers: affiliates, email
    [1.3, 0.4, 0.6, 0.5, 1.5, 0.7, 1.2, 0.8],  # High-value store loyalists: TV, email
    [0.8, 0.6, 1.0, 1.5, 0.4, 1.5, 0.8, 1.1],  # Marketplace one-timers: generic search
    [1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 1.2],  # Omnichannel enthusiasts: everything
    [0.9, 0.7, 1.3, 0.8, 0.9, 1.1, 0.8, 1.8],  # Occasional web browsers: organic search, display
    [0.8, 2.5, 1.1, 0.8, 0.7, 0.8, 1.0, 0.9],  # Social trend seekers: social
])
MEDIUM = ("tv", "paid_social", "display", "affiliate", "email", "cpc", "cpc", "organic")
TERM_P = np.array([0.5, 0.3, 0.2])  # which of a search campaign's three terms was searched
MAX_ROUNDS = 200
_STAGE2 = (BRAND, TOUCH_TYPES.index("email"))
_STAGE1 = tuple(t for t in range(len(TOUCH_TYPES)) if t not in _STAGE2)


@dataclass
class TouchDraw:
    customer: np.ndarray  # int32
    ts: np.ndarray  # int64 seconds since the first sample Monday
    touch_type: np.ndarray  # int8 index into TOUCH_TYPES
    campaign: np.ndarray  # int16 campaign index, -1 for organic
    page: np.ndarray  # int16 organic page index, -1 for paid touches
    term: np.ndarray  # int8 0-2 for search touches (the campaign's term), -1 otherwise
    engaged: np.ndarray  # bool


class _Pickers:
    """Draw a campaign (paid) or landing page (organic) for touches of a type in a week.

    Choices are laid out as one sorted array of cumulative probabilities, group ``g`` (type ×
    week) spanning ``(g, g + 1]``, so one ``searchsorted`` serves every touch.
    """

    def __init__(self, campaigns: CampaignDraw, n_weeks: int) -> None:
        self.n_weeks = n_weeks
        ci, wi = np.nonzero(campaigns.spend > 0)
        self.paid = self._layout(campaigns.touch_type[ci].astype(np.int64) * n_weeks + wi, ci,
                                 campaigns.spend[ci, wi], len(TOUCH_TYPES) * n_weeks)
        pw = page_weights(n_weeks)
        wi, pi = np.nonzero(pw > 0)
        self.organic = self._layout(wi.astype(np.int64), pi, pw[wi, pi], n_weeks)
        self.organic_rel = pw.sum(axis=1) / pw.sum(axis=1).mean()

    @staticmethod
    def _layout(group: np.ndarray, choice: np.ndarray, weight: np.ndarray, n_groups: int):
        order = np.lexsort((choice, group))
        group, choice, weight = group[order], choice[order].astype(np.int16), weight[order]
        totals = np.bincount(group, weight, minlength=n_groups)
        cum = np.cumsum(weight)
        before = np.concatenate([[0.0], np.cumsum(totals)])[group]
        edge = group + np.minimum((cum - before) / totals[group], 1.0)
        return edge, choice, totals > 0

    def pick(self, table, group: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        edge, choice, has = table
        ok = has[group]
        pos = np.searchsorted(edge, group[ok] + rng.random(int(ok.sum())) * (1 - 1e-12), side="right")
        return ok, choice[np.minimum(pos, edge.shape[0] - 1)]


def _intensity(spend: pd.DataFrame, pickers: _Pickers) -> np.ndarray:
    """Rate multiplier per touch type and week: spend (organic: traffic) over its mean, capped."""
    wide = spend.pivot(index="week", columns="channel", values="spend").sort_index()
    rel = np.empty((len(TOUCH_TYPES), pickers.n_weeks))
    for t, ch in enumerate(TYPE_CHANNEL):
        rel[t] = pickers.organic_rel if t == ORGANIC else wide[ch].to_numpy() / max(wide[ch].mean(), 1e-12)
    return np.minimum(rel, SPEND_CAP)


def _candidates(persona, start, end, rel, campaigns: CampaignDraw, pickers: _Pickers, rng):
    """One prior draw of every journey's touch set; returns touch arrays and each journey's log(1 - P)."""
    n_j = start.shape[0]
    length = end - start
    end_week = np.clip(end // WEEK, 0, pickers.n_weeks - 1)
    parts = []
    moved = np.zeros(n_j, dtype=bool)
    for stage in (_STAGE1, _STAGE2):
        for t in stage:
            lam = TYPE_RATE[t] * PERSONA_RATE[persona, t] * rel[t, end_week] * length / (LOOKBACK_DAYS * DAY)
            if t in _STAGE2:
                lam = lam * np.where(moved, MOVED_BOOST[t], 1)
            src = np.repeat(np.arange(n_j, dtype=np.int32), rng.poisson(lam))
            ts = end[src] - np.maximum(1, np.floor(length[src] * rng.random(src.shape[0]) ** TIME_POWER[t])).astype(np.int64)
            week = np.clip(ts // WEEK, 0, pickers.n_weeks - 1)
            if t == ORGANIC:
                ok, page = pickers.pick(pickers.organic, week, rng)
                camp = np.full(page.shape[0], -1, dtype=np.int16)
                lift = GROUP_LIFT[PAGE_GROUP[page]]
            else:
                ok, camp = pickers.pick(pickers.paid, t * pickers.n_weeks + week, rng)
                page = np.full(camp.shape[0], -1, dtype=np.int16)
                theme = campaigns.theme[camp]
                affinity = np.where(theme >= 0, THEME_AFFINITY[persona[src[ok]], np.maximum(theme, 0)], 1.0)
                lift = np.minimum(TYPE_LIFT[t] * affinity, 0.6)
            src, ts = src[ok], ts[ok]
            parts.append((src, ts, np.full(src.shape[0], t, dtype=np.int8), camp, page, lift))
            if t in (TV, SOCIAL):
                moved[src] = True
    src, ts, ttype, camp, page, lift = (np.concatenate(c) for c in zip(*parts, strict=True))
    log_q = np.log1p(-P0[persona]) + np.bincount(src, np.log1p(-lift), minlength=n_j)
    return (src, ts, ttype, camp, page, lift), log_q


def _rejection(persona, start, end, converting: bool, rel, campaigns, pickers, rng):
    """Touch sets drawn from P(S | order) (``converting``) or P(S | no order), exactly, by rejection.

    Returns the accepted touches (journey index first), the mean acceptance per persona in the
    first round (the prior's mean order chance when ``converting``) and, for converting
    journeys, the expected incremental orders per truth channel.
    """
    pending = np.arange(start.shape[0])
    # Start from empty arrays so a sample without journeys (tiny or very short) still works.
    kept = [(np.empty(0, np.int32), np.empty(0, np.int64), np.empty(0, np.int8), np.empty(0, np.int16),
             np.empty(0, np.int16))]
    incremental = np.zeros(len(TRUTH_CHANNELS))
    first_round = None
    truth_channel = np.array([TRUTH_CHANNELS.index(c) for c in TYPE_CHANNEL])
    for round_ in range(MAX_ROUNDS):
        if pending.shape[0] == 0:
            break
        touches, log_q = _candidates(persona[pending], start[pending], end[pending], rel, campaigns, pickers, rng)
        p_order = -np.expm1(log_q)
        keep_p = p_order if converting else 1.0 - p_order
        accept = rng.random(pending.shape[0]) < keep_p
        if round_ == MAX_ROUNDS - 1:
            accept[:] = True  # practically never reached: every round keeps at least p0 (or 1 - 0.6^k) of them
        if first_round is None:
            first_round = p_order, persona[pending]
        local = np.full(pending.shape[0], -1, dtype=np.int64)
        local[accept] = np.arange(int(accept.sum()))
        sel = accept[touches[0]]
        src, ts, ttype, camp, page, lift = (a[sel] for a in touches)
        if converting:
            # log(1 - lift) summed per journey and channel: removing the channel divides q by exp of it.
            n_acc = int(accept.sum())
            key = local[src] * len(TRUTH_CHANNELS) + truth_channel[ttype]
            by_channel = np.bincount(key, np.log1p(-lift), minlength=n_acc * len(TRUTH_CHANNELS))
            q = np.exp(log_q[accept])[:, None]
            incr = q * np.expm1(-by_channel.reshape(n_acc, len(TRUTH_CHANNELS))) / (1.0 - q)
            incremental += incr.sum(axis=0)
        kept.append((pending[src].astype(np.int32), ts, ttype, camp, page))
        pending = pending[~accept]
    cols = [np.concatenate(c) for c in zip(*kept, strict=True)]
    p_first, persona_first = first_round if first_round is not None else (np.empty(0), np.empty(0, np.int64))
    n_first = np.bincount(persona_first, minlength=P0.shape[0])
    pi = np.where(n_first > 0, np.bincount(persona_first, p_first, minlength=P0.shape[0]) / np.maximum(n_first, 1), P0)
    return cols, pi, incremental


def _order_windows(orders: OrderDraw) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Customer, start and end (the order) of each order's journey, and the customer-sorted order keys."""
    by_customer = np.lexsort((orders.ts, orders.customer))
    cust, ts = orders.customer[by_customer], orders.ts[by_customer]
    prev = np.concatenate([[-1], ts[:-1]])
    same = np.concatenate([[False], cust[1:] == cust[:-1]])
    start = np.maximum(ts - LOOKBACK_DAYS * DAY, np.where(same, prev + 1, 0))
    start = np.minimum(np.maximum(start, 0), ts)
    return cust, start, ts


def draw_touchpoints(customers: CustomerDraw, orders: OrderDraw, campaigns: CampaignDraw, spend: pd.DataFrame,
                     n_weeks: int, rng: np.random.Generator) -> tuple[TouchDraw, pd.DataFrame]:
    """Touchpoints of converting and non-converting journeys, and the channels' true incremental orders.

    Parameters
    ----------
    customers : CustomerDraw
        The sample's customers (persona, active window, order rate).
    orders : OrderDraw
        The sample's orders (fixed; each gets a converting journey).
    campaigns : CampaignDraw
        Campaigns and their weekly spend (touches go to campaigns in proportion to it).
    spend : DataFrame
        ``marketing_spend`` rows (touch rates follow each channel's weekly spend).
    n_weeks : int
        Weeks of data.
    rng : numpy.random.Generator
        The touchpoints' own generator (see the module docstring).

    Returns
    -------
    touches : TouchDraw
    truth : DataFrame
        ``truth_channel_incremental`` rows (channel, touches, incremental_orders, incremental_share).
    """
    pickers = _Pickers(campaigns, n_weeks)
    rel = _intensity(spend, pickers)
    persona_all = customers.persona.astype(np.int64)

    o_cust, o_start, o_end = _order_windows(orders)
    conv, pi, incremental = _rejection(persona_all[o_cust], o_start, o_end, True, rel, campaigns, pickers, rng)

    # Non-converting journeys: r = (1 - π)/π per expected order, away from every order by 30 days.
    lookback = LOOKBACK_DAYS * DAY
    ratio = (1.0 - pi) / np.maximum(pi, 1e-6)
    weeks_active = (customers.end_week - customers.first_week).astype(float)
    n_c = rng.poisson(ratio[persona_all] * customers.order_rate * weeks_active / 52.0)
    n_cust = np.repeat(np.arange(persona_all.shape[0], dtype=np.int64), n_c)
    lo = customers.first_week[n_cust].astype(np.int64) * WEEK + lookback
    hi = customers.end_week[n_cust].astype(np.int64) * WEEK
    n_end = lo + np.floor(rng.random(n_cust.shape[0]) * (hi - lo)).astype(np.int64)
    keys = o_cust.astype(np.int64) << 40 | o_end
    near = (np.searchsorted(keys, n_cust << 40 | (n_end + lookback), side="left")
            - np.searchsorted(keys, n_cust << 40 | (n_end - lookback), side="right"))
    ok = (hi > lo) & (near == 0)
    n_cust, n_end = n_cust[ok], n_end[ok]
    non, _, _ = _rejection(persona_all[n_cust], n_end - lookback, n_end, False, rel, campaigns, pickers, rng)

    journey_cust = np.concatenate([o_cust.astype(np.int64), n_cust])
    src = np.concatenate([conv[0].astype(np.int64), non[0] + np.int64(o_cust.shape[0])])
    ts, ttype, camp, page = (np.concatenate([a, b]) for a, b in zip(conv[1:], non[1:], strict=True))
    in_order_journey = src < o_cust.shape[0]
    engaged_p = np.where(ttype == ORGANIC, GROUP_ENGAGED[PAGE_GROUP[np.maximum(page, 0)]], TYPE_ENGAGED[ttype])
    engaged = rng.random(ts.shape[0]) < np.minimum(engaged_p * np.where(in_order_journey, 1.15, 1.0), 0.95)
    engaged &= ttype != TV
    is_search = (ttype == GENERIC) | (ttype == BRAND)
    term = np.where(is_search, rng.choice(3, size=ts.shape[0], p=TERM_P), -1).astype(np.int8)
    draw = TouchDraw(journey_cust[src].astype(np.int32), ts, ttype, camp.astype(np.int16), page.astype(np.int16),
                     term, engaged)

    counts = np.bincount(np.array([TRUTH_CHANNELS.index(c) for c in TYPE_CHANNEL])[ttype],
                         minlength=len(TRUTH_CHANNELS))
    truth = pd.DataFrame({"channel": TRUTH_CHANNELS, "touches": counts.astype(np.int64),
                          "incremental_orders": incremental,
                          "incremental_share": incremental / max(incremental.sum(), 1e-300)})
    return draw, truth


__all__ = ["TOUCH_STREAM", "LOOKBACK_DAYS", "MEDIUM", "TRUTH_CHANNELS", "TouchDraw", "draw_touchpoints"]
