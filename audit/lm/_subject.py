"""The language-model subject: a causal LM, its token sequences, canaries and prompts.

A :class:`LanguageModelSubject` is an :class:`audit.Subject` (so that the runner, the
manifest, the model card and the CLI take it as they take any) whose classifier view
is next-token prediction: ``subject.model`` maps a context (ids, right-padded) to the
logits of the token after its last one, and ``X``/``y`` are each sequence cut before
its last word and that word. The language-model checks read the rest: ``lm`` (ids →
logits ``(batch, L, vocab)``), the training and held-out sequences, the canaries and
their format, the counterfactual prompt pairs and the sentiment lexicon.
``kind = "language_model"`` tells the runner to choose the language-model checks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from audit.errors import bad_input
from audit.subject import Subject

__all__ = ["CanaryFormat", "LanguageModelSubject", "NextToken", "Secret"]


@dataclass(frozen=True)
class CanaryFormat:
    """The format of the secrets: a prefix, then ``length`` tokens from ``alphabet``.

    Examples
    --------
    >>> CanaryFormat(("my", "code", "is"), tuple("0123456789"), 6).space
    1000000
    """

    prefix: tuple[str, ...]
    alphabet: tuple[str, ...]
    length: int

    @property
    def space(self) -> int:
        """``|R|``: how many secrets the format allows."""
        return len(self.alphabet) ** self.length


@dataclass(frozen=True)
class Secret:
    """A canary's secret tokens and how many times it was inserted (0: a control).

    ``writers`` is how many distinct users wrote its copies, the units of user-level
    DP-SGD (one person who typed the secret ``k`` times: 1); ``None`` when unknown,
    and then each copy counts as one unit.
    """

    tokens: tuple[str, ...]
    repetitions: int
    writers: int | None = None


class NextToken(nn.Module):
    """The classifier view of a causal LM: logits of the token after each row's last one.

    Examples
    --------
    >>> from audit.models._decoder import CausalDecoder
    >>> view = NextToken(CausalDecoder(10, 4, d_model=8, n_heads=2, d_ff=8), pad_id=0)
    >>> view(torch.tensor([[1, 5, 0, 0], [1, 5, 6, 7]])).shape
    torch.Size([2, 10])
    """

    def __init__(self, lm: nn.Module, *, pad_id: int) -> None:
        super().__init__()
        self.lm = lm
        self.pad_id = pad_id

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        ids = ids.long()
        last = ((ids != self.pad_id).sum(1) - 1).clamp(min=0)
        logits = self.lm(ids)
        return logits[torch.arange(len(ids)), last]


def _last_word_split(ids: np.ndarray, pad_id: int, eos_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Each sequence cut before its last word (``[EOS]`` dropped), and that word."""
    X = np.full_like(ids, pad_id)
    y = np.zeros(len(ids), dtype=np.int64)
    for row, seq in enumerate(ids):
        words = seq[(seq != pad_id) & (seq != eos_id)]
        X[row, : len(words) - 1] = words[:-1]
        y[row] = words[-1]
    return X, y


@dataclass
class _LMData:
    vocabulary: list[str]
    pad_id: int
    eos_id: int
    train_ids: torch.Tensor
    heldout_ids: torch.Tensor
    canary_format: CanaryFormat | None = None
    secrets: list[Secret] = field(default_factory=list)
    prompt_pairs: list[tuple[tuple[str, str], tuple[str, str]]] = field(default_factory=list)
    lexicon: dict[str, list[str]] = field(default_factory=dict)


