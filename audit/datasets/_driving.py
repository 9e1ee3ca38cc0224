"""Generated road scenes for "pedestrian ahead?" (no network), rendered with numpy.

Every 64×64 RGB frame is a road seen from a car: sky, a road narrowing to a
vanishing point with dashed lane markings and edge lines, sidewalks, sometimes a
car or roadside bins, and one pedestrian, drawn at a depth (size and height in
the frame follow the perspective) with random clothing and skin-tone-like shading
(the appearance group ``light`` or ``dark``), under ``day``, ``dusk`` or ``fog``.
Every frame has a scene type:

- ``pedestrian``: the pedestrian is in the path (on the road, ahead): label 1;
- ``vehicle``: a car is ahead in the path, the pedestrian is on a sidewalk: label 0;
- ``clear``: nothing in the path, the pedestrian is on a sidewalk: label 0.

The task is binary, "pedestrian in the path?" (the fairness audit judges binary
tasks; the scene type is kept beside the label). The pedestrian's bounding box is
the planted evidence (``ground_truth``, on label-1 frames). Frames are rendered all
at once from coordinate grids (masks of rectangles and ellipses), no loop over pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from audit.errors import bad_input

__all__ = [
    "APPEARANCES",
    "CLASS_NAMES",
    "LIGHTINGS",
    "SCENES",
    "SIZE",
    "SKIN",
    "DrivingData",
    "DrivingFrames",
    "driving_data",
    "render_frames",
]

SIZE = 64
CLASS_NAMES = ["no pedestrian", "pedestrian"]
SCENES = ("pedestrian", "vehicle", "clear")
SCENE_SHARES = (0.5, 0.25, 0.25)
LIGHTINGS = ("day", "dusk", "fog")
LIGHTING_SHARES = (0.5, 0.25, 0.25)
APPEARANCES = ("light", "dark")
#: Base skin-tone-like shading of each appearance group (RGB), jittered per frame.
SKIN = {"light": (0.95, 0.80, 0.68), "dark": (0.36, 0.24, 0.17)}
CLOTHES = np.array(
    [
        (0.80, 0.12, 0.12),
        (0.12, 0.22, 0.70),
        (0.12, 0.50, 0.22),
        (0.90, 0.80, 0.20),
        (0.15, 0.15, 0.16),
        (0.90, 0.90, 0.88),
        (0.50, 0.30, 0.60),
        (0.60, 0.45, 0.30),
    ]
)
SKY = {"day": (0.55, 0.72, 0.95), "dusk": (0.80, 0.48, 0.38), "fog": (0.80, 0.80, 0.82)}
ROAD, SIDEWALK, GRASS, MARKING = (0.36, 0.36, 0.38), (0.62, 0.60, 0.56), (0.30, 0.48, 0.24), 0.92
NOISE = 0.025


@dataclass
class DrivingFrames:
    """Rendered frames and what is known of each, rows aligned.

    ``X`` float32 ``(rows, 3, 64, 64)`` in [0, 1]; ``y`` int64 (1: a pedestrian in the
    path); ``scene``, ``appearance`` and ``lighting`` str arrays; ``box`` int64
    ``(rows, 4)`` the pedestrian's box ``(x0, y0, x1, y1)``, pixel bounds inclusive;
    ``person`` bool ``(rows, 64, 64)`` the pedestrian's rendered pixels.
    """

    X: np.ndarray
    y: np.ndarray
    scene: np.ndarray
    appearance: np.ndarray
    lighting: np.ndarray
    box: np.ndarray
    person: np.ndarray

    def __len__(self) -> int:
        return len(self.y)

    @property
    def box_mask(self) -> np.ndarray:
        """bool ``(rows, 64, 64)``: the pixels inside each frame's pedestrian box."""
        grid = np.arange(SIZE)
        x0, y0, x1, y1 = (self.box[:, k, None] for k in range(4))
        cols = (grid >= x0) & (grid <= x1)
        rows = (grid >= y0) & (grid <= y1)
        return rows[:, :, None] & cols[:, None, :]

    @property
    def ground_truth(self) -> np.ndarray:
        """uint8 ``(rows, 3, 64, 64)``: the pedestrian box on label-1 frames, else zeros."""
        mask = self.box_mask & (self.y == 1)[:, None, None]
        return np.repeat(mask[:, None], 3, axis=1).astype(np.uint8)

    @property
    def descriptors(self) -> pd.DataFrame:
        """What the generator drew for each frame, as columns (the data check audits these).

        ``scene``; the pedestrian's box height, centre column and bottom row in pixels;
        the frame's mean brightness.
        """
        x0, y0, x1, y1 = self.box.T
        return pd.DataFrame(
            {
                "scene": self.scene,
                "pedestrian_height_px": y1 - y0 + 1,
                "pedestrian_centre_x_px": (x0 + x1) / 2,
                "pedestrian_bottom_px": y1,
                "mean_brightness": self.X.mean(axis=(1, 2, 3)).astype(np.float64),
            }
        )

    @property
    def sensitive(self) -> pd.DataFrame:
        """The appearance group and the lighting of each row."""
        return pd.DataFrame({"appearance": self.appearance, "lighting": self.lighting})


