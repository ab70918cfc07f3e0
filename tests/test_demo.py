"""The flagship demo trains, prints its table and writes real figures."""

import pytest

pytest.importorskip("matplotlib")

from nn import demo

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_classic_start_names_every_parameter_of_the_network():
    model = demo.sigmoid_network()
    model.load_state_dict(demo.classic_start())
    assert model.state_dict()["layers.0.neurons.1.w.0"] == 0.5
    assert model.state_dict()["layers.1.neurons.0.b"] == 0.22


def test_bias_experiment_reproduces_the_known_final_losses():
    runs = demo.bias_experiment()
    assert runs["only weights"][-1] == pytest.approx(0.0090446, abs=1e-6)
    assert runs["only biases"][-1] == pytest.approx(0.0083610, abs=1e-6)
    assert runs["weights and biases"][-1] == pytest.approx(0.0022403, abs=1e-6)


def test_quick_demo_writes_real_figures(tmp_path, capsys):
    out = tmp_path / "figures"
    assert demo.main(["--out", str(out), "--quick"]) == 0
    printed = capsys.readouterr().out
    assert "only biases" in printed and "XOR" in printed
    assert str(out.resolve()) in printed
    assert (out / "loss_curves.png").read_bytes().startswith(PNG_SIGNATURE)
    expected = ["neuron_graph.svg", "backward_step_0.svg", "backward_step_1.svg"]  # relu, then linear
    assert sorted(path.name for path in out.glob("*.svg")) == sorted(expected)
    for name in expected:
        text = (out / name).read_text()
        assert text.lstrip().startswith(("<?xml", "<svg")) and text.rstrip().endswith("</svg>")
        assert name in printed
    # the neuron's parameters appear under their dotted names
    assert "layers.0.neurons.0.w.0" in (out / "neuron_graph.svg").read_text()
