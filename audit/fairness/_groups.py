"""Sensitive groups: categorical columns as they are, continuous ones in quantile bins.

A sensitive feature may hold at most ``max_groups`` groups: an ID column passed as
sensitive is refused by :meth:`GroupEncoder.fit`, which only counts distinct values,
before any per-group work. :meth:`GroupEncoder.encode` gives each row's group as an
integer code into the sorted group names, without building a string per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from audit.errors import bad_input

__all__ = ["INTERSECTION_SEPARATOR", "MAX_GROUPS", "GroupCodes", "GroupEncoder", "max_groups_of"]

INTERSECTION_SEPARATOR = " & "
MISSING = "(missing)"

#: The most groups a sensitive feature may hold unless ``fairness.max_groups`` says otherwise.
MAX_GROUPS = 200

#: What came, for the error on a feature with too many groups (after "got ").
TOO_MANY_GROUPS = (
    "{count:,} distinct values; cut it into fewer groups (bin or merge its values) "
    "or raise fairness.max_groups"
)


def max_groups_of(settings: object) -> int:
    """``settings.max_groups``, or :data:`MAX_GROUPS` for settings that predate it.

    Examples
    --------
    >>> max_groups_of(object())
    200
    """
    return int(getattr(settings, "max_groups", MAX_GROUPS))


@dataclass
class GroupCodes:
    """Each row's group per sensitive feature, as codes into the sorted group names.

    ``names[feature][codes[feature][row]]`` is the label :meth:`GroupEncoder.transform`
    gives that row. ``left_out`` maps an intersection that was not built to its number
    of groups (more than the encoder's ``max_groups``).
    """

    names: dict[str, list[str]]
    codes: dict[str, np.ndarray]
    left_out: dict[str, int] = field(default_factory=dict)

    @property
    def features(self) -> list[str]:
        """The features, then the intersection when it was built."""
        return list(self.names)


@dataclass
class GroupEncoder:
    """Turn sensitive features into string group labels, the same way for every split.

    A numeric column with more than ``max_categories`` distinct values is cut into
    ``bins`` quantile bins whose edges come from the data passed to :meth:`fit`;
    other columns keep their values (as strings). With ``intersection`` and two or
    more features, a column named ``"a & b"`` holds each row's combined group.

    With ``max_groups``, :meth:`fit` refuses a feature with more distinct values (a
    binned one has at most ``bins`` groups), and :meth:`encode` leaves out an
    intersection with more groups.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"sex": ["f", "m", "m", "f"], "age": [20, 30, 40, 50]})
    >>> enc = GroupEncoder(bins=2, max_categories=3).fit(frame)
    >>> enc.transform(frame)["age"].tolist()
    ['[20, 35]', '[20, 35]', '(35, 50]', '(35, 50]']
    >>> coded = enc.encode(frame)
    >>> coded.names["age"], coded.codes["age"].tolist()
    (['(35, 50]', '[20, 35]'], [1, 1, 0, 0])
    """

    bins: int = 4
    max_categories: int = 10
    intersection: bool = True
    edges: dict[str, np.ndarray] = field(default_factory=dict)
    features: list[str] = field(default_factory=list)
    max_groups: int | None = None

    def fit(self, sensitive: pd.DataFrame) -> GroupEncoder:
        """Learn which columns to bin, and their bin edges; refuse a column with too many groups.

        Raises
        ------
        AuditInputError
            When a column that is not binned holds more than ``max_groups`` distinct
            values (missing values count as one).
        """
        if not isinstance(sensitive, pd.DataFrame) or sensitive.shape[1] == 0:
            raise bad_input("sensitive", "a DataFrame with at least one column", sensitive)
        self.features = [str(c) for c in sensitive.columns]
        self.edges = {}
        for column in sensitive.columns:
            values = sensitive[column]
            is_numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(
                values
            )
            if is_numeric and values.nunique() > self.max_categories:
                quantiles = np.nanquantile(
                    values.to_numpy(dtype=np.float64), np.linspace(0, 1, self.bins + 1)
                )
                self.edges[str(column)] = np.unique(quantiles[~np.isnan(quantiles)])
            elif self.max_groups is not None:
                count = int(values.nunique(dropna=False))
                if count > self.max_groups:
                    raise bad_input(
                        f"sensitive feature {str(column)!r}",
                        f"at most {self.max_groups:,} groups (fairness.max_groups)",
                        TOO_MANY_GROUPS.format(count=count),
                    )
        return self

    @property
    def binned(self) -> list[str]:
        """The features that are cut into bins."""
        return list(self.edges)

    def transform(self, sensitive: pd.DataFrame) -> pd.DataFrame:
        """Return string group labels per feature (and their intersection)."""
        missing = [f for f in self.features if f not in sensitive.columns]
        if missing:
            raise bad_input(
                "sensitive", f"the columns {self.features}", f"a frame missing {missing}"
            )
        out = {}
        for feature in self.features:
            values = sensitive[feature]
            if feature in self.edges:
                out[feature] = _bin_labels(values.to_numpy(dtype=np.float64), self.edges[feature])
            else:
                labels = values.astype(object).where(values.notna(), MISSING)
                out[feature] = labels.astype(str).to_numpy()
        frame = pd.DataFrame(out, index=sensitive.index)
        if self.intersection and len(self.features) > 1:
            joined = frame[self.features[0]].astype(object)
            for feature in self.features[1:]:
                joined = joined + INTERSECTION_SEPARATOR + frame[feature]
            frame[INTERSECTION_SEPARATOR.join(self.features)] = joined.to_numpy()
        return frame

    def encode(self, sensitive: pd.DataFrame) -> GroupCodes:
        """Each row's group as a code into the sorted group names, per feature.

        The same groups as :meth:`transform`, at the cost of one hash per row and one
        label per group. The intersection (with ``intersection`` and two or more
        features) is left out, and counted in ``left_out``, when it holds more than
        ``max_groups`` groups.
        """
        missing = [f for f in self.features if f not in sensitive.columns]
        if missing:
            raise bad_input(
                "sensitive", f"the columns {self.features}", f"a frame missing {missing}"
            )
        names, codes = {}, {}
        for feature in self.features:
            names[feature], codes[feature] = _encode_column(
                sensitive[feature], self.edges.get(feature)
            )
        out = GroupCodes(names, codes)
        if self.intersection and len(self.features) > 1:
            name = INTERSECTION_SEPARATOR.join(self.features)
            joint = _intersection(out, self.features, self.max_groups)
            if isinstance(joint, int):
                out.left_out[name] = joint
            else:
                out.names[name], out.codes[name] = joint
        return out


def _encode_column(values: pd.Series, edges: np.ndarray | None) -> tuple[list[str], np.ndarray]:
    """Sorted group labels of one column and each row's code into them."""
    if edges is not None and edges.size < 2:  # one value: every row in one bin
        return [f"[{_num(edges[0])}, {_num(edges[0])}]"], np.zeros(len(values), dtype=np.int64)
    if edges is not None:
        floats = values.to_numpy(dtype=np.float64)
        raw = np.searchsorted(edges[1:-1], floats, side="left").astype(np.int64)
        labels = [_bin_label(edges, i) for i in range(edges.size - 1)]
        raw[np.isnan(floats)] = len(labels)
    else:
        raw, uniques = pd.factorize(values, use_na_sentinel=True)
        raw = raw.astype(np.int64)
        found = pd.Series(uniques)
        labels = found.astype(object).where(found.notna(), MISSING).astype(str).tolist()
        raw[raw < 0] = len(labels)
    return _sorted_codes([*labels, MISSING], raw)