@dataclass
class DrivingData:
    """Train and test frames; ``source`` describes them for the report."""

    train: DrivingFrames
    test: DrivingFrames
    source: str
    class_names: tuple[str, ...] = tuple(CLASS_NAMES)


def render_frames(
    n: int,
    *,
    seed: int,
    dark_share: float = 0.5,
    dark_share_aside: float | None = None,
    size: int = SIZE,
) -> DrivingFrames:
    """Render ``n`` seeded road scenes (see the module docstring for what they show).

    Parameters
    ----------
    n : int
        Frames to render, >= 1.
    seed : int
        Seed of every random draw (same seed, same frames).
    dark_share : float
        Share of the pedestrians in the path of the ``dark`` appearance group, in [0, 1].
    dark_share_aside : float, optional
        The same for pedestrians on a sidewalk (default: ``dark_share``).
    size : int
        Height and width in pixels (64; other sizes scale the scene).

    Returns
    -------
    DrivingFrames

    Examples
    --------
    >>> frames = render_frames(8, seed=0)
    >>> frames.X.shape, frames.X.dtype, int(frames.y.sum()) <= 8
    ((8, 3, 64, 64), dtype('float32'), True)
    """
    if not isinstance(n, int | np.integer) or n < 1:
        raise bad_input("n", "an int >= 1", n)
    aside = dark_share if dark_share_aside is None else dark_share_aside
    for name, share in (("dark_share", dark_share), ("dark_share_aside", aside)):
        if not 0.0 <= share <= 1.0:
            raise bad_input(name, "a float in [0, 1]", share)
    rng = np.random.default_rng(seed)
    s = size / SIZE
    scene = rng.choice(len(SCENES), n, p=SCENE_SHARES)
    lighting = rng.choice(len(LIGHTINGS), n, p=LIGHTING_SHARES)
    dark = rng.random(n) < np.where(scene == 0, dark_share, aside)
    horizon = (22 + rng.uniform(-2, 2, n)) * s
    vanish = (32 + rng.uniform(-5, 5, n)) * s
    bottom = (32 + rng.uniform(-6, 6, n)) * s
    grid = (np.arange(size, dtype=np.float32) + 0.5)[None, :]
    yy, xx = grid[:, :, None], grid[:, None, :]  # (1, H, 1), (1, 1, W)

    def col(v: np.ndarray) -> np.ndarray:
        return np.asarray(v, dtype=np.float32)[:, None, None]

    def depth_of(y: np.ndarray) -> np.ndarray:  # 0 at the horizon, 1 near the bottom
        return (y - horizon[:, None]) / (61 * s - horizon[:, None])

    def centre(t: np.ndarray) -> np.ndarray:
        return vanish[:, None] + (bottom - vanish)[:, None] * t

    def half_width(t: np.ndarray) -> np.ndarray:
        return (1 + 26 * t) * s

    t_row = depth_of(grid)[:, :, None]  # (n, H, 1)
    off = xx - centre(depth_of(grid))[:, :, None]  # (n, H, W): x from the road's centre
    ground = t_row > 0
    width = half_width(np.clip(t_row, 0, None))
    sky_top = np.array([SKY[LIGHTINGS[k]] for k in lighting], dtype=np.float32)
    fade = np.clip(yy / col(horizon), 0, 1)[:, None]  # (n, 1, H, 1)
    img = (sky_top[:, :, None, None] * (1 - 0.25 * fade) * np.ones((1, 1, 1, size))).astype(
        np.float32
    )
    depth = (np.where(ground, np.clip(t_row, 0, 1), 0.0) * np.ones_like(off)).astype(np.float32)

    def paint(mask: np.ndarray, colour: np.ndarray, t: np.ndarray | None = None) -> None:
        colour = np.broadcast_to(np.asarray(colour, dtype=np.float32), (n, 3))
        for c in range(3):
            np.copyto(img[:, c], col(colour[:, c]), where=mask)
        if t is not None:
            np.copyto(depth, col(t.astype(np.float32)), where=mask)

    paint(ground, GRASS * rng.uniform(0.85, 1.15, (n, 1)))
    paint(ground & (np.abs(off) < width * 1.55), SIDEWALK * rng.uniform(0.9, 1.1, (n, 1)))
    paint(ground & (np.abs(off) < width), ROAD * rng.uniform(0.85, 1.15, (n, 1)))
    line = (0.35 + 0.6 * t_row) * s
    edge = ground & (np.abs(np.abs(off) - width * 0.94) < line)
    dashes = np.mod(6.0 / (t_row + 0.15) + col(rng.uniform(0, 1, n)), 1.0) < 0.5
    paint(edge | (ground & (np.abs(off) < line) & dashes), np.full(3, MARKING))

    def place(t: np.ndarray, lateral: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Feet row and centre column of an object at depth t, ``lateral`` half-widths aside."""
        feet = horizon + t * (61 * s - horizon)
        return feet, vanish + (bottom - vanish) * t + lateral * half_width(t)

    # bins at the roadside or on the road (any scene): grey-green boxes with a dark lid
    t_bin = rng.uniform(0.2, 0.8, n)
    feet, x = place(t_bin, rng.choice([-1, 1], n) * rng.uniform(0.3, 1.3, n))
    h = (5 + 9 * t_bin) * s
    has_bin = rng.random(n) < 0.4
    body = _rect(xx, yy, x - 0.3 * h, x + 0.3 * h, feet - h, feet) & has_bin[:, None, None]
    paint(body, np.array([0.25, 0.38, 0.32]) * rng.uniform(0.7, 1.3, (n, 1)), t_bin)
    paint(body & (yy < col(feet - 0.8 * h)), np.array([0.2, 0.2, 0.2]), t_bin)

    # cars: ahead in the path ("vehicle"), or another car further away (some other frames)
    is_vehicle = scene == 1
    t_car = np.where(is_vehicle, rng.uniform(0.3, 0.95, n), rng.uniform(0.1, 0.35, n))
    lateral = np.where(is_vehicle, rng.uniform(-0.3, 0.3, n), rng.choice([-0.6, 0.6], n))
    feet, x = place(t_car, lateral)
    wide = (5 + 22 * t_car) * s
    has_car = is_vehicle | ((scene != 1) & (rng.random(n) < 0.3))
    car = (
        _rect(xx, yy, x - wide / 2, x + wide / 2, feet - 0.7 * wide, feet) & has_car[:, None, None]
    )
    paint(car, CLOTHES[rng.integers(len(CLOTHES), size=n)] * 0.9, t_car)
    glass = car & (yy < col(feet - 0.4 * wide)) & (np.abs(xx - col(x)) < col(0.38 * wide))
    paint(glass, np.array([0.12, 0.14, 0.18]), t_car)
    lights = car & (yy > col(feet - 0.32 * wide)) & (yy < col(feet - 0.2 * wide))
    paint(lights & (np.abs(xx - col(x)) > col(0.36 * wide)), np.array([0.9, 0.1, 0.1]), t_car)
    paint(car & (yy > col(feet - 0.1 * wide)), np.array([0.05, 0.05, 0.05]), t_car)

    # the pedestrian: in the path (label 1), else on a sidewalk, beyond the road's edge
    in_path = scene == 0
    t_ped = np.where(in_path, rng.uniform(0.25, 1.0, n), rng.uniform(0.25, 0.65, n))
    h = (6 + 20 * t_ped) * s
    side = rng.choice([-1, 1], n) * (rng.uniform(1.2, 1.45, n) + 0.24 * h / half_width(t_ped))
    feet, x = place(t_ped, np.where(in_path, rng.uniform(-0.6, 0.6, n), side))
    top = feet - h
    skin = np.array([SKIN[APPEARANCES[int(d)]] for d in dark]) * rng.uniform(0.88, 1.08, (n, 1))
    shirt, trousers = (CLOTHES[rng.integers(len(CLOTHES), size=n)] for _ in range(2))
    shirt, trousers = (c * rng.uniform(0.8, 1.1, (n, 1)) for c in (shirt, trousers))
    stride = rng.uniform(0.04, 0.11, n) * h  # how far the legs are apart
    head = _ellipse(xx, yy, x, top + 0.1 * h, np.maximum(0.11 * h, 0.8), 0.1 * h)
    torso = _rect(xx, yy, x - 0.17 * h, x + 0.17 * h, top + 0.18 * h, top + 0.58 * h)
    arms = _rect(xx, yy, x - 0.24 * h, x + 0.24 * h, top + 0.2 * h, top + 0.5 * h) & ~torso
    legs = _rect(xx, yy, x - stride - 0.06 * h, x - stride + 0.06 * h, top + 0.56 * h, feet) | (
        _rect(xx, yy, x + stride - 0.06 * h, x + stride + 0.06 * h, top + 0.56 * h, feet)
    )
    shorts = legs & (yy < col(top + 0.76 * h))
    paint(torso, shirt, t_ped)
    paint(shorts, trousers, t_ped)
    paint(arms | head | (legs & ~shorts), skin, t_ped)  # bare arms and lower legs
    person = head | torso | arms | legs

    light = np.array(LIGHTINGS)[lighting]
    dusk, fog = light == "dusk", light == "fog"
    img[dusk] *= np.array([0.72, 0.6, 0.58], dtype=np.float32)[:, None, None]
    haze = 0.1 + 0.4 * (1 - depth[fog][:, None])
    img[fog] = img[fog] * (1 - haze) + 0.78 * haze
    img += rng.standard_normal(img.shape, dtype=np.float32) * np.float32(NOISE)
    box = np.stack([x - 0.24 * h, top, x + 0.24 * h, feet], axis=1)
    return DrivingFrames(
        X=np.clip(img, 0, 1, out=img),
        y=in_path.astype(np.int64),
        scene=np.array(SCENES)[scene],
        appearance=np.where(dark, "dark", "light"),
        lighting=light,
        box=_pixel_box(box, size),
        person=person,
    )


def _per_frame(v: np.ndarray) -> np.ndarray:
    return np.asarray(v, dtype=np.float32)[:, None, None]


def _rect(xx, yy, x0, x1, y0, y1) -> np.ndarray:
    """Pixels whose centres lie in ``[x0, x1] × [y0, y1]``, per frame (vectors of n)."""
    c = _per_frame
    return (xx >= c(x0)) & (xx <= c(x1)) & (yy >= c(y0)) & (yy <= c(y1))


def _ellipse(xx, yy, cx, cy, rx, ry) -> np.ndarray:
    """Pixels whose centres lie in the ellipse, per frame (vectors of n)."""
    c = _per_frame
    return ((xx - c(cx)) / c(rx)) ** 2 + ((yy - c(cy)) / c(ry)) ** 2 <= 1


def _pixel_box(box: np.ndarray, size: int) -> np.ndarray:
    """Continuous ``(x0, y0, x1, y1)`` to the inclusive pixel bounds of the centres inside."""
    low = np.ceil(box[:, :2] - 0.5)
    high = np.floor(box[:, 2:] - 0.5)
    return np.clip(np.concatenate([low, high], axis=1), 0, size - 1).astype(np.int64)


def driving_data(
    seed: int,
    *,
    n_train: int = 2400,
    n_test: int = 1000,
    biased: bool = False,
    biased_dark_share: float = 0.02,
) -> DrivingData:
    """Seeded train and test frames; ``biased`` makes dark-shaded pedestrians rare in the path.

    Half the pedestrians are of each appearance group, except in a biased training
    split, where ``biased_dark_share`` of the pedestrians in the path are ``dark``
    (those on sidewalks stay half and half): dark-shaded pedestrians are seldom seen
    where they matter. The test split is always balanced, so a model trained so
    misses dark-shaded pedestrians in the path more often (a gap in false-negative
    rates between the appearance groups).

    Parameters
    ----------
    seed : int
        Seed of both splits (they are drawn from separate streams).
    n_train, n_test : int
        Frames in each split.
    biased : bool
        Render the training frames with few dark-shaded pedestrians in the path.
    biased_dark_share : float
        The share of dark-shaded pedestrians in the path of biased training frames.

    Returns
    -------
    DrivingData

    Examples
    --------
    >>> data = driving_data(0, n_train=40, n_test=20)
    >>> data.train.X.shape, sorted(data.test.sensitive.columns)
    ((40, 3, 64, 64), ['appearance', 'lighting'])
    """
    train_seed, test_seed = (
        int(s.generate_state(1)[0]) for s in np.random.SeedSequence([seed, 0xD21E]).spawn(2)
    )
    share = biased_dark_share if biased else 0.5
    source = (
        f"Generated road scenes ({n_train} training and {n_test} test frames, 64x64 RGB; "
        "a pedestrian in the path, or a vehicle ahead, or a clear road; day, dusk, fog; "
        "sensitive: appearance, lighting"
        + (f"; {share:.0%} dark-shaded pedestrians in the path in training" if biased else "")
        + f"), seed {seed}"
    )
    return DrivingData(
        train=render_frames(n_train, seed=train_seed, dark_share=share, dark_share_aside=0.5),
        test=render_frames(n_test, seed=test_seed),
        source=source,
    )
