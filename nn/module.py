"""``Module``: the base class that finds, names, counts, zeroes, saves and loads parameters.

A module's parameters are *found*, not listed: ``named_parameters()`` walks the instance's
attributes in the order they were assigned and collects every ``Value``, every ``Module`` and
every list or tuple of them, naming each with a dotted path as PyTorch does
(``layers.0.neurons.3.w.1``). Attributes whose names start with ``_`` are private and skipped.
Everything else here (``parameters``, ``weights``, ``biases``, ``zero_grad``, ``state_dict``,
``save``/``load``) is built on that one walk, so no subclass has to list its parameters.
"""

from __future__ import annotations

import inspect
import json
import os
import threading
import weakref
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from autograd import Parameter, Value

from . import persistence

Found = tuple[str, Value, tuple[str, ...]]
"""What the parameter walk yields: a dotted name, the parameter, and the modules that hold it."""


class Module:
    """Base class for anything with parameters: subclass it and assign Values or Modules as attributes.

    Assigning a Value, a Module, or a list/tuple of them as an attribute labels each parameter
    below it with its dotted name (``Value.label``), so that drawings show ``neurons.0.w.1``
    rather than an anonymous number: the name ``named_parameters()`` gives it, so a parameter
    reached twice keeps its first name. When a module is placed inside another one, the outer
    assignment happens last and its longer names win.

    Put lists of parameters in place whole (``self.layers = [...]``): a later ``append`` is not
    seen by the labelling (though ``named_parameters`` still finds it). A list that contains
    itself is refused (its parameters would have no names), and the module is left as it was.
    """

    _registry: ClassVar[dict[tuple[str, str], type[Module]]] = {}
    """Every Module subclass by module and name, so that ``nn.load`` can rebuild one from a file.

    A learner's own ``class MLP(nn.Module)`` in a notebook is ``("__main__", "MLP")``: it does not
    take the place of the library's ``("nn.layers", "MLP")``.
    """

    _always_shown: ClassVar[tuple[str, ...]] = ()
    """Constructor arguments ``repr`` shows even when they have their default values."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Module._registry[(cls.__module__, cls.__qualname__)] = cls

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            object.__setattr__(self, name, value)
            return
        # the value is walked before it is set: one the walk cannot take leaves the module unchanged
        assigned = _parameters_in(self, name, value)
        appended = name not in vars(self)
        object.__setattr__(self, name, value)
        # each takes its name in named_parameters(): a tied parameter keeps its first name;
        # a Parameter also learns which modules hold it, so drawings can box it with them
        for dotted, parameter, owners in _LAST_WALK.found(self, name, value, assigned, appended):
            parameter.label = dotted
            if isinstance(parameter, Parameter):
                parameter.owners = owners

    def __delattr__(self, name: str) -> None:
        object.__delattr__(self, name)
        if not name.startswith("_"):
            _LAST_WALK.forget()

    # --- finding parameters ----------------------------------------------------------------------

    def named_parameters(self) -> Iterator[tuple[str, Value]]:
        """Yield ``(dotted name, parameter)`` for every parameter, in definition order, each once."""
        return ((name, parameter) for name, parameter, _ in _walk(self, "", set(), ()))

    def parameters(self) -> list[Value]:
        """Every parameter (weights and biases, frozen ones included), in definition order."""
        return [parameter for _, parameter in self.named_parameters()]

    def weights(self) -> list[Value]:
        """The parameters whose ``role`` is ``"weight"``."""
        return [p for p in self.parameters() if p.role == "weight"]

    def biases(self) -> list[Value]:
        """The parameters whose ``role`` is ``"bias"``."""
        return [p for p in self.parameters() if p.role == "bias"]

    def num_parameters(self, *, trainable_only: bool = False) -> int:
        """How many numbers the model learns (only those with ``requires_grad`` if ``trainable_only``)."""
        return len([p for p in self.parameters() if p.requires_grad or not trainable_only])

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, module)`` for the modules directly inside this one (``layers.0``, ...)."""
        for name, value in _public_attributes(self):
            if isinstance(value, Module):
                yield name, value
            elif isinstance(value, (list, tuple)):
                for i, item in enumerate(value):
                    if isinstance(item, Module):
                        yield f"{name}.{i}", item

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0, ready for the next ``backward()``."""
        for p in self.parameters():
            p.grad = 0.0

    # --- state -----------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, float]:
        """Every parameter's value by dotted name: ``{"layers.0.neurons.0.w.0": 0.23, ...}``."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Set every parameter from ``state_dict`` (as made by ``state_dict()``).

        Everything is checked first: the names must match exactly and every value must be a
        finite real number. On any problem a ``ValueError`` names it and nothing is changed.
        """
        named = list(self.named_parameters())
        values = persistence.check_state_dict([name for name, _ in named], state_dict, type(self).__name__)
        for (_, p), value in zip(named, values):
            p.data = value

    def config(self) -> dict[str, Any]:
        """The constructor arguments that rebuild this module (its architecture), as JSON-ready data.

        Subclasses record them in ``self._config`` while constructing. Without it, a module whose
        constructor needs arguments cannot be rebuilt by ``nn.load``, so ``save`` refuses it
        (``state_dict()`` still gives its parameters).
        """
        return dict(getattr(self, "_config", {}))

    @classmethod
    def _check_config(cls, config: Mapping[str, Any]) -> int | None:
        """Check ``config`` as ``cls(**config)`` would, without building anything (``TypeError`` or
        ``ValueError`` if it cannot build); return the number of parameters it would have, or
        ``None`` when the class cannot tell without building (the default)."""
        inspect.signature(cls).bind(**config)
        return None

    def _save_problem(self) -> str | None:
        """Why this module, rebuilt from its config, would not be the same module (``None``: it would)."""
        return None

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the architecture and every parameter to a JSON file at ``path``, atomically.

        Refused with a ``ValueError`` saying why when ``nn.load`` could not rebuild the model from
        the file (an activation given as a function, a module that records no config): nothing
        is written that would fail later.
        """
        problem = _rebuild_problem(self)
        if problem is not None:
            raise ValueError(f"cannot save {type(self).__name__} to {os.fspath(path)}: {problem}")
        persistence.save(self, path)

    def load(self, path: str | os.PathLike[str]) -> None:
        """Read parameters saved by ``save(path)`` into this model, after checking everything.

        The file's format, version, architecture, parameter names, count and numbers must all
        be right; otherwise ``ModelFileError`` (a ``ValueError``) explains, and the model is
        left exactly as it was. To rebuild a model from a file instead, use ``nn.load(path)``.
        """
        persistence.load_into(self, path)

    # --- display ---------------------------------------------------------------------------------

    def __repr__(self) -> str:
        lines = [self._signature()]
        children = list(self.named_children())
        if not children:
            return lines[0]
        lines[0] += " ("
        for name, text in _collapse_repeats(children):
            body = text.replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        lines.append(")")
        return "\n".join(lines)

    def _signature(self) -> str:
        """``ClassName(arg=value, ...)``: the constructor arguments that differ from their defaults,
        and those in ``_always_shown`` (a layer's activation and bias) whatever they are."""
        defaults = _constructor_defaults(type(self))
        shown = [
            f"{key}={value!r}"
            for key, value in self.config().items()
            if key in self._always_shown or defaults.get(key, _MISSING) != value
        ]
        return f"{type(self).__name__}({', '.join(shown)})"


