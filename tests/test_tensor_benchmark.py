"""The tensor lines of ``make bench`` against PyTorch, the SGD line's verdict, and where the figures go."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

pytest.importorskip("numpy")
pytest.importorskip("micrograd")  # benchmarks.tensor reads the demo's settings beside micrograd's

from benchmarks import tensor

VERDICT = r"\(goal ≤ [\d.]+x: (met|NOT met), \d+ of \d+ samples within it\)"


def test_the_moons_lines_give_each_goal_a_verdict_against_pytorch():
    pytest.importorskip("torch")
    replayed, fused = tensor.moons(samples=2, block=1, torch=True)
    what = "moons step (MLP 2-16-16-1, 100 points, hinge + L2, SGD)"
    assert replayed.startswith(f"{what}, replayed vs PyTorch vectorised float64: replayed ")
    assert fused.startswith(f"{what}, fused vs PyTorch vectorised float64: fused ")
    assert re.search(r"-> [\d.]+x torch \(goal ≤ 3x: ", replayed) and re.search(VERDICT + "$", replayed)
    assert re.search(r"-> [\d.]+x torch \(goal ≤ 1x: ", fused) and re.search(VERDICT + "$", fused)


def test_the_digits_epoch_runs_pytorch_on_the_same_weights():
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    lines = tensor.digits(samples=1, torch=True, plain=False)
    assert re.search(r": replayed [\d.]+ m?s \[.*\], torch [\d.]+ m?s \[", lines[0]), lines[0]


def test_the_losses_of_variants_that_differ_are_refused():
    tensor._agree("step", {"a": [1.0, 2.0], "b": [1.0, 2.0 + 1e-12]})
    with pytest.raises(AssertionError, match=r"step 1: b.s loss 2\.001 differs from 2\.0"):
        tensor._agree("step", {"a": [1.0, 2.0], "b": [1.0, 2.001]})


def test_the_sgd_line_says_whether_the_update_costs_less_than_the_step_before_it():
    line = tensor.sgd_line(samples=2)
    assert line.startswith("SGD step over 2,410 parameters: one at a time ")
    assert "; the update as arrays against the fused replay of a batch of 32 before it: as arrays " in line
    assert re.search(r"fused step [\d.]+ ms \[.*\] -> [\d.]+x fused step " + VERDICT + "$", line), line


def test_the_bench_writes_its_plot_where_git_ignores_it_unless_asked_for_docs():
    from benchmarks.__main__ import DOCS_PLOT, PLOT, ROOT

    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", str(PLOT)], check=False)
    assert ignored.returncode == 0, f"{PLOT} is not ignored by git: make bench would change the tree"
    assert DOCS_PLOT.parent.name == "docs" and PLOT.parent != DOCS_PLOT.parent


def test_the_backward_line_times_both_engines_on_micrograds_graph_with_a_verdict():
    from benchmarks import demo_step
    from benchmarks.report import ratio_line

    result = demo_step.backward_per_node(steps=2)
    assert set(result.values) == {"chainrule", "micrograd"} and result.unit == "µs/node"
    assert all(len(runs) == 2 and min(runs) > 0 for runs in result.samples.values())
    line = ratio_line(result)
    assert line.startswith("backward alone, demo step's graph (65,077 nodes): chainrule ")
    assert re.search(r"\(target 1x: (met|NOT met), [0-2] of 2 runs\)$", line), line
