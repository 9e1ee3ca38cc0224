"""Matplotlib figures as deterministic SVG text (no pyplot state, no dates, fixed ids)."""

from __future__ import annotations

import io

import matplotlib
from matplotlib.figure import Figure as MplFigure

__all__ = ["PALETTE", "new_figure", "to_svg"]

#: Okabe–Ito colour-blind-safe palette.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

_RC = {
    "svg.hashsalt": "rai-audit",  # stable element ids: same data, same bytes
    "svg.fonttype": "none",  # text stays text: small and searchable
    "font.size": 9,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def new_figure(width: float = 6.4, height: float = 3.0, *, ncols: int = 1):
    """Return ``(figure, axes)`` of a new figure, independent of pyplot."""
    with matplotlib.rc_context(_RC):
        figure = MplFigure(figsize=(width, height), layout="constrained")
        axes = figure.subplots(1, ncols, squeeze=True)
    return figure, axes


def to_svg(figure: MplFigure) -> str:
    """Render ``figure`` to SVG markup without the XML prolog, DOCTYPE or metadata."""
    buffer = io.StringIO()
    with matplotlib.rc_context(_RC):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    start = text.find("<svg")
    return text[start:] if start >= 0 else text
