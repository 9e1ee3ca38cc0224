"""The memorization audit: canary exposure, extraction, a loss-based membership attack."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from audit.lm._bounds import (
    chance_bound,
    chance_exposure,
    dp_exposure_bound,
    dp_note,
    dp_record,
    units_holding,
)
from audit.lm._exposure import (
    candidate_log_probs,
    exposure_from_rank,
    exposure_from_sample,
    greedy_continuation,
    rank_of,
    sequence_log_prob,
)
from audit.results import Figure, Metric, Section, Table

if TYPE_CHECKING:
    from audit.lm._subject import LanguageModelSubject

__all__ = [
    "attack_from_losses",
    "canary_exposures",
    "chance_bound",
    "chance_exposure",
    "dp_exposure_bound",
    "loss_attack",
    "memorization_section",
]


def canary_exposures(
    model: torch.nn.Module,
    subject: LanguageModelSubject,
    *,
    max_enumerate: int = 10**6,
    n_sample: int = 5000,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Per canary: repetitions, log-prob, rank, exposure (exact or sampled), extraction.

    The rank is exact (every candidate scored, :func:`candidate_log_probs`) when the
    space has at most ``max_enumerate`` secrets, else estimated from ``n_sample``
    random candidates with the paper's skew-normal extrapolation. The sampled
    estimate is reported beside the exact one as a check on it.

    Examples
    --------
    >>> rows = canary_exposures(subject.lm, subject)  # doctest: +SKIP
    >>> rows[0]["exposure"]  # doctest: +SKIP
    """
    data = subject.lm_data
    fmt = data.canary_format
    prefix = subject.ids_of(list(fmt.prefix))
    slots = subject.ids_of(list(fmt.alphabet), bos=False)
    space = fmt.space
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(slots), (n_sample, fmt.length))
    sample_ids = torch.tensor([prefix + [slots[i] for i in row] for row in picks])
    sample = sequence_log_prob(model, sample_ids, len(prefix))
    scores = None
    if space <= max_enumerate:
        scores = candidate_log_probs(model, prefix, slots, fmt.length)
    rows = []
    for secret in data.secrets:
        ids = torch.tensor([prefix + subject.ids_of(list(secret.tokens), bos=False)])
        logp = float(sequence_log_prob(model, ids, len(prefix))[0])
        sampled = exposure_from_sample(logp, sample, space)
        rank = rank_of(logp, scores) if scores is not None else None
        decoded = greedy_continuation(model, prefix, fmt.length)
        extracted = [data.vocabulary[i] for i in decoded] == list(secret.tokens)
        rows.append(
            {
                "secret": subject.detokenize(list(secret.tokens)).strip(),
                "repetitions": secret.repetitions,
                "writers": secret.writers,
                "log_prob": logp,
                "rank": rank,
                "exposure": exposure_from_rank(rank, space) if rank is not None else sampled,
                "exposure_sampled": sampled,
                "extracted": bool(extracted),
            }
        )
    return rows


def loss_attack(
    model: torch.nn.Module, subject: LanguageModelSubject, *, rows: int = 500, seed: int = 0
) -> dict[str, Any]:
    """Loss-threshold membership attack: training vs held-out sentences (lower loss: member).

    Canaries and codes are left out of the members (they are judged by exposure);
    members and non-members are drawn to equal counts. Returns AUC, TPR at 1% and
    0.1% FPR and the counts (:func:`attack_from_losses`).
    """
    from audit.lm._train import sequence_losses

    data = subject.lm_data
    prefix_len = len(data.canary_format.prefix) + 1 if data.canary_format else 0
    train = data.train_ids
    if data.canary_format is not None:
        head = torch.tensor(subject.ids_of(list(data.canary_format.prefix)))
        is_code = (train[:, :prefix_len] == head).all(1)
        train = train[~is_code]
    rng = np.random.default_rng(seed)
    n = min(rows, len(train), len(data.heldout_ids))
    members = train[np.sort(rng.choice(len(train), n, replace=False))]
    others = data.heldout_ids[np.sort(rng.choice(len(data.heldout_ids), n, replace=False))]
    member_loss, _ = sequence_losses(model, members, pad_id=data.pad_id)
    other_loss, _ = sequence_losses(model, others, pad_id=data.pad_id)
    return attack_from_losses(member_loss, other_loss, seed=seed)


