"""Optimizers, learning-rate schedules and gradient clipping, with ``torch.optim``'s names and maths.

An optimizer holds *parameter groups*: lists of parameters with their own settings, so that
``SGD(model.weights(), lr=0.1)`` trains only the weights and
``SGD([{"params": model.weights()}, {"params": model.biases(), "lr": 0.01}], lr=0.1)`` gives the
biases a smaller step. Each update below is written exactly as PyTorch computes it (same order
of operations), so trajectories match ``torch.optim`` to rounding.

The training loop is always the same three lines::

    optimizer.zero_grad()   # forget the last step's gradients
    loss.backward()         # compute ∂loss/∂p for every parameter p
    optimizer.step()        # move every p against its gradient
"""

from __future__ import annotations

import bisect
import math
import numbers
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar

from autograd import Value, whole_number

ParamsOrGroups = Iterable[Value] | Iterable[dict[str, Any]]

ARRAY_UPDATE_FROM = 256
"""Parameters in a group from which a stateless update (plain SGD) runs on arrays: below it, the
time to make the arrays is more than the loop it saves."""


class Optimizer:
    """Base class: parameter groups, ``zero_grad``, ``step`` and a saveable state.

    ``param_groups`` is a list of dicts, each with ``"params"`` (a list of Values) and every
    setting of the optimizer (``"lr"``, ...), taken from the group or else from the defaults.
    ``state`` holds what the optimizer remembers per parameter (momentum, running averages).
    Parameters with ``requires_grad=False`` are frozen: ``step`` leaves them alone.
    """

    settings: ClassVar[dict[str, float | None]] = {}
    """The optimizer's numeric settings and the least value each may take (``None``: any finite number)."""

    switches: ClassVar[tuple[str, ...]] = ()
    """The optimizer's on/off settings (``nesterov``, ``amsgrad``, ``centered``)."""

    remembers: ClassVar[dict[str, float | None] | None] = None
    """What ``state`` holds per parameter, with the least value each may take (``None``: any finite
    number); ``step`` counts steps, a whole number. ``load_state_dict`` refuses anything else. An
    optimizer of your own that leaves it ``None`` may remember any names, as finite numbers."""

    def __init__(self, params: ParamsOrGroups, defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Value, dict[str, float]] = {}
        if callable(getattr(params, "parameters", None)):
            raise TypeError(
                f"{name}: pass the model's parameters, {name}(model.parameters(), ...), not the model"
            )
        if isinstance(params, (Value, Mapping)):
            what = "a single Value" if isinstance(params, Value) else "a dict"
            raise TypeError(
                f"{name}: params must be a list of Values or of parameter groups (dicts), got {what}; "
                f"put it in a list: {name}([...], ...)"
            )
        try:
            groups: list[Any] = list(params)
        except TypeError:
            raise TypeError(
                f"{name}: params must be a list of Values or of parameter groups (dicts), "
                f"got {type(params).__name__}"
            ) from None
        if not groups:
            raise ValueError(f"{name} got an empty list of parameters")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group of parameters with its own settings (missing ones come from the defaults)."""
        if not isinstance(group, dict) or "params" not in group:
            raise ValueError(
                f"{type(self).__name__}: a parameter group is a dict with a 'params' list, got {group!r}"
            )
        params = group["params"]
        if callable(getattr(params, "parameters", None)):
            raise TypeError(f"{type(self).__name__}: a group's 'params' is model.parameters(), not the model")
        try:
            params = [params] if isinstance(params, Value) else list(params)
        except TypeError:
            name = type(self).__name__
            raise TypeError(
                f"{name}: a group's 'params' must be a list of Values, got {type(params).__name__}"
            ) from None
        known = {id(p) for g in self.param_groups for p in g["params"]}
        for p in params:
            if not isinstance(p, Value):
                raise TypeError(
                    f"{type(self).__name__} can only optimize Values, got {type(p).__name__}: {p!r}"
                )
            if id(p) in known:
                raise ValueError(f"{type(self).__name__}: the parameter {p!r} appears in more than one place")
            known.add(id(p))
        self.param_groups.append({**self._checked({**self.defaults, **group}), "params": params})

    def _checked(self, group: dict[str, Any]) -> dict[str, Any]:
        """``group`` with every setting checked and its numbers made Python floats, or a clear error.

        Arguments PyTorch refuses are refused here, when the optimizer is made, rather than turning
        into NaN or a Python error at some later step; NaN and infinities are refused too.
        """
        name = type(self).__name__
        unknown = set(group) - set(self.defaults) - {"params", "initial_lr"}
        if unknown:
            raise ValueError(f"{name}: unknown settings {sorted(unknown)}")
        checked = dict(group)
        for key, least in self.settings.items():
            checked[key] = _number(name, key, group[key], least)
        if "initial_lr" in group:
            checked["initial_lr"] = _number(name, "initial_lr", group["initial_lr"], 0.0)
        for key in self.switches:
            if group[key] not in (True, False) or isinstance(group[key], (str, float)):
                raise TypeError(f"{name}: {key} must be True or False, got {group[key]!r}")
            checked[key] = bool(group[key])
        return checked

    def zero_grad(self) -> None:
        """Set the gradient of every parameter in every group to 0."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = 0.0

    def step(self) -> None:
        """Update every trainable parameter from its gradient (``float(p.grad)``: a Value grad works too).

        Every gradient is read before any parameter moves: one that is not a number stops the step
        with a ``TypeError`` naming the parameter, and no parameter has moved. A large group whose
        update needs no memory per parameter (plain SGD) is updated as arrays, when NumPy is
        installed: the same arithmetic on every number at once, so the same numbers to the last bit.
        """
        arrays = [self._as_arrays(group) for group in self.param_groups]
        grads = [
            None if found is not None else [_gradient(type(self).__name__, p) for p in group["params"]]
            for group, found in zip(self.param_groups, arrays)
        ]
        for group, group_grads, found in zip(self.param_groups, grads, arrays):
            if found is not None:
                self._update_arrays(group, *found)
                continue
            for p, grad in zip(group["params"], group_grads or ()):
                if p.requires_grad:
                    self._update(p, grad, group, self.state.setdefault(p, {}))

    def _update(self, p: Value, grad: float, group: dict[str, Any], state: dict[str, float]) -> None:
        raise NotImplementedError

    # --- the same update on arrays, for large groups ----------------------------------------------

    def _array_update(self, group: dict[str, Any]) -> Callable[[Any, Any], Any] | None:
        """``new_data(data, grad)`` for arrays when this group's update keeps no state, else None."""
        return None

    def _as_arrays(self, group: dict[str, Any]) -> tuple[list[Value], Any, Any] | None:
        """The group's trainable parameters with their data and gradients as arrays, or None when the
        update runs one parameter at a time (a small group, state to keep, no NumPy, a grad no number)."""
        if len(group["params"]) < ARRAY_UPDATE_FROM or self._array_update(group) is None:
            return None
        try:
            import numpy
        except ImportError:
            return None
        params = [p for p in group["params"] if p.requires_grad]
        try:  # read into a list first: quicker than fromiter calling an attrgetter per parameter
            grads = numpy.fromiter([p.grad for p in params], float, len(params))
        except (TypeError, ValueError):
            return None  # read one by one, for the message that names the parameter
        return params, numpy.fromiter([p.data for p in params], float, len(params)), grads

    def _update_arrays(self, group: dict[str, Any], params: list[Value], data: Any, grads: Any) -> None:
        update = self._array_update(group)
        assert update is not None
        if len(self.state) < len(params):  # each parameter has its (empty) state, as one at a time
            for p in params:
                self.state.setdefault(p, {})
        for p, number in zip(params, update(data, grads).tolist()):
            p.data = number

    # --- saving and restoring -------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's memory as plain data, parameters referred to by position (as in PyTorch).

        ``{"state": {0: {"momentum_buffer": ...}}, "param_groups": [{"lr": ..., "params": [0, 1]}]}``
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            ids = []
            for p in group["params"]:
                index[id(p)] = len(index)
                ids.append(index[id(p)])
            groups.append({**{k: v for k, v in group.items() if k != "params"}, "params": ids})
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore what ``state_dict()`` returned, into an optimizer over the same parameter shapes.

        Everything is checked first (group sizes, settings, positions, and each parameter's state:
        the names ``remembers`` lists, with values ``step()`` could have made); on any problem a
        ``ValueError`` says what, and the optimizer is left as it was.
        """
        where = f"{type(self).__name__}.load_state_dict"
        groups = state_dict.get("param_groups") if isinstance(state_dict, Mapping) else None
        if not isinstance(groups, list) or not all(
            isinstance(g, Mapping) and isinstance(g.get("params"), list) for g in groups
        ):
            raise ValueError(
                f"{where}: expected {{'state': {{...}}, 'param_groups': [{{'params': [...]}}, ...]}}"
            )
        if [len(g["params"]) for g in groups] != [len(g["params"]) for g in self.param_groups]:
            raise ValueError(f"{where}: the parameter groups do not match")
        settings = [
            {
                **self._checked({**group, **{k: v for k, v in saved.items() if k != "params"}}),
                "params": group["params"],
            }
            for group, saved in zip(self.param_groups, groups)
        ]
        params = [p for group in self.param_groups for p in group["params"]]
        saved_state = state_dict.get("state", {})
        if not isinstance(saved_state, Mapping):
            raise ValueError(f"{where}: 'state' must map parameter positions to dicts of numbers")
        state = {}
        for key, values in saved_state.items():
            position = int(key) if isinstance(key, int) or (isinstance(key, str) and key.isdigit()) else -1
            if not 0 <= position < len(params):
                raise ValueError(f"{where}: no parameter number {key!r}")
            if not isinstance(values, Mapping) or not all(
                isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values.values()
            ):
                raise ValueError(f"{where}: the state of parameter {key!r} must map names to numbers")
            state[params[position]] = self._checked_state(values, f"parameter {position}'s", where)
        self.param_groups[:] = settings
        self.state = state

    def _checked_state(self, values: Mapping[Any, float], whose: str, where: str) -> dict[str, float]:
        """One parameter's saved state as floats, refused unless it is what ``step()`` could have made:
        known names, a whole step count ≥ 0, finite averages, squares ≥ 0 (else the next step is NaN)."""
        checked = {}
        remembers = {str(name): None for name in values} if self.remembers is None else self.remembers
        for name, value in values.items():
            if name not in remembers:
                raise ValueError(
                    f"{where}: {whose} unknown state {name!r} "
                    f"({type(self).__name__} keeps {', '.join(remembers) or 'nothing'})"
                )
            counts = name == "step"
            try:
                number = _number(where, f"{whose} {name}", value, remembers[name])
            except ValueError:
                if not counts:
                    raise
                number = math.nan
            if counts and not number.is_integer():
                raise ValueError(f"{where}: {whose} step must be a whole number ≥ 0, got {value!r}")
            checked[str(name)] = number
        return checked


def _gradient(owner: str, p: Value) -> float:
    """``float(p.grad)``, or a ``TypeError`` naming ``p`` when its grad is not a number."""
    try:
        return float(p.grad)
    except (TypeError, ValueError):
        raise TypeError(
            f"{owner}: the grad of {p!r} is not a number: {type(p.grad).__name__}: {p.grad!r}"
        ) from None


def _number(owner: str, name: str, value: Any, least: float | None, *, infinite: bool = False) -> float:
    """``value`` as a Python float, or a clear error unless it is a finite real number ≥ ``least``.

    ``infinite`` lets +inf through too (a bound that never binds).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number, got {type(value).__name__}: {value!r}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not (math.isfinite(number) or (infinite and number == math.inf)) or (
        least is not None and number < least
    ):
        kind = "a number (or inf)" if infinite else "a finite number"
        bound = "" if least is None else f" ≥ {least:g}"
        raise ValueError(f"{owner}: {name} must be {kind}{bound}, got {value!r}")
    return number


