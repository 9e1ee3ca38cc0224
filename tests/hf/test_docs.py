"""docs/huggingface.md: its ```python blocks run, in order, offline (```py blocks need
the network and are only shown)."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "huggingface.md"


def test_the_offline_example_runs(tmp_path, monkeypatch, capsys):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    assert blocks
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), namespace)
    printed = capsys.readouterr().out.strip().splitlines()
    assert float(printed[0]) > 0.8  # test accuracy
    top = eval(printed[-1])  # the three words with the largest |attribution|
    assert len(top) == 3 and all(isinstance(word, str) for word, _ in top)
    assert namespace["result"].section("compute").metric("n_parameters").value > 0
