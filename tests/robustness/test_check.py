"""The robustness check through audit.run: on credit, on every domain, and its controls."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

import audit
from audit.checks import get_check
from audit.config import TrainingConfig
from audit.robustness import RobustnessSettings

JUDGED = [
    "corruption_accuracy_ratio",
    "robust_accuracy_ratio",
    "flip_rate_gap[sex]",
    "flip_rate_gap[age_group]",
    "adversarial_flip_rate_gap[sex]",
    "min_perturbation_ratio[sex]",
    "median_min_perturbation",
    "counterfactual_flip_rate[sex]",
]
SMALL = {"rows": 64, "severities": [1, 3], "epsilons": [0.1], "pgd_steps": 3, "resamples": 200}


def test_credit_gives_a_judged_section(credit_subject):
    config = {"robustness": SMALL, "seed": 0}
    result = audit.run(credit_subject, checks=["robustness"], config=config)
    section = result.section("robustness")
    for key in JUDGED:
        metric = section.metric(key)
        if key != "median_min_perturbation":  # shown, not judged
            assert metric.threshold is not None, key
            assert metric.verdict in {"pass", "warn", "fail"}, key
        assert None not in metric.ci and metric.ci[0] <= metric.value <= metric.ci[1], key
    assert {t.id for t in section.tables} == {
        "corruptions",
        "adversarial",
        "adversarial_examples",
        "group_flips",
        "group_curves",
        "group_distances",
        "counterfactuals",
    }
    assert len(section.table("corruptions").rows) == 3 * 2  # noise, category swap, missing; 2 severities
    assert {f.id for f in section.figures} == {"corruption_curve", "attack_curve"}
    assert "Worst corruption at severity 3" in section.summary
    curves = section.table("group_curves")
    assert curves.columns == ["feature", "group", "perturbation", "rows", "accuracy", "low", "high"]
    assert list(dict.fromkeys(r[2] for r in curves.rows)) == [
        "clean", "severity 1", "severity 3", "PGD ε=0.1"
    ]
    sex = [r for r in curves.rows if r[0] == "sex" and r[2] == "clean"]
    assert sum(r[3] for r in sex) == 64
    clean = section.metric("clean_accuracy").value
    assert sum(r[3] * r[4] for r in sex) / 64 == pytest.approx(clean)
    for *_, n, accuracy, low, high in curves.rows:
        assert 0 <= low <= accuracy <= high <= 1 and high - low > 0.5 / n**0.5
    examples = section.table("adversarial_examples")
    assert 4 <= len(examples.rows) <= 12  # 1-3 flipped rows, 4 features each
    std = float(credit_subject.X_test.std())
    for _, prediction, feature, clean, attacked, *_ in examples.rows:
        before, after = prediction.split(" → ")
        assert before != after and feature in credit_subject.feature_names
        # PGD stays within ε = 0.1 std of the 64 audited rows (near the test set's std)
        assert abs(attacked - clean) <= 0.1 * 1.5 * std
    again = audit.run(credit_subject, checks=["robustness"], config=config).section("robustness")
    assert [m.value for m in again.metrics] == [m.value for m in section.metrics]


def test_the_judged_points_must_be_drawn():
    with pytest.raises(ValidationError, match="judged_severity"):
        RobustnessSettings(severities=[1, 2])
    with pytest.raises(ValidationError, match="judged_epsilon"):
        RobustnessSettings(epsilons=[0.2])
    assert RobustnessSettings(epsilons=[0.2], attacks=[]).attacks == []


def test_the_check_is_registered_with_advice_and_evidence():
    check = get_check("robustness")
    assert set(check.thresholds) <= set(check.advice)
    assert "EU AI Act Art. 15" in check.evidence
    assert {"NIST AI RMF MEASURE 2.5", "NIST AI RMF MEASURE 2.6"} <= set(check.evidence)


OFFLINE = [
    spec.name
    for spec in audit.list_domains()
    if not spec.online and spec.kind == "classifier"
]


@pytest.mark.parametrize("domain", OFFLINE)
def test_it_runs_on_every_offline_domain(domain):
    subject = audit.reference(domain, seed=0, training=TrainingConfig(epochs=2))
    result = audit.run(subject, checks=["robustness"], config={"robustness": SMALL})
    section = result.section("robustness")
    assert section.metric("corruption_accuracy_ratio").value is not None
    assert section.metric("robust_accuracy_ratio").value is not None
    assert section.metric("median_min_perturbation").value > 0
    on_embeddings = any("attacked on their embeddings" in note for note in section.notes)
    assert on_embeddings == (subject.modality == "text")


@pytest.mark.slow
@pytest.mark.parametrize("domain", ["credit", "text"])
def test_the_biased_control_fails_the_counterfactual_probe_and_the_default_does_not(domain):
    feature = {"credit": "sex", "text": "name_group"}[domain]
    verdicts = {}
    for variant in ("default", "biased"):
        subject = audit.reference(domain, seed=0, variant=variant)
        section = audit.run(subject, checks=["robustness"]).section("robustness")
        verdicts[variant] = section.metric(f"counterfactual_flip_rate[{feature}]").verdict
    assert verdicts["biased"] == "fail"
    assert verdicts["default"] in {"pass", "warn"}


def test_progress_is_reported_for_every_corruption_and_attack_step(credit_subject):
    from audit.checks import RunContext

    calls = []
    context = RunContext.for_checks(0, ["robustness"])["robustness"]
    context = RunContext(context.seed, context.seed_sequence, progress=lambda *a: calls.append(a))
    settings = get_check("robustness").settings(**SMALL)
    get_check("robustness").run(credit_subject, settings, context)
    # 3 corruptions x 2 severities, then FGSM (L∞, L2) and PGD (L∞, L2) at one radius
    total = 3 * 2 + 4 * 1
    assert [step for _, step, _ in calls] == list(range(1, total + 1))
    assert {stage for stage, _, _ in calls} == {"corruptions", "attacks"}
    assert {n for _, _, n in calls} == {total}
