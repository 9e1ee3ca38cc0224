"""Build the compliance rows of a result: per provision, the evidence found and its status.

Two things are said of each provision, apart:

- **completeness** of its evidence, from the items ``mapping.yaml`` marks essential:
  ``"measured"`` (every essential item found), ``"partly measured"`` (some),
  ``"not measured"`` (none);
- **status**, what that evidence found: a WARN or FAIL of any metric found (essential or
  supporting) once some essential evidence is found; else, with every essential item
  found, PASS when each of them was judged (its worst verdict is PASS) and INFO when one
  is only documented (no limit judged it); else ``"not assessed"``. So a provision never
  passes on partial evidence, and supporting evidence alone never assesses it.
"""

from __future__ import annotations

from typing import Any

from audit._changes import is_timing
from audit.compliance._mapping import Need, load_mapping
from audit.findings import metric_anchor
from audit.results import VERDICTS, Metric, Section, worst_verdict

__all__ = [
    "COMPLETENESS",
    "MEASURED",
    "NOT_ASSESSED",
    "NOT_MEASURED",
    "PARTLY_MEASURED",
    "STATUSES",
    "compliance_rows",
]

MEASURED, PARTLY_MEASURED, NOT_MEASURED = "measured", "partly measured", "not measured"
#: How complete a provision's essential evidence is, most complete first.
COMPLETENESS = (MEASURED, PARTLY_MEASURED, NOT_MEASURED)
#: The status of a provision whose evidence does not allow a PASS.
NOT_ASSESSED = "not assessed"
#: Every status a row can have: a verdict, or not assessed.
STATUSES = (*VERDICTS, NOT_ASSESSED)


def _found(section: Section | None, need: Need) -> tuple[bool, list[Metric]]:
    """Whether ``need`` is met by ``section``, and the metrics (with a value) it rests on.

    A need that names metrics is met by any of them with a value; one that names none,
    by the section itself (all its metrics with a value).
    """
    if section is None:
        return False, []
    metrics = [m for m in section.metrics if m.value is not None and need.takes(m.name)]
    return (bool(metrics) or need.metrics is None), metrics


def _severity(metric: Metric) -> int:
    return -VERDICTS.index(metric.verdict) if metric.verdict in VERDICTS else 0


def _evidence(section: Section, metrics: list[Metric], essential: bool) -> dict[str, Any]:
    """One section's part of a row: its metrics here, worst first, linked by anchor."""
    ordered = sorted(metrics, key=_severity)  # stable: report order within a verdict
    return {
        "section": section.id,
        "title": section.title,
        "verdict": worst_verdict([m.verdict for m in ordered]) if ordered else section.verdict,
        "essential": essential,
        "metrics": [
            {
                "key": m.key,
                # time, energy and memory vary from run to run: not copied here, so that
                # one seed gives one results.json (they stay in their section)
                "value": None if is_timing(m.name) else m.value,
                "verdict": m.verdict,
                "anchor": metric_anchor(section.id, m.key),
            }
            for m in ordered
        ],
    }


def _status(completeness: str, essential: list[str], found: list[str]) -> str:
    """The status of a provision from its completeness and what its evidence found.

    ``essential`` holds the verdict of each essential item found (the worst of its
    metrics), ``found`` the verdicts of every metric found, essential or supporting.

    Examples
    --------
    >>> _status("measured", ["pass", "pass"], ["pass", "info"])
    'pass'
    >>> _status("measured", ["pass", "info"], ["pass", "info"])  # one only documented
    'info'
    >>> _status("partly measured", ["pass"], ["pass"])
    'not assessed'
    >>> _status("partly measured", ["pass"], ["pass", "warn"])
    'warn'
    >>> _status("not measured", [], ["fail"])
    'not assessed'
    """
    if completeness == NOT_MEASURED:
        return NOT_ASSESSED
    worst = worst_verdict(found)
    if worst in ("warn", "fail"):
        return worst
    if completeness == PARTLY_MEASURED:
        return NOT_ASSESSED
    return "pass" if all(v == "pass" for v in essential) else "info"


def _kind(present: dict[str, Section]) -> str:
    """The kind of subject the sections audit: a language model when one of them comes
    from a language-model check, else a classifier."""
    from audit.checks import check_names, get_check

    known = set(check_names())
    kinds = {get_check(sid).subjects for sid in present if sid in known}
    return "language_model" if "language_model" in kinds else "classifier"


