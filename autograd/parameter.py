"""``Parameter``: a Value a model learns, marked as a weight or a bias."""

from __future__ import annotations

from .value import Value


class Parameter(Value):
    """A Value a model learns, as ``torch.nn.Parameter``, marked with its ``role``.

    ``role`` is ``"weight"`` or ``"bias"``: ``Module.weights()`` and ``Module.biases()`` select
    by it, and drawings style the two apart. ``owners`` names the modules that hold it, outermost
    first (``nn`` sets it: ``("layers.0", "layers.0.neurons.1")``); drawings group by it.
    """

    __slots__ = ("_role", "owners")

    def __init__(
        self, data: float, label: str = "", *, role: str | None = None, requires_grad: bool = True
    ) -> None:
        super().__init__(data, label, requires_grad=requires_grad)
        self._role = role
        self.owners: tuple[str, ...] = ()

    @property
    def role(self) -> str | None:
        """What this parameter is for: ``"weight"``, ``"bias"`` or ``None``."""
        return self._role
