"""Word pieces merged back into words: pure functions of token strings, no tokenizer needed.

Sub-word tokenizers mark word boundaries in their token strings in one of three ways:
WordPiece (BERT) marks a continuation with ``##`` (``"del" "##ight" "##ful"``), byte-level
BPE (GPT-2, RoBERTa) marks the start of a word after a space with ``Ġ``
(``"Ġdel" "ight" "ful"``), SentencePiece with ``▁``. These functions merge the pieces of
one row of token ids into words using only the vocabulary (token strings by id), so they
work on any row the audit explains, with or without ``transformers`` installed.
Attributions are additive, so a word's attribution is the sum of its pieces'. A
word-level vocabulary (no marker) has the convention ``"none"``: every token is a word.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np

__all__ = [
    "BPE_START",
    "CONTINUATION",
    "SENTENCEPIECE_START",
    "Convention",
    "Word",
    "merge_pieces",
    "piece_convention",
    "row_words",
    "word_attributions",
]

Convention = Literal["wordpiece", "bpe", "sentencepiece", "none"]
CONTINUATION = "##"
BPE_START = "Ġ"
SENTENCEPIECE_START = "▁"


@dataclass(frozen=True)
class Word:
    """A word of a token row: its text and the positions of its pieces in the row."""

    text: str
    positions: tuple[int, ...]


def piece_convention(vocabulary: Sequence[str]) -> Convention:
    """How the vocabulary marks word boundaries: the most frequent of the three markers.

    Examples
    --------
    >>> piece_convention(["[PAD]", "the", "del", "##ight", "##ful"])
    'wordpiece'
    >>> piece_convention(["<pad>", "Ġthe", "Ġdel", "ight"])
    'bpe'
    >>> piece_convention(["a", "b"])
    'none'
    """
    counts = {
        "wordpiece": sum(t.startswith(CONTINUATION) and len(t) > 2 for t in vocabulary),
        "bpe": sum(t.startswith(BPE_START) for t in vocabulary),
        "sentencepiece": sum(t.startswith(SENTENCEPIECE_START) for t in vocabulary),
    }
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] else "none"  # type: ignore[return-value]


@lru_cache(maxsize=1)
def _byte_decoder() -> dict[str, int]:
    """GPT-2's printable character → byte table, inverted (byte-level BPE strings → bytes)."""
    printable = [*range(33, 127), *range(161, 173), *range(174, 256)]
    codes = list(printable)
    extra = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            codes.append(256 + extra)
            extra += 1
    return {chr(code): byte for byte, code in zip(printable, codes, strict=True)}


def _bpe_text(pieces: Sequence[str]) -> str:
    table = _byte_decoder()
    joined = "".join(pieces)
    if all(ch in table for ch in joined):
        return bytes(table[ch] for ch in joined).decode("utf-8", errors="replace").strip()
    return joined.replace(BPE_START, " ").strip()


