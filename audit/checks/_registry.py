"""The check registry: one :class:`Check` object per audit area, looked up by name.

Everything that lists checks is built from here: the config's ``checks`` choices and
its one block of settings per check, the policy's default thresholds, the CLI help
and the compliance mapping's lookup. This module imports nothing heavy, so that the
registry can be read without loading torch, captum or fairlearn.
"""

from __future__ import annotations

import difflib
import functools
import keyword
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
from pydantic import BaseModel

from audit.errors import bad_input, describe
from audit.results import Section, Threshold
from audit.settings import EngineSettings, NoSettings

if TYPE_CHECKING:
    from audit.subject import Subject

__all__ = [
    "RESERVED_NAMES",
    "SUBJECT_KINDS",
    "Advice",
    "Check",
    "RunContext",
    "check_names",
    "get_check",
    "list_checks",
    "register_check",
    "unregister_check",
]

#: The kinds of subject a check audits (``Check.subjects``, a subject's ``kind``).
SUBJECT_KINDS = ("classifier", "language_model")

#: Top-level config keys that a check may not take as its name.
RESERVED_NAMES = frozenset(
    {
        "seed",
        "domain",
        "subject",
        "checks",
        "training",
        "policy",
        "model_card",
        "engine",
        "mlflow",
        "budget_s",
    }
)


@dataclass(frozen=True)
class RunContext:
    """What one audit run hands each check besides the subject and its settings.

    Parameters
    ----------
    seed : int
        The run's seed: the config's ``seed`` when set, else the subject's (the seed a
        reference domain was trained with), else 0.
    seed_sequence : numpy.random.SeedSequence
        This check's own child of ``SeedSequence(seed)``, keyed by the check's name
        (``spawn_key`` = CRC-32 of the name), so that a check draws the same numbers
        whichever other checks run with it; :meth:`rng` draws from it.
    subject_seed : int or None
        The seed the subject was built with, when known.
    engine : EngineSettings
        Where a check runs its independent trainings (the config's ``engine``:
        serial, or Ray tasks; see :func:`audit.engines._tasks.map_tasks`).

    Examples
    --------
    >>> ctx = RunContext.for_checks(3, ["a", "b"])["b"]
    >>> ctx.seed, ctx.seed_sequence.spawn_key
    (3, (1908338681,))
    """

    seed: int
    seed_sequence: np.random.SeedSequence
    subject_seed: int | None = None
    engine: EngineSettings = field(default_factory=EngineSettings)
    #: ``progress(stage, step, total)`` before each step of a long loop (shadow models,
    #: methods); the runner prints it, a check only calls it
    progress: Callable[[str, int, int], None] | None = field(
        default=None, compare=False, repr=False
    )

    def rng(self) -> np.random.Generator:
        """A generator on this check's own stream (the same numbers for the same seed)."""
        return np.random.default_rng(self.seed_sequence)

    @classmethod
    def for_checks(
        cls,
        seed: int,
        names: list[str],
        *,
        subject_seed: int | None = None,
        progress: Callable[[str, str, int, int], None] | None = None,
        engine: EngineSettings | None = None,
    ) -> dict[str, RunContext]:
        """One context per check: the run's seed and a child seed sequence each.

        ``progress(check, stage, step, total)``, when given, receives each check's
        progress with the check's name first.
        """
        return {
            name: cls(
                seed=seed,
                seed_sequence=np.random.SeedSequence(seed, spawn_key=(zlib.crc32(name.encode()),)),
                subject_seed=subject_seed,
                engine=engine or EngineSettings(),
                progress=None if progress is None else functools.partial(progress, name),
            )
            for name in names
        }


RunFunction = Callable[["Subject", Any, RunContext], Section]


class Advice(NamedTuple):
    """What a metric says in plain words, why it matters, and what to do when it warns or fails.

    ``why`` and ``fix`` may name the metric's scope as ``{scope}`` (the sensitive feature,
    method or column it is about). The report's top findings are built from these.

    Examples
    --------
    >>> Advice("test accuracy", "Users get wrong answers.", "Retrain.").words
    'test accuracy'
    """

    words: str
    why: str
    fix: str


