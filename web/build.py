"""``python web/build.py [--out site]``: build chainrule's static site, Python and Graphviz in the browser.

The site is a playground (``index.html``: the README's examples in an editor, run by Pyodide, the
drawings rendered by a WebAssembly Graphviz) and one page per notebook that runs in the browser.
Everything it needs is fetched here, at build time, and copied into the site: the Pyodide core and
``@viz-js/viz`` from npm (``web/package-lock.json``), a wheel of chainrule built from this working
tree, and the wheels of its dependencies from PyPI (``web/requirements.txt``, pinned with hashes).
The pages fetch nothing but the site's own files, so any static server works, offline too.
Every page is a document of the one page shell (``autograd.pages.document``; ``page`` below), with
``page.js`` on it; a notebook's Markdown links and saved outputs reach its page only as
``web/sanitise.py`` keeps them (as JupyterLab treats an untrusted notebook).

To move to newer versions: ``npm install --save-exact pyodide@VERSION @viz-js/viz@VERSION`` in
``web/`` (it rewrites both package files), and new pins with their hashes in ``requirements.txt``
(``pip hash`` prints one); the build checks that the pins are what chainrule needs under Pyodide.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import html
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import Iterator, Sequence
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from autograd import pages

if __package__:  # imported as web.build (the tests, the benchmarks)
    from .sanitise import safe_url, sanitise
else:  # run as a script: python web/build.py (make site)
    from sanitise import safe_url, sanitise  # type: ignore[no-redef]

WEB = Path(__file__).resolve().parent
ROOT = WEB.parent
SITE = ROOT / "site"
PINNED = WEB / "requirements.txt"

PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
"""The files of npm's ``pyodide`` that a browser loads (the rest is for Node and for editors)."""

SOURCES = ("pyproject.toml", "README.md", "autograd", "nn")
"""What a wheel of chainrule is built from (copied out of the working tree first)."""


NOTEBOOKS = {
    "01_value_and_chain_rule": "01 · A Value and the chain rule",
    "02_stepping_through_backprop": "02 · Stepping through backpropagation",
}
"""The notebooks that need only the engine and drawings, so they run in the browser."""

LAB_SCRIPTS = (ROOT / "nn" / "instruments" / "training.js", WEB / "lab.js")
LAB_STYLES = (ROOT / "nn" / "instruments" / "training.css", WEB / "lab.css")
"""The lab's own scripts and styles after the site's: the training view's drawing, then the lab."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python web/build.py", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SITE, help=f"the site's folder (default {SITE.name}/)")
    arguments = parser.parse_args(argv)
    build(arguments.out)
    size = sum(path.stat().st_size for path in arguments.out.rglob("*") if path.is_file())
    print(f"site written to {arguments.out} ({size / 1e6:.1f} MB)")
    print(f"serve it with any static server, e.g.: python -m http.server -d {arguments.out}")
    return 0


def build(out: Path) -> None:
    """Build the whole site into ``out`` (replaced whole, so no stale file stays)."""
    with tempfile.TemporaryDirectory(prefix="chainrule-site-") as scratch:
        work = Path(scratch)
        modules = install_npm_packages(work / "npm")
        staging = work / "site"
        packages = staging / "pyodide"
        packages.mkdir(parents=True)
        for name in PYODIDE_FILES:
            shutil.copy2(modules / "pyodide" / name, packages / name)
        shutil.copy2(WEB / "worker.js", staging / "worker.js")
        (staging / "viz").mkdir()
        shutil.copy2(modules / "@viz-js" / "viz" / "dist" / "viz.js", staging / "viz" / "viz.js")
        python = json.loads((modules / "pyodide" / "pyodide-lock.json").read_text(encoding="utf-8"))["info"]
        wheels = [build_wheel(work / "wheel", packages), *download_wheels(python["python"], packages)]
        environment = pyodide_environment(python["python"])
        check_requirements(wheels, environment)
        lock = {"info": python, "packages": dict(lock_entry(wheel, environment) for wheel in wheels)}
        (packages / "pyodide-lock.json").write_text(json.dumps(lock, indent=1), encoding="utf-8")
        write_pages(staging)
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(staging, out)


def install_npm_packages(folder: Path) -> Path:
    """``npm ci`` of ``web/package-lock.json`` (its exact versions) in ``folder``; returns ``node_modules``.

    A folder of its own for each build, so builds running at once never share a ``node_modules``.
    """
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "web/build.py: npm fetches Pyodide and viz-js; install it (Debian: apt-get install npm)"
        )
    folder.mkdir(parents=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(WEB / name, folder / name)
    run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=folder)
    return folder / "node_modules"


def build_wheel(work: Path, destination: Path) -> Path:
    """A wheel of chainrule built from a copy of the working tree's sources (the tree is left untouched)."""
    source = work / "source"
    source.mkdir(parents=True)
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    run([*pip, "wheel", "--quiet", "--no-deps", "-w", str(work), str(source)])
    (built,) = work.glob("chainrule-*.whl")
    return Path(shutil.copy2(built, destination))


