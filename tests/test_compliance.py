"""The compliance mapping: completeness of the evidence apart from its status, metric links."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import audit
from audit.checks import Check, get_check, list_checks, register_check, unregister_check
from audit.compliance import compliance_rows, load_mapping, provision_label
from audit.compliance._mapping import _need
from audit.findings import metric_anchor, slug
from audit.results import Metric, Section, worst_verdict

#: The provisions whose essential evidence includes robustness (measured since issue 16)
NEEDS_ROBUSTNESS = {"Art. 15", "MEASURE 2.5", "MEASURE 2.6"}


def _rows(sections: list[Section]) -> dict[str, dict]:
    return {r["provision"]: r for r in compliance_rows(sections)}


def _compliance_html(html: str) -> str:
    start = html.index('<section id="compliance">')
    return html[start : html.index("</section>", start)]


def _row_html(html: str, row_id: str) -> str:
    start = html.index(f'<tr id="{row_id}">')
    return html[start : html.index("</tr>", start)]


def test_mapping_covers_the_provisions_asked_for():
    provisions = {(e["framework"], e["provision"]) for e in load_mapping()}
    assert {
        ("EU AI Act", "Art. 10"),
        ("EU AI Act", "Art. 13"),
        ("EU AI Act", "Art. 15"),
        ("GDPR", "Art. 25"),
    } <= provisions
    assert any(f == "NIST AI RMF" and p.startswith("MEASURE 2.") for f, p in provisions)


def test_every_provision_names_essential_evidence_from_checks_that_agree():
    registered = {check.name: check for check in list_checks()}
    unregistered = set()
    for entry in load_mapping():
        label = provision_label(entry)
        assert any(need.essential for need in entry["evidence"]), label
        named = {need.check for need in entry["evidence"]}
        unregistered |= named - set(registered)
        # a check the mapping names says itself that it bears on the provision ...
        for name in named & set(registered):
            assert label in registered[name].evidence, (label, name)
        # ... and every built-in check that says so is named, with its metrics
        assert set(entry["sections"]) <= named, label
    assert unregistered == set()


def test_mapping_names_only_metrics_that_checks_produce(credit_result):
    produced = {(s.id, m.name) for s in credit_result.sections for m in s.metrics}
    dp_only = {("privacy", "epsilon"), ("privacy", "delta")}  # with a DP-SGD record
    for entry in load_mapping():
        for need in entry["evidence"]:
            if need.check == "robustness":
                continue
            thresholds = set(get_check(need.check).thresholds)
            for name in need.metrics or ():
                known = name in thresholds or (need.check, name) in produced | dp_only
                assert known, (provision_label(entry), need.check, name)


def test_a_malformed_evidence_item_is_refused_with_its_place():
    with pytest.raises(ValueError, match=r"^compliance mapping here: needs a 'check' and a 'what'"):
        _need({"check": "data"}, "here")
    with pytest.raises(ValueError, match=r"unknown keys \['metric'\]"):
        _need({"check": "data", "what": "x", "metric": ["a"]}, "here")
    with pytest.raises(ValueError, match="'essential' must be true or false"):
        _need({"check": "data", "what": "x", "essential": "yes"}, "here")
    with pytest.raises(ValueError, match="'metrics' must be a list of metric names"):
        _need({"check": "data", "what": "x", "metrics": "mia_auc"}, "here")


def test_without_fairness_measure_2_11_is_not_measured_whatever_the_data_says():
    data = Section(
        "data",
        "Data",
        verdict="fail",
        metrics=[
            Metric("minority_class_ratio", 0.2, verdict="warn"),
            Metric("min_group_share", 0.005, verdict="fail", scope="sex"),
        ],
    )
    row = _rows([data])["MEASURE 2.11"]
    assert row["completeness"] == "not measured"
    assert row["status"] == "not assessed"
    assert row["missing"] == ["fairness"]
    # the data section is shown as supporting evidence, with only the 2.11 metric in it
    [evidence] = row["evidence"]
    assert evidence["section"] == "data" and evidence["essential"] is False
    assert [m["key"] for m in evidence["metrics"]] == ["min_group_share[sex]"]
    assert evidence["verdict"] == "fail"


def test_class_balance_does_not_set_the_fairness_status():
    data = Section(
        "data",
        "Data",
        verdict="warn",
        metrics=[Metric("minority_class_ratio", 0.2, verdict="warn")],
    )
    fairness = Section(
        "fairness",
        "Fairness",
        verdict="pass",
        metrics=[Metric("demographic_parity_ratio", 0.95, verdict="pass", scope="sex")],
    )
    row = _rows([data, fairness])["MEASURE 2.11"]
    assert (row["completeness"], row["status"]) == ("measured", "pass")
    assert [e["section"] for e in row["evidence"]] == ["fairness"]
    data_need = next(n for n in row["needs"] if n["check"] == "data")
    assert data_need == {
        "check": "data",
        "what": "how each group is represented in the data, and its base rate",
        "essential": False,
        "measured": False,
        "verdict": None,
        "ran": True,
        "registered": True,
    }
    assert row["missing"] == []


def test_partly_measured_evidence_never_passes_but_reports_what_it_found():
    performance = Section(
        "performance", "Performance", metrics=[Metric("test_accuracy", 0.9, verdict="pass")]
    )
    fairness = Section(
        "fairness",
        "Fairness",
        metrics=[Metric("demographic_parity_ratio", 0.95, verdict="pass", scope="g")],
    )
    row = _rows([performance, fairness])["Art. 13"]  # no explainability
    assert (row["completeness"], row["status"]) == ("partly measured", "not assessed")
    assert [n["measured"] for n in row["needs"] if n["essential"]] == [True, True, False]
    fairness.metrics[0].verdict = "warn"
    row = _rows([performance, fairness])["Art. 13"]
    assert (row["completeness"], row["status"]) == ("partly measured", "warn")


def test_evidence_only_documented_gives_info_not_pass():
    data = Section(
        "data", "Data", metrics=[Metric("min_group_share", 0.4, verdict="pass", scope="g")]
    )
    fairness = Section(  # too few events: the policy did not judge the disparity
        "fairness", "Fairness", metrics=[Metric("demographic_parity_ratio", 0.7, scope="g")]
    )
    row = _rows([data, fairness])["MEASURE 2.11"]
    assert (row["completeness"], row["status"]) == ("measured", "info")
    assert [(n["check"], n["verdict"]) for n in row["needs"]] == [
        ("fairness", "info"),
        ("data", "pass"),
    ]
    fairness.metrics[0].verdict = "pass"
    assert _rows([data, fairness])["MEASURE 2.11"]["status"] == "pass"


def test_metrics_without_a_value_are_no_evidence():
    privacy = Section(
        "privacy",
        "Privacy",
        metrics=[Metric("mia_tpr_at_1pct_fpr", None, scope="loss_threshold", note="not estimable")],
    )
    row = _rows([privacy])["Art. 25"]
    assert (row["completeness"], row["status"], row["evidence"]) == (
        "not measured",
        "not assessed",
        [],
    )
    assert row["missing"] == ["data"]


def test_a_users_check_supports_with_its_whole_section_but_never_assesses_alone():
    def run(subject, settings, context):  # never called: the sections are built here
        raise AssertionError

    register_check(Check(name="leakage", title="Leakage", run=run, evidence=("GDPR Art. 25",)))
    try:
        leakage = Section(
            "leakage", "Leakage", verdict="pass", metrics=[Metric("leak", 0.0, verdict="pass")]
        )
        row = _rows([leakage])["Art. 25"]
        assert (row["completeness"], row["status"]) == ("not measured", "not assessed")
        assert row["evidence"][0]["section"] == "leakage"
        assert row["evidence"][0]["metrics"][0]["anchor"] == "metric-leakage-leak"
        assert row["needs"][-1]["what"] == "its section"
        privacy = Section(
            "privacy", "Privacy", metrics=[Metric("mia_auc", 0.51, verdict="pass", scope="lira")]
        )
        row = _rows([leakage, privacy])["Art. 25"]
        assert (row["completeness"], row["status"]) == ("measured", "pass")
        assert [e["section"] for e in row["evidence"]] == ["privacy", "leakage"]  # essential first
    finally:
        unregister_check("leakage")


def test_predictions_mode_without_privacy_does_not_pass_gdpr_art_25():
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {"y": rng.integers(0, 2, 300), "s": rng.random(300), "g": rng.choice(["a", "b"], 300)}
    )
    result = audit.audit_predictions(
        df, y_true="y", y_score="s", sensitive=["g"], config={"fairness": {"mitigation": False}}
    )
    rows = {r["provision"]: r for r in result.compliance}
    gdpr = rows["Art. 25"]
    assert gdpr["completeness"] == "not measured" and gdpr["status"] == "not assessed"
    assert gdpr["missing"] == ["privacy"]
    assert [e["section"] for e in gdpr["evidence"]] == ["data"]  # identifiable duplicates
    assert rows["MEASURE 2.11"]["completeness"] == "measured"
    assert rows["MEASURE 2.10"]["status"] == "not assessed"
    from audit.report import render_html

    gdpr_html = _row_html(render_html(result), "compliance-gdpr-art-25")
    assert "<strong>not measured</strong>" in gdpr_html
    assert "✗ not measured: what the model reveals about individuals" in gdpr_html
    assert "NOT ASSESSED" in gdpr_html and "verdict-pass" not in gdpr_html.split("<td>")[-1]


def test_a_run_without_fairness_leaves_measure_2_11_not_measured(credit_subject):
    result = audit.run(credit_subject, checks=["data"])
    data = result.section("data")
    row = next(r for r in result.compliance if r["provision"] == "MEASURE 2.11")
    assert (row["completeness"], row["status"], row["missing"]) == (
        "not measured",
        "not assessed",
        ["fairness"],
    )
    keys = [m["key"] for m in row["evidence"][0]["metrics"]]
    groups = [
        m
        for m in data.metrics
        if m.name in ("min_group_share", "representation_gap", "base_rate_ratio")
    ]
    assert sorted(keys) == sorted(m.key for m in groups) and keys


def test_a_full_run_is_measured_and_its_status_is_the_worst_of_its_metrics(credit_result):
    sections = {s.id: s for s in credit_result.sections}
    for row in credit_result.compliance:
        assert row["completeness"] == "measured", row["provision"]
        assert all(n["measured"] for n in row["needs"] if n["essential"]), row["provision"]
        if row["provision"] in NEEDS_ROBUSTNESS:
            assert "robustness" in {e["section"] for e in row["evidence"]}, row["provision"]
        verdicts = [
            sections[e["section"]].metric(m["key"]).verdict
            for e in row["evidence"]
            for m in e["metrics"]
        ]
        expected = worst_verdict(verdicts)
        if expected not in ("warn", "fail") and row["completeness"] != "measured":
            expected = "not assessed"
        elif expected not in ("warn", "fail"):
            judged = all(n["verdict"] == "pass" for n in row["needs"] if n["essential"])
            expected = "pass" if judged else "info"
        assert row["status"] == expected, row["provision"]
    gdpr = next(r for r in credit_result.compliance if r["provision"] == "Art. 25")
    # the credit model is not trained with DP-SGD: supporting evidence, not found
    assert [n["what"] for n in gdpr["needs"] if not n["measured"]] == [
        "a formal guarantee by design (DP-SGD ε and δ)"
    ]
    statuses = {r["provision"]: r["status"] for r in credit_result.compliance}
    assert statuses["MEASURE 2.12"] == "info"  # compute is documented, not judged


def test_links_point_at_the_metrics_rows(credit_result):
    from audit.report import render_html

    html = render_html(credit_result)
    ids = set(re.findall(r' id="([^"]+)"', html))
    section = _compliance_html(html)
    targets = re.findall(r'href="#([^"]+)"', section)
    assert targets and set(targets) <= ids
    for row in credit_result.compliance:
        anchors = [m["anchor"] for e in row["evidence"] for m in e["metrics"]]
        assert anchors and all(a.startswith("metric-") for a in anchors), row["provision"]
        row_html = _row_html(html, "compliance-" + slug(provision_label(row), unique=False).lower())
        assert all(f'href="#{a}"' in row_html for a in anchors)
    # the fairness disparity behind MEASURE 2.11 links to its own row in the fairness section
    anchor = metric_anchor("fairness", "demographic_parity_ratio[sex]")
    assert f'href="#{anchor}"' in _row_html(html, "compliance-nist-ai-rmf-measure-2-11")
    start = html.index(f'id="{anchor}"')
    target_text = re.sub(r"<[^>]+>", "", html[start : html.index("</tr>", start)])
    assert "demographic_parity_ratio[sex]" in target_text


def test_credit_report_shows_scorecard_model_card_and_mapping(credit_result):
    from audit.report import render_html

    html = render_html(credit_result)
    assert 'id="model-card"' in html and 'id="compliance"' in html
    assert "Art. 10" in html and "MEASURE 2.11" in html
    for section in credit_result.sections:
        key = section.key_metric()
        assert key is not None and f"<code>{key.key}</code>" in html
    assert credit_result.model_card["name"] == "credit"
    assert len(html.encode()) < 3 * 2**20  # a full audit stays under 3 MB
