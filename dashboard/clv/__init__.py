"""The Customer value page: cached CLV fits (``data``), group tables (``tables``), figures (``charts``) and texts (``text``)."""
