"""The text view: highlighted tokens, importance per vocabulary token, and attention.

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
from audit.explain._pieces import Convention, piece_convention, row_words
from audit.explain._views import View, examples_per_class
from audit.results import Metric, Table
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


def per_word(
    X: np.ndarray,
    values: Sequence[np.ndarray],
    vocabulary: Sequence[str],
    special: Sequence[int],
    convention: Convention,
) -> tuple[list[np.ndarray], np.ndarray]:
    """Per-token values ``(rows, L)`` summed per word: ``(rows, words)`` arrays and a mask.

    Each row's words (:func:`audit.explain._pieces.row_words`) are put first, in order;
    the mask is True at the places that hold a word. With ``convention="none"`` every
    non-special token is a word: the values and :func:`word_mask` are returned as given.

    Examples
    --------
    >>> X = np.array([[1, 2, 3, 4, 0]])
    >>> (merged,), mask = per_word(X, [np.array([[9.0, 1.0, 2.0, 4.0, 9.0]])],
    ...                            ["[PAD]", "[CLS]", "d", "##ull", "film"], [0, 1], "wordpiece")
    >>> merged.tolist(), mask.tolist()
    ([[3.0, 4.0, 0.0, 0.0, 0.0]], [[True, True, False, False, False]])
    """
    if convention == "none":
        return list(values), word_mask(X, special)
    merged = [np.zeros(X.shape, dtype=np.float64) for _ in values]
    mask = np.zeros(X.shape, dtype=bool)
    for row in range(len(X)):
        found = row_words(X[row], vocabulary, special=special, convention=convention)
        for slot, word in enumerate(found):
            where = list(word.positions)
            mask[row, slot] = True
            for out, value in zip(merged, values, strict=True):
                out[row, slot] = np.asarray(value[row, where], dtype=np.float64).sum()
    return merged, mask


def _sentence_picks(subject: Subject, run: Any, limit: int) -> list[tuple[str, int]]:
    """Roles and explained-row indices: the most confident right per class, then
    :func:`~audit.explain._local.selected_rows` (wrong, per group), without repeats."""
    from audit.explain._local import selected_rows

    names = subject.class_names
    picks = [(f"most confident right, {names[c]}", i) for c, i in _right_by_class(subject, run)]
    for role, i in selected_rows(subject, run):
        kept = [r for r in role.split("; ") if r != "most confident right"]
        if kept:
            picks.append(("; ".join(kept), i))
    seen: set[int] = set()
    unique = []
    for role, i in picks:
        if i not in seen:
            seen.add(i)
            unique.append((role, i))
    return unique[:limit]


def _right_by_class(subject: Subject, run: Any) -> list[tuple[int, int]]:
    picks = examples_per_class(subject, run)
    return [(int(run.proba[i].argmax()), i) for i in picks]


def text_view(subject: Subject, run: Any, methods: list[MethodSpec], *, sentences: int = 6) -> View:
    """Highlighted words of a few sentences, attention from ``[CLS]`` and attention rollout.

    ``token_attributions`` holds the attribution of every word of the chosen sentences
    (padding, ``[CLS]`` and ``explain.special_ids`` skipped) under the first
    Integrated-Gradients method, with the attention-rollout relevance of the position
    the head reads beside it; ``explained_sentences`` names the sentences. For a
    sub-word vocabulary (WordPiece ``##``, byte-level BPE ``Ġ``, SentencePiece ``▁``:
    :func:`~audit.explain._pieces.piece_convention`) a word's pieces are merged and
    their attributions and rollout shares summed; with a word-level vocabulary every
    token is a word. The head reads ``[CLS]`` (position 0), or with
    ``explain.summary="last"`` the last non-padding token (decoders such as GPT-2).
    With ``subject.explain.attention`` the view adds the table ``cls_attention`` and
    the metric ``rollout_ig_spearman``.

    Examples
    --------
    >>> import audit
    >>> from audit.config import ExplainSettings, TrainingConfig
    >>> from audit.explain import explain_subject, methods_for
    >>> subject = audit.reference("text", training=TrainingConfig(epochs=2))
    >>> methods = methods_for("text")
    >>> run = explain_subject(subject, methods, ExplainSettings(n_samples=16, trust_samples=2))
    >>> view = text_view(subject, run, methods)
    >>> [t.id for t in view.tables], view.metrics[0].name
    (['cls_attention', 'explained_sentences', 'token_attributions'], 'rollout_ig_spearman')
    """
    view = View()
    meta = subject.explain.as_dict()
    X = run.X.numpy()
    vocabulary = _vocabulary(meta, X)
    special = _special(meta)
    words = word_mask(X, special)
    convention = piece_convention(vocabulary)
    merged = convention != "none"
    summary = meta.get("summary", "first")
    reader = READERS[summary]
    method = next((m for m in methods if "integrated_gradients" in m.name), methods[0])
    attributions = run.attributions[method.name]
    relevance = None
    if callable(meta.get("attention")):
        weights = attention_maps(meta["attention"], run.X)
        positions = summary_positions(X, summary, meta.get("pad_id"))
        relevance = rollout(weights)[np.arange(len(X)), positions, :]
        truth = meta.get("ground_truth_test")
        truth = None if truth is None else np.asarray(truth)[run.rows]
        view.tables.append(
            cls_attention_table(
                weights, X, vocabulary, words, truth, positions=positions, reader=reader
            )
        )
        (word_relevance, word_attribution), in_word = per_word(
            X, [relevance, attributions], vocabulary, special, convention
        )
        view.metrics.append(
            Metric(
                "rollout_ig_spearman",
                rollout_ig_spearman(word_relevance, word_attribution, in_word),
                description="mean over sentences of Spearman's correlation between attention "
                f"rollout from {reader} and |{method.label}| over the "
                + ("words (pieces summed)" if merged else "word tokens"),
            )
        )
    else:
        view.notes.append("No attention weights (no explain.attention hint): no attention views.")
    picks = _sentence_picks(subject, run, sentences)
    names = subject.class_names
    view.tables.append(
        Table(
            id="explained_sentences",
            title="Highlighted sentences",
            columns=["sentence", "role", "predicted", "probability", "true class"],
            rows=[
                [
                    int(run.rows[i]),
                    role,
                    names[int(run.proba[i].argmax())],
                    float(run.proba[i].max()),
                    names[int(np.asarray(subject.y_test)[run.rows[i]])],
                ]
                for role, i in picks
            ],
        )
    )
    rows = []
    for _, i in picks:
        for word in row_words(X[i], vocabulary, special=special, convention=convention):
            where = list(word.positions)
            value = float(np.asarray(attributions[i, where], dtype=np.float64).sum())
            rows.append(
                [
                    int(run.rows[i]),
                    int(where[0]),
                    word.text,
                    value if np.isfinite(value) else 0.0,
                    None if relevance is None else float(relevance[i, where].sum()),
                ]
            )
    left_out = "Padding and [CLS] are left out."
    if merged or len(special) > 2:
        left_out = "Padding, [CLS], separators and other special tokens are left out."
    caption = (
        "Attribution: contribution to the predicted class's logit (positive: toward it). "
        f"Rollout: share of the token in the final {reader} vector by attention rollout "
        f"(Abnar & Zuidema 2020). {left_out}"
    )
    if merged:
        caption = (
            "Words: the tokenizer's pieces merged back into words, their attributions and "
            "rollout shares summed; position: the word's first piece. " + caption
        )
    view.tables.append(
        Table(
            id="token_attributions",
            title=f"{'Word' if merged else 'Token'} attributions ({method.label}) and "
            "attention rollout",
            columns=[
                "sentence",
                "position",
                "word" if merged else "token",
                "attribution",
                "rollout",
            ],
            rows=rows,
            caption=caption,
        )
    )
    return view
