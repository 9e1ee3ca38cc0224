"""The credit report as a reader sees it: opened in headless Chromium through selenium.

Uses the system ``chromium`` and ``chromedriver`` (Debian's ``chromium`` and
``chromium-driver``); selenium is never allowed to download a driver.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT_COPY = REPO / "reports" / "out" / "browser" / "report.png"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: Chromium's screenshots are limited by its largest texture; the report is shorter.
MAX_SCREENSHOT_HEIGHT = 16_000


def _requests(driver) -> list[str]:
    """URLs the page asked for since the last read of the performance log."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


@pytest.fixture(scope="module")
def loaded(driver, report) -> dict:
    """Open the report once and keep the logs of that load (reading a log empties it)."""
    driver.get(report.as_uri())
    # every image decoded (or the reason it did not)
    decode_errors = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        Promise.all([...document.images].map(
            (img, i) => img.decode().then(() => null, (e) => `image ${i}: ${e}`)
        )).then((errors) => done(errors.filter((e) => e !== null)));
        """
    )
    return {
        "url": report.as_uri(),
        "console": driver.get_log("browser"),
        "requests": _requests(driver),
        "decode_errors": decode_errors,
    }


@pytest.fixture
def page(driver, loaded):
    """The driver on the report (another test may have navigated away)."""
    if driver.current_url != loaded["url"]:
        driver.get(loaded["url"])
    return driver


def _foreign(requests: list[str], own_url: str) -> list[str]:
    return [url for url in requests if url != own_url and not url.startswith("data:")]


def _severe(console: list[dict]) -> list[str]:
    return [entry["message"] for entry in console if entry["level"] == "SEVERE"]


def test_no_console_errors(loaded):
    assert _severe(loaded["console"]) == []


def test_no_network_request_but_the_report(loaded):
    assert loaded["url"] in loaded["requests"]
    assert _foreign(loaded["requests"], loaded["url"]) == []


def test_log_checks_catch_a_remote_image_and_a_console_error(driver, loaded, tmp_path):
    """The two checks above are not vacuous: a page breaking both rules is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<!DOCTYPE html><title>bad</title>"
        '<img src="http://127.0.0.1:9/remote.png" alt="remote">'  # refused at once, offline
        '<script>console.error("broken on purpose")</script>'
    )
    driver.get(bad.as_uri())
    foreign = _foreign(_requests(driver), bad.as_uri())
    assert "http://127.0.0.1:9/remote.png" in foreign
    assert any("broken on purpose" in m for m in _severe(driver.get_log("browser")))


def test_title_and_images(page, loaded, credit_result):
    assert "Audit report" in page.title
    assert credit_result.subject["name"] in page.title
    images = page.execute_script(
        "return [...document.images].map((i) => [i.alt, i.naturalWidth, i.complete]);"
    )
    assert len(images) >= 3
    for alt, natural_width, complete in images:
        assert alt.strip(), "an image without alt text"
        assert complete and natural_width > 0, f"image did not decode: {alt[:60]}"
    assert loaded["decode_errors"] == []


def test_every_section_is_present_and_visible(page, credit_result):
    from selenium.webdriver.common.by import By

    ids = [f"section-{section.id}" for section in credit_result.sections]
    assert {"section-data", "section-performance", "section-fairness"} <= set(ids)
    for section_id in [*ids, "summary", "subject", "policy", "manifest"]:
        element = page.find_element(By.ID, section_id)
        assert element.is_displayed(), section_id
        assert element.size["height"] > 0 and element.size["width"] > 0, section_id
        assert element.find_element(By.TAG_NAME, "h2").text.strip(), section_id


def test_contents_links_resolve(page, credit_result):
    from selenium.webdriver.common.by import By

    contents = page.find_elements(By.CSS_SELECTOR, "nav a")
    targets = [a.get_attribute("hash") for a in contents]
    assert {f"#section-{s.id}" for s in credit_result.sections} <= set(targets)
    all_local = page.execute_script(
        "return [...document.querySelectorAll('a[href^=\"#\"]')].map((a) => a.hash);"
    )
    missing = [
        target
        for target in set(all_local)
        if not page.execute_script(
            "return document.getElementById(arguments[0]) !== null;", target[1:]
        )
    ]
    assert missing == []
    assert all(a.text.strip() for a in contents)


def test_verdict_badges_carry_words_not_only_colour(page, credit_result):
    from selenium.webdriver.common.by import By

    # one round trip: [classes, text in the markup, text as rendered, rendered at all]
    badges = page.execute_script(
        """
        return [...document.querySelectorAll('.verdict')].map((b) => [
            b.className, b.textContent.trim(), b.innerText.trim(), b.checkVisibility()
        ]);
        """
    )
    assert len(badges) > len(credit_result.sections)
    visible = 0
    for class_name, text, rendered, shown in badges:
        (kind,) = [c.removeprefix("verdict-") for c in class_name.split() if c != "verdict"]
        assert kind.upper() in {"PASS", "WARN", "FAIL", "INFO"}, class_name
        assert re.fullmatch(rf"[✓!✗i] {kind.upper()}", text), (class_name, text)
        if shown:  # what a reader sees, not just what the markup holds
            assert rendered == text
            visible += 1
    assert visible > len(credit_result.sections)
    overall = page.find_element(By.CSS_SELECTOR, ".overall .verdict")
    assert overall.is_displayed()
    assert overall.text.endswith(credit_result.verdict.upper())


def _fit_window_to_page(driver) -> None:
    """Make the viewport as tall as the page (the window is taller than its viewport,
    and a horizontal scroll bar takes some of the viewport)."""
    for _ in range(3):  # the layout can change once the viewport grows
        inner, outer, page = driver.execute_script(
            "const root = document.documentElement;"
            " return [root.clientHeight, window.outerHeight, root.scrollHeight];"
        )
        if inner >= page or inner >= MAX_SCREENSHOT_HEIGHT:
            return
        driver.set_window_size(1280, min(page + outer - inner, MAX_SCREENSHOT_HEIGHT))


def test_full_page_screenshot(page, tmp_path):
    _fit_window_to_page(page)
    try:
        screenshot = tmp_path / "report.png"
        assert page.save_screenshot(str(screenshot))
        inner, total = page.execute_script(
            "const root = document.documentElement; return [root.clientHeight, root.scrollHeight];"
        )
    finally:
        page.set_window_size(1280, 2000)
    assert inner >= min(total, MAX_SCREENSHOT_HEIGHT - 200), "the screenshot is not full-page"
    data = screenshot.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 10_000
    # also kept in the repository's git-ignored output folder, written atomically
    SCREENSHOT_COPY.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=SCREENSHOT_COPY.parent, suffix=".png.tmp")
    os.close(handle)
    try:
        shutil.copyfile(screenshot, temporary)
        os.chmod(temporary, 0o644)
        os.replace(temporary, SCREENSHOT_COPY)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    assert SCREENSHOT_COPY.read_bytes() == data
