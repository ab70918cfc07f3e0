"""chainrule's engine: scalar values that remember how they were computed, and the chain rule.

>>> from autograd import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + 3 * x
>>> y.backward()
>>> x.grad  # dy/dx = 2x + 3
7.0
"""

from .compile import CompiledFunction, TraceMismatchError, compile
from .draw import Drawing, RendererNotFoundError, RenderError, draw_dot, find_renderer
from .functional import (
    GradcheckError,
    detect_anomaly,
    enable_grad,
    grad,
    gradcheck,
    is_grad_enabled,
    no_grad,
)
from .graph import topological_order
from .ops import OPS, Op
from .steps import Step, backward_steps, draw_step, step_through
from .text import show
from .value import Parameter, Value, as_value, dot, linear, value_sum

sum = value_sum  # autograd.sum, like torch.sum

__all__ = [
    "OPS",
    "CompiledFunction",
    "Drawing",
    "GradcheckError",
    "Op",
    "Parameter",
    "RenderError",
    "RendererNotFoundError",
    "Step",
    "TraceMismatchError",
    "Value",
    "as_value",
    "backward_steps",
    "compile",
    "detect_anomaly",
    "dot",
    "draw_dot",
    "draw_step",
    "enable_grad",
    "find_renderer",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "linear",
    "no_grad",
    "show",
    "step_through",
    "topological_order",
    "value_sum",
]
