"""The suite's checks on Hugging Face subjects: real numbers in every section."""

from __future__ import annotations

import numpy as np
import pytest

import audit
from audit.compute._section import count_flops

#: Small settings: a run of every check in a few seconds.
SMALL = {
    "explainability": {"n_samples": 16, "trust_samples": 4, "ig_steps": 16, "ig_max_steps": 32},
    "fairness": {"mitigation": False},
    "privacy": {"shadow_models": 0},
    "robustness": {"rows": 64, "resamples": 100, "attacks": ["fgsm"]},
}


@pytest.fixture(scope="module")
def bert_result(bert) -> audit.AuditResult:
    subject, _ = bert
    return audit.run(subject, config=SMALL)


def test_every_check_runs_on_the_bert_subject(bert_result):
    ids = [section.id for section in bert_result.sections]
    assert {
        "data",
        "performance",
        "explainability",
        "fairness",
        "robustness",
        "privacy",
        "compute",
    } <= set(ids)
    assert bert_result.section("performance").metric("test_accuracy").value > 0.8


def test_explainability_has_attributions_attention_and_evidence(bert_result):
    section = bert_result.section("explainability")
    assert section.metric("rollout_ig_spearman").value is not None
    lift = section.metric("localisation_lift[layer_integrated_gradients]").value
    assert lift > 1.5  # the planted sentiment words get more than their share
    tables = {table.id for table in section.tables}
    assert {"cls_attention", "token_attributions"} <= tables


def test_fairness_is_judged_by_each_sensitive_column(bert_result):
    scopes = {m.scope for m in bert_result.section("fairness").metrics}
    assert {"name_group", "group_term"} <= scopes
    counterfactual = bert_result.section("robustness").metric(
        "counterfactual_flip_rate[group_term]"
    )
    # pairs of names that the WordPiece vocabulary keeps whole have their ids swapped
    assert counterfactual.n >= 10


def test_privacy_runs_the_loss_attack(bert_result):
    auc = bert_result.section("privacy").metric("mia_auc[loss_threshold]").value
    assert 0.3 < auc < 0.8


def test_compute_counts_parameters_and_flops(bert, bert_result):
    subject, _ = bert
    section = bert_result.section("compute")
    parameters = sum(p.numel() for p in subject.model.parameters())
    assert section.metric("n_parameters").value == parameters
    assert parameters == sum(p.numel() for p in subject.model.model.parameters())
    flops = count_flops(subject.model, subject.X_test[:1])
    assert section.metric("flops_per_example").value == pytest.approx(sum(flops.values()), rel=0.01)
    assert sum(flops.values()) > 2 * parameters  # a multiply-add per weight and token, at least


def test_gpt2_subject_runs_explainability_and_compute(gpt2):
    subject, _ = gpt2
    result = audit.run(subject, checks=["explainability", "compute"], config=SMALL)
    explain = result.section("explainability")
    assert np.isfinite(explain.metric("localisation_lift[layer_integrated_gradients]").value)
    assert result.section("compute").metric("n_parameters").value == sum(
        p.numel() for p in subject.model.parameters()
    )


def test_lira_trains_shadow_models_with_the_trainer(bert, corpus):
    from audit.hf import from_transformers, tiny_bert
    from audit.recipe import Recipe

    subject, tokenizer = bert
    train, test = corpus.train, corpus.test
    made = from_transformers(
        subject.model.model,
        tokenizer,
        (train.sentences[:120], train.labels[:120]),
        (test.sentences[:120], test.labels[:120]),
        max_length=24,
        model_factory=lambda: tiny_bert(tokenizer, layers=1, hidden=32, intermediate=64),
        recipe=Recipe(epochs=1, batch_size=32, lr=2e-3),
    )
    config = {"privacy": {"shadow_models": 2, "utility_curve": False}}
    section = audit.run(made, checks=["privacy"], config=config).section("privacy")
    assert 0.0 <= section.metric("mia_auc[lira_offline]").value <= 1.0
