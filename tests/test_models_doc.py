"""docs/models.md, "Your own model: the families": each ```python example runs as written,
offline, and audits what it says it audits."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from audit._threads import one_thread

DOC = Path(__file__).resolve().parents[1] / "docs" / "models.md"


def _examples() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    families = text.split("## Your own model: the families", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", families, flags=re.S)


def _run(block: str, tmp_path, monkeypatch) -> dict:
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "docs_models"}
    with one_thread():
        exec(compile(block, str(DOC), "exec"), namespace)
    return namespace


def test_there_is_one_example_per_family():
    assert len(_examples()) == 3


def test_one_logit_mlp(tmp_path, monkeypatch, capsys):
    ns = _run(_examples()[0], tmp_path, monkeypatch)
    subject, result = ns["subject"], ns["result"]
    assert subject.output.one_logit and subject.n_classes == 2
    assert {s.id for s in result.sections} >= {
        "data", "performance", "explainability", "fairness", "robustness", "privacy", "compute",
    }  # fmt: skip
    assert result.section("performance").metric("test_accuracy").value > 0.8
    explain = result.section("explainability")  # the raw logit z is explained, completely
    assert explain.metric("completeness_gap[integrated_gradients]").value < 0.05
    assert 0.0 <= result.section("privacy").metric("mia_auc[lira_offline]").value <= 1.0
    assert "one logit" in capsys.readouterr().out


def test_hugging_face_classifier(tmp_path, monkeypatch, capsys):
    pytest.importorskip("transformers")
    monkeypatch.setitem(os.environ, "HF_HUB_OFFLINE", "1")
    ns = _run(_examples()[1], tmp_path, monkeypatch)
    result = ns["result"]
    assert result.section("performance").metric("test_accuracy").value > 0.8
    words = eval(capsys.readouterr().out.strip().splitlines()[-1])
    assert words and all(isinstance(w, str) for w in words)
    assert not any(w.startswith("##") or w in ("[SEP]", "[CLS]", "[PAD]") for w in words)
    assert "group_term" in {m.scope for m in result.section("fairness").metrics}


def test_torchvision_style_cnn(tmp_path, monkeypatch, capsys):
    ns = _run(_examples()[2], tmp_path, monkeypatch)
    subject, result = ns["subject"], ns["result"]
    assert subject.modality == "image" and subject.explain.gradcam_layer is ns["model"].layer4
    assert result.section("performance").metric("test_accuracy").value > 0.8
    explain = result.section("explainability")
    assert "gradcam" in {m.scope for m in explain.metrics}
    assert "GradCAM" in explain.table("attribution_maps").columns
    assert float(capsys.readouterr().out.strip().splitlines()[-1]) > 1e5  # FLOPs per image
