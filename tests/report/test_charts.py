"""The SVG charts: round ticks, geometry that matches the data, escaped text, valid XML."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from audit.charts import PALETTE, Panel, nice_ticks, render

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("low", "high", "ticks", "decimals"),
    [
        (0.0, 1.0, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0], 1),
        (0.52, 0.61, [0.52, 0.54, 0.56, 0.58, 0.6], 2),
        (1.0, 16.0, [5.0, 10.0, 15.0], 0),
        (-0.031, 0.12, [0.0, 0.05, 0.1], 2),
        (-3.0, 3.0, [-2.0, 0.0, 2.0], 0),
    ],
)
def test_nice_ticks_are_round_and_cover_the_range(low, high, ticks, decimals):
    assert nice_ticks(low, high) == (ticks, decimals)


def test_palette_has_sixteen_distinct_colours():
    assert len(set(PALETTE)) == 16
    assert PALETTE[:3] == ["#0072B2", "#E69F00", "#009E73"]  # Okabe–Ito first


def _rects(svg: str) -> list[dict[str, float]]:
    root = ET.fromstring(svg)
    return [
        {k: float(v) for k, v in r.attrib.items() if k in ("x", "y", "width", "height")}
        for r in root.iter(f"{SVG}rect")
    ]


def test_signed_bars_start_at_zero_and_scale_with_the_value():
    panel = Panel(xlabel="contribution")
    panel.hbars(["a", "b", "c"], [0.4, -0.2, 0.1], colors=["#0072B2", "#E69F00", "#0072B2"])
    svg = render([panel], alt="three bars", height=120)
    rects = _rects(svg)
    assert len(rects) == 3
    zero = rects[1]["x"] + rects[1]["width"]  # the negative bar ends at zero
    assert rects[0]["x"] == pytest.approx(zero, abs=0.11)
    assert rects[2]["x"] == pytest.approx(zero, abs=0.11)
    assert rects[0]["width"] / rects[2]["width"] == pytest.approx(4.0, rel=0.02)
    assert rects[0]["width"] / rects[1]["width"] == pytest.approx(2.0, rel=0.02)
    assert rects[0]["y"] < rects[1]["y"] < rects[2]["y"]  # first label on top


def test_bars_on_fixed_axes_have_heights_proportional_to_values():
    panel = Panel(xlabel="x", ylabel="y", xlim=(0.0, 1.0), ylim=(0.0, 1.0))
    panel.bars([0.25, 0.75], [0.5, 1.0], width=0.5, label="bars")
    rects = _rects(render([panel], alt="bars"))[1:]  # the first rect is the legend's swatch
    assert rects[1]["height"] == pytest.approx(2 * rects[0]["height"], rel=0.01)
    assert rects[0]["width"] == pytest.approx(rects[1]["width"], rel=0.01)


def test_log_axes_tick_each_decade():
    panel = Panel(xlabel="fpr", ylabel="tpr", xlim=(0.001, 1.0), ylim=(0.001, 1.0))
    panel.xlog = panel.ylog = True
    panel.line([0.001, 1.0], [0.001, 1.0], label="chance")
    texts = [t.text for t in ET.fromstring(render([panel], alt="roc")).iter(f"{SVG}text")]
    for decade in ("0.001", "0.01", "0.1", "1"):
        assert texts.count(decade) == 2  # once on each axis


def test_text_is_escaped_and_output_is_deterministic():
    panel = Panel(xlabel="<b>x</b> & y")
    panel.hbars(['<script>alert("x")</script>'], [1.0], colors=["#0072B2"])
    svg = render([panel], alt="a <tag> & more")
    assert "<script>" not in svg and "<b>" not in svg and "<tag>" not in svg
    root = ET.fromstring(svg)  # well-formed
    assert root.find(f"{SVG}title").text == "a <tag> & more"
    assert svg == render([panel], alt="a <tag> & more")


def test_legend_lists_each_label_once_across_panels():
    panels = []
    for name in ("loss", "accuracy"):
        panel = Panel(xlabel="epoch", ylabel=name)
        panel.line([1, 2], [0.5, 0.4], label="train")
        panel.vline(2, label="kept epoch")
        panels.append(panel)
    texts = [t.text for t in ET.fromstring(render(panels, alt="curves")).iter(f"{SVG}text")]
    assert texts.count("train") == 1 and texts.count("kept epoch") == 1
    assert texts.count("epoch") == 2


def test_report_modules_draw_without_matplotlib():
    code = (
        "import sys, audit.predictions, audit.performance, audit.fairness, audit.privacy, "
        "audit.report, audit.cli; print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_chart_numbers_follow_the_data():
    panel = Panel(xlabel="epoch", ylabel="loss")
    panel.line([1, 2, 3], [0.9, 0.5, 0.4], label="train")
    svg = render([panel], alt="loss")
    points = re.search(r'points="([^"]+)"', svg).group(1).split()
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[0] < ys[1] < ys[2]  # higher loss is higher on screen
    assert (ys[1] - ys[0]) / (ys[2] - ys[1]) == pytest.approx(4.0, rel=0.02)
