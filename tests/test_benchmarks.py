"""The benchmarks of ``make bench`` run end to end on small sizes: same work, ratio lines, the plot."""

import re
from pathlib import Path

import pytest

pytest.importorskip("micrograd")


import pytest

from benchmarks import demo_step, expression, scaling
from benchmarks.libraries import CHAINRULE, MICROGRAD, count_operations
from benchmarks.report import ratio_line, table, verdict

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_a_shape_builds_exactly_the_operations_it_promises_in_both_libraries():
    shape = expression.shape_with(500)
    for library in (CHAINRULE, MICROGRAD):
        root = expression.build(shape, expression.make_pool(library))
        assert count_operations(root) == shape.operations
    assert expression.shape_with(500) == shape  # the same recipe every time


def test_the_expression_benchmarks_time_every_library_and_the_compiled_graph():
    both, build_only, backward_only, memory = expression.run(
        [CHAINRULE, MICROGRAD], operations=300, repeats=2
    )
    for result in (both, build_only, backward_only, memory):
        assert set(result.values) == {"chainrule", "micrograd"}
        assert all(value > 0 for value in result.values.values())
    assert both.variants["compiled"] > 0
    assert "autograd.compile took" in both.note
    assert "(#6's goal, closed as out of reach for the plain engine on CPython: target 8x: " in ratio_line(
        both
    )
    assert " [" in ratio_line(both).split(",")[0]  # a median with the range of its runs
    n = expression.shape_with(300).operations
    assert f"expression build+backward ({n} nodes), compiled" in table([both])
    assert 1 / memory.ratio() < 1  # a chainrule node takes fewer bytes than a micrograd node


def test_the_demo_step_benchmark_checks_every_loss_against_micrograd():
    result = demo_step.run(["chainrule", "micrograd"], steps=2)
    assert set(result.values) == {"chainrule", "micrograd"}
    assert result.variants["compiled"] > 0
    assert "losses agree to 1e-09 over 2 steps, first 0.912855" in result.note
    assert "demo step (moons, MLP 2-16-16-1), compiled: chainrule" in ratio_line(result)
    assert "demo step (moons, MLP 2-16-16-1), same graph as micrograd: chainrule" in ratio_line(result)
    assert "graphs: chainrule 6,805 nodes, micrograd and same graph 65,077" in result.note
    assert re.search(r"target 50x: (NOT met|met), [0-2] of 2 runs", ratio_line(result).splitlines()[0])


def test_scaling_curves_report_micrograds_recursion_error_and_plot(tmp_path: Path):
    curves = scaling.measure_curves([CHAINRULE, MICROGRAD], [100, 1_000], micrograd_largest=1_000)
    by_label = {curve.label: curve for curve in curves}
    for shape in ("wide graph", "deep chain"):
        chainrule = by_label[f"chainrule, {shape}"]
        assert chainrule.sizes == [100, 1_000] and all(t is not None and t > 0 for t in chainrule.per_node)
    chain = by_label["micrograd, deep chain"]
    assert chain.failure == "RecursionError at 1,000 nodes" and chain.per_node[-1] is None
    lines = scaling.summary(curves)
    assert any(
        line.startswith("scaling, chainrule, deep chain:") and "target within 2x" in line for line in lines
    )
    path = tmp_path / "scaling.png"
    scaling.plot(curves, path)
    assert path.read_bytes().startswith(PNG_SIGNATURE)


def test_the_explorer_edit_benchmark_times_every_key_press_and_drag_move_it_sends(page):
    import autograd
    from benchmarks import explorer
    from nn.demo import lecture_neuron

    kinds = explorer.edit_times(autograd.explore(lecture_neuron()).to_html(), page, count=6)
    assert list(kinds) == ["key presses", "drag moves"]
    for times, work in kinds.values():
        assert len(times) == 6 and all(t > 0 for t in times)  # one per event, each painted after it
        assert 1 <= len(work) <= 6 and all(w >= 0 for w in work)  # frames that had an edit
    x1 = page.evaluate("chainrule.values()[0]")  # the first leaf drawn: pressed ↑↓↑↓↑↓, then dragged
    assert x1 != 2.0 and x1 == pytest.approx(2.0 + round(x1 - 2.0, 2))  # moved by whole 0.01 steps
    page.problems.check()


