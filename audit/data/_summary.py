"""Wide model inputs (images, long sequences) as a few readable columns for the data check.

A data audit of 150,528 pixel columns (a 224×224 RGB image) would test every pixel for
shift and imbalance: slow, and no reader acts on "pixel 81,337 shifted". Inputs with more
than :data:`WIDE` values per row are summarised instead, per channel (images: the second
axis of ``(rows, channels, height, width)``; sequences: the last axis of ``(rows, steps,
features)``), by their mean, standard deviation, minimum and maximum: brightness,
contrast and range shifts between train and test show there, and identical inputs stay
identical (duplicates are still found).
"""

from __future__ import annotations

import pandas as pd
import torch

__all__ = ["WIDE", "input_columns"]

#: Values per row above which the data check reads summaries, not every value.
WIDE = 1024


def input_columns(
    X: torch.Tensor,
    *,
    modality: str,
    feature_names: list[str] | None = None,
    channel_names: list[str] | None = None,
) -> tuple[pd.DataFrame, str | None]:
    """The data check's columns for model inputs ``X``, and a note when summarised.

    Parameters
    ----------
    X : Tensor
        Rows first.
    modality : str
        ``"image"`` summarises per channel (axis 1), ``"sequence"`` per feature (last
        axis); other wide inputs per row.
    feature_names, channel_names : list of str, optional
        Column names of narrow inputs; names of the summarised channels.

    Returns
    -------
    DataFrame, str or None

    Examples
    --------
    >>> frame, note = input_columns(torch.zeros(2, 3, 32, 32), modality="image")
    >>> list(frame.columns)[:4]
    ['channel 0 mean', 'channel 0 std', 'channel 0 min', 'channel 0 max']
    >>> note.split(":")[0]
    'Inputs of 3,072 values per row are summarised per channel'
    """
    n = X.shape[0]
    flat = X.reshape(n, -1)
    if flat.shape[1] <= WIDE:
        columns = list(feature_names or [])
        if len(columns) != flat.shape[1]:
            columns = [f"x{i}" for i in range(flat.shape[1])]
        return pd.DataFrame(flat.numpy(), columns=columns), None
    values = X.float()
    if modality == "image" and X.dim() >= 3:
        per = values.reshape(n, X.shape[1], -1)  # (rows, channels, pixels)
        what, unit = "channel", "per channel"
    elif modality == "sequence" and X.dim() == 3:
        per = values.transpose(1, 2)  # (rows, features, steps)
        what, unit = "feature", "per feature over the steps"
    else:
        per = values.reshape(n, 1, -1)
        what, unit = "values", "per row"
    names = list(channel_names or [])
    if len(names) != per.shape[1]:
        names = [f"{what} {i}" for i in range(per.shape[1])] if per.shape[1] > 1 else [what]
    stats = {
        "mean": per.mean(dim=2),
        "std": per.std(dim=2, unbiased=False),
        "min": per.amin(dim=2),
        "max": per.amax(dim=2),
    }
    frame = pd.DataFrame(
        {f"{name} {s}": stats[s][:, i].numpy() for i, name in enumerate(names) for s in stats}
    )
    note = (
        f"Inputs of {flat.shape[1]:,} values per row are summarised {unit}: mean, standard "
        "deviation, minimum and maximum (shift, balance and duplicates are judged on these, "
        "not on every value)."
    )
    return frame, note
