"""Explainability on tabular models: closed forms, sanity tests and the credit section."""

import numpy as np
import pytest
import torch

import audit
from audit.config import ExplainSettings
from audit.explain import METHODS, ExplainContext, Explanation, MethodSpec, methods_for
from audit.explain import _trust as trust
from audit.explain._faithfulness import method_curves
from audit.explain._randomization import randomization_test

SETTINGS = ExplainSettings(n_samples=32, trust_samples=16)


def _linear(weights, bias=0.0):
    model = torch.nn.Linear(len(weights), 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.0] * len(weights), weights]))
        model.bias.copy_(torch.tensor([0.0, bias]))
    return model.eval()


def _ctx(model, baseline, background=None):
    background = background if background is not None else baseline.unsqueeze(0).repeat(8, 1)
    return ExplainContext(model, baseline, background, SETTINGS, "tabular")


def test_integrated_gradients_equals_the_closed_form_on_a_linear_model():
    w = [2.0, -1.0, 0.5]
    model = _linear(w)
    baseline = torch.tensor([0.5, 0.5, 0.5])
    X = torch.randn(10, 3, generator=torch.Generator().manual_seed(0))
    target = torch.ones(10, dtype=torch.int64)
    out = METHODS["integrated_gradients"].explain(_ctx(model, baseline), X, target)
    expected = np.asarray(w) * (X - baseline).numpy()
    np.testing.assert_allclose(out.attributions, expected, rtol=1e-5, atol=1e-6)
    assert out.delta.max() < 1e-4  # completeness: Σ attributions = f(x) − f(baseline)
    np.testing.assert_allclose(
        out.attributions.sum(1),
        (model(X) - model(baseline[None]))[:, 1].detach().numpy(),
        atol=1e-5,
    )


@pytest.mark.parametrize("name", ["deeplift", "feature_ablation", "shap"])
def test_other_methods_equal_the_closed_form_on_a_linear_model(name):
    w = [1.5, 0.0, -2.0]
    model = _linear(w)
    baseline = torch.zeros(3)
    X = torch.randn(6, 3, generator=torch.Generator().manual_seed(1))
    out = METHODS[name].explain(_ctx(model, baseline), X, torch.ones(6, dtype=torch.int64))
    np.testing.assert_allclose(out.attributions, np.asarray(w) * X.numpy(), atol=1e-4)


def test_deletion_curve_ranks_the_only_used_feature_first():
    model = _linear([3.0, 0.0, 0.0, 0.0])
    X = torch.randn(40, 4, generator=torch.Generator().manual_seed(2)).abs() + 0.5
    target = torch.ones(40, dtype=torch.int64)
    ctx = _ctx(model, torch.zeros(4))
    attributions = METHODS["integrated_gradients"].explain(ctx, X, target).attributions
    assert (np.abs(attributions).argmax(1) == 0).all()
    curves = method_curves(ctx, X, target, {"ig": attributions}, steps=4, orders=30, seed=0)["ig"]
    # deleting the top quarter (feature 0) already drops the probability to the baseline's 0.5
    assert curves.deletion[1] == pytest.approx(0.5, abs=1e-6)
    assert curves.deletion_gain > 0.05 and curves.insertion_gain > 0.05
    # no random order of 40 rows puts feature 0 first in every row: the smallest p-value
    assert curves.deletion_p_value == curves.insertion_p_value == pytest.approx(1 / 31)


def _fake_explain(ctx, X, target):
    return Explanation(np.abs(X.numpy()))  # the input itself: ignores the weights


def test_randomization_test_flags_a_method_that_ignores_the_weights():
    model = torch.nn.Sequential(
        torch.nn.Linear(5, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2)
    ).eval()
    X = torch.randn(20, 5, generator=torch.Generator().manual_seed(3))
    target = torch.ones(20, dtype=torch.int64)
    ctx = _ctx(model, torch.zeros(5))
    fake = MethodSpec("fake", "Fake", "gradient", ("tabular",), _fake_explain)
    found = randomization_test(
        ctx, fake, X, target, _fake_explain(ctx, X, target).attributions, seed=0
    )
    assert found.cascade == found.independent == [pytest.approx(1.0)] * 2
    saliency = METHODS["saliency"]
    rho = randomization_test(
        ctx, saliency, X, target, saliency.explain(ctx, X, target).attributions, seed=0
    ).full
    assert rho < 0.5
    judged = audit.Policy().judge(
        audit.Metric("randomization_spearman", found.full, ci=found.interval())
    )
    assert judged.verdict == "fail"


def test_rank_correlation_matches_scipy():
    from scipy.stats import spearmanr

    rng = np.random.default_rng(0)
    a, b = rng.random((5, 12)), rng.random((5, 12))
    expected = [spearmanr(a[i], b[i]).statistic for i in range(5)]
    np.testing.assert_allclose(trust.rank_correlation(a, b), expected, atol=1e-12)


