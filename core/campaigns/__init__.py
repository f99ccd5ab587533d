"""Campaigns, content themes and organic search (SEO): what the marketing people run day to day.

- :mod:`core.campaigns.base` — the credit rule (which session an order is credited to), the
  data check and the one query every figure is built on (:func:`~core.campaigns.base.touch_metrics`);
- :mod:`core.campaigns.table` — the campaign table with the period comparison;
- :mod:`core.campaigns.report` — the campaign table and both SEO breakdowns from one credit join;
- :mod:`core.campaigns.themes` — content themes × customer segments and the themes to lead with;
- :mod:`core.campaigns.seo` — organic search by landing page and keyword group, its weekly
  trend and the pages losing traffic;
- :mod:`core.campaigns.segments` — the Segments page's default segmentation, as a membership table.

Every aggregation runs in DuckDB; only one row per group comes back. No Streamlit here.
"""
