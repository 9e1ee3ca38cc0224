"""Explanation trust: random-order p-values, the randomization cascade, badges, headline."""

import numpy as np
import pytest
import torch

import audit
from audit.config import ExplainSettings
from audit.explain import METHODS, ExplainContext, Explanation, MethodSpec
from audit.explain._badges import Badge, badges, count_sentence
from audit.explain._faithfulness import (
    method_curves,
    order_curves,
    p_value,
    positions,
    random_positions,
)
from audit.explain._headline import HEADLINE, importance_table, rank_of, rerank
from audit.explain._randomization import layer_stages, randomization_test
from audit.explain._tabular import SENSITIVE_COLUMNS
from audit.results import Metric, Section, Table

SETTINGS = ExplainSettings(n_samples=16, trust_samples=8)


def _linear(weights):
    model = torch.nn.Linear(len(weights), 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.0] * len(weights), weights]))
        model.bias.zero_()
    return model.eval()


def _ctx(model, size):
    baseline = torch.zeros(size)
    return ExplainContext(model, baseline, baseline[None].repeat(4, 1), SETTINGS, "tabular")


def test_p_value_counts_random_orders_at_least_as_good_with_the_plus_one():
    randoms = np.array([0.30, 0.25, 0.20, 0.35])
    # deletion: lower is better; 0.20 and 0.25 are at least as good as 0.25
    assert p_value(0.25, randoms, higher_is_better=False) == pytest.approx(3 / 5)
    assert p_value(0.10, randoms, higher_is_better=False) == pytest.approx(1 / 5)
    assert p_value(0.36, randoms, higher_is_better=True) == pytest.approx(1 / 5)
    assert p_value(0.30, randoms, higher_is_better=True) == pytest.approx(3 / 5)


def test_batched_curves_equal_one_forward_pass_per_order_and_step():
    model = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3))
    model.eval()
    X = torch.randn(6, 5, generator=torch.Generator().manual_seed(0))
    target = torch.tensor([0, 1, 2, 0, 1, 2])
    ctx = _ctx(model, 5)
    ranks = random_positions(3, 6, 5, seed=1)
    curves = order_curves(ctx, X, target, ranks, steps=4)
    for o in range(3):
        for s, fraction in enumerate(np.linspace(0, 1, 5)):
            top = torch.as_tensor(ranks[o] < round(fraction * 5))
            with torch.no_grad():
                deleted = torch.softmax(model(torch.where(top, 0.0, X)), 1)
                inserted = torch.softmax(model(torch.where(top, X, 0.0)), 1)
            rows = torch.arange(6)
            np.testing.assert_allclose(curves.deletion[o, s], deleted[rows, target], atol=1e-6)
            np.testing.assert_allclose(curves.insertion[o, s], inserted[rows, target], atol=1e-6)


def test_grouped_units_are_deleted_whole():
    model = _linear([1.0, 1.0, 4.0])
    X = torch.ones(2, 3)
    target = torch.ones(2, dtype=torch.int64)
    index = np.array([0, 0, 1])  # two units: columns 0-1, column 2
    ranks = np.array([[[1, 0], [1, 0]]])  # unit 1 first
    curves = order_curves(_ctx(model, 3), X, target, ranks, steps=2, index=index)
    # half the units deleted: column 2 at 0, columns 0-1 kept -> logits [0, 2]
    expected = torch.softmax(torch.tensor([0.0, 2.0]), 0)[1].item()
    np.testing.assert_allclose(curves.deletion[0, 1], [expected, expected], atol=1e-6)


def test_p_value_of_an_order_no_better_than_random_is_not_small_too_often():
    """A "method" that is itself a random order: p <= 0.05 in about 1/31 of draws, never more
    than chance allows (valid), while the true order gets the smallest p-value every time."""
    model = _linear([2.0, -1.0, 0.5, 0.0, 1.5, 0.0])
    ctx = _ctx(model, 6)
    small, best = 0, 0
    for seed in range(60):
        X = torch.randn(8, 6, generator=torch.Generator().manual_seed(seed))
        target = model(X).argmax(1)
        noise = np.random.default_rng(1000 + seed).random((8, 6))
        truth = (X * model.weight[1] * (2 * target[:, None] - 1)).detach().numpy()
        found = method_curves(
            ctx, X, target, {"noise": noise, "truth": truth}, steps=6, orders=30, seed=seed
        )
        small += found["noise"].deletion_p_value <= 0.05
        best += found["truth"].deletion_p_value == pytest.approx(1 / 31)
    assert small <= 6  # 60 draws at 1/31: 1.9 expected, P(> 6) < 0.5%
    assert best == 60


