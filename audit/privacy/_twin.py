"""The cost of privacy of a DP model: its non-private twin and its privacy–utility curve.

Both are trained by a trainer made by :func:`audit.privacy.make_trainer` (which takes
``private=``): the twin with the DP model's recipe and seed but without DP-SGD, each point
of the curve with DP-SGD at another ε.
"""

from __future__ import annotations

import inspect
import time
from typing import Any

import numpy as np
import torch

from audit.privacy._shadows import Progress, train_models
from audit.results import Table
from audit.settings import EngineSettings, PrivacySettings

__all__ = [
    "accepts_private",
    "cost_of_privacy",
    "cost_table",
    "fairness_here",
    "twin_comparison",
]


def accepts_private(trainer: Any) -> bool:
    """Whether ``trainer`` takes the ``private=`` keyword of :func:`make_trainer`'s trainers.

    Examples
    --------
    >>> accepts_private(lambda X, y, seed, *, private=None: None)
    True
    >>> accepts_private(lambda X, y, seed: None)
    False
    """
    if not callable(trainer):
        return False
    try:
        parameters = inspect.signature(trainer).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(
        p.kind is p.VAR_KEYWORD
        or (p.name == "private" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD))
        for p in parameters
    )


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


def fairness_here(subject) -> dict[str, float]:
    """This model's test disparities by sensitive feature (categorical columns only)."""
    import pandas as pd

    from audit.fairness import confusion_counts, disparities, rates_from_counts

    if subject.sensitive_test is None or subject.n_classes != 2:
        return {}
    y_true = subject.y_test.numpy()
    y_pred = subject.predict_proba("test").argmax(axis=1)
    values: dict[str, float] = {}
    for column in subject.sensitive_test.columns:
        codes, groups = pd.factorize(subject.sensitive_test[column].astype(str))
        if len(groups) > 10:
            continue
        rates = rates_from_counts(confusion_counts(y_true, y_pred, codes, len(groups)))
        for name, value in disparities(rates).items():
            values[f"{name}[{column}]"] = float(value)
    return values


def twin_comparison(dp_subject, twin_model) -> dict[str, Any]:
    """The non-private twin's test accuracy, fairness and importance agreement with the DP model.

    Returns ``test_accuracy``, ``fairness`` (disparities by sensitive feature),
    ``importance_spearman`` (rank correlation of the two models' saliency importances,
    None where it is undefined) and ``recipe`` (the DP model's, trained without DP-SGD).
    """
    from scipy.stats import spearmanr

    twin = dp_subject.with_model(twin_model, name=f"{dp_subject.name} (non-private twin)")
    a, b = _importance(dp_subject), _importance(twin)
    stability = (
        float(spearmanr(a, b).statistic) if a.size > 2 and a.std() > 0 and b.std() > 0 else None
    )
    training = dp_subject.training
    return {
        "test_accuracy": _accuracy(twin),
        "fairness": fairness_here(twin),
        "importance_spearman": stability,
        "recipe": None if training is None else training.recipe,
    }


def _private_settings(training) -> PrivacySettings:
    """The settings the DP model was trained with, else what its DP record says."""
    if isinstance(training.private_settings, PrivacySettings):
        return training.private_settings
    record = training.privacy
    return PrivacySettings(
        dp=True,
        epsilon=record.get("target_epsilon") or record["epsilon"],
        delta=record.get("delta"),
        max_grad_norm=record.get("max_grad_norm") or 1.0,
        accountant=record.get("accountant") or "prv",
        grad_sample_mode=record.get("grad_sample_mode"),
    )


def _is_own(epsilon: float, own: float | None) -> bool:
    """Whether the curve's point at ``epsilon`` is the DP model itself (no training)."""
    return own is not None and abs(float(epsilon) - float(own)) < 1e-9


