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

from importlib import import_module
from typing import Any

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
    "compile": "compiler",
    "CompiledFunction": "compiler",
    "TraceMismatchError": "compiler",
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
"""Public names of the compiler and the views, by the module (loaded on first use) that defines them."""


def __getattr__(name: str) -> Any:
    """Load a module the first time one of its names is asked for (PEP 562)."""
    if name in _ON_FIRST_USE:
        return getattr(import_module(f".{_ON_FIRST_USE[name]}", __name__), name)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")


__all__ = [
    "OPS",
    "GradcheckError",
    "Op",
    "Parameter",
    "Step",
    "Value",
    "as_value",
    "backward_steps",
    "detect_anomaly",
    "dot",
    "enable_grad",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "linear",
    "no_grad",
    "topological_order",
    "value_sum",
    *_ON_FIRST_USE,
]
