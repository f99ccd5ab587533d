"""Helpers of the Attribution page: cached data, charts, words and the lookback control."""
