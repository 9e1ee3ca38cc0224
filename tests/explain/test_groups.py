"""Attributions in original features: grouping encoded columns (issue: tabular explanations)."""

import numpy as np
import pandas as pd
import pytest
import torch

from audit.config import ExplainSettings
from audit.errors import AuditInputError
from audit.explain import METHODS, ExplainContext
from audit.explain._groups import feature_mask, group_attributions, group_index, sensitive_proxies

NAMES = ["color=red", "color=blue", "size", "shape=round", "shape=square"]
GROUPS = {"color": ["color=red", "color=blue"], "shape": ["shape=round", "shape=square"]}
W = [1.0, -2.0, 0.5, 3.0, -1.0]


def _setup():
    model = torch.nn.Linear(5, 2)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.0] * 5, W]))
        model.bias.zero_()
    X = torch.tensor([[1.0, 0.0, 2.0, 0.0, 1.0], [0.0, 1.0, -1.0, 1.0, 0.0]])
    baseline = torch.tensor([0.5, 0.5, 0.0, 0.5, 0.5])
    names, index = group_index(NAMES, GROUPS)
    ctx = ExplainContext(
        model.eval(),
        baseline,
        baseline[None],
        ExplainSettings(),
        "tabular",
        {"feature_mask": feature_mask(index)},
    )
    return model, X, baseline, names, index, ctx


def test_group_index_keeps_ungrouped_columns():
    names, index = group_index(NAMES, GROUPS)
    assert names == ["color", "size", "shape"] and index.tolist() == [0, 0, 1, 2, 2]
    with pytest.raises(
        AuditInputError, match="feature_groups: expected columns of the model input"
    ):
        group_index(NAMES, {"x": ["nope"]})


def test_gradient_groups_are_sums_and_keep_completeness():
    model, X, baseline, _, index, ctx = _setup()
    target = torch.ones(2, dtype=torch.int64)
    columns = METHODS["integrated_gradients"].explain(ctx, X, target).attributions
    grouped = group_attributions(columns, index)
    np.testing.assert_allclose(grouped[:, 0], columns[:, 0] + columns[:, 1], atol=1e-6)
    np.testing.assert_allclose(grouped[:, 2], columns[:, 3] + columns[:, 4], atol=1e-6)
    gap = (model(X) - model(baseline[None]))[:, 1].detach().numpy()
    np.testing.assert_allclose(grouped.sum(1), gap, atol=1e-5)


def test_ablating_a_group_at_once_gives_the_closed_form():
    _, X, baseline, _, index, ctx = _setup()
    target = torch.ones(2, dtype=torch.int64)
    columns = METHODS["feature_ablation"].explain(ctx, X, target).attributions
    grouped = group_attributions(columns, index, perturbed_as_groups=True)
    contribution = np.asarray(W) * (X - baseline).numpy()  # linear: ablation is exact
    expected = np.stack(
        [contribution[:, 0:2].sum(1), contribution[:, 2], contribution[:, 3:5].sum(1)], 1
    )
    np.testing.assert_allclose(grouped, expected, atol=1e-6)
    assert columns[0, 0] == columns[0, 1]  # captum gives each column of the group its value


def test_proxies_of_a_sensitive_feature():
    rng = np.random.default_rng(0)
    sex = rng.choice(["f", "m"], 500)
    raw = pd.DataFrame(
        {
            "job": np.where(rng.random(500) < 0.9, sex, "x"),  # follows sex closely
            "noise": rng.choice(["a", "b"], 500),
            "height": np.where(sex == "m", 178.0, 165.0) + rng.normal(0, 3, 500),
            "sex": sex,
        }
    )
    proxies = sensitive_proxies(raw, pd.DataFrame({"sex": sex}), threshold=0.3)["sex"]
    names = [name for name, _ in proxies]
    assert (
        names[:2] in (["height", "job"], ["job", "height"])
        and "noise" not in names
        and "sex" not in names
    )


