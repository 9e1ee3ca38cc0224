"""Language-model performance (perplexity, next-token accuracy, curves) and compute."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from audit.results import Figure, Metric, Section, Table

if TYPE_CHECKING:
    from audit.lm._subject import LanguageModelSubject

__all__ = ["flops_per_token", "lm_compute_section", "lm_performance_section"]


def lm_performance_section(subject: LanguageModelSubject, settings: Any = None) -> Section:
    """Train vs held-out perplexity, their gap, next-token accuracy and the learning curve."""
    from audit.charts import Panel, render
    from audit.lm._train import sequence_losses

    data = subject.lm_data
    section = Section(id="lm_performance", title="Language-model performance")
    values = {}
    for split, ids in (("train", data.train_ids), ("heldout", data.heldout_ids)):
        loss, accuracy = sequence_losses(subject.lm, ids, pad_id=data.pad_id)
        values[split] = (float(np.exp(loss.mean())), float(accuracy.mean()))
    section.metrics += [
        Metric("train_perplexity", values["train"][0]),
        Metric("heldout_perplexity", values["heldout"][0], n=len(data.heldout_ids)),
        Metric(
            "perplexity_gap",
            values["heldout"][0] - values["train"][0],
            description="held-out minus training perplexity (overfitting)",
        ),
        Metric("heldout_next_token_accuracy", values["heldout"][1], n=len(data.heldout_ids)),
        Metric("train_next_token_accuracy", values["train"][1]),
    ]
    history = subject.history
    if history is not None and history.records:
        records = history.records
        epochs = [r.epoch for r in records]
        panel = Panel(xlabel="epoch", ylabel="perplexity")
        panel.line(epochs, [np.exp(r.train_loss) for r in records], label="training")
        if history.has_validation:
            panel.line(epochs, [np.exp(r.val_loss) for r in records], label="held-out", dash="5 3")
        section.figures.append(
            Figure(
                "learning_curve",
                "Learning curve",
                kind="svg",
                alt="Training and held-out perplexity per epoch.",
                data=render([panel], alt="Training and held-out perplexity per epoch."),
            )
        )
        section.tables.append(
            Table(
                "history",
                "Training history",
                ["epoch", "train loss", "held-out loss", "held-out next-token accuracy"],
                [[r.epoch, r.train_loss, r.val_loss, r.val_accuracy] for r in records],
            )
        )
    return section


def flops_per_token(model: torch.nn.Module, ids: torch.Tensor) -> float:
    """Forward FLOPs per token of ``model`` on ``ids`` (torch.utils.flop_counter).

    Examples
    --------
    >>> from audit.models._decoder import CausalDecoder
    >>> model = CausalDecoder(10, 4, d_model=8, n_heads=2, d_ff=8)
    >>> flops_per_token(model, torch.ones(1, 4).long()) > 0
    True
    """
    from torch.utils.flop_counter import FlopCounterMode

    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(ids)
    return counter.get_total_flops() / ids.numel()


def lm_compute_section(subject: LanguageModelSubject, settings: Any = None) -> Section:
    """Parameters, FLOPs per token, and greedy generation latency per token."""
    from audit.lm._exposure import greedy_continuation

    model = subject.lm
    section = Section(id="lm_compute", title="Language-model compute")
    unique = {id(p): p for p in model.parameters()}
    n_params = sum(p.numel() for p in unique.values())
    ids = subject.lm_data.heldout_ids[:8]
    flops = flops_per_token(model, ids)
    steps = 10
    prefix = [subject.bos_id]
    greedy_continuation(model, prefix, 2)  # warm-up
    t0 = time.perf_counter()
    greedy_continuation(model, prefix, steps)
    latency = (time.perf_counter() - t0) / steps * 1000
    section.metrics += [
        Metric(
            "lm_n_parameters", float(n_params), description="unique parameters (tied counted once)"
        ),
        Metric(
            "flops_per_token",
            flops,
            description=f"forward FLOPs per token at length {ids.shape[1]}",
        ),
        Metric(
            "generation_ms_per_token",
            latency,
            description="greedy decoding, one sequence, no cache (a timing: varies between runs)",
        ),
    ]
    return section
