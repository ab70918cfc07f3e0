"""The backward pass as pictures, one per chain-rule step: ``draw_step()`` and ``step_through()``.

Each frame is ``draw_dot`` of the graph with one step of ``backward_steps`` highlighted: its node in
red, and on each arrow what the step adds to that input's gradient.
"""

from __future__ import annotations

import html
from typing import Any

from ..steps import Step, backward_steps, step_count
from ..value import Value
from .draw import draw_dot
from .render import Drawing
from .text import check_value


def draw_step(root: Value, k: int, **options: Any) -> Drawing:
    """The graph after step ``k`` of the backward pass, with that step's node and contributions in red.

    Steps count from 0, as ``Step.index`` does. The pass runs in its own gradients up to step ``k``
    and stops there, so drawing a step changes no ``.grad``; ``options`` go to ``draw_dot``.
    """
    check_value(root, "draw_step")
    count = step_count(root)
    if type(k) is not int or not 0 <= k < count:
        steps = f"has steps 0 to {count - 1}" if count else "has no steps: no operation made it"
        raise IndexError(f"draw_step: no step {k!r}; the backward pass of {root!r} {steps}")
    for step in backward_steps(root):
        if step.index == k:
            return draw_dot(root, step=step, **options)  # leaving the loop ends the pass unapplied
    raise AssertionError("unreachable: every index below step_count() is yielded")


def step_through(root: Value, **options: Any) -> Any:
    """A notebook stepper over the backward pass: a slider through the steps, each drawn when shown.

    Runs the whole backward pass (grads end as after ``backward()``). With ipywidgets installed it
    returns a widget: a slider and the drawing of the chosen step, with the step in words. Without
    ipywidgets it displays every frame one after another, with a line on how to get the slider.
    For a page that steps in any browser, see ``autograd.explore``.
    """
    check_value(root, "step_through")
    steps = list(backward_steps(root))
    try:
        import ipywidgets
    except ImportError:
        return _show_all(root, steps, options)
    slider = ipywidgets.IntSlider(value=0, min=0, max=max(len(steps) - 1, 0), description="step")
    picture = ipywidgets.HTML()

    def show(change: Any = None) -> None:
        if not steps:
            picture.value = "<p>no steps: the output is a leaf</p>"
            return
        step = steps[slider.value]  # each step keeps the gradients as they stood after it
        svg = draw_dot(root, step=step, **options).pipe(format="svg", encoding="utf-8")
        picture.value = f"<p>{html.escape(str(step))}</p>" + svg

    slider.observe(show, names="value")
    show()
    return ipywidgets.VBox([slider, picture])


def _show_all(root: Value, steps: list[Step], options: dict[str, Any]) -> None:
    """Display each frame in turn (in a notebook), or print each step (elsewhere)."""
    try:
        from IPython.display import display
    except ImportError:
        for step in steps:
            print(step)
        return
    print("step_through: install ipywidgets for a slider; here is every step in turn.")
    for step in steps:
        print(step)
        display(draw_dot(root, step=step, **options))