class LanguageModelSubject(Subject):
    """A causal language model and the sequences, canaries and prompts it is audited on.

    Parameters
    ----------
    lm : torch.nn.Module
        Token ids ``(batch, L)`` → next-token logits ``(batch, L, vocab)``.
    train, heldout : array of int
        Token ids ``(rows, L)``: ``[BOS]``/first token first, right-padded with ``pad_id``;
        ``train`` what the model was trained on, ``heldout`` sequences it never saw.
    vocabulary : list of str
        Token strings by id.
    pad_id, bos_id, eos_id : int
        Ids of padding, the start token and the end token.
    canary_format : CanaryFormat, optional
        The secrets' format (prefix, alphabet, length), for the memorization audit.
    secrets : sequence of Secret, optional
        The canaries' secret tokens and repetitions (include a 0-repetition control).
    prompt_pairs : sequence of ((str, str), (str, str)), optional
        Counterfactual prompts ``(texts, groups)``, differing only in the group term.
    lexicon : mapping, optional
        ``{"positive": [...], "negative": [...]}``: the words that carry sentiment.
    history, training, name, dataset, seed
        As for :class:`audit.Subject`.
    twin : callable, optional
        For a DP-trained model: ``twin() -> nn.Module``, the non-private twin (same
        recipe and architecture, no clipping or noise), trained when first asked.
    encode : callable, optional
        ``text -> ids`` (without ``[BOS]``) for prompts; by default the text is split
        into words, each a token of the vocabulary. A Hugging Face model and tokenizer:
        :meth:`from_transformers`.
    detokenize : callable, optional
        ``tokens -> text`` for the report (a secret's tokens as a reader writes them);
        by default the tokens joined by spaces.

    Examples
    --------
    >>> from audit.models._decoder import CausalDecoder
    >>> ids = np.array([[1, 4, 5, 2], [1, 5, 4, 2]])
    >>> subject = LanguageModelSubject(CausalDecoder(6, 4, d_model=8, n_heads=2, d_ff=8),
    ...     ids, ids, vocabulary=["[PAD]", "[BOS]", "[EOS]", "x", "a", "b"],
    ...     pad_id=0, bos_id=1, eos_id=2)
    >>> subject.kind, subject.n_classes, subject.lm_data.train_ids.shape
    ('language_model', 6, torch.Size([2, 4]))
    """

    kind = "language_model"

    def __init__(
        self,
        lm: nn.Module,
        train: Any,
        heldout: Any,
        *,
        vocabulary: Sequence[str],
        pad_id: int,
        bos_id: int,
        eos_id: int,
        canary_format: CanaryFormat | None = None,
        secrets: Sequence[Secret] = (),
        prompt_pairs: Sequence[tuple[tuple[str, str], tuple[str, str]]] = (),
        lexicon: Mapping[str, Sequence[str]] | None = None,
        history: Any = None,
        training: Any = None,
        name: str | None = None,
        dataset: str | None = None,
        seed: int | None = None,
        twin: Callable[[], nn.Module] | None = None,
        encode: Callable[[str], list[int]] | None = None,
        detokenize: Callable[[Sequence[str]], str] | None = None,
    ) -> None:
        if not isinstance(lm, nn.Module):
            raise bad_input("lm", "a torch.nn.Module mapping ids to next-token logits", lm)
        arrays = {}
        for argument, ids in (("train", train), ("heldout", heldout)):
            ids = np.asarray(ids)
            if ids.ndim != 2 or not np.issubdtype(ids.dtype, np.integer) or len(ids) == 0:
                raise bad_input(argument, "token ids as an int array (rows, L)", ids)
            if ids.max() >= len(vocabulary) or ids.min() < 0:
                raise bad_input(argument, f"ids in 0..{len(vocabulary) - 1}", ids)
            arrays[argument] = ids.astype(np.int64)
        unknown = [t for s in secrets for t in s.tokens if t not in vocabulary]
        if canary_format is not None:
            unknown += [
                t for t in (*canary_format.prefix, *canary_format.alphabet) if t not in vocabulary
            ]
        if unknown:
            raise bad_input("secrets", "tokens of the vocabulary", f"unknown {unknown[:5]}")
        view = NextToken(lm, pad_id=pad_id)
        X_train, y_train = _last_word_split(arrays["train"], pad_id, eos_id)
        X_test, y_test = _last_word_split(arrays["heldout"], pad_id, eos_id)
        super().__init__(
            view,
            (torch.from_numpy(X_train), torch.from_numpy(y_train)),
            (torch.from_numpy(X_test), torch.from_numpy(y_test)),
            modality="text",
            class_names=list(vocabulary),
            history=history,
            training=training,
            name=name or type(lm).__name__,
            dataset=dataset,
            seed=seed,
        )
        self.lm = lm
        self.bos_id = bos_id
        self.twin = twin
        self.encode = encode
        #: tokens as the reader writes them (a BPE tokenizer's "Ġ3 Ġ1" is " 3 1")
        self.detokenize = detokenize or " ".join
        self.lm_data = _LMData(
            vocabulary=list(vocabulary),
            pad_id=pad_id,
            eos_id=eos_id,
            train_ids=torch.from_numpy(arrays["train"]),
            heldout_ids=torch.from_numpy(arrays["heldout"]),
            canary_format=canary_format,
            secrets=list(secrets),
            prompt_pairs=[(tuple(t), tuple(g)) for t, g in prompt_pairs],
            lexicon={k: list(v) for k, v in (lexicon or {}).items()},
        )

    @classmethod
    def from_transformers(
        cls,
        model: nn.Module,
        tokenizer: Any,
        train_texts: Sequence[str],
        heldout_texts: Sequence[str],
        *,
        canary_format: CanaryFormat | None = None,
        secrets: Sequence[Secret] = (),
        prompt_pairs: Sequence[tuple[tuple[str, str], tuple[str, str]]] = (),
        lexicon: Mapping[str, Sequence[str]] | None = None,
        max_len: int = 32,
        name: str | None = None,
    ) -> LanguageModelSubject:
        """A Hugging Face causal LM and its tokenizer, with your canaries, prompts or both.

        Parameters
        ----------
        model : transformers causal LM
            E.g. ``GPT2LMHeadModel``; build it with ``attn_implementation="eager"`` for
            the attention rollout.
        tokenizer : transformers tokenizer
            With a pad token and an eos token (the eos token starts rows when there
            is no bos token, as in GPT-2).
        train_texts, heldout_texts : list of str
            Texts the model was trained on and texts it never saw (perplexity and the
            membership attack); each becomes ``[BOS] pieces [EOS]``, cut at ``max_len``.
        canary_format, secrets : optional
            Your canaries, in words: the alphabet's and each secret's words must each
            be one token after a space (``" 7"``); the prefix may take several.
            Memorization is audited only with them.
        prompt_pairs, lexicon : optional
            Counterfactual prompts ``((text_a, text_b), (group_a, group_b))`` and
            ``{"positive": [...], "negative": [...]}`` words (one token each); bias in
            generation is audited only with them.
        max_len : int
            Longest row, at most the model's positions.
        name : str, optional
            The model's name in the report.

        Examples
        --------
        >>> subject = LanguageModelSubject.from_transformers(  # doctest: +SKIP
        ...     model, tokenizer, train_texts, heldout_texts,
        ...     canary_format=CanaryFormat(("my", "pin", "is"), tuple("0123456789"), 4),
        ...     secrets=[Secret(tuple("2718"), 8), Secret(tuple("1414"), 0)])
        >>> audit.run(subject).save("report")  # doctest: +SKIP
        """
        from audit.lm._hf import from_transformers

        return from_transformers(
            model,
            tokenizer,
            train_texts,
            heldout_texts,
            canary_format=canary_format,
            secrets=secrets,
            prompt_pairs=prompt_pairs,
            lexicon=lexicon,
            max_len=max_len,
            name=name,
        )

    def encode_text(self, text: str) -> list[int]:
        """``[BOS]`` and the ids of ``text``: by ``encode``, else word by word.

        Examples
        --------
        >>> subject.encode_text("mary thought the film was")  # doctest: +SKIP
        """
        if self.encode is not None:
            return [self.bos_id, *self.encode(text)]
        from audit.datasets._sentiment import tokenize

        return self.ids_of(tokenize(text))

    def ids_of(self, words: Sequence[str], *, bos: bool = True) -> list[int]:
        """Token ids of ``words`` (each must be in the vocabulary), after ``[BOS]``."""
        vocabulary = self.lm_data.vocabulary
        missing = [w for w in words if w not in vocabulary]
        if missing:
            raise bad_input("words", "tokens of the vocabulary", f"unknown {missing[:5]}")
        return ([self.bos_id] if bos else []) + [vocabulary.index(w) for w in words]
