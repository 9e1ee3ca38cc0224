"""Figures and tables of the privacy section: the attacks and the privacy–utility curve."""

from __future__ import annotations

import numpy as np

from audit.charts import Panel, render
from audit.privacy._attacks import KEY_FPRS, AttackResult, nonmembers_needed
from audit.results import Figure, Table

__all__ = ["attack_table", "key_points_table", "roc_figure", "utility_figure"]

_CITATIONS = {
    "loss_threshold": "loss_threshold: Yeom et al. (2018), score = −loss",
    "lira_offline": "lira_offline: Carlini et al. (2022), offline likelihood-ratio attack",
}
_ATTACK_COLUMNS = [
    "attack",
    "members",
    "non-members",
    "AUC",
    "AUC low",
    "AUC high",
    "balanced accuracy",
    "TPR at 1% FPR",
    "TPR at 0.1% FPR",
    "ε lower bound",
    "bound threshold",
    "half-B TPR",
    "half-B FPR",
]


def attack_table(attacks: dict[str, AttackResult]) -> Table:
    """One row per attack: sizes, AUC and its interval, TPRs, the ε bound and its threshold."""
    rows = []
    for name, r in attacks.items():
        b = r.bound
        rows.append(
            [
                name,
                r.n_members,
                r.n_nonmembers,
                r.auc,
                *r.auc_ci,
                r.balanced_accuracy,
                r.tpr_at_1pct_fpr,
                r.tpr_at_01pct_fpr,
                r.epsilon_lower_bound,
                b.threshold,
                b.tpr,
                b.fpr,
            ]
        )
    level = next(iter(attacks.values())).confidence
    return Table(
        id="attacks",
        title="Membership-inference attacks",
        columns=list(_ATTACK_COLUMNS),
        rows=rows,
        caption="; ".join(_CITATIONS.get(name, name) for name in attacks)
        + f". AUC intervals: percentile bootstrap at {100 * level:.4g}%. The ε bound's "
        "threshold was chosen on half A of the trials; its TPR and FPR are half B's point "
        "estimates (empty: nothing proved on half A). A TPR at FPR f needs at least 10/f "
        f"non-members ({nonmembers_needed(0.01)} at 1%, {nonmembers_needed(0.001)} at "
        "0.1%); empty: not estimable at this size.",
    )


def key_points_table(attacks: dict[str, AttackResult]) -> Table:
    """TPR at each of :data:`KEY_FPRS` per attack (empty where not estimable)."""
    return Table(
        id="roc_points",
        title="ROC curve: TPR at fixed false-positive rates",
        columns=["FPR at most", *attacks],
        rows=[[fpr, *(r.tpr_at_fpr[fpr] for r in attacks.values())] for fpr in KEY_FPRS],
        caption="A chance-level attack has TPR equal to FPR. Empty: not estimable at this "
        "size (a TPR at FPR f needs at least 10/f non-members).",
    )


def _rate(value: float | None) -> str:
    return "not estimable" if value is None else f"{value:.3f}"


def roc_figure(attacks: dict[str, AttackResult]) -> Figure:
    """ROC curves of membership-inference attacks on log–log axes, with the chance line.

    A false-positive rate of 0 cannot be drawn on a log axis: such points are drawn at
    half of the smallest non-zero rate the data allow (0.5 / non-members).

    Examples
    --------
    >>> from audit.privacy._attacks import attack_result
    >>> result = attack_result(np.array([0.9, 0.2, 0.4, 0.1]), np.array([1, 1, 0, 0]))
    >>> roc_figure({"loss_threshold": result}).data.startswith("<svg")
    True
    """
    floor = 0.5 / max(r.n_nonmembers for r in attacks.values())
    panel = Panel(
        xlabel="false-positive rate (non-members flagged)",
        ylabel="true-positive rate (members found)",
        xlim=(floor, 1.0),
        ylim=(floor, 1.0),
        xlog=True,
        ylog=True,
    )
    for name, result in attacks.items():
        fpr = np.maximum(result.roc_fpr, floor)
        tpr = np.maximum(result.roc_tpr, floor)
        panel.line(fpr, tpr, label=f"{name.replace('_', ' ')} (AUC {result.auc:.3f})")
    panel.line([floor, 1], [floor, 1], color="#555555", dash="5 3", label="chance")
    alt = "ROC curves of the membership-inference attacks on log-log axes. " + "; ".join(
        f"{name.replace('_', ' ')}: AUC {r.auc:.3f}, TPR {_rate(r.tpr_at_1pct_fpr)} at 1% FPR "
        f"and {_rate(r.tpr_at_01pct_fpr)} at 0.1% FPR, balanced accuracy "
        f"{r.balanced_accuracy:.3f}, "
        f"empirical epsilon lower bound {r.epsilon_lower_bound:.2f}"
        for name, r in attacks.items()
    )
    return Figure(
        id="mia_roc",
        title="Membership-inference ROC (log–log)",
        alt=alt + ".",
        kind="svg",
        data=render([panel], alt=alt + ".", width=440, height=340),
        caption="Curves above the dashed diagonal find members better than chance; the low "
        "false-positive end matters most. Key points are in the table 'ROC curve: TPR at fixed "
        "false-positive rates'.",
    )


def utility_figure(points: list[tuple[float | None, float]]) -> Figure:
    """Test accuracy against ε (log axis); the non-private model (ε = ∞) is the last point.

    Examples
    --------
    >>> utility_figure([(1.0, 0.6), (3.0, 0.68), (None, 0.74)]).kind
    'svg'
    """
    finite = sorted((e, a) for e, a in points if e is not None)
    infinite = [a for e, a in points if e is None]
    top = max((e for e, _ in finite), default=1.0)
    xs = [e for e, _ in finite]
    ticks, labels = list(xs), [f"{e:g}" for e in xs]
    if infinite:
        ticks.append(top * 3)
        labels.append("∞")
    panel = Panel(
        xlabel="ε (privacy budget; smaller is more private)",
        ylabel="test accuracy",
        xlog=True,
        xticks=(ticks, labels),
        xlim=(min(ticks) / 1.5, max(ticks) * 1.5) if ticks else None,
    )
    if finite:
        panel.line(xs, [a for _, a in finite], marker="o", label="DP-SGD")
    if infinite:
        panel.points([top * 3], infinite[:1], marker="s", label="no DP (ε = ∞)")
        if finite:
            panel.line(
                [finite[-1][0], top * 3], [finite[-1][1], infinite[0]], color="#555555", dash="2 3"
            )
    alt = "Test accuracy against the privacy budget epsilon: " + "; ".join(
        f"epsilon {'infinity (no DP)' if e is None else f'{e:g}'}: accuracy {a:.3f}"
        for e, a in [*finite, *((None, a) for a in infinite)]
    )
    return Figure(
        id="utility_curve",
        title="Privacy–utility trade-off",
        alt=alt + ".",
        kind="svg",
        data=render([panel], alt=alt + ".", width=460, height=320),
        caption="The values are in the table 'Privacy–utility trade-off'.",
    )