@dataclass(frozen=True)
class Check:
    """One audit area: how it runs, how it is configured, judged and cited.

    Parameters
    ----------
    name : str
        The registry key, the config block's name and the section's id
        (lower case, a Python identifier; not a top-level config key).
    title : str
        The section's title in the report.
    run : callable
        ``run(subject, settings, context) -> Section``. Returns data; never prints
        or renders.
    settings : pydantic model class
        The settings of the check; the config's block ``name:`` is validated with it.
    conclude : callable, optional
        ``conclude(section)``, called once the policy has judged the section's
        metrics, to state a verdict built from them.
    thresholds : mapping of str to Threshold
        The check's default policy thresholds, by metric name.
    evidence : tuple of str
        The compliance provisions the section bears on, as ``"framework provision"``
        (e.g. ``"EU AI Act Art. 10"``); see ``audit/compliance/mapping.yaml``.
    summary : str
        One line for the CLI help.
    advice : mapping of str to Advice
        For judged metrics, by metric name: their meaning in words, why they matter and
        the next step, shown at the top of the report when they set a WARN or FAIL.
    subjects : str
        The kind of subject the check audits: ``"classifier"`` (an :class:`audit.Subject`)
        or ``"language_model"`` (an :class:`audit.lm.LanguageModelSubject`, whose
        ``kind`` says so). A run's default checks are those of its subject's kind.
    cost : callable, optional
        ``cost(settings, workload) -> seconds``: what the check will take on a subject
        whose model costs :class:`audit.budget.Workload` (the passes it plans, times the
        measured seconds of one, plus its overhead). Checks without one count as a
        couple of seconds in a compute budget.
    shrink : callable, optional
        ``shrink(settings, fraction, workload) -> (settings, changes)``: settings costing
        about ``fraction`` of these (fewer rows, steps or models; the workload says what
        the model and data are) and the changes in words, so that
        :func:`audit.budget.plan_budget` can fit a run to a budget.

    Examples
    --------
    >>> from audit.results import Metric, Section
    >>> def rows(subject, settings, context):
    ...     return Section(id="rows", title="Rows",
    ...                    metrics=[Metric("n_test", float(len(subject.y_test)))])
    >>> check = Check(name="rows", title="Rows", run=rows,
    ...               thresholds={"n_test": Threshold(warn=100, fail=10)})
    >>> check.settings.__name__
    'NoSettings'
    """

    name: str
    title: str
    run: RunFunction
    settings: type[BaseModel] = NoSettings
    conclude: Callable[[Section], None] | None = None
    thresholds: Mapping[str, Threshold] = field(default_factory=dict)
    evidence: tuple[str, ...] = ()
    summary: str = ""
    advice: Mapping[str, Advice] = field(default_factory=dict)
    subjects: str = "classifier"
    cost: Callable[[Any, Any], float] | None = None
    shrink: Callable[[Any, float, Any], tuple[Any, list[str]]] | None = None

    def __post_init__(self) -> None:
        name = self.name
        if not isinstance(name, str) or not name.isidentifier() or name != name.lower():
            raise bad_input("check.name", "a lower-case Python identifier", repr(name))
        if keyword.iskeyword(name) or name in RESERVED_NAMES:
            raise bad_input("check.name", f"a name other than {sorted(RESERVED_NAMES)}", repr(name))
        if not isinstance(self.title, str) or not self.title:
            raise bad_input("check.title", "a non-empty str", describe(self.title))
        if not callable(self.run):
            raise bad_input("check.run", "a callable run(subject, settings, context)", self.run)
        if not (isinstance(self.settings, type) and issubclass(self.settings, BaseModel)):
            raise bad_input("check.settings", "a pydantic BaseModel class", self.settings)
        if self.conclude is not None and not callable(self.conclude):
            raise bad_input(
                "check.conclude", "a callable conclude(section) or None", describe(self.conclude)
            )
        if not isinstance(self.thresholds, Mapping) or not all(
            isinstance(k, str) and isinstance(v, Threshold) for k, v in self.thresholds.items()
        ):
            raise bad_input(
                "check.thresholds", "a mapping of metric name to Threshold", self.thresholds
            )
        if isinstance(self.evidence, str) or not all(isinstance(e, str) for e in self.evidence):
            raise bad_input("check.evidence", "a tuple of provision names", describe(self.evidence))
        if not isinstance(self.advice, Mapping) or not all(
            isinstance(k, str) and isinstance(v, Advice) for k, v in self.advice.items()
        ):
            raise bad_input("check.advice", "a mapping of metric name to Advice", self.advice)
        if self.subjects not in SUBJECT_KINDS:
            raise bad_input("check.subjects", f"one of {list(SUBJECT_KINDS)}", repr(self.subjects))
        object.__setattr__(self, "advice", dict(self.advice))
        object.__setattr__(self, "thresholds", dict(self.thresholds))
        object.__setattr__(self, "evidence", tuple(self.evidence))

    def default_settings(self) -> BaseModel:
        """The check's settings with every default."""
        return self.settings()


