"""The ``omnimix`` command line: every capability, scriptable, with ``--json``.

Each area lives in its own module under ``core.commands`` exposing ``register(subparsers)``;
handlers return an exit code. User errors (``OmnimixError``) become one sentence on stderr
and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from core.db import OmnimixError

COMMAND_MODULES: tuple[str, ...] = (
    "core.commands.data",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="omnimix", description="Omnichannel marketing analytics on DuckDB.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except OmnimixError as exc:
        print(f"omnimix: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("omnimix: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI promises no tracebacks
        print(f"omnimix: unexpected error ({type(exc).__name__}): {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
