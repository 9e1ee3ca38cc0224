"""Read ``mapping.yaml``: the provisions, what each asks, and the evidence each needs."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

__all__ = ["Need", "load_mapping", "provision_label"]

_REQUIRED = ("framework", "provision", "title", "asks", "evidence")
_NEED_KEYS = {"check", "what", "essential", "metrics"}


@dataclass(frozen=True)
class Need:
    """One piece of evidence a provision needs: a check's metrics, in words.

    Parameters
    ----------
    check : str
        The registered check whose section holds the evidence.
    what : str
        The evidence in words, as the report shows it.
    essential : bool
        Whether the provision cannot be assessed without it; other evidence supports.
    metrics : tuple of str or None
        The metric names (any scope) that make it up; ``None``: every metric of the
        section (or, without metrics, the section itself).

    Examples
    --------
    >>> need = Need("fairness", "disparities", True, ("demographic_parity_ratio",))
    >>> need.takes("demographic_parity_ratio"), need.takes("min_group_share")
    (True, False)
    """

    check: str
    what: str
    essential: bool = False
    metrics: tuple[str, ...] | None = None

    def takes(self, metric_name: str) -> bool:
        """Whether a metric of this name is part of this evidence."""
        return self.metrics is None or metric_name in self.metrics


def provision_label(entry: dict[str, Any]) -> str:
    """The name a check's ``evidence`` uses for a provision: ``"framework provision"``.

    Examples
    --------
    >>> provision_label({"framework": "GDPR", "provision": "Art. 25"})
    'GDPR Art. 25'
    """
    return f"{entry['framework']} {entry['provision']}"


def _need(raw: Any, where: str) -> Need:
    """One ``evidence`` item of the YAML, validated."""
    if not isinstance(raw, dict):
        raise ValueError(f"compliance mapping {where}: expected a mapping, got {raw!r}")
    unknown = sorted(set(raw) - _NEED_KEYS)
    if unknown:
        raise ValueError(f"compliance mapping {where}: unknown keys {unknown}")
    check, what = raw.get("check"), raw.get("what")
    if not isinstance(check, str) or not check or not isinstance(what, str) or not what:
        raise ValueError(f"compliance mapping {where}: needs a 'check' and a 'what' (text)")
    essential = raw.get("essential", False)
    if not isinstance(essential, bool):
        raise ValueError(f"compliance mapping {where}: 'essential' must be true or false")
    metrics = raw.get("metrics")
    if metrics is not None and (
        not isinstance(metrics, list)
        or not metrics
        or not all(isinstance(m, str) and m for m in metrics)
    ):
        raise ValueError(f"compliance mapping {where}: 'metrics' must be a list of metric names")
    return Need(check, what, essential, None if metrics is None else tuple(metrics))


@functools.lru_cache(maxsize=1)
def _provisions() -> tuple[dict[str, Any], ...]:
    """The provisions of ``mapping.yaml``, validated once (without the registry's part)."""
    import yaml

    text = resources.files("audit.compliance").joinpath("mapping.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("provisions"), list):
        raise ValueError("compliance mapping: expected a top-level 'provisions' list")
    entries = []
    for i, raw in enumerate(data["provisions"]):
        missing = [key for key in _REQUIRED if key not in raw]
        if missing:
            raise ValueError(f"compliance mapping entry {i} lacks {missing}")
        needs = tuple(
            _need(item, f"entry {i} ({provision_label(raw)}) evidence {j}")
            for j, item in enumerate(raw["evidence"] or [])
        )
        if not any(need.essential for need in needs):
            raise ValueError(
                f"compliance mapping entry {i} ({provision_label(raw)}) names no essential "
                "evidence: mark at least one item 'essential: true'"
            )
        entries.append({**{key: raw[key] for key in _REQUIRED}, "evidence": needs})
    return tuple(entries)


def load_mapping() -> list[dict[str, Any]]:
    """The provisions of ``mapping.yaml`` with the evidence each needs, and the checks on it.

    Each entry has ``framework``, ``provision``, ``title``, ``asks``, ``evidence`` (a
    tuple of :class:`Need`, from the YAML) and ``sections``: the names of the registered
    checks whose ``Check.evidence`` names the provision as ``"framework provision"``,
    in the order they run. A check in ``sections`` that no :class:`Need` names supports
    the provision with its whole section (a user's own check adds itself so).

    Raises
    ------
    ValueError
        When an entry lacks a field, an evidence item is malformed, or a provision
        names no essential evidence.

    Examples
    --------
    >>> entries = load_mapping()
    >>> {entry["framework"] for entry in entries} >= {"EU AI Act", "GDPR", "NIST AI RMF"}
    True
    >>> gdpr = next(e for e in entries if provision_label(e) == "GDPR Art. 25")
    >>> [(n.check, n.essential) for n in gdpr["evidence"]]
    [('privacy', True), ('privacy', False), ('data', False)]
    """
    from audit.checks import list_checks

    checks = list_checks()
    entries = []
    for entry in _provisions():
        label = provision_label(entry)
        sections = [check.name for check in checks if label in check.evidence]
        entries.append({**entry, "sections": sections})
    return entries
