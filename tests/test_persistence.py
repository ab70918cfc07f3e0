"""Saving and loading: exact round trips, atomic writes, every kind of bad file refused, nothing changed."""

import json
import math
import os
import stat
import tempfile
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Value
from autograd.pages.files import temporary_prefix


def _model(seed=0):
    return nn.MLP(2, [3, 1], activation="tanh", seed=seed)


def _document(model=None):
    return json.loads(json.dumps(nn.persistence.document_of(model or _model(seed=1))))


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


# --- model files: what is read, what is refused before building -------------------------------------


def _write(path, document_or_text):
    text = document_or_text if isinstance(document_or_text, str) else json.dumps(document_or_text)
    path.write_text(text)
    return path


def _in_a_thread(function, *args):
    """Run ``function(*args)``; return what it raised. A hang fails the test instead of stalling it."""
    outcome = []

    def run():
        try:
            function(*args)
            outcome.append(None)
        except BaseException as error:  # the test looks at what was raised
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(60)
    assert outcome, f"{function.__qualname__} did not return"
    return outcome[0]


def test_duplicate_keys_in_a_model_file_are_refused(tmp_path):
    text = json.dumps(_document())
    twice_parameter = text.replace('"layers.0.neurons.0.b": ', '"layers.0.neurons.0.w.0": ', 1)
    twice_top = text[:-1] + ', "version": 2}'
    for number, bad in enumerate([twice_parameter, twice_top]):
        path = _write(tmp_path / f"m{number}.json", bad)
        with pytest.raises(nn.ModelFileError, match="appears twice in one object"):
            nn.load(path)
        with pytest.raises(nn.ModelFileError, match="appears twice"):
            nn.MLP(2, [3, 1], seed=1).load(path)


def test_an_architecture_bigger_than_its_parameters_is_refused_before_building(tmp_path, monkeypatch):
    def built(*args, **kwargs):
        raise AssertionError("the model was built")

    document = _document()
    monkeypatch.setattr(nn.layers, "Parameter", built)
    document["architecture"]["config"].update(nin=100_000, nouts=[100_000, 1])
    document["parameters"] = {}
    with pytest.raises(nn.ModelFileError, match=r"cannot build .* 10,000,200,001 parameters, more than"):
        nn.load(_write(tmp_path / "huge.json", document))
    document["architecture"]["config"].update(nin=1000, nouts=[1000, 1])
    with pytest.raises(nn.ModelFileError, match=r"has 1,002,001 parameters, but the file holds 0"):
        nn.load(_write(tmp_path / "big.json", document))
    document["parameters"] = {"w": 0.5}
    document["architecture"]["config"].update(nin=2, nouts=[3, 1])
    with pytest.raises(nn.ModelFileError, match="has 13 parameters, but the file holds 1"):
        nn.load(_write(tmp_path / "small.json", document))
    # the 230-byte file of the report: a version 1 file with only the sizes
    short = {"format": "chainrule-model", "version": 1, "parameters": {}}
    short["architecture"] = {"class": "MLP", "config": {"nin": 100000, "nouts": [100000, 1]}}
    with pytest.raises(nn.ModelFileError, match="MLP: expected the arguments"):
        nn.load(_write(tmp_path / "short.json", short))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    error = _in_a_thread(nn.load, fifo)
    assert isinstance(error, nn.ModelFileError) and "not a regular file (a FIFO" in str(error)
    error = _in_a_thread(nn.MLP(2, [3, 1]).load, fifo)
    assert isinstance(error, nn.ModelFileError)
    error = _in_a_thread(nn.MLP(2, [3, 1]).save, fifo)
    assert (
        isinstance(error, OSError)
        and "not a regular file" in str(error)
        and stat.S_ISFIFO(os.stat(fifo).st_mode)
    )


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_dev_zero_and_a_directory_are_refused_without_reading(tmp_path):
    error = _in_a_thread(nn.load, "/dev/zero")
    assert isinstance(
        error, nn.ModelFileError
    ) and "/dev/zero: not a regular file (a character device)" in str(error)
    with pytest.raises(nn.ModelFileError, match="not a regular file \\(a directory\\)"):
        nn.load(tmp_path)


