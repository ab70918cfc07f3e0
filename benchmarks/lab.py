"""Benchmark: the lab (``lab.html``) in Chromium: its training speed while drawing, how soon it answers.

``python -m benchmarks.lab`` builds the site into a temporary folder, serves it on 127.0.0.1 and opens
the lab in the system Chromium. Times are read in the page (``performance.now()``); each figure is a
median with its spread (lowest–highest) over several measurements. Budgets: moons with 100 points,
``MLP(2, [8, 8, 1])``, hinge loss, SGD trains at least 20 steps a second while the view redraws;
the view refreshes at least 5 times a second while training, and a message sent while training (a
control's) is answered within 100 ms, at the speeds "fast" and "fastest"; the first frame is drawn
at most 2 s after Python is ready; a control changed while training shows the new run's first
frame within 300 ms. ``--screenshot PATH`` photographs the lab after its preset.
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

REFRESH_BUDGET = 5.0
"""Times a second, at least, the view is redrawn while training."""

ANSWER_BUDGET = 0.1
"""Seconds, at most, for the page to answer a message sent while training."""

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

TRAIN = """async ([settings, seconds, speed]) => {
  const lab = window.chainrule.lab;
  await lab.configure(settings);
  const chosen = document.querySelector("#speed");
  chosen.value = speed;
  const frames = lab.drawn.frames, started = performance.now();
  lab.play();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const epochs = lab.drawn.epoch, drawn = lab.drawn.frames - frames;
  const elapsed = (lab.drawn.at - started) / 1000;
  lab.pause();
  const asked = performance.now();
  await lab.state();  // a message sent while training waits at most one chunk
  const answer = (performance.now() - asked) / 1000;
  const named = chosen.selectedOptions[0].text;
  return {epochs: epochs, frames: drawn, seconds: elapsed, answer: answer, speed: named};
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
    for batch, speed in ((10, "1"), (100, "1"), (100, "3")):
        runs = [page.evaluate(TRAIN, [{**BENCH, "batch_size": batch}, seconds, speed]) for _ in range(3)]
        steps = [r["epochs"] * (100 // batch) / r["seconds"] for r in runs]
        refresh = [r["frames"] / r["seconds"] for r in runs]
        answers = [r["answer"] for r in runs]
        verdicts = [
            "ok" if min(steps) >= STEPS_BUDGET else "steps UNDER BUDGET",
            "ok" if min(refresh) >= REFRESH_BUDGET else "refresh UNDER BUDGET",
            "ok" if max(answers) <= ANSWER_BUDGET else "answer OVER BUDGET",
        ]
        what = f"batches of {batch}, {100 // batch} steps an epoch" if batch < 100 else "full batch"
        lines.append(
            f"lab: moons 100 points, MLP(2, [8, 8, 1]), hinge, SGD, {what}, speed “{runs[0]['speed']}”: "
            f"{spread(steps)} steps/s (budget ≥ {STEPS_BUDGET:g}); view refreshed "
            f"{spread(refresh, digits=1)} times/s (budget ≥ {REFRESH_BUDGET:g}); a message while training "
            f"answered in {spread(answers, 1e3)} ms (budget {ANSWER_BUDGET * 1e3:.0f} ms): "
            + ("ok" if set(verdicts) == {"ok"} else ", ".join(v for v in verdicts if v != "ok"))
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
