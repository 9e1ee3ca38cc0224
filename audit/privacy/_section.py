"""The privacy section: the DP-SGD record, membership-inference attacks, the cost of privacy."""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import torch

from audit.privacy._attacks import (
    BOOTSTRAP_ROUNDS,
    AttackResult,
    attack_result,
    lira_scores,
    nonmembers_needed,
    shadow_scores,
)
from audit.privacy._figures import attack_table, key_points_table, roc_figure, utility_figure
from audit.privacy._record_table import dp_training
from audit.privacy._shadows import Progress, confidence_from_log_proba
from audit.privacy._twin import accepts_private, cost_of_privacy, cost_table
from audit.results import Metric, Section, Table
from audit.settings import EngineSettings, PrivacySettings
from audit.subject import Subject

__all__ = ["SECTION_ID", "TITLE", "run"]

SECTION_ID = "privacy"
TITLE = "Privacy"
#: The section's false-FAIL rate: its interval-judged figures hold together at this level
FAMILY_CONFIDENCE = 0.95
_NAMES = {"loss_threshold": "Loss-threshold attack", "lira_offline": "Offline LiRA"}


def run(
    subject: Subject,
    settings: PrivacySettings | None = None,
    *,
    seed: int = 0,
    progress: Progress | None = None,
    engine: str | EngineSettings | None = "serial",
) -> Section:
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
    points) are listed in the table ``stages``; ``progress``, when given, is called as
    ``progress(stage, step, total)`` before each of them (``("shadow", 2, 4)``,
    ``("non-private twin", 1, 1)``, ``("utility curve", 1, 3)``), for a front end to show.
    These trainings run as independent tasks on ``engine`` (``"serial"``, or ``"ray"``
    / an :class:`~audit.settings.EngineSettings`: Ray tasks, see
    :func:`audit.engines._tasks.map_tasks`), with the same results.

    The judged figures (per attack: the AUC with its bootstrap interval, the split-half
    ε lower bound, the TPR at 1% FPR with its interval where estimable) are computed
    at a Bonferroni level so that together they hold at :data:`FAMILY_CONFIDENCE`; a
    TPR at FPR f with fewer than 10/f non-members is ``None`` ("not estimable").

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
        dp_training(section, record)
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
        scores = _attack_scores(subject, settings, seed, section.notes, stages, progress, engine)
        level, judged = _family_level(scores)
        section.notes.append(
            f"Intervals and bounds are at {_pct(level)} each, so that the {judged} judged "
            "figures (per attack its AUC and ε bound, and its TPR at 1% FPR where estimable) "
            f"hold together at {_pct(FAMILY_CONFIDENCE)} (Bonferroni)."
        )
        attacks = {
            name: attack_result(values, is_member, delta=delta, confidence=level, seed=seed)
            for name, (values, is_member) in scores.items()
        }
    for name, result in attacks.items():
        section.metrics.extend(_attack_metrics(name, result))
    if attacks:
        section.tables.append(attack_table(attacks))
        section.figures.append(roc_figure(attacks))
        section.tables.append(key_points_table(attacks))
        if isinstance(record, dict) and record.get("epsilon") is not None:
            worst = max(r.epsilon_lower_bound for r in attacks.values())
            if worst > float(record["epsilon"]):
                section.notes.append(
                    f"The attacks' empirical lower bound on ε ({worst:.2f}) exceeds the "
                    f"accountant's ε ({record['epsilon']:.2f}), which correct DP-SGD allows "
                    f"only rarely (the bound holds at {_pct(level)} confidence): check the "
                    "training and its record."
                )

    twin = None if training is None else training.privacy_twin
    curve = None if training is None else training.utility_curve
    if twin is None and isinstance(record, dict) and record.get("epsilon") is not None:
        if accepts_private(training.trainer):
            twin, curve = cost_of_privacy(
                subject, settings, seed, stages, progress=progress, engine=engine
            )
        else:
            section.notes.append(
                "The cost of privacy (a non-private twin and the privacy–utility curve) was "
                "not measured: it needs a trainer made by audit.privacy.make_trainer "
                "(trainer(X, y, seed, private=...)) in the subject's training record."
            )
    if isinstance(twin, dict):
        section.tables.append(cost_table(subject, twin))
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