def test_what_is_read_is_capped_and_saving_refuses_a_file_loading_would_refuse(tmp_path, monkeypatch):
    model = nn.MLP(2, [3, 1], seed=1)
    model.save(tmp_path / "m.json")
    monkeypatch.setattr(nn.persistence, "MAX_FILE_BYTES", 100)
    with pytest.raises(nn.ModelFileError, match="larger than 100 bytes"):
        nn.load(tmp_path / "m.json")
    with pytest.raises(ValueError, match=r"more than loading reads \(MAX_FILE_BYTES = 100\)"):
        model.save(tmp_path / "other.json")
    assert not (tmp_path / "other.json").exists()


def test_a_five_thousand_digit_integer_gets_a_clear_error(tmp_path):
    text = json.dumps(_document())
    for number, bad in enumerate(
        [
            text.replace('"nin": 2', '"nin": ' + "9" * 5000),
            text.replace('"layers.0.neurons.0.b": 0.0', '"layers.0.neurons.0.b": ' + "1" * 5000),
        ]
    ):
        assert bad != text
        with pytest.raises(nn.ModelFileError, match="an integer of 5,000 digits is too long"):
            nn.load(_write(tmp_path / f"m{number}.json", bad))


def test_a_huge_architecture_or_name_is_cut_short_in_messages(tmp_path):
    document = _document()
    document["architecture"]["config"]["activation"] = "x" * 10_000_000
    message = str(_in_a_thread(nn.load, _write(tmp_path / "a.json", document)))
    assert "xxx...xxx" in message and len(message) < 2000
    message = str(_in_a_thread(nn.MLP(2, [3, 1]).load, tmp_path / "a.json"))
    assert "xxx...xxx" in message and len(message) < 2000
    document = _document()
    document["architecture"]["class"] = "C" * 1_000_000
    message = str(_in_a_thread(nn.load, _write(tmp_path / "c.json", document)))
    assert "unknown module class" in message and len(message) < 2000
    document = _document()
    document["parameters"]["p" * 1_000_000] = document["parameters"].pop("layers.0.neurons.0.b")
    message = str(_in_a_thread(nn.load, _write(tmp_path / "p.json", document)))
    assert "unexpected ['ppp" in message and len(message) < 2000


def test_save_errors_name_the_users_path_not_the_temporary_file(tmp_path):
    path = tmp_path / "missing" / "model.json"
    with pytest.raises(FileNotFoundError) as error:
        nn.MLP(2, [3, 1]).save(path)
    assert error.value.filename == str(path) and ".chainrule" not in str(error.value)
    with pytest.raises(IsADirectoryError) as error:
        nn.MLP(2, [3, 1]).save(tmp_path)
    assert error.value.filename == str(tmp_path) and ".chainrule" not in str(error.value)


def test_a_save_refused_by_permissions_names_the_users_path_even_as_root(tmp_path, monkeypatch):
    opened = os.open

    def refuse(name, flags, mode=0o777):
        if ".chainrule-" in os.fspath(name):
            raise PermissionError(13, "Permission denied", os.fspath(name))
        return opened(name, flags, mode)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(PermissionError) as error:
        nn.MLP(2, [3, 1]).save(tmp_path / "model.json")
    assert error.value.filename == str(tmp_path / "model.json") and ".chainrule" not in str(error.value)


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions and a user that is not root"
)
def test_a_save_refused_by_permissions_names_the_users_path(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        with pytest.raises(PermissionError) as error:
            nn.MLP(2, [3, 1]).save(locked / "model.json")
        assert error.value.filename == str(locked / "model.json")
    finally:
        locked.chmod(0o700)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o600, 0o664])
