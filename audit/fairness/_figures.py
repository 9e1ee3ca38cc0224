"""Figures of the fairness section: group rates (drawn by the report) and the trade-off."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.figures import PALETTE, new_figure, to_svg
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
        data={"categories": categories, "series": series},
        caption="The same numbers are in the table 'Metrics by group'.",
    )


def tradeoff_figure(columns: list[str], rows: list[list]) -> Figure:
    """Accuracy against disparity before and after each mitigation, one panel per disparity."""
    frame = pd.DataFrame(rows, columns=columns)
    figure, axes = new_figure(7.0, 3.0, ncols=2)
    markers = {"none": "o", "demographic": "s", "equalized": "^"}
    features = list(dict.fromkeys(frame["sensitive_feature"]))
    for ax, disparity in zip(
        axes, ("demographic_parity_difference", "equalized_odds_difference"), strict=True
    ):
        for _, row in frame.iterrows():
            kind = next(k for k in markers if k in row["method"])
            color = PALETTE[features.index(row["sensitive_feature"]) % len(PALETTE)]
            ax.scatter(row[disparity], row["accuracy"], marker=markers[kind], color=color, s=36)
        ax.set_xlabel(disparity.replace("_", " "))
        ax.set_ylabel("accuracy")
    handles = [
        axes[0].scatter([], [], marker=m, color="#555555", label=label)
        for m, label in (("o", "model as is"), ("s", "demographic parity"), ("^", "equalized odds"))
    ]
    handles += [
        axes[0].scatter([], [], marker="o", color=PALETTE[i % len(PALETTE)], label=f)
        for i, f in enumerate(features)
    ]
    axes[1].legend(handles=handles, frameon=False, fontsize=7, loc="best")
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
        data=to_svg(figure),
        caption="Circles: the model as is; squares and triangles: after ThresholdOptimizer. "
        "The numbers are in the table 'Mitigation: before and after'.",
    )
