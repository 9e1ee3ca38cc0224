"""PDF export: headless Chromium when installed, weasyprint otherwise, a clear error else."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

from audit.errors import AuditInputError
from audit.report import _pdf
from audit.report._pdf import PdfExportError, PdfUnavailableError, find_chromium, write_pdf

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium on PATH (chromium, chromium-browser or google-chrome); "
    "install Debian's `chromium` package or run `CI=true make browser`",
)
needs_posix = pytest.mark.skipif(sys.platform == "win32", reason="uses a /bin/sh stand-in")


def _pages(pdf: bytes) -> int:
    """Count page objects (``/Type /Page``, not the ``/Pages`` tree)."""
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))


def _fake_browser(folder: Path, script: str) -> str:
    """A stand-in for Chromium: a shell script that gets Chromium's arguments."""
    path = folder / "fake-chromium"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(0o755)
    return str(path)


@pytest.fixture
def report(credit_result, tmp_path) -> Path:
    return credit_result.save(tmp_path)


@pytest.fixture
def small_html(tmp_path) -> Path:
    path = tmp_path / "small.html"
    path.write_text("<!DOCTYPE html><title>t</title><p>one page</p>")
    return path


@needs_chromium
def test_chromium_prints_the_credit_report(report, tmp_path):
    target = tmp_path / "pdf" / "report.pdf"  # the folder is created
    assert write_pdf(report, target) == "chromium"
    pdf = target.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert _pages(pdf) >= 2
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.pdf"]


@needs_chromium
def test_forced_chromium_replaces_an_old_pdf(small_html, tmp_path):
    target = tmp_path / "small.pdf"
    target.write_bytes(b"old")
    assert write_pdf(str(small_html), str(target), engine="chromium") == "chromium"
    assert target.read_bytes().startswith(b"%PDF")
    assert _pages(target.read_bytes()) == 1


def test_forced_chromium_when_missing(small_html, tmp_path, monkeypatch):
    monkeypatch.setattr(_pdf, "find_chromium", lambda: None)
    with pytest.raises(PdfUnavailableError, match=r"engine='chromium'.*install Chromium"):
        write_pdf(small_html, tmp_path / "out.pdf", engine="chromium")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.html"]


def test_no_engine_at_all_says_how_to_get_one(small_html, tmp_path, monkeypatch):
    monkeypatch.setattr(_pdf, "find_chromium", lambda: None)
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import weasyprint -> ImportError
    with pytest.raises(PdfUnavailableError) as caught:
        write_pdf(small_html, tmp_path / "out.pdf")
    assert str(caught.value) == (
        "No PDF engine found: install Chromium (for example Debian's `chromium` package) "
        "or run `pip install 'rai-audit[pdf]'` for weasyprint."
    )
    assert isinstance(caught.value, AuditInputError)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.html"]


def test_the_extra_named_in_the_message_exists():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        tomllib = pytest.importorskip("tomli", reason="reading pyproject.toml needs tomli")
    extra = re.search(r"rai-audit\[(\w+)\]", _pdf.NO_ENGINE_MESSAGE).group(1)
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["name"] == "rai-audit"
    requirements = project["optional-dependencies"][extra]
    assert any(r.startswith("weasyprint") for r in requirements)


def test_forced_weasyprint_when_missing(small_html, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)
    with pytest.raises(PdfUnavailableError, match=r"rai-audit\[pdf\]"):
        write_pdf(small_html, tmp_path / "out.pdf", engine="weasyprint")


def test_weasyprint_is_the_fallback(small_html, tmp_path, monkeypatch):
    calls = []

    class FakeHTML:
        def __init__(self, filename):
            calls.append(filename)

        def write_pdf(self, target):
            Path(target).write_bytes(b"%PDF-1.7 fake")

    monkeypatch.setattr(_pdf, "find_chromium", lambda: None)
    monkeypatch.setitem(sys.modules, "weasyprint", types.SimpleNamespace(HTML=FakeHTML))
    target = tmp_path / "out.pdf"
    assert write_pdf(small_html, target) == "weasyprint"
    assert calls == [str(small_html.resolve())]
    assert target.read_bytes() == b"%PDF-1.7 fake"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.pdf", "small.html"]


@needs_posix
def test_chromium_failure_shows_its_stderr_and_leaves_no_file(small_html, tmp_path, monkeypatch):
    fake = _fake_browser(
        tmp_path, 'echo "first line" >&2\necho "GPU process crashed" >&2\nexit 3\n'
    )
    monkeypatch.setattr(_pdf, "find_chromium", lambda: fake)
    out = tmp_path / "out"
    with pytest.raises(PdfExportError, match=r"status 3(.|\n)*GPU process crashed"):
        write_pdf(small_html, out / "report.pdf")
    assert list(out.iterdir()) == []


@needs_posix
def test_chromium_writing_nothing_is_an_error(small_html, tmp_path, monkeypatch):
    fake = _fake_browser(tmp_path, 'echo "no printer" >&2\nexit 0\n')
    monkeypatch.setattr(_pdf, "find_chromium", lambda: fake)
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.pdf").write_bytes(b"%PDF old")
    with pytest.raises(PdfExportError, match=r"wrote no PDF(.|\n)*no printer"):
        write_pdf(small_html, out / "report.pdf")
    assert sorted(p.name for p in out.iterdir()) == ["report.pdf"]
    assert (out / "report.pdf").read_bytes() == b"%PDF old"  # the old file is kept


@needs_posix
def test_chromium_timeout_is_stopped_and_leaves_no_file(small_html, tmp_path, monkeypatch):
    # writes half a file, then hangs: the half file must not survive
    script = (
        'for a; do case "$a" in --print-to-pdf=*) printf "%%PDF-half" > "${a#*=}";; esac; done\n'
    )
    hang = f'"{sys.executable}" -c "import time; time.sleep(30)"\n'
    fake = _fake_browser(tmp_path, script + 'echo "hanging" >&2\n' + hang)
    monkeypatch.setattr(_pdf, "find_chromium", lambda: fake)
    out = tmp_path / "out"
    with pytest.raises(PdfExportError, match=r"within 0.5 s(.|\n)*hanging"):
        write_pdf(small_html, out / "report.pdf", timeout=0.5)
    assert list(out.iterdir()) == []


def test_bad_arguments(tmp_path):
    with pytest.raises(AuditInputError, match="html_path: expected an existing HTML file"):
        write_pdf(tmp_path / "missing.html", tmp_path / "out.pdf")
    page = tmp_path / "page.html"
    page.write_text("<p>x</p>")
    with pytest.raises(AuditInputError, match="engine: expected 'auto', 'chromium' or"):
        write_pdf(page, tmp_path / "out.pdf", engine="latex")  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html"]


def test_find_chromium_tries_the_names_in_order(monkeypatch):
    found = {"chromium-browser": "/opt/bin/chromium-browser", "google-chrome": "/opt/bin/gc"}
    monkeypatch.setattr(_pdf.shutil, "which", found.get)
    assert find_chromium() == "/opt/bin/chromium-browser"
    monkeypatch.setattr(_pdf.shutil, "which", lambda name: None)
    assert find_chromium() is None
