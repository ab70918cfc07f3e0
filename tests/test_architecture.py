"""The layout of the code: arrows between modules point one way, and the engine stays small and light."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("autograd", "nn", "web", "benchmarks")
ENGINE = ("autograd/value.py", "autograd/ops.py")
"""The modules that ``Value`` and ``backward()`` need: the engine a learner reads first."""

LAYERS = ("autograd", "autograd.pages", "autograd.views", "nn", "web", "benchmarks")
"""The house from the bottom up: the engine, the page package, the views, nn, the site, the
benchmarks. A module imports from its own layer and the layers below it, never from above."""


def layer_of(module: str) -> int:
    """The index in ``LAYERS`` of the deepest layer ``module`` belongs to."""
    return max(i for i, layer in enumerate(LAYERS) if module == layer or module.startswith(layer + "."))


def imports_of(path: Path) -> set[str]:
    """The project modules ``path`` imports (type-only imports included), as dotted names."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return found


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    return modules


def test_no_two_modules_import_each_other() -> None:
    modules = project_modules()
    edges = {
        name: {other for other in imports_of(path) if other in modules and other != name}
        for name, path in modules.items()
    }
    # a package's __init__ gathers its modules: arrows into it from inside the package are not cycles
    # only where a module imports its package's public names, which the package itself re-exports
    cycles = [
        (a, b)
        for a, targets in edges.items()
        for b in targets
        if a in edges.get(b, set()) and a < b and a not in PACKAGES and b not in PACKAGES
    ]
    assert cycles == []


def test_every_arrow_points_down_the_layers() -> None:
    modules = project_modules()
    upward = [
        (name, other)
        for name, path in modules.items()
        for other in imports_of(path)
        if other in modules and layer_of(other) > layer_of(name)
    ]
    assert upward == []


def test_nn_uses_the_public_names_of_autograd_and_its_page_package_only() -> None:
    modules = project_modules()
    private = [
        (name, other)
        for name, path in modules.items()
        if layer_of(name) == LAYERS.index("nn")
        for other in imports_of(path)
        if other in modules
        and layer_of(other) < LAYERS.index("nn")
        and other not in {"autograd", "autograd.pages"}
    ]
    assert private == []


def test_importing_the_engine_loads_the_engine_only() -> None:
    code = "import autograd.value, sys; print(sorted(m for m in sys.modules if m.startswith('autograd')))"
    printed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(ast.literal_eval(printed.stdout))
    engine = {"autograd", "autograd.value", "autograd.ops", "autograd.sums", "autograd.functional"}
    engine |= {"autograd.parameter", "autograd.steps", "autograd.copying", "autograd.checks"}
    assert loaded <= engine, loaded - engine


def test_the_engine_reads_in_at_most_800_lines() -> None:
    lines = sum(len((ROOT / path).read_text(encoding="utf-8").splitlines()) for path in ENGINE)
    assert lines <= 800


def test_importing_autograd_and_nn_loads_only_the_standard_library() -> None:
    code = (
        "import autograd, nn, sys; print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'graphviz', 'tqdm', 'ipywidgets', 'matplotlib', 'numpy', 'IPython'}))"
    )
    printed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert printed.stdout.strip() == "[]"


def test_every_public_name_still_resolves() -> None:
    import autograd
    import nn

    for package in (autograd, nn):
        for name in package.__all__:
            assert getattr(package, name) is not None, f"{package.__name__}.{name}"


# --- one fact, one place: what an operation is, only in autograd/ops.py ---------------------------

TABLE = 2
"""Op names among a table's keys that make it a table of ops: one alone is a coincidence (Adagrad
keeps a running "sum")."""


def _op_keys_in_python(path: Path) -> list[str]:
    """Op names used as a dict literal's keys or as a match statement's ``case`` patterns in ``path``."""
    from autograd import OPS

    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        keys: list[ast.expr | None] = []
        if isinstance(node, ast.Dict):
            keys = list(node.keys)
        elif isinstance(node, ast.Match):
            keys = [case.pattern.value for case in node.cases if isinstance(case.pattern, ast.MatchValue)]
        named = [key for key in keys if isinstance(key, ast.Constant) and key.value in OPS]
        if len(named) >= TABLE:
            found += [f"{path.relative_to(ROOT)}:{key.lineno}: {key.value!r}" for key in named]
    return found


def _op_keys_in_javascript(path: Path) -> list[str]:
    """Op names used as object literals' keys (``{ add: …``, ``, "mul": …``) or as ``case`` labels in a
    script (counted over the file: a script is small)."""
    from autograd import OPS

    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        for match in re.finditer(r"""(?:[{,]\s*|\bcase\s+)(["']?)(\w+)\1\s*:""", line):
            if match[2] in OPS:
                found.append(f"{path.relative_to(ROOT)}:{number}: {match[2]!r}")
    return found if len(found) >= TABLE else []


def test_no_table_keyed_by_op_names_outside_the_op_table() -> None:
    found = []
    for folder in ("autograd", "nn", "web"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path == ROOT / "autograd" / "ops.py" or "node_modules" in path.parts:
                continue
            if path.suffix == ".py":
                found += _op_keys_in_python(path)
            elif path.suffix == ".js":
                found += _op_keys_in_javascript(path)
    assert found == [], "say what an op is in autograd/ops.py's table, not in a table of its own"
