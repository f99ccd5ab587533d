"""Customer segmentation: features (DuckDB) → preprocessing → K-means → profiles and names.

Modules: ``features`` (what is measured), ``preprocess`` (how it is scaled), ``clustering``
(``Segmenter``, diagnostics, suggested k), ``profiles`` (index vs base, names), ``rfm`` (the
classic RFM lens), ``details`` (one segment's products and channels), ``export`` (membership
with small segments merged), ``pipeline`` (all of it in one call), ``columns`` (names).
"""