def download_wheels(python_version: str, destination: Path) -> list[Path]:
    """The pinned dependency wheels from PyPI (hashes checked), for Pyodide's Python version."""
    with tempfile.TemporaryDirectory() as scratch:
        run(
            [
                *(sys.executable, "-m", "pip", "--disable-pip-version-check", "download", "--quiet"),
                *("--only-binary=:all:", "--no-deps", "--require-hashes"),
                *("--python-version", ".".join(python_version.split(".")[:2])),
                *("-r", str(PINNED), "-d", scratch),
            ]
        )
        return [Path(shutil.copy2(wheel, destination)) for wheel in sorted(Path(scratch).glob("*.whl"))]


def pyodide_environment(python_version: str) -> dict[str, str]:
    """The values of requirement markers under Pyodide (``sys_platform == "emscripten"``)."""
    return {
        "sys_platform": "emscripten",
        "platform_system": "Emscripten",
        "platform_machine": "wasm32",
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "python_version": ".".join(python_version.split(".")[:2]),
        "python_full_version": python_version,
        "extra": "",
    }


def requirements(wheel: Path, environment: dict[str, str]) -> list[Requirement]:
    """What a wheel needs installed beside it in ``environment`` (its extras left out)."""
    needs = [Requirement(line) for line in metadata(wheel).get("Requires-Dist", [])]
    return [need for need in needs if need.marker is None or need.marker.evaluate(environment)]


def check_requirements(wheels: list[Path], environment: dict[str, str]) -> None:
    """The wheels are exactly chainrule and what it needs under Pyodide, each in a version asked for.

    ``graphviz-pure`` (a native program, with no WebAssembly build) is not asked for there.
    """
    shipped = {canonicalize_name(metadata(w)["Name"][0]): metadata(w)["Version"][0] for w in wheels}
    needed = {"chainrule"}
    for wheel in wheels:
        for need in requirements(wheel, environment):
            name = canonicalize_name(need.name)
            needed.add(name)
            if name not in shipped or not need.specifier.contains(shipped[name], prereleases=True):
                raise SystemExit(f"web/build.py: {wheel.name} needs {need} under Pyodide; pin it in {PINNED}")
    if extra := set(shipped) - needed:
        raise SystemExit(f"web/build.py: {PINNED} pins {sorted(extra)}, which nothing needs under Pyodide")


def metadata(wheel: Path) -> dict[str, list[str]]:
    """The fields of a wheel's ``METADATA`` file (each name to its values, in order)."""
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        header = archive.read(name).decode("utf-8").split("\n\n", 1)[0]
    fields: dict[str, list[str]] = {}
    for line in header.splitlines():
        if ": " in line and not line.startswith((" ", "\t")):
            key, value = line.split(": ", 1)
            fields.setdefault(key, []).append(value)
    return fields


