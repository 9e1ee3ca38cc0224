"""Figures of the fairness section: group rates (drawn by the report) and the trade-off."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.charts import PALETTE, Panel, render
from audit.results import Figure

__all__ = ["group_rates_figure", "tradeoff_figure"]


def group_rates_figure(feature: str, by_group: pd.DataFrame) -> Figure:
    """Bars of selection, true positive and false positive rate per group."""
    series = {
        name: [None if np.isnan(v) else float(v) for v in by_group[name].to_numpy(dtype=np.float64)]
        for name in ("selection_rate", "true_positive_rate", "false_positive_rate")
    }
    categories = [str(g) for g in by_group.index]
    parts = []
    for i, group in enumerate(categories):
        values = ", ".join(
            f"{name.replace('_', ' ')} {'undefined' if v[i] is None else f'{v[i]:.3f}'}"
            for name, v in series.items()
        )
        parts.append(f"{group}: {values}")
    return Figure(
        id=f"group_rates_{feature}",
        title=f"Group rates by {feature}",
        alt=f"Bar chart of group rates by {feature}. " + "; ".join(parts),
        kind="bars",
        data={"categories": categories, "series": series, "y_label": "rate"},
        caption="The same numbers are in the table 'Metrics by group'.",
    )


def tradeoff_figure(columns: list[str], rows: list[list]) -> Figure:
    """Accuracy against disparity before and after each mitigation, one panel per disparity."""
    frame = pd.DataFrame(rows, columns=columns)
    markers = {"none": "o", "demographic": "s", "equalized": "^"}
    legend = (("o", "model as is"), ("s", "demographic parity"), ("^", "equalized odds"))
    features = list(dict.fromkeys(frame["sensitive_feature"]))
    kinds = np.array([next(k for k in markers if k in method) for method in frame["method"]])
    panels = []
    for disparity in ("demographic_parity_difference", "equalized_odds_difference"):
        panel = Panel(xlabel=disparity.replace("_", " "), ylabel="accuracy")
        for m, label in legend:
            panel.points([], [], marker=m, color="#555555", label=label)
        for i, feature in enumerate(features):
            color = PALETTE[i % len(PALETTE)]
            panel.points([], [], marker="o", color=color, label=feature)
            for kind, marker in markers.items():
                chosen = frame[(frame["sensitive_feature"] == feature).to_numpy() & (kinds == kind)]
                panel.points(chosen[disparity], chosen["accuracy"], marker=marker, color=color)
        panels.append(panel)
    alt = "Accuracy against disparity, before and after mitigation. " + "; ".join(
        f"{r[0]}, {r[1]}: accuracy {r[2]:.3f}, demographic parity difference {r[3]:.3f}, "
        f"equalized odds difference {r[4]:.3f}"
        for r in rows
    )
    return Figure(
        id="mitigation_tradeoff",
        title="Fairness–accuracy trade-off",
        alt=alt,
        kind="svg",
        data=render(panels, alt=alt, width=700, height=300),
        caption="Circles: the model as is; squares and triangles: after ThresholdOptimizer. "
        "The numbers are in the table 'Mitigation: before and after'.",
    )
