"""The privacy section: the DP-SGD record, membership-inference attacks, the cost of privacy."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from audit.privacy._attacks import (
    KEY_FPRS,
    AttackResult,
    lira_offline,
    logit_confidence,
    loss_threshold_attack,
    shadow_scores,
)
from audit.privacy._figures import roc_figure, utility_figure
from audit.privacy._twin import accepts_private, cost_of_privacy, fairness_here
from audit.results import Metric, Section, Table
from audit.settings import PrivacySettings
from audit.subject import Subject

__all__ = ["SECTION_ID", "TITLE", "run"]

SECTION_ID = "privacy"
TITLE = "Privacy"
_ATTACK_METRICS = (
    ("mia_auc", "auc", "ROC AUC of the membership-inference attack (0.5: chance)"),
    ("mia_balanced_accuracy", "balanced_accuracy", "attack accuracy at its best threshold"),
    ("mia_tpr_at_1pct_fpr", "tpr_at_1pct_fpr", "members found at 1% false positives"),
    ("mia_tpr_at_01pct_fpr", "tpr_at_01pct_fpr", "members found at 0.1% false positives"),
    ("empirical_epsilon_lower_bound", "epsilon_lower_bound", "ε the attack proves (95% CI)"),
)
_NAMES = {"loss_threshold": "Loss-threshold attack", "lira_offline": "Offline LiRA"}
_CITATIONS = {
    "loss_threshold": "loss_threshold: Yeom et al. (2018), score = −loss",
    "lira_offline": "lira_offline: Carlini et al. (2022), offline likelihood-ratio attack",
}


def run(subject: Subject, settings: PrivacySettings | None = None, *, seed: int = 0) -> Section:
    """Report DP training and attack the model's training rows with membership inference.

    Members are the training rows, non-members the test rows, balanced by a seeded
    subsample of the larger set. The loss-threshold attack always runs; offline LiRA
    runs when ``subject.training.trainer`` is a callable ``trainer(X, y, seed)``
    (``settings.shadow_models`` shadows on random halves of train ∪ test). A DP
    record (``subject.training.privacy``, from :func:`~audit.privacy.fit_private`)
    adds the DP-SGD table and, when the trainer takes ``private=`` (one made by
    :func:`~audit.privacy.make_trainer`), the cost of privacy: a non-private twin
    (same recipe and seed: the subject's, else ``seed``) and, with
    ``settings.utility_curve``, the privacy–utility curve at
    ``settings.utility_epsilons``. The seconds of each training (shadows, twin, curve
    points) are listed in the table ``stages``.

    Returns
    -------
    Section
        Metrics ``mia_auc[loss_threshold]`` (and ``[lira_offline]``),
        ``mia_balanced_accuracy``, ``mia_tpr_at_1pct_fpr``, ``mia_tpr_at_01pct_fpr``,
        ``empirical_epsilon_lower_bound``; with a DP record ``epsilon`` and ``delta``.

    Examples
    --------
    >>> from audit import reference
    >>> from audit.config import TrainingConfig
    >>> section = run(reference("credit", training=TrainingConfig(epochs=3)))
    >>> 0.0 <= section.metric("mia_auc[loss_threshold]").value <= 1.0
    True
    """
    settings = settings or PrivacySettings()
    section = Section(id=SECTION_ID, title=TITLE)
    training = subject.training
    record = None if training is None else training.privacy
    delta = 0.0
    if isinstance(record, dict) and record.get("epsilon") is not None:
        delta = float(record.get("delta") or 0.0)
        _dp_training(section, record)
    else:
        section.notes.append(
            "The model was not trained with differential privacy (no DP-SGD record in the "
            "subject's training record): no formal bound limits what it reveals about its "
            "training rows."
        )

    stages: dict[str, float] = {}
    attacks: dict[str, AttackResult] = {}
    if not settings.attack:
        section.notes.append("Membership inference was switched off (privacy.attack: false).")
    else:
        attacks = _attacks(subject, settings, seed, delta, section.notes, stages)
    for name, result in attacks.items():
        for metric, field, description in _ATTACK_METRICS:
            section.metrics.append(
                Metric(metric, getattr(result, field), scope=name, description=description)
            )
    if attacks:
        section.tables.append(_attack_table(attacks))
        section.figures.append(roc_figure(attacks))
        section.tables.append(_key_points_table(attacks))
        if isinstance(record, dict) and record.get("epsilon") is not None:
            worst = max(r.epsilon_lower_bound for r in attacks.values())
            if worst > float(record["epsilon"]):
                section.notes.append(
                    f"The attacks' empirical lower bound on ε ({worst:.2f}) exceeds the "
                    f"accountant's ε ({record['epsilon']:.2f}), which correct DP-SGD allows "
                    "only rarely (the bound holds at 95% confidence): check the training and "
                    "its record."
                )

    twin = None if training is None else training.privacy_twin
    curve = None if training is None else training.utility_curve
    if twin is None and isinstance(record, dict) and record.get("epsilon") is not None:
        if accepts_private(training.trainer):
            twin, curve = cost_of_privacy(subject, settings, seed, stages)
        else:
            section.notes.append(
                "The cost of privacy (a non-private twin and the privacy–utility curve) was "
                "not measured: it needs a trainer made by audit.privacy.make_trainer "
                "(trainer(X, y, seed, private=...)) in the subject's training record."
            )
    if isinstance(twin, dict):
        section.tables.append(_cost_table(subject, twin))
    if curve:
        points = [(None if e is None else float(e), float(a)) for e, a in curve]
        section.tables.append(
            Table(
                id="utility_curve",
                title="Privacy–utility trade-off",
                columns=["epsilon", "test_accuracy"],
                rows=[["∞ (no DP)" if e is None else e, a] for e, a in points],
                caption="Test accuracy of the same model trained with DP-SGD at each ε.",
            )
        )
        section.figures.append(utility_figure(points))
    if stages:
        section.tables.append(
            Table(
                id="stages",
                title="Training within the privacy check",
                columns=["stage", "seconds"],
                rows=[[name, value] for name, value in stages.items()],
                caption="Wall-clock seconds of the models this check trained.",
            )
        )
    section.summary = _summary(record, attacks)
    return section


def _dp_training(section: Section, record: dict[str, Any]) -> None:
    swaps = record.get("swaps") or []
    rows = [
        ["epsilon (ε)", record.get("epsilon")],
        ["delta (δ)", record.get("delta")],
        ["target ε", record.get("target_epsilon")],
        ["noise multiplier (σ)", record.get("noise_multiplier")],
        ["clipping norm (C)", record.get("max_grad_norm")],
        ["sampling rate (q, Poisson)", record.get("sample_rate")],
        ["steps", record.get("steps")],
        ["epochs", record.get("epochs")],
        ["accountant", record.get("accountant")],
        ["grad-sample mode", record.get("grad_sample_mode")],
        ["module swaps (ModuleValidator.fix)", "; ".join(swaps) if swaps else "none"],
    ]
    section.tables.append(
        Table(
            id="dp_training",
            title="DP-SGD training (opacus)",
            columns=["parameter", "value"],
            rows=rows,
            caption="ε is the accountant's bound for all steps taken at the given δ.",
        )
    )
    accountant = record.get("accountant", "?")
    section.metrics.append(
        Metric("epsilon", record.get("epsilon"), description=f"DP-SGD ε ({accountant} accountant)")
    )
    section.metrics.append(Metric("delta", record.get("delta"), description="DP-SGD δ"))


def _balanced_rows(n_in: int, n_out: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = min(n_in, n_out)
    members = np.sort(rng.choice(n_in, n, replace=False)) if n_in > n else np.arange(n_in)
    others = np.sort(rng.choice(n_out, n, replace=False)) if n_out > n else np.arange(n_out)
    return members, others


def _attacks(
    subject: Subject,
    settings: PrivacySettings,
    seed: int,
    delta: float,
    notes: list[str],
    stages: dict[str, float],
) -> dict[str, AttackResult]:
    X = torch.cat([subject.X_train, subject.X_test])
    y = torch.cat([subject.y_train, subject.y_test])
    n_train = subject.X_train.shape[0]
    members, others = _balanced_rows(n_train, subject.X_test.shape[0], seed)
    rows = np.concatenate([members, n_train + others])
    is_member = np.r_[np.ones(len(members), bool), np.zeros(len(others), bool)]
    phi = logit_confidence(subject.model, X, y)
    loss = np.logaddexp(0.0, -phi)  # cross-entropy: −log p = log(1 + e^−φ)
    results = {
        "loss_threshold": loss_threshold_attack(loss[members], loss[n_train + others], delta=delta)
    }
    notes.append(
        f"Members: {len(members)} training rows; non-members: {len(others)} test rows "
        f"(the larger set subsampled with seed {seed}). The ε lower bound uses two-sided 95% "
        "Clopper–Pearson intervals at the threshold that maximises it (chosen on the same rows)."
    )
    trainer = None if subject.training is None else subject.training.trainer
    if not callable(trainer):
        notes.append(
            "Offline LiRA was skipped: the subject's training record has no 'trainer' "
            "(a callable trainer(X, y, seed) -> model) to train shadow models with."
        )
    elif settings.shadow_models < 2:
        notes.append(
            f"Offline LiRA was skipped: privacy.shadow_models is {settings.shadow_models}; it "
            "needs at least 2 (each row needs a shadow model that did not train on it)."
        )
    else:
        start = time.perf_counter()
        in_mask, shadows = shadow_scores(trainer, X, y, k=settings.shadow_models, seed=seed)
        stages["shadow_models"] = round(time.perf_counter() - start, 4)
        results["lira_offline"] = lira_offline(
            phi[rows], shadows[:, rows], is_member, out_mask=~in_mask[:, rows], delta=delta
        )
        notes.append(
            f"Offline LiRA: {settings.shadow_models} shadow models, each trained on a random "
            f"half of the {len(y)} train and test rows (every row out of "
            f"{settings.shadow_models - settings.shadow_models // 2} of them)."
        )
    return results


def _attack_table(attacks: dict[str, AttackResult]) -> Table:
    return Table(
        id="attacks",
        title="Membership-inference attacks",
        columns=[
            "attack",
            "members",
            "non-members",
            "AUC",
            "balanced accuracy",
            "TPR at 1% FPR",
            "TPR at 0.1% FPR",
            "ε lower bound",
            "bound at TPR",
            "bound at FPR",
        ],
        rows=[
            [
                name,
                r.n_members,
                r.n_nonmembers,
                r.auc,
                r.balanced_accuracy,
                r.tpr_at_1pct_fpr,
                r.tpr_at_01pct_fpr,
                r.epsilon_lower_bound,
                r.bound_tpr if r.epsilon_lower_bound > 0 else None,
                r.bound_fpr if r.epsilon_lower_bound > 0 else None,
            ]
            for name, r in attacks.items()
        ],
        caption="; ".join(_CITATIONS[name] for name in attacks)
        + ". The bound's TPR and FPR are the point estimates at its threshold.",
    )


def _key_points_table(attacks: dict[str, AttackResult]) -> Table:
    return Table(
        id="roc_points",
        title="ROC curve: TPR at fixed false-positive rates",
        columns=["FPR at most", *attacks],
        rows=[[fpr, *(r.tpr_at_fpr[fpr] for r in attacks.values())] for fpr in KEY_FPRS],
        caption="A chance-level attack has TPR equal to FPR.",
    )


def _cost_table(subject: Subject, twin: dict[str, Any]) -> Table:
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


def _summary(record: Any, attacks: dict[str, AttackResult]) -> str:
    parts = []
    if isinstance(record, dict) and record.get("epsilon") is not None:
        parts.append(
            f"Trained with DP-SGD at ε = {record['epsilon']:.2f}, δ = {record['delta']:.1e}."
        )
    else:
        parts.append("Not trained with differential privacy.")
    for name, r in attacks.items():
        parts.append(
            f"{_NAMES[name]}: AUC {r.auc:.3f}, TPR {r.tpr_at_1pct_fpr:.3f} "
            f"at 1% FPR, empirical ε ≥ {r.epsilon_lower_bound:.2f}."
        )
    return " ".join(parts)
