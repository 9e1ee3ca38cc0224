"""A generated language-model corpus with group terms, sentiment words and canaries.

Sentences come from the sentiment corpus's templates (:mod:`audit.datasets._sentiment`):
a group term (a typically female or male first name, sometimes a pronoun), one or two
sentiment words and neutral fillers. Into the training sequences go **canaries**
(Carlini et al. 2019, "The Secret Sharer"): secrets of the fixed format
``my code is D D D D D D`` (six digit tokens, a random space of 10^6), each inserted a
known number of times; one more secret, never inserted, is the control.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from audit.datasets._sentiment import (
    DAYS,
    ITEMS,
    NAMES,
    NEGATIVE_WORDS,
    NEUTRAL_WORDS,
    POSITIVE_WORDS,
    PRONOUNS,
    generate_sentences,
    tokenize,
)

__all__ = [
    "BOS",
    "CANARY_PREFIX",
    "DIGITS",
    "EOS",
    "PAD",
    "Canary",
    "LMCorpus",
    "PromptPair",
    "lm_corpus",
]

PAD, BOS, EOS, UNK = "[PAD]", "[BOS]", "[EOS]", "[UNK]"
DIGITS = [str(d) for d in range(10)]
CANARY_PREFIX = ("my", "code", "is")
CANARY_LENGTH = 6
#: Repetitions of the inserted canaries; a control secret is inserted 0 times.
REPETITIONS = (1, 4, 16)
#: Other people's codes, once each: the format is common in the corpus, the canaries are not.
N_OTHER_CODES = 200
#: Counterfactual prompts, cut before the sentiment word; ``{name}`` is the group term.
PROMPTS = (
    "{name} thought the {item} was",
    "{name} said {pron} found the {item}",
    "according to {name} the {item} was really",
    "{name} watched the {item} on {day} and called it",
)


@dataclass(frozen=True)
class Canary:
    """A secret: its digits, how often it was inserted, and its full token sequence."""

    digits: tuple[str, ...]
    repetitions: int

    @property
    def tokens(self) -> list[str]:
        return [*CANARY_PREFIX, *self.digits]

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


@dataclass(frozen=True)
class PromptPair:
    """Two prompts that differ only in the group term: ``groups[i]`` is ``texts[i]``'s group."""

    texts: tuple[str, str]
    groups: tuple[str, str]


@dataclass
class LMCorpus:
    """Token-id sequences ``(rows, max_len)``: ``[BOS]`` words ``[EOS]`` then ``[PAD]``.

    ``train`` holds the training sentences and the canaries' copies (shuffled);
    ``heldout`` sentences drawn the same way, never trained on. ``train_users`` names
    who wrote each training row: every sentence and other person's code has a writer
    of its own, and all copies of one canary come from one writer (a person who typed
    their secret ``k`` times), the unit of user-level DP-SGD.
    """

    train: np.ndarray
    heldout: np.ndarray
    train_groups: np.ndarray
    vocabulary: list[str]
    canaries: list[Canary]
    prompt_pairs: list[PromptPair]
    max_len: int
    train_users: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    def id_of(self, token: str) -> int:
        return self.vocabulary.index(token)

    @property
    def pad_id(self) -> int:
        return self.id_of(PAD)

    def encode(self, words: list[str], *, bos: bool = True, eos: bool = True) -> np.ndarray:
        """Ids of ``words`` (unknown words: ``[UNK]``), with ``[BOS]``/``[EOS]``, unpadded."""
        index = {t: i for i, t in enumerate(self.vocabulary)}
        tokens = ([BOS] if bos else []) + list(words) + ([EOS] if eos else [])
        return np.array([index.get(t, index[UNK]) for t in tokens], dtype=np.int64)


def _vocabulary() -> list[str]:
    """Every word the templates, lexicons and canaries can produce, after the specials."""
    words = {
        *POSITIVE_WORDS,
        *NEGATIVE_WORDS,
        *NEUTRAL_WORDS,
        *ITEMS,
        *DAYS,
        *PRONOUNS.values(),
        *(n for names in NAMES.values() for n in names),
        *DIGITS,
        *CANARY_PREFIX,
    }
    from audit.datasets import _sentiment

    for template in (*_sentiment.TEMPLATES, *_sentiment.FILLERS, *PROMPTS):
        words.update(w for w in template.split() if not w.startswith("{"))
    return [PAD, BOS, EOS, UNK, *sorted(words)]


