"""The gpt domain: the decoder, the corpus, the LM subject, the runner's choice of checks."""

import numpy as np
import pytest
import torch

import audit
from audit.datasets._lm_corpus import lm_corpus
from audit.lm import LanguageModelSubject
from audit.models._decoder import CausalDecoder


def test_the_decoder_is_causal_and_its_head_tied():
    model = CausalDecoder(20, 8, d_model=16, n_heads=2, d_ff=16).eval()
    a, b = torch.tensor([[1, 5, 6, 7]]), torch.tensor([[1, 5, 6, 9]])
    assert torch.allclose(model(a)[:, :3], model(b)[:, :3])  # the future is not seen
    assert model.head.weight is model.embedding.weight
    weights = model.attention_weights(a)
    assert weights.shape == (1, 2, 2, 4, 4) and float(weights[0, 0, 0, 0, 1:].sum()) == 0


def test_the_corpus_plants_canaries_at_their_repetitions():
    corpus = lm_corpus(0, n_train=100, n_heldout=20)
    rows = {tuple(r) for r in corpus.heldout.tolist()}
    for canary in corpus.canaries:
        ids = np.zeros(corpus.max_len, dtype=np.int64)
        seq = corpus.encode(canary.tokens)
        ids[: len(seq)] = seq
        assert (corpus.train == ids).all(1).sum() == canary.repetitions
        assert tuple(ids) not in rows
    assert [c.repetitions for c in corpus.canaries] == [1, 4, 16, 0]
    assert lm_corpus(0, n_train=100, n_heldout=20).train.tolist() == corpus.train.tolist()


def test_the_domain_is_listed_and_builds_a_language_model_subject():
    assert "gpt" in [spec.name for spec in audit.list_domains()]
    subject = audit.reference("gpt", training=audit.TrainingConfig(epochs=1))
    assert isinstance(subject, LanguageModelSubject) and subject.kind == "language_model"
    assert subject.history.records[0].val_loss is not None


@pytest.fixture(scope="module")
def tiny():
    corpus = lm_corpus(0, n_train=60, n_heldout=20)
    model = CausalDecoder(len(corpus.vocabulary), 16, d_model=16, n_heads=2, d_ff=16)
    return LanguageModelSubject(
        model,
        corpus.train,
        corpus.heldout,
        vocabulary=corpus.vocabulary,
        pad_id=corpus.pad_id,
        bos_id=corpus.id_of("[BOS]"),
        eos_id=corpus.id_of("[EOS]"),
    )


def test_the_runner_chooses_the_checks_of_the_subjects_kind(tiny):
    result = audit.run(tiny, checks=["lm_performance", "lm_compute"])
    assert [s.id for s in result.sections] == ["lm_performance", "lm_compute"]
    assert result.section("lm_performance").metric("heldout_perplexity").value > 1
    with pytest.raises(
        audit.AuditInputError, match=r"checks: expected checks for a language_model subject"
    ):
        audit.run(tiny, checks=["fairness"])


def test_a_bad_sequence_array_is_refused_naming_the_argument():
    with pytest.raises(audit.AuditInputError, match="train: expected token ids"):
        LanguageModelSubject(
            CausalDecoder(5, 4),
            np.zeros(3),
            np.zeros((2, 4), int),
            vocabulary=list("abcde"),
            pad_id=0,
            bos_id=1,
            eos_id=2,
        )
