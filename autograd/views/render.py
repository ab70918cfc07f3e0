"""Rendering DOT source with Graphviz's ``dot``: finding the program, running it, and ``Drawing``.

Nothing here knows about autograd: it turns a graph description into a picture. The renderer is
the system Graphviz ``dot`` when it is on PATH, otherwise the one from the ``graphviz-pure``
package installed next to this Python (no system install, no activated environment needed).
In a browser (Pyodide), where no program can be started, the page's WebAssembly Graphviz renders
instead: the page defines ``chainruleRenderDot(source, format)``. This is the only module that
imports ``graphviz``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import graphviz

RENDER_TIMEOUT = 120.0
"""Seconds a rendering may take before it is stopped with an error instead of hanging."""


class RendererNotFoundError(RuntimeError):
    """Neither the system Graphviz ``dot`` nor ``graphviz-pure`` could be found."""


class RenderError(RuntimeError):
    """The ``dot`` program failed or took too long; the message holds what it said."""


def find_renderer() -> str:
    """The path of a ``dot`` program to render with.

    The system Graphviz ``dot`` if it is on PATH; otherwise the ``graphviz-pure`` executable in
    this Python environment's scripts directory (found from ``sys.executable``, so it works in a
    Jupyter kernel started by path without an activated environment); otherwise one on PATH.
    """
    system_dot = shutil.which("dot")
    if system_dot:
        return system_dot
    executable = "graphviz-pure.exe" if os.name == "nt" else "graphviz-pure"
    for directory in _script_directories():
        candidate = Path(directory) / executable
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    on_path = shutil.which("graphviz-pure")
    if on_path:
        return on_path
    raise RendererNotFoundError(
        "draw_dot: no Graphviz renderer found (looked for `dot` on PATH and for `graphviz-pure` "
        f"in {', '.join(map(str, _script_directories()))}). Install one: `pip install graphviz-pure` "
        "into this Python environment, or the system Graphviz package (e.g. `apt install graphviz`, "
        "`brew install graphviz`, `choco install graphviz`)."
    )


def _script_directories() -> list[str]:
    """Where this Python environment keeps its executables, most likely first, without repeats."""
    candidates = [sysconfig.get_path("scripts"), str(Path(sys.executable).parent)]
    if os.name == "nt":
        candidates.append(str(Path(sys.executable).parent / "Scripts"))
    with contextlib.suppress(KeyError):  # no user scheme on this platform
        candidates.append(sysconfig.get_path("scripts", f"{os.name}_user"))
    return list(dict.fromkeys(c for c in candidates if c))


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` that renders with the ``dot`` that ``find_renderer()`` finds.

    It has all of ``Digraph`` (``.source``, ``.node()``, ``.edge()``, ``.save()``); ``pipe()`` and
    ``render()`` run the DOT source through the renderer, and a notebook shows it inline as SVG
    (JupyterLab, classic Notebook and VS Code). ``note`` says what was left out, if anything.
    """

    note: str = ""

    def __repr__(self) -> str:
        # The same text for the same graph (no memory address), so saved notebooks stay reproducible.
        edges = sum(" -> " in line for line in self.body)
        return f"<autograd.Drawing: {len(self.body) - edges} DOT nodes and {edges} edges>"

    def pipe(  # type: ignore[override]
        self,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        *,
        engine: str | None = None,
        encoding: str | None = None,
    ) -> Any:
        """The rendered picture as bytes, or as text when ``encoding`` is given.

        ``pipe("svg", encoding="utf-8")`` is the SVG as a string; ``pipe("png")`` the PNG file's bytes.
        """
        output_format = ":".join(x for x in (format or self.format, renderer, formatter) if x)
        if sys.platform == "emscripten":
            return _render_in_browser(self.source, output_format, encoding)
        command = [find_renderer(), f"-K{engine or self.engine}", f"-T{output_format}"]
        if neato_no_op:
            command.append(f"-n{int(neato_no_op)}")
        try:
            finished = subprocess.run(
                command, input=self.source.encode(self.encoding), capture_output=True, timeout=RENDER_TIMEOUT
            )
        except subprocess.TimeoutExpired:
            raise RenderError(
                f"rendering to {output_format} took longer than {RENDER_TIMEOUT:.0f} s and was stopped; "
                "draw fewer nodes with draw_dot(..., max_nodes=...) or group='neuron' / 'layer'"
            ) from None
        if finished.returncode != 0:
            said = finished.stderr.decode(errors="replace").strip()
            raise RenderError(
                f"{command[0]} failed rendering to {output_format} (exit {finished.returncode}): {said}"
            )
        return finished.stdout.decode(encoding) if encoding else finished.stdout

    def render(  # type: ignore[override]
        self,
        filename: str | os.PathLike[str] | None = None,
        directory: str | os.PathLike[str] | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        renderer: str | None = None,
        formatter: str | None = None,
        neato_no_op: bool | int | None = None,
        quiet: bool = False,
        quiet_view: bool = False,
        *,
        outfile: str | os.PathLike[str] | None = None,
        engine: str | None = None,
    ) -> str:
        """Save the DOT source to ``filename`` and the picture beside it; return the picture's path.

        As in graphviz: ``render("graph", format="svg")`` writes ``graph`` (DOT) and ``graph.svg``;
        ``render(outfile="graph.png")`` takes the format from the suffix. ``cleanup`` removes the
        DOT file afterwards, ``view`` opens the picture.
        """
        if outfile is not None:
            outfile = Path(outfile)
            format = format or outfile.suffix.lstrip(".") or None
            if filename is None:
                filename = outfile.with_suffix(".gv")
        output_format = format or self.format
        source_path = self.save(filename, directory=directory)
        target = Path(outfile) if outfile is not None else Path(f"{source_path}.{output_format}")
        target.write_bytes(self.pipe(output_format, renderer, formatter, neato_no_op, engine=engine))
        if cleanup:
            os.remove(source_path)
        if view:
            graphviz.view(target, quiet=quiet_view)
        return str(target)

    def _repr_svg_(self) -> str:
        """Inline SVG for notebook front ends that ask for ``_repr_svg_``."""
        return self.pipe(format="svg", encoding="utf-8")


def _render_in_browser(source: str, output_format: str, encoding: str | None) -> Any:
    """Render with the page's WebAssembly Graphviz (under Pyodide): text formats only, such as SVG."""
    try:
        import js  # type: ignore[import-not-found]  # Pyodide's bridge to the page's JavaScript

        text = str(js.chainruleRenderDot(source, output_format))
    except (ImportError, AttributeError):
        raise RendererNotFoundError(
            "drawing in a browser needs the page to provide chainruleRenderDot(source, format), "
            "a WebAssembly Graphviz (the chainrule playground does)"
        ) from None
    except Exception as error:  # a JavaScript error from the renderer
        raise RenderError(f"the browser's Graphviz failed rendering to {output_format}: {error}") from None
    return text if encoding else text.encode("utf-8")
