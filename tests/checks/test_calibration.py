import numpy as np
import pytest

from audit.performance._calibration import calibration


def test_ece_equals_a_hand_computation():
    # confidences 0.9, 0.9, 0.6, 0.6, 0.55 -> bins (0.8, 0.9], (0.5, 0.6]
    proba = np.array([[0.1, 0.9], [0.1, 0.9], [0.4, 0.6], [0.6, 0.4], [0.45, 0.55]])
    y = np.array([1, 0, 1, 0, 0])  # correct: yes, no, yes, yes, no
    cal = calibration(y, proba, n_bins=10)
    # bin 0.8-0.9: 2 rows, conf 0.9, acc 0.5 ; bin 0.5-0.6: 3 rows, conf 0.5833, acc 2/3
    expected = 2 / 5 * abs(0.5 - 0.9) + 3 / 5 * abs(2 / 3 - (0.6 + 0.6 + 0.55) / 3)
    assert cal.ece == pytest.approx(expected)
    assert cal.counts.tolist() == [0, 0, 0, 0, 0, 3, 0, 0, 2, 0]
    assert cal.accuracy[8] == pytest.approx(0.5)


def test_perfectly_calibrated_predictions_have_zero_ece():
    proba = np.array([[0.0, 1.0]] * 4 + [[1.0, 0.0]] * 4)
    y = np.array([1] * 4 + [0] * 4)
    assert calibration(y, proba).ece == 0.0


def test_bins_are_left_open_right_closed():
    proba = np.array([[0.3, 0.7], [0.2, 0.8]])
    cal = calibration(np.array([1, 1]), proba, n_bins=5)
    assert cal.counts.tolist() == [0, 0, 0, 2, 0]  # 0.7 and 0.8 both in (0.6, 0.8]
