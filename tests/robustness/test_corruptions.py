"""Corruptions: shapes, determinism, identity at severity 0, and a closed-form flip rate."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from audit.errors import AuditInputError
from audit.robustness import CORRUPTIONS, Scales, corrupt, corruptions_for
from audit.robustness._text_edits import case_table, typo_table

torch.manual_seed(0)
WORDS = ["good", "godo", "bad", "great", "movie", "film", "plot", "actor", "story", "scene"]
VOCABULARY = ["[PAD]", "[CLS]", "[UNK]", *WORDS, *(w.capitalize() for w in WORDS)]
VOCABULARY += [f"w{i}" for i in range(50 - len(VOCABULARY))]
DATA = {
    "tabular": (
        torch.cat([torch.randn(32, 3), torch.eye(3)[torch.randint(0, 3, (32,))]], dim=1),
        Scales(
            std=torch.ones(6), groups=[[3, 4, 5]], numeric=[0, 1, 2], mean=torch.full((6,), 0.5)
        ),
    ),
    "image": (torch.rand(16, 1, 8, 8), Scales(std=torch.tensor(0.3), low=0.0, high=1.0)),
    "sequence": (torch.randn(16, 20, 3), Scales(std=torch.tensor(1.0))),
    "text": (
        torch.cat(
            [torch.ones(16, 1), torch.randint(3, 50, (16, 10)), torch.zeros(16, 3)], 1
        ).long(),
        Scales(
            std=torch.tensor(1.0),
            keep=[0, 1],
            unk_id=2,
            typo=typo_table(VOCABULARY, unk_id=2, keep=[0, 1, 2]),
            case=case_table(VOCABULARY),
        ),
    ),
}
CASES = [(modality, name) for modality, table in CORRUPTIONS.items() for name in table]


@pytest.mark.parametrize(("modality", "name"), CASES)
def test_shape_dtype_determinism_and_identity(modality, name):
    X, scales = DATA[modality]
    for severity in (1, 3, 5):
        a = corrupt(X, name, severity, modality=modality, scales=scales, seed=7)
        b = corrupt(X, name, severity, modality=modality, scales=scales, seed=7)
        assert a.shape == X.shape and a.dtype == X.dtype
        assert torch.equal(a, b)
    assert torch.equal(corrupt(X, name, 0, modality=modality, scales=scales, seed=7), X)
    # the strongest severity changes the data
    assert not torch.equal(corrupt(X, name, 5, modality=modality, scales=scales, seed=7), X)


def test_text_corruptions_never_touch_padding_or_the_class_token():
    X, scales = DATA["text"]
    for name in CORRUPTIONS["text"]:
        out = corrupt(X, name, 5, modality="text", scales=scales, seed=1)
        assert torch.equal(out[:, 0], X[:, 0]) and torch.equal(out[:, -3:], X[:, -3:])
    dropped = corrupt(X, "token_dropout", 5, modality="text", scales=scales, seed=1)
    assert set(dropped[dropped != X].tolist()) == {2}  # dropped tokens become [UNK]


def test_category_swap_keeps_one_hot_rows_and_swaps_at_its_rate():
    X = torch.eye(4)[torch.randint(0, 4, (20_000,), generator=torch.Generator().manual_seed(0))]
    scales = Scales(std=torch.ones(4), groups=[[0, 1, 2, 3]])
    out = corrupt(X, "category_swap", 3, modality="tabular", scales=scales, seed=0)
    assert torch.equal(out.sum(dim=1), torch.ones(20_000))
    changed = (out != X).any(dim=1).float().mean().item()
    assert abs(changed - 0.2) < 0.01  # severity 3 swaps 20% of the rows, always to another level


def test_tabular_noise_flip_rate_matches_the_closed_form():
    """Logit w·x under noise N(0, (c σ_j)²) per column flips with P = Φ(−|w·x| / ‖c σ w‖)."""
    n = 40_000
    X = torch.randn(n, 3, generator=torch.Generator().manual_seed(0)) * torch.tensor([1.0, 2, 0.5])
    std = X.std(dim=0)
    w = torch.tensor([1.0, -0.5, 2.0])
    scales = Scales(std=std, numeric=[0, 1, 2], groups=[])
    noisy = corrupt(X, "gaussian_noise", 3, modality="tabular", scales=scales, seed=3)
    flips = ((X @ w > 0) != (noisy @ w > 0)).double().mean().item()
    spread = float(torch.linalg.vector_norm(0.35 * std * w))  # severity 3: 0.35 std
    margin = (X @ w).abs().double().numpy()
    expected = np.mean([0.5 * math.erfc(m / spread / math.sqrt(2)) for m in margin])
    assert abs(flips - expected) < 0.005


def test_only_numeric_columns_get_noise():
    X, scales = DATA["tabular"]
    out = corrupt(X, "gaussian_noise", 5, modality="tabular", scales=scales, seed=0)
    assert torch.equal(out[:, 3:], X[:, 3:]) and not torch.equal(out[:, :3], X[:, :3])


def test_unknown_names_and_severities_are_refused():
    X, scales = DATA["image"]
    with pytest.raises(AuditInputError, match="corruption"):
        corrupt(X, "fog", 1, modality="image", scales=scales, seed=0)
    with pytest.raises(AuditInputError, match="severity"):
        corrupt(X, "blur", 6, modality="image", scales=scales, seed=0)
    assert "category_swap" not in corruptions_for("tabular", Scales(std=torch.ones(2)))


def test_missing_values_are_imputed_by_the_training_mean_and_an_unknown_level():
    X, scales = DATA["tabular"]
    X = X.repeat(500, 1)
    out = corrupt(X, "missing_values", 3, modality="tabular", scales=scales, seed=0)
    numeric = out[:, :3] != X[:, :3]
    assert set(out[:, :3][numeric].tolist()) == {0.5}
    assert abs(numeric.float().mean().item() - 0.2) < 0.01  # severity 3: 20% of the values
    unknown = (out[:, 3:] == 0).all(dim=1)
    assert abs(unknown.float().mean().item() - 0.2) < 0.01
    assert "missing_values" not in corruptions_for("tabular", Scales(std=torch.ones(2)))


def test_typos_become_the_misspelt_word_or_unknown_and_casing_the_other_case():
    X = torch.tensor([[1] + [VOCABULARY.index("good")] * 400 + [0]])
    _, scales = DATA["text"]
    typos = corrupt(X, "typo", 5, modality="text", scales=scales, seed=0)
    changed = set(typos[typos != X].tolist())
    assert changed and changed <= {VOCABULARY.index("godo"), 2}
    cased = corrupt(X, "casing", 5, modality="text", scales=scales, seed=0)
    assert set(cased[cased != X].tolist()) == {VOCABULARY.index("Good")}
    assert abs((cased != X).float().sum().item() / 400 - 0.5) < 0.1  # severity 5: half
    lower = Scales(std=torch.tensor(1.0), typo=scales.typo, case=case_table(WORDS))
    assert corruptions_for("text", lower) == ["token_dropout", "neighbour_swap", "typo"]