_MISSING = object()


def _public_attributes(module: Module) -> Iterator[tuple[str, Any]]:
    """The attributes the parameter walk looks at: every one whose name has no leading ``_``."""
    for name, value in vars(module).items():
        if not name.startswith("_"):
            yield name, value


def _walk(obj: Any, prefix: str, seen: set[int], owners: tuple[str, ...]) -> Iterator[Found]:
    """Yield ``(dotted name, Value, owners)`` for the Values in ``obj``: a Value, a Module, or a
    list/tuple of them. ``owners`` are the dotted names of the modules holding the Value below the
    one walked from, outermost first: ``("layers.0", "layers.0.neurons.1")``.

    ``seen`` holds the ids of the Values, Modules and lists already reached. A Value found again (a
    tied weight) keeps its first name, as in PyTorch; a Module or list found again has given all
    its Values already, so a module that refers back to a parent does not send the walk round in
    circles.
    """
    if isinstance(obj, (list, tuple)) and id(obj) not in seen:
        seen.add(id(obj))  # a list met again holds nothing new (and one inside itself ends here)
        for i, item in enumerate(obj):
            yield from _walk(item, f"{prefix}.{i}", seen, owners)
    elif isinstance(obj, (Value, Module)) and id(obj) not in seen:
        seen.add(id(obj))
        if isinstance(obj, Value):
            yield prefix, obj, owners
        else:
            inside = (*owners, prefix) if prefix else owners
            for name, value in _public_attributes(obj):
                yield from _walk(value, f"{prefix}.{name}" if prefix else name, seen, inside)


