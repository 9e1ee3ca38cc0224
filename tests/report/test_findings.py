"""The top of the report: the findings behind the verdict, the scorecard, compact tables."""

from __future__ import annotations

import dataclasses
import re

import pytest

from audit.checks import list_checks
from audit.findings import metric_anchor, section_findings, top_findings
from audit.report import render_html
from audit.results import AuditResult, Metric, Section, Threshold

LIMIT = Threshold(warn=0.7, fail=0.6, higher_is_better=True)
INCONCLUSIVE = (
    "inconclusive: the interval 0.654–0.789 straddles the limit 0.7; about 1915 more rows "
    "(per group, for a contrast) would likely decide it."
)


def _result() -> AuditResult:
    performance = Section(
        id="performance",
        title="Performance and generalization",
        verdict="warn",
        summary="WARN set by test_accuracy.",
        metrics=[
            Metric("test_accuracy", 0.727, "warn", LIMIT, ci=[0.654, 0.789], note=INCONCLUSIVE),
            Metric("ece", 0.2, "warn", Threshold(warn=0.1, fail=0.3, higher_is_better=False)),
            Metric("test_f1", 0.9, "pass", LIMIT),
        ],
    )
    fairness = Section(
        id="fairness",
        title="Fairness",
        verdict="fail",
        metrics=[
            Metric(
                "demographic_parity_ratio",
                0.5,
                "fail",
                Threshold(warn=0.8, fail=0.7, higher_is_better=True),
                scope="sex & age",
                ci=[0.4, 0.6],
            ),
            Metric(
                "demographic_parity_ratio",
                0.75,
                "warn",
                Threshold(warn=0.8, fail=0.7, higher_is_better=True),
                scope="sex",
                ci=[0.6, 0.9],
                note=INCONCLUSIVE.replace("1915", "300"),
            ),
        ],
    )
    data = Section(id="data", title="Data", verdict="pass", metrics=[Metric("x", 1.0, "pass")])
    custom = Section(id="custom", title="Custom", verdict="warn", summary="Custom warns.")
    return AuditResult(
        subject={"name": "t"}, sections=[data, performance, fairness, custom], verdict="fail"
    )


def test_findings_fail_first_one_per_section_before_a_second():
    findings = top_findings(_result())
    assert [(f.section_id, f.metric_key) for f in findings] == [
        ("fairness", "demographic_parity_ratio[sex & age]"),
        ("performance", "ece"),  # a confident WARN before an inconclusive one
        ("custom", ""),  # a verdict set by no metric: the summary, linked to the section
        ("performance", "test_accuracy"),  # the fairness WARN does not set its FAIL
    ]
    assert [f.section_id for f in top_findings(_result(), limit=2)] == ["fairness", "performance"]
    assert findings[2].anchor == "section-custom" and findings[2].words == "Custom warns."


def test_findings_say_what_to_do_in_words():
    findings = {f.metric_key: f for f in top_findings(_result())}
    ece = findings["ece"]
    assert ece.words == "expected calibration error of the predicted probabilities"
    assert ece.fix.startswith("Recalibrate")
    accuracy = findings["test_accuracy"]
    assert accuracy.fix == "Not decidable at this size: collect about 1,915 more test rows."
    assert accuracy.meanwhile.startswith("Improve the model")
    result = _result()
    fairness = result.section("fairness")
    fairness.metrics, fairness.verdict = fairness.metrics[1:], "warn"
    parity = {f.metric_key: f for f in top_findings(result)}["demographic_parity_ratio[sex]"]
    assert "collect about 300 more rows per group of sex" in parity.fix
    assert parity.ci == (0.6, 0.9)
    assert parity.anchor == "metric-fairness-demographic_parity_ratio-sex"


def test_section_findings_name_the_deciding_metric_of_every_section():
    found = section_findings(_result())
    assert found["performance"].metric_key == "ece"
    assert found["fairness"].metric_key == "demographic_parity_ratio[sex & age]"
    assert found["data"].metric_key == "x"  # a passing section: its first judged metric
    assert "custom" not in found  # no metrics


