"""The package as pip builds it: every sub-package and every page's script and style is inside the
wheel and the source archive, and building them prints no warnings.

The build runs offline, with the environment's setuptools (``--no-build-isolation``), on a copy of
the sources, so the checkout gains no ``build/`` or ``*.egg-info`` folder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from web import build

ROOT = build.ROOT
PACKAGES = ("autograd", "nn")


def shipped_sources() -> list[str]:
    """The files a user's install needs, relative to the checkout: every module, script and style."""
    return sorted(
        path.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for pattern in ("*.py", "*.js", "*.css")
        for path in (ROOT / package).rglob(pattern)
        if "__pycache__" not in path.parts
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """The wheel and the sdist built from a copy of the sources, and everything the build printed."""
    pytest.importorskip("setuptools", reason="building the wheel needs setuptools (the test extra has it)")
    work = tmp_path_factory.mktemp("packaging")
    source = work / "source"
    source.mkdir()
    for name in build.SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, source / name)
    dist = work / "dist"
    wheel = subprocess.run(  # what pip prints when it builds the package, as `make venv` has it do
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), "."],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    printed = wheel.stdout + wheel.stderr
    assert wheel.returncode == 0, printed
    script = "import setuptools.build_meta as backend, sys; backend.build_sdist(sys.argv[1])"
    sdist = subprocess.run(
        [sys.executable, "-c", script, str(dist)],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert sdist.returncode == 0, sdist.stdout + sdist.stderr
    (wheel_path,), (sdist_path,) = dist.glob("chainrule-*.whl"), dist.glob("chainrule-*.tar.gz")
    return wheel_path, sdist_path, printed


def test_building_prints_no_warnings(built: tuple[Path, Path, str]) -> None:
    printed = built[2]
    assert "absent from the `packages` configuration" not in printed
    warnings = [line for line in printed.splitlines() if "warning" in line.lower()]
    assert not warnings, "\n".join(warnings)


def test_the_wheel_holds_every_module_and_every_pages_script_and_style(built: tuple[Path, Path, str]) -> None:
    expected = shipped_sources()
    assert any(name.endswith(".js") for name in expected) and any(name.endswith(".css") for name in expected)
    with zipfile.ZipFile(built[0]) as wheel:
        names = set(wheel.namelist())
    missing = [name for name in expected if name not in names]
    assert not missing, f"missing from the wheel: {missing}"
    assert not [name for name in names if name.startswith(("tests/", "benchmarks/", "web/"))]


def test_the_sdist_holds_every_module_and_every_pages_script_and_style(built: tuple[Path, Path, str]) -> None:
    with tarfile.open(built[1]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    missing = [name for name in shipped_sources() if name not in names]
    assert not missing, f"missing from the sdist: {missing}"
