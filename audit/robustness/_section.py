"""The robustness section: corruptions, attacks, per-group flips and counterfactual probes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from audit.errors import bad_input
from audit.results import Metric, Section, Table
from audit.robustness._attacks import attack_label
from audit.robustness._corruptions import corruptions_for
from audit.robustness._figures import attack_curve, corruption_curve
from audit.robustness._measure import Measured, measure, predictor, scales_of
from audit.robustness._section_groups import group_robustness
from audit.robustness._settings import RobustnessSettings
from audit.robustness._stats import exact_interval, ratio_interval

if TYPE_CHECKING:
    from audit.subject import Subject

__all__ = ["robustness_section"]


def robustness_section(
    subject: Subject,
    settings: RobustnessSettings | None = None,
    *,
    rng: np.random.Generator | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> Section:
    """Measure how the model holds under corruptions, attacks and counterfactual edits.

    Parameters
    ----------
    subject : Subject
    settings : RobustnessSettings, optional
    rng : numpy.random.Generator, optional
        The check's stream (default: seed 0): the rows, corruptions and bootstrap draw from it.
    progress : callable, optional
        ``progress(stage, step, total)``.

    Returns
    -------
    Section
        Judged: ``corruption_accuracy_ratio``, ``robust_accuracy_ratio``,
        ``flip_rate_gap[feature]``, ``adversarial_flip_rate_gap[feature]``,
        ``counterfactual_flip_rate[feature]``.

    Examples
    --------
    >>> import audit, torch
    >>> X, y = torch.randn(64, 3), torch.randint(0, 2, (64,))
    >>> subject = audit.Subject(torch.nn.Linear(3, 2), (X, y), (X, y))
    >>> section = robustness_section(subject, RobustnessSettings(rows=32, severities=[3]))
    >>> section.metric("corruption_accuracy_ratio").n
    32
    """
    settings = settings if settings is not None else RobustnessSettings()
    rng = rng if rng is not None else np.random.default_rng(0)
    n_test = len(subject.y_test)
    rows = (
        np.sort(rng.choice(n_test, settings.rows, replace=False))
        if n_test > settings.rows
        else np.arange(n_test)
    )
    available = corruptions_for(subject.modality, scales_of(subject, subject.X_test[rows]))
    names = available if settings.corruptions is None else list(settings.corruptions)
    unknown = sorted(set(names) - set(available))
    if unknown:
        raise bad_input("robustness.corruptions", f"names from {available}", repr(unknown))
    attacks = list(settings.attacks)
    was_training = subject.model.training
    subject.model.eval()
    try:
        m = measure(
            subject,
            rows,
            corruptions=names,
            severities=sorted(settings.severities),
            attacks=attacks,
            epsilons=sorted(settings.epsilons),
            pgd_steps=settings.pgd_steps,
            seed=int(rng.integers(2**31)),
            search_radius=settings.search_radius if settings.min_perturbation else None,
            progress=progress,
        )
        section = Section(id="robustness", title="Robustness")
        _corruptions(section, m, names, settings, rng)
        _attacks(section, subject, m, settings, rng)
        group_robustness(section, subject, m, names, settings, rng)
        if settings.counterfactual:
            _counterfactuals(section, subject, rows, settings)
    finally:
        subject.model.train(was_training)
    return section


def _corruptions(section, m: Measured, names, settings, rng) -> None:
    right = m.clean == m.y
    clean = float(right.mean())
    section.metrics.append(
        Metric(
            "clean_accuracy",
            clean,
            description="accuracy on the audited rows, unperturbed",
            n=len(m.y),
        )
    )
    severities = sorted(settings.severities)
    acc = {k: float((p == m.y).mean()) for k, p in m.corrupted.items()}
    rows = [
        [n, s, acc[(n, s)], float((m.corrupted[(n, s)] != m.clean).mean())]
        for n in names
        for s in severities
    ]
    section.tables.append(
        Table(
            "corruptions",
            "Accuracy and prediction flips under corruptions",
            ["corruption", "severity", "accuracy", "flip rate"],
            rows,
            caption="Flip rate: share of rows whose predicted class changes.",
        )
    )
    judged = np.stack([m.corrupted[(n, settings.judged_severity)] == m.y for n in names])
    value, ci = ratio_interval(
        judged, right, rng=rng, resamples=settings.resamples, alpha=settings.alpha
    )
    section.metrics.append(
        Metric(
            "corruption_accuracy_ratio",
            value,
            ci=ci,
            n=len(m.y),
            events=len(m.y),
            description=f"mean accuracy over {len(names)} corruptions at severity "
            f"{settings.judged_severity}, over clean accuracy (bootstrap interval over rows)",
        )
    )
    worst = min(names, key=lambda n: acc[(n, settings.judged_severity)])
    mean_all = float(np.mean(list(acc.values())))
    section.metrics.append(
        Metric(
            "mean_corruption_accuracy",
            mean_all,
            description="mean accuracy over every corruption and severity",
        )
    )
    section.metrics.append(
        Metric(
            "mean_corruption_error_rise",
            clean - mean_all,
            description="mean error under corruption minus clean error, over every corruption "
            "and severity (ImageNet-C's relative mCE without a baseline model to normalise by)",
        )
    )
    section.summary = (
        f"Worst corruption at severity {settings.judged_severity}: {worst} "
        f"(accuracy {acc[(worst, settings.judged_severity)]:.3f} against "
        f"{clean:.3f} clean)."
    )
    section.figures.append(corruption_curve(acc, clean, severities))


def _attacks(section, subject: Subject, m: Measured, settings, rng) -> None:
    modality = subject.modality
    if not m.attacked:
        why = (
            "not measured: token inputs without an embedding layer hint "
            "(explain.embedding_layer) cannot be attacked"
            if modality == "text"
            else "not measured: no attack asked for (robustness.attacks is empty)"
        )
        section.notes.append(f"Adversarial robustness {why}.")
        return
    where = "the token embeddings" if m.space == "embeddings" else "the input"
    if m.space == "embeddings":
        section.notes.append(
            "Token inputs are attacked on their embeddings (the embedding layer's output), "
            "since gradients are not defined on token ids: the radii measure how far the "
            "decision is from a change of representation, not from a change of words."
        )
    right = m.clean == m.y
    acc = {k: float((p == m.y).mean()) for k, p in m.attacked.items()}
    rows = [
        [attack_label(meth), e, e * m.std, acc[(meth, e)], float((p != m.clean).mean())]
        for (meth, e), p in m.attacked.items()
    ]
    section.tables.append(
        Table(
            "adversarial",
            f"Robust accuracy under L∞ and L2 attacks on {where} (captum.robust)",
            ["attack", "ε (std units)", "ε (input units)", "accuracy", "flip rate"],
            rows,
        )
    )
    method = "pgd" if ("pgd", settings.judged_epsilon) in m.attacked else "fgsm"
    judged = m.attacked[(method, settings.judged_epsilon)] == m.y
    value, ci = ratio_interval(
        judged, right, rng=rng, resamples=settings.resamples, alpha=settings.alpha
    )
    section.metrics.append(
        Metric(
            "robust_accuracy_ratio",
            value,
            ci=ci,
            n=len(m.y),
            events=len(m.y),
            description=f"{attack_label(method)} accuracy at ε = {settings.judged_epsilon:g} "
            f"standard deviations of {where} ({settings.judged_epsilon * m.std:.4g} in its "
            "units), over clean accuracy",
        )
    )
    section.figures.append(attack_curve(acc, float(right.mean())))
    from audit.robustness._examples import examples_table

    examples = examples_table(
        subject, m, method=method, epsilon=settings.judged_epsilon, steps=settings.pgd_steps
    )
    if examples is not None:
        section.tables.append(examples)


def _counterfactuals(section, subject: Subject, rows, settings) -> None:
    from audit.robustness._counterfactual import (
        default_term_pairs,
        tabular_counterfactuals,
        text_counterfactual,
    )

    if subject.sensitive_test is None:
        return
    predict = predictor(subject)
    X = subject.X_test[rows]
    clean = predict(X)
    table = []
    for feature in subject.sensitive_test.columns:
        if subject.modality == "tabular":
            versions = tabular_counterfactuals(
                X,
                feature=str(feature),
                feature_names=subject.feature_names,
                feature_groups=subject.feature_groups,
            )
            if versions is None:
                section.notes.append(
                    f"Counterfactual probe of {feature!r} not run: it is not a "
                    "model input with levels to swap (a derived or continuous "
                    "attribute)."
                )
                continue
            flips = np.stack([predict(v) != clean for v in versions]).any(axis=0)
            probed = np.ones(len(rows), dtype=bool)
            how = "its encoded columns set to each other level"
        elif subject.modality == "text" and subject.explain.vocabulary is not None:
            pairs = settings.term_pairs or default_term_pairs()
            swapped, probed = text_counterfactual(
                X, vocabulary=subject.explain.vocabulary, pairs=pairs
            )
            probed = probed.numpy()
            flips = (predict(swapped) != clean) & probed
            how = f"its group terms swapped ({len(pairs)} pairs)"
        else:
            continue
        n, events = int(probed.sum()), int(flips.sum())
        section.metrics.append(
            Metric(
                "counterfactual_flip_rate",
                events / n if n else None,
                scope=str(feature),
                ci=exact_interval(events, n, alpha=settings.alpha),
                n=n,
                events=n,
                description=f"share of rows whose prediction changes with {how}, the rest held "
                "(Clopper–Pearson interval)",
            )
        )
        table.append([str(feature), n, events, events / n if n else None])
    if table:
        section.tables.append(
            Table(
                "counterfactuals",
                "Counterfactual probes",
                ["feature", "rows probed", "flips", "flip rate"],
                table,
            )
        )
