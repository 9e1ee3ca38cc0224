"""rai-audit: a responsible-AI audit and interpretability suite for PyTorch models.

Examples
--------
>>> import audit
>>> subject = audit.reference("credit", seed=0)       # doctest: +SKIP
>>> result = audit.run(subject)                        # doctest: +SKIP
>>> result.save("reports/out/credit")                  # doctest: +SKIP
"""

from audit.config import AuditConfig, TrainingConfig, load_config
from audit.domains import list_domains, reference
from audit.errors import AuditInputError, ConfigError
from audit.history import EpochRecord, TrainingHistory
from audit.policy import Policy
from audit.predictions import audit_predictions
from audit.results import AuditResult, Figure, Metric, Section, Table, Threshold
from audit.runner import run
from audit.subject import Subject

__version__ = "0.1.0"

__all__ = [
    "AuditConfig",
    "AuditInputError",
    "AuditResult",
    "ConfigError",
    "EpochRecord",
    "Figure",
    "Metric",
    "Policy",
    "Section",
    "Subject",
    "Table",
    "Threshold",
    "TrainingConfig",
    "TrainingHistory",
    "__version__",
    "audit_predictions",
    "list_domains",
    "load_config",
    "reference",
    "run",
]
