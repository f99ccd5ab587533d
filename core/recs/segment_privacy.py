"""Per-segment evaluation figures with customers with a history and new ones apart, safe to show.

:func:`core.recs.evaluate.private_by_segment` hides small segments; once each segment is also
split by history, hiding the small pieces is not enough, because the pieces add up to totals
shown elsewhere.  :func:`private_segment_views` hides what would give a small piece away.
"""

from __future__ import annotations

import pandas as pd

from core.privacy import COMPLEMENT, MIN_GROUP_SIZE, SMALL, mark_hidden, with_complement
from core.recs import columns as C
from core.recs import metrics as M


def private_segment_views(by_segment: pd.DataFrame, by_segment_history: pd.DataFrame, *,
                          min_size: int = MIN_GROUP_SIZE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``by_segment`` and ``by_segment_history`` with small groups hidden, and what would give them away.

    A segment's two groups (with a history, new) add up to its count in ``by_segment``, and one
    group over all segments adds up to ``by_history``'s count.  So: a (segment, group) under
    ``min_size`` is hidden; within each group over the segments the next smallest is hidden too
    when exactly one is (:func:`core.privacy.with_complement`); a segment's total is hidden when
    one of its groups is; and a hidden total whose groups both show hides the smaller group.
    Repeated until nothing hidden follows by subtraction.  Customers with a history stay visible
    in the per-segment view even where the few new ones are hidden.

    Returns
    -------
    (by_segment, by_segment_history), each with hidden counts NaN, flagged in ``customers_hidden``
    (``"small"`` or ``"complement"``), and their accuracy figures NaN.
    """
    seg = by_segment.reset_index(drop=True)
    hist = by_segment_history.reset_index(drop=True)
    seg_small = seg["customers"].lt(min_size) & seg["customers"].gt(0)
    hist_small = hist["customers"].lt(min_size) & hist["customers"].gt(0)
    seg_hidden, hist_hidden = seg_small.copy(), hist_small.copy()
    seg_key = seg[C.MODEL].astype(str) + "|" + seg[C.SEGMENT].astype(str)
    hist_key = hist[C.MODEL].astype(str) + "|" + hist[C.SEGMENT].astype(str)
    while True:
        before = (seg_hidden.copy(), hist_hidden.copy())
        for _, part in hist.groupby([C.MODEL, "history"]):
            i = part.index
            hist_hidden.loc[i] = hist_hidden.loc[i] | with_complement(part["customers"], hist_hidden.loc[i])
        seg_hidden |= seg_key.isin(set(hist_key[hist_hidden]))
        for _, part in seg.groupby(C.MODEL):
            i = part.index
            seg_hidden.loc[i] = seg_hidden.loc[i] | with_complement(part["customers"], seg_hidden.loc[i])
        # A hidden total with both of its groups visible would be their sum: hide the smaller group.
        exposed = hist[~hist_hidden & hist_key.isin(set(seg_key[seg_hidden]))]
        full = exposed.groupby([C.MODEL, C.SEGMENT])["customers"].transform("size") == 2
        smaller = exposed[full].sort_values(["customers", "history"]).drop_duplicates([C.MODEL, C.SEGMENT]).index
        hist_hidden.loc[smaller] = True
        if seg_hidden.equals(before[0]) and hist_hidden.equals(before[1]):
            break
    out = []
    for frame, small, hidden in ((seg, seg_small, seg_hidden), (hist, hist_small, hist_hidden)):
        frame = frame.copy()
        mark_hidden(frame, "customers", small.to_numpy(), SMALL)
        if (hidden & ~small).any():
            mark_hidden(frame, "customers", (hidden & ~small).to_numpy(), COMPLEMENT)
        for col in M.ACCURACY:
            frame[col] = frame[col].astype("float64").where(~hidden)
        out.append(frame)
    return out[0], out[1]
