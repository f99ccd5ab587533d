"""The ``omnimix`` command line: every capability, scriptable, with ``--json``.

Each area lives in its own module under ``core.commands`` exposing ``register(subparsers)``
(found automatically);
handlers return an exit code. User errors (``OmnimixError``) become one sentence on stderr
and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

from core.errors import OmnimixError


def command_modules() -> list[str]:
    """Every module in ``core.commands`` that defines ``register``: adding a file adds a command."""
    import core.commands

    return sorted(f"core.commands.{m.name}" for m in pkgutil.iter_modules(core.commands.__path__) if not m.name.startswith("_"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="omnimix", description="Omnichannel marketing analytics on DuckDB.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in command_modules():
        module = importlib.import_module(name)
        if hasattr(module, "register"):
            module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except OmnimixError as exc:
        print(f"omnimix: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader stopped early (`omnimix ... | head`): what it read was delivered. Point stdout
        # at /dev/null so the interpreter's final flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("omnimix: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI promises no tracebacks
        print(f"omnimix: unexpected error ({type(exc).__name__}): {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
