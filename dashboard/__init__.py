"""The Streamlit dashboard: app shell, sidebar state, cached data access, charts, UI pieces."""
