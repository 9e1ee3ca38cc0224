"""Tabular explanations in the user's own features (dalex-style break-down views).

Encoded columns (one-hot dummies, scaled numbers) are grouped by original feature
(``subject.feature_groups``); the local view shows ``feature = raw value``
with its signed contribution; a flag is raised when a sensitive feature, or a feature
strongly associated with one, ranks among the top features.
"""

from __future__ import annotations

import numpy as np

from audit.charts import PALETTE, Panel, render
from audit.explain._groups import (
    GROUPING_BY_KIND,
    group_attributions,
    group_index,
    sensitive_proxies,
)
from audit.explain._headline import rank_of
from audit.explain._local import selected_rows
from audit.explain._views import global_importance
from audit.results import Figure, Metric, Table

__all__ = ["SENSITIVE_COLUMNS", "grouped_importances", "grouping", "tabular_view"]

#: Columns of the table of sensitive features and their proxies among the top features.
SENSITIVE_COLUMNS = [
    "sensitive feature",
    "feature",
    "relation",
    "global rank",
    "flagged",
    "flagged at rank",
    "rank by method",
]


def grouping(subject) -> tuple[list[str], np.ndarray] | None:
    """``(original feature names, group of each encoded column)``, or None without groups."""
    groups = subject.feature_groups
    if subject.modality != "tabular" or not groups:
        return None
    return group_index(list(subject.feature_names), groups)


def grouped(run, spec, index: np.ndarray) -> np.ndarray:
    """One method's attributions per original feature, grouped as its kind requires."""
    return group_attributions(
        run.attributions[spec.name], index, perturbed_as_groups=spec.kind == "perturbation"
    )


def grouped_importances(run, methods, index: np.ndarray) -> dict[str, np.ndarray]:
    """Mean |attribution| per original feature, normalised to sum to 1, per method."""
    return {spec.name: global_importance(grouped(run, spec, index)) for spec in methods}


def tabular_view(
    subject,
    run,
    methods,
    settings,
    names: list[str],
    index: np.ndarray,
    columns: list[str],
    table: Table,
):
    """Local break-down tables and figures, the encoded detail table, and the sensitive flag."""
    from audit.explain._views import View

    view = View()
    main = methods[0]
    values = grouped(run, main, index)
    raw = subject.raw_test
    rows, figures = [], []
    for role, i in selected_rows(subject, run):
        order = np.argsort(-np.abs(values[i]), kind="stable")[: settings.top_k]
        test_row = int(run.rows[i])
        shown = [f"{names[g]} = {_raw(raw, test_row, names[g])}" for g in order]
        predicted = subject.class_names[int(run.proba[i].argmax())]
        rows.append(
            [
                role,
                test_row,
                predicted,
                float(run.proba[i].max()),
                "; ".join(
                    f"{label}: {values[i, g]:+.3f}" for label, g in zip(shown, order, strict=True)
                ),
            ]
        )
        if len(figures) < 3:
            figures.append(
                _waterfall(role, shown, values[i, order], predicted, main.label, len(figures))
            )
    view.tables.append(
        Table(
            id="local",
            title=f"Local explanations in original features ({main.label})",
            columns=[
                "row",
                "test index",
                "predicted",
                "probability",
                "feature = value: contribution",
            ],
            rows=rows,
            caption="Signed contributions to the predicted class's output, per "
            "original feature; positive pushes towards the predicted class.",
        )
    )
    view.figures += figures
    view.tables.append(
        Table(
            id="grouping",
            title="How each method speaks in original features",
            columns=["method", "grouping"],
            rows=[[m.label, GROUPING_BY_KIND[m.kind]] for m in methods],
        )
    )
    view.tables.append(_encoded_table(run, methods, columns, settings.top_k))
    _sensitive_flag(subject, names, settings, view, table)
    return view


def _raw(raw, row: int, feature: str) -> str:
    if raw is None or feature not in raw.columns:
        return "(encoded)"
    value = raw[feature].iloc[row]
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _waterfall(
    role: str, labels: list[str], contributions: np.ndarray, predicted: str, method: str, k: int
) -> Figure:
    panel = Panel(xlabel=f"contribution to '{predicted}' ({method})")
    colors = [PALETTE[0] if v >= 0 else PALETTE[1] for v in contributions]
    panel.hbars(labels, contributions, colors=colors)
    alt = f"Break-down of the {role} row, predicted {predicted}: " + "; ".join(
        f"{label} {value:+.3f}" for label, value in zip(labels, contributions, strict=True)
    )
    return Figure(
        id=f"breakdown_{k}",
        title=f"Break-down: {role}",
        alt=alt,
        kind="svg",
        data=render([panel], alt=alt, height=int(20 * len(labels) + 50)),
        caption="Blue pushes towards the predicted class, orange away; the numbers are in the "
        "table 'Local explanations in original features'.",
    )


