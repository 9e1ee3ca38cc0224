"""Settings of the robustness check."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from audit.settings import Strict

__all__ = ["RobustnessSettings"]

Severity = Annotated[int, Field(ge=1, le=5)]
Epsilon = Annotated[float, Field(gt=0, le=10)]


class RobustnessSettings(Strict):
    """How the robustness check perturbs the test rows.

    Parameters
    ----------
    rows : int
        Test rows audited (a seeded sample; all when fewer).
    severities : list of int
        Corruption severities (1–5, ImageNet-C style) drawn in the table and curve.
    judged_severity : int
        The severity whose mean accuracy over corruptions, relative to clean, is judged
        (``corruption_accuracy_ratio``) and whose flips are compared across groups.
    corruptions : list of str, optional
        A subset of the modality's corruptions (default: all that apply).
    epsilons : list of float
        L∞ attack radii in units of the test inputs' standard deviation (one number over
        every value of the audited rows): ε = 0.1 moves each input value by at most a
        tenth of a standard deviation.
    judged_epsilon : float
        The radius (same units) at which ``robust_accuracy_ratio`` is judged (PGD when
        it runs, else FGSM) and FGSM flips are compared across groups.
    attacks : list of {"fgsm", "fgsm_l2", "pgd", "pgd_l2"}
        Empty: no adversarial part. The ``_l2`` attacks work on the L2 ball of radius
        ε·√d for d values per row (``fgsm_l2``: one normalised gradient step). Token
        inputs (text) are attacked on their embeddings.
    pgd_steps : int
        PGD iterations (step size 2.5 ε / steps).
    min_perturbation : bool
        Search each row's smallest flipping FGSM radius (the median, per group).
    search_radius : float
        The largest radius searched (std units); rows not flipped by then count as it.
    counterfactual : bool
        Run the counterfactual probes on sensitive features that are model inputs.
    term_pairs : list of [str, str], optional
        Text: group terms to swap (default: the generated corpus's names and pronouns).
    resamples : int
        Bootstrap resamples of the ratio intervals.
    alpha : float
        Two-sided level of every interval.
    min_group_rows : int
        Groups with fewer audited rows are left out of the gaps.

    Examples
    --------
    >>> RobustnessSettings(rows=64, severities=[1, 3]).judged_severity
    3
    """

    rows: int = Field(default=256, ge=10)
    severities: list[Severity] = Field(default_factory=lambda: [1, 2, 3, 4, 5], min_length=1)
    judged_severity: Severity = 3
    corruptions: list[str] | None = None
    epsilons: list[Epsilon] = Field(default_factory=lambda: [0.02, 0.05, 0.1, 0.2, 0.5])
    judged_epsilon: Epsilon = 0.1
    attacks: list[Literal["fgsm", "fgsm_l2", "pgd", "pgd_l2"]] = Field(
        default_factory=lambda: ["fgsm", "fgsm_l2", "pgd", "pgd_l2"]
    )
    pgd_steps: int = Field(default=10, ge=1, le=200)
    min_perturbation: bool = True
    search_radius: Epsilon = 2.0
    counterfactual: bool = True
    term_pairs: list[tuple[str, str]] | None = None
    resamples: int = Field(default=1000, ge=100, le=100_000)
    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    min_group_rows: int = Field(default=10, ge=1)

    @model_validator(mode="after")
    def _judged_points_drawn(self) -> RobustnessSettings:
        if self.judged_severity not in self.severities:
            raise ValueError(
                f"judged_severity {self.judged_severity} must be one of severities "
                f"{self.severities}"
            )
        if self.attacks and self.judged_epsilon not in self.epsilons:
            raise ValueError(
                f"judged_epsilon {self.judged_epsilon} must be one of epsilons {self.epsilons}"
            )
        return self
