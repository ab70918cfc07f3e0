"""Measuring: the best time over several repeats, and bytes allocated while building a graph."""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

collect_garbage_during_runs = True
"""Leave Python's cyclic garbage collector on while timing (as a user has it); ``--no-gc`` turns it off."""


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of several runs of the same work: ``best`` is what we compare."""

    runs: tuple[float, ...]

    @property
    def best(self) -> float:
        return min(self.runs)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


def time_repeated(work: Callable[..., Any], repeats: int, setup: Callable[[], Any] | None = None) -> Timing:
    """Time ``work()`` (or ``work(setup())`` when there is a setup) ``repeats`` times.

    The setup is not timed. The garbage collector is run before each repeat so that one run does
    not pay for the rubbish of the previous one; during the run it stays enabled, as it is for a
    user, unless ``collect_garbage_during_runs`` is False.
    """
    runs = []
    for _ in range(repeats):
        argument = setup() if setup is not None else None
        gc.collect()
        if not collect_garbage_during_runs:
            gc.disable()
        try:
            start = time.perf_counter()
            if setup is None:
                work()
            else:
                work(argument)
            runs.append(time.perf_counter() - start)
        finally:
            gc.enable()
        del argument
    return Timing(tuple(runs))


def bytes_allocated(build: Callable[[], Any]) -> int:
    """Bytes still allocated (traced by ``tracemalloc``) while the result of ``build()`` is alive."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = build()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del result
    return after - before
