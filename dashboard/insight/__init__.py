"""The Insight page: cached cohorts, funnels, journeys, anomalies and their charts."""
