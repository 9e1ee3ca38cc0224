"""Duplicated rows and train/test overlap, counted only where a row can identify itself.

A few columns with few levels repeat rows by chance: four categorical columns have at
most a few hundred distinct rows, however many rows the table holds, so a raw duplicate
share says nothing about copying. A duplicate is therefore counted only when its row
*can identify itself*: were the columns independent with their observed level
frequencies, fewer than :data:`IDENTIFY_LIMIT` other rows of its split would share all
its values (``(rows - 1) x`` the product of its values' shares among the rows that are
not copies of it, the label's included: :func:`chance_matches`). A row with a
measurement (an amount, a pixel pattern, an id) identifies itself, so a repeat of it is
a copy; a row of common levels does not, and its repeats are what chance gives. Many
strongly dependent columns of few levels can still make a common row look unique: the
raw counts stay in the table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.data._inputs import SplitData
from audit.data._metrics import add
from audit.results import Section, Table

__all__ = [
    "IDENTIFY_LIMIT",
    "chance_matches",
    "column_codes",
    "duplicates_part",
    "row_keys",
]

#: A row identifies itself when fewer other rows than this would share its values by chance.
IDENTIFY_LIMIT = 1e-3
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: a bijection of uint64 that scatters nearby values."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def column_codes(frames: list[pd.DataFrame]) -> np.ndarray:
    """Integer codes of each column's values over the rows of all ``frames``, in order.

    The codes are shared across frames (``3`` in an integer column equals ``3.0`` in
    a float one) and a missing value is a level of its own.

    Examples
    --------
    >>> column_codes([pd.DataFrame({"a": [1, 2]}), pd.DataFrame({"a": [2.0, None]})]).ravel()
    array([0, 1, 1, 2])
    """
    columns = frames[0].columns
    codes = np.empty((sum(len(f) for f in frames), len(columns)), dtype=np.int64)
    for j, column in enumerate(columns):
        values = pd.concat([f[column] for f in frames], ignore_index=True)
        codes[:, j] = pd.factorize(values, use_na_sentinel=False)[0]
    return codes


def row_keys(codes: np.ndarray) -> np.ndarray:
    """One uint64 key per row of ``codes``: equal rows, equal keys (others collide with
    probability about 2**-64 per pair).

    Examples
    --------
    >>> keys = row_keys(np.array([[0, 1], [0, 1], [1, 0]]))
    >>> bool(keys[0] == keys[1]), bool(keys[0] == keys[2])
    (True, False)
    """
    keys = np.zeros(codes.shape[0], dtype=np.uint64)
    for j in range(codes.shape[1]):
        keys = _mix(keys * _MULTIPLIER + codes[:, j].astype(np.uint64) + np.uint64(1))
    return keys


def chance_matches(codes: np.ndarray, others: np.ndarray | int) -> np.ndarray:
    """Per row, how many of ``others`` rows would share all its values by chance.

    ``others x prod_j f_j``, the columns taken as independent, where ``f_j`` is the
    share of the row's value in column ``j`` among the rows that are not identical to
    it (its own copies would otherwise vouch for themselves: a value seen only in a row
    and its copy has share 0). A row identical to every row gets ``inf``.

    Examples
    --------
    >>> codes = np.array([[0, 0], [0, 1], [1, 1], [1, 1], [2, 1]])
    >>> chance_matches(codes, 4).tolist()  # row 1: 4 x (1/4) x (3/4); 2 and 3 are copies
    [0.0, 0.75, 0.0, 0.0, 0.0]
    """
    n = codes.shape[0]
    copies = np.unique(row_keys(codes), return_inverse=True, return_counts=True)
    alike = copies[2][copies[1]]  # rows identical to each row, itself included
    rest = n - alike
    log_share = np.zeros(n)
    with np.errstate(divide="ignore"):
        for j in range(codes.shape[1]):
            counts = np.bincount(codes[:, j])
            log_share += np.log((counts[codes[:, j]] - alike) / np.maximum(rest, 1))
    return np.where(rest > 0, np.asarray(others) * np.exp(log_share), np.inf)


def duplicates_part(section: Section, splits: dict[str, SplitData]) -> None:
    """Add ``identifiable_duplicate_share`` (and, with train and test,
    ``identifiable_train_test_overlap``) and the table ``duplicates`` to ``section``."""
    names = list(splits)
    sizes = np.array([len(s.labels) for s in splits.values()])
    features = column_codes([s.features for s in splits.values()])
    labels = np.concatenate([s.labels for s in splits.values()])
    both = np.column_stack([features, labels])
    split_of_row = np.repeat(np.arange(len(names)), sizes)
    keyed = pd.DataFrame({"split": split_of_row, "key": row_keys(both)})
    repeat = keyed.duplicated().to_numpy()
    identifies = chance_matches(both, sizes[split_of_row] - 1) < IDENTIFY_LIMIT

    def by_split(mask: np.ndarray) -> np.ndarray:
        return np.bincount(split_of_row[mask], minlength=len(names))

    counts = np.stack(
        [sizes, by_split(repeat), by_split(identifies), by_split(repeat & identifies)]
    )
    if len(names) > 1:
        counts = np.column_stack([counts, counts.sum(axis=1)])
    labels_of_rows = [*names, "all splits"] if len(names) > 1 else names
    rows = [
        [name, int(n), int(d), d / n, int(i), int(c), c / n]
        for name, (n, d, i, c) in zip(labels_of_rows, counts.T, strict=True)
    ]
    total = rows[-1]
    add(section, "identifiable_duplicate_share", total[6])
    columns = ["split", "rows", "duplicates", "duplicate_share", "identifying_rows"]
    columns += ["identifiable_duplicates", "identifiable_duplicate_share"]
    if {"train", "test"} <= set(names):
        test, train = names.index("test"), names.index("train")
        keys = row_keys(features)
        found = np.isin(keys[split_of_row == test], keys[split_of_row == train])
        alone = chance_matches(features, sizes[train])[split_of_row == test] < IDENTIFY_LIMIT
        n_test = int(sizes[test])
        share = int((found & alone).sum()) / n_test
        add(section, "identifiable_train_test_overlap", share)
        columns += ["in_train", "in_train_share", "identifiable_in_train_share"]
        for k, row in enumerate(rows):
            mine = k == test
            row += [int(found.sum()), found.sum() / n_test, share] if mine else [None] * 3
    section.tables.append(
        Table(
            id="duplicates",
            title="Duplicated rows",
            columns=columns,
            rows=rows,
            caption="Duplicates repeat an earlier row of the same split (features and label); "
            "in_train counts test rows whose features equal a train row's. A row identifies "
            "itself when, were the columns independent with their observed level frequencies, "
            f"fewer than {IDENTIFY_LIMIT:g} other rows of its split (of train, for in_train) "
            "would share its values; only duplicates of such rows are judged, as repeats of "
            "common levels are what chance gives.",
        )
    )
    if total[4] < 0.5 * total[1]:
        section.notes.append(
            f"Only {total[4]} of {total[1]} rows can identify themselves (the rest have "
            "common values that repeat by chance): their duplicates are shown, not judged."
        )
