"""The notebooks in a real front end: JupyterLab (what ``make lab`` starts) driven in Chromium.

A JupyterLab server runs headless on 127.0.0.1, on a free port, with a token, over copies of the
notebooks (JupyterLab saves what it runs; the committed notebooks stay as they are). The tests open a
notebook, run it through the menus, and use its outputs the way a learner would: the explorer of
notebook 02 steps when its button is clicked or a key pressed, and the training view of notebook 06
updates while the network trains. Skipped, with the reason, without JupyterLab, Playwright or a
system Chromium.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("jupyterlab", reason="the JupyterLab tests need jupyterlab (the notebooks extra has it)")
nbformat = pytest.importorskip("nbformat")

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
START_TIMEOUT = 60.0
"""Seconds the server may take to answer (about 3 s here)."""
RUN_TIMEOUT = 60_000
"""Milliseconds a notebook may take to run in the page (a few seconds here; generous for a busy machine)."""
LIVE_EPOCHS = 16
"""Epochs of notebook 06's watched training in the copy the test runs (the notebook has 40)."""


class Lab:
    """A running JupyterLab server: its address and token."""

    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token

    def notebook(self, name: str) -> str:
        """The address that opens notebook ``name`` alone, in a workspace of its own."""
        return f"{self.url}/lab/workspaces/{Path(name).stem}/tree/{name}?token={self.token}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def watching_copy(folder: Path) -> str:
    """Notebook 06 cut down to what the live view needs: its first code cell (the data), fewer epochs,
    and the cell that trains with ``recorder.show()``. Returns the copy's file name."""
    notebook = nbformat.read(NOTEBOOKS / "06_moons.ipynb", as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    (watch,) = [cell for cell in code if "recorder.show()" in cell.source]
    notebook.cells = [code[0], nbformat.v4.new_code_cell(f"epochs = {LIVE_EPOCHS}"), watch]
    name = "06_moons_watched.ipynb"
    nbformat.write(notebook, folder / name)
    return name


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200 and "started" in json.load(response)
    except OSError:
        return False


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A JupyterLab server over copies of the notebooks, with its settings kept in a scratch folder."""
    work = tmp_path_factory.mktemp("lab")
    notebooks = work / "notebooks"
    notebooks.mkdir()
    for path in NOTEBOOKS.glob("*.ipynb"):
        (notebooks / path.name).write_bytes(path.read_bytes())
    watching_copy(notebooks)
    port, token = free_port(), secrets.token_hex(16)
    scratch = {name: str(work / name) for name in ("config", "runtime", "settings", "workspaces")}
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={notebooks}",
        f"--LabApp.user_settings_dir={scratch['settings']}",
        f"--LabApp.workspaces_dir={scratch['workspaces']}",
        "--LabApp.extension_manager=readonly",  # no extension listing fetched from PyPI
    ]  # fmt: skip
    environment = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": scratch["config"],
        "JUPYTER_RUNTIME_DIR": scratch["runtime"],
    }
    log = (work / "server.log").open("w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environment, cwd=work)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_TIMEOUT
        while not answers(f"{url}/api/status?token={token}"):
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start:\n{(work / 'server.log').read_text()[-3000:]}")
            time.sleep(0.25)
        yield Lab(url, token)
    finally:
        server.terminate()  # the server shuts its kernels down on SIGTERM
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()


PROMPTS = "[...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]"
"""The execution-count prompts of the notebook's code cells, in the page's JavaScript."""
ALL_RUN = f"() => {PROMPTS}.every(prompt => /\\[\\d+\\]/.test(prompt.textContent))"
"""True once every code cell shows its execution count: the notebook ran to the end."""
ALL_CLEARED = f"() => {PROMPTS}.every(prompt => !/\\d/.test(prompt.textContent))"
ERRORS = "[...document.querySelectorAll('.jp-OutputArea-output[data-mime-type$=stderr]')]"
"""The outputs written to stderr, where a cell's traceback goes (and Run All stops there)."""
FAILED = f"{ERRORS}.some(output => /Traceback|Error/.test(output.textContent))"
FINISHED = f"() => ({ALL_RUN})() || {FAILED}"
"""True once the notebook ran to the end or a cell failed."""


def open_and_run_all(page: Any, url: str) -> None:
    """Open a notebook, clear its saved outputs (Edit menu), and run every cell (Run menu)."""
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(url)
    page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=RUN_TIMEOUT)
    idle, choose = page.get_by_text("Python 3 (ipykernel) | Idle"), page.locator(".jp-Dialog .jp-mod-accept")
    idle.or_(choose).first.wait_for(timeout=RUN_TIMEOUT)  # the kernel started, or JupyterLab asks which
    if choose.is_visible():
        choose.click()  # its preselected choice: the notebook's kernel, the project's Python
        idle.wait_for(timeout=RUN_TIMEOUT)
    page.get_by_role("menuitem", name="Edit", exact=True).click()
    page.locator("li[data-command='editmenu:clear-all']").click()
    page.wait_for_function(ALL_CLEARED, timeout=RUN_TIMEOUT)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.locator("li[data-command='runmenu:run-all']").click()


