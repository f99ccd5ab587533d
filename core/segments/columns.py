"""Column names of the segment tables (profiles, RFM, membership export), defined once."""

from __future__ import annotations

from core.segments.features import CUSTOMER

SEGMENT = "segment"
NAME = "name"
DESCRIPTION = "description"
CUSTOMERS = "customers"
CUSTOMER_SHARE = "customer_share"
REVENUE = "revenue"
REVENUE_SHARE = "revenue_share"
R_SCORE, F_SCORE, M_SCORE = "r_score", "f_score", "m_score"
RFM_SCORE = "rfm_score"
RFM_GROUP = "rfm_group"
OTHER = "Other"

__all__ = [
    "CUSTOMER", "SEGMENT", "NAME", "DESCRIPTION", "CUSTOMERS", "CUSTOMER_SHARE", "REVENUE", "REVENUE_SHARE",
    "R_SCORE", "F_SCORE", "M_SCORE", "RFM_SCORE", "RFM_GROUP", "OTHER",
]
