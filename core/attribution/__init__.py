"""Multi-touch attribution: touch paths in DuckDB, rule-based and data-driven models, truth comparison."""