# Python raises where IEEE arithmetic (and PyTorch) gives nan or inf; these three give what PyTorch gives.


def _divide(numerator: float, denominator: float) -> float:
    """numerator / denominator with IEEE rules: x / 0 = ±inf and 0 / 0 = nan (Python raises instead)."""
    try:
        return numerator / denominator
    except ZeroDivisionError:
        if numerator == 0 or math.isnan(numerator):
            return math.nan
        return math.copysign(math.inf, numerator) * math.copysign(1.0, denominator)


def _sqrt(x: float) -> float:
    """√x, and nan for x < 0 (rounding can make v − ḡ² slightly negative), as ``torch.sqrt``."""
    return math.sqrt(x) if x >= 0 else math.nan


def _maximum(a: float, b: float) -> float:
    """The larger of a and b, nan if either is (Python's ``max`` would silently drop a nan)."""
    return math.nan if math.isnan(a) or math.isnan(b) else max(a, b)


def _lerp(start: float, end: float, weight: float) -> float:
    """start + weight·(end − start), rounded as PyTorch's ``lerp`` does (from the nearer end)."""
    if abs(weight) < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1 - weight)


class SGD(Optimizer):
    """Stochastic gradient descent, with optional momentum, dampening, Nesterov and weight decay.

    g ← ∇p + λp;  with momentum μ: b ← μb + (1 − τ)g (b = g on the first step), g ← b
    (Nesterov: g ← g + μb);  p ← p − lr·g.
    """

    def __init__(
        self,
        params: ParamsOrGroups,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening, "weight_decay": weight_decay}
        super().__init__(params, {**defaults, "nesterov": nesterov})

    settings: ClassVar[dict[str, float | None]] = {
        "lr": 0.0,
        "momentum": 0.0,
        "dampening": None,
        "weight_decay": 0.0,
    }
    switches: ClassVar[tuple[str, ...]] = ("nesterov",)
    remembers: ClassVar[dict[str, float | None]] = {"momentum_buffer": None}

    def _checked(self, group: dict[str, Any]) -> dict[str, Any]:
        checked = super()._checked(group)
        if checked["nesterov"] and (checked["momentum"] <= 0 or checked["dampening"] != 0):
            raise ValueError("SGD: Nesterov momentum requires momentum > 0 and dampening = 0")
        return checked

    def _array_update(self, group: dict[str, Any]) -> Callable[[Any, Any], Any] | None:
        if group["momentum"] != 0:
            return None  # a momentum buffer per parameter: one at a time

        def update(data: Any, grad: Any) -> Any:  # _update below, on arrays
            if group["weight_decay"] != 0:
                grad = grad + group["weight_decay"] * data
            return data + -group["lr"] * grad

        return update

    def _update(self, p: Value, grad: float, group: dict[str, Any], state: dict[str, float]) -> None:
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p.data
        momentum = group["momentum"]
        if momentum != 0:
            if "momentum_buffer" not in state:
                buffer = grad
            else:
                buffer = state["momentum_buffer"] * momentum + (1 - group["dampening"]) * grad
            state["momentum_buffer"] = buffer
            grad = grad + momentum * buffer if group["nesterov"] else buffer
        p.data = p.data + -group["lr"] * grad


