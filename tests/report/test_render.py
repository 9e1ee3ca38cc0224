import re
from html.parser import HTMLParser

import pandas as pd
import pytest
import torch

import audit
from audit.report import _write, render_fragment, render_html, save_result, template_dir

SCRIPT = "<script>alert(1)</script>"


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Collector()
    parser.feed(html)
    return parser.tags


@pytest.fixture(scope="module")
def hostile_result(tiny_data_module):
    X, y = tiny_data_module
    groups = pd.DataFrame({SCRIPT: [SCRIPT, "b"] * 20})
    subject = audit.Subject(
        torch.nn.Linear(3, 2),
        (X, y),
        (X, y),
        feature_names=[SCRIPT, "b", "c"],
        class_names=[SCRIPT, "yes"],
        sensitive_train=groups,
        sensitive_test=groups,
        name=SCRIPT,
    )
    return audit.run(subject, config={"fairness": {"on_degenerate_group": "warn"}})


@pytest.fixture(scope="module")
def tiny_data_module():
    import numpy as np

    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3)).astype(np.float32)
    return X, (X[:, 0] > 0).astype(np.int64)


def test_hostile_names_are_escaped(hostile_result):
    html = render_html(hostile_result)
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert [tag for tag, _ in _tags(html)].count("script") == 1  # the report's own, inline


def test_report_is_self_contained(credit_result):
    html = render_html(credit_result)
    assert not re.search(r"https?:|//[a-z]", html, flags=re.IGNORECASE)
    assert "@import" not in html and "url(" not in html
    tags = _tags(html)
    scripts = [attrs for tag, attrs in tags if tag == "script"]
    assert scripts == [{}]  # one inline script (sorting, disclosures), no src
    for tag, attrs in tags:
        assert tag not in {"link", "iframe", "object", "embed"}
        for name in ("src", "href"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith(("data:", "#")), (tag, name, value[:40])


def test_every_figure_has_alt_text(credit_result):
    html = render_html(credit_result)
    figures = [f for s in credit_result.sections for f in s.figures]
    images = [attrs for tag, attrs in _tags(html) if tag == "img"]
    assert len(images) == sum(f.kind != "bars" for f in figures) >= 3
    assert all(attrs.get("alt") and len(attrs["alt"]) > 40 for attrs in images)
    # drawn charts (group shares and rates) carry a <title> with the numbers
    assert html.count('role="img"') == sum(f.kind == "bars" for f in figures) >= 5
    assert re.search(
        r"<title id=\"group_rates_sex-title\">Bar chart of group rates by sex\. female: ", html
    )


def test_report_shows_verdicts_in_words_and_every_section(credit_result):
    html = render_html(credit_result)
    for section in credit_result.sections:
        assert f'id="section-{section.id}"' in html
        assert section.summary.split(".")[0] in html
    assert f"{credit_result.verdict.upper()}</span>" in html
    assert credit_result.manifest["model_sha256"] in html


def test_fragment_renders_inline_for_notebooks(credit_result):
    fragment = credit_result._repr_html_()
    assert fragment.startswith('<div class="rai-report rai-fragment">')
    assert "<html" not in fragment and "What matters" in fragment and "Scorecard" in fragment
    assert fragment == render_fragment(credit_result)


def test_save_writes_both_files(credit_result, tmp_path):
    report = credit_result.save(tmp_path / "out")
    assert report == tmp_path / "out" / "report.html"
    assert audit.AuditResult.load(tmp_path / "out" / "results.json") == credit_result
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["report.html", "results.json"]


def test_failed_write_keeps_the_old_report_and_leaves_no_temp(credit_result, tmp_path, monkeypatch):
    save_result(credit_result, tmp_path)
    before = (tmp_path / "report.html").read_text()

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(_write.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        save_result(credit_result, tmp_path)
    assert (tmp_path / "report.html").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "results.json"]


def test_render_failure_writes_nothing(credit_result, tmp_path, monkeypatch):
    import audit.report._render as render

    def broken(*args, **kwargs):
        raise RuntimeError("template broke")

    monkeypatch.setattr(render, "render_html", broken)
    with pytest.raises(RuntimeError):
        render.save_result(credit_result, tmp_path / "new")
    assert not (tmp_path / "new").exists()


def test_templates_come_from_reports_templates_in_a_checkout():
    assert template_dir().parts[-2:] == ("reports", "templates")
    assert (template_dir() / "base.html.j2").is_file()
    assert (template_dir() / "sections" / "performance.html.j2").is_file()
    assert (template_dir() / "sections" / "fairness.html.j2").is_file()


def test_autoescape_is_on_for_every_template():
    from audit.report._render import _environment

    env = _environment(str(template_dir()))
    assert env.autoescape is True
