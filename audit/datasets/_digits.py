"""The 8×8 handwritten digits that ship with scikit-learn, as images (no network)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from audit.errors import bad_input

__all__ = ["DIGITS_SOURCE", "ImageData", "digits_images"]

DIGITS_SOURCE = (
    "Handwritten digits 8x8 (UCI optical recognition of handwritten digits, test set; "
    "1,797 images), from scikit-learn"
)


@dataclass
class ImageData:
    """Images split into train and test, rows aligned with their labels.

    ``X_*`` are float32 arrays ``(rows, channels, height, width)`` with values in
    [0, 1]; ``y_*`` int64 class labels; ``index_*`` the rows' positions in the
    source data set.
    """

    X_train: np.ndarray
    X_test: np.ndarray
    y_train: np.ndarray
    y_test: np.ndarray
    index_train: np.ndarray
    index_test: np.ndarray
    class_names: list[str]
    channel_names: list[str]
    source: str = DIGITS_SOURCE

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.X_train.shape[1:])


def digits_images(seed: int = 0, test_size: float = 0.3) -> ImageData:
    """Load scikit-learn's digits as ``(N, 1, 8, 8)`` images, split with a seeded stratified split.

    Pixel intensities (0–16 in the source) are divided by 16, so values lie in
    [0, 1]. The class names are ``"0"`` to ``"9"``.

    Parameters
    ----------
    seed : int
        Seed of the stratified train/test split.
    test_size : float
        Share of images in the test split, in (0, 1).

    Returns
    -------
    ImageData

    Raises
    ------
    AuditInputError
        When ``test_size`` is not in (0, 1).

    Examples
    --------
    >>> data = digits_images(seed=0)
    >>> data.X_train.shape[1:], data.X_test.shape[0]
    ((1, 8, 8), 540)
    """
    if not 0 < test_size < 1:
        raise bad_input("test_size", "a float in (0, 1)", test_size)
    digits = load_digits()
    X = (digits.images / 16.0).astype(np.float32)[:, None, :, :]
    y = digits.target.astype(np.int64)
    rows = np.arange(len(y))
    train_rows, test_rows = train_test_split(
        rows, test_size=test_size, random_state=seed, stratify=y
    )
    train_rows, test_rows = np.sort(train_rows), np.sort(test_rows)
    return ImageData(
        X_train=X[train_rows],
        X_test=X[test_rows],
        y_train=y[train_rows],
        y_test=y[test_rows],
        index_train=train_rows,
        index_test=test_rows,
        class_names=[str(d) for d in range(10)],
        channel_names=["gray"],
    )