def _parameters_in(module: Module, name: str, value: Any) -> list[Value]:
    """The Values that assigning ``value`` to ``module.name`` brings, or a ``ValueError`` saying why
    the walk cannot take it (a list that contains itself, or lists nested deeper than Python recurses).

    ``module`` counts as seen: a reference back to it brings none of its own parameters.
    """
    where = f"{type(module).__name__}.{name}"
    try:
        if _circular(value, set(), set()):
            raise ValueError(f"{where}: the list contains itself, so its parameters have no names")
        return [parameter for _, parameter, _ in _walk(value, name, {id(module)}, ())]
    except RecursionError:
        raise ValueError(f"{where}: lists nested too deep to walk; flatten them") from None


def _circular(obj: Any, open_lists: set[int], done: set[int]) -> bool:
    """Whether a list or tuple in ``obj`` contains itself (``open_lists``: those being looked in)."""
    if not isinstance(obj, (list, tuple)) or id(obj) in done:
        return False
    if id(obj) in open_lists:
        return True
    open_lists.add(id(obj))
    if any(_circular(item, open_lists, done) for item in obj):
        return True
    open_lists.discard(id(obj))
    done.add(id(obj))
    return False


class _LastWalk:
    """The labelling walk, remembered from one assignment to the next so that it stays linear.

    Labelling a new attribute's parameters needs their names in the walk of the whole module, so
    giving a module n parameters one attribute at a time would walk it n times: quadratic. But a
    new attribute comes last in the walk, so when the module's previous assignment was the last
    one to any module, the walk so far still holds and only the new value needs walking. Any other
    module's assignment or deletion starts afresh. (A list changed in place is not seen, as
    ``Module``'s docstring says.) Only a module's second assignment in a row keeps what the walk
    has seen, so a finished model does not hold a copy of every parameter's id.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.module: weakref.ref[Module] | None = None
        self.seen: set[int] | None = None

    def forget(self) -> None:
        with self.lock:
            self.module, self.seen = None, None

    def found(
        self, module: Module, name: str, value: Any, assigned: list[Value], appended: bool
    ) -> list[Found]:
        """The walk's ``(dotted name, parameter, owners)`` for the ``assigned`` parameters."""
        ids = {id(parameter) for parameter in assigned}
        with self.lock:
            again = appended and self.module is not None and self.module() is module
            if again and self.seen is not None and self.seen.isdisjoint(ids):
                walked = list(_walk(value, name, self.seen, ()))  # continue where the walk stopped
            else:  # tied parameters need their first names: walk the whole module
                seen: set[int] = set()
                walked = list(_walk(module, "", seen, ()))
                self.module, self.seen = weakref.ref(module), seen if again else None
        return [found for found in walked if id(found[1]) in ids]


_LAST_WALK = _LastWalk()


def _constructor_defaults(cls: type) -> dict[str, Any]:
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):
        return {}
    return {
        name: parameter.default
        for name, parameter in signature.parameters.items()
        if parameter.default is not inspect.Parameter.empty
    }


def _collapse_repeats(children: list[tuple[str, Module]]) -> Iterator[tuple[str, str]]:
    """Group neighbours with the same repr, as PyTorch does: ``(neurons.0-15): 16 × Neuron(nin=2)``."""
    i = 0
    while i < len(children):
        name, text = children[i][0], repr(children[i][1])
        j = i + 1
        while (
            j < len(children) and repr(children[j][1]) == text and _siblings(children[i][0], children[j][0])
        ):
            j += 1
        if j - i > 1:
            last = children[j - 1][0].rsplit(".", 1)[1]
            yield f"{name}-{last}", f"{j - i} × {text}"
        else:
            yield name, text
        i = j


