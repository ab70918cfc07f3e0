"""Benchmark: how fast hostile input is refused, and what the safe versions cost.

- ``nn.load`` of a small file that describes a 10-billion-parameter MLP, or a million-parameter
  one with no parameters, must be refused in well under a second (budget 100 ms): the
  architecture is checked against the file before anything is built.
- ``MLP(2, [10**20])`` is refused before a single parameter is made (budget 1 ms).
- A FIFO is refused without waiting for a writer (budget 100 ms).
- ``clip_grad_norm_`` computes the norm without overflow (scaled by the largest |g|); its cost
  against the plain ``fsum(g**2) ** 0.5`` that overflows above 1.3e154.
- ``Module.save`` checks that ``nn.load`` could rebuild the model; its share of a save.
- A Module given 10,000 parameters one attribute at a time: each assignment walks only its own
  value (it walked the whole module, 27 s in all). ``Recorder(grid=10_000)`` is refused at once
  (budget 1 ms), and one frame at the finest grid it takes, ``Recorder.MAX_GRID``.
- A graph 100,000 operations deep pickled, loaded and deep-copied node by node (it once hit the
  recursion limit); and the memory that keeping every step's gradients takes in ``backward_steps``.

``python -m benchmarks.reliability [--quick]`` prints the lines.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import pickle
import random
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import nn
from autograd import Value, backward_steps
from nn import optim
from nn.module import _rebuild_problem

REFUSAL_BUDGET_MS = 100.0
BUILD_BUDGET_MS = 1.0


def median_ms(work: Callable[[], object], repeats: int) -> float:
    """The median of ``repeats`` runs of ``work``, in milliseconds."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def refused(work: Callable[[], object], error: type[BaseException]) -> Callable[[], None]:
    """``work`` wrapped so that raising ``error`` is the expected outcome (anything else fails)."""

    def run() -> None:
        try:
            work()
        except error:
            return
        raise AssertionError(f"{work} was not refused")

    return run


def hostile_file(directory: Path, nin: int, nouts: list[int]) -> Path:
    """A model file whose architecture is ``MLP(nin, nouts)`` but that holds no parameters."""
    config = {"nin": nin, "nouts": nouts, "activation": "relu", "output_activation": "linear"}
    document = {
        "format": "chainrule-model",
        "version": 2,
        "architecture": {
            "class": "MLP",
            "module": "nn.layers",
            "config": {**config, "bias": True, "init": "uniform"},
        },
        "parameters": {},
    }
    path = directory / f"mlp-{nin}.json"
    path.write_text(json.dumps(document))
    return path


def budget(value: float, limit: float) -> str:
    return f"within the {limit:g} ms budget" if value <= limit else f"OVER the {limit:g} ms budget"


