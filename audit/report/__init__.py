"""The HTML report: Jinja2 templates (autoescaped) that map an AuditResult to one file.

Importing this package registers the HTML renderer behind ``AuditResult.save`` and
``AuditResult._repr_html_`` (:func:`audit.results.register_renderer`): results never
import the report. Jinja2 and the templates load on the first render, so a command
that only writes files (``rai-audit init``) does not pay for them.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from audit.report._write import atomic_write_text, check_outputs, output_set, recover_outputs
from audit.results import AuditResult, Renderer, register_renderer

__all__ = [
    "atomic_write_text",
    "check_outputs",
    "output_set",
    "recover_outputs",
    "render_comparison",
    "render_fragment",
    "render_html",
    "save_result",
    "template_dir",
]

#: Names of :mod:`audit.report._render`, imported (with Jinja2) on first access.
_RENDER_NAMES = frozenset(
    {"render_comparison", "render_fragment", "render_html", "save_result", "template_dir"}
)

if TYPE_CHECKING:
    from audit.report._render import (
        render_comparison,
        render_fragment,
        render_html,
        save_result,
        template_dir,
    )


def _save(result: AuditResult, out_dir: str | Path) -> Path:
    """Write ``report.html`` and ``results.json``; see :func:`save_result`."""
    from audit.report._render import save_result

    return save_result(result, out_dir)


def _fragment(result: AuditResult) -> str:
    """The inline HTML of ``result``; see :func:`render_fragment`."""
    from audit.report._render import render_fragment

    return render_fragment(result)


register_renderer(Renderer(save=_save, fragment=_fragment))


def __getattr__(name: str) -> Any:
    """Import a rendering function from :mod:`audit.report._render` on first access.

    Parameters
    ----------
    name : str
        An attribute of ``audit.report``.

    Returns
    -------
    Any
        The function; cached in the package namespace afterwards.

    Raises
    ------
    AttributeError
        When ``name`` is not a public name of ``audit.report``.
    """
    if name not in _RENDER_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module("audit.report._render"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The package namespace and every public name, imported or not."""
    return sorted(set(globals()) | set(__all__))
