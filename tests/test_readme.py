"""Every Python block in README.md runs, and the first commands are the two the README promises."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)


def test_the_first_commands_are_make_demo_and_make_test():
    first = re.search(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert first is not None
    commands = [line.split("#")[0].strip() for line in first.group(1).splitlines() if line.strip()]
    assert commands == ["make demo", "make test"]


def test_the_readme_has_python_blocks():
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("source", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_python_block_runs(source, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # a block that writes files writes them here
    exec(compile(source, str(README), "exec"), {"__name__": "__readme__"})
    assert capsys.readouterr().out.strip(), "every README block prints what it shows"


def test_the_ten_line_example_prints_the_known_numbers(capsys):
    exec(compile(BLOCKS[0], str(README), "exec"), {})
    assert capsys.readouterr().out.splitlines() == ["e = -0.8287", "de/da = -0.0030, de/db = -0.3592"]


def test_gallery_images_exist():
    for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README.read_text(encoding="utf-8")):
        path = README.parent / target
        assert path.is_file(), target
        head = path.read_bytes()[:200]
        assert head.startswith(b"\x89PNG\r\n\x1a\n") or b"<svg" in path.read_bytes()
