"""Words, not pieces, in the text view; special ids kept out of baselines and word tables;
the rollout row of the position the head reads. Without ``transformers``: a small
Transformer encoder over a WordPiece-style vocabulary written by hand."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import audit
from audit.config import ExplainSettings
from audit.explain import _attention as attention
from audit.explain._methods import ExplainContext, baseline_for
from audit.explain._pieces import merge_pieces, piece_convention, row_words, word_attributions
from audit.hints import ExplainHints

#: A WordPiece vocabulary: "d ##ull", "great ##ly", "fil ##m" are pieces of one word.
VOCABULARY = ["[PAD]", "[CLS]", "[UNK]", "[SEP]", "d", "##ull", "great", "##ly", "fil", "##m",
              "was", "the", "good", "bad"]  # fmt: skip
PAD, CLS, UNK, SEP = 0, 1, 2, 3
SMALL = ExplainSettings(n_samples=24, trust_samples=2, ig_steps=16, ig_max_steps=32)


def test_the_merging_moved_and_audit_hf_reexports_it():
    import audit.hf  # imports neither transformers nor tokenizers

    assert audit.hf.merge_pieces is merge_pieces
    assert audit.hf.piece_convention is piece_convention
    assert audit.hf.word_attributions is word_attributions


def test_row_words_leave_special_ids_out():
    ids = [CLS, 11, 8, 9, 10, 4, 5, SEP, PAD]
    words = row_words(ids, VOCABULARY, special=[PAD, CLS, SEP])
    assert [(w.text, w.positions) for w in words] == [
        ("the", (1,)),
        ("film", (2, 3)),
        ("was", (4,)),
        ("dull", (5, 6)),
    ]
    with pytest.raises(ValueError, match="one row"):
        row_words([ids], VOCABULARY)


def test_per_word_sums_pieces_and_is_the_identity_without_pieces():
    X = np.array([[CLS, 8, 9, 4, 5, SEP, PAD], [CLS, 12, SEP, PAD, PAD, PAD, PAD]])
    values = np.arange(14, dtype=np.float64).reshape(2, 7)
    (merged,), mask = attention.per_word(X, [values], VOCABULARY, [PAD, CLS, SEP], "wordpiece")
    assert merged[0, :2].tolist() == [1 + 2, 3 + 4] and mask[0].tolist() == [1, 1, 0, 0, 0, 0, 0]
    assert merged[1, 0] == 8 and mask[1].sum() == 1
    (same,), words = attention.per_word(X, [values], VOCABULARY, [PAD, CLS, SEP], "none")
    assert same is values and words.tolist() == attention.word_mask(X, [PAD, CLS, SEP]).tolist()


def test_summary_positions_first_and_last_real_token():
    X = np.array([[5, 6, 7, 0, 0], [5, 0, 0, 0, 0], [5, 6, 7, 8, 9]])
    assert attention.summary_positions(X).tolist() == [0, 0, 0]
    assert attention.summary_positions(X, "last", pad_id=0).tolist() == [2, 0, 4]
    with pytest.raises(ValueError, match="'first' or 'last'"):
        attention.summary_positions(X, "middle")


def test_cls_attention_table_reads_the_given_position():
    """The last token of row 0 (position 2) attends 0.6 to itself, 0.3 to the evidence."""
    weights = np.zeros((1, 1, 1, 4, 4))
    weights[0, 0, 0, 0] = [1.0, 0.0, 0.0, 0.0]  # position 0: only itself (causal)
    weights[0, 0, 0, 2] = [0.1, 0.3, 0.6, 0.0]
    ids = np.array([[6, 7, 8, 0]])
    words = ids != 0
    truth = np.array([[0, 1, 0, 0]])
    first = attention.cls_attention_table(weights, ids, VOCABULARY, words, truth, min_count=1)
    assert first.rows[0][2:5] == [1.0, 0.0, 0.0] and first.columns[2] == "to [CLS]"
    last = attention.cls_attention_table(
        weights, ids, VOCABULARY, words, truth, min_count=1,
        positions=np.array([2]), reader="the last token",
    )  # fmt: skip
    itself, evidence, others = last.rows[0][2:5]
    assert (itself, evidence, others) == pytest.approx((0.6, 0.3, 0.1))
    assert last.columns[2] == "to the last token" and last.title.startswith(
        "Attention from the last"
    )
    assert last.rows[0][6] == "##ly"  # the evidence token; the read token itself is not counted


def test_baseline_keeps_special_ids():
    X = torch.tensor([[CLS, 6, 7, SEP, 12, SEP, PAD]])
    hints = {"pad_id": PAD, "cls_id": CLS, "unk_id": UNK}
    ctx = ExplainContext(torch.nn.Identity(), X[0], X, SMALL, "text", hints)
    assert baseline_for(ctx, X).tolist() == [[CLS, UNK, UNK, UNK, UNK, UNK, PAD]]  # before
    ctx.hints = {**hints, "special_ids": [SEP]}
    assert baseline_for(ctx, X).tolist() == [[CLS, UNK, UNK, SEP, UNK, SEP, PAD]]


def test_hints_validate_special_ids_and_summary():
    hints = ExplainHints(special_ids=[np.int64(3), 1, 3], summary="last")
    assert hints.special_ids == [1, 3] and hints.as_dict() == {
        "special_ids": [1, 3],
        "summary": "last",
    }
    assert "summary" not in ExplainHints(summary="first").as_dict()  # the default is not "set"
    for bad, expected in (
        ({"special_ids": [1, -2]}, "explain.special_ids: expected a list of non-negative int"),
        ({"special_ids": "12"}, "explain.special_ids: expected a list of non-negative int"),
        ({"special_ids": [True]}, "explain.special_ids: expected a list of non-negative int"),
        ({"summary": "middle"}, "explain.summary: expected 'first' or 'last', got 'middle'"),
    ):
        with pytest.raises(audit.AuditInputError, match=expected):
            ExplainHints(**bad)


def _subject(summary: str = "first") -> audit.Subject:
    """A small Transformer encoder on sentences written in the WordPiece vocabulary."""
    from audit.models._transformer import TransformerClassifier

    rng = np.random.default_rng(0)
    length, rows = 10, 96
    X = np.full((rows, length), PAD)
    y = rng.integers(0, 2, rows)
    for r in range(rows):
        sentiment = [[4, 5], [13]] if y[r] == 0 else [[6, 7], [12]]
        words = [[11], [8, 9], [10], sentiment[rng.integers(2)]]
        ids = [CLS, *(i for word in words for i in word), SEP]
        X[r, : len(ids)] = ids
    torch.manual_seed(0)
    model = TransformerClassifier(len(VOCABULARY), length, 2, pad_id=PAD, d_model=16, n_heads=2,
                                  n_layers=2)  # fmt: skip
    X = torch.as_tensor(X)
    return audit.Subject(
        model,
        (X[:64], y[:64]),
        (X[64:], y[64:]),
        modality="text",
        explain=ExplainHints(
            vocabulary=VOCABULARY,
            pad_id=PAD,
            cls_id=CLS,
            unk_id=UNK,
            special_ids=[PAD, UNK, CLS, SEP],
            summary=summary,
            embedding_layer=model.embedding,
            attention=model.attention_weights,
        ),
    )


@pytest.fixture(scope="module")
def wordpiece_view():
    from audit.explain import explain_subject, methods_for

    subject = _subject()
    methods = methods_for("text")
    run = explain_subject(subject, methods, SMALL)
    return subject, run, attention.text_view(subject, run, methods)


def test_text_view_shows_words_with_summed_pieces_and_no_separator(wordpiece_view):
    subject, run, view = wordpiece_view
    table = next(t for t in view.tables if t.id == "token_attributions")
    assert table.columns == ["sentence", "position", "word", "attribution", "rollout"]
    assert table.title.startswith("Word attributions")
    words = {row[2] for row in table.rows}
    assert {"film", "the", "was"} <= words and words & {"dull", "greatly"}
    assert not any(w.startswith("##") or w.startswith("[") for w in words)
    attributions = run.attributions["layer_integrated_gradients"]
    where = {int(r): i for i, r in enumerate(run.rows)}
    for sentence, position, word, value, rolled in table.rows:
        i = where[sentence]
        assert subject.X_test[sentence, position] != SEP
        span = [position, position + 1] if word in ("film", "dull", "greatly") else [position]
        assert value == pytest.approx(float(attributions[i, span].astype(np.float64).sum()))
        assert 0.0 <= rolled <= 1.0
        found = row_words(subject.X_test[sentence], VOCABULARY, special=[PAD, UNK, CLS, SEP])
        assert word in {w.text for w in found}
    rho = view.metrics[0]
    assert rho.name == "rollout_ig_spearman" and "words (pieces summed)" in rho.description
    heads = next(t for t in view.tables if t.id == "cls_attention")
    assert heads.columns[2] == "to [CLS]"


def test_rollout_row_is_the_last_real_token_with_summary_last():
    from audit.explain import explain_subject, methods_for

    subject = _subject("last")
    methods = methods_for("text")
    run = explain_subject(subject, methods, SMALL)
    view = attention.text_view(subject, run, methods)
    X = run.X.numpy()
    last = attention.summary_positions(X, "last", pad_id=PAD)
    assert (X[np.arange(len(X)), last] == SEP).all()  # the last real token of each row
    rolled = attention.rollout(attention.attention_maps(subject.explain.attention, run.X))
    expected = rolled[np.arange(len(X)), last]
    table = next(t for t in view.tables if t.id == "token_attributions")
    where = {int(r): i for i, r in enumerate(run.rows)}
    for sentence, position, word, _, value in table.rows:
        span = [position, position + 1] if word in ("film", "dull", "greatly") else [position]
        assert value == pytest.approx(float(expected[where[sentence], span].sum()))
    heads = next(t for t in view.tables if t.id == "cls_attention")
    assert heads.title.startswith("Attention from the last token")
