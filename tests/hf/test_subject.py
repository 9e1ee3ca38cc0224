"""from_transformers: the Subject, its hints, explanations that find the sentiment words,
and the errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from captum.attr import LayerIntegratedGradients

import audit
from audit.explain._methods import ExplainContext, baseline_for
from audit.hf import MISSING_TRANSFORMERS, from_transformers, word_attributions
from tests.hf.conftest import SENTIMENT

ROOT = Path(__file__).resolve().parents[2]
#: Test accuracy both fine-tuned models must reach (they reach about 0.9; chance is 0.5).
MIN_ACCURACY = 0.8


@pytest.mark.parametrize("kind", ["bert", "gpt2"])
def test_subject_is_a_text_subject_with_hints(kind, corpus, request):
    subject, tokenizer = request.getfixturevalue(kind)
    assert isinstance(subject, audit.Subject) and subject.modality == "text"
    assert subject.X_test.dtype == torch.int64 and subject.X_test.shape == (160, 24)
    assert subject.n_classes == 2 and subject.class_names == ["negative", "positive"]
    hints = subject.explain
    assert hints.embedding_layer is subject.model.model.get_input_embeddings()
    assert hints.vocabulary == tokenizer.convert_ids_to_tokens(list(range(len(tokenizer))))
    assert hints.pad_id == tokenizer.pad_token_id
    assert hints.unk_id == tokenizer.unk_token_id != hints.pad_id
    assert hints.cls_id == (tokenizer.cls_token_id if kind == "bert" else None)
    assert list(subject.sensitive_test.columns) == ["name_group", "group_term"]
    assert subject.name == type(subject.model.model).__name__
    accuracy = float((subject.predict_proba("test").argmax(1) == corpus.test.labels).mean())
    assert accuracy >= MIN_ACCURACY, accuracy


@pytest.mark.parametrize("kind", ["bert", "gpt2"])
def test_layer_integrated_gradients_are_complete(kind, request):
    """Σ attributions = f(x) − f(baseline) on a few rows, with the suite's baselines."""
    subject, _ = request.getfixturevalue(kind)
    model, X = subject.model.eval(), subject.X_test[:4]
    ctx = ExplainContext(model, X[0], X, None, "text", subject.explain.as_dict())
    baseline = baseline_for(ctx, X)
    target = torch.as_tensor(subject.predict_proba("test")[:4].argmax(1))
    method = LayerIntegratedGradients(model, subject.explain.embedding_layer)
    attributions = method.attribute(X, baselines=baseline, target=target, n_steps=200)
    with torch.no_grad():
        gap = (model(X) - model(baseline)).gather(1, target[:, None])[:, 0]
    total = attributions.sum(dim=(1, 2)).detach()
    error = (total - gap).abs() / gap.abs().clamp_min(1e-3)
    assert float(error.max()) < 0.02, (total, gap)


@pytest.mark.parametrize("kind", ["bert", "gpt2"])
def test_sentiment_words_get_the_top_attribution(kind, corpus, request):
    """Per sentence, the word with the largest |attribution| (pieces summed) is a
    sentiment word far more often than chance (about 1.5 of 9 words)."""
    from audit.config import ExplainSettings
    from audit.explain._methods import layer_integrated_gradients

    subject, tokenizer = request.getfixturevalue(kind)
    model, X = subject.model.eval(), subject.X_test[:24]
    settings = ExplainSettings(ig_steps=24)
    ctx = ExplainContext(model, X[0], X, settings, "text", subject.explain.as_dict())
    target = torch.as_tensor(subject.predict_proba("test")[:24].argmax(1))
    attributions = layer_integrated_gradients(ctx, X, target).attributions
    hits = chance = 0.0
    for row in range(len(X)):
        words = word_attributions(
            X[row],
            attributions[row],
            subject.explain.vocabulary,
            special=tokenizer.all_special_ids,
        )
        top = max(words, key=lambda item: abs(item[1]))[0]
        hits += top in SENTIMENT
        chance += sum(w in SENTIMENT for w, _ in words) / len(words)
    assert hits / len(X) > max(0.6, 2 * chance / len(X)), (hits, chance)