def _encoded_table(run, methods, columns: list[str], top_k: int) -> Table:

    importances = {m.name: global_importance(run.attributions[m.name]) for m in methods}
    mean = np.mean(np.stack(list(importances.values())), axis=0)
    top = np.argsort(-mean, kind="stable")[: top_k * 2]
    return Table(
        id="global_importance_columns",
        title="Detail: global importance per encoded column",
        columns=["column", *importances],
        rows=[[columns[i], *(float(importances[m][i]) for m in importances)] for i in top],
    )


def _sensitive_flag(subject, names, settings, view, table: Table) -> None:
    """Sensitive features, and features associated with them, by their headline rank.

    The rank is the one of the headline ``table`` (trusted methods only); each
    method's own rank is shown beside it as evidence.
    """
    sensitive = subject.sensitive_train
    if sensitive is None:
        return
    raw = subject.raw_train
    proxies = (
        sensitive_proxies(raw, sensitive, threshold=settings.proxy_threshold)
        if raw is not None
        else {}
    )
    known = set(names)
    rows = []
    for feature in sensitive.columns:
        candidates = [(feature, 1.0)] if feature in known else []
        candidates += [(name, s) for name, s in proxies.get(feature, []) if name in known]
        for name, strength in candidates:
            relation = "itself" if name == feature else f"association {strength:.2f}"
            rows.append([feature, name, relation, None, False, settings.sensitive_top_k, ""])
    if not rows:
        return
    view.tables.append(
        Table(
            id="sensitive_features",
            title="Sensitive features and their proxies among the top features",
            columns=list(SENSITIVE_COLUMNS),
            rows=rows,
            caption="The global rank is the headline rank (trusted methods only); flagged when "
            f"it is {settings.sensitive_top_k} or better. Proxies are features associated at "
            f"{settings.proxy_threshold} or more (Cramér's V / η).",
        )
    )
    view.metrics.append(
        Metric(
            "sensitive_feature_rank",
            None,
            description="best headline rank (trusted methods only) of a sensitive feature or "
            "of a proxy of one",
        )
    )
    reflag(view.tables, view.metrics, view.notes)


def reflag(tables: list[Table], metrics: list[Metric], notes: list[str]) -> None:
    """Rank the sensitive features and proxies by the headline table (again), in place.

    Sets each row's rank and flag, the notes, and the ``sensitive_feature_rank``
    metric's value (None, with a note, when no method is trusted). A verdict the
    policy gave is judged again by the metric's own threshold.
    """
    by_id = {t.id: t for t in tables}
    if "sensitive_features" not in by_id or "global_importance" not in by_id:
        return
    table, flags = by_id["global_importance"], by_id["sensitive_features"]
    ranks = rank_of(table)
    methods = table.columns[2 : 2 + _method_count(table)]
    per_method = {
        m: {
            str(row[0]): r + 1
            for r, row in enumerate(
                sorted(table.rows, key=lambda row, m=m: -row[table.columns.index(m)])
            )
        }
        for m in methods
    }
    notes[:] = [n for n in notes if not n.startswith("Sensitive feature ")]
    best = None
    for row in flags.rows:
        feature, name, relation, top = row[0], row[1], row[2], row[5]
        row[6] = ", ".join(f"{m} #{per_method[m][name]}" for m in methods if name in per_method[m])
        row[3] = None if ranks is None else ranks.get(name)
        row[4] = row[3] is not None and row[3] <= top
        if row[3] is not None:
            best = row[3] if best is None else min(best, row[3])
        if row[4]:
            how = "ranks" if name == feature else f"({name}, {relation} with {feature}) is"
            notes.append(
                f"Sensitive feature {feature} {how} #{row[3]} among the features the model "
                "relies on (headline rank, trusted methods only)."
            )
    for metric in metrics:
        if metric.name != "sensitive_feature_rank":
            continue
        metric.value = None if best is None else float(best)
        metric.note = "not ranked: no method passed every trust test" if best is None else ""
        if best is None:
            metric.verdict = "info"
        elif metric.threshold is not None:
            from audit.verdicts import decide

            metric.verdict = decide(metric.threshold, metric.value).verdict


def _method_count(table: Table) -> int:
    """How many method columns follow the unit and headline columns (numbers in every row)."""
    count = 0
    for j in range(2, len(table.columns)):
        if all(isinstance(row[j], float) for row in table.rows):
            count += 1
        else:
            break
    return count