@pytest.mark.parametrize("check", list_checks(), ids=lambda c: c.name)
def test_every_judged_metric_of_a_builtin_check_has_advice(check):
    assert set(check.thresholds) <= set(check.advice), check.name
    for advice in check.advice.values():
        assert advice.words and advice.why.endswith(".") and advice.fix.endswith(".")
        advice.why.format(scope="x")  # only {scope} may be named


def _render(credit_result, result: AuditResult) -> str:
    """Render ``result``'s sections with the rest (subject, manifest) of a real run."""
    return render_html(
        dataclasses.replace(
            credit_result, sections=result.sections, verdict=result.verdict, policy=result.policy
        )
    )


def test_report_opens_with_the_findings_and_links_to_metric_rows(credit_result):
    html = _render(credit_result, _result())
    assert html.index('id="findings"') < html.index('aria-label="Contents"')
    assert html.index('id="findings"') < html.index('id="summary"')
    for finding in top_findings(_result()):
        assert f'href="#{finding.anchor}"' in html
        assert f'id="{finding.anchor}"' in html
    assert "95% interval 0.4–0.6" in html
    assert "...." not in html


def test_a_passing_report_says_nothing_needs_action(credit_result):
    result = _result()
    result.sections = [result.sections[0]]
    result.verdict = "pass"
    assert top_findings(result) == []
    assert "No area warns or fails" in _render(credit_result, result)


def test_long_metric_tables_show_failing_and_warning_rows_first(credit_result):
    metrics = [Metric(f"m{i}", 0.9, "pass", LIMIT) for i in range(10)]
    metrics.append(Metric("bad", 0.5, "fail", LIMIT))
    section = Section(id="custom", title="Custom", verdict="fail", metrics=metrics)
    result = AuditResult(subject={"name": "t"}, sections=[section], verdict="fail")
    html = _render(credit_result, result)
    body = html[html.index('id="section-custom"') :]
    first, more = body.index(metric_anchor("custom", "bad")), body.index("<details")
    assert first < body.index(metric_anchor("custom", "m2")) < more  # four rows shown
    assert more < body.index(metric_anchor("custom", "m3"))
    assert re.search(r"<summary>7 more metrics</summary>", body)


def test_policy_rules_read_in_words_and_show_the_band(credit_result):
    result = _result()
    result.policy = {
        "ratio": {"warn": None, "fail": None, "higher_is_better": True, "band": [0.8, 1.25]},
        "test_accuracy": {"warn": 0.7, "fail": 0.6, "higher_is_better": True, "band": None},
    }
    html = _render(credit_result, result)
    assert "fail outside 0.80–1.25" in html
    assert "fail below 0.6 · warn below 0.7" in html


def test_credit_report_ids_are_unique_and_every_local_link_lands(credit_result):
    html = render_html(credit_result)
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert set(re.findall(r'href="#([^"]+)"', html)) <= set(ids)


def test_reference_domains_fill_the_model_card_and_the_config_still_wins(credit_result):
    from audit.config import load_config
    from audit.domains import get_domain, list_domains
    from audit.runner import model_card

    card = credit_result.model_card
    assert card["intended_use"].startswith("A reference model for demonstrating and testing")
    assert card["owners"] == ["rai-audit (reference domains)"]
    assert any("German credit data of 1994" in line for line in card["limitations"])
    assert card["training_data"]  # the domain's data provenance
    html = render_html(credit_result)
    card_html = html[html.index('id="model-card"') : html.index('id="section-')]
    assert "not stated" not in card_html
    for spec in list_domains():  # every reference domain states its use and limits
        defaults = spec.model_card(spec.variant_names[-1])
        assert defaults["intended_use"] and defaults["limitations"] and defaults["owners"]
    mine = load_config({"model_card": {"intended_use": "Scoring loan applications."}})
    merged = model_card(mine, name="m", defaults=get_domain("credit").model_card())
    assert merged["intended_use"] == "Scoring loan applications."
    assert merged["owners"] == ["rai-audit (reference domains)"]