def test_trainer_and_model_factory_give_shadow_trainers(bert, corpus):
    from audit.hf import tiny_bert
    from audit.recipe import Recipe

    subject, tokenizer = bert
    train, test = corpus.train, corpus.test
    made = from_transformers(
        subject.model.model,
        tokenizer,
        (train.sentences[:40], train.labels[:40]),
        (test.sentences[:20], test.labels[:20]),
        max_length=24,
        model_factory=lambda: tiny_bert(tokenizer, layers=1),
        recipe=Recipe(epochs=1),
    )
    shadow = made.training.trainer(made.X_train[:16], made.y_train[:16], 3)
    assert type(shadow).__name__ == "HFClassifier" and shadow(made.X_test[:2]).shape == (2, 2)
    assert made.training.trainer.recipe.epochs == 1
    with pytest.raises(audit.AuditInputError, match="model_factory: expected None when trainer"):
        from_transformers(
            subject.model.model,
            tokenizer,
            (train.sentences[:4], train.labels[:4]),
            (test.sentences[:4], test.labels[:4]),
            max_length=24,
            trainer=made.training.trainer,
            model_factory=lambda: None,
        )


def test_errors_name_the_argument(bert, corpus):
    subject, tokenizer = bert
    model, texts, labels = subject.model.model, corpus.test.sentences[:4], corpus.test.labels[:4]
    with pytest.raises(audit.AuditInputError, match=r"^train\[0\] \(texts\): expected a list"):
        from_transformers(model, tokenizer, ("one text", labels), (texts, labels), max_length=8)
    with pytest.raises(audit.AuditInputError, match=r"^max_length: expected an int >= 2"):
        from_transformers(model, tokenizer, (texts, labels), (texts, labels), max_length=1.5)
    with pytest.raises(audit.AuditInputError, match=r"^model: expected a Hugging Face model"):
        from_transformers(
            torch.nn.Linear(2, 2), tokenizer, (texts, labels), (texts, labels), max_length=8
        )
    with pytest.raises(audit.AuditInputError, match=r"test\[1\] \(y\): expected labels in 0..1"):
        from_transformers(model, tokenizer, (texts, labels), (texts, labels + 5), max_length=8)
    model.config.pad_token_id = 7
    try:
        with pytest.raises(audit.AuditInputError, match=r"set model\.config\.pad_token_id"):
            from_transformers(model, tokenizer, (texts, labels), (texts, labels), max_length=8)
    finally:
        model.config.pad_token_id = tokenizer.pad_token_id
    with pytest.raises(audit.AuditInputError, match=r"^reference_token: expected a token"):
        from_transformers(
            model,
            tokenizer,
            (texts, labels),
            (texts, labels),
            max_length=8,
            reference_token="no-such-token",
        )
    pad = tokenizer.pad_token
    tokenizer.pad_token = None
    try:
        with pytest.raises(audit.AuditInputError, match=r"tokenizer\.pad_token first"):
            from_transformers(model, tokenizer, (texts, labels), (texts, labels), max_length=8)
    finally:
        tokenizer.pad_token = pad


def test_missing_transformers_names_the_extra(monkeypatch, bert, corpus):
    subject, tokenizer = bert
    texts, labels = corpus.test.sentences[:4], corpus.test.labels[:4]
    monkeypatch.setitem(sys.modules, "transformers", None)  # import transformers fails
    with pytest.raises(ImportError) as error:
        from_transformers(
            subject.model.model, tokenizer, (texts, labels), (texts, labels), max_length=8
        )
    assert str(error.value) == MISSING_TRANSFORMERS
    assert "pip install 'rai-audit[hf]'" in MISSING_TRANSFORMERS
    extras = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "\nhf = [" in extras and '"transformers' in extras


def test_import_audit_and_audit_hf_do_not_import_transformers():
    script = (
        "import sys, audit, audit.hf\n"
        "print(sorted({'transformers', 'tokenizers'} & set(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_subject_from_transformers_is_the_same_subject(bert, corpus):
    import torch

    import audit

    subject, tokenizer = bert
    again = audit.Subject.from_transformers(
        subject.user_model.model if hasattr(subject.user_model, "model") else subject.user_model,
        tokenizer,
        (corpus.train.sentences, corpus.train.labels),
        (corpus.test.sentences, corpus.test.labels),
        max_length=subject.X_test.shape[1],
    )
    assert torch.equal(again.X_test, subject.X_test)
    assert again.explain.vocabulary == subject.explain.vocabulary