def cost_of_privacy(
    subject,
    settings: PrivacySettings,
    seed: int,
    stages: dict[str, float],
    *,
    progress: Progress | None = None,
    engine: str | EngineSettings | None = "serial",
) -> tuple[dict[str, Any], list[tuple[float | None, float]] | None]:
    """Train a DP subject's non-private twin and, when asked, its privacy–utility curve.

    Both are trained on the subject's training rows by ``subject.training.trainer``
    (which must accept ``private=``) with the subject's seed, or ``seed`` when it has
    none, as independent tasks on ``engine`` (serial, or Ray:
    :func:`~audit.privacy._shadows.train_models`; the same models either way).
    ``stages`` receives the seconds of each training (``privacy_twin``,
    ``utility_curve[epsilon=...]``). ``progress``, when given, is called before each
    training: ``("non-private twin", 1, 1)``, then ``("utility curve", i, n)`` for the
    ``n`` points of the curve that train a model (not the twin's, nor the DP model's own ε).

    Returns
    -------
    tuple
        The twin comparison (:func:`twin_comparison`) and the curve, ``(ε, test
        accuracy)`` per ``settings.utility_epsilons`` (``None``: the twin), or ``None``
        when ``settings.utility_curve`` is off.

    Examples
    --------
    >>> import audit
    >>> from audit.config import PrivacySettings, TrainingConfig
    >>> subject = audit.reference("credit", training=TrainingConfig(epochs=2),
    ...                           privacy=PrivacySettings(epsilon=3.0))  # doctest: +SKIP
    >>> steps = []
    >>> twin, curve = cost_of_privacy(subject, PrivacySettings(utility_epsilons=[1.0, None]), 0,
    ...                               {}, progress=lambda *s: steps.append(s))  # doctest: +SKIP
    >>> steps  # doctest: +SKIP
    [('non-private twin', 1, 1), ('utility curve', 1, 1)]
    """
    training = subject.training
    seed = subject.seed if subject.seed is not None else seed
    base = _private_settings(training)
    own = training.privacy.get("target_epsilon") or training.privacy.get("epsilon")
    epsilons = settings.utility_epsilons if settings.utility_curve else []
    trained = [float(e) for e in epsilons if e is not None and not _is_own(e, own)]
    jobs = [(seed, None)] + [
        (seed, base.model_copy(update={"epsilon": e, "noise_multiplier": None})) for e in trained
    ]

    def on_start(j: int) -> None:
        if progress is not None and j == 0:
            progress("non-private twin", 1, 1)
        elif progress is not None:
            progress("utility curve", j, len(trained))

    X, y = subject.X_train, subject.y_train
    models = train_models(training.trainer, X, y, jobs, engine=engine, on_start=on_start)
    start = time.perf_counter()
    twin = twin_comparison(subject, models[0][0])
    stages["privacy_twin"] = round(models[0][1] + time.perf_counter() - start, 4)
    if not settings.utility_curve:
        return twin, None
    points = dict(zip(trained, models[1:], strict=True))
    curve: list[tuple[float | None, float]] = []
    for epsilon in settings.utility_epsilons:
        if epsilon is None:
            curve.append((None, twin["test_accuracy"]))
        elif _is_own(epsilon, own):
            curve.append((float(epsilon), _accuracy(subject)))
        else:
            model, seconds = points[float(epsilon)]
            stages[f"utility_curve[epsilon={float(epsilon):g}]"] = seconds
            curve.append((float(epsilon), _accuracy(subject.with_model(model))))
    return twin, curve


def cost_table(subject, twin: dict[str, Any]) -> Table:
    """The table of the cost of privacy: the twin's measures beside the DP model's."""
    proba = subject.predict_proba("test")
    accuracy = float((proba.argmax(axis=1) == subject.y_test.numpy()).mean())
    here = fairness_here(subject)
    rows: list[list[Any]] = []
    pairs = [("test_accuracy", twin.get("test_accuracy"), accuracy)]
    pairs += [(k, v, here.get(k)) for k, v in (twin.get("fairness") or {}).items()]
    for name, before, after in pairs:
        change = None if before is None or after is None else after - before
        rows.append([name, before, after, change])
    if twin.get("importance_spearman") is not None:
        rows.append(
            ["feature-importance rank correlation", None, None, twin["importance_spearman"]]
        )
    return Table(
        id="cost_of_privacy",
        title="Cost of privacy: the non-private twin and this model",
        columns=["measure", "non-private twin", "this model (DP)", "change"],
        rows=rows,
        caption="Same data, seed, model and recipe; only DP-SGD differs (with the module swaps "
        "it needs, listed above). The rank correlation "
        "(Spearman) compares the two models' feature importances.",
    )