class Adam(Optimizer):
    """Adam: steps scaled by running averages of the gradient and of its square.

    m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,  p ← p − lr · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε).
    ``weight_decay`` adds λp to g (L2); ``amsgrad`` divides by the largest v seen so far.
    """

    decoupled_weight_decay = False

    def __init__(
        self,
        params: ParamsOrGroups,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
        }
        super().__init__(params, defaults)

    settings: ClassVar[dict[str, float | None]] = {"lr": 0.0, "eps": 0.0, "weight_decay": 0.0}
    switches: ClassVar[tuple[str, ...]] = ("amsgrad",)
    remembers: ClassVar[dict[str, float | None]] = {
        "step": 0.0,
        "exp_avg": None,
        "exp_avg_sq": 0.0,
        "max_exp_avg_sq": 0.0,
    }

    def _checked(self, group: dict[str, Any]) -> dict[str, Any]:
        checked = super()._checked(group)
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{type(self).__name__}: betas must be two numbers in [0, 1), got {betas!r}")
        checked["betas"] = tuple(_number(type(self).__name__, "betas", beta, 0.0) for beta in betas)
        if not all(beta < 1.0 for beta in checked["betas"]):
            raise ValueError(f"{type(self).__name__}: betas must be two numbers in [0, 1), got {betas!r}")
        return checked

    def _update(self, p: Value, grad: float, group: dict[str, Any], state: dict[str, float]) -> None:
        lr, (beta1, beta2), decay = group["lr"], group["betas"], group["weight_decay"]
        step = state["step"] = state.get("step", 0.0) + 1
        if self.decoupled_weight_decay:
            p.data = p.data * (1 - lr * decay)  # AdamW: shrink p directly, outside the averages
        elif decay != 0:
            grad = grad + decay * p.data
        m = state["exp_avg"] = _lerp(state.get("exp_avg", 0.0), grad, 1 - beta1)
        v = state["exp_avg_sq"] = state.get("exp_avg_sq", 0.0) * beta2 + (1 - beta2) * grad * grad
        step_size = lr / (1 - beta1**step)
        bias_correction2_sqrt = math.sqrt(1 - beta2**step)
        if group["amsgrad"]:
            v = state["max_exp_avg_sq"] = _maximum(state.get("max_exp_avg_sq", 0.0), v)
        denominator = _sqrt(v) / bias_correction2_sqrt + group["eps"]
        p.data = p.data + -step_size * _divide(m, denominator)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p ← p·(1 − lr·λ) before the Adam step."""

    decoupled_weight_decay = True

    def __init__(
        self,
        params: ParamsOrGroups,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)


class RMSprop(Optimizer):
    """RMSprop: divide each step by a running root-mean-square of the gradient.

    v ← αv + (1 − α)g²,  p ← p − lr · g / (√v + ε);  ``centered`` uses √(v − ḡ²) with ḡ the
    running mean of g; ``momentum`` μ keeps b ← μb + g / (√v + ε) and steps by lr·b.
    """

    def __init__(
        self,
        params: ParamsOrGroups,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        defaults = {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay, "momentum": momentum}
        super().__init__(params, {**defaults, "centered": centered})

    settings: ClassVar[dict[str, float | None]] = {
        "lr": 0.0,
        "alpha": 0.0,
        "eps": 0.0,
        "weight_decay": 0.0,
        "momentum": 0.0,
    }
    switches: ClassVar[tuple[str, ...]] = ("centered",)
    remembers: ClassVar[dict[str, float | None]] = {
        "step": 0.0,
        "square_avg": 0.0,
        "grad_avg": None,
        "momentum_buffer": None,
    }

    def _update(self, p: Value, grad: float, group: dict[str, Any], state: dict[str, float]) -> None:
        alpha = group["alpha"]
        state["step"] = state.get("step", 0.0) + 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p.data
        square_avg = state["square_avg"] = state.get("square_avg", 0.0) * alpha + (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"] = _lerp(state.get("grad_avg", 0.0), grad, 1 - alpha)
            average = _sqrt(square_avg + -1 * grad_avg * grad_avg)
        else:
            average = _sqrt(square_avg)
        average = average + group["eps"]
        if group["momentum"] > 0:
            buffer = state["momentum_buffer"] = state.get("momentum_buffer", 0.0) * group[
                "momentum"
            ] + _divide(grad, average)
            p.data = p.data + -group["lr"] * buffer
        else:
            p.data = p.data + -group["lr"] * _divide(grad, average)


class Adagrad(Optimizer):
    """Adagrad: divide each step by the root of the sum of all squared gradients so far.

    s ← s + g²,  p ← p − lr_t · g / (√s + ε),  with lr_t = lr / (1 + (t − 1)·lr_decay).
    """

    def __init__(
        self,
        params: ParamsOrGroups,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        defaults = {"lr": lr, "lr_decay": lr_decay, "weight_decay": weight_decay, "eps": eps}
        super().__init__(params, {**defaults, "initial_accumulator_value": initial_accumulator_value})

    settings: ClassVar[dict[str, float | None]] = {
        "lr": 0.0,
        "lr_decay": 0.0,
        "weight_decay": 0.0,
        "initial_accumulator_value": 0.0,
        "eps": 0.0,
    }
    remembers: ClassVar[dict[str, float | None]] = {"step": 0.0, "sum": 0.0}

    def _update(self, p: Value, grad: float, group: dict[str, Any], state: dict[str, float]) -> None:
        step = state["step"] = state.get("step", 0.0) + 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p.data
        current_lr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        total = state["sum"] = state.get("sum", group["initial_accumulator_value"]) + grad * grad
        p.data = p.data + -current_lr * _divide(grad, _sqrt(total) + group["eps"])


# --- learning-rate schedules ----------------------------------------------------------------------


class LRScheduler:
    """Base class: sets each group's ``lr`` from its starting value and the epoch count.

    Call ``scheduler.step()`` once per epoch, after ``optimizer.step()``. Subclasses give the
    closed form ``lr_at(base_lr, epoch)``; creating the scheduler sets epoch 0. Arguments that
    could make a learning rate negative or NaN are refused when the scheduler is made.
    """

    def __init__(self, optimizer: Optimizer) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: expected an optimizer (such as optim.SGD(...)), "
                f"got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self.step()

    def lr_at(self, base_lr: float, epoch: int) -> float:
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """The learning rate of each group, as set by the last ``step()``."""
        return list(self._last_lr)

    def step(self) -> None:
        """Move on one epoch and set every group's learning rate."""
        self._last_lr = self._rates(self.base_lrs, self.last_epoch + 1)
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self._last_lr):
            group["lr"] = lr

    def _rates(self, base_lrs: list[float], epoch: int) -> list[float]:
        """Each group's learning rate at ``epoch``, refused if one is not a number ≥ 0 (it can only
        come from a ``LambdaLR`` function: the other schedules refuse such arguments when made)."""
        rates: list[float] = []
        for base in base_lrs:
            lr = self.lr_at(base, epoch)
            if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not float(lr) >= 0:
                raise ValueError(
                    f"{type(self).__name__}: the learning rate at epoch {epoch} would be {lr!r}; "
                    "it must be a number ≥ 0"
                )
            rates.append(float(lr))
        return rates

    def state_dict(self) -> dict[str, Any]:
        """The epoch count and the starting learning rates."""
        return {"last_epoch": self.last_epoch, "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Resume from ``state_dict()``; on a wrong state raise ``ValueError`` and change nothing."""
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, Mapping) or not {"last_epoch", "base_lrs"} <= set(state_dict):
            raise ValueError(
                f"{where}: expected {{'last_epoch': epoch, 'base_lrs': [...]}}, got {state_dict!r}"
            )
        epoch, base_lrs = state_dict["last_epoch"], state_dict["base_lrs"]
        whole_number(epoch, f"{where}: last_epoch")
        if not isinstance(base_lrs, (list, tuple)) or len(base_lrs) != len(self.base_lrs):
            raise ValueError(
                f"{where}: base_lrs must list {len(self.base_lrs)} learning rates, one per group, "
                f"got {base_lrs!r}"
            )
        base_lrs = [_number(where, "base_lrs", lr, 0.0) for lr in base_lrs]
        self._last_lr = self._rates(base_lrs, int(epoch))
        self.last_epoch, self.base_lrs = int(epoch), base_lrs