def wait_until_run(page: Any) -> None:
    """Wait until every code cell shows its execution count, or a cell fails (Run All stops there)."""
    page.wait_for_function(FINISHED, timeout=RUN_TIMEOUT)
    assert not page.evaluate(f"() => {FAILED}"), page.evaluate(f"() => {ERRORS}.map(o => o.textContent)")


def shown_frames(page: Any, title: str) -> list[int]:
    """The number of frames each page titled ``title`` in the notebook's outputs holds, read from its
    running script (``window.chainrule``): only a page whose script runs answers."""
    counts = []
    for frame in page.frames:
        try:
            element = frame.frame_element()
            if element.get_attribute("title") == title:
                counts.append(frame.evaluate("() => window.chainrule ? window.chainrule.frames : null"))
        except Exception:  # a frame replaced by an update while it was read
            continue
    return [count for count in counts if count is not None]


def test_notebook_02_runs_in_jupyterlab_and_its_explorer_steps(lab: Lab, page: Any) -> None:
    open_and_run_all(page, lab.notebook("02_stepping_through_backprop.ipynb"))
    wait_until_run(page)
    explorer = page.frame_locator("iframe[title='chainrule · backward pass']").first
    label = explorer.locator(".cr-timeline [data-cr=label]")
    label.wait_for(timeout=RUN_TIMEOUT)
    steps = explorer.locator(".cr-timeline [data-cr=slider]").get_attribute("max")
    assert label.text_content(timeout=RUN_TIMEOUT) == f"frame 0 of {steps}" and int(steps) > 2
    explorer.locator(".cr-timeline [data-cr=next]").click()
    assert label.text_content() == f"frame 1 of {steps}"
    explorer.locator("body").press("ArrowRight")
    assert label.text_content() == f"frame 2 of {steps}"
    explorer.locator("body").press("End")
    assert label.text_content() == f"frame {steps} of {steps}"
    page.problems.check()


def test_notebook_06s_training_view_updates_while_the_network_trains(lab: Lab, page: Any) -> None:
    open_and_run_all(page, lab.notebook("06_moons_watched.ipynb"))
    seen: set[int] = set()
    deadline = time.monotonic() + RUN_TIMEOUT / 1000
    while not page.evaluate(FINISHED) and time.monotonic() < deadline:
        seen.update(shown_frames(page, "chainrule · training"))
        page.wait_for_timeout(100)
    wait_until_run(page)
    final = shown_frames(page, "chainrule · training")
    recorded = LIVE_EPOCHS // 2  # every second epoch, and epoch 0: frames 0 … LIVE_EPOCHS / 2
    assert final == [recorded], final
    seen.update(final)
    assert len(seen) >= 3, f"the view showed only these frame counts while training: {sorted(seen)}"
    page.problems.check()
