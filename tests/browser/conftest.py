"""Playwright fixtures: Debian's headless Chromium against the app under gunicorn.

Playwright's own browser download needs network access, so the tests drive
Debian's /usr/bin/chromium, which `.ci/run` installs. Without it every
browser test is skipped, unless EMONEV_REQUIRE_BROWSER=1 (set by `.ci/run`)
makes it fail.
Each test saves a screenshot per step under `artifacts/browser/`.
"""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import start_server, twilio_double  # noqa: F401 (fixtures)
from tests.support.servers import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-background-networking"]
ARTIFACTS = REPO_ROOT / "artifacts" / "browser"
PHONE_VIEWPORT = {"width": 360, "height": 740}
DESKTOP_VIEWPORT = {"width": 1280, "height": 800}
# Upper bound on waiting for the page to show something; a test fails only
# when it passes, never because the page took a particular time.
WAIT_MS = 20_000


@pytest.fixture(scope="session")
def browser():
    """Launch Debian's Chromium once per test process, or skip or fail without it."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing; install Debian's chromium package"
        if os.environ.get("EMONEV_REQUIRE_BROWSER") == "1":
            pytest.fail(f"EMONEV_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(f"browser tests need Chromium: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser):
    """Open browser contexts that may reach only the loopback interface.

    Every request to another host is aborted and recorded, and the test
    fails at teardown when there was one.
    """
    contexts = []
    blocked: list[str] = []

    def open_context(viewport: dict = DESKTOP_VIEWPORT):
        context = browser.new_context(viewport=viewport, accept_downloads=True)
        context.set_default_timeout(WAIT_MS)

        def guard(route):
            if _is_loopback(route.request.url):
                route.continue_()
            else:
                blocked.append(route.request.url)
                route.abort()

        context.route("**/*", guard)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()
    assert blocked == [], f"the page tried to reach other hosts: {blocked}"


@pytest.fixture
def screenshot(request):
    """Return `shoot(page, step)`, saving `artifacts/browser/<test>-<NN>-<step>.png`."""
    test_name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{test_name}-*.png"):
        old.unlink()
    count = 0

    def shoot(page, step: str) -> Path:
        nonlocal count
        count += 1
        path = ARTIFACTS / f"{test_name}-{count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return shoot


def _is_loopback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in ("data", "blob", "about"):
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
