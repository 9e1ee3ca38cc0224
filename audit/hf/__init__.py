"""Hugging Face integration: audit an ``AutoModelForSequenceClassification`` on texts.

``transformers`` is an optional extra (``pip install 'rai-audit[hf]'``): this package
imports it only when :func:`from_transformers` is called, and ``import audit`` never
imports this package.

Examples
--------
>>> from audit.hf import from_transformers, word_attributions
>>> subject = from_transformers(model, tokenizer, (texts, labels), (texts, labels),
...                             max_length=32)  # doctest: +SKIP
"""

from audit.hf._subject import (
    MISSING_TRANSFORMERS,
    encode_texts,
    from_transformers,
    hf_trainer,
    require_transformers,
)
from audit.hf._tokens import (
    TERMS_COLUMN,
    Word,
    evidence_mask,
    group_terms,
    merge_pieces,
    piece_convention,
    word_attributions,
)
from audit.hf._toy import bpe_tokenizer, tiny_bert, tiny_gpt2, wordpiece_tokenizer
from audit.hf._wrapper import HFClassifier, rollout_relevance

__all__ = [
    "MISSING_TRANSFORMERS",
    "TERMS_COLUMN",
    "HFClassifier",
    "Word",
    "bpe_tokenizer",
    "encode_texts",
    "evidence_mask",
    "from_transformers",
    "group_terms",
    "hf_trainer",
    "merge_pieces",
    "piece_convention",
    "require_transformers",
    "rollout_relevance",
    "tiny_bert",
    "tiny_gpt2",
    "word_attributions",
    "wordpiece_tokenizer",
]
