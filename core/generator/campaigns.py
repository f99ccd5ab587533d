"""Campaigns per media channel and their weekly share of the channel's spend.

Every paid channel's weekly spend in ``marketing_spend`` is split over the channel's campaigns
running that week, so a campaign's spend, impressions and clicks add up exactly to the
channel's row (the budget model reads ``marketing_spend`` and keeps working unchanged):

* **search**: one brand campaign per calendar year (brand terms) and one always-on generic
  campaign per product category (category terms); brand takes about a quarter of the spend;
* **social**: per content theme, consecutive 6-10 week creatives (staggered), on facebook,
  instagram or tiktok, so every theme runs every week;
* **display**: a prospecting (awareness, themed) and a retargeting (conversion, dynamic product
  ads, unthemed) campaign per 13-week block;
* **email**: per content theme, a four-week newsletter programme, so every theme is sent
  every week;
* **affiliate**: five always-on partners;
* **tv**: one campaign per burst (a run of weeks with TV spend).

Campaigns start on a Monday and end on a Sunday, so a campaign with spend in a week runs on
every day of it. In a week a channel does not spend (planned pauses), its campaigns get no
``campaign_spend`` row. Content themes (email, social, display prospecting) suit some personas more than
others: ``THEME_AFFINITY`` multiplies a themed touch's purchase-chance raise
(``truth_theme_affinity``; see :mod:`core.generator.touchpoints`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.generator.personas import CATEGORIES, PERSONAS

THEMES: tuple[str, ...] = ("new arrivals", "price offer", "loyalty", "how-to content", "seasonal")
THEME_PAGES = {"new arrivals": "/new-in", "price offer": "/sale", "loyalty": "/members",
               "how-to content": "/guides", "seasonal": "/seasonal"}
# Lift multiplier per persona (rows, PERSONAS order) and theme (columns, THEMES order). Each row
# averages 1, so themes move which content works for whom, not how much a channel does overall;
# the spread is wide so a theme's effect stands out of the order noise for a segment.
THEME_AFFINITY = np.array([
    [0.4, 2.8, 0.5, 0.3, 1.0],  # Bargain app shoppers: price offers
    [0.8, 0.2, 2.5, 1.1, 0.4],  # High-value store loyalists: loyalty, advice
    [0.4, 2.8, 0.2, 0.6, 1.0],  # Marketplace one-timers: price offers
    [2.0, 0.6, 1.5, 0.4, 0.5],  # Omnichannel enthusiasts: new arrivals, loyalty
    [0.5, 0.8, 0.3, 2.6, 0.8],  # Occasional web browsers: how-to content
    [2.6, 0.6, 0.2, 0.3, 1.3],  # Social trend seekers: new arrivals, seasonal
])
assert THEME_AFFINITY.shape == (len(PERSONAS), len(THEMES))

# Touch types: a channel's touches, search split into generic and brand (different lifts and timing).
TOUCH_TYPES: tuple[str, ...] = ("tv", "social", "display", "affiliate", "email", "search_generic", "search_brand",
                                "organic")
TYPE_CHANNEL: tuple[str, ...] = ("tv", "social", "display", "affiliate", "email", "search", "search", "organic_search")
TV, SOCIAL, DISPLAY, AFFILIATE, EMAIL, GENERIC, BRAND, ORGANIC = range(len(TOUCH_TYPES))
BRAND_NAME = "omnimix"
AFFILIATES = (("vouchercodes.example", "/offers"), ("cashbackclub.example", "/offers"), ("techreviewer.example", "/"),
              ("styleblog.example", "/"), ("dealfinder.example", "/offers"))
SOCIAL_PLATFORMS = ("facebook", "instagram", "tiktok")
WEIGHT_SD = 0.3  # week-to-week log-spread of a campaign's share of its channel's spend


@dataclass
class CampaignDraw:
    """The generated campaigns; row ``i`` of every per-campaign array is campaign ``i``."""

    frame: pd.DataFrame  # campaigns table columns, campaign_id as an integer index ``i``
    touch_type: np.ndarray  # (n_campaigns,) int8 index into TOUCH_TYPES
    theme: np.ndarray  # (n_campaigns,) int8 index into THEMES, -1 when unthemed
    source: list[str]  # utm_source per campaign
    content: list[str]  # utm_content (creative) per campaign
    terms: list[list[str]]  # three search terms per campaign (empty strings outside search)
    spend: np.ndarray  # (n_campaigns, n_weeks) EUR, exact split of marketing_spend
    spend_rows: pd.DataFrame  # campaign_spend rows: week, i, spend, impressions, clicks


def _slug(text: str) -> str:
    return text.lower().replace(" & ", "-").replace(" ", "-")


def _plan(weeks: pd.DatetimeIndex, spending: dict[str, np.ndarray], rng: np.random.Generator) -> list[dict]:
    """Campaign specs (name, dates as week indices, theme, weight, ...) per channel."""
    n = len(weeks)
    out: list[dict] = []

    def add(channel: str, ttype: int, name: str, objective: str, first: int, last: int, *, theme: str | None = None,
            page: str | None = None, source: str = "", content: str = "", terms: tuple[str, ...] = ("", "", ""),
            weight: float = 1.0) -> None:
        out.append({"channel": channel, "touch_type": ttype, "name": name, "objective": objective, "first": first,
                    "last": min(last, n - 1), "theme": theme,
                    "landing_page": page if page is not None else THEME_PAGES.get(theme or "", None),
                    "source": source, "content": content or (theme or name), "terms": list(terms), "weight": weight})

    years = weeks.year.to_numpy()
    for year in np.unique(years):
        idx = np.flatnonzero(years == year)
        add("search", BRAND, f"Search | Brand | {year}", "conversion", int(idx[0]), int(idx[-1]), page="/",
            source="google", content="brand text ad", weight=2.8,
            terms=(BRAND_NAME, f"{BRAND_NAME} shop", f"{BRAND_NAME} discount code"))
    for cat in CATEGORIES:
        c = cat.lower()
        add("search", GENERIC, f"Search | Generic | {cat}", "consideration", 0, n - 1, page=f"/c/{_slug(cat)}",
            source="google", content="generic text ad", terms=(f"buy {c} online", f"best {c}", f"{c} deals"))

    # Every theme runs all the time in social and email, so no theme owns the busy weeks (a
    # theme's conversion then reflects who it suits, not when it ran).
    for theme in THEMES:  # social: consecutive 6-10 week creatives per theme, staggered
        first = -int(rng.integers(0, 6))
        while first < n:
            length = int(rng.integers(6, 11))
            platform = SOCIAL_PLATFORMS[int(rng.integers(0, len(SOCIAL_PLATFORMS)))]
            a = max(first, 0)
            add("social", SOCIAL, f"Social | {theme.capitalize()} | {platform} | {weeks[a]:%Y-%m}",
                "awareness" if rng.random() < 0.5 else "consideration", a, first + length - 1, theme=theme,
                source=platform, content=f"{_slug(theme)}-video-{len(out)}", weight=rng.lognormal(0, 0.3))
            first += length

    for q0 in range(0, n, 13):  # display: prospecting and retargeting per quarter
        label = f"{weeks[q0].year}-Q{(weeks[q0].month - 1) // 3 + 1}"
        theme = THEMES[int(rng.integers(0, len(THEMES)))]
        add("display", DISPLAY, f"Display | Prospecting | {label}", "awareness", q0, q0 + 12, theme=theme,
            source="programmatic", content=f"{_slug(theme)}-banner")
        add("display", DISPLAY, f"Display | Retargeting | {label}", "conversion", q0, q0 + 12, page="/",
            source="google_display", content="dynamic-product-banner", weight=1.3)

    for b in range(0, n, 4):  # email: a four-week newsletter programme per theme
        for theme in THEMES:
            add("email", EMAIL, f"Email | {theme.capitalize()} | {weeks[b]:%Y-%m-%d}",
                "retention" if theme == "loyalty" else "conversion", b, b + 3, theme=theme, source="newsletter",
                content=f"{_slug(theme)}-newsletter", weight=rng.lognormal(0, 0.2))

    for partner, page in AFFILIATES:
        add("affiliate", AFFILIATE, f"Affiliate | {partner}", "conversion", 0, n - 1, page=page, source=partner,
            content="partner-link", weight=rng.lognormal(0, 0.5))

    on = spending["tv"] > 0  # one TV campaign per burst
    starts = np.flatnonzero(on & ~np.concatenate([[False], on[:-1]]))
    ends = np.flatnonzero(on & ~np.concatenate([on[1:], [False]]))
    for k, (a, b) in enumerate(zip(starts, ends, strict=True)):
        creative = "seasonal" if weeks[a].month in (10, 11, 12) else "brand story"
        add("tv", TV, f"TV | Burst {k + 1} | {creative}", "awareness", int(a), int(b), page=None, source="tv",
            content=f"{_slug(creative)}-30s")
    seen: dict[str, int] = {}
    for p in out:  # names are the utm_campaign value, so they must be unique
        seen[p["name"]] = seen.get(p["name"], 0) + 1
        if seen[p["name"]] > 1:
            p["name"] = f"{p['name']} #{seen[p['name']]}"
    return out


def _split(total: np.ndarray, weights: np.ndarray, *, integer: bool) -> np.ndarray:
    """Split each column total over the rows by ``weights`` so that the column sums are exact.

    Every row but the largest-weight one is rounded down (to cents or units); the largest row
    takes the rest, which is therefore never negative.
    """
    wsum = weights.sum(axis=0)
    share = np.divide(weights, wsum, out=np.zeros_like(weights), where=wsum > 0)
    raw = total[None, :] * share
    part = np.floor(raw) if integer else np.floor(raw * 100) / 100
    top = np.argmax(weights, axis=0)
    cols = np.arange(total.shape[0])
    part[top, cols] = 0.0
    rest = total - part.sum(axis=0)
    part[top, cols] = rest if integer else np.round(rest, 2)
    return part


def draw_campaigns(weeks: pd.DatetimeIndex, spend: pd.DataFrame, rng: np.random.Generator) -> CampaignDraw:
    """Campaigns of every paid channel and their exact split of the channel's weekly spend.

    Parameters
    ----------
    weeks : DatetimeIndex
        The sample's week starts (Mondays).
    spend : DataFrame
        ``marketing_spend`` rows (week, channel, spend, impressions, clicks) from ``build_truth``.
    rng : numpy.random.Generator
        The campaigns' and touchpoints' own generator.

    Returns
    -------
    CampaignDraw
    """
    n = len(weeks)
    wide = {col: spend.pivot(index="week", columns="channel", values=col).sort_index()
            for col in ("spend", "impressions", "clicks")}
    spending = {c: wide["spend"][c].to_numpy() for c in wide["spend"].columns}
    plan = _plan(weeks, spending, rng)
    k = len(plan)
    first = np.array([p["first"] for p in plan])
    last = np.array([p["last"] for p in plan])
    running = (np.arange(n)[None, :] >= first[:, None]) & (np.arange(n)[None, :] <= last[:, None])
    base = np.array([p["weight"] for p in plan])
    weights = running * base[:, None] * rng.lognormal(0.0, WEIGHT_SD, (k, n))
    channel = np.array([p["channel"] for p in plan])

    out = {col: np.zeros((k, n)) for col in ("spend", "impressions", "clicks")}
    for ch in np.unique(channel):
        rows = np.flatnonzero(channel == ch)
        if np.any((weights[rows].sum(axis=0) == 0) & (spending[ch] > 0)):
            raise AssertionError(f"{ch} spends in a week none of its campaigns runs")
        for col in out:
            total = wide[col][ch].to_numpy(dtype=float)
            out[col][rows] = _split(total, weights[rows], integer=col != "spend")
    live = running & (np.stack([spending[c] for c in channel]) > 0)
    ci, wi = np.nonzero(live)
    spend_rows = pd.DataFrame({"week": weeks.date[wi], "i": ci.astype(np.int32), "spend": out["spend"][ci, wi],
                               "impressions": out["impressions"][ci, wi].astype(np.int64),
                               "clicks": out["clicks"][ci, wi].astype(np.int64)})
    start = weeks[0].date()
    frame = pd.DataFrame({
        "i": np.arange(k, dtype=np.int32), "channel": channel, "name": [p["name"] for p in plan],
        "objective": [p["objective"] for p in plan], "theme": [p["theme"] for p in plan],
        "start_date": [start + dt.timedelta(days=7 * int(f)) for f in first],
        "end_date": [start + dt.timedelta(days=7 * int(e) + 6) for e in last],
        "landing_page": [p["landing_page"] for p in plan],
    })
    theme_idx = np.array([THEMES.index(p["theme"]) if p["theme"] else -1 for p in plan], dtype=np.int8)
    return CampaignDraw(frame, np.array([p["touch_type"] for p in plan], dtype=np.int8), theme_idx,
                        [p["source"] for p in plan], [p["content"] for p in plan], [p["terms"] for p in plan],
                        out["spend"] * live, spend_rows)


def theme_affinity_frame() -> pd.DataFrame:
    """``truth_theme_affinity`` rows: persona × theme lift multiplier."""
    return pd.DataFrame({"persona": np.repeat([p.name for p in PERSONAS], len(THEMES)),
                         "theme": np.tile(THEMES, len(PERSONAS)), "lift": THEME_AFFINITY.ravel()})
