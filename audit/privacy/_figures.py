"""Figures of the privacy section: the attacks' ROC curves and the privacy–utility curve."""

from __future__ import annotations

import numpy as np

from audit.figures import new_figure, to_svg
from audit.privacy._attacks import AttackResult
from audit.results import Figure

__all__ = ["roc_figure", "utility_figure"]


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
    figure, ax = new_figure(4.2, 3.6)
    for name, result in attacks.items():
        fpr = np.maximum(result.roc_fpr, floor)
        tpr = np.maximum(result.roc_tpr, floor)
        ax.plot(fpr, tpr, label=f"{name.replace('_', ' ')} (AUC {result.auc:.3f})")
    ax.plot([floor, 1], [floor, 1], color="#555555", linestyle="--", linewidth=0.8, label="chance")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(floor, 1)
    ax.set_ylim(floor, 1)
    ax.set_xlabel("false-positive rate (non-members flagged)")
    ax.set_ylabel("true-positive rate (members found)")
    ax.legend(frameon=False, loc="lower right")
    alt = "ROC curves of the membership-inference attacks on log-log axes. " + "; ".join(
        f"{name.replace('_', ' ')}: AUC {r.auc:.3f}, TPR {r.tpr_at_1pct_fpr:.3f} at 1% FPR and "
        f"{r.tpr_at_01pct_fpr:.3f} at 0.1% FPR, balanced accuracy {r.balanced_accuracy:.3f}, "
        f"empirical epsilon lower bound {r.epsilon_lower_bound:.2f}"
        for name, r in attacks.items()
    )
    return Figure(
        id="mia_roc",
        title="Membership-inference ROC (log–log)",
        alt=alt + ".",
        kind="svg",
        data=to_svg(figure),
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
    figure, ax = new_figure(4.2, 3.0)
    xs = [e for e, _ in finite]
    ax.plot(xs, [a for _, a in finite], marker="o", label="DP-SGD")
    ticks, labels = list(xs), [f"{e:g}" for e in xs]
    if infinite:
        x_inf = top * 3
        ax.plot([x_inf], infinite[:1], marker="s", linestyle="none", label="no DP (ε = ∞)")
        if finite:
            ax.plot([finite[-1][0], x_inf], [finite[-1][1], infinite[0]], linestyle=":")
        ticks.append(x_inf)
        labels.append("∞")
    ax.set_xscale("log")
    ax.set_xticks(ticks, labels)
    ax.minorticks_off()
    ax.set_xlabel("ε (privacy budget; smaller is more private)")
    ax.set_ylabel("test accuracy")
    ax.legend(frameon=False, loc="lower right")
    alt = "Test accuracy against the privacy budget epsilon: " + "; ".join(
        f"epsilon {'infinity (no DP)' if e is None else f'{e:g}'}: accuracy {a:.3f}"
        for e, a in [*finite, *((None, a) for a in infinite)]
    )
    return Figure(
        id="utility_curve",
        title="Privacy–utility trade-off",
        alt=alt + ".",
        kind="svg",
        data=to_svg(figure),
        caption="The values are in the table 'Privacy–utility trade-off'.",
    )
