"""The cost of privacy: a non-private twin and a privacy–utility curve for a DP subject."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

__all__ = ["compare_with_twin"]


def _accuracy(subject) -> float:
    return float((subject.predict_proba("test").argmax(axis=1) == subject.y_test.numpy()).mean())


def _importance(subject, rows: int = 128) -> np.ndarray:
    """Saliency global importance (mean |gradient| per input element) on the first test rows."""
    from captum.attr import Saliency

    model = subject.model.eval()
    X = subject.X_test[:rows]
    if not X.is_floating_point():  # token ids: no input gradient
        return np.array([])
    with torch.no_grad():
        target = model(X).argmax(1)  # the predicted class of these rows only
    X = X.detach().clone().requires_grad_(True)  # captum would warn and set it itself
    attr = Saliency(model).attribute(X, target=target, abs=True).detach().numpy()
    return np.abs(attr.reshape(len(X), -1)).mean(0)


def compare_with_twin(dp_subject, build, privacy) -> None:
    """Attach ``privacy_twin`` and ``utility_curve`` to a DP-trained subject's metadata.

    Parameters
    ----------
    dp_subject : Subject
        Trained with DP-SGD (its metadata holds the privacy record).
    build : callable
        ``build(privacy_settings_or_None) -> Subject``: the same domain, seed and recipe,
        trained privately with those settings, or without privacy for ``None``.
    privacy : PrivacySettings
        Its ``utility_epsilons`` (``None`` meaning no privacy) give the curve's points
        when ``utility_curve`` is on.
    """
    from scipy.stats import spearmanr

    from audit.privacy._section import _fairness_here

    twin = build(None)
    a, b = _importance(dp_subject), _importance(twin)
    stability = (
        float(spearmanr(a, b).statistic) if a.size > 2 and a.std() > 0 and b.std() > 0 else None
    )
    twin_accuracy = _accuracy(twin)
    dp_subject.metadata["privacy_twin"] = {
        "test_accuracy": twin_accuracy,
        "fairness": _fairness_here(twin),
        "importance_spearman": stability,
        "recipe": twin.metadata.get("recipe"),  # the DP model's recipe, without DP-SGD
    }
    if not privacy.utility_curve:
        return
    own = dp_subject.metadata["privacy"].get("target_epsilon") or dp_subject.metadata[
        "privacy"
    ].get("epsilon")
    curve: list[tuple[Any, float]] = []
    for epsilon in privacy.utility_epsilons:
        if epsilon is None:
            curve.append((None, twin_accuracy))
        elif own is not None and abs(float(epsilon) - float(own)) < 1e-9:
            curve.append((float(epsilon), _accuracy(dp_subject)))
        else:
            point = build(
                privacy.model_copy(update={"epsilon": float(epsilon), "noise_multiplier": None})
            )
            curve.append((float(epsilon), _accuracy(point)))
    dp_subject.metadata["utility_curve"] = curve