def attack_from_losses(
    member_loss: np.ndarray, other_loss: np.ndarray, *, seed: int = 0
) -> dict[str, Any]:
    """The loss-threshold attack's figures from members' and non-members' losses.

    AUC (lower loss: member), its percentile-bootstrap 95% interval (the privacy
    check's :func:`audit.privacy._attacks.bootstrap_intervals`), TPR at 1% and 0.1%
    FPR, and ``n`` (the fewer of the two).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> out = attack_from_losses(rng.normal(1, 1, 200), rng.normal(1, 1, 200))
    >>> bool(out["auc_ci"][0] < 0.5 < out["auc_ci"][1]), out["n"]
    (True, 200)
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    from audit.privacy._attacks import bootstrap_intervals

    member_loss, other_loss = np.asarray(member_loss), np.asarray(other_loss)
    labels = np.r_[np.ones(len(member_loss)), np.zeros(len(other_loss))]
    scores = -np.r_[member_loss, other_loss]
    fpr, tpr, _ = roc_curve(labels, scores)
    auc_ci, _ = bootstrap_intervals(-member_loss, -other_loss, seed=seed)
    return {
        "auc": float(roc_auc_score(labels, scores)),
        "auc_ci": [float(auc_ci[0]), float(auc_ci[1])],
        "tpr_at_1pct_fpr": float(np.interp(0.01, fpr, tpr)),
        "tpr_at_01pct_fpr": float(np.interp(0.001, fpr, tpr)),
        "n": int(min(len(member_loss), len(other_loss))),
    }


def _chart(rows: list[dict[str, Any]], twin_rows: list[dict[str, Any]] | None, space: int) -> str:
    from audit.charts import Panel, render

    inserted = [r for r in rows if r["repetitions"] > 0]
    panel = Panel(xlabel="repetitions in the training data", ylabel="exposure (bits)", xlog=True)
    panel.ylim = (0.0, float(np.log2(space)) + 1)
    panel.line(
        [r["repetitions"] for r in inserted],
        [r["exposure"] for r in inserted],
        label="this model",
        marker="o",
    )
    if twin_rows is not None:
        twins = [r for r in twin_rows if r["repetitions"] > 0]
        panel.line(
            [r["repetitions"] for r in twins],
            [r["exposure"] for r in twins],
            label="non-private twin",
            marker="s",
            dash="5 3",
        )
    span = [min(r["repetitions"] for r in inserted), max(r["repetitions"] for r in inserted)]
    panel.line(span, [chance_exposure()] * 2, label="chance (1.44 bits)", dash="2 3")
    panel.line(span, [chance_bound()] * 2, label="95% of unseen secrets below", dash="1 4")
    return render([panel], alt=_alt(rows, twin_rows))


def _alt(rows: list[dict[str, Any]], twin_rows: list[dict[str, Any]] | None) -> str:
    """The chart in words, with its numbers."""

    def listed(items: list[dict[str, Any]]) -> str:
        return ", ".join(
            f"×{r['repetitions']} {r['exposure']:.2f}" for r in items if r["repetitions"] > 0
        )

    text = f"Canary exposure in bits against repetitions in the training data: {listed(rows)}"
    if twin_rows is not None:
        text += f"; non-private twin: {listed(twin_rows)}"
    return (
        text
        + f"; chance {chance_exposure():.2f}, 95% of unseen secrets below {chance_bound():.2f}."
    )


def _canary_table(
    rows: list[dict[str, Any]],
    twin_rows: list[dict[str, Any]] | None,
    space: int,
    epsilon: float | None,
    unit: str = "row",
) -> Table:
    """The canary table: one row per secret, the twin's exposure and the DP bound beside."""
    columns = [
        "secret",
        "repetitions",
        "log-prob",
        "rank",
        "exposure (bits)",
        "sampled estimate",
        "extracted by greedy decoding",
    ]
    table_rows = [
        [
            r["secret"],
            r["repetitions"],
            round(r["log_prob"], 3),
            None if r["rank"] is None else (int(r["rank"]) if r["rank"] % 1 == 0 else r["rank"]),
            round(r["exposure"], 2),
            round(r["exposure_sampled"], 2),
            r["extracted"],
        ]
        for r in rows
    ]
    if twin_rows is not None:
        columns.append("exposure of the non-private twin")
        for row, other in zip(table_rows, twin_rows, strict=True):
            row.append(round(other["exposure"], 2))
    if epsilon is not None:
        columns.append("DP bound (95%)")
        for row, r in zip(table_rows, rows, strict=True):
            bound = dp_exposure_bound(epsilon, max(units_holding(r, unit), 1), space)
            row.append(round(bound, 2) if r["repetitions"] else None)
    return Table(
        "canaries",
        "Canaries",
        columns,
        table_rows,
        caption=f"|R| = {space:,}; exposure = log2 |R| − log2 rank. A secret never "
        f"inserted has exposure {chance_exposure():.2f} bits on average (chance) and "
        f"below {chance_bound():.2f} bits with probability 0.95.",
    )


