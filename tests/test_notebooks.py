"""Every notebook runs top to bottom in a fresh kernel, and prints what its prose says it prints."""

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("matplotlib")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

# Text that must appear in a notebook's printed output: the numbers its prose quotes.
EXPECTED = {
    "01_value_and_chain_rule": ["dL/da = +6.0   (by hand +6.0)", "<- mismatch"],
    "02_stepping_through_backprop": [
        "step 4: x1w1 → x1 += 0.5 × -3 = -1.5; w1 += 0.5 × 2 = 1",
        "w.2 += 1 × 2 = 2; b += 1 × 1 = 1",  # the nn neuron: its bias receives δ itself
        "<Explorer: 10 values, 5 steps>",
        "grads after the last step: {'x1': -1.5, 'w1': 1.0, 'x2': 0.5, 'w2': 0.0, 'b': 0.5}",
    ],
    "03_bias_gradient": [
        "largest deviation from ∂C/∂b = δ and ∂C/∂w = δ·a_prev over all neurons: 0.0e+00",
        "with bias: loss 0.031, 39/40 correct",
        "∂C/∂b = +0.042003, Σ δ = +0.042003 ✓   ∂C/∂w = Σ δ·a_prev: ✓✓",  # nn.inspect's table, a batch
        "autograd.grad(loss, z) equals z.grad for all 8 neurons",
        "only the biases train: loss 0.228 -> 0.179, 38/40 correct, 21 frames (epochs 0 to 400)",
        "no biases: loss 0.228 -> 0.103, 35/40 correct, 21 frames (epochs 0 to 400)",
        "  400   1.24 1.28 0.72          0.00 0.00 0.00",  # |b| / ‖w‖ of each first-layer line
    ],
    "04_update_w_vs_b": [
        "only weights: loss 0.15923 -> 0.00904",
        "only biases: loss 0.15923 -> 0.00836",
        "weights and biases: loss 0.15923 -> 0.00224",
        "b1    -0.018381    -0.009558   <- differ",
        "gradcheck passed",
        "weights and biases: loss 0.15923 -> 0.00224, as above",  # nn.fit with a Recorder per run
        "31 frames per run, epochs 0 to 3000",
        "13 gradients checked: 13 right, 0 wrong",  # nn.check_gradients on the fixed hand derivation
        "13 gradients checked: 10 right, 3 wrong",  # and on the one with the bias slip
        "✗ a missing activation derivative: the factor a of σ'(z) = a(1 − a)?",
    ],
    "05_xor": [
        "13 gradients checked: 13 right, 0 wrong",
        "-0.00035999  -0.000179995         2  ✗ ×2: a factor 2 of a square, or a ½, dropped?",
        "13 gradients checked: 0 right, 13 wrong",
        "x = (0.0, 1.0)  target 1  output 0.977",
        "x = (1.0, 1.0)  target 0  output 0.020",
    ],
    "06_moons": [
        "epoch 39: loss 0.0187, accuracy 99%",
        "final loss 0.2320, accuracy 86%",
        "21 frames, epochs 0 to 40",  # the live view's recording
        "epoch 40: train loss 0.0187, test loss 0.0458, test accuracy 100%",
    ],
    "07_optimizers_and_pitfalls": [
        "SGD + momentum 0.9, lr 1e-3: after 1000 steps (x, y) = (+0.992, +0.985)",
        "lr 0.003: diverged.",
        "sigmoid, uniform init: first layer 8.1e-08, last layer 1.7e-03",
        "clipped to norm 1.0: first gradient norm 1.27e+03, loss 72.4 -> 1.47 after 100 epochs",
        "He init, not clipped: first gradient norm 8.44, loss 0.549 -> 1.59e-06 after 100 epochs",
        "annealed: f = 12.5 -> 78.8 at step 1; rises at 9 steps, the last at step 216",
        "highest after step 500: 4.82 at step 556",
    ],
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


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("*.ipynb")), ids=lambda p: p.stem)
def test_notebook_runs_in_a_fresh_kernel(path):
    notebook = nbformat.read(path, as_version=4)
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
    for expected in EXPECTED.get(path.stem, []):
        assert expected in text, f"{path.name}: expected output {expected!r} not found"


def test_every_notebook_is_committed_with_its_outputs():
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        assert code, f"{path.name} has no code"
        assert all(cell.execution_count for cell in code), f"{path.name} is saved without running"
        assert printed(notebook) or any(cell.outputs for cell in code), f"{path.name} has no outputs"
