"""``python -m benchmarks.profile [demo|expression] [--top N]``: where chainrule spends its time.

Runs chainrule's side of benchmark 1 (demo training steps) or benchmark 2 (build and backward
of the fine-grained graph) under ``cProfile`` and prints the functions with the most time spent
in their own code. Profiling slows Python calls down, so read the shares, not the absolute times.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from collections.abc import Callable

from . import demo_step, expression
from .libraries import CHAINRULE


def demo_work(steps: int = 3) -> Callable[[], None]:
    """Training steps of micrograd's demo, in chainrule."""
    X, y = demo_step.make_moons()
    trainer = demo_step.chainrule_trainer(demo_step.micrograd_weights(demo_step.micrograd_model()))

    def work() -> None:
        for _ in range(steps):
            demo_step.chainrule_step(trainer, X, y)

    return work


def expression_work(operations: int = 50_000) -> Callable[[], None]:
    """Build and backpropagate the fine-grained graph of benchmark 2, in chainrule."""
    shape = expression.shape_with(operations)

    def work() -> None:
        expression.build(shape, expression.make_pool(CHAINRULE)).backward()

    return work


WORKLOADS = {"demo": demo_work, "expression": expression_work}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__)
    parser.add_argument("workload", choices=sorted(WORKLOADS), nargs="?", default="demo")
    parser.add_argument("--top", type=int, default=20, help="how many functions to list")
    arguments = parser.parse_args(argv)
    work = WORKLOADS[arguments.workload]()
    profiler = cProfile.Profile()
    profiler.runcall(work)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(arguments.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
