"""A Hugging Face causal LM and its tokenizer as a :class:`LanguageModelSubject`.

The model is wrapped as ``ids → logits (batch, L, vocab)`` (:class:`CausalLMAdapter`);
texts become ``[BOS] pieces [EOS]`` rows by the tokenizer. The canaries, lexicon and
prompts the user gives are words: each canary word and lexicon word must be one token
of the tokenizer after a space (``" 7"``, ``" great"``), as the exposure of a secret is
ranked over the secrets of its format slot by slot; the canary prefix may take several.
``transformers`` is an optional extra (``pip install 'rai-audit[hf]'``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from audit.errors import bad_input

__all__ = ["CausalLMAdapter", "from_transformers"]


class CausalLMAdapter(nn.Module):
    """A Hugging Face causal LM as ``ids (batch, L) → next-token logits (batch, L, vocab)``.

    Exposes ``embedding`` (the input embeddings, for Layer Integrated Gradients),
    ``max_len`` and ``attention_weights`` ``(batch, layers, heads, L, L)`` (the model
    must return attentions: build it with ``attn_implementation="eager"``).

    Examples
    --------
    >>> from audit.hf._toy import bpe_tokenizer
    >>> import transformers
    >>> tokenizer = bpe_tokenizer(["the film was great"] * 5)
    >>> config = transformers.GPT2Config(vocab_size=len(tokenizer), n_embd=16, n_layer=1,
    ...     n_head=2, n_positions=16)
    >>> lm = CausalLMAdapter(transformers.GPT2LMHeadModel(config))
    >>> lm(torch.tensor([[2, 5, 6]])).shape[:2]
    torch.Size([1, 3])
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        config = getattr(model, "config", None)
        self.max_len = getattr(config, "n_positions", None) or getattr(
            config, "max_position_embeddings", None
        )

    @property
    def embedding(self) -> nn.Module:
        """The token embedding layer (``model.get_input_embeddings()``)."""
        return self.model.get_input_embeddings()

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Next-token logits ``(batch, L, vocab)``."""
        return self.model(input_ids=ids.long()).logits

    def attention_weights(self, ids: torch.Tensor) -> torch.Tensor:
        """Attention weights ``(batch, layers, heads, L, L)``, in eval mode, without grad."""
        was_training = self.training
        self.eval()
        try:
            with torch.no_grad():
                out = self.model(input_ids=torch.as_tensor(ids).long(), output_attentions=True)
        finally:
            self.train(was_training)
        if not out.attentions or out.attentions[0] is None:
            raise ValueError(
                'the model returned no attention weights: build it with attn_implementation="eager"'
            )
        return torch.stack(list(out.attentions), dim=1)


def _word_token(tokenizer: Any, word: str, argument: str) -> str:
    """The one token ``" word"`` encodes to, or an error naming ``argument``."""
    ids = tokenizer(" " + word, add_special_tokens=False)["input_ids"]
    if len(ids) != 1:
        pieces = tokenizer.convert_ids_to_tokens(ids)
        expected = "words the tokenizer encodes as one token each"
        raise bad_input(argument, expected, f"{word!r} → {pieces}")
    return tokenizer.convert_ids_to_tokens(ids)[0]


def _rows(tokenizer: Any, texts: Sequence[str], argument: str, ids: dict, max_len: int) -> Any:
    if isinstance(texts, str) or len(texts) == 0:
        raise bad_input(argument, "a non-empty list of texts", texts)
    rows = np.full((len(texts), max_len), ids["pad"], dtype=np.int64)
    for row, text in enumerate(texts):
        pieces = tokenizer(text, add_special_tokens=False)["input_ids"]
        seq = [ids["bos"], *pieces[: max_len - 2], ids["eos"]]
        rows[row, : len(seq)] = seq
    return rows


def from_transformers(
    model: nn.Module,
    tokenizer: Any,
    train_texts: Sequence[str],
    heldout_texts: Sequence[str],
    *,
    canary_format: Any = None,
    secrets: Sequence[Any] = (),
    prompt_pairs: Sequence[tuple[tuple[str, str], tuple[str, str]]] = (),
    lexicon: Mapping[str, Sequence[str]] | None = None,
    max_len: int = 32,
    name: str | None = None,
) -> Any:
    """See :meth:`audit.lm.LanguageModelSubject.from_transformers`."""
    from audit.lm._subject import CanaryFormat, LanguageModelSubject, Secret

    if not isinstance(model, nn.Module) or not hasattr(model, "get_input_embeddings"):
        raise bad_input("model", "a Hugging Face causal LM (e.g. GPT2LMHeadModel)", model)
    if not callable(tokenizer) or not hasattr(tokenizer, "convert_ids_to_tokens"):
        raise bad_input("tokenizer", "a Hugging Face tokenizer", tokenizer)
    eos = tokenizer.eos_token_id
    ids = {"pad": tokenizer.pad_token_id, "eos": eos, "bos": tokenizer.bos_token_id}
    if ids["bos"] is None:
        ids["bos"] = eos
    if ids["pad"] is None or eos is None:
        raise bad_input("tokenizer", "a tokenizer with a pad token and an eos token", tokenizer)
    lm = CausalLMAdapter(model)
    max_len = min(max_len, lm.max_len or max_len)
    size = int(model.get_output_embeddings().weight.shape[0])
    known = tokenizer.convert_ids_to_tokens(list(range(min(size, len(tokenizer)))))
    vocabulary = [*known, *(f"<unused {i}>" for i in range(len(known), size))]
    if canary_format is not None:
        canary_format = CanaryFormat(
            tuple(  # the prefix may take several pieces; each secret's symbol one
                tokenizer.convert_ids_to_tokens(
                    tokenizer(" ".join(canary_format.prefix), add_special_tokens=False)["input_ids"]
                )
            ),
            tuple(_word_token(tokenizer, w, "canary_format") for w in canary_format.alphabet),
            canary_format.length,
        )
    secrets = [
        Secret(
            tuple(_word_token(tokenizer, w, "secrets") for w in s.tokens),
            s.repetitions,
            s.writers,
        )
        for s in secrets
    ]
    if lexicon is not None:
        lexicon = {
            k: [_word_token(tokenizer, w, "lexicon") for w in words] for k, words in lexicon.items()
        }
    subject = LanguageModelSubject(
        lm,
        _rows(tokenizer, train_texts, "train_texts", ids, max_len),
        _rows(tokenizer, heldout_texts, "heldout_texts", ids, max_len),
        vocabulary=vocabulary,
        pad_id=ids["pad"],
        bos_id=ids["bos"],
        eos_id=eos,
        canary_format=canary_format,
        secrets=secrets,
        prompt_pairs=prompt_pairs,
        lexicon=lexicon,
        name=name or type(model).__name__,
        encode=lambda text: tokenizer(text, add_special_tokens=False)["input_ids"],
        detokenize=tokenizer.convert_tokens_to_string,
    )
    return subject
