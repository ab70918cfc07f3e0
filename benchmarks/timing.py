"""Measuring: the best time over several repeats, and bytes allocated while building a graph."""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

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

    The setup is not timed. Each run pays for its own garbage and nobody else's. Before it,
    everything alive (libraries, models, leaves) is collected and frozen out of the collector's
    sight, so that collections during the run walk only what the run makes, whatever else was
    imported. During the run the collector stays on, as a user has it, and the clock stops only
    after one last collection has reclaimed what the run dropped: reference counting frees a
    chainrule graph the moment it is dropped, but a graph with cycles in it (micrograd's: each
    node's ``_backward`` closure refers to the node) waits for the collector, as it would in a
    training loop. With ``collect_garbage_during_runs`` False the collector is off during runs.
    """
    runs = []
    for _ in range(repeats):
        argument = setup() if setup is not None else None
        gc.collect()
        gc.freeze()
        gc.collect()  # with nothing left in sight, the collector counts from zero (its thresholds)
        if not collect_garbage_during_runs:
            gc.disable()
        try:
            start = time.perf_counter()
            if setup is None:
                work()
            else:
                work(argument)
            if collect_garbage_during_runs:
                gc.collect()
            runs.append(time.perf_counter() - start)
        finally:
            gc.enable()
            gc.unfreeze()
        del argument
    return Timing(tuple(runs))


Work: TypeAlias = "tuple[Callable[..., Any], Callable[[], Any] | None]"
"""A piece of work to time and its untimed setup (or None), as ``time_repeated`` takes them."""
Name = TypeVar("Name", bound=Hashable)


def time_interleaved(works: Mapping[Name, Work], repeats: int) -> dict[Name, Timing]:
    """``time_repeated`` for several pieces of work, taking turns: each runs once, then each again.

    A shared machine speeds up and slows down over seconds and minutes; taking turns spreads that
    drift over all the work alike, so the ratios between them stay fair.
    """
    runs: dict[Name, list[float]] = {name: [] for name in works}
    for _ in range(repeats):
        for name, (work, setup) in works.items():
            runs[name] += time_repeated(work, 1, setup).runs
    return {name: Timing(tuple(times)) for name, times in runs.items()}


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