def lock_entry(wheel: Path, environment: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """One package of Pyodide's lock file: the wheel beside the lock file, its hash, imports and needs."""
    fields = metadata(wheel)
    with zipfile.ZipFile(wheel) as archive:
        files = [name for name in archive.namelist() if ".dist-info/" not in name and ".data/" not in name]
    tops = {file.split("/", 1)[0] for file in files}
    name = canonicalize_name(fields["Name"][0])
    depends = sorted(canonicalize_name(need.name) for need in requirements(wheel, environment))
    return name, {
        "name": name,
        "version": fields["Version"][0],
        "file_name": wheel.name,
        "install_dir": "site",
        "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(),
        "package_type": "package",
        "imports": sorted(top.removesuffix(".py") for top in tops),
        "depends": depends,
        "unvendored_tests": False,
        "tool": {},
    }


# --- pages ------------------------------------------------------------------------------------------


def write_pages(site: Path) -> None:
    """The playground (``index.html``) and one page per notebook, from ``web/page.html``."""
    examples = readme_examples((ROOT / "README.md").read_text(encoding="utf-8"))
    links = [(f"notebooks/{stem}.html", title) for stem, title in NOTEBOOKS.items()]
    body = PLAYGROUND.format(
        nav=" · ".join(
            ['<a href="lab.html"><strong>the lab</strong></a>']
            + [f'<a href="{href}">notebook {html.escape(title)}</a>' for href, title in links]
        ),
        code=html.escape(examples[0]["code"]),
        examples="\n".join(
            f"<h2>{html.escape(e['title'])}</h2>\n<pre>{html.escape(e['code'])}</pre>" for e in examples
        ),
    )
    playground = {"mode": "playground", "root": "", "examples": examples}
    page(site / "index.html", "chainrule playground", body, playground)
    for stem, title in NOTEBOOKS.items():
        notebook = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))
        body = NOTEBOOK.format(stem=stem, cells="\n".join(notebook_cells(notebook)))
        data = {"mode": "notebook", "root": "../"}
        page(site / "notebooks" / f"{stem}.html", f"chainrule · {title}", body, data)
    lab = {"mode": "lab", "root": "", "lab": (WEB / "lab.py").read_text(encoding="utf-8")}
    body = (WEB / "lab.html").read_text(encoding="utf-8")
    page(
        site / "lab.html",
        "chainrule lab",
        body,
        lab,
        (WEB / "page.css", *LAB_STYLES),
        (WEB / "page.js", *LAB_SCRIPTS),
    )


PLAYGROUND = """<header class="site">
<h1>chainrule playground</h1>
<p>Python and chainrule run in this page (Pyodide, Python compiled to WebAssembly); drawings are made by
Graphviz compiled to WebAssembly. Nothing is installed and nothing leaves your computer. Pick an example,
change any line, and run it again. An example that makes a drawing, an explorer or a training view ends
with it on its last line, so it shows below the output: the explorer and the training view as live
pages, to step through and play.</p>
<nav>{nav}</nav>
</header>
<main class="cr-live">
<div class="toolbar">
<label>Example <select id="example"></select></label>
<button type="button" id="run" data-needs-python disabled title="Ctrl+Enter">Run</button>
<button type="button" id="stop" hidden title="end this run: Python starts again">Stop</button>
<span id="status" role="status">Loading Python…</span>
</div>
<textarea id="code" spellcheck="false" autocapitalize="off" aria-label="code">{code}</textarea>
<pre id="output" class="output" hidden></pre>
<div id="shown"></div>
<p><a id="explore" href="#" hidden>Open the explorer for the value drawn last</a></p>
<p class="hint">Ctrl+Enter runs the code. A drawing, an explorer or a training view shows here when
the code ends with it (a last bare expression, as in a notebook), or passes it to
<code>display(...)</code>.</p>
</main>
<main class="cr-static">
<p class="note">This page runs Python with JavaScript, which is off here: the examples can still be
read and copied.</p>
{examples}
</main>"""
"""The playground's body; its script fills in the examples and runs the editor's code."""

NOTEBOOK = """<header class="site">
<p><a href="../index.html">chainrule playground</a> · the notebook <code>notebooks/{stem}.ipynb</code>,
running in this page: run the cells in order (Shift+Enter runs one and moves on), edit any of them,
run again.</p>
<p class="note cr-static">Running the cells needs JavaScript, which is off here: they can be read.</p>
<div class="toolbar cr-live">
<button type="button" id="run-all" data-needs-python disabled>Run all</button>
<button type="button" id="restart" data-needs-python disabled>Restart</button>
<button type="button" id="stop" hidden title="end this run: Python starts again">Stop</button>
<span id="status" role="status">Loading Python…</span>
</div>
</header>
<main>
{cells}
</main>"""
"""A notebook's page: its cells, each code cell with a Run button and room for what it shows."""


