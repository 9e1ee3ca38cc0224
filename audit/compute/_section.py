"""Compute: model size, FLOPs per example, inference time and the training energy estimate."""

from __future__ import annotations

import statistics
import time

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from audit.results import Metric, Section, Table
from audit.settings import ComputeSettings
from audit.subject import Subject, predict_proba

__all__ = ["FLOP_ROWS", "TIME_METRICS", "compute_section", "count_flops"]

SECTION_ID = "compute"
TITLE = "Compute"

#: Test rows the FLOP counter runs one forward pass on (fewer when the test split is smaller).
FLOP_ROWS = 32

#: The metrics whose values record time, and so differ between two runs with the same seed.
TIME_METRICS: frozenset[str] = frozenset(
    {"inference_ms_per_example", "train_seconds", "energy_wh", "co2e_g"}
)


def count_flops(model: nn.Module, X: torch.Tensor) -> dict[str, int]:
    """FLOPs of one forward pass of ``model`` on the batch ``X``, by operator.

    Counted by :class:`torch.utils.flop_counter.FlopCounterMode` in eval mode
    under :func:`torch.no_grad`; the model's training mode is restored after.
    Torch counts a multiply-add as two FLOPs and counts only matrix
    multiplications, convolutions and attention, not element-wise operations.

    Parameters
    ----------
    model : torch.nn.Module
    X : torch.Tensor
        A batch of inputs, rows first.

    Returns
    -------
    dict of str to int
        FLOPs of the whole batch per operator (e.g. ``"aten.addmm"``), largest first.

    Examples
    --------
    >>> import torch
    >>> count_flops(torch.nn.Linear(3, 2), torch.zeros(5, 3))
    {'aten.addmm': 60}
    """
    was_training = model.training
    model.eval()
    counter = FlopCounterMode(display=False)
    try:
        with torch.no_grad(), counter:
            model(X)
    finally:
        model.train(was_training)
    totals = counter.get_flop_counts().get("Global", {})
    by_operator = {str(op): int(flops) for op, flops in totals.items() if flops}
    return dict(sorted(by_operator.items(), key=lambda item: (-item[1], item[0])))


