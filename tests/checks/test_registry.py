"""The check registry: a user's own check, defined outside ``audit/``, runs like a built-in."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from pydantic import BaseModel, ConfigDict

import audit
from audit.checks import RunContext, check_names, get_check, list_checks, unregister_check
from audit.compliance import load_mapping, provision_label
from audit.config import load_config
from audit.policy import Policy, default_thresholds
from audit.results import Metric, Section, Threshold


class MarginSettings(BaseModel):
    """Settings of the test's own check."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rows: int = 16


def margin_run(subject, settings: MarginSettings, context: RunContext) -> Section:
    """Mean top-1 probability margin on a seeded sample of ``settings.rows`` test rows."""
    rows = context.rng().choice(len(subject.y_test), settings.rows, replace=False)
    proba = subject.predict_proba("test")[rows]
    top2 = np.sort(proba, axis=1)[:, -2:]
    return Section(
        id="margin",
        title="Prediction margin",
        metrics=[Metric("mean_margin", float((top2[:, 1] - top2[:, 0]).mean()))],
        notes=[f"{settings.rows} rows, seed {context.seed}"],
    )


def margin_conclude(section: Section) -> None:
    section.summary = f"Margin verdict {section.verdict}."


MARGIN = audit.Check(
    name="margin",
    title="Prediction margin",
    run=margin_run,
    settings=MarginSettings,
    conclude=margin_conclude,
    thresholds={"mean_margin": Threshold(warn=0.9, fail=0.99, higher_is_better=True)},
    evidence=("EU AI Act Art. 15",),
)


@pytest.fixture
def margin():
    audit.register_check(MARGIN)
    yield MARGIN
    unregister_check("margin")


@pytest.fixture(scope="module")
def tiny():
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(64, 3, generator=generator)
    y = (X[:, 0] > 0).long()
    model = torch.nn.Linear(3, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[-2.0, 0.0, 0.0], [2.0, 0.0, 0.0]]))
        model.bias.zero_()
    return audit.Subject(model, (X, y), (X, y), name="tiny")


def test_a_users_check_runs_is_configured_judged_and_reported(margin, tiny, tmp_path):
    config = {"margin": {"rows": 8}, "seed": 3}
    result = audit.run(tiny, checks=["performance", "margin"], config=config)
    section = result.section("margin")
    # its settings came from the config under its own name, its seed from the run
    assert section.notes == ["8 rows, seed 3"]
    # judged by its own default threshold (margin well below 0.99: fail), then concluded
    metric = section.metric("mean_margin")
    assert metric.threshold == Threshold(warn=0.9, fail=0.99, higher_is_better=True)
    assert metric.verdict == ("fail" if metric.value < 0.99 else "warn")
    # the runner leads with the metric that set the verdict, then the check's own summary
    lead = f"{section.verdict.upper()} set by mean_margin = {metric.value:.3f}."
    assert section.summary == f"{lead} Margin verdict {section.verdict}."
    # the same seed gives the same rows
    again = audit.run(tiny, checks=["margin"], config=config).section("margin")
    assert again.metric("mean_margin").value == metric.value
    # in results.json and the report (generic section template), and in the compliance map
    result.save(tmp_path)
    saved = json.loads((tmp_path / "results.json").read_text())
    assert [s["id"] for s in saved["sections"]] == ["performance", "margin"]
    assert saved["policy"]["mean_margin"]["fail"] == 0.99
    html = (tmp_path / "report.html").read_text()
    assert 'id="section-margin"' in html and "Prediction margin" in html and "mean_margin" in html
    art15 = next(r for r in result.compliance if r["provision"] == "Art. 15")
    assert [e["section"] for e in art15["evidence"]] == ["performance", "margin"]


def test_a_users_check_gets_a_config_block_and_errors_name_its_keys(margin):
    assert load_config({"margin": {"rows": 4}}).margin.rows == 4
    assert load_config(None).margin.rows == 16
    with pytest.raises(audit.ConfigError, match=r"margin\.row"):
        load_config({"margin": {"row": 4}})
    with pytest.raises(audit.ConfigError, match="unknown check"):
        load_config({"checks": ["margn"]})
    assert "margin" in check_names() and default_thresholds()["mean_margin"].fail == 0.99


def test_unregistered_check_is_gone_everywhere(tiny):
    assert "margin" not in check_names()
    assert "mean_margin" not in Policy().thresholds
    with pytest.raises(audit.ConfigError, match="margin"):
        load_config({"margin": {"rows": 4}})
    with pytest.raises(audit.AuditInputError, match=r"checks: expected names from"):
        audit.run(tiny, checks=["margin"])


