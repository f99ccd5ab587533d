"""Omnimix core library: data model, generators, loaders and analytics (no Streamlit here)."""

__version__ = "0.1.0"
