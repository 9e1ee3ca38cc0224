"""The data an audit returns: metrics, tables, figures, sections and the result.

All of it is plain dataclasses that round-trip exactly through JSON. Checks fill
these in; the report only reads them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Literal

from audit.verdicts import Threshold

__all__ = [
    "NO_RENDERER_MESSAGE",
    "VERDICTS",
    "AuditResult",
    "Figure",
    "Metric",
    "Renderer",
    "Section",
    "Table",
    "Threshold",
    "Verdict",
    "register_renderer",
    "renderer",
    "results_schema",
    "worst_verdict",
]

Verdict = Literal["pass", "warn", "fail", "info"]
VERDICTS: tuple[str, ...] = ("info", "pass", "warn", "fail")  # in order of severity
SCHEMA_VERSION = 1

#: Raised by :meth:`AuditResult.save` and ``_repr_html_`` when no renderer is registered.
NO_RENDERER_MESSAGE = (
    "No report renderer is registered: run `import audit.report` (which registers the "
    "HTML renderer) before AuditResult.save() or displaying a result in a notebook."
)


@dataclass(frozen=True)
class Renderer:
    """The functions that turn an :class:`AuditResult` into files and HTML.

    Results never import the report (the report depends on results, not back):
    ``audit.report`` registers its renderer with :func:`register_renderer` when it
    is imported, and ``import audit`` imports it on first use of ``audit.run``,
    ``audit.audit_predictions`` or ``audit.AuditResult``.

    Parameters
    ----------
    save : callable
        ``save(result, out_dir)`` writes the report (and ``results.json``) into
        ``out_dir`` and returns the path of the HTML report.
    fragment : callable
        ``fragment(result)`` returns an HTML fragment to show inline in a notebook.
    """

    save: Callable[[AuditResult, str | Path], Path]
    fragment: Callable[[AuditResult], str]


_renderers: list[Renderer] = []  # the registered renderer, at most one


def register_renderer(new: Renderer) -> None:
    """Make ``new`` the renderer behind :meth:`AuditResult.save` and ``_repr_html_``.

    Parameters
    ----------
    new : Renderer
        Replaces the renderer registered before, if any.

    Examples
    --------
    >>> import audit.report  # registers the HTML renderer
    >>> type(renderer()).__name__
    'Renderer'
    """
    if not isinstance(new, Renderer):
        raise TypeError(f"renderer: expected a Renderer, got {type(new).__name__}")
    _renderers[:] = [new]


def renderer() -> Renderer:
    """Return the registered renderer.

    Returns
    -------
    Renderer
        The one :func:`register_renderer` last set.

    Raises
    ------
    RuntimeError
        With :data:`NO_RENDERER_MESSAGE` when none is registered yet.
    """
    if not _renderers:
        raise RuntimeError(NO_RENDERER_MESSAGE)
    return _renderers[0]


def results_schema() -> dict[str, Any]:
    """The JSON Schema of ``results.json``, as shipped with the package."""
    from importlib import resources

    text = resources.files("audit").joinpath("results.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def worst_verdict(verdicts: list[str] | tuple[str, ...]) -> str:
    """Return the most severe verdict of ``verdicts`` (``"info"`` when empty).

    Examples
    --------
    >>> worst_verdict(["pass", "warn", "info"])
    'warn'
    """
    worst = "info"
    for verdict in verdicts:
        if VERDICTS.index(verdict) > VERDICTS.index(worst):
            worst = verdict
    return worst


def _clean_number(value: float | int | None) -> float | None:
    """Turn a number into a JSON-safe float; NaN and infinities become ``None``."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


@dataclass
class Metric:
    """One number with its policy threshold and verdict.

    ``scope`` qualifies the metric, e.g. the sensitive feature a disparity is about;
    ``key`` (``name`` or ``name[scope]``) is unique within a section. ``ci`` is an
    optional confidence interval ``[low, high]``: when it is given the policy judges
    the interval, not the value (:func:`audit.verdicts.decide`).
    """

    name: str
    value: float | None
    verdict: str = "info"
    threshold: Threshold | None = None
    scope: str | None = None
    description: str = ""
    ci: list[float | None] | None = None
    #: the count of events (errors, positives, ...) the value rests on; the policy does
    #: not judge a metric with fewer than its ``min_events``
    events: int | None = None
    #: rows (per group, for a contrast) behind the interval; says how many more would decide
    n: int | None = None
    #: why the verdict is what it is, when the number alone does not say (set by the policy)
    note: str = ""

    def __post_init__(self) -> None:
        self.value = _clean_number(self.value)
        if self.ci is not None:
            self.ci = [_clean_number(self.ci[0]), _clean_number(self.ci[1])]

    @property
    def key(self) -> str:
        return self.name if self.scope is None else f"{self.name}[{self.scope}]"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Metric:
        data = dict(data)
        if data.get("threshold") is not None:
            data["threshold"] = Threshold(**data["threshold"])
        return cls(**data)


@dataclass
class Table:
    """A table of JSON scalars: ``columns`` names, ``rows`` of values."""

    id: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    caption: str = ""

    def __post_init__(self) -> None:
        self.rows = [[_json_scalar(v) for v in row] for row in self.rows]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Table:
        return cls(**data)


