"""Benchmark: the lab (``lab.html``) in Chromium: its training speed while drawing, how soon it answers.

``python -m benchmarks.lab`` builds the site into a temporary folder, serves it on 127.0.0.1 and opens
the lab in the system Chromium. Times are read in the page (``performance.now()``); each figure is a
median with its spread (lowest–highest) over several measurements. Budgets: moons with 100 points,
``MLP(2, [8, 8, 1])``, hinge loss, SGD trains at least 20 steps a second while the view redraws;
the first frame is drawn at most 2 s after Python is ready; a control changed while training shows
the new run's first frame within 300 ms. ``--screenshot PATH`` photographs the lab after its preset.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from web import build

from .browser import chromium_page, main

STEPS_BUDGET = 20.0
"""Training steps a second, at least, with the view refreshing."""

FIRST_FRAME_BUDGET = 2.0
"""Seconds from Python ready to the first frame drawn."""

CHANGE_BUDGET = 0.3
"""Seconds from a control's change (while training) to the new run's first frame."""

BENCH = {
    "data": "moons",
    "points": 100,
    "test_fraction": 0,
    "layers": [8, 8],
    "loss": "hinge",
    "optimizer": "sgd",
}
"""The budgets' configuration: micrograd's demo data on a smaller network."""

OPEN = """() => window.chainrule.ready.then(async () => {
  const ready = performance.now();
  while (window.chainrule.lab.drawn.frames === 0) await new Promise((r) => setTimeout(r, 5));
  return (window.chainrule.lab.drawn.at - ready) / 1000;
})"""

TRAIN = """async ([settings, seconds]) => {
  const lab = window.chainrule.lab;
  await lab.configure(settings);
  const frames = lab.drawn.frames, started = performance.now();
  lab.play();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const epochs = lab.drawn.epoch, drawn = lab.drawn.frames - frames;
  const elapsed = (lab.drawn.at - started) / 1000;
  lab.pause();
  const asked = performance.now();
  await lab.state();  // a message sent while training waits at most one chunk
  return {epochs: epochs, frames: drawn, seconds: elapsed, answer: (performance.now() - asked) / 1000};
}"""

CHANGE = """async (lr) => {
  const lab = window.chainrule.lab, control = document.querySelector('[data-setting="lr"]');
  lab.play();
  await new Promise((r) => setTimeout(r, 400));
  const started = performance.now();
  control.value = String(lr);
  control.dispatchEvent(new Event("change"));
  const shown = () => lab.drawn.config.lr === lr && lab.drawn.epoch === 0;
  while (!shown()) await new Promise((r) => requestAnimationFrame(r));
  return (lab.drawn.at - started) / 1000;
}"""


@contextmanager
def served_site() -> Iterator[str]:
    """The site built from this checkout into a temporary folder and served; yields its URL."""
    with tempfile.TemporaryDirectory(prefix="chainrule-lab-bench-") as scratch:
        site = Path(scratch) / "site"
        build.build(site)
        with build.serve(site) as url:
            yield url


def spread(values: list[float], scale: float = 1.0, digits: int = 0) -> str:
    """``median m (lo–hi)`` of values times ``scale``."""
    m, lo, hi = (f"{v * scale:.{digits}f}" for v in (statistics.median(values), min(values), max(values)))
    return f"median {m} ({lo}–{hi})"


def open_lab(page: Any, url: str) -> float:
    """Open the lab; seconds from Python ready to the first frame drawn."""
    page.set_default_timeout(120_000)
    page.goto(url + "lab.html", wait_until="commit")
    page.wait_for_function("window.chainrule !== undefined && window.chainrule.lab !== undefined")
    seconds: float = page.evaluate(OPEN)
    return seconds


def measure(page: Any, url: str, quick: bool) -> list[str]:
    """The lab's lines, in one Chromium page."""
    loads = [open_lab(page, url) for _ in range(2 if quick else 3)]
    verdict = "ok" if max(loads) <= FIRST_FRAME_BUDGET else "OVER BUDGET"
    lines = [
        f"lab: first frame after Python is ready {spread(loads, 1e3)} ms over {len(loads)} loads "
        f"(budget {FIRST_FRAME_BUDGET * 1e3:.0f} ms): {verdict}"
    ]
    seconds = 2.0 if quick else 3.0
    for batch, what in ((10, "batches of 10, 10 steps an epoch"), (100, "full batch, 1 step an epoch")):
        runs = [page.evaluate(TRAIN, [{**BENCH, "batch_size": batch}, seconds]) for _ in range(3)]
        steps = [r["epochs"] * (100 // batch) / r["seconds"] for r in runs]
        refresh = [r["frames"] / r["seconds"] for r in runs]
        answers = [r["answer"] for r in runs]
        verdict = "ok" if min(steps) >= STEPS_BUDGET else "UNDER BUDGET"
        lines.append(
            f"lab: moons 100 points, MLP(2, [8, 8, 1]), hinge, SGD, {what}: {spread(steps)} steps/s "
            f"(budget ≥ {STEPS_BUDGET:g}): {verdict}; view refreshed {spread(refresh, digits=1)} times/s; "
            f"a message while training answered in {spread(answers, 1e3)} ms"
        )
    changes = [page.evaluate(CHANGE, 0.05 + 0.01 * k) for k in range(3 if quick else 7)]
    verdict = "ok" if statistics.median(changes) <= CHANGE_BUDGET else "OVER BUDGET"
    lines.append(
        f"lab: control changed while training → the new run's first frame {spread(changes, 1e3)} ms "
        f"over {len(changes)} changes (budget {CHANGE_BUDGET * 1e3:.0f} ms): {verdict}"
    )
    return lines


def run(quick: bool = False) -> list[str]:
    """Build and serve the site, open the lab in Chromium; one line per figure, against its budget."""
    try:
        with served_site() as url, chromium_page(width=1300, height=1000) as page:
            return measure(page, url, quick)
    except RuntimeError as missing:
        return [f"lab: skipped, {missing}"]
    except SystemExit as failed:
        return [f"lab: skipped, the site could not be built: {failed}"]


def screenshot(path: Path) -> None:
    """The lab after its preset (weights only, biases only, both: 60 epochs each), as a PNG."""
    with served_site() as url, chromium_page(width=1300, height=1500) as page:
        open_lab(page, url)
        page.evaluate("window.chainrule.lab.preset(60)")
        page.locator("#pinned .tv-run").nth(1).wait_for()
        page.screenshot(path=str(path), full_page=False)


if __name__ == "__main__":
    sys.exit(main("python -m benchmarks.lab", __doc__.splitlines()[0], run, screenshot))
