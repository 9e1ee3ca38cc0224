"""The gpt domain audited end to end: memorization, generation bias, overfitting (slow)."""

import pytest

import audit


@pytest.mark.slow
def test_the_most_repeated_canary_is_exposed_and_the_control_is_at_chance():
    subject = audit.reference("gpt", seed=0)
    section = audit.run(subject, checks=["memorization"]).section("memorization")
    assert section.metric("max_repetition_exposure").value > 12
    assert section.metric("control_exposure").value < 5
    assert section.metric("max_repetition_exposure").verdict == "fail"


@pytest.mark.slow
def test_the_biased_variant_fails_generation_bias_and_the_default_passes():
    verdicts = {}
    for variant in ("default", "biased"):
        subject = audit.reference("gpt", seed=0, variant=variant)
        section = audit.run(subject, checks=["generation_bias"]).section("generation_bias")
        verdicts[variant] = section.metric("sentiment_log_odds_gap[female vs male]").verdict
    assert verdicts == {"default": "pass", "biased": "fail"}


@pytest.mark.slow
def test_the_overfit_variant_fails_lm_performance_on_its_perplexity_gap_and_the_default_passes():
    sections = {
        variant: audit.run(audit.reference("gpt", seed=0, variant=variant),
                           checks=["lm_performance"]).section("lm_performance")
        for variant in ("default", "overfit")
    }  # fmt: skip
    overfit, default = sections["overfit"], sections["default"]
    # 200 sentences, 40 epochs: held-out perplexity well above training perplexity
    assert overfit.metric("perplexity_gap").value > 2.0 > default.metric("perplexity_gap").value
    assert (
        overfit.metric("heldout_perplexity").value > 1.5 * overfit.metric("train_perplexity").value
    )
    assert overfit.metric("perplexity_gap").verdict == "fail"
    assert default.metric("perplexity_gap").verdict == "pass"
    assert overfit.verdict == "fail" and default.verdict == "pass"