def _for_kind(needs: list[Need], kind: str) -> list[Need]:
    """The evidence checks of ``kind`` can give (unregistered checks are kept, to be named
    missing). When none of it is essential while the provision had essential evidence
    (of the other kind: a language model's rows under a classifier's essentials), all of
    it becomes essential: it is all this kind of subject has to show."""
    from dataclasses import replace

    from audit.checks import check_names, get_check

    known = set(check_names())
    kept = [n for n in needs if n.check not in known or get_check(n.check).subjects == kind]
    if kept and any(n.essential for n in needs) and not any(n.essential for n in kept):
        kept = [replace(n, essential=True) for n in kept]
    return kept


def _row(entry: dict[str, Any], present: dict[str, Section], order: list[str]) -> dict[str, Any]:
    """The row of one provision (an entry of :func:`load_mapping`)."""
    from audit.checks import check_names

    needs = list(entry["evidence"])
    named = {need.check for need in needs}
    needs += [Need(name, "its section") for name in entry["sections"] if name not in named]
    registered = set(check_names())
    needs = _for_kind(needs, _kind(present))
    ledger, missing = [], []
    used: dict[str, dict[str, Metric]] = {}
    essential_sections: set[str] = set()
    for need in needs:
        section = present.get(need.check)
        met, metrics = _found(section, need)
        verdict = None
        if met and section is not None:
            verdict = worst_verdict([m.verdict for m in metrics]) if metrics else section.verdict
        ledger.append(
            {
                "check": need.check,
                "what": need.what,
                "essential": need.essential,
                "measured": met,
                "verdict": verdict,
                "ran": section is not None,
                "registered": need.check in registered,
            }
        )
        if not met:
            if section is None and need.check not in missing:
                missing.append(need.check)
            continue
        chosen = used.setdefault(need.check, {})
        chosen.update({m.key: m for m in metrics})
        if need.essential:
            essential_sections.add(need.check)
    essentials = [item for item in ledger if item["essential"]]
    count = sum(item["measured"] for item in essentials)
    completeness = (
        MEASURED
        if essentials and count == len(essentials)
        else PARTLY_MEASURED
        if count
        else NOT_MEASURED
    )
    # one entry per section: essential ones first, each group in the report's order
    ranked = sorted(
        (sid for sid in order if sid in used), key=lambda s: s not in essential_sections
    )
    evidence = [
        _evidence(
            present[sid],
            [m for m in present[sid].metrics if m.key in used[sid]],
            sid in essential_sections,
        )
        for sid in ranked
    ]
    return {
        "framework": entry["framework"],
        "provision": entry["provision"],
        "title": entry["title"],
        "asks": entry["asks"],
        "completeness": completeness,
        "status": _status(
            completeness,
            [item["verdict"] for item in essentials if item["measured"]],
            [e["verdict"] for e in evidence],
        ),
        "needs": ledger,
        "evidence": evidence,
        "missing": missing,
    }


def compliance_rows(sections: list[Section]) -> list[dict[str, Any]]:
    """Map each provision of ``mapping.yaml`` to the evidence ``sections`` hold for it.

    Parameters
    ----------
    sections : list of Section
        The judged sections of one audit.

    Returns
    -------
    list of dict
        One row per provision: ``framework``, ``provision``, ``title``, ``asks``;
        ``completeness`` (:data:`COMPLETENESS`); ``status`` (:data:`STATUSES`);
        ``needs``, each evidence item with ``check``, ``what``, ``essential``,
        ``measured``, ``verdict`` (the worst of its metrics; ``None`` when not
        measured), ``ran`` (whether its check's section is in ``sections``) and
        ``registered`` (whether a check of that name exists);
        ``evidence``, per section found (essential ones first, then in report
        order) its ``section``, ``title``,
        ``verdict`` (the worst of its metrics here), ``essential`` and ``metrics``
        (``key``, ``value``, ``verdict`` and ``anchor``, the id of the metric's row in
        the report, worst first); and ``missing``, the checks that would bring
        evidence not found, whose sections are not in ``sections``.

    Examples
    --------
    >>> from audit.results import Metric, Section
    >>> data = Section("data", "Data", verdict="warn",
    ...                metrics=[Metric("minority_class_ratio", 0.3, verdict="warn")])
    >>> row = next(r for r in compliance_rows([data]) if r["provision"] == "MEASURE 2.11")
    >>> row["completeness"], row["status"], row["missing"]
    ('not measured', 'not assessed', ['fairness'])
    """
    present = {section.id: section for section in sections}
    order = [section.id for section in sections]
    return [_row(entry, present, order) for entry in load_mapping()]
