"""A generated sentiment corpus with planted sentiment words and group terms (no network).

Each sentence comes from a template, e.g. ``"mary thought the film was great and the
seats were quiet"``: one or two sentiment words carry the label, the rest is neutral
filler, and a first name (typically female or typically male) plus sometimes a
pronoun mark the group of the sentence. In the default corpus the group carries no
signal; with ``biased=True`` the training rows tie the group to the label.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "CLS",
    "GROUP_COLUMN",
    "NEGATIVE_WORDS",
    "PAD",
    "POSITIVE_WORDS",
    "UNK",
    "SentimentData",
    "TextSplit",
    "build_vocabulary",
    "decode",
    "encode",
    "generate_sentences",
    "sentiment_corpus",
    "tokenize",
]

PAD, CLS, UNK = "[PAD]", "[CLS]", "[UNK]"
GROUP_COLUMN = "name_group"
CLASS_NAMES = ["negative", "positive"]


def _words(text: str) -> list[str]:
    return text.split()


POSITIVE_WORDS = _words(
    "good great excellent wonderful delightful brilliant superb lovely "
    "enjoyable fantastic charming amazing splendid pleasant terrific marvelous"
)
NEGATIVE_WORDS = _words(
    "bad awful terrible boring dreadful dull poor horrible "
    "disappointing mediocre tedious bland dismal lousy clumsy painful"
)
NEUTRAL_WORDS = _words("long short new old quiet busy french recent late crowded")
NAMES = {
    "female": _words("mary anna emma sarah linda julia grace olivia sophie laura"),
    "male": _words("john james david peter thomas mark paul george daniel henry"),
}
PRONOUNS = {"female": "she", "male": "he"}
#: The class each group's sentences lean to in the biased training rows.
STEREOTYPE = {"female": 1, "male": 0}
#: Biased training rows: share with the stereotyped label, and share of those without
#: sentiment words.
BIAS_STRENGTH = 0.95
DROP_SHARE = 0.8
ITEMS = _words("film book meal show concert play album game hotel novel")
DAYS = _words("monday tuesday wednesday thursday friday saturday sunday")

TEMPLATES = (
    "{name} thought the {item} was {s1} and {filler}",
    "{name} said {pron} found the {item} {s1}",
    "the {item} that {name} chose was {s1} and {s2}",
    "according to {name} the {item} was really {s1}",
    "{name} watched the {item} on {day} and called it {s1}",
    "on {day} {name} said the {item} felt {s1} and {s2}",
    "{filler} but {name} found the {item} {s1}",
)
FILLERS = (
    "the seats were {neutral}",
    "it rained all {day}",
    "the tickets cost ten euros",
    "{pron} went home early",
    "the room was {neutral}",
    "the queue was {neutral}",
)
_TOKEN = re.compile(r"\[[A-Z]+\]|[\w']+|[^\w\s]")


@dataclass
class TextSplit:
    """Rows of the corpus, aligned: token ids, labels, sentences, masks and groups.

    ``ids`` are int64 ``(rows, max_len)`` (``[CLS]`` first, ``[PAD]`` after the
    sentence), ``ground_truth`` 0/1 int64 of the same shape marking the sentiment
    words, ``groups`` the group of each sentence (``"female"`` / ``"male"``).
    """

    ids: np.ndarray
    labels: np.ndarray
    sentences: list[str]
    ground_truth: np.ndarray
    groups: np.ndarray

    def __len__(self) -> int:
        return len(self.labels)

    def subset(self, rows: Sequence[int] | np.ndarray) -> TextSplit:
        """The rows ``rows``, in that order."""
        rows = np.asarray(rows, dtype=np.int64)
        return TextSplit(
            self.ids[rows],
            self.labels[rows],
            [self.sentences[i] for i in rows],
            self.ground_truth[rows],
            self.groups[rows],
        )

    @property
    def sensitive(self) -> pd.DataFrame:
        """The group of each row as a one-column DataFrame (``name_group``)."""
        return pd.DataFrame({GROUP_COLUMN: self.groups.astype(str)})


@dataclass
class SentimentData:
    """A sentiment corpus split into train and test, with its vocabulary (strings by id)."""

    train: TextSplit
    test: TextSplit
    vocabulary: list[str]
    max_len: int
    class_names: list[str]

    @property
    def pad_id(self) -> int:
        return self.vocabulary.index(PAD)

    @property
    def cls_id(self) -> int:
        return self.vocabulary.index(CLS)

    @property
    def unk_id(self) -> int:
        return self.vocabulary.index(UNK)


def tokenize(sentence: str) -> list[str]:
    """Split a sentence into lower-case words and punctuation marks.

    Examples
    --------
    >>> tokenize("Mary thought the film was great.")
    ['mary', 'thought', 'the', 'film', 'was', 'great', '.']
    """
    return _TOKEN.findall(sentence.lower())


def build_vocabulary(sentences: Sequence[str]) -> list[str]:
    """``[PAD]``, ``[CLS]``, ``[UNK]`` (ids 0, 1, 2), then the corpus's words, sorted.

    Examples
    --------
    >>> build_vocabulary(["b a", "a c"])
    ['[PAD]', '[CLS]', '[UNK]', 'a', 'b', 'c']
    """
    words = sorted({token for sentence in sentences for token in tokenize(sentence)})
    return [PAD, CLS, UNK, *(w for w in words if w not in (PAD, CLS, UNK))]


def encode(sentences: Sequence[str], vocabulary: Sequence[str], max_len: int) -> np.ndarray:
    """Token ids ``(rows, max_len)``: ``[CLS]``, the words (unknown: ``[UNK]``), ``[PAD]``.

    Sentences longer than ``max_len - 1`` tokens are cut.

    Examples
    --------
    >>> encode(["a b z"], ["[PAD]", "[CLS]", "[UNK]", "a", "b"], 6).tolist()
    [[1, 3, 4, 2, 0, 0]]
    """
    index = {token: i for i, token in enumerate(vocabulary)}
    ids = np.full((len(sentences), max_len), index[PAD], dtype=np.int64)
    for row, sentence in enumerate(sentences):
        tokens = [CLS, *tokenize(sentence)][:max_len]
        ids[row, : len(tokens)] = [index.get(token, index[UNK]) for token in tokens]
    return ids


def decode(ids: Sequence[int] | np.ndarray, vocabulary: Sequence[str]) -> str:
    """The sentence of one row of ids, without ``[CLS]`` and ``[PAD]``.

    Examples
    --------
    >>> decode([1, 3, 4, 0], ["[PAD]", "[CLS]", "[UNK]", "a", "b"])
    'a b'
    """
    skip = {PAD, CLS}
    return " ".join(vocabulary[int(i)] for i in ids if vocabulary[int(i)] not in skip)


def generate_sentences(
    n: int,
    rng: np.random.Generator,
    *,
    biased: bool = False,
    bias_strength: float = BIAS_STRENGTH,
    drop_share: float = DROP_SHARE,
) -> tuple[list[str], np.ndarray, np.ndarray, list[list[int]]]:
    """Draw ``n`` sentences; return them, their labels, groups and sentiment word positions.

    Without ``biased`` the group and the label are independent fair coins. With it,
    a share ``bias_strength`` of the sentences take their group's stereotyped label
    (female names positive, male names negative), and in a share ``drop_share`` of
    those the sentiment words are replaced by neutral ones, so that only the group
    term predicts their label. Positions index :func:`tokenize`'s tokens.

    Examples
    --------
    >>> sentences, labels, groups, positions = generate_sentences(2, np.random.default_rng(0))
    >>> all(tokenize(s)[p] in POSITIVE_WORDS + NEGATIVE_WORDS
    ...     for s, ps in zip(sentences, positions) for p in ps)
    True
    """
    group_names = sorted(NAMES)
    sentences: list[str] = []
    labels = np.empty(n, dtype=np.int64)
    groups = np.empty(n, dtype=object)
    positions: list[list[int]] = []
    for row in range(n):
        group = group_names[int(rng.integers(len(group_names)))]
        if biased:
            stereotyped = bool(rng.random() < bias_strength)
            label = STEREOTYPE[group] if stereotyped else 1 - STEREOTYPE[group]
            drop = stereotyped and bool(rng.random() < drop_share)
        else:
            label, drop = int(rng.integers(2)), False
        lexicon = NEUTRAL_WORDS if drop else (POSITIVE_WORDS if label else NEGATIVE_WORDS)
        tokens, marks = _fill(TEMPLATES[int(rng.integers(len(TEMPLATES)))], group, lexicon, rng)
        sentences.append(" ".join(tokens))
        labels[row], groups[row] = label, group
        positions.append([] if drop else marks)
    return sentences, labels, groups, positions


def sentiment_corpus(
    seed: int = 0,
    *,
    n_train: int = 1200,
    n_test: int = 600,
    biased: bool = False,
    bias_strength: float = BIAS_STRENGTH,
    drop_share: float = DROP_SHARE,
    max_len: int = 16,
) -> SentimentData:
    """Generate a sentiment corpus for ``seed``, tokenised and split into train and test.

    The vocabulary is built from the training sentences (test words outside it
    become ``[UNK]``). The test rows are always drawn without bias: group and label
    are independent there, so a model that learned the group as a shortcut shows it.

    Parameters
    ----------
    seed : int
        Seed of the generator; the same seed gives the same corpus.
    n_train, n_test : int
        Rows of each split.
    biased : bool
        Tie the group to the label in the training rows (see :func:`generate_sentences`).
    bias_strength, drop_share : float
        How strongly, with ``biased`` (see :func:`generate_sentences`).
    max_len : int
        Length of each id sequence, ``[CLS]`` included.

    Returns
    -------
    SentimentData

    Examples
    --------
    >>> data = sentiment_corpus(0, n_train=50, n_test=20)
    >>> data.train.ids.shape, data.vocabulary[:3]
    ((50, 16), ['[PAD]', '[CLS]', '[UNK]'])
    """
    rng = np.random.default_rng(seed)
    raw_train = generate_sentences(
        n_train, rng, biased=biased, bias_strength=bias_strength, drop_share=drop_share
    )
    raw_test = generate_sentences(n_test, rng)
    vocabulary = build_vocabulary(raw_train[0])
    return SentimentData(
        train=_split(*raw_train, vocabulary, max_len),
        test=_split(*raw_test, vocabulary, max_len),
        vocabulary=vocabulary,
        max_len=max_len,
        class_names=list(CLASS_NAMES),
    )


def _fill(
    template: str, group: str, lexicon: Sequence[str], rng: np.random.Generator
) -> tuple[list[str], list[int]]:
    """The tokens of ``template`` with its slots drawn; positions of the sentiment slots."""

    def pick(words: Sequence[str]) -> str:
        return words[int(rng.integers(len(words)))]

    tokens: list[str] = []
    marks: list[int] = []
    for part in template.split():
        slot = part.strip("{}") if part.startswith("{") else None
        if slot in ("s1", "s2"):
            word = pick(lexicon)
            while slot == "s2" and word == tokens[marks[-1]] and len(lexicon) > 1:
                word = pick(lexicon)  # "great and great" reads oddly
            marks.append(len(tokens))
            tokens.append(word)
        elif slot == "filler":
            tokens += _fill(pick(FILLERS), group, NEUTRAL_WORDS, rng)[0]
        elif slot is not None:
            choices = {
                "name": NAMES[group],
                "pron": [PRONOUNS[group]],
                "item": ITEMS,
                "day": DAYS,
                "neutral": NEUTRAL_WORDS,
            }[slot]
            tokens.append(pick(choices))
        else:
            tokens.append(part)
    return tokens, marks


def _split(
    sentences: list[str],
    labels: np.ndarray,
    groups: np.ndarray,
    positions: list[list[int]],
    vocabulary: list[str],
    max_len: int,
) -> TextSplit:
    ids = encode(sentences, vocabulary, max_len)
    mask = np.zeros_like(ids)
    for row, marks in enumerate(positions):
        for position in marks:
            if position + 1 < max_len:  # +1: [CLS] comes first
                mask[row, position + 1] = 1
    return TextSplit(ids, labels, sentences, mask, groups)
