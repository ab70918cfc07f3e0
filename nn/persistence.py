"""Saving and loading models as JSON: checked completely before anything changes, written atomically.

A model file is plain JSON that a person can read::

    {"format": "chainrule-model", "version": 1,
     "architecture": {"class": "MLP", "config": {"nin": 2, "nouts": [3, 1], ...}},
     "parameters": {"layers.0.neurons.0.w.0": 0.23, ...}}

Floats are written with ``repr``, so they come back bit for bit. No pickle: loading a file
never runs code from it.
"""

from __future__ import annotations

import json
import math
import numbers
import os
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from autograd.files import write_atomically

FORMAT = "chainrule-model"
VERSION = 1
_KEYS = {"format", "version", "architecture", "parameters"}


class ModelFileError(ValueError):
    """A model file (or state dict) that cannot be loaded; the message says what is wrong."""


class Savable(Protocol):
    """What persistence needs from a model: ``state_dict``, ``load_state_dict`` and ``config``."""

    def state_dict(self) -> dict[str, float]: ...

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None: ...

    def config(self) -> dict[str, Any]: ...


def document_of(model: Savable) -> dict[str, Any]:
    """The JSON-ready description of ``model``: format, version, architecture and parameters."""
    parameters = model.state_dict()
    for name, value in parameters.items():
        if not math.isfinite(value):
            raise ValueError(f"cannot save {type(model).__name__}: parameter {name!r} is {value!r}")
    architecture = {"class": type(model).__name__, "config": model.config()}
    return {"format": FORMAT, "version": VERSION, "architecture": architecture, "parameters": parameters}


def save(model: Savable, path: str | os.PathLike[str]) -> None:
    """Write ``model`` to ``path`` atomically (``autograd.files.write_atomically``).

    A crash half way leaves the old file (if any) untouched rather than a truncated one.
    """
    write_atomically(path, json.dumps(document_of(model), indent=1, allow_nan=False))


def read(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check the structure of a model file (not yet against a model); return the document."""
    with open(path, "rb") as file:
        raw = file.read()
    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, _NonFiniteError, RecursionError) as error:
        raise ModelFileError(f"{path}: not a chainrule model file (invalid JSON: {error})") from None
    if not isinstance(document, dict) or set(document) != _KEYS:
        found = sorted(document) if isinstance(document, dict) else type(document).__name__
        raise ModelFileError(f"{path}: expected a JSON object with keys {sorted(_KEYS)}, found {found}")
    if document["format"] != FORMAT:
        raise ModelFileError(f"{path}: format is {document['format']!r}, expected {FORMAT!r}")
    if document["version"] != VERSION or isinstance(document["version"], bool):
        raise ModelFileError(
            f"{path}: file version {document['version']!r} is not supported "
            f"(this library reads version {VERSION})"
        )
    architecture = document["architecture"]
    if (
        not isinstance(architecture, dict)
        or set(architecture) != {"class", "config"}
        or not isinstance(architecture["class"], str)
        or not isinstance(architecture["config"], dict)
    ):
        raise ModelFileError(
            f"{path}: 'architecture' must be {{'class': name, 'config': {{...}}}}, found {architecture!r}"
        )
    if not isinstance(document["parameters"], dict):
        raise ModelFileError(f"{path}: 'parameters' must map names to numbers")
    return document


def apply(model: Savable, document: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Check ``document`` against ``model`` (architecture, names, numbers), then set the parameters."""
    expected = {"class": type(model).__name__, "config": json.loads(json.dumps(model.config()))}
    if document["architecture"] != expected:
        raise ModelFileError(
            f"{path}: the file holds {_describe(document['architecture'])}, "
            f"but the model is {_describe(expected)}"
        )
    try:
        model.load_state_dict(document["parameters"])
    except ModelFileError as error:
        raise ModelFileError(f"{path}: {error}") from None


def load_into(model: Savable, path: str | os.PathLike[str]) -> None:
    """Load the file at ``path`` into ``model``; on any problem raise and change nothing."""
    apply(model, read(path), path)


def check_state_dict(names: Sequence[str], state_dict: Any, owner: str) -> list[float]:
    """Check that ``state_dict`` has exactly ``names``, each a finite real; return values in that order."""
    if not isinstance(state_dict, Mapping):
        raise ModelFileError(
            f"{owner} state must map parameter names to numbers, got {type(state_dict).__name__}"
        )
    wanted = set(names)
    missing = [name for name in names if name not in state_dict]
    unexpected = [name for name in state_dict if name not in wanted]
    if missing or unexpected:
        raise ModelFileError(
            f"the state does not fit {owner} ({len(names)} parameters, {len(state_dict)} given): "
            f"missing {_first(missing)}, unexpected {_first(unexpected)}"
        )
    values = []
    for name in names:
        value = state_dict[name]
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ModelFileError(
                f"parameter {name!r} must be a real number, got {type(value).__name__}: {value!r}"
            )
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise ModelFileError(f"parameter {name!r} must be finite, got {value!r}")
        values.append(number)
    return values


class _NonFiniteError(ValueError):
    pass


def _refuse_constant(name: str) -> float:
    raise _NonFiniteError(f"{name} is not a finite number")


def _first(names: list[str], count: int = 5) -> str:
    return repr(names[:count])[:-1] + (", ...]" if len(names) > count else "]")


def _describe(architecture: dict[str, Any]) -> str:
    config = ", ".join(f"{key}={value!r}" for key, value in architecture["config"].items())
    return f"{architecture['class']}({config})"
