"""Vision domain: the digits images, the residual CNN, its controls and a full audit."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import audit
from audit.config import TrainingConfig
from audit.datasets._digits import digits_images
from audit.models._cnn import ResNetSmall
from audit.report import render_html

#: The sections the brief asks of every domain (the explainability check has its own tests).
CHECKS = ["data", "performance", "fairness", "compute"]


@pytest.fixture(scope="module")
def vision() -> audit.Subject:
    return audit.reference("vision", seed=0)


@pytest.fixture(scope="module")
def vision_overfit() -> audit.Subject:
    return audit.reference("vision", seed=0, variant="overfit")


def _accuracy(subject: audit.Subject, split: str) -> float:
    y = subject.split(split)[1]
    return float((subject.predict_proba(split).argmax(1) == y.numpy()).mean())


def _overfitting(subject: audit.Subject):
    section = audit.run(subject, checks=["performance"]).section("performance")
    return section, section.notes[0]


def test_digits_images_are_scaled_split_and_seeded():
    data = digits_images(seed=0)
    assert data.X_train.shape == (1257, 1, 8, 8) and data.X_test.shape == (540, 1, 8, 8)
    assert data.X_train.dtype == np.float32 and data.y_train.dtype == np.int64
    assert data.X_train.min() == 0.0 and data.X_train.max() == 1.0
    assert data.class_names == [str(d) for d in range(10)] and data.channel_names == ["gray"]
    # stratified: every class holds ~30% of its images in test
    counts = np.bincount(data.y_test, minlength=10) / np.bincount(
        np.concatenate([data.y_train, data.y_test]), minlength=10
    )
    assert np.all(np.abs(counts - 0.3) < 0.01)
    assert not set(data.index_train) & set(data.index_test)
    again, other = digits_images(seed=0), digits_images(seed=1)
    assert np.array_equal(data.X_test, again.X_test) and np.array_equal(data.y_test, again.y_test)
    assert not np.array_equal(data.index_test, other.index_test)


def test_digits_test_size_is_checked():
    with pytest.raises(audit.AuditInputError, match="test_size"):
        digits_images(test_size=1.5)


def test_resnet_has_relu_modules_skip_connections_and_a_last_block():
    model = ResNetSmall(1, 10, widths=(8, 16))
    assert model(torch.zeros(2, 1, 8, 8)).shape == (2, 10)
    relus = [m for m in model.modules() if isinstance(m, nn.ReLU)]
    assert len(relus) == len({id(m) for m in relus}) >= 5  # one module per use
    assert model.last_block is model.blocks[-1]
    with torch.no_grad():  # the block adds its input back: zero body weights leave relu(x)
        block = model.blocks[0]
        for conv in block.body:
            if isinstance(conv, nn.Conv2d):
                conv.weight.zero_()
        block.eval()
        x = torch.randn(1, 8, 8, 8)
        assert torch.allclose(block(x), torch.relu(x))


def test_default_reaches_the_accuracy_target(vision):
    assert _accuracy(vision, "test") >= 0.95
    assert vision.history.best_epoch is not None and vision.history.recipe["weight_decay"] > 0


def test_subject_shapes_and_hints(vision):
    assert vision.modality == "image" and vision.name == "vision"
    assert tuple(vision.X_test.shape) == (540, 1, 8, 8)
    assert vision.class_names == [str(d) for d in range(10)] and vision.n_classes == 10
    hints = vision.explain
    assert hints.input_shape == (1, 8, 8) and hints.channel_names == ["gray"]
    assert "digits" in vision.dataset.lower()
    layer = hints.gradcam_layer
    assert any(layer is module for module in vision.model.modules())
    seen = []
    handle = layer.register_forward_hook(lambda mod, inp, out: seen.append(out.shape))
    try:
        vision.model(vision.X_test[:2])
    finally:
        handle.remove()
    assert len(seen) == 1 and len(seen[0]) == 4  # a convolutional feature map
    assert vision.sensitive_test is None
    # the Subject's train split is the rows the model was fitted on
    assert len(vision.y_train) + vision.training.validation_rows == 1257


def test_generalization_passes_on_default_and_fails_on_overfit(vision, vision_overfit):
    section, note = _overfitting(vision)
    assert section.metric("accuracy_gap").verdict == "pass"
    assert note.startswith("Overfitting verdict: PASS")
    section, note = _overfitting(vision_overfit)
    assert section.metric("train_accuracy").value == 1.0
    assert section.metric("accuracy_gap").value > 0.10
    assert section.metric("accuracy_gap").verdict == "fail"
    assert note.startswith("Overfitting verdict: FAIL")


def test_overfit_variant_trains_long_on_few_rows_without_regularisation(vision_overfit):
    history = vision_overfit.history
    assert len(vision_overfit.y_train) < 0.1 * 1257
    assert len(history.records) == history.recipe["epochs"] and not history.stopped_early
    assert history.recipe["weight_decay"] == 0 and history.recipe["patience"] is None
    assert not any(isinstance(m, nn.Dropout) for m in vision_overfit.model.modules())
    assert vision_overfit.name == "vision (overfit)"


def test_same_seed_same_weights_and_training_overrides_apply():
    quick = TrainingConfig(epochs=2)
    first = audit.reference("vision", seed=0, training=quick)
    second = audit.reference("vision", seed=0, training=quick)
    assert len(first.history.records) == 2 and first.history.recipe["epochs"] == 2
    a, b = first.model.state_dict(), second.model.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    threads = torch.get_num_threads()
    audit.reference("vision", seed=1, training=TrainingConfig(epochs=1))
    assert torch.get_num_threads() == threads  # training's one-thread setting is undone


def test_model_survives_the_opacus_fix(vision):
    from opacus.validators import ModuleValidator

    fixed = ModuleValidator.fix(vision.model).train()  # validate wants training mode
    assert ModuleValidator.validate(fixed, strict=False) == []
    assert fixed(vision.X_test[:3]).shape == (3, 10)
    assert isinstance(fixed.last_block, nn.Module)


def test_full_audit_runs_and_renders(vision):
    result = audit.run(vision, checks=CHECKS)
    assert [s.id for s in result.sections] == CHECKS
    assert result.section("performance").metric("test_accuracy").value >= 0.95
    fairness = result.section("fairness")
    assert fairness.verdict == "info" and "No sensitive features" in fairness.summary
    assert result.subject["modality"] == "image"
    html = render_html(result)
    assert html.lstrip().lower().startswith("<!doctype html") and "vision" in html
