"""Display names and one-line explanations of the recommendation metrics, for the page, the CLI and the report."""

from __future__ import annotations

METRIC_LABELS: dict[str, str] = {
    "precision": "Precision@k", "recall": "Recall@k", "ndcg": "NDCG@k", "map": "MAP@k", "hit_rate": "Hit rate@k",
    "coverage": "Catalogue coverage", "novelty": "Novelty (bits)", "diversity": "Category diversity",
}
METRIC_HELP: dict[str, str] = {
    "precision": "Share of the k recommended products the customer then bought.",
    "recall": "Share of the products the customer then bought that were among the k recommended.",
    "ndcg": "Like recall, but a hit near the top of the list counts more (1 = all of them at the top of the list).",
    "map": "Mean average precision: rewards lists whose hits come early (1 = all hits at the top).",
    "hit_rate": "Share of customers with at least one recommended product bought in the held-out weeks.",
    "coverage": "Share of the whole catalogue that appears in at least one customer's list.",
    "novelty": "How unusual the recommended products are: bits of surprise, higher = fewer people bought them.",
    "diversity": "Share of pairs of products in a list from different categories (0 = all one category).",
}
"""One plain line per metric, shown on the page next to the figures."""


def metric_label(metric: str, k: int | None = None) -> str:
    """Display name of ``metric`` (a key of :data:`METRIC_LABELS`), with the list length filled in when ``k`` is given.

    >>> metric_label("ndcg", 10)
    'NDCG@10'
    """
    label = METRIC_LABELS[metric]
    return label if k is None else label.replace("@k", f"@{k}")
