"""Helpers of the Campaigns & content page (pages/campaigns.py): cached data, charts, tables."""