def test_localisation_against_chance():
    attributions = np.array([[0.0, 2.0, 0.0, 2.0], [1.0, 1.0, 1.0, 1.0]])
    truth = np.array([[0, 1, 0, 1], [0, 1, 0, 0]])
    share, chance = trust.localisation(attributions, truth)
    assert share == pytest.approx((1.0 + 0.25) / 2) and chance == pytest.approx(3 / 8)


def test_method_registry_by_modality():
    assert [m.name for m in methods_for("tabular")] == [
        "integrated_gradients",
        "saliency",
        "deeplift",
        "gradient_shap",
        "feature_ablation",
        "shap",
    ]
    assert {m.name for m in methods_for("image")} >= {"gradcam", "occlusion", "saliency"}
    with pytest.raises(
        audit.AuditInputError, match=r"explainability\.methods: expected names from"
    ):
        methods_for("tabular", ["gradcam"])


@pytest.fixture(scope="module")
def credit_section(credit_subject):
    from audit.checks import _explainability

    result = audit.run(
        credit_subject, checks=["explainability"], config={"explainability": SETTINGS.model_dump()}
    )
    return result.section("explainability"), _explainability


@pytest.mark.parametrize("method", [m.name for m in methods_for("tabular")])
def test_every_tabular_method_runs_on_credit_with_trust_evidence(credit_section, method):
    section, _ = credit_section
    keys = {m.key for m in section.metrics if m.scope == method}
    assert {f"deletion_gain[{method}]", f"randomization_spearman[{method}]"} <= keys
    assert method in section.table("global_importance").columns
    if method == "integrated_gradients":
        assert section.metric("completeness_gap[integrated_gradients]").value < 0.01


def test_credit_section_has_badges_local_rows_and_agreement(credit_section):
    from audit.explain._badges import badges

    section, _ = credit_section
    table = section.table("trust")
    found = {row[0]: row[-1] for row in table.rows}
    assert set(found) == {m.label for m in methods_for("tabular")}
    assert all(b.startswith(("trusted", "caution: ", "unreliable: ")) for b in found.values())
    rows = section.table("local").rows
    roles = [role for row in rows for role in row[0].split("; ")]
    assert rows[0][0].startswith("most confident right")
    assert "sex = female" in roles and "age_group = <=25" in roles
    test_rows = [row[1] for row in rows]
    assert len(test_rows) == len(set(test_rows))  # a row picked for several roles shows once
    matrix = section.table("agreement")
    assert [row[i + 1] for i, row in enumerate(matrix.rows)] == [1.0] * len(matrix.rows)
    # the summary counts the badges as the table shows them, each status apart
    statuses = [b.status for b in badges(section.metrics).values()]
    trusted = [m for m, b in badges(section.metrics).items() if b.status == "trusted"]
    assert (
        f"{statuses.count('trusted')} of {len(statuses)} methods trusted" in section.summary
        and f"{statuses.count('caution')} caution; {statuses.count('unreliable')} unreliable."
        in section.summary
    )
    assert sum(b == "trusted" for b in found.values()) == statuses.count("trusted")
    # the headline ranks by the trusted methods' mean share, every method kept as evidence
    importance = section.table("global_importance")
    index = {c: i for i, c in enumerate(importance.columns)}
    assert {m.name for m in methods_for("tabular")} <= set(index)
    if trusted:
        means = [np.mean([row[index[m]] for m in trusted]) for row in importance.rows]
        assert [row[1] for row in importance.rows] == pytest.approx(means)
        assert means == sorted(means, reverse=True)


class _NumpyModel(torch.nn.Module):
    """A plain predict function: numpy inside, so no gradients reach the input."""

    def forward(self, x):
        score = x.detach().numpy() @ np.array([1.0, -1.0, 0.5], dtype=np.float32)
        return torch.as_tensor(np.stack([-score, score], axis=1))


def test_a_model_without_gradients_gets_kernel_shap_and_perturbation_methods():
    from audit.explain._methods import is_differentiable

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3)).astype(np.float32)
    y = (X[:, 0] - X[:, 1] > 0).astype(np.int64)
    subject = audit.Subject(_NumpyModel(), (X, y), (X, y))
    assert not is_differentiable(subject.model, subject.X_test[0])
    assert [m.name for m in methods_for("tabular", differentiable=False)] == [
        "feature_ablation",
        "kernel_shap",
    ]
    settings = ExplainSettings(n_samples=12, trust_samples=6, background=20)
    result = audit.run(
        subject, checks=["explainability"], config={"explainability": settings.model_dump()}
    )
    section = result.section("explainability")
    table = section.table("global_importance")
    assert table.columns == [
        "feature",
        "trusted mean",
        *(m.name for m in methods_for("tabular", differentiable=False)),
    ]
    # by each method's own share, the weights 1 and -1 dominate 0.5
    for j in range(2, len(table.columns)):
        assert {row[0] for row in sorted(table.rows, key=lambda r, j=j: -r[j])[:2]} == {"x0", "x1"}
    with pytest.raises(
        audit.AuditInputError, match=r"explainability\.methods: expected methods without gradients"
    ):
        methods_for("tabular", ["integrated_gradients"], differentiable=False)
