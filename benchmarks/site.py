"""The static site in a real Chromium: how soon the playground can run, each README example's run, the size.

``python -m benchmarks.site`` builds the site from this checkout into a temporary folder, serves it on
127.0.0.1 and opens the playground in the system Chromium (through Playwright). Times are measured in
the page with ``performance.now()``: "ready" from the start of navigation until ``chainrule.ready``
resolves; each example's first run (what a learner waits for) and its best of three.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from web import build

from .browser import CHROMIUM_FLAGS, find_chromium, keep_local

READY_BUDGET = 8.0
"""Seconds from opening the playground until it can run code."""

EXAMPLE_BUDGET = 1.0
"""Seconds for one README example, first run."""

SIZE_BUDGET = 30.0
"""Megabytes of the whole site."""

MEASURE_RUN = """async code => {
    const started = performance.now();
    const result = await window.chainrule.run(code);
    return {seconds: (performance.now() - started) / 1000, error: result.error};
}"""


def run(quick: bool = False) -> list[str]:
    """Build, serve and open the site; one line per figure, each against its budget."""
    repeats = 2 if quick else 3
    chromium = find_chromium()
    if chromium is None:
        return ["site: skipped, no system Chromium (Debian: apt-get install chromium)"]
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return ["site: skipped, Playwright is not installed (pip install playwright)"]
    with tempfile.TemporaryDirectory(prefix="chainrule-site-bench-") as scratch:
        site = Path(scratch) / "site"
        try:
            build.build(site)
        except SystemExit as failed:
            return [f"site: skipped, the site could not be built: {failed}"]
        lines = [size_line(site)]
        with build.serve(site) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
            page = browser.new_page()
            page.route("**/*", keep_local)
            page.set_default_timeout(120_000)
            page.goto(url + "index.html", wait_until="commit")
            page.wait_for_function("window.chainrule && window.chainrule.ready")  # set as the page starts
            ready = page.evaluate("window.chainrule.ready.then(() => performance.now() / 1000)")
            lines.insert(0, budget_line("playground ready to run", ready, READY_BUDGET, "s"))
            for example in build.readme_examples((build.ROOT / "README.md").read_text(encoding="utf-8")):
                runs = [page.evaluate(MEASURE_RUN, example["code"]) for _ in range(repeats)]
                if runs[0]["error"]:
                    lines.append(f"site: README example {example['title']!r} failed: {runs[0]['error']}")
                    continue
                best = min(r["seconds"] for r in runs)
                what = f"README example {example['title']!r}, first run"
                line = budget_line(what, runs[0]["seconds"], EXAMPLE_BUDGET, "s")
                lines.append(f"{line}; best of {repeats} {best * 1e3:.0f} ms")
            browser.close()
    return lines


def size_line(site: Path) -> str:
    """The site's size against its budget, and how much of it is the Pyodide core."""
    total = sum(path.stat().st_size for path in site.rglob("*") if path.is_file()) / 1e6
    core = sum((site / "pyodide" / name).stat().st_size for name in build.PYODIDE_FILES) / 1e6
    return budget_line("size", total, SIZE_BUDGET, "MB") + f"; the Pyodide core {core:.1f} MB of it"


def budget_line(what: str, amount: float, budget: float, unit: str) -> str:
    """``site: what 1.23 s (budget 8 s): ok`` — or ``OVER BUDGET``."""
    shown = f"{amount * 1e3:.0f} ms" if unit == "s" and amount < 1 else f"{amount:.3g} {unit}"
    verdict = "ok" if amount <= budget else "OVER BUDGET"
    return f"site: {what} {shown} (budget {budget:g} {unit}): {verdict}"


if __name__ == "__main__":
    for line in run():
        print(line)
    sys.exit(0)
