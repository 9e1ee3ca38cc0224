"""Figures of the robustness section (SVG through :mod:`audit.charts`)."""

from __future__ import annotations

from audit.charts import Panel, render
from audit.results import Figure
from audit.robustness._attacks import attack_label

__all__ = ["attack_curve", "corruption_curve"]


def corruption_curve(
    accuracy: dict[tuple[str, int], float], clean: float, severities: list[int]
) -> Figure:
    """Accuracy against severity, one line per corruption, clean accuracy at severity 0.

    Examples
    --------
    >>> corruption_curve({("noise", 1): 0.8, ("noise", 2): 0.6}, 0.9, [1, 2]).kind
    'svg'
    """
    names = list(dict.fromkeys(name for name, _ in accuracy))
    panel = Panel(xlabel="severity (0 = clean)", ylabel="accuracy", ylim=(0.0, 1.0))
    for name in names:
        xs = [0, *severities]
        panel.line(xs, [clean, *(accuracy[(name, s)] for s in severities)], label=name, marker="o")
    worst = min(names, key=lambda n: accuracy[(n, severities[-1])])
    alt = (
        f"Accuracy under {len(names)} corruptions at severities {severities[0]}–{severities[-1]}: "
        f"clean {clean:.3f}; at severity {severities[-1]} the worst is {worst} "
        f"({accuracy[(worst, severities[-1])]:.3f})"
    )
    return Figure(
        id="corruption_curve",
        title="Accuracy under corruptions, by severity",
        alt=alt + ".",
        kind="svg",
        data=render([panel], alt=alt),
        caption="One line per corruption; the table beside it gives the numbers and flip rates.",
    )


def attack_curve(accuracy: dict[tuple[str, float], float], clean: float) -> Figure:
    """Robust accuracy against the radius ε, one line per attack (L∞; the L2 attacks: ε·√d).

    Examples
    --------
    >>> attack_curve({("fgsm", 0.1): 0.5, ("fgsm", 0.2): 0.3}, 0.9).id
    'attack_curve'
    """
    methods = list(dict.fromkeys(m for m, _ in accuracy))
    panel = Panel(
        xlabel="ε (in standard deviations of the input; the L2 ball has radius ε·√d)",
        ylabel="accuracy",
    )
    panel.ylim = (0.0, 1.0)
    for method in methods:
        eps = sorted(e for m, e in accuracy if m == method)
        panel.line(
            [0, *eps],
            [clean, *(accuracy[(method, e)] for e in eps)],
            label=attack_label(method),
            marker="o",
        )
    last = max(e for _, e in accuracy)
    parts = ", ".join(f"{attack_label(m)} {accuracy[(m, last)]:.3f}" for m in methods)
    alt = f"Robust accuracy against ε: clean {clean:.3f}; at ε = {last:g}: {parts}"
    return Figure(
        id="attack_curve",
        title="Adversarial robustness",
        alt=alt + ".",
        kind="svg",
        data=render([panel], alt=alt),
        caption="Accuracy on adversarial rows (captum.robust; FGSM (L2) with autograd) as "
        "the radius grows.",
    )
