"""Small charts drawn straight to SVG text: lines, bars, points, signed horizontal bars.

The report's charts are simple, so they are written here as SVG markup rather than through
matplotlib (whose drawing took about half a second per audit). Every chart has labelled axes,
ticks at round numbers with as many decimals as their step needs, one colour-blind-safe
colour per series (Okabe–Ito, then a second set of eight), its legend above the plot (it never
covers data) and the figure's alt text as its ``<title>``. Text is escaped; the same data give
the same bytes.

Examples
--------
>>> panel = Panel(xlabel="epoch", ylabel="loss")
>>> panel.line([1, 2, 3], [0.9, 0.5, 0.4], label="train")
>>> svg = render([panel], alt="Loss per epoch.")
>>> svg.startswith("<svg") and "train" in svg and "<title>Loss per epoch.</title>" in svg
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

__all__ = ["PALETTE", "Panel", "nice_ticks", "render"]

#: Okabe–Ito, then eight more distinct colour-blind-safe colours (Tol's muted set).
PALETTE = [
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
    "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255",
]  # fmt: skip
_GREY = "#555555"
_FONT = 'font-family="sans-serif"'
_CHAR_W = 6.0  # width of one character at 11 px, for layout


def nice_ticks(low: float, high: float, *, count: int = 5) -> tuple[list[float], int]:
    """Round tick values covering ``[low, high]`` and the decimals their step needs.

    Examples
    --------
    >>> nice_ticks(0.0, 1.0)
    ([0.0, 0.2, 0.4, 0.6, 0.8, 1.0], 1)
    >>> nice_ticks(0.52, 0.61)
    ([0.52, 0.54, 0.56, 0.58, 0.6], 2)
    """
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low], _decimals(abs(low) / 10 or 1.0)
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw * 0.999)
    first = math.ceil(low / step - 1e-9) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 12) + 0.0)
        value = first + step * len(ticks)
    return ticks, _decimals(step)


def _decimals(step: float) -> int:
    text = f"{step:.10f}".rstrip("0")
    return len(text.split(".")[1]) if "." in text else 0


@dataclass
class _Series:
    kind: str  # "line", "bar", "point", "hbar", "vline"
    xs: list[float]
    ys: list
    label: str | None
    color: str
    dash: str | None = None
    marker: str | None = None
    width: float = 0.0


@dataclass
class Panel:
    """One plot: axes with labels, and the series drawn on them.

    ``xlog``/``ylog`` give base-10 log axes (values must be positive); ``xlim``/``ylim``
    fix the ranges (otherwise they fit the data); ``xticks`` gives ``(values, labels)``.
    """

    xlabel: str
    ylabel: str = ""
    xlim: tuple[float, float] | None = None
    ylim: tuple[float, float] | None = None
    xlog: bool = False
    ylog: bool = False
    xticks: tuple[Sequence[float], Sequence[str]] | None = None
    series: list[_Series] = field(default_factory=list)

    def _color(self, color: str | None) -> str:
        labelled = sum(1 for s in self.series if s.label and s.kind != "vline")
        return color or PALETTE[labelled % len(PALETTE)]

    def line(self, xs, ys, *, label=None, color=None, dash=None, marker=None) -> None:
        """A line through the points; ``dash`` is an SVG dash array such as ``"5 3"``."""
        xs, ys = [float(v) for v in xs], [float(v) for v in ys]
        self.series.append(_Series("line", xs, ys, label, self._color(color), dash, marker))

    def points(self, xs, ys, *, label=None, color=None, marker="o") -> None:
        """Markers at the points: ``"o"`` circle, ``"s"`` square, ``"^"`` triangle."""
        xs, ys = [float(v) for v in xs], [float(v) for v in ys]
        self.series.append(_Series("point", xs, ys, label, self._color(color), marker=marker))

    def bars(self, xs, heights, *, width, label=None, color=None) -> None:
        """Vertical bars centred on ``xs``, ``width`` wide in data units, from zero."""
        xs, hs = [float(v) for v in xs], [float(v) for v in heights]
        self.series.append(_Series("bar", xs, hs, label, self._color(color), width=width))

    def hbars(self, labels: Sequence[str], values, *, colors: Sequence[str]) -> None:
        """Signed horizontal bars, one per label (first label on top), from zero."""
        vals = [float(v) for v in values]
        self.series.append(_Series("hbar", vals, [str(v) for v in labels], None, "", width=0))
        self.series[-1].marker = "|".join(colors)

    def vline(self, x: float, *, label=None, dash="2 3") -> None:
        """A grey vertical rule at ``x``."""
        self.series.append(_Series("vline", [float(x)], [], label, _GREY, dash))


def render(panels: list[Panel], *, alt: str, width: int = 640, height: int = 280) -> str:
    """SVG markup of ``panels`` side by side, with ``alt`` as the accessible title."""
    legend = _legend_entries(panels)
    per_row = max(1, int((width - 20) // 150))
    legend_h = 18 * math.ceil(len(legend) / per_row) if legend else 0
    body = [_legend(legend, per_row, width)] if legend else []
    panel_w = width / len(panels)
    for i, panel in enumerate(panels):
        body.append(_panel(panel, i * panel_w, legend_h, panel_w, height - legend_h))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" {_FONT} font-size="11">'
        f"<title>{escape(alt)}</title>" + "".join(body) + "</svg>"
    )


def _legend_entries(panels: list[Panel]) -> list[_Series]:
    seen: dict[str, _Series] = {}
    for panel in panels:
        for s in panel.series:
            if s.label and s.label not in seen:
                seen[s.label] = s
    return list(seen.values())


def _legend(entries: list[_Series], per_row: int, width: int) -> str:
    parts = []
    step = (width - 20) / per_row
    for k, s in enumerate(entries):
        x, y = 10 + (k % per_row) * step, 4 + 18 * (k // per_row)
        if s.kind in ("line", "vline"):
            dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
            parts.append(
                f'<line x1="{x:.1f}" x2="{x + 18:.1f}" y1="{y + 6}" y2="{y + 6}" '
                f'stroke="{s.color}" stroke-width="2"{dash}/>'
            )
        elif s.kind == "point":
            parts.append(_marker(s.marker or "o", x + 9, y + 6, s.color))
        else:
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="12" height="12" fill="{s.color}"/>')
        parts.append(f'<text x="{x + 23:.1f}" y="{y + 10}">{escape(s.label or "")}</text>')
    return "".join(parts)


def _marker(kind: str, x: float, y: float, color: str) -> str:
    if kind == "s":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{color}"/>'
    if kind == "^":
        points = f"{x:.1f},{y - 5:.1f} {x - 5:.1f},{y + 4:.1f} {x + 5:.1f},{y + 4:.1f}"
        return f'<polygon points="{points}" fill="{color}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{color}"/>'


class _Scale:
    """Data → pixel along one axis (linear or log10)."""

    def __init__(self, low: float, high: float, start: float, end: float, log: bool) -> None:
        self.log = log
        f = math.log10 if log else float
        self.low, self.high = f(low), f(high)
        if self.high <= self.low:
            self.low, self.high = self.low - 0.5, self.high + 0.5
        self.start, self.end = start, end

    def __call__(self, value: float) -> float:
        v = math.log10(value) if self.log else value
        return self.start + (v - self.low) / (self.high - self.low) * (self.end - self.start)

    def ticks(self) -> list[tuple[float, str]]:
        if self.log:
            decades = range(math.ceil(self.low - 1e-9), math.floor(self.high + 1e-9) + 1)
            return [(10.0**d, f"{10.0**d:g}") for d in decades]
        values, decimals = nice_ticks(self.low, self.high)
        return [(v, f"{v:.{decimals}f}") for v in values]


def _extent(values: list[float], limit, log: bool, *, zero: bool = False) -> tuple[float, float]:
    if limit is not None:
        return float(limit[0]), float(limit[1])
    finite = [v for v in values if math.isfinite(v) and (v > 0 or not log)]
    if zero and not log:
        finite.append(0.0)
    if not finite:
        return (0.1, 1.0) if log else (0.0, 1.0)
    low, high = min(finite), max(finite)
    if log:
        return 10 ** math.floor(math.log10(low)), 10 ** math.ceil(math.log10(high))
    pad = (high - low) * 0.05 or abs(high) * 0.05 or 1.0
    low = low if zero and low == 0 else low - pad
    high = high if zero and high == 0 else high + pad
    return low, high


def _panel(panel: Panel, x0: float, y0: float, w: float, h: float) -> str:
    hbar = next((s for s in panel.series if s.kind == "hbar"), None)
    label_w = max((len(t) for t in hbar.ys), default=0) * _CHAR_W + 10 if hbar else 0
    left = x0 + max(52.0, label_w + 8)
    right, top, bottom = x0 + w - 14, y0 + 8, y0 + h - 38
    xs = [x for s in panel.series for x in s.xs]
    bars = [s for s in panel.series if s.kind == "bar"]
    xs += [x + d * s.width / 2 for s in bars for x in s.xs for d in (-1, 1)]
    ys = [y for s in panel.series if s.kind in ("line", "point", "bar") for y in s.ys]
    has_bars = any(s.kind in ("bar", "hbar") for s in panel.series)
    x_range = _extent(xs, panel.xlim, panel.xlog, zero=hbar is not None)
    sx = _Scale(*x_range, left, right, panel.xlog)
    sy = _Scale(*_extent(ys, panel.ylim, panel.ylog, zero=has_bars), bottom, top, panel.ylog)
    out = [_axes(panel, sx, sy if hbar is None else None, left, right, top, bottom)]
    for s in panel.series:
        out.append(_draw(s, sx, sy, top, bottom, left))
    return "".join(out)


def _axes(panel: Panel, sx: _Scale, sy: _Scale | None, left, right, top, bottom) -> str:
    out = []
    xticks = (
        list(zip(panel.xticks[0], panel.xticks[1], strict=True)) if panel.xticks else sx.ticks()
    )
    for value, text in xticks:
        x = sx(value)
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{bottom:.1f}" y2="{bottom + 4:.1f}" '
            f'stroke="{_GREY}"/><text x="{x:.1f}" y="{bottom + 15:.1f}" text-anchor="middle" '
            f'font-size="10">{escape(str(text))}</text>'
        )
    if sy is not None:
        for value, text in sy.ticks():
            y = sy(value)
            out.append(
                f'<line x1="{left:.1f}" x2="{right:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                f'stroke="#e4e4e4"/><text x="{left - 5:.1f}" y="{y + 3.5:.1f}" '
                f'text-anchor="end" font-size="10">{escape(text)}</text>'
            )
        out.append(f'<line x1="{left:.1f}" x2="{left:.1f}" y1="{top:.1f}" y2="{bottom:.1f}" '
                   f'stroke="{_GREY}"/>')  # fmt: skip
    out.append(
        f'<line x1="{left:.1f}" x2="{right:.1f}" y1="{bottom:.1f}" y2="{bottom:.1f}" '
        f'stroke="{_GREY}"/><text x="{(left + right) / 2:.1f}" y="{bottom + 31:.1f}" '
        f'text-anchor="middle">{escape(panel.xlabel)}</text>'
    )
    if panel.ylabel:
        cx, cy = left - 40, (top + bottom) / 2
        out.append(
            f'<text x="{cx:.1f}" y="{cy:.1f}" text-anchor="middle" '
            f'transform="rotate(-90 {cx:.1f} {cy:.1f})">{escape(panel.ylabel)}</text>'
        )
    return "".join(out)


def _draw(s: _Series, sx: _Scale, sy: _Scale, top: float, bottom: float, left: float) -> str:
    dash = f' stroke-dasharray="{s.dash}"' if s.dash else ""
    if s.kind == "vline":
        x = sx(s.xs[0])
        return (f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top:.1f}" y2="{bottom:.1f}" '
                f'stroke="{s.color}"{dash}/>')  # fmt: skip
    if s.kind == "line":
        points = " ".join(
            f"{sx(x):.1f},{sy(y):.1f}"
            for x, y in zip(s.xs, s.ys, strict=True)
            if math.isfinite(x) and math.isfinite(y)
        )
        line = (f'<polyline points="{points}" fill="none" stroke="{s.color}" '
                f'stroke-width="1.8"{dash}/>')  # fmt: skip
        if s.marker:
            line += "".join(
                _marker(s.marker, sx(x), sy(y), s.color) for x, y in zip(s.xs, s.ys, strict=True)
            )
        return line
    if s.kind == "point":
        return "".join(
            _marker(s.marker or "o", sx(x), sy(y), s.color) for x, y in zip(s.xs, s.ys, strict=True)
        )
    if s.kind == "bar":
        base = sy(max(sy.low, 0.0)) if not sy.log else bottom
        out = []
        for x, y in zip(s.xs, s.ys, strict=True):
            x1, x2, yy = sx(x - s.width / 2), sx(x + s.width / 2), sy(y)
            out.append(
                f'<rect x="{x1:.1f}" y="{min(yy, base):.1f}" width="{x2 - x1:.1f}" '
                f'height="{abs(base - yy):.1f}" fill="{s.color}"/>'
            )
        return "".join(out)
    # signed horizontal bars, one row per label
    colors = (s.marker or "").split("|")
    row_h = (bottom - top) / max(len(s.ys), 1)
    zero = sx(0.0)
    out = [f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="{top:.1f}" y2="{bottom:.1f}" '
           f'stroke="{_GREY}"/>']  # fmt: skip
    for k, (label, value) in enumerate(zip(s.ys, s.xs, strict=True)):
        y = top + k * row_h
        x1, x2 = sorted((zero, sx(value)))
        out.append(
            f'<rect x="{x1:.1f}" y="{y + row_h * 0.15:.1f}" width="{x2 - x1:.1f}" '
            f'height="{row_h * 0.7:.1f}" fill="{colors[k % len(colors)]}"/>'
            f'<text x="{left - 6:.1f}" y="{y + row_h / 2 + 4:.1f}" text-anchor="end">'
            f"{escape(label)}</text>"
        )
    return "".join(out)
