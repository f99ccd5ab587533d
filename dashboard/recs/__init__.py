"""The Recommendations page: cached models and evaluation, and their charts."""