def test_positions_rank_highest_first():
    assert positions(np.array([[0.2, -1.0, 3.0]])).tolist() == [[1, 2, 0]]


class _Spy:
    """A method that records which layers differ from the trained model at each call."""

    def __init__(self, model):
        self.trained = {k: v.clone() for k, v in model.state_dict().items()}
        self.calls: list[set[str]] = []

    def __call__(self, ctx, X, target):
        changed = {
            k.rsplit(".", 1)[0]
            for k, v in ctx.model.state_dict().items()
            if not torch.equal(v, self.trained[k])
        }
        self.calls.append(changed)
        with torch.enable_grad():
            x = X.clone().requires_grad_(True)
            ctx.model(x).gather(1, target[:, None]).sum().backward()
        return Explanation(x.grad.abs().numpy())


def _mlp(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(6, 8),
        torch.nn.ReLU(),
        torch.nn.Linear(8, 8),
        torch.nn.ReLU(),
        torch.nn.Linear(8, 2),
    ).eval()


def test_the_cascade_redraws_from_the_top_one_layer_more_each_step():
    model = _mlp()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    assert layer_stages(model, torch.zeros(1, 6), 3) == [["4"], ["2"], ["0"]]
    spy = _Spy(model)
    spec = MethodSpec("spy", "Spy", "gradient", ("tabular",), spy)
    X = torch.randn(10, 6, generator=torch.Generator().manual_seed(1))
    target = model(X).argmax(1)
    found = randomization_test(
        _ctx(model, 6), spec, X, target, spy(_ctx(model, 6), X, target).attributions, seed=0
    )
    # the first call was the trained model's; then the cascade, each lower layer alone, and
    # two more draws of the whole model
    everything = {"4", "2", "0"}
    assert spy.calls == [set(), {"4"}, {"4", "2"}, everything, {"2"}, {"0"}, *[everything] * 2]
    assert found.stages == ["4", "2", "0"] and len(found.cascade) == len(found.independent) == 3
    assert found.cascade[0] == found.independent[0]  # the top layer alone is computed once
    assert found.full == found.cascade[-1] == pytest.approx(np.nanmean(found.rows))
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # untouched
    low, high = found.interval()
    assert low < found.full < high


def test_the_redrawn_weights_never_repeat_a_model_built_from_the_runs_seed():
    """A model built after ``torch.manual_seed(seed)`` must not be re-drawn into itself."""
    model = _mlp(seed=0)
    saliency = METHODS["saliency"]
    X = torch.randn(16, 6, generator=torch.Generator().manual_seed(2))
    target = model(X).argmax(1)
    ctx = _ctx(model, 6)
    found = randomization_test(
        ctx, saliency, X, target, saliency.explain(ctx, X, target).attributions, seed=0
    )
    assert found.full < 0.9


def test_stages_group_consecutive_layers_when_there_are_more_than_asked():
    model = _mlp()
    assert layer_stages(model, torch.zeros(1, 6), 2) == [["4", "2"], ["0"]]
    assert layer_stages(model, torch.zeros(1, 6), 1) == [["4", "2", "0"]]


def _metric(name, verdict, scope=None, value=0.5):
    return Metric(name, value, verdict=verdict, scope=scope)


def test_badges_count_trusted_caution_and_unreliable_apart():
    metrics = [
        _metric("deletion_p_value", "pass", "a"),
        _metric("randomization_spearman", "pass", "a"),
        _metric("deletion_p_value", "pass", "b"),
        _metric("randomization_spearman", "warn", "b"),
        _metric("deletion_p_value", "fail", "c"),
        _metric("randomization_spearman", "warn", "c"),
        _metric("deletion_p_value", "info", "d"),
        _metric("infidelity", "info", "a"),  # not a trust test: no say in the badge
    ]
    found = badges(metrics)
    assert {m: b.status for m, b in found.items()} == {
        "a": "trusted",
        "b": "caution",
        "c": "unreliable",
        "d": "caution",
    }
    assert found["c"].text == "unreliable: deletion_p_value (caution: randomization_spearman)"
    assert found["d"].text == "caution: deletion_p_value not judged"
    assert count_sentence(found, {"a": "A"}) == (
        "1 of 4 methods trusted (A); 2 caution; 1 unreliable."
    )


def test_a_model_without_skill_flags_every_method():
    metrics = [
        _metric("deletion_p_value", "pass", "a"),
        _metric("deletion_p_value", "fail", "b"),
        _metric("model_skill_p_value", "warn"),
    ]
    found = badges(metrics)
    assert found["a"] == Badge("a", "caution", [], ["model_skill_p_value"], [])
    assert found["b"].status == "unreliable"


