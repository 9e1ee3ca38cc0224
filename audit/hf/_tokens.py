"""Words found in texts (group terms, planted evidence); word pieces merged into words.

The merging itself (:func:`merge_pieces`, :func:`piece_convention`,
:func:`word_attributions`) needs no tokenizer and lives in :mod:`audit.explain._pieces`,
where the report's text view uses it too; it is re-exported here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from audit.explain._pieces import Word, merge_pieces, piece_convention, word_attributions

__all__ = [
    "TERMS_COLUMN",
    "Word",
    "evidence_mask",
    "group_terms",
    "merge_pieces",
    "piece_convention",
    "word_attributions",
]

#: Column of the sensitive feature that :func:`group_terms` derives from the texts.
TERMS_COLUMN = "group_term"
_WORD = re.compile(r"[\w']+")


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
