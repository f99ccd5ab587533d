"""The Overview page: cached KPIs and channel views, and their charts."""