def test_saving_over_a_file_keeps_its_permissions(tmp_path, mode):
    path = tmp_path / "model.json"
    path.write_text("old")
    path.chmod(mode)
    nn.MLP(2, [3, 1]).save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == mode and nn.load(path).num_parameters() == 13


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() != 0, reason="only root may give a file to another user"
)
def test_saving_over_anothers_file_as_root_keeps_its_owner_and_group(tmp_path):
    path = tmp_path / "model.json"
    path.write_text("old")
    os.chown(path, 12345, 23456)
    path.chmod(0o4750)
    nn.MLP(2, [3, 1]).save(path)
    information = os.stat(path)
    assert (information.st_uid, information.st_gid, stat.S_IMODE(information.st_mode)) == (
        12345,
        23456,
        0o4750,
    )


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_a_new_file_gets_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        nn.MLP(2, [3, 1]).save(tmp_path / "model.json")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(os.stat(tmp_path / "model.json").st_mode) == 0o644


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links here")
def test_saving_through_a_symlink_writes_its_target_and_keeps_the_link(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "model.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    model = nn.MLP(2, [3, 1], seed=3)
    model.save(link)
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert nn.load(target).state_dict() == model.state_dict()
    assert sorted(os.listdir(tmp_path / "real")) == ["model.json"]
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "real" / "new.json")
    model.save(dangling)
    assert (
        dangling.is_symlink() and nn.load(tmp_path / "real" / "new.json").state_dict() == model.state_dict()
    )


def test_a_killed_saves_temporary_file_is_removed_by_the_next_save_and_only_it(tmp_path):
    path = tmp_path / "model.json"
    prefix = temporary_prefix(path)
    stale = tmp_path / f"{prefix}0123456789abcdef.tmp"
    stale.write_text("half a model")
    other_target = tmp_path / f"{temporary_prefix(tmp_path / 'other.json')}0123456789abcdef.tmp"
    other_target.write_text("another file's")
    not_ours = tmp_path / f"{prefix}not-random.tmp"
    not_ours.write_text("someone else's")
    an_hour_ago = time.time() - 3600
    for file in (stale, other_target, not_ours):
        os.utime(file, (an_hour_ago, an_hour_ago))
    nn.MLP(2, [3, 1]).save(path)
    assert not stale.exists()
    assert other_target.exists() and not_ours.exists()
    assert sorted(os.listdir(tmp_path)) == sorted(["model.json", other_target.name, not_ours.name])


@pytest.mark.skipif(os.name != "posix", reason="advisory locks")
def test_a_temporary_file_that_a_running_save_holds_or_that_is_fresh_is_left_alone(tmp_path):
    fcntl = pytest.importorskip("fcntl")
    path = tmp_path / "model.json"
    held = tmp_path / f"{temporary_prefix(path)}00000000000000aa.tmp"
    fresh = tmp_path / f"{temporary_prefix(path)}00000000000000bb.tmp"
    held.write_text("being written")
    fresh.write_text("just made")
    an_hour_ago = time.time() - 3600
    os.utime(held, (an_hour_ago, an_hour_ago))
    with open(held, "rb") as writer:
        fcntl.flock(writer.fileno(), fcntl.LOCK_EX)
        nn.MLP(2, [3, 1]).save(path)
        assert held.exists() and fresh.exists()
    nn.MLP(2, [3, 1]).save(path)
    assert not held.exists() and fresh.exists()


def test_a_failed_save_leaves_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    path.write_text("old")

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError, match="No space left on device") as error:
        nn.MLP(2, [3, 1]).save(path)
    assert error.value.filename == str(path)
    assert os.listdir(tmp_path) == ["model.json"] and path.read_text() == "old"


# --- model files: which class is rebuilt, what can be saved -----------------------------------------


class MLP(nn.Module):
    """A learner's own MLP, named like the library's."""

    def __init__(self, size: int = 2) -> None:
        self._config = {"size": size}
        self.w = [nn.Parameter(0.5) for _ in range(size)]


class NoConfig(nn.Module):
    """A module whose constructor needs an argument it does not record."""

    def __init__(self, size: int) -> None:
        self.w = [nn.Parameter(0.5) for _ in range(size)]


class OtherArguments(nn.MLP):
    """A subclass whose constructor takes other arguments than the MLP config it inherits."""

    def __init__(self, width: int) -> None:
        super().__init__(2, [width, 1])


class NoArguments(nn.Module):
    def __init__(self) -> None:
        self.w = nn.Parameter(0.25)


