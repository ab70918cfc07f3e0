"""The site's Python side, run once in Pyodide: run a learner's code, keep what it printed and drew.

``session.run(code)`` runs code the way a notebook cell runs: every statement, then the value of
a last bare expression is shown (a drawing as its SVG, a page as its HTML, anything else as its
repr). ``display(obj)`` shows an object the same way from anywhere in the code.

Every run ends with its output or a message, whatever the code does: closing ``sys.stdout`` keeps
what was printed, ``os._exit`` and ``os.abort`` raise ``SystemExit`` (in a browser they would end
Python itself), ``input()`` says there is no keyboard, and a ``_repr_html_`` that returns no text
is passed over, with a note.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import importlib.metadata
import io
import linecache
import os
import re
import sys
import traceback
from collections.abc import Iterator
from typing import Any

import tqdm

import autograd
import nn  # noqa: F401  (loaded now, so the first run does not wait for it)

tqdm.tqdm.monitor_interval = 0  # no thread can start in the browser: no monitor for the progress bars

FILENAME = "<playground>"


def ends_only_the_run(name: str) -> Any:
    """``os._exit`` and ``os.abort`` here: ending the process would end Python in the page."""

    def refused(*args: Any) -> None:
        raise SystemExit(f"{name}() ends the run here; Python keeps running in the page")

    return refused


os._exit = ends_only_the_run("os._exit")
os.abort = ends_only_the_run("os.abort")


class Printed(io.StringIO):
    """What the code prints. Closing it (``sys.stdout.close()``) keeps the text, as a terminal would."""

    def close(self) -> None:
        pass


class NoKeyboard(io.TextIOBase):
    """``sys.stdin`` here: ``input()`` has nothing to read in a page, and says so."""

    def readline(self, size: int | None = -1) -> str:
        raise EOFError("input(): a page has no keyboard for Python; give the value in the code instead")

    read = readline


OPTIONAL = {
    re.split(r"[\s;<>=!~\[]", need, maxsplit=1)[0].lower()
    for need in importlib.metadata.requires("chainrule") or []
    if "extra ==" in need
}
"""What chainrule's extras install locally (matplotlib, ipywidgets, torch, ...): not on the site."""


class Session:
    """One Python namespace (a notebook's kernel, or a fresh one per playground run) and what it showed."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {}
        self.shown: list[dict[str, str]] = []
        self.drawn: autograd.Value | None = None
        self.runs = 0
        self.reset()
        for name in ("draw_dot", "draw_step"):  # remember the value each drawing is of
            setattr(autograd, name, self.remembering(getattr(autograd, name)))

    def reset(self) -> None:
        """Forget every name the code defined, as a restarted kernel does."""
        self.namespace = {"__name__": "__main__", "display": self.display}

    def remembering(self, draw: Any) -> Any:
        @functools.wraps(draw)
        def drawing(root: Any, *args: Any, **kwargs: Any) -> Any:
            self.drawn = root
            return draw(root, *args, **kwargs)

        return drawing

    def display(self, *objects: Any) -> None:
        """Show each object below the output: a drawing as SVG, a page as HTML, else its repr."""
        for obj in objects:
            self.shown.append(shown(obj))

    def run(self, code: str, fresh: bool = False) -> dict[str, Any]:
        """Run ``code``; return its printed text, what it showed, and the error it raised, if any."""
        if fresh:
            self.reset()
        self.runs += 1
        filename = FILENAME if fresh else f"<cell {self.runs}>"
        linecache.cache[filename] = (len(code), None, code.splitlines(keepends=True), filename)
        self.shown, self.drawn, printed, error, missing = [], None, Printed(), "", ""
        with (
            contextlib.redirect_stdout(printed),
            contextlib.redirect_stderr(printed),
            replaced(sys, "stdin", NoKeyboard()),
        ):
            try:
                tree = ast.parse(code, filename, "exec")
                last = tree.body[-1] if tree.body else None
                if isinstance(last, ast.Expr):  # a last bare expression is evaluated apart and shown
                    tree.body.pop()
                exec(compile(tree, filename, "exec"), self.namespace)
                if isinstance(last, ast.Expr):
                    value = eval(compile(ast.Expression(last.value), filename, "eval"), self.namespace)
                    if value is not None:
                        self.display(value)
            except BaseException as raised:  # the learner's error is shown, not raised
                missing = missing_extra(raised)
                # The traceback from the learner's code down, without run()'s frame (a SyntaxError has none)
                frames = raised.__traceback__
                below = frames.tb_next if frames is not None and not isinstance(raised, SyntaxError) else None
                error = "".join(traceback.format_exception(type(raised), raised, below))
        return {
            "output": as_a_terminal_shows(printed.getvalue()),
            "shown": self.shown,
            "svgs": [item["svg"] for item in self.shown if "svg" in item],
            "error": error,
            "missing": missing,
            "explorable": self.drawn is not None and hasattr(autograd, "explore"),
        }

    def explorer_html(self) -> str:
        """The explorer page of the value drawn last."""
        if self.drawn is None:
            raise ValueError("explorer_html: nothing has been drawn yet")
        return autograd.explore(self.drawn).to_html()


def missing_extra(raised: BaseException) -> str:
    """The optional package (one of chainrule's extras) whose absence raised this error, or "".

    The import may have failed deeper down, with a friendlier error raised from it (``compile(...,
    batch=True)`` says which extra holds NumPy): every error the chain holds is looked at.
    """
    seen: BaseException | None = raised
    while seen is not None:
        if isinstance(seen, ModuleNotFoundError) and seen.name is not None:
            module = seen.name.partition(".")[0]
            return module if module in OPTIONAL else ""
        seen = seen.__cause__ or seen.__context__
    return ""


def as_a_terminal_shows(text: str) -> str:
    """Each line as a terminal leaves it: after a carriage return (a progress bar redrawn), the rest."""
    return "\n".join(line.rpartition("\r")[2] for line in text.split("\n"))


@contextlib.contextmanager
def replaced(owner: Any, name: str, value: Any) -> Iterator[None]:
    """``owner.name`` is ``value`` inside the block, and what it was again after it."""
    before = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, before)


def shown(obj: Any) -> dict[str, str]:
    """How an object is shown: ``{"svg": ...}``, ``{"html": ...}`` or ``{"text": repr}``.

    As IPython does, a ``_repr_svg_`` or ``_repr_html_`` may return the text alone or with its
    metadata, ``(text, {...})``; one that returns anything else is passed over, with a note
    printed where the code's output goes.
    """
    for kind in ("svg", "html"):
        method = getattr(obj, f"_repr_{kind}_", None)
        if callable(method) and not isinstance(obj, type):
            rendered = method()
            if isinstance(rendered, tuple) and len(rendered) == 2 and isinstance(rendered[1], dict):
                rendered = rendered[0]
            if isinstance(rendered, str):
                return {kind: rendered}
            if rendered is not None:
                kind_of = type(rendered).__name__
                print(
                    f"{type(obj).__name__}._repr_{kind}_() returned {kind_of}, not str: passed over",
                    file=sys.stderr,
                )
    return {"text": repr(obj)}


session = Session()
