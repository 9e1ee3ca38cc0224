"""Audit configuration, loaded from YAML and validated with pydantic.

The top-level keys are fixed (``seed``, ``domain``, ``subject``, ``checks``,
``training``, ``policy``, ``model_card``); every registered check adds one block,
named after it and validated with its settings model (:mod:`audit.checks`). A wrong
key or type gives a :class:`~audit.errors.ConfigError` whose message names the
key's path, e.g. ``config: policy.thresholds.ece.warn: ...``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, create_model, field_validator

from audit.errors import ConfigError
from audit.settings import Strict, TrainingConfig

__all__ = [
    "AuditConfig",
    "ModelCard",
    "PolicyConfig",
    "ThresholdConfig",
    "TrainingConfig",
    "config_model",
    "load_config",
]


class ThresholdConfig(Strict):
    warn: float | None = None
    fail: float | None = None
    higher_is_better: bool | None = None
    band: tuple[float, float] | None = None


class PolicyConfig(Strict):
    thresholds: dict[str, ThresholdConfig] = Field(default_factory=dict)
    min_events: int = Field(
        default=10, ge=0, description="a rate or ratio on fewer events is not judged"
    )


class ModelCard(Strict):
    """Model card fields for the report (all optional free text)."""

    name: str | None = None
    version: str | None = None
    owners: list[str] = Field(default_factory=list)
    intended_use: str | None = None
    out_of_scope_uses: list[str] = Field(default_factory=list)
    limitations: list[str] = Field(default_factory=list)
    training_data: str | None = None


class AuditConfig(Strict):
    """The whole audit configuration; every field has a default.

    Besides the fields below, each registered check has a block of its own
    (``config.fairness``, ``config.privacy``, a user's ``config.mine``), validated with
    the check's settings model. ``AuditConfig(...)`` and ``AuditConfig.model_validate``
    build the model of the checks registered at that moment.

    ``seed`` is the run's seed; ``None`` (the default) takes the subject's own seed
    (a reference domain's), else 0.

    Examples
    --------
    >>> AuditConfig.model_validate({"seed": 3, "checks": ["performance"]}).seed
    3
    >>> AuditConfig().fairness.min_group_size
    30
    """

    seed: int | None = Field(default=None, ge=0)
    domain: str | None = Field(default=None, description="reference domain to audit")
    subject: str | None = Field(
        default=None, description="entry point 'module:function' returning an audit.Subject"
    )
    checks: list[str] | None = Field(default=None, description="names of registered checks")
    training: TrainingConfig = Field(default_factory=TrainingConfig)
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    model_card: ModelCard = Field(default_factory=ModelCard)

    def __new__(cls, *args: Any, **kwargs: Any) -> AuditConfig:
        return super().__new__(config_model() if cls is AuditConfig else cls)

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> AuditConfig:  # type: ignore[override]
        target = config_model() if cls is AuditConfig else cls
        return super(AuditConfig, target).model_validate(obj, *args, **kwargs)

    @field_validator("checks")
    @classmethod
    def _known_checks(cls, names: list[str] | None) -> list[str] | None:
        if names is None:
            return None
        from audit.checks import check_names

        known = check_names()
        unknown = [name for name in names if name not in known]
        if unknown:
            raise ValueError(f"unknown check(s) {unknown}; registered: {known}")
        return names

    def settings_of(self, check: str) -> Any:
        """The settings block of ``check`` (its defaults when this config predates it)."""
        from audit.checks import get_check

        value = getattr(self, check, None)
        return value if value is not None else get_check(check).default_settings()


_MODELS: dict[tuple[Any, ...], type[AuditConfig]] = {}


def config_model() -> type[AuditConfig]:
    """The :class:`AuditConfig` subclass with one block per registered check (cached)."""
    from audit.checks import list_checks

    checks = list_checks()
    key = tuple((check.name, check.settings) for check in checks)
    if key not in _MODELS:
        fields: dict[str, Any] = {
            check.name: (check.settings, Field(default_factory=check.settings))
            for check in checks
        }
        model = create_model("AuditConfig", __base__=AuditConfig, **fields)
        model.__qualname__ = "_RegisteredAuditConfig"  # pickled by name, see __getattr__
        model.__module__ = __name__
        _MODELS.clear()
        _MODELS[key] = model
    return _MODELS[key]


def __getattr__(name: str) -> Any:
    if name == "_RegisteredAuditConfig":
        return config_model()
    # settings models moved to audit.settings; kept importable from here
    import audit.settings

    if name in audit.settings.__all__:
        return getattr(audit.settings, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _format_errors(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        path = ".".join(str(p) for p in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        parts.append(f"{path}: {message} (got {item.get('input')!r})")
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
