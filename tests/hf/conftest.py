"""Tiny Hugging Face models built from configs, tokenizers learned on the fly: no network.

A BERT (WordPiece) and a GPT-2 (byte-level BPE) classifier are fine-tuned a few epochs
on the generated sentiment corpus, once per session, on one torch thread.
"""

from __future__ import annotations

import os

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
pytest.importorskip("transformers")

from audit._threads import one_thread
from audit.datasets._sentiment import (
    NEGATIVE_WORDS,
    POSITIVE_WORDS,
    SentimentData,
    sentiment_corpus,
)

MAX_LENGTH = 24
SENTIMENT = [*POSITIVE_WORDS, *NEGATIVE_WORDS]
#: A recipe that reaches about 0.9 test accuracy in a few seconds on one thread.
EPOCHS, BATCH, LR = 4, 32, 2e-3


@pytest.fixture(scope="package", autouse=True)
def _one_thread():
    """The tiny models are fastest on one torch thread (and so on a busy machine)."""
    with one_thread():
        yield


@pytest.fixture(scope="session")
def corpus() -> SentimentData:
    return sentiment_corpus(0, n_train=400, n_test=160)


def fine_tuned_subject(kind: str, corpus: SentimentData, **options):
    """Learn the tokenizer, build the model, fine-tune it, and make the Subject."""
    from audit.hf import (
        HFClassifier,
        bpe_tokenizer,
        encode_texts,
        from_transformers,
        tiny_bert,
        tiny_gpt2,
        wordpiece_tokenizer,
    )
    from audit.recipe import Recipe
    from audit.training import fit

    train, test = corpus.train, corpus.test
    if kind == "bert":
        tokenizer = wordpiece_tokenizer(train.sentences, vocab_size=260)
        model, summary = tiny_bert(tokenizer), "first"
    else:
        tokenizer = bpe_tokenizer(train.sentences, vocab_size=520)
        model, summary = tiny_gpt2(tokenizer), "last"
    X = encode_texts(train.sentences, tokenizer, max_length=MAX_LENGTH)
    import torch

    fit(
        HFClassifier(model, pad_id=tokenizer.pad_token_id, summary=summary),
        (X, torch.as_tensor(train.labels)),
        recipe=Recipe(epochs=EPOCHS, batch_size=BATCH, lr=LR),
        seed=0,
    )
    subject = from_transformers(
        model,
        tokenizer,
        (train.sentences, train.labels),
        (test.sentences, test.labels),
        max_length=MAX_LENGTH,
        sensitive_train=train.sensitive,
        sensitive_test=test.sensitive,
        group_terms=True,
        evidence_terms=SENTIMENT,
        class_names=list(corpus.class_names),
        **options,
    )
    return subject, tokenizer


@pytest.fixture(scope="session")
def bert(corpus):
    return fine_tuned_subject("bert", corpus)


@pytest.fixture(scope="session")
def gpt2(corpus):
    return fine_tuned_subject("gpt2", corpus)
