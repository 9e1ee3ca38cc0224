import numpy as np
import pytest
import torch
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score, roc_auc_score

import audit
from audit.checks import _performance as performance
from audit.history import EpochRecord, TrainingHistory
from audit.performance._section import _val_loss_rise, scores

METRIC_NAMES = {
    "train_accuracy",
    "test_accuracy",
    "accuracy_gap",
    "test_roc_auc",
    "test_f1",
    "ece",
    "train_balanced_accuracy",
    "test_balanced_accuracy",
    "train_roc_auc",
    "train_f1",
    "val_loss_rise",
}


def test_credit_section_has_the_named_metrics_and_figures(credit_subject):
    section = performance.run(credit_subject)
    assert {m.key for m in section.metrics} == METRIC_NAMES
    assert {f.id for f in section.figures} == {"learning_curve", "reliability"}
    assert all(f.alt and f.data.startswith("<svg") for f in section.figures)
    assert {t.id for t in section.tables} == {"scores", "calibration_bins", "history"}


def test_scores_equal_sklearn_on_the_same_predictions(credit_subject):
    section = performance.run(credit_subject)
    proba = credit_subject.predict_proba("test")
    y = credit_subject.y_test.numpy()
    pred = proba.argmax(axis=1)
    assert section.metric("test_accuracy").value == pytest.approx(accuracy_score(y, pred))
    assert section.metric("test_balanced_accuracy").value == pytest.approx(
        balanced_accuracy_score(y, pred)
    )
    assert section.metric("test_roc_auc").value == pytest.approx(roc_auc_score(y, proba[:, 1]))
    assert section.metric("test_f1").value == pytest.approx(f1_score(y, pred))
    gap = section.metric("train_accuracy").value - section.metric("test_accuracy").value
    assert section.metric("accuracy_gap").value == pytest.approx(gap)


def test_multiclass_scores_use_macro_averages():
    y = np.array([0, 1, 2, 2])
    proba = np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.2, 0.7], [0.6, 0.2, 0.2]])
    values = scores(y, proba)
    assert values["accuracy"] == 0.75
    assert values["f1"] == pytest.approx(f1_score(y, proba.argmax(1), average="macro"))
    assert values["roc_auc"] == pytest.approx(roc_auc_score(y, proba, multi_class="ovr"))


def test_roc_auc_is_none_when_a_class_is_missing():
    values = scores(np.array([1, 1]), np.array([[0.2, 0.8], [0.6, 0.4]]))
    assert values["roc_auc"] is None and values["accuracy"] == 0.5


def _history(val_losses, best_epoch):
    records = [EpochRecord(i + 1, 0.5, 0.8, v, 0.7) for i, v in enumerate(val_losses)]
    return TrainingHistory(records=records, best_epoch=best_epoch)


def test_val_loss_rise_measures_the_kept_epoch_against_the_minimum():
    assert _val_loss_rise(
        _history([0.6, 0.5, 0.55, 0.75], best_epoch=4)
    ) == pytest.approx(0.5)
    assert _val_loss_rise(_history([0.6, 0.5, 0.55, 0.75], best_epoch=2)) == 0.0


def test_overfitting_verdict_fails_on_a_memorising_model():
    # train labels are noise the model memorised; test labels it cannot know
    g = torch.Generator().manual_seed(0)
    X_train, X_test = torch.randn(64, 8, generator=g), torch.randn(64, 8, generator=g)
    y_train = torch.randint(0, 2, (64,), generator=g)
    y_test = torch.randint(0, 2, (64,), generator=g)
    from audit.training import Recipe, fit

    torch.manual_seed(0)
    model = audit.models.MLP(8, 2, hidden=(128, 128), dropout=0.0)
    result = fit(
        model, (X_train, y_train), (X_test, y_test), recipe=Recipe(epochs=150, lr=1e-2), seed=0
    )
    subject = audit.Subject(
        result.model, (X_train, y_train), (X_test, y_test), history=result.history
    )
    section = audit.run(subject, checks=["performance"]).section("performance")
    assert section.metric("train_accuracy").value == 1.0
    assert section.metric("accuracy_gap").verdict == "fail"
    assert section.metric("val_loss_rise").verdict == "fail"
    assert section.notes[0].startswith("Overfitting verdict: FAIL")
    assert section.table("overfitting").rows[-1] == ["overall", None, "fail"]
    assert section.verdict == "fail"


def test_without_history_there_is_no_learning_curve(tiny_data):
    X, y = tiny_data
    subject = audit.Subject(torch.nn.Linear(3, 2), (X, y), (X, y))
    section = performance.run(subject)
    assert "val_loss_rise" not in {m.key for m in section.metrics}
    assert [f.id for f in section.figures] == ["reliability"]
    assert any("No training history" in n for n in section.notes)


def test_intervals_are_simultaneous_and_seeded(credit_subject):
    from statsmodels.stats.proportion import proportion_confint

    from audit.checks import RunContext
    from audit.config import PerformanceSettings

    settings = PerformanceSettings(n_bootstrap=200)
    context = RunContext.for_checks(3, ["performance"])["performance"]
    section = performance.run(credit_subject, settings, context)
    judged = [m for m in section.metrics if m.ci is not None]
    assert {m.name for m in judged} == {
        "test_accuracy", "test_balanced_accuracy", "test_roc_auc", "test_f1", "accuracy_gap", "ece"
    }
    accuracy = section.metric("test_accuracy")
    n = len(credit_subject.y_test)
    right = round(accuracy.value * n)
    wilson = proportion_confint(right, n, alpha=0.05 / 6, method="wilson")
    assert accuracy.ci == pytest.approx(list(wilson)) and accuracy.n == n
    for metric in judged:
        assert metric.ci[0] <= metric.value <= metric.ci[1], metric.key
    again = performance.run(credit_subject, settings, context)
    assert [m.ci for m in again.metrics] == [m.ci for m in section.metrics]
    other = performance.run(credit_subject, settings, RunContext.for_checks(4, ["p"])["p"])
    assert other.metric("test_roc_auc").ci != section.metric("test_roc_auc").ci


def test_bootstrap_auc_of_the_sample_itself_is_sklearns():
    from audit.performance._intervals import _auc

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    score = np.round(rng.random(200), 2)  # ties included
    weights = np.vstack([np.ones(200, dtype=int), rng.multinomial(200, np.ones(200) / 200)])
    auc = _auc(score, y == 1, weights)
    assert auc[0] == pytest.approx(roc_auc_score(y, score))
    rows = np.repeat(np.arange(200), weights[1])
    assert auc[1] == pytest.approx(roc_auc_score(y[rows], score[rows]))