def _json_scalar(value: Any) -> Any:
    """Coerce numpy scalars and non-finite floats into plain JSON values."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        return value
    if hasattr(value, "item"):  # numpy / torch scalar
        value = value.item()
        if isinstance(value, (bool, int, str)):
            return value
    if isinstance(value, float):
        return _clean_number(value)
    return str(value)


@dataclass
class Figure:
    """A figure with its alt text.

    ``kind`` is ``"svg"`` (``data`` is SVG markup), ``"png"`` (``data`` is base64) or
    ``"bars"`` (``data`` is ``{"categories": [...], "series": {name: [values]}}``,
    drawn by the report). Every figure has a table or numbers beside it in its section.
    """

    id: str
    title: str
    alt: str
    kind: Literal["svg", "png", "bars"]
    data: Any
    caption: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Figure:
        return cls(**data)


@dataclass
class Section:
    """The outcome of one check: a verdict, metrics, tables, figures and notes."""

    id: str
    title: str
    summary: str = ""
    verdict: str = "info"
    metrics: list[Metric] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def metric(self, key: str) -> Metric:
        """Return the metric whose ``key`` (``name`` or ``name[scope]``) is ``key``."""
        for metric in self.metrics:
            if metric.key == key:
                return metric
        known = ", ".join(m.key for m in self.metrics) or "none"
        raise KeyError(f"section {self.id!r} has no metric {key!r}; it has: {known}")

    def key_metric(self) -> Metric | None:
        """The figure behind the verdict: the first metric with the section's worst verdict.

        Without judged metrics, the first metric (``None`` when there is none).
        """
        judged = [m for m in self.metrics if m.verdict != "info"]
        if not judged:
            return self.metrics[0] if self.metrics else None
        worst = worst_verdict([m.verdict for m in judged])
        return next(m for m in judged if m.verdict == worst)

    def table(self, table_id: str) -> Table:
        """Return the table with id ``table_id``."""
        for table in self.tables:
            if table.id == table_id:
                return table
        raise KeyError(f"section {self.id!r} has no table {table_id!r}")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Section:
        data = dict(data)
        data["metrics"] = [Metric.from_dict(m) for m in data.get("metrics", [])]
        data["tables"] = [Table.from_dict(t) for t in data.get("tables", [])]
        data["figures"] = [Figure.from_dict(f) for f in data.get("figures", [])]
        return cls(**data)


@dataclass
class AuditResult:
    """Everything an audit found: the subject's summary, the sections, the verdict.

    ``manifest`` records how the result was made (versions, seed, config, model
    hash); its ``runtime`` entry holds the fields that record time and memory,
    the only ones that differ between two runs with the same seed (with the
    compute section's timings). ``model_card`` comes from the config;
    ``compliance`` maps the sections' evidence to regulatory provisions.
    """

    subject: dict[str, Any]
    sections: list[Section]
    verdict: str = "info"
    policy: dict[str, Any] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    model_card: dict[str, Any] = field(default_factory=dict)
    compliance: list[dict[str, Any]] = field(default_factory=list)
    schema_version: int = SCHEMA_VERSION

    def section(self, section_id: str) -> Section:
        """Return the section with id ``section_id``."""
        for section in self.sections:
            if section.id == section_id:
                return section
        known = ", ".join(s.id for s in self.sections) or "none"
        raise KeyError(f"no section {section_id!r} in this result; it has: {known}")

    def to_dict(self) -> dict[str, Any]:
        """Return the result as plain JSON-compatible data."""
        return asdict(self)

    def to_json(self, *, indent: int | None = 2) -> str:
        """Return the result as JSON text (strict: no NaN)."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuditResult:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"results: unknown top-level keys {unknown}")
        data = dict(data)
        data["sections"] = [Section.from_dict(s) for s in data.get("sections", [])]
        return cls(**data)

    @classmethod
    def from_json(cls, text: str) -> AuditResult:
        """Parse a result written by :meth:`to_json`."""
        return cls.from_dict(json.loads(text))

    @classmethod
    def load(cls, path: str | Path) -> AuditResult:
        """Read a ``results.json`` file."""
        return cls.from_json(Path(path).read_text(encoding="utf-8"))

    def validate(self) -> None:
        """Check this result against the published JSON Schema (needs ``jsonschema``).

        Raises ``jsonschema.ValidationError`` naming the path of the first problem.
        """
        import jsonschema

        jsonschema.validate(json.loads(self.to_json()), results_schema())

    def save(self, out_dir: str | Path) -> Path:
        """Write ``report.html`` and ``results.json`` into ``out_dir`` atomically.

        The registered :class:`Renderer` writes them (``audit.report`` registers
        it when imported; ``import audit`` imports it when needed).

        Parameters
        ----------
        out_dir : str or Path
            The folder to write into; created when missing.

        Returns
        -------
        Path
            The path of the HTML report.

        Raises
        ------
        RuntimeError
            With :data:`NO_RENDERER_MESSAGE` when no renderer is registered.
        """
        return renderer().save(self, out_dir)

    def _repr_html_(self) -> str:
        """The report as an HTML fragment, shown inline by Jupyter."""
        return renderer().fragment(self)
