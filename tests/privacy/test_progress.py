"""Progress of the long stages: one event per step, with its count, in order.

The privacy section reports each shadow model, the non-private twin and each point of
the privacy–utility curve; the explainability section each attribution method and the
trust tests. Events are ``(stage, step, total)``, shown by a front end as "shadow 2/4".
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import audit
from audit.config import ExplainSettings, PrivacySettings
from audit.hints import TrainingRecord
from audit.models import MLP
from audit.privacy import fit_private, make_trainer
from audit.privacy._section import run as privacy_section
from audit.privacy._shadows import shadow_scores
from audit.training import Recipe, fit

RECIPE = Recipe(epochs=2, batch_size=32, lr=1e-2)


def _lines(events: list[tuple[str, int, int]]) -> list[str]:
    return [f"{stage} {step}/{total}" for stage, step, total in events]


def _data(seed: int = 0) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(160, 4, generator=g)
    y = (X[:, 0] + 0.5 * torch.randn(160, generator=g) > 0).long()
    return X[:100], y[:100], X[100:], y[100:]


def _factory() -> torch.nn.Module:
    return MLP(4, 2, hidden=(8,), dropout=0.0)


@pytest.fixture(scope="module")
def small() -> audit.Subject:
    """A tiny MLP on 100 training rows, with a trainer for shadow models."""
    X, y, X_test, y_test = _data()
    torch.manual_seed(0)
    model = fit(_factory(), (X, y), recipe=RECIPE, seed=0).model
    return audit.Subject(
        model,
        (X, y),
        (X_test, y_test),
        name="small",
        training=TrainingRecord(trainer=make_trainer(_factory, RECIPE), recipe=RECIPE),
    )


def test_shadow_models_report_each_step_in_order(small):
    events: list[tuple[str, int, int]] = []
    settings = PrivacySettings(shadow_models=2, utility_curve=False)
    section = privacy_section(small, settings, seed=0, progress=lambda *e: events.append(e))
    assert _lines(events) == ["shadow 1/2", "shadow 2/2"]
    # progress changes nothing in the result, and none of it lands in the section
    again = privacy_section(small, settings, seed=0)
    assert [(m.key, m.value) for m in section.metrics] == [(m.key, m.value) for m in again.metrics]
    assert "mia_auc[lira_offline]" in {m.key for m in section.metrics}
    assert not any("shadow 1/2" in note for note in section.notes)


def test_shadow_scores_count_every_shadow_and_give_the_same_scores():
    X, y, _, _ = _data(1)
    trainer = make_trainer(_factory, RECIPE)
    events: list[tuple[str, int, int]] = []
    in_mask, scores = shadow_scores(
        trainer, X, y, k=3, seed=2, progress=lambda *e: events.append(e)
    )
    assert events == [("shadow", 1, 3), ("shadow", 2, 3), ("shadow", 3, 3)]
    in_mask_again, scores_again = shadow_scores(trainer, X, y, k=3, seed=2)
    assert np.array_equal(in_mask, in_mask_again) and np.array_equal(scores, scores_again)


def test_the_twin_and_each_trained_point_of_the_utility_curve_report_progress():
    X, y, X_test, y_test = _data(2)
    private = PrivacySettings(epsilon=3.0, accountant="rdp")
    fitted = fit_private(_factory(), (X, y), recipe=RECIPE, seed=0, settings=private)
    subject = audit.Subject(
        fitted.model,
        (X, y),
        (X_test, y_test),
        name="small (DP)",
        seed=0,
        training=TrainingRecord(
            trainer=make_trainer(_factory, RECIPE),
            recipe=RECIPE,
            privacy=fitted.record,
            private_settings=private,
        ),
    )
    events: list[tuple[str, int, int]] = []
    # 3.0 is the model's own ε and None the twin: neither trains a model of its own
    settings = PrivacySettings(shadow_models=0, utility_epsilons=[1.0, 3.0, 8.0, None])
    section = privacy_section(subject, settings, seed=0, progress=lambda *e: events.append(e))
    assert _lines(events) == ["non-private twin 1/1", "utility curve 1/2", "utility curve 2/2"]
    assert [row[0] for row in section.table("utility_curve").rows] == [1.0, 3.0, 8.0, "∞ (no DP)"]


def test_explanation_methods_report_each_method_then_the_trust_tests(small):
    from audit.explain import explainability_section

    events: list[tuple[str, int, int]] = []
    settings = ExplainSettings(n_samples=8, trust_samples=4, methods=["saliency", "deeplift"])
    section = explainability_section(small, settings, seed=0, progress=lambda *e: events.append(e))
    assert _lines(events) == [
        "attributions: Saliency 1/2",
        "attributions: DeepLift 2/2",
        "trust evidence 1/1",
    ]
    assert section.table("global_importance").columns[2:] == ["saliency", "deeplift"]
