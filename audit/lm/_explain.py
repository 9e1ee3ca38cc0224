"""Next-token explanations: Layer Integrated Gradients, attention rollout, their agreement."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from audit.results import Metric, Section, Table

if TYPE_CHECKING:
    from audit.lm._subject import LanguageModelSubject

__all__ = ["lm_explainability_section", "next_token_attributions"]


class _LastLogit(torch.nn.Module):
    """``ids → logits of the next token after position ``last``, ``(batch, vocab)``."""

    def __init__(self, lm: torch.nn.Module, last: int) -> None:
        super().__init__()
        self.lm, self.last = lm, last

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.lm(ids)[:, self.last]


def next_token_attributions(
    model: torch.nn.Module, ids: torch.Tensor, *, pad_id: int, steps: int = 32
) -> tuple[np.ndarray, np.ndarray, float]:
    """LIG attributions ``(rows, L)`` of each row's predicted next token, and the targets.

    All rows have the same length ``L`` (the prediction is read at position ``L-1``);
    the baseline keeps the first token and pads the rest. Returns the attributions
    summed over the embedding width, the targets, and the largest completeness gap.

    Examples
    --------
    >>> from audit.models._decoder import CausalDecoder
    >>> model = CausalDecoder(10, 4, d_model=8, n_heads=2, d_ff=8)
    >>> attr, target, gap = next_token_attributions(model, torch.tensor([[1, 5, 6]]), pad_id=0)
    >>> attr.shape, gap < 0.05
    ((1, 3), True)
    """
    from captum.attr import LayerIntegratedGradients

    model.eval()
    forward = _LastLogit(model, ids.shape[1] - 1)
    with torch.no_grad():
        targets = forward(ids).argmax(-1)
    baseline = torch.full_like(ids, pad_id)
    baseline[:, 0] = ids[:, 0]
    explainer = LayerIntegratedGradients(forward, model.embedding)
    attributions, delta = explainer.attribute(
        ids, baselines=baseline, target=targets, n_steps=steps, return_convergence_delta=True
    )
    return (
        attributions.sum(-1).detach().double().numpy(),
        targets.numpy(),
        float(delta.abs().max()),
    )


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr

    rhos = [
        spearmanr(x, y).statistic
        for x, y in zip(a, b, strict=True)
        if np.ptp(x) > 0 and np.ptp(y) > 0
    ]
    rhos = [r for r in rhos if np.isfinite(r)]
    return float(np.mean(rhos)) if rhos else float("nan")


def _randomized(model: torch.nn.Module, seed: int) -> torch.nn.Module:
    """A copy of ``model`` with every weight re-drawn (the randomization sanity test)."""
    other = copy.deepcopy(model)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for p in other.parameters():
            torch.nn.init.normal_(p, std=float(p.detach().std()) or 0.02)
    return other


def lm_explainability_section(
    subject: LanguageModelSubject, settings: Any, *, seed: int = 0
) -> Section:
    """LIG and rollout over the context of each prompt's next token; agreement; randomization."""
    from audit.explain._attention import rollout

    data = subject.lm_data
    section = Section(id="lm_explainability", title="Language-model explanations")
    missing = [a for a in ("embedding", "attention_weights") if not hasattr(subject.lm, a)]
    if missing or not data.prompt_pairs:
        section.notes.append(
            "Not explained: the model has no "
            + " nor ".join(f"`{a}`" for a in missing)
            + " (the token embedding layer, and a method giving attention weights "
            "(batch, layers, heads, L, L))"
            if missing
            else "Not explained: no prompts (give the subject prompt_pairs=)."
        )
        return section
    texts = [pair[0][0] for pair in data.prompt_pairs]
    by_length: dict[int, list[list[int]]] = {}
    for text in texts:
        ids = subject.encode_text(text)
        by_length.setdefault(len(ids), []).append(ids)
    length, rows = max(by_length.items(), key=lambda item: len(item[1]))
    ids = torch.tensor(rows[: settings.prompts])
    attributions, targets, gap = next_token_attributions(
        subject.lm, ids, pad_id=data.pad_id, steps=settings.ig_steps
    )
    relevance = rollout(subject.lm.attention_weights(ids).numpy())[:, -1]
    agreement = _spearman(np.abs(attributions[:, 1:]), relevance[:, 1:])
    random_attr, _, _ = next_token_attributions(
        _randomized(subject.lm, seed), ids, pad_id=data.pad_id, steps=settings.ig_steps
    )
    randomization = _spearman(np.abs(attributions[:, 1:]), np.abs(random_attr[:, 1:]))
    section.metrics += [
        Metric(
            "lig_rollout_spearman",
            agreement,
            n=len(ids),
            description="mean rank correlation of |LIG| and attention rollout over the context",
        ),
        Metric(
            "lm_randomization_spearman",
            randomization,
            n=len(ids),
            description="rank correlation of |LIG| of the trained and a randomized model "
            "(low: the explanation depends on what the model learned)",
        ),
        Metric("lm_completeness_gap", gap, description="largest |sum of LIG − logit change|"),
    ]
    vocabulary = data.vocabulary
    table = []
    for row, attr, rel, target in zip(
        ids.tolist()[:8], attributions[:8], relevance[:8], targets[:8], strict=True
    ):
        words = [vocabulary[t] for t in row]
        top = int(np.argmax(np.abs(attr[1:]))) + 1
        top_rollout = int(np.argmax(rel[1:])) + 1
        highlighted = " ".join(f"[{w}]" if i == top else w for i, w in enumerate(words[1:], 1))
        table.append([highlighted, vocabulary[int(target)], words[top], words[top_rollout]])
    section.tables.append(
        Table(
            "contexts",
            "Highlighted contexts",
            [
                "context ([most attributed word])",
                "next token",
                "top word by LIG",
                "top word by rollout",
            ],
            table,
            caption=f"Layer Integrated Gradients over the token embeddings, "
            f"{settings.ig_steps} steps; rollout of the attention of the last position.",
        )
    )
    section.notes.append(
        f"{len(ids)} prompts of {length} tokens, the predicted next token explained."
    )
    return section
