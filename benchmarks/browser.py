"""A headless system Chromium for the pages' benchmarks and tests, and the command line they share.

Playwright's own browser download is not used: the system's Chromium (Debian's ``chromium``, or
the one ``CHROMIUM`` names) is launched with flags that keep it off the network.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .report import verdict

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Flags for a headless Chromium on a machine with no network: no background connections."""

LOCAL = ("http://127.0.0.1", "http://localhost", "data:", "blob:", "about:")
"""The only addresses a page may fetch: this machine's, and what the page makes itself."""

FRAME_TIMES = """() => {
  const times = [];
  for (let k = 1; k <= chainrule.frames; k++) {
    const started = performance.now();
    chainrule.go(k);
    document.body.offsetHeight;  // the style and layout the change causes, not just its script
    times.push(performance.now() - started);
  }
  return times;
}"""
"""Milliseconds each ``chainrule.go(k)`` takes in a page of the shared shell, from frame 1 to the last."""


def find_chromium() -> str | None:
    """The system Chromium: the one ``CHROMIUM`` names, else ``chromium`` (or a namesake) on PATH."""
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        found = candidate and shutil.which(candidate)
        if found:
            return found
    return None


def keep_local(route: Any) -> None:
    """A Playwright route that lets a page fetch only from this machine."""
    if route.request.url.startswith(LOCAL):
        route.continue_()
    else:
        route.abort()


@contextmanager
def chromium_page(width: int = 1200, height: int = 900) -> Iterator[Any]:
    """A headless Chromium page that fetches nothing but this machine's addresses; raises
    ``RuntimeError`` saying what is missing (Playwright, or a system Chromium)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise RuntimeError("Playwright is not installed (pip install playwright)") from None
    chromium = find_chromium()
    if chromium is None:
        raise RuntimeError("no system Chromium (Debian: apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.route("**/*", keep_local)
            yield page
        finally:
            browser.close()


def frame_times(document: str, page: Any = None, prepare: str = "") -> list[float]:
    """Milliseconds each change of frame of ``document`` takes in Chromium, from frame 1 to the last,
    after running the script ``prepare``. ``page``: a Playwright page to use; without one, a
    headless system Chromium is started (``RuntimeError`` if there is none)."""
    if page is None:
        with chromium_page() as opened:
            return frame_times(document, opened, prepare)
    page.set_content(document)
    if prepare:
        page.evaluate(prepare)
    times: list[float] = page.evaluate(FRAME_TIMES)
    return times


def timing_line(what: str, document: str, budget_ms: float, unit: str = "steps") -> str:
    """``what (n steps): median …, worst … ms (budget …)``: every frame of ``document`` timed in
    Chromium; or, without Playwright or a system Chromium, why it was skipped."""
    try:
        times = frame_times(document)
    except RuntimeError as missing:
        return f"{what}: skipped, {missing}"
    return (
        f"{what} ({len(times)} {unit}): median {statistics.median(times):.2f} ms, "
        f"worst {max(times):.2f} ms (budget {budget_ms:g} ms: {verdict(times, budget_ms)})"
    )


def main(
    prog: str, description: str, run: Callable[[bool], list[str]], screenshot: Callable[[Path], None]
) -> int:
    """The command line of a page's benchmark: print its lines; ``--screenshot PATH`` photographs it."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, smaller runs")
    parser.add_argument("--screenshot", type=Path, help="also write a PNG of the page here")
    arguments = parser.parse_args()
    for line in run(arguments.quick):
        print(line, flush=True)
    if arguments.screenshot is not None:
        screenshot(arguments.screenshot)
        print(f"screenshot: {arguments.screenshot}")
    return 0
