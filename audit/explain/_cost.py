"""What the explainability check costs, and how it shrinks to a compute budget.

Calibrated by counting the model's forward and backward example passes of a run at the
default settings on credit (MLP) and vision (CNN) and at smaller ``n_samples`` and
``trust_samples``: about 300 pass-equivalents per explained row and 1,700 per trust-test
row, plus up to 10,000 that grow with the rows below 64 (the faithfulness curves'
random orders, the randomization stages); occlusion windows add per row. On vision the
counted passes of six runs (16 to 256 rows, 2 to 32 trust rows) lie within 3% of the
estimate (a test checks it); on credit within 5% at the defaults, while at 32 rows the
count is 2.3 times the estimate (Integrated Gradients adds steps until complete).
HiResCAM, like GradCAM, costs one forward and backward pass per explained row; with
it the vision counts at 16 rows (2 trust rows) and 64 rows (8) are 1.00 and 0.95 of
the estimate (without it, 0.95 and 0.94), so the estimate is left as it is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.budget import Workload, scaled

if TYPE_CHECKING:
    from audit.settings import ExplainSettings

__all__ = ["explain_cost", "explain_shrink", "occlusion_windows"]

OVERHEAD_S = 2.0
#: Below this fraction of the default cost, the trust tests are left out.
DEEP = 0.01
#: Below this fraction, occlusion over many windows (:data:`DEEP_WINDOWS`) is left out.
NO_OCCLUSION = 0.1
#: Occlusion windows a row above which a deep shrink leaves occlusion out.
DEEP_WINDOWS = 64


def occlusion_windows(workload: Workload) -> int:
    """Windows occlusion slides per image row (see ``explain._methods.occlusion``), or
    the features ablated per tabular row, or 0.

    Examples
    --------
    >>> occlusion_windows(Workload(10, 10, 64, "image", height=8, width=8))
    49
    """
    if workload.modality == "image" and workload.height:
        h, w = max(2, workload.height // 8), max(2, workload.width // 8)
        sh, sw = max(1, h // 2), max(1, w // 2)
        return ((workload.height - h) // sh + 1) * ((workload.width - w) // sw + 1)
    if workload.modality == "tabular":
        return workload.values_per_row
    return 0


def explain_cost(settings: ExplainSettings, workload: Workload) -> float:
    """Estimated seconds of the explainability check at ``settings``.

    Examples
    --------
    >>> from audit.settings import ExplainSettings
    >>> w = Workload(560, 300, 60, "tabular", pass_seconds=2e-5)
    >>> round(explain_cost(ExplainSettings(), w), 1)
    4.9
    """
    windows = occlusion_windows(workload)
    per_row = 150 + 2 * settings.ig_steps + windows
    per_trust = 1400 + 6 * windows
    rows = min(settings.n_samples, workload.rows_test)
    trust = min(settings.trust_samples, rows)
    if settings.methods is None and "occlusion" in settings.leave_out:
        per_row -= windows
    tests = min(10_000, 3_600 + 100 * rows) if trust else 0
    passes = tests + rows * per_row + trust * per_trust
    return OVERHEAD_S + passes * workload.pass_seconds


def explain_shrink(
    settings: ExplainSettings, fraction: float, workload: Workload | None = None
) -> tuple[ExplainSettings, list[str]]:
    """Fewer explained rows and trust-test rows, Integrated Gradients at a fixed step
    count (no doubling until complete); below a quarter, fewer IG steps too; below
    :data:`NO_OCCLUSION`, for inputs that occlusion would slide over more than
    :data:`DEEP_WINDOWS` windows, the default methods without occlusion; below
    :data:`DEEP` (a network far too large for the budget), no trust tests.

    Examples
    --------
    >>> from audit.settings import ExplainSettings
    >>> explain_shrink(ExplainSettings(), 0.1)[1]  # doctest: +NORMALIZE_WHITESPACE
    ['explained rows 256 → 26', 'trust-test rows 32 → 3', 'IG steps 50 → 20',
     'most IG steps (no doubling) 400 → 20']
    >>> explain_shrink(ExplainSettings(), 0.005)[1][1]
    'trust-test rows 32 → 0 (no trust tests: faithfulness and randomization not judged)'
    """
    deep = fraction < DEEP
    update = {
        "n_samples": scaled(settings.n_samples, fraction, floor=8),
        "trust_samples": 0 if deep else scaled(settings.trust_samples, fraction, floor=2),
    }
    if fraction < 0.25:
        update["ig_steps"] = scaled(settings.ig_steps, fraction * 4, floor=16)
    # the estimate counts the first step count: under a budget the steps do not double
    # (a model whose gap stays above the tolerance would run up to 15 times longer;
    # measured on a BERT: 466 s for an estimate of 96 s); the gap is reported as it is
    update["ig_max_steps"] = min(settings.ig_max_steps, update.get("ig_steps", settings.ig_steps))
    words = {
        "n_samples": "explained rows",
        "trust_samples": "trust-test rows",
        "ig_steps": "IG steps",
        "ig_max_steps": "most IG steps (no doubling)",
    }
    changes = [
        f"{words[k]} {getattr(settings, k)} → {v}"
        + (" (no trust tests: faithfulness and randomization not judged)" if v == 0 else "")
        for k, v in update.items()
        if v != getattr(settings, k)
    ]
    windows = occlusion_windows(workload) if workload is not None else 0
    if fraction < NO_OCCLUSION and settings.methods is None and windows > DEEP_WINDOWS:
        update["leave_out"] = sorted({*settings.leave_out, "occlusion"})
        changes.append(f"occlusion left out ({windows} windows a row)")
    return settings.model_copy(update=update), changes
