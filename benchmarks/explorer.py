"""Benchmark: the backward-pass explorer's export (time, size), a step and an edit in Chromium.

``python -m benchmarks.explorer`` prints the lines; ``--screenshot docs/explorer.png`` also photographs
the lecture neuron's page in Chromium, a weight being changed, for the README. Budgets: the lecture
neuron exports in under 0.2 s; ``MLP(2, [16, 16, 1])`` on one input plus a loss (about 400 values) in
under 3 s, and a step in Chromium takes under 50 ms; each page is at most 20% larger than the same
graph's page before the explorer computed (commit c11055a). An edit of a leaf, from
the key press or the drag's move (real input, at random moments) to the frame that paints it, takes
a median of 16 ms or less and a 95th percentile of 50 ms or less on that network's loss over 3
samples (551 values), a median of 50 ms or less over 23 samples (1,971 values, 15,594 edges), whose
export takes at most 5 s.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from random import Random
from typing import Any, cast

import autograd
import nn
from autograd import Value
from nn.demo import lecture_neuron

from .browser import chromium_page, frame_times, main, timing_line
from .report import verdict

PAGE_BEFORE = {"neuron": 53_085, "mlp": 1_010_952, "mlp3": 1_980_939, "mlp23": 12_009_071}
"""Bytes of each graph's page before the explorer computed (commit c11055a; it drew the 1,971 values
ungrouped then)."""
BUDGETS = {
    key: (seconds, round(1.2 * PAGE_BEFORE[key]))
    for key, seconds in {"neuron": 0.2, "mlp": 3.0, "mlp3": 5.0, "mlp23": 5.0}.items()
}
"""Export budgets: seconds, and bytes (20% over the page before)."""
STEP_BUDGET_MS = 50.0
EDIT_BUDGETS_MS = {3: (16.0, 50.0), 23: (50.0, float("inf"))}
"""Edit to repainted frame, by samples in the loss: median and 95th percentile."""

EDIT_CLOCK = """() => {
  // Each key or pointer event the browser creates: from its creation (event.timeStamp) to the next
  // painted frame (the message posted from the frame's requestAnimationFrame arrives once the frame
  // is drawn); and, per frame that had an edit, the page's own work: its handlers and its frame
  // callbacks, each with the style and layout it causes.
  const clock = window.editClock = {times: [], work: []};
  let frame = null, handled = 0;
  function painted(created) {
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => clock.times.push(performance.now() - created);
      channel.port2.postMessage(null);
    });
  }
  for (const type of ["keydown", "pointermove"]) {
    window.addEventListener(type, (event) => {  // before the page's handlers
      if (type === "pointermove" && event.buttons === 0) return;
      painted(event.timeStamp);
      handled = performance.now();
      if (frame === null) {
        const opened = frame = {work: 0, callbacks: 0};
        requestAnimationFrame(() => { opened.callbacks = performance.now(); });  // the page's next
      }
    }, true);
    window.addEventListener(type, () => {  // after them
      if (frame === null || handled === 0) return;
      document.body.offsetHeight;
      frame.work += performance.now() - handled;
      handled = 0;
      if (frame.closing) return;
      const closing = frame.closing = frame;
      requestAnimationFrame(() => {  // after the page's own frame callbacks
        document.body.offsetHeight;
        closing.work += performance.now() - closing.callbacks;
        clock.work.push(closing.work);
        frame = null;
      });
    });
  }
}"""
"""Installs ``window.editClock``: milliseconds from each key or drag event to the painted frame, and
the page's own work in each frame that had one."""

FOCUS_LEAF = """() => {
  const leaves = [...document.querySelectorAll(".cr-leaf")];
  const kind = (g) => chainrule.data.nodes[Number(g.getAttribute("data-node"))].kind;
  const leaf = leaves.find((g) => kind(g) === "weight") || leaves[0];  // a weight, where one is drawn
  leaf.focus();  // the page pans to it
  const box = leaf.getBoundingClientRect();
  return [box.left + box.width / 2, box.top + box.height / 2];
}"""
"""Focuses a weight's box (the first leaf, where no weight is drawn); its centre on the screen."""

TAKE = """() => {
  const taken = [window.editClock.times, window.editClock.work];
  window.editClock.times = [];
  window.editClock.work = [];
  return taken;
}"""
"""What ``window.editClock`` holds, emptied: ``[times, work]``."""


def mlp_loss() -> Value:
    """micrograd's demo network, ``MLP(2, [16, 16, 1])``, on one input, with a squared error."""
    model = nn.MLP(2, [16, 16, 1], seed=0)
    prediction = model([0.5, -1.0])
    assert isinstance(prediction, Value)
    loss = (prediction - 1.0) ** 2
    loss.label = "loss"
    return loss


def export(make: Callable[[], Value], repeats: int = 5) -> tuple[list[float], int, str, int]:
    """Seconds of each of ``repeats`` builds of the explorer and its HTML; the size, page, values."""
    times, document, values = [], "", 0
    for _ in range(repeats):
        root = make()
        started = time.perf_counter()
        explorer = autograd.explore(root)
        document = explorer.to_html()
        times.append(time.perf_counter() - started)
        values = explorer.values
    return times, len(document.encode("utf-8")), document, values


def export_line(what: str, key: str, make: Callable[[], Value], repeats: int) -> tuple[str, str, int]:
    """``explorer export, what (n values): median … s [range] (budget …: met, …), … KB …``; the page
    and its number of values."""
    times, size, document, values = export(make, repeats)
    seconds, most = BUDGETS[key]
    ok = "met" if size <= most else "NOT met"
    line = (
        f"explorer export, {what} ({values} values): median {statistics.median(times):.3f} s "
        f"[{min(times):.3f}–{max(times):.3f}] (budget {seconds:g} s: {verdict(times, seconds)}), "
        f"{size / 1000:.0f} KB, {size / PAGE_BEFORE[key] - 1:+.0%} on the page before "
        f"(budget {most / 1000:.0f} KB: {ok})"
    )
    return line, document, values


