"""Results and how they are printed: one table, then one ratio line per benchmark."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

BASELINE = "micrograd"

CLOSED_GOAL = "#6's goal, closed as out of reach for the plain engine on CPython"
"""Whose the 50x and 8x targets are: issue #6 set them and closed unmet for the plain engine
(met through ``autograd.compile``); they stay as a yardstick, named as what they are."""


@dataclass
class Result:
    """One benchmark's number for each library (smaller is better), and the target against micrograd.

    For a time, ``target`` is how many times faster than micrograd chainrule should be; for memory
    (``unit`` "B/node") it is the largest allowed fraction of micrograd's bytes. ``samples`` holds
    each library's runs, taken in turns (run i of one beside run i of another); ``values`` are their
    medians. ``target_of`` says whose goal the target is, when it is not a goal of today's work.
    """

    benchmark: str
    unit: str
    values: dict[str, float] = field(default_factory=dict)
    target: float | None = None
    note: str = ""
    variants: dict[str, float] = field(default_factory=dict)
    """chainrule doing the same work another way (``"compiled"``: through ``autograd.compile``)."""
    samples: dict[str, tuple[float, ...]] = field(default_factory=dict)
    target_of: str = ""

    def add(self, name: str, runs: tuple[float, ...], variant: bool = False) -> None:
        """``name``'s runs: their median becomes its value (a variant's, with ``variant``)."""
        self.samples[name] = runs
        (self.variants if variant else self.values)[name] = statistics.median(runs)

    def variant_results(self) -> list[Result]:
        """Each variant as a result of its own, against the same micrograd (and torch) numbers."""
        others = {name: value for name, value in self.values.items() if name != "chainrule"}
        results = []
        for variant, value in self.variants.items():
            result = Result(
                f"{self.benchmark}, {variant}", self.unit, {"chainrule": value, **others}, self.target
            )
            result.samples = {name: runs for name, runs in self.samples.items() if name in others}
            if variant in self.samples:
                result.samples["chainrule"] = self.samples[variant]
            result.target_of = self.target_of
            results.append(result)
        return results

    @property
    def is_memory(self) -> bool:
        return self.unit.startswith("B")

    def ratio(self, library: str = BASELINE) -> float:
        """``library``'s number over chainrule's: how many times faster (or larger) the other is."""
        return self.values[library] / self.values["chainrule"]

    def meets_target(self) -> bool | None:
        if self.target is None or BASELINE not in self.values:
            return None
        if self.is_memory:
            return 1 / self.ratio() <= self.target
        return self.ratio() >= self.target

    def runs_within_target(self) -> tuple[int, int] | None:
        """How many of the paired runs meet the target on their own, of how many."""
        ours, theirs = self.samples.get("chainrule"), self.samples.get(BASELINE)
        if self.target is None or not ours or not theirs or self.is_memory:
            return None
        pairs = list(zip(ours, theirs))
        return sum(b / a >= self.target for a, b in pairs), len(pairs)


def verdict(samples: Sequence[float], limit: float, *, at_least: bool = False) -> str:
    """``met, 9 of 10 samples``: whether the median keeps within ``limit`` (at most it, or at least it
    with ``at_least``), and in how many of the samples, taken one by one, it held."""

    def within(x: float) -> bool:
        return x >= limit if at_least else x <= limit

    held = sum(map(within, samples))
    return f"{'met' if within(statistics.median(samples)) else 'NOT met'}, {held} of {len(samples)} samples"


def format_amount(value: float, unit: str) -> str:
    """A number with its unit, with three significant figures."""
    if unit == "s" and value < 1:
        return f"{value * 1e3:.3g} ms"
    return f"{value:.3g} {unit}"


def _speed(ratio: float) -> str:
    return f"{ratio:.3g}x faster" if ratio >= 1 else f"{1 / ratio:.3g}x slower"


def _spread(result: Result, name: str) -> str:
    runs = result.samples.get(name)
    if not runs or len(runs) < 2:
        return ""
    return f" [{format_amount(min(runs), result.unit)}–{format_amount(max(runs), result.unit)}]"


def ratio_line(result: Result) -> str:
    """``demo step: chainrule 12.3 ms [11.9–13 ms], micrograd 45.6 ms [...] -> 3.7x faster (target 50x: ...)``

    Times are medians of the runs, with their range in brackets; the verdict compares the medians
    and says in how many paired runs the target held.
    """
    names = list(result.values)
    parts = [
        f"{name} {format_amount(result.values[name], result.unit)}{_spread(result, name)}" for name in names
    ]
    line = f"{result.benchmark}: {parts[0]}"
    for name, part in zip(names[1:], parts[1:]):
        ratio = result.ratio(name)
        if result.is_memory:
            line += f", {part} -> {1 / ratio:.2f} of {name}'s bytes"
        else:
            line += f", {part} -> {_speed(ratio)}"
        if name == BASELINE and result.target is not None:
            goal = f"at most {result.target:g}" if result.is_memory else f"{result.target:g}x"
            verdict = "met" if result.meets_target() else "NOT met"
            runs = result.runs_within_target()
            if runs is not None:
                verdict += f", {runs[0]} of {runs[1]} runs"
            whose = f"{result.target_of}: " if result.target_of else ""
            line += f" ({whose}target {goal}: {verdict})"
    if result.note:
        line += f"  [{result.note}]"
    return "\n".join([line, *map(ratio_line, result.variant_results())])


def table(results: list[Result]) -> str:
    """The numbers side by side, one row per benchmark."""
    libraries = [
        name for name in ("chainrule", "micrograd", "torch") if any(name in r.values for r in results)
    ]
    header = f"{'benchmark':<42}" + "".join(f"{name:>14}" for name in libraries) + f"{'vs micrograd':>14}"
    lines = [header, "-" * len(header)]
    for result in [row for entry in results for row in (entry, *entry.variant_results())]:
        cells = [
            format_amount(result.values[name], result.unit) if name in result.values else "-"
            for name in libraries
        ]
        versus = ""
        if BASELINE in result.values:
            ratio = result.ratio()
            versus = f"{1 / ratio:.2f}x bytes" if result.is_memory else f"{ratio:.2f}x"
        lines.append(f"{result.benchmark:<42}" + "".join(f"{c:>14}" for c in cells) + f"{versus:>14}")
    return "\n".join(lines)