def memorization_section(
    subject: LanguageModelSubject, settings: Any, *, seed: int = 0, twin: Any = None
) -> Section:
    """The memorization section: canary table, exposure chart, extraction, membership attack.

    ``twin``, when given, is the non-private twin of a DP-trained model: its exposures
    and perplexity go beside this model's.
    """
    data = subject.lm_data
    section = Section(id="memorization", title="Memorization")
    if data.canary_format is None or not data.secrets:
        section.notes.append("No canaries: give the subject canary_format= and secrets=.")
    else:
        space = data.canary_format.space
        kwargs = {
            "max_enumerate": settings.max_enumerate,
            "n_sample": settings.n_sample,
            "seed": seed,
        }
        rows = canary_exposures(subject.lm, subject, **kwargs)
        twin_rows = None if twin is None else canary_exposures(twin, subject, **kwargs)
        epsilon, unit = dp_record(subject)
        section.tables.append(_canary_table(rows, twin_rows, space, epsilon, unit))
        if epsilon is not None:
            from audit.privacy._record_table import dp_training

            section.notes.append(dp_note(epsilon, unit))
            dp_training(section, subject.training.privacy)
        top = max(rows, key=lambda r: r["repetitions"])
        control = [r for r in rows if r["repetitions"] == 0]
        section.metrics += [
            Metric(
                "max_repetition_exposure",
                top["exposure"],
                scope=None,
                description=f"exposure of the canary inserted {top['repetitions']} times",
            ),
            Metric(
                "canaries_extracted",
                float(sum(r["extracted"] for r in rows if r["repetitions"])),
                description="inserted canaries that greedy decoding reproduces from the prefix",
            ),
        ]
        if control:
            section.metrics.append(
                Metric(
                    "control_exposure",
                    control[0]["exposure"],
                    description="exposure of a secret never inserted (chance level)",
                )
            )
        if twin_rows is not None:
            twin_top = max(twin_rows, key=lambda r: r["repetitions"])
            section.metrics.append(
                Metric(
                    "twin_max_repetition_exposure",
                    twin_top["exposure"],
                    description="the same, for the non-private twin",
                )
            )
        section.figures.append(
            Figure(
                "exposure",
                "Exposure against repetitions",
                alt=_alt(rows, twin_rows),
                kind="svg",
                data=_chart(rows, twin_rows, space),
                caption=_alt(rows, twin_rows).replace(
                    "Canary exposure in bits against repetitions in the training data: ",
                    "Exposure (bits) per inserted canary: ",
                )
                + " The canary table holds every number.",
            )
        )
    attack = loss_attack(subject.lm, subject, rows=settings.attack_rows, seed=seed)
    n = attack["n"]
    section.metrics += [
        Metric(
            "lm_mia_auc",
            attack["auc"],
            n=n,
            ci=attack["auc_ci"],
            description="loss-threshold membership attack on training vs held-out sentences",
        ),
        Metric("lm_mia_tpr_at_1pct_fpr", attack["tpr_at_1pct_fpr"], n=n),
        Metric("lm_mia_tpr_at_01pct_fpr", attack["tpr_at_01pct_fpr"], n=n),
    ]
    if twin is not None:
        from audit.lm._train import sequence_losses

        for name, model in (
            ("lm_heldout_perplexity_dp", subject.lm),
            ("twin_heldout_perplexity", twin),
        ):
            loss, _ = sequence_losses(model, data.heldout_ids, pad_id=data.pad_id)
            section.metrics.append(Metric(name, float(np.exp(loss.mean()))))
        section.notes.append(
            "The non-private twin: same recipe and architecture, no clipping or "
            "noise; its perplexity is the cost of privacy."
        )
    return section
