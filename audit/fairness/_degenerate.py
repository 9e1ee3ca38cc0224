"""Groups a fairness section cannot judge: one class, too few rows, nothing to compare.

Each case is reported in one line per feature at most, however many groups it hits:
up to :data:`LISTED` groups are named one note each, more make one note that names
the first few.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.errors import AuditInputError
from audit.fairness._groups import GroupCodes
from audit.results import Section
from audit.settings import FairnessSettings

__all__ = [
    "FEW_JUDGED",
    "LISTED",
    "ONE_CLASS_GROUP",
    "ONE_CLASS_GROUPS",
    "ONE_VALUE",
    "SMALL_GROUP",
    "SMALL_GROUPS",
    "judgeable",
    "one_class_groups",
    "small_group_notes",
]

ONE_CLASS_GROUP = (
    "sensitive_test[{feature!r}]: expected every group to hold both classes of y_test, got group "
    "{group!r} with only class {label} ({rows} rows); its true/false positive rates are undefined. "
    "Merge it with another group, or set fairness.on_degenerate_group: warn."
)
#: The note when more than :data:`LISTED` groups of a feature hold one class (warn mode).
ONE_CLASS_GROUPS = (
    "sensitive_test[{feature!r}]: expected every group to hold both classes of y_test, got "
    "{count:,} groups with one class only (first {examples}); their true/false positive rates "
    "are undefined. Merge them with other groups."
)
LISTED = 3
SMALL_GROUP = (
    "Group {feature} = {group} has {rows} rows, fewer than {size}: shown, but left out of "
    "the disparities and verdicts."
)
SMALL_GROUPS = (
    "{count:,} of the {groups:,} groups of {feature} have fewer than {size} rows (first "
    "{examples}): shown, but left out of the disparities and verdicts."
)
ONE_VALUE = "{feature} has one value ({value!r}): disparities need at least two groups."
FEW_JUDGED = (
    "{feature} has {judged} of {groups} groups with at least {size} rows: disparities need "
    "at least two, so none is judged."
)


def small_group_notes(
    feature: str,
    names: list[str],
    counts: np.ndarray,
    judged: np.ndarray,
    settings: FairnessSettings,
) -> list[str]:
    """A note per group too small to judge, or one note for more than :data:`LISTED`."""
    small = np.flatnonzero(~judged)
    sizes = counts.sum(axis=(1, 2))
    if small.size <= LISTED:
        return [
            SMALL_GROUP.format(
                feature=feature, group=names[i], rows=int(sizes[i]), size=settings.min_group_size
            )
            for i in small
        ]
    examples = ", ".join(f"{names[i]!r} ({int(sizes[i])} rows)" for i in small[:LISTED])
    return [
        SMALL_GROUPS.format(
            feature=feature,
            count=small.size,
            groups=len(names),
            size=settings.min_group_size,
            examples=examples,
        )
    ]


def judgeable(
    section: Section, feature: str, names: list[str], judged: np.ndarray, settings: FairnessSettings
) -> bool:
    """Whether ``feature`` has two judged groups to compare; else say why it is not judged."""
    if int(judged.sum()) >= 2:
        return True
    if len(names) == 1:
        section.notes.append(ONE_VALUE.format(feature=feature, value=names[0]))
    else:
        section.notes.append(
            FEW_JUDGED.format(
                feature=feature,
                judged=int(judged.sum()),
                groups=len(names),
                size=settings.min_group_size,
            )
        )
    return False


def one_class_groups(
    feature: str,
    groups: GroupCodes,
    counts: np.ndarray,
    settings: FairnessSettings,
    section: Section,
) -> None:
    """Raise on a one-class group, or note it and warn when ``on_degenerate_group`` says so.

    Groups are taken in the order they first occur in the rows; more than
    :data:`LISTED` such groups of one feature make one note, not one each.
    """
    totals = counts.sum(axis=(1, 2))
    positives = counts[:, 1, :].sum(axis=1)
    degenerate = (positives == 0) | (positives == totals)
    if not degenerate.any():
        return
    order = [int(i) for i in pd.unique(groups.codes[feature]) if degenerate[i]]
    names = groups.names[feature]
    found = [(names[i], int(positives[i] > 0), int(totals[i])) for i in order]
    if settings.on_degenerate_group == "error":
        group, label, rows = found[0]
        raise AuditInputError(
            ONE_CLASS_GROUP.format(feature=feature, group=group, label=label, rows=rows)
        )
    if len(found) <= LISTED:
        section.notes += [
            ONE_CLASS_GROUP.format(feature=feature, group=group, label=label, rows=rows)
            for group, label, rows in found
        ]
    else:
        examples = ", ".join(
            f"{group!r} (class {label}, {rows} rows)" for group, label, rows in found[:LISTED]
        )
        section.notes.append(
            ONE_CLASS_GROUPS.format(feature=feature, count=len(found), examples=examples)
        )
    section.verdict = "warn"
