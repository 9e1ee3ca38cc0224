"""Tabular explanations in the user's own features (dalex-style break-down views).

Encoded columns (one-hot dummies, scaled numbers) are grouped by original feature
(``subject.feature_groups``); the local view shows ``feature = raw value``
with its signed contribution; a flag is raised when a sensitive feature, or a feature
strongly associated with one, ranks among the top features.
"""

from __future__ import annotations

import numpy as np

from audit.explain._groups import (
    GROUPING_BY_KIND,
    group_attributions,
    group_index,
    sensitive_proxies,
)
from audit.explain._local import selected_rows
from audit.explain._views import global_importance
from audit.figures import PALETTE, new_figure, to_svg
from audit.results import Figure, Metric, Table

__all__ = ["grouped_importances", "grouping", "tabular_view"]


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
    subject, run, methods, settings, names: list[str], index: np.ndarray, columns: list[str]
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
    _sensitive_flag(subject, run, methods, names, index, settings, view)
    return view


def _raw(raw, row: int, feature: str) -> str:
    if raw is None or feature not in raw.columns:
        return "(encoded)"
    value = raw[feature].iloc[row]
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _waterfall(
    role: str, labels: list[str], contributions: np.ndarray, predicted: str, method: str, k: int
) -> Figure:
    figure, ax = new_figure(6.4, 0.35 * len(labels) + 1.0)
    order = np.arange(len(labels))[::-1]
    colors = [PALETTE[0] if v >= 0 else PALETTE[1] for v in contributions[order]]
    ax.barh([labels[i] for i in order], contributions[order], color=colors)
    ax.axvline(0, color="#555555", linewidth=0.8)
    ax.set_xlabel(f"contribution to '{predicted}' ({method})")
    alt = f"Break-down of the {role} row, predicted {predicted}: " + "; ".join(
        f"{label} {value:+.3f}" for label, value in zip(labels, contributions, strict=True)
    )
    return Figure(
        id=f"breakdown_{k}",
        title=f"Break-down: {role}",
        alt=alt,
        kind="svg",
        data=to_svg(figure),
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


def _sensitive_flag(subject, run, methods, names, index, settings, view) -> None:
    """Flag sensitive features, and features associated with them, among the top features."""
    sensitive = subject.sensitive_train
    if sensitive is None:
        return
    importances = grouped_importances(run, methods, index)
    ranks = np.argsort(
        np.argsort(-np.mean(np.stack(list(importances.values())), axis=0), kind="stable")
    )
    rank_of = {names[g]: int(ranks[g]) + 1 for g in range(len(names))}
    raw = subject.raw_train
    proxies = (
        sensitive_proxies(raw, sensitive, threshold=settings.proxy_threshold)
        if raw is not None
        else {}
    )
    rows, best = [], None
    for feature in sensitive.columns:
        candidates = [(feature, 1.0)] if feature in rank_of else []
        candidates += [
            (name, strength) for name, strength in proxies.get(feature, []) if name in rank_of
        ]
        for name, strength in candidates:
            rank = rank_of[name]
            flagged = rank <= settings.sensitive_top_k
            rows.append(
                [
                    feature,
                    name,
                    "itself" if name == feature else f"association {strength:.2f}",
                    rank,
                    flagged,
                ]
            )
            best = rank if best is None else min(best, rank)
            if flagged:
                how = (
                    "is"
                    if name == feature
                    else f"({name}, associated with {feature} at {strength:.2f}) is"
                )
                view.notes.append(
                    f"Sensitive feature {feature} {how if name != feature else 'ranks'} "
                    f"{'#' + str(rank)} among the features the model relies on."
                )
    if rows:
        view.tables.append(
            Table(
                id="sensitive_features",
                title="Sensitive features and their proxies among the top features",
                columns=["sensitive feature", "feature", "relation", "global rank", "flagged"],
                rows=rows,
                caption=f"Flagged when ranked in the top {settings.sensitive_top_k}; proxies are "
                f"features associated at {settings.proxy_threshold} or more (Cramér's V / η).",
            )
        )
        view.metrics.append(
            Metric(
                "sensitive_feature_rank",
                float(best),
                description="best global rank of a sensitive feature or of a proxy of one",
            )
        )
