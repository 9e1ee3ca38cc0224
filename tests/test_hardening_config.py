"""Hostile configuration: no hang, and one clean line naming the key or argument.

Config files (alias bombs, size, nesting, encoding, syntax, long values), seeds of any
size on every path a seed takes, and infinite or absurd DP parameters.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

import audit
from audit._seeds import SEED_MODULUS, as_seed
from audit.config import MAX_CONFIG_BYTES, load_config
from audit.errors import AuditInputError, ConfigError
from audit.privacy import epsilon_for, noise_for_epsilon
from audit.privacy._dp import checked_settings, fit_private
from audit.recipe import Recipe
from audit.runner import run_seed
from audit.settings import PrivacySettings
from tests.test_hardening_inputs import one_line_error

# -- config files: trust and size ------------------------------------------------------

ALIAS_BOMB = "a: &l0 [1,1,1,1,1,1,1,1,1]\n" + "".join(
    f"l{i}: &l{i} [{','.join([f'*l{i - 1}'] * 9)}]\n" for i in range(1, 9)
)

CONFIG_FILES = [
    (
        "alias bomb",
        ALIAS_BOMB,
        "is not valid YAML: line 2, column 10: YAML aliases (*l0) are not supported; "
        "write the value out.",
    ),
    (
        "merge key (an alias too)",
        "base: &b {seed: 1}\nother:\n  <<: *b\n",
        "is not valid YAML: line 3, column 7: YAML aliases (*b) are not supported; "
        "write the value out.",
    ),
    (
        "deep nesting",
        "a: " + "[" * 5000 + "]" * 5000 + "\n",
        "is not valid YAML: line 1, column 35: nesting deeper than 32 levels is not supported.",
    ),
    (
        "syntax error",
        "seed: 1\npolicy:\n  thresholds: {ece: [1,\n",
        "is not valid YAML: line 4, column 1: expected the node content, but found "
        "'<stream end>' (while parsing a flow node).",
    ),
    (
        "tab",
        "seed:\n\t- 1\n",
        "is not valid YAML: line 2, column 1: found character '\\t' that cannot start any "
        "token (while scanning for the next token).",
    ),
    (
        "long value is quoted by 80 characters",
        'seed: "' + "x" * 100_000 + '"\n',
        "config: seed: Input should be a valid integer, unable to parse string as an integer "
        "(got '" + "x" * 78 + "…)",
    ),
    (
        "infinite epsilon",
        "privacy: {epsilon: .inf}\n",
        "config: privacy.epsilon: Input should be a finite number (got inf)",
    ),
    (
        "negative seed",
        "seed: -1\n",
        "config: seed: Input should be greater than or equal to 0 (got -1)",
    ),
    (
        "boolean seed",
        "seed: true\n",
        "config: seed: expected a non-negative int, not a boolean (got True)",
    ),
    (
        "many wrong keys: five named, the rest counted",
        "".join(f"k{i}: 1\n" for i in range(8)),
        "k4: Extra inputs are not permitted (got 1); and 3 more problem(s)",
    ),
]


@pytest.mark.parametrize(
    ("case", "text", "message"), CONFIG_FILES, ids=[c[0] for c in CONFIG_FILES]
)
def test_bad_config_file_is_one_short_line(tmp_path, case, text, message):
    path = tmp_path / "audit.yaml"
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    got = one_line_error(lambda: load_config(path), ConfigError)
    assert time.perf_counter() - started < 5
    assert message in got
    assert len(got) < 400


def test_config_larger_than_the_cap_is_refused_unread(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: 1\n" + b"#" * MAX_CONFIG_BYTES)
    got = one_line_error(lambda: load_config(path), ConfigError)
    assert got == (
        f"config: expected a file of at most 1,000,000 bytes, got {str(path)!r}, which is larger."
    )


def test_config_that_is_not_utf8_names_the_byte(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"seed: \xe9\n")
    got = one_line_error(lambda: load_config(path), ConfigError)
    assert got == f"config: expected UTF-8 text, got {str(path)!r} with byte 0xe9 at position 6."


def test_anchor_without_alias_is_fine(tmp_path):
    path = tmp_path / "audit.yaml"
    path.write_text("seed: &s 5\n", encoding="utf-8")
    assert load_config(path).seed == 5


# -- seeds of any size ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seed"),
    [
        (0, 0),
        (7, 7),
        (2**32 - 1, 2**32 - 1),
        (2**32, 0),
        (2**32 + 7, 7),
        (10**30, 10**30 % 2**32),
        (np.int64(2**40 + 3), 3),
    ],
)
def test_seed_of_any_size_maps_to_a_generator_seed(value, seed):
    assert as_seed(value) == seed
    assert load_config({"seed": value}).seed == seed
    np.random.RandomState(as_seed(value))  # the narrowest generator in the stack accepts it


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "seed: expected a non-negative int, got -1."),
        (True, "seed: expected a non-negative int, got True."),
        (1.5, "seed: expected a non-negative int, got 1.5."),
        ("3", "seed: expected a non-negative int, got '3'."),
        (-(10**5000), "seed: expected a non-negative int, got a int."),
    ],
    ids=["negative", "bool", "float", "str", "5000 digits"],
)
def test_bad_seed_is_one_line(value, message):
    assert one_line_error(lambda: as_seed(value)) == message


def test_every_seed_path_maps_the_same_way(tiny_data):
    X, y = tiny_data
    big = SEED_MODULUS * 3 + 11
    subject = audit.Subject(torch.nn.Linear(3, 2), (X, y), (X, y), seed=big)
    assert subject.seed == 11
    assert run_seed(load_config(None), subject) == 11
    config = load_config({}).model_copy(update={"seed": big})  # the CLI's --seed path
    assert config.seed == 11 and run_seed(config) == 11
    unchecked = type(config).model_construct(seed=big)  # no validation at all
    assert run_seed(unchecked) == 11
    message = one_line_error(lambda: load_config({}).model_copy(update={"seed": -3}), ConfigError)
    assert message == "config: seed: Input should be greater than or equal to 0 (got -3)"


# -- DP parameters: finite and in range -------------------------------------------------

PRIVACY = [
    ({"epsilon": float("inf")}, "privacy.epsilon: Input should be a finite number (got inf)"),
    (
        {"epsilon": 1e9},
        "privacy.epsilon: Input should be less than or equal to 100 (got 1000000000.0)",
    ),
    ({"epsilon": float("nan")}, "privacy.epsilon: Input should be a finite number (got nan)"),
    (
        {"max_grad_norm": float("inf")},
        "privacy.max_grad_norm: Input should be a finite number (got inf)",
    ),
    ({"max_grad_norm": 0}, "privacy.max_grad_norm: Input should be greater than 0 (got 0)"),
    (
        {"noise_multiplier": float("inf")},
        "privacy.noise_multiplier: Input should be a finite number (got inf)",
    ),
    ({"delta": 1.0}, "privacy.delta: Input should be less than 1 (got 1.0)"),
    ({"delta": 0.0}, "privacy.delta: Input should be greater than 0 (got 0.0)"),
    (
        {"utility_epsilons": [1.0, None, 1e6]},
        "privacy.utility_epsilons.2: Input should be less than or equal to 100 (got 1000000.0)",
    ),
]


@pytest.mark.parametrize(("values", "message"), PRIVACY, ids=[str(p[0]) for p in PRIVACY])
def test_absurd_dp_parameter_is_refused_in_one_line(values, message):
    got = one_line_error(lambda: load_config({"privacy": values}), ConfigError)
    assert got == f"config: {message}"


def test_settings_that_skipped_validation_are_checked_before_training():
    bad = PrivacySettings().model_copy(update={"epsilon": float("inf"), "max_grad_norm": 0.0})
    message = (
        "settings.epsilon: Input should be a finite number (got inf); "
        "settings.max_grad_norm: Input should be greater than 0 (got 0.0)"
    )
    assert one_line_error(lambda: checked_settings(bad)) == message
    X, y = torch.randn(20, 3), torch.randint(0, 2, (20,))
    with pytest.raises(AuditInputError, match=r"settings\.epsilon"):
        fit_private(torch.nn.Linear(3, 2), (X, y), recipe=Recipe(epochs=1), settings=bad)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: noise_for_epsilon(
                target_epsilon=float("inf"), sample_rate=0.1, steps=10, delta=1e-5
            ),
            "target_epsilon: expected a finite float, got inf.",
        ),
        (
            lambda: noise_for_epsilon(
                target_epsilon=float("nan"), sample_rate=0.1, steps=10, delta=1e-5
            ),
            "target_epsilon: expected a float > 0, got nan.",
        ),
        (
            lambda: epsilon_for(
                noise_multiplier=float("inf"), sample_rate=0.1, steps=10, delta=1e-5
            ),
            "noise_multiplier: expected a finite float >= 0, got inf.",
        ),
        (
            lambda: epsilon_for(
                noise_multiplier=1.0, sample_rate=float("nan"), steps=10, delta=1e-5
            ),
            "sample_rate: expected a float in (0, 1], got nan.",
        ),
        (lambda: Recipe(lr=float("inf")), "recipe.lr: expected a finite float, got inf."),
        (
            lambda: Recipe(weight_decay=float("nan")),
            "recipe.weight_decay: expected a float >= 0, got nan.",
        ),
        (lambda: Recipe(epochs=True), "recipe.epochs: expected an int >= 1, got True."),
    ],
)
def test_accounting_and_recipe_refuse_non_finite_numbers(call, message):
    assert one_line_error(call) == message
