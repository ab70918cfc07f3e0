"""chainrule's engine: scalar values that remember how they were computed, and the chain rule.

>>> from autograd import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + 3 * x
>>> y.backward()
>>> x.grad  # dy/dx = 2x + 3
7.0

Importing ``autograd`` loads the engine and the standard library only. The compiler and the views
(text, drawings, step-through frames, pages) load on first use, so the engine works where Graphviz is
not installed.
"""

from collections.abc import Callable
from importlib import import_module
from typing import Any

from . import copying  # noqa: F401  (gives Value its copies and pickles)
from .checks import data_of, is_number, is_scalar, whole_number
from .functional import (
    GradcheckError,
    detect_anomaly,
    enable_grad,
    grad,
    gradcheck,
    is_grad_enabled,
    no_grad,
)
from .ops import OPS, Op
from .parameter import Parameter
from .steps import Step, backward_steps
from .sums import dot, linear, value_sum
from .value import Value, as_value, topological_order

sum = value_sum  # autograd.sum, like torch.sum

_ON_FIRST_USE = {
    "ReplayedFunction": "replay",
    "CompiledFunction": "compiler",
    "TraceMismatchError": "compiler",
    "diagnose": "slips",
    "show": "views.text",
    "Drawing": "views.render",
    "RenderError": "views.render",
    "RendererNotFoundError": "views.render",
    "find_renderer": "views.render",
    "draw_dot": "views.draw",
    "draw_step": "views.frames",
    "step_through": "views.frames",
    "explore": "views.explorer",
    "Explorer": "views.explorer",
}
"""Public names of the compiler, the slips' diagnosis and the views, by the module (loaded on first
use) that defines them."""


def compile(
    fn: Callable[..., Value],
    *example_inputs: Any,
    batch: bool = False,
    reduction: str = "sum",
    fuse: bool = False,
) -> Any:
    """Trace ``fn(*example_inputs)`` once and write its forward and backward passes out as code.

    ``autograd.compiler.compile``: straight-line Python, called like ``fn``. With ``batch=True``,
    ``autograd.replay.replay``: the trace of one example replayed over a whole batch with NumPy,
    each parameter's ``.grad`` growing by the gradients' sum (``reduction="mean"``: their mean);
    ``fuse=True`` writes each layer as matrix products (``z1 = x @ W1.T + b1``).
    """
    if batch:
        from .replay import replay

        return replay(fn, *example_inputs, reduction=reduction, fuse=fuse)
    if fuse or reduction != "sum":
        raise ValueError("compile: reduction and fuse apply to a batched replay; pass batch=True")
    from .compiler import compile as trace_and_write

    return trace_and_write(fn, *example_inputs)


def __getattr__(name: str) -> Any:
    """Load a module the first time one of its names is asked for (PEP 562)."""
    if name in _ON_FIRST_USE:
        return getattr(import_module(f".{_ON_FIRST_USE[name]}", __name__), name)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")


__all__ = [
    "OPS",
    "compile",
    "GradcheckError",
    "Op",
    "Parameter",
    "Step",
    "Value",
    "as_value",
    "backward_steps",
    "data_of",
    "detect_anomaly",
    "dot",
    "enable_grad",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "is_number",
    "is_scalar",
    "linear",
    "no_grad",
    "topological_order",
    "value_sum",
    "whole_number",
    *_ON_FIRST_USE,
]
