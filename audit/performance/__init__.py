"""Performance and generalization: scores, overfitting evidence, calibration."""

from audit.performance._calibration import Calibration, calibration
from audit.performance._section import performance_section, scores

__all__ = ["Calibration", "calibration", "performance_section", "scores"]
