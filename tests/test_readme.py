"""The README's examples stay true: its config block is a valid config."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from audit.config import load_config

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_config_example_is_a_valid_config():
    text = README.read_text(encoding="utf-8")
    block = re.search(r"A config file overrides any default.*?```yaml\n(.*?)```", text, re.S)
    assert block is not None
    config = load_config(yaml.safe_load(block.group(1)))
    assert config.privacy.epsilon == 3.0 and config.privacy.utility_epsilons == [1, 3, 8, None]
    assert config.fairness.reference_groups == {"sex": "male"}
