import pytest
import torch

from audit.errors import AuditInputError
from audit.models import MLP
from audit.training import Recipe, fit


def _data(seed=0, n=120):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 4, generator=g)
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).long()
    return X, y


SHORT = Recipe(epochs=5, batch_size=16)


def _train(seed, recipe=SHORT):
    torch.manual_seed(seed)
    model = MLP(4, 2, hidden=(8,), dropout=0.2)
    X, y = _data()
    return fit(model, (X[:90], y[:90]), (X[90:], y[90:]), recipe=recipe, seed=seed)


def test_same_seed_gives_identical_weights_and_history():
    a, b = _train(3), _train(3)
    for (name, wa), (_, wb) in zip(
        a.model.state_dict().items(), b.model.state_dict().items(), strict=True
    ):
        assert torch.equal(wa, wb), name
    assert a.history == b.history


def test_other_seed_gives_other_weights():
    a, b = _train(3), _train(4)
    assert not torch.equal(a.model[0].weight, b.model[0].weight)


def test_history_records_each_epoch_and_learns():
    result = _train(0, Recipe(epochs=30, batch_size=16, lr=1e-2))
    history = result.history
    assert [r.epoch for r in history.records] == list(range(1, 31))
    assert history.records[-1].train_loss < history.records[0].train_loss
    assert history.records[-1].val_accuracy > 0.8
    assert history.best_epoch == 30 and not history.stopped_early
    assert history.recipe["lr"] == 1e-2 and history.recipe["seed"] == 0


def test_fit_leaves_the_callers_rng_alone():
    model = MLP(4, 2, hidden=(8,), dropout=0.2)
    X, y = _data()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    fit(model, (X, y), recipe=Recipe(epochs=2), seed=0)
    assert torch.equal(torch.rand(3), expected)


def test_early_stopping_restores_the_best_weights():
    torch.manual_seed(0)
    model = MLP(4, 2, hidden=(64,), dropout=0.0)
    X, y = _data(n=60)
    y_noisy = y.clone()
    y_noisy[::3] = 1 - y_noisy[::3]  # label noise: validation loss must turn up
    result = fit(
        model,
        (X[:40], y_noisy[:40]),
        (X[40:], y[40:]),
        recipe=Recipe(epochs=300, batch_size=8, lr=1e-2, patience=5),
        seed=0,
    )
    history = result.history
    assert history.stopped_early
    assert len(history.records) == history.best_epoch + 5
    best = min(r.val_loss for r in history.records)
    assert history.records[history.best_epoch - 1].val_loss == best
    from audit.training import evaluate

    assert evaluate(result.model, X[40:], y[40:])[0] == pytest.approx(best, rel=1e-6)


def test_on_epoch_is_called_with_each_record():
    seen = []
    X, y = _data()
    fit(torch.nn.Linear(4, 2), (X, y), recipe=Recipe(epochs=3), on_epoch=seen.append)
    assert [r.epoch for r in seen] == [1, 2, 3]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epochs": 0}, "recipe.epochs: expected an int >= 1, got 0."),
        ({"batch_size": 2.5}, "recipe.batch_size: expected an int >= 1, got 2.5."),
        ({"lr": 0.0}, "recipe.lr: expected a float > 0, got 0.0."),
        ({"patience": 0}, "recipe.patience: expected an int >= 1 or None, got 0."),
    ],
)
def test_recipe_validation(kwargs, message):
    with pytest.raises(AuditInputError) as info:
        Recipe(**kwargs)
    assert str(info.value) == message


def test_patience_needs_validation_data():
    X, y = _data()
    with pytest.raises(AuditInputError, match="val: expected validation data"):
        fit(torch.nn.Linear(4, 2), (X, y), recipe=Recipe(epochs=2, patience=2))


class _Head(torch.nn.Module):
    """A linear model returning ``width`` logits, bare or in a dict."""

    def __init__(self, width, form="tensor"):
        super().__init__()
        self.form, self.linear = form, torch.nn.Linear(4, width)

    def forward(self, x):
        z = self.linear(x)
        return {"logits": z} if self.form == "dict" else z


def test_fit_trains_one_logit_with_binary_cross_entropy_and_reads_dicts():
    X, y = _data()
    recipe = Recipe(epochs=20, batch_size=16, lr=5e-2)
    one = fit(_Head(1), (X[:90], y[:90]), (X[90:], y[90:]), recipe=recipe, seed=0)
    assert one.history.recipe["loss"] == "binary cross-entropy"
    with torch.no_grad():
        z = one.model(X[90:])[:, 0]
        bce = torch.nn.functional.binary_cross_entropy_with_logits(z, y[90:].float())
    last = one.history.records[-1]
    assert last.val_loss == pytest.approx(float(bce), rel=1e-6)
    assert last.val_accuracy == pytest.approx(float(((z > 0).long() == y[90:]).float().mean()))
    assert last.val_accuracy > 0.8
    wrapped = fit(_Head(2, "dict"), (X[:90], y[:90]), (X[90:], y[90:]), recipe=recipe, seed=0)
    assert "loss" not in wrapped.history.recipe  # cross-entropy, as for a bare tensor
    assert wrapped.history.records[-1].val_accuracy > 0.8


def test_fit_refuses_an_output_without_logits():
    class Nothing(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(4, 2)

        def forward(self, x):
            return {"scores": self.linear(x)}

    X, y = _data()
    with pytest.raises(AuditInputError, match=r"^model: expected logits of shape"):
        fit(Nothing(), (X, y), recipe=SHORT)


def test_augmentation_is_seeded_and_reaches_the_shadows_of_a_plain_model_only():
    from audit.training import fit, make_trainer

    X, y = torch.randn(64, 3), torch.randint(0, 2, (64,))
    seen = []

    def augment(batch, generator):
        seen.append(batch.shape[0])
        return batch + 0.1 * torch.randn(batch.shape, generator=generator)

    recipe = Recipe(epochs=2, batch_size=32)

    def linear():
        torch.manual_seed(0)
        return torch.nn.Linear(3, 2)

    a = fit(linear(), (X, y), recipe=recipe, seed=1, augment=augment).model
    b = fit(linear(), (X, y), recipe=recipe, seed=1, augment=augment).model
    plain = fit(linear(), (X, y), recipe=recipe, seed=1).model
    assert torch.equal(a.weight, b.weight) and not torch.equal(a.weight, plain.weight)
    assert seen == [32] * 8  # 2 epochs x 2 batches, twice
    seen.clear()
    make_trainer(lambda: torch.nn.Linear(3, 2), recipe, augment=augment)(X, y, 0)
    assert seen == [32] * 4
    seen.clear()  # a DP model's trainer: its non-private twin is not augmented
    make_trainer(lambda: torch.nn.Linear(3, 2), recipe, private=object(), augment=augment)(
        X, y, 0, private=None
    )
    assert seen == []
