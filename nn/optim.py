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
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from autograd import Value

ParamsOrGroups = Iterable[Value] | Iterable[dict[str, Any]]


class Optimizer:
    """Base class: parameter groups, ``zero_grad``, ``step`` and a saveable state.

    ``param_groups`` is a list of dicts, each with ``"params"`` (a list of Values) and every
    setting of the optimizer (``"lr"``, ...), taken from the group or else from the defaults.
    ``state`` holds what the optimizer remembers per parameter (momentum, running averages).
    Parameters with ``requires_grad=False`` are frozen: ``step`` leaves them alone.
    """

    def __init__(self, params: ParamsOrGroups, defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Value, dict[str, float]] = {}
        groups: list[Any] = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty list of parameters")
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
        params = [params] if isinstance(params, Value) else list(params)
        known = {id(p) for g in self.param_groups for p in g["params"]}
        for p in params:
            if not isinstance(p, Value):
                raise TypeError(
                    f"{type(self).__name__} can only optimize Values, got {type(p).__name__}: {p!r}"
                )
            if id(p) in known:
                raise ValueError(f"{type(self).__name__}: the parameter {p!r} appears in more than one place")
            known.add(id(p))
        unknown = set(group) - set(self.defaults) - {"params", "initial_lr"}
        if unknown:
            raise ValueError(f"{type(self).__name__}: unknown settings {sorted(unknown)}")
        full = {**self.defaults, **group, "params": params}
        self._check(full)
        self.param_groups.append(full)

    def _check(self, group: dict[str, Any]) -> None:
        """Raise ``ValueError`` for a setting out of range (each optimizer knows its own)."""
        for key in ("lr", "weight_decay", "eps", "momentum", "lr_decay", "alpha"):
            if key in group and not group[key] >= 0:
                raise ValueError(f"{type(self).__name__}: {key} must be ≥ 0, got {group[key]!r}")

    def zero_grad(self) -> None:
        """Set the gradient of every parameter in every group to 0."""
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = 0.0

    def step(self) -> None:
        """Update every trainable parameter from its gradient (``float(p.grad)``: a Value grad works too)."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.requires_grad:
                    self._update(p, float(p.grad), group, self.state.setdefault(p, {}))

    def _update(self, p: Value, grad: float, group: dict[str, Any], state: dict[str, float]) -> None:
        raise NotImplementedError

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

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what ``state_dict()`` returned, into an optimizer over the same parameter shapes."""
        groups = state_dict.get("param_groups") if isinstance(state_dict, dict) else None
        if not isinstance(groups, list) or [len(g["params"]) for g in groups] != [
            len(g["params"]) for g in self.param_groups
        ]:
            raise ValueError(f"{type(self).__name__}.load_state_dict: the parameter groups do not match")
        params = [p for group in self.param_groups for p in group["params"]]
        state = {}
        for key, values in state_dict.get("state", {}).items():
            position = int(key)
            if not 0 <= position < len(params):
                raise ValueError(f"{type(self).__name__}.load_state_dict: no parameter number {key!r}")
            state[params[position]] = dict(values)
        for group, saved in zip(self.param_groups, groups):
            group.update({k: v for k, v in saved.items() if k != "params"})
        self.state = state


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

    def _check(self, group: dict[str, Any]) -> None:
        super()._check(group)
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: Nesterov momentum requires momentum > 0 and dampening = 0")

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
            "betas": tuple(betas),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
        }
        super().__init__(params, defaults)

    def _check(self, group: dict[str, Any]) -> None:
        super()._check(group)
        if not all(0.0 <= beta < 1.0 for beta in group["betas"]) or len(group["betas"]) != 2:
            raise ValueError(
                f"{type(self).__name__}: betas must be two numbers in [0, 1), got {group['betas']!r}"
            )

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
            v = state["max_exp_avg_sq"] = max(state.get("max_exp_avg_sq", 0.0), v)
        denominator = math.sqrt(v) / bias_correction2_sqrt + group["eps"]
        p.data = p.data + -step_size * (m / denominator)


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

    def _update(self, p: Value, grad: float, group: dict[str, Any], state: dict[str, float]) -> None:
        alpha = group["alpha"]
        state["step"] = state.get("step", 0.0) + 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p.data
        square_avg = state["square_avg"] = state.get("square_avg", 0.0) * alpha + (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state["grad_avg"] = _lerp(state.get("grad_avg", 0.0), grad, 1 - alpha)
            average = math.sqrt(square_avg + -1 * grad_avg * grad_avg)
        else:
            average = math.sqrt(square_avg)
        average = average + group["eps"]
        if group["momentum"] > 0:
            buffer = state["momentum_buffer"] = (
                state.get("momentum_buffer", 0.0) * group["momentum"] + grad / average
            )
            p.data = p.data + -group["lr"] * buffer
        else:
            p.data = p.data + -group["lr"] * (grad / average)


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

    def _update(self, p: Value, grad: float, group: dict[str, Any], state: dict[str, float]) -> None:
        step = state["step"] = state.get("step", 0.0) + 1
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p.data
        current_lr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        total = state["sum"] = state.get("sum", group["initial_accumulator_value"]) + grad * grad
        p.data = p.data + -current_lr * (grad / (math.sqrt(total) + group["eps"]))


# --- learning-rate schedules ----------------------------------------------------------------------


class LRScheduler:
    """Base class: sets each group's ``lr`` from its starting value and the epoch count.

    Call ``scheduler.step()`` once per epoch, after ``optimizer.step()``. Subclasses give the
    closed form ``lr_at(base_lr, epoch)``; creating the scheduler sets epoch 0.
    """

    def __init__(self, optimizer: Optimizer) -> None:
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
        self.last_epoch += 1
        self._last_lr = [self.lr_at(base, self.last_epoch) for base in self.base_lrs]
        for group, lr in zip(self.optimizer.param_groups, self._last_lr):
            group["lr"] = lr

    def state_dict(self) -> dict[str, Any]:
        """The epoch count and the starting learning rates."""
        return {"last_epoch": self.last_epoch, "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Resume from ``state_dict()``."""
        self.last_epoch = int(state_dict["last_epoch"])
        self.base_lrs = list(state_dict["base_lrs"])
        self._last_lr = [self.lr_at(base, self.last_epoch) for base in self.base_lrs]


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs: lr₀ · γ^⌊epoch / step_size⌋."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        if step_size < 1:
            raise ValueError(f"StepLR: step_size must be ≥ 1, got {step_size!r}")
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** (epoch // self.step_size)


class MultiStepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` at each epoch listed in ``milestones``."""

    def __init__(self, optimizer: Optimizer, milestones: Sequence[int], gamma: float = 0.1) -> None:
        self.milestones, self.gamma = sorted(milestones), gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma ** bisect.bisect_right(self.milestones, epoch)


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch: lr₀ · γ^epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.gamma**epoch


class CosineAnnealingLR(LRScheduler):
    """Follow half a cosine from lr₀ down to ``eta_min`` over ``T_max`` epochs (then back up).

    lr = η_min + (lr₀ − η_min) · (1 + cos(π · epoch / T_max)) / 2.
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        if T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be ≥ 1, got {T_max!r}")
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * epoch / self.T_max)) / 2


class LambdaLR(LRScheduler):
    """lr₀ times any function of the epoch: ``LambdaLR(opt, lambda epoch: 0.95 ** epoch)``."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float]) -> None:
        self.lr_lambda = lr_lambda
        super().__init__(optimizer)

    def lr_at(self, base_lr: float, epoch: int) -> float:
        return base_lr * self.lr_lambda(epoch)


# --- gradient clipping ---------------------------------------------------------------------------


def _with_grads(parameters: Iterable[Value] | Value) -> list[Value]:
    params = [parameters] if isinstance(parameters, Value) else list(parameters)
    return [p for p in params if p.requires_grad]


def clip_grad_norm_(parameters: Iterable[Value] | Value, max_norm: float, norm_type: float = 2.0) -> float:
    """Scale all gradients together so that their norm is at most ``max_norm``; return the norm before.

    ‖g‖ₚ = (Σ|gᵢ|ᵖ)^(1/p) (the largest |gᵢ| for p = inf); if it exceeds ``max_norm`` every gᵢ is
    multiplied by max_norm / (‖g‖ + 10⁻⁶), as in ``torch.nn.utils.clip_grad_norm_``. The
    direction of the step is kept, only its length shrinks.
    """
    params = _with_grads(parameters)
    grads = [abs(float(p.grad)) for p in params]
    if not grads:
        return 0.0
    if norm_type == math.inf:
        total = max(grads)
    else:
        total = math.fsum(g**norm_type for g in grads) ** (1.0 / norm_type)
    coefficient = min(max_norm / (total + 1e-6), 1.0)
    if coefficient < 1.0:
        for p in params:
            p.grad = float(p.grad) * coefficient
    return total


def clip_grad_value_(parameters: Iterable[Value] | Value, clip_value: float) -> None:
    """Clamp every gradient into [−clip_value, clip_value], as ``torch.nn.utils.clip_grad_value_``."""
    for p in _with_grads(parameters):
        p.grad = min(max(float(p.grad), -clip_value), clip_value)
