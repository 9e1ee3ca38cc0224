"""The gpt domain audited end to end: memorization and generation bias verdicts (slow)."""

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
