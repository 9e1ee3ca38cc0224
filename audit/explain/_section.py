"""The explainability section: attributions per method, global and local views, trust.

Every modality gets the trust evidence, the global importance (of features,
pixels, time steps × channels, or vocabulary tokens), the agreement between the
methods and the deletion/insertion curves; then a view of its own
(:mod:`audit.explain._views`): attribution maps over images, heat strips over
time steps, highlighted tokens with attention rollout, or local rows for tables.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import torch

from audit._threads import one_thread
from audit.explain import _trust as trust
from audit.explain._badges import count_sentence, provisional_badges
from audit.explain._batches import attribute_batches
from audit.explain._evidence import (
    best_localisation,
    model_skill,
    randomization_table,
    trust_evidence,
    trust_metrics,
)
from audit.explain._faithfulness import Curves, curves_table
from audit.explain._headline import headline_sentence, importance_figure, importance_table
from audit.explain._methods import (
    ExplainContext,
    Explanation,
    MethodSpec,
    methods_for,
)
from audit.explain._randomization import Randomization
from audit.explain._views import global_importance
from audit.results import Section, Table
from audit.settings import EngineSettings, ExplainSettings
from audit.subject import Subject

if TYPE_CHECKING:
    from audit.explain._views import View

__all__ = ["SECTION_ID", "ExplainRun", "explain_subject", "explainability_section"]

SECTION_ID, TITLE = "explainability", "Explainability"
#: ``progress(stage, step, total)``, called before each step of a long stage starts
Progress = Callable[[str, int, int], None]


class ExplainRun:
    """The attributions of each method on the sampled test rows, and their trust evidence.

    ``rows`` index the test split; ``X``, ``target`` (the predicted class), ``proba``
    and every ``attributions[method]`` are aligned with them.
    """

    def __init__(self, rows: np.ndarray, X: torch.Tensor, target: torch.Tensor, proba: np.ndarray):
        self.rows, self.X, self.target, self.proba = rows, X, target, proba
        self.attributions: dict[str, np.ndarray] = {}
        self.deltas: dict[str, np.ndarray] = {}
        self.notes: dict[str, list[str]] = {}
        self.trust: dict[str, dict[str, float]] = {}
        self.intervals: dict[str, dict[str, list]] = {}
        self.curves: dict[str, Curves] = {}
        self.randomization: dict[str, Randomization] = {}


def context(subject: Subject, settings: ExplainSettings, *, seed: int = 0) -> ExplainContext:
    """Model in eval mode, baseline (training mean; padding for text) and background rows.

    The model is the explained view of ``subject.model`` (:func:`audit._outputs.explained`):
    a one-logit model ``z`` is explained as ``(-z, z)``, so that class 1's attributions
    are those of the raw logit ``z``.
    """
    from audit._outputs import explained

    model, temperature = explained(subject.model.eval())
    rng = np.random.default_rng(seed)
    pick = rng.choice(
        len(subject.X_train), min(settings.background, len(subject.X_train)), replace=False
    )
    if subject.modality == "text":
        pad, cls = int(subject.explain.pad_id or 0), subject.explain.cls_id
        baseline = torch.full(subject.X_train.shape[1:], pad, dtype=torch.int64)
        if cls is not None:
            baseline[0] = int(cls)
    else:
        baseline = subject.X_train.mean(dim=0)
    hints = subject.explain.as_dict()
    if subject.modality == "image" and hints.get("gradcam_layer") is None:
        from audit.explain._layers import last_conv_block

        found = last_conv_block(subject.model)
        if found is not None:  # GradCAM reads the last convolutional block by default
            hints["gradcam_layer_auto"], hints["gradcam_layer"] = found
    from audit.explain._tabular import grouping

    groups = grouping(subject)
    if groups is not None:  # perturbation methods perturb each original feature at once
        from audit.explain._groups import feature_mask

        hints["feature_mask"] = feature_mask(groups[1])
    return ExplainContext(
        model,
        baseline,
        subject.X_train[torch.as_tensor(pick)],
        settings,
        subject.modality,
        hints,
        seed=seed,
        temperature=temperature,
    )


def explain_subject(
    subject: Subject,
    methods: list[MethodSpec],
    settings: ExplainSettings,
    *,
    seed: int = 0,
    progress: Progress | None = None,
    engine: str | EngineSettings | None = None,
) -> ExplainRun:
    """Attribute the predicted class of ``n_samples`` seeded test rows, batch by batch.

    ``progress``, when given, is called before each method attributes, as
    ``progress("attributions: <method label>", i, len(methods))``, then as
    ``progress("trust evidence", 1, 1)`` before the trust tests of all methods.
    ``engine`` runs the batches of ``settings.batch_size`` rows here (serial, the
    default) or as Ray tasks, with the same attributions
    (:func:`audit.explain._batches.attribute_batches`); the trust tests run here.

    Examples
    --------
    >>> import audit
    >>> from audit.config import TrainingConfig
    >>> subject = audit.reference("credit", training=TrainingConfig(epochs=2))
    >>> settings = ExplainSettings(n_samples=8, trust_samples=4)
    >>> run = explain_subject(subject, methods_for("tabular", ["saliency"]), settings)
    >>> run.attributions["saliency"].shape == (8, subject.X_test.shape[1])
    True
    """
    n = min(settings.n_samples, len(subject.X_test))
    rows = np.sort(np.random.default_rng(seed).permutation(len(subject.X_test))[:n])
    X = subject.X_test[torch.as_tensor(rows)]
    proba = subject.predict_proba("test")[rows]
    run = ExplainRun(rows, X, torch.as_tensor(proba.argmax(1)), proba)
    ctx = context(subject, settings, seed=seed)
    batches = attribute_batches(
        ctx,
        X,
        run.target,
        methods,
        batch_size=settings.batch_size,
        engine=engine,
        progress=progress,
    )
    for spec in methods:
        parts: list[Explanation] = batches[spec.name]
        run.attributions[spec.name] = np.concatenate([p.attributions for p in parts]).astype(
            np.float32, copy=False
        )
        if parts[0].delta is not None:
            run.deltas[spec.name] = np.concatenate([p.delta for p in parts])
        run.notes[spec.name] = sorted({note for p in parts for note in p.notes})
    auto = ctx.hints.get("gradcam_layer_auto")
    if auto is not None and "gradcam" in run.notes:
        run.notes["gradcam"].append(
            f"reads {auto!r}, the model's last convolutional block, found automatically "
            "(the hint explain.gradcam_layer chooses another)"
        )
    if progress is not None:
        progress("trust evidence", 1, 1)
    trust_evidence(subject, run, ctx, methods, settings or ExplainSettings())
    return run


def feature_labels(subject: Subject, size: int) -> list[str]:
    """Readable names of the input elements: columns, pixels, time steps, token positions."""
    if subject.modality == "tabular" and len(subject.feature_names) == size:
        return list(subject.feature_names)
    shape = tuple(subject.X_train.shape[1:])
    if subject.modality == "image" and len(shape) == 3:
        return [
            f"c{c} ({r},{k})"
            for c in range(shape[0])
            for r in range(shape[1])
            for k in range(shape[2])
        ]
    if subject.modality == "sequence" and len(shape) == 2:
        channels = subject.explain.channel_names or [f"ch{c}" for c in range(shape[1])]
        return [f"t{t} {channels[c]}" for t in range(shape[0]) for c in range(shape[1])]
    if subject.modality == "text":
        return [f"position {i}" for i in range(size)]
    return [f"x{i}" for i in range(size)]


def _importances(
    subject: Subject, run: ExplainRun, methods: list[MethodSpec]
) -> tuple[list[str], dict[str, np.ndarray], dict[str, list[int]]]:
    """Labels, each method's normalised global importance and extra table columns.

    For text the unit is the vocabulary token (mean |attribution| over its
    occurrences, padding and ``[CLS]`` left out), not the position.
    """
    from audit.explain._tabular import grouped_importances, grouping

    groups = grouping(subject)
    if groups is not None:  # in the user's original features
        names, index = groups
        return names, grouped_importances(run, methods, index), {}
    if subject.modality != "text":
        size = int(np.prod(run.attributions[methods[0].name].shape[1:]))
        labels = feature_labels(subject, size)
        return labels, {m.name: global_importance(run.attributions[m.name]) for m in methods}, {}
    from audit.explain._attention import vocabulary_importance

    return vocabulary_importance(subject, run, methods)


def explainability_section(
    subject: Subject,
    settings: ExplainSettings | None = None,
    *,
    seed: int = 0,
    progress: Progress | None = None,
    engine: str | EngineSettings | None = None,
) -> Section:
    """Attributions with every method of the subject's modality, and the trust evidence.

    The headline importance is the mean over the methods trusted under the default
    policy; the check's ``conclude`` ranks again under the run's own policy.
    ``progress`` reports each method and the trust tests (see :func:`explain_subject`);
    ``engine`` says where the attribution batches run (serial or Ray tasks, the same
    numbers).

    Examples
    --------
    >>> import audit
    >>> from audit.config import ExplainSettings, TrainingConfig
    >>> subject = audit.reference("credit", training=TrainingConfig(epochs=5))
    >>> settings = ExplainSettings(n_samples=16, methods=["saliency"])
    >>> section = explainability_section(subject, settings)
    >>> section.table("global_importance").columns[:3]
    ['feature', 'trusted mean', 'saliency']
    """
    settings = settings or ExplainSettings()
    from audit.explain._methods import is_differentiable

    differentiable = is_differentiable(subject.model.eval(), subject.X_test[0])
    methods = methods_for(subject.modality, settings.methods, differentiable=differentiable)
    if settings.methods is None and settings.leave_out:  # the budget's deepest shrink
        methods = [m for m in methods if m.name not in settings.leave_out] or methods
    section = Section(id=SECTION_ID, title=TITLE)
    if not methods:
        section.summary = f"No attribution method is registered for {subject.modality} data."
        return section

    with one_thread(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*require[sd]? gradients.*")  # captum
        warnings.filterwarnings("ignore", message=".*input array is constant.*")  # scipy
        run = explain_subject(
            subject, methods, settings, seed=seed, progress=progress, engine=engine
        )
        labels, importances, extra = _importances(subject, run, methods)
        section.metrics += trust_metrics(run, methods)
        best = best_localisation(run, methods)
        section.metrics.append(model_skill(subject, seed=seed))
        found = provisional_badges(section.metrics)
        trusted = [m.name for m in methods if found[m.name].status == "trusted"]
        unit = "token" if subject.modality == "text" else "feature"
        table = importance_table(
            labels,
            importances,
            trusted,
            unit=unit,
            top_k=settings.top_k,
            every_row=subject.modality == "tabular",
            extra=extra,
            caption=f"{len(run.rows)} test rows, the predicted class explained"
            + (
                " (per vocabulary token: mean |attribution| over its occurrences)."
                if unit == "token"
                else "."
            ),
        )
        view = _view(subject, run, methods, labels, settings, table)
    if best is not None:
        section.notes.append(best)
    for spec in methods:
        for note in run.notes[spec.name]:
            section.notes.append(f"{spec.label}: {note}")
    section.tables.append(table)
    section.figures.append(importance_figure(table, [m.name for m in methods]))
    matrix = trust.agreement(importances)
    section.tables.append(
        Table(
            id="agreement",
            title="Agreement between methods (Spearman correlation of global importances)",
            columns=["method", *importances],
            rows=[[m, *map(float, matrix[i])] for i, m in enumerate(importances)],
        )
    )
    if run.randomization:
        section.tables.append(randomization_table(run, methods))
    section.tables.append(curves_table(run))
    section.figures += view.figures
    section.tables += view.tables
    section.metrics += view.metrics
    section.notes += view.notes
    labels_of = {m.name: m.label for m in methods}
    section.summary = (
        count_sentence(found, labels_of)
        + " "
        + headline_sentence(table, [labels_of[m] for m in trusted])
    )
    return section


def _view(
    subject: Subject,
    run: ExplainRun,
    methods: list[MethodSpec],
    labels: list[str],
    settings,
    table: Table,
) -> View:
    """The modality's own view: local rows, image maps, time-step strips or tokens."""
    from audit.explain import _attention, _views
    from audit.explain._tabular import grouping, tabular_view

    groups = grouping(subject)
    if groups is not None:
        size = int(np.prod(run.attributions[methods[0].name].shape[1:]))
        return tabular_view(
            subject, run, methods, settings, *groups, feature_labels(subject, size), table
        )
    if subject.modality == "tabular":
        from audit.explain._local import local_table

        return _views.View(tables=[local_table(subject, run, labels, methods[0].name)])
    build = {
        "image": _views.image_view,
        "sequence": _views.sequence_view,
        "text": _attention.text_view,
    }.get(subject.modality)
    return _views.View() if build is None else build(subject, run, methods)
