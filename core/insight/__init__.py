"""Market insight: cohorts, funnels, channel journeys, anomaly weeks and their plain-language readings.

Every function takes an open connection and :class:`core.filters.Filters`, returns DataFrames
already passed through the minimum-group-size rule of :mod:`core.privacy`, and never holds state.
"""

from core.insight import readings
from core.insight.anomalies import anomaly_weeks, weekly_channel_revenue
from core.insight.cohorts import cohort_table
from core.insight.funnels import funnel_comparison, funnel_table
from core.insight.journeys import channel_journeys, multichannel_value

__all__ = [
    "anomaly_weeks",
    "channel_journeys",
    "cohort_table",
    "funnel_comparison",
    "funnel_table",
    "multichannel_value",
    "readings",
    "weekly_channel_revenue",
]
