'''One shell for every chainrule page: a self-contained HTML document with its data as JSON.

Three pieces, each used by every page (the explorer, the training view, the site's pages):

- ``document(title, body, data, styles, scripts)``: the HTML document, every style and script
  inline (no network request) and compacted (``compact_style``, ``compact_script``: no comments or
  spare spaces; the files as written are the ones to read), the data as one JSON block
  (``encode_json``), the shell's own ``shell.css`` (palette, the ``cr-live``/``cr-static`` parts
  shown with and without scripts) and ``shell.js``, which makes ``window.chainrule``: one object
  per page, ``{data, extend(members)}``, that each page's script extends with its own members.
- ``embed(page, title, height, fallback)``: a page as a notebook output, in a sandboxed iframe
  that takes the page's own height, with a static fallback where scripts do not run.
- ``Page``: an interactive page with a timeline, made of the two.

A ``Page`` subclass says what it shows; the shell does the rest: the document, a timeline (slider,
play/pause, speed, keys → ← Home End space), ``save()``, and ``_repr_html_()`` for notebooks.
A subclass gives:

- ``data()``: a JSON-able dict with at least ``"frames"`` (how many steps the timeline has;
  frame 0 is the start, frame ``frames`` the end). Floats may be NaN or ±inf (see ``encode_json``).
- ``body()``: the page's own HTML. Parts with ``class="cr-live"`` are shown only where scripts run,
  parts with ``class="cr-static"`` only where they do not (the static fallback).
- ``fallback()``: static HTML shown in a notebook output where scripts do not run. Notebook
  sanitizers keep ``<img>`` but drop inline ``<svg>`` (JupyterLab's, for untrusted outputs), so
  give a picture as ``svg_image(svg)``.
- ``assets``: file names (``.css`` and ``.js``) in the package ``asset_package`` (unless set, the
  package of the subclass's module: the files sit beside it), inlined after the shell's.
- ``title`` and ``height`` (of the notebook iframe in pixels, until the page reports its own).

The page's script finds ``window.chainrule`` with the timeline's members (``frames``, ``frame``,
``go(k)``, ``next()``, ``prev()``, ``play()``, ``pause()``, ``playing()``), adds its own functions
to it and registers what to draw with ``chainrule.render(function (frame) {...})``::

    from autograd.pages import Page

    class Countdown(Page):
        """A number that counts down from n, one frame at a time."""

        title = "countdown"
        assets = ("countdown.js",)  # chainrule.render(k => el.textContent = data.n - k)

        def __init__(self, n: int) -> None:
            self.n = n

        def data(self) -> dict:
            return {"frames": self.n, "n": self.n}

        def body(self) -> str:
            return f'<p id="count">{self.n}</p>'

        def fallback(self) -> str:
            return "<p>0</p>"

``Countdown(3).save("countdown.html")`` writes the page; in a notebook ``Countdown(3)`` shows it.
Tests read the data back with ``read_data(html)``.
'''

from __future__ import annotations

import base64
import html
import json
import math
import os
import re
import uuid
from collections.abc import Sequence
from importlib import resources
from typing import Any

from .files import write_atomically

DATA_ID = "chainrule-data"
"""The id of the ``<script type="application/json">`` element holding a page's data."""

SHELL = "autograd.pages"
"""The package holding the shell's own script and style (``shell.js``, ``shell.css``)."""

FLOAT_KEY = "$float"
"""Non-finite floats travel as ``{"$float": "NaN"}``, ``"Infinity"`` or ``"-Infinity"``: JSON has no
such numbers, and JavaScript's ``Number()`` reads each of those strings back as the float."""