@pytest.fixture(scope="module")
def credit_sections():
    import audit

    settings = {"seed": 0, "explainability": {"n_samples": 64, "trust_samples": 8}}
    out = {}
    for variant in ("default", "biased"):
        subject = audit.reference("credit", seed=0, variant=variant)
        out[variant] = (
            subject,
            audit.run(subject, checks=["explainability"], config=settings).section(
                "explainability"
            ),
        )
    return out


def test_credit_global_ranking_names_original_features_only(credit_sections):
    subject, section = credit_sections["default"]
    ranked = [row[0] for row in section.table("global_importance").rows]
    assert set(ranked) <= set(subject.feature_groups) and "checking_account" in ranked
    assert not any("=" in name for name in ranked)
    local = section.table("local").rows[0][-1]
    assert "checking_account = " in local and "checking_account=" not in local
    detail = [row[0] for row in section.table("global_importance_columns").rows]
    assert any("=" in name for name in detail)  # the encoded view stays as a detail table
    grouping = dict(section.table("grouping").rows)
    assert grouping["Feature ablation"].startswith("the whole group perturbed at once")
    assert grouping["Integrated Gradients"].startswith("sum of the encoded columns")


def test_sensitive_feature_flag_fires_on_the_biased_credit_control(credit_sections):
    _, biased = credit_sections["biased"]
    rows = {(r[0], r[1]): r for r in biased.table("sensitive_features").rows}
    assert rows[("sex", "sex")][3] == 1 and rows[("sex", "sex")][4] is True
    assert biased.metric("sensitive_feature_rank").value == 1.0
    assert biased.metric("sensitive_feature_rank").verdict == "warn"
    assert any(note.startswith("Sensitive feature sex ranks #1") for note in biased.notes)
    _, default = credit_sections["default"]
    assert {(r[0], r[1]): r for r in default.table("sensitive_features").rows}[("sex", "sex")][
        3
    ] > 1


def test_a_users_dataframe_encoded_by_the_suite_is_explained_in_its_own_features():
    import audit
    from audit.datasets import TabularEncoder
    from audit.training import Recipe, fit

    rng = np.random.default_rng(0)
    n = 400
    raw = pd.DataFrame(
        {
            "region": rng.choice(["north", "south", "east"], n),
            "income": rng.normal(50, 10, n),
            "noise": rng.normal(0, 1, n),
        }
    )
    y = ((raw["region"] == "north") | (raw["income"] > 55)).astype(np.int64).to_numpy()
    encoder = TabularEncoder().fit(raw[:300])
    X_train, X_test = (
        encoder.transform(raw[:300]),
        encoder.transform(raw[300:]).reset_index(drop=True),
    )
    assert encoder.feature_groups["region"] == ["region=east", "region=north", "region=south"]
    torch.manual_seed(0)
    model = audit.models.MLP(X_train.shape[1], 2, hidden=(16,), dropout=0.0)
    fit(
        model,
        (torch.tensor(X_train.to_numpy()), torch.tensor(y[:300])),
        recipe=Recipe(epochs=60, lr=1e-2),
    )
    subject = audit.Subject(
        model,
        (X_train, y[:300]),
        (X_test, y[300:]),
        **encoder.subject_hints(raw[:300], raw[300:]),
    )
    settings = {
        "explainability": {"n_samples": 50, "trust_samples": 6, "methods": ["integrated_gradients"]}
    }
    section = audit.run(subject, checks=["explainability"], config=settings).section(
        "explainability"
    )
    ranked = [row[0] for row in section.table("global_importance").rows]
    assert ranked[-1] == "noise" and set(ranked) == {"region", "income", "noise"}
    assert "region = " in section.table("local").rows[0][-1]


