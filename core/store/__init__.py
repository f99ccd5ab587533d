"""The data layer: DuckDB connection, schema, loading users' files, personal data, small reads."""