def _sorted_codes(labels: list[str], raw: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Merge equal labels, keep those that occur, sort them; recode ``raw`` to match."""
    present = np.flatnonzero(np.bincount(raw, minlength=len(labels)))
    names, inverse = np.unique(np.asarray(labels, dtype=object)[present], return_inverse=True)
    recode = np.zeros(len(labels), dtype=np.int64)
    recode[present] = inverse.reshape(-1)
    return [str(n) for n in names], recode[raw]


def _intersection(
    coded: GroupCodes, features: list[str], max_groups: int | None
) -> tuple[list[str], np.ndarray] | int:
    """The intersection's labels and codes, or its number of groups when there are too many."""
    joint = coded.codes[features[0]]
    for feature in features[1:]:  # re-numbered after each step, so it never overflows
        joint, _ = pd.factorize(joint * len(coded.names[feature]) + coded.codes[feature])
        joint = joint.astype(np.int64)
    count = int(joint.max()) + 1 if joint.size else 0
    if max_groups is not None and count > max_groups:
        return count
    # factorize numbers combinations in order of appearance: code k first occurs where
    # the running maximum first reaches k
    seen = np.maximum.accumulate(joint)
    first = np.flatnonzero(np.r_[True, joint[1:] > seen[:-1]]) if joint.size else joint
    labels = [
        INTERSECTION_SEPARATOR.join(
            coded.names[feature][coded.codes[feature][row]] for feature in features
        )
        for row in first
    ]
    return _sorted_codes(labels, joint)


def _bin_label(edges: np.ndarray, i: int) -> str:
    return f"{'[' if i == 0 else '('}{_num(edges[i])}, {_num(edges[i + 1])}]"


def _bin_labels(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Label each value by its bin: ``[lo, hi]`` for the first bin, ``(lo, hi]`` after.

    Values outside the fitted range fall into the first or last bin.
    """
    if edges.size < 2:
        return np.full(values.shape, f"[{_num(edges[0])}, {_num(edges[0])}]", dtype=object)
    inner = edges[1:-1]
    which = np.searchsorted(inner, values, side="left")
    missing = np.isnan(values)
    labels = np.array([_bin_label(edges, i) for i in range(edges.size - 1)], dtype=object)
    out = labels[which]
    out[missing] = MISSING
    return out


def _num(value: float) -> str:
    return f"{value:.4g}"
