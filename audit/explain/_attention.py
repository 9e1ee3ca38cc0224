"""Attention and token importance of text subjects: rollout, reading position, tables.

Attention is read from the per-head weights a text subject exposes as
``subject.explain.attention``, a callable ``ids -> (rows, layers, heads, L, L)``
whose row ``[..., i, :]`` is query ``i``'s distribution over the keys. Attention
rollout follows Abnar & Zuidema (2020), "Quantifying Attention Flow in Transformers".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from audit.explain._methods import MethodSpec
from audit.results import Table
from audit.subject import Subject

__all__ = [
    "READERS",
    "attention_maps",
    "cls_attention_table",
    "per_word",
    "rollout",
    "rollout_ig_spearman",
    "summary_positions",
    "text_view",
    "token_importance",
    "vocabulary_importance",
    "word_mask",
]


def attention_maps(
    attention: Callable[[torch.Tensor], torch.Tensor], X: torch.Tensor, *, batch_size: int = 256
) -> np.ndarray:
    """The attention weights of the rows of ``X``, batch by batch, as float64.

    Examples
    --------
    >>> from audit.models._transformer import TransformerClassifier
    >>> model = TransformerClassifier(20, 6, d_model=8, n_heads=2, n_layers=2)
    >>> attention_maps(model.attention_weights, torch.tensor([[1, 5, 7, 0, 0, 0]])).shape
    (1, 2, 2, 6, 6)
    """
    parts = []
    with torch.no_grad():
        for start in range(0, len(X), batch_size):
            weights = attention(X[start : start + batch_size])
            parts.append(torch.as_tensor(weights).detach().double().numpy())
    return np.concatenate(parts)


def rollout(attention: np.ndarray, *, residual: float = 0.5) -> np.ndarray:
    """Attention rollout (Abnar & Zuidema 2020): how much each input token reaches each position.

    Per layer the heads are averaged, the residual connection is modelled by adding
    the identity (``(1 - residual) A + residual I``), rows are renormalised to sum
    to 1, and the layers are multiplied from the first to the last:
    ``R = Â_L ⋯ Â_2 Â_1``. Row ``R[b, 0]`` is the share of each input token in the
    final ``[CLS]`` vector of row ``b``.

    Parameters
    ----------
    attention : ndarray
        ``(rows, layers, heads, L, L)`` attention weights.
    residual : float
        Weight of the identity (0.5 in the paper).

    Returns
    -------
    ndarray
        ``(rows, L, L)``; every row of every matrix sums to 1.

    Examples
    --------
    >>> uniform = np.full((1, 2, 1, 2, 2), 0.5)
    >>> rollout(uniform)[0].round(3).tolist()  # two layers of (0.5 A + 0.5 I)
    [[0.625, 0.375], [0.375, 0.625]]
    >>> rollout(np.eye(3)[None, None, None].repeat(2, axis=1))[0, 0].tolist()
    [1.0, 0.0, 0.0]
    """
    attention = np.asarray(attention, dtype=np.float64)
    if attention.ndim != 5 or attention.shape[-1] != attention.shape[-2]:
        raise ValueError(f"attention must be (rows, layers, heads, L, L), got {attention.shape}")
    rows, layers, _, length, _ = attention.shape
    identity = np.eye(length)
    result = np.broadcast_to(identity, (rows, length, length)).copy()
    for layer in range(layers):
        mixed = (1.0 - residual) * attention[:, layer].mean(axis=1) + residual * identity
        mixed /= mixed.sum(axis=-1, keepdims=True)
        result = mixed @ result
    return result


def word_mask(X: torch.Tensor | np.ndarray, special: Sequence[int]) -> np.ndarray:
    """True at the tokens of ``X`` that are words: not padding, ``[CLS]`` or another special id.

    Examples
    --------
    >>> word_mask(np.array([[1, 5, 7, 0]]), special=[0, 1]).tolist()
    [[False, True, True, False]]
    """
    ids = np.asarray(X)
    return ~np.isin(ids, np.asarray(list(special), dtype=ids.dtype))


def rollout_ig_spearman(
    relevance: np.ndarray, attributions: np.ndarray, words: np.ndarray
) -> float:
    """Mean over sentences of Spearman's rho between rollout relevance and |attribution|.

    Only the word tokens (``words``) of each sentence are ranked; sentences with
    fewer than three words, or a constant ranking, are left out.

    Examples
    --------
    >>> relevance = np.array([[0.5, 0.3, 0.15, 0.05], [0.4, 0.1, 0.2, 0.3]])
    >>> attributions = np.array([[0.0, -3.0, 2.0, 1.0], [0.0, 1.0, 2.0, 3.0]])
    >>> words = np.array([[False, True, True, True], [False, True, True, True]])
    >>> round(rollout_ig_spearman(relevance, attributions, words), 3)
    1.0
    """
    from scipy.stats import spearmanr

    values = []
    for rel, attr, keep in zip(relevance, np.abs(attributions), words, strict=True):
        a, b = rel[keep], attr[keep]
        if keep.sum() < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
            continue
        values.append(float(spearmanr(a, b).statistic))
    return float(np.mean(values)) if values else float("nan")


#: How the report names the position the classification head reads, by ``summary``.
READERS = {"first": "[CLS]", "last": "the last token"}


def summary_positions(
    X: torch.Tensor | np.ndarray, summary: str = "first", pad_id: int | None = None
) -> np.ndarray:
    """Per row, the position the classification head reads: 0, or the last non-padding token.

    ``summary="first"``: the first token (``[CLS]``, encoders such as BERT);
    ``"last"``: the last token that is not ``pad_id`` (decoders such as GPT-2, whose
    head reads the last real token of the row; 0 for a row of padding only).

    Examples
    --------
    >>> summary_positions(np.array([[5, 6, 7, 0], [5, 0, 0, 0]]), "last", pad_id=0).tolist()
    [2, 0]
    >>> summary_positions(np.array([[5, 6, 7, 0]])).tolist()
    [0]
    """
    ids = np.asarray(X)
    if summary == "first":
        return np.zeros(len(ids), dtype=np.int64)
    if summary != "last":
        raise ValueError(f"summary must be 'first' or 'last', got {summary!r}")
    real = np.ones(ids.shape, dtype=bool) if pad_id is None else ids != int(pad_id)
    return (np.arange(ids.shape[1]) * real).argmax(axis=1).astype(np.int64)


def cls_attention_table(
    attention: np.ndarray,
    X: torch.Tensor | np.ndarray,
    vocabulary: Sequence[str],
    words: np.ndarray,
    truth: np.ndarray | None = None,
    *,
    min_count: int = 5,
    positions: np.ndarray | None = None,
    reader: str = READERS["first"],
) -> Table:
    """Per layer and head, where the attention of ``[CLS]`` goes, averaged over rows.

    The columns are the mean share of ``[CLS]``'s attention on itself, on the planted
    evidence (``truth``, when known), on the other words, its entropy in nats, and
    the token that receives the most ``[CLS]`` attention per occurrence (among the
    tokens that occur at least ``min_count`` times). With ``positions`` (per row, the
    position the head reads: :func:`summary_positions`) the attention of that position
    is read instead of position 0's, and ``reader`` names it (``"the last token"``); the
    read position itself counts only as "itself", not among the words.

    Examples
    --------
    >>> weights = np.full((1, 1, 1, 3, 3), 1 / 3)
    >>> ids = np.array([[1, 3, 4]])
    >>> table = cls_attention_table(weights, ids, ["[PAD]", "[CLS]", "", "a", "b"],
    ...                             ids > 1, min_count=1)
    >>> layer, head, to_cls = table.rows[0][:3]
    >>> layer, head, round(to_cls, 3)
    (1, 1, 0.333)
    """
    ids = np.asarray(X)
    rows, layers, heads = attention.shape[:3]
    positions = np.zeros(rows, dtype=np.int64) if positions is None else np.asarray(positions)
    everyone = np.arange(rows)
    cls_query = attention[everyone, :, :, positions]  # (rows, layers, heads, L)
    read = np.zeros(words.shape, dtype=bool)
    read[everyone, positions] = True
    words = words & ~read
    evidence = np.zeros_like(words) if truth is None else (np.asarray(truth) > 0) & words
    others = words & ~evidence
    counts = np.bincount(ids[words], minlength=len(vocabulary))
    table_rows = []
    for layer in range(layers):
        for head in range(heads):
            share = cls_query[:, layer, head]  # (rows, L)
            p = np.clip(share, 1e-12, 1.0)
            entropy = -(np.where(share > 0, share * np.log(p), 0.0)).sum(1).mean()
            received = np.bincount(ids[words], share[words], minlength=len(vocabulary))
            per_token = np.where(counts >= min_count, received / np.maximum(counts, 1), -1.0)
            top = int(per_token.argmax())
            table_rows.append(
                [
                    layer + 1,
                    head + 1,
                    float(share[everyone, positions].mean()),
                    None if truth is None else float((share * evidence).sum(1).mean()),
                    float((share * others).sum(1).mean()),
                    float(entropy),
                    vocabulary[top] if per_token[top] >= 0 else "",
                    float(per_token[top]) if per_token[top] >= 0 else None,
                ]
            )
    return Table(
        id="cls_attention",
        title=f"Attention from {reader} per layer and head (mean over the explained rows)",
        columns=[
            "layer",
            "head",
            f"to {reader}",
            "to planted evidence",
            "to other words",
            "entropy (nats)",
            "most attended token",
            "its mean weight",
        ],
        rows=table_rows,
        caption=f"{rows} test sentences; the most attended token is the one with the highest "
        f"mean {reader} weight per occurrence, among tokens seen at least {min_count} times. "
        "Attention weights describe where the model looks, not what it uses: compare with "
        "the attributions.",
    )


def token_importance(
    X: np.ndarray, attributions: np.ndarray, vocab_size: int, special: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Mean |attribution| per token id over its occurrences, and the occurrence counts.

    Ids in ``special`` (padding, ``[CLS]``) and absent ids get NaN.

    Examples
    --------
    >>> X = np.array([[1, 3, 4, 0], [1, 4, 4, 0]])
    >>> A = np.array([[0.0, 1.0, -2.0, 0.0], [0.0, 4.0, 0.0, 0.0]])
    >>> mean, counts = token_importance(X, A, 5, special=[0, 1])
    >>> mean.tolist()[2:], counts.tolist()
    ([nan, 1.0, 2.0], [2, 2, 0, 1, 3])
    """
    ids = np.asarray(X).ravel()
    counts = np.bincount(ids, minlength=vocab_size)
    sums = np.bincount(ids, np.abs(attributions).ravel(), minlength=vocab_size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(counts > 0, sums / counts, np.nan)
    mean[list(special)] = np.nan
    return mean, counts


def vocabulary_importance(
    subject: Subject, run: Any, methods: list[MethodSpec]
) -> tuple[list[str], dict[str, np.ndarray], dict[str, list[int]]]:
    """Global importance per vocabulary token: labels, shares per method, occurrences.

    Each method's mean |attribution| per token (:func:`token_importance`) over the
    tokens that occur in the explained rows, normalised to sum to 1.

    Examples
    --------
    >>> import audit
    >>> from audit.config import ExplainSettings, TrainingConfig
    >>> from audit.explain import explain_subject, methods_for
    >>> subject = audit.reference("text", training=TrainingConfig(epochs=2))
    >>> methods = methods_for("text")
    >>> run = explain_subject(subject, methods, ExplainSettings(n_samples=16, trust_samples=2))
    >>> labels, shares, extra = vocabulary_importance(subject, run, methods)
    >>> "[PAD]" in labels, round(float(shares["layer_integrated_gradients"].sum()), 6)
    (False, 1.0)
    """
    meta = subject.explain.as_dict()
    X = run.X.numpy()
    vocabulary = _vocabulary(meta, X)
    special = _special(meta)
    means, counts = {}, np.zeros(len(vocabulary), dtype=np.int64)
    for m in methods:
        means[m.name], counts = token_importance(
            X, run.attributions[m.name], len(vocabulary), special
        )
    present = np.flatnonzero(np.isfinite(means[methods[0].name]))
    importances = {}
    for name, mean in means.items():
        values = np.nan_to_num(mean[present])
        importances[name] = values / values.sum() if values.sum() > 0 else values
    labels = [vocabulary[i] for i in present]
    return labels, importances, {"occurrences": [int(counts[i]) for i in present]}


def _vocabulary(meta: dict[str, Any], X: np.ndarray) -> list[str]:
    return list(meta.get("vocabulary") or [str(i) for i in range(int(X.max()) + 1)])


def _special(meta: dict[str, Any]) -> list[int]:
    """Ids that are not words: padding, the class token and ``special_ids``."""
    ids = [int(meta[k]) for k in ("pad_id", "cls_id") if meta.get(k) is not None]
    return ids + [int(i) for i in meta.get("special_ids") or () if int(i) not in ids]


# the view that assembles these per word (kept importable from here)
from audit.explain._text_view import per_word, text_view  # noqa: E402
