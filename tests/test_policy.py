import pytest

from audit.config import load_config
from audit.errors import ConfigError
from audit.policy import DEFAULT_THRESHOLDS, Policy
from audit.results import Metric, Section, Threshold


@pytest.mark.parametrize(
    ("value", "verdict"),
    [
        (0.95, "pass"),
        (0.85, "warn"),
        (0.80, "warn"),
        (0.7999, "fail"),
        (0.9, "pass"),
        (0.8999, "warn"),
        (None, "info"),  # not estimable (0/0) is not judged
    ],
)
def test_higher_is_better_verdicts_flip_at_the_limits(value, verdict):
    threshold = Threshold(warn=0.9, fail=0.8, higher_is_better=True)
    assert threshold.judge(value) == verdict


@pytest.mark.parametrize(
    ("value", "verdict"), [(0.05, "pass"), (0.0501, "warn"), (0.1, "warn"), (0.1001, "fail")]
)
def test_lower_is_better_verdicts_flip_at_the_limits(value, verdict):
    assert DEFAULT_THRESHOLDS["accuracy_gap"].judge(value) == verdict


def test_scoped_metrics_use_the_threshold_of_their_name():
    metric = Policy().judge(Metric("demographic_parity_ratio", 0.75, scope="sex"))
    assert (
        metric.verdict == "fail"
        and metric.threshold == DEFAULT_THRESHOLDS["demographic_parity_ratio"]
    )


def test_metric_without_threshold_keeps_its_verdict():
    assert Policy().judge(Metric("train_accuracy", 0.1)).verdict == "info"


def test_section_verdict_is_the_worst_of_its_metrics():
    section = Section("s", "S", metrics=[Metric("test_accuracy", 0.9), Metric("ece", 0.1)])
    assert Policy().apply(section).verdict == "warn"


def test_overrides_keep_the_default_direction_and_missing_limits():
    policy = Policy.from_overrides({"test_accuracy": {"fail": 0.9}})
    assert policy.thresholds["test_accuracy"] == Threshold(
        warn=0.70, fail=0.9, higher_is_better=True
    )
    assert policy.judge(Metric("test_accuracy", 0.85)).verdict == "fail"


def test_a_new_metric_with_only_a_band_is_judged_by_the_band():
    policy = Policy.from_overrides({"my_ratio": {"band": [0.8, 1.25]}})
    assert policy.thresholds["my_ratio"].band == [0.8, 1.25]
    assert policy.judge(Metric("my_ratio", 1.0)).verdict == "pass"
    assert policy.judge(Metric("my_ratio", 1.3)).verdict == "fail"


def test_new_metric_needs_a_direction():
    with pytest.raises(
        ConfigError, match=r"policy.thresholds.my_metric: expected 'higher_is_better'"
    ):
        Policy.from_overrides({"my_metric": {"fail": 1.0}})
    policy = Policy.from_overrides({"my_metric": {"fail": 1.0, "higher_is_better": False}})
    assert policy.judge(Metric("my_metric", 2.0)).verdict == "fail"


def test_config_yaml_overrides_thresholds(tmp_path):
    path = tmp_path / "audit.yaml"
    path.write_text(
        "seed: 4\npolicy:\n  thresholds:\n    ece: {warn: 0.01}\nfairness:\n  min_group_size: 5\n"
    )
    config = load_config(path)
    assert config.seed == 4 and config.fairness.min_group_size == 5
    assert config.policy.thresholds["ece"].warn == 0.01


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("sede: 1\n", "config: sede: Extra inputs are not permitted"),
        ("seed: many\n", "config: seed: Input should be a valid integer"),
        (
            "policy:\n  thresholds:\n    ece: {warn: high}\n",
            "config: policy.thresholds.ece.warn: Input should be a valid number",
        ),
        (
            "checks: [performance, magic]\n",
            "config: checks: unknown check(s) ['magic']; registered: ['data', 'performance'",
        ),
        ("- a\n- b\n", "config: expected a mapping of keys to values, got list."),
        ("seed: [unclosed\n", "is not valid YAML"),
    ],
)
def test_bad_config_names_the_key(tmp_path, text, message):
    path = tmp_path / "audit.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert message in str(info.value)


def test_missing_config_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="config: cannot read"):
        load_config(tmp_path / "missing.yaml")