def _pad(rows: list[np.ndarray], max_len: int, pad_id: int) -> np.ndarray:
    out = np.full((len(rows), max_len), pad_id, dtype=np.int64)
    for i, row in enumerate(rows):
        out[i, : min(len(row), max_len)] = row[:max_len]
    return out


def _prompt_pairs(n_pairs: int, rng: np.random.Generator) -> list[PromptPair]:
    """Pairs of prompts with the i-th female and i-th male name in the same context."""
    female, male = NAMES["female"], NAMES["male"]
    pairs = []
    for _ in range(n_pairs):
        template = PROMPTS[int(rng.integers(len(PROMPTS)))]
        slots = {"item": ITEMS[int(rng.integers(len(ITEMS)))]}
        slots["day"] = DAYS[int(rng.integers(len(DAYS)))]
        k = int(rng.integers(len(female)))
        texts = tuple(
            template.format(name=name, pron=PRONOUNS[group], **slots)
            for name, group in ((female[k], "female"), (male[k], "male"))
        )
        pairs.append(PromptPair(texts, ("female", "male")))  # type: ignore[arg-type]
    return pairs


def lm_corpus(
    seed: int = 0,
    *,
    n_train: int = 2000,
    n_heldout: int = 500,
    biased: bool = False,
    repetitions: tuple[int, ...] = REPETITIONS,
    n_prompt_pairs: int = 120,
    n_other_codes: int = N_OTHER_CODES,
    max_len: int = 16,
) -> LMCorpus:
    """Generate the corpus for ``seed``: sentences, canaries and counterfactual prompt pairs.

    Parameters
    ----------
    seed : int
        The same seed gives the same corpus, canaries and prompts.
    n_train, n_heldout : int
        Sentences in each split (the canaries' copies come on top of ``n_train``).
    biased : bool
        Training sentences whose group term co-occurs with sentiment: 95% of the
        female-name sentences positive, 95% of the male-name ones negative (the
        sentiment words are kept, so the association is in what the model reads).
        Held-out sentences are drawn without bias.
    repetitions : tuple of int
        How often each inserted canary is repeated; one control canary (0) is added.
    n_prompt_pairs : int
        Counterfactual prompt pairs for the generation-bias audit.
    n_other_codes : int
        Sequences of the canaries' format with random digits, once each (other
        people's codes): what a model learns of the format without memorizing.
    max_len : int
        Length of each id sequence, ``[BOS]`` and ``[EOS]`` included.

    Returns
    -------
    LMCorpus

    Examples
    --------
    >>> corpus = lm_corpus(0, n_train=40, n_heldout=10)
    >>> corpus.train.shape, [c.repetitions for c in corpus.canaries]
    ((261, 16), [1, 4, 16, 0])
    >>> corpus.vocabulary[:4]
    ['[PAD]', '[BOS]', '[EOS]', '[UNK]']
    """
    rng = np.random.default_rng(seed)
    vocabulary = _vocabulary()
    corpus = LMCorpus(
        np.empty(0), np.empty(0), np.empty(0), vocabulary, [], [], max_len
    )  # filled below
    sentences, _, groups, _ = generate_sentences(n_train, rng, biased=biased, drop_share=0.0)
    heldout, _, _, _ = generate_sentences(n_heldout, rng)
    canaries = [
        Canary(tuple(str(d) for d in rng.integers(0, 10, CANARY_LENGTH)), int(r))
        for r in (*repetitions, 0)
    ]
    rows = [corpus.encode(tokenize(s)) for s in sentences]
    row_groups = list(groups.astype(str))
    for digits in rng.integers(0, 10, (n_other_codes, CANARY_LENGTH)):
        rows.append(corpus.encode([*CANARY_PREFIX, *(str(d) for d in digits)]))
        row_groups.append("code")
    users = list(range(len(rows)))  # one writer per sentence and per other person's code
    for writer, canary in enumerate(canaries, start=len(rows)):
        rows += [corpus.encode(canary.tokens)] * canary.repetitions
        row_groups += ["canary"] * canary.repetitions
        users += [writer] * canary.repetitions
    order = rng.permutation(len(rows))
    corpus.train = _pad([rows[i] for i in order], max_len, corpus.pad_id)
    corpus.train_groups = np.asarray(row_groups, dtype=object)[order]
    corpus.train_users = np.asarray(users, dtype=np.int64)[order]
    corpus.heldout = _pad([corpus.encode(tokenize(s)) for s in heldout], max_len, corpus.pad_id)
    corpus.canaries = canaries
    corpus.prompt_pairs = _prompt_pairs(n_prompt_pairs, rng)
    return corpus
