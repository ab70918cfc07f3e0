"""Without torch, the PyTorch agreement tests skip, and the summary says why in one line."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="torch is installed here")
def test_the_skipped_torch_tests_are_one_line_of_the_summary_saying_how_to_run_them():
    files = ["tests/test_losses.py", "tests/test_torch_bridge.py"]  # in a test and at import
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    skipped = [line for line in done.stdout.splitlines() if line.startswith("SKIPPED")]
    assert len(skipped) == 1, done.stdout
    assert "tests/conftest.py: the PyTorch agreement tests need torch" in skipped[0]
    assert "make test-torch" in skipped[0]
