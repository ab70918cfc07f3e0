"""Every notebook runs top to bottom in a fresh kernel, and prints what its prose says it prints; and
again with each change its "try this" cell suggests, to show that what it claims still holds.

A notebook asserts its claims ("with a bias it classifies more points than without"), not digits a
seed moves, and its last cell lists the changes worth trying as ``TRY_THIS``: a name for each, and
the text of a cell to replace with what.
"""

import ast
import copy
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("matplotlib")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

# Text that must appear in a notebook's printed output, as it is and with each of its "try this"
# changes: what its prose says is printed, in words that no seed or setting changes.
EXPECTED = {
    "01_value_and_chain_rule": ["<- mismatch"],  # gradcheck at relu's kink
    "02_stepping_through_backprop": ["<Explorer: 10 values, 5 steps>"],
    "03_bias_gradient": [
        "∂C/∂b = δ and ∂C/∂w = δ·a_prev over all neurons: 0.0e+00",
        "autograd.grad(loss, z) equals z.grad for all 8 neurons",
    ],
    "04_update_w_vs_b": [
        "   <- differ",
        "gradcheck passed",
        "13 gradients checked: 13 right, 0 wrong",  # nn.check_gradients on the fixed hand derivation
        "13 gradients checked: 10 right, 3 wrong",  # and on the one with the bias slip
        "✗ a missing activation derivative: the factor a of σ'(z) = a(1 − a)?",
    ],
    "05_xor": [
        "13 gradients checked: 13 right, 0 wrong",
        "13 gradients checked: 0 right, 13 wrong",
        "✗ ×2: a factor 2 of a square, or a ½, dropped?",
    ],
    "06_moons": ["(the 33 biases are gone)"],
    "07_optimizers_and_pitfalls": ["diverged."],
    "08_from_scalars_to_tensors": [
        "over the batch the engine builds 41,200 values, one example at a time",
        "z1 = x @ W1.T + b1  # v5, v10, …, v80: each neuron's z",
        "db1 = dz1.sum(0)  # ∂C/∂b = Σ over the batch of δ",
        "dz1.sum(0) equals ∂C/∂b of the 16 first-layer biases: ✓",
        "1438 training images, 359 test images, 64 pixels each",
        "test accuracy after 10 epochs:",
    ],
}


def printed(notebook) -> str:
    """Everything the notebook's code cells wrote to stdout/stderr or returned as text."""
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                parts.append(output.text)
            elif "text/plain" in output.get("data", {}):
                parts.append(output.data["text/plain"])
    return "\n".join(parts)


def try_this(notebook) -> dict[str, list[tuple[str, str]]]:
    """The notebook's ``TRY_THIS``, read from its last code cell without running it: each change worth
    trying, named, as a list of (text of a cell, what to put instead); empty if there is none."""
    last = [cell for cell in notebook.cells if cell.cell_type == "code"][-1]
    for node in ast.parse(last.source).body:
        if isinstance(node, ast.Assign) and [ast.unparse(target) for target in node.targets] == ["TRY_THIS"]:
            return ast.literal_eval(node.value)
    return {}  # test_every_notebook_ends_with_changes_to_try names the notebook


def changed(notebook, changes: list[tuple[str, str]]):
    """A copy of the notebook with each change made; each text to replace is in exactly one cell above
    the ``TRY_THIS`` cell, once."""
    notebook = copy.deepcopy(notebook)
    *above, _ = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for old, new in changes:
        cells = [cell for cell in above if old in cell.source]
        assert len(cells) == 1 and cells[0].source.count(old) == 1, (
            f"{old!r} is not in exactly one cell, once"
        )
        cells[0].source = cells[0].source.replace(old, new)
    return notebook


def run(notebook, name: str) -> None:
    """Run every cell in a fresh kernel; the asserts in the cells hold and the expected text is printed."""
    client = nbclient.NotebookClient(
        notebook,
        timeout=60,
        startup_timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    text = printed(notebook)
    assert "Traceback" not in text
    for expected in EXPECTED.get(name, []):
        assert expected in text, f"{name}: expected output {expected!r} not found"


PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
VARIANTS = [
    pytest.param(path, variant, id=f"{path.stem}-{variant}")
    for path in PATHS
    for variant in try_this(nbformat.read(path, as_version=4))
]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_notebook_runs_in_a_fresh_kernel(path):
    run(nbformat.read(path, as_version=4), path.stem)


@pytest.mark.parametrize(("path", "variant"), VARIANTS)
def test_notebook_holds_with_each_change_it_suggests_trying(path, variant):
    notebook = nbformat.read(path, as_version=4)
    run(changed(notebook, try_this(notebook)[variant]), path.stem)


def test_every_notebook_ends_with_changes_to_try():
    for path in PATHS:
        notebook = nbformat.read(path, as_version=4)
        *_, explained, listed = notebook.cells
        assert explained.cell_type == "markdown" and explained.source.startswith("## Try this"), path.name
        assert listed.cell_type == "code" and try_this(notebook), f"{path.name} has no TRY_THIS to run"


def test_every_notebook_is_committed_with_its_outputs():
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert code, f"{path.name} has no code"
        assert all(cell.execution_count for cell in code), f"{path.name} is saved without running"
        assert printed(notebook) or any(cell.outputs for cell in code), f"{path.name} has no outputs"
