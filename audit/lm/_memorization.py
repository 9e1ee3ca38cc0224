"""The memorization audit: canary exposure, extraction, a loss-based membership attack."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch

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

__all__ = ["canary_exposures", "loss_attack", "memorization_section"]


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
                "secret": " ".join(secret.tokens),
                "repetitions": secret.repetitions,
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
    0.1% FPR and the counts.
    """
    from sklearn.metrics import roc_auc_score, roc_curve

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
    labels = np.r_[np.ones(n), np.zeros(n)]
    scores = -np.r_[member_loss, other_loss]
    fpr, tpr, _ = roc_curve(labels, scores)
    return {
        "auc": float(roc_auc_score(labels, scores)),
        "tpr_at_1pct_fpr": float(np.interp(0.01, fpr, tpr)),
        "tpr_at_01pct_fpr": float(np.interp(0.001, fpr, tpr)),
        "n": n,
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
    return render([panel], alt="Canary exposure against repetitions in the training data.")


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
                r["rank"],
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
        section.tables.append(
            Table(
                "canaries",
                "Canaries",
                columns,
                table_rows,
                caption=f"|R| = {space:,}; exposure = log2 |R| − log2 rank; chance ≈ 1.4 bits.",
            )
        )
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
                alt="Canary exposure (bits) against how often the canary was inserted.",
                kind="svg",
                data=_chart(rows, twin_rows, space),
                caption="Exact exposure per inserted canary; the table holds the numbers.",
            )
        )
    attack = loss_attack(subject.lm, subject, rows=settings.attack_rows, seed=seed)
    n = attack["n"]
    section.metrics += [
        Metric(
            "lm_mia_auc",
            attack["auc"],
            n=n,
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
