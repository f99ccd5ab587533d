"""The report as a PDF: headless Chromium prints the same HTML (A4, the page's print stylesheet)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from core.errors import OmnimixError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    # Without these Chromium keeps trying to reach update and sync hosts, which a report must not do.
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
    "--no-pdf-header-footer",
    # Lets plotly's scripts finish drawing before the page is printed.
    "--virtual-time-budget=10000",
    # Charts keep the pixel width they were drawn at: in the default 800-px window they come out
    # 736 px wide, wider than A4's 703 px between the margins; at 740 px they are 676 px.
    "--window-size=740,1000",
)
TIMEOUT = 180.0


def find_browser() -> str | None:
    """Path of a Chromium-family browser on ``PATH`` (or Debian's ``/usr/bin/chromium``), or None."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


def print_pdf(html: Path, pdf: Path, *, browser: str) -> None:
    """Print ``html`` to ``pdf`` with headless ``browser``.

    Raises
    ------
    OmnimixError
        The browser failed, timed out or wrote nothing (one sentence).
    """
    command = [browser, *FLAGS, f"--print-to-pdf={pdf}", html.resolve().as_uri()]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise OmnimixError(f"The browser did not finish printing the PDF within {TIMEOUT:.0f} s.") from None
    if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        last = (done.stderr or "").strip().splitlines()[-1:] or ["no message"]
        raise OmnimixError(f"The browser could not print the PDF (exit {done.returncode}: {last[0][:200]}).")
