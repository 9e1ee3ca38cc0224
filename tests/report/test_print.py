"""The credit report on paper: A4, numbered pages, nothing clipped or left folded away."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from audit.report._pdf import find_chromium, write_pdf

pypdf = pytest.importorskip("pypdf", reason="reading the PDF's text needs pypdf (dev extra)")
pytestmark = pytest.mark.skipif(
    find_chromium() is None,
    reason="no Chromium on PATH: install Debian's `chromium` package or run `CI=true make test`",
)

A4_POINTS = (595.3, 841.9)


def _squash(text: str) -> str:
    """Text without whitespace (PDF extraction breaks lines and words where the page does)."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def printed(credit_result, tmp_path_factory) -> tuple[list[str], list]:
    folder = tmp_path_factory.mktemp("print")
    report = credit_result.save(folder)
    target = Path(folder) / "report.pdf"
    assert write_pdf(report, target, engine="chromium") == "chromium"
    reader = pypdf.PdfReader(str(target))
    return [page.extract_text() for page in reader.pages], reader.pages


def test_pages_are_a4_and_numbered(printed, credit_result):
    texts, pages = printed
    for page in pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert width == pytest.approx(A4_POINTS[0], abs=1.0)
        assert height == pytest.approx(A4_POINTS[1], abs=1.0)
    total = len(texts)
    assert total >= 3
    for number, text in enumerate(texts, start=1):
        assert f"page {number} of {total}" in text
    assert f"rai-audit report: {credit_result.subject['name']}" in texts[0]


def test_first_page_holds_the_verdict_and_the_findings(printed, credit_result):
    first = printed[0][0]
    assert "Overall verdict" in first and credit_result.verdict.upper() in first
    assert "What matters" in first and "Next step" in first


def test_every_scorecard_column_and_section_verdict_is_printed(printed, credit_result):
    text = "\n".join(printed[0])
    squashed = _squash(text)
    for column in ("area", "verdict", "deciding metric", "other metrics"):
        assert _squash(column) in squashed
    for section in credit_result.sections:
        assert _squash(section.title) in squashed
        assert f"{section.verdict.upper()}" in text
    trust = credit_result.section("explainability").table("trust")
    assert _squash(trust.columns[-1].replace("_", " ")) in squashed  # the last column
    assert "Thresholds used for the verdicts" in text  # inside a closed disclosure on screen
