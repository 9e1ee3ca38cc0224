"""Data: group representation, base rates, label balance, missing values, duplicates, shift."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from audit.data._duplicates import duplicates_part
from audit.data._inputs import SplitData, grouped, validated
from audit.data._inputs import n_classes as count_classes
from audit.data._metrics import add as _add
from audit.data._shift import Shares, crosstab, factorize, shares
from audit.data._shift_part import shift_part
from audit.data._summary import input_columns
from audit.errors import bad_input
from audit.results import Figure, Section, Table
from audit.settings import DataSettings
from audit.subject import Subject

__all__ = ["SplitData", "data_section", "subject_data_section"]

SECTION_ID = "data"
TITLE = "Data"


@dataclass
class _Rows:
    """All rows of all splits, in order: the split of each row and its label."""

    names: list[str]
    sizes: np.ndarray
    split_of_row: np.ndarray
    labels: np.ndarray

    def shares(self, codes: np.ndarray, n_levels: int) -> Shares:
        return shares(self.split_of_row, codes, (len(self.names), n_levels))

    def hits(self, codes: np.ndarray, n_levels: int, outcome: np.ndarray) -> np.ndarray:
        return crosstab(self.split_of_row, codes, (len(self.names), n_levels), outcome)

    def columns(self, *head: str) -> list[str]:
        """``head`` and, with several splits, ``{head[-1]}_{split}`` for each split."""
        several = len(self.names) > 1
        return [*head, *([f"{head[-1]}_{name}" for name in self.names] if several else [])]

    def row(self, head: list, value: float, by_split: np.ndarray) -> list:
        return [*head, value, *(by_split.tolist() if len(self.names) > 1 else [])]


def data_section(
    splits: dict[str, SplitData],
    *,
    class_names: list[str] | None = None,
    settings: DataSettings | None = None,
) -> Section:
    """Audit the data of one or more splits; no model is needed.

    Parameters
    ----------
    splits : dict of str to SplitData
        One split (e.g. ``{"all": ...}``) or several; ``"train"`` and ``"test"``
        together add the train/test overlap and shift.
    class_names : list of str, optional
        Names of the classes, for the label balance table.
    settings : DataSettings, optional

    Returns
    -------
    Section
        Metrics ``min_group_share[feature]``, ``representation_gap[feature]`` (two or
        more splits), ``base_rate_ratio[feature]`` (binary labels),
        ``minority_class_ratio``, ``max_missing_share``, ``identifiable_duplicate_share``
        and, with train and test, ``identifiable_train_test_overlap``, ``max_shifted_smd`` and
        ``max_shifted_psi`` (judged), ``max_abs_smd`` and ``max_psi`` (shown); tables
        ``representation``, ``base_rates``, ``label_balance``, ``missing``,
        ``duplicates`` and ``shift``. Verdicts are left to the policy; the metrics'
        descriptions say how each is measured.

    Raises
    ------
    AuditInputError
        When ``splits`` is empty or a split is malformed; the message names it.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> split = SplitData(pd.DataFrame({"x": [1, 2, 2]}), np.array([0, 1, 1]),
    ...                   pd.DataFrame({"sex": ["f", "m", "m"]}))
    >>> round(data_section({"all": split}).metric("min_group_share[sex]").value, 3)
    0.333
    """
    if settings is not None and not isinstance(settings, DataSettings):
        raise bad_input("settings", "an audit.config.DataSettings or None", settings)
    settings = settings or DataSettings()
    splits = validated(splits)
    raw = splits  # missing values are counted before sensitive features are grouped
    splits, binned = grouped(splits, settings)
    n_classes = count_classes(splits, class_names)
    sizes = np.array([len(s.labels) for s in splits.values()])
    rows = _Rows(
        names=list(splits),
        sizes=sizes,
        split_of_row=np.repeat(np.arange(len(splits)), sizes),
        labels=np.concatenate([s.labels for s in splits.values()]),
    )
    section = Section(id=SECTION_ID, title=TITLE)
    for feature in binned:
        section.notes.append(
            f"Sensitive feature {feature} is numeric with many values: cut into "
            f"{settings.sensitive_bins} quantile bins over all rows."
        )
    first = next(iter(splits.values()))
    if first.sensitive is not None and first.sensitive.shape[1] > 0:
        _groups(section, splits, rows, n_classes)
    else:
        section.notes.append(
            "No sensitive features: representation and base rates were not measured."
        )
    _label_balance(section, rows, n_classes, class_names)
    _missing(section, raw)
    paired = "train" in splits and "test" in splits
    if first.features.shape[1] == 0:
        section.notes.append("No feature columns: duplicates and shift were not measured.")
    else:
        duplicates_part(section, splits)
        if paired:
            train, test = splits["train"].features, splits["test"].features
            shift_part(section, train, test, settings)
    if not paired:
        section.notes.append(
            "Train/test overlap and shift need a 'train' and a 'test' split: not measured."
        )
    section.summary = _summary(section, rows, n_classes)
    return section


def subject_data_section(subject: Subject, settings: DataSettings | None = None) -> Section:
    """Audit the train and test data of ``subject``.

    Features are ``subject.raw_train`` / ``subject.raw_test`` when both are
    DataFrames (the original, unencoded columns), else the model inputs flattened, or
    summarised per channel when wide (:func:`audit.data._summary.input_columns`).

    Examples
    --------
    >>> from audit import reference
    >>> from audit.config import TrainingConfig
    >>> section = subject_data_section(reference("credit", training=TrainingConfig(epochs=1)))
    >>> section.metric("min_group_share[sex]").value > 0.2
    True
    """
    raw = {"train": subject.raw_train, "test": subject.raw_test}
    use_raw = all(isinstance(frame, pd.DataFrame) for frame in raw.values())
    splits = {}
    for split in ("train", "test"):
        X, y = subject.split(split)
        if use_raw:
            features = raw[split]
            if len(features) != X.shape[0]:
                expected = f"a DataFrame with one row per row of X_{split} ({X.shape[0]})"
                raise bad_input(f"raw_{split}", expected, f"{len(features)} rows")
        else:
            features, note = input_columns(
                X,
                modality=subject.modality,
                feature_names=list(subject.feature_names),
                channel_names=getattr(subject.explain, "channel_names", None),
            )
        splits[split] = SplitData(features, y.numpy(), getattr(subject, f"sensitive_{split}"))
    section = data_section(splits, class_names=list(subject.class_names), settings=settings)
    if not use_raw and note is not None:
        section.notes.append(note)
    return section


def _groups(section: Section, splits: dict[str, SplitData], rows: _Rows, n_classes: int) -> None:
    """Representation and base rates per sensitive feature, with one figure per feature."""
    binary = n_classes == 2
    positive = (rows.labels == 1).astype(np.float64)
    representation, base_rates = [], []
    features = list(next(iter(splits.values())).sensitive.columns)
    alpha = 0.05 / max(1, len(features) * (2 if binary else 1))  # Bonferroni over the metrics
    for feature in features:
        codes, groups = factorize(pd.concat([s.sensitive[feature] for s in splits.values()]))
        scope = str(feature)
        counts = rows.shares(codes, len(groups))
        total = int(counts.total.sum())
        _add(
            section,
            "min_group_share",
            counts.share.min(),
            scope,
            ci=_smallest_share_interval(counts.total, alpha=alpha),
            n=total,
        )
        if len(rows.names) > 1:
            _add(section, "representation_gap", counts.gap, scope)
        for i, group in enumerate(groups):
            head = [scope, group, int(counts.total[i])]
            representation.append(rows.row(head, counts.share[i], counts.split_share[:, i]))
        section.figures.append(_share_figure(scope, groups, counts, rows.names))
        if binary:
            hits = rows.hits(codes, len(groups), positive)
            rate, split_rate = counts.rates(hits)
            ratio = rate.min() / rate.max() if rate.max() > 0 else 1.0
            _base_rate_ratio(section, ratio, scope, hits.sum(axis=0), counts.total, alpha)
            for i, group in enumerate(groups):
                head = [scope, group, int(counts.total[i])]
                base_rates.append(rows.row(head, rate[i], split_rate[:, i]))
    head = ("sensitive_feature", "group", "count")
    section.tables.append(
        Table(
            id="representation",
            title="Group representation",
            columns=rows.columns(*head, "share"),
            rows=representation,
            caption="share: of all rows (all splits together); share_<split>: of that split.",
        )
    )
    if binary:
        section.tables.append(
            Table(
                id="base_rates",
                title="Base rate by group",
                columns=rows.columns(*head, "base_rate"),
                rows=base_rates,
                caption="Base rate: the share of rows with label 1.",
            )
        )
    else:
        section.notes.append(
            f"Base rates need binary labels; there are {n_classes} classes, so "
            "base_rate_ratio was not measured."
        )


def _smallest_share_interval(totals: np.ndarray, *, alpha: float) -> list[float]:
    """Interval of the smallest group's share: Wilson intervals of every group's share,
    simultaneous over the groups (Bonferroni); the smallest share lies between the
    smallest lower and the smallest upper bound."""
    from statsmodels.stats.proportion import proportion_confint

    n = int(totals.sum())
    low, high = proportion_confint(totals, n, alpha=alpha / len(totals), method="wilson")
    return [float(np.min(low)), float(np.min(high))]


def _base_rate_ratio(section, ratio, scope, positives, totals, alpha: float) -> None:
    """The smallest over the largest group base rate, with a simultaneous interval."""
    from audit.fairness._contrasts import pair_intervals, worst_case

    events = np.rint(positives).astype(np.int64)
    pairs = max(1, len(totals) * (len(totals) - 1) // 2)
    interval = worst_case(
        pair_intervals(events, totals.astype(np.int64), alpha=alpha / pairs), "ratio"
    )
    metric = _add(section, "base_rate_ratio", ratio, scope, ci=interval, n=int(totals.min()))
    metric.events = int(events.sum())


def _share_figure(feature: str, groups: list[str], counts: Shares, names: list[str]) -> Figure:
    series = {"all rows": [float(v) for v in counts.share]}
    if len(names) > 1:
        series.update({name: counts.split_share[k].tolist() for k, name in enumerate(names)})
    alt = f"Bar chart of group shares by {feature}. " + "; ".join(
        f"{group}: " + ", ".join(f"{name} {values[i]:.3f}" for name, values in series.items())
        for i, group in enumerate(groups)
    )
    return Figure(
        id=f"group_shares_{feature}",
        title=f"Group shares by {feature}",
        alt=alt,
        kind="bars",
        data={"categories": list(groups), "series": series},
        caption="The same numbers are in the table 'Group representation'.",
    )


def _label_balance(
    section: Section, rows: _Rows, n_classes: int, class_names: list[str] | None
) -> None:
    counts = rows.shares(rows.labels, n_classes)
    names = class_names or [f"class {c}" for c in range(n_classes)]
    _add(section, "minority_class_ratio", counts.share.min() * n_classes)
    section.tables.append(
        Table(
            id="label_balance",
            title="Label balance",
            columns=rows.columns("label", "class", "count", "share"),
            rows=[
                rows.row([c, name, int(counts.total[c])], counts.share[c], counts.split_share[:, c])
                for c, name in enumerate(names)
            ],
            caption=f"The policy judges the smallest share against the even share 1/C = "
            f"{1 / n_classes:.3f} (minority_class_ratio = smallest share x C).",
        )
    )


def _missing(section: Section, splits: dict[str, SplitData]) -> None:
    n = sum(len(s.labels) for s in splits.values())
    rows = []
    for attribute, source in (("features", "feature"), ("sensitive", "sensitive")):
        frames = [getattr(s, attribute) for s in splits.values()]
        if frames[0] is not None:
            counts = sum(frame.isna().sum() for frame in frames)
            rows += [[str(c), source, int(k), int(k) / n] for c, k in counts.items()]
    missing_table(section, rows)


def missing_table(section: Section, rows: list[list]) -> None:
    """Judge the largest missing share and add the table of ``[column, source, missing,
    share]`` rows that have any (the predictions engines' counts use it too)."""
    _add(section, "max_missing_share", max((row[3] for row in rows), default=0.0))
    rows = [row for row in rows if row[2] > 0]
    if not rows:
        section.notes.append("No missing values.")
    section.tables.append(
        Table(
            id="missing",
            title="Missing values",
            columns=["column", "source", "missing", "share"],
            rows=rows,
            caption="Columns with missing values (NaN or None), over all rows.",
        )
    )


def _summary(section: Section, rows: _Rows, n_classes: int) -> str:
    values = {m.key: m.value for m in section.metrics}
    text = f"{int(rows.sizes.sum()):,} rows"
    if len(rows.names) > 1:
        counts = zip(rows.names, rows.sizes, strict=True)
        text += " (" + ", ".join(f"{name} {int(n):,}" for name, n in counts) + ")"
    findings = []
    group_shares = [m for m in section.metrics if m.name == "min_group_share"]
    if group_shares:
        low = min(group_shares, key=lambda m: m.value)
        findings.append(f"smallest group share {low.value:.3f} ({low.scope})")
    ratio = values["minority_class_ratio"]
    findings.append(
        f"smallest class share {ratio / n_classes:.3f} ({ratio:.2f} of the even share "
        f"{1 / n_classes:.3f})"
    )
    findings.append(f"largest missing share {values['max_missing_share']:.3f}")
    if "identifiable_duplicate_share" in values:
        overall = section.table("duplicates").rows[-1]
        findings.append(
            f"duplicate share {overall[3]:.3f} ({overall[6]:.3f} of rows that identify themselves)"
        )
    if "max_psi" in values:
        shift = section.table("shift").rows
        flagged = sum(row[-1] != "no" for row in shift)
        findings.append(
            f"{flagged} of {len(shift)} features shifted beyond noise (largest PSI "
            f"{values['max_psi']:.3f}, {shift[0][0]})"
        )
    return f"{text}: " + ", ".join(findings) + "."