def merge_pieces(
    tokens: Sequence[str],
    *,
    convention: Convention = "wordpiece",
    skip: Sequence[bool] | None = None,
) -> list[Word]:
    """Merge one row's word pieces into words, with the positions of their pieces.

    Parameters
    ----------
    tokens : sequence of str
        Token strings of one row, in order.
    convention : {"wordpiece", "bpe", "sentencepiece", "none"}
        How the tokens mark word boundaries (:func:`piece_convention`); ``"none"``:
        every token is a word.
    skip : sequence of bool, optional
        True at the special tokens (padding, ``[CLS]``, ``[SEP]``...): left out, and they
        end the word before them.

    Returns
    -------
    list of Word

    Examples
    --------
    >>> [w.text for w in merge_pieces(["[CLS]", "mar", "##y", "was", "d", "##ull"],
    ...                               skip=[True, False, False, False, False, False])]
    ['mary', 'was', 'dull']
    >>> merge_pieces(["Ġthe", "Ġdel", "ight", "ful"], convention="bpe")[1]
    Word(text='delightful', positions=(1, 2, 3))
    """
    skip = [False] * len(tokens) if skip is None else list(skip)
    groups: list[list[int]] = []
    open_word = False
    for position, token in enumerate(tokens):
        if skip[position]:
            open_word = False
            continue
        if convention == "wordpiece":
            starts = not token.startswith(CONTINUATION) or len(token) <= 2
        elif convention == "bpe":
            starts = token.startswith(BPE_START)
        elif convention == "sentencepiece":
            starts = token.startswith(SENTENCEPIECE_START)
        else:
            starts = True
        if starts or not open_word:
            groups.append([position])
        else:
            groups[-1].append(position)
        open_word = True
    words = []
    for positions in groups:
        pieces = [tokens[p] for p in positions]
        if convention == "wordpiece":
            rest = (p[2:] if p.startswith(CONTINUATION) else p for p in pieces[1:])
            text = pieces[0] + "".join(rest)
        elif convention == "bpe":
            text = _bpe_text(pieces)
        elif convention == "sentencepiece":
            text = "".join(pieces).replace(SENTENCEPIECE_START, " ").strip()
        else:
            text = "".join(pieces)
        words.append(Word(text, tuple(positions)))
    return words


def row_words(
    ids: Sequence[int] | np.ndarray,
    vocabulary: Sequence[str],
    *,
    special: Iterable[int] = (),
    convention: Convention | None = None,
) -> list[Word]:
    """The words of one row of token ids, special ids left out.

    Parameters
    ----------
    ids : sequence of int
        One row of token ids.
    vocabulary : sequence of str
        Token strings by id.
    special : iterable of int
        Ids left out (padding, class and separator tokens); they end the word before them.
    convention : str, optional
        Default: :func:`piece_convention` of ``vocabulary``.

    Examples
    --------
    >>> row_words([1, 4, 2, 3, 0], ["[PAD]", "[CLS]", "d", "##ull", "film"], special=[0, 1])
    [Word(text='film', positions=(1,)), Word(text='dull', positions=(2, 3))]
    """
    ids = np.asarray(ids).astype(np.int64)
    if ids.ndim != 1:
        raise ValueError(f"ids must be one row, got shape {ids.shape}")
    tokens = [vocabulary[int(i)] for i in ids]
    skip = np.isin(ids, np.asarray(list(special), dtype=np.int64))
    return merge_pieces(
        tokens, convention=convention or piece_convention(vocabulary), skip=skip.tolist()
    )


def word_attributions(
    ids: Sequence[int] | np.ndarray,
    values: Sequence[float] | np.ndarray,
    vocabulary: Sequence[str],
    *,
    special: Iterable[int] = (),
    convention: Convention | None = None,
) -> list[tuple[str, float]]:
    """Per-token values of one row (attributions, rollout shares) summed per word.

    Parameters
    ----------
    ids : sequence of int
        One row of token ids.
    values : sequence of float
        One value per token of the row.
    vocabulary : sequence of str
        Token strings by id.
    special : iterable of int
        Ids left out (padding, class and separator tokens).
    convention : str, optional
        Default: :func:`piece_convention` of ``vocabulary``.

    Returns
    -------
    list of (str, float)
        The words of the row in order, with the sum of their pieces' values.

    Examples
    --------
    >>> vocabulary = ["[PAD]", "[CLS]", "d", "##ull", "film"]
    >>> word_attributions([1, 4, 2, 3, 0], [0.0, 0.1, 0.5, 0.25, 0.0], vocabulary,
    ...                   special=[0, 1])
    [('film', 0.1), ('dull', 0.75)]
    """
    ids = np.asarray(ids).astype(np.int64)
    values = np.asarray(values, dtype=np.float64)
    if ids.shape != values.shape or ids.ndim != 1:
        raise ValueError(f"ids and values must be one row each, got {ids.shape} and {values.shape}")
    words = row_words(ids, vocabulary, special=special, convention=convention)
    return [(w.text, float(values[list(w.positions)].sum())) for w in words]