_REGISTRY: dict[str, Check] = {}
_VERSION = [0]  # bumped on every change, so that the config model is rebuilt


def register_check(check: Check, *, replace: bool = False) -> Check:
    """Add ``check`` to the registry; it then runs, is configured and judged by name.

    Parameters
    ----------
    check : Check
    replace : bool
        Replace a check registered under the same name (default: an error).

    Returns
    -------
    Check
        ``check``, so that the call can be used as an expression.

    Raises
    ------
    AuditInputError
        When ``check`` is not a Check, its name is taken, or one of its threshold
        names is already another check's.

    Examples
    --------
    >>> import audit
    >>> from audit.results import Metric, Section
    >>> def one(subject, settings, context):
    ...     return Section(id="one", title="One", metrics=[Metric("one_metric", 1.0)])
    >>> _ = audit.register_check(audit.Check(name="one", title="One", run=one))
    >>> "one" in check_names()
    True
    >>> unregister_check("one")
    """
    if not isinstance(check, Check):
        raise bad_input("check", "an audit.Check", describe(check))
    if check.name in _REGISTRY and not replace:
        taken = f"{check.name!r}, which is taken"
        raise bad_input("check", "a name not registered yet (or replace=True)", taken)
    for other in _REGISTRY.values():
        if other.name == check.name:
            continue
        shared = sorted(set(other.thresholds) & set(check.thresholds))
        if shared:
            raise bad_input(
                "check.thresholds",
                "metric names of its own",
                f"{shared}, which belong to check {other.name!r}",
            )
    _REGISTRY[check.name] = check
    _VERSION[0] += 1
    return check


def unregister_check(name: str) -> None:
    """Remove the check ``name`` (for tests and plug-ins that clean up after themselves)."""
    get_check(name)
    del _REGISTRY[name]
    _VERSION[0] += 1


def list_checks() -> list[Check]:
    """The registered checks, in the order they run (registration order)."""
    return list(_REGISTRY.values())


def check_names() -> list[str]:
    """The names of the registered checks, in the order they run."""
    return list(_REGISTRY)


def registry_version() -> int:
    """A number that changes whenever a check is registered or removed."""
    return _VERSION[0]


def get_check(name: str) -> Check:
    """Return the check ``name`` or raise a named error listing the known ones.

    Examples
    --------
    >>> get_check("fairness").title
    'Fairness'
    """
    if name not in _REGISTRY:
        close = difflib.get_close_matches(str(name), list(_REGISTRY), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise bad_input("checks", f"names from {list(_REGISTRY)}{hint}", repr(name))
    return _REGISTRY[name]
