"""The text view: each explained sentence's words shaded by attribution and by attention.

The computations it draws (attention rollout, the head's reading position, token and
vocabulary importance) live in :mod:`audit.explain._attention`; this module puts them
together per word for the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from audit.explain._attention import (
    READERS,
    _special,
    _vocabulary,
    attention_maps,
    cls_attention_table,
    rollout,
    rollout_ig_spearman,
    summary_positions,
    word_mask,
)
from audit.explain._methods import MethodSpec
from audit.explain._pieces import Convention, piece_convention, row_words
from audit.explain._views import View, examples_per_class
from audit.results import Metric, Table
from audit.subject import Subject

__all__ = ["per_word", "text_view"]


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
