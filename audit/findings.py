"""The findings that drive a verdict, in plain words, with why they matter and what to do.

The top of the report lists them: for each section that warns or fails, the metrics that set
its verdict (confident decisions before inconclusive ones), each with its value and interval,
its meaning from the check's :class:`~audit.checks.Advice`, and a next step. A metric that is
inconclusive at this size gets "collect about N more rows" as its next step, from the policy's
note. Built from an :class:`~audit.results.AuditResult` alone, so ``rai-audit render`` of an
old ``results.json`` gets them too.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from audit.results import VERDICTS, AuditResult, Metric, Section

__all__ = ["Finding", "metric_anchor", "section_findings", "slug", "top_findings"]


@dataclass(frozen=True)
class Finding:
    """One reason for a WARN or FAIL, ready to show.

    ``anchor`` is the id of the metric's row in the report (see :func:`metric_anchor`).
    """

    verdict: str
    section_id: str
    section_title: str
    metric_key: str
    words: str
    value: float | None
    ci: tuple[float | None, float | None] | None
    why: str
    fix: str
    #: what to do until more data decide an inconclusive metric (the check's advice)
    meanwhile: str
    note: str
    anchor: str


def metric_anchor(section_id: str, key: str) -> str:
    """The HTML id of a metric's row: ``metric-<section>-<key>``, safe in a URL fragment.

    Examples
    --------
    >>> metric_anchor("fairness", "demographic_parity_ratio[sex]")
    'metric-fairness-demographic_parity_ratio-sex'
    """
    return f"metric-{section_id}-{slug(key)}"


def slug(key: str, *, unique: bool = True) -> str:
    """``key`` safe in a URL fragment and unique: every run of characters other than
    letters, digits and ``_`` becomes one ``-``; when that drops more than brackets and
    spaces, the first 6 hex digits of the key's SHA-1 are appended, so that keys differing
    only in such characters (``<=25`` and ``>25``) keep apart (unless ``unique`` is false,
    for names known to be unique, such as provisions).

    Examples
    --------
    >>> slug("mia_auc[lira offline]")
    'mia_auc-lira-offline'
    >>> slug("ratio[age: <=25]") != slug("ratio[age: >25]")
    True
    """
    text = str(key)
    base = re.sub(r"[^A-Za-z0-9_]+", "-", text).strip("-")
    if unique and re.sub(r"[A-Za-z0-9_\[\] ]+", "", text):  # lossy: more than [ ] and spaces
        base += "-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]
    return base


def top_findings(result: AuditResult, *, limit: int = 5) -> list[Finding]:
    """Up to ``limit`` findings behind the overall verdict, most severe first.

    Every section that warns or fails gets one finding before any gets a second: the
    first of the metrics that set its verdict, a confident decision before an inconclusive
    one. Sections are taken FAIL before WARN, in report order.

    Parameters
    ----------
    result : AuditResult
    limit : int
        At most this many findings.

    Returns
    -------
    list of Finding
        Empty when no section warns or fails.

    Examples
    --------
    >>> from audit.results import AuditResult, Metric, Section
    >>> m = Metric("test_accuracy", 0.55, verdict="fail", ci=[0.5, 0.58])
    >>> s = Section(id="performance", title="Performance", verdict="fail", metrics=[m])
    >>> r = AuditResult(subject={}, sections=[s], verdict="fail")
    >>> [f.words for f in top_findings(r)]
    ['accuracy on the test split']
    """
    from audit.checks import check_names, get_check

    known = set(check_names())
    queues: list[tuple[Section, list[Metric]]] = []
    for section in result.sections:
        if section.verdict not in ("warn", "fail"):
            continue
        queues.append((section, _setting(section)))
    queues.sort(key=lambda q: -VERDICTS.index(q[0].verdict))
    findings: list[Finding] = []
    depth = 0
    while len(findings) < limit and any(len(q[1]) > depth or depth == 0 for q in queues):
        for section, setting in queues:
            if len(findings) >= limit:
                break
            if depth < len(setting):
                advice = get_check(section.id).advice if section.id in known else {}
                findings.append(_finding(section, setting[depth], advice))
            elif depth == 0:  # a verdict not set by a metric (e.g. a conclusion)
                findings.append(_from_summary(section))
        depth += 1
    return findings


def section_findings(result: AuditResult) -> dict[str, Finding]:
    """Each section's deciding metric as a finding, by section id (for the scorecard).

    The first metric that sets a WARN or FAIL (a confident decision first); for a section
    that passes, the first judged metric; sections without metrics are left out.

    Examples
    --------
    >>> from audit.results import AuditResult, Metric, Section
    >>> m = Metric("ece", 0.02, verdict="pass")
    >>> r = AuditResult(subject={}, sections=[Section(id="performance", title="P", metrics=[m])])
    >>> section_findings(r)["performance"].words
    'expected calibration error of the predicted probabilities'
    """
    from audit.checks import check_names, get_check

    known = set(check_names())
    found = {}
    for section in result.sections:
        setting = _setting(section)
        metric = setting[0] if setting and section.verdict in ("warn", "fail") else None
        metric = metric or section.key_metric()
        if metric is not None:
            advice = get_check(section.id).advice if section.id in known else {}
            found[section.id] = _finding(section, metric, advice)
    return found


def _setting(section: Section) -> list[Metric]:
    """The metrics with the section's verdict: confident decisions first, else report order."""
    setting = [m for m in section.metrics if m.verdict == section.verdict]
    return sorted(setting, key=lambda m: m.note.startswith("inconclusive"))


def _finding(section: Section, metric: Metric, advice: dict) -> Finding:
    scope = metric.scope or ""
    entry = advice.get(metric.name)
    if entry is not None:
        words, why, fix = (text.format(scope=scope) for text in entry)
    else:
        words = metric.description or metric.name.replace("_", " ")
        why = f"It breaks the policy's limit for {section.title.lower()}."
        fix = f"See the metric in the {section.title.lower()} section."
    meanwhile = ""
    if metric.note.startswith("inconclusive"):
        more = re.search(r"about (\d+) more rows", metric.note)
        rows = f"rows per group of {scope}" if scope and section.id == "fairness" else "test rows"
        fix, meanwhile = (
            f"Not decidable at this size: collect about {int(more.group(1)):,} more {rows}."
            if more
            else f"Not decidable at this size ({metric.note}).",
            fix,
        )
    ci = (metric.ci[0], metric.ci[1]) if metric.ci else None
    return Finding(
        verdict=metric.verdict,
        section_id=section.id,
        section_title=section.title,
        metric_key=metric.key,
        words=words,
        value=metric.value,
        ci=ci,
        why=why,
        fix=fix,
        meanwhile=meanwhile,
        note=metric.note,
        anchor=metric_anchor(section.id, metric.key),
    )


def _from_summary(section: Section) -> Finding:
    return Finding(
        verdict=section.verdict,
        section_id=section.id,
        section_title=section.title,
        metric_key="",
        words=section.summary,
        value=None,
        ci=None,
        why="",
        fix=f"See the {section.title.lower()} section.",
        meanwhile="",
        note="",
        anchor=f"section-{section.id}",
    )
