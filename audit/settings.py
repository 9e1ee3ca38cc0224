"""Settings models of the audit areas and of training, validated with pydantic.

Each check names its settings model in its :class:`~audit.checks.Check`; the
configuration (:class:`~audit.config.AuditConfig`) gets one block per registered
check. Seeds are not settings: every check draws from the run's seed
(:class:`~audit.checks.RunContext`).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "MAX_EPSILON",
    "REFERENCE_RATES",
    "ComputeSettings",
    "DataSettings",
    "EngineSettings",
    "ExplainSettings",
    "FairnessSettings",
    "MlflowSettings",
    "NoSettings",
    "PerformanceSettings",
    "PrivacySettings",
    "Strict",
    "TrainingConfig",
]


#: Rates compared with the reference group against the four-fifths band (as dalex does).
REFERENCE_RATES = (
    "selection_rate",
    "accuracy",
    "precision",
    "true_positive_rate",
    "false_positive_rate",
)


class Strict(BaseModel):
    """A frozen pydantic model that refuses unknown keys and non-finite numbers.

    The base of every settings model: NaN and infinity are refused in every float
    field (no setting means anything at infinity, and results stay valid JSON).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class NoSettings(Strict):
    """The settings of a check that takes none."""


class MlflowSettings(Strict):
    """Where ``--mlflow`` (or ``mlflow:`` in the config) logs a run.

    ``tracking_uri`` defaults to MLflow's own (``MLFLOW_TRACKING_URI``, else
    ``./mlruns``); ``experiment`` to MLflow's active or default experiment;
    ``run_name`` to the audit's name.
    """

    tracking_uri: str | None = None
    experiment: str | None = None
    run_name: str | None = None


class EngineSettings(Strict):
    """Where the model audits' independent trainings run (``engine:`` in the config).

    ``serial`` (the default) trains shadow models and the points of the privacy–utility
    curve one after another in this process; ``ray`` runs each as a Ray task (``pip
    install 'rai-audit[ray]'``), on a local Ray started with ``workers`` CPUs, or on
    the cluster at ``address`` (e.g. ``"auto"`` or ``"ray://head:10001"``), at most
    ``workers`` tasks at a time (default: every CPU it has). Each task carries its own
    seed and trains on one torch thread, so both give the same numbers.
    ``engine: ray`` is short for ``engine: {name: ray}``.
    """

    name: Literal["serial", "ray"] = "serial"
    address: str | None = None
    workers: int | None = Field(default=None, ge=1, le=4096)


class TrainingConfig(Strict):
    """Overrides of a reference domain's training recipe (``None``: the domain's default)."""

    epochs: int | None = Field(default=None, ge=1)
    batch_size: int | None = Field(default=None, ge=1)
    lr: float | None = Field(default=None, gt=0)
    weight_decay: float | None = Field(default=None, ge=0)
    patience: int | None = Field(default=None, ge=1)


class PerformanceSettings(Strict):
    """Settings of the performance and generalization check."""

    calibration_bins: int = Field(default=10, ge=2, le=100)
    batch_size: int = Field(default=4096, ge=1)
    n_bootstrap: int = Field(
        default=1000, ge=0, le=100_000, description="test-row resamples for intervals (0: none)"
    )
    ci_level: float = Field(
        default=0.95, gt=0, lt=1, description="simultaneous level over the judged metrics"
    )


class FairnessSettings(Strict):
    """Settings of the fairness check.

    ``max_categories``: a numeric sensitive column with more distinct values is cut
    into ``bins`` quantile bins. ``reference_groups`` maps a sensitive feature to its
    reference group (default: the largest group). ``max_groups``: a sensitive feature
    with more distinct values (an ID column) is refused before any work; bin or merge
    it, or raise the limit; an intersection with more groups is left out, with a note.
    ``mitigation_max_groups``: mitigation (a ThresholdOptimizer threshold per group) is
    skipped, with a note, for a feature with more groups.
    """

    min_group_size: int = Field(default=30, ge=1)
    on_degenerate_group: Literal["error", "warn"] = "error"
    bins: int = Field(default=4, ge=2, le=20)
    max_categories: int = Field(default=10, ge=2)
    reference_groups: dict[str, str] = Field(default_factory=dict)
    intersection: bool = True
    intervals: bool = Field(
        default=True,
        description="judge simultaneous intervals of the group contrasts (false: estimates only)",
    )
    ci_level: float = Field(default=0.95, gt=0, lt=1)
    mitigation: bool = True
    mitigation_max_rows: int = Field(default=100_000, ge=100)
    max_groups: int = Field(
        default=200, ge=2, description="most groups per sensitive feature (more is an error)"
    )
    mitigation_max_groups: int = Field(
        default=50, ge=2, description="skip mitigation for a feature with more groups"
    )


class DataSettings(Strict):
    """Settings of the data check.

    ``max_categories``: a column with at most this many distinct values is treated
    as categorical (shares per level) in the shift test; others get ``psi_bins``
    quantile bins. A numeric sensitive feature with more than
    ``sensitive_max_categories`` values is cut into ``sensitive_bins`` quantile bins.
    """

    max_categories: int = Field(default=20, ge=2)
    psi_bins: int = Field(default=10, ge=2, le=100)
    sensitive_bins: int = Field(default=4, ge=2, le=20)
    sensitive_max_categories: int = Field(default=10, ge=2)


