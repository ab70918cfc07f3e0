"""Saving and loading: exact round trips, atomic writes, every kind of bad file refused, nothing changed."""

import json
import math
import os
import tempfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn


def _model(seed=0):
    return nn.MLP(2, [3, 1], activation="tanh", seed=seed)


def _document():
    return json.loads(json.dumps(nn.persistence.document_of(_model(seed=1))))


def _refused_without_change(raw: bytes, *, rebuildable: bool = False):
    """Write ``raw`` to a file; loading it must raise ModelFileError and leave the model as it was.

    ``nn.load`` must refuse it too, unless the file describes a different but valid model.
    """
    model = _model()
    before = model.state_dict()
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "model.json")
        with open(path, "wb") as file:
            file.write(raw)
        with pytest.raises(nn.ModelFileError):
            model.load(path)
        if not rebuildable:
            with pytest.raises(nn.ModelFileError):
                nn.load(path)
    assert model.state_dict() == before


def _encode(document) -> bytes:
    return json.dumps(document).encode()


def test_round_trip_is_exact(tmp_path):
    path = tmp_path / "model.json"
    original = _model(seed=1)
    original.save(path)
    other = _model(seed=2)
    assert other.state_dict() != original.state_dict()
    other.load(path)
    assert other.state_dict() == original.state_dict()
    rebuilt = nn.load(path)
    assert type(rebuilt) is nn.MLP and repr(rebuilt) == repr(original)
    assert rebuilt.state_dict() == original.state_dict()
    assert [p.label for p in rebuilt.parameters()] == [p.label for p in original.parameters()]
    assert rebuilt([0.3, -0.2]).data == original([0.3, -0.2]).data


@pytest.mark.parametrize(
    "make", [lambda: nn.Neuron(3, activation="sigmoid", seed=0), lambda: nn.Layer(2, 2, bias=False)]
)
def test_neurons_and_layers_round_trip(tmp_path, make):
    module = make()
    module.save(tmp_path / "m.json")
    rebuilt = nn.load(tmp_path / "m.json")
    assert type(rebuilt) is type(module) and rebuilt.state_dict() == module.state_dict()


def test_file_is_readable_json_with_format_version_architecture_and_names(tmp_path):
    _model(seed=1).save(tmp_path / "model.json")
    document = json.loads((tmp_path / "model.json").read_text())
    assert document["format"] == "chainrule-model" and document["version"] == 2
    assert document["architecture"] == {
        "class": "MLP",
        "module": "nn.layers",
        "config": {
            "nin": 2,
            "nouts": [3, 1],
            "activation": "tanh",
            "output_activation": "linear",
            "bias": True,
            "init": "uniform",
        },
    }
    assert list(document["parameters"])[:2] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1"]


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path):
    path = tmp_path / "model.json"
    _model(seed=1).save(path)
    first = path.read_bytes()
    broken = _model(seed=2)
    broken.parameters()[0].data = math.nan
    with pytest.raises(ValueError, match=r"layers\.0\.neurons\.0\.w\.0"):
        broken.save(path)
    assert path.read_bytes() == first
    _model(seed=3).save(path)
    assert os.listdir(tmp_path) == ["model.json"]
    assert path.read_bytes() != first


def test_architecture_must_match(tmp_path):
    nn.MLP(2, [4, 1], activation="tanh", seed=0).save(tmp_path / "wide.json")
    model = _model()
    before = model.state_dict()
    with pytest.raises(nn.ModelFileError, match=r"nouts=\[4, 1\]"):
        model.load(tmp_path / "wide.json")
    assert model.state_dict() == before


def test_unknown_class_is_refused(tmp_path):
    document = _document()
    document["architecture"]["class"] = "Transformer"
    (tmp_path / "m.json").write_bytes(_encode(document))
    with pytest.raises(nn.ModelFileError, match="unknown module class 'Transformer'"):
        nn.load(tmp_path / "m.json")


@given(st.data())
def test_truncated_files_are_refused(data):
    raw = _encode(_document())
    _refused_without_change(raw[: data.draw(st.integers(0, len(raw) - 1))])


@given(st.binary(max_size=200))
def test_arbitrary_bytes_are_refused(raw):
    _refused_without_change(raw)


@given(st.data())
def test_wrong_names_are_refused(data):
    document = _document()
    names = list(document["parameters"])
    old = data.draw(st.sampled_from(names))
    new = data.draw(st.text(max_size=30).filter(lambda name: name not in names))
    document["parameters"][new] = document["parameters"].pop(old)
    _refused_without_change(_encode(document))


@given(st.data())
def test_wrong_counts_are_refused(data):
    document = _document()
    names = list(document["parameters"])
    if data.draw(st.booleans()):
        for name in data.draw(st.lists(st.sampled_from(names), min_size=1, unique=True)):
            del document["parameters"][name]
    else:
        document["parameters"][f"layers.0.neurons.{data.draw(st.integers(3, 99))}.b"] = 0.0
    _refused_without_change(_encode(document))


BAD_NUMBERS = st.one_of(
    st.sampled_from(
        ["NaN", "Infinity", "-Infinity", "1e999", "-1e400", "true", "null", '"0.5"', "[0.5]", "{}"]
    ),
    st.integers(min_value=10**309, max_value=10**400).map(str),
)


@given(st.data(), BAD_NUMBERS)
def test_non_finite_or_non_numbers_are_refused(data, bad):
    document = _document()
    name = data.draw(st.sampled_from(list(document["parameters"])))
    document["parameters"][name] = "PLACEHOLDER"
    _refused_without_change(_encode(document).replace(b'"PLACEHOLDER"', bad.encode()))


@given(
    st.one_of(
        st.integers().filter(lambda v: v not in (1, 2)), st.text(), st.none(), st.floats(allow_nan=False)
    )
)
def test_wrong_versions_are_refused(version):
    document = _document()
    document["version"] = version
    if version in (1, 2):
        return
    _refused_without_change(_encode(document))


def test_deeply_nested_json_is_refused():
    _refused_without_change(b"[" * 100_000 + b"]" * 100_000)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(format="pytorch"),
        lambda d: d.pop("architecture"),
        lambda d: d.update(extra=1),
        lambda d: d.update(parameters=[1.0, 2.0]),
        lambda d: d.update(architecture={"class": "MLP"}),
        lambda d: d["architecture"]["config"].update(nin=3),
        lambda d: d["architecture"]["config"].update(nouts="3"),
        lambda d: d["architecture"]["config"].update(rng="not a generator"),
        lambda d: d["architecture"]["config"].update(unknown_argument=1),
    ],
)
def test_structural_problems_are_refused(change):
    document = _document()
    change(document)
    _refused_without_change(_encode(document))


def test_another_architecture_is_refused_by_the_model_but_rebuilds_by_itself():
    document = _document()
    document["architecture"]["config"]["activation"] = "relu"
    _refused_without_change(_encode(document), rebuildable=True)


def test_a_good_file_still_loads_after_the_refusals(tmp_path):
    (tmp_path / "m.json").write_bytes(_encode(_document()))
    model = _model()
    model.load(tmp_path / "m.json")
    assert model.state_dict() == _model(seed=1).state_dict()
