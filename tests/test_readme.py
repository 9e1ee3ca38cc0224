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


def test_readme_private_own_model_example_runs():
    import torch

    text = README.read_text(encoding="utf-8")
    block = re.search(r"Your own model, privately.*?```python\n(.*?)```", text, re.S)
    assert block is not None
    g = torch.Generator().manual_seed(0)
    X = torch.randn(240, 5, generator=g)
    y = (X[:, 0] + 0.3 * torch.randn(240, generator=g) > 0).long()
    namespace = {
        "make_model": lambda: torch.nn.Sequential(
            torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)
        ),
        "X_train": X[:160],
        "y_train": y[:160],
        "X_test": X[160:],
        "y_test": y[160:],
    }
    source = block.group(1).replace("epochs=30", "epochs=3")  # the example, quicker
    lines = source.rstrip().splitlines()
    lines[-1] = "answer = " + lines[-1]
    exec(compile("\n".join(lines), "README.md", "exec"), namespace)
    assert 0.0 <= namespace["answer"].value <= 1.0
    assert namespace["fitted"].record["epsilon"] <= 3.0
