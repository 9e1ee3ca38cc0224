"""Credit and medical domains with their controls, and the opt-in online loaders."""

import sys
import types
import urllib.error

import pytest
from typer.testing import CliRunner

import audit
from audit.datasets._online import DatasetUnavailableError, adult, huggingface_text

FAST = {"fairness": {"intervals": False, "mitigation": False}}


def _overfitting(subject):
    section = audit.run(subject, checks=["performance"]).section("performance")
    return section, section.notes[0]


@pytest.fixture(scope="module")
def credit_default():
    return audit.reference("credit", seed=0)


def test_generalization_passes_on_default_and_fails_on_overfit(credit_default):
    section, note = _overfitting(credit_default)
    # a gap of 0.03 on 300 test rows: its interval reaches past 0.05, so not a PASS yet
    gap = section.metric("accuracy_gap")
    assert gap.value < 0.05 and gap.ci[0] < 0 < 0.05 < gap.ci[1]
    assert gap.verdict == "warn" and gap.note.startswith("inconclusive")
    assert note.startswith("Overfitting verdict: WARN")
    section, note = _overfitting(audit.reference("credit", seed=0, variant="overfit"))
    assert section.metric("train_accuracy").value == 1.0
    assert (
        section.metric("accuracy_gap").value > 0.2
        and section.metric("accuracy_gap").verdict == "fail"
    )
    assert note.startswith("Overfitting verdict: FAIL")


def test_biased_credit_control_leans_on_sex(credit_default):
    default = audit.run(credit_default, checks=["fairness"], config=FAST).section("fairness")
    biased_subject = audit.reference("credit", seed=0, variant="biased")
    biased = audit.run(biased_subject, checks=["fairness"], config=FAST).section("fairness")
    key = "demographic_parity_ratio[sex]"
    assert default.metric(key).value > 0.7
    assert biased.metric(key).value < 0.3 and biased.metric(key).verdict == "fail"
    assert biased_subject.name == "credit (biased)"


def test_medical_domain_learns_and_has_no_sensitive_attribute():
    subject = audit.reference("medical", seed=0)
    result = audit.run(subject, config=FAST)
    assert result.section("performance").metric("test_accuracy").value >= 0.93
    fairness = result.section("fairness")
    assert fairness.verdict == "info" and "No sensitive features" in fairness.summary
    assert subject.class_names == ["malignant", "benign"] and subject.n_features == 30
    _, note = _overfitting(audit.reference("medical", seed=0, variant="overfit"))
    assert note.startswith("Overfitting verdict: FAIL")


def test_unknown_variant_is_named():
    with pytest.raises(
        audit.AuditInputError,
        match=r"variant: expected one of \['default', 'overfit'\] for domain 'medical'",
    ):
        audit.reference("medical", variant="biased")


def _offline(*args, **kwargs):
    raise urllib.error.URLError("[Errno -2] Name or service not known")


def test_adult_offline_fails_with_one_clear_message(monkeypatch):
    import fairlearn.datasets

    monkeypatch.setattr(fairlearn.datasets, "fetch_adult", _offline)
    with pytest.raises(DatasetUnavailableError) as info:
        adult()
    message = str(info.value)
    assert message.startswith("adult: expected the UCI Adult data from OpenML")
    assert "URLError" in message and "'credit'" in message


def test_adult_domain_offline_exits_2(monkeypatch, tmp_path):
    import fairlearn.datasets

    from audit.cli import app

    monkeypatch.setattr(fairlearn.datasets, "fetch_adult", _offline)
    result = CliRunner().invoke(app, ["run", "adult", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: adult: expected the UCI Adult data")
    assert len(result.output.strip().splitlines()) == 1


def test_huggingface_loader_without_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, "datasets", None)
    with pytest.raises(DatasetUnavailableError, match=r"pip install 'rai-audit\[online\]'"):
        huggingface_text("imdb")


def test_huggingface_loader_offline(monkeypatch):
    fake = types.ModuleType("datasets")

    def load_dataset(name, split):
        raise ConnectionError("Couldn't reach 'imdb' on the Hub (LocalEntryNotFoundError)")

    fake.load_dataset = load_dataset
    monkeypatch.setitem(sys.modules, "datasets", fake)
    with pytest.raises(DatasetUnavailableError) as info:
        huggingface_text("imdb")
    assert str(info.value).startswith("imdb: expected to download the Hugging Face data set 'imdb'")


def test_online_extra_exists():
    from pathlib import Path

    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())[
        "project"
    ]
    assert any(d.startswith("datasets") for d in project["optional-dependencies"]["online"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": -1}, "seed: expected a non-negative int, got -1."),
        ({"training": {"epochs": 3}}, "training: expected an audit.config.TrainingConfig or None"),
        ({"privacy": {"dp": True}}, "privacy: expected an audit.config.PrivacySettings or None"),
    ],
)
def test_reference_arguments_are_named(kwargs, message):
    with pytest.raises(audit.AuditInputError) as info:
        audit.reference("credit", **kwargs)
    assert str(info.value).startswith(message)