def test_encoder_errors_name_the_argument():
    from audit.datasets import TabularEncoder

    with pytest.raises(
        AuditInputError, match=r"categorical: expected columns of the frame, got unknown \['x'\]"
    ):
        TabularEncoder(categorical=["x"]).fit(pd.DataFrame({"a": [1.0]}))
    encoder = TabularEncoder().fit(pd.DataFrame({"a": [1.0, 2.0]}))
    with pytest.raises(AuditInputError, match="frame: expected the columns"):
        encoder.transform(pd.DataFrame({"b": [1.0]}))


def _group_setup(model, columns=7, rows=12, seed=0):
    names = [f"c{i}" for i in range(columns)]
    groups = {"a": names[0:3], "b": names[3:5], "c": names[5:6], "d": names[6:7]}
    _, index = group_index(names, groups)
    X = torch.randn(rows, columns, generator=torch.Generator().manual_seed(seed))
    baseline = torch.randn(columns, generator=torch.Generator().manual_seed(seed + 1)) * 0.1
    ctx = ExplainContext(
        model.eval(),
        baseline,
        baseline[None].repeat(8, 1),
        ExplainSettings(ig_steps=200, ig_max_steps=800, ig_tolerance=1e-4),
        "tabular",
        {"feature_mask": feature_mask(index)},
    )
    return X, baseline, index, ctx


def test_group_sums_of_complete_methods_are_exact_shapley_values_on_a_linear_model():
    """Every method whose attributions add up to f(x) - f(baseline) on a linear model (the
    gradient methods but Saliency, SHAP, ablation) gives each group its exact Shapley value."""
    from audit.explain import methods_for
    from audit.explain._groups import exact_group_shapley

    torch.manual_seed(0)
    model = torch.nn.Linear(7, 2)
    X, baseline, index, ctx = _group_setup(model)
    target = model(X).argmax(1)
    exact = exact_group_shapley(model, X, baseline, index, target)
    gap = (model(X) - model(baseline[None])).gather(1, target[:, None])[:, 0].detach().numpy()
    np.testing.assert_allclose(exact.sum(1), gap, atol=1e-5)  # efficiency
    complete = []
    for spec in methods_for("tabular"):
        columns = spec.explain(ctx, X, target).attributions
        grouped = group_attributions(
            columns, index, perturbed_as_groups=spec.kind == "perturbation"
        )
        if np.allclose(grouped.sum(1), gap, atol=1e-4):
            complete.append(spec.name)
            np.testing.assert_allclose(grouped, exact, atol=1e-4, err_msg=spec.name)
    assert "integrated_gradients" in complete and "saliency" not in complete
    assert len(complete) >= 4


def test_integrated_gradients_group_sums_rank_groups_as_exact_shapley_on_a_small_mlp():
    from scipy.stats import spearmanr

    from audit.explain._groups import exact_group_shapley

    torch.manual_seed(3)
    model = torch.nn.Sequential(torch.nn.Linear(7, 12), torch.nn.Tanh(), torch.nn.Linear(12, 2))
    X, baseline, index, ctx = _group_setup(model, rows=40, seed=4)
    target = model(X).argmax(1)
    exact = exact_group_shapley(model, X, baseline, index, target)
    ig = group_attributions(
        METHODS["integrated_gradients"].explain(ctx, X, target).attributions, index
    )
    # both share out the same f(x) - f(baseline) (completeness, efficiency)
    np.testing.assert_allclose(ig.sum(1), exact.sum(1), atol=1e-3)
    rho = [spearmanr(ig[i], exact[i]).statistic for i in range(len(X))]
    assert (
        np.mean(rho) > 0.9
        and np.mean(np.argmax(np.abs(ig), 1) == np.argmax(np.abs(exact), 1)) > 0.9
    )
    # and so does the global importance: the groups in the same order
    assert np.argsort(-np.abs(ig).mean(0)).tolist() == np.argsort(-np.abs(exact).mean(0)).tolist()
    assert np.abs(ig - exact).max() < 0.25 * np.abs(exact).max()
