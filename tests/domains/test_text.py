"""Text domain: the generated sentiment corpus, the Transformer, and the three variants."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import audit
from audit.config import TrainingConfig
from audit.datasets._sentiment import (
    CLS,
    GROUP_COLUMN,
    NEGATIVE_WORDS,
    PAD,
    POSITIVE_WORDS,
    STEREOTYPE,
    UNK,
    decode,
    encode,
    sentiment_corpus,
    tokenize,
)
from audit.models._transformer import TransformerClassifier
from audit.report import render_html

FAST = {"fairness": {"intervals": False, "mitigation": False}}
DP = f"demographic_parity_difference[{GROUP_COLUMN}]"


@pytest.fixture(scope="module")
def default() -> audit.Subject:
    return audit.reference("text", seed=0)


@pytest.fixture(scope="module")
def overfit() -> audit.Subject:
    return audit.reference("text", seed=0, variant="overfit")


@pytest.fixture(scope="module")
def biased() -> audit.Subject:
    return audit.reference("text", seed=0, variant="biased")


def _performance(subject: audit.Subject):
    return audit.run(subject, checks=["performance"]).section("performance")


def test_default_learns_and_generalizes(default):
    section = _performance(default)
    assert section.metric("test_accuracy").value >= 0.90
    assert section.metric("accuracy_gap").verdict == "pass"
    assert section.notes[0].startswith("Overfitting verdict: PASS")
    assert default.history.stopped_early and default.history.seconds < 60


def test_overfit_variant_fails_generalization(overfit):
    section = _performance(overfit)
    assert section.metric("train_accuracy").value == 1.0
    gap = section.metric("accuracy_gap")
    assert gap.value > 0.10 and gap.verdict == "fail"
    assert section.notes[0].startswith("Overfitting verdict: FAIL")
    assert len(overfit.y_train) == 80 and overfit.name == "text (overfit)"


def test_biased_variant_shows_a_gap_between_groups(default, biased):
    fair = audit.run(default, checks=["fairness"], config=FAST).section("fairness")
    unfair = audit.run(biased, checks=["fairness"], config=FAST).section("fairness")
    # seed 0: 0.003 on default, 0.303 on biased
    assert fair.metric(DP).value < 0.10
    assert unfair.metric(DP).value > 0.20 and unfair.metric(DP).verdict == "fail"
    assert unfair.metric(DP).value - fair.metric(DP).value > 0.15
    # the shortcut: female names predicted positive more often on balanced test rows
    pred = biased.predict_proba("test").argmax(1)
    groups = biased.sensitive_test[GROUP_COLUMN].to_numpy()
    assert pred[groups == "female"].mean() > pred[groups == "male"].mean() + 0.2


def test_subject_carries_the_text_hints(default):
    meta = default.explain.as_dict()
    assert default.modality == "text" and default.X_test.dtype == torch.int64
    assert default.class_names == ["negative", "positive"]
    assert list(default.sensitive_test.columns) == [GROUP_COLUMN]
    assert meta["vocabulary"][meta["pad_id"]] == PAD and meta["vocabulary"][meta["cls_id"]] == CLS
    assert bool((default.X_test[:, 0] == meta["cls_id"]).all())
    assert meta["embedding_layer"] is default.model.embedding
    assert meta["ground_truth_test"].shape == tuple(default.X_test.shape)
    assert "Generated sentiment corpus" in default.dataset


def test_attention_weights_are_per_head_distributions_over_unpadded_keys(default):
    X, pad = default.X_test[:8], default.explain.pad_id
    default.model.train()
    weights = default.explain.attention(X)
    assert default.model.training  # the mode is restored
    default.model.eval()
    assert weights.shape == (8, 2, 2, X.shape[1], X.shape[1]) and not weights.requires_grad
    padded = (pad == X)[:, None, None, None, :].expand_as(weights)
    assert torch.allclose(weights.sum(-1), torch.ones(weights.shape[:-1]), atol=1e-5)
    assert float(weights[padded].abs().max()) == 0.0
    # padded keys are masked: cutting the all-padding columns leaves the logits alone
    longest = int((pad != X).sum(1).max())
    assert longest < X.shape[1]
    with torch.no_grad():
        assert torch.allclose(default.model(X[:, :longest]), default.model(X), atol=1e-5)


def test_tokenizer_round_trips_a_sentence():
    data = sentiment_corpus(0, n_train=40, n_test=10)
    sentence = data.train.sentences[0]
    ids = encode([sentence], data.vocabulary, data.max_len)
    assert ids.dtype == np.int64 and ids[0, 0] == data.cls_id
    assert decode(ids[0], data.vocabulary) == sentence
    assert tokenize("Mary liked it, a lot.") == ["mary", "liked", "it", ",", "a", "lot", "."]
    unknown = encode(["mary zzz"], data.vocabulary, 4)[0]
    assert data.vocabulary[unknown[2]] == UNK and unknown[3] == data.pad_id


def test_ground_truth_marks_exactly_the_sentiment_words():
    data = sentiment_corpus(1, n_train=300, n_test=200, biased=True)
    sentiment = np.isin(
        np.array(data.vocabulary), POSITIVE_WORDS + NEGATIVE_WORDS
    )  # by id; test words outside the training vocabulary would be [UNK]
    for split in (data.train, data.test):
        assert np.array_equal(split.ground_truth == 1, sentiment[split.ids])
    assert data.test.ground_truth.sum(1).min() >= 1  # every test row has its signal
    words = [tokenize(s) for s in data.test.sentences]
    polarity = [
        {w in POSITIVE_WORDS for w in ws if w in POSITIVE_WORDS + NEGATIVE_WORDS} for ws in words
    ]
    assert all(p == {bool(label)} for p, label in zip(polarity, data.test.labels, strict=True))
    # biased training rows: the group predicts the label; some rows lose their sentiment words
    stereotyped = np.array([STEREOTYPE[g] for g in data.train.groups]) == data.train.labels
    assert stereotyped.mean() > 0.9 and (data.train.ground_truth.sum(1) == 0).mean() > 0.2


def test_generator_and_training_are_deterministic():
    a, b = sentiment_corpus(3, n_train=100, n_test=50), sentiment_corpus(3, n_train=100, n_test=50)
    assert a.train.sentences == b.train.sentences and a.vocabulary == b.vocabulary
    assert np.array_equal(a.test.ids, b.test.ids) and np.array_equal(a.train.labels, b.train.labels)
    assert sentiment_corpus(4, n_train=100, n_test=50).train.sentences != a.train.sentences
    short = TrainingConfig(epochs=2)
    first = audit.reference("text", seed=5, training=short)
    second = audit.reference("text", seed=5, training=short)
    assert len(first.history.records) == 2 and first.history.recipe["epochs"] == 2
    for (name, p), q in zip(
        first.model.state_dict().items(), second.model.state_dict().values(), strict=True
    ):
        assert torch.equal(p, q), name


def test_model_shapes_and_validation():
    model = TransformerClassifier(20, 6, d_model=8, n_heads=2, n_layers=3)
    ids = torch.tensor([[1, 5, 7, 0, 0, 0]])
    assert model(ids).shape == (1, 2)
    assert model.attention_weights(ids).shape == (1, 3, 2, 6, 6)
    with pytest.raises(ValueError, match="max_len"):
        model(torch.ones(1, 7, dtype=torch.int64))


def test_full_audit_renders(default):
    result = audit.run(default, checks=["data", "performance", "fairness", "compute"])
    assert [s.id for s in result.sections] == ["data", "performance", "fairness", "compute"]
    assert result.section("compute").metric("flops_per_example").value > 0
    assert result.section("fairness").table("by_group").rows
    html = render_html(result)
    assert "<html" in html.lower() and GROUP_COLUMN in html


def test_attention_weights_after_opacus_fix_are_head_averaged():
    validators = pytest.importorskip("opacus.validators")
    model = TransformerClassifier(20, 6, d_model=8, n_heads=2, n_layers=2)
    fixed = validators.ModuleValidator.fix(model)
    ids = torch.tensor([[1, 5, 7, 0, 0, 0], [1, 4, 4, 9, 3, 0]])
    weights = fixed.attention_weights(ids)
    assert fixed(ids).shape == (2, 2) and weights.shape == (2, 2, 1, 6, 6)
    assert torch.allclose(weights.sum(-1), torch.ones(2, 2, 1, 6), atol=1e-5)
