"""A compute budget: each check estimates its cost, and settings scale down to fit.

Large models (a ResNet at 224×224, a BERT) make the default settings, sized for the
reference models, take far longer than a user waits. Before a run, the model's cost per
example is measured once (:func:`measure_workload`: FLOPs by torch's counter and seconds
of a forward pass). Each check that can say what it will do declares a ``cost``
(``settings, workload -> seconds``: the example passes it plans, a backward pass counted
as two forward ones, times the measured seconds, plus its fixed overhead) and a
``shrink`` (``settings, fraction, workload -> (settings, changes)``: fewer rows, steps or
models).
:func:`plan_budget` scales the checks that can shrink by one common fraction so that
the estimated total fits ``budget_s``, and says what it scaled and by how much; the
report shows it beside each section.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from audit.errors import bad_input

if TYPE_CHECKING:
    from audit.checks import Check
    from audit.subject import Subject

__all__ = ["BudgetPlan", "Scaling", "Workload", "measure_workload", "plan_budget", "scaled"]

#: Seconds a check without a cost model is assumed to take (data, performance, ...).
FIXED_SECONDS = 2.0


@dataclass(frozen=True)
class Workload:
    """What one example costs the subject's model, and how many there are.

    Parameters
    ----------
    rows_train, rows_test : int
    values_per_row : int
        Input values per example (features, pixels × channels, tokens).
    height, width : int
        Images: the input's size (0 otherwise).
    modality : str
    epochs : int
        Epochs a shadow or twin model trains for (the target's recipe).
    pass_seconds : float
        Seconds of one forward pass per example (measured in eval mode, batched).
    flops_per_example : float
        FLOPs of one forward pass per example (torch's counter; 0 when it cannot count).
    """

    rows_train: int
    rows_test: int
    values_per_row: int
    modality: str
    epochs: int = 30
    pass_seconds: float = 1e-5
    flops_per_example: float = 0.0
    height: int = 0
    width: int = 0


def measure_workload(subject: Subject, *, rows: int = 64, repeats: int = 5) -> Workload:
    """Time a forward pass of the subject's model on a batch of test rows (the fastest of
    ``repeats``, robust to a busy machine; fewer once they add up to a second) and count
    its FLOPs on a few rows.

    Examples
    --------
    >>> import audit, torch
    >>> X, y = torch.randn(40, 3), torch.randint(0, 2, (40,))
    >>> w = measure_workload(audit.Subject(torch.nn.Linear(3, 2), (X, y), (X, y)))
    >>> w.flops_per_example, w.rows_test, w.pass_seconds > 0
    (12.0, 40, True)
    """
    import torch

    from audit.compute._section import count_flops

    X = subject.X_test[: max(1, min(rows, len(subject.y_test)))]
    model = subject.model
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            model(X)  # warm-up
            times = []
            for _ in range(repeats):  # a large model stops after about a second
                start = time.perf_counter()
                model(X)
                times.append(time.perf_counter() - start)
                if sum(times) > 1.0:
                    break
        try:  # FLOPs are per example: a few rows count them
            few = X[: min(4, X.shape[0])]
            flops = sum(count_flops(model, few).values()) / few.shape[0]
        except Exception:  # a model the counter cannot trace: time alone decides
            flops = 0.0
    finally:
        model.train(was_training)
    recipe = getattr(getattr(subject, "training", None), "recipe", None)
    shape = tuple(subject.X_test.shape[1:])
    return Workload(
        rows_train=len(subject.y_train),
        rows_test=len(subject.y_test),
        values_per_row=int(math.prod(shape)) if shape else 1,
        modality=subject.modality,
        epochs=int(getattr(recipe, "epochs", 30) or 30),
        pass_seconds=max(min(times) / X.shape[0], 1e-7),
        flops_per_example=float(flops),
        height=int(shape[-2]) if subject.modality == "image" and len(shape) >= 2 else 0,
        width=int(shape[-1]) if subject.modality == "image" and len(shape) >= 2 else 0,
    )


@dataclass
class Scaling:
    """One check's settings scaled to the budget: the estimates and what changed."""

    check: str
    before_s: float
    after_s: float
    changes: list[str]


@dataclass
class BudgetPlan:
    """The budget, the estimate per check before scaling, and what was scaled."""

    budget_s: float
    workload: Workload
    estimates: dict[str, float]
    scalings: list[Scaling] = field(default_factory=list)

    @property
    def estimated_s(self) -> float:
        """The estimated total after scaling."""
        after = {s.check: s.after_s for s in self.scalings}
        return sum(after.get(name, seconds) for name, seconds in self.estimates.items())

    @property
    def fits(self) -> bool:
        """Whether the scaled estimate fits the budget (within 5%); when not, even the
        smallest settings the checks allow are estimated above it."""
        return self.estimated_s <= self.budget_s * 1.05

    def note_for(self, check: str) -> str | None:
        """The sentence the check's section shows, or None when it was not scaled."""
        for s in self.scalings:
            if s.check == check and s.changes:
                return (
                    f"Scaled to fit the compute budget of {self.budget_s:g} s (estimated "
                    f"{s.before_s:.0f} s at the default settings, {s.after_s:.0f} s as run): "
                    + "; ".join(s.changes)
                    + "."
                    + (
                        ""
                        if self.fits
                        else f" Even so the run is estimated at {self.estimated_s:.0f} s: the "
                        "checks cannot shrink further (their smallest settings)."
                    )
                )
        return None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the manifest."""
        return {
            "budget_s": self.budget_s,
            "estimated_s": round(self.estimated_s, 1),
            "fits": self.fits,
            "estimates_s": {k: round(v, 1) for k, v in self.estimates.items()},
            "scaled": [asdict(s) for s in self.scalings],
            "workload": asdict(self.workload),
        }


def scaled(value: int, fraction: float, *, floor: int) -> int:
    """``value × fraction`` rounded, at least ``floor`` (and never above ``value``).

    Examples
    --------
    >>> scaled(256, 0.1, floor=16), scaled(256, 0.01, floor=16), scaled(8, 0.5, floor=16)
    (26, 16, 8)
    """
    return min(value, max(floor, round(value * fraction)))


def plan_budget(
    settings: Mapping[str, Any],
    checks: Sequence[Check],
    workload: Workload,
    *,
    budget_s: float,
) -> tuple[dict[str, Any], BudgetPlan]:
    """Scale the checks' settings by one common fraction so the estimate fits ``budget_s``.

    Parameters
    ----------
    settings : mapping of check name to its settings model
    checks : sequence of Check
        Those with ``cost`` are estimated (others take :data:`FIXED_SECONDS`); those with
        ``shrink`` too can be scaled.
    workload : Workload
    budget_s : float
        Seconds the checks may take together.

    Returns
    -------
    settings, plan
        The settings to run (unchanged where nothing had to shrink) and the plan.

    Examples
    --------
    >>> from audit.checks import get_check
    >>> from audit.settings import ExplainSettings
    >>> w = Workload(1000, 500, 3 * 224 * 224, "image", pass_seconds=0.02, height=224, width=224)
    >>> new, plan = plan_budget({"explainability": ExplainSettings()},
    ...                         [get_check("explainability")], w, budget_s=600)
    >>> new["explainability"].n_samples < 256, plan.estimated_s <= 600 * 1.05
    (True, True)
    """
    if not (isinstance(budget_s, (int, float)) and math.isfinite(budget_s) and budget_s > 0):
        raise bad_input("budget_s", "a number of seconds > 0", repr(budget_s))
    out = dict(settings)
    estimates = {
        c.name: c.cost(settings[c.name], workload) if c.cost else FIXED_SECONDS for c in checks
    }
    plan = BudgetPlan(float(budget_s), workload, estimates)
    shrinkable = [c for c in checks if c.cost and c.shrink]
    fixed = sum(v for k, v in estimates.items() if k not in {c.name for c in shrinkable})
    movable = sum(estimates[c.name] for c in shrinkable)
    if fixed + movable <= budget_s or movable <= 0:
        return out, plan
    fraction = max(budget_s - fixed, 0.0) / movable
    for _ in range(6):  # floors keep some costs up: lower the fraction until it fits
        trial = {c.name: c.shrink(settings[c.name], fraction, workload) for c in shrinkable}
        total = fixed + sum(c.cost(trial[c.name][0], workload) for c in shrinkable)
        if total <= budget_s * 1.05 or fraction < 1e-3:
            break
        fraction *= budget_s / total
    for c in shrinkable:
        new, changes = trial[c.name]
        out[c.name] = new
        after = c.cost(new, workload)
        plan.scalings.append(Scaling(c.name, estimates[c.name], after, changes))
    return out, plan
