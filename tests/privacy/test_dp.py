"""DP-SGD training: the accountant's ε, the plain returned model, swaps, determinism."""

from __future__ import annotations

import pytest
import torch
from captum.attr import IntegratedGradients
from opacus.accountants import create_accountant
from torch import nn

from audit.config import PrivacySettings
from audit.history import EpochRecord
from audit.privacy import default_grad_sample_mode, fit_private, make_trainer, module_swaps
from audit.training import Recipe

RECORD_KEYS = {
    "epsilon",
    "privacy_unit",
    "units",
    "most_rows_per_unit",
    "delta",
    "noise_multiplier",
    "max_grad_norm",
    "sample_rate",
    "steps",
    "epochs",
    "accountant",
    "grad_sample_mode",
    "swaps",
    "target_epsilon",
}


def _data(n: int = 256, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 6, generator=g)
    return X, (X[:, 0] > 0).long()


def _mlp() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 2))


def _cnn_with_batchnorm() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(4, 3),
    )


@pytest.mark.parametrize("accountant", ["prv", "rdp"])
def test_reported_epsilon_equals_opacus_accountant_for_the_same_history(accountant):
    settings = PrivacySettings(epsilon=2.0, accountant=accountant)
    result = fit_private(_mlp(), _data(), recipe=Recipe(epochs=3, batch_size=32), settings=settings)
    record = result.record
    assert set(record) == RECORD_KEYS
    assert (record["privacy_unit"], record["most_rows_per_unit"]) == ("row", 1)
    independent = create_accountant(mechanism=accountant)
    for _ in range(record["steps"]):
        independent.step(
            noise_multiplier=record["noise_multiplier"], sample_rate=record["sample_rate"]
        )
    assert record["epsilon"] == pytest.approx(
        independent.get_epsilon(delta=record["delta"]), rel=1e-9
    )
    assert record["epsilon"] <= 2.0 + 0.01
    assert record["sample_rate"] == pytest.approx(1 / 8)  # batch 32 of 256 rows, Poisson
    assert record["steps"] == 3 * 8 and record["delta"] == pytest.approx(1 / 2560)


def test_target_epsilon_holds_when_opacus_takes_one_step_fewer_per_epoch():
    # 5,952 rows in batches of 64: 93 batches, but opacus's Poisson loader takes
    # int(1 / (1 / 93)) = 92 steps an epoch at q = 1/92; σ must be found for those
    X, y = _data(5952)
    settings = PrivacySettings(epsilon=3.0, accountant="rdp")
    record = fit_private(
        _mlp(), (X, y), recipe=Recipe(epochs=3, batch_size=64), settings=settings
    ).record
    assert record["steps"] == 3 * 92 and record["sample_rate"] == pytest.approx(1 / 92)
    assert 2.99 < record["epsilon"] <= 3.0


def test_fixed_noise_multiplier_uses_make_private_and_history_matches_fit():
    X, y = _data()
    settings = PrivacySettings(noise_multiplier=0.8, max_grad_norm=0.5, delta=1e-4)
    result = fit_private(
        _mlp(), (X, y), _data(64, seed=1), recipe=Recipe(epochs=2), settings=settings
    )
    assert result.record["noise_multiplier"] == 0.8 and result.record["target_epsilon"] is None
    assert result.record["delta"] == 1e-4 and result.record["max_grad_norm"] == 0.5
    records = result.history.records
    assert [type(r) for r in records] == [EpochRecord, EpochRecord]
    assert all(r.val_loss is not None and 0 <= r.train_accuracy <= 1 for r in records)
    assert result.history.best_epoch == 2 and result.history.recipe["dp_sgd"] is True


def test_returned_model_is_plain_and_captum_explains_it():
    X, y = torch.randn(64, 1, 8, 8), torch.randint(0, 3, (64,))
    model = _cnn_with_batchnorm()
    result = fit_private(model, (X, y), recipe=Recipe(epochs=1, batch_size=16))
    assert result.record["swaps"] == ["BatchNorm2d → GroupNorm"]
    assert isinstance(model[1], nn.BatchNorm2d)  # the caller's model is left alone
    fixed = result.model
    assert isinstance(fixed[1], nn.GroupNorm) and not fixed.training
    assert all(not m._forward_hooks and not m._backward_hooks for m in fixed.modules())
    assert not any(hasattr(p, "grad_sample") for p in fixed.parameters())
    attributions = IntegratedGradients(fixed).attribute(X[:4], target=0, n_steps=8)
    assert attributions.shape == X[:4].shape