def run(quick: bool = False) -> list[str]:
    """The benchmark's report lines."""
    repeats = 3 if quick else 10
    lines = []
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        huge = hostile_file(directory, 100_000, [100_000, 1])
        large = hostile_file(directory, 1000, [1000, 1])
        ms = median_ms(refused(lambda: nn.load(huge), nn.ModelFileError), repeats)
        lines.append(
            f"nn.load refuses a {huge.stat().st_size}-byte file describing 10,000,200,001 parameters "
            f"in {ms:.2f} ms ({budget(ms, REFUSAL_BUDGET_MS)})"
        )
        ms = median_ms(refused(lambda: nn.load(large), nn.ModelFileError), repeats)
        lines.append(
            f"nn.load refuses a file describing 1,002,001 parameters but holding none in {ms:.2f} ms "
            f"({budget(ms, REFUSAL_BUDGET_MS)})"
        )
        if hasattr(os, "mkfifo"):
            fifo = directory / "fifo.json"
            os.mkfifo(fifo)
            ms = median_ms(refused(lambda: nn.load(fifo), nn.ModelFileError), repeats)
            lines.append(f"nn.load refuses a FIFO in {ms:.3f} ms ({budget(ms, REFUSAL_BUDGET_MS)})")
        ms = median_ms(refused(lambda: nn.MLP(2, [10**20]), ValueError), repeats)
        lines.append(f"MLP(2, [10**20]) is refused in {ms:.3f} ms ({budget(ms, BUILD_BUDGET_MS)})")

        model = nn.MLP(2, [16, 16, 1], seed=0)
        path = directory / "model.json"
        save_ms = median_ms(lambda: model.save(path), repeats)
        check_ms = median_ms(lambda: _rebuild_problem(model), repeats)
        lines.append(
            f"saving MLP(2, [16, 16, 1]) ({model.num_parameters()} parameters) takes {save_ms:.2f} ms, "
            f"of which {check_ms:.3f} ms check that nn.load could rebuild it ({check_ms / save_ms:.0%})"
        )

    lines += _module_and_recorder_lines(repeats)
    lines += _graph_lines(quick)
    rng = random.Random(0)
    count = 10_000 if quick else 100_000
    params = [Value(0.0) for _ in range(count)]
    grads = [rng.gauss(0.0, 1.0) for _ in range(count)]

    def clip() -> None:
        for p, g in zip(params, grads):
            p.grad = g
        optim.clip_grad_norm_(params, 1.0)

    def plain() -> None:  # the norm as it was: overflows to OverflowError above ~1.3e154
        for p, g in zip(params, grads):
            p.grad = g
        total = math.fsum(abs(float(p.grad)) ** 2.0 for p in params) ** 0.5
        coefficient = min(1.0 / (total + 1e-6), 1.0)
        for p in params:
            p.grad = float(p.grad) * coefficient

    scaled, naive = median_ms(clip, repeats), median_ms(plain, repeats)
    lines.append(
        f"clip_grad_norm_ on {count:,} gradients: {scaled:.1f} ms with the overflow-free norm, "
        f"{naive:.1f} ms with the plain one ({scaled / naive:.2f}x)"
    )
    return lines


def _module_and_recorder_lines(repeats: int) -> list[str]:
    values = [Value(0.0) for _ in range(10_000)]

    def assign() -> None:
        module = nn.Module()
        for i, value in enumerate(values):
            setattr(module, f"p{i}", value)

    lines = [f"a Module given 10,000 parameters one attribute at a time: {median_ms(assign, repeats):.1f} ms"]
    X, y = nn.data.make_moons(n_samples=100, noise=0.1, seed=0, labels=(-1, 1))
    model = nn.MLP(2, [16, 16, 1], seed=0)
    ms = median_ms(refused(lambda: nn.Recorder(model, X, y, grid=10_000), ValueError), repeats)
    lines.append(f"Recorder(grid=10_000) is refused in {ms:.3f} ms ({budget(ms, BUILD_BUDGET_MS)})")
    finest = nn.Recorder.MAX_GRID
    epoch = iter(range(10**9))
    recorder = nn.Recorder(model, X, y, grid=finest)
    ms = median_ms(lambda: recorder.record(next(epoch)), max(1, repeats // 3))
    lines.append(f"one frame of MLP(2, [16, 16, 1]) at the finest grid, {finest}×{finest}: {ms:.0f} ms")
    return lines


def _graph_lines(quick: bool) -> list[str]:
    depth = 10_000 if quick else 100_000
    y = Value(1.0, label="x")
    for _ in range(depth):
        y = y * 1.0
    text = b""

    def dump() -> None:
        nonlocal text
        text = pickle.dumps(y)

    dump_ms = median_ms(dump, 1)
    load_ms = median_ms(lambda: pickle.loads(text), 1)
    copy_ms = median_ms(lambda: copy.deepcopy(y), 1)
    lines = [
        f"a graph {depth:,} operations deep: pickled in {dump_ms:.0f} ms ({len(text) / 1e6:.1f} MB), "
        f"loaded in {load_ms:.0f} ms, deep-copied in {copy_ms:.0f} ms"
    ]
    tracemalloc.start()
    started = time.perf_counter()
    steps = list(backward_steps(y))
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    lines.append(
        f"list(backward_steps(...)) of that graph, each step keeping its own gradients: "
        f"{len(steps):,} steps in {seconds * 1000:.0f} ms, {peak / 1e6:.0f} MB at most "
        f"({peak / len(steps):.0f} bytes a step)"
    )
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reliability", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, fewer gradients")
    arguments = parser.parse_args(argv)
    for line in run(arguments.quick):
        print(line)


if __name__ == "__main__":
    main()
