"""The Overview: KPIs, channel trends and cross-channel behaviour, and their privacy step."""