def compute_section(subject: Subject, settings: ComputeSettings | None = None) -> Section:
    """Measure the model's size, FLOPs and inference time; estimate training energy and CO2.

    Every metric is ``info``: there are no policy thresholds for compute. The
    energy estimate is ``train_seconds x power_watts x pue / 3600`` watt-hours and
    the emissions ``energy_wh / 1000 x grid_gco2_per_kwh`` grams CO2e, for the
    training run only; the assumptions are in the table ``assumptions``.

    Parameters
    ----------
    subject : Subject
    settings : ComputeSettings, optional
        Power draw, PUE and grid intensity of the estimate; inference batch and repeats.

    Returns
    -------
    Section
        Metrics ``n_parameters``, ``trainable_parameters``, ``model_size_mb``,
        ``flops_per_example``, ``inference_ms_per_example`` and, when the training
        wall time is known, ``train_seconds``, ``energy_wh`` and ``co2e_g``; tables
        ``flops_by_operator`` and ``assumptions``. The values of
        :data:`TIME_METRICS` differ between runs.

    Examples
    --------
    >>> import torch
    >>> from audit import Subject
    >>> X, y = torch.randn(8, 3), torch.tensor([0, 1] * 4)
    >>> section = compute_section(Subject(torch.nn.Linear(3, 2), (X, y), (X, y)))
    >>> section.metric("n_parameters").value, section.metric("flops_per_example").value
    (8.0, 12.0)
    """
    settings = settings or ComputeSettings()
    model = subject.model
    section = Section(id=SECTION_ID, title=TITLE)

    parameters = list(model.parameters())
    n_parameters = sum(p.numel() for p in parameters)
    trainable = sum(p.numel() for p in parameters if p.requires_grad)
    size_bytes = sum(p.numel() * p.element_size() for p in parameters) + sum(
        b.numel() * b.element_size() for b in model.buffers()
    )
    size_mb = size_bytes / 2**20
    section.metrics += [
        Metric("n_parameters", n_parameters, description="parameters of the model"),
        Metric(
            "trainable_parameters",
            trainable,
            description="parameters that require gradients",
        ),
        Metric(
            "model_size_mb",
            size_mb,
            description="memory of the parameters and buffers, in MiB (bytes / 2^20)",
        ),
    ]

    X_test = subject.X_test
    flop_rows = min(FLOP_ROWS, X_test.shape[0])
    by_operator = count_flops(model, X_test[:flop_rows])
    flops = sum(by_operator.values()) / flop_rows
    section.metrics.append(
        Metric(
            "flops_per_example",
            flops,
            description=(
                f"FLOPs of one forward pass per example (torch's counter on {flop_rows} "
                "test rows; a multiply-add is 2 FLOPs; element-wise operations not counted)"
            ),
        )
    )
    section.tables.append(
        Table(
            id="flops_by_operator",
            title="FLOPs by operator",
            columns=["operator", "flops", "flops_per_example"],
            rows=[[op, total, total / flop_rows] for op, total in by_operator.items()],
            caption=(
                f"One forward pass on {flop_rows} test rows in eval mode, counted by "
                "torch.utils.flop_counter.FlopCounterMode."
            ),
        )
    )
    counted = ", ".join(by_operator) or "none"
    section.notes.append(
        f"FLOPs counted for the operators: {counted}. Torch's FLOP counter counts only "
        "matrix multiplications, convolutions and attention; element-wise operations "
        "(activations, normalization, bias additions, softmax) are not counted, so "
        "flops_per_example is a lower bound."
    )

    inference_rows = min(settings.inference_batch, X_test.shape[0])
    seconds = _inference_seconds(subject, X_test[:inference_rows], settings.inference_repeats)
    section.metrics.append(
        Metric(
            "inference_ms_per_example",
            seconds / inference_rows * 1000,
            description=(
                f"median over {settings.inference_repeats} runs of the time to predict "
                f"{inference_rows} test rows, per example, in milliseconds (after one warm-up)"
            ),
        )
    )

    history = subject.history
    train_seconds = None if history is None else history.seconds
    if train_seconds is None:
        reason = "no training history" if history is None else "a history without wall time"
        section.notes.append(
            f"The subject has {reason}: train_seconds, energy_wh and co2e_g are not reported."
        )
    else:
        energy_wh = train_seconds * settings.power_watts * settings.pue / 3600
        co2e_g = energy_wh / 1000 * settings.grid_gco2_per_kwh
        section.metrics += [
            Metric("train_seconds", train_seconds, description="wall time of the training run"),
            Metric(
                "energy_wh",
                energy_wh,
                description="estimated energy of the training run in Wh (not measured)",
            ),
            Metric(
                "co2e_g",
                co2e_g,
                description="estimated emissions of the training run in g CO2e (not measured)",
            ),
        ]
    section.tables.append(_assumptions_table(settings, known_time=train_seconds is not None))

    section.summary = (
        f"{n_parameters:,} parameters ({size_mb:.3g} MiB) and {flops:,.0f} FLOPs per example "
        "per forward pass; inference time and the training energy and CO2e estimates are "
        "in the metrics below."
    )
    return section


def _inference_seconds(subject: Subject, X: torch.Tensor, repeats: int) -> float:
    """Median wall time in seconds of predicting ``X`` in one batch, after one warm-up."""

    def predict() -> None:
        predict_proba(
            subject.model,
            X,
            batch_size=X.shape[0],
            n_classes=subject.n_classes,
        )

    predict()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        predict()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _assumptions_table(settings: ComputeSettings, *, known_time: bool) -> Table:
    def source(field: str) -> str:
        where = "set in config" if field in settings.model_fields_set else "default"
        return f"compute.{field} ({where})"

    time_source = (
        "subject.history.seconds: wall time of the fit loop"
        if known_time
        else "not known: no estimate is made"
    )
    return Table(
        id="assumptions",
        title="Energy estimate: model and assumptions",
        columns=["quantity", "value", "source"],
        rows=[
            [
                "energy model",
                "energy_wh = train_seconds x power_watts x pue / 3600; "
                "co2e_g = energy_wh / 1000 x grid_gco2_per_kwh",
                "this check",
            ],
            ["average power draw while training (W)", settings.power_watts, source("power_watts")],
            ["power usage effectiveness (PUE)", settings.pue, source("pue")],
            [
                "grid carbon intensity (g CO2e per kWh)",
                settings.grid_gco2_per_kwh,
                source("grid_gco2_per_kwh"),
            ],
            ["training time", "train_seconds", time_source],
            [
                "scope",
                "the training run only: not inference, data preparation, tuning runs "
                "or the hardware's embodied emissions",
                "this check",
            ],
            [
                "kind",
                "an estimate from wall time and an assumed average power draw; "
                "no power or energy was measured",
                "this check",
            ],
        ],
        caption="Set power_watts, pue and grid_gco2_per_kwh under compute in the config "
        "to describe your hardware and grid.",
    )
