"""Views of the attributions per modality: image maps and time-step strips.

Each view returns figures and the tables beside them; the numbers an image shows
are in its alt text and in a table, so the report reads without the pictures. The
text view is in :mod:`audit.explain._attention`.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from audit.explain._methods import MethodSpec
from audit.explain._trust import localisation
from audit.figures import PALETTE, new_figure, to_svg
from audit.results import Figure, Metric, Table
from audit.subject import Subject

__all__ = [
    "View",
    "centre_share",
    "examples_per_class",
    "global_importance",
    "image_view",
    "sequence_view",
]

#: The diverging pair of the highlights and strips: blue for, orange against the class.
POSITIVE, NEGATIVE = PALETTE[0], PALETTE[1]


def global_importance(attributions: np.ndarray) -> np.ndarray:
    """Mean |attribution| per input element (all axes after the first), normalised to sum to 1.

    Examples
    --------
    >>> global_importance(np.array([[1.0, -3.0], [1.0, 3.0]])).tolist()
    [0.25, 0.75]
    """
    mass = np.abs(attributions.reshape(len(attributions), -1)).mean(0)
    total = mass.sum()
    return mass / total if total > 0 else mass


@dataclass
class View:
    """What a modality adds to the section: figures, tables, metrics and notes."""

    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    metrics: list[Metric] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def examples_per_class(subject: Subject, run: Any, limit: int | None = None) -> list[int]:
    """Per class, the explained row (index into ``run.rows``) predicted right most confidently.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> import torch
    >>> subject = SimpleNamespace(y_test=torch.tensor([0, 1, 1, 0]), n_classes=2)
    >>> run = SimpleNamespace(rows=np.array([0, 1, 2]),
    ...                       proba=np.array([[0.9, 0.1], [0.4, 0.6], [0.2, 0.8]]))
    >>> examples_per_class(subject, run)
    [0, 2]
    """
    y = np.asarray(subject.y_test)[run.rows]
    pred, confidence = run.proba.argmax(1), run.proba.max(1)
    picks = []
    for c in range(subject.n_classes):
        right = np.flatnonzero((pred == c) & (y == c))
        if right.size:
            picks.append(int(right[np.argmax(confidence[right])]))
    return picks[:limit]


def centre_share(maps: np.ndarray) -> np.ndarray:
    """Per map ``(rows, H, W)``, the share of |mass| in the central half of each side.

    The centre is a quarter of the area (4×4 of 8×8 pixels); NaN for an empty map.

    Examples
    --------
    >>> maps = np.zeros((2, 8, 8)); maps[0, 3, 3] = 1.0; maps[1] = 1.0
    >>> centre_share(maps).tolist()
    [1.0, 0.25]
    """
    mass = np.abs(maps)
    h, w = mass.shape[-2:]
    centre = mass[:, h // 4 : h - h // 4, w // 4 : w - w // 4].sum((1, 2))
    total = mass.sum((1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, centre / total, np.nan)


def _png(figure: Any, dpi: int = 72) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _unit(values: np.ndarray) -> np.ndarray:
    """``values`` divided by their largest magnitude (zeros stay zeros)."""
    peak = float(np.abs(values).max()) if values.size else 0.0
    return values / peak if peak > 0 else np.zeros_like(values)


def image_view(subject: Subject, run: Any, methods: list[MethodSpec]) -> View:
    """A grid of the most confident right image of each class with each method's map over it.

    Rows are classes, columns the image and one |attribution| map per method
    (summed over channels, scaled to its maximum), drawn over the dimmed image as
    a PNG. The table ``attribution_maps`` gives the share of each map in the
    image's centre (a quarter of the area), per example and over all explained rows.

    Examples
    --------
    >>> import audit
    >>> from audit.config import ExplainSettings, TrainingConfig
    >>> from audit.explain import explain_subject, methods_for
    >>> subject = audit.reference("vision", training=TrainingConfig(epochs=2))
    >>> methods = methods_for("image", ["saliency"])
    >>> run = explain_subject(subject, methods, ExplainSettings(n_samples=64, trust_samples=2))
    >>> view = image_view(subject, run, methods)
    >>> view.figures[0].kind, view.tables[0].columns[-1]
    ('png', 'Saliency')
    """
    view = View()
    picks = examples_per_class(subject, run)
    if not picks:
        view.notes.append("No explained image was classified right: no attribution maps shown.")
        return view
    maps = {m.name: np.abs(run.attributions[m.name]).sum(axis=1) for m in methods}
    shares = {name: centre_share(values) for name, values in maps.items()}
    images = run.X.numpy()
    tiles = []
    for i in picks:
        base = _base_image(images[i])
        tiles.append([base, *(_overlay(base, _unit(maps[m.name][i])) for m in methods)])
    names = subject.class_names
    row_labels = [f"{names[int(run.proba[i].argmax())]}, p={run.proba[i].max():.2f}" for i in picks]
    columns = ["image", *(m.label for m in methods)]
    figure, ax = new_figure(0.75 * len(columns) + 1.2, 0.75 * len(picks) + 0.9)
    ax.imshow(_mosaic(tiles), interpolation="nearest")
    h, w = images.shape[-2:]
    ax.set_xticks([(w + 1) * j + (w - 1) / 2 for j in range(len(columns))], columns, rotation=30)
    ax.set_yticks([(h + 1) * r + (h - 1) / 2 for r in range(len(picks))], row_labels)
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    overall = {m.name: float(np.nanmean(shares[m.name])) for m in methods}
    alt = (
        f"Grid of {len(picks)} test images, the most confident right one of each class (rows: "
        + ", ".join(row_labels)
        + "), each followed by the |attribution| maps of "
        + ", ".join(m.label for m in methods)
        + " drawn over the image (bright: large). Share of each map's mass in the central "
        "quarter of the image, mean over the explained rows: "
        + ", ".join(f"{m.label} {overall[m.name]:.2f}" for m in methods)
        + " (a map spread evenly gives 0.25). Per example in the table 'Attribution maps'."
    )
    view.figures.append(
        Figure(
            id="attribution_maps",
            title="Attribution maps by class",
            alt=alt,
            kind="png",
            data=_png(figure),
            caption="Each map is |attribution| summed over channels, scaled to its maximum "
            "and drawn over the dimmed image; row labels give the predicted class and "
            "its probability.",
        )
    )
    rows = [
        [
            names[int(run.proba[i].argmax())],
            int(run.rows[i]),
            float(run.proba[i].max()),
            *(float(shares[m.name][i]) for m in methods),
        ]
        for i in picks
    ]
    rows.append(["all explained rows", None, None, *(overall[m.name] for m in methods)])
    view.tables.append(
        Table(
            id="attribution_maps",
            title="Attribution maps: share of the map in the image's centre",
            columns=["class", "test index", "probability", *(m.label for m in methods)],
            rows=rows,
            caption=f"Share of |attribution| in the central quarter of the image; 0.25 if "
            f"spread evenly. Last row: mean over {len(run.rows)} explained test images.",
        )
    )
    return view


def _base_image(image: np.ndarray) -> np.ndarray:
    """An RGB rendering of one ``(C, H, W)`` input, scaled to [0, 1]."""
    rgb = image.transpose(1, 2, 0) if image.shape[0] == 3 else image.mean(0)[..., None]
    low, high = float(rgb.min()), float(rgb.max())
    rgb = (rgb - low) / (high - low) if high > low else np.zeros_like(rgb)
    return np.broadcast_to(rgb, (*rgb.shape[:2], 3))


def _overlay(base: np.ndarray, values: np.ndarray) -> np.ndarray:
    from matplotlib import colormaps

    colour = colormaps["inferno"](values)[..., :3]
    alpha = values[..., None]
    return (1.0 - alpha) * 0.5 * base + alpha * colour


def _mosaic(tiles: list[list[np.ndarray]]) -> np.ndarray:
    h, w = tiles[0][0].shape[:2]
    out = np.ones(((h + 1) * len(tiles) - 1, (w + 1) * len(tiles[0]) - 1, 3))
    for r, row in enumerate(tiles):
        for c, tile in enumerate(row):
            out[(h + 1) * r : (h + 1) * r + h, (w + 1) * c : (w + 1) * c + w] = tile
    return np.clip(out, 0.0, 1.0)


def _runs(steps: np.ndarray) -> list[tuple[int, int]]:
    """``(start, length)`` of each run of True in a 1-D mask."""
    edges = np.diff(np.concatenate([[0], steps.astype(int), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [(int(s), int(e - s)) for s, e in zip(starts, ends, strict=True)]


def sequence_view(subject: Subject, run: Any, methods: list[MethodSpec]) -> View:
    """Heat strips of the attribution per time step, and a table of per-step importance.

    One strip per method for the most confident right row of each class (the
    attribution summed over channels, scaled to the strip's largest magnitude; blue
    for, orange against the predicted class); a box marks the planted event when
    ``ground_truth_test`` is known. The table ``time_importance`` gives each
    method's share of mean |attribution| per step over all explained rows.

    Examples
    --------
    >>> import audit
    >>> from audit.config import ExplainSettings, TrainingConfig
    >>> from audit.explain import explain_subject, methods_for
    >>> subject = audit.reference("sequence", training=TrainingConfig(epochs=2))
    >>> methods = methods_for("sequence", ["saliency"])
    >>> run = explain_subject(subject, methods, ExplainSettings(n_samples=32, trust_samples=2))
    >>> view = sequence_view(subject, run, methods)
    >>> len(view.tables[0].rows), view.tables[0].columns
    (40, ['step', 'Saliency', 'event coverage'])
    """
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.patches import Rectangle

    view = View()
    steps = {m.name: run.attributions[m.name].sum(axis=-1) for m in methods}  # (n, T)
    truth = subject.explain.ground_truth_test
    events = (
        None
        if truth is None
        else np.asarray(truth)[run.rows].reshape(*steps[methods[0].name].shape, -1).any(-1)
    )
    length = next(iter(steps.values())).shape[1]
    inside = {}
    if events is not None:  # the share of each step-mass on the event's steps
        inside = {name: localisation(values, events)[0] for name, values in steps.items()}
    picks = examples_per_class(subject, run, limit=4)
    if picks:
        matrix = np.stack([_unit(steps[m.name][i]) for i in picks for m in methods])
        cmap = LinearSegmentedColormap.from_list("against_for", [NEGATIVE, "#ffffff", POSITIVE])
        figure, ax = new_figure(6.4, 0.24 * len(matrix) + 1.0)
        image = ax.imshow(
            matrix, cmap=cmap, vmin=-1, vmax=1, aspect="auto", interpolation="nearest"
        )
        names = subject.class_names
        labels = [
            f"{names[int(run.proba[i].argmax())]} #{int(run.rows[i])}: {m.label}"
            for i in picks
            for m in methods
        ]
        ax.set_yticks(range(len(labels)), labels)
        ax.set_xlabel("time step")
        for g, i in enumerate(picks):
            top = g * len(methods) - 0.5
            if g:
                ax.axhline(top, color="#ffffff", linewidth=3)
            if events is not None:
                for start, span in _runs(events[i]):
                    ax.add_patch(
                        Rectangle(
                            (start - 0.5, top),
                            span,
                            len(methods),
                            fill=False,
                            edgecolor="black",
                            linewidth=1.5,
                        )
                    )
        figure.colorbar(image, ax=ax, label="÷ strip's max |attribution|", shrink=0.8)
        alt = (
            "Heat strips of the attribution per time step (summed over channels) of "
            + ", ".join(f"test row {int(run.rows[i])}" for i in picks)
            + ", one strip per method ("
            + ", ".join(m.label for m in methods)
            + "); blue supports, orange opposes the predicted class"
            + (". Black boxes mark the planted event." if events is not None else ".")
        )
        if inside:
            alt += (
                " Share of |attribution| on the event's steps over all explained rows: "
                + ", ".join(f"{m.label} {inside[m.name]:.2f}" for m in methods)
                + f" (chance {float(events.mean()):.2f})."
            )
        view.figures.append(
            Figure(
                id="time_strips",
                title="Attribution per time step",
                alt=alt,
                kind="svg",
                data=to_svg(figure),
                caption="Each strip is scaled to its largest magnitude; the per-step shares "
                "over all explained rows are in the table 'Importance per time step'.",
            )
        )
    shares = {m.name: global_importance(steps[m.name]) for m in methods}
    coverage = [] if events is None else [events.mean(0)]
    view.tables.append(
        Table(
            id="time_importance",
            title="Importance per time step (share of mean |attribution summed over channels|)",
            columns=[
                "step",
                *(m.label for m in methods),
                *(["event coverage"] if coverage else []),
            ],
            rows=[
                [t, *(float(shares[m.name][t]) for m in methods), *(float(c[t]) for c in coverage)]
                for t in range(length)
            ],
            caption=f"{len(run.rows)} explained test rows"
            + (
                "; event coverage: share of them whose planted event covers the step."
                if coverage
                else "."
            )
            + (
                " Share on the event's steps: "
                + ", ".join(f"{m.label} {inside[m.name]:.2f}" for m in methods)
                + "."
                if inside
                else ""
            ),
        )
    )
    return view
