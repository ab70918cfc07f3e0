"""Shared test settings: hypothesis profiles, a real browser for the pages' tests, and the built site.

``default`` draws new examples on every run; ``ci`` (chosen when the ``CI`` variable is set)
draws the same examples every time, so a CI run is repeatable; ``thorough`` draws ten times
as many. Pick one with ``HYPOTHESIS_PROFILE=thorough make test``.

The tests that compare with PyTorch skip when torch is not installed; the summary then says so in
one line, with how to run them, instead of one line per place that imports it.
"""

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from benchmarks.browser import CHROMIUM_FLAGS, find_chromium
from web import build

common = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("default", max_examples=100, **common)
settings.register_profile("ci", max_examples=100, derandomize=True, database=None, **common)
settings.register_profile("thorough", max_examples=1000, **common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default"))


# --- one line for the PyTorch agreement tests skipped without torch -----------------------------------

TORCH_MISSING = "could not import 'torch'"
"""What ``pytest.importorskip("torch")`` says when torch is not installed."""
TORCH_SKIPPED = (
    "the PyTorch agreement tests need torch, which is not installed: "
    "`make test-torch` installs the [torch] extra and runs them"
)


def fold_torch_skip(report: pytest.CollectReport | pytest.TestReport) -> None:
    """Give a skip for a missing torch one place and one reason, so ``-ra`` folds them into one line."""
    if report.skipped and isinstance(report.longrepr, tuple) and TORCH_MISSING in str(report.longrepr[2]):
        report.longrepr = (str(Path(__file__)), None, TORCH_SKIPPED)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    fold_torch_skip(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector) -> Iterator[None]:
    outcome = yield
    fold_torch_skip(outcome.get_result())


# --- a real browser for the pages' tests ------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless system Chromium driven by Playwright; the test is skipped, with the reason, without one.

    One per test module: Playwright's synchronous API runs an event loop in this thread while it is
    open, and tests of other modules may start event loops of their own (``asyncio.run``)."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the browser tests need Playwright (pip install playwright)"
    )
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("the browser tests need a system Chromium (Debian: apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


class PageProblems:
    """What a page did wrong while a test used it: console errors, uncaught errors, network requests."""

    def __init__(self) -> None:
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.requests: list[str] = []

    def check(self) -> None:
        assert not self.page_errors, f"uncaught errors in the page: {self.page_errors}"
        assert not self.console_errors, f"console errors: {self.console_errors}"
        assert not self.requests, f"the page made network requests: {self.requests}"


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh page that may fetch nothing but ``http://127.0.0.1`` and ``localhost`` addresses (a test
    serving a site sets ``page.allowed_hosts``); every other request is aborted and fails the test, as
    do console errors and uncaught exceptions. ``page.problems`` holds what was seen."""
    context = browser.new_context()
    opened = context.new_page()
    problems = PageProblems()
    opened.problems = problems
    opened.allowed_hosts = ("127.0.0.1", "localhost")

    def route(handled: Any) -> None:
        url = handled.request.url
        host = url.split("//", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        if url.startswith(("data:", "blob:", "about:")) or (
            url.startswith("http") and host in opened.allowed_hosts
        ):
            handled.continue_()
        else:
            problems.requests.append(url)
            handled.abort()

    context.route("**/*", route)

    def console(message: Any) -> None:
        if message.type == "error":
            problems.console_errors.append(message.text)

    opened.on("console", console)
    opened.on("pageerror", lambda error: problems.page_errors.append(str(error)))
    yield opened
    context.close()


# --- the static site (make site), built once per session for test_site.py and test_lab.py ---------


def registries_unreachable() -> str | None:
    """Why npm's or PyPI's registry cannot be reached from here, or None when both answer."""
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed (Debian: apt-get install npm)"
    probes = {
        "npm": [npm, "ping", "--loglevel=error"],
        "PyPI": [sys.executable, "-m", "pip", "index", "versions", "tqdm", "--disable-pip-version-check"],
    }
    for name, command in probes.items():
        try:
            subprocess.run(command, capture_output=True, timeout=60, check=True)
        except (subprocess.SubprocessError, OSError):
            return f"{name}'s registry cannot be reached"
    return None


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built once for the session into a temporary folder (or the one ``CHAINRULE_SITE`` names)."""
    if os.environ.get("CHAINRULE_SITE"):
        return Path(os.environ["CHAINRULE_SITE"])
    if shutil.which("npm") is None:
        pytest.skip("building the site needs npm (Debian: apt-get install npm)")
    out = tmp_path_factory.mktemp("site") / "site"
    try:
        build.build(out)
    except SystemExit as failed:
        reason = registries_unreachable()
        if reason is not None:
            pytest.skip(f"the site cannot be built here: {reason}")
        raise AssertionError(f"web/build.py failed: {failed}") from None
    return out


@pytest.fixture(scope="session")
def site_url(site: Path) -> Iterator[str]:
    """The site served over HTTP from a thread on 127.0.0.1, as any static host would serve it."""
    with build.serve(site) as url:
        yield url
