"""Post-processing mitigation with fairlearn's ThresholdOptimizer, prefit on scores."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin

__all__ = ["CONSTRAINTS", "MitigationOutcome", "ScoreModel", "mitigate"]

#: Constraint names as fairlearn spells them, with a readable label.
CONSTRAINTS = {"demographic_parity": "demographic parity", "equalized_odds": "equalized odds"}


class ScoreModel(ClassifierMixin, BaseEstimator):
    """An already trained scorer seen by scikit-learn: column 0 of ``X`` is P(class 1).

    It lets ``ThresholdOptimizer(prefit=True)`` work on any model's scores, or on
    the scores of a system that is not a model at all.
    """

    def fit(self, X: np.ndarray, y: np.ndarray) -> ScoreModel:
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        score = np.asarray(X, dtype=np.float64)[:, 0]
        return np.column_stack([1.0 - score, score])

    def predict(self, X: np.ndarray) -> np.ndarray:
        return (np.asarray(X, dtype=np.float64)[:, 0] >= 0.5).astype(np.int64)


@dataclass
class MitigationOutcome:
    """Predictions after mitigation on the evaluation rows, for one constraint."""

    constraint: str
    y_pred: np.ndarray


def mitigate(
    fit_scores: np.ndarray,
    fit_labels: np.ndarray,
    fit_groups: np.ndarray,
    eval_scores: np.ndarray,
    eval_groups: np.ndarray,
    *,
    constraint: str,
    seed: int = 0,
) -> MitigationOutcome:
    """Fit a ThresholdOptimizer for ``constraint`` on one split and predict another.

    Parameters
    ----------
    fit_scores, fit_labels, fit_groups : ndarray
        Scores (P(class 1)), labels and group labels of the rows the thresholds are
        chosen on.
    eval_scores, eval_groups : ndarray
        Rows to predict with the chosen group thresholds.
    constraint : {"demographic_parity", "equalized_odds"}
    seed : int
        Seed of the randomised thresholds.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> groups = np.array(["a", "b"] * 100)
    >>> scores = np.clip(rng.random(200) + (groups == "a") * 0.3, 0, 1)
    >>> labels = (rng.random(200) < scores).astype(int)
    >>> out = mitigate(scores, labels, groups, scores, groups, constraint="demographic_parity")
    >>> out.y_pred.shape
    (200,)
    """
    from fairlearn.postprocessing import ThresholdOptimizer
    from pandas.errors import PerformanceWarning

    optimizer = ThresholdOptimizer(
        estimator=ScoreModel().fit(fit_scores[:, None], fit_labels),
        constraints=constraint,
        objective="accuracy_score",
        prefit=True,
        predict_method="predict_proba",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("ignore", PerformanceWarning)  # fairlearn's frame, many groups
        optimizer.fit(fit_scores[:, None], fit_labels, sensitive_features=fit_groups)
        y_pred = optimizer.predict(
            eval_scores[:, None], sensitive_features=eval_groups, random_state=seed
        )
    return MitigationOutcome(constraint=constraint, y_pred=np.asarray(y_pred, dtype=np.int64))
