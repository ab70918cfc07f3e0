"""Where randomness comes from: one rule for models, data sets and mini-batches."""

from __future__ import annotations

import random


def make_rng(seed: int | None = None, rng: random.Random | None = None) -> random.Random:
    """The random generator to draw from: ``rng`` itself, a new one seeded with ``seed``, or one
    seeded from Python's global ``random`` (so ``random.seed(...)`` makes a run reproducible)."""
    if seed is not None and rng is not None:
        raise ValueError("give either seed= or rng=, not both")
    if rng is not None:
        return rng
    return random.Random(seed if seed is not None else random.getrandbits(64))
