"""The HTML report: Jinja2 templates (autoescaped) that map an AuditResult to one file."""

from audit.report._render import (
    render_comparison,
    render_fragment,
    render_html,
    save_result,
    template_dir,
)
from audit.report._write import atomic_write_text

__all__ = [
    "atomic_write_text",
    "render_comparison",
    "render_fragment",
    "render_html",
    "save_result",
    "template_dir",
]
