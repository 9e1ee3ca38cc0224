"""Counterfactual probes: change only the sensitive attribute, hold the rest, see if it flips.

Tabular: the sensitive feature's encoded columns (a one-hot group, or one column with
two values) are set to each other level in turn. Text: group terms are swapped for their
counterpart (a female name for a male one, ``she`` for ``he``, and back).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import torch

from audit.errors import bad_input

__all__ = ["default_term_pairs", "tabular_counterfactuals", "text_counterfactual"]


def default_term_pairs() -> list[tuple[str, str]]:
    """The generated corpus's group terms, paired across groups (names by rank, pronouns).

    Examples
    --------
    >>> default_term_pairs()[0], default_term_pairs()[-1]
    (('mary', 'john'), ('she', 'he'))
    """
    from audit.datasets._sentiment import NAMES, PRONOUNS

    pairs = list(zip(NAMES["female"], NAMES["male"], strict=True))
    return [*pairs, (PRONOUNS["female"], PRONOUNS["male"])]


def tabular_counterfactuals(
    X: torch.Tensor,
    *,
    feature: str,
    feature_names: Sequence[str],
    feature_groups: Mapping[str, Sequence[str]] | None,
) -> list[torch.Tensor] | None:
    """Copies of ``X`` with ``feature``'s columns set to each of its levels, or None.

    None when ``feature`` is not a model input (no group nor column of that name) or
    is a column with more than two values (a continuous input has no level to swap to).

    Examples
    --------
    >>> X = torch.tensor([[1.0, 0.0, 5.0], [0.0, 1.0, 6.0]])
    >>> out = tabular_counterfactuals(X, feature="sex", feature_names=["sex=f", "sex=m", "x"],
    ...                               feature_groups={"sex": ["sex=f", "sex=m"], "x": ["x"]})
    >>> [t[:, :2].tolist() for t in out]
    [[[1.0, 0.0], [1.0, 0.0]], [[0.0, 1.0], [0.0, 1.0]]]
    """
    names = list(feature_names)
    if feature_groups and feature in feature_groups:
        columns = list(feature_groups[feature])
    elif feature in names:
        columns = [feature]
    else:
        return None
    missing = [c for c in columns if c not in names]
    if missing:
        raise bad_input("feature_groups", "columns among feature_names", repr(missing))
    idx = torch.tensor([names.index(c) for c in columns])
    block = X[:, idx]
    if len(columns) == 1:
        values = torch.unique(block)
        if len(values) != 2:
            return None
        out = X.clone()
        out[:, idx[0]] = torch.where(block[:, 0] == values[0], values[1], values[0])
        return [out]
    on, off = block.max(), block.min()
    versions = []
    for level in range(len(columns)):
        out = X.clone()
        out[:, idx] = off
        out[:, idx[level]] = on
        versions.append(out)
    return versions


def text_counterfactual(
    X: torch.Tensor, *, vocabulary: Sequence[str], pairs: Sequence[tuple[str, str]]
) -> tuple[torch.Tensor, torch.Tensor]:
    """``X`` with every group term swapped for its counterpart, and which rows changed.

    Each word is matched as it is and with the word-start markers of byte-level BPE
    (``Ġmary``) and SentencePiece (``▁mary``), in both cases (``Mary``): a pair is swapped
    in every form where the vocabulary has both of its words as single tokens. Other
    pairs are skipped.

    Examples
    --------
    >>> X = torch.tensor([[0, 1, 2], [0, 3, 3]])
    >>> out, changed = text_counterfactual(X, vocabulary=["[PAD]", "mary", "x", "he"],
    ...                                    pairs=[("mary", "john"), ("she", "he")])
    >>> out.tolist(), changed.tolist()
    ([[0, 1, 2], [0, 3, 3]], [False, False])
    >>> text_counterfactual(torch.tensor([[1, 3]]), vocabulary=["[PAD]", "Ġmary", "x", "Ġjohn"],
    ...                     pairs=[("mary", "john")])[0].tolist()
    [[3, 1]]
    """
    index = {word: i for i, word in enumerate(vocabulary)}
    table = torch.arange(len(vocabulary), dtype=X.dtype)
    for a, b in pairs:
        for mark in ("", "Ġ", "▁"):
            for case in (str.lower, str.capitalize):
                wa, wb = mark + case(a), mark + case(b)
                if wa in index and wb in index and wa != wb:
                    table[index[wa]], table[index[wb]] = index[wb], index[wa]
    inside = (X >= 0) & (X < len(vocabulary))
    out = torch.where(inside, table[X.clamp(0, len(vocabulary) - 1)], X)
    return out, (out != X).any(dim=1)
