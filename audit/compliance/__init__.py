"""Compliance mapping: which report evidence supports which provision (kept as YAML data).

``mapping.yaml`` lists the provisions, what each asks and the evidence each needs (which
check's metrics, essential or supporting); :func:`compliance_rows` tells, per provision,
how complete the evidence of a result is and, apart, what it found.

Examples
--------
>>> from audit.results import Metric, Section
>>> privacy = Section("privacy", "Privacy", verdict="pass",
...                   metrics=[Metric("mia_auc", 0.52, verdict="pass", scope="loss_threshold")])
>>> row = next(r for r in compliance_rows([privacy]) if r["provision"] == "Art. 25")
>>> row["completeness"], row["status"], row["evidence"][0]["metrics"][0]["anchor"]
('measured', 'pass', 'metric-privacy-mia_auc-loss_threshold')
"""

from __future__ import annotations

from audit.compliance._mapping import Need, load_mapping, provision_label
from audit.compliance._rows import (
    COMPLETENESS,
    MEASURED,
    NOT_ASSESSED,
    NOT_MEASURED,
    PARTLY_MEASURED,
    STATUSES,
    compliance_rows,
)

__all__ = [
    "COMPLETENESS",
    "MEASURED",
    "NOT_ASSESSED",
    "NOT_MEASURED",
    "PARTLY_MEASURED",
    "STATUSES",
    "Need",
    "compliance_rows",
    "load_mapping",
    "provision_label",
]
