"""Performance and generalization: scores on both splits, the gap, learning curves, calibration."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score, roc_auc_score

from audit.charts import Panel, render
from audit.history import TrainingHistory
from audit.performance._calibration import Calibration, calibration
from audit.results import Figure, Metric, Section, Table
from audit.settings import EngineSettings, PerformanceSettings
from audit.subject import Subject

__all__ = ["performance_section", "reliability_figure", "scores"]

SECTION_ID = "performance"
TITLE = "Performance and generalization"


def scores(y_true: np.ndarray, proba: np.ndarray) -> dict[str, float | None]:
    """Accuracy, balanced accuracy, ROC AUC and F1 of probabilities ``proba``.

    Binary tasks use class 1 as positive (ROC AUC on its probability, F1 of class 1);
    multi-class tasks use one-vs-rest macro ROC AUC and macro F1. ROC AUC is ``None``
    when a class is missing from ``y_true``.

    Examples
    --------
    >>> import numpy as np
    >>> scores(np.array([0, 1, 1]), np.array([[0.8, 0.2], [0.3, 0.7], [0.6, 0.4]]))["accuracy"]
    0.6666666666666666
    """
    pred = proba.argmax(axis=1)
    n_classes = proba.shape[1]
    binary = n_classes == 2
    present = np.unique(y_true)
    auc: float | None = None
    if len(present) == n_classes:
        auc = float(
            roc_auc_score(y_true, proba[:, 1])
            if binary
            else roc_auc_score(y_true, proba, multi_class="ovr", average="macro")
        )
    labels = list(range(n_classes))
    f1 = f1_score(
        y_true,
        pred,
        pos_label=1,
        average="binary" if binary else "macro",
        labels=labels,
        zero_division=0,
    )
    return {
        "accuracy": float(accuracy_score(y_true, pred)),
        "balanced_accuracy": float(balanced_accuracy_score(y_true, pred)),
        "roc_auc": auc,
        "f1": float(f1),
    }


def performance_section(
    subject: Subject,
    settings: PerformanceSettings | None = None,
    *,
    seed: int = 0,
    engine: str | EngineSettings | None = None,
) -> Section:
    """Score the model on train and test, measure overfitting and calibration.

    Parameters
    ----------
    subject : Subject
    settings : PerformanceSettings, optional
    seed : int
        Seed of the bootstrap of the test rows.
    engine : {"serial", "ray"} or EngineSettings, optional
        Where the bootstrap's chunks of replicates run (the same intervals either way;
        see :func:`audit.performance._intervals.bootstrap_scores`).

    Returns
    -------
    Section
        Metrics ``train_accuracy``, ``test_accuracy``, ``accuracy_gap``,
        ``{train,test}_balanced_accuracy``, ``{train,test}_roc_auc``, ``{train,test}_f1``,
        ``ece`` and, with a validation history, ``val_loss_rise``.

    Examples
    --------
    >>> from audit import reference
    >>> from audit.config import TrainingConfig
    >>> section = performance_section(reference("credit", training=TrainingConfig(epochs=3)))
    >>> section.metric("test_accuracy").value > 0.5
    True
    """
    settings = settings or PerformanceSettings()
    by_split = {}
    for split in ("train", "test"):
        proba = subject.predict_proba(split, batch_size=settings.batch_size)
        by_split[split] = scores(subject.split(split)[1].numpy(), proba)
    train, test = by_split["train"], by_split["test"]

    section = Section(id=SECTION_ID, title=TITLE)
    describe = {
        "accuracy": "share of rows whose predicted class is right",
        "balanced_accuracy": "mean recall over classes",
        "roc_auc": "ranking quality of the positive-class score"
        if subject.n_classes == 2
        else "one-vs-rest macro ROC AUC",
        "f1": "F1 of the positive class" if subject.n_classes == 2 else "macro F1",
    }
    for split, values in by_split.items():
        for name, value in values.items():
            section.metrics.append(
                Metric(f"{split}_{name}", value, description=f"{describe[name]} ({split})")
            )
    section.metrics.append(
        Metric(
            "accuracy_gap",
            train["accuracy"] - test["accuracy"],
            description="train accuracy minus test accuracy",
        )
    )

    y_test = subject.y_test.numpy()
    cal = calibration(y_test, subject.predict_proba("test"), n_bins=settings.calibration_bins)
    section.metrics.append(
        Metric(
            "ece",
            cal.ece,
            description=f"expected calibration error, {settings.calibration_bins} bins (test)",
        )
    )
    section.tables.append(
        Table(
            id="scores",
            title="Scores by split",
            columns=["metric", "train", "test"],
            rows=[[name, train[name], test[name]] for name in train],
        )
    )
    section.figures.append(reliability_figure(cal))
    section.tables.append(_calibration_table(cal))
    if settings.n_bootstrap:
        _add_intervals(section, subject, settings, seed=seed, engine=engine)

    history = subject.history
    if history is not None and history.records:
        rise = _val_loss_rise(history)
        if rise is not None:
            section.metrics.append(
                Metric(
                    "val_loss_rise",
                    rise,
                    description="rise of the validation loss at the kept epoch over its minimum",
                )
            )
        section.figures.append(_learning_curve_figure(history))
        section.tables.append(_history_table(history))
    else:
        section.notes.append("No training history: learning curves are not shown.")
    section.summary = (
        f"Test accuracy {test['accuracy']:.3f} (train {train['accuracy']:.3f}, gap "
        f"{train['accuracy'] - test['accuracy']:+.3f}); expected calibration error {cal.ece:.3f}."
    )
    return section


#: The metrics the default policy judges that get an interval.
JUDGED = (
    "test_accuracy",
    "test_balanced_accuracy",
    "test_roc_auc",
    "test_f1",
    "accuracy_gap",
    "ece",
)


def _add_intervals(
    section: Section, subject: Subject, settings, *, seed: int, engine: Any = None
) -> None:
    """Simultaneous intervals (Bonferroni over the judged metrics present) on the metrics."""
    from audit.performance._intervals import bootstrap_scores, proportion_interval

    metrics = {m.name: m for m in section.metrics if m.name in JUDGED and m.value is not None}
    if not metrics:
        return
    alpha = (1 - settings.ci_level) / len(metrics)
    y_test, y_train = subject.y_test.numpy(), subject.y_train.numpy()
    proba = subject.predict_proba("test")
    right_test = int((proba.argmax(1) == y_test).sum())
    right_train = int((subject.predict_proba("train").argmax(1) == y_train).sum())
    n_test, n_train = len(y_test), len(y_train)
    if "test_accuracy" in metrics:
        metrics["test_accuracy"].ci = proportion_interval(right_test, n_test, alpha=alpha)
        metrics["test_accuracy"].n = n_test
    if "accuracy_gap" in metrics:
        # train accuracy is the model's accuracy on its own training rows, a fixed
        # number; the gap is uncertain through the test accuracy alone
        low, high = proportion_interval(right_test, n_test, alpha=alpha)
        train_accuracy = right_train / n_train
        metrics["accuracy_gap"].ci = [train_accuracy - high, train_accuracy - low]
        metrics["accuracy_gap"].n = n_test
    replicates = bootstrap_scores(
        y_test,
        proba,
        n_boot=settings.n_bootstrap,
        seed=seed,
        n_bins=settings.calibration_bins,
        engine=engine,
    )
    fewest = int(np.bincount(y_test, minlength=proba.shape[1]).min())
    for name, values in replicates.items():
        metric = metrics.get(name if name == "ece" else f"test_{name}")
        if metric is None or np.isnan(values).all():
            continue
        low, high = np.nanquantile(values, [alpha / 2, 1 - alpha / 2])
        metric.ci = [float(min(low, metric.value)), float(max(high, metric.value))]
        metric.n = n_test
        if name in ("roc_auc", "f1", "balanced_accuracy"):
            metric.events = fewest  # rows of the rarest class
    section.notes.append(
        f"Intervals are simultaneous {settings.ci_level:.0%} intervals over the {len(metrics)} "
        "judged metrics (Bonferroni): Wilson for test accuracy and, through it, the train-test "
        "gap (the train accuracy of the fitted rows is a fixed number, statsmodels); "
        f"percentile intervals from {settings.n_bootstrap} class-stratified bootstrap "
        f"resamples of the test rows (seed {seed}) for the others."
    )


def _val_loss_rise(history: TrainingHistory) -> float | None:
    losses = [v for v in history.column("val_loss") if v is not None]
    if not losses:
        return None
    kept = history.best_epoch or len(history.records)
    kept_loss = history.records[kept - 1].val_loss
    best = min(losses)
    return (kept_loss - best) / best if best > 0 else 0.0


def _learning_curve_figure(history: TrainingHistory) -> Figure:
    epochs = history.column("epoch")
    panels = []
    for metric, label in (("loss", "cross-entropy loss"), ("accuracy", "accuracy")):
        panel = Panel(xlabel="epoch", ylabel=label)
        panel.line(epochs, history.column(f"train_{metric}"), label="train")
        if history.has_validation:
            panel.line(epochs, history.column(f"val_{metric}"), label="validation", dash="5 3")
        if history.best_epoch is not None:
            panel.vline(history.best_epoch, label="kept epoch")
        panels.append(panel)
    last = history.records[-1]
    val_text = (
        f", validation loss {last.val_loss:.3f} and accuracy {last.val_accuracy:.3f}"
        if last.val_loss is not None
        else ""
    )
    alt = (
        f"Learning curves over {len(epochs)} epochs. At the last epoch: train loss "
        f"{last.train_loss:.3f} and accuracy {last.train_accuracy:.3f}{val_text}. "
        f"Weights kept from epoch {history.best_epoch}."
    )
    return Figure(
        id="learning_curve",
        title="Learning curves",
        alt=alt,
        kind="svg",
        data=render(panels, alt=alt, width=700, height=280),
        caption="Loss and accuracy per epoch; the values are in the table 'Training history'.",
    )


def reliability_figure(cal: Calibration) -> Figure:
    """The reliability diagram of ``cal``: accuracy against confidence per bin."""
    filled = cal.counts > 0
    centers = (cal.edges[:-1] + cal.edges[1:]) / 2
    width = cal.edges[1] - cal.edges[0]
    panel = Panel(
        xlabel="confidence (predicted-class probability)",
        ylabel="accuracy",
        xlim=(0.0, 1.0),
        ylim=(0.0, 1.0),
    )
    panel.bars(centers[filled], cal.accuracy[filled], width=width * 0.9, label="accuracy in bin")
    panel.line([0, 1], [0, 1], color="#555555", dash="5 3", label="perfect calibration")
    alt = (
        f"Reliability diagram: accuracy against confidence in {len(cal.counts)} bins; "
        f"ECE {cal.ece:.3f}. "
        + "; ".join(
            f"bin {lo:.1f}-{hi:.1f}: {n} rows, confidence {c:.2f}, accuracy {a:.2f}"
            for lo, hi, n, c, a in zip(
                cal.edges[:-1], cal.edges[1:], cal.counts, cal.confidence, cal.accuracy, strict=True
            )
            if n > 0
        )
    )
    return Figure(
        id="reliability",
        title="Reliability diagram",
        alt=alt,
        kind="svg",
        data=render([panel], alt=alt, width=420, height=340),
        caption="Bars on the diagonal are well calibrated; the bins are in the table "
        "'Calibration bins'.",
    )


def _calibration_table(cal: Calibration) -> Table:
    rows = [
        [
            f"{lo:.2f}-{hi:.2f}",
            int(n),
            None if n == 0 else c,
            None if n == 0 else a,
            None if n == 0 else a - c,
        ]
        for lo, hi, n, c, a in zip(
            cal.edges[:-1], cal.edges[1:], cal.counts, cal.confidence, cal.accuracy, strict=True
        )
    ]
    return Table(
        id="calibration_bins",
        title="Calibration bins",
        columns=["confidence bin", "rows", "mean confidence", "accuracy", "accuracy - confidence"],
        rows=rows,
    )


def _history_table(history: TrainingHistory) -> Table:
    columns = ["epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy"]
    return Table(
        id="history",
        title="Training history",
        columns=columns,
        rows=[[getattr(r, c) for c in columns] for r in history.records],
        caption=(
            f"Kept weights of epoch {history.best_epoch}; stopped early: {history.stopped_early}."
        ),
    )
