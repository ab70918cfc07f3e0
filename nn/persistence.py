"""Saving and loading models as JSON: checked completely before anything changes, written atomically.

A model file is plain JSON that a person can read::

    {"format": "chainrule-model", "version": 2,
     "architecture": {"class": "MLP", "module": "nn.layers", "config": {"nin": 2, "nouts": [3, 1], ...}},
     "parameters": {"layers.0.neurons.0.w.0": 0.23, ...}}

Floats are written with ``repr``, so they come back bit for bit. No pickle: loading a file
never runs code from it, and the class is found among those already defined by its module and
name. Version 1 files (without ``"module"``) name one of the library's own classes.

A file is read only if it is a regular file of at most ``MAX_FILE_BYTES``, and refused if it
says anything twice, holds an integer too long to be a number, or describes an architecture
whose size differs from its parameters: all before a model is built.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import reprlib
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from autograd.pages import UnreadableFileError, read_regular_file, write_atomically

FORMAT = "chainrule-model"
VERSION = 2
READABLE_VERSIONS = (1, 2)
MAX_FILE_BYTES = 1 << 30
"""The largest model file read (1 GiB, some twenty million parameters); saving refuses a larger one."""
MAX_DIGITS = 400
"""The longest integer a model file may hold: beyond 309 digits no integer is a float anyway."""
_KEYS = {"format", "version", "architecture", "parameters"}


class ModelFileError(ValueError):
    """A model file (or state dict) that cannot be loaded; the message says what is wrong."""


class Savable(Protocol):
    """What persistence needs from a model: ``state_dict``, ``load_state_dict`` and ``config``."""

    def state_dict(self) -> dict[str, float]: ...

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None: ...

    def config(self) -> dict[str, Any]: ...


def architecture_of(model: Savable) -> dict[str, Any]:
    """``{"class": name, "module": module, "config": {...}}``: what ``nn.load`` rebuilds ``model`` from."""
    cls = type(model)
    return {"class": cls.__qualname__, "module": cls.__module__, "config": model.config()}


def document_of(model: Savable) -> dict[str, Any]:
    """The JSON-ready description of ``model``: format, version, architecture and parameters."""
    parameters = model.state_dict()
    for name, value in parameters.items():
        if not math.isfinite(value):
            raise ValueError(f"cannot save {type(model).__name__}: parameter {name!r} is {value!r}")
    architecture = architecture_of(model)
    return {"format": FORMAT, "version": VERSION, "architecture": architecture, "parameters": parameters}


def save(model: Savable, path: str | os.PathLike[str]) -> None:
    """Write ``model`` to ``path`` atomically (``autograd.pages.write_atomically``).

    A crash half way leaves the old file (if any) untouched rather than a truncated one; a file
    larger than ``MAX_FILE_BYTES``, which loading would refuse, is not written.
    """
    text = json.dumps(document_of(model), indent=1, allow_nan=False)
    if len(text) > MAX_FILE_BYTES:  # json.dumps writes ASCII: one byte per character
        raise ValueError(
            f"cannot save {type(model).__name__} to {os.fspath(path)}: the file would be "
            f"{len(text):,} bytes, more than loading reads (MAX_FILE_BYTES = {MAX_FILE_BYTES:,})"
        )
    write_atomically(path, text)


def read(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read and check the structure of a model file (not yet against a model); return the document.

    A version 1 file's architecture gets ``"module": None`` (it names one of the library's classes).
    """
    try:
        raw = read_regular_file(path, MAX_FILE_BYTES)
    except UnreadableFileError as error:
        raise ModelFileError(str(error)) from None
    try:
        document = json.loads(
            raw.decode("utf-8"),
            parse_constant=_refuse_constant,
            parse_int=_parse_int,
            object_pairs_hook=_refuse_duplicates,
        )
    except (_RefusedError, RecursionError) as error:
        raise ModelFileError(f"{path}: not a chainrule model file ({shorten(str(error))})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelFileError(f"{path}: not a chainrule model file (invalid JSON: {error})") from None
    if not isinstance(document, dict) or set(document) != _KEYS:
        found = brief(sorted(document)) if isinstance(document, dict) else type(document).__name__
        raise ModelFileError(f"{path}: expected a JSON object with keys {sorted(_KEYS)}, found {found}")
    if document["format"] != FORMAT:
        raise ModelFileError(f"{path}: format is {brief(document['format'])}, expected {FORMAT!r}")
    version = document["version"]
    if isinstance(version, bool) or not any(version == v and type(version) is int for v in READABLE_VERSIONS):
        raise ModelFileError(
            f"{path}: file version {brief(version)} is not supported "
            f"(this library reads versions {', '.join(map(str, READABLE_VERSIONS))})"
        )
    architecture = document["architecture"]
    keys = {"class", "config"} if version == 1 else {"class", "module", "config"}
    if (
        not isinstance(architecture, dict)
        or set(architecture) != keys
        or not isinstance(architecture["class"], str)
        or not isinstance(architecture.get("module", ""), str)
        or not isinstance(architecture["config"], dict)
    ):
        shape = (
            "{'class': name, 'config': {...}}"
            if version == 1
            else "{'class': name, 'module': name, 'config': {...}}"
        )
        raise ModelFileError(f"{path}: 'architecture' must be {shape}, found {brief(architecture)}")
    architecture.setdefault("module", None)
    if not isinstance(document["parameters"], dict):
        raise ModelFileError(f"{path}: 'parameters' must map names to numbers")
    return document


def apply(model: Savable, document: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Check ``document`` against ``model`` (architecture, names, numbers), then set the parameters."""
    expected = json.loads(json.dumps(architecture_of(model)))
    found = dict(document["architecture"])
    if found["module"] is None:  # a version 1 file: the class by name only
        found["module"] = expected["module"]
    if found != expected:
        raise ModelFileError(
            f"{path}: the file holds {describe(found)}, but the model is {describe(expected)}"
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
                f"parameter {brief(name)} must be a real number, got {type(value).__name__}: {brief(value)}"
            )
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise ModelFileError(f"parameter {brief(name)} must be finite, got {brief(value)}")
        values.append(number)
    return values


def describe(architecture: Mapping[str, Any]) -> str:
    """``MLP(nin=2, nouts=[3, 1], ...)`` for an architecture, cut short if it is long."""
    config = architecture["config"]
    items = list(config.items())[:10] if isinstance(config, dict) else []
    arguments = ", ".join(f"{shorten(str(key), 40)}={brief(value)}" for key, value in items)
    more = ", ..." if isinstance(config, dict) and len(config) > len(items) else ""
    return shorten(f"{shorten(str(architecture['class']), 80)}({arguments}{more})")


_BRIEF = reprlib.Repr()
_BRIEF.maxstring = _BRIEF.maxother = _BRIEF.maxlong = 100
_BRIEF.maxlist = _BRIEF.maxtuple = _BRIEF.maxdict = _BRIEF.maxset = 10


def brief(value: Any, limit: int = 200) -> str:
    """``repr(value)`` for a message, with long strings, lists and dicts elided (``reprlib``)."""
    try:
        text = _BRIEF.repr(value)
    except ValueError:  # an integer too long to print (more than 4300 digits)
        text = f"<an integer of about {int(value.bit_length() * math.log10(2)):,} digits>"
    return shorten(text, limit)


def shorten(text: str, limit: int = 200) -> str:
    """``text``, or its first ``limit`` characters and a count of the rest: a file's contents in a message."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text) - limit:,} more characters)"


class _RefusedError(ValueError):
    """Something in a JSON text that a model file must not hold."""


def _refuse_constant(name: str) -> float:
    raise _RefusedError(f"{name} is not a finite number")


def _parse_int(digits: str) -> int:
    """An integer of the file, refused if it is longer than ``MAX_DIGITS`` (Python would raise)."""
    if len(digits.lstrip("-")) > MAX_DIGITS:
        raise _RefusedError(
            f"an integer of {len(digits.lstrip('-')):,} digits is too long to be a number here"
        )
    return int(digits)


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict, refused if a key appears twice (``json`` would keep the last silently)."""
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise _RefusedError(f"the key {brief(key)} appears twice in one object")
        seen.add(key)
    return dict(pairs)


def _first(names: list[str], count: int = 5) -> str:
    return (
        "[" + ", ".join(brief(name, 60) for name in names[:count]) + (", ...]" if len(names) > count else "]")
    )