def mlp_samples(samples: int) -> Value:
    """``MLP(2, [16, 16, 1])``'s squared error summed over ``samples`` inputs: 409 values for one, 71
    more for each further one (the parameters are shared)."""
    model = nn.MLP(2, [16, 16, 1], seed=0)
    errors = [(cast(Value, model([0.5 * i, -1.0 + 0.3 * i])) - 1.0) ** 2 for i in range(samples)]
    loss = autograd.value_sum(errors)
    loss.label = "loss"
    return loss


def edit_times(
    document: str, page: Any, count: int = 60, seed: int = 0
) -> dict[str, tuple[list[float], list[float]]]:
    """Real input, which the browser turns into events: ``count`` ↑/↓ presses on a weight (the first
    leaf, where the drawing shows no weight), then a drag across it of ``count`` moves, each at a
    random moment so that none arrives in step with the frames. For each kind: the milliseconds from
    every event to the frame that paints it, and the page's own work in each frame with an edit."""
    random = Random(seed)
    page.set_content(document)
    page.evaluate(EDIT_CLOCK)
    x, y = page.evaluate(FOCUS_LEAF)

    def pause() -> None:
        time.sleep(random.uniform(0.005, 0.05))

    for i in range(count):
        page.keyboard.press("ArrowDown" if i % 2 else "ArrowUp")
        pause()
    time.sleep(0.2)  # the last edit painted
    keys = page.evaluate(TAKE)
    page.mouse.move(x, y)
    page.mouse.down()
    dx, right = 0.0, page.viewport_size["width"] - 10
    for _ in range(count):
        step = random.choice((-1, 1)) * random.uniform(3, 20)  # pixels: 0.03 to 0.2 on the number
        if not 10 <= x + dx + step <= right or abs(dx + step) < 5:  # on the screen, past the 4 px a
            step = -step  # drag must move before it changes the number
        dx += step
        page.mouse.move(x + dx, y)
        pause()
    page.mouse.up()
    time.sleep(0.2)
    drags = page.evaluate(TAKE)
    return {"key presses": tuple(keys), "drag moves": tuple(drags)}


def spread(times: list[float]) -> str:
    """``median 4.1 ms (IQR 3.9–4.4), p95 6.0 ms``."""
    quartiles = statistics.quantiles(times, n=4)
    return (
        f"median {statistics.median(times):.1f} ms (IQR {quartiles[0]:.1f}–{quartiles[2]:.1f}), "
        f"p95 {percentile95(times):.1f} ms"
    )


def percentile95(times: list[float]) -> float:
    """The time that 95% of ``times`` keep within."""
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def step_times(document: str, page: Any = None) -> list[float]:
    """Milliseconds each step takes in Chromium, stepping from the first frame to the last."""
    return frame_times(document, page)


def screenshot(path: Path) -> None:
    """The lecture neuron's page three steps in, a weight being changed, as a PNG."""
    with chromium_page(width=1200, height=720) as page:
        page.set_content(autograd.explore(lecture_neuron()).to_html())
        for _ in range(3):
            page.keyboard.press("ArrowRight")
        page.evaluate("chainrule.set('w2', 0.5)")
        page.click('[data-node="4"]')  # w2: its data, grad and lines of code, and the editor open
        page.keyboard.type("0.75")
        page.screenshot(path=str(path))


def run(quick: bool = False) -> list[str]:
    """The benchmark's lines: export of both graphs, then a step in Chromium for the larger one."""
    lines = []
    repeats = 1 if quick else 5
    document = ""
    for key, name, make in (
        ("neuron", "lecture neuron", lecture_neuron),
        ("mlp", "MLP(2, [16, 16, 1]) + loss", mlp_loss),
    ):
        line, document, _ = export_line(name, key, make, repeats)
        lines.append(line)
    lines.append(
        timing_line("explorer step in Chromium, MLP(2, [16, 16, 1]) + loss", document, STEP_BUDGET_MS)
    )
    lines += edit_lines(repeats)
    return lines


def edit_lines(repeats: int) -> list[str]:
    """Export and edits in Chromium of the network's loss over 3 and 23 samples."""
    lines = []
    for samples in EDIT_BUDGETS_MS:
        what = f"MLP(2, [16, 16, 1]) loss over {samples} samples"
        line, document, values = export_line(what, f"mlp{samples}", partial(mlp_samples, samples), repeats)
        lines.append(line)
        try:
            with chromium_page() as page:
                kinds = edit_times(document, page, 30 if repeats == 1 else 100)
        except RuntimeError as missing:
            lines.append(f"explorer edit in Chromium: skipped, {missing}")
            continue
        median, p95 = EDIT_BUDGETS_MS[samples]
        for kind, (times, work) in kinds.items():
            budget = f"(budget median {median:g} ms: {verdict(times, median)}"
            if p95 != float("inf"):
                budget += f"; p95 {p95:g} ms: {'met' if percentile95(times) <= p95 else 'NOT met'}"
            lines.append(
                f"explorer edit to painted frame, {values} values ({len(times)} {kind}): "
                f"{spread(times)} {budget})"
            )
            lines.append(
                f"explorer edit, the page's own work per frame, {values} values ({kind}): {spread(work)}"
            )
    return lines


if __name__ == "__main__":
    sys.exit(main("python -m benchmarks.explorer", __doc__.splitlines()[0], run, screenshot))