class ComputeSettings(Strict):
    """Settings of the compute check: the assumptions of the energy estimate.

    Energy = training time x ``power_watts`` x ``pue``; emissions = energy x
    ``grid_gco2_per_kwh``. The defaults describe a small CPU server; set your own.
    """

    power_watts: float = Field(default=65.0, gt=0, description="average power draw while training")
    pue: float = Field(default=1.0, ge=1.0, description="data-centre power usage effectiveness")
    grid_gco2_per_kwh: float = Field(default=400.0, ge=0, description="grid carbon intensity")
    inference_batch: int = Field(default=256, ge=1)
    inference_repeats: int = Field(default=5, ge=1)


class ExplainSettings(Strict):
    """Settings of the explainability check.

    ``methods`` picks attribution methods by registry name (default: every method
    for the subject's modality). Attributions are computed for ``n_samples`` test
    rows in batches of ``batch_size``; the trust tests run on ``trust_samples`` of them
    (0: no trust tests, e.g. under a compute budget; at least 2 otherwise).
    ``random_orders`` random orders are the reference of the deletion/insertion p-values
    (at least 30, so a p-value can reach 1/31 < 0.05); ``randomization_stages`` caps the
    steps of the cascading randomization test (consecutive layers are re-drawn together
    beyond it).
    """

    methods: list[str] | None = None
    leave_out: list[str] = Field(
        default_factory=list, description="default methods left out (a compute budget's choice)"
    )
    n_samples: int = Field(default=256, ge=1)
    batch_size: int = Field(default=64, ge=1)
    trust_samples: int = Field(default=32, ge=0)
    ig_steps: int = Field(default=50, ge=2)
    ig_max_steps: int = Field(default=400, ge=2)
    ig_tolerance: float = Field(default=0.01, gt=0, description="relative completeness gap")
    background: int = Field(default=64, ge=1, description="background rows for GradientShap")
    shap_background: int = Field(default=16, ge=1, description="background rows for SHAP")
    curve_steps: int = Field(default=10, ge=2, description="points of deletion/insertion curves")
    top_k: int = Field(default=10, ge=1)
    sensitive_top_k: int = Field(
        default=5, ge=1, description="flag sensitive features ranked this high"
    )
    proxy_threshold: float = Field(
        default=0.3, gt=0, le=1, description="association (Cramér's V / η) that makes a proxy"
    )
    random_orders: int = Field(
        default=30, ge=30, description="random orders the deletion/insertion areas are ranked in"
    )
    randomization_stages: int = Field(
        default=3, ge=1, description="most steps of the cascading randomization test"
    )

    @model_validator(mode="after")
    def _trust_rows(self) -> ExplainSettings:
        if self.trust_samples == 1:
            raise ValueError("trust_samples must be 0 (no trust tests) or at least 2")
        return self


#: The largest ε a DP-SGD budget may have: beyond it the guarantee means nothing
#: (e^100 ≈ 10^43) and the accountants' σ search leaves its domain.
MAX_EPSILON = 100.0


class PrivacySettings(Strict):
    """DP-SGD training (opacus) and the membership-inference audit.

    ``dp`` trains reference domains with DP-SGD: to a target ``epsilon``
    (``make_private_with_epsilon``), or with a fixed ``noise_multiplier`` when that is
    set. ``delta`` defaults to 1 / (10 N) for N privacy units (training rows, or
    writers under user-level DP).

    Every DP parameter is a finite number: ``epsilon`` and each of
    ``utility_epsilons`` in (0, :data:`MAX_EPSILON`] (100), ``noise_multiplier`` > 0,
    ``delta`` in (0, 1), ``max_grad_norm`` > 0.

    ``unit`` is what ε protects: ``"user"`` (default), everything one person wrote,
    where the data names writers (the ``gpt`` domain: a secret typed 16 times is one
    user's, protected at ε); elsewhere each row is its own user. ``"row"``: one
    training row, so ``k`` copies of a secret are protected only at ``k``·ε.
    """

    dp: bool = False
    epsilon: float = Field(default=3.0, gt=0, le=MAX_EPSILON)
    noise_multiplier: float | None = Field(default=None, gt=0)
    delta: float | None = Field(default=None, gt=0, lt=1)
    max_grad_norm: float = Field(default=1.0, gt=0)
    unit: Literal["user", "row"] = "user"
    accountant: Literal["rdp", "prv", "gdp"] = "prv"
    grad_sample_mode: Literal["hooks", "ew", "functorch", "ghost"] | None = None
    attack: bool = True
    shadow_models: int = Field(default=4, ge=0, le=64)
    utility_epsilons: list[Annotated[float, Field(gt=0, le=MAX_EPSILON)] | None] = Field(
        default_factory=lambda: [1.0, 3.0, 8.0, None]
    )
    utility_curve: bool = True