def test_same_seed_same_weights_and_other_seed_other_weights():
    def weights(seed: int) -> torch.Tensor:
        settings = PrivacySettings(noise_multiplier=1.0)
        model = fit_private(
            _mlp(), _data(), recipe=Recipe(epochs=2), seed=seed, settings=settings
        ).model
        return torch.cat([p.detach().flatten() for p in model.parameters()])

    assert torch.equal(weights(3), weights(3))
    assert not torch.equal(weights(3), weights(4))


def test_module_swaps_and_default_modes():
    lstm = nn.Sequential(nn.LSTM(3, 4))
    from opacus.validators import ModuleValidator

    assert module_swaps(lstm, ModuleValidator.fix(lstm)) == ["LSTM → DPLSTM"]
    assert default_grad_sample_mode(_mlp()) == "ew"
    assert default_grad_sample_mode(ModuleValidator.fix(_cnn_with_batchnorm())) == "ew"
    assert default_grad_sample_mode(nn.Sequential(nn.Linear(2, 2), nn.PReLU())) == "hooks"
    assert default_grad_sample_mode(ModuleValidator.fix(lstm)) == "ew"  # aliased weights


class _TinyLSTM(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm, self.head = nn.LSTM(3, 8, batch_first=True), nn.Linear(8, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.lstm(x)[0][:, -1])


def test_ew_and_hooks_give_the_same_dplstm_weights():
    X = torch.randn(96, 5, 3, generator=torch.Generator().manual_seed(0))
    y = (X[:, -1, 0] > 0).long()
    weights = []
    for mode in ("ew", "hooks"):
        torch.manual_seed(0)
        settings = PrivacySettings(noise_multiplier=1.0, grad_sample_mode=mode)
        model = fit_private(
            _TinyLSTM(), (X, y), recipe=Recipe(epochs=2, batch_size=32), settings=settings
        ).model
        weights.append(model.state_dict())
    for name, value in weights[0].items():
        assert torch.allclose(value, weights[1][name], atol=1e-5), name


def test_empty_poisson_batches_still_take_a_step_in_ew_mode():
    X, y = torch.randn(4, 6), torch.tensor([0, 1, 0, 1])
    settings = PrivacySettings(noise_multiplier=1.0, grad_sample_mode="ew")
    result = fit_private(_mlp(), (X, y), recipe=Recipe(epochs=5, batch_size=1), settings=settings)
    assert result.record["steps"] == 20


def test_make_trainer_trains_fresh_models_with_and_without_dp():
    X, y = _data(128)
    recipe = Recipe(epochs=2, patience=3)  # patience is dropped: shadows have no validation
    plain = make_trainer(_mlp, recipe)(X, y, 0)
    private = make_trainer(_mlp, recipe, private=PrivacySettings(noise_multiplier=1.0))(X, y, 0)
    assert isinstance(plain, nn.Module) and isinstance(private, nn.Module)
    assert plain(X).shape == private(X).shape == (128, 2)
    again = make_trainer(_mlp, recipe)(X, y, 0)
    assert all(
        torch.equal(a, b) for a, b in zip(plain.parameters(), again.parameters(), strict=True)
    )


def test_a_trainers_private_keyword_overrides_the_settings_it_was_made_with():
    X, y = _data(128)
    recipe, settings = Recipe(epochs=2), PrivacySettings(noise_multiplier=1.0)
    private, plain = make_trainer(_mlp, recipe, private=settings), make_trainer(_mlp, recipe)
    pairs = [
        (private(X, y, 0, private=None), plain(X, y, 0)),
        (plain(X, y, 0, private=settings), private(X, y, 0)),
    ]
    for a, b in pairs:
        assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    dp, no_dp = private(X, y, 0), plain(X, y, 0)
    assert not all(
        torch.equal(p, q) for p, q in zip(dp.parameters(), no_dp.parameters(), strict=True)
    )
