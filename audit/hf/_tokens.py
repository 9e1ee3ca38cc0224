"""Word pieces merged back into words, and words found in texts (group terms, evidence).

Sub-word tokenizers mark word boundaries in their token strings in one of three ways:
WordPiece (BERT) marks a continuation with ``##`` (``"del" "##ight" "##ful"``), byte-level
BPE (GPT-2, RoBERTa) marks the start of a word after a space with ``Ġ``
(``"Ġdel" "ight" "ful"``), SentencePiece with ``▁``. These functions merge the pieces of
one row of token ids into words using only the vocabulary (token strings by id), so they
work on any row the audit explains. Attributions are additive, so a word's attribution
is the sum of its pieces'.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "Word",
    "evidence_mask",
    "group_terms",
    "merge_pieces",
    "piece_convention",
    "word_attributions",
]

Convention = Literal["wordpiece", "bpe", "sentencepiece", "none"]
CONTINUATION = "##"
BPE_START = "Ġ"
SENTENCEPIECE_START = "▁"
#: Column of the sensitive feature that :func:`group_terms` derives from the texts.
TERMS_COLUMN = "group_term"
_WORD = re.compile(r"[\w']+")


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
    tokens = [vocabulary[int(i)] for i in ids]
    skip = np.isin(ids, np.asarray(list(special), dtype=np.int64))
    words = merge_pieces(
        tokens, convention=convention or piece_convention(vocabulary), skip=skip.tolist()
    )
    return [(w.text, float(values[list(w.positions)].sum())) for w in words]


def evidence_mask(
    ids: np.ndarray,
    vocabulary: Sequence[str],
    terms: Iterable[str],
    *,
    special: Iterable[int] = (),
) -> np.ndarray:
    """0/1 masks, shaped like ``ids``, of the pieces of the words in ``terms`` (lower case).

    Examples
    --------
    >>> vocabulary = ["[PAD]", "[CLS]", "d", "##ull", "film"]
    >>> evidence_mask(np.array([[1, 4, 2, 3, 0]]), vocabulary, ["dull"], special=[0, 1]).tolist()
    [[0, 0, 1, 1, 0]]
    """
    ids = np.asarray(ids)
    wanted = {t.lower() for t in terms}
    convention = piece_convention(vocabulary)
    special = np.asarray(list(special), dtype=np.int64)
    mask = np.zeros(ids.shape, dtype=np.int64)
    for row in range(ids.shape[0]):
        tokens = [vocabulary[int(i)] for i in ids[row]]
        skip = np.isin(ids[row], special).tolist()
        for word in merge_pieces(tokens, convention=convention, skip=skip):
            if word.text.lower() in wanted:
                mask[row, list(word.positions)] = 1
    return mask


def default_terms() -> dict[str, list[str]]:
    """The generated corpus's group terms: first names and pronouns of each group."""
    from audit.datasets._sentiment import NAMES, PRONOUNS

    return {group: [*NAMES[group], PRONOUNS[group]] for group in sorted(NAMES)}


def group_terms(
    texts: Sequence[str],
    terms: Mapping[str, Sequence[str]] | None = None,
    *,
    column: str = TERMS_COLUMN,
    none: str = "none",
    mixed: str = "mixed",
) -> pd.DataFrame:
    """A sensitive feature found in the texts: the group whose terms each text contains.

    Words are matched whole and case-insensitively. A text with terms of no group is
    ``none``, of several groups ``mixed``.

    Parameters
    ----------
    texts : sequence of str
    terms : mapping of str to list of str, optional
        Group → its terms. Default: the generated sentiment corpus's female and male
        first names and pronouns (:mod:`audit.datasets._sentiment`).
    column : str
        Name of the column.
    none, mixed : str
        Group labels of texts with no terms, and with terms of several groups.

    Returns
    -------
    pandas.DataFrame
        One column, one row per text.

    Examples
    --------
    >>> group_terms(["Mary said she liked it", "the film was dull", "john met anna"])[
    ...     "group_term"].tolist()
    ['female', 'none', 'mixed']
    """
    if isinstance(texts, str):
        raise TypeError("texts must be a sequence of str, got one str")
    terms = default_terms() if terms is None else terms
    lookup: dict[str, str] = {}
    for group, words in terms.items():
        for word in words:
            lookup[str(word).lower()] = str(group)
    labels = []
    for text in texts:
        found = {lookup[w] for w in _WORD.findall(str(text).lower()) if w in lookup}
        labels.append(found.pop() if len(found) == 1 else (mixed if found else none))
    return pd.DataFrame({column: labels})
