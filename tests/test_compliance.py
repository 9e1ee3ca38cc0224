from audit.compliance import compliance_rows, load_mapping
from audit.results import Section


def test_mapping_covers_the_provisions_asked_for():
    provisions = {(e["framework"], e["provision"]) for e in load_mapping()}
    assert {
        ("EU AI Act", "Art. 10"),
        ("EU AI Act", "Art. 13"),
        ("EU AI Act", "Art. 15"),
        ("GDPR", "Art. 25"),
    } <= provisions
    assert any(f == "NIST AI RMF" and p.startswith("MEASURE 2.") for f, p in provisions)


def test_rows_take_the_worst_verdict_of_their_evidence():
    sections = [
        Section("data", "Data", verdict="pass"),
        Section("fairness", "Fairness", verdict="fail"),
    ]
    rows = {(r["framework"], r["provision"]): r for r in compliance_rows(sections)}
    art10 = rows[("EU AI Act", "Art. 10")]
    assert art10["status"] == "fail" and [e["section"] for e in art10["evidence"]] == [
        "data",
        "fairness",
    ]
    gdpr = rows[("GDPR", "Art. 25")]
    assert gdpr["missing"] == ["privacy"] and gdpr["status"] == "pass"
    assert rows[("NIST AI RMF", "MEASURE 2.10")]["status"] == "no evidence"


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
