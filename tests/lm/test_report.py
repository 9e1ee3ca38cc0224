"""The gpt report in HTML: canary table, exposure chart, highlighted contexts, samples (slow)."""

from __future__ import annotations

import copy
import re

import pytest

import audit
from audit.report import render_html
from audit.report._format import fmt

SCRIPT = "<script>alert(1)</script>"

#: Fewer samples and steps than the defaults: the same sections, quicker.
SMALL = {
    "memorization": {"n_sample": 500, "attack_rows": 200},
    "generation_bias": {"max_pairs": 40, "samples_per_prompt": 2},
    "lm_explainability": {"prompts": 8, "ig_steps": 8},
}


@pytest.fixture(scope="module")
def gpt_result() -> audit.AuditResult:
    return audit.run(audit.reference("gpt", seed=0), config=SMALL)


@pytest.fixture(scope="module")
def html(gpt_result) -> str:
    return render_html(gpt_result)


def _part(html: str, start: str, end: str) -> str:
    begin = html.index(start)
    return html[begin : html.index(end, begin)]


def _compliance_row(html: str, label: str) -> str:
    slug = label.lower().replace(" ", "-").replace(".", "")
    return _part(html, f'<tr id="compliance-{slug}">', "</tr>")


@pytest.mark.slow
def test_every_lm_section_is_rendered(gpt_result, html):
    ids = [s.id for s in gpt_result.sections]
    assert set(ids) == {
        "lm_performance", "memorization", "generation_bias", "lm_explainability", "lm_compute"
    }  # fmt: skip
    for section_id in ids:
        assert f'id="section-{section_id}"' in html


@pytest.mark.slow
def test_the_canary_table_lists_every_secret_with_its_exposure(gpt_result, html):
    table = _part(html, 'id="table-canaries"', "</table>")
    canaries = gpt_result.section("memorization").tables[0]
    assert canaries.id == "canaries" and "exposure (bits)" in canaries.columns
    for row in canaries.rows:
        assert f"<td>{row[0]}</td>" in table  # the secret
        assert (
            f'<td class="num">{fmt(row[4])}</td>' in table
        )  # its exposure, as the report writes it
    assert "|R| = 1,000,000" in html


@pytest.mark.slow
def test_the_exposure_chart_has_alt_text_and_its_numbers_beside_it(gpt_result, html):
    figure = _part(html, '<figure id="figure-exposure">', "</figure>")
    alt = re.search(r'<img src="data:image/svg\+xml;base64,[^"]+" alt="([^"]+)"', figure)
    assert alt is not None and "against repetitions" in alt.group(1)
    rows = gpt_result.section("memorization").tables[0].rows
    caption = _part(figure, "<figcaption>", "</figcaption>")
    for row in rows:
        if row[1]:  # inserted: its exposure in the alt text and in the caption
            assert f"×{row[1]} {row[4]:.2f}" in alt.group(1)
            assert f"×{row[1]} {row[4]:.2f}" in caption
    assert "chance 1.44" in caption and "below 4.32" in caption


@pytest.mark.slow
def test_the_contexts_are_highlighted_and_the_samples_shown_per_group(gpt_result, html):
    contexts = _part(html, 'id="table-contexts"', "</table>")
    rows = gpt_result.section("lm_explainability").tables[0].rows
    assert contexts.count("<mark>") == len(rows) > 0
    top = rows[0][2]  # the word LIG credits most, marked in its context
    assert f"<mark>{top}</mark>" in contexts
    samples = _part(html, 'id="table-continuations"', "</table>")
    for group in ("female", "male"):
        assert f"<td>{group}</td>" in samples


@pytest.mark.slow
def test_lm_tables_are_autoescaped(gpt_result):
    hostile = copy.deepcopy(gpt_result)
    hostile.section("lm_explainability").tables[0].rows[0][0] = f"the [{SCRIPT}] film"
    hostile.section("generation_bias").tables[0].rows[0][1] = SCRIPT
    hostile.section("memorization").tables[0].rows[0][0] = SCRIPT
    out = render_html(hostile)
    assert SCRIPT not in out
    assert "<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark>" in out
    assert out.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3


@pytest.mark.slow
def test_the_compliance_mapping_names_the_provisions_with_lm_evidence(html):
    compliance = _part(html, '<section id="compliance">', "</section>")
    for label in ("GDPR Art. 25", "EU AI Act Art. 10", "EU AI Act Art. 15"):
        assert f">{label}</a>" in compliance  # named in the table at a glance
    gdpr = _compliance_row(html, "GDPR Art. 25")
    assert 'href="#section-memorization"' in gdpr and "max_repetition_exposure" in gdpr
    art10 = _compliance_row(html, "EU AI Act Art. 10")
    assert 'href="#section-generation_bias"' in art10 and "sentiment_log_odds_gap" in art10
    art15 = _compliance_row(html, "EU AI Act Art. 15")
    assert 'href="#section-lm_performance"' in art15 and "perplexity_gap" in art15