def _siblings(first: str, other: str) -> bool:
    """Whether two child names are items of the same list attribute (``neurons.0`` and ``neurons.5``)."""
    return "." in first and first.rsplit(".", 1)[0] == other.rsplit(".", 1)[0]


def _modules(module: Module) -> Iterator[Module]:
    """``module`` and every module inside it, each once."""
    seen: set[int] = set()
    waiting = [module]
    while waiting:
        current = waiting.pop()
        if id(current) not in seen:
            seen.add(id(current))
            yield current
            waiting.extend(child for _, child in current.named_children())


def _rebuild_problem(model: Module) -> str | None:
    """Why ``nn.load`` could not rebuild ``model`` from its file, or ``None`` if it can.

    Every module inside must be what its config rebuilds (an activation given as a function is
    not), and the model's config must be JSON data that its constructor accepts and that describes
    as many parameters as the model has.
    """
    for module in _modules(model):
        problem = module._save_problem()
        if problem is not None:
            return problem
    cls = type(model)
    config = model.config()
    try:
        json.dumps(config, allow_nan=False)
    except (TypeError, ValueError) as error:
        return f"its config() is not plain JSON data ({error}); record numbers, strings, lists and dicts"
    try:
        inspect.signature(cls).bind(**config)
        expected = cls._check_config(config)
    except (TypeError, ValueError) as error:
        return (
            f"nn.load would call {persistence.describe({'class': cls.__name__, 'config': config})} "
            f"and that fails ({error}); record the constructor's arguments in self._config"
        )
    if expected is not None and expected != model.num_parameters():
        return f"its config() describes {expected:,} parameters but it has {model.num_parameters():,}"
    return None


def _find_class(module: str | None, name: str) -> type[Module] | None:
    """The Module subclass ``name`` of ``module``.

    A version 1 file names no module (``None``): the library's class of that name, or else the
    only class defined with that name (as version 1 read it).
    """
    if module is None:
        namesakes = [cls for (_, what), cls in Module._registry.items() if what == name]
        library = Module._registry.get(("nn.layers", name))
        return library or (namesakes[0] if len(namesakes) == 1 else None)
    return Module._registry.get((module, name))


def load(path: str | os.PathLike[str]) -> Module:
    """Rebuild a model from a file written by ``Module.save``: its class, its architecture, its parameters.

    The class is found by its module and name among the ``Module`` subclasses defined so far
    (``nn.MLP`` is ``nn.layers.MLP``; a class of your own must be defined or imported first), and
    the architecture is checked against the file's parameters before anything is built. Raises
    ``ModelFileError`` (a ``ValueError``) if anything in the file is wrong.
    """
    document = persistence.read(path)
    architecture = document["architecture"]
    module, name, config = architecture["module"], architecture["class"], architecture["config"]
    cls = _find_class(module, name)
    if cls is None:
        namesakes = sorted(f"{where}.{what}" for where, what in Module._registry if what == name)
        hint = f" (defined so far: {', '.join(namesakes)})" if namesakes else ""
        raise persistence.ModelFileError(
            f"{path}: unknown module class {persistence.brief(name)}"
            f"{'' if module is None else f' of module {persistence.brief(module)}'}{hint}; "
            "define or import the class first"
        )
    try:
        expected = cls._check_config(config)
    except (TypeError, ValueError) as error:
        raise persistence.ModelFileError(
            f"{path}: cannot build {persistence.describe(architecture)}: {error}"
        ) from None
    count = len(document["parameters"])
    if expected is not None and expected != count:
        raise persistence.ModelFileError(
            f"{path}: {persistence.describe(architecture)} has {expected:,} parameters, "
            f"but the file holds {count:,}"
        )
    try:
        model = cls(**config)
    except Exception as error:  # the file's arguments are untrusted input: any failure means a bad file
        raise persistence.ModelFileError(
            f"{path}: cannot build {persistence.describe(architecture)}: {error}"
        ) from None
    persistence.apply(model, document, path)
    return model
