"""Compliance mapping: which report evidence supports which provision (kept as YAML data)."""

from __future__ import annotations

from importlib import resources
from typing import Any

from audit.results import Section, worst_verdict

__all__ = ["compliance_rows", "load_mapping", "provision_label"]

_REQUIRED = ("framework", "provision", "title", "asks")


def load_mapping() -> list[dict[str, Any]]:
    """Read ``mapping.yaml`` (one entry per provision) with the checks that bear on each.

    ``sections`` of an entry lists, in the order they run, the registered checks whose
    ``evidence`` names the provision as ``"framework provision"``.

    Examples
    --------
    >>> {entry["framework"] for entry in load_mapping()} >= {"EU AI Act", "GDPR", "NIST AI RMF"}
    True
    """
    import yaml

    text = resources.files("audit.compliance").joinpath("mapping.yaml").read_text(encoding="utf-8")
    entries = yaml.safe_load(text)
    for i, entry in enumerate(entries):
        missing = [key for key in _REQUIRED if key not in entry]
        if missing:
            raise ValueError(f"compliance mapping entry {i} lacks {missing}")
    from audit.checks import list_checks

    checks = list_checks()
    for entry in entries:
        label = provision_label(entry)
        entry["sections"] = [check.name for check in checks if label in check.evidence]
    return entries


def provision_label(entry: dict[str, Any]) -> str:
    """The name a check's ``evidence`` uses for a provision: ``"framework provision"``.

    Examples
    --------
    >>> provision_label({"framework": "GDPR", "provision": "Art. 25"})
    'GDPR Art. 25'
    """
    return f"{entry['framework']} {entry['provision']}"


def compliance_rows(sections: list[Section]) -> list[dict[str, Any]]:
    """Map each provision to the evidence this audit holds for it.

    Each row has the provision's fields, ``evidence`` (the sections present, with
    their verdicts) and ``status``: the worst verdict of that evidence, or
    ``"no evidence"`` when none of its sections ran.
    """
    present = {s.id: s for s in sections}
    rows = []
    for entry in load_mapping():
        evidence = [
            {
                "section": present[sid].id,
                "title": present[sid].title,
                "verdict": present[sid].verdict,
            }
            for sid in entry["sections"]
            if sid in present
        ]
        rows.append(
            {
                "framework": entry["framework"],
                "provision": entry["provision"],
                "title": entry["title"],
                "asks": entry["asks"],
                "evidence": evidence,
                "missing": [sid for sid in entry["sections"] if sid not in present],
                "status": worst_verdict([e["verdict"] for e in evidence])
                if evidence
                else "no evidence",
            }
        )
    return rows
