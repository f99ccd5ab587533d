"""A tiny hand-made database for the campaign, theme and SEO tests, every figure counted by hand.

Periods: the current period is 2025-03-03 – 2025-03-30 (28 days, four Monday weeks), the previous
one 2025-02-03 – 2025-03-02. Customers c000 – c199. Expected figures (credit rule: an order goes
to the customer's last session in the 7 days before it):

- E1 (email, "price offer"): current sessions c000–c059 on 03-10 (60, 30 engaged); orders c000–c011
  on 03-12 (2 × 10 EUR each) and c190 on 03-04 (30 EUR, its E1 session was on 03-01, in the previous
  period) -> 13 orders, 270 EUR; spend 4 × 100, 4 × 1,000 impressions, 4 × 50 clicks. Previous:
  sessions c000–c049 on 02-10 (10 engaged) + c190 -> 51; orders c000–c004 on 02-11 (20 EUR) -> 5,
  100 EUR; spend 4 × 50.
- S1 (social, "new arrivals"): sessions c100–c179 on 03-17 (40 engaged); orders c100–c119 on
  03-18 in the app (50 EUR) -> 20 orders, 1,000 EUR; spend 4 × 200, 4 × 10,000 impressions,
  4 × 100 clicks. Nothing before.
- X1 (display, "price offer"): 10 customers (c180–c189, hidden), orders c180–c181; spend 70 in
  the week of 03-03, reach unknown.
- Organic search: /blog/shoes ("generic") c120–c179 on 03-19 (45 engaged), c121 orders on 03-20
  (60 EUR, credited: its S1 session is older); c120 orders on 03-27, 8 days after its last
  session: credited to nothing. /brand ("brand") c000–c054 on 03-25, c000–c009 order on 03-26
  (40 EUR each). /about ("brand") c060–c064 (hidden). /blog/shoes also had c000–c119 on
  2025-01-15 (for the pages losing traffic: 120 -> 60 sessions, -50%).
- c199 orders on 2025-02-03 (no session): the data start, so the previous period is complete.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from core.store.db import init_db

START, END = dt.date(2025, 3, 3), dt.date(2025, 3, 30)


def _c(i: int) -> str:
    return f"c{i:03d}"


def _ts(day: str, hour: int) -> dt.datetime:
    return dt.datetime.fromisoformat(day) + dt.timedelta(hours=hour)


def build_tiny_db(path: Path, *, with_campaigns: bool = True) -> Path:
    """Write the database described in the module docstring to ``path`` (created)."""
    init_db(path)
    con = duckdb.connect(str(path))
    try:
        con.executemany("INSERT INTO customers VALUES (?, DATE '2024-01-01', NULL, NULL, NULL)",
                        [[_c(i)] for i in range(200)])
        con.execute("INSERT INTO products VALUES ('p1', 'Shoe', 'shoes', NULL, 10, NULL)")
        orders: list[tuple[str, dt.datetime, str, int, float]] = [(_c(199), _ts("2025-02-03", 9), "web", 1, 5.0)]
        orders += [(_c(i), _ts("2025-02-11", 10), "web", 1, 20.0) for i in range(5)]
        orders += [(_c(190), _ts("2025-03-04", 10), "web", 1, 30.0)]
        orders += [(_c(i), _ts("2025-03-12", 12), "web", 2, 10.0) for i in range(12)]
        orders += [(_c(i), _ts("2025-03-18", 12), "app", 1, 50.0) for i in range(100, 120)]
        orders += [(_c(120), _ts("2025-03-27", 12), "app", 1, 70.0), (_c(121), _ts("2025-03-20", 12), "web", 1, 60.0)]
        orders += [(_c(i), _ts("2025-03-06", 12), "web", 1, 10.0) for i in (180, 181)]
        orders += [(_c(i), _ts("2025-03-26", 12), "web", 1, 40.0) for i in range(10)]
        con.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)",
                        [[f"o{n}", c, ts, ch] for n, (c, ts, ch, _, _) in enumerate(orders)])
        con.executemany("INSERT INTO order_items VALUES (?, 'p1', ?, ?)",
                        [[f"o{n}", q, p] for n, (_, _, _, q, p) in enumerate(orders)])
        if not with_campaigns:
            return path
        con.executemany("INSERT INTO campaigns VALUES (?, ?, ?, ?, ?, DATE '2025-01-01', NULL, ?)", [
            ["E1", "email", "Spring sale", "conversion", "price offer", "/sale"],
            ["S1", "social", "New arrivals", "consideration", "new arrivals", "/new"],
            ["X1", "display", "Banner", "awareness", "price offer", "/sale"],
        ])
        spend = [[dt.date(2025, 2, 3) + dt.timedelta(weeks=w), "E1", 50.0, 500, 25] for w in range(4)]
        spend += [[START + dt.timedelta(weeks=w), "E1", 100.0, 1000, 50] for w in range(4)]
        spend += [[START + dt.timedelta(weeks=w), "S1", 200.0, 10000, 100] for w in range(4)]
        spend += [[START, "X1", 70.0, None, None]]
        con.executemany("INSERT INTO campaign_spend VALUES (?, ?, ?, ?, ?)", spend)
        touches = [(i, "2025-02-10", 10, "email", "E1", None, None, i < 10) for i in range(50)]
        touches += [(190, "2025-03-01", 10, "email", "E1", None, None, True)]
        touches += [(i, "2025-03-10", 10, "email", "E1", None, None, i < 30) for i in range(60)]
        touches += [(i, "2025-03-17", 9, "social", "S1", None, None, i < 140) for i in range(100, 180)]
        touches += [(i, "2025-03-05", 9, "display", "X1", None, None, True) for i in range(180, 190)]
        touches += [(i, "2025-03-19", 9, "organic_search", None, "/blog/shoes", "generic", i < 165)
                    for i in range(120, 180)]
        touches += [(i, "2025-03-25", 9, "organic_search", None, "/brand", "brand", True) for i in range(55)]
        touches += [(i, "2025-03-20", 9, "organic_search", None, "/about", "brand", False) for i in range(60, 65)]
        touches += [(i, "2025-01-15", 9, "organic_search", None, "/blog/shoes", "generic", True) for i in range(120)]
        con.executemany(
            "INSERT INTO touchpoints VALUES (?, ?, ?, ?, NULL, NULL, NULL, NULL, NULL, ?, ?, ?)",
            [[_c(i), _ts(day, h), ch, camp, page, kw, engaged] for i, day, h, ch, camp, page, kw, engaged in touches])
    finally:
        con.close()
    return path