def _balanced_rows(n_in: int, n_out: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = min(n_in, n_out)
    members = np.sort(rng.choice(n_in, n, replace=False)) if n_in > n else np.arange(n_in)
    others = np.sort(rng.choice(n_out, n, replace=False)) if n_out > n else np.arange(n_out)
    return members, others


def _attack_scores(
    subject: Subject,
    settings: PrivacySettings,
    seed: int,
    notes: list[str],
    stages: dict[str, float],
    progress: Progress | None = None,
    engine: str | EngineSettings | None = "serial",
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each attack's membership scores (higher: member) and the rows' true membership."""
    X = torch.cat([subject.X_train, subject.X_test])
    y = torch.cat([subject.y_train, subject.y_test])
    n_train = subject.X_train.shape[0]
    members, others = _balanced_rows(n_train, subject.X_test.shape[0], seed)
    rows = np.concatenate([members, n_train + others])
    is_member = np.r_[np.ones(len(members), bool), np.zeros(len(others), bool)]
    # the target's φ from the predictions the performance check cached (no forward pass)
    log_proba = np.concatenate([subject.log_proba("train"), subject.log_proba("test")])
    phi = confidence_from_log_proba(log_proba, y.numpy())
    loss = np.logaddexp(0.0, -phi)  # cross-entropy: −log p = log(1 + e^−φ)
    scores = {"loss_threshold": (-loss[rows], is_member)}
    notes.append(
        f"Members: {len(members)} training rows; non-members: {len(others)} test rows "
        f"(the larger set subsampled with seed {seed}). The ε lower bound's threshold is "
        "chosen on a random half of them (stratified, seeded) and the bound evaluated on the "
        "other half, with one-sided Clopper–Pearson bounds at 1 − α/2 on its TPR and on its "
        "FPR (by the union bound both hold with confidence 1 − α; Jagielski et al. 2020, "
        "Nasr et al. 2021). AUCs and TPRs carry percentile-bootstrap intervals "
        f"({BOOTSTRAP_ROUNDS} resamples of members and of non-members). A TPR at a false-"
        "positive rate f is estimated only with at least 10/f non-members."
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
        in_mask, shadows = shadow_scores(
            trainer, X, y, k=settings.shadow_models, seed=seed, progress=progress, engine=engine
        )
        stages["shadow_models"] = round(time.perf_counter() - start, 4)
        lira = lira_scores(phi[rows], shadows[:, rows], ~in_mask[:, rows])
        scores["lira_offline"] = (lira, is_member)
        notes.append(
            f"Offline LiRA: {settings.shadow_models} shadow models, each trained on a random "
            f"half of the {len(y)} train and test rows (every row out of "
            f"{settings.shadow_models - settings.shadow_models // 2} of them)"
            + _shadow_recipe(subject)
            + "."
        )
    return scores


def _shadow_recipe(subject: Subject) -> str:
    """How the shadows were trained, when the trainer says (reference domains' do)."""
    recipe = getattr(subject.training.trainer, "recipe", None)
    epochs = getattr(recipe, "epochs", None)
    if epochs is None:
        return ""
    text = f", {epochs} epochs each without early stopping"
    history = subject.training.history
    trained = len(getattr(history, "records", None) or [])
    kept = getattr(history, "best_epoch", None)
    if kept == epochs and trained > epochs:
        text += (
            f", as many as the target's kept weights had seen (epoch {epochs} of the "
            f"{trained} it trained before early stopping; Carlini et al. 2022)"
        )
    elif kept is not None and kept != epochs:
        text += (
            f"; the target kept the weights of epoch {kept}: shadows trained otherwise than "
            "the target can understate its leakage (Carlini et al. 2022)"
        )
    return text


def _family_level(scores: dict[str, tuple[np.ndarray, np.ndarray]]) -> tuple[float, int]:
    """Each interval's level so that the judged figures hold together (Bonferroni), and
    their count: per attack the AUC and the ε bound, and the TPR at 1% FPR if estimable.
    """
    count = 0
    for _, is_member in scores.values():
        estimable = int((~is_member).sum()) >= nonmembers_needed(0.01)
        count += 3 if estimable else 2
    return 1 - (1 - FAMILY_CONFIDENCE) / max(count, 1), count


def _pct(level: float) -> str:
    return f"{100 * level:.4g}%"


def _attack_metrics(name: str, r: AttackResult) -> list[Metric]:
    level, rows = _pct(r.confidence), min(r.n_members, r.n_nonmembers)
    family = f"{level} each: {_pct(FAMILY_CONFIDENCE)} together over the section (Bonferroni)"
    metrics = [
        Metric(
            "mia_auc",
            r.auc,
            scope=name,
            ci=list(r.auc_ci),
            events=rows,
            n=rows,
            description="ROC AUC of the membership-inference attack (0.5: chance); "
            f"percentile-bootstrap interval at {family}",
        ),
        Metric(
            "mia_balanced_accuracy",
            r.balanced_accuracy,
            scope=name,
            description="attack accuracy at its best threshold",
        ),
    ]
    for fpr, metric, text in ((0.01, "1pct", "1%"), (0.001, "01pct", "0.1%")):
        need, ci = nonmembers_needed(fpr), r.tpr_ci.get(fpr)
        metrics.append(
            Metric(
                f"mia_tpr_at_{metric}_fpr",
                r.tpr_at_fpr[fpr],
                scope=name,
                ci=None if ci is None else list(ci),
                events=math.floor(round(fpr * r.n_nonmembers, 9)),
                n=r.n_nonmembers,
                description=f"members found at {text} false positives (bootstrap interval)",
                note=""
                if ci is not None
                else f"not estimable at this size (needs ≥ {need} non-members; "
                f"{r.n_nonmembers} here).",
            )
        )
    bound = r.bound
    if bound.threshold is None:
        found = "no threshold proved anything on the half that chooses it (half A)."
    else:
        found = (
            f"threshold {bound.threshold:.4g} chosen on half A; on half B ({bound.members} "
            f"members, {bound.nonmembers} non-members) TPR {bound.tpr:.3f}, FPR {bound.fpr:.3f}."
        )
    metrics.append(
        Metric(
            "empirical_epsilon_lower_bound",
            r.epsilon_lower_bound,
            scope=name,
            description=f"ε the attack proves: a lower confidence bound at {family}, with "
            "one-sided Clopper–Pearson bounds on TPR and FPR (each at 1 − α/2, joined by the "
            "union bound); threshold chosen on one half of the trials, bound evaluated on "
            "the other",
            note=found,
        )
    )
    return metrics


def _summary(record: Any, attacks: dict[str, AttackResult]) -> str:
    parts = []
    if isinstance(record, dict) and record.get("epsilon") is not None:
        parts.append(
            f"Trained with DP-SGD at ε = {record['epsilon']:.2f}, δ = {record['delta']:.1e}."
        )
    else:
        parts.append("Not trained with differential privacy.")
    for name, r in attacks.items():
        low, high = r.auc_ci
        tpr = r.tpr_at_1pct_fpr
        found = (
            f"TPR {tpr:.3f} at 1% FPR"
            if tpr is not None
            else f"TPR at 1% FPR not estimable (needs ≥ {nonmembers_needed(0.01)} non-members)"
        )
        parts.append(
            f"{_NAMES[name]}: AUC {r.auc:.3f} ({_pct(r.confidence)} interval {low:.3f}–"
            f"{high:.3f}), {found}, empirical ε ≥ {r.epsilon_lower_bound:.2f}."
        )
    return " ".join(parts)