def page(
    path: Path,
    title: str,
    body: str,
    data: dict[str, Any],
    styles: Sequence[Path] = (WEB / "page.css",),
    scripts: Sequence[Path] = (WEB / "page.js",),
) -> None:
    """Write one page of the site, on the one page shell (``autograd.pages.document``).

    ``data`` (with ``"mode"``: which page ``page.js`` sets up, and ``"root"``: the path from the page
    to the site's top) becomes the page's JSON block, with the runner's source added; the styles and
    scripts follow the shell's. ``page.js`` adds ``ready``, ``run(code)``, ``stop()`` and ``show()``
    to ``window.chainrule`` on every page; a page of another mode adds its own script after it.
    """
    data = {**data, "runner": (WEB / "runner.py").read_text(encoding="utf-8")}
    text = pages.document(
        title,
        body,
        data,
        styles=[style.read_text(encoding="utf-8") for style in styles],
        scripts=[script.read_text(encoding="utf-8") for script in scripts],
        head='<link rel="icon" href="data:,">',  # served over HTTP: no request for an icon
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    pages.write_atomically(path, text)


def readme_examples(readme: str) -> list[dict[str, str]]:
    """Each ```` ```python ```` block of the README, titled by the section it is in."""
    examples = []
    for match in re.finditer(r"```python\n(.*?)```", readme, flags=re.S):
        headings = re.findall(r"^## (.+)$", readme[: match.start()], flags=re.M)
        examples.append({"title": headings[-1] if headings else "example", "code": match.group(1)})
    if not examples:
        raise SystemExit("web/build.py: README.md has no ```python blocks for the playground")
    return examples


def notebook_cells(notebook: dict[str, Any]) -> list[str]:
    """A notebook's cells in order as HTML: markdown rendered, code in an editor with a Run button,
    and below it the outputs the notebook was saved with (until the cell runs here)."""
    cells = []
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            cells.append(f'<section class="cell markdown">\n{markdown(source)}\n</section>')
        elif cell["cell_type"] == "code":
            printed, shown = saved_outputs(cell.get("outputs", []))
            rows = source.count("\n") + 1
            cells.append(
                '<section class="cell code"><div class="toolbar cr-live">'
                '<button type="button" data-needs-python disabled>Run</button></div>'
                f'<textarea spellcheck="false" autocapitalize="off" rows="{rows}" '
                f'aria-label="code">{html.escape(source)}</textarea>'
                f'<pre class="output"{"" if printed else " hidden"}>{html.escape(printed)}</pre>'
                f'<div class="shown-objects">{shown}</div></section>'
            )
    return cells


SHOWN_FIRST = ("text/html", "image/svg+xml", "image/png", "image/jpeg", "text/plain")
"""The kinds of output a notebook page can show, in the order a notebook prefers them."""


def saved_outputs(outputs: list[dict[str, Any]]) -> tuple[str, str]:
    """What a saved code cell printed (text), and what it showed (HTML: the output's HTML, SVG or
    picture, sanitised as an untrusted notebook's; or the value's text)."""
    printed, shown = [], []
    for output in outputs:
        if output["output_type"] == "stream":
            printed.append("".join(output["text"]))
        elif output["output_type"] == "error":
            printed.append(f"{output['ename']}: {output['evalue']}")
        data = output.get("data", {})
        if "application/vnd.jupyter.widget-view+json" in data:
            continue  # a live widget, nothing to show without its kernel
        kind = next((kind for kind in SHOWN_FIRST if kind in data), None)
        if kind is None:
            continue
        content = "".join(data[kind])
        if kind == "text/plain":
            shown.append(f'<div class="shown"><pre>{html.escape(content)}</pre></div>')
            continue
        if kind.startswith("image/") and kind != "image/svg+xml":
            content = f'<img src="data:{kind};base64,{"".join(content.split())}" alt="{kind} output">'
        shown.append(f'<div class="shown">{sanitise(content)}</div>')
    return "".join(printed), "\n".join(shown)


def markdown(text: str) -> str:
    """The markdown of the notebooks as HTML: headings, paragraphs, lists, display maths, and inline
    code, bold, italics and links (all a notebook cell here uses; anything else stays plain text)."""
    blocks = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = block.splitlines()
        if heading := re.match(r"(#{1,4}) (.*)", block):
            level = len(heading.group(1))
            blocks.append(f"<h{level + 1}>{inline(heading.group(2))}</h{level + 1}>")
        elif block.startswith("$$"):
            blocks.append(f'<div class="maths">{html.escape(maths(block.strip("$ ")))}</div>')
        elif all(re.match(r"(\d+\.|[-*]) |\s", line) for line in lines):
            tag = "ol" if re.match(r"\d+\.", lines[0]) else "ul"
            items = [re.sub(r"^(\d+\.|[-*]) ", "", item) for item in re.split(r"\n(?=\d+\. |[-*] )", block)]
            rows = "".join(f"<li>{inline(item)}</li>" for item in items)
            blocks.append(f"<{tag}>{rows}</{tag}>")
        else:
            blocks.append(f"<p>{inline(block)}</p>")
    return "\n".join(blocks)


TEX_SYMBOLS = {r"\partial ": "∂", r"\partial": "∂", r"\cdot": "·", r"\times": "×", r"\,": "", r"\;": " "}
"""The LaTeX symbols of the notebooks' maths, as the characters they stand for."""


def maths(tex: str) -> str:
    """The notebooks' LaTeX as plain text: ``\\frac{a}{b}`` as a/b, ``\\text{x}`` as x, ``\\partial`` as ∂."""
    rules = [
        (r"\\(?:text|mathrel|mathrm)\{([^{}]*)\}", r"\1"),
        (r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"\1/\2"),
        (r"\\underbrace\{([^{}]*)\}_\{([^{}]*)\}", r"\1 (\2)"),
    ]
    for before, after in TEX_SYMBOLS.items():
        tex = tex.replace(before, after)
    changed = True
    while changed:  # innermost braces first, until none is left to rewrite
        changed = False
        for pattern, replacement in rules:
            tex, count = re.subn(pattern, replacement, tex)
            changed = changed or count > 0
    return re.sub(r" {2,}", " ", tex.replace("∂ ", "∂")).strip()


def inline(text: str) -> str:
    """Inline markdown as HTML: `code`, **bold**, *italics*, [links](url); $maths$ kept as text.

    A link's address (its character references read, as Markdown reads them) is checked as a
    notebook output's are (``sanitise.safe_url``: no ``javascript:``) and written quoted and
    escaped; a link that may not stay is its text alone.
    """
    out = []
    for part in re.split(r"(`[^`]+`|\[[^\]]+\]\([^)\s]+\))", text):
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(f"<code>{html.escape(part[1:-1])}</code>")
        elif link := re.fullmatch(r"\[([^\]]+)\]\(([^)\s]+)\)", part):
            words, url = emphasis(link.group(1)), safe_url(html.unescape(link.group(2)), "href", "a")
            out.append(words if url is None else f'<a href="{html.escape(url)}">{words}</a>')
        else:
            out.append(emphasis(part))
    return "".join(out)


def emphasis(text: str) -> str:
    """Plain markdown text as HTML: escaped, with its **bold** and *italics*."""
    text = html.escape(text, quote=False)
    text = re.sub(r"\*\*([^*]+?)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"(?<![\w*])\*(?!\s)([^*]+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", text)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve ``site`` over HTTP from a thread on 127.0.0.1, as any static host would; yields its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def run(command: list[str], cwd: Path | None = None) -> None:
    """Run a build step quietly; if it fails, show what it said."""
    finished = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if finished.returncode != 0:
        sys.stderr.write(finished.stdout + finished.stderr)
        raise SystemExit(f"web/build.py: {' '.join(command)} failed (exit {finished.returncode})")


if __name__ == "__main__":
    sys.exit(main())
