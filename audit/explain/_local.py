"""Local explanations of selected tabular rows: confident right, confident wrong, per group."""

from __future__ import annotations

import numpy as np

from audit.results import Table
from audit.subject import Subject

__all__ = ["local_table", "selected_rows"]


def selected_rows(subject: Subject, run) -> list[tuple[str, int]]:
    """``(role, index in the explained sample)``: the most confident right and wrong
    predictions, and the most confident row of each sensitive group; a row picked for
    several roles is listed once, its roles joined by "; "."""
    y = subject.y_test.numpy()[run.rows]
    pred = run.proba.argmax(1)
    confidence = run.proba.max(1)
    picks: list[tuple[str, int]] = []
    right, wrong = np.nonzero(pred == y)[0], np.nonzero(pred != y)[0]
    if right.size:
        picks.append(("most confident right", int(right[np.argmax(confidence[right])])))
    if wrong.size:
        picks.append(("most confident wrong", int(wrong[np.argmax(confidence[wrong])])))
    if subject.sensitive_test is not None:
        for feature in subject.sensitive_test.columns:
            groups = subject.sensitive_test[feature].astype(str).to_numpy()[run.rows]
            for group in sorted(set(groups)):
                members = np.nonzero(groups == group)[0]
                picks.append((f"{feature} = {group}", int(members[np.argmax(confidence[members])])))
    roles: dict[int, list[str]] = {}  # one entry per row, every role it was picked for
    for role, index in picks:
        roles.setdefault(index, []).append(role)
    return [("; ".join(names), index) for index, names in roles.items()]


def local_table(subject: Subject, run, labels: list[str], method: str, *, top: int = 5) -> Table:
    """The ``top`` signed contributions of each selected row under ``method``."""
    rows = []
    for role, i in selected_rows(subject, run):
        values = run.attributions[method][i].reshape(-1)
        order = np.argsort(-np.abs(values))[:top]
        predicted = int(run.proba[i].argmax())
        contributions = "; ".join(f"{labels[j]} {values[j]:+.3f}" for j in order)
        rows.append(
            [
                role,
                int(run.rows[i]),
                subject.class_names[predicted],
                float(run.proba[i].max()),
                subject.class_names[int(subject.y_test[run.rows[i]])],
                contributions,
            ]
        )
    return Table(
        id="local",
        title=f"Local explanations ({method})",
        columns=[
            "row",
            "test index",
            "predicted",
            "probability",
            "true class",
            "top contributions",
        ],
        rows=rows,
        caption="Signed contributions to the predicted class's output.",
    )
