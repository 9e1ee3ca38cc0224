"""Tokenizers trained on the fly and tiny models built from configs: Hugging Face, offline.

For examples, tests and benchmarks on a machine without network: a WordPiece (BERT
style) or byte-level BPE (GPT-2 style) tokenizer trained with ``tokenizers`` on the
texts at hand and wrapped in ``transformers``' ``PreTrainedTokenizerFast``, and small
randomly initialised BERT and GPT-2 classifiers. Nothing is downloaded.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from typing import Any

from audit.hf._subject import require_transformers

__all__ = ["bpe_tokenizer", "tiny_bert", "tiny_gpt2", "wordpiece_tokenizer"]

BERT_SPECIAL = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
GPT2_SPECIAL = ("<pad>", "<unk>", "<|endoftext|>")


def wordpiece_tokenizer(texts: Sequence[str], *, vocab_size: int = 200) -> Any:
    """A lower-casing WordPiece tokenizer (``[CLS] text [SEP]``) learned from ``texts``.

    The pieces are learned by merging the most frequent pair of adjacent pieces until
    the vocabulary has ``vocab_size`` tokens (ties broken alphabetically, so the same
    texts give the same vocabulary: ``tokenizers``' ``WordPieceTrainer`` breaks ties
    differently from run to run). A small ``vocab_size`` leaves rarer words in ``##``
    pieces.

    Examples
    --------
    >>> tokenizer = wordpiece_tokenizer(["the film was great", "the book was dull"] * 5)
    >>> tokenizer.convert_ids_to_tokens(tokenizer("the film")["input_ids"])
    ['[CLS]', 'the', 'film', '[SEP]']
    """
    transformers = require_transformers()
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    normalizer = normalizers.BertNormalizer(lowercase=True)
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    counts: Counter[str] = Counter(
        word
        for text in texts
        for word, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text))
    )
    vocabulary = {token: i for i, token in enumerate(BERT_SPECIAL)}
    for token in sorted(_learn_pieces(counts, vocab_size - len(vocabulary))):
        vocabulary.setdefault(token, len(vocabulary))
    tokenizer = Tokenizer(models.WordPiece(vocab=vocabulary, unk_token="[UNK]"))
    tokenizer.normalizer = normalizer
    tokenizer.pre_tokenizer = pre_tokenizer
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        special_tokens=[("[CLS]", vocabulary["[CLS]"]), ("[SEP]", vocabulary["[SEP]"])],
    )
    tokenizer.decoder = decoders.WordPiece()
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )


def _learn_pieces(counts: Counter[str], size: int) -> set[str]:
    """Characters (``c`` and ``##c``), then merges of the most frequent adjacent pair."""
    splits = {word: [word[0], *(f"##{c}" for c in word[1:])] for word in counts}
    pieces = {piece for split in splits.values() for piece in split}
    while len(pieces) < size:
        pairs: Counter[tuple[str, str]] = Counter()
        for word, split in splits.items():
            for pair in itertools.pairwise(split):
                pairs[pair] += counts[word]
        if not pairs:
            break
        a, b = min(pairs, key=lambda pair: (-pairs[pair], pair))
        merged = a + b[2:]
        for split in splits.values():
            i = 0
            while i < len(split) - 1:
                if split[i] == a and split[i + 1] == b:
                    split[i : i + 2] = [merged]
                i += 1
        pieces.add(merged)
    return pieces


def bpe_tokenizer(texts: Sequence[str], *, vocab_size: int = 400) -> Any:
    """A byte-level BPE tokenizer (GPT-2 style, ``Ġ`` before words) trained on ``texts``.

    It has a padding token ``<pad>`` and an unknown token ``<unk>`` (the reference token
    of Integrated-Gradients baselines), besides ``<|endoftext|>``. ``vocab_size`` counts
    the 256 byte symbols.

    Examples
    --------
    >>> tokenizer = bpe_tokenizer(["the film was great", "the book was dull"] * 5)
    >>> tokenizer.convert_ids_to_tokens(tokenizer(" the film")["input_ids"])
    ['Ġthe', 'Ġfilm']
    """
    transformers = require_transformers()
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers
    from tokenizers.trainers import BpeTrainer

    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.train_from_iterator(
        list(texts),
        BpeTrainer(
            vocab_size=vocab_size,
            special_tokens=list(GPT2_SPECIAL),
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        ),
    )
    return transformers.PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="<unk>",
        pad_token="<pad>",
        eos_token="<|endoftext|>",
        bos_token="<|endoftext|>",
    )


def tiny_bert(
    tokenizer: Any,
    *,
    layers: int = 2,
    hidden: int = 64,
    heads: int = 2,
    intermediate: int = 128,
    max_positions: int = 64,
    num_labels: int = 2,
    seed: int = 0,
) -> Any:
    """A randomly initialised ``BertForSequenceClassification`` for ``tokenizer``'s vocabulary.

    Examples
    --------
    >>> tokenizer = wordpiece_tokenizer(["the film was great"] * 5)
    >>> sum(p.numel() for p in tiny_bert(tokenizer, layers=1).parameters()) > 0
    True
    """
    import torch

    transformers = require_transformers()
    config = transformers.BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=intermediate,
        max_position_embeddings=max_positions,
        num_labels=num_labels,
        pad_token_id=tokenizer.pad_token_id,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return transformers.BertForSequenceClassification(config)


def tiny_gpt2(
    tokenizer: Any,
    *,
    layers: int = 2,
    hidden: int = 64,
    heads: int = 2,
    max_positions: int = 64,
    num_labels: int = 2,
    seed: int = 0,
) -> Any:
    """A randomly initialised ``GPT2ForSequenceClassification`` with the padding id set.

    Examples
    --------
    >>> tokenizer = bpe_tokenizer(["the film was great"] * 5)
    >>> tiny_gpt2(tokenizer, layers=1).config.pad_token_id == tokenizer.pad_token_id
    True
    """
    import torch

    transformers = require_transformers()
    eos = tokenizer.eos_token_id
    config = transformers.GPT2Config(
        vocab_size=len(tokenizer),
        n_embd=hidden,
        n_layer=layers,
        n_head=heads,
        n_positions=max_positions,
        num_labels=num_labels,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=eos,
        eos_token_id=eos,
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return transformers.GPT2ForSequenceClassification(config)
