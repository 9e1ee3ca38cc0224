"""Audit configuration, loaded from YAML and validated with pydantic.

A wrong key or type gives a :class:`~audit.errors.ConfigError` whose message
names the key's path, e.g. ``config: policy.thresholds.ece.warn: ...``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from audit.errors import ConfigError

__all__ = [
    "AuditConfig",
    "ComputeSettings",
    "DataSettings",
    "ExplainSettings",
    "FairnessSettings",
    "ModelCard",
    "PerformanceSettings",
    "PrivacySettings",
    "TrainingConfig",
    "load_config",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ThresholdConfig(_Strict):
    warn: float | None = None
    fail: float | None = None
    higher_is_better: bool | None = None
    band: tuple[float, float] | None = None


class PolicyConfig(_Strict):
    thresholds: dict[str, ThresholdConfig] = Field(default_factory=dict)


class TrainingConfig(_Strict):
    """Overrides of a reference domain's training recipe (``None``: the domain's default)."""

    epochs: int | None = Field(default=None, ge=1)
    batch_size: int | None = Field(default=None, ge=1)
    lr: float | None = Field(default=None, gt=0)
    weight_decay: float | None = Field(default=None, ge=0)
    patience: int | None = Field(default=None, ge=1)


class PerformanceSettings(_Strict):
    """Settings of the performance and generalization check."""

    calibration_bins: int = Field(default=10, ge=2, le=100)
    batch_size: int = Field(default=4096, ge=1)


class FairnessSettings(_Strict):
    """Settings of the fairness check.

    ``max_categories``: a numeric sensitive column with more distinct values is cut
    into ``bins`` quantile bins. ``reference_groups`` maps a sensitive feature to its
    reference group (default: the largest group).
    """

    min_group_size: int = Field(default=30, ge=1)
    on_degenerate_group: Literal["error", "warn"] = "error"
    bins: int = Field(default=4, ge=2, le=20)
    max_categories: int = Field(default=10, ge=2)
    reference_groups: dict[str, str] = Field(default_factory=dict)
    intersection: bool = True
    n_bootstrap: int = Field(default=1000, ge=0, le=100_000)
    ci_level: float = Field(default=0.95, gt=0, lt=1)
    mitigation: bool = True
    mitigation_max_rows: int = Field(default=100_000, ge=100)
    seed: int | None = Field(default=None, ge=0, description="default: the audit's seed")


class DataSettings(_Strict):
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


class ComputeSettings(_Strict):
    """Settings of the compute check: the assumptions of the energy estimate.

    Energy = training time x ``power_watts`` x ``pue``; emissions = energy x
    ``grid_gco2_per_kwh``. The defaults describe a small CPU server; set your own.
    """

    power_watts: float = Field(default=65.0, gt=0, description="average power draw while training")
    pue: float = Field(default=1.0, ge=1.0, description="data-centre power usage effectiveness")
    grid_gco2_per_kwh: float = Field(default=400.0, ge=0, description="grid carbon intensity")
    inference_batch: int = Field(default=256, ge=1)
    inference_repeats: int = Field(default=5, ge=1)


class ExplainSettings(_Strict):
    """Settings of the explainability check.

    ``methods`` picks attribution methods by registry name (default: every method
    for the subject's modality). Attributions are computed for ``n_samples`` test
    rows in batches of ``batch_size``; the trust tests run on ``trust_samples`` of them.
    """

    methods: list[str] | None = None
    n_samples: int = Field(default=256, ge=1)
    batch_size: int = Field(default=64, ge=1)
    trust_samples: int = Field(default=32, ge=2)
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
    seed: int | None = Field(default=None, ge=0, description="default: the audit's seed")


class PrivacySettings(_Strict):
    """DP-SGD training (opacus) and the membership-inference audit.

    ``dp`` trains reference domains with DP-SGD: to a target ``epsilon``
    (``make_private_with_epsilon``), or with a fixed ``noise_multiplier`` when that is
    set. ``delta`` defaults to 1 / (10 N) for N training rows.
    """

    dp: bool = False
    epsilon: float = Field(default=3.0, gt=0)
    noise_multiplier: float | None = Field(default=None, gt=0)
    delta: float | None = Field(default=None, gt=0, lt=1)
    max_grad_norm: float = Field(default=1.0, gt=0)
    accountant: Literal["rdp", "prv", "gdp"] = "prv"
    grad_sample_mode: Literal["hooks", "ew", "functorch", "ghost"] | None = None
    attack: bool = True
    shadow_models: int = Field(default=4, ge=0, le=64)
    utility_epsilons: list[float | None] = Field(default_factory=lambda: [1.0, 3.0, 8.0, None])
    utility_curve: bool = True
    seed: int | None = Field(default=None, ge=0, description="default: the audit's seed")


class ModelCard(_Strict):
    """Model card fields for the report (all optional free text)."""

    name: str | None = None
    version: str | None = None
    owners: list[str] = Field(default_factory=list)
    intended_use: str | None = None
    out_of_scope_uses: list[str] = Field(default_factory=list)
    limitations: list[str] = Field(default_factory=list)
    training_data: str | None = None


class AuditConfig(_Strict):
    """The whole audit configuration; every field has a default.

    Examples
    --------
    >>> AuditConfig.model_validate({"seed": 3, "checks": ["performance"]}).seed
    3
    """

    seed: int = Field(default=0, ge=0)
    domain: str | None = Field(default=None, description="reference domain to audit")
    subject: str | None = Field(
        default=None, description="entry point 'module:function' returning an audit.Subject"
    )
    checks: (
        list[Literal["data", "performance", "explainability", "fairness", "privacy", "compute"]]
        | None
    ) = None
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    performance: PerformanceSettings = Field(default_factory=PerformanceSettings)
    fairness: FairnessSettings = Field(default_factory=FairnessSettings)
    data: DataSettings = Field(default_factory=DataSettings)
    compute: ComputeSettings = Field(default_factory=ComputeSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    explainability: ExplainSettings = Field(default_factory=ExplainSettings)
    model_card: ModelCard = Field(default_factory=ModelCard)


def _format_errors(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        path = ".".join(str(p) for p in item["loc"]) or "(top level)"
        parts.append(f"{path}: {item['msg']} (got {item.get('input')!r})")
    return "; ".join(parts)


def load_config(source: AuditConfig | Mapping[str, Any] | str | Path | None) -> AuditConfig:
    """Return a validated :class:`AuditConfig` from a config, a mapping or a YAML file.

    Parameters
    ----------
    source : AuditConfig, mapping, path or None
        ``None`` gives the defaults.

    Raises
    ------
    ConfigError
        When the file cannot be read or parsed, or a key or value is wrong.

    Examples
    --------
    >>> load_config({"fairness": {"min_group_size": 50}}).fairness.min_group_size
    50
    """
    if source is None:
        return AuditConfig()
    if isinstance(source, AuditConfig):
        return source
    if isinstance(source, (str, Path)):
        source = _read_yaml(Path(source))
    if not isinstance(source, Mapping):
        raise ConfigError(
            f"config: expected a mapping of keys to values, got {type(source).__name__}."
        )
    try:
        return AuditConfig.model_validate(dict(source))
    except ValidationError as error:
        raise ConfigError(f"config: {_format_errors(error)}") from None


def _read_yaml(path: Path) -> Any:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"config: cannot read {str(path)!r}: {error.strerror}.") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"config: {str(path)!r} is not valid YAML: {error}") from None
    return {} if data is None else data
