"""Fixtures of the browser tests: headless Chromium through selenium, and the credit report.

Uses the system ``chromium`` and ``chromedriver`` (Debian's ``chromium`` and
``chromium-driver``); selenium is never allowed to download a driver.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from audit.report._pdf import HEADLESS_FLAGS, find_chromium

BROWSER_FLAGS = (*HEADLESS_FLAGS, "--window-size=1280,2000")


def _programs() -> tuple[str, str]:
    chromium = find_chromium()
    if chromium is None:
        pytest.skip(
            "chromium not found on PATH (nor chromium-browser, google-chrome): install "
            "Debian's `chromium` package, or run `CI=true make browser`"
        )
    chromedriver = shutil.which("chromedriver")
    if chromedriver is None:
        pytest.skip(
            "chromedriver not found on PATH: install Debian's `chromium-driver` package, "
            "or run `CI=true make browser` (selenium may not download one)"
        )
    return chromium, chromedriver


@pytest.fixture(scope="module")
def driver():
    chromium, chromedriver = _programs()
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in BROWSER_FLAGS:
        options.add_argument(flag)
    options.binary_location = chromium
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    # An explicit driver path: selenium skips Selenium Manager and downloads nothing.
    service = Service(executable_path=chromedriver)
    browser = webdriver.Chrome(service=service, options=options)
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture(scope="module")
def report(credit_result, tmp_path_factory) -> Path:
    return credit_result.save(tmp_path_factory.mktemp("browser"))
