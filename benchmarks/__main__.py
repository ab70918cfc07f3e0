"""``python -m benchmarks [--quick] [--no-torch] [--no-plot] [--docs]``: run the benchmarks, print results.

The scaling plot goes to ``figures/`` (ignored by git), so a run leaves the working tree as it was;
``--docs`` writes it to ``docs/`` instead, where the README shows it.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from importlib.metadata import version
from pathlib import Path

from . import demo_step, explorer, expression, lab, reliability, scaling, site, timing, training_view
from .libraries import CHAINRULE, MICROGRAD, torch_library
from .report import ratio_line, table

ROOT = Path(__file__).resolve().parent.parent
PLOT = ROOT / "figures" / "scaling.png"
DOCS_PLOT = ROOT / "docs" / "scaling.png"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller graphs and fewer repeats (about 30 s)")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out even when it is installed")
    parser.add_argument("--no-plot", action="store_true", help=f"do not write {PLOT.name}")
    parser.add_argument(
        "--docs", action="store_true", help=f"write the plot to {DOCS_PLOT.relative_to(ROOT)}"
    )
    parser.add_argument(
        "--no-gc", action="store_true", help="switch the cyclic garbage collector off while timing"
    )
    arguments = parser.parse_args(argv)
    timing.collect_garbage_during_runs = not arguments.no_gc
    plot = DOCS_PLOT if arguments.docs else PLOT

    torch = None if arguments.no_torch else torch_library()
    libraries = [CHAINRULE, MICROGRAD] + ([torch] if torch is not None else [])
    versions = f"Python {platform.python_version()}, micrograd {version('micrograd')}"
    if torch is not None:
        import torch as torch_module

        versions += f", torch {torch_module.__version__} (scalar tensors, 1 thread)"
    print(
        f"chainrule benchmarks: {versions}; times are medians of several runs [their range], the "
        f"libraries taking turns; garbage collector {'off' if arguments.no_gc else 'on'}"
        f"{'' if arguments.no_gc else ', each run timed until its garbage is reclaimed'}\n",
        flush=True,
    )
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    if load > cores - 0.5:
        print(f"warning: load average {load:.1f} on {cores} cores; other work will slow these timings\n")
    started = time.perf_counter()

    quick = arguments.quick
    names = [library.name for library in libraries]
    results = [demo_step.run(names, steps=5)]
    print(ratio_line(results[-1]), flush=True)
    if not arguments.no_gc:  # the same step with the collector off: what is left is the engines' own work
        timing.collect_garbage_during_runs = False
        results.append(demo_step.run(names, steps=5))
        results[-1].benchmark += ", collector off"
        timing.collect_garbage_during_runs = True
        print(ratio_line(results[-1]), flush=True)
    results.append(demo_step.backward_per_node(steps=5))  # the goal: at most micrograd's per node
    print(ratio_line(results[-1]), flush=True)
    for result in expression.run(
        libraries, operations=10_000 if quick else 50_000, repeats=3 if quick else 5
    ):
        results.append(result)
        print(ratio_line(result), flush=True)

    sizes = [1_000, 3_000, 10_000, 30_000, 100_000] + ([] if quick else [300_000, 1_000_000])
    curves = scaling.measure_curves(
        [CHAINRULE, MICROGRAD], sizes, micrograd_largest=30_000 if quick else 100_000
    )
    scaling_lines = scaling.summary(curves)
    for line in scaling_lines:
        print(line, flush=True)
    if not arguments.no_plot:
        plot.parent.mkdir(exist_ok=True)
        scaling.plot(curves, plot)
    budget_lines = []  # the pages and the files, each figure against its budget
    for benchmark in (explorer, training_view, site, lab, reliability):
        for line in benchmark.run(quick):
            budget_lines.append(line)
            print(line, flush=True)
    for line in tensor_lines(quick, torch is not None):
        budget_lines.append(line)
        print(line, flush=True)

    print()
    print(table(results))
    print()
    for result in results:
        print(ratio_line(result))
    for line in scaling_lines + budget_lines:
        print(line)
    if not arguments.no_plot:
        print(f"\nscaling plot: {plot}")
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


def tensor_lines(quick: bool, torch: bool) -> list[str]:
    """The batched replay's lines, or why they are missing (NumPy or scikit-learn's digits absent)."""
    try:
        from . import tensor
    except ImportError as error:
        return [f"tensor benchmarks skipped: {error}"]
    try:
        return tensor.run(quick, torch)
    except ImportError as error:
        return [f"tensor benchmarks skipped: {error}"]


if __name__ == "__main__":
    sys.exit(main())
