"""The CDNOW transaction log (Fader & Hardie; shipped by ``lifetimes`` 0.11.3) as files ``omnimix load`` accepts.

Shared by ``tests/test_clv_real_log.py`` (on the 1/10 sample, ``tests/data/CDNOW_sample.txt``)
and ``benchmarks/bench_clv_real.py`` (on the full log, ``CDNOW_master.txt``).

The log is whitespace-separated, one row per transaction:

* ``CDNOW_master.txt``: a header line ``customer_id date number_of_cds dollar_value``, then
  ``id YYYYMMDD cds dollars`` (CRLF line ends);
* ``CDNOW_sample.txt``: no header, ``id sample_id YYYYMMDD cds dollars`` (``id`` is the master
  log's customer id, ``sample_id`` its 1..2357 renumbering; the master id is used).

Conversion (one file per table, loaded in foreign-key order: customers, products, orders,
order_items; the ``channels`` table already holds the standard channels, ``web`` among them):

* ``orders``: one order per log row, ``order_id`` = ``<customer>-<row number in the log>``,
  written with the log's own ``date`` header (``--map date=order_ts``), channel ``web``.
  Several rows of one customer on one day stay several orders; Omnimix counts them as one
  purchase (purchase days).
* ``order_items``: one line per order, product ``CD``, ``quantity`` = CDs, ``unit_price`` =
  dollars / CDs. Rows with 0 dollars (80 in the master log, 8 in the sample: free CDs) load
  with unit price 0. A row with 0 CDs cannot be an order line (the schema requires quantity
  > 0 and the unit price would divide by zero): its order is kept, since the purchase
  happened, but it gets no line (revenue 0). Neither CDNOW file has such a row.
* ``customers`` and ``products``: the log has neither, but ``orders`` and ``order_items``
  reference them, so the loader refuses orders of unknown customers. Minimal tables are
  written: one customer per id with ``signup_date`` = first purchase date (the only required
  column; region, age band and acquisition channel are left empty), one product
  ``CD`` (name "Compact disc", category "Music", price = median unit price).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

LOAD_ORDER = ("customers", "products", "orders", "order_items")
"""The tables written, in the order they must be loaded."""
ORDERS_MAP = ("date=order_ts",)
"""``--map`` options for the orders file (it keeps the log's ``date`` header)."""
CHANNEL = "web"
PRODUCT_ID = "CD"


@dataclass
class LogRow:
    customer_id: str
    day: dt.date
    cds: int
    dollars: float


@dataclass
class Converted:
    """What :func:`write_load_files` wrote: paths per table and counts."""

    files: dict[str, Path]
    rows: int
    customers: int
    first_day: dt.date
    last_day: dt.date
    free_rows: int  # 0 dollars: loaded with unit price 0
    zero_cd_rows: int  # 0 CDs: order kept, no order line
    purchase_days: int  # distinct (customer, day): what Omnimix counts as purchases
    maps: dict[str, tuple[str, ...]] = field(default_factory=dict)


def read_log(path: str | Path) -> list[LogRow]:
    """Parse a CDNOW log (master or sample layout, optional header line)."""
    rows: list[LogRow] = []
    with open(path, encoding="ascii") as f:
        for n, line in enumerate(f, start=1):
            parts = line.split()
            if not parts:
                continue
            if not parts[0].isdigit():
                if n == 1:  # the master log's header line
                    continue
                raise ValueError(f"{path}, line {n}: not a CDNOW log row: {line.strip()!r}")
            if len(parts) == 5:  # sample: id, sample id, date, cds, dollars
                parts = [parts[0], *parts[2:]]
            if len(parts) != 4:
                raise ValueError(f"{path}, line {n}: expected 4 or 5 columns, found {len(parts)}")
            cust, date, cds, dollars = parts
            rows.append(LogRow(cust, dt.datetime.strptime(date, "%Y%m%d").date(), int(cds), float(dollars)))
    if not rows:
        raise ValueError(f"{path} holds no transactions")
    return rows


def write_load_files(log: str | Path, out_dir: str | Path) -> Converted:
    """Write ``customers.csv``, ``products.csv``, ``orders.csv`` and ``order_items.csv`` for ``log`` into ``out_dir``."""
    rows = read_log(log)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {t: out / f"{t}.csv" for t in LOAD_ORDER}

    first: dict[str, dt.date] = {}
    for r in rows:
        if r.customer_id not in first or r.day < first[r.customer_id]:
            first[r.customer_id] = r.day
    with open(files["customers"], "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["customer_id", "signup_date"])
        w.writerows([c, d.isoformat()] for c, d in sorted(first.items()))

    unit_prices = [r.dollars / r.cds for r in rows if r.cds > 0]
    with open(files["products"], "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["product_id", "name", "category", "price"])
        w.writerow([PRODUCT_ID, "Compact disc", "Music", repr(round(statistics.median(unit_prices), 2))])

    with open(files["orders"], "w", newline="") as fo, open(files["order_items"], "w", newline="") as fi:
        wo, wi = csv.writer(fo), csv.writer(fi)
        wo.writerow(["order_id", "customer_id", "date", "channel"])
        wi.writerow(["order_id", "product_id", "quantity", "unit_price"])
        for n, r in enumerate(rows, start=1):
            order_id = f"{r.customer_id}-{n}"
            wo.writerow([order_id, r.customer_id, r.day.isoformat(), CHANNEL])
            if r.cds > 0:
                wi.writerow([order_id, PRODUCT_ID, r.cds, repr(r.dollars / r.cds)])

    return Converted(
        files=files,
        rows=len(rows),
        customers=len(first),
        first_day=min(r.day for r in rows),
        last_day=max(r.day for r in rows),
        free_rows=sum(r.dollars == 0 for r in rows),
        zero_cd_rows=sum(r.cds == 0 for r in rows),
        purchase_days=len({(r.customer_id, r.day) for r in rows}),
        maps={"orders": ORDERS_MAP},
    )


def omnimix(*argv: str, in_process: bool = False) -> str:
    """Run the real CLI and return what it printed; raise with its error if it exits non-zero.

    By default ``python -m core.cli`` runs in a subprocess, exactly as a user types it;
    ``in_process=True`` calls :func:`core.cli.main` instead (same parser and handlers, without
    a new interpreter's few seconds of imports), for tests.
    """
    if in_process:
        from core.cli import main

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
        stdout, stderr = out.getvalue(), err.getvalue()
    else:
        root = Path(__file__).resolve().parent.parent
        proc = subprocess.run([sys.executable, "-m", "core.cli", *argv], cwd=root, capture_output=True, text=True)
        code, stdout, stderr = proc.returncode, proc.stdout, proc.stderr
    if code != 0:
        raise RuntimeError(f"omnimix {' '.join(argv)} exited {code}: {stderr.strip()}")
    return stdout


def load_log(log: str | Path, work_dir: str | Path, db: str | Path, *,
             in_process: bool = False) -> tuple[Converted, list[dict]]:
    """Convert ``log`` into ``work_dir`` and load it into ``db`` (a new file) with ``omnimix load``, one table per call.

    Returns the conversion and the ``omnimix load --json`` report of each table.
    """
    if Path(db).exists():
        raise FileExistsError(f"{db} exists; the CDNOW log is loaded into a fresh database")
    conv = write_load_files(log, work_dir)
    reports = []
    for table in LOAD_ORDER:
        maps = [a for m in conv.maps.get(table, ()) for a in ("--map", m)]
        out = omnimix("load", "--db", str(db), "--table", table, str(conv.files[table]), *maps, "--json",
                      in_process=in_process)
        reports.append(json.loads(out))
    return conv, reports


def clv_holdout(db: str | Path, weeks: int, *, in_process: bool = False) -> dict:
    """``omnimix clv --db DB --holdout-weeks WEEKS --json``, parsed."""
    return json.loads(omnimix("clv", "--db", str(db), "--holdout-weeks", str(weeks), "--json", in_process=in_process))