def test_the_reliability_benchmark_runs_and_reports_each_refusal():
    from benchmarks import reliability

    lines = reliability.run(quick=True)
    assert any("10,000,200,001 parameters" in line for line in lines)
    assert any(line.startswith("MLP(2, [10**20]) is refused") for line in lines)
    assert any(line.startswith("clip_grad_norm_ on 10,000 gradients") for line in lines)
    assert any(line.startswith("a Module given 10,000 parameters one attribute at a time") for line in lines)
    assert any(line.startswith("Recorder(grid=10_000) is refused") for line in lines)


def test_the_tensor_benchmark_checks_its_losses_and_gives_verdicts_from_samples():
    pytest.importorskip("numpy")
    from benchmarks import tensor

    moons = tensor.moons(samples=2, block=1, torch=False)
    assert moons[0].startswith("moons step (MLP 2-16-16-1, 100 points, hinge + L2, SGD): replayed ")
    assert "(PyTorch not installed)" in moons[0]
    fast, slow = tensor.Figure("fused", [0.05, 0.2, 0.06]), tensor.Figure("torch", [0.1, 0.1, 0.1])
    assert tensor.goal_line("x", fast, slow, 1.0).endswith(
        "-> 0.60x torch (goal ≤ 1x: met, 2 of 3 samples within it)"
    )
    assert "(goal ≤ 100 ms: met, 2 of 3 samples within it)" in tensor.goal_line("x", fast, None, 0.1)
    assert tensor.sgd_line(samples=1).startswith("SGD step over 2,410 parameters: one at a time ")


def test_the_digits_epoch_benchmark_runs_the_replays():
    pytest.importorskip("numpy")
    pytest.importorskip("sklearn")
    from benchmarks import tensor

    lines = tensor.digits(samples=1, torch=False, plain=False)
    assert lines[0].startswith(
        "digits epoch (MLP 64-32-10 tanh, 1408 images in batches of 32, SGD): replayed "
    )
    assert "fused: fused " in lines[1] and "goal ≤ 100 ms" in lines[1]


def test_a_budget_verdict_reads_the_median_and_counts_the_samples_that_held():
    assert verdict([10.0, 12.0, 30.0], 16.0) == "met, 2 of 3 samples"
    assert verdict([10.0, 20.0, 30.0], 16.0) == "NOT met, 1 of 3 samples"
    assert verdict([25.0, 19.0, 21.0, 30.0], 20.0, at_least=True) == "met, 3 of 4 samples"
    assert verdict([16.0], 16.0) == "met, 1 of 1 samples"


def test_the_readmes_explorer_photograph_is_taken_with_a_weight_being_typed(tmp_path):
    """``benchmarks.explorer.screenshot``: it steps, sets w2, clicks it and types (each would raise if
    the page had lost what it uses), run apart as it starts its own browser."""
    import struct
    import subprocess
    import sys

    from benchmarks.browser import find_chromium

    if find_chromium() is None:
        pytest.skip("no system Chromium: the photograph needs one")
    path = tmp_path / "explorer.png"
    script = "import sys, pathlib; from benchmarks.explorer import screenshot; "
    script += "screenshot(pathlib.Path(sys.argv[1]))"
    subprocess.run([sys.executable, "-c", script, str(path)], check=True, cwd=Path(__file__).parent.parent)
    png = path.read_bytes()
    assert png.startswith(PNG_SIGNATURE) and struct.unpack(">II", png[16:24]) == (1200, 720)
