"""Render an AuditResult with the Jinja2 templates of ``reports/templates``."""

from __future__ import annotations

import base64
import functools
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from audit.report._format import fmt
from audit.report._write import output_set
from audit.results import AuditResult

__all__ = ["render_comparison", "render_fragment", "render_html", "save_result", "template_dir"]

_SOURCE_TEMPLATES = Path(__file__).resolve().parents[2] / "reports" / "templates"
VERDICT_ICONS = {"pass": "✓", "warn": "!", "fail": "✗", "info": "i"}


def template_dir() -> Path:
    """The folder of the report templates.

    In an installed wheel they ship as ``audit/_templates``; in a source checkout
    (or an editable install) they are read from ``reports/templates``.
    """
    packaged = resources.files("audit").joinpath("_templates")
    if packaged.is_dir():
        return Path(str(packaged))
    if _SOURCE_TEMPLATES.is_dir():
        return _SOURCE_TEMPLATES
    raise FileNotFoundError(
        "report templates not found: expected audit/_templates in the installed package "
        f"or {_SOURCE_TEMPLATES} in a source checkout; reinstall rai-audit"
    )


def data_uri(figure: Any) -> str:
    """A ``data:`` URI of an SVG or PNG figure."""
    if figure.kind == "svg":
        payload = base64.b64encode(figure.data.encode("utf-8")).decode("ascii")
        return f"data:image/svg+xml;base64,{payload}"
    if figure.kind == "png":
        return f"data:image/png;base64,{figure.data}"
    raise ValueError(f"figure {figure.id!r} of kind {figure.kind!r} has no data URI")


@functools.lru_cache(maxsize=4)
def _environment(folder: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,  # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = fmt
    env.filters["data_uri"] = data_uri
    env.tests["endswith"] = lambda value, suffix: str(value).endswith(suffix)
    env.globals["verdict_icons"] = VERDICT_ICONS
    _add_report_helpers(env)
    return env


def _add_report_helpers(env: jinja2.Environment) -> None:
    """The ``startswith`` test, the top findings and metric anchors (:mod:`audit.findings`)."""
    env.tests["startswith"] = lambda value, prefix: str(value).startswith(prefix)
    from audit.findings import section_findings, slug, top_findings

    env.globals["top_findings"] = top_findings
    env.globals["section_findings"] = section_findings
    env.filters["slug"] = slug


def _render(template: str, result: AuditResult) -> str:
    env = _environment(str(template_dir()))
    sections = [s for s in result.sections]
    section_templates = {
        s.id: env.select_template([f"sections/{s.id}.html.j2", "sections/generic.html.j2"]).name
        for s in sections
    }
    return env.get_template(template).render(
        result=result, sections=sections, section_templates=section_templates
    )


def render_html(result: AuditResult) -> str:
    """Return the whole report as one self-contained HTML document."""
    return _render("base.html.j2", result)


def render_fragment(result: AuditResult) -> str:
    """Return the report as an HTML fragment with scoped styles, for notebooks."""
    return _render("fragment.html.j2", result)


def render_comparison(comparison: Any) -> str:
    """Return the HTML page of a :class:`~audit.compare.Comparison`."""
    env = _environment(str(template_dir()))
    return env.get_template("compare.html.j2").render(comparison=comparison)


def save_result(result: AuditResult, out_dir: str | Path, *, manifest: bool = False) -> Path:
    """Write ``results.json`` and ``report.html`` into ``out_dir`` as one unit.

    Both are rendered in memory first, so a rendering error writes nothing (not even
    the folder); then they replace the folder's previous pair together
    (:func:`~audit.report._write.output_set`): a reader sees the old pair or the new
    one, never one file of each, and a failed write leaves the old pair as it was.

    Parameters
    ----------
    result : AuditResult
        The audit to write.
    out_dir : str or Path
        The output folder; created when missing.
    manifest : bool, default False
        Also write ``outputs.json`` (the files' SHA-256), with which ``rai-audit
        render`` and ``compare`` check the pair; the CLI always writes it.

    Returns
    -------
    Path
        The report's path, ``out_dir/report.html``.

    Examples
    --------
    >>> import audit
    >>> result = audit.run(audit.reference("credit", seed=0))  # doctest: +SKIP
    >>> save_result(result, "reports/out/credit")  # doctest: +SKIP
    PosixPath('reports/out/credit/report.html')
    """
    html = render_html(result)
    text = result.to_json() + "\n"
    with output_set(out_dir, manifest=manifest) as staged:
        staged.write_text("results.json", text)
        staged.write_text("report.html", html)
    return Path(out_dir) / "report.html"