def test_model_skill_p_value_separates_skill_from_none():
    from types import SimpleNamespace

    from audit.explain._evidence import model_skill

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    noise = rng.random(200)
    blind = SimpleNamespace(y_test=y, predict_proba=lambda _: np.c_[1 - noise, noise])
    sharp = np.where(y == 1, 0.8, 0.2)
    skilled = SimpleNamespace(y_test=y, predict_proba=lambda _: np.c_[1 - sharp, sharp])
    assert model_skill(skilled, seed=0).value == pytest.approx(0.001)
    assert model_skill(blind, seed=0).value > 0.2
    # a valid p-value: random labels give p <= 0.05 in about 5% of draws
    small = 0
    for seed in range(100):
        y = np.random.default_rng(seed).integers(0, 2, 60)
        subject = SimpleNamespace(
            y_test=y, predict_proba=lambda _: np.c_[1 - noise[:60], noise[:60]]
        )
        small += model_skill(subject, seed=seed, permutations=199).value <= 0.05
    assert small <= 10  # 100 draws at 5%: 5 expected, P(> 10) < 2%


def _importance_section(trusted_verdict: str) -> Section:
    """A section with two methods: b always trusted, a trusted or not by ``trusted_verdict``."""
    labels = ["age", "income", "sex"]
    shares = {"a": np.array([0.1, 0.2, 0.7]), "b": np.array([0.5, 0.3, 0.2])}
    table = importance_table(
        labels, shares, ["a", "b"], unit="feature", top_k=10, every_row=True, caption="Rows."
    )
    flags = Table(
        "sensitive_features",
        "",
        list(SENSITIVE_COLUMNS),
        [["sex", "sex", "itself", None, False, 1, ""]],
    )
    metrics = [
        _metric("deletion_p_value", trusted_verdict, "a"),
        _metric("deletion_p_value", "pass", "b"),
        Metric("sensitive_feature_rank", 1.0, verdict="warn"),
    ]
    metrics[-1].threshold = audit.Threshold(warn=1.5, higher_is_better=True)
    return Section("explainability", "Explainability", metrics=metrics, tables=[table, flags])


def test_the_headline_ranks_by_trusted_methods_only():
    table = _importance_section("pass").tables[0]
    assert [row[0] for row in table.rows] == ["sex", "age", "income"]  # means .45 .30 .25
    assert [row[1] for row in table.rows] == pytest.approx([0.45, 0.30, 0.25])
    rerank(table, ["b"])
    assert rank_of(table) == {"age": 1, "income": 2, "sex": 3}
    assert table.caption == "Ranked by the mean share of the trusted methods: b. Rows."
    rerank(table, [])
    assert rank_of(table) is None and [row[1] for row in table.rows] == [None] * 3
    assert [row[0] for row in table.rows] == ["age", "income", "sex"]  # alphabetical
    assert table.columns[:2] == ["feature", HEADLINE] and table.caption.endswith(" Rows.")


@pytest.mark.parametrize(
    ("verdict", "summary", "rank", "sensitive"),
    [
        ("pass", "2 of 2 methods trusted (a, b); 0 caution; 0 unreliable.", 1, "warn"),
        ("fail", "1 of 2 methods trusted (b); 0 caution; 1 unreliable.", 3, "pass"),
    ],
)
def test_conclude_ranks_again_under_the_policys_verdicts(verdict, summary, rank, sensitive):
    from audit.checks._explainability import conclude

    section = _importance_section(verdict)
    conclude(section)
    assert section.summary.startswith(summary)
    flags = section.table("sensitive_features")
    assert flags.rows[0][3] == rank and flags.rows[0][4] == (rank == 1)
    metric = next(m for m in section.metrics if m.name == "sensitive_feature_rank")
    assert metric.value == rank and metric.verdict == sensitive
    assert [row[-1].split(":")[0] for row in section.table("trust").rows] == [
        "trusted" if verdict == "pass" else "unreliable",
        "trusted",
    ]


def test_with_no_trusted_method_there_is_no_ranking_nor_sensitive_rank():
    from audit.checks._explainability import conclude

    section = _importance_section("fail")
    section.metrics[1].verdict = "warn"
    conclude(section)
    assert "0 of 2 methods trusted; 1 caution; 1 unreliable." in section.summary
    assert "No headline importance" in section.summary
    metric = next(m for m in section.metrics if m.name == "sensitive_feature_rank")
    assert metric.value is None and metric.verdict == "info" and "no method" in metric.note
    assert section.table("sensitive_features").rows[0][3:5] == [None, False]
    assert rank_of(section.table("global_importance")) is None
