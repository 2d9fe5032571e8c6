"""The report in a real browser: headless Chromium (Debian's `chromium`, driven by
Playwright's Python package pointed at it) opens the Chinese run report and the demo
comparison's report from disk, with every network request refused and recorded, and
checks what a planner would see: no console error, every image loaded, the Chinese
headline, no horizontal scrolling at 1280 px nor at the width of an A4 page printed,
no request beyond the page itself. A screenshot of each page is taken.

Without Chromium or Playwright the tests are skipped, saying which is missing; in CI
(`CI` set) they fail instead, since `.ci/run` installs Chromium first.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sim.files import report as report_file

CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
LAUNCH_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
A4_PRINT_WIDTH = 695
"""CSS pixels across an A4 page inside the report's print margins (210 − 2 × 13 mm)."""


def _chromium() -> str | None:
    for name in CHROMIUM:
        found = shutil.which(name)
        if found:
            return found
    return None


def _unavailable(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{why}; CI must run the browser test (.ci/run installs chromium)")
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A headless Chromium with a fresh profile, or a skip saying what is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright's Python package is not installed (pip install playwright)")
    exe = _chromium()
    if exe is None:
        _unavailable("no Chromium on this machine (Debian: apt-get install chromium)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(profile),
            executable_path=exe,
            headless=True,
            args=LAUNCH_FLAGS,
            viewport={"width": 1280, "height": 900},
            offline=True,
        )
        try:
            yield context
        finally:
            context.close()


def open_report(browser: Any, path: Path, shot: Path) -> tuple[Any, list[str], list[str]]:
    """Open a report from disk: (page, console errors, requests other than the page)."""
    errors: list[str] = []
    requests: list[str] = []
    page = browser.new_page()
    url = path.resolve().as_uri()

    def route(r: Any) -> None:
        if r.request.url == url or r.request.url.startswith("data:"):
            r.continue_()
        else:
            requests.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="load")
    page.screenshot(path=str(shot), full_page=True)
    return page, errors, requests


def overflow(page: Any) -> int:
    """Pixels the page is wider than its window (0: no horizontal scrolling)."""
    return int(
        page.evaluate(
            "Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            " - window.innerWidth"
        )
    )


def check_page(page: Any, errors: list[str], requests: list[str]) -> None:
    assert errors == []
    assert requests == []
    images = page.evaluate(
        "[...document.images].map(i => [i.complete, i.naturalWidth, i.naturalHeight])"
    )
    assert images and all(ok and w > 0 and h > 0 for ok, w, h in images)
    assert overflow(page) <= 0
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_PRINT_WIDTH, "height": 1000})
    assert overflow(page) <= 0
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")


def test_the_chinese_run_report_in_chromium(browser: Any, zh_run: Path, tmp_path: Path) -> None:
    shot = tmp_path / "run.png"
    page, errors, requests = open_report(browser, zh_run / report_file.FILE, shot)
    headline = page.inner_text("#headline")
    assert headline.startswith("按当前方案，园区产能预计于")
    check_page(page, errors, requests)
    assert shot.read_bytes().startswith(b"\x89PNG")
    page.close()


def test_the_demo_comparison_report_in_chromium(
    browser: Any, demo_compare: Path, tmp_path: Path
) -> None:
    report = demo_compare / report_file.FILE
    assert report.stat().st_size < 2_000_000
    page, errors, requests = open_report(browser, report, tmp_path / "compare.png")
    assert "比基准方案少损失产出" in page.inner_text("#headline")
    assert page.locator("section#options table tbody tr").count() == 3
    check_page(page, errors, requests)
    page.close()
