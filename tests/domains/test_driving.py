"""Driving domain: the generated road scenes, the strided residual CNN, and the variants.

The whole-domain builds are slow on 2 cores, so the builds here use small settings:
few frames and epochs (monkeypatched sizes), enough to show learning and the bias.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import audit
from audit.config import TrainingConfig
from audit.datasets._driving import SKIN, driving_data, render_frames
from audit.domains import _driving
from audit.domains._driving import driving_resnet

FNR = "false_negative_rate_ratio[appearance]"
FAST = {"fairness": {"mitigation": False}}


@pytest.fixture(scope="module")
def frames():
    return render_frames(400, seed=3)


def _small(monkeypatch, n_train: int = 1200, n_test: int = 600) -> None:
    monkeypatch.setattr(_driving, "N_TRAIN", n_train)
    monkeypatch.setattr(_driving, "N_TEST", n_test)


def test_frames_have_their_shapes_ranges_and_groups(frames):
    assert frames.X.shape == (400, 3, 64, 64) and frames.X.dtype == np.float32
    assert frames.X.min() >= 0.0 and frames.X.max() <= 1.0
    assert frames.y.dtype == np.int64 and set(np.unique(frames.y)) == {0, 1}
    assert np.array_equal(frames.y == 1, frames.scene == "pedestrian")
    assert set(frames.scene) == {"pedestrian", "vehicle", "clear"}
    assert set(frames.lighting) == {"day", "dusk", "fog"}
    assert set(frames.appearance) == {"light", "dark"}
    assert 0.4 < frames.y.mean() < 0.6 and 0.4 < (frames.appearance == "dark").mean() < 0.6
    assert list(frames.sensitive.columns) == ["appearance", "lighting"]
    truth = frames.ground_truth
    assert truth.shape == frames.X.shape and truth.dtype == np.uint8
    assert truth[frames.y == 0].sum() == 0 and truth[frames.y == 1].sum(axis=(1, 2, 3)).min() > 0


def test_box_mask_covers_every_rendered_pedestrian_pixel(frames):
    box, person = frames.box_mask, frames.person
    assert person.sum(axis=(1, 2)).min() > 0  # every frame shows its pedestrian
    assert not (person & ~box).any()  # the box covers the pedestrian ...
    assert (person.sum(axis=(1, 2)) / box.sum(axis=(1, 2))).min() > 0.4  # ... and is tight
    x0, y0, x1, y1 = frames.box.T
    assert ((x0 <= x1) & (y0 <= y1) & (x0 >= 0) & (y1 <= 63)).all()


def test_group_shading_differs_as_designed():
    frames = render_frames(300, seed=5, size=64)
    # the head's top pixel is skin; compare the mean brightness of the heads by group
    x = (frames.box[:, 0] + frames.box[:, 2]) // 2
    y = frames.box[:, 1] + np.maximum(1, (frames.box[:, 3] - frames.box[:, 1]) // 10)
    skin = frames.X[np.arange(len(x)), :, y, x]
    dark, light = skin[frames.appearance == "dark"], skin[frames.appearance == "light"]
    day = frames.lighting == "day"
    assert np.mean(SKIN["light"]) - np.mean(SKIN["dark"]) > 0.4
    gap = (
        light[day[frames.appearance == "light"]].mean()
        - dark[day[frames.appearance == "dark"]].mean()
    )
    assert gap > 0.3  # in daylight, the light group's skin is brighter by design
    # the lighting changes the frames as designed: dusk darker, fog paler than day
    brightness = frames.X.mean(axis=(1, 2, 3))
    by = {name: brightness[frames.lighting == name].mean() for name in ("day", "dusk", "fog")}
    assert by["dusk"] < by["day"] < by["fog"]


def test_generator_is_deterministic_and_the_biased_split_has_few_dark_pedestrians():
    a, b = driving_data(7, n_train=200, n_test=100), driving_data(7, n_train=200, n_test=100)
    assert np.array_equal(a.train.X, b.train.X) and np.array_equal(a.test.box, b.test.box)
    assert not np.array_equal(a.train.X, a.test.X[:100].repeat(2, axis=0))
    assert not np.array_equal(driving_data(8, n_train=200, n_test=100).train.X, a.train.X)
    biased = driving_data(7, n_train=2000, n_test=100, biased=True).train
    in_path = biased.y == 1
    assert (biased.appearance[in_path] == "dark").mean() < 0.05
    assert 0.4 < (biased.appearance[~in_path] == "dark").mean() < 0.6
    with pytest.raises(audit.AuditInputError, match="dark_share"):
        render_frames(4, seed=0, dark_share=1.5)


def test_render_is_fast():
    import time

    start = time.process_time()
    render_frames(2000, seed=0)
    assert time.process_time() - start < 5.0  # vectorised: about a second on one core


def test_model_shapes_gradcam_layer_and_opacus_fix():
    model = driving_resnet(2, dropout=0.1)
    assert model(torch.zeros(3, 3, 64, 64)).shape == (3, 2)
    seen = []
    handle = model.last_block.register_forward_hook(lambda m, i, o: seen.append(o.shape))
    model(torch.zeros(1, 3, 64, 64))
    handle.remove()
    assert tuple(seen[0]) == (1, 32, 8, 8)
    from opacus.validators import ModuleValidator

    fixed = ModuleValidator.fix(model).train()
    assert ModuleValidator.validate(fixed, strict=False) == []


def test_small_build_learns_and_carries_its_hints(monkeypatch):
    _small(monkeypatch)
    subject = audit.reference("driving", seed=0, training=TrainingConfig(epochs=8))
    accuracy = (subject.predict_proba("test").argmax(1) == subject.y_test.numpy()).mean()
    assert accuracy > 0.75  # 8 epochs on 960 frames; the full build reaches 0.95+
    assert subject.modality == "image" and subject.name == "driving"
    assert subject.class_names == ["no pedestrian", "pedestrian"]
    assert tuple(subject.X_test.shape) == (600, 3, 64, 64)
    hints = subject.explain
    assert hints.input_shape == (3, 64, 64) and hints.gradcam_layer is subject.model.last_block
    assert hints.ground_truth_test.shape == tuple(subject.X_test.shape)
    assert list(subject.sensitive_train.columns) == ["appearance", "lighting"]
    assert len(subject.sensitive_train) == len(subject.y_train)
    card = _driving.SPEC.model_card("biased")
    assert any("dark-shaded" in line for line in card["limitations"])
    config = {
        "explainability": {"methods": ["integrated_gradients", "gradcam"], "n_samples": 16,
                           "trust_samples": 2},
        "seed": 0,
    }
    section = audit.run(subject, checks=["explainability"], config=config).section(
        "explainability"
    )
    lifts = {m.scope: m.value for m in section.metrics if m.name == "localisation_lift"}
    assert set(lifts) == {"integrated_gradients", "gradcam"} and max(lifts.values()) > 1
    best = max(lifts, key=lifts.get)
    label = {"integrated_gradients": "Integrated Gradients", "gradcam": "GradCAM"}[best]
    assert f"Localises the planted evidence best: {label} (lift {lifts[best]:.2f}" in " ".join(
        section.notes
    )


def test_overfit_variant_fails_generalization():
    overfit = audit.reference("driving", seed=0, variant="overfit")  # full size: 96 rows fitted
    section = audit.run(overfit, checks=["performance"]).section("performance")
    assert section.metric("train_accuracy").value == 1.0
    gap = section.metric("accuracy_gap")  # seed 0: 1.000 on the fitted rows, 0.573 on test
    assert gap.value > 0.2 and gap.verdict == "fail"
    assert section.notes[0].startswith("Overfitting verdict: FAIL")
    assert len(overfit.y_train) == 96 and overfit.name == "driving (overfit)"


def test_biased_variant_misses_dark_shaded_pedestrians(monkeypatch):
    _small(monkeypatch, n_train=1600)
    quick = TrainingConfig(epochs=10)
    biased = audit.reference("driving", seed=0, variant="biased", training=quick)
    section = audit.run(biased, checks=["fairness"], config=FAST).section("fairness")
    ratio = section.metric(FNR)
    assert ratio.value < 0.5 and ratio.verdict in ("fail", "warn")
    pred = biased.predict_proba("test").argmax(1)
    y, groups = biased.y_test.numpy(), biased.sensitive_test["appearance"].to_numpy()
    miss = {g: (pred[(groups == g) & (y == 1)] == 0).mean() for g in ("dark", "light")}
    assert miss["dark"] > miss["light"] + 0.05
