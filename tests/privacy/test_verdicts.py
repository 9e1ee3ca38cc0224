"""Shadow models trained as the target was, and the privacy section's verdict in words."""

from __future__ import annotations

from dataclasses import replace

import pytest

import audit
import audit.training
from audit.checks._privacy import CHECK, conclude
from audit.config import TrainingConfig
from audit.policy import Policy
from audit.results import Metric, Section
from audit.training import make_trainer


@pytest.fixture(scope="module")
def early_stopped() -> audit.Subject:
    """Credit, stopped early: patience 2 within at most 40 epochs."""
    return audit.reference("credit", seed=0, training=TrainingConfig(epochs=40, patience=2))


def test_shadows_train_the_epochs_of_the_weights_the_early_stopped_target_kept(
    early_stopped, monkeypatch
):
    history = early_stopped.training.history
    assert history.stopped_early and history.best_epoch < len(history.records) < 40
    trainer = early_stopped.training.trainer
    assert trainer.recipe.epochs == history.best_epoch and trainer.recipe.patience is None
    assert early_stopped.training.recipe.epochs == 40  # the record keeps the target's recipe
    used = []
    real_fit = audit.training.fit

    def spy(model, train, val=None, **kwargs):
        result = real_fit(model, train, val, **kwargs)
        used.append((kwargs["recipe"], len(result.history.records)))
        return result

    monkeypatch.setattr(audit.training, "fit", spy)
    trainer(early_stopped.X_train[:64], early_stopped.y_train[:64], 5)
    ((recipe, epochs),) = used
    assert epochs == recipe.epochs == history.best_epoch
    assert recipe.batch_size == early_stopped.training.recipe.batch_size


def test_the_section_says_how_the_shadows_were_trained(early_stopped):
    config = {"privacy": {"shadow_models": 2}}
    section = audit.run(early_stopped, checks=["privacy"], config=config).section("privacy")
    best = early_stopped.training.history.best_epoch
    lira = next(n for n in section.notes if n.startswith("Offline LiRA"))
    assert f"{best} epochs each without early stopping" in lira and "Carlini" in lira
    auc = section.metric("mia_auc[lira_offline]")
    assert auc.ci[0] <= auc.value <= auc.ci[1] and auc.events == auc.n == 300
    tpr = section.metric("mia_tpr_at_01pct_fpr[loss_threshold]")
    assert tpr.value is None and "not estimable at this size (needs ≥ 10000" in tpr.note
    bound = section.metric("empirical_epsilon_lower_bound[loss_threshold]")
    assert "98.75% each" in bound.description and "one-sided Clopper–Pearson" in bound.description


def test_shadows_trained_longer_than_the_target_kept_get_a_warning_note(early_stopped):
    training = early_stopped.training
    subject = early_stopped.with_model(early_stopped.model)
    full = make_trainer(training.model_factory, replace(training.recipe, patience=None))
    subject.training = replace(training, trainer=full)
    config = {"privacy": {"shadow_models": 2}}
    section = audit.run(subject, checks=["privacy"], config=config).section("privacy")
    lira = next(n for n in section.notes if n.startswith("Offline LiRA"))
    assert "40 epochs each without early stopping" in lira
    assert f"the target kept the weights of epoch {training.history.best_epoch}" in lira
    assert "understate" in lira


def _judged(*metrics: Metric) -> Section:
    section = Section(id="privacy", title="Privacy", summary="Not trained with DP.")
    section.metrics = list(metrics)
    Policy(dict(CHECK.thresholds)).apply(section)
    conclude(section)
    return section


def test_summary_names_the_metrics_that_set_a_fail_first_in_words():
    section = _judged(
        Metric("mia_auc", 0.65, scope="loss_threshold", ci=[0.6, 0.7], events=300, n=300),
        Metric("mia_auc", 0.80, scope="lira_offline", ci=[0.75, 0.85], events=300, n=300),
        Metric("empirical_epsilon_lower_bound", 0.0, scope="lira_offline"),
    )
    assert section.verdict == "fail"
    assert section.summary.startswith("FAIL set by mia_auc[lira_offline] = 0.800")
    assert (
        "In words: FAIL because of the offline LiRA attack's AUC 0.800, whose interval lies "
        "wholly beyond the fail limit 0.7." in section.summary
    )
    assert section.summary.endswith("Not trained with DP.")
    assert "loss-threshold" not in section.summary.split("Not trained")[0]


def test_summary_of_a_pass_names_every_judged_metric_and_skips_the_unjudged():
    section = _judged(
        Metric("mia_auc", 0.52, scope="loss_threshold", ci=[0.47, 0.57], events=300, n=300),
        Metric("mia_tpr_at_1pct_fpr", None, scope="loss_threshold", events=3),
        Metric("empirical_epsilon_lower_bound", 0.1, scope="loss_threshold"),
    )
    assert section.verdict == "pass"
    words = section.summary[section.summary.index("In words") :]
    assert words.startswith("In words: PASS, as every judged figure is within its limit: ")
    assert "the loss-threshold attack's AUC 0.520, whose interval lies within 0.6" in words
    assert "empirical ε lower bound 0.100, which lies within 0.5" in words
    assert "1% false positives" not in words


def test_summary_of_an_inconclusive_warn_gives_the_policys_reason():
    section = _judged(
        Metric("mia_auc", 0.58, scope="lira_offline", ci=[0.52, 0.64], events=300, n=300),
    )
    assert section.verdict == "warn"
    assert (
        "In words: WARN because of the offline LiRA attack's AUC 0.580: inconclusive: the "
        "interval 0.520–0.640 straddles the limit 0.6; about" in section.summary
    )
