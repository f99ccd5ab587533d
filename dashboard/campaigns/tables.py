"""Headers and number formats of the Campaigns & content page's tables, and their notes in words.

Headers say ``{currency}`` and formats :data:`~dashboard.formats.MONEY` where amounts go; the page
resolves both for the database's currency with :func:`dashboard.formats.resolve`.
"""

from __future__ import annotations

import pandas as pd

from core.campaigns.table import METRICS
from dashboard.formats import COUNT, MONEY, PCT, RATIO

CHANGE = "%+.0f%%"
"""Relative change vs the previous period, e.g. ``+12%``."""
POINTS = "%+.1f pp"
"""Change of a rate, in percentage points."""

CAMPAIGN_LABELS: dict[str, str] = {
    "name": "Campaign", "channel": "Channel", "theme": "Theme", "objective": "Objective",
    "spend": "Spend ({currency})", "spend_change": "Spend vs prev.",
    "customers": "Customers with a session", "impressions": "Impressions", "clicks": "Clicks", "ctr": "CTR",
    "sessions": "Sessions", "sessions_change": "Sessions vs prev.", "engaged_rate": "Engaged rate",
    "orders": "Orders", "orders_change": "Orders vs prev.",
    "conversion_rate": "Conversion rate", "conversion_rate_change": "Conversion vs prev.",
    "revenue": "Revenue ({currency})", "revenue_change": "Revenue vs prev.",
    "cpa": "CPA ({currency})", "cpa_change": "CPA vs prev.", "roas": "ROAS", "roas_change": "ROAS vs prev.",
}
CAMPAIGN_FORMATS: dict[str, str] = {
    "spend": MONEY, "customers": COUNT, "impressions": COUNT, "clicks": COUNT, "ctr": PCT, "sessions": COUNT, "engaged_rate": PCT,
    "orders": COUNT, "conversion_rate": PCT, "revenue": MONEY, "cpa": MONEY, "roas": RATIO,
    "spend_change": CHANGE, "sessions_change": CHANGE, "orders_change": CHANGE, "revenue_change": CHANGE,
    "cpa_change": CHANGE, "roas_change": CHANGE, "conversion_rate_change": POINTS,
}

THEME_LABELS: dict[str, str] = {
    "theme": "Theme", "segment": "Segment", "name": "Segment name", "customers": "Customers", "sessions": "Sessions",
    "engaged_rate": "Engaged rate", "orders": "Orders", "conversion_rate": "Conversion rate",
    "segment_conversion": "Segment average conversion", "lift": "Lift vs segment average",
    "theme_conversion": "Theme conversion, all segments", "affinity": "Affinity", "revenue": "Revenue ({currency})",
}
THEME_FORMATS: dict[str, str] = {
    "customers": COUNT, "sessions": COUNT, "engaged_rate": PCT, "orders": COUNT, "conversion_rate": PCT,
    "segment_conversion": PCT, "lift": PCT, "theme_conversion": PCT, "affinity": PCT, "revenue": MONEY,
}

SEO_LABELS: dict[str, str] = {
    "customers": "Visitors", "sessions": "Sessions", "sessions_change": "Sessions vs prev.",
    "engaged_rate": "Engaged rate", "orders": "Orders", "conversion_rate": "Conversion rate", "revenue": "Revenue ({currency})",
}
SEO_FORMATS: dict[str, str] = {
    "customers": COUNT, "sessions": COUNT, "sessions_change": CHANGE, "engaged_rate": PCT, "orders": COUNT,
    "conversion_rate": PCT, "revenue": MONEY,
}

LOSING_LABELS: dict[str, str] = {
    "landing_page": "Landing page", "sessions_before": "Sessions, earlier 8 weeks",
    "sessions_recent": "Sessions, last 8 weeks", "change": "Change",
}
LOSING_FORMATS: dict[str, str] = {"sessions_before": COUNT, "sessions_recent": COUNT, "change": CHANGE}


def definitions(currency: str) -> pd.DataFrame:
    """Every campaign figure with its unit (amounts in ``currency``, an ISO code) and definition, for "Definitions"."""
    return pd.DataFrame([{"figure": m.label, "unit": currency if m.unit in ("money", "EUR") else m.unit,
                          "definition": m.help} for m in METRICS.values()])