def test_registration_refuses_bad_checks():
    with pytest.raises(audit.AuditInputError, match=r"check\.name"):
        audit.Check(name="Not A Name", title="x", run=margin_run)
    with pytest.raises(audit.AuditInputError, match=r"check\.name"):
        audit.Check(name="seed", title="x", run=margin_run)
    with pytest.raises(audit.AuditInputError, match=r"check\.run"):
        audit.Check(name="x", title="x", run="not callable")
    with pytest.raises(audit.AuditInputError, match="is taken"):
        audit.register_check(get_check("fairness"))
    clash = audit.Check(
        name="clash", title="x", run=margin_run, thresholds={"test_accuracy": Threshold(fail=0.5)}
    )
    with pytest.raises(audit.AuditInputError, match="which belong to check 'performance'"):
        audit.register_check(clash)


@pytest.mark.parametrize("check", list_checks(), ids=lambda c: c.name)
def test_every_check_is_complete(check):
    provisions = {provision_label(entry) for entry in load_mapping()}
    assert set(check.evidence) <= provisions
    assert check.title and check.summary
    assert check.default_settings() == load_config(None).settings_of(check.name)
    assert set(check.thresholds) <= set(default_thresholds())


def test_each_check_gets_its_own_seed_stream():
    contexts = RunContext.for_checks(5, ["a", "b"])
    assert contexts["a"].seed == contexts["b"].seed == 5
    a, b = contexts["a"].rng().random(3), contexts["b"].rng().random(3)
    assert not np.allclose(a, b)
    assert np.array_equal(a, RunContext.for_checks(5, ["a", "b"])["a"].rng().random(3))


def test_run_seed_defaults_to_the_subjects(tiny):
    tiny_with_seed = tiny.with_model(tiny.model)
    tiny_with_seed.seed = 1
    result = audit.run(tiny_with_seed, checks=["performance"])
    assert result.manifest["seed"] == 1 and result.manifest["config"]["seed"] == 1
    result = audit.run(tiny_with_seed, checks=["performance"], config={"seed": 7})
    assert result.manifest["seed"] == 7
    assert audit.run(tiny, checks=["performance"]).manifest["seed"] == 0


def test_a_reference_subjects_seed_is_the_runs_seed():
    subject = audit.reference("credit", seed=1, training=audit.TrainingConfig(epochs=1))
    manifest = audit.run(subject, checks=["performance"]).manifest
    assert manifest["seed"] == 1 and manifest["subject_seed"] == 1
    assert manifest["config"]["seed"] == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "Bad Name"}, "check.name: expected a lower-case Python identifier, got 'Bad Name'."),
        ({"name": "policy"}, "check.name: expected a name other than ['budget_s', 'checks', 'domain', 'engine', 'mlflow', 'model_card', 'policy', 'seed', 'subject', 'training'], got 'policy'."),
        ({"title": ""}, "check.title: expected a non-empty str, got ''."),
        ({"run": 3}, "check.run: expected a callable run(subject, settings, context), got 3."),
        ({"settings": dict}, "check.settings: expected a pydantic BaseModel class, got <class 'dict'>."),
        ({"conclude": "x"}, "check.conclude: expected a callable conclude(section) or None, got 'x'."),
        ({"thresholds": {"m": 0.5}}, "check.thresholds: expected a mapping of metric name to Threshold, got {'m': 0.5}."),
        ({"evidence": "GDPR Art. 25"}, "check.evidence: expected a tuple of provision names, got 'GDPR Art. 25'."),
    ],
)
def test_a_malformed_check_names_the_field(fields, message):
    arguments = {"name": "ok", "title": "Ok", "run": margin_run, **fields}
    with pytest.raises(audit.AuditInputError) as info:
        audit.Check(**arguments)
    assert str(info.value) == message


def test_registry_lookups_name_what_came():
    with pytest.raises(audit.AuditInputError) as info:
        audit.register_check("fairness")
    assert str(info.value) == "check: expected an audit.Check, got 'fairness'."
    with pytest.raises(audit.AuditInputError) as info:
        get_check("fairnes")
    assert "(did you mean 'fairness'?), got 'fairnes'." in str(info.value)
    from audit.domains import DomainSpec, Variant
    from audit.recipe import Recipe

    with pytest.raises(audit.AuditInputError, match="variants: expected a tuple of Variant whose first is 'default'"):
        DomainSpec("x", "x", "tabular", "MLP", prepare=print, variants=(Variant("other", Recipe()),))
