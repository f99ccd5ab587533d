"""The core is layered: numeric packages import without the database layer, and no module
in core/ imports Streamlit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Each run starts a fresh interpreter: hiding a module inside this one would leak into others.
_IMPORT_ALL = """
import importlib, json, pkgutil, sys
for hidden in sys.argv[2:]:
    sys.modules[hidden] = None  # 'import duckdb' now raises ImportError
package = importlib.import_module(sys.argv[1])
failed = {}
for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
    try:
        importlib.import_module(info.name)
    except ImportError as exc:
        failed[info.name] = str(exc)
print(json.dumps(failed))
"""


def _import_failures(package: str, *hidden: str) -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, package, *hidden], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("package", ["core.clv", "core.mmm", "core.recs", "core.segments"])
def test_numeric_packages_import_without_duckdb(package):
    assert _import_failures(package, "duckdb") == {}


def test_hiding_duckdb_is_noticed_by_the_data_layer():
    """The check above can fail: the data layer itself needs duckdb."""
    failures = _import_failures("core.store", "duckdb")
    assert "core.store.db" in failures and "duckdb" in failures["core.store.db"]


def test_errors_import_without_duckdb():
    code = "import sys; sys.modules['duckdb'] = None; from core.errors import LoadError, OmnimixError; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_core_never_imports_streamlit():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "core").rglob("*.py")
        if any(
            line.strip().startswith(("import streamlit", "from streamlit"))
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    ]
    assert offenders == []
