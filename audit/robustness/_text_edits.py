"""Typos and casing changes of token ids, through the model's own vocabulary.

Token ids cannot be misspelt directly: each vocabulary word gets a few misspellings
(two neighbouring characters swapped, one character dropped, one replaced by another
character of the vocabulary's alphabet), and a misspelling becomes the id of that word
when the vocabulary has it, else the unknown token, as a tokenizer would map it. A
casing change maps a word to its other-cased form (``good`` ↔ ``Good``) where the
vocabulary has both; a lower-cased vocabulary has none, and the corruption is left out.
The tables are built once per vocabulary (a loop over words, not over rows).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

__all__ = ["TYPO_VARIANTS", "case_table", "typo_table"]

#: Misspellings drawn per vocabulary word.
TYPO_VARIANTS = 4


def typo_table(
    vocabulary: Sequence[str], *, unk_id: int, keep: Sequence[int] = (), seed: int = 0
) -> torch.Tensor:
    """``(V, TYPO_VARIANTS)`` ids: each word's misspellings, mapped through the vocabulary.

    Words of one character, special tokens (``keep``, bracketed like ``[PAD]`` or
    ``<unk>``) keep their own id.

    Examples
    --------
    >>> t = typo_table(["[PAD]", "[UNK]", "good", "godo", "a"], unk_id=1, keep=[0, 1])
    >>> t[0].tolist(), t[4].tolist(), set(t[2].tolist()) <= {1, 2, 3}
    ([0, 0, 0, 0], [4, 4, 4, 4], True)
    """
    rng = np.random.default_rng(seed)
    index = {w: i for i, w in enumerate(vocabulary)}
    alphabet = sorted({c for w in vocabulary if w.isalpha() for c in w}) or list("etaoin")
    out = np.tile(np.arange(len(vocabulary))[:, None], (1, TYPO_VARIANTS))
    special = set(keep)
    for i, word in enumerate(vocabulary):
        if i in special or len(word) < 2 or word[:1] in "[<" or not word.isalpha():
            continue
        for k in range(TYPO_VARIANTS):
            at = int(rng.integers(len(word) - 1))
            kind = int(rng.integers(3))
            if kind == 0:
                typo = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
            elif kind == 1:
                typo = word[:at] + word[at + 1 :]
            else:
                typo = word[:at] + str(rng.choice(alphabet)) + word[at + 1 :]
            out[i, k] = index.get(typo, unk_id) if typo != word else i
    return torch.from_numpy(out)


def case_table(vocabulary: Sequence[str]) -> torch.Tensor | None:
    """``(V,)`` ids of each word's other-cased form, or ``None`` when the vocabulary has none.

    Examples
    --------
    >>> case_table(["good", "Good", "bad"]).tolist()
    [1, 0, 2]
    >>> case_table(["good", "bad"]) is None
    True
    """
    index = {w: i for i, w in enumerate(vocabulary)}
    out = np.arange(len(vocabulary))
    for i, word in enumerate(vocabulary):
        other = word.capitalize() if word.islower() else word.lower()
        out[i] = index.get(other, i)
    if (out == np.arange(len(vocabulary))).all():
        return None
    return torch.from_numpy(out)
