"""``--no-warm`` and the warm-up after a command wrote a database file (``generate``, ``load``).

Not a command itself (no ``register``): :mod:`core.commands.data` and :mod:`core.commands.load` use it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

SKIPPED = "Caches not warmed (--no-warm): the first report and the first visits to the Attribution and Recommendations pages will compute them."


def add_warm_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-warm", action="store_true",
                        help="do not precompute the slow first views afterwards (core.warmup); when loading "
                        "several tables, pass it on all but the last load")


def warm_after_write(args: argparse.Namespace, db: Path) -> tuple[dict, str]:
    """Warm the caches for ``db`` unless ``--no-warm``: the JSON fields and the output line.

    A failed step never fails the command: its one-sentence note goes to stderr.
    """
    if getattr(args, "no_warm", False):
        return {"warm_up": None}, SKIPPED
    from core.warmup import warm_caches

    done = warm_caches(db)
    for note in done.notes:
        print(f"omnimix: {note}", file=sys.stderr)
    return {"warm_up": done.as_dict()}, done.summary()