def _times_power(base: float, factor: float, exponent: float) -> float:
    """base · factor^exponent, inf when beyond the largest float (Python's ``**`` would raise)."""
    try:
        return base * factor**exponent
    except OverflowError:  # the power alone overflows; the product may still be a float
        if base == 0:
            return 0.0
        logarithm = math.log(base) + exponent * math.log(factor)
        return math.exp(logarithm) if logarithm < math.log(sys.float_info.max) else math.inf


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs: lr₀ · γ^⌊epoch / step_size⌋."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = whole_number(step_size, "StepLR: step_size", 1)
        self.gamma = _number("StepLR", "gamma", gamma, 0.0)
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return _times_power(base_lr, self.gamma, epoch // self.step_size)


class MultiStepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` at each epoch listed in ``milestones``."""

    def __init__(self, optimizer: Optimizer, milestones: Sequence[int], gamma: float = 0.1) -> None:
        if isinstance(milestones, (str, bytes)) or not isinstance(milestones, Iterable):
            raise TypeError(f"MultiStepLR: milestones must be a list of epochs, got {milestones!r}")
        self.milestones = sorted(whole_number(m, "MultiStepLR: milestones", 0) for m in milestones)
        self.gamma = _number("MultiStepLR", "gamma", gamma, 0.0)
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return _times_power(base_lr, self.gamma, bisect.bisect_right(self.milestones, epoch))


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch: lr₀ · γ^epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = _number("ExponentialLR", "gamma", gamma, 0.0)
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return _times_power(base_lr, self.gamma, epoch)


class CosineAnnealingLR(LRScheduler):
    """Follow half a cosine from lr₀ down to ``eta_min`` over ``T_max`` epochs (then back up).

    lr = η_min + (lr₀ − η_min) · (1 + cos(π · epoch / T_max)) / 2.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = whole_number(T_max, "CosineAnnealingLR: T_max", 1)
        self.eta_min = _number("CosineAnnealingLR", "eta_min", eta_min, 0.0)
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2


class LambdaLR(LRScheduler):
    """lr₀ times any function of the epoch: ``LambdaLR(opt, lambda epoch: 0.95 ** epoch)``.

    A factor that is negative, NaN or not a number stops ``step()`` with a ``ValueError``.
    """

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float]) -> None:
        if not callable(lr_lambda):
            raise TypeError(f"LambdaLR: lr_lambda must be a function of the epoch, got {lr_lambda!r}")
        self.lr_lambda = lr_lambda
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        factor = self.lr_lambda(epoch)
        if isinstance(factor, bool) or not isinstance(factor, numbers.Real):
            raise ValueError(f"LambdaLR: lr_lambda({epoch}) must return a number, got {factor!r}")
        return base_lr * float(factor)


# --- gradient clipping ---------------------------------------------------------------------------


def _with_grads(parameters: Iterable[Value] | Value, owner: str) -> list[Value]:
    """The parameters (a Value or an iterable of them) that take gradients; a clear error for a model."""
    if callable(getattr(parameters, "parameters", None)):
        raise TypeError(f"{owner}: pass model.parameters(), not the model")
    try:
        params = [parameters] if isinstance(parameters, Value) else list(parameters)
    except TypeError:
        raise TypeError(
            f"{owner}: expected a Value or a list of Values, got {type(parameters).__name__}"
        ) from None
    for p in params:
        if not isinstance(p, Value):
            raise TypeError(f"{owner}: expected Values, got {type(p).__name__}: {p!r}")
    return [p for p in params if p.requires_grad]


def _norm(sizes: list[float], norm_type: float) -> float:
    """‖g‖ₚ = (Σ|gᵢ|ᵖ)^(1/p) of the sizes |gᵢ|, never overflowing: s·(Σ(|gᵢ|/s)ᵖ)^(1/p).

    The scale s is the size that dominates the sum (the largest for p > 0, the smallest for
    p < 0), so every term (|gᵢ|/s)ᵖ lies in [0, 1] and the sum in [1, n]. p = ±inf gives the
    largest or smallest |gᵢ|; a NaN anywhere gives NaN.
    """
    if any(math.isnan(size) for size in sizes):
        return math.nan
    if norm_type == 2:
        return math.hypot(*sizes)  # the same scaling, done in C: ten times faster
    scale = max(sizes) if norm_type > 0 else min(sizes)
    if norm_type in (math.inf, -math.inf) or scale == 0 or scale == math.inf:
        return scale  # all the terms but the scale's own vanish (or it is 0 or inf)
    total = math.fsum((size / scale) ** norm_type for size in sizes)
    return _times_power(scale, total, 1.0 / norm_type)


def clip_grad_norm_(
    parameters: Iterable[Value] | Value,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    """Scale all gradients together so that their norm is at most ``max_norm``; return the norm before.

    ‖g‖ₚ = (Σ|gᵢ|ᵖ)^(1/p) (the largest |gᵢ| for p = inf, the smallest for p = −inf); every gᵢ is
    multiplied by max_norm / (‖g‖ + 10⁻⁶) when that is below 1, as in
    ``torch.nn.utils.clip_grad_norm_``. The direction of the step is kept, only its length
    shrinks. The norm is computed without overflow (``_norm``), so exploding gradients, the case
    clipping is for, are clipped too (PyTorch's float64 norm overflows to inf above ~1e154 and
    then zeroes them; below ~1e-154 it underflows to 0). A NaN gradient makes the norm NaN and
    every gradient NaN, as in PyTorch, or a ``RuntimeError`` with ``error_if_nonfinite=True``.
    """
    max_norm = _number("clip_grad_norm_", "max_norm", max_norm, 0.0, infinite=True)
    if (
        isinstance(norm_type, bool)
        or not isinstance(norm_type, numbers.Real)
        or math.isnan(norm_type)
        or norm_type == 0
    ):
        raise ValueError(
            f"clip_grad_norm_: norm_type must be a nonzero number (2.0 for the Euclidean norm, "
            f"math.inf for the largest |g|), got {norm_type!r}"
        )
    params = _with_grads(parameters, "clip_grad_norm_")
    sizes = [abs(_gradient("clip_grad_norm_", p)) for p in params]
    if not sizes:
        return 0.0
    total = _norm(sizes, float(norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is {total}; "
            "pass error_if_nonfinite=False to clip anyway"
        )
    coefficient = _divide(max_norm, total + 1e-6)
    if not coefficient >= 1.0:  # below 1, or NaN: a NaN norm spreads to every gradient, as in PyTorch
        for p in params:
            p.grad = float(p.grad) * coefficient
    return total


def clip_grad_value_(parameters: Iterable[Value] | Value, clip_value: float) -> None:
    """Clamp every gradient into [−clip_value, clip_value], as ``torch.nn.utils.clip_grad_value_``.

    A NaN gradient stays NaN.
    """
    bound = _number("clip_grad_value_", "clip_value", clip_value, 0.0, infinite=True)
    params = _with_grads(parameters, "clip_grad_value_")
    for p, grad in [(p, _gradient("clip_grad_value_", p)) for p in params]:  # all read before any changes
        p.grad = grad if math.isnan(grad) else min(max(grad, -bound), bound)
