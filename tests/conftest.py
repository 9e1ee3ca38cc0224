"""Shared fixtures: small, deterministic subjects and results (CPU only)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import audit
from audit.config import TrainingConfig

#: Fewer epochs than the default: the real training path, fast, and a model that
#: does not predict one class for everyone.
FAST_TRAINING = TrainingConfig(epochs=25)


@pytest.fixture(scope="session")
def credit_subject() -> audit.Subject:
    return audit.reference("credit", seed=0, training=FAST_TRAINING)


@pytest.fixture(scope="session")
def credit_result(credit_subject: audit.Subject) -> audit.AuditResult:
    return audit.run(credit_subject)


def threshold_model() -> torch.nn.Module:
    """A model predicting class 1 exactly when feature 0 is positive (logits [0, x0])."""
    model = torch.nn.Linear(1, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.0], [1.0]]))
        model.bias.zero_()
    return model


def fixed_prediction_subject(
    y_true: list[int], y_pred: list[int], groups: list[str], *, feature: str = "group"
) -> audit.Subject:
    """A Subject whose test predictions are exactly ``y_pred``."""
    X = torch.tensor([[1.0] if p == 1 else [-1.0] for p in y_pred])
    y = torch.tensor(y_true)
    sensitive = pd.DataFrame({feature: groups})
    return audit.Subject(
        threshold_model(), (X, y), (X, y), sensitive_train=sensitive, sensitive_test=sensitive
    )


@pytest.fixture
def tiny_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    return X, y


@pytest.fixture(scope="session", autouse=True)
def _train_each_reference_once():
    """Train each reference model once per test session, keyed by its arguments.

    The suite asks for the same domains in many modules; training them again would
    only cost time. Calls that watch training (``on_epoch``) or train with DP bypass
    the cache, so the determinism tests still train twice.
    """
    import audit.domains
    from audit.domains import _registry

    original = _registry.reference
    cache: dict[tuple, audit.Subject] = {}

    def reference(domain, *, seed=0, variant="default", training=None, on_epoch=None, privacy=None):
        if (
            on_epoch is not None
            or privacy is not None
            or not hasattr(training or audit.TrainingConfig(), "model_dump_json")
        ):
            return original(
                domain,
                seed=seed,
                variant=variant,
                training=training,
                on_epoch=on_epoch,
                privacy=privacy,
            )
        key = (domain, seed, variant, None if training is None else training.model_dump_json())
        if key not in cache:
            cache[key] = original(domain, seed=seed, variant=variant, training=training)
        return cache[key]

    patched = [(audit, "reference"), (audit.domains, "reference"), (_registry, "reference")]
    saved = [(module, name, getattr(module, name)) for module, name in patched]
    for module, name in patched:
        setattr(module, name, reference)
    yield
    for module, name, value in saved:
        setattr(module, name, value)
