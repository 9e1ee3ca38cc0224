"""The report on Hugging Face subjects: words not pieces, no separators, special ids kept in
baselines, and the rollout row of the position the head reads (the last real token for
GPT-2)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from audit.config import ExplainSettings
from audit.explain import _attention as attention
from audit.explain import explain_subject, methods_for
from audit.explain._methods import ExplainContext, baseline_for
from audit.hf import rollout_relevance, word_attributions

SMALL = ExplainSettings(n_samples=16, trust_samples=2, ig_steps=16, ig_max_steps=32)


@pytest.fixture(scope="module")
def views(bert, gpt2):
    """The text view of each fine-tuned subject, on the same 16 test rows."""
    out = {}
    for kind, (subject, tokenizer) in (("bert", bert), ("gpt2", gpt2)):
        methods = methods_for("text")
        run = explain_subject(subject, methods, SMALL)
        out[kind] = (subject, tokenizer, run, attention.text_view(subject, run, methods))
    return out


def _table(view, table_id):
    return next(t for t in view.tables if t.id == table_id)


@pytest.mark.parametrize(("kind", "summary"), [("bert", "first"), ("gpt2", "last")])
def test_from_transformers_passes_special_ids_and_summary(kind, summary, request):
    subject, tokenizer = request.getfixturevalue(kind)
    assert subject.explain.special_ids == sorted(set(tokenizer.all_special_ids))
    assert subject.explain.summary == summary == subject.model.summary


def test_bert_baseline_keeps_cls_sep_and_padding(bert):
    subject, tokenizer = bert
    X = subject.X_test[:8]
    ctx = ExplainContext(subject.model, X[0], X, SMALL, "text", subject.explain.as_dict())
    baseline = baseline_for(ctx, X)
    special = torch.isin(X, torch.tensor(tokenizer.all_special_ids))
    assert bool((X == tokenizer.sep_token_id).any(1).all())  # every row has its [SEP]
    assert torch.equal(baseline[special], X[special])
    assert bool((baseline[~special] == tokenizer.unk_token_id).all())
    assert int((baseline == tokenizer.sep_token_id).sum()) == 8


def test_bert_token_table_has_words_not_pieces_and_no_sep(views):
    subject, tokenizer, run, view = views["bert"]
    table = _table(view, "token_attributions")
    assert table.columns[2] == "word" and table.title.startswith("Word attributions")
    words = [row[2] for row in table.rows]
    assert words and not {"[SEP]", "[CLS]", "[PAD]"} & set(words)
    assert not any(w.startswith("##") for w in words)
    attributions = run.attributions["layer_integrated_gradients"]
    where = {int(r): i for i, r in enumerate(run.rows)}
    merged = 0
    for sentence in {row[0] for row in table.rows}:
        i = where[sentence]
        expected = word_attributions(
            run.X[i], attributions[i], subject.explain.vocabulary,
            special=tokenizer.all_special_ids,
        )  # fmt: skip
        got = [(row[2], row[3]) for row in table.rows if row[0] == sentence]
        assert [w for w, _ in got] == [w for w, _ in expected]
        assert [v for _, v in got] == pytest.approx([v for _, v in expected], abs=1e-9)
        text = tokenizer.decode(run.X[i], skip_special_tokens=True).split()
        assert [w for w, _ in got] == text  # the words of the sentence, as the tokenizer reads it
        pieces = tokenizer.convert_ids_to_tokens(run.X[i].tolist())
        merged += sum(p.startswith("##") for p in pieces)
    assert merged > 0  # the vocabulary of 260 pieces splits some words: merging was needed
    heads = _table(view, "cls_attention")
    assert heads.columns[2] == "to [CLS]"


def test_gpt2_rollout_row_is_the_last_real_token(views):
    subject, tokenizer, run, view = views["gpt2"]
    X = run.X.numpy()
    pad = tokenizer.pad_token_id
    last = attention.summary_positions(X, "last", pad_id=pad)
    lengths = (X != pad).sum(1)
    assert (last == lengths - 1).all() and (lengths > 1).all()  # right padding
    weights = attention.attention_maps(subject.explain.attention, run.X)
    rolled = attention.rollout(weights)
    # a causal model's first token sees only itself: row 0 would put all mass there
    np.testing.assert_allclose(rolled[:, 0, 0], 1.0, atol=1e-9)
    relevance = rollout_relevance(subject.model, run.X)
    np.testing.assert_allclose(relevance, rolled[np.arange(len(X)), last], atol=1e-9)
    assert (relevance[:, 1:].sum(1) > 0.05).all()  # the last token's row spreads over the text
    table = _table(view, "token_attributions")
    where = {int(r): i for i, r in enumerate(run.rows)}
    checked = 0
    for sentence in {row[0] for row in table.rows}:
        i = where[sentence]
        expected = word_attributions(
            run.X[i], relevance[i], subject.explain.vocabulary, special=tokenizer.all_special_ids
        )
        got = [(row[2], row[4]) for row in table.rows if row[0] == sentence]
        assert [w for w, _ in got] == [w for w, _ in expected]
        assert [v for _, v in got] == pytest.approx([v for _, v in expected], abs=1e-9)
        assert sum(v for _, v in got) == pytest.approx(1.0, abs=1e-6)  # no special token read
        assert not any(w.startswith("Ġ") for w, _ in got)
        checked += 1
    assert checked >= 2
    heads = _table(view, "cls_attention")
    assert heads.title.startswith("Attention from the last token")
    assert heads.columns[2] == "to the last token"
    for row in heads.rows:
        assert 0.0 < row[2] < 1.0 and row[2] + row[3] + row[4] == pytest.approx(1.0, abs=1e-6)
    assert "rollout from the last token" in view.metrics[0].description


def test_summary_positions_agree_with_the_wrapper(gpt2):
    subject, tokenizer = gpt2
    X = subject.X_test[:32]
    positions = subject.model.summary_positions(X)
    assert positions.dtype == torch.int64
    lengths = (X != tokenizer.pad_token_id).sum(1)
    assert torch.equal(positions, lengths - 1)
