"""Sequence domains: the event signals, the LSTM, their controls and a full audit."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import audit
from audit.config import TrainingConfig
from audit.datasets._digits import digits_images
from audit.datasets._signals import EVENT_SHAPES, event_shape, event_signals
from audit.models._lstm import LSTMClassifier
from audit.report import render_html

#: The sections the brief asks of every domain (the explainability check has its own tests).
CHECKS = ["data", "performance", "fairness", "compute"]


@pytest.fixture(scope="module")
def sequence() -> audit.Subject:
    return audit.reference("sequence", seed=0)


@pytest.fixture(scope="module")
def sequence_overfit() -> audit.Subject:
    return audit.reference("sequence", seed=0, variant="overfit")


def _accuracy(subject: audit.Subject, split: str) -> float:
    y = subject.split(split)[1]
    return float((subject.predict_proba(split).argmax(1) == y.numpy()).mean())


def _overfitting(subject: audit.Subject):
    section = audit.run(subject, checks=["performance"]).section("performance")
    return section, section.notes[0]


def test_event_signals_are_seeded_and_balanced():
    data = event_signals(seed=0, n=300, length=30, channels=3)
    again = event_signals(seed=0, n=300, length=30, channels=3)
    other = event_signals(seed=1, n=300, length=30, channels=3)
    for name in ("X", "y", "mask", "positions"):
        assert np.array_equal(getattr(data, name), getattr(again, name))
    assert not np.array_equal(data.X, other.X) and not np.array_equal(data.y, other.y)
    assert data.X.shape == data.mask.shape == (300, 30, 3) and data.X.dtype == np.float32
    assert np.bincount(data.y).tolist() == [100, 100, 100]
    assert data.class_names == list(EVENT_SHAPES[:3]) and data.channel_names == [
        "ch0",
        "ch1",
        "ch2",
    ]


def test_event_mask_marks_the_inserted_event():
    data = event_signals(seed=3, n=90, length=20, channels=2, n_classes=3, noise=0.0)
    assert data.event_channel == [0, 1, 0]
    # each row's mask: event_length steps from its position, on its class's channel
    assert np.all(data.mask.sum(axis=(1, 2)) == data.event_length)
    assert data.mask.mean() == pytest.approx(data.event_share) == pytest.approx(5 / 40)
    for row in range(len(data.y)):
        start, label = data.positions[row], data.y[row]
        channel = data.event_channel[label]
        steps = slice(start, start + data.event_length)
        assert data.mask[row, steps, channel].all()
        # without noise, X is the event's shape inside the mask and zero outside
        expected = data.amplitude * event_shape(EVENT_SHAPES[label], data.event_length)
        assert np.allclose(data.X[row, steps, channel], expected)
        assert np.all(data.X[row][data.mask[row] == 0] == 0)


def test_event_signals_arguments_are_checked():
    with pytest.raises(audit.AuditInputError, match="n_classes"):
        event_signals(n_classes=5)
    with pytest.raises(audit.AuditInputError, match="event_length"):
        event_signals(length=4, event_length=5)


def test_lstm_takes_batch_time_channels():
    for pooling in ("mean", "last"):
        model = LSTMClassifier(3, 4, hidden=8, pooling=pooling)
        assert model.lstm.batch_first and model(torch.zeros(5, 12, 3)).shape == (5, 4)
    with pytest.raises(ValueError, match="pooling"):
        LSTMClassifier(3, 2, pooling="max")


def test_default_reaches_the_accuracy_target(sequence):
    assert _accuracy(sequence, "test") >= 0.90
    assert sequence.history.best_epoch is not None


def test_subject_shapes_hints_and_ground_truth(sequence):
    assert sequence.modality == "sequence" and sequence.name == "sequence"
    assert tuple(sequence.X_test.shape) == (600, 40, 3)
    assert sequence.class_names == ["pulse", "ramp", "oscillation"]
    hints = sequence.explain
    assert hints.input_shape == (40, 3) and hints.channel_names == ["ch0", "ch1", "ch2"]
    assert "Generated event signals" in sequence.dataset
    truth = hints.ground_truth_test
    assert truth.shape == tuple(sequence.X_test.shape)
    assert set(np.unique(truth)) == {0.0, 1.0}
    assert truth.mean() == pytest.approx(5 / 120)
    # each row marks one 5-step event on one channel (positions: see the data set's test)
    assert np.all(truth.sum(axis=(1, 2)) == 5)
    assert np.all((truth.sum(axis=1) > 0).sum(axis=1) == 1)


def test_generalization_passes_on_default_and_fails_on_overfit(sequence, sequence_overfit):
    section, note = _overfitting(sequence)
    assert section.metric("accuracy_gap").verdict == "pass"
    assert note.startswith("Overfitting verdict: PASS")
    section, note = _overfitting(sequence_overfit)
    assert section.metric("accuracy_gap").value > 0.10
    assert section.metric("accuracy_gap").verdict == "fail"
    assert note.startswith("Overfitting verdict: FAIL")
    history = sequence_overfit.history
    assert len(sequence_overfit.y_train) < 0.1 * 1400 and not history.stopped_early
    assert history.recipe["weight_decay"] == 0 and history.recipe["patience"] is None


def test_same_seed_same_weights_and_training_overrides_apply():
    quick = TrainingConfig(epochs=2, batch_size=256)
    first = audit.reference("sequence", seed=0, training=quick)
    second = audit.reference("sequence", seed=0, training=quick)
    assert len(first.history.records) == 2 and first.history.recipe["batch_size"] == 256
    a, b = first.model.state_dict(), second.model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert np.array_equal(first.explain.ground_truth_test, second.explain.ground_truth_test)


def test_models_survive_the_opacus_fix(sequence):
    from opacus.validators import ModuleValidator

    fixed = ModuleValidator.fix(sequence.model).train()  # validate wants training mode
    assert ModuleValidator.validate(fixed, strict=False) == []
    assert type(fixed.lstm).__name__ == "DPLSTM"
    assert fixed(sequence.X_test[:3]).shape == (3, 3)


def test_full_audit_runs_and_renders(sequence):
    result = audit.run(sequence, checks=CHECKS)
    assert [s.id for s in result.sections] == CHECKS
    assert result.section("performance").metric("test_accuracy").value >= 0.90
    fairness = result.section("fairness")
    assert fairness.verdict == "info" and "No sensitive features" in fairness.summary
    html = render_html(result)
    assert html.lstrip().lower().startswith("<!doctype html") and "sequence" in html


def test_sequence_digits_reads_rows_as_steps_and_learns():
    subject = audit.reference("sequence-digits", seed=0)
    images = digits_images(seed=0)
    assert subject.modality == "sequence" and tuple(subject.X_test.shape) == (540, 8, 8)
    assert np.array_equal(subject.X_test.numpy(), images.X_test[:, 0])
    assert subject.explain.input_shape == (8, 8)
    assert subject.explain.channel_names == [f"col{c}" for c in range(8)]
    assert isinstance(subject.model.lstm, nn.LSTM)
    assert _accuracy(subject, "test") > 0.9
    result = audit.run(subject, checks=CHECKS)
    assert result.section("performance").notes[0].startswith("Overfitting verdict: PASS")
    render_html(result)
    _, note = _overfitting(audit.reference("sequence-digits", seed=0, variant="overfit"))
    assert note.startswith("Overfitting verdict: FAIL")
