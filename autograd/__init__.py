"""chainrule's engine: scalar values that remember how they were computed, and the chain rule.

>>> from autograd import Value
>>> x = Value(2.0, label="x")
>>> y = x * x + 3 * x
>>> y.backward()
>>> x.grad  # dy/dx = 2x + 3
7.0
"""

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
from .value import Value, as_value, dot, value_sum

sum = value_sum  # autograd.sum, like torch.sum

__all__ = [
    "OPS",
    "GradcheckError",
    "Op",
    "Value",
    "as_value",
    "detect_anomaly",
    "dot",
    "enable_grad",
    "grad",
    "gradcheck",
    "is_grad_enabled",
    "no_grad",
    "topological_order",
    "value_sum",
]
