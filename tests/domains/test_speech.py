"""Speech domain: the generated utterances, the mel filter bank, the CRNN and the variants."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

import audit
from audit.datasets._mel import HOP, hz_to_mel, log_mel, mel_filterbank, mel_to_hz
from audit.datasets._speech import GROUPS, KEYWORDS, SAMPLE_RATE, keyword_utterances
from audit.domains import get_domain
from audit.domains._speech import GROUP_COLUMN, WAKE_WORD
from audit.models._crnn import CRNN

FAST = {"fairness": {"mitigation": False}}


@pytest.fixture(scope="module")
def default() -> audit.Subject:
    return audit.reference("speech", seed=0)


@pytest.fixture(scope="module")
def biased() -> audit.Subject:
    return audit.reference("speech", seed=0, variant="biased")


def _accuracy(subject: audit.Subject) -> float:
    return float((subject.predict_proba("test").argmax(1) == subject.y_test.numpy()).mean())


def test_utterances_are_seeded_shaped_and_balanced():
    data = keyword_utterances(3, n=60)
    again, other = keyword_utterances(3, n=60), keyword_utterances(4, n=60)
    for name in ("X", "y", "mask", "start", "end", "group", "f0", "noise"):
        assert np.array_equal(getattr(data, name), getattr(again, name)), name
    assert not np.array_equal(data.X, other.X)
    assert data.X.shape == data.mask.shape == (60, 1, 32, 40) and data.X.dtype == np.float32
    assert np.isfinite(data.X).all() and data.y.dtype == np.int64
    assert np.bincount(data.y, minlength=10).tolist() == [6] * 10
    assert data.keywords == list(KEYWORDS) and data.audio is None
    wake = keyword_utterances(0, n=40, wake_word=WAKE_WORD)
    assert (wake.y == wake.keywords.index(WAKE_WORD)).sum() == 20
    with pytest.raises(audit.AuditInputError, match="wake_word"):
        keyword_utterances(0, n=40, wake_word="hello")
    with pytest.raises(audit.AuditInputError, match="groups"):
        keyword_utterances(0, n=40, groups={"Z": 1.0})


def test_mask_marks_the_keyword_frames_and_the_energy_is_there():
    data = keyword_utterances(1, n=40, noise_levels=("low",))
    frames = data.mask[:, 0, 0]  # the same for every band
    assert np.array_equal(data.mask, np.broadcast_to(frames[:, None, None], data.mask.shape))
    centres = np.arange(data.frames) * HOP
    for row in range(len(frames)):
        marked = np.flatnonzero(frames[row])
        assert np.all(np.diff(marked) == 1)  # one run of frames
        assert (
            centres[marked[0]] <= data.start[row] + HOP
            and centres[marked[-1]] >= data.end[row] - HOP
        )
    energy = data.X[:, 0].mean(1)  # mean log-mel per frame
    inside = (energy * frames).sum(1) / frames.sum(1)
    outside = (energy * (1 - frames)).sum(1) / (1 - frames).sum(1)
    assert np.all(inside > outside)
    assert 0.15 < data.mask.mean() < 0.4  # the evidence is a minority of the spectrogram


def test_mel_filterbank_matches_the_closed_form():
    n_mels, n_fft, rate = 16, 256, 8000
    bank = mel_filterbank(n_mels, n_fft=n_fft, sample_rate=rate)
    assert bank.shape == (n_mels, n_fft // 2 + 1) and bank.min() >= 0 and bank.max() <= 1
    assert hz_to_mel(1000.0) == pytest.approx(1000.0, abs=0.1)
    assert mel_to_hz(hz_to_mel(2345.0)) == pytest.approx(2345.0)
    edges = mel_to_hz(np.linspace(0, hz_to_mel(rate / 2), n_mels + 2))
    freqs = np.arange(n_fft // 2 + 1) * rate / n_fft
    for m in (0, 7, n_mels - 1):  # a triangle from edge m to edge m+2, peak 1 at edge m+1
        lo, mid, hi = edges[m : m + 3]
        expected = np.clip(np.minimum((freqs - lo) / (mid - lo), (hi - freqs) / (hi - mid)), 0, 1)
        assert np.allclose(bank[m], expected, atol=1e-6)
        rising = bank[m][(freqs > lo) & (freqs <= mid)]
        assert np.all(np.diff(rising) > 0)
    # the triangles share edges: between the first and the last centre they sum to 1
    inner = (freqs >= edges[1]) & (freqs <= edges[-2])
    assert np.allclose(bank.sum(0)[inner], 1.0, atol=1e-5)
    with pytest.raises(audit.AuditInputError, match="f_min, f_max"):
        mel_filterbank(8, f_max=5000.0)


def test_log_mel_of_a_tone_peaks_in_its_band():
    t = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    tone = np.sin(2 * np.pi * 1000.0 * t).astype(np.float32)[None]
    spectrum = log_mel(tone, n_mels=32)
    assert spectrum.shape == (1, 32, SAMPLE_RATE // HOP)
    centres = mel_to_hz(np.linspace(0, hz_to_mel(4000.0), 34))[1:-1]
    assert np.all(np.abs(centres[spectrum[0].argmax(0)] - 1000.0) < 100.0)


def _pitch(audio: np.ndarray, start: int) -> float:
    """Pitch (Hz): the strongest autocorrelation lag (70–450 Hz) of the keyword's first 40 ms."""
    x = audio[start + 40 : start + 360]
    x = x - x.mean()
    corr = np.correlate(x, x, mode="full")[len(x) - 1 :]
    lags = np.arange(SAMPLE_RATE // 450, SAMPLE_RATE // 70)
    return SAMPLE_RATE / lags[np.argmax(corr[lags] / (len(x) - lags))]


def test_speaker_groups_differ_in_pitch_and_formants():
    data = keyword_utterances(2, n=90, noise_levels=("low",), keep_audio=True)
    voiced = np.array([KEYWORDS[data.keywords[k]][0] in "aeioujnlr" for k in data.y])
    estimated = np.array([_pitch(a, s) for a, s in zip(data.audio, data.start, strict=True)])
    means = {}
    for group, ((low, high), scale, _) in GROUPS.items():
        rows = data.group == group
        assert np.all((data.f0[rows] >= low) & (data.f0[rows] <= high))
        assert np.allclose(data.formant_scale[rows], scale, rtol=0.031)
        # the measured pitch lies in the group's range (the contour falls by up to 15%)
        means[group] = float(np.median(estimated[rows & voiced]))
        assert 0.8 * low <= means[group] <= 1.1 * high, (group, means[group])
    assert means["A"] < means["C"] < means["B"]


def test_crnn_shapes_and_the_opacus_fix():
    model = CRNN(32, 2, channels=(8, 16), hidden=16)
    assert model(torch.zeros(3, 1, 32, 40)).shape == (3, 2)
    assert model.last_block is model.blocks[-1]
    assert len({id(m) for m in model.modules() if isinstance(m, nn.ReLU)}) == 2
    with pytest.raises(ValueError, match="divisible"):
        CRNN(30, 2, channels=(8, 16))
    from opacus.validators import ModuleValidator

    fixed = ModuleValidator.fix(model).train()
    assert ModuleValidator.validate(fixed, strict=False) == []
    assert type(fixed.gru).__name__ == "DPGRU" and fixed(torch.zeros(2, 1, 32, 40)).shape == (2, 2)


def test_domain_is_registered_with_a_model_card():
    spec = get_domain("speech")
    assert spec.variant_names == ("default", "overfit", "biased") and spec.modality == "image"
    card = spec.model_card("biased")
    assert any("synthesised" in line for line in card["limitations"])
    assert any("built to show a failure" in line for line in card["limitations"])


def test_default_learns_with_speech_hints(default):
    assert _accuracy(default) >= 0.90
    assert default.name == "speech" and default.class_names == ["other", WAKE_WORD]
    assert tuple(default.X_test.shape) == (900, 1, 16, 40)
    hints = default.explain
    assert hints.input_shape == (1, 16, 40) and hints.channel_names == ["log-mel"]
    assert hints.ground_truth_test.shape == tuple(default.X_test.shape)
    assert any(hints.gradcam_layer is m for m in default.model.modules())
    assert list(default.sensitive_test.columns) == [GROUP_COLUMN]
    assert sorted(default.sensitive_test[GROUP_COLUMN].unique()) == sorted(GROUPS)
    assert "Generated keyword utterances" in default.dataset


def test_hirescam_localises_the_keyword_better_than_gradcam(default):
    from audit.explain._methods import METHODS
    from audit.explain._section import context
    from audit.explain._trust import localisation
    from audit.settings import ExplainSettings

    rows = np.random.default_rng(0).permutation(len(default.X_test))[:128]
    X = default.X_test[torch.as_tensor(rows)]
    target = torch.as_tensor(default.predict_proba("test")[rows].argmax(1))
    ctx = context(default, ExplainSettings(), seed=0)
    truth = default.explain.ground_truth_test[rows]
    lift = {}
    for name in ("gradcam", "hirescam"):
        share, chance = localisation(METHODS[name].explain(ctx, X, target).attributions, truth)
        lift[name] = share / chance
    # seed 0: HiResCAM 2.15, GradCAM 1.54 in the report's rows
    assert lift["hirescam"] >= 1.9 and lift["hirescam"] > lift["gradcam"] + 0.3, lift


def test_overfit_variant_fails_generalization():
    overfit = audit.reference("speech", seed=0, variant="overfit")
    section = audit.run(overfit, checks=["performance"]).section("performance")
    assert section.metric("train_accuracy").value == 1.0
    gap = section.metric("accuracy_gap")  # seed 0: 1.000 on 51 fitted rows, 0.883 on test
    assert gap.value > 0.05 and gap.verdict in ("warn", "fail")
    assert section.notes[0].startswith("Overfitting verdict: FAIL")
    assert len(overfit.y_train) == 51 and overfit.name == "speech (overfit)"


def test_biased_variant_fails_group_b_and_fairness_finds_it(default, biased):
    groups = biased.sensitive_test[GROUP_COLUMN].to_numpy()
    assert (biased.sensitive_train[GROUP_COLUMN] == "B").mean() < 0.02
    right = biased.predict_proba("test").argmax(1) == biased.y_test.numpy()
    assert right[groups == "B"].mean() < right[groups != "B"].mean() - 0.1
    fair = audit.run(default, checks=["fairness"], config=FAST).section("fairness")
    unfair = audit.run(biased, checks=["fairness"], config=FAST).section("fairness")
    assert fair.verdict != "fail"
    assert not [m for m in fair.metrics if m.verdict == "fail"]
    assert unfair.verdict == "fail"
    key = f"equal_opportunity_difference[{GROUP_COLUMN}]"  # the gap in true-positive rates
    gap = unfair.metric(key)  # seed 0: 0.54, interval 0.41–0.66 (default: 0.01, interval 0.00–0.07)
    assert gap.verdict == "fail" and gap.ci[0] > 0.2  # the whole interval beyond the limit
    assert gap.ci[0] > fair.metric(key).ci[1]
    assert fair.metric(key).verdict != "fail"