class Page:
    """An interactive page: one HTML document with its data as JSON, a timeline and a static fallback."""

    title = "chainrule"
    assets: tuple[str, ...] = ()
    asset_package: str | None = None
    height = 600

    def data(self) -> dict[str, Any]:
        """The numbers the page shows, as JSON-able values; ``"frames"`` is the timeline's length."""
        raise NotImplementedError

    def body(self) -> str:
        """The page's own HTML, placed under the timeline."""
        raise NotImplementedError

    def fallback(self) -> str:
        """Static HTML shown in a notebook output where scripts do not run."""
        raise NotImplementedError

    def to_html(self) -> str:
        """One self-contained HTML document: styles, scripts, pictures and data inline.

        Every text in it can be written as UTF-8 (``writable``): a label or title holding a lone
        surrogate is written with its escape, which the data reads back as the same character."""
        data = self.data()
        frames = data.get("frames")
        if isinstance(frames, bool) or not isinstance(frames, int) or frames < 0:
            raise ValueError(
                f"{type(self).__name__}.data(): 'frames' must be a whole number ≥ 0, got {frames!r}"
            )
        own = self.asset_package or type(self).__module__.rpartition(".")[0]
        styles = [asset(name, own) for name in self.assets if name.endswith(".css")]
        scripts = [asset(name, own) for name in self.assets if name.endswith(".js")]
        return document(self.title, f"{TIMELINE}\n{self.body()}", data, styles, scripts)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the page to ``path`` (an ``.html`` file), atomically."""
        write_atomically(path, self.to_html())

    def _repr_html_(self) -> str:
        """The page embedded in a notebook output (see ``embed``)."""
        return embed(self.to_html(), self.title, self.height, self.fallback())


def document(
    title: str,
    body: str,
    data: Any,
    styles: Sequence[str] = (),
    scripts: Sequence[str] = (),
    head: str = "",
) -> str:
    """One self-contained HTML document on the shell: every chainrule page, the site's included.

    ``body`` is the page's HTML (``cr-live`` and ``cr-static`` parts, see ``shell.css``); ``data``
    goes into one JSON block (``encode_json``) that ``shell.js`` reads as ``window.chainrule.data``;
    ``styles`` and ``scripts`` are texts, inlined compacted after the shell's own, so a page's script finds
    ``window.chainrule`` made and extends it. Nothing is fetched: no ``src``, no ``href``. ``head``
    is more HTML for the ``<head>`` (the site's pages, served over HTTP, say they have no icon).
    A lone surrogate in any text is written as its escape (``writable``), so the page can be saved.
    """
    text = "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(title)}</title>",
            *([head] if head else []),
            # Set before anything is drawn, so a page with scripts never flashes its fallback.
            "<script>document.documentElement.classList.add('cr-js')</script>",
            *(f"<style>\n{compact_style(style)}\n</style>" for style in [asset("shell.css", SHELL), *styles]),
            "</head>",
            "<body>",
            body,
            f'<script type="application/json" id="{DATA_ID}">{encode_json(data)}</script>',
            *(
                f"<script>\n{compact_script(script)}\n</script>"
                for script in [asset("shell.js", SHELL), *scripts]
            ),
            "</body>",
            "</html>",
            "",
        ]
    )
    return writable(text)


def embed(page: str, title: str, height: int, fallback: str) -> str:
    """A page (``document``'s HTML) as a notebook output: a sandboxed ``<iframe srcdoc=…>``, and beside
    it the static ``fallback``.

    Both start as the output leaves them in a static viewer or an untrusted notebook, where
    scripts are stripped: the iframe hidden, the fallback shown. A one-line script swaps them
    where scripts run (a trusted notebook, VS Code, Colab, the site's playground); the iframe is
    ``height`` pixels tall until the page inside reports its own height, then as tall as the page.
    A lone surrogate in the title or the fallback is written as its escape (``writable``), as in pages.
    """
    key = f"chainrule-{uuid.uuid4().hex[:12]}"  # unique among every output a notebook keeps
    return writable(
        f'<div class="chainrule-embed" id="{key}">'
        f'<iframe srcdoc="{html.escape(page, quote=True)}" sandbox="allow-scripts" '
        f'title="{html.escape(title)}" style="display:none;width:100%;height:{int(height)}px;'
        f'box-sizing:border-box;border:1px solid #ddd;border-radius:4px"></iframe>'
        f'<div class="chainrule-fallback">{fallback}</div>'
        f"<script>{EMBED_SCRIPT.replace('KEY', key)}</script>"
        "</div>"
    )


TIMELINE = """<nav class="cr-timeline cr-live" aria-label="timeline">
<button type="button" data-cr="first" title="first frame (Home)">|◀</button>
<button type="button" data-cr="prev" title="previous frame (←)">◀</button>
<button type="button" data-cr="play" title="play / pause (space)">play</button>
<button type="button" data-cr="next" title="next frame (→)">▶</button>
<button type="button" data-cr="last" title="last frame (End)">▶|</button>
<input type="range" data-cr="slider" min="0" value="0" aria-label="frame">
<span data-cr="label"></span>
<label>speed <select data-cr="speed">
<option value="1">1 / s</option><option value="2" selected>2 / s</option>
<option value="5">5 / s</option><option value="10">10 / s</option><option value="30">30 / s</option>
</select></label>
</nav>"""
"""A ``Page``'s controls at its top (shell.js wires them by their ``data-cr`` names)."""

MAX_EMBED_HEIGHT = 20000
"""The tallest an embedded page's iframe grows (pixels): a bound, should a page size itself by its
window's height (``100vh``), which would otherwise grow with the iframe for ever."""

EMBED_SCRIPT = (
    "(function(){var me=document.currentScript,box=(me&&me.parentNode)||document.getElementById('KEY');"
    "var frame=box.querySelector('iframe');"
    "frame.style.display='block';box.querySelector('.chainrule-fallback').style.display='none';"
    "window.addEventListener('message',function(e){var h=e.source===frame.contentWindow&&e.data&&"
    "e.data.chainruleHeight;if(typeof h==='number'&&h>0){"
    "var borders=frame.offsetHeight-frame.clientHeight;"
    f"frame.style.height=Math.min(Math.ceil(h)+borders,{MAX_EMBED_HEIGHT})+'px';}}}});}})();"
)
"""Shows the iframe and hides the fallback; makes the iframe's inside as tall as the page reports (see
shell.js), its border added (the iframe is ``border-box``, so it is never wider than its output).
The output is found from the script itself: front ends that run an output's scripts (JupyterLab,
VS Code) may run them before the output is in the document, or show one output twice."""


def writable(text: str) -> str:
    """``text`` with each lone surrogate (half of a UTF-16 pair, not a character: no UTF-8 file can
    hold one, and a label read from data may) written as its Python escape, ``\\udc80``. Inside a
    JSON string that is JSON's escape for the same code point, so the data keeps it exactly; in
    text it shows as drawings show it. Any other text is returned as it is."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def svg_image(svg: str, alt: str) -> str:
    """An SVG drawing as an ``<img>`` with a ``data:`` URI, scaled down to the width available.

    For fallbacks: sanitizers that strip inline ``<svg>`` from untrusted notebook outputs keep it.
    """
    encoded = base64.b64encode(writable(svg).encode("utf-8")).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{encoded}" alt="{html.escape(alt)}" style="max-width:100%">'


def compact_drawing(svg: str) -> str:
    """An SVG drawing with what Graphviz writes on every text said once: the font most of its texts
    carry, in a style of the drawing's own that a text's own ``font-family`` still overrides, and
    ``text-anchor="start"``, the default, left out. The same drawing, inline or as an ``<img>``, in
    fewer bytes."""
    svg = svg.replace(' text-anchor="start"', "")
    fonts = re.findall(r' font-family="[^"]*" font-size="[\d.]+"', svg)
    if not fonts:
        return svg
    common = max(set(fonts), key=fonts.count)
    family, size = re.findall(r'"([^"]*)"', common)
    style = f"<style>:where(text:not([font-family])){{font-family:{family};font-size:{size}px}}</style>"
    head = svg.index(">", svg.index("<svg")) + 1
    return svg[:head] + "\n" + style + svg[head:].replace(common, "")


def asset(name: str, package: str) -> str:
    """The text of one file of the package ``package`` (a page's script or style)."""
    if not re.fullmatch(r"[\w.-]+\.(js|css)", name):
        raise ValueError(f"asset: name must be a .js or .css file name, got {name!r}")
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


def compact_script(script: str) -> str:
    """``script`` as a page carries it: the same statements, line for line, without indentation, blank
    lines, comments, or spaces beside operators and brackets; its file, as written, is the one to read.

    It works line by line and leaves alone what it cannot be sure of: the lines of a template literal
    that spans lines, and any line with a ``/`` in its code (a regular expression or a division, which
    could hide a quote or a ``//``) but for its indentation. A line joins the one before only where that
    one ends in ``;``, ``{`` or ``,`` (no statement ends at such a line break) and holds no comment.
    """
    kept: list[str] = []
    in_template = False
    for line in script.splitlines():
        code = line if in_template else _compact_line(line.strip())
        if code.startswith("/*") and code.endswith("*/") and code.count("*/") == 1 and not in_template:
            code = ""
        if (
            code
            and kept
            and not in_template
            and kept[-1][-1] in ";{,"
            and not HTML_COMMENT.search(kept[-1] + code)
        ):
            kept[-1] += code
        elif code:
            kept.append(code)
        in_template ^= len(re.findall(r"(?<!\\)`", code)) % 2 == 1
    return "\n".join(kept)


HTML_COMMENT = re.compile("//|<!--|-->")
"""What makes the rest of a line a comment in a page's script (``-->`` only at a line's start)."""

OPERATORS = set("=,;:(){}[]<>!&|?+-*%^~")
"""Characters a space beside may go (``a = f(b, c)`` reads ``a=f(b,c)``), unless it parts ``+``
or ``-`` from another (``a - -b`` is not ``a--b``)."""


def _compact_line(line: str) -> str:
    """One line of a script without its ``//`` comment and its spaces beside operators; as it is where
    a ``/`` makes that unsure, or where the result would read as HTML's ``<!--`` or ``-->``."""
    out: list[str] = []
    quote, i = None, 0
    while i < len(line):
        char = line[i]
        if quote is not None:
            out.append(line[i : i + 2] if char == "\\" else char)
            i += 2 if char == "\\" else 1
            quote = None if char == quote else quote
            continue
        if char == "/":
            if not line.startswith("//", i):
                return line
            break
        if char == " ":
            after = line[i:].lstrip(" ")
            before, next_char = (out[-1][-1] if out else ""), after[:1]
            joins = before in "+-" and next_char in "+-"
            if before and next_char and (joins or not ({before, next_char} & OPERATORS)):
                out.append(" ")
            i = len(line) - len(after)
            continue
        quote = char if char in "'\"`" else None
        out.append(char)
        i += 1
    compact = "".join(out).rstrip()
    return line if "<!--" in compact or "-->" in compact else compact


def compact_style(style: str) -> str:
    """``style`` as a page carries it: the same rules without comments, indentation, blank lines,
    spaces beside braces, semicolons and commas, or after a declaration's colon (a block holding no
    other block holds only declarations; a selector's ``a :hover`` keeps its space). A style with a
    string that holds one of those characters keeps its spaces."""
    style = re.sub(r"/\*.*?\*/", "", style, flags=re.S)
    if re.search(r"\"[^\"]*[{};,:][^\"]*\"|'[^']*[{};,:][^']*'", style):
        return "\n".join(line.strip() for line in style.splitlines() if line.strip())
    style = re.sub(r"\s*([{};,])\s*", r"\1", style)
    style = re.sub(r"\{[^{}]*\}", lambda block: re.sub(r"\s*:\s*", ":", block[0]).replace(";}", "}"), style)
    return "\n".join(line.strip() for line in style.splitlines() if line.strip())


def encode_json(data: Any) -> str:
    """``data`` as JSON that is safe inside a ``<script>`` element, keeping NaN and ±inf, written
    without spaces (a page's data is most of its bytes).

    Every ``<`` is written ``\\u003c`` (the same string to JSON), so no ``</script>`` or ``<!--`` in a
    label can end the element. A non-finite float ``x`` becomes ``{"$float": "NaN"}`` (or
    ``"Infinity"``, ``"-Infinity"``); ``read_data`` and shell.js turn it back into the float.
    """
    text = json.dumps(_finite(data), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c")


def _finite(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return {FLOAT_KEY: "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity")}
    if isinstance(x, dict):
        return {key: _finite(value) for key, value in x.items()}
    if isinstance(x, (list, tuple)):
        return [_finite(value) for value in x]
    return x


def decode_json(text: str) -> Any:
    """The inverse of ``encode_json``: ``{"$float": "NaN"}`` and the like become floats again."""

    def hook(pairs: dict[str, Any]) -> Any:
        if len(pairs) == 1 and FLOAT_KEY in pairs:
            return float(pairs[FLOAT_KEY])
        return pairs

    return json.loads(text, object_hook=hook)


def read_data(document: str) -> Any:
    """The data embedded in a page's HTML (its ``chainrule-data`` block), decoded."""
    match = re.search(rf'<script type="application/json" id="{DATA_ID}">(.*?)</script>', document, re.S)
    if match is None:
        raise ValueError(f"read_data: no <script id={DATA_ID!r}> block in the document")
    return decode_json(match.group(1))