def test_a_learners_own_mlp_does_not_take_over_loading_the_librarys(tmp_path):
    library = nn.MLP(2, [3, 1], seed=0)
    library.save(tmp_path / "library.json")
    own = MLP(3)
    own.save(tmp_path / "own.json")
    assert type(nn.load(tmp_path / "library.json")) is nn.MLP
    rebuilt = nn.load(tmp_path / "own.json")
    assert type(rebuilt) is MLP and rebuilt.num_parameters() == 3
    with pytest.raises(nn.ModelFileError, match="the file holds"):
        library.load(tmp_path / "own.json")
    version_1 = _document(library)
    version_1["version"] = 1
    del version_1["architecture"]["module"]
    assert type(nn.load(_write(tmp_path / "v1.json", version_1))) is nn.MLP
    own_version_1 = _document(NoArguments())
    own_version_1["version"] = 1
    del own_version_1["architecture"]["module"]
    assert type(nn.load(_write(tmp_path / "own_v1.json", own_version_1))) is NoArguments


def test_an_unknown_module_names_the_classes_of_that_name_it_knows(tmp_path):
    document = _document()
    document["architecture"]["module"] = "notebook"
    with pytest.raises(
        nn.ModelFileError,
        match=r"unknown module class 'MLP' of module 'notebook' \(defined so far: .*nn\.layers\.MLP",
    ):
        nn.load(_write(tmp_path / "m.json", document))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: nn.MLP(2, [3, 1], activation=lambda z: z.tanh()), "activation '<lambda>' is a function"),
        (lambda: nn.Neuron(2, activation=lambda z: z), "activation '<lambda>' is a function"),
        (lambda: nn.Layer(2, 2, activation=_my_relu), "activation 'relu' is a function"),
        (lambda: NoConfig(3), r"nn\.load would call NoConfig\(\) and that fails .*self\._config"),
        (lambda: OtherArguments(3), r"nn\.load would call OtherArguments\(nin=2, .*\) and that fails"),
    ],
)
def test_saving_refuses_what_cannot_be_loaded_back(tmp_path, make, message):
    with pytest.raises(ValueError, match=message):
        make().save(tmp_path / "m.json")
    assert os.listdir(tmp_path) == []


def _my_relu(z):
    return z.tanh()


_my_relu.__name__ = "relu"  # a function of the learner's that shares a name with the table's


def test_the_tables_own_functions_and_modules_without_arguments_save_and_load(tmp_path):
    model = nn.MLP(2, [3, 1], activation=Value.tanh, output_activation=Value.sigmoid, seed=0)
    model.save(tmp_path / "m.json")
    rebuilt = nn.load(tmp_path / "m.json")
    assert rebuilt.config()["activation"] == "tanh" and rebuilt([0.5, 0.2]).data == model([0.5, 0.2]).data
    NoArguments().save(tmp_path / "n.json")
    assert nn.load(tmp_path / "n.json").state_dict() == {"w": 0.25}


def test_threads_saving_to_one_path_leave_one_whole_model_and_no_temporary_file(tmp_path):
    path = tmp_path / "model.json"
    models = [nn.MLP(2, [8, 1], seed=seed) for seed in range(8)]
    errors = []

    def save(model):
        try:
            for _ in range(5):
                model.save(path)
        except BaseException as error:  # the test looks at what was raised
            errors.append(error)

    threads = [threading.Thread(target=save, args=(model,)) for model in models]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert nn.load(path).state_dict() in [model.state_dict() for model in models]
    assert os.listdir(tmp_path) == ["model.json"]


@given(
    st.integers(1, 5),
    st.lists(st.integers(1, 5), min_size=1, max_size=3),
    st.booleans(),
    st.integers(-3, 3).filter(lambda change: change != 0),
)
def test_any_architecture_whose_size_differs_from_the_files_parameters_is_refused_before_building(
    nin, nouts, bias, change
):
    document = _document(nn.MLP(nin, nouts, bias=bias, seed=0))
    names = list(document["parameters"])
    if change < 0:
        for name in names[: min(-change, len(names))]:
            del document["parameters"][name]
    else:
        document["parameters"].update({f"extra.{i}": 0.0 for i in range(change)})
    expected = sum(b * (a + bias) for a, b in zip([nin, *nouts], nouts))
    with tempfile.TemporaryDirectory() as directory:
        path = _write(Path(directory) / "m.json", document)
        with pytest.raises(nn.ModelFileError, match=rf"has {expected:,} parameters, but the file holds"):
            nn.load(path)
