"""Refresh the report screenshots shown in the README (``make screenshots``).

Audits the credit and vision reference domains into ``reports/out/<domain>`` (unless a
report is already there and ``--reuse`` is given), opens each report in headless Chromium
and saves, under ``docs/img/``, the first screen at 1280×800 and the explainability section.
Uses the system ``chromium`` and ``chromedriver``; downloads nothing.

Usage: ``.venv/bin/python docs/screenshots.py [--reuse] [--domains credit vision]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "img"


def report_of(domain: str, *, reuse: bool) -> Path:
    """The HTML report of ``domain``, audited now unless ``reuse`` and already there."""
    out = ROOT / "reports" / "out" / domain
    report = out / "report.html"
    if not (reuse and report.exists()):
        command = [sys.executable, "-c", "from audit.cli import main; main()"]
        command += ["run", domain, "--out", str(out)]
        subprocess.run(command, check=True, cwd=ROOT)
    return report


def _browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from audit.report._pdf import HEADLESS_FLAGS, find_chromium

    options = webdriver.ChromeOptions()
    for flag in (*HEADLESS_FLAGS, "--window-size=1280,1000"):
        options.add_argument(flag)
    chromium = find_chromium()
    if chromium is None:
        raise SystemExit("screenshots: no chromium on PATH (install Debian's chromium)")
    options.binary_location = chromium
    driver = shutil.which("chromedriver")
    if driver is None:
        raise SystemExit("screenshots: no chromedriver on PATH (install chromium-driver)")
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)


def _save(png: bytes, name: str) -> Path:
    """Write ``png`` to ``docs/img/name`` atomically."""
    IMAGES.mkdir(parents=True, exist_ok=True)
    target = IMAGES / name
    handle, temporary = tempfile.mkstemp(dir=IMAGES, suffix=".png.tmp")
    with os.fdopen(handle, "wb") as stream:
        stream.write(png)
    os.chmod(temporary, 0o644)
    os.replace(temporary, target)
    return target


def shoot(driver, report: Path, domain: str) -> list[Path]:
    """The first screen and the explainability section of ``report``."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False},
    )
    driver.get(report.as_uri())
    saved = [_save(driver.get_screenshot_as_png(), f"{domain}-first-screen.png")]
    height = driver.execute_script(
        "const s = document.getElementById('section-explainability');"
        " return s ? Math.ceil(s.getBoundingClientRect().height) : 0;"
    )
    if height:
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": min(height + 200, 6000), "deviceScaleFactor": 1,
             "mobile": False},
        )
        section = driver.find_element("id", "section-explainability")
        saved.append(_save(section.screenshot_as_png, f"{domain}-explainability.png"))
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="use reports already in reports/out")
    parser.add_argument("--domains", nargs="+", default=["credit", "vision"])
    args = parser.parse_args()
    reports = {domain: report_of(domain, reuse=args.reuse) for domain in args.domains}
    driver = _browser()
    try:
        for domain, report in reports.items():
            for path in shoot(driver, report, domain):
                print(path.relative_to(ROOT))
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
