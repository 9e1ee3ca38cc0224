"""Run checks on a Subject and collect their sections into an AuditResult."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit._seeds import as_seed
from audit.checks import RunContext, check_names, get_check, list_checks
from audit.compliance import compliance_rows
from audit.config import AuditConfig, load_config
from audit.errors import bad_input
from audit.manifest import build_manifest, peak_rss_mb
from audit.policy import Policy
from audit.results import AuditResult, Section, worst_verdict
from audit.verdicts import verdict_sentence

if TYPE_CHECKING:
    from audit.subject import Subject

__all__ = [
    "assemble",
    "policy_for",
    "run",
    "run_seed",
    "run_stages",
    "training_stages",
]

StageCallback = Callable[[str, str, float | None], None]


def run(
    subject: Subject,
    checks: Sequence[str] | None = None,
    config: AuditConfig | Mapping[str, Any] | str | Path | None = None,
    *,
    on_stage: StageCallback | None = None,
    on_progress: Callable[[str, str, int, int], None] | None = None,
    budget_s: float | None = None,
) -> AuditResult:
    """Audit ``subject``: run each check, judge its metrics by the policy, collect the result.

    Parameters
    ----------
    subject : Subject
        The model and data to audit.
    checks : sequence of str, optional
        Names of registered checks (``"performance"``, ``"fairness"``, or one of your
        own, see :func:`audit.register_check`); default: the config's list, else all
        those for the subject's kind (``subject.kind``: ``"classifier"`` unless it is a
        language model), in the registry's order. A check for another kind is an error.
    config : AuditConfig, mapping or path to YAML, optional
        Settings (one block per check) and policy thresholds; default: the checks'
        defaults. Its ``seed`` (default: the subject's seed, else 0) seeds every check:
        each gets a :class:`~audit.checks.RunContext` with the seed and a child
        ``numpy.random.SeedSequence`` of its own.
    on_stage : callable, optional
        Called as ``on_stage(name, "start" | "done", seconds)`` around each check; at
        "start", ``seconds`` is the check's estimated time when it has a cost model
        (:mod:`audit.budget`), else None.
    on_progress : callable, optional
        Called as ``on_progress(check, stage, step, total)`` before each step of a long
        loop inside a check (``"privacy", "shadow", 2, 4``).
    budget_s : float, optional
        A compute budget in seconds for the checks (default: the config's ``budget_s``;
        none: the settings as given). Each check with a cost model estimates its time
        from the model's measured cost per example, and those that can shrink are
        scaled by one fraction to fit; each scaled section says what changed, and the
        manifest's ``runtime.budget`` records the plan (see :mod:`audit.budget`).

    Returns
    -------
    AuditResult

    Examples
    --------
    >>> import audit
    >>> from audit.config import TrainingConfig
    >>> subject = audit.reference("credit", training=TrainingConfig(epochs=3))
    >>> result = audit.run(subject, checks=["performance"])
    >>> result.section("performance").verdict in {"pass", "warn", "fail"}
    True
    """
    from audit.subject import Subject

    if not isinstance(subject, Subject):
        raise bad_input("subject", "an audit.Subject", subject)
    config = load_config(config)
    kind = getattr(subject, "kind", "classifier")
    fitting = [c.name for c in list_checks() if c.subjects == kind]
    names = list(checks) if checks is not None else list(config.checks or fitting)
    if isinstance(checks, str) or not names:
        raise bad_input("checks", f"a non-empty list of names from {check_names()}", checks)
    specs = [get_check(name) for name in names]
    unfit = [spec.name for spec in specs if spec.subjects != kind]
    if unfit:
        raise bad_input("checks", f"checks for a {kind} subject, from {fitting}", f"{unfit}")
    seed = run_seed(config, subject)
    config = config.model_copy(update={"seed": seed})
    policy = policy_for(config)
    started = datetime.now(timezone.utc)
    contexts = RunContext.for_checks(
        seed, names, subject_seed=subject.seed, progress=on_progress, engine=config.engine
    )
    settings = {spec.name: config.settings_of(spec.name) for spec in specs}
    budget = budget_s if budget_s is not None else config.budget_s
    plan, estimates = None, None
    if budget is not None or (on_stage is not None and any(s.cost for s in specs)):
        from audit.budget import measure_workload, plan_budget

        workload = measure_workload(subject)
        if budget is not None:
            settings, plan = plan_budget(settings, specs, workload, budget_s=budget)
        estimates = {s.name: s.cost(settings[s.name], workload) for s in specs if s.cost}
    builders = {
        spec.name: (
            lambda spec=spec: spec.run(subject, settings[spec.name], contexts[spec.name])
        )
        for spec in specs
    }
    sections, stages = run_stages(builders, policy, on_stage=on_stage, estimates=estimates)
    if plan is not None:
        for section in sections:
            note = plan.note_for(section.id)
            if note:
                section.notes.insert(0, note)
    stages = {**training_stages(subject), **stages}
    result = assemble(
        _subject_record(subject),
        sections,
        policy,
        config,
        manifest=build_manifest(subject, config),
        started=started,
        stages=stages,
        training_data=subject.dataset,
        card_defaults=_domain_card(subject),
    )
    if plan is not None:  # measured seconds decide it: a runtime record, like the times
        result.manifest["runtime"]["budget"] = plan.to_dict()
    return result


def _domain_card(subject: Subject) -> dict[str, Any]:
    """The reference domain's model card defaults, when ``subject`` is one (else none)."""
    if subject.domain is None:
        return {}
    from audit.domains import get_domain

    return get_domain(subject.domain).model_card(subject.variant or "default")


def run_seed(config: AuditConfig, subject: Subject | None = None) -> int:
    """The run's seed: the config's, else the subject's (a reference domain's), else 0.

    Every run's seed passes here on its way to the checks' :class:`RunContext`; it is
    mapped to ``0 .. 2**32 - 1`` by :func:`audit._seeds.as_seed` (``seed % 2**32``), so
    a config or subject built without validation cannot hand a generator a seed it
    refuses.

    Examples
    --------
    >>> run_seed(load_config({"seed": 4}))
    4
    """
    if config.seed is not None:
        return as_seed(config.seed, "config.seed")
    if subject is not None and subject.seed is not None:
        return as_seed(subject.seed, "subject.seed")
    return 0


def training_stages(subject: Subject) -> dict[str, dict[str, float | None]]:
    """The ``train`` stage, when the subject's history knows how long training took."""
    history = subject.history
    if history is None or history.seconds is None:
        return {}
    return {"train": {"seconds": history.seconds, "peak_rss_mb": None}}


def policy_for(config: AuditConfig) -> Policy:
    """The policy of ``config``: the default thresholds with its overrides."""
    return Policy.from_overrides(
        {k: v.model_dump(exclude_none=True) for k, v in config.policy.thresholds.items()},
        min_events=config.policy.min_events,
    )


def run_stages(
    builders: Mapping[str, Callable[[], Section]],
    policy: Policy,
    *,
    on_stage: StageCallback | None = None,
    estimates: Mapping[str, float] | None = None,
) -> tuple[list[Section], dict[str, dict[str, float]]]:
    """Build each check's section, judge it by ``policy``, then the check's own ``conclude``.

    Returns the sections and, per check, its seconds and the peak memory after it. A
    check that times stages of its own (the privacy check's shadow models, twin and
    utility curve) returns them as a table ``stages`` (stage, seconds); they move from
    the section to the stages here, as ``check.stage``, so that the section holds no time.
    """
    stages: dict[str, dict[str, float]] = {}
    sections = []
    for name, build in builders.items():
        if on_stage is not None:
            on_stage(name, "start", (estimates or {}).get(name))
        t0 = time.perf_counter()
        section = build()
        inner = _lift_stages(section)
        section = policy.apply(section)
        conclude = get_check(name).conclude
        if conclude is not None:
            conclude(section)
        _lead_with_verdict(section)
        stages[name] = {"seconds": round(time.perf_counter() - t0, 4), "peak_rss_mb": peak_rss_mb()}
        stages.update(
            {f"{name}.{stage}": {"seconds": sec, "peak_rss_mb": None} for stage, sec in inner}
        )
        sections.append(section)
        if on_stage is not None:
            on_stage(name, "done", stages[name]["seconds"])
    return sections, stages


STAGES_TABLE = "stages"


def _lead_with_verdict(section: Section) -> None:
    """Start the summary with the metrics that set the section's verdict, in words."""
    if section.verdict in ("pass", "warn", "fail") or any(m.note for m in section.metrics):
        lead = verdict_sentence(section.metrics, section.verdict)
        if lead and not section.summary.startswith(lead):
            section.summary = f"{lead} {section.summary}".strip()


def _lift_stages(section: Section) -> list[tuple[str, float]]:
    """Remove the section's ``stages`` table, if any; return its (stage, seconds) rows."""
    timed = [t for t in section.tables if t.id == STAGES_TABLE]
    section.tables = [t for t in section.tables if t.id != STAGES_TABLE]
    return [(str(row[0]), float(row[1])) for table in timed for row in table.rows]


def assemble(
    subject_record: dict[str, Any],
    sections: list[Section],
    policy: Policy,
    config: AuditConfig,
    *,
    manifest: dict[str, Any],
    started: datetime,
    stages: dict[str, dict[str, float]],
    training_data: str | None,
    card_defaults: Mapping[str, Any] | None = None,
) -> AuditResult:
    """The AuditResult of judged sections, with the run's times in ``manifest["runtime"]``."""
    manifest["runtime"] = {
        "started_at": started.isoformat(timespec="seconds"),
        "stages": stages,
        "peak_rss_mb": peak_rss_mb(),
    }
    return AuditResult(
        subject=subject_record,
        sections=sections,
        verdict=worst_verdict([s.verdict for s in sections]),
        policy=policy.to_dict(),
        manifest=manifest,
        model_card=model_card(
            config,
            name=subject_record["name"],
            training_data=training_data,
            defaults=card_defaults,
        ),
        compliance=compliance_rows(sections),
    )


def model_card(
    config: AuditConfig,
    *,
    name: str,
    training_data: str | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The model card of the config; a field it leaves empty takes the subject's name and
    data, or the reference domain's ``defaults`` (:meth:`DomainSpec.model_card`).

    Examples
    --------
    >>> card = model_card(load_config({"model_card": {"owners": ["me"]}}), name="m",
    ...                   defaults={"owners": ["them"], "intended_use": "demo"})
    >>> card["owners"], card["intended_use"], card["name"]
    (['me'], 'demo', 'm')
    """
    card = config.model_card.model_dump()
    for key, value in (defaults or {}).items():
        if key in card and not card[key]:
            card[key] = value
    card["name"] = card["name"] or name
    card["training_data"] = card["training_data"] or training_data
    return card


def _subject_record(subject: Subject) -> dict[str, Any]:
    record = subject.summary()
    record["metadata"] = subject.record()
    training = subject.training
    if training is not None and training.history is not None:
        history = training.history
        record["training"] = {
            "recipe": history.recipe,
            "epochs_run": len(history.records),
            "best_epoch": history.best_epoch,
            "stopped_early": history.stopped_early,
        }
    return record
