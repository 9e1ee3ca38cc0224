"""The trust evidence of each method on the explained rows, and its metrics.

Completeness (Integrated Gradients) and localisation use every explained row; the
costlier tests run on the first ``trust_samples`` rows (the randomization test on
16 of them at most, SHAP's sensitivity on 4: SHAP explains row by row):

- deletion / insertion of every method against ``random_orders`` random orders,
  all in one batched pass (:mod:`audit.explain._faithfulness`), the evidence for
  the explained class first; the deletion p-value is the judged figure;
- the cascading and independent randomization tests
  (:mod:`audit.explain._randomization`); the mean Spearman at the full cascade is
  judged by its Student-t interval over rows;
- captum's infidelity and sensitivity (not for text).

With grouped tabular features (``subject.feature_groups``) deletion, insertion and
the randomization Spearman work in original features, as the report speaks: a
group is deleted whole, and ranked by its score (the sum of its columns'
attributions; a perturbation method's group value).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from audit.explain import _trust as trust
from audit.explain._faithfulness import method_curves
from audit.explain._methods import ExplainContext, MethodSpec, baseline_for
from audit.explain._randomization import randomization_test
from audit.results import Metric, Table

if TYPE_CHECKING:
    from audit.explain._section import ExplainRun

__all__ = [
    "DESCRIPTIONS",
    "best_localisation",
    "derived_seed",
    "model_skill",
    "randomization_table",
    "trust_evidence",
    "trust_metrics",
]

#: Caps the rows of the randomization test (each row gives a Spearman over all its units;
#: 16 rows pin their mean to about ±0.1) and of SHAP's sensitivity (it explains row by row).
FEW_ROWS = 16


def derived_seed(seed: int, stream: int) -> int:
    """A seed of its own for one random stream of the trust tests (never the run's seed)."""
    return int(np.random.SeedSequence([seed, 0x7E57, stream]).generate_state(1)[0])


def trust_evidence(
    subject: Any, run: ExplainRun, ctx: ExplainContext, methods: list[MethodSpec], settings: Any
) -> None:
    """Fill ``run.trust``, ``run.intervals``, ``run.curves`` and ``run.randomization``."""
    seed = ctx.seed
    truth = subject.explain.ground_truth_test
    if run.deltas:
        with torch.no_grad():
            out_x = ctx.model(run.X).gather(1, run.target[:, None])[:, 0]
            out_b = ctx.model(baseline_for(ctx, run.X)).gather(1, run.target[:, None])[:, 0]
        scale = (out_x - out_b).abs().clamp_min(1e-6).numpy()
    if truth is not None:
        truth = np.asarray(truth)[run.rows]
        valid = (run.X != baseline_for(ctx, run.X)).numpy() if subject.modality == "text" else None
    k = min(settings.trust_samples, len(run.rows))
    if k == 0:  # trust tests off (a compute budget): completeness and localisation only
        _untested(
            run, methods, scale if run.deltas else None, truth, valid if truth is not None else None
        )
        return
    X, target = run.X[:k], run.target[:k]
    mask = ctx.hints.get("feature_mask")  # grouped tabular features: tests in original features
    index = None if mask is None else np.asarray(mask).reshape(-1)
    run.curves = method_curves(
        ctx,
        X,
        target,
        {spec.name: _units(spec, run.attributions[spec.name][:k], index) for spec in methods},
        steps=settings.curve_steps,
        orders=settings.random_orders,
        seed=derived_seed(seed, 1),
        index=index,
    )
    for spec in methods:
        few = min(k, FEW_ROWS)
        attr = run.attributions[spec.name][:k]
        evidence: dict[str, float] = {}
        if spec.name in run.deltas:
            evidence["completeness_gap"] = float(np.mean(run.deltas[spec.name] / scale))
        curves = run.curves[spec.name]
        evidence["deletion_p_value"] = curves.deletion_p_value
        evidence["deletion_gain"] = curves.deletion_gain
        evidence["insertion_p_value"] = curves.insertion_p_value
        evidence["insertion_gain"] = curves.insertion_gain
        randomized = randomization_test(
            ctx,
            spec,
            X[:few],
            target[:few],
            attr[:few],
            seed=derived_seed(seed, 2),
            max_stages=settings.randomization_stages,
            to_units=None if index is None else partial(_units, spec, index=index),
        )
        if randomized is None:
            note = "no parameters to re-draw: the model-randomization test does not apply"
            run.notes[spec.name] = sorted({*run.notes.get(spec.name, []), note})
        else:
            run.randomization[spec.name] = randomized
            evidence["randomization_spearman"] = randomized.full
            run.intervals[spec.name] = {"randomization_spearman": randomized.interval()}
            evidence["randomization_spearman_abs"] = randomized.abs_cascade[-1]
            evidence["randomization_spearman_independent"] = _nanmax(randomized.independent)
        if subject.modality != "text":
            evidence["infidelity"] = trust.infidelity_score(ctx, X, target, attr, seed=seed)
            quarter = max(2, (few if spec.library == "shap" else k) // 4)
            evidence["sensitivity_max"] = trust.sensitivity_score(
                ctx, spec, X[:quarter], target[:quarter]
            )
        if truth is not None:
            share, chance = trust.localisation(run.attributions[spec.name], truth, valid)
            evidence["localisation"] = share
            evidence["localisation_lift"] = share / chance if chance > 0 else float("nan")
        run.trust[spec.name] = evidence


#: The sentence a method's notes carry when the trust tests did not run.
UNTESTED = (
    "trust tests not run (trust_samples = 0, e.g. under a compute budget): faithfulness, "
    "model randomization, infidelity and sensitivity are not judged"
)


def _untested(run: ExplainRun, methods: list[MethodSpec], scale, truth, valid) -> None:
    """Evidence without the trust tests: their judged figures are left empty (``None``:
    the badge reads "not judged"), completeness and localisation use every row."""
    for spec in methods:
        evidence: dict[str, float | None] = {}
        if spec.name in run.deltas:
            evidence["completeness_gap"] = float(np.mean(run.deltas[spec.name] / scale))
        evidence["deletion_p_value"] = None
        evidence["randomization_spearman"] = None
        if truth is not None:
            share, chance = trust.localisation(run.attributions[spec.name], truth, valid)
            evidence["localisation"] = share
            evidence["localisation_lift"] = share / chance if chance > 0 else float("nan")
        run.trust[spec.name] = evidence
        run.notes[spec.name] = sorted({*run.notes.get(spec.name, []), UNTESTED})


def _nanmax(values: list[float]) -> float:
    finite = [v for v in values if np.isfinite(v)]
    return max(finite) if finite else float("nan")


def _units(spec: MethodSpec, attributions: np.ndarray, index: np.ndarray | None) -> np.ndarray:
    """Signed scores per unit: elements, or original features (grouped as the report does)."""
    flat = attributions.reshape(len(attributions), -1)
    if index is None:
        return flat
    from audit.explain._groups import group_attributions

    return group_attributions(flat, index, perturbed_as_groups=spec.kind == "perturbation")


DESCRIPTIONS = {
    "model_skill_p_value": "label-permutation test (999 shuffles) of the mean probability of "
    "the true class on the test rows; a large p-value: the model shows no skill, and every "
    "method's badge is at most caution",
    "completeness_gap": "|Σ attributions − (f(x) − f(baseline))| relative to |f(x) − f(baseline)|",
    "deletion_p_value": "share of random orders whose deletion curve falls at least as fast as "
    "the method's ((1 + count) / (orders + 1)); judged: a large p-value means the method's "
    "order is not shown to beat a random one",
    "deletion_gain": "area between the mean random-order and the method's deletion curves "
    "(higher: more faithful)",
    "insertion_p_value": "share of random orders whose insertion curve rises at least as fast "
    "as the method's ((1 + count) / (orders + 1))",
    "insertion_gain": "area between the method's and the mean random-order insertion curves",
    "randomization_spearman": "mean rank correlation, over rows, of the signed attributions "
    "with those of the model once every layer is re-drawn (the full cascade, averaged over "
    "3 draws; high: the maps ignore the weights); judged by its Student-t interval over rows",
    "randomization_spearman_abs": "as randomization_spearman, of |attribution|: for methods "
    "that multiply by the input it keeps the input's magnitude (not judged)",
    "randomization_spearman_independent": "the highest mean rank correlation when one stage "
    "of layers alone is re-drawn (the stage the maps depend on least)",
    "infidelity": "captum infidelity under small Gaussian perturbations (lower: more faithful)",
    "sensitivity_max": "captum sensitivity_max: largest change of the map under small noise",
    "localisation": "share of attribution mass on the planted evidence",
    "localisation_lift": "localisation over the share expected by chance",
}


def model_skill(subject: Any, *, seed: int, permutations: int = 999) -> Metric:
    """Whether the model shows skill on the test split: a label-permutation test.

    The statistic is the mean probability the model gives each row's true class;
    its null distribution comes from ``permutations`` seeded shuffles of the labels
    over the rows (the model's outputs fixed), and the p-value is the share at
    least as high, with the +1 correction. A model with no skill (an untrained
    one, or one fit to noise) gets a p-value spread evenly over [0, 1]: whatever its
    explanations say, they describe noise, so no method is trusted then.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> y = np.array([0, 1] * 20)
    >>> sure = SimpleNamespace(y_test=y, predict_proba=lambda split: np.eye(2)[y])
    >>> model_skill(sure, seed=0).value
    0.001
    """
    proba = np.asarray(subject.predict_proba("test"), dtype=np.float64)
    y = np.asarray(subject.y_test).astype(np.int64)
    rows = np.arange(len(y))
    observed = proba[rows, y].mean()
    rng = np.random.default_rng(derived_seed(seed, 3))
    shuffled = np.argsort(rng.random((permutations, len(y))), axis=1)
    null = proba[rows, y[shuffled]].mean(1)
    p = (1 + np.count_nonzero(null >= observed - 1e-12)) / (permutations + 1)
    return Metric(
        "model_skill_p_value",
        float(p),
        description=DESCRIPTIONS["model_skill_p_value"],
        n=len(y),
    )


def best_localisation(run: ExplainRun, methods: list[MethodSpec]) -> str | None:
    """The sentence naming the method whose maps localise the planted evidence best (its
    lift over chance, then the others'), or None without ground truth.

    Examples
    --------
    >>> from types import SimpleNamespace as NS
    >>> run = NS(trust={"ig": {"localisation_lift": 2.5}, "gradcam": {"localisation_lift": 1.5}})
    >>> best_localisation(run, [NS(name="gradcam", label="GradCAM"), NS(name="ig", label="IG")])
    'Localises the planted evidence best: IG (lift 2.50 over chance; GradCAM 1.50).'
    """
    lifts = {
        m.label: float(run.trust[m.name]["localisation_lift"])
        for m in methods
        if np.isfinite(run.trust.get(m.name, {}).get("localisation_lift", np.nan))
    }
    if not lifts:
        return None
    (best, lift), *others = sorted(lifts.items(), key=lambda kv: -kv[1])
    rest = "; " + ", ".join(f"{k} {v:.2f}" for k, v in others) if others else ""
    return f"Localises the planted evidence best: {best} (lift {lift:.2f} over chance{rest})."


def trust_metrics(run: ExplainRun, methods: list[MethodSpec]) -> list[Metric]:
    """The trust evidence as metrics, scoped by method (intervals where there are any)."""
    metrics = []
    for spec in methods:
        intervals = run.intervals.get(spec.name, {})
        for name, value in run.trust[spec.name].items():
            ci = intervals.get(name)
            rows = len(run.randomization[spec.name].rows) if ci is not None else None
            metrics.append(
                Metric(
                    name,
                    value,
                    scope=spec.name,
                    description=DESCRIPTIONS[name],
                    ci=ci if ci is not None and None not in ci else None,
                    n=rows,
                )
            )
    return metrics


def randomization_table(run: ExplainRun, methods: list[MethodSpec]) -> Table:
    """Per method, Spearman along the cascade (top stage first) and per stage alone."""
    methods = [m for m in methods if m.name in run.randomization]
    stages = max((len(run.randomization[m.name].stages) for m in methods), default=0)
    rows = []
    for spec in methods:
        found = run.randomization[spec.name]
        pad = [None] * (stages - len(found.stages))
        rows.append(
            [spec.label, *found.cascade, *pad, *found.independent, *pad, found.abs_cascade[-1]]
        )
    first = run.randomization[methods[0].name].stages if methods else []
    names = [first[j] if j < len(first) else f"stage {j + 1}" for j in range(stages)]
    return Table(
        id="randomization",
        title="Model-randomization test: Spearman of |attribution| with the re-drawn model's",
        columns=[
            "method",
            *(f"cascade to {name}" for name in names),
            *(f"only {name}" for name in names),
            "|attribution|, whole model",
        ],
        rows=rows,
        caption="Spearman of the signed maps. Cascading (Adebayo et al. 2018): layers re-drawn "
        "from the top (output) down, one stage more each step; the last step re-draws the "
        "whole model (mean of 3 draws) and is the judged figure. Independent: one stage "
        "re-drawn, the others as trained. Stages are consecutive parameter layers in forward "
        "order, named by module. The last column ranks |attribution| instead.",
    )
