"""Audit configuration, loaded from YAML and validated with pydantic.

The top-level keys are fixed (``seed``, ``domain``, ``subject``, ``checks``,
``training``, ``policy``, ``model_card``, ``mlflow``, ``engine``, ``budget_s``); every
registered check adds one block, named after it and validated with its settings model
(:mod:`audit.checks`). A wrong key or type gives a :class:`~audit.errors.ConfigError`
whose message names the key's path, e.g. ``config: policy.thresholds.ece.warn: ...``.

A config file is untrusted input: it is read up to :data:`MAX_CONFIG_BYTES` (1 MB),
parsed with PyYAML's safe loader without aliases (``*name``: an alias bomb of a few
hundred bytes expands to gigabytes) and nested at most :data:`MAX_CONFIG_DEPTH` levels;
every error is one line that quotes at most 80 characters of any value.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, create_model, field_validator

from audit._seeds import as_seed
from audit.errors import ConfigError, clip, validation_message
from audit.settings import EngineSettings, MlflowSettings, Strict, TrainingConfig

__all__ = [
    "MAX_CONFIG_BYTES",
    "MAX_CONFIG_DEPTH",
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


#: The checks' compute budget when none is given: the reference models' audits take a
#: small share of it, a ResNet-18 at 224×224 is scaled to fit it.
DEFAULT_BUDGET_S = 540.0


class AuditConfig(Strict):
    """The whole audit configuration; every field has a default.

    Besides the fields below, each registered check has a block of its own
    (``config.fairness``, ``config.privacy``, a user's ``config.mine``), validated with
    the check's settings model. ``AuditConfig(...)`` and ``AuditConfig.model_validate``
    build the model of the checks registered at that moment.

    ``seed`` is the run's seed; ``None`` (the default) takes the subject's own seed
    (a reference domain's), else 0. A seed of any size is accepted and stored modulo
    ``2**32`` (:func:`audit._seeds.as_seed`), the seed the run then uses and records.

    :meth:`model_copy` validates its ``update`` like a loaded config.

    Examples
    --------
    >>> AuditConfig.model_validate({"seed": 3, "checks": ["performance"]}).seed
    3
    >>> AuditConfig().fairness.min_group_size
    30
    >>> AuditConfig.model_validate({"seed": 2**32 + 5}).seed
    5
    >>> AuditConfig.model_validate({"engine": "ray"}).engine.name
    'ray'
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
    mlflow: MlflowSettings | bool | None = Field(
        default=None,
        description="log the run to MLflow: true, or {tracking_uri, experiment, run_name}",
    )
    budget_s: float | None = Field(
        default=DEFAULT_BUDGET_S,
        gt=0,
        description="compute budget in seconds for the checks: those that can shrink scale "
        "rows, steps and shadow models down to fit it, and say so (see audit.budget); "
        "null: no budget",
    )
    engine: EngineSettings = Field(
        default_factory=EngineSettings,
        description="where shadow models and the utility curve train: serial (default) or "
        "ray, or {name, address, workers}",
    )

    def __new__(cls, *args: Any, **kwargs: Any) -> AuditConfig:
        return super().__new__(config_model() if cls is AuditConfig else cls)

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> AuditConfig:  # type: ignore[override]
        target = config_model() if cls is AuditConfig else cls
        return super(AuditConfig, target).model_validate(obj, *args, **kwargs)

    def model_copy(  # type: ignore[override]
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> AuditConfig:
        """A copy with ``update`` applied and validated (a bad value raises ConfigError)."""
        if not update:
            return super().model_copy(deep=deep)
        try:
            return type(self).model_validate({**self.model_dump(), **dict(update)})
        except ValidationError as error:
            raise ConfigError(f"config: {validation_message(error.errors())}") from None

    @field_validator("seed", mode="before")
    @classmethod
    def _no_bool_seed(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("expected a non-negative int, not a boolean")
        return value

    @field_validator("seed")
    @classmethod
    def _generator_seed(cls, value: int | None) -> int | None:
        return None if value is None else as_seed(value)

    @field_validator("engine", mode="before")
    @classmethod
    def _engine_by_name(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value

    @field_validator("checks")
    @classmethod
    def _known_checks(cls, names: list[str] | None) -> list[str] | None:
        if names is None:
            return None
        from audit.checks import check_names

        known = check_names()
        unknown = [name for name in names if name not in known]
        if unknown:
            raise ValueError(f"unknown check(s) {clip(str(unknown))}; registered: {known}")
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
            check.name: (check.settings, Field(default_factory=check.settings)) for check in checks
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


MAX_CONFIG_BYTES = 1_000_000
"""The largest config file read (bytes); a bigger one is refused."""

MAX_CONFIG_DEPTH = 32
"""The deepest nesting of mappings and lists a config file may have."""


def load_config(source: AuditConfig | Mapping[str, Any] | str | Path | None) -> AuditConfig:
    """Return a validated :class:`AuditConfig` from a config, a mapping or a YAML file.

    Parameters
    ----------
    source : AuditConfig, mapping, path or None
        ``None`` gives the defaults. A file is read up to :data:`MAX_CONFIG_BYTES` and
        may not use YAML aliases (``*name``) or nest deeper than :data:`MAX_CONFIG_DEPTH`.

    Raises
    ------
    ConfigError
        When the file cannot be read or parsed, or a key or value is wrong; the
        message is one line and quotes at most 80 characters of any value.

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
        raise ConfigError(f"config: {validation_message(error.errors())}") from None


def _read_yaml(path: Path) -> Any:
    import yaml

    from audit._yaml import ConfigLoader

    where = clip(repr(str(path)))
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as error:
        raise ConfigError(f"config: cannot read {where}: {error.strerror}.") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"config: expected a file of at most {MAX_CONFIG_BYTES:,} bytes, "
            f"got {where}, which is larger."
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"config: expected UTF-8 text, got {where} with byte 0x{raw[error.start]:02x} "
            f"at position {error.start}."
        ) from None
    loader = ConfigLoader(text, max_depth=MAX_CONFIG_DEPTH)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        raise ConfigError(f"config: {where} is not valid YAML: {_yaml_problem(error)}.") from None
    except (yaml.YAMLError, ValueError) as error:  # ValueError: an int of too many digits
        raise ConfigError(f"config: {where} is not valid YAML: {clip(str(error))}.") from None
    finally:
        loader.dispose()
    return {} if data is None else data


def _yaml_problem(error: Any) -> str:
    """``line L, column C: problem (context)`` of a PyYAML error, on one line."""
    mark = error.problem_mark or error.context_mark
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    problem = clip(error.problem or "", 120)
    context = f" ({clip(error.context, 60)})" if error.context and error.problem else ""
    return f"{where}{problem or clip(error.context or 'unreadable')}{context}".rstrip(".")
