import numpy as np
import pandas as pd
import pytest

from audit.config import FairnessSettings
from audit.fairness import MitigationData, fairness_section, mitigate
from audit.fairness._whatif import _outcome


def _biased_scorer(n, seed):
    """Scores that favour group a: same true rate, scores shifted up for a."""
    rng = np.random.default_rng(seed)
    groups = rng.choice(["a", "b"], n)
    y = (rng.random(n) < 0.5).astype(int)
    scores = np.clip(0.25 + 0.4 * y + 0.25 * (groups == "a") + rng.normal(0, 0.15, n), 0, 1)
    return y, scores, groups


@pytest.mark.parametrize(
    ("constraint", "disparity"), [("demographic_parity", 1), ("equalized_odds", 2)]
)
def test_mitigation_lowers_the_targeted_disparity(constraint, disparity):
    y_fit, s_fit, g_fit = _biased_scorer(4000, 0)
    y, s, g = _biased_scorer(4000, 1)
    before = _outcome(y, (s >= 0.5).astype(int), g)
    after = _outcome(
        y, mitigate(s_fit, y_fit, g_fit, s, g, constraint=constraint, seed=0).y_pred, g
    )
    assert before[disparity] > 0.15
    assert after[disparity] < before[disparity] / 3


def test_section_reports_before_and_after_with_a_tradeoff_figure():
    y, s, g = _biased_scorer(3000, 2)
    y_fit, s_fit, g_fit = _biased_scorer(3000, 3)
    section = fairness_section(
        y,
        (s >= 0.5).astype(int),
        pd.DataFrame({"group": g}),
        scores=s,
        mitigation_data=MitigationData(
            s_fit, y_fit, pd.DataFrame({"group": g_fit}), source="fit rows"
        ),
        settings=FairnessSettings(),
    )
    table = section.table("mitigation")
    methods = [row[1] for row in table.rows]
    assert methods == [
        "none (model as is)",
        "ThresholdOptimizer (demographic parity)",
        "ThresholdOptimizer (equalized odds)",
    ]
    dp = {row[1]: row[3] for row in table.rows}
    assert dp["ThresholdOptimizer (demographic parity)"] < dp["none (model as is)"] / 3
    figure = next(f for f in section.figures if f.id == "mitigation_tradeoff")
    assert figure.kind == "svg" and "demographic parity difference" in figure.alt
    assert "thresholds chosen on fit rows" in table.caption


def test_without_scores_mitigation_is_explained():
    y, s, g = _biased_scorer(400, 4)
    section = fairness_section(
        y,
        (s >= 0.5).astype(int),
        pd.DataFrame({"group": g}),
        settings=FairnessSettings(),
    )
    assert "Mitigation needs scores" in " ".join(section.notes)


def test_mitigation_lowers_disparity_on_the_credit_model(credit_result):
    rows = credit_result.section("fairness").table("mitigation").rows
    by = {(r[0], r[1]): r for r in rows}
    for feature in ("sex", "age_group"):
        assert (
            by[(feature, "ThresholdOptimizer (demographic parity)")][3]
            < by[(feature, "none (model as is)")][3]
        )
        assert (
            by[(feature, "ThresholdOptimizer (equalized odds)")][4]
            < by[(feature, "none (model as is)")][4]
        )
